"""How gradients and gradient checks show themselves in Jupyter.

`gradient_html(g)` is `grad(f)` in a notebook cell: the generated code,
syntax-highlighted when Pygments is installed (plain, escaped text otherwise:
no new dependency), with the SSA listing folded one click away under it.
`report_html(r)` is a `check_grad` report as a table, one row per argument.

    <b>grad of loss</b> wrt=0            argument | shape | verdict | max abs error | ...
    def loss_adjoint(w, X, y, ...):      w        | (3,)  | ok      | 2.1e-11       | ...
        ...
    > SSA
"""
from __future__ import annotations

import html
from typing import Any

import numpy as np


def highlighted(source: str) -> str:
    """`source` (Python) as HTML: Pygments' colours inline, or a plain <pre>."""
    try:
        from pygments import highlight
        from pygments.formatters import HtmlFormatter
        from pygments.lexers import PythonLexer
    except ImportError:
        return f"<pre>{html.escape(source)}</pre>"
    return highlight(source, PythonLexer(), HtmlFormatter(noclasses=True, nobackground=True))


def _folded(title: str, text: str) -> str:
    return f"<details><summary>{html.escape(title)}</summary><pre>{html.escape(text)}</pre>" \
           "</details>"


def gradient_html(gradient: Any) -> str:
    """A `Gradient` in a notebook: its title, generated source and SSA."""
    title = f"<p><b>{html.escape(repr(gradient).strip('<>'))}</b></p>"
    try:
        source, ssa = gradient.source, gradient.ssa
    except Exception as exc:  # not transformable: the error is what to show
        return title + f"<pre>{html.escape(f'{type(exc).__name__}: {exc}')}</pre>"
    return title + highlighted(source) + _folded("SSA of the primal", ssa)


def gradient_markdown(gradient: Any) -> str:
    """A `Gradient` as Markdown (for front ends that render that, not HTML)."""
    try:
        source, ssa = gradient.source, gradient.ssa
    except Exception as exc:
        return f"**{repr(gradient).strip('<>')}**\n\n```text\n{type(exc).__name__}: {exc}\n```\n"
    return f"**{repr(gradient).strip('<>')}**\n\n```python\n{source}```\n\n" + \
        _folded("SSA of the primal", ssa) + "\n"


_COLUMNS = ("argument", "shape", "verdict", "max abs error", "max rel error", "compiled",
            "tape", "numeric")


def report_html(report: Any) -> str:
    """A `GradCheckReport` as an HTML table."""
    verdict = "ok" if report.passed else "FAILED"
    head = "".join(f"<th>{c}</th>" for c in _COLUMNS)
    rows = [f"<tr>{''.join(f'<td>{cell}</td>' for cell in _cells(c))}</tr>" +
            (f"<tr><td></td><td colspan='{len(_COLUMNS) - 1}'>{html.escape(c.diagnosis)}"
             "</td></tr>" if c.diagnosis else "") for c in report.checks]
    caption = html.escape(f"check_grad of {report.function}: {verdict} "
                          f"(rtol={report.rtol:g}, atol={report.atol:g})")
    note = f"<p>{html.escape(report.tape_note())}</p>" if report.tape_error else ""
    return f"<table><caption>{caption}</caption><tr>{head}</tr>{''.join(rows)}</table>{note}"


def _cells(check: Any) -> list[str]:
    status = "ok" if check.passed else "<b style='color:#b00'>MISMATCH</b>"
    values = [f"<pre>{html.escape(_show(getattr(check, k), 0))}</pre>"
              for k in ("compiled", "tape", "numeric")]
    return [html.escape(check.name), html.escape(str(_shape(check.compiled))), status,
            f"{check.max_abs_error:.3g}", f"{check.max_rel_error:.3g}", *values]


def _shape(value: Any) -> object:
    return np.shape(value) if not isinstance(value, (dict, list, tuple)) else type(value).__name__


def _show(value, indent=13):
    """A gradient for the report: arrays with their rows aligned, and differences
    from zero below 1e-10 of the largest entry shown as zeros."""
    if value is None:
        return "-"
    text = np.array2string(np.asarray(value), precision=10, threshold=20, separator=", ",
                           suppress_small=True) \
        if not isinstance(value, (dict, list, tuple)) else repr(value)
    return text.replace("\n", "\n" + " " * indent)
