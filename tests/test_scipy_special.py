"""scipy.special rules in reverse, forward and second order, against autograd's
autograd.scipy.special where it has the function and central differences always."""
import autograd.numpy as anp
import autograd.scipy.special as asp
import numpy as np
import pytest
import scipy.special
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.special import expit, gammaln, log_softmax, logsumexp, softmax, xlogy

from scipy_checking import full_check, reverse_agrees, second_order_agrees

sp = scipy.special

# ---- logistic regression, mixtures, classifiers ----------------------------------


def logistic_nll(w, X, y):
    p = expit(X @ w)
    return -np.sum(y * np.log(p) + (1 - y) * np.log(1 - p)) + 0.1 * np.sum(w ** 2)


def logistic_nll_ag(w, X, y):
    p = asp.expit(anp.dot(X, w))
    return -anp.sum(y * anp.log(p) + (1 - y) * anp.log(1 - p)) + 0.1 * anp.sum(w ** 2)


def test_logistic_regression(rng):
    X, y = rng.normal(size=(8, 3)), (rng.random(8) > 0.5).astype(float)
    full_check(logistic_nll, (rng.normal(size=3), X, y), oracle=logistic_nll_ag)


def stable_logistic_nll(w, X, y):
    z = X @ w
    return -np.sum(y * sp.log_expit(z) + (1 - y) * sp.log_expit(-z))


def test_log_expit_is_the_log_of_expit(rng):
    X, y = rng.normal(size=(6, 2)), (rng.random(6) > 0.5).astype(float)
    args = (rng.normal(size=2), X, y)
    got = full_check(stable_logistic_nll, args)
    np.testing.assert_allclose(got, reverse_agrees(logistic_nll, args) - 0.2 * args[0])


def logit_roundtrip(p):
    return np.sum(sp.logit(p) ** 2 * p)


def logit_ag(p):
    return anp.sum(asp.logit(p) ** 2 * p)


def test_logit(rng):
    full_check(logit_roundtrip, (rng.uniform(0.1, 0.9, size=4),), oracle=logit_ag)


def mixture_loglik(means, x):
    # log p(x) = sum_n log sum_k 1/K N(x_n; mu_k, 1)
    d = -0.5 * (x[:, None] - means[None, :]) ** 2
    return np.sum(logsumexp(d, axis=1)) - x.shape[0] * np.log(means.shape[0])


def mixture_loglik_ag(means, x):
    d = -0.5 * (x[:, None] - means[None, :]) ** 2
    return anp.sum(asp.logsumexp(d, axis=1)) - x.shape[0] * anp.log(means.shape[0])


def test_logsumexp_in_a_mixture(rng):
    full_check(mixture_loglik, (rng.normal(size=3), rng.normal(size=5)), oracle=mixture_loglik_ag)


def weighted_lse(a, b):
    return logsumexp(a, axis=0, b=b, keepdims=True).sum() + logsumexp(a, b=b) ** 2


def weighted_lse_ag(a, b):
    return asp.logsumexp(a, axis=0, b=b, keepdims=True).sum() + asp.logsumexp(a, b=b) ** 2


def test_logsumexp_weights_and_keepdims(rng):
    a, b = rng.normal(size=(3, 4)), rng.uniform(0.5, 2.0, size=(3, 4))
    full_check(weighted_lse, (a, b), wrt=0, oracle=weighted_lse_ag)
    full_check(weighted_lse, (a, b), wrt=1)  # (autograd does not differentiate b)
    b_row = rng.uniform(0.5, 2.0, size=4)  # broadcast against a
    full_check(weighted_lse, (a, b_row), wrt=1)


@settings(max_examples=10, deadline=None)
@given(shape=st.sampled_from([(5,), (2, 3), (2, 3, 2)]), data=st.data(), keep=st.booleans(),
       seed=st.integers(0, 2 ** 16))
def test_logsumexp_any_axis(shape, data, keep, seed, tmp_path_factory):
    from conftest import function_from_source
    axis = data.draw(st.sampled_from([None] + list(range(-len(shape), len(shape)))))
    src = (f"def f(a):\n    return np.sum(np.cos(logsumexp(a, axis={axis!r}, keepdims={keep})))\n")
    f = function_from_source(src, "f", tmp_path_factory.mktemp("lse"),
                             {"logsumexp": logsumexp})
    g = function_from_source(src, "f", tmp_path_factory.mktemp("lse_ag"),
                             {"logsumexp": asp.logsumexp, "np": anp})
    a = np.random.default_rng(seed).normal(size=shape)
    full_check(f, (a,), oracle=g)


