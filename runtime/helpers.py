"""Helpers that generated gradient code calls at run time.

They are plain functions with derivative rules of their own, so generated
code can be differentiated again (`grad(grad(f))`).
"""
from __future__ import annotations

import functools
import math
import types

import numpy as np

from .namespaces import (as_number, dask_broadcast, foreign_namespace, gradient_dtype, is_complex,
                         is_lazy)
from .structures import _key, fields, is_structure, rebuild

_SCALARS = (float, int, bool)
_FLOAT64 = np.dtype(np.float64)


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
    if tg is np.ndarray and type(x) is np.ndarray and g.shape == x.shape and \
            (g.dtype.kind != "c" or x.dtype.kind == "c"):
        return g
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
    if type(x) in _SCALARS:
        return 0.0
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
    moved = np.moveaxis(x, axes, tuple(range(len(axes))))
    lead = moved.reshape((-1,) + moved.shape[len(axes):])
    one = np.ones((1,) + lead.shape[1:], dtype=x.dtype)
    before = np.cumprod(np.concatenate([one, lead[:-1]]), axis=0)
    after = np.cumprod(np.concatenate([one, lead[::-1][:-1]]), axis=0)[::-1]
    others = (before * after).reshape(moved.shape)
    others = np.moveaxis(others, tuple(range(len(axes))), axes)
    return repeat_to(g, x, axis, keepdims) * others


def float_array(x):
    """x as an array of its gradient dtype (float64 for integers): NumPy's, or
    its own library's (a Dask array stays lazy)."""
    xp = foreign_namespace(x)
    if xp is None:
        return np.asarray(x, dtype=grad_dtype(x, 0.0))
    dtype = gradient_dtype(xp, x)
    return x if x.dtype == dtype else xp.astype(x, dtype)


def _items_grad(pieces, arrays):
    """The gradient of a sequence argument from its items' gradients: a list, or
    one array when the sequence was an array (np.hstack(x) iterates x's rows)."""
    pieces = [np.reshape(p, np.shape(a)) for p, a in zip(pieces, arrays)]
    if isinstance(arrays, np.ndarray):
        return np.reshape(np.stack(pieces), arrays.shape) if pieces else zeros_like(arrays)
    return pieces


def split_like(g, arrays, axis=0):
    """The gradient of np.concatenate(arrays, axis): g cut back into pieces
    (axis=None: the items were flattened)."""
    if axis is None:
        sizes = [size_of(a) for a in arrays]
        return _items_grad(pieces_of(np.ravel(g), sizes), arrays)
    sizes = [np.shape(a)[axis] if np.ndim(a) else 1 for a in arrays]
    return _items_grad(pieces_of(g, sizes, axis), arrays)


def pieces_of(g, sizes, axis=0):
    """g cut along `axis` into pieces of these sizes (np.split at their running
    sums; by slicing for libraries without np.split, such as Dask)."""
    if foreign_namespace(g) is None:
        return np.split(g, np.cumsum(sizes)[:-1], axis=axis)
    index, start, pieces = [slice(None)] * g.ndim, 0, []
    for n in sizes:
        index[axis] = slice(start, start + n)
        pieces.append(g[tuple(index)])
        start += n
    return pieces


def hstack_grad(g, arrays):
    """The gradient of np.hstack(arrays): along axis 1 for 2-d and higher items, else 0."""
    return split_like(g, arrays, 1 if np.ndim(arrays[0]) > 1 else 0)


def unstack(g, arrays, axis=0):
    """The gradient of np.stack(arrays, axis) (and of np.array(list)): g's slices."""
    return _items_grad([np.take(g, i, axis=axis) for i in range(len(arrays))], arrays)


def vstack_grad(g, arrays):
    """The gradient of np.vstack(arrays): rows of g, in each array's shape."""
    rows = [np.shape(np.atleast_2d(a))[0] for a in arrays]
    return _items_grad(pieces_of(g, rows), arrays)


