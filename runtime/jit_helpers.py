"""numba forms of the helpers generated code calls, for `transpiler.jit`.

Importing this module registers, with `numba.extending.overload`, an
implementation of each helper (`zeros_like`, `unbroadcast`, `fill_like`, the
matmul adjoints, ...) that numba uses when compiled code calls the plain
Python function. Each form covers the argument types generated code passes
(numbers and arrays); any other type is a numba typing error, which `jit`
reports at the user's line. It also defines the numba twins of the NumPy
reductions numba lacks (`np.sum(a, axis=1, keepdims=True)`, `np.max(a, axis=0)`),
which `jit` calls in their place.

Axis arithmetic views an array as (outer, n, inner) around the axis, so one
loop nest serves every rank: broadcasting `g` back along an axis, summing
down to a shape, counting ties of a maximum.

This module needs numba; nothing else imports it.
"""
from __future__ import annotations

import numba
import numpy as np
from numba.core import types
from numba.cpython.unsafe.tuple import tuple_setitem
from numba.extending import overload
from numba.np.numpy_support import as_dtype

from . import assemble, containers, helpers, linalg, ops


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


# -- the helpers -------------------------------------------------------------------

@overload(helpers.zeros_like)
def _zeros_like(x):
    if _number(x) or isinstance(x, types.NoneType):  # (None: a constant's zero tangent)
        return lambda x: 0.0
    if _array(x):
        dtype = _grad_dtype(x)
        return lambda x: np.zeros(x.shape, dtype)


@overload(helpers.zeros_like)
def _zeros_like_list(x):
    if isinstance(x, types.List):
        return lambda x: [helpers.zeros_like(v) for v in x]


@overload(ops.sequence)
def _sequence(xs):
    if isinstance(xs, (types.Array, types.List, types.BaseTuple, types.RangeType)):
        return lambda xs: xs


@overload(ops.list_append)
def _list_append(items, value):
    if isinstance(items, types.List):
        def append(items, value):
            items.append(value)
            return items
        return append


@overload(ops.truth)
def _truth(x):
    if _number(x):
        return lambda x: x != 0


@overload(ops.identity)
def _identity(x):
    return lambda x: x


@overload(helpers.shape_like)
def _shape_like(x):  # (compiled code keeps the array itself: only its shape is read)
    return lambda x: x


@overload(ops.stop_gradient)
def _stop_gradient(x):
    return lambda x: x


@overload(helpers.ones_like)
def _ones_like(x):
    if _number(x):
        return lambda x: 1.0
    if _array(x):
        dtype = _grad_dtype(x)
        return lambda x: np.ones(x.shape, dtype)


@overload(helpers.size_of)
def _size_of(x):
    if _number(x):
        return lambda x: 1
    if _array(x):
        return lambda x: x.size


@overload(helpers.fill_like)
def _fill_like(x, g):
    if _number(x) and _number(g):
        return lambda x, g: g + 0.0
    if _array(x) and _number(g):
        dtype = _grad_dtype(x)
        return lambda x, g: np.full(x.shape, g, dtype)


@overload(helpers.cast_like)
def _cast_like(g, x):
    if _number(g):
        return lambda g, x: g
    if _array(g):
        dtype = _grad_dtype(x) if _array(x) else np.float64
        if as_dtype(g.dtype) == np.dtype(dtype):
            return lambda g, x: g
        return lambda g, x: g.astype(dtype)


@overload(helpers.unbroadcast)
def _unbroadcast(g, x):
    if _array(x) or _number(x):
        return lambda g, x: unbroadcast_to(g, shape_of(x))


@overload(helpers.items_tangent)
def _items_tangent(d, arrays):
    # the flat lists (or tuples) of numbers np.array([...]) takes
    if isinstance(arrays, (types.List, types.UniTuple)) and _number(arrays.dtype):
        if isinstance(d, (types.List, types.UniTuple)) or \
                isinstance(d, types.Tuple) and all(_number(t) for t in d.types):
            return lambda d, arrays: d
        if _number(d):
            return lambda d, arrays: [d + 0.0 for _ in arrays]


def _real(t):
    dtype = t.dtype if _array(t) else t
    return isinstance(dtype, (types.Float, types.Integer, types.Boolean))


@overload(helpers.abs_grad)
def _abs_grad(g, x):
    if _real(x) and (_array(g) or _number(g)):
        return lambda g, x: g * np.sign(x)


@overload(helpers.abs_tangent)
def _abs_tangent(dx, x):
    if _real(x) and _real(dx):
        return lambda dx, x: dx * np.sign(x)


