"""check_grad and `python -m transpiler check`: agreement is reported with the
right numbers, and a deliberately wrong derivative rule is caught and named."""
import math
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from transpiler import GradientMismatch, check_grad, partials
from transpiler.rules import table as rules
from transpiler.check import _check_argument

from conftest import assert_close

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def poly(x, y):
    return x * x * y + 3.0 * y


def layer(W, b, x):
    return np.sum(np.tanh(W @ x + b) ** 2)


def test_report_holds_the_three_gradients():
    report = check_grad(poly, 3.0, 2.0, wrt=(0, 1))
    assert report.passed
    x, y = report["x"], report[1]
    assert (x.compiled, x.tape, y.compiled, y.tape) == (12.0, 12.0, 12.0, 12.0)
    assert math.isclose(x.numeric, 12.0, rel_tol=1e-8) and math.isclose(y.numeric, 12.0,
                                                                         rel_tol=1e-8)
    assert 0.0 < x.max_abs_error < 1e-6 and x.max_rel_error < 1e-7
    text = str(report)
    assert text.startswith("check_grad of poly: ok") and "  x: ok" in text and "  y: ok" in text


def test_arrays_by_parameter_name(rng):
    W, b, x = rng.normal(size=(3, 2)), rng.normal(size=3), rng.normal(size=2)
    report = check_grad(layer, W, b, x, wrt=("W", "x"))
    assert report.passed and [c.name for c in report.checks] == ["W", "x"]
    assert report["W"].compiled.shape == (3, 2) and report["x"].numeric.shape == (2,)
    assert_close(report["W"].compiled, report["W"].tape, rtol=1e-12)
    assert_close(report["W"].compiled, report["W"].numeric, rtol=1e-6)
    single = check_grad(layer, W, b, x)
    assert [c.name for c in single.checks] == ["W"] and single.passed


def softplus(x):
    return math.log1p(math.exp(x))


def fresh_model():
    """A new function each time: a compiled gradient keeps the rules it was built with."""
    def model(x, y):
        return softplus(x * y) + y
    return model


def _broken_softplus(ans, x):
    return 2.0 / (1.0 + math.exp(-x))  # twice the true derivative, the logistic function


def test_a_wrong_rule_is_caught_naming_the_argument_and_the_error():
    partials(softplus)(_broken_softplus)
    try:
        report = check_grad(fresh_model(), 0.5, -1.5, wrt=(0, 1))
    finally:
        rules.remove(softplus)
    sig = 1.0 / (1.0 + math.exp(0.75))  # the true derivative of softplus at x * y
    x, y = report["x"], report["y"]
    assert not report.passed and not x.passed and not y.passed
    assert math.isclose(x.compiled, 2 * sig * -1.5) and x.compiled == x.tape
    assert math.isclose(x.numeric, sig * -1.5, rel_tol=1e-7)
    assert math.isclose(x.max_abs_error, abs(sig * 1.5), rel_tol=1e-6)
    assert math.isclose(y.max_abs_error, abs(sig * 0.5), rel_tol=1e-6)
    text = str(report)
    assert "FAILED" in text and f"x: MISMATCH  max abs error {x.max_abs_error:.3g}" in text
    assert f"y: MISMATCH  max abs error {y.max_abs_error:.3g}" in text
    assert "suspect a derivative rule" in text


def my_hypot(x, y):
    return math.sqrt(x * x + y * y)


def test_a_wrong_rule_for_one_argument_fails_only_that_argument():
    @rules.adjoint(my_hypot)
    def hypot_wrong_y(g, ans, x, y):
        return g * x / ans, g * x / ans  # y's contribution uses x

    def f(a, b):
        return my_hypot(a, b) + a
    try:
        report = check_grad(f, 3.0, 4.0, wrt=(0, 1))
    finally:
        rules.remove(my_hypot)
    assert report["a"].passed and not report["b"].passed
    assert math.isclose(report["b"].max_abs_error, 0.2, rel_tol=1e-6)  # 3/5 instead of 4/5
    assert "a: ok" in str(report) and "b: MISMATCH  max abs error 0.2" in str(report)