def items_tangent(d, arrays):
    """Tangents of a (nested) sequence's items, each in its item's shape (a
    constant item's tangent is the scalar 0.0): what np.concatenate, np.stack
    and np.array take."""
    if isinstance(arrays, (list, tuple)):
        if not isinstance(d, (list, tuple)):  # the tangent of a constant sequence
            d = [d] * len(arrays)
        return [items_tangent(t, a) for t, a in zip(d, arrays)]
    return broadcast_like(d, arrays)


# -- np.r_[...] and np.c_[...] ------------------------------------------------------
# Both place every element of their array items once, in some order, among
# constants (from slices like 0:3): they are affine in the items. The compiler
# calls `index_concat("r", items)` for `np.r_[items]`.

_CONCATENATORS = {"r": np.r_, "c": np.c_}


def grid_slice(start, stop, step=None):
    """`start:stop:step` inside np.r_[...], np.c_[...], np.mgrid[...] or np.ogrid[...]:
    a range of values, whose bounds the rule table refuses to differentiate."""
    return slice(start, stop, step)


def index_grid(which, items):
    """`np.mgrid[items]` (which="m") or `np.ogrid[items]` ("o"). Their bounds are
    not differentiated (the rule refuses them): np.linspace is."""
    return (np.mgrid if which == "m" else np.ogrid)[items]


def _is_item_array(p):
    return not isinstance(p, (slice, str))


def index_concat(which, items):
    """`np.r_[items]` (which="r") or `np.c_[items]` (which="c")."""
    return _CONCATENATORS[which][items]


def _labelled(which, items, fill):
    parts = items if type(items) is tuple else (items,)
    out, start = [], 0
    for p in parts:
        if _is_item_array(p):
            n = int(np.size(p))
            out.append(fill(p, start, n))
            start += n
        else:
            out.append(p)
    return np.asarray(index_concat(which, tuple(out))), parts


def index_concat_grad(g, which, items):
    """The gradient of `index_concat(which, items)` for each item (0.0 for slices
    and strings): each result element is found by labelling the items' elements."""
    labels, parts = _labelled(which, items, lambda p, s, n: np.reshape(
        np.arange(s + 1.0, s + n + 1.0), np.shape(p)))
    base, _ = _labelled(which, items, lambda p, s, n: np.zeros(np.shape(p)))
    found = np.ravel(labels - base)  # 0 at constants, the label elsewhere
    where = np.flatnonzero(found)
    flat = np.zeros(int(found.max(initial=0)), dtype=grad_dtype(g, 0.0))
    flat[found[where].astype(int) - 1] = np.ravel(g)[where]
    grads, start = [], 0
    for p in parts:  # each in its item's dtype (float32 stays float32, real stays real)
        n = int(np.size(p)) if _is_item_array(p) else 0
        grads.append(cast_like(np.reshape(flat[start:start + n], np.shape(p)), p) if n else 0.0)
        start += n
    return tuple(grads) if type(items) is tuple else grads[0]


def index_concat_tangent(which, items, d):
    """The tangent of `index_concat(which, items)` along the items' tangents `d`."""
    parts = items if type(items) is tuple else (items,)
    ds = d if type(items) is tuple else (d,)
    moved = tuple(broadcast_like(t, p) if _is_item_array(p) else p for t, p in zip(ds, parts))
    still = tuple(zeros_like(p) if _is_item_array(p) else p for p in parts)
    return np.asarray(index_concat(which, moved)) - np.asarray(index_concat(which, still))


def copy_grad(v, x):
    """The gradient of `x.copy()`: `v` itself for a list or dict, else in x's dtype."""
    return v if isinstance(x, (list, dict)) else cast_like(v, x)


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


# -- np.linspace ----------------------------------------------------------------------

def linspace_weight(num, endpoint, start, stop, axis=0):
    """d np.linspace(start, stop, num, endpoint, axis=axis) / d stop, shaped to
    broadcast over the result (the weight of start is one minus it)."""
    t = np.linspace(0.0, 1.0, num, endpoint=endpoint)
    ndim = np.ndim(np.broadcast(start, stop)) + 1
    shape = [1] * ndim
    shape[axis % ndim] = -1
    return np.reshape(t, shape)


