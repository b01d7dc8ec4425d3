"""scipy.linalg rules (solve_triangular, expm, sqrtm, solve_sylvester, cho_factor,
cho_solve) in reverse, forward and second order, against autograd.scipy.linalg
where it differentiates the function and central differences always."""
import autograd.numpy as anp
import autograd.scipy.linalg as asl
import numpy as np
import pytest
import scipy.linalg
from scipy.linalg import expm, solve_triangular, sqrtm

from scipy_checking import full_check


@pytest.mark.parametrize("lower, trans, unit", [(False, 0, False), (True, 1, False),
                                                (False, "T", False), (True, 0, True),
                                                (False, 1, True)])
def test_solve_triangular(rng, lower, trans, unit, tmp_path_factory):
    from conftest import function_from_source
    src = (f"def f(a, b):\n    x = solve_triangular(a, b, trans={trans!r}, lower={lower}, "
           f"unit_diagonal={unit})\n    return np.sum(np.sin(x))\n")
    f = function_from_source(src, "f", tmp_path_factory.mktemp("st"),
                             {"solve_triangular": solve_triangular})
    oracle = function_from_source(src, "f", tmp_path_factory.mktemp("st_ag"),
                                  {"solve_triangular": asl.solve_triangular, "np": anp})
    a = rng.normal(size=(3, 3)) + 3 * np.eye(3)
    for b in (rng.normal(size=3), rng.normal(size=(3, 2))):
        for wrt in (0, 1):
            full_check(f, (a, b), wrt=wrt, oracle=oracle if not unit else None)


def whitened_residual(L, y):
    # the Mahalanobis norm of y under L L^T by a triangular solve
    z = solve_triangular(L, y, lower=True)
    return np.sum(z ** 2) + np.sum(np.log(np.diagonal(L) ** 2))


def test_whitening_with_a_cholesky_factor(rng):
    L = np.tril(rng.normal(size=(3, 3))) + 2.5 * np.eye(3)
    for wrt in (0, 1):
        full_check(whitened_residual, (L, rng.normal(size=3)), wrt=wrt)


def transition(Q, t):
    # probabilities of a continuous-time Markov chain after time t: expm(t Q)
    P = expm(Q * t)
    return np.sum(np.log(P[0] + 1.0)) + np.sum(P ** 2)


def transition_ag(Q, t):
    P = asl.expm(Q * t)
    return anp.sum(anp.log(P[0] + 1.0)) + anp.sum(P ** 2)


def test_expm(rng):
    Q = rng.normal(size=(3, 3))
    full_check(transition, (Q, 0.7), wrt=0)
    full_check(transition, (Q, 0.7), wrt=1)
    full_check(transition, (rng.normal(size=(2, 2)) * 2.0, 1.3), wrt=0)


def root_loss(B):
    S = sqrtm(B @ B.T + np.eye(3))
    return np.sum(S * np.arange(9.0).reshape(3, 3)) + np.trace(S @ S @ S)


def root_loss_ag(B):
    S = asl.sqrtm(anp.dot(B, B.T) + anp.eye(3))
    return anp.sum(S * anp.arange(9.0).reshape(3, 3)) + anp.trace(anp.dot(S, anp.dot(S, S)))


def test_sqrtm(rng):
    full_check(root_loss, (rng.normal(size=(3, 3)),), oracle=root_loss_ag)


def sylvester(a, b, q):
    return np.sum(scipy.linalg.solve_sylvester(a, b, q) ** 2)


def sylvester_ag(a, b, q):
    return anp.sum(asl.solve_sylvester(a, b, q) ** 2)


def test_solve_sylvester(rng):
    args = (rng.normal(size=(3, 3)) + 3 * np.eye(3), rng.normal(size=(2, 2)) + 3 * np.eye(2),
            rng.normal(size=(3, 2)))
    for wrt in (0, 1, 2):
        full_check(sylvester, args, wrt=wrt, oracle=sylvester_ag)


# ---- cho_factor / cho_solve: a Gaussian-process likelihood ------------------------------


def gp_nll(B, y, lower):
    K = B @ B.T + np.eye(3)
    c = scipy.linalg.cho_factor(K, lower=lower)
    alpha = scipy.linalg.cho_solve(c, y)
    return 0.5 * np.sum(y * alpha) + np.sum(np.log(np.diagonal(c[0])))


def gp_nll_ag(B, y, lower):
    K = anp.dot(B, B.T) + anp.eye(3)
    return 0.5 * anp.sum(y * anp.linalg.solve(K, y)) + 0.5 * anp.linalg.slogdet(K)[1]


def multi_rhs(B, Y):
    c, low = scipy.linalg.cho_factor(B @ B.T + 2.0 * np.eye(3))
    return np.sum(np.sin(scipy.linalg.cho_solve((c, low), Y)))


@pytest.mark.parametrize("lower", [False, True])
def test_cho_factor_and_cho_solve(rng, lower):
    args = (rng.normal(size=(3, 3)), rng.normal(size=3), lower)
    for wrt in (0, 1):
        full_check(gp_nll, args, wrt=wrt, oracle=gp_nll_ag)
    for wrt in (0, 1):
        full_check(multi_rhs, (rng.normal(size=(3, 3)), rng.normal(size=(3, 2))), wrt=wrt)


def batched_expm(A):
    return np.sum(expm(A))


def batched_triangular(A, b):
    return np.sum(solve_triangular(A, b))


def batched_cholesky(A):
    c, low = scipy.linalg.cho_factor(A)
    return np.sum(c)


def test_batches_are_a_clear_error(rng):
    A = rng.normal(size=(2, 3, 3)) + 3 * np.eye(3)
    from transpiler import grad
    with pytest.raises(ValueError, match="not a batch"):
        grad(batched_expm)(A)
    with pytest.raises(ValueError, match="not a batch"):
        grad(batched_triangular)(np.triu(A), rng.normal(size=(2, 3, 2)))
    with pytest.raises(ValueError, match="not a batch"):
        grad(batched_cholesky)(A @ np.swapaxes(A, -1, -2))
