"""Rules for NumPy: elementwise functions, reductions, products, shape ops."""
from __future__ import annotations

import numpy as np

from runtime.helpers import (abs_grad, abs_tangent, angle_grad, angle_tangent, astype,
                             broadcast_like, cast_like, cumprod_grad, cumprod_tangent,
                             diagonal_grad, diff_grad, extremum_grad, fill_like, grid_slice,
                             hstack_grad, index_concat, index_concat_grad, index_concat_tangent, index_grid, items_tangent,
                             linspace_spread, linspace_weight, pad_grad, pad_tangent, prod_grad,
                             repeat_grad, trapezoid_grad_x, trapezoid_grad_y,
                             trapezoid_tangent_x, reduced_count, repeat_to, size_of, split_grad, split_like,
                             tile_grad, unbroadcast, unstack, vstack_grad)
from runtime.linalg import (cholesky_grad, cholesky_tangent, dot_grad_a, dot_grad_b, einsum_grad,
                            inner_grad_a, inner_grad_b, norm_slope,
                            einsum_of, matmul_grad_a, slogdet_tangent, matmul_grad_b, solve_grad_a, solve_grad_b)

from runtime import ops

from .table import adjoint, nondifferentiable, partials, tangent

# ---- elementwise, one argument ------------------------------------------------


@partials(np.negative)
def negative(ans, x):
    return -1.0


@partials(np.sin)
def sin(ans, x):
    return np.cos(x)


@partials(np.cos)
def cos(ans, x):
    return -np.sin(x)


@partials(np.tan)
def tan(ans, x):
    return 1.0 + ans ** 2


@partials(np.arcsin)
def arcsin(ans, x):
    return 1.0 / np.sqrt(1.0 - x ** 2)


@partials(np.arccos)
def arccos(ans, x):
    return -1.0 / np.sqrt(1.0 - x ** 2)


@partials(np.arctan)
def arctan(ans, x):
    return 1.0 / (1.0 + x ** 2)


@partials(np.sinh)
def sinh(ans, x):
    return np.cosh(x)


@partials(np.cosh)
def cosh(ans, x):
    return np.sinh(x)


@partials(np.tanh)
def tanh(ans, x):
    return 1.0 - ans ** 2


@partials(np.arcsinh)
def arcsinh(ans, x):
    return 1.0 / np.sqrt(x ** 2 + 1.0)


@partials(np.arccosh)
def arccosh(ans, x):
    """Right on the whole complex plane (1 / sqrt(x^2 - 1), autograd's, is not)."""
    return 1.0 / (np.sqrt(x - 1.0) * np.sqrt(x + 1.0))


@partials(np.arctanh)
def arctanh(ans, x):
    return 1.0 / (1.0 - x ** 2)


@partials(np.exp)
def exp(ans, x):
    return ans


@partials(np.exp2)
def exp2(ans, x):
    return ans * np.log(2.0)


@partials(np.expm1)
def expm1(ans, x):
    return ans + 1.0


@partials(np.log)
def log(ans, x):
    return 1.0 / x


@partials(np.log2)
def log2(ans, x):
    return 1.0 / (x * np.log(2.0))


@partials(np.log10)
def log10(ans, x):
    return 1.0 / (x * np.log(10.0))


@partials(np.log1p)
def log1p(ans, x):
    return 1.0 / (1.0 + x)


@partials(np.sqrt)
def sqrt(ans, x):
    return 0.5 / ans


@partials(np.cbrt)
def cbrt(ans, x):
    return 1.0 / (3.0 * ans ** 2)


@partials(np.square)
def square(ans, x):
    return 2.0 * x


@partials(np.reciprocal)
def reciprocal(ans, x):
    return -ans ** 2


@partials(np.fabs)
def fabs(ans, x):
    return np.sign(x)


@adjoint(np.abs, np.absolute)
def absolute(g, ans, x):
    """Slope 0 at 0; for complex x, real(g) * conj(x) / |x|, as autograd."""
    return abs_grad(g, x)


