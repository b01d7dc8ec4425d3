"""The benchmark scripts still run (tiny sizes; no timing is asserted): each one
checks its gradients against a reference before it reports."""
import importlib.util
import os

import numpy as np
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def load(name):
    path = os.path.join(ROOT, "benchmarks", f"{name}.py")
    spec = importlib.util.spec_from_file_location(f"benchmark_{name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_fill_loop_gradient_matches_the_hand_written_one(capsys):
    rows = load("fill_loop").main(["--sizes", "50,200"])
    assert [r[0] for r in rows] == [50, 200]
    assert "| 200 |" in capsys.readouterr().out


def test_loop_memory_reports_a_gradient(capsys):
    load("loop_memory").main(["--steps", "2000"])
    out = capsys.readouterr().out
    assert "memory per iteration" in out and "gradient" in out


def test_peer_benchmark_agrees_before_timing(capsys):
    pytest.importorskip("autograd")
    run = load("run")
    run.main(["--quick", "--only", "scalar"])
    out = capsys.readouterr().out
    assert "scalar (x+y)*max(y,z)" in out


def test_higher_order_sizes_grow_and_each_order_is_the_slope_of_the_last():
    from transpiler import grad
    sizes = load("higher_order_size")
    rows = sizes.main()
    lengths = [r[2] for r in rows]
    assert lengths == sorted(lengths) and len(lengths) == 5
    f, h = sizes.twenty_lines, 1e-4
    for order, _, _, value in rows[:4]:  # central differences of the order below
        slope = (f(0.8 + h) - f(0.8 - h)) / (2 * h)
        assert np.isclose(value, slope, rtol=1e-5, atol=1e-6), (order, value, slope)
        f = grad(f)


def test_dynamic_call_benchmark_checks_both_paths_before_timing(capsys):
    rows = load("dynamic_calls").main(["--calls", "20", "--rounds", "1"])
    assert [r[0] for r in rows] == ["reverse (grad)", "forward (jvp)"]
    assert "dynamic / static" in capsys.readouterr().out


def test_jit_rows_agree_before_timing(capsys):
    pytest.importorskip("numba", reason="the jit rows need numba")
    rows = load("run").main(["--quick", "--only", "sin", "--markdown"])
    out = capsys.readouterr().out
    assert "| 1000-step math.sin loop |" in out and "jit compile" in out
    assert "tapeless jit" in rows[0]["seconds"] and "numba hand-written" in rows[0]["seconds"]