@overload(helpers.broadcast_like)
def _broadcast_like(t, x):
    if _array(x) and (_array(t) or _number(t)):
        return lambda t, x: np.broadcast_to(t, x.shape).copy()
    if _number(x) and _number(t):
        return lambda t, x: t


@overload(helpers.repeat_to, prefer_literal=True)
def _repeat_to(g, x, axis=None, keepdims=False):
    if not _array(x):
        return None
    if _literal(axis) is None:
        if _number(g):
            return lambda g, x, axis=None, keepdims=False: np.full(x.shape, g)
        return lambda g, x, axis=None, keepdims=False: np.broadcast_to(g, x.shape).copy()
    if isinstance(axis, types.Integer):
        return lambda g, x, axis=None, keepdims=False: _along(g, x.shape, axis % x.ndim)


@overload(helpers.extremum_grad, prefer_literal=True)
def _extremum_grad(g, extremum, x, axis=None, keepdims=False):
    if not _array(x):
        return None
    if _literal(axis) is None:
        def full(g, extremum, x, axis=None, keepdims=False):
            mask = x == extremum
            return g * (mask / np.sum(mask))
        return full
    if isinstance(axis, types.Integer):
        def along(g, extremum, x, axis=None, keepdims=False):
            return _extremum_along(g, extremum, x, axis % x.ndim)
        return along


@overload(linalg.matmul_grad_a)
def _matmul_grad_a(g, a, b):
    if not (_array(a) and _array(b)) or a.ndim > 2 or b.ndim > 2:
        return None
    if b.ndim == 1:
        return (lambda g, a, b: np.outer(g, b)) if a.ndim == 2 else (lambda g, a, b: g * b)
    if a.ndim == 1:
        return lambda g, a, b: np.dot(b, g)
    return lambda g, a, b: np.dot(g, b.T)


@overload(linalg.matmul_grad_b)
def _matmul_grad_b(g, a, b):
    if not (_array(a) and _array(b)) or a.ndim > 2 or b.ndim > 2:
        return None
    if a.ndim == 1:
        return (lambda g, a, b: np.outer(a, g)) if b.ndim == 2 else (lambda g, a, b: g * a)
    return lambda g, a, b: np.dot(a.T, g)


@overload(containers.add_at)
def _add_at(acc, index, g):
    if _array(acc) and isinstance(index, types.Integer) and acc.ndim == 1:
        def one_item(acc, index, g):
            out = acc.copy()
            out[index] += g
            return out
        return one_item


@overload(containers.add_grads)
def _add_grads(a, b):
    if (_array(a) or _number(a)) and (_array(b) or _number(b)):
        return lambda a, b: a + b


@overload(containers.select_grad)
def _select_grad(g, x, index):
    if _array(x) and isinstance(index, (types.Integer, types.SliceType)):
        def one_item(g, x, index):
            out = helpers.zeros_like(x)
            out[index] = g
            return out
        return one_item


@overload(containers.cleared)
def _cleared(g, index):
    if _array(g) and isinstance(index, types.Integer):
        def clear(g, index):
            out = g.copy()
            out[index] = 0
            return out
        return clear


@overload(ops.setitem)
def _setitem(container, index, value):
    if _array(container) and isinstance(index, types.Integer):
        def write(container, index, value):
            out = container.copy()
            out[index] = value
            return out
        return write


@overload(assemble.basis_of)
def _basis_of(x):
    if _array(x):
        def basis(x):
            out = []
            for k in range(x.size):
                e = np.zeros(x.size)
                e[k] = 1.0
                out.append(e.reshape(x.shape))
            return out
        return basis


# -- NumPy reductions numba lacks ----------------------------------------------------

def _reduction(name, how):
    """A twin of np.sum / np.max / np.min / np.mean(a, axis=k, keepdims=kd), for
    the calls numba does not implement (`jit` calls it in their place)."""
    def python(a, axis=None, keepdims=False):
        raise NotImplementedError  # only ever compiled

    python.__name__ = python.__qualname__ = f"np.{name} over an axis"
    whole = getattr(np, name)

    @overload(python, prefer_literal=True)
    def _typed(a, axis=None, keepdims=False):
        if _none(axis) and not _literal(keepdims, False):
            return lambda a, axis=None, keepdims=False: whole(a)
        if not _array(a) or not isinstance(axis, types.Integer):
            return None
        if _literal(keepdims, False):
            def kept(a, axis=None, keepdims=False):
                k = axis % a.ndim
                return _reduced(a, k, how).reshape(tuple_setitem(a.shape, k, 1))
            return kept
        if a.ndim == 1:
            return lambda a, axis=None, keepdims=False: _reduced(a, 0, how)[0]
        if a.ndim == 2:
            def dropped(a, axis=None, keepdims=False):
                k = axis % a.ndim
                return _reduced(a, k, how).reshape(a.shape[1 - k])
            return dropped

    return python