@tangent(np.abs, "x")
def absolute_x(dx, ans, x):
    return abs_tangent(dx, x)


@partials(np.sinc)
def sinc(ans, x):  # sin(pi x) / (pi x); its slope at 0 is 0
    return np.where(x == 0, 0.0, (np.cos(np.pi * x) - ans) / np.where(x == 0, 1.0, x))


# ---- elementwise, two arguments (broadcasting) ---------------------------------


@partials(np.add)
def add(ans, x, y):
    return 1.0, 1.0


@partials(np.subtract)
def subtract(ans, x, y):
    return 1.0, -1.0


@partials(np.multiply)
def multiply(ans, x, y):
    return y, x


@adjoint(np.divide, np.true_divide)
def divide(g, ans, x, y):
    return unbroadcast(g / y, x), unbroadcast(-g * ans / y, y)


@tangent(np.divide, "x")
def divide_x(dx, ans, x, y):
    return dx / y


@tangent(np.divide, "y")
def divide_y(dy, ans, x, y):
    return -dy * ans / y


@partials(np.power)
def power(ans, x, y):
    """x ** 0 has slope 0 also at x = 0, as autograd (y * x ** (y - 1) would be nan)."""
    return np.where(y == 0, 0.0, y * np.power(x, y - 1.0)), ans * np.log(np.where(x > 0, x, 1.0))


@partials(np.maximum)
def maximum(ans, x, y):
    return x >= y, x < y


@partials(np.minimum)
def minimum(ans, x, y):
    return x <= y, x > y


@partials(np.arctan2)
def arctan2(ans, y, x):
    return x / (x ** 2 + y ** 2), -y / (x ** 2 + y ** 2)


@partials(np.hypot)
def hypot(ans, x, y):
    return x / ans, y / ans


@partials(np.fmax)
def fmax(ans, x, y):
    return (x >= y) | np.isnan(y), np.logical_not((x >= y) | np.isnan(y))


@partials(np.fmin)
def fmin(ans, x, y):
    return (x <= y) | np.isnan(y), np.logical_not((x <= y) | np.isnan(y))


@partials(np.logaddexp)
def logaddexp(ans, x, y):
    return np.exp(x - ans), np.exp(y - ans)


@adjoint(np.where, wrt=("x", "y"))
def where(g, ans, condition, x, y):
    return unbroadcast(np.where(condition, g, 0.0), x), unbroadcast(np.where(condition, 0.0, g), y)


@tangent(np.where, "x")
def where_x(dx, ans, condition, x, y):
    return np.where(condition, dx, 0.0)


@tangent(np.where, "y")
def where_y(dy, ans, condition, x, y):
    return np.where(condition, 0.0, dy)


# ---- reductions --------------------------------------------------------------


@adjoint(np.sum)
def sum_(g, ans, a, axis=None, keepdims=False):
    if axis is None:
        return fill_like(a, g)
    return repeat_to(g, a, axis, keepdims)


@tangent(np.sum, "a")
def sum_a(da, ans, a, axis=None, keepdims=False):
    return np.sum(da, axis=axis, keepdims=keepdims)


@adjoint(np.mean)
def mean(g, ans, a, axis=None, keepdims=False):
    if axis is None:
        return fill_like(a, g / reduced_count(a, ans))
    return repeat_to(g, a, axis, keepdims) / reduced_count(a, ans)


@tangent(np.mean, "a")
def mean_a(da, ans, a, axis=None, keepdims=False):
    return np.mean(da, axis=axis, keepdims=keepdims)


# ---- products ----------------------------------------------------------------


@adjoint(np.matmul)
def matmul(g, ans, x1, x2):
    return matmul_grad_a(g, x1, x2), matmul_grad_b(g, x1, x2)


@tangent(np.matmul, "x1")
def matmul_x1(dx1, ans, x1, x2):
    return np.matmul(dx1, x2)


@tangent(np.matmul, "x2")
def matmul_x2(dx2, ans, x1, x2):
    return np.matmul(x1, dx2)


