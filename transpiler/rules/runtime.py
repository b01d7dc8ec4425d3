"""Rules for the helpers that generated gradient code calls, so that generated
code can itself be differentiated (derivatives of derivatives).

Every helper is linear in the gradient it is given, so its tangent is the
helper applied to the tangent of that gradient. Arguments read only for their
shape have a zero tangent; where a helper also depends on a primal value (the
slope of a norm, |z|, a Cholesky factor) a `*_tangent` helper gives the total
derivative. Integer and boolean arguments (`axis`, `keepdims`, `repeats`, ...)
need no rule: `rules.STATIC_PARAMS` makes them constants.
"""
from __future__ import annotations

import builtins

import numpy as np

from runtime import containers, helpers, linalg, loop_shapes, namespaces, ops
from runtime.containers import (add_at, add_grads, cleared, picked, plus_grad, select_grad,
                                 spread, times_grad, times_tangent, written_grad)
from runtime.helpers import broadcast_like, repeat_to, unbroadcast

from .table import adjoint, nondifferentiable, tangent

nondifferentiable(helpers.zeros_like, helpers.ones_like, helpers.grad_dtype, helpers.shape_like,
                  helpers.size_of, helpers.reduced_count, loop_shapes.kept_shapes)


# (the gradient helpers' own parameters are named `v`, not `g`: the adjoints' `g`
# is the cotangent)
@adjoint(helpers.unbroadcast, wrt=("v", "x"))
def unbroadcast_(g, ans, v, x):
    return broadcast_like(g, v), 0.0


@tangent(helpers.unbroadcast, "v")
def unbroadcast_v(dv, ans, v, x):
    return unbroadcast(dv, x)


@adjoint(helpers.broadcast_like, wrt=("t", "x"))
def broadcast_like_(g, ans, t, x):
    return unbroadcast(g, t), 0.0


# (the helpers' other namespaces: Dask's, CuPy's..., with NumPy's rules)
nondifferentiable(namespaces.foreign_namespace, namespaces.gradient_dtype, namespaces.is_complex,
                  namespaces.is_lazy, namespaces.is_foreign_array, namespaces.no_numpy_functions)


@adjoint(helpers.broadcast_to_like, wrt=("v", "x"))
def broadcast_to_like_(g, ans, xp, v, x):
    return unbroadcast(g, v), 0.0


@tangent(helpers.broadcast_to_like, "v")
def broadcast_to_like_v(dv, ans, xp, v, x):
    return helpers.broadcast_to_like(xp, dv, x)


@tangent(helpers.broadcast_to_like, "x")
def broadcast_to_like_x(dx, ans, xp, v, x):
    return 0.0


@adjoint(helpers.float_array, wrt=("x",))
def float_array_(g, ans, x):
    return helpers.cast_like(g, x)


@tangent(helpers.float_array, "x")
def float_array_x(dx, ans, x):
    return dx


@adjoint(helpers.pieces_of, wrt=("v",))
def pieces_of_(g, ans, v, sizes, axis=0):
    return helpers.split_grad(g, ans, axis)


@tangent(helpers.pieces_of, "v")
def pieces_of_v(dv, ans, v, sizes, axis=0):
    return helpers.pieces_of(dv, sizes, axis)


@tangent(helpers.broadcast_like, "t")
def broadcast_like_t(dt, ans, t, x):
    return broadcast_like(dt, x)


@adjoint(helpers.repeat_to, wrt=("v", "x"))
def repeat_to_(g, ans, v, x, axis=None, keepdims=False):
    return np.reshape(np.sum(g, axis=axis, keepdims=keepdims), np.shape(v)), 0.0


@tangent(helpers.repeat_to, "v")
def repeat_to_v(dv, ans, v, x, axis=None, keepdims=False):
    return repeat_to(dv, x, axis, keepdims)


@tangent(helpers.fill_like, "v")
def fill_like_v(dv, ans, x, v):
    return helpers.fill_like(x, dv)


@tangent(helpers.fill_like, "x")
def fill_like_x(dx, ans, x, v):
    return 0.0


@adjoint(helpers.fill_like, wrt=("x", "v"))
def fill_like_(g, ans, x, v):
    return 0.0, unbroadcast(g, v)


@tangent(np.full, "fill_value")
def full_fill(dfill, ans, shape, fill_value, dtype=None):
    return np.full(shape, dfill, dtype=dtype)


