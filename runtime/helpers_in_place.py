"""Arithmetic written into a temporary the generated code owns (a part of
`runtime.helpers`, which re-exports them).

`add_into(a, b)` is `a + b`; when `a` is a writeable NumPy array and the sum
has a's shape and dtype, it is computed in a's memory (`a += b`) and `a` is
returned. The compiler calls these only where it has shown that nothing else
holds `a` and nothing reads it afterwards (transpiler/backend/reuse.py), so the
one difference from `a + b`, that `a` changes, is not seen. Where the result
would be of another shape or dtype (broadcasting, float32 + float64, a complex
`b`), where `a` is a number, a view that cannot be written, or another
library's array, it is `a + b`.

    >>> a = np.ones(LARGE)
    >>> add_into(a, np.arange(LARGE, dtype=float)) is a, a[:3].tolist()
    (True, [1.0, 2.0, 3.0])
    >>> add_into(np.ones(LARGE), np.ones((2, LARGE))).shape
    (2, 8192)
    >>> rsub_into(np.full(2, 0.25), 1.0).tolist()
    [0.75, 0.75]

Small arrays (fewer than LARGE items) always take the plain operation.
"""
from __future__ import annotations

import numpy as np

_NUMBERS = (float, int)
_ARRAY = np.ndarray
# Below this many items a new array costs no more than writing into an old one
# (malloc reuses small blocks; from 128 KiB up glibc maps fresh pages on every
# allocation, which is where writing in place pays: 2-3x on one operation).
LARGE = 8192


def _fits(a, b):
    """Whether `a op b` for an elementwise op (`a` a large array) has a's shape and
    dtype, and `a` can be written."""
    if a.dtype.kind not in "fc" or not a.flags.writeable:
        return False
    tb = type(b)
    if tb is np.ndarray:
        return b.shape == a.shape and b.dtype == a.dtype
    return tb in _NUMBERS  # (a Python number keeps the array's dtype)


def add_into(a, b):
    """a + b, in a's memory when it fits (see the module docstring)."""
    if type(a) is _ARRAY and a.size >= LARGE and _fits(a, b):
        return np.add(a, b, out=a)
    return a + b


def sub_into(a, b):
    """a - b, in a's memory when it fits."""
    if type(a) is _ARRAY and a.size >= LARGE and _fits(a, b):
        return np.subtract(a, b, out=a)
    return a - b


def rsub_into(a, b):
    """b - a, in a's memory when it fits."""
    if type(a) is _ARRAY and a.size >= LARGE and _fits(a, b):
        return np.subtract(b, a, out=a)
    return b - a


def mul_into(a, b):
    """a * b, in a's memory when it fits."""
    if type(a) is _ARRAY and a.size >= LARGE and _fits(a, b):
        return np.multiply(a, b, out=a)
    return a * b


def div_into(a, b):
    """a / b, in a's memory when it fits."""
    if type(a) is _ARRAY and a.size >= LARGE and _fits(a, b):
        return np.true_divide(a, b, out=a)
    return a / b


def rdiv_into(a, b):
    """b / a, in a's memory when it fits."""
    if type(a) is _ARRAY and a.size >= LARGE and _fits(a, b):
        return np.true_divide(b, a, out=a)
    return b / a