@adjoint(np.dot)
def dot(g, ans, a, b):
    return dot_grad_a(g, a, b), dot_grad_b(g, a, b)


@tangent(np.dot, "a")
def dot_a(da, ans, a, b):
    return np.dot(da, b)


@tangent(np.dot, "b")
def dot_b(db, ans, a, b):
    return np.dot(a, db)


# ---- shape -----------------------------------------------------------------


@adjoint(np.transpose)
def transpose(g, ans, a, axes=None):
    return np.transpose(g, None if axes is None else np.argsort(axes))


@tangent(np.transpose, "a")
def transpose_a(da, ans, a, axes=None):
    return np.transpose(da, axes)


@adjoint(np.reshape, wrt=("a",))
def reshape(g, ans, a, shape):
    return np.reshape(g, np.shape(a))


@tangent(np.reshape, "a")
def reshape_a(da, ans, a, shape):
    return np.reshape(da, shape)


@adjoint(np.asarray, np.array, wrt=("a",))
def asarray(g, ans, a, dtype=None):
    """The gradient has a's dtype (float32, or real for a real a)."""
    return cast_like(g, a)


@adjoint(astype, wrt=("x",))
def astype_(g, ans, x, dtype, copy=True):
    """x.astype(dtype): the gradient cast back to x's dtype (float32, or real for a real x)."""
    return cast_like(g, x)


@tangent(astype, "x")
def astype_x(dx, ans, x, dtype, copy=True):
    return astype(items_tangent(dx, x), dtype)


@tangent(np.asarray, "a")
def asarray_a(da, ans, a, dtype=None):
    return np.asarray(items_tangent(da, a), dtype=dtype)


@tangent(np.array, "a")
def array_a(da, ans, a, dtype=None):
    return np.array(items_tangent(da, a), dtype=dtype)


# ---- no gradient -----------------------------------------------------------

nondifferentiable(
    np.sign, np.floor, np.ceil, np.round, np.rint, np.trunc, np.argmax, np.argmin,
    np.argsort, np.shape, np.ndim, np.size, np.zeros, np.ones, np.zeros_like,
    np.ones_like, np.empty, np.empty_like, np.full, np.eye, np.identity, np.arange,
    np.isnan, np.isinf, np.isfinite, np.equal, np.not_equal, np.less,
    np.less_equal, np.greater, np.greater_equal, np.logical_and, np.logical_or,
    np.logical_not, np.logical_xor, np.any, np.all, np.floor_divide, np.nonzero,
    np.count_nonzero, np.random.rand, np.random.randn, np.random.normal,
    np.random.uniform, np.random.randint, np.random.random, np.random.seed,
)


# ---- more reductions --------------------------------------------------------

@adjoint(np.max, np.amax, wrt=("a",))
def max_(g, ans, a, axis=None, keepdims=False):
    """Ties share the gradient equally."""
    return extremum_grad(g, ans, a, axis, keepdims)


@adjoint(np.min, np.amin, wrt=("a",))
def min_(g, ans, a, axis=None, keepdims=False):
    """Ties share the gradient equally."""
    return extremum_grad(g, ans, a, axis, keepdims)


@tangent(np.max, "a")
@tangent(np.min, "a")
@tangent(np.amax, "a")
@tangent(np.amin, "a")
def extremum_a(da, ans, a, axis=None, keepdims=False):
    return np.sum(da * extremum_grad(np.ones_like(ans), ans, a, axis, keepdims), axis=axis,
                  keepdims=keepdims)


@adjoint(np.prod, wrt=("a",))
def prod(g, ans, a, axis=None, keepdims=False):
    """Right where elements are zero (first and second derivatives)."""
    return prod_grad(g, ans, a, axis, keepdims)


@tangent(np.prod, "a")
def prod_a(da, ans, a, axis=None, keepdims=False):
    return np.sum(da * prod_grad(np.ones_like(ans), ans, a, axis, keepdims), axis=axis,
                  keepdims=keepdims)


