"""Rules for NumPy's shape, stacking, splitting, sorting and indexing
functions, and the elementwise functions the first table lacks.

Adjoints are written with functions that have rules themselves (or with the
helpers of runtime/arrays.py, whose tangents are at the end of this module),
so generated gradients can be differentiated again.
"""
from __future__ import annotations

import operator

import numpy as np

from runtime import arrays
from runtime.arrays import (append_grad, choice_grads, column_stack_grad, real_only,
                            rollaxis_inverse, select_index, split_axis, stacked_tangent,
                            take_along_axis_grad, take_grad)
from runtime.helpers import diagonal_grad, split_grad, unbroadcast, vstack_grad, zeros_like

from .table import adjoint, nondifferentiable, partials, tangent

nondifferentiable(np.argpartition, np.searchsorted, np.digitize, np.argwhere, np.flatnonzero,
                  np.sort_complex, np.lexsort, rollaxis_inverse, select_index, split_axis)

# ---- elementwise ---------------------------------------------------------------


@partials(np.deg2rad, np.radians)
def deg2rad(ans, x):
    return np.pi / 180.0


@partials(np.rad2deg, np.degrees)
def rad2deg(ans, x):
    return 180.0 / np.pi


@partials(np.logaddexp2)
def logaddexp2(ans, x, y):
    return np.exp2(x - ans), np.exp2(y - ans)


@partials(np.mod, np.remainder, operator.mod)
def mod(ans, x, y):
    """As autograd: 1 and -floor(x / y), also at the jumps (where x / y is an integer)."""
    return 1.0, -np.floor(x / y)


@partials(np.fmod)
def fmod(ans, x, y):
    """1 and -trunc(x / y), also at the jumps (where x / y is an integer)."""
    return 1.0, -np.trunc(x / y)


@partials(np.nan_to_num, wrt=("x",))
def nan_to_num(ans, x, copy=True, nan=0.0, posinf=None, neginf=None):
    """As autograd: zero where x is nan or infinite (those items are replaced by constants)."""
    return np.isfinite(x)


@adjoint(np.real_if_close, wrt=("a",))
def real_if_close(g, ans, a, tol=100):
    """Real inputs only (the identity)."""
    return real_only(g, a)


@tangent(np.real_if_close, "a")
def real_if_close_a(da, ans, a, tol=100):
    return real_only(da, a)


@adjoint(np.clip, wrt=("a", "a_min", "a_max"))
def clip(g, ans, a, a_min, a_max):
    """Where `a` equals a bound, the gradient goes to the bound (for `a` itself as autograd: 0)."""
    inside = (ans != a_min) & (ans != a_max)
    return (unbroadcast(g * inside, a), unbroadcast(g * (ans == a_min), a_min),
            unbroadcast(g * ((ans == a_max) & (ans != a_min)), a_max))


@tangent(np.clip, "a")
def clip_a(da, ans, a, a_min, a_max):
    return da * ((ans != a_min) & (ans != a_max))


@tangent(np.clip, "a_min")
def clip_a_min(da_min, ans, a, a_min, a_max):
    return da_min * (ans == a_min)


@tangent(np.clip, "a_max")
def clip_a_max(da_max, ans, a, a_min, a_max):
    return da_max * ((ans == a_max) & (ans != a_min))


# ---- rank and layout -------------------------------------------------------------


@adjoint(np.atleast_1d, np.atleast_2d, np.atleast_3d, wrt=("ary",))
def atleast(g, ans, ary):
    """One argument at a time."""
    return np.reshape(g, np.shape(ary))


@tangent(np.atleast_1d, "ary")
def atleast_1d_ary(dary, ans, ary):
    return np.reshape(dary, np.shape(ans))


@tangent(np.atleast_2d, "ary")
def atleast_2d_ary(dary, ans, ary):
    return np.reshape(dary, np.shape(ans))


@tangent(np.atleast_3d, "ary")
def atleast_3d_ary(dary, ans, ary):
    return np.reshape(dary, np.shape(ans))


@adjoint(np.fliplr, wrt=("m",))
def fliplr(g, ans, m):
    return np.fliplr(g)


@tangent(np.fliplr, "m")
def fliplr_m(dm, ans, m):
    return np.fliplr(dm)


@adjoint(np.flipud, wrt=("m",))
def flipud(g, ans, m):
    return np.flipud(g)


@tangent(np.flipud, "m")
def flipud_m(dm, ans, m):
    return np.flipud(dm)


@adjoint(np.rot90, wrt=("m",))
def rot90(g, ans, m, k=1, axes=(0, 1)):
    return np.rot90(g, -k, axes)


@tangent(np.rot90, "m")
def rot90_m(dm, ans, m, k=1, axes=(0, 1)):
    return np.rot90(dm, k, axes)


