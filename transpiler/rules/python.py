"""Rules for Python's own operators, builtins and the `math` module."""
from __future__ import annotations

import builtins
import math
import operator
import random

import numpy as np

from runtime import containers, ops
from runtime.containers import cleared, gathered_grad, select_grad, spread, written_grad
from runtime.helpers import abs_grad, abs_tangent, unbroadcast, zeros_like
from runtime.linalg import matmul_grad_a, matmul_grad_b

from .table import adjoint, nondifferentiable, partials, tangent

# ---- arithmetic operators --------------------------------------------------


@partials(operator.add)
def add(ans, x, y):
    return 1.0, 1.0


@partials(operator.sub)
def sub(ans, x, y):
    return 1.0, -1.0


@partials(operator.mul)
def mul(ans, x, y):
    return y, x


@adjoint(operator.truediv)
def truediv(g, ans, x, y):
    return unbroadcast(g / y, x), unbroadcast(-g * ans / y, y)


@tangent(operator.truediv, "x")
def truediv_x(dx, ans, x, y):
    return dx / y


@tangent(operator.truediv, "y")
def truediv_y(dy, ans, x, y):
    return -dy * ans / y


@partials(operator.pow)
def pow_(ans, x, y):
    """NumPy's power: the slope of x ** 0.5 at 0.0 is inf (not a ZeroDivisionError)."""
    return y * np.power(x, y - 1.0), ans * np.log(x)


@partials(operator.neg)
def neg(ans, x):
    return -1.0


@partials(operator.pos)
def pos(ans, x):
    return 1.0


@adjoint(operator.matmul)
def matmul(g, ans, a, b):
    return matmul_grad_a(g, a, b), matmul_grad_b(g, a, b)


def matmul_2d(g, ans, a, b):
    """The adjoint of a @ b when both are matrices (chosen by the compiler when it
    knows the ranks): no broadcasting, so no unbroadcast."""
    return g @ b.T, a.T @ g


def matmul_matrix_vector(g, ans, a, b):
    """The adjoint of a @ b for a matrix `a` and a vector `b` (known ranks)."""
    return np.outer(g, b), a.T @ g


def matmul_vector_matrix(g, ans, a, b):
    """The adjoint of a @ b for a vector `a` and a matrix `b` (known ranks)."""
    return b @ g, np.outer(a, g)


@tangent(operator.matmul, "a")
def matmul_a(da, ans, a, b):
    return da @ b


@tangent(operator.matmul, "b")
def matmul_b(db, ans, a, b):
    return a @ db


@adjoint(operator.getitem, wrt=("a",))
def getitem(g, ans, a, index):
    return select_grad(g, a, index)


@tangent(operator.getitem, "a")
def getitem_a(da, ans, a, index):
    return da[index]


@adjoint(ops.list_append)
def list_append(g, ans, items, value):
    return g[:-1], g[-1]


@adjoint(ops.setitem, wrt=("container", "value"))
def setitem(g, ans, container, index, value):
    written = written_grad(g, index, value)  # read first: `cleared` may then work in place
    return cleared(g, index), written


@tangent(ops.setitem, "container")
def setitem_container(dcontainer, ans, container, index, value):
    return cleared(dcontainer, index)


@tangent(ops.setitem, "value")
def setitem_value(dvalue, ans, container, index, value):
    return ops.setitem(zeros_like(ans), index, dvalue)


@adjoint(ops.scatter_add, wrt=("container", "value"))
def scatter_add(g, ans, container, index, value):
    return g, gathered_grad(g, index, value)


@tangent(ops.scatter_add, "container")
def scatter_add_container(dcontainer, ans, container, index, value):
    return dcontainer


@tangent(ops.scatter_add, "value")
def scatter_add_value(dvalue, ans, container, index, value):
    return ops.scatter_add(zeros_like(ans), index, dvalue)


@adjoint(containers.gathered_grad, wrt=("v", "value"))
def gathered_grad_(g, ans, v, index, value):
    # (np.add.at broadcasts g; `value` gives only the shape)
    return ops.scatter_add(zeros_like(v), index, g), zeros_like(value)


@tangent(containers.gathered_grad, "v")
def gathered_grad_v(dv, ans, v, index, value):
    return gathered_grad(dv, index, value)


@tangent(containers.gathered_grad, "value")
def gathered_grad_value(dvalue, ans, v, index, value):
    return 0.0  # (only its shape is read)


@adjoint(builtins.sum, wrt=("iterable",))
def sum_(g, ans, iterable, start=0):
    return spread(g, iterable)