@adjoint(np.full, wrt=("fill_value",))
def full(g, ans, shape, fill_value, dtype=None):
    return unbroadcast(g, fill_value)


# matmul_grad_a(v, a, b) = d<v, a @ b>/da is bilinear in (v, b), matmul_grad_b in
# (v, a); their adjoints (reverse over reverse) are products again. (`v` is the
# helpers' own cotangent argument: `g` here is the cotangent of their result.)
@adjoint(linalg.matmul_grad_a, wrt=("v", "a", "b"))
def matmul_grad_a_(g, ans, v, a, b):
    return unbroadcast(np.matmul(g, b), v), 0.0, linalg.matmul_grad_b(v, g, b)


@tangent(linalg.matmul_grad_a, "v")
def matmul_grad_a_v(dv, ans, v, a, b):
    return linalg.matmul_grad_a(dv, a, b)


@tangent(linalg.matmul_grad_a, "b")
def matmul_grad_a_b(db, ans, v, a, b):
    return linalg.matmul_grad_a(v, a, db)


@adjoint(linalg.matmul_grad_b, wrt=("v", "a", "b"))
def matmul_grad_b_(g, ans, v, a, b):
    return unbroadcast(np.matmul(a, g), v), linalg.matmul_grad_a(v, a, g), 0.0


@tangent(linalg.matmul_grad_b, "v")
def matmul_grad_b_v(dv, ans, v, a, b):
    return linalg.matmul_grad_b(dv, a, b)


@tangent(linalg.matmul_grad_b, "a")
def matmul_grad_b_a(da, ans, v, a, b):
    return linalg.matmul_grad_b(v, da, b)


@tangent(linalg.dot_grad_a, "g")
def dot_grad_a_g(dg, ans, g, a, b):
    return linalg.dot_grad_a(dg, a, b)


@tangent(linalg.dot_grad_a, "b")
def dot_grad_a_b(db, ans, g, a, b):
    return linalg.dot_grad_a(g, a, db)


@tangent(linalg.dot_grad_b, "g")
def dot_grad_b_g(dg, ans, g, a, b):
    return linalg.dot_grad_b(dg, a, b)


@tangent(linalg.dot_grad_b, "a")
def dot_grad_b_a(da, ans, g, a, b):
    return linalg.dot_grad_b(g, da, b)


@tangent(select_grad, "item")
def select_grad_item(ditem, ans, item, x, index):
    return select_grad(ditem, x, index)


# reverse over reverse: the adjoints of the helpers that gather gradients
@adjoint(select_grad, wrt=("item", "x"))
def select_grad_(g, ans, item, x, index):
    return picked(g, x, index, item), 0.0


@adjoint(add_grads, wrt=("a", "b"))
def add_grads_(g, ans, a, b):
    return g, g


@adjoint(add_at, wrt=("acc", "value"))
def add_at_(g, ans, acc, index, value):
    return g, picked(g, acc, index, value)


@adjoint(picked, wrt=("whole", "x", "like"))
def picked_(g, ans, whole, x, index, like):
    return select_grad(g, x, index), 0.0, 0.0


@tangent(picked, "whole")
def picked_whole(dwhole, ans, whole, x, index, like):
    return picked(dwhole, x, index, like)


@tangent(picked, "x")
@tangent(picked, "like")
def picked_shapes(d, ans, whole, x, index, like):
    return 0.0


@tangent(add_grads, "a")
def add_grads_a(da, ans, a, b):
    return da


@tangent(add_grads, "b")
def add_grads_b(db, ans, a, b):
    return db


@tangent(add_at, "acc")
def add_at_acc(dacc, ans, acc, index, value):
    return dacc


@tangent(add_at, "value")
def add_at_value(dvalue, ans, acc, index, value):
    return select_grad(dvalue, acc, index)


@tangent(spread, "g")
def spread_g(dg, ans, g, items):
    return spread(dg, items)


@tangent(builtins.sum, "iterable")
def sum_iterable(d, ans, iterable, start=0):
    return sum(d)


@tangent(ops.identity, "x")
def identity_x(dx, ans, x):
    return dx


@tangent(ops.snapshot, "value")
def snapshot_value(dvalue, ans, value):
    return dvalue


# ---- arguments read only for their shape: no tangent -----------------------
# (a zero contribution is dropped by the compiler)

@tangent(helpers.unbroadcast, "x")
def unbroadcast_x(d, ans, v, x):
    return 0.0