def cross_entropy(W, X, labels):
    logits = X @ W
    return -np.sum(log_softmax(logits, axis=1) * labels) / X.shape[0]


def cross_entropy_ag(W, X, labels):
    logits = anp.dot(X, W)
    return -anp.sum((logits - asp.logsumexp(logits, axis=1, keepdims=True)) * labels) / X.shape[0]


def attention(q, K):
    weights = softmax(K @ q)
    return np.sum(weights * np.sin(K[:, 0]) * q[0])


def attention_ag(q, K):
    s = anp.dot(K, q)
    weights = anp.exp(s - asp.logsumexp(s))
    return anp.sum(weights * anp.sin(K[:, 0]) * q[0])


def test_softmax_and_log_softmax(rng):
    X, W = rng.normal(size=(5, 3)), rng.normal(size=(3, 4))
    labels = np.eye(4)[rng.integers(0, 4, size=5)]
    full_check(cross_entropy, (W, X, labels), oracle=cross_entropy_ag)
    full_check(attention, (rng.normal(size=2), rng.normal(size=(4, 2))), oracle=attention_ag)


def softmax_columns(x):
    return np.sum(softmax(x, axis=0) ** 2 * np.arange(6.0).reshape(2, 3)) \
        + np.sum(log_softmax(x, axis=0)[0] ** 2)


def test_softmax_axis_0(rng):
    full_check(softmax_columns, (rng.normal(size=(2, 3)),))


# ---- error functions ----------------------------------------------------------------


def gaussian_tail(x):
    return np.sum(0.5 * sp.erfc(x / np.sqrt(2.0)) + sp.erf(x) * x)


def gaussian_tail_ag(x):
    return anp.sum(0.5 * asp.erfc(x / anp.sqrt(2.0)) + asp.erf(x) * x)


def inverse_error(p):
    return np.sum(sp.erfinv(p) ** 2 + sp.erfcinv(1.0 - p / 2))


def inverse_error_ag(p):
    return anp.sum(asp.erfinv(p) ** 2 + asp.erfcinv(1.0 - p / 2))


def test_error_functions(rng):
    full_check(gaussian_tail, (rng.normal(size=4),), oracle=gaussian_tail_ag)
    full_check(gaussian_tail, (0.7,), oracle=gaussian_tail_ag)
    full_check(inverse_error, (rng.uniform(-0.8, 0.8, size=3),), oracle=inverse_error_ag)


# ---- gamma family -----------------------------------------------------------------


def negbin_loglik(r, k):
    # log NB(k; r, p = 1/2)
    return np.sum(gammaln(k + r) - gammaln(k + 1.0) - gammaln(r) - (k + r) * np.log(2.0))


def negbin_loglik_ag(r, k):
    return anp.sum(asp.gammaln(k + r) - asp.gammaln(k + 1.0) - asp.gammaln(r) - (k + r) * anp.log(2.0))


def test_gammaln_in_a_likelihood(rng):
    k = rng.integers(0, 6, size=5).astype(float)
    full_check(negbin_loglik, (2.5, k), oracle=negbin_loglik_ag)
    full_check(negbin_loglik, (rng.uniform(0.5, 3, size=5), k), oracle=negbin_loglik_ag)


def gamma_family(x):
    return np.sum(sp.digamma(x) * sp.psi(x + 1) + sp.polygamma(1, x) + sp.gamma(x) / 3.0)


def gamma_family_ag(x):
    return anp.sum(asp.digamma(x) * asp.psi(x + 1) + asp.polygamma(1, x) + asp.gamma(x) / 3.0)


def test_digamma_polygamma_gamma(rng):
    full_check(gamma_family, (rng.uniform(0.5, 3.0, size=4),), oracle=gamma_family_ag)
    full_check(gamma_family, (-1.5,), oracle=gamma_family_ag)  # gamma is smooth off the poles


def polygamma_orders(x):
    return np.sum(sp.polygamma(np.array([0, 1, 2]), x))


def test_polygamma_order_broadcast_against_x():
    # x is a scalar, the orders an array: the gradient is summed back to x's shape
    # (autograd returns the unsummed (3,) array here, so finite differences only)
    full_check(polygamma_orders, (1.7,))


def beta_loglik(a, b, p):
    return np.sum((a - 1) * np.log(p) + (b - 1) * np.log(1 - p) - sp.betaln(a, b)) \
        + np.log(sp.beta(a, b + 1.0))


def beta_loglik_ag(a, b, p):
    return anp.sum((a - 1) * anp.log(p) + (b - 1) * anp.log(1 - p) - asp.betaln(a, b)) \
        + anp.log(asp.beta(a, b + 1.0))


