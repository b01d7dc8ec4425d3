"""Run-time helpers for the SciPy rules (imported only when SciPy is installed)."""
from __future__ import annotations

import numpy as np


def as_column(alpha, x):
    """`alpha` (shape (K,)) shaped to broadcast along the first axis of `x`
    (shape (K,) or (K, N)), as scipy.stats.dirichlet lays out its quantiles."""
    return np.reshape(alpha, np.shape(alpha) + (1,) * (np.ndim(x) - 1))


def sum_to_column(g, x):
    """The adjoint of `as_column`: g summed over every axis of x but the first."""
    return np.sum(np.reshape(g, (np.shape(x)[0], -1)), axis=1) if np.ndim(x) > 1 else g


def rows(a):
    """`a` (shape (d,) or (n, d)) as a matrix of rows, shape (1, d) or (n, d)."""
    return np.reshape(a, (-1, np.shape(a)[-1]))


# ---- scipy.signal --------------------------------------------------------------


def convolve_grad(g, x, other, mode="full"):
    """The gradient for `x` of convolve(x, other, mode) (either argument order):
    g placed back where its mode cut it from the full convolution (SciPy centres
    'same' and 'valid' outputs in it), correlated with the other operand."""
    import scipy.signal
    full = tuple(n + m - 1 for n, m in zip(np.shape(x), np.shape(other)))
    start = [(f - n) // 2 for f, n in zip(full, np.shape(g))]
    g_full = np.pad(g, [(s, f - s - n) for s, f, n in zip(start, full, np.shape(g))])
    return scipy.signal.correlate(g_full, other, mode="valid")


def convolve2d_grad(g, x, other, mode="full", boundary="fill", fillvalue=0):
    """convolve_grad for convolve2d; reverse mode takes boundary='fill' with fillvalue=0 only."""
    if boundary != "fill" or fillvalue != 0:
        raise ValueError("the gradient of scipy.signal.convolve2d is implemented for "
                         "boundary='fill' with fillvalue=0 only")
    return convolve_grad(g, x, other, mode)


# ---- scipy.linalg ------------------------------------------------------------------


def _is_transposed(trans):
    return trans in (1, 2, "T", "C")  # real matrices: 'C' is 'T'


def flipped(trans):
    """The `trans` argument of solve_triangular for the transposed system."""
    return 0 if _is_transposed(trans) else 1


def transposed_if(m, trans):
    """`m.T` when solve_triangular's `trans` transposes, else `m`."""
    return np.swapaxes(m, -1, -2) if _is_transposed(trans) else m


def triangle(m, lower=False, unit_diagonal=False):
    """The triangle of `m` that solve_triangular reads (no diagonal when it is taken as ones)."""
    part = np.tril(m) if lower else np.triu(m)
    return part - np.diag(np.diag(m)) if unit_diagonal else part


def columns(m):
    """A vector (n,) or matrix (n, k) as a matrix of columns, (n, 1) or (n, k)."""
    if np.ndim(m) > 2:
        raise ValueError("the derivative rules of scipy.linalg's solvers take one matrix "
                         "and a vector or matrix right-hand side, not a batch")
    return np.reshape(m, (np.shape(m)[0], -1))


def block2(a, e):
    """The block matrix [[a, e], [0, a]], whose exponential holds the Frechet
    derivative of expm at a along e in its upper right corner."""
    if np.ndim(a) != 2:
        raise ValueError("the derivative rule of scipy.linalg.expm takes one square matrix, "
                         "not a batch")
    z = np.zeros(np.shape(a))
    return np.block([[a, e + z], [z, a]])


def corner(m):
    """The upper right quarter of a (2n, 2n) matrix."""
    n = np.shape(m)[-1] // 2
    return m[:n, n:]


def factor_of(c, lower):
    """The lower Cholesky factor L held in cho_factor's result `c` (A = L L^T)."""
    if np.ndim(c) != 2:
        raise ValueError("the derivative rules of scipy.linalg.cho_factor and cho_solve take "
                         "one matrix, not a batch")
    return np.tril(c) if lower else np.swapaxes(np.triu(c), -1, -2)


def unfactor(m, lower):
    """The lower triangle of m placed where cho_factor keeps the factor (the
    adjoint of factor_of)."""
    return np.tril(m) if lower else np.swapaxes(np.tril(m), -1, -2)


def lower_half(m):
    """The lower triangle of m with its diagonal halved."""
    return np.tril(m) - 0.5 * np.diag(np.diag(m))


def cho_factor_tangent(da, ans):
    """The tangent of `(c, lower) = cho_factor(a)` along a symmetric da (the
    triangle SciPy leaves unspecified does not move)."""
    c, lower = ans
    L = factor_of(c, lower)
    x = np.linalg.solve(L, np.swapaxes(np.linalg.solve(L, da), -1, -2))  # L^-1 dA L^-T
    return unfactor(L @ lower_half(x), lower), 0.0


# ---- scipy.stats.multivariate_normal ---------------------------------------------


def _check_points(x, cov):
    d = np.shape(x)[-1] if np.ndim(x) else 0
    if np.ndim(cov) and np.shape(cov)[0] != d or np.ndim(x) not in (1, 2):
        raise ValueError("the derivative rule of multivariate_normal.logpdf/pdf takes points "
                         "x of shape (d,) or (n, d) with a covariance of dimension d")
    return d


def per_point(g, x, cov):
    """The cotangent of each point's density, shaped to multiply the points (n, 1) or (1,)."""
    _check_points(x, cov)
    return np.reshape(g, np.shape(x)[:-1] + (1,))


def mvn_cov(cov, x):
    """The covariance as SciPy reads it (a number: that times I; a vector: the
    diagonal) for points x whose last axis has the covariance's dimension."""
    d = _check_points(x, cov)
    if np.ndim(cov) == 0:
        return cov * np.eye(d)
    return np.diag(cov) if np.ndim(cov) == 1 else cov


def cov_grad(G, cov):
    """The adjoint of mvn_cov: the gradient of the matrix given back in cov's form."""
    if np.ndim(cov) == 0:
        return np.trace(G)
    return np.diag(G) if np.ndim(cov) == 1 else G