@adjoint(np.var, wrt=("a",))
def var(g, ans, a, axis=None, ddof=0, keepdims=False):
    """Complex a: the gradient uses conj(a - mean), as autograd."""
    return repeat_to(g, a, axis, keepdims) * 2.0 * \
        np.conj(a - np.mean(a, axis=axis, keepdims=True)) / (reduced_count(a, ans) - ddof)


@tangent(np.var, "a")
def var_a(da, ans, a, axis=None, ddof=0, keepdims=False):
    return np.real(np.sum(da * 2.0 * np.conj(a - np.mean(a, axis=axis, keepdims=True)), axis=axis,
                          keepdims=keepdims)) / (reduced_count(a, ans) - ddof)


@adjoint(np.std, wrt=("a",))
def std(g, ans, a, axis=None, ddof=0, keepdims=False):
    """Slope 0 where the input is constant, as autograd and finite differences give.
    (Dividing by inf, not by 0; complex a: the conjugate, as autograd.)"""
    return repeat_to(g / np.where(ans == 0, np.inf, ans), a, axis, keepdims) * \
        np.conj(a - np.mean(a, axis=axis, keepdims=True)) / (reduced_count(a, ans) - ddof)


@tangent(np.std, "a")
def std_a(da, ans, a, axis=None, ddof=0, keepdims=False):
    return np.real(np.sum(da * np.conj(a - np.mean(a, axis=axis, keepdims=True)), axis=axis,
                          keepdims=keepdims)) / (reduced_count(a, ans) - ddof) / \
        np.where(ans == 0, np.inf, ans)


@adjoint(np.linalg.norm, wrt=("x",))
def norm(g, ans, x, ord=None, axis=None, keepdims=False):
    """Every ord, axis and keepdims; ties of max/min norms share the slope; real x only.
    Vectors: p, inf, -inf, 0, 1; matrices: 'fro', 'nuc', 2, -2 (by the SVD), 1, -1,
    inf, -inf (see runtime.linalg.norm_slope)."""
    return repeat_to(g, x, axis, keepdims) * norm_slope(x, ans, ord, axis)


@tangent(np.linalg.norm, "x")
def norm_x(dx, ans, x, ord=None, axis=None, keepdims=False):
    return np.sum(dx * norm_slope(x, ans, ord, axis), axis=axis, keepdims=keepdims)


@adjoint(np.cumsum, wrt=("a",))
def cumsum(g, ans, a, axis=None):
    if axis is None:
        return np.reshape(np.cumsum(np.ravel(g)[::-1])[::-1], np.shape(a))
    return np.flip(np.cumsum(np.flip(g, axis), axis=axis), axis)


@tangent(np.cumsum, "a")
def cumsum_a(da, ans, a, axis=None):
    return np.cumsum(da, axis=axis)


# ---- more products and linear algebra ------------------------------------------

@adjoint(np.outer)
def outer(g, ans, a, b):
    return np.reshape(g @ np.ravel(b), np.shape(a)), np.reshape(np.ravel(a) @ g, np.shape(b))


@tangent(np.outer, "a")
def outer_a(da, ans, a, b):
    return np.outer(da, b)


@tangent(np.outer, "b")
def outer_b(db, ans, a, b):
    return np.outer(a, db)


@adjoint(np.inner)
def inner(g, ans, a, b):
    return inner_grad_a(g, a, b), inner_grad_b(g, a, b)


@tangent(np.inner, "a")
def inner_a(da, ans, a, b):
    return np.inner(da, b)


@tangent(np.inner, "b")
def inner_b(db, ans, a, b):
    return np.inner(a, db)


@adjoint(np.linalg.inv)
def inv(g, ans, a):
    return -np.swapaxes(ans, -1, -2) @ g @ np.swapaxes(ans, -1, -2)


@tangent(np.linalg.inv, "a")
def inv_a(da, ans, a):
    return -ans @ da @ ans


@adjoint(np.linalg.det)
def det(g, ans, a):
    return (g * ans)[..., None, None] * np.swapaxes(np.linalg.inv(a), -1, -2)


