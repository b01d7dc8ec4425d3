"""numba twins of NumPy functions, for `transpiler.jit` (a part of
`runtime.jit_helpers`, which re-exports them): the reductions numba lacks over
an axis, transcendental ufuncs that run NumPy's loop on large arrays, shapes
saved instead of arrays, checkpointed loops and small arrays from a tuple.

This module needs numba; only the jit modules import it.
"""
from __future__ import annotations

import math

import numba
import numpy as np
from numba.core import types
from numba.cpython.unsafe.tuple import tuple_setitem
from numba.extending import overload
from numba.np.numpy_support import as_dtype

from . import checkpoints, helpers
from .jit_axes import _array, _literal, _none, _number, _reduced, _sum_to


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


def power(a, b):
    raise NotImplementedError  # only ever compiled


@overload(power, inline="always")
def _power(a, b):
    """`a ** b`; of two integers, an error for a negative exponent (Python gives a
    float, numba's integer power 0)."""
    if isinstance(a, types.Integer) and isinstance(b, types.Integer):
        def integer_power(a, b):
            if b < 0:
                raise ValueError("an integer to a negative integer power: Python gives a "
                                 "float, numba 0; under jit write a float base (2.0 ** -k)")
            return a ** b
        return integer_power
    if isinstance(a, types.Float) and _number(b):
        def float_power(a, b):
            if a < 0.0 and b != math.floor(b):
                raise ValueError("a negative number to a fractional power: Python gives a "
                                 "complex number, numba nan")
            return a ** b
        return float_power
    if (_array(a) or _number(a)) and (_array(b) or _number(b)):
        return lambda a, b: a ** b


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


# -- saved values in preallocated rows (jit_rewrite.py, `_rows_for_saved`) -----------------
# A `for` loop over a range that saves the same kind of item in every pass fills
# `n` rows made on its first pass: an (n, m) float array for m floats, else a
# list of n items (no list growing pass by pass).

def saved_rows(n, item):
    raise NotImplementedError  # only ever compiled


def put_row(rows, k, item):
    raise NotImplementedError  # only ever compiled


def saved_item(rows, k, j):
    """Item j of row k (j = -1: the whole row, a saved value that is no tuple)."""
    raise NotImplementedError  # only ever compiled


def _float_items(item):
    """The number of floats in a saved item (0: one float; a tuple of floats), else None."""
    if item == types.float64:
        return 0
    return _floats(item)


@overload(saved_rows)
def _saved_rows(n, item):
    m = _float_items(item)
    if m is None:
        return lambda n, item: [item] * n
    return lambda n, item: np.empty((n, max(m, 1)))


def _made(name, params, body):
    namespace = {}
    exec(f"def {name}({params}):\n    {body}\n", namespace)  # one statement per item
    return namespace[name]


@overload(put_row)
def _put_row(rows, k, item):
    if isinstance(rows, types.List):
        return _made("put", "rows, k, item", "rows[k] = item")
    m = _float_items(item)
    return _made("put", "rows, k, item", "rows[k, 0] = item" if m == 0 else
                 "; ".join(f"rows[k, {j}] = item[{j}]" for j in range(m)))


@overload(saved_item, prefer_literal=True)
def _saved_item(rows, k, j):
    if not isinstance(j, types.IntegerLiteral):
        return None
    j = j.literal_value
    if isinstance(rows, types.List):
        return _made("item", "rows, k, j", "return rows[k]" if j < 0 else
                     f"return rows[k][{j}]")
    return _made("item", "rows, k, j", f"return rows[k, {max(j, 0)}]")


# -- checkpointed loops (runtime.checkpoints) ------------------------------------------

@numba.njit(cache=False)
def _ceil_sqrt(n):
    root = int(np.sqrt(n))
    while root * root < n:
        root += 1
    return max(root, 1)