def test_raise_on_failure():
    partials(softplus)(_broken_softplus)
    try:
        with pytest.raises(GradientMismatch, match="x: MISMATCH") as info:
            check_grad(fresh_model(), 0.5, -1.5, raise_on_failure=True)
    finally:
        rules.remove(softplus)
    assert not info.value.report.passed and isinstance(info.value, AssertionError)
    assert check_grad(fresh_model(), 0.5, -1.5, raise_on_failure=True).passed  # rule gone


def test_tolerances_decide():
    report = check_grad(poly, 3.0, 2.0, rtol=0.0, atol=0.0)
    assert not report.passed and report["x"].max_abs_error > 0.0
    assert "rtol=0, atol=0" in str(report)


def test_which_engine_disagrees_is_diagnosed():
    bad_compiler = _check_argument("x", 1.5, 1.0, 1.0, 1e-5, 1e-7)
    bad_tape = _check_argument("x", 1.0, 1.5, 1.0, 1e-5, 1e-7)
    wrong_shape = _check_argument("x", np.ones(3), np.ones(2), np.ones(2), 1e-5, 1e-7)
    assert "suspect the compiler" in bad_compiler.diagnosis and not bad_compiler.passed
    assert "suspect the tape engine" in bad_tape.diagnosis and bad_tape.max_abs_error == 0.5
    assert "shapes differ: (3,) vs (2,)" in wrong_shape.diagnosis and not wrong_shape.passed


def unpack(x, y):
    return np.sum(np.array([x, y]) ** 2)


def test_a_function_the_tape_cannot_run_is_still_checked():
    report = check_grad(unpack, 1.0, 2.0, wrt=(0, 1))
    assert report.passed and "cannot become a plain array" in report.tape_error
    assert report["y"].tape is None and report["y"].compiled == 4.0
    assert "finite differences only" in str(report)


def test_container_arguments():
    def loss(p, x):
        return np.sum(p["w"] * x) * p["b"][0]
    report = check_grad(loss, {"w": np.array([1.0, 2.0]), "b": [3.0]}, 0.5)
    assert report.passed
    assert_close(report["p"].tape["w"], np.array([1.5, 1.5]))


# ---- the command line --------------------------------------------------------

def _cli(tmp_path, source, *argv):
    path = tmp_path / "target.py"
    path.write_text(textwrap.dedent(source))
    return subprocess.run([sys.executable, "-m", "transpiler", "check", f"{path}:f", *argv],
                          capture_output=True, text=True, cwd=ROOT)


def test_cli_check_passes(tmp_path):
    done = _cli(tmp_path, """
        import numpy as np
        def f(x, y):
            return np.sum(np.sin(x) * y)
        """, "--args", "np.array([0.5, 1.0]), 2.0", "--wrt", "x,y")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("check_grad of f: ok") and "  y: ok" in done.stdout
    assert "compiled [" in done.stdout  # the array gradient is shown


def test_cli_check_fails_on_a_wrong_rule(tmp_path):
    done = _cli(tmp_path, """
        import math
        import transpiler

        def softplus(x):
            return math.log1p(math.exp(x))

        @transpiler.partials(softplus)
        def wrong(ans, x):
            return 1.0

        def f(x, y):
            return softplus(x) * y
        """, "--args", "0.3, 2.0", "--wrt", "0,1")
    assert done.returncode == 1
    assert "x: MISMATCH" in done.stdout and "y: ok" in done.stdout


def test_cli_check_needs_arguments_and_reports_transpile_errors(tmp_path):
    done = _cli(tmp_path, "def f(x):\n    return x\n")
    assert done.returncode == 2 and "--args" in done.stderr
    done = _cli(tmp_path, """
        def f(x):
            try:
                return x * 2.0
            except ValueError:
                return x
        """, "--args", "1.0")
    assert done.returncode == 1 and "error:" in done.stderr and "try" in done.stderr
