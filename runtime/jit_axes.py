"""What the numba forms of the helpers build on (a part of `runtime.jit_helpers`):
predicates on numba types, and compiled loops around one axis of an array, so
one loop nest serves every rank: broadcasting `g` back along an axis, summing
down to a shape, counting ties of a maximum.

This module needs numba; only the jit modules import it.
"""
from __future__ import annotations

import numba
import numpy as np
from numba.core import types
from numba.np.numpy_support import as_dtype


def _number(t):
    return isinstance(t, (types.Number, types.Boolean))


def _array(t):
    return isinstance(t, types.Array)


def _none(t):
    return t is None or isinstance(t, (types.NoneType, types.Omitted))


def _literal(t, default=None):
    """The value of a literal argument type (axis=1, keepdims=True)."""
    if _none(t):
        return getattr(t, "value", default)
    return getattr(t, "literal_value", default)


def _grad_dtype(t):
    """The NumPy scalar type of a gradient for an argument of numba type `t`."""
    dtype = as_dtype(t.dtype) if _array(t) else np.dtype(np.float64)
    return dtype.type if np.issubdtype(dtype, np.inexact) else np.float64


# -- loops over arrays around one axis -------------------------------------------

@numba.njit(cache=False)
def _around(shape, axis):
    """(outer, n, inner) sizes of `shape` around `axis`."""
    outer, inner = 1, 1
    for d in range(axis):
        outer *= shape[d]
    for d in range(axis + 1, len(shape)):
        inner *= shape[d]
    return outer, shape[axis], inner


@numba.njit(cache=False)
def _along(g, shape, axis):
    """An array of `shape` holding g's (outer, inner) item along the axis."""
    outer, n, inner = _around(shape, axis)
    flat = np.ascontiguousarray(g).reshape(g.size)
    out = np.empty((outer, n, inner), dtype=flat.dtype)
    for o in range(outer):
        for j in range(n):
            for i in range(inner):
                out[o, j, i] = flat[o * inner + i]
    return out.reshape(shape)


@numba.njit(cache=False)
def _reduced(a, axis, how):
    """Sum (0), max (1), min (2) or mean (3) of `a` along `axis`, as a flat
    (outer * inner) array."""
    outer, n, inner = _around(a.shape, axis)
    a3 = np.ascontiguousarray(a).reshape((outer, n, inner))
    out = a3[:, 0, :].copy() if how in (1, 2) else np.zeros((outer, inner), dtype=a3.dtype)
    for o in range(outer):
        for j in range(0 if how in (0, 3) else 1, n):
            for i in range(inner):
                v = a3[o, j, i]
                if how == 1:
                    out[o, i] = max(out[o, i], v)
                elif how == 2:
                    out[o, i] = min(out[o, i], v)
                else:
                    out[o, i] += v
    if how == 3:
        out /= n
    return out.reshape(outer * inner)


@numba.njit(cache=False)
def _extremum_along(g, extremum, x, axis):
    """The gradient of np.max / np.min over `axis`: g, split equally between the
    items equal to the extremum of their line."""
    outer, n, inner = _around(x.shape, axis)
    x3 = np.ascontiguousarray(x).reshape((outer, n, inner))
    e = np.ascontiguousarray(extremum).reshape(outer * inner)
    gf = np.ascontiguousarray(g).reshape(outer * inner)
    out = np.zeros((outer, n, inner), dtype=gf.dtype)
    for o in range(outer):
        for i in range(inner):
            top = e[o * inner + i]
            count = 0
            for j in range(n):
                if x3[o, j, i] == top:
                    count += 1
            share = gf[o * inner + i] / count
            for j in range(n):
                if x3[o, j, i] == top:
                    out[o, j, i] = share
    return out.reshape(x.shape)


@numba.njit(cache=False)
def _sum_to(g, shape):
    """`g` summed down to `shape` (NumPy broadcasting undone)."""
    if g.ndim == len(shape) + 1 and g.shape[1:] == shape:  # a bias: the rows summed
        rows = np.ascontiguousarray(g).reshape((g.shape[0], g.size // g.shape[0]))
        total = rows[0].copy()
        for r in range(1, rows.shape[0]):
            total += rows[r]
        return total.reshape(shape)
    out = np.zeros(shape, dtype=g.dtype)
    flat_out = out.reshape(out.size)
    flat_g = np.ascontiguousarray(g).reshape(g.size)
    extra = g.ndim - len(shape)
    for f in range(flat_g.size):
        rest, offset, stride = f, 0, 1
        for d in range(g.ndim - 1, -1, -1):
            i = rest % g.shape[d]
            rest //= g.shape[d]
            e = d - extra
            if e >= 0:
                if shape[e] != 1:
                    offset += i * stride
                stride *= shape[e]
        flat_out[offset] += flat_g[f]
    return out