def linspace_spread(d, start, stop, axis=0):
    """The tangent of start (or stop) spread along the new axis of np.linspace."""
    shape = np.broadcast_shapes(np.shape(start), np.shape(stop))
    return np.expand_dims(np.broadcast_to(d, shape), axis)


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


def fill_like(x, g):
    """An array of x's shape filled with `g` (the gradient of a full reduction),
    in the gradient dtype of x."""
    xp = foreign_namespace(x, g)
    if xp is None:
        return np.full(np.shape(x), g, dtype=grad_dtype(x, g))
    dtype = gradient_dtype(xp, x, g)
    g = as_number(g)
    if type(g) in _SCALARS and foreign_namespace(x) is not None:
        return xp.full_like(x, g, dtype=dtype)  # (in x's chunks, for Dask)
    return broadcast_to_like(xp, xp.astype(xp.asarray(g), dtype), x)


def tile_grad(g, x, reps):
    """The gradient of np.tile(x, reps): the tiles of g summed onto x's shape."""
    shape = np.shape(x)
    reps = (reps,) if np.ndim(reps) == 0 else tuple(reps)
    ndim = max(len(shape), len(reps))
    shape = (1,) * (ndim - len(shape)) + tuple(shape)
    reps = (1,) * (ndim - len(reps)) + reps
    split = [n for pair in zip(reps, shape) for n in pair]  # (r0, n0, r1, n1, ...)
    summed = np.sum(np.reshape(g, split), axis=tuple(range(0, 2 * ndim, 2)))
    return np.reshape(summed, np.shape(x))


def repeat_grad(g, x, repeats, axis=None):
    """The gradient of np.repeat(x, repeats, axis): each element's copies summed."""
    shape = np.shape(x)
    if axis is None:
        n, work = int(np.size(x)), np.ravel(g)
    else:
        axis = axis % len(shape)
        n, work = shape[axis], np.moveaxis(g, axis, 0)
    owner = np.repeat(np.arange(n), repeats)
    out = np.zeros((n,) + work.shape[1:], dtype=grad_dtype(x, work.dtype.type(0)))
    np.add.at(out, owner, work)
    return np.reshape(out, shape) if axis is None else np.moveaxis(out, 0, axis)


def trapezoid_grad_y(g, y, x=None, dx=1.0, axis=-1):
    """The gradient of np.trapezoid(y, x, dx, axis) with respect to y: each
    sample's weight, half of the intervals beside it (written with
    differentiable functions: second derivatives read this source)."""
    n = np.shape(y)[axis]
    if n < 2:
        return zeros_like(y)
    d = dx * np.ones(n - 1) if x is None else np.diff(x)
    w = np.concatenate([d[:1], d[1:] + d[:-1], d[-1:]]) / 2.0
    return np.moveaxis(np.expand_dims(g, -1) * w, -1, axis)


def trapezoid_grad_x(g, y, x, axis=-1):
    """The gradient of np.trapezoid(y, x, axis) with respect to the sample
    points x (one dimensional): each interval's mean value, with signs."""
    if x is None:
        return 0.0
    ym = np.moveaxis(y, axis, -1)
    means = (ym[..., 1:] + ym[..., :-1]) / 2.0
    gm = np.sum(np.expand_dims(g, -1) * means, axis=tuple(range(np.ndim(means) - 1)))
    zero = np.zeros(1)
    return np.concatenate([zero, gm]) - np.concatenate([gm, zero])


def trapezoid_tangent_x(dx_points, y, x, axis=-1):
    """The tangent of np.trapezoid(y, x, axis) from the tangent of x."""
    ym = np.moveaxis(y, axis, -1)
    return np.sum((ym[..., 1:] + ym[..., :-1]) / 2.0 * np.diff(dx_points), axis=-1)


