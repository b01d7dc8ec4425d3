"""numba forms of the `math` functions that raise in Python where numba's
return nan or inf (`math.sqrt(-1.0)`, `math.log(0.0)`, `math.exp(1000.0)`):
compiled code raises Python's error instead of going on with a nan. `jit`
calls them in place of `math.<name>` with one argument (jit_rewrite.py).

This module needs numba; runtime.jit_helpers imports it.
"""
from __future__ import annotations

import math

from numba.extending import overload

from .jit_axes import _number


def _checked(name, outside):
    """The twin of `math.<name>`: Python's ValueError where `outside(x)`, and its
    OverflowError where a finite x gives inf (exp, cosh, ...)."""
    fn = getattr(math, name)

    def python(x):
        raise NotImplementedError  # only ever compiled

    @overload(python, inline="always")
    def _typed(x):
        if _number(x):
            def checked(x):
                if outside(x):
                    raise ValueError("math domain error")
                y = fn(x)
                if math.isinf(y) and not math.isinf(x):
                    raise OverflowError("math range error")
                return y
            return checked
    python.__name__ = name
    return python


def pow(x, y):  # noqa: A001 (math.pow's twin)
    raise NotImplementedError  # only ever compiled


@overload(pow, inline="always")
def _pow(x, y):
    if _number(x) and _number(y):
        def checked(x, y):
            if x < 0.0 and y != math.floor(y):
                raise ValueError("math domain error")
            z = math.pow(x, y)
            if math.isinf(z) and not (math.isinf(x) or math.isinf(y)) and x != 0.0:
                raise OverflowError("math range error")
            return z
        return checked


def _predicate(outside):
    from numba import njit
    return njit(inline="always")(outside)


CHECKED = {
    "sqrt": _checked("sqrt", _predicate(lambda x: x < 0.0)),
    "log": _checked("log", _predicate(lambda x: x <= 0.0)),
    "log10": _checked("log10", _predicate(lambda x: x <= 0.0)),
    "log2": _checked("log2", _predicate(lambda x: x <= 0.0)),
    "log1p": _checked("log1p", _predicate(lambda x: x <= -1.0)),
    "acos": _checked("acos", _predicate(lambda x: x < -1.0 or x > 1.0)),
    "asin": _checked("asin", _predicate(lambda x: x < -1.0 or x > 1.0)),
    "acosh": _checked("acosh", _predicate(lambda x: x < 1.0)),
    "atanh": _checked("atanh", _predicate(lambda x: x <= -1.0 or x >= 1.0)),
    **{name: _checked(name, _predicate(lambda x: False))
       for name in ("exp", "expm1", "cosh", "sinh")},
    "pow": pow,
}