@tangent(helpers.broadcast_like, "x")
def broadcast_like_x(d, ans, t, x):
    return 0.0


@tangent(helpers.repeat_to, "x")
def repeat_to_x(dx, ans, v, x, axis=None, keepdims=False):
    return 0.0


@tangent(linalg.matmul_grad_a, "a")
def matmul_grad_a_a(da, ans, v, a, b):
    return 0.0


@tangent(linalg.dot_grad_a, "a")
def grad_a_a(da, ans, g, a, b):
    return 0.0


@tangent(linalg.matmul_grad_b, "b")
def matmul_grad_b_b(db, ans, v, a, b):
    return 0.0


@tangent(linalg.dot_grad_b, "b")
def grad_b_b(db, ans, g, a, b):
    return 0.0


@tangent(select_grad, "x")
def select_grad_x(dx, ans, item, x, index):
    return 0.0


@tangent(spread, "items")
def spread_items(d, ans, g, items):
    return 0.0


# ---- item writes ---------------------------------------------------------------

@adjoint(cleared, wrt=("g",))
def cleared_(g_out, ans, g, index):
    return cleared(g_out, index)


@tangent(cleared, "g")
def cleared_g(dg, ans, g, index):
    return cleared(dg, index)


@adjoint(written_grad, wrt=("g",))
def written_grad_(g_out, ans, g, index, value):
    return ops.setitem(helpers.zeros_like(g), index, g_out)


@tangent(written_grad, "g")
def written_grad_g(dg, ans, g, index, value):
    return written_grad(dg, index, value)


@tangent(written_grad, "value")
def written_grad_value(dvalue, ans, g, index, value):
    return 0.0


# ---- helpers of the shape operations, einsum and running products ----------------

@tangent(helpers.tile_grad, "g")
def tile_grad_g(dg, ans, g, x, reps):
    return helpers.tile_grad(dg, x, reps)


@tangent(helpers.repeat_grad, "g")
def repeat_grad_g(dg, ans, g, x, repeats, axis=None):
    return helpers.repeat_grad(dg, x, repeats, axis)


@tangent(helpers.diff_grad, "g")
def diff_grad_g(dg, ans, g, x, n=1, axis=-1):
    return helpers.diff_grad(dg, x, n, axis)


@adjoint(helpers.pad_tangent, wrt=("dx",))
def pad_tangent_(g, ans, dx, pad_width, mode="constant"):
    return helpers.pad_grad(g, dx, pad_width, mode)


@tangent(helpers.pad_tangent, "dx")
def pad_tangent_dx(ddx, ans, dx, pad_width, mode="constant"):
    return helpers.pad_tangent(ddx, pad_width, mode)


@tangent(helpers.pad_grad, "g")
def pad_grad_g(dg, ans, g, x, pad_width, mode="constant"):
    return helpers.pad_grad(dg, x, pad_width, mode)


@tangent(helpers.split_grad, "g")
def split_grad_g(dg, ans, g, pieces, axis=0):
    return helpers.split_grad(dg, pieces, axis)


@tangent(helpers.cumprod_grad, "g")
def cumprod_grad_g(dg, ans, g, cumprod, x, axis=None):
    return helpers.cumprod_grad(dg, cumprod, x, axis)


@tangent(linalg.einsum_grad, "g")
def einsum_grad_g(dg, ans, g, subscripts, operands, k):
    return linalg.einsum_grad(dg, subscripts, operands, k)


@tangent(linalg.einsum_grad, "operands")
def einsum_grad_operands(doperands, ans, g, subscripts, operands, k):
    return linalg.einsum_grad_tangent(g, subscripts, operands, doperands, k)


# arguments read only for their shape
@tangent(helpers.tile_grad, "x")
def tile_grad_x(dx, ans, g, x, reps):
    return 0.0


@tangent(helpers.repeat_grad, "x")
def repeat_grad_x(dx, ans, g, x, repeats, axis=None):
    return 0.0


@tangent(helpers.diff_grad, "x")
def diff_grad_x(dx, ans, g, x, n=1, axis=-1):
    return 0.0


@tangent(helpers.pad_grad, "x")
def pad_grad_x(dx, ans, g, x, pad_width, mode="constant"):
    return 0.0


@tangent(helpers.split_grad, "pieces")
def split_grad_pieces(dpieces, ans, g, pieces, axis=0):
    return 0.0


# second derivatives of np.prod and np.cumprod: `ans`/`cumprod` is a function of
# x, and the x tangent is the total derivative (so theirs is zero)