def clip(a, a_min, a_max):
    raise NotImplementedError  # only ever compiled


@overload(clip)
def _clip(a, a_min, a_max):
    """np.clip as NumPy defines it, for the numbers numba's lacks it for."""
    if all(_array(t) or _number(t) for t in (a, a_min, a_max)):
        return lambda a, a_min, a_max: np.minimum(np.maximum(a, a_min), a_max)


REDUCTIONS = {name: _reduction(name, how) for name, how in
              (("sum", 0), ("max", 1), ("amax", 1), ("min", 2), ("amin", 2), ("mean", 3))}


# -- transcendental ufuncs on large arrays: NumPy's vectorized loops -----------------
# numba's own np.tanh and np.exp call libm once per element (14x and 6x slower
# than NumPy's SIMD loops on a 256x128 array); leaving compiled code for
# NumPy costs about a microsecond, so arrays of SMALL items or fewer stay inside.

SMALL = 256


def _dtype_of(t):
    """A NumPy value standing for numba type `t` when asking NumPy's result dtype."""
    if _array(t):
        return np.zeros(1, as_dtype(t.dtype))
    return 0.0 if isinstance(t, types.Float) else 0


def _through_numpy(name):
    """The twin of np.<name> that runs NumPy's loop on large arrays."""
    ufunc = getattr(np, name)

    def python(*args):
        raise NotImplementedError  # only ever compiled

    python.__name__ = python.__qualname__ = f"np.{name}"

    if ufunc.nin == 1:
        @overload(python)
        def _unary(a):
            if not _array(a):
                return lambda a: ufunc(a)
            with np.errstate(all="ignore"):
                dtype = ufunc(_dtype_of(a)).dtype
            out_t = types.Array(numba.from_dtype(dtype), a.ndim, "C")

            def unary(a):
                if a.size <= SMALL:
                    return np.ascontiguousarray(ufunc(a))
                with numba.objmode(out=out_t):
                    out = ufunc(a)
                return out
            return unary
    else:
        @overload(python)
        def _binary(a, b):
            if not (_array(a) or _array(b)):
                return lambda a, b: ufunc(a, b)
            ndim = max(t.ndim for t in (a, b) if _array(t))
            with np.errstate(all="ignore"):
                dtype = ufunc(_dtype_of(a), _dtype_of(b)).dtype
            out_t = types.Array(numba.from_dtype(dtype), ndim, "C")

            def binary(a, b):
                if max(np.size(a), np.size(b)) <= SMALL:
                    return np.ascontiguousarray(ufunc(a, b))
                with numba.objmode(out=out_t):
                    out = ufunc(a, b)
                return out
            return binary
    return python


THROUGH_NUMPY = {name: _through_numpy(name) for name in
                 ("tanh", "exp", "log", "sin", "cos", "tan", "expm1", "log1p", "arctan",
                  "sinh", "cosh", "logaddexp", "power", "arctan2")}


# -- shapes saved instead of arrays --------------------------------------------------
# A value the reverse sweep reads only for its shape (`unbroadcast(g, x)`) is
# saved as its shape: the forward loop then keeps no array alive per step.

def shape_of(x):
    raise NotImplementedError  # only ever compiled


def unbroadcast_to(g, shape):
    raise NotImplementedError  # only ever compiled


@overload(shape_of)
def _shape_of(x):
    if _array(x):
        return lambda x: x.shape
    if _number(x):
        return lambda x: ()


@overload(unbroadcast_to)
def _unbroadcast_to(g, shape):
    if not isinstance(shape, types.BaseTuple):
        return None
    n = len(shape)
    if n == 0:
        return (lambda g, shape: np.sum(g)) if _array(g) else (lambda g, shape: g)
    if _number(g):
        return lambda g, shape: np.full(shape, g)
    if _array(g) and g.ndim < n:
        return lambda g, shape: np.broadcast_to(g, shape).copy()
    if _array(g) and g.ndim == n:
        def same_rank(g, shape):
            if g.shape == shape:
                return np.ascontiguousarray(g)
            return _sum_to(g, shape)
        return same_rank
    if _array(g):
        return lambda g, shape: _sum_to(g, shape)