def diff_grad(g, x, n=1, axis=-1):
    """The gradient of np.diff(x, n, axis): the transposed difference, n times."""
    for _ in range(n):
        widths = [(0, 0)] * np.ndim(g)
        widths[axis] = (1, 0)
        before = np.pad(g, widths)
        widths[axis] = (0, 1)
        g = before - np.pad(g, widths)
    return g


def cumprod_grad(g, cumprod, x, axis=None):
    """The gradient of np.cumprod(x, axis), right also where elements are zero:
    d ans[i] / d x[j] is the product of x[:i+1] without x[j], for j <= i."""
    x = np.asarray(x, dtype=grad_dtype(x, 0.0))
    shape = x.shape
    if axis is None:
        x, g, cumprod, axis = np.ravel(x), np.ravel(g), np.ravel(cumprod), 0
    xs, gs = np.moveaxis(x, axis, -1), np.moveaxis(np.asarray(g), axis, -1)
    if np.all(xs != 0):  # the usual formula: reverse cumulative sum of g * ans, over x
        reverse = np.flip(np.cumsum(np.flip(gs * np.moveaxis(cumprod, axis, -1), -1), -1), -1)
        out = reverse / xs
    else:
        n = xs.shape[-1]
        out = np.zeros(xs.shape, dtype=xs.dtype)
        for j in range(n):
            without = xs.copy()
            without[..., j] = 1.0
            partial = np.cumprod(without, axis=-1)[..., j:]  # d ans[j:] / d x[j]
            out[..., j] = np.sum(gs[..., j:] * partial, axis=-1)
    return np.reshape(np.moveaxis(out, -1, axis), shape)


def cumprod_tangent(dx, ans, x, axis=None):
    """The tangent of np.cumprod(x, axis) along dx (zeros allowed in x)."""
    x = np.asarray(x, dtype=grad_dtype(x, 0.0))
    dx = np.broadcast_to(dx, x.shape)
    if axis is None:
        x, dx, axis = np.ravel(x), np.ravel(dx), 0
    xs, ds = np.moveaxis(x, axis, -1), np.moveaxis(dx, axis, -1)
    out = np.zeros(xs.shape, dtype=xs.dtype)
    for j in range(xs.shape[-1]):
        without = xs.copy()
        without[..., j] = 1.0
        out[..., j:] += ds[..., j:j + 1] * np.cumprod(without, axis=-1)[..., j:]
    return np.moveaxis(out, -1, axis)


_INDEX_PADS = ("constant", "edge", "reflect", "symmetric", "wrap")  # linear: copies of items


def _pad_mode(mode):
    if mode not in _INDEX_PADS:
        raise ValueError(f"tapeless differentiates np.pad with mode {', '.join(_INDEX_PADS)}, "
                         f"not {mode!r} (its padding is not a copy of items)")


def pad_grad(g, x, pad_width, mode="constant"):
    """The gradient of np.pad(x, pad_width, mode): the unpadded middle of g, plus
    (edge, reflect, symmetric, wrap) the gradient of every copy of an item."""
    _pad_mode(mode)
    widths = np.broadcast_to(np.asarray(pad_width, dtype=int), (np.ndim(x), 2))
    if mode != "constant" and np.ndim(x):
        index = np.pad(np.arange(np.size(x)).reshape(np.shape(x)), pad_width, mode=mode)
        out = np.zeros(np.size(x), dtype=np.result_type(np.asarray(g).dtype, float))
        np.add.at(out, index.ravel(), np.ravel(g))
        return out.reshape(np.shape(x))
    middle = tuple(slice(lo, lo + n) for (lo, _), n in zip(widths, np.shape(x)))
    return np.array(np.asarray(g)[middle]) if np.ndim(x) else g


def pad_tangent(dx, pad_width, mode="constant"):
    """The tangent of np.pad(x, pad_width, mode): the tangent padded the same way
    (constant padding has none)."""
    _pad_mode(mode)
    return np.pad(dx, pad_width, mode=mode)