@adjoint(np.roll, wrt=("a",))
def roll(g, ans, a, shift, axis=None):
    return np.roll(g, np.negative(shift), axis)


@tangent(np.roll, "a")
def roll_a(da, ans, a, shift, axis=None):
    return np.roll(da, shift, axis)


@adjoint(np.rollaxis, wrt=("a",))
def rollaxis(g, ans, a, axis, start=0):
    return np.transpose(g, rollaxis_inverse(np.ndim(a), axis, start))


@tangent(np.rollaxis, "a")
def rollaxis_a(da, ans, a, axis, start=0):
    return np.rollaxis(da, axis, start)


# ---- triangles and diagonals -------------------------------------------------------


@adjoint(np.tril, wrt=("m",))
def tril(g, ans, m, k=0):
    return unbroadcast(np.tril(g, k), m)


@tangent(np.tril, "m")
def tril_m(dm, ans, m, k=0):
    return np.tril(dm, k)


@adjoint(np.triu, wrt=("m",))
def triu(g, ans, m, k=0):
    return unbroadcast(np.triu(g, k), m)


@tangent(np.triu, "m")
def triu_m(dm, ans, m, k=0):
    return np.triu(dm, k)


@adjoint(np.diag, wrt=("v",))
def diag(g, ans, v, k=0):
    if np.ndim(v) == 1:
        return np.diag(g, k)
    return diagonal_grad(g, v, k, 0, 1)


@tangent(np.diag, "v")
def diag_v(dv, ans, v, k=0):
    return np.diag(dv, k)


@adjoint(np.diagflat, wrt=("v",))
def diagflat(g, ans, v, k=0):
    return np.reshape(np.diag(g, k), np.shape(v))


@tangent(np.diagflat, "v")
def diagflat_v(dv, ans, v, k=0):
    return np.diagflat(dv, k)


@adjoint(np.trace, wrt=("a",))
def trace(g, ans, a, offset=0, axis1=0, axis2=1):
    """Any offset and pair of axes."""
    diagonal = np.diagonal(a, offset, axis1, axis2)
    return diagonal_grad(np.broadcast_to(np.expand_dims(g, -1), np.shape(diagonal)), a, offset,
                         axis1, axis2)


@tangent(np.trace, "a")
def trace_a(da, ans, a, offset=0, axis1=0, axis2=1):
    return np.trace(da, offset, axis1, axis2)


# ---- stacking and splitting --------------------------------------------------------


@adjoint(np.append, wrt=("arr", "values"))
def append(g, ans, arr, values, axis=None):
    to_arr, to_values = append_grad(g, arr, values, axis)
    return to_arr, to_values


@tangent(np.append, "arr")
def append_arr(darr, ans, arr, values, axis=None):
    return np.append(darr, zeros_like(values), axis)


@tangent(np.append, "values")
def append_values(dvalues, ans, arr, values, axis=None):
    return np.append(zeros_like(arr), dvalues, axis)


@adjoint(np.column_stack, wrt=("tup",))
def column_stack(g, ans, tup):
    return column_stack_grad(g, tup)


@tangent(np.column_stack, "tup")
def column_stack_tup(dtup, ans, tup):
    return np.column_stack(dtup)


@adjoint(np.row_stack, wrt=("tup",))
def row_stack(g, ans, tup):
    return vstack_grad(g, tup)


@tangent(np.row_stack, "tup")
def row_stack_tup(dtup, ans, tup):
    return np.vstack(dtup)


@adjoint(np.vsplit, wrt=("ary",))
def vsplit(g, ans, ary, indices_or_sections):
    return split_grad(g, ans, 0)


@adjoint(np.hsplit, wrt=("ary",))
def hsplit(g, ans, ary, indices_or_sections):
    return split_grad(g, ans, split_axis("hsplit", ary))


@adjoint(np.dsplit, wrt=("ary",))
def dsplit(g, ans, ary, indices_or_sections):
    return split_grad(g, ans, 2)


@tangent(np.vsplit, "ary")
def vsplit_ary(dary, ans, ary, indices_or_sections):
    return np.vsplit(dary, indices_or_sections)


@tangent(np.hsplit, "ary")
def hsplit_ary(dary, ans, ary, indices_or_sections):
    return np.hsplit(dary, indices_or_sections)


@tangent(np.dsplit, "ary")
def dsplit_ary(dary, ans, ary, indices_or_sections):
    return np.dsplit(dary, indices_or_sections)


# ---- sorting and indexing ------------------------------------------------------------


@adjoint(np.sort, wrt=("a",))
def sort(g, ans, a, axis=-1, kind=None):
    """As autograd: equal elements get the gradients of the places np.argsort gives them."""
    if axis is None:
        return np.reshape(np.take(g, np.argsort(np.argsort(a, axis=None, kind=kind))), np.shape(a))
    order = np.argsort(a, axis=axis, kind=kind)
    return np.take_along_axis(g, np.argsort(order, axis=axis), axis)