@tangent(helpers.prod_grad, "g")
def prod_grad_g(dg, ans, g, prod, x, axis=None, keepdims=False):
    return helpers.prod_grad(dg, prod, x, axis, keepdims)


@tangent(helpers.prod_grad, "x")
def prod_grad_x(dx, ans, g, prod, x, axis=None, keepdims=False):
    return helpers.prod_grad_tangent(g, x, dx, axis, keepdims)


@tangent(helpers.prod_grad, "prod")
def prod_grad_prod(dprod, ans, g, prod, x, axis=None, keepdims=False):
    return 0.0


@tangent(helpers.cumprod_grad, "x")
def cumprod_grad_x(dx, ans, g, cumprod, x, axis=None):
    return helpers.cumprod_grad_tangent(g, x, dx, axis)


@tangent(helpers.cumprod_grad, "cumprod")
def cumprod_grad_cumprod(dcumprod, ans, g, cumprod, x, axis=None):
    return 0.0


@tangent(helpers.diagonal_grad, "g")
def diagonal_grad_g(dg, ans, g, x, offset=0, axis1=0, axis2=1):
    return helpers.diagonal_grad(dg, x, offset, axis1, axis2)


@tangent(helpers.diagonal_grad, "x")
def diagonal_grad_x(dx, ans, g, x, offset=0, axis1=0, axis2=1):
    return 0.0


@adjoint(helpers.owned_copy, wrt=("g",))
def owned_copy_(g_out, ans, g):
    return g_out


@tangent(helpers.owned_copy, "g")
def owned_copy_g(dg, ans, g):
    return helpers.owned_copy(dg)


# ---- sequences: np.concatenate / stack / hstack / vstack, np.r_ / np.c_ ---------------
# (linear in the gradient or tangent; the items are read for their shapes only)

@tangent(helpers.split_like, "g")
def split_like_g(dg, ans, g, arrays, axis=0):
    return helpers.split_like(dg, arrays, axis)


@tangent(helpers.hstack_grad, "g")
def hstack_grad_g(dg, ans, g, arrays):
    return helpers.hstack_grad(dg, arrays)


@tangent(helpers.unstack, "g")
def unstack_g(dg, ans, g, arrays, axis=0):
    return helpers.unstack(dg, arrays, axis)


@tangent(helpers.vstack_grad, "g")
def vstack_grad_g(dg, ans, g, arrays):
    return helpers.vstack_grad(dg, arrays)


@tangent(helpers.items_tangent, "d")
def items_tangent_d(dd, ans, d, arrays):
    return helpers.items_tangent(dd, arrays)


@tangent(helpers.index_concat_grad, "g")
def index_concat_grad_g(dg, ans, g, which, items):
    return helpers.index_concat_grad(dg, which, items)


@tangent(helpers.index_concat_tangent, "d")
def index_concat_tangent_d(dd, ans, which, items, d):
    return helpers.index_concat_tangent(which, items, dd)


@adjoint(helpers.index_concat_tangent, wrt=("d",))
def index_concat_tangent_(g, ans, which, items, d):
    return helpers.index_concat_grad(g, which, items)


@tangent(helpers.cast_like, "g")
def cast_like_g(dg, ans, g, x):
    return helpers.cast_like(dg, x)


# `x.copy()` (of an array, a list or a dict) and its gradient, linear in `x` and `v`
@adjoint(ops.copy)
def copy(g, ans, x):
    return helpers.copy_grad(g, x)


@tangent(ops.copy, "x")
def copy_x(dx, ans, x):
    return ops.copy(dx)


@adjoint(helpers.copy_grad, wrt=("v", "x"))
def copy_grad_(g, ans, v, x):
    return helpers.copy_grad(g, x), helpers.zeros_like(x)


@tangent(helpers.copy_grad, "v")
def copy_grad_v(dv, ans, v, x):
    return helpers.copy_grad(dv, x)


@tangent(helpers.copy_grad, "x")
def copy_grad_x(dx, ans, v, x):
    return 0.0  # (x gives only the dtype and the kind of container)


@tangent(helpers.split_like, "arrays")
@tangent(helpers.unstack, "arrays")
def split_like_arrays(darrays, ans, g, arrays, axis=0):
    return 0.0


@tangent(helpers.hstack_grad, "arrays")
@tangent(helpers.vstack_grad, "arrays")
def stack_grad_arrays(darrays, ans, g, arrays):
    return 0.0


