"""numba forms of the helpers generated code calls, for `transpiler.jit`.

Importing this module registers, with `numba.extending.overload`, an
implementation of each helper (`zeros_like`, `unbroadcast`, `fill_like`, the
matmul adjoints, ...) that numba uses when compiled code calls the plain
Python function. Each form covers the argument types generated code passes
(numbers and arrays); any other type is a numba typing error, which `jit`
reports at the user's line. The numba twins of the NumPy reductions numba
lacks (`np.sum(a, axis=1, keepdims=True)`, `np.max(a, axis=0)`), which `jit`
calls in their place, are in jit_twins.py (re-exported here).

Axis arithmetic (jit_axes.py) views an array as (outer, n, inner) around the
axis, so one loop nest serves every rank: broadcasting `g` back along an axis,
summing down to a shape, counting ties of a maximum.

This module needs numba; nothing else imports it.
"""
from __future__ import annotations

import numpy as np
from numba.core import types
from numba.extending import overload
from numba.np.numpy_support import as_dtype

from . import assemble, containers, helpers, linalg, loop_shapes, ops
from .jit_axes import (_along, _around, _array, _extremum_along, _grad_dtype,  # noqa: F401
                       _literal, _none, _number, _reduced, _sum_to)
from .jit_math import CHECKED as CHECKED_MATH  # noqa: F401
from .jit_twins import (REDUCTIONS, SAVED_ROWS, SMALL, SMALL_ARRAYS,  # noqa: F401
                        THROUGH_NUMPY,
                        add_scaled, clip, power, scaled_items, scaled_shape, shape_of,
                        unbroadcast_to)


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


@overload(ops.snapshot)
def _snapshot(value):
    if isinstance(value, types.Array):
        return lambda value: value.copy()
    if isinstance(value, types.List):
        return lambda value: list(value)
    if _number(value) or isinstance(value, (types.BaseTuple, types.RangeType)):
        return lambda value: value


@overload(ops.check_unpack)
def _check_unpack(value, n):
    if isinstance(value, types.BaseTuple):
        count = len(value)

        def check_tuple(value, n):
            if count != n:
                raise ValueError("wrong number of values to unpack")
        return check_tuple
    if isinstance(value, (types.Array, types.List)):
        def check(value, n):
            if len(value) != n:
                raise ValueError("wrong number of values to unpack")
        return check


@overload(ops.check_unpack_starred)
def _check_unpack_starred(items, n):
    if isinstance(items, (types.Array, types.List)):
        def check(items, n):
            if len(items) < n:
                raise ValueError("not enough values to unpack")
        return check


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


@overload(loop_shapes.kept_shapes)
def _kept_shapes(*exit_and_entry):
    pairs = exit_and_entry[0] if len(exit_and_entry) == 1 and \
        isinstance(exit_and_entry[0], types.BaseTuple) else exit_and_entry
    if not all(_array(a) and _array(b) and a.dtype == b.dtype and a.ndim == b.ndim
               for a, b in zip(pairs[::2], pairs[1::2])):
        return lambda *exit_and_entry: False  # (the reverse loop that unbroadcasts runs)
    same = " and ".join(f"exit_and_entry[{k}].shape == exit_and_entry[{k + 1}].shape"
                        for k in range(0, len(pairs), 2))
    namespace = {}
    exec(f"def kept_shapes(*exit_and_entry):\n    return {same}\n", namespace)  # one test per pair
    return namespace["kept_shapes"]


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


@overload(helpers.reduced_count)
def _reduced_count(a, ans):
    if (_array(a) or _number(a)) and (_array(ans) or _number(ans)):
        def count(a, ans):
            n, m = helpers.size_of(a), helpers.size_of(ans)
            return n / m if n and m else 1.0
        return count


@overload(helpers.size_of)
def _size_of(x):
    if _number(x):
        return lambda x: 1
    if _array(x):
        return lambda x: x.size


