"""The shape and dtype helpers that the other runtime helpers build on (a part of
`runtime.helpers`, which re-exports them): undoing broadcasting, zeros and ones
shaped like a value, spreading a reduction's gradient back over its axes, and
the dtype a gradient takes.
"""
from __future__ import annotations

import math

import numpy as np

from .namespaces import (dask_broadcast, foreign_namespace, gradient_dtype, in_chunks_of,
                         is_complex, is_lazy)
from .structures import fields, is_structure, rebuild

_SCALARS = (float, int, bool)


_FLOAT64 = np.dtype(np.float64)


def unbroadcast(g, x):
    """Sum `g` down to the shape of `x`, undoing NumPy broadcasting.

    >>> unbroadcast(np.ones((2, 3)), np.ones(3)).tolist()
    [2.0, 2.0, 2.0]
    >>> unbroadcast(np.ones(3), 1.5)
    3.0
    """
    tg, tx = type(g), type(x)
    if tg is float and tx in _SCALARS:
        return g
    if tg is np.ndarray and (g.dtype.kind == "f" or g.dtype.kind == "c" and tx is np.ndarray
                             and x.dtype.kind == "c"):
        if tx is np.ndarray:
            if g.shape == x.shape:
                return g
            if g.ndim >= x.ndim:
                return _summed_onto(g, x.shape)
        elif tx is float or tx is int:  # a real gradient onto a Python number
            return float(g.sum())
    xp = foreign_namespace(g, x)
    if xp is not None:
        return _unbroadcast_in(xp, g, x)
    g = real_part_for(g, x)  # a real x gets the real part of a complex gradient
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


def _summed_onto(g, shape):
    """unbroadcast of a NumPy gradient with at least as many axes as `shape`
    (through the array's own `sum`: np.sum costs a microsecond more per call)."""
    extra = g.ndim - len(shape)
    if extra:
        g = g.sum(axis=tuple(range(extra)))
    axes = tuple(i for i, n in enumerate(shape) if n == 1 and g.shape[i] != 1)
    return g.sum(axis=axes, keepdims=True) if axes else g


def _unbroadcast_in(xp, g, x):
    """unbroadcast for arrays of namespace xp (Dask, CuPy, ...): a 0-d result
    stays an array (a Python float would compute a lazy gradient)."""
    if is_complex(xp, g) and not is_complex(xp, x):
        g = xp.real(g)
    gshape, xshape = tuple(np.shape(g)), tuple(np.shape(x))
    if gshape == xshape:
        return g
    extra = len(gshape) - len(xshape)
    if extra < 0:
        return broadcast_to_like(xp, g, x)
    if extra > 0:
        g = xp.sum(g, axis=tuple(range(extra)))
    axes = tuple(i for i, n in enumerate(xshape) if n == 1 and g.shape[i] != 1)
    return xp.sum(g, axis=axes, keepdims=True) if axes else g


def broadcast_to_like(xp, g, x):
    """g (of namespace xp) broadcast to x's shape, and to x's chunks when x is a
    Dask array (so that it lines up with x's blocks without rechunking)."""
    g = xp.asarray(g)
    if is_lazy(x) and hasattr(x, "chunks"):
        return dask_broadcast(g, x)
    return xp.broadcast_to(g, tuple(np.shape(x)))


def size_of(x):
    """The number of elements of x (np.size, without computing a Dask array).

    >>> size_of(np.ones((2, 3)))
    6
    """
    if type(x) is np.ndarray:
        return x.size
    return math.prod(np.shape(x))


def reduced_count(a, ans):
    """How many items of `a` each item of its reduction `ans` combines (a mean's
    divisor); 1.0 when either is empty, whose gradient is empty anyway.

    >>> reduced_count(np.ones((4, 3)), np.ones(3)), reduced_count(np.ones((4, 0)), np.ones(0))
    (4.0, 1.0)
    """
    n, m = size_of(a), size_of(ans)
    return n / m if n and m else 1.0


def _scalar_like(g, x):
    """A 0-d gradient for a Python scalar input comes back as a Python float."""
    if type(x) in _SCALARS:
        return float(g)
    return g


def shape_like(x):
    """A stand-in for an array that keeps its shape and dtype but no data (all its
    elements are one zero), saved for a reverse sweep that reads nothing else of
    it (`unbroadcast(g, x)`, `fill_like(x, g)`); other values are themselves.

    >>> s = shape_like(np.ones((1000, 3)))
    >>> s.shape, s.dtype, s.strides
    ((1000, 3), dtype('float64'), (0, 0))
    """
    if type(x) is not np.ndarray or not x.ndim:
        return x
    key = (x.dtype, x.shape)
    like = _SHAPE_LIKE.get(key)
    if like is None:  # one read-only stand-in per dtype and shape
        if len(_SHAPE_LIKE) > 256:
            _SHAPE_LIKE.clear()
        like = _SHAPE_LIKE[key] = np.broadcast_to(np.zeros((), x.dtype), x.shape)
    return like