@adjoint(ops.identity)
def identity(g, ans, x):
    return g


@adjoint(ops.snapshot)
def snapshot(g, ans, value):
    return g


# ---- builtins ----------------------------------------------------------------


@adjoint(builtins.abs)
def abs_(g, ans, x):
    """Slope 0 at 0; for complex x, real(g) * conj(x) / |x|, as autograd."""
    return abs_grad(g, x)


@tangent(builtins.abs, "x")
def abs_x(dx, ans, x):
    return abs_tangent(dx, x)


@partials(builtins.max)
def max_(ans, x, y):
    return x >= y, x < y


@partials(builtins.min)
def min_(ans, x, y):
    return x <= y, x > y


@partials(builtins.float)
def float_(ans, x):
    return 1.0


# ---- math --------------------------------------------------------------------


@partials(math.sin)
def sin(ans, x):
    return math.cos(x)


@partials(math.cos)
def cos(ans, x):
    return -math.sin(x)


@partials(math.tan)
def tan(ans, x):
    return 1.0 + ans * ans


@partials(math.asin)
def asin(ans, x):
    return 1.0 / math.sqrt(1.0 - x * x)


@partials(math.acos)
def acos(ans, x):
    return -1.0 / math.sqrt(1.0 - x * x)


@partials(math.atan)
def atan(ans, x):
    return 1.0 / (1.0 + x * x)


@partials(math.atan2)
def atan2(ans, y, x):
    return x / (x * x + y * y), -y / (x * x + y * y)


@partials(math.sinh)
def sinh(ans, x):
    return math.cosh(x)


@partials(math.cosh)
def cosh(ans, x):
    return math.sinh(x)


@partials(math.tanh)
def tanh(ans, x):
    return 1.0 - ans * ans


@partials(math.asinh)
def asinh(ans, x):
    return 1.0 / math.sqrt(x * x + 1.0)


@partials(math.acosh)
def acosh(ans, x):
    return 1.0 / math.sqrt(x * x - 1.0)


@partials(math.atanh)
def atanh(ans, x):
    return 1.0 / (1.0 - x * x)


@partials(math.exp)
def exp(ans, x):
    return ans


@partials(math.expm1)
def expm1(ans, x):
    return ans + 1.0


@partials(math.log)
def log(ans, x):
    return 1.0 / x


@partials(math.log1p)
def log1p(ans, x):
    return 1.0 / (1.0 + x)


@partials(math.log2)
def log2(ans, x):
    return 1.0 / (x * math.log(2.0))


@partials(math.log10)
def log10(ans, x):
    return 1.0 / (x * math.log(10.0))


@partials(math.sqrt)
def sqrt(ans, x):
    return 0.5 / ans


@partials(math.pow)
def mpow(ans, x, y):
    return y * math.pow(x, y - 1.0), ans * math.log(x)


@partials(math.hypot)
def hypot(ans, x, y):
    return x / ans, y / ans


@partials(math.erf)
def erf(ans, x):
    return 2.0 / math.sqrt(math.pi) * math.exp(-x * x)


@partials(math.erfc)
def erfc(ans, x):
    return -2.0 / math.sqrt(math.pi) * math.exp(-x * x)


@partials(math.fabs)
def fabs(ans, x):
    return math.copysign(1.0, x)


@partials(math.degrees)
def degrees(ans, x):
    return 180.0 / math.pi


@partials(math.radians)
def radians(ans, x):
    return math.pi / 180.0


# ---- no gradient -----------------------------------------------------------

nondifferentiable(
    operator.lt, operator.le, operator.gt, operator.ge, operator.eq, operator.ne,
    operator.not_, operator.is_, operator.is_not, operator.floordiv, operator.and_,
    operator.or_, operator.xor, operator.invert, operator.lshift, operator.rshift,
    ops.contains, ops.not_contains, ops.fail, ops.check_unpack, ops.check_unpack_starred, ops.format_value, ops.truth, ops.updates_in_place, ops.sort_index, ops.not_an_array, ops.same_array, ops.stop_gradient,
    builtins.len, builtins.range, builtins.int, builtins.bool, builtins.round,
    builtins.isinstance, builtins.type, builtins.print, builtins.getattr, builtins.slice,
    builtins.str, builtins.repr, builtins.hash, builtins.id,
    math.floor, math.ceil, math.trunc, math.isnan, math.isinf, math.isfinite,
    math.copysign, math.factorial, math.comb, math.perm,
    random.random, random.gauss, random.uniform, random.randint, random.choice,
)