def split_grad(g, pieces, axis=0):
    """The gradient of np.split / np.array_split: the pieces' gradients joined
    (a piece nobody read, None, contributes zeros)."""
    parts = [zeros_like(p) if gi is None else gi for gi, p in zip(g, pieces)]
    return np.concatenate(parts, axis=axis)


def _last_axes(x, axes):
    """x with `axes` moved last and flattened into one: (rest..., n)."""
    moved = np.moveaxis(x, axes, tuple(range(-len(axes), 0)))
    return moved.reshape(moved.shape[:moved.ndim - len(axes)] + (-1,))


def _from_last_axes(flat, x, axes):
    shape = [np.shape(x)[i] for i in range(np.ndim(x)) if i not in axes] + \
        [np.shape(x)[i] for i in axes]
    return np.moveaxis(np.reshape(flat, shape), tuple(range(-len(axes), 0)), axes)


def prod_grad_tangent(g, x, dx, axis=None, keepdims=False):
    """The tangent of `prod_grad(g, ans, x, axis)` along dx (second derivatives of
    np.prod): d/dx_m of the product of all elements but x_j, zeros allowed."""
    x = np.asarray(x, dtype=grad_dtype(x, 0.0))
    axes = tuple(range(x.ndim)) if axis is None else (axis,) if np.ndim(axis) == 0 \
        else tuple(axis)
    axes = tuple(a % x.ndim for a in axes)
    xs, ds = _last_axes(x, axes), _last_axes(np.broadcast_to(dx, x.shape), axes)
    out = np.zeros(xs.shape, dtype=xs.dtype)
    for j in range(xs.shape[-1]):
        without, dwithout = xs.copy(), ds.copy()
        without[..., j], dwithout[..., j] = 1.0, 0.0
        others = prod_grad(1.0, None, without, -1, True)  # products leaving out x_j and x_k
        out[..., j] = np.sum(dwithout * others, axis=-1)
    return repeat_to(g, x, axis, keepdims) * _from_last_axes(out, x, axes)


def cumprod_grad_tangent(g, x, dx, axis=None):
    """The tangent of `cumprod_grad(g, cumprod(x), x, axis)` along dx."""
    x = np.asarray(x, dtype=grad_dtype(x, 0.0))
    dx = np.broadcast_to(dx, x.shape)
    shape = x.shape
    if axis is None:
        x, dx, g, axis = np.ravel(x), np.ravel(dx), np.ravel(g), 0
    xs, ds, gs = (np.moveaxis(np.asarray(v), axis, -1) for v in (x, dx, g))
    out = np.zeros(xs.shape, dtype=xs.dtype)
    for j in range(xs.shape[-1]):
        without, dwithout = xs.copy(), ds.copy()
        without[..., j], dwithout[..., j] = 1.0, 0.0
        moved = cumprod_tangent(dwithout, None, without, -1)
        out[..., j] = np.sum(gs[..., j:] * moved[..., j:], axis=-1)
    return np.reshape(np.moveaxis(out, -1, axis), shape)


def diagonal_grad(g, x, offset=0, axis1=0, axis2=1):
    """The gradient of np.diagonal(x, offset, axis1, axis2): g on that diagonal, zeros elsewhere."""
    out = zeros_like(x)
    moved = np.moveaxis(out, (axis1, axis2), (-2, -1))  # a view: writes reach `out`
    n = np.shape(g)[-1]
    rows = np.arange(n) + max(-offset, 0)
    moved[..., rows, rows + offset] = g
    return out


def owned_copy(g):
    """A copy of a gradient array that the generated code may then update in
    place (a loop-carried gradient that entered its loop as a view)."""
    if type(g) in _SCALARS:
        return g
    xp = foreign_namespace(g)
    if xp is not None:
        return xp.astype(g, gradient_dtype(xp, g), copy=True)
    return np.array(g, dtype=grad_dtype(g, 0.0))