@overload(helpers.owned_copy)
def _owned_copy(g):
    if _number(g):
        return lambda g: g
    if _array(g):
        dtype = _grad_dtype(g)
        return lambda g: g.astype(dtype)  # (a new array, C-ordered)


@overload(helpers.fill_like)
def _fill_like(x, g):
    if _number(x) and _number(g):
        return lambda x, g: g + 0.0
    if _array(x) and _number(g):
        dtype = _grad_dtype(x)
        return lambda x, g: np.full(x.shape, g, dtype)


def _plain(helper, op):
    """Compiled, `add_into(a, b)` and the others are the plain operation, inlined, so
    that numba fuses `mul_into(d_h, rsub_into(h ** 2, 1.0))` into one loop."""
    @overload(helper, inline="always")
    def _typed(a, b):
        if (_array(a) or _number(a)) and (_array(b) or _number(b)):
            return op


for _helper, _op in ((helpers.add_into, lambda a, b: a + b),
                     (helpers.sub_into, lambda a, b: a - b),
                     (helpers.rsub_into, lambda a, b: b - a),
                     (helpers.mul_into, lambda a, b: a * b),
                     (helpers.div_into, lambda a, b: a / b),
                     (helpers.rdiv_into, lambda a, b: b / a)):
    _plain(_helper, _op)


@overload(helpers.cast_like)
def _cast_like(g, x):
    if _number(g):
        return lambda g, x: g
    if _array(g):
        dtype = _grad_dtype(x) if _array(x) else np.float64
        if as_dtype(g.dtype) == np.dtype(dtype):
            return lambda g, x: g
        return lambda g, x: g.astype(dtype)


@overload(helpers.astype)
def _astype(x, dtype, copy=True):
    """`x.astype(dtype)` (numba's astype copies)."""
    if _array(x):
        return lambda x, dtype, copy=True: x.astype(dtype)


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


def _numeric(*ts):
    return all(_array(t) or _number(t) for t in ts)


# `a + b` and `a * b` whose operands the compiler could not show are not lists:
# on numbers and arrays, the arithmetic forms
@overload(containers.plus_grad)
def _plus_grad(g, ans, x, first):
    if _numeric(ans, x):
        return lambda g, ans, x, first: helpers.unbroadcast(g, x)


@overload(containers.plus_tangent)
def _plus_tangent(dx, x, other, first):
    if _numeric(x, other):
        return lambda dx, x, other, first: dx


@overload(containers.times_grad)
def _times_grad(g, ans, x, other):
    if _numeric(ans, x, other):
        return lambda g, ans, x, other: helpers.unbroadcast(g * other, x)


@overload(containers.times_tangent)
def _times_tangent(dx, ans, x, other):
    if _numeric(ans, x, other):
        return lambda dx, ans, x, other: dx * other


@overload(containers.plus_grad_transposed)
def _plus_grad_transposed(h, ans, x, first):
    if _numeric(ans, x):
        return lambda h, ans, x, first: helpers.broadcast_like(h, ans)


@overload(containers.times_grad_transposed)
def _times_grad_transposed(h, ans, x, other):
    if _numeric(ans, x, other):
        return lambda h, ans, x, other: helpers.broadcast_like(h, ans) * other


@overload(containers.times_grad_by_other)
def _times_grad_by_other(h, g, ans, x, other):
    if _numeric(ans, x, other):
        return lambda h, g, ans, x, other: helpers.unbroadcast(
            g * helpers.broadcast_like(h, ans), other)


@overload(containers.times_grad_along_other)
def _times_grad_along_other(g, dother, ans, x):
    if _numeric(ans, x):
        return lambda g, dother, ans, x: helpers.unbroadcast(g * dother, x)


@overload(containers.times_tangent_by_other)
def _times_tangent_by_other(dx, dother, ans, x, other):
    if _numeric(ans, x, other):
        return lambda dx, dother, ans, x, other: dx * dother


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
