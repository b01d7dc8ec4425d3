"""Rules for scipy.signal and scipy.linalg (registered by rules_scipy when SciPy imports)."""
from __future__ import annotations

import numpy as np
import scipy.linalg
import scipy.signal

from runtime.scipy_helpers import (block2, cho_factor_tangent, columns, convolve2d_grad,
                                   convolve_grad, corner, factor_of, flipped, lower_half,
                                   transposed_if, triangle, unfactor)

from .table import adjoint, nondifferentiable, tangent

# ---- convolution (bilinear: each tangent is the convolution with the tangent) -------


@adjoint(scipy.signal.convolve, wrt=("in1", "in2"))
def convolve(g, ans, in1, in2, mode="full", method="auto"):
    """Modes full, valid and same; real arrays of the same rank."""
    return convolve_grad(g, in1, in2, mode), convolve_grad(g, in2, in1, mode)


@tangent(scipy.signal.convolve, "in1")
def convolve_in1(din1, ans, in1, in2, mode="full", method="auto"):
    return scipy.signal.convolve(din1, in2, mode, method)


@tangent(scipy.signal.convolve, "in2")
def convolve_in2(din2, ans, in1, in2, mode="full", method="auto"):
    return scipy.signal.convolve(in1, din2, mode, method)


@adjoint(scipy.signal.convolve2d, wrt=("in1", "in2"))
def convolve2d(g, ans, in1, in2, mode="full", boundary="fill", fillvalue=0):
    """Modes full, valid and same; reverse mode for boundary='fill', fillvalue=0."""
    return (convolve2d_grad(g, in1, in2, mode, boundary, fillvalue),
            convolve2d_grad(g, in2, in1, mode, boundary, fillvalue))


@tangent(scipy.signal.convolve2d, "in1")
def convolve2d_in1(din1, ans, in1, in2, mode="full", boundary="fill", fillvalue=0):
    return scipy.signal.convolve2d(din1, in2, mode, boundary, 0)  # the fill value is constant


@tangent(scipy.signal.convolve2d, "in2")
def convolve2d_in2(din2, ans, in1, in2, mode="full", boundary="fill", fillvalue=0):
    return scipy.signal.convolve2d(in1, din2, mode, boundary, fillvalue)


@tangent(convolve_grad, "g")
def convolve_grad_g(dg, ans, g, x, other, mode="full"):
    return convolve_grad(dg, x, other, mode)


@tangent(convolve_grad, "other")
def convolve_grad_other(dother, ans, g, x, other, mode="full"):
    return convolve_grad(g, x, dother, mode)


@tangent(convolve2d_grad, "g")
def convolve2d_grad_g(dg, ans, g, x, other, mode="full", boundary="fill", fillvalue=0):
    return convolve2d_grad(dg, x, other, mode, boundary, fillvalue)


@tangent(convolve2d_grad, "other")
def convolve2d_grad_other(dother, ans, g, x, other, mode="full", boundary="fill", fillvalue=0):
    return convolve2d_grad(g, x, dother, mode, boundary, fillvalue)


@tangent(convolve_grad, "x")
def convolve_grad_x(dx, ans, g, x, other, mode="full"):  # x is read for its shape
    return 0.0


@tangent(convolve2d_grad, "x")
def convolve2d_grad_x(dx, ans, g, x, other, mode="full", boundary="fill", fillvalue=0):
    return 0.0


# ---- triangular solves ----------------------------------------------------------------


@adjoint(scipy.linalg.solve_triangular, wrt=("a", "b"))
def solve_triangular(g, ans, a, b, trans=0, lower=False, unit_diagonal=False, check_finite=True):
    """The gradient for a lies in the triangle the solve reads."""
    gb = scipy.linalg.solve_triangular(a, g, flipped(trans), lower, unit_diagonal)
    return -triangle(transposed_if(columns(gb) @ columns(ans).T, trans), lower, unit_diagonal), gb


@tangent(scipy.linalg.solve_triangular, "a")
def solve_triangular_a(da, ans, a, b, trans=0, lower=False, unit_diagonal=False,
                       check_finite=True):
    return -scipy.linalg.solve_triangular(
        a, transposed_if(triangle(da, lower, unit_diagonal), trans) @ ans, trans, lower,
        unit_diagonal)


@tangent(scipy.linalg.solve_triangular, "b")
def solve_triangular_b(db, ans, a, b, trans=0, lower=False, unit_diagonal=False,
                       check_finite=True):
    return scipy.linalg.solve_triangular(a, db, trans, lower, unit_diagonal)


# ---- matrix functions ---------------------------------------------------------------


@adjoint(scipy.linalg.expm)
def expm(g, ans, A):
    """By the Frechet derivative: the corner of expm([[A.T, g], [0, A.T]]) (any order)."""
    return corner(scipy.linalg.expm(block2(np.swapaxes(A, -1, -2), g)))


@tangent(scipy.linalg.expm, "A")
def expm_A(dA, ans, A):
    return corner(scipy.linalg.expm(block2(A, dA)))


