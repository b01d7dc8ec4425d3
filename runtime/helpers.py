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


def extremum_grad(g, ans, x, axis=None, keepdims=False):
    """The gradient of np.max / np.min: to the elements equal to the result,
    split equally between ties (as a subgradient, and like autograd)."""
    ans_full = repeat_to(ans, x, axis, keepdims)
    mask = np.asarray(x) == ans_full
    count = np.sum(mask, axis=axis, keepdims=True) if axis is not None else np.sum(mask)
    return repeat_to(g, x, axis, keepdims) * mask / count


def prod_grad(g, ans, x, axis=None, keepdims=False):
    """The gradient of np.prod, right also where elements are zero: each element's
    gradient is the product of all the others."""
    x = np.asarray(x, dtype=float)
    axes = tuple(range(x.ndim)) if axis is None else (axis,) if np.ndim(axis) == 0 \
        else tuple(axis)
    axes = tuple(a % x.ndim for a in axes) if x.ndim else ()
    moved = np.moveaxis(x, axes, tuple(range(len(axes))))
    lead = moved.reshape((-1,) + moved.shape[len(axes):])
    before = np.cumprod(np.concatenate([np.ones((1,) + lead.shape[1:]), lead[:-1]]), axis=0)
    after = np.cumprod(np.concatenate([np.ones((1,) + lead.shape[1:]), lead[::-1][:-1]]),
                       axis=0)[::-1]
    others = (before * after).reshape(moved.shape)
    others = np.moveaxis(others, tuple(range(len(axes))), axes)
    return repeat_to(g, x, axis, keepdims) * others


def split_like(g, arrays, axis=0):
    """The gradient of np.concatenate(arrays, axis): g cut back into pieces."""
    sizes = [np.shape(a)[axis] if np.ndim(a) else 1 for a in arrays]
    return list(np.split(g, np.cumsum(sizes)[:-1], axis=axis))


def unstack(g, arrays, axis=0):
    """The gradient of np.stack(arrays, axis) (and of np.array(list)): g's slices."""
    return [np.take(g, i, axis=axis) for i in range(len(arrays))]


def vstack_grad(g, arrays):
    """The gradient of np.vstack(arrays): rows of g, in each array's shape."""
    rows = [np.shape(np.atleast_2d(a))[0] for a in arrays]
    pieces = np.split(g, np.cumsum(rows)[:-1], axis=0)
    return [np.reshape(p, np.shape(a)) for p, a in zip(pieces, arrays)]


def grad_dtype(x, g):
    """The dtype of a gradient for `x`: x's float type (float64 for integers),
    kept when combined with a Python float `g` (float32 stays float32)."""
    dtype = np.asarray(x).dtype
    if not np.issubdtype(dtype, np.inexact):
        dtype = np.dtype(np.float64)
    return np.result_type(dtype, g) if type(g) not in _SCALARS else dtype


def fill_like(x, g):
    """An array of x's shape filled with `g` (the gradient of a full reduction),
    in the gradient dtype of x."""
    return np.full(np.shape(x), g, dtype=grad_dtype(x, g))
