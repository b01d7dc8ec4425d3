"""Rules for NumPy 2's functions named as in the Array API standard that are not
aliases of older NumPy functions (`np.asin is np.arcsin` needs none), and the
namespace makers, which carry no derivative.

Their formulas use only the standard's functions, so a call through any array
namespace (`xp.matrix_transpose(x)`, `xp.linalg.vector_norm(x)`) is
differentiated in that namespace (transpiler/ir/array_api.py).
"""
from __future__ import annotations

import numpy as np

from runtime.array_api import inverse_axes, saved_namespace, tensordot_axes
from runtime.helpers import repeat_to, unbroadcast
from runtime.linalg import diagonal_spread, matmul_grad_a, matmul_grad_b

from runtime import ops

from .table import adjoint, nondifferentiable, tangent


def is_namespace_maker(fn):
    """Does `fn` return an array namespace (`x.__array_namespace__()`, or
    array-api-compat's array_namespace, which is not imported to ask)? Such a
    function has no derivative: it is marked so when the compiler first meets it."""
    if fn is ops.array_namespace or fn is saved_namespace:
        return True
    module = getattr(fn, "__module__", None) or ""
    if module.split(".")[0] != "array_api_compat" or \
            getattr(fn, "__name__", None) not in ("array_namespace", "get_namespace"):
        return False
    nondifferentiable(fn)
    return True


nondifferentiable(ops.array_namespace, saved_namespace, inverse_axes, tensordot_axes)

if hasattr(np, "matrix_transpose"):  # NumPy 2
    @adjoint(np.matrix_transpose, np.linalg.matrix_transpose)
    def matrix_transpose(g, ans, x):
        return np.matrix_transpose(g)

    @tangent(np.matrix_transpose, "x")
    def matrix_transpose_x(dx, ans, x):
        return np.matrix_transpose(dx)

    @adjoint(np.linalg.matmul)
    def linalg_matmul(g, ans, x1, x2):
        return matmul_grad_a(g, x1, x2), matmul_grad_b(g, x1, x2)

    @tangent(np.linalg.matmul, "x1")
    def linalg_matmul_x1(dx1, ans, x1, x2):
        return dx1 @ x2

    @tangent(np.linalg.matmul, "x2")
    def linalg_matmul_x2(dx2, ans, x1, x2):
        return x1 @ dx2

    @adjoint(np.linalg.tensordot)
    def linalg_tensordot(g, ans, x1, x2, axes=2):
        """Integer axes (array_api.call refuses pairs of axes lists)."""
        pairs = tensordot_axes(x1.ndim, x2.ndim, axes)
        return np.tensordot(g, x2, axes=pairs[0]), np.tensordot(x1, g, axes=pairs[1])

    @tangent(np.linalg.tensordot, "x1")
    def linalg_tensordot_x1(dx1, ans, x1, x2, axes=2):
        return np.tensordot(dx1, x2, axes=axes)

    @tangent(np.linalg.tensordot, "x2")
    def linalg_tensordot_x2(dx2, ans, x1, x2, axes=2):
        return np.tensordot(x1, dx2, axes=axes)

    @adjoint(np.vecdot, np.linalg.vecdot)
    def vecdot(g, ans, x1, x2, axis=-1):
        """sum(conj(x1) * x2, axis): real x1 and x2 only."""
        g = np.expand_dims(g, axis=axis)
        return unbroadcast(g * x2, x1), unbroadcast(g * x1, x2)

    @tangent(np.vecdot, "x1")
    def vecdot_x1(dx1, ans, x1, x2, axis=-1):
        return np.sum(dx1 * x2, axis=axis)

    @tangent(np.vecdot, "x2")
    def vecdot_x2(dx2, ans, x1, x2, axis=-1):
        return np.sum(x1 * dx2, axis=axis)

    @adjoint(np.linalg.vector_norm)
    def vector_norm(g, ans, x, axis=None, keepdims=False, ord=2):
        """The 2-norm, slope 0 at 0 as autograd's (another ord: a TranspileError)."""
        return repeat_to(g / np.where(ans == 0.0, 1.0, ans), x, axis, keepdims) * x

    @tangent(np.linalg.vector_norm, "x")
    def vector_norm_x(dx, ans, x, axis=None, keepdims=False, ord=2):
        return np.sum(dx * x, axis=axis, keepdims=keepdims) / np.where(ans == 0.0, 1.0, ans)

    @adjoint(np.linalg.matrix_norm)
    def matrix_norm(g, ans, x, keepdims=False, ord="fro"):
        """The Frobenius norm (another ord: a TranspileError)."""
        return repeat_to(g / np.where(ans == 0.0, 1.0, ans), x, (-2, -1), keepdims) * x

    @tangent(np.linalg.matrix_norm, "x")
    def matrix_norm_x(dx, ans, x, keepdims=False, ord="fro"):
        return np.sum(dx * x, axis=(-2, -1), keepdims=keepdims) / np.where(ans == 0.0, 1.0, ans)

    @adjoint(np.cumulative_sum)
    def cumulative_sum(g, ans, x, axis=None):
        return np.flip(np.cumulative_sum(np.flip(g, axis=axis), axis=axis), axis=axis)

    @tangent(np.cumulative_sum, "x")
    def cumulative_sum_x(dx, ans, x, axis=None):
        return np.cumulative_sum(dx, axis=axis)

    from .numpy import cumprod, cumprod_a  # np.cumprod's rules (right where elements are 0)
    adjoint(np.cumulative_prod, wrt=("a",))(cumprod)
    tangent(np.cumulative_prod, "a")(cumprod_a)

    @adjoint(np.linalg.diagonal)
    def linalg_diagonal(g, ans, x, offset=0):
        return diagonal_spread(g, x, offset)

    @tangent(np.linalg.diagonal, "x")
    def linalg_diagonal_x(dx, ans, x, offset=0):
        return np.linalg.diagonal(dx, offset=offset)

    @adjoint(diagonal_spread, wrt=("d", "x"))
    def diagonal_spread_(g, ans, d, x, offset=0):
        """(x gives the shape only)"""
        return np.linalg.diagonal(g, offset=offset), 0.0

    @tangent(diagonal_spread, "d")
    def diagonal_spread_d(dd, ans, d, x, offset=0):
        return diagonal_spread(dd, x, offset)

    @tangent(diagonal_spread, "x")
    def diagonal_spread_x(dx, ans, d, x, offset=0):
        """(x gives the shape only)"""
        return 0.0

    @adjoint(np.astype, wrt=("x",))
    def astype(g, ans, x, dtype):
        return np.astype(g, x.dtype)

    @tangent(np.astype, "x")
    def astype_x(dx, ans, x, dtype):
        return np.astype(dx, dtype)
