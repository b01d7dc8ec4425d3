"""The generated code: readable, registered with linecache, and what `dump` prints."""
import linecache
import math
import os
import subprocess
import sys
import traceback

import numpy as np
import pytest

from transpiler import grad, transform

from conftest import function_from_source

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.mark.source_text
def test_circuit_adjoint_reads_like_hand_written_math(tmp_path):
    f = function_from_source("def f(x, y, z):\n    return (x + y) * max(y, z)\n", "f", tmp_path)
    df = grad(f, wrt=(0, 1, 2))
    assert df(1.0, 2.0, 0.0) == (2.0, 5.0, 0.0)
    expected = """\
def f_adjoint(x, y, z, d_f=1.0):
    add = x + y
    max_1 = max(y, z)
    f = add * max_1
    # adjoint of line 5: return (x + y) * max(y, z)
    d_add = d_f * max_1
    d_max_1 = d_f * add
    d_y = d_max_1 * (y >= z)
    d_z = d_max_1 * (y < z)
    d_x = d_add
    d_y = d_y + d_add
    return (f, (d_x, d_y, d_z))
"""
    assert df.source == expected


@pytest.mark.source_text
def test_branches_reverse_as_branches(tmp_path):
    src = """
    def f(x, y):
        if x > y:
            r = x * y
        else:
            r = math.sin(x) + y
        return r * 2.0
    """
    f = function_from_source(src, "f", tmp_path)
    df = grad(f, wrt=(0, 1))
    assert df(2.0, 1.0) == (2.0, 4.0)
    assert df(0.5, 1.0) == (2 * np.cos(0.5), 2.0)
    lines = [line.strip() for line in df.source.splitlines()]
    assert lines.count("if cond:") == 2  # the forward branch and its reverse
    assert "d_x = d_r * y" in lines
    assert "r_2 = phi(r, r_1)" in df.ssa


def test_generated_lines_are_in_linecache_and_tracebacks(tmp_path):
    f = function_from_source("def f(x, y):\n    z = x * y\n    return np.sum(z)\n", "f",
                             tmp_path)
    df = grad(f)
    df(np.ones(2), np.ones(2))
    code = df.transformed.code
    assert linecache.getline(code.filename, 1).strip().startswith("def f_adjoint")
    try:
        df(np.ones(2), np.ones(3))  # shapes do not broadcast: fails inside generated code
    except ValueError as exc:
        text = "".join(traceback.format_exception(exc))
        assert code.filename in text  # the traceback shows the generated line ...
        assert "z = x * y" in text  # ... and the note names the user's line
        assert f"{os.path.basename(f.__code__.co_filename)}:5" in text
    else:
        raise AssertionError("expected a ValueError")


def test_bad_arguments_at_call_time(tmp_path):
    f = function_from_source("def f(x, y):\n    return x * y\n", "f", tmp_path)
    df = grad(f)
    with pytest.raises(TypeError, match="string"):
        df("a", 1.0)
    with pytest.raises(TypeError, match="dtype object"):
        df(np.array([1.0, None]), 1.0)
    with pytest.raises(TypeError, match=r"^f\(\) missing a required argument: 'y'"):
        df(1.0)
    assert df(3, 2) == 2.0  # integers are differentiated as real numbers
    assert isinstance(df(3, 2), float)


def test_transformations_are_cached(tmp_path):
    f = function_from_source("def f(x):\n    return x * x\n", "f", tmp_path)
    first, second = grad(f), grad(f)
    first(3.0)
    second(3.0)
    assert first.transformed is second.transformed


def test_every_stage_prints(tmp_path):
    f = function_from_source("def f(x):\n    y = x * 2.0\n    return np.sin(y)\n", "f", tmp_path)
    t = transform(f)
    for stage in ("parse", "normalize", "ssa", "activity", "adjoint", "optimized", "code"):
        assert t.stage_text(stage).strip()
    assert "active:" in t.stage_text("activity")


@pytest.mark.source_text
def test_cli_dump_prints_adjoint_and_ssa():
    env = dict(os.environ, PYTHONPATH=ROOT)
    out = subprocess.run([sys.executable, "-m", "transpiler", "dump",
                          "examples/quickstart.py:circuit", "--wrt", "x,y,z",
                          "--args", "1.0, 2.0, 0.0"],
                         cwd=ROOT, capture_output=True, text=True, env=env, check=True).stdout
    assert out.startswith("def circuit_adjoint(x, y, z, d_circuit=1.0):")
    assert "d_y = d_y + d_add" in out
    out = subprocess.run([sys.executable, "-m", "transpiler", "dump",
                          "examples/quickstart.py:piecewise", "--stage", "ssa"],
                         cwd=ROOT, capture_output=True, text=True, env=env, check=True).stdout
    assert "= phi(" in out


def test_cli_reports_transpile_errors(tmp_path):
    path = tmp_path / "bad.py"
    path.write_text("def f(x):\n    try:\n        return x\n    except Exception:\n"
                    "        return 0.0\n")
    env = dict(os.environ, PYTHONPATH=ROOT)
    proc = subprocess.run([sys.executable, "-m", "transpiler", "dump", f"{path}:f"],
                          capture_output=True, text=True, env=env)
    assert proc.returncode == 1
    assert "bad.py:2:5: cannot differentiate a `try` statement" in proc.stderr


def test_quickstart_example_runs():
    env = dict(os.environ, PYTHONPATH=ROOT)
    out = subprocess.run([sys.executable, "examples/quickstart.py"], cwd=ROOT,
                         capture_output=True, text=True, env=env, check=True).stdout
    assert "circuit(1, 2, 0) = 6.0; gradient = (2.0, 5.0, 0.0)" in out


def test_negative_constants_keep_their_parentheses(tmp_path):
    # (-1.25) ** 2 is 1.5625; printed as -1.25 ** 2 it would be -1.5625
    src = "import math\n\ndef f(x):\n    c = math.log1p((-1.25) ** 2)\n    return x * c + (-2) ** 2 * x\n"
    f = function_from_source(src, "f", tmp_path)
    df = grad(f)
    assert np.isclose(df(0.5), math.log1p(1.5625) + 4.0, rtol=1e-12)
    assert "(-1.25) ** 2" in df.source or "1.5625" in df.source