@tangent(helpers.items_tangent, "arrays")
def items_tangent_arrays(darrays, ans, d, arrays):
    return 0.0


@tangent(helpers.cast_like, "x")
def cast_like_x(dx, ans, g, x):
    return 0.0


@tangent(helpers.index_concat_grad, "items")
def index_concat_grad_items(ditems, ans, g, which, items):
    return 0.0


@tangent(helpers.index_concat_tangent, "items")
def index_concat_tangent_items(ditems, ans, which, items, d):
    return 0.0


nondifferentiable(helpers.linspace_weight, helpers.constant_option)


@tangent(helpers.linspace_spread, "d")
def linspace_spread_d(dd, ans, d, start, stop, axis=0):
    return helpers.linspace_spread(dd, start, stop, axis)


@tangent(helpers.linspace_spread, "start")
@tangent(helpers.linspace_spread, "stop")
def linspace_spread_ends(dend, ans, d, start, stop, axis=0):
    return 0.0


# ---- products of any rank -----------------------------------------------------------

@tangent(linalg.inner_grad_a, "g")
def inner_grad_a_g(dg, ans, g, a, b):
    return linalg.inner_grad_a(dg, a, b)


@tangent(linalg.inner_grad_a, "b")
def inner_grad_a_b(db, ans, g, a, b):
    return linalg.inner_grad_a(g, a, db)


@tangent(linalg.inner_grad_b, "g")
def inner_grad_b_g(dg, ans, g, a, b):
    return linalg.inner_grad_b(dg, a, b)


@tangent(linalg.inner_grad_b, "a")
def inner_grad_b_a(da, ans, g, a, b):
    return linalg.inner_grad_b(g, da, b)


@tangent(linalg.inner_grad_a, "a")
@tangent(linalg.inner_grad_b, "b")
def inner_grad_shape(d, ans, g, a, b):
    return 0.0


# ---- np.linalg.norm: `norm` is norm(x), so the x tangent is the total derivative ------

@tangent(linalg.norm_slope, "x")
def norm_slope_x(dx, ans, x, norm, ord=None, axis=None):
    return linalg.norm_slope_tangent(dx, x, norm, ord, axis)


@tangent(linalg.norm_slope, "norm")
def norm_slope_ans(dnorm, ans, x, norm, ord=None, axis=None):
    return 0.0


@tangent(linalg.norm_slope, "ord")
def norm_slope_ord(dord, ans, x, norm, ord=None, axis=None):
    return helpers.constant_option(dord, "ord")


# ---- complex numbers: |x| and np.angle -------------------------------------------------

@tangent(helpers.abs_grad, "g")
def abs_grad_g(dg, ans, g, x):
    return helpers.abs_grad(dg, x)


@tangent(helpers.abs_grad, "x")
def abs_grad_x(dx, ans, g, x):
    return helpers.abs_grad_tangent(g, x, dx)


@tangent(helpers.real_part_for, "g")
def real_part_for_g(dg, ans, g, x):
    return helpers.real_part_for(dg, x)


@tangent(helpers.real_part_for, "x")
def real_part_for_x(dx, ans, g, x):
    return 0.0


@tangent(helpers.angle_grad, "g")
def angle_grad_g(dg, ans, g, x):
    return helpers.angle_grad(dg, x)


@tangent(helpers.angle_grad, "x")
def angle_grad_x(dx, ans, g, x):
    return helpers.angle_grad_tangent(g, x, dx)


nondifferentiable(np.iscomplexobj, np.isrealobj)


# ---- np.linalg.cholesky (forward over reverse) and np.max / np.min -----------------------

@tangent(linalg.cholesky_grad, "g")
def cholesky_grad_g(dg, ans, g, factor):
    return linalg.cholesky_grad(dg, factor)


@tangent(linalg.cholesky_grad, "factor")
def cholesky_grad_factor(dfactor, ans, g, factor):
    return linalg.cholesky_grad_tangent(g, factor, dfactor)


@tangent(helpers.extremum_grad, "g")
def extremum_grad_g(dg, ans, g, extremum, x, axis=None, keepdims=False):
    return helpers.extremum_grad(dg, extremum, x, axis, keepdims)


@tangent(helpers.extremum_grad, "x")
def extremum_grad_x(dx, ans, g, extremum, x, axis=None, keepdims=False):
    return 0.0  # the share of each tie is piecewise constant