@overload(checkpoints.checkpoint_segments)
def _checkpoint_segments(steps, segments=None):
    """A range cut into ranges (generated loops run over ranges)."""
    if not isinstance(steps, types.RangeType):
        return None
    by_count = not _none(segments)

    def impl(steps, segments=None):
        n = len(steps)
        every = max(1, -(-n // segments)) if by_count else _ceil_sqrt(n)
        out = [range(steps.start, steps.start, steps.step)]
        out.pop()
        for first in range(0, n, every):
            last = min(first + every, n)
            out.append(range(steps.start + first * steps.step,
                             steps.start + last * steps.step, steps.step))
        return out
    return impl


# -- small arrays from a tuple of numbers (transpiler/jit_small_arrays.py) ------------------

def add_scaled(s, c, t):
    """`s + c * np.array(t)`."""
    raise NotImplementedError  # only ever compiled


def scaled_shape(c, t):
    """`np.shape(c * np.array(t))`."""
    raise NotImplementedError  # only ever compiled


def scaled_items(g, shape, c, t):
    """`cast_like(unbroadcast_to(g, shape) * c, t)`, read only item by item."""
    raise NotImplementedError  # only ever compiled


def add_scaled_into(s, c, t):
    """`s + c * np.array(t)`, written into `s` where it has that shape (a loop's
    own copy of its state, read no more: jit_small_arrays.py)."""
    raise NotImplementedError  # only ever compiled


def owned(x):
    """A copy of array `x` that a loop may write into (other values as they are)."""
    raise NotImplementedError  # only ever compiled


SMALL_ARRAYS = (add_scaled, scaled_shape, scaled_items, add_scaled_into, owned)
SAVED_ROWS = (saved_rows, put_row, saved_item)


def _floats(t):
    """The length of a tuple of float64 numbers, else None."""
    if isinstance(t, types.UniTuple) and t.dtype == types.float64:
        return t.count
    return None


def _plain_scale(c):
    return isinstance(c, (types.Float, types.Integer)) and not isinstance(c, types.Boolean)


@overload(add_scaled)
def _add_scaled(s, c, t):
    n = _floats(t)
    if n is None or not _plain_scale(c) or not (_array(s) and s.ndim == 1 and
                                                s.dtype == types.float64):
        return lambda s, c, t: s + c * np.array(t)

    def item_by_item(s, c, t):
        if s.shape[0] != n:  # broadcasting: as NumPy does it
            return s + c * np.array(t)
        out = np.empty(n)
        for k in range(n):
            out[k] = s[k] + c * t[k]
        return out
    return item_by_item


@overload(add_scaled_into)
def _add_scaled_into(s, c, t):
    n = _floats(t)
    if n is None or not _plain_scale(c) or not (_array(s) and s.ndim == 1 and
                                                s.dtype == types.float64):
        return lambda s, c, t: add_scaled(s, c, t)

    def in_place(s, c, t):
        if s.shape[0] != n:  # broadcasting: a new array, as NumPy makes it
            return s + c * np.array(t)
        for k in range(n):
            s[k] = s[k] + c * t[k]
        return s
    return in_place


@overload(owned)
def _owned(x):
    if _array(x):
        return lambda x: x.copy()
    return lambda x: x


@overload(scaled_shape)
def _scaled_shape(c, t):
    n = _floats(t)
    if n is None or not _plain_scale(c):
        return lambda c, t: (c * np.array(t)).shape
    return lambda c, t: (n,)


@overload(scaled_items)
def _scaled_items(g, shape, c, t):
    n = _floats(t)
    if n is None or not _plain_scale(c) or not (_array(g) and g.ndim == 1 and
                                                g.dtype == types.float64):
        return lambda g, shape, c, t: helpers.cast_like(unbroadcast_to(g, shape) * c, t)
    items = ", ".join(f"a[{k}] * c" for k in range(n))
    text = (f"def as_items(g, shape, c, t):\n"
            f"    a = g if g.shape == shape else unbroadcast_to(g, shape)\n"
            f"    return ({items},)\n")
    namespace = {"unbroadcast_to": unbroadcast_to}
    exec(text, namespace)  # a tuple of n items: one expression per item
    return namespace["as_items"]
