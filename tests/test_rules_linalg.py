"""np.linalg decompositions and solvers (transpiler/rules/linalg.py) in every
mode against autograd where it has them and finite differences always.
Functions of eigen/singular vectors are written so that they do not depend
on the vectors' signs (which no derivative can follow)."""
import autograd.numpy as anp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from transpiler import grad, jvp

from conftest import assert_close
from oracles import every_mode

W3 = np.arange(1.0, 4.0)
C33 = np.arange(9.0).reshape(3, 3) / 9.0


# ---- eigh, eigvalsh ---------------------------------------------------------------------

def spectral_energy(a):
    w, v = np.linalg.eigh(a)
    return np.sum(w * W3) + np.sum((v * v) @ W3) + np.sum(v[:, :1] @ v[:, :1].T * C33)


def spectral_energy_ag(a):
    w, v = anp.linalg.eigh(a)
    return anp.sum(w * W3) + anp.sum(anp.dot(v * v, W3)) + anp.sum(anp.dot(v[:, :1], v[:, :1].T) * C33)


def test_eigh(rng):
    b = rng.normal(size=(3, 3))
    a = b + b.T
    every_mode(spectral_energy, (a,), 0, spectral_energy_ag)


def upper_eigh(a):
    w, v = np.linalg.eigh(a, "U")
    return np.sum(w ** 2 * W3) + np.sum(v ** 2 * C33)


def test_eigh_upper_triangle(rng):
    b = rng.normal(size=(3, 3))
    got = every_mode(upper_eigh, (b + b.T,), 0)
    assert_close(np.tril(got, -1), np.zeros((3, 3)))  # eigh reads the upper triangle only


def eigenvalue_spread(a):
    w = np.linalg.eigvalsh(a)
    return np.sum(w ** 2 * W3) + np.max(w)


def test_eigvalsh(rng):
    b = rng.normal(size=(3, 3))
    every_mode(eigenvalue_spread, (b @ b.T,), 0,
               lambda a: anp.sum(anp.linalg.eigh(a)[0] ** 2 * W3) + anp.max(anp.linalg.eigh(a)[0]))


def test_eigenvalues_only_of_a_repeated_spectrum_are_fine():
    a = np.eye(3) * 2.0
    got = grad(lambda_free_trace_of_eigvals)(a)
    assert_close(got, np.eye(3))


def lambda_free_trace_of_eigvals(a):
    w, v = np.linalg.eigh(a)
    return np.sum(w)


def test_eigenvectors_of_a_repeated_spectrum_are_a_clear_error():
    with pytest.raises(ValueError, match="not distinct"):
        grad(upper_eigh)(np.eye(3))


# ---- eig ---------------------------------------------------------------------------------------

def real_modes(a):
    w, v = np.linalg.eig(a)
    return np.sum(w ** 2) + np.sum((v * v) @ W3)


def test_eig_with_real_eigenvalues(rng):
    s = np.eye(3) + 0.3 * rng.normal(size=(3, 3))
    a = s @ np.diag([1.0, 2.0, 3.5]) @ np.linalg.inv(s)

    def ag(a):
        w, v = anp.linalg.eig(a)
        return anp.sum(w ** 2) + anp.sum(anp.dot(v * v, W3))
    every_mode(real_modes, (a,), 0, ag)


def test_eig_with_complex_eigenvalues_is_a_clear_error():
    rotation = np.array([[0.0, -1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 2.0]])
    with pytest.raises(ValueError, match="complex eigenvalues"):
        grad(real_modes)(rotation)


# ---- svd -------------------------------------------------------------------------------------------

def low_rank_error(a):
    u, s, vh = np.linalg.svd(a, full_matrices=False)
    approx = (u[:, :2] * s[:2]) @ vh[:2]
    return np.sum((a - approx) ** 2 * np.arange(12.0).reshape(4, 3)) + np.sum(s ** 3)


