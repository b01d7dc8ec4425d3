"""Stepping through a gradient in pdb, and how gradients and checks display in notebooks."""
import bdb
import builtins
import io
import pdb
import sys

import numpy as np
import pytest

from transpiler import check_grad, grad, value_and_grad


def loss(w, x, y):
    z = np.tanh(w * x)
    r = z - y
    return np.sum(r * r)


W, X, Y = np.array([0.5, -1.0]), np.array([1.0, 2.0]), np.array([0.2, 0.1])


def expected_gradient(w, x, y):
    z = np.tanh(w * x)
    return 2 * (z - y) * (1 - z ** 2) * x


@pytest.fixture(autouse=True)
def no_breakpoints_left():
    """pdb's breakpoints are global: each test starts and ends without any."""
    yield
    bdb.Breakpoint.clearBreakpoints()


def scripted(monkeypatch, *commands):
    """pdb reads `commands` and writes to the returned buffer."""
    out = io.StringIO()
    monkeypatch.setattr(sys, "stdin", io.StringIO("\n".join(commands) + "\n"))
    monkeypatch.setattr(sys, "stdout", out)
    return out


def first_reverse_line(source):
    """The first statement of the reverse sweep (after the first `# adjoint of` comment)."""
    lines = source.splitlines()
    return next(i for i, line in enumerate(lines, 1) if "# adjoint of" in line) + 1


def test_debug_stops_in_the_generated_code_and_breakpoints_fire(monkeypatch):
    g = grad(loss)
    g(W, X, Y)
    line = first_reverse_line(g.source)
    out = scripted(monkeypatch, f"b {line}", "c", "p r.tolist()", "c")
    got = g.debug(W, X, Y)
    monkeypatch.undo()
    text = out.getvalue()
    assert f"Breakpoint 1 at {g.source_file}:{line}" in text
    assert f"({line})loss_adjoint()" in text  # the breakpoint was hit ...
    assert str((np.tanh(W * X) - Y).tolist()) in text  # ... and `p r` printed the residual there
    np.testing.assert_allclose(got, expected_gradient(W, X, Y))


def test_a_breakpoint_by_file_and_line_works_from_any_pdb_session(monkeypatch):
    g = value_and_grad(loss)
    g(W, X, Y)  # compiled: its file exists
    line = len(g.source.splitlines())  # the return statement
    out = io.StringIO()
    commands = io.StringIO(f"b {g.source_file}:{line}\nc\np d_w.tolist()\nc\n")
    debugger = pdb.Pdb(stdin=commands, stdout=out)
    result = debugger.runcall(g, W, X, Y)
    assert result is not None, out.getvalue()
    value, got = result
    text = out.getvalue()
    assert f"Breakpoint 1 at {g.source_file}:{line}" in text
    assert f"({line})loss_adjoint()" in text
    assert str(expected_gradient(W, X, Y).tolist()) in text  # `p d_w` there
    np.testing.assert_allclose(got, expected_gradient(W, X, Y))
    assert value == pytest.approx(np.sum((np.tanh(W * X) - Y) ** 2))


def test_debug_returns_what_the_call_returns_for_a_bound_method(monkeypatch):
    class Model:
        def __init__(self, scale):
            self.scale = scale

        def energy(self, x):
            return self.scale * np.sum(x * x)
    model = Model(3.0)
    scripted(monkeypatch, "c")
    got = grad(model.energy).debug(X)
    monkeypatch.undo()
    np.testing.assert_allclose(got, 6.0 * X)


def test_check_grad_report_reads_as_text_and_as_a_table():
    report = check_grad(loss, W, X, Y, wrt=(0, 1))
    text = repr(report)  # what a prompt shows
    assert text == str(report) and text.startswith("check_grad of loss: ok")
    assert "w: ok" in text and "x: ok" in text
    table = report._repr_html_()
    assert table.startswith("<table>") and table.count("<tr>") == 3  # header + 2 arguments
    assert "<td>w</td><td>(2,)</td><td>ok</td>" in table


def halfsin(x):
    return np.sin(x) / 2


def test_a_failing_check_shows_its_diagnosis_in_the_table():
    from transpiler.rules import table as rules

    def f(x):
        return np.sum(halfsin(x))
    rules.adjoint(halfsin)(lambda g, ans, x: g * np.cos(x))  # wrong: the 1/2 is missing
    try:
        report = check_grad(f, X)
    finally:
        rules.remove(halfsin)
    assert not report.passed
    table = report._repr_html_()
    assert "MISMATCH" in table and "suspect a derivative rule" in table


def test_gradients_show_their_source_in_notebooks():
    g = grad(loss)
    page = g._repr_html_()
    assert "loss_adjoint" in page and "<details><summary>SSA" in page
    assert "style=" in page  # highlighted (pygments is installed with pytest)
    markdown = g._repr_markdown_()
    assert f"```python\n{g.source}```" in markdown


def test_without_pygments_the_source_is_plain_escaped_text(monkeypatch):
    real_import = builtins.__import__

    def no_pygments(name, *args, **kwargs):
        if name.startswith("pygments"):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)
    monkeypatch.setattr(builtins, "__import__", no_pygments)
    g = grad(loss)
    page = g._repr_html_()
    assert "<pre>def loss_adjoint(w, x, y" in page and "style=" not in page


def test_a_function_that_cannot_be_transformed_displays_its_error():
    g = grad(lambda x: np.sum(x) if x else 1)  # noqa: E731 - a lambda typed inline
    exec("def typed(x):\n    return x\n", globals())
    page = grad(globals()["typed"])._repr_html_()
    assert "TranspileError" in page and "cannot read the source" in page
    assert isinstance(g._repr_markdown_(), str)
