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


def _domain(name, outside):
    """The twin of `math.<name>`: ValueError where `outside(x)`, as Python."""
    fn = getattr(math, name)

    def python(x):
        raise NotImplementedError  # only ever compiled

    @overload(python, inline="always")
    def _typed(x):
        if _number(x):
            def checked(x):
                if outside(x):
                    raise ValueError("math domain error")
                return fn(x)
            return checked
    python.__name__ = name
    return python


def _range(name):
    """The twin of `math.<name>` (exp): OverflowError where a finite x gives inf."""
    fn = getattr(math, name)

    def python(x):
        raise NotImplementedError  # only ever compiled

    @overload(python, inline="always")
    def _typed(x):
        if _number(x):
            def checked(x):
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


def _register(outside):
    from numba import njit
    return njit(inline="always")(outside)


CHECKED = {
    "sqrt": _domain("sqrt", _register(lambda x: x < 0.0)),
    "log": _domain("log", _register(lambda x: x <= 0.0)),
    "log10": _domain("log10", _register(lambda x: x <= 0.0)),
    "log2": _domain("log2", _register(lambda x: x <= 0.0)),
    "log1p": _domain("log1p", _register(lambda x: x <= -1.0)),
    "acos": _domain("acos", _register(lambda x: x < -1.0 or x > 1.0)),
    "asin": _domain("asin", _register(lambda x: x < -1.0 or x > 1.0)),
    "acosh": _domain("acosh", _register(lambda x: x < 1.0)),
    "atanh": _domain("atanh", _register(lambda x: x <= -1.0 or x >= 1.0)),
    "exp": _range("exp"),
    "expm1": _range("expm1"),
    "cosh": _range("cosh"),
    "sinh": _range("sinh"),
    "pow": pow,
}