@tangent(np.sort, "a")
def sort_a(da, ans, a, axis=-1, kind=None):
    if axis is None:
        return np.take(stacked_tangent(da, a), np.argsort(a, axis=None, kind=kind))
    return np.take_along_axis(stacked_tangent(da, a), np.argsort(a, axis=axis, kind=kind), axis)


@adjoint(np.partition, wrt=("a",))
def partition(g, ans, a, kth, axis=-1):
    """As autograd: the gradients follow the places np.argpartition gives the elements."""
    if axis is None:
        order = np.argpartition(a, kth, axis=None)
        return np.reshape(np.take(g, np.argsort(order)), np.shape(a))
    order = np.argpartition(a, kth, axis=axis)
    return np.take_along_axis(g, np.argsort(order, axis=axis), axis)


@tangent(np.partition, "a")
def partition_a(da, ans, a, kth, axis=-1):
    if axis is None:
        return np.take(stacked_tangent(da, a), np.argpartition(a, kth, axis=None))
    return np.take_along_axis(stacked_tangent(da, a), np.argpartition(a, kth, axis=axis), axis)


@adjoint(np.take, wrt=("a",))
def take(g, ans, a, indices, axis=None):
    """Indices taken more than once collect every copy's gradient."""
    return take_grad(g, a, indices, axis)


@tangent(np.take, "a")
def take_a(da, ans, a, indices, axis=None):
    return np.take(da, indices, axis)


@adjoint(np.take_along_axis, wrt=("arr",))
def take_along_axis(g, ans, arr, indices, axis):
    return take_along_axis_grad(g, arr, indices, axis)


@tangent(np.take_along_axis, "arr")
def take_along_axis_arr(darr, ans, arr, indices, axis):
    return np.take_along_axis(np.broadcast_to(stacked_tangent(darr, arr), np.shape(arr)), indices,
                              axis)


@adjoint(np.select, wrt=("choicelist", "default"))
def select(g, ans, condlist, choicelist, default=0):
    n = len(choicelist)
    return choice_grads(g, condlist, choicelist), \
        unbroadcast(np.where(select_index(condlist, n) == n, g, 0.0), default)


@tangent(np.select, "choicelist")
def select_choicelist(dchoicelist, ans, condlist, choicelist, default=0):
    return np.select(condlist, dchoicelist, 0.0)


@tangent(np.select, "default")
def select_default(ddefault, ans, condlist, choicelist, default=0):
    n = len(choicelist)
    return np.where(select_index(condlist, n) == n, ddefault, 0.0)


# ---- tangents of the helpers (all linear in g; other arguments give shapes) ----------

@tangent(arrays.take_grad, "g")
def take_grad_g(dg, ans, g, x, indices, axis=None):
    return take_grad(dg, x, indices, axis)


@tangent(arrays.take_along_axis_grad, "g")
def take_along_axis_grad_g(dg, ans, g, x, indices, axis):
    return take_along_axis_grad(dg, x, indices, axis)


@tangent(arrays.choice_grads, "g")
def choice_grads_g(dg, ans, g, condlist, choicelist):
    return choice_grads(dg, condlist, choicelist)


@tangent(arrays.column_stack_grad, "g")
def column_stack_grad_g(dg, ans, g, arrays):
    return column_stack_grad(dg, arrays)


@tangent(arrays.append_grad, "g")
def append_grad_g(dg, ans, g, arr, values, axis=None):
    return append_grad(dg, arr, values, axis)


@tangent(arrays.real_only, "g")
def real_only_g(dg, ans, g, x):
    return real_only(dg, x)


# arguments read only for their shapes
@tangent(arrays.take_grad, "x")
def take_grad_x(dx, ans, g, x, indices, axis=None):
    return 0.0


@tangent(arrays.take_along_axis_grad, "x")
def take_along_axis_grad_x(dx, ans, g, x, indices, axis):
    return 0.0


@tangent(arrays.choice_grads, "choicelist")
def choice_grads_choicelist(dchoicelist, ans, g, condlist, choicelist):
    return 0.0


@tangent(arrays.column_stack_grad, "arrays")
def column_stack_grad_arrays(darrays, ans, g, arrays):
    return 0.0


@tangent(arrays.append_grad, "arr")
def append_grad_arr(darr, ans, g, arr, values, axis=None):
    return 0.0


@tangent(arrays.append_grad, "values")
def append_grad_values(dvalues, ans, g, arr, values, axis=None):
    return 0.0


@tangent(arrays.real_only, "x")
def real_only_x(dx, ans, g, x):
    return 0.0
