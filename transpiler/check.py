"""Gradient checking: the generated adjoint, the tape engine and finite differences, side by side.

`check_grad(f, *args, wrt=...)` computes the gradient three independent ways
(the compiled adjoint of `transpiler.grad`, the operator-overloading tape in
`transpiler.tape`, and central differences in `runtime.numeric`) and reports, per
differentiated argument, the three results, the largest absolute and relative
differences, and whether they agree within `rtol`/`atol`. Which pair disagrees
points at the culprit: the compiler and the tape share only the derivative
rules, so when both differ from finite differences a rule is the suspect.

    >>> from transpiler import check_grad
    >>> def f(x, y):
    ...     return x * x * y
    >>> report = check_grad(f, 3.0, 2.0, wrt=(0, 1))
    >>> report.passed, report["x"].compiled, report["y"].tape
    (True, 12.0, 9.0)
"""
from __future__ import annotations

import inspect
from typing import Any
from dataclasses import dataclass, field

import numpy as np

from . import tape as tape_engine
from runtime.numeric import numeric_grad

from .display import _show
from .errors import GradientMismatch
from .hints import Fn, Wrt

_DIAGNOSES = {
    (True, False, False): "the tape engine disagrees with the compiled adjoint and with "
                          "finite differences: suspect the tape engine",
    (False, True, False): "the compiled adjoint disagrees with the tape engine and with "
                          "finite differences: suspect the compiler",
    (False, False, True): "the compiled adjoint and the tape engine agree with each other but "
                          "not with finite differences: suspect a derivative rule (or f is not "
                          "smooth at this point)",
}


@dataclass
class ArgumentCheck:
    """One differentiated argument: its three gradients and how far apart they are."""

    name: str
    compiled: object
    tape: object
    numeric: object
    max_abs_error: float
    max_rel_error: float
    passed: bool
    diagnosis: str = ""


@dataclass
class GradCheckReport:
    """The result of `check_grad`: one `ArgumentCheck` per differentiated argument
    (`report["x"]` or `report[0]`), `passed`, and a readable `str()`."""

    function: str
    checks: list[ArgumentCheck]
    rtol: float
    atol: float
    tape_error: str = ""
    notes: list = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return all(c.passed for c in self.checks)

    def __getitem__(self, key: int | str) -> ArgumentCheck:
        if isinstance(key, str):
            return next(c for c in self.checks if c.name == key)
        return self.checks[key]

    def __str__(self) -> str:
        verdict = "ok" if self.passed else "FAILED"
        lines = [f"check_grad of {self.function}: {verdict} "
                 f"(rtol={self.rtol:g}, atol={self.atol:g})"]
        if self.tape_error:
            lines.append(f"  {self.tape_note()}")
        for c in self.checks:
            lines.extend(_argument_lines(c))
        return "\n".join(lines)

    __repr__ = __str__  # a report typed at the prompt reads as it prints

    def tape_note(self) -> str:
        return f"the tape engine could not run it ({self.tape_error}); compared the " \
            "compiled adjoint with finite differences only"

    def _repr_html_(self) -> str:
        """A table, in Jupyter."""
        from .display import report_html
        return report_html(self)


def _argument_lines(c):
    status = "ok" if c.passed else "MISMATCH"
    lines = [f"  {c.name}: {status}  max abs error {c.max_abs_error:.3g}, "
             f"max rel error {c.max_rel_error:.3g}"]
    for label in ("compiled", "tape", "numeric"):
        lines.append(f"    {label:<9}{_show(getattr(c, label))}")
    if c.diagnosis:
        lines.append(f"    {c.diagnosis}")
    return lines