@tangent(np.linalg.det, "a")
def det_a(da, ans, a):
    return ans * np.trace(np.linalg.solve(a, da), axis1=-2, axis2=-1)


@adjoint(np.linalg.solve)
def solve(g, ans, a, b):
    return solve_grad_a(g, ans, a, b), solve_grad_b(g, ans, a, b)


@tangent(np.linalg.solve, "a")
def solve_a(da, ans, a, b):
    return -np.linalg.solve(a, da @ ans)


@tangent(np.linalg.solve, "b")
def solve_b(db, ans, a, b):
    return np.linalg.solve(a, db)


# ---- shape ---------------------------------------------------------------------

@adjoint(np.expand_dims, wrt=("a",))
def expand_dims(g, ans, a, axis):
    return np.reshape(g, np.shape(a))


@adjoint(np.squeeze, wrt=("a",))
def squeeze(g, ans, a, axis=None):
    return np.reshape(g, np.shape(a))


@adjoint(np.ravel, wrt=("a",))
def ravel(g, ans, a):
    return np.reshape(g, np.shape(a))


@adjoint(np.broadcast_to, wrt=("array",))
def broadcast_to(g, ans, array, shape):
    return unbroadcast(g, array)


@adjoint(np.swapaxes, wrt=("a",))
def swapaxes(g, ans, a, axis1, axis2):
    return np.swapaxes(g, axis1, axis2)


@adjoint(np.moveaxis, wrt=("a",))
def moveaxis(g, ans, a, source, destination):
    return np.moveaxis(g, destination, source)


@adjoint(np.flip, wrt=("m",))
def flip(g, ans, m, axis=None):
    return np.flip(g, axis)


@adjoint(np.concatenate, wrt=("arrays",))
def concatenate(g, ans, arrays, axis=0):
    return split_like(g, arrays, axis)


@adjoint(np.stack, wrt=("arrays",))
def stack(g, ans, arrays, axis=0):
    return unstack(g, arrays, axis)


@adjoint(np.hstack, wrt=("tup",))
def hstack(g, ans, tup):
    """An array argument is the sequence of its rows: its gradient is one array."""
    return hstack_grad(g, tup)


@adjoint(np.vstack, wrt=("tup",))
def vstack(g, ans, tup):
    return vstack_grad(g, tup)


# tangents of the linear shape operations: the operation applied to the tangent

@tangent(np.expand_dims, "a")
def expand_dims_a(da, ans, a, axis):
    return np.expand_dims(da, axis)


@tangent(np.squeeze, "a")
def squeeze_a(da, ans, a, axis=None):
    return np.reshape(da, np.shape(ans))


@tangent(np.ravel, "a")
def ravel_a(da, ans, a):
    return np.ravel(da)


@tangent(np.broadcast_to, "array")
def broadcast_to_array(darray, ans, array, shape):
    return np.broadcast_to(darray, shape)


@tangent(np.swapaxes, "a")
def swapaxes_a(da, ans, a, axis1, axis2):
    return np.swapaxes(da, axis1, axis2)


@tangent(np.moveaxis, "a")
def moveaxis_a(da, ans, a, source, destination):
    return np.moveaxis(da, source, destination)


@tangent(np.flip, "m")
def flip_m(dm, ans, m, axis=None):
    return np.flip(dm, axis)


# (a constant item's tangent is 0.0: items_tangent gives it the item's shape)

@tangent(np.concatenate, "arrays")
def concatenate_arrays(darrays, ans, arrays, axis=0):
    return np.concatenate(items_tangent(darrays, arrays), axis)


@tangent(np.stack, "arrays")
def stack_arrays(darrays, ans, arrays, axis=0):
    return np.stack(items_tangent(darrays, arrays), axis)


@tangent(np.hstack, "tup")
def hstack_tup(dtup, ans, tup):
    return np.hstack(items_tangent(dtup, tup))


@tangent(np.vstack, "tup")
def vstack_tup(dtup, ans, tup):
    return np.vstack(items_tangent(dtup, tup))


