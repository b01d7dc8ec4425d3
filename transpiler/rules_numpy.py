"""Rules for NumPy: elementwise functions, reductions, products, shape ops."""
from __future__ import annotations

import numpy as np

from runtime.helpers import repeat_to, unbroadcast
from runtime.linalg import dot_grad_a, dot_grad_b, matmul_grad_a, matmul_grad_b

from .rules import adjoint, nondifferentiable, partials, tangent

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
    return 1.0 / np.sqrt(x ** 2 - 1.0)


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


@partials(np.abs, np.absolute, np.fabs)
def absolute(ans, x):
    return np.sign(x)


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
    return y * np.power(x, y - 1), ans * np.log(np.where(x > 0, x, 1.0))


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


@adjoint(np.clip, wrt=("a",))
def clip(g, ans, a, a_min, a_max):
    return g * (ans == a)


@tangent(np.clip, "a")
def clip_a(da, ans, a, a_min, a_max):
    return da * (ans == a)


# ---- reductions --------------------------------------------------------------


@adjoint(np.sum)
def sum_(g, ans, a, axis=None, keepdims=False):
    if axis is None:
        return np.full(np.shape(a), g)
    return repeat_to(g, a, axis, keepdims)


@tangent(np.sum, "a")
def sum_a(da, ans, a, axis=None, keepdims=False):
    return np.sum(da, axis=axis, keepdims=keepdims)


@adjoint(np.mean)
def mean(g, ans, a, axis=None, keepdims=False):
    if axis is None:
        return np.full(np.shape(a), g / np.size(a))
    return repeat_to(g, a, axis, keepdims) * (np.size(ans) / np.size(a))


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


@adjoint(np.reshape)
def reshape(g, ans, a, shape):
    return np.reshape(g, np.shape(a))


@tangent(np.reshape, "a")
def reshape_a(da, ans, a, shape):
    return np.reshape(da, shape)


@adjoint(np.asarray, np.array, wrt=("a",))
def asarray(g, ans, a, dtype=None):
    return g


@tangent(np.asarray, "a")
def asarray_a(da, ans, a, dtype=None):
    return np.asarray(da, dtype=dtype)


# ---- no gradient -----------------------------------------------------------

nondifferentiable(
    np.sign, np.floor, np.ceil, np.round, np.rint, np.trunc, np.argmax, np.argmin,
    np.argsort, np.shape, np.ndim, np.size, np.zeros, np.ones, np.zeros_like,
    np.ones_like, np.empty, np.empty_like, np.full, np.eye, np.identity, np.arange,
    np.linspace, np.isnan, np.isinf, np.isfinite, np.equal, np.not_equal, np.less,
    np.less_equal, np.greater, np.greater_equal, np.logical_and, np.logical_or,
    np.logical_not, np.logical_xor, np.any, np.all, np.floor_divide, np.nonzero,
    np.count_nonzero, np.random.rand, np.random.randn, np.random.normal,
    np.random.uniform, np.random.randint, np.random.random, np.random.seed,
)