def check_grad(f: Fn, *args: Any, wrt: Wrt = 0, rtol: float = 1e-5, atol: float = 1e-7,
               raise_on_failure: bool = False) -> GradCheckReport:
    """Compare the gradients of scalar-valued `f` at `args` by the compiled
    adjoint, the tape engine and central finite differences.

    `wrt` is an index, a parameter name, or a tuple of these. Returns a
    `GradCheckReport`; with `raise_on_failure=True` a disagreement raises
    `GradientMismatch` (its message is the report, `.report` the object).
    """
    from .operators import grad
    indices, many = tape_engine.wrt_indices(f, wrt)
    params = list(inspect.signature(f).parameters)
    # (one name at a time: grad(f, wrt=(0,)) returns a bare gradient, not a 1-tuple)
    compiled = _as_tuple(grad(f, wrt=wrt if len(indices) > 1 else indices[0])(*args), many
                         and len(indices) > 1)
    tape, tape_error = _tape_gradients(f, args, wrt, many)
    numeric = numeric_grad(f, args, indices, order=4)  # O(h**4): few false alarms
    checks = [_check_argument(params[i] if i < len(params) else f"arg{i}", c, t, n, rtol, atol)
              for i, c, t, n in zip(indices, compiled, tape, numeric)]
    report = GradCheckReport(getattr(f, "__qualname__", repr(f)), checks, rtol, atol,
                             tape_error)
    if raise_on_failure and not report.passed:
        error = GradientMismatch(str(report))
        error.report = report
        raise error
    return report


def _as_tuple(grads, many):
    return tuple(grads) if many else (grads,)


def _tape_gradients(f, args, wrt, many):
    """The tape engine's gradients, or Nones and the reason it could not run."""
    try:
        return _as_tuple(tape_engine.tape_grad(f, wrt)(*args), many), ""
    except Exception as exc:  # reported, not raised: the other two can still be compared
        count = len(wrt) if many else 1
        return (None,) * count, f"{type(exc).__name__}: {exc}"


def _check_argument(name, compiled, tape, numeric, rtol, atol):
    pairs = {"compiled-numeric": _compare(compiled, numeric, rtol, atol)}
    if tape is not None:
        pairs["tape-numeric"] = _compare(tape, numeric, rtol, atol)
        pairs["compiled-tape"] = _compare(compiled, tape, rtol, atol)
    max_abs = max(p[0] for p in pairs.values())
    max_rel = max(p[1] for p in pairs.values())
    passed = all(p[2] for p in pairs.values())
    diagnosis = "" if passed else _diagnose(pairs)
    return ArgumentCheck(name, compiled, tape, numeric, max_abs, max_rel, passed, diagnosis)


def _diagnose(pairs):
    if "compiled-tape" not in pairs:
        return "the compiled adjoint disagrees with finite differences"
    if any(p[3] for p in pairs.values()):
        return "; ".join(p[3] for p in pairs.values() if p[3])
    key = tuple(pairs[k][2] for k in ("compiled-numeric", "tape-numeric", "compiled-tape"))
    return _DIAGNOSES.get(key, "the three gradients disagree with one another")


def _compare(a, b, rtol, atol):
    """(max abs difference, max relative difference, close?, shape problem) of
    two gradients, which may be numbers, arrays or containers of these."""
    shape_a, shape_b = _structure(a), _structure(b)
    if shape_a != shape_b:
        return np.inf, np.inf, False, f"shapes differ: {shape_a} vs {shape_b}"
    x, y = _flatten(a), _flatten(b)
    diff = np.abs(x - y)
    if diff.size == 0:
        return 0.0, 0.0, True, ""
    scale = np.maximum(np.abs(x), np.abs(y))
    with np.errstate(divide="ignore", invalid="ignore"):
        # (entries that are zero within atol in both have no meaningful relative error)
        rel = np.where((diff == 0) | (scale <= atol), 0.0, diff / scale)
    close = bool(np.all(np.isfinite(x) & np.isfinite(y) & (diff <= atol + rtol * np.abs(y))))
    return float(np.max(diff)), float(np.max(rel)), close, ""


def _structure(tree):
    if isinstance(tree, dict):
        return {k: _structure(v) for k, v in tree.items()}
    if isinstance(tree, (tuple, list)):
        return [_structure(v) for v in tree]
    return np.shape(tree)


def _flatten(tree):
    if isinstance(tree, dict):
        tree = [tree[k] for k in sorted(tree, key=repr)]
    if isinstance(tree, (tuple, list)):
        parts = [_flatten(v) for v in tree]
        return np.concatenate(parts) if parts else np.zeros(0)
    return np.ravel(np.asarray(tree, dtype=np.float64))
