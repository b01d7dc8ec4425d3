"""Helpers that generated gradient code calls at run time.

They are plain functions with derivative rules of their own, so generated
code can be differentiated again (`grad(grad(f))`).
"""
from __future__ import annotations

import functools
import types

import numpy as np

from .namespaces import as_number, foreign_namespace, gradient_dtype, in_chunks_of
from .structures import _key, fields, rebuild
from .helpers_arrays import (_FLOAT64, _SCALARS, _SHAPE_LIKE, _expand_dims,  # noqa: F401
                             _scalar_like, _unbroadcast_in, astype, broadcast_like,
                             broadcast_to_like, cast_like, extremum_grad, float_array,
                             grad_dtype, ones_like, prod_grad, real_part_for, repeat_to,
                             reduced_count, shape_like, size_of, unbroadcast, zeros_like)
from .helpers_joins import (_CONCATENATORS, _is_item_array, _items_grad,  # noqa: F401
                            _labelled, copy_grad, grid_slice, hstack_grad, index_concat,
                            index_concat_grad, index_concat_tangent, index_grid, items_tangent,
                            pieces_of, split_like, unstack, vstack_grad)
from .helpers_in_place import (add_into, div_into, mul_into, rdiv_into,  # noqa: F401
                               rsub_into, sub_into)


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


def fill_like(x, g):
    """An array of x's shape filled with `g` (the gradient of a full reduction),
    in the gradient dtype of x."""
    if type(x) is np.ndarray and type(g) is float:  # (the common case, without the lookups)
        out = np.empty(x.shape, x.dtype if x.dtype.kind in "fc" else _FLOAT64)
        out.fill(g)
        return out
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
    xp = foreign_namespace(x, g)
    if xp is not None:
        return in_chunks_of(_along_flat(xp, _cumprod_grad_in, x, axis, g, cumprod), x)
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
    xp = foreign_namespace(x, dx)
    if xp is not None:
        return _along_flat(xp, _cumprod_tangent_in, x, axis, broadcast_like(dx, x),
                           shaped=False)
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


# The same for other libraries' arrays, with the standard's functions and no
# branch on the values (a Dask array stays lazy). Along an axis, with z the
# first zero: before z the usual formulas (dividing by x is safe there); at z,
# the products with x[z] left out (`spare`); after z, nothing moves ans.

def _along_flat(xp, rule, x, axis, *arrays, shaped=True):
    """rule(xp, x, axis, *arrays) on x of its gradient dtype; for axis=None, on
    them flattened (the result in x's shape if `shaped`, as a gradient)."""
    x = float_array(x)
    if axis is not None:
        return rule(xp, x, axis, *arrays)
    flat = [xp.reshape(xp.asarray(v), (-1,)) for v in (x,) + arrays]
    out = rule(xp, flat[0], 0, *flat[1:])
    return xp.reshape(out, tuple(np.shape(x))) if shaped else out


def _first_zero(xp, x, axis):
    """Masks of the elements before the first zero along `axis`, and of that zero."""
    zeros = xp.cumulative_sum(xp.astype(x == 0, x.dtype), axis=axis)
    return zeros == 0, (zeros == 1) & (x == 0)


def _reverse_cumsum(xp, v, axis):
    return xp.flip(xp.cumulative_sum(xp.flip(v, axis=axis), axis=axis), axis=axis)


def _cumprod_grad_in(xp, x, axis, g, cumprod):
    before, first = _first_zero(xp, x, axis)
    spare = xp.cumulative_prod(xp.where(first, 1.0, x), axis=axis)
    usual = _reverse_cumsum(xp, g * cumprod, axis) / xp.where(before, x, 1.0)
    return xp.where(before, usual, xp.where(first, _reverse_cumsum(xp, g * spare, axis), 0.0))


def _cumprod_tangent_in(xp, x, axis, dx):
    before, first = _first_zero(xp, x, axis)
    spare = xp.cumulative_prod(xp.where(first, 1.0, x), axis=axis)
    ratios = xp.where(before, dx / xp.where(before, x, 1.0), 0.0)
    usual = xp.cumulative_prod(x, axis=axis) * xp.cumulative_sum(ratios, axis=axis)
    at_zero = xp.sum(xp.where(first, dx, 0.0), axis=axis, keepdims=True)
    return xp.where(before, usual, at_zero * spare)


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
    real(g) * conj(x) / |x| (NumPy's sign of a complex z is z / |z|, 0 at 0, as
    the standard's), in x's namespace."""
    xp = np if type(x) is np.ndarray or type(x) is float else foreign_namespace(x) or np
    if np.iscomplexobj(x):
        return xp.real(g) * xp.conj(xp.sign(x))
    return g * xp.sign(x)


def abs_tangent(dx, x):
    """The tangent of |x| along dx: real(conj(x) dx) / |x| (dx * sign(x) for real x).
    (x / |x|, not np.sign(x), so that the compiler can differentiate it again.)"""
    if np.iscomplexobj(x) or np.iscomplexobj(dx):
        return np.real(np.conj(x) * dx) / np.where(x == 0, np.inf, np.abs(x))
    return abs_grad(dx, x)  # dx * sign(x), in x's namespace


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