def low_rank_error_ag(a):
    u, s, vh = anp.linalg.svd(a, full_matrices=False)
    approx = anp.dot(u[:, :2] * s[:2], vh[:2])
    return anp.sum((a - approx) ** 2 * anp.arange(12.0).reshape(4, 3)) + anp.sum(s ** 3)


def test_svd(rng):
    a = rng.normal(size=(4, 3))
    every_mode(low_rank_error, (a,), 0, low_rank_error_ag)
    every_mode(low_rank_error_t, (a.T,), 0)  # wide matrices too


def low_rank_error_t(a):
    u, s, vh = np.linalg.svd(a, full_matrices=False)
    return np.sum(((u[:, :1] * s[:1]) @ vh[:1]) * np.arange(12.0).reshape(3, 4)) + np.sum(s)


def nuclear(a):
    return np.sum(np.linalg.svd(a, compute_uv=False)) + np.linalg.svd(a, compute_uv=False)[0] ** 2


def square_svd(a):
    u, s, vh = np.linalg.svd(a)
    return np.sum((u * u) @ W3) + np.sum(s * W3)


def test_singular_values_and_square_svd(rng):
    a = rng.normal(size=(3, 4))
    every_mode(nuclear, (a,), 0, lambda a: anp.sum(anp.linalg.svd(a, compute_uv=False))
               + anp.linalg.svd(a, compute_uv=False)[0] ** 2)
    every_mode(square_svd, (rng.normal(size=(3, 3)),), 0)


def full_matrices_first_vectors(a):
    u, s, vh = np.linalg.svd(a)  # full_matrices=True: u is 4 x 4
    return np.sum(s ** 2 * W3) + np.sum(u[:, :3] ** 2 * W3) + np.sum(vh ** 2 * W3[:, None])


def test_svd_full_matrices_of_a_rectangle(rng):
    a = rng.normal(size=(4, 3))
    every_mode(full_matrices_first_vectors, (a,), 0)
    with pytest.raises(ValueError, match="beyond the k-th have no derivative"):
        grad(rectangle_svd)(a)


def rectangle_svd(a):
    u, s, vh = np.linalg.svd(a)
    return np.sum(u[:, 3] ** 2 * np.arange(4.0))  # the 4th column of u is not unique


def rank_deficient_vectors(a):
    u, s, vh = np.linalg.svd(a)
    return np.sum(u ** 2 * W3)


def test_svd_vectors_at_a_zero_singular_value_are_a_clear_error(rng):
    b = rng.normal(size=(3, 2)) @ rng.normal(size=(2, 3))
    with pytest.raises(ValueError, match="singular value is zero"):
        grad(rank_deficient_vectors)(b)
    every_mode(squared_singular_values, (b,), 0,  # smooth at a zero singular value
               lambda a: anp.sum(anp.linalg.svd(a, compute_uv=False) ** 2))


def squared_singular_values(a):
    return np.sum(np.linalg.svd(a, compute_uv=False) ** 2)


# ---- qr ------------------------------------------------------------------------------------------------

def orthogonalized(a):
    q, r = np.linalg.qr(a)
    return np.sum(q * np.arange(12.0).reshape(4, 3)) + np.sum(np.diag(r) ** 2) + np.sum(r * C33)


def test_qr(rng):
    a = rng.normal(size=(4, 3))
    every_mode(orthogonalized, (a,), 0)
    every_mode(orthogonalized_square, (rng.normal(size=(3, 3)),), 0)


def orthogonalized_square(a):
    q, r = np.linalg.qr(a)
    return np.sum(q @ C33) + np.sum(np.triu(r, 1) ** 2)


def test_qr_of_a_wide_matrix_is_a_clear_error(rng):
    with pytest.raises(ValueError, match="mode='reduced'"):
        grad(wide_qr)(rng.normal(size=(2, 3)))


def wide_qr(a):
    q, r = np.linalg.qr(a)
    return np.sum(r ** 2)


# ---- pinv, lstsq, matrix_power ---------------------------------------------------------------------

def pseudo_inverse_fit(a):
    return np.sum(np.linalg.pinv(a) ** 2 * np.arange(12.0).reshape(3, 4))