# -- complex numbers ------------------------------------------------------------------
# autograd's convention: the gradient of a real function of z = x + iy is
# df/dx - i df/dy, so a holomorphic rule is g * f'(z) and the gradient of a real
# value is real (a function from complex to real takes the real part of g).

def abs_grad(g, x):
    """The gradient of |x|: g * sign(x), 0 at 0 (as autograd); for complex x,
    real(g) * conj(x) / |x| (NumPy's sign of a complex z is z / |z|, 0 at 0)."""
    if np.iscomplexobj(x):
        return np.real(g) * np.conj(np.sign(x))
    return g * np.sign(x)


def abs_tangent(dx, x):
    """The tangent of |x| along dx: real(conj(x) dx) / |x| (dx * sign(x) for real x).
    (x / |x|, not np.sign(x), so that the compiler can differentiate it again.)"""
    if np.iscomplexobj(x) or np.iscomplexobj(dx):
        return np.real(np.conj(x) * dx) / np.where(x == 0, np.inf, np.abs(x))
    return dx * np.sign(x)


def abs_grad_tangent(g, x, dx):
    """The tangent of `abs_grad(g, x)` along dx: zero for real x (sign is piecewise
    constant); for complex x, d conj(sign x) = conj(dx - s real(conj(s) dx)) / |x|."""
    if not (np.iscomplexobj(x) or np.iscomplexobj(dx)):
        return zeros_like(x) if np.ndim(x) else 0.0
    size = np.where(x == 0, np.inf, np.abs(x))
    s = x / size  # sign(x), in a form the compiler differentiates (third derivatives)
    return np.real(g) * np.conj(dx - s * np.real(np.conj(s) * dx)) / size


def angle_grad(g, x):
    """The gradient of np.angle(x): real(g) * conj(i x) / |x|^2 (0 for real x)."""
    if not np.iscomplexobj(x):
        return zeros_like(x) if np.ndim(x) else 0.0 * g
    return np.real(g) * np.conj(1j * x) / np.abs(x) ** 2


def angle_tangent(dx, x):
    """The tangent of np.angle(x): imag(conj(x) dx) / |x|^2."""
    return np.imag(np.conj(x) * dx) / np.abs(x) ** 2


def real_part_for(g, x):
    """A gradient for a real `x` is real (autograd's convention): drop what the
    complex operations downstream put in the imaginary part."""
    xp = foreign_namespace(g, x)
    if xp is not None:
        return xp.real(g) if is_complex(xp, g) and not is_complex(xp, x) else g
    if np.iscomplexobj(g) and not np.iscomplexobj(x) and not isinstance(x, complex):
        return np.real(g)
    return g


def angle_grad_tangent(g, x, dx):
    """The tangent of `angle_grad(g, x)` along dx: for complex x, angle_grad is
    real(g) * (-i / x), so its tangent is real(g) * i dx / x^2; zero for real x."""
    if not (np.iscomplexobj(x) or np.iscomplexobj(dx)):
        return zeros_like(x) if np.ndim(x) else 0.0
    return np.real(g) * 1j * dx / x ** 2


def constant_option(d, name):
    """The tangent through an option that is not differentiated (a norm's `ord`
    passed through a function's parameter): zero, or a TypeError when the option
    really moves (its tangent is not zero)."""
    if np.any(np.asarray(d) != 0):
        raise TypeError(f"tapeless does not differentiate with respect to `{name}`: pass a "
                        "constant (or wrap it in transpiler.stop_gradient)")
    return 0.0


# (here, not in structures.py, beside zeros_like which it needs)
def holding(template, keys, values):
    """A function value like `template` holding `values` at `keys` and zeros at its
    other differentiable places (only the template's structure is read)."""
    if type(template) is functools.partial:
        given = dict(zip(keys, values))
        names, current = fields(template)
        return rebuild(template, [given[k] if k in given else zeros_like(v)
                                  for k, v in zip(map(_key, names), current)])
    if type(template) is types.MethodType:
        return types.MethodType(template.__func__, values[0])
    return values[0]