@tangent(helpers.extremum_grad, "extremum")
def extremum_grad_extremum(dextremum, ans, g, extremum, x, axis=None, keepdims=False):
    return 0.0


# the reduced axes of a norm are integers: third derivatives read norm_slope_tangent's source
nondifferentiable(linalg._norm_axes)


# ---- np.linalg.solve (so that third derivatives do not read the helpers' source) --------

@tangent(linalg.solve_grad_b, "g")
def solve_grad_b_g(dg, ans, g, solved, a, b):
    return linalg.solve_grad_b(dg, solved, a, b)


@tangent(linalg.solve_grad_b, "a")
def solve_grad_b_a(da, ans, g, solved, a, b):
    return linalg.solve_grad_b_tangent(g, a, da)


@tangent(linalg.solve_grad_b, "solved")
@tangent(linalg.solve_grad_b, "b")
def solve_grad_b_shape(d, ans, g, solved, a, b):
    return 0.0


@tangent(linalg.solve_grad_a, "g")
def solve_grad_a_g(dg, ans, g, solved, a, b):
    return linalg.solve_grad_a(dg, solved, a, b)


@tangent(linalg.solve_grad_a, "solved")
def solve_grad_a_solved(dsolved, ans, g, solved, a, b):
    return linalg.solve_grad_a(g, dsolved, a, b)


@tangent(linalg.solve_grad_a, "a")
def solve_grad_a_a(da, ans, g, solved, a, b):
    return linalg.solve_grad_a_tangent(g, solved, a, da)


@tangent(linalg.solve_grad_a, "b")
def solve_grad_a_b(db, ans, g, solved, a, b):
    return 0.0


# `a + b` and `a * b` that may concatenate or repeat (rules/objects.py); `v` is the
# gradient or tangent the helper is given, `result` the primal `a + b` or `a * b`,
# and `result`, `x` (and plus_tangent's `other`) are read for their types and shapes
@adjoint(containers.plus_grad, wrt=("v", "result", "x"))
def plus_grad_(g, ans, v, result, x, first):
    return containers.plus_grad_transposed(g, result, x, first), 0.0, 0.0


@tangent(containers.plus_grad, "v")
def plus_grad_v(dv, ans, v, result, x, first):
    return plus_grad(dv, result, x, first)


@adjoint(containers.plus_tangent, wrt=("v", "x", "other"))
def plus_tangent_(g, ans, v, x, other, first):
    return plus_grad(g, ans, x, first), 0.0, 0.0


@tangent(containers.plus_tangent, "v")
def plus_tangent_v(dv, ans, v, x, other, first):
    return containers.plus_tangent(dv, x, other, first)


@adjoint(containers.times_grad, wrt=("v", "result", "x", "other"))
def times_grad_(g, ans, v, result, x, other):
    return (containers.times_grad_transposed(g, result, x, other), 0.0, 0.0,
            containers.times_grad_by_other(g, v, result, x, other))


@tangent(containers.times_grad, "v")
def times_grad_v(dv, ans, v, result, x, other):
    return times_grad(dv, result, x, other)


@tangent(containers.times_grad, "other")
def times_grad_other(dother, ans, v, result, x, other):
    return containers.times_grad_along_other(v, dother, result, x)


@adjoint(containers.times_tangent, wrt=("v", "result", "x", "other"))
def times_tangent_(g, ans, v, result, x, other):
    return (times_grad(g, result, x, other), 0.0, 0.0,
            containers.times_grad_by_other(g, v, result, x, other))


@tangent(containers.times_tangent, "v")
def times_tangent_v(dv, ans, v, result, x, other):
    return times_tangent(dv, result, x, other)


@tangent(containers.times_tangent, "other")
def times_tangent_other(dother, ans, v, result, x, other):
    return containers.times_tangent_by_other(v, dother, result, x, other)


@tangent(containers.plus_grad, "result")
@tangent(containers.plus_grad, "x")
def plus_grad_shapes(d, ans, v, result, x, first):
    return 0.0


@tangent(containers.plus_tangent, "x")
@tangent(containers.plus_tangent, "other")
def plus_tangent_shapes(d, ans, v, x, other, first):
    return 0.0


@tangent(containers.times_grad, "result")
@tangent(containers.times_grad, "x")
@tangent(containers.times_tangent, "result")
@tangent(containers.times_tangent, "x")
def times_shapes(d, ans, v, result, x, other):
    return 0.0
