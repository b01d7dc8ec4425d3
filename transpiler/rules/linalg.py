"""Rules for np.linalg's decompositions and solvers beyond inv, det, solve,
slogdet and cholesky (rules_numpy.py): eigh, eigvalsh, eig, svd, qr, pinv,
lstsq and matrix_power, for real matrices and stacks of them.

Adjoints call the `*_grad` functions of runtime/decompositions.py, written
with differentiable functions so that the compiler can read them for second
derivatives; tangents call the `*_tangent` functions.
"""
from __future__ import annotations

import numpy as np

from runtime import decompositions as dec

from .table import adjoint, nondifferentiable, tangent

nondifferentiable(dec.vectors_matter, dec.distinct, dec.real_eig_size, dec.reduced_svd_size,
                  dec.require_qr_mode, np.linalg.matrix_rank)


@adjoint(np.linalg.eigh, wrt=("a",))
def eigh(g, ans, a, UPLO="L"):
    """On the triangle eigh reads (as autograd); vectors need distinct eigenvalues (else ValueError)."""
    return dec.eigh_grad(g[0], g[1], ans[0], ans[1], UPLO)


@tangent(np.linalg.eigh, "a")
def eigh_a(da, ans, a, UPLO="L"):
    return dec.eigh_tangent(da, ans[0], ans[1], UPLO)


@adjoint(np.linalg.eigvalsh, wrt=("a",))
def eigvalsh(g, ans, a, UPLO="L"):
    """On the triangle eigvalsh reads (as autograd's eigh)."""
    w, v = np.linalg.eigh(a, UPLO)
    return dec.eigh_grad(g, None, w, v, UPLO)


@tangent(np.linalg.eigvalsh, "a")
def eigvalsh_a(da, ans, a, UPLO="L"):
    return dec.eigvalsh_tangent(da, a, UPLO)


@adjoint(np.linalg.eig, wrt=("a",))
def eig(g, ans, a):
    """Real eigenvalues only, vectors need distinct ones (else ValueError); unit-norm eigenvectors."""
    return dec.eig_grad(g[0], g[1], ans[0], ans[1])


@tangent(np.linalg.eig, "a")
def eig_a(da, ans, a):
    return dec.eig_tangent(da, ans[0], ans[1])


@adjoint(np.linalg.svd, wrt=("a",))
def svd(g, ans, a, full_matrices=True, compute_uv=True, hermitian=False):
    """Vectors need distinct nonzero singular values, and with full_matrices=True only the first k (else ValueError)."""
    if compute_uv:
        return dec.svd_grad(g[0], g[1], g[2], ans[0], ans[1], ans[2])
    return dec.singular_values_grad(g, a)


@tangent(np.linalg.svd, "a")
def svd_a(da, ans, a, full_matrices=True, compute_uv=True, hermitian=False):
    if compute_uv:
        return dec.svd_tangent(da, ans[0], ans[1], ans[2])
    return dec.singular_values_tangent(da, a)


@adjoint(np.linalg.qr, wrt=("a",))
def qr(g, ans, a, mode="reduced"):
    """mode='reduced' with rows >= columns (else ValueError)."""
    return dec.qr_grad(g[0], g[1], ans[0], ans[1], dec.require_qr_mode(a, mode))


@tangent(np.linalg.qr, "a")
def qr_a(da, ans, a, mode="reduced"):
    return dec.qr_tangent(da, ans[0], ans[1])


@adjoint(np.linalg.pinv, wrt=("a",))
def pinv(g, ans, a, rcond=None, hermitian=False):
    """Where the rank is locally constant (as autograd)."""
    return dec.pinv_grad(g, a, ans)


@tangent(np.linalg.pinv, "a")
def pinv_a(da, ans, a, rcond=None, hermitian=False):
    return dec.pinv_tangent(da, a, ans)


@adjoint(np.linalg.lstsq, wrt=("a", "b"))
def lstsq(g, ans, a, b, rcond=None):
    """The solution, the residuals and the singular values; where the rank is locally constant."""
    return dec.lstsq_grad_a(g, a, b), dec.lstsq_grad_b(g, a, b)


@tangent(np.linalg.lstsq, "a")
def lstsq_a(da, ans, a, b, rcond=None):
    return dec.lstsq_tangent(da, 0.0, a, b, ans)


@tangent(np.linalg.lstsq, "b")
def lstsq_b(db, ans, a, b, rcond=None):
    return dec.lstsq_tangent(0.0, db, a, b, ans)


@adjoint(np.linalg.matrix_power, wrt=("a",))
def matrix_power(g, ans, a, n):
    """Any integer n (negative: through the inverse)."""
    return dec.matrix_power_grad(g, a, n)


@tangent(np.linalg.matrix_power, "a")
def matrix_power_a(da, ans, a, n):
    return dec.matrix_power_tangent(da, a, n)