def test_beta_functions(rng):
    p = rng.uniform(0.1, 0.9, size=5)
    for wrt in (0, 1):
        full_check(beta_loglik, (1.5, 2.5, p), wrt=wrt, oracle=beta_loglik_ag)


def test_polygamma_order_is_not_differentiated():
    from transpiler import TranspileError, grad

    def f(n):
        return sp.polygamma(n, 2.0)
    with pytest.raises(TranspileError, match="with respect to its argument `n`"):
        grad(f)(1.0)


# ---- information measures -----------------------------------------------------------


def entropy(logits):
    p = softmax(logits)
    return -np.sum(xlogy(p, p))


def entropy_ag(logits):
    p = anp.exp(logits - asp.logsumexp(logits))
    return -anp.sum(p * anp.log(p))


def kl_and_log1p(p, q):
    return np.sum(xlogy(p, p / q)) + np.sum(sp.xlog1py(p, q))


def kl_and_log1p_ag(p, q):
    return anp.sum(p * anp.log(p / q)) + anp.sum(p * anp.log1p(q))


def test_xlogy_and_xlog1py(rng):
    full_check(entropy, (rng.normal(size=4),), oracle=entropy_ag)
    p, q = rng.uniform(0.1, 1, size=3), rng.uniform(0.1, 1, size=3)
    full_check(kl_and_log1p, (p, q), wrt=0, oracle=kl_and_log1p_ag)
    full_check(kl_and_log1p, (p, q), wrt=1, oracle=kl_and_log1p_ag)


def xlogy_broadcast(x, y):
    return np.sum(xlogy(x, y) ** 2)


def test_xlogy_broadcasts(rng):
    args = (rng.uniform(0.5, 2, size=(2, 3)), rng.uniform(0.5, 2, size=3))
    full_check(xlogy_broadcast, args, wrt=1)
    full_check(xlogy_broadcast, args, wrt=0)


# ---- Bessel functions -----------------------------------------------------------------


def von_mises_loglik(kappa, theta):
    # log of the von Mises density, the normaliser by ive (stable for large kappa)
    return np.sum(kappa * np.cos(theta) - np.log(2 * np.pi * sp.ive(0, kappa)) - kappa)


def von_mises_loglik_ag(kappa, theta):
    return anp.sum(kappa * anp.cos(theta) - anp.log(2 * anp.pi * asp.ive(0, kappa)) - kappa)


def bessels(x):
    return np.sum(sp.i0(x) * sp.i1(x) + sp.ive(1, x) + sp.iv(2, x))


def bessels_ag(x):
    return anp.sum(asp.i0(x) * asp.i1(x) + asp.ive(1, x) + asp.iv(2, x))


def test_bessel_functions(rng):
    theta = rng.uniform(-np.pi, np.pi, size=6)
    full_check(von_mises_loglik, (2.3, theta), oracle=von_mises_loglik_ag)
    full_check(bessels, (rng.uniform(-2, 2, size=4),), oracle=bessels_ag)


def bessels_at_zero(x):
    return sp.i0(x) * sp.i1(x) + sp.iv(2, x) + sp.i1(x) * 3.0


def test_i1_is_smooth_at_zero():
    # by the recurrence I1' = (I0 + I2) / 2: 1/2 at 0, where I1(x)/x would be 0/0
    got = full_check(bessels_at_zero, (0.0,), oracle=lambda x: asp.i0(x) * asp.i1(x) + asp.iv(2, x)
                     + asp.i1(x) * 3.0)
    assert np.isfinite(got)


@settings(max_examples=10, deadline=None)
@given(name=st.sampled_from(["betaln", "beta", "xlogy", "xlog1py"]),
       shapes=st.sampled_from([((3,), (3,)), ((2, 3), (3,)), ((), (2, 2)), ((2, 1), (1, 3))]),
       seed=st.integers(0, 2 ** 16))
def test_binary_functions_broadcast(name, shapes, seed, tmp_path_factory):
    from conftest import function_from_source
    rng = np.random.default_rng(seed)
    args = tuple(rng.uniform(0.5, 2.5, size=s) if s else float(rng.uniform(0.5, 2.5))
                 for s in shapes)
    src = f"def f(x, y):\n    return np.sum(np.sin(sp.{name}(x, y)))\n"
    f = function_from_source(src, "f", tmp_path_factory.mktemp("bin"), {"sp": sp})
    oracle = None
    if name in ("betaln", "beta"):  # (autograd has no xlogy / xlog1py)
        oracle = function_from_source(src, "f", tmp_path_factory.mktemp("bin_ag"),
                                      {"sp": asp, "np": anp})
    for wrt in (0, 1):
        full_check(f, args, wrt=wrt, oracle=oracle)