# ---- np.r_[...], np.c_[...] (the compiler calls index_concat for them) and np.linspace

@adjoint(index_concat, wrt=("items",))
def index_concat_(g, ans, which, items):
    """`np.r_[...]` and `np.c_[...]`: arrays, scalars, lists; slices and strings are constants."""
    return index_concat_grad(g, which, items)


@tangent(index_concat, "items")
def index_concat_items(ditems, ans, which, items):
    return index_concat_tangent(which, items, ditems)


@adjoint(index_grid, wrt=("which",))
def index_grid_(g, ans, which, items):
    """`np.mgrid[...]` / `np.ogrid[...]`: differentiated bounds are an error (use np.linspace)."""
    return 0.0


@adjoint(grid_slice, wrt=("step",))
def grid_slice_(g, ans, start, stop, step=None):
    """`a:b` in np.r_ / np.mgrid: differentiated bounds are an error (use np.linspace)."""
    return 0.0


@adjoint(np.linspace, wrt=("start", "stop"))
def linspace(g, ans, start, stop, num=50, endpoint=True, axis=0):
    """With respect to start and stop (scalars or arrays, along any axis)."""
    w = linspace_weight(num, endpoint, start, stop, axis)
    return (unbroadcast(np.sum(g * (1.0 - w), axis=axis), start),
            unbroadcast(np.sum(g * w, axis=axis), stop))


@tangent(np.linspace, "start")
def linspace_start(dstart, ans, start, stop, num=50, endpoint=True, axis=0):
    return (1.0 - linspace_weight(num, endpoint, start, stop, axis)) * \
        linspace_spread(dstart, start, stop, axis)


@tangent(np.linspace, "stop")
def linspace_stop(dstop, ans, start, stop, num=50, endpoint=True, axis=0):
    return linspace_weight(num, endpoint, start, stop, axis) * \
        linspace_spread(dstop, start, stop, axis)


# ---- more shape operations ---------------------------------------------------------

@adjoint(np.tile, wrt=("A",))
def tile(g, ans, A, reps):
    return tile_grad(g, A, reps)


@tangent(np.tile, "A")
def tile_A(dA, ans, A, reps):
    return np.tile(dA, reps)


@adjoint(np.repeat, wrt=("a",))
def repeat(g, ans, a, repeats, axis=None):
    return repeat_grad(g, a, repeats, axis)


@tangent(np.repeat, "a")
def repeat_a(da, ans, a, repeats, axis=None):
    return np.repeat(da, repeats, axis)


@adjoint(np.pad, wrt=("array",))
def pad(g, ans, array, pad_width, mode="constant", constant_values=0):
    """Modes that copy items (constant, edge, reflect, symmetric, wrap); the
    others raise ValueError."""
    return pad_grad(g, array, pad_width, mode)


@tangent(np.pad, "array")
def pad_array(darray, ans, array, pad_width, mode="constant", constant_values=0):
    return pad_tangent(darray, pad_width, mode)


if hasattr(np, "trapezoid"):  # (NumPy 2; np.trapz before it)
    @adjoint(np.trapezoid, wrt=("y", "x"))
    def trapezoid(g, ans, y, x=None, dx=1.0, axis=-1):
        return trapezoid_grad_y(g, y, x, dx, axis), trapezoid_grad_x(g, y, x, axis)

    @tangent(np.trapezoid, "y")
    def trapezoid_y(dy, ans, y, x=None, dx=1.0, axis=-1):
        return np.trapezoid(dy, x, dx, axis)

    @tangent(np.trapezoid, "x")
    def trapezoid_x(dx_points, ans, y, x=None, dx=1.0, axis=-1):
        return trapezoid_tangent_x(dx_points, y, x, axis)


@adjoint(np.split, wrt=("ary",))
def split(g, ans, ary, indices_or_sections, axis=0):
    return split_grad(g, ans, axis)