_SHAPE_LIKE: dict = {}


def zeros_like(x):
    """A zero gradient with the shape (and float dtype) of `x`.

    >>> zeros_like(3)
    0.0
    >>> zeros_like(np.ones(2, dtype=np.float32)).dtype
    dtype('float32')
    """
    tx = type(x)
    if tx in _SCALARS:
        return 0.0
    if tx is np.ndarray and x.ndim and x.dtype.kind in "fc":  # (the common case, fast)
        return np.zeros(x.shape, x.dtype)
    if isinstance(x, dict):
        return {k: zeros_like(v) for k, v in x.items()}
    if is_structure(x):  # a dataclass, NamedTuple or registered type: the same type
        return rebuild(x, [zeros_like(v) for v in fields(x)[1]])
    if isinstance(x, (tuple, list)):
        items = [zeros_like(v) for v in x]
        return items if isinstance(x, list) else tuple(items)
    xp = foreign_namespace(x)
    if xp is not None:
        return xp.zeros_like(x, dtype=gradient_dtype(xp, x))
    x = np.asarray(x)
    dtype = x.dtype if np.issubdtype(x.dtype, np.inexact) else np.dtype(np.float64)
    if x.ndim == 0:
        return dtype.type(0.0)
    return np.zeros(x.shape, dtype=dtype)


def ones_like(x):
    """The seed of a reverse sweep: one with the shape of `x`."""
    if type(x) in _SCALARS:
        return 1.0
    xp = foreign_namespace(x)
    if xp is not None:
        return xp.ones_like(x, dtype=gradient_dtype(xp, x))
    x = np.asarray(x)
    dtype = x.dtype if np.issubdtype(x.dtype, np.inexact) else np.dtype(np.float64)
    return np.ones(x.shape, dtype=dtype) if x.ndim else dtype.type(1.0)


def repeat_to(g, x, axis=None, keepdims=False):
    """Broadcast the gradient of a reduction of `x` over `axis` back to x's shape."""
    shape = np.shape(x)
    xp = foreign_namespace(g, x)
    if not keepdims and axis is not None:
        axes = (axis,) if np.ndim(axis) == 0 else tuple(axis)
        axes = tuple(a % len(shape) for a in axes)
        g = np.expand_dims(g, axes) if xp is None else _expand_dims(xp, g, axes)
    if xp is not None:
        if type(g) in _SCALARS:
            g = xp.asarray(g, dtype=gradient_dtype(xp, x))
        return broadcast_to_like(xp, g, x)
    if type(g) in _SCALARS:  # a Python float seed: x's float type (float32 stays float32)
        g = grad_dtype(x, g).type(g)
    return np.broadcast_to(g, shape)


def _expand_dims(xp, g, axes):
    g = xp.asarray(g)
    for a in sorted(axes):  # (the standard's expand_dims takes one axis at a time)
        g = xp.expand_dims(g, axis=a)
    return g


def broadcast_like(t, x):
    """A tangent with the shape of `x`: a scalar tangent of a broadcast input is
    spread over the result it was broadcast into."""
    if np.shape(t) == np.shape(x):
        return t
    xp = foreign_namespace(t, x)
    if xp is not None:
        return broadcast_to_like(xp, t, x) + zeros_like(x)
    return np.broadcast_to(t, np.shape(x)) + zeros_like(x)


def extremum_grad(g, extremum, x, axis=None, keepdims=False):
    """The gradient of np.max / np.min: to the elements equal to the result,
    split equally between ties (as a subgradient, and like autograd)."""
    ans_full = repeat_to(extremum, x, axis, keepdims)
    xp = foreign_namespace(g, x)
    if xp is not None:
        mask = xp.astype(x == ans_full, gradient_dtype(xp, x))
        return repeat_to(g, x, axis, keepdims) * (mask / xp.sum(mask, axis=axis, keepdims=True))
    mask = np.asarray(x) == ans_full
    count = np.sum(mask, axis=axis, keepdims=True) if axis is not None else np.sum(mask)
    share = (mask / count).astype(grad_dtype(x, 0.0), copy=False)  # float32 stays float32
    return repeat_to(g, x, axis, keepdims) * share