def test_pinv(rng):
    a = rng.normal(size=(4, 3))
    every_mode(pseudo_inverse_fit, (a,), 0,
               lambda a: anp.sum(anp.linalg.pinv(a) ** 2 * anp.arange(12.0).reshape(3, 4)))
    every_mode(pseudo_inverse_fit_t, (a.T,), 0)


def pseudo_inverse_fit_t(a):
    return np.sum(np.sin(np.linalg.pinv(a)))


def least_squares(a, b):
    x, residuals, rank, s = np.linalg.lstsq(a, b, rcond=None)
    return np.sum(x ** 2 * W3) + np.sum(residuals) + s[0]


def least_squares_many(a, b):
    x, residuals, rank, s = np.linalg.lstsq(a, b, rcond=None)
    return np.sum(x * np.arange(6.0).reshape(3, 2)) + np.sum(residuals * np.array([1.0, 2.0]))


def test_lstsq(rng):
    a, b = rng.normal(size=(5, 3)), rng.normal(size=5)
    every_mode(least_squares, (a, b), 0)
    every_mode(least_squares, (a, b), 1)
    B = rng.normal(size=(5, 2))
    every_mode(least_squares_many, (a, B), 0)
    every_mode(least_squares_many, (a, B), 1)


def test_lstsq_tangents_of_both_arguments_add(rng):
    a, b = rng.normal(size=(5, 3)), rng.normal(size=5)
    da, db = rng.normal(size=(5, 3)), rng.normal(size=5)
    _, t = jvp(least_squares, wrt=(0, 1))(a, b, tangents=(da, db))
    h = 1e-6
    want = (least_squares(a + h * da, b + h * db) - least_squares(a - h * da, b - h * db)) / (2 * h)
    assert np.isclose(t, want, rtol=1e-6)


def powers(a):
    return np.sum(np.linalg.matrix_power(a, 3) * C33) + np.sum(np.linalg.matrix_power(a, 0)) + \
        np.sum(np.linalg.matrix_power(a, -2) ** 2)


def test_matrix_power(rng):
    a = np.eye(3) * 2.0 + 0.3 * rng.normal(size=(3, 3))
    ag = lambda a: anp.sum(anp.dot(anp.dot(a, a), a) * C33) + 3.0 + \
        anp.sum(anp.dot(anp.linalg.inv(a), anp.linalg.inv(a)) ** 2)  # (autograd has no matrix_power)
    every_mode(powers, (a,), 0, ag)


# ---- stacks of matrices ------------------------------------------------------------------------

def stacked_spectra(a):
    w, v = np.linalg.eigh(a)
    return np.sum(w ** 2) + np.sum(v ** 2 * np.arange(3.0))


def stacked_svd(a):
    u, s, vh = np.linalg.svd(a, full_matrices=False)
    return np.sum(s ** 2) + np.sum(u ** 2 * np.arange(2.0)) + np.sum(vh ** 2 * np.arange(2.0)[:, None])


def stacked_qr(a):
    q, r = np.linalg.qr(a)
    return np.sum(q * np.arange(6.0).reshape(3, 2)) + np.sum(r ** 2)


def stacked_pinv_and_powers(a):
    return np.sum(np.linalg.pinv(a) ** 3) + np.sum(np.linalg.matrix_power(a[..., :2, :], 3) ** 2)


@settings(max_examples=4, deadline=None)
@given(batch=st.sampled_from([(), (2,), (2, 1)]), seed=st.integers(0, 2 ** 16))
def test_stacks_of_matrices(batch, seed):
    rng = np.random.default_rng(seed)
    b = rng.normal(size=batch + (3, 3))
    every_mode(stacked_spectra, (b + np.swapaxes(b, -1, -2),), 0)
    tall = rng.normal(size=batch + (3, 2))
    every_mode(stacked_svd, (tall,), 0)
    every_mode(stacked_qr, (tall,), 0)
    every_mode(stacked_pinv_and_powers, (tall,), 0)