@adjoint(scipy.linalg.solve_sylvester)
def solve_sylvester(g, ans, a, b, q):
    """x solves a x + x b = q."""
    gq = scipy.linalg.solve_sylvester(np.swapaxes(a, -1, -2), np.swapaxes(b, -1, -2), g)
    return -gq @ np.swapaxes(ans, -1, -2), -np.swapaxes(ans, -1, -2) @ gq, gq


@tangent(scipy.linalg.solve_sylvester, "a")
def solve_sylvester_a(da, ans, a, b, q):
    return scipy.linalg.solve_sylvester(a, b, -da @ ans)


@tangent(scipy.linalg.solve_sylvester, "b")
def solve_sylvester_b(db, ans, a, b, q):
    return scipy.linalg.solve_sylvester(a, b, -ans @ db)


@tangent(scipy.linalg.solve_sylvester, "q")
def solve_sylvester_q(dq, ans, a, b, q):
    return scipy.linalg.solve_sylvester(a, b, dq)


@adjoint(scipy.linalg.sqrtm)
def sqrtm(g, ans, A):
    """The principal square root X: X dX + dX X = dA (real results, as for SPD A)."""
    return scipy.linalg.solve_sylvester(np.swapaxes(ans, -1, -2), np.swapaxes(ans, -1, -2), g)


@tangent(scipy.linalg.sqrtm, "A")
def sqrtm_A(dA, ans, A):
    return scipy.linalg.solve_sylvester(ans, ans, dA)


# ---- the helpers above (linear), for derivatives of derivatives ----------------------


@tangent(transposed_if, "m")
def transposed_if_m(dm, ans, m, trans):
    return transposed_if(dm, trans)


@tangent(triangle, "m")
def triangle_m(dm, ans, m, lower=False, unit_diagonal=False):
    return triangle(dm, lower, unit_diagonal)


@tangent(columns, "m")
def columns_m(dm, ans, m):
    return columns(dm)


@tangent(block2, "a")
def block2_a(da, ans, a, e):
    return block2(da, 0.0)


@tangent(block2, "e")
def block2_e(de, ans, a, e):
    return block2(np.zeros(np.shape(a)), de)


@tangent(corner, "m")
def corner_m(dm, ans, m):
    return corner(dm)


nondifferentiable(flipped)


# ---- Cholesky factor and solve --------------------------------------------------------


@adjoint(scipy.linalg.cho_factor, wrt=("a",))
def cho_factor(g, ans, a, lower=False, check_finite=True):
    """Symmetric gradient (a is symmetric), as np.linalg.cholesky; SciPy's unspecified triangle carries none."""
    L = factor_of(ans[0], lower)
    P = lower_half(np.swapaxes(L, -1, -2) @ factor_of(g[0], lower))
    S = np.linalg.solve(np.swapaxes(L, -1, -2),
                        np.swapaxes(np.linalg.solve(np.swapaxes(L, -1, -2), np.swapaxes(P, -1, -2)), -1, -2))
    return 0.5 * (S + np.swapaxes(S, -1, -2))


@tangent(scipy.linalg.cho_factor, "a")
def cho_factor_a(da, ans, a, lower=False, check_finite=True):
    return cho_factor_tangent(da, ans)


@adjoint(scipy.linalg.cho_solve, wrt=("c_and_lower", "b"))
def cho_solve(g, ans, c_and_lower, b, check_finite=True):
    """For the factor: the triangle cho_factor filled."""
    gb = scipy.linalg.cho_solve(c_and_lower, g)
    M = columns(gb) @ np.swapaxes(columns(ans), -1, -2)
    gL = -(M + np.swapaxes(M, -1, -2)) @ factor_of(c_and_lower[0], c_and_lower[1])
    return (unfactor(gL, c_and_lower[1]), 0.0), gb


@tangent(scipy.linalg.cho_solve, "c_and_lower")
def cho_solve_c(dc_and_lower, ans, c_and_lower, b, check_finite=True):
    L = factor_of(c_and_lower[0], c_and_lower[1])
    dL = factor_of(dc_and_lower[0], c_and_lower[1])
    return -scipy.linalg.cho_solve(c_and_lower, (dL @ np.swapaxes(L, -1, -2) + L @ np.swapaxes(dL, -1, -2)) @ ans)


@tangent(scipy.linalg.cho_solve, "b")
def cho_solve_b(db, ans, c_and_lower, b, check_finite=True):
    return scipy.linalg.cho_solve(c_and_lower, db)


@tangent(factor_of, "c")
def factor_of_c(dc, ans, c, lower):
    return factor_of(dc, lower)


@tangent(unfactor, "m")
def unfactor_m(dm, ans, m, lower):
    return unfactor(dm, lower)


@tangent(lower_half, "m")
def lower_half_m(dm, ans, m):
    return lower_half(dm)


@tangent(factor_of, "lower")
def factor_of_lower(dlower, ans, c, lower):  # a flag read from the active pair (c, lower)
    return 0.0


@tangent(unfactor, "lower")
def unfactor_lower(dlower, ans, m, lower):
    return 0.0