@tangent(np.split, "ary")
def split_ary(dary, ans, ary, indices_or_sections, axis=0):
    return np.split(dary, indices_or_sections, axis)


@adjoint(np.array_split, wrt=("ary",))
def array_split(g, ans, ary, indices_or_sections, axis=0):
    return split_grad(g, ans, axis)


@tangent(np.array_split, "ary")
def array_split_ary(dary, ans, ary, indices_or_sections, axis=0):
    return np.array_split(dary, indices_or_sections, axis)


# ---- differences and running products ----------------------------------------------

@adjoint(np.diff, wrt=("a",))
def diff(g, ans, a, n=1, axis=-1):
    return diff_grad(g, a, n, axis)


@tangent(np.diff, "a")
def diff_a(da, ans, a, n=1, axis=-1):
    return np.diff(da, n, axis)


@adjoint(np.cumprod, wrt=("a",))
def cumprod(g, ans, a, axis=None):
    """Right where elements are zero."""
    return cumprod_grad(g, ans, a, axis)


@tangent(np.cumprod, "a")
def cumprod_a(da, ans, a, axis=None):
    return cumprod_tangent(da, ans, a, axis)


# ---- decompositions (einsum: rules_products.py; np.clip, np.trace: rules_arrays.py) -----------

@adjoint(np.linalg.slogdet)
def slogdet(g, ans, a):
    """The sign has no gradient."""
    return np.expand_dims(g[1], (-2, -1)) * np.swapaxes(np.linalg.inv(a), -1, -2)


@tangent(np.linalg.slogdet, "a")
def slogdet_a(da, ans, a):
    return slogdet_tangent(da, ans, a)


@adjoint(np.linalg.cholesky)
def cholesky(g, ans, a):
    """The gradient as a symmetric matrix (a is symmetric), as autograd and JAX give it."""
    return cholesky_grad(g, ans)


@tangent(np.linalg.cholesky, "a")
def cholesky_a(da, ans, a):
    return cholesky_tangent(da, ans)


@adjoint(np.diagonal, wrt=("a",))
def diagonal(g, ans, a, offset=0, axis1=0, axis2=1):
    return diagonal_grad(g, a, offset, axis1, axis2)


@tangent(np.diagonal, "a")
def diagonal_a(da, ans, a, offset=0, axis1=0, axis2=1):
    return np.diagonal(da, offset, axis1, axis2)


# ---- complex numbers ----------------------------------------------------------------
# autograd's convention: the gradient of a real f of z = x + iy is df/dx - i df/dy;
# holomorphic rules are g * f'(z) (no conjugate), a real value's gradient is real.

@adjoint(np.conj)
def conj(g, ans, x):
    """conj(g), as autograd."""
    return np.conj(g)


@tangent(np.conj, "x")
def conj_x(dx, ans, x):
    return np.conj(dx)


@adjoint(np.real)
def real(g, ans, val):
    """Also `z.real`; the real part of g."""
    return cast_like(np.real(g), val)


@tangent(np.real, "val")
def real_val(dval, ans, val):
    return np.real(dval)


@adjoint(np.imag)
def imag(g, ans, val):
    """Also `z.imag`; -i times the real part of g, as autograd."""
    return cast_like(-1j * np.real(g), val)


@tangent(np.imag, "val")
def imag_val(dval, ans, val):
    return np.imag(dval)


@adjoint(np.angle, wrt=("z",))
def angle(g, ans, z, deg=False):
    """real(g) * conj(i z) / |z|^2, as autograd; 0 for real z."""
    return angle_grad(g, z) * (180.0 / np.pi if deg else 1.0)


@tangent(np.angle, "z")
def angle_z(dz, ans, z, deg=False):
    return angle_tangent(dz, z) * (180.0 / np.pi if deg else 1.0)


@adjoint(ops.item, wrt=("x",))
def item(g, ans, x):
    return fill_like(x, g)


@tangent(ops.item, "x")
def item_x(dx, ans, x):
    return ops.item(dx)


nondifferentiable(np.random.default_rng, np.random.RandomState)