def prod_grad(g, prod, x, axis=None, keepdims=False):
    """The gradient of np.prod, right also where elements are zero: each element's
    gradient is the product of all the others."""
    x = float_array(x)
    axes = tuple(range(x.ndim)) if axis is None else (axis,) if np.ndim(axis) == 0 \
        else tuple(axis)
    axes = tuple(a % x.ndim for a in axes) if x.ndim else ()
    xp = foreign_namespace(x)
    if xp is not None:
        others = _others_in(xp, x, axes) if axes else xp.ones_like(x)
        return in_chunks_of(repeat_to(g, x, axis, keepdims) * others, x)
    moved = np.moveaxis(x, axes, tuple(range(len(axes))))
    lead = moved.reshape((-1,) + moved.shape[len(axes):])
    one = np.ones((1,) + lead.shape[1:], dtype=x.dtype)
    before = np.cumprod(np.concatenate([one, lead[:-1]]), axis=0)
    after = np.cumprod(np.concatenate([one, lead[::-1][:-1]]), axis=0)[::-1]
    others = (before * after).reshape(moved.shape)
    others = np.moveaxis(others, tuple(range(len(axes))), axes)
    return repeat_to(g, x, axis, keepdims) * others


def _others_in(xp, x, axes):
    """For each element of x (of namespace xp), the product of the others over
    `axes`, zeros allowed: the product leaving it out along the first axis,
    times that of its slice's product along the other axes (no reshape, which
    would rechunk a Dask array)."""
    out = _others_along(xp, x, axes[0])
    if len(axes) > 1:
        out = out * _others_in(xp, xp.prod(x, axis=axes[0], keepdims=True), axes[1:])
    return out


def _others_along(xp, x, axis):
    """The product of x's elements along `axis` before each one, times those after."""
    head = (slice(None),) * axis + (slice(None, -1), Ellipsis)  # all running products but the last
    before = xp.cumulative_prod(x, axis=axis, include_initial=True)[head]
    flipped = xp.flip(x, axis=axis)
    after = xp.flip(xp.cumulative_prod(flipped, axis=axis, include_initial=True)[head], axis=axis)
    return before * after


def float_array(x):
    """x as an array of its gradient dtype (float64 for integers): NumPy's, or
    its own library's (a Dask array stays lazy)."""
    xp = foreign_namespace(x)
    if xp is None:
        return np.asarray(x, dtype=grad_dtype(x, 0.0))
    dtype = gradient_dtype(xp, x)
    return x if x.dtype == dtype else xp.astype(x, dtype)


def astype(x, dtype, copy=True):
    """`x.astype(dtype)`: x's values in `dtype`, by x's own library (a Dask
    array stays lazy; an array-api-strict array, which has no such method, goes
    through its namespace's astype). A copy unless `copy=False`, as NumPy's.

    >>> astype(np.arange(3), np.float32)
    array([0., 1., 2.], dtype=float32)
    """
    if type(x) is np.ndarray or isinstance(x, np.generic):
        return x.astype(dtype, copy=copy)
    xp = foreign_namespace(x)
    if xp is None:  # a Python number or a list: what np.asarray(x).astype(dtype) gives
        return np.asarray(x, dtype=dtype)
    method = getattr(x, "astype", None)
    return method(dtype, copy=copy) if method is not None else xp.astype(x, dtype, copy=copy)


def cast_like(g, x):
    """A gradient in x's gradient dtype: `x.astype(...)` and `np.asarray(x, dtype)`
    send back float32 for float32 x, and a real gradient for a real x."""
    if type(g) is np.ndarray and g.dtype is _FLOAT64 and \
            (type(x) is np.ndarray and x.dtype is _FLOAT64 or type(x) in (tuple, list)):
        return g  # the common case, first: nothing to cast (np.array of a display of floats)
    xp = foreign_namespace(g, x)
    if xp is not None:
        dtype = gradient_dtype(xp, x)
        if is_complex(xp, g) and not is_complex(xp, x):
            g = xp.real(g)
        return xp.astype(g, dtype) if getattr(g, "dtype", dtype) != dtype else g
    dtype = grad_dtype(x, 0.0)
    if np.iscomplexobj(g) and not np.issubdtype(dtype, np.complexfloating):
        g = np.real(g)
    if isinstance(g, np.ndarray) and g.dtype != dtype:
        g = g.astype(dtype)
    return g


def grad_dtype(x, g):
    """The dtype of a gradient for `x`: x's float type (float64 for integers),
    kept when combined with a Python float `g` (float32 stays float32)."""
    xp = foreign_namespace(x, g)
    if xp is not None:
        return gradient_dtype(xp, x, g)
    dtype = np.asarray(x).dtype
    if not np.issubdtype(dtype, np.inexact):
        dtype = np.dtype(np.float64)
    return np.result_type(dtype, g) if type(g) not in _SCALARS else dtype


def real_part_for(g, x):
    """A gradient for a real `x` is real (autograd's convention): drop what the
    complex operations downstream put in the imaginary part."""
    xp = foreign_namespace(g, x)
    if xp is not None:
        return xp.real(g) if is_complex(xp, g) and not is_complex(xp, x) else g
    if np.iscomplexobj(g) and not np.iscomplexobj(x) and not isinstance(x, complex):
        return np.real(g)
    return g
