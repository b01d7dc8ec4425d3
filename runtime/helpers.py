"""Helpers that generated gradient code calls at run time.

They are plain functions with derivative rules of their own, so generated
code can be differentiated again (`grad(grad(f))`).
"""
from __future__ import annotations

import numpy as np

_SCALARS = (float, int, bool)


def unbroadcast(g, x):
    """Sum `g` down to the shape of `x`, undoing NumPy broadcasting.

    >>> unbroadcast(np.ones((2, 3)), np.ones(3)).tolist()
    [2.0, 2.0, 2.0]
    >>> unbroadcast(np.ones(3), 1.5)
    3.0
    """
    tg = type(g)
    if tg is float and type(x) in _SCALARS:
        return g
    gshape = np.shape(g)
    xshape = np.shape(x)
    if gshape == xshape:
        return g
    extra = len(gshape) - len(xshape)
    if extra < 0:  # a gradient that does not depend on x's position: spread it out
        return np.broadcast_to(g, xshape)
    if extra > 0:
        g = np.sum(g, axis=tuple(range(extra)))
    axes = tuple(i for i, n in enumerate(xshape) if n == 1 and np.shape(g)[i] != 1)
    if axes:
        g = np.sum(g, axis=axes, keepdims=True)
    if not xshape:
        return _scalar_like(g, x)
    return g


def _scalar_like(g, x):
    """A 0-d gradient for a Python scalar input comes back as a Python float."""
    if type(x) in _SCALARS:
        return float(g)
    return g


def zeros_like(x):
    """A zero gradient with the shape (and float dtype) of `x`.

    >>> zeros_like(3)
    0.0
    >>> zeros_like(np.ones(2, dtype=np.float32)).dtype
    dtype('float32')
    """
    if type(x) in _SCALARS:
        return 0.0
    if isinstance(x, dict):
        return {k: zeros_like(v) for k, v in x.items()}
    if isinstance(x, (tuple, list)):
        items = [zeros_like(v) for v in x]
        return items if isinstance(x, list) else tuple(items)
    x = np.asarray(x)
    dtype = x.dtype if np.issubdtype(x.dtype, np.inexact) else np.dtype(np.float64)
    if x.ndim == 0:
        return dtype.type(0.0)
    return np.zeros(x.shape, dtype=dtype)


def ones_like(x):
    """The seed of a reverse sweep: one with the shape of `x`."""
    if type(x) in _SCALARS:
        return 1.0
    x = np.asarray(x)
    dtype = x.dtype if np.issubdtype(x.dtype, np.inexact) else np.dtype(np.float64)
    return np.ones(x.shape, dtype=dtype) if x.ndim else dtype.type(1.0)


def repeat_to(g, x, axis=None, keepdims=False):
    """Broadcast the gradient of a reduction of `x` over `axis` back to x's shape."""
    shape = np.shape(x)
    if not keepdims and axis is not None:
        axes = (axis,) if np.ndim(axis) == 0 else tuple(axis)
        axes = tuple(a % len(shape) for a in axes)
        g = np.expand_dims(g, axes)
    return np.broadcast_to(g, shape)


def broadcast_like(t, x):
    """A tangent with the shape of `x`: a scalar tangent of a broadcast input is
    spread over the result it was broadcast into."""
    if np.shape(t) == np.shape(x):
        return t
    return np.broadcast_to(t, np.shape(x)) + zeros_like(x)
