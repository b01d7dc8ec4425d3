"""scipy.stats log densities in reverse, forward and second order, against
autograd.scipy.stats where it has the function and central differences always.
Both spellings reach the rules, in the compiler and the tape engine:
`from scipy.stats import norm; norm.logpdf(x)` and `scipy.stats.norm.logpdf(x, 0, 1)`."""
import autograd.numpy as anp
import autograd.scipy.special as asp
import autograd.scipy.stats as ast
import numpy as np
import pytest
import scipy.stats
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.special import softmax
from scipy.stats import beta, dirichlet, gamma, multivariate_normal, norm, poisson, t

from transpiler import TranspileError, grad  # (before transpiler.tape, which it imports)
from transpiler.tape import tape_grad
from transpiler.rules.table import lookup

from scipy_checking import full_check, reverse_agrees

# ---- the normal distribution -------------------------------------------------------


def regression_loglik(w, X, y, noise):
    return np.sum(norm.logpdf(y, loc=X @ w, scale=noise))


def regression_loglik_ag(w, X, y, noise):
    return anp.sum(ast.norm.logpdf(y, anp.dot(X, w), noise))  # (autograd: positional only)


def test_norm_logpdf_with_loc_and_scale(rng):
    X, y = rng.normal(size=(6, 2)), rng.normal(size=6)
    args = (rng.normal(size=2), X, y, 0.7)
    full_check(regression_loglik, args, wrt=0, oracle=regression_loglik_ag)
    full_check(regression_loglik, args, wrt=3, oracle=regression_loglik_ag)
    full_check(regression_loglik, args, wrt=2, oracle=regression_loglik_ag)


def module_spelling(x):
    return np.sum(scipy.stats.norm.logpdf(x, 0, 1) + scipy.stats.norm.pdf(x, 0.5, 2.0))


def imported_spelling(x):
    return np.sum(norm.logpdf(x) + norm.pdf(x, 0.5, 2.0))


def test_both_spellings_reach_the_rule_in_compiler_and_tape(rng):
    assert lookup(norm.logpdf) is lookup(scipy.stats.norm.logpdf) is not None
    assert lookup(norm.logpdf) is not lookup(t.logpdf)
    x = rng.normal(size=4)
    want = -x - norm.pdf(x, 0.5, 2.0) * (x - 0.5) / 4.0
    for f in (module_spelling, imported_spelling):
        np.testing.assert_allclose(grad(f)(x), want, rtol=1e-12)
        np.testing.assert_allclose(tape_grad(f)(x), want, rtol=1e-12)
        full_check(f, (x,), oracle=lambda x: anp.sum(ast.norm.logpdf(x, 0, 1)
                                                     + ast.norm.pdf(x, 0.5, 2.0)))


def probit_loglik(w, X, y):
    z = X @ w
    return np.sum(y * norm.logcdf(z) + (1 - y) * norm.logcdf(-z))


def probit_loglik_ag(w, X, y):
    z = anp.dot(X, w)
    return anp.sum(y * ast.norm.logcdf(z) + (1 - y) * ast.norm.logcdf(-z))


def interval_probability(m, s):
    return norm.cdf(1.0, m, s) - norm.cdf(-1.0, loc=m, scale=s)


def interval_probability_ag(m, s):
    return ast.norm.cdf(1.0, m, s) - ast.norm.cdf(-1.0, m, s)


def test_norm_cdf_and_logcdf(rng):
    X, y = rng.normal(size=(7, 3)), (rng.random(7) > 0.5).astype(float)
    full_check(probit_loglik, (rng.normal(size=3), X, y), oracle=probit_loglik_ag)
    for wrt in (0, 1):
        full_check(interval_probability, (0.3, 1.4), wrt=wrt, oracle=interval_probability_ag)


def far_tail(x):
    return norm.logcdf(x)


def test_norm_logcdf_deep_in_the_tail():
    # pdf/cdf for x = -30 is about 30; naive pdf / cdf is 0 / 0
    got = grad(far_tail)(-30.0)
    assert np.isclose(got, 30.033, rtol=1e-3)
    reverse_agrees(far_tail, (-30.0,))


@settings(max_examples=8, deadline=None)
@given(seed=st.integers(0, 2 ** 16), shape=st.sampled_from([(3,), (2, 3)]),
       loc_shape=st.sampled_from([(), (3,)]))
def test_norm_broadcasting(seed, shape, loc_shape):
    rng = np.random.default_rng(seed)
    args = (rng.normal(size=shape), rng.normal(size=loc_shape), rng.uniform(0.5, 2.0, size=loc_shape))
    for wrt in (0, 1, 2):
        full_check(norm_all, args, wrt=wrt, oracle=norm_all_ag, second=wrt != 0)


def norm_all(x, m, s):
    return np.sum(norm.logpdf(x, m, s) * norm.cdf(x, m, s) + norm.logcdf(x, m, s) ** 2)


def norm_all_ag(x, m, s):
    return anp.sum(ast.norm.logpdf(x, m, s) * ast.norm.cdf(x, m, s) + ast.norm.logcdf(x, m, s) ** 2)


# ---- the multivariate normal ---------------------------------------------------------


def gaussian_loglik(X, mean, A):
    cov = A @ A.T + 0.5 * np.eye(3)
    return np.sum(multivariate_normal.logpdf(X, mean, cov))


def gaussian_loglik_ag(X, mean, A):
    cov = anp.dot(A, A.T) + 0.5 * anp.eye(3)
    return anp.sum(ast.multivariate_normal.logpdf(X, mean, cov))


def gaussian_density(x, mean, A):
    cov = A @ A.T + 0.5 * np.eye(3)
    return multivariate_normal.pdf(x, mean, cov)


def gaussian_density_ag(x, mean, A):
    cov = anp.dot(A, A.T) + 0.5 * anp.eye(3)
    return ast.multivariate_normal.pdf(x, mean, cov)


@pytest.mark.parametrize("rows", [None, 4])
def test_multivariate_normal(rng, rows):
    X = rng.normal(size=3 if rows is None else (rows, 3))
    args = (X, rng.normal(size=3), rng.normal(size=(3, 3)))
    for wrt in (0, 1, 2):
        full_check(gaussian_loglik, args, wrt=wrt, oracle=gaussian_loglik_ag)
    if rows is None:
        for wrt in (0, 1, 2):
            full_check(gaussian_density, args, wrt=wrt, oracle=gaussian_density_ag)


def test_multivariate_normal_cov_gradient_is_symmetric(rng):
    def f(cov):
        return multivariate_normal.logpdf(np.array([0.3, -0.2]), np.zeros(2), cov)
    g = grad(f)(np.array([[2.0, 0.3], [0.3, 1.0]]))
    np.testing.assert_allclose(g, g.T)
    np.testing.assert_allclose(g, autograd_grad(lambda c: ast.multivariate_normal.logpdf(
        np.array([0.3, -0.2]), np.zeros(2), c))(np.array([[2.0, 0.3], [0.3, 1.0]])))


def autograd_grad(f):
    import autograd
    return autograd.grad(f)


def test_multivariate_normal_without_mean_and_cov_is_refused(rng):
    def f(x):
        return multivariate_normal.logpdf(x)
    with pytest.raises(TranspileError, match="arguments its derivative rule does not take"):
        grad(f)(rng.normal(size=3))


# ---- Student's t, gamma, beta, Dirichlet, Poisson -------------------------------------


def robust_regression(w, X, y, df, scale):
    return np.sum(t.logpdf(y, df, X @ w, scale))


def robust_regression_ag(w, X, y, df, scale):
    return anp.sum(ast.t.logpdf(y, df, anp.dot(X, w), scale))


def test_t_logpdf(rng):
    X, y = rng.normal(size=(5, 2)), rng.normal(size=5)
    args = (rng.normal(size=2), X, y, 3.5, 1.3)
    for wrt in (0, 2, 3, 4):
        full_check(robust_regression, args, wrt=wrt, oracle=robust_regression_ag)


def waiting_times(a, x):
    return np.sum(gamma.logpdf(x, a)) + np.sum(gamma.logpdf(x, a, 0.1, 2.0))


def waiting_times_ag(a, x):
    return anp.sum(ast.gamma.logpdf(x, a)) + anp.sum(scale_shift_gamma_ag(x, a, 0.1, 2.0))


def scale_shift_gamma_ag(x, a, loc, scale):
    return ast.gamma.logpdf((x - loc) / scale, a) - anp.log(scale)


def gamma_scale(x, s):
    return np.sum(gamma.logpdf(x, 2.5, loc=-0.5, scale=s))


def test_gamma_logpdf(rng):
    x = rng.uniform(0.5, 3.0, size=5)
    full_check(waiting_times, (1.7, x), wrt=0, oracle=waiting_times_ag)
    full_check(waiting_times, (1.7, x), wrt=1, oracle=waiting_times_ag)
    full_check(gamma_scale, (x, 1.5), wrt=1)


def beta_model(a, b, p):
    return np.sum(beta.logpdf(p, a, b))


def beta_model_ag(a, b, p):
    return anp.sum(ast.beta.logpdf(p, a, b))


def test_beta_logpdf(rng):
    args = (2.5, 1.5, rng.uniform(0.1, 0.9, size=4))
    for wrt in (0, 1, 2):
        full_check(beta_model, args, wrt=wrt, oracle=beta_model_ag)


def test_beta_with_loc_is_refused(rng):
    def f(p):
        return np.sum(beta.logpdf(p, 2.0, 3.0, 0.0, 1.0))
    with pytest.raises(TranspileError, match="arguments its derivative rule does not take"):
        grad(f)(rng.uniform(0.1, 0.9, size=3))


def topic_prior(alpha, z):
    x = softmax(z)  # on the simplex for every z, so that differences stay on it
    return dirichlet.logpdf(x, alpha)


def topic_prior_ag(alpha, z):
    x = anp.exp(z - asp.logsumexp(z))
    return ast.dirichlet.logpdf(x, alpha)


def topic_priors(alpha, Z):
    X = softmax(Z, axis=0)
    return np.sum(dirichlet.logpdf(X, alpha) ** 2)


def test_dirichlet_logpdf(rng):
    alpha = rng.uniform(0.5, 3.0, size=3)
    z = rng.normal(size=3)
    full_check(topic_prior, (alpha, z), wrt=0, oracle=topic_prior_ag)
    full_check(topic_prior, (alpha, z), wrt=1, oracle=topic_prior_ag)
    Z = rng.normal(size=(3, 3))  # three points as columns: shape (K, N) = (3, 3)
    full_check(topic_priors, (alpha, Z), wrt=0)
    full_check(topic_priors, (alpha, Z), wrt=1)


def counts_loglik(log_rate, k):
    return np.sum(poisson.logpmf(k, np.exp(log_rate)))


def counts_loglik_ag(log_rate, k):
    return anp.sum(ast.poisson.logpmf(k, anp.exp(log_rate)))


def shared_rate(mu, k):
    return np.sum(poisson.logpmf(k, mu) * 1.5)


def test_poisson_logpmf(rng):
    k = rng.integers(0, 8, size=6)
    full_check(counts_loglik, (rng.normal(size=6), k), oracle=counts_loglik_ag)
    full_check(shared_rate, (2.3, k), oracle=shared_rate_ag)  # one rate for all counts


def shared_rate_ag(mu, k):
    return anp.sum(ast.poisson.logpmf(k, mu) * 1.5)


def isotropic(x, mean, s):
    return np.sum(multivariate_normal.logpdf(x, mean, s))


def isotropic_ag(x, mean, s):
    return anp.sum(ast.multivariate_normal.logpdf(x, mean, s * anp.eye(2)))


def diagonal_cov(x, mean, v):
    return np.sum(multivariate_normal.pdf(x, mean, v))


def diagonal_cov_ag(x, mean, v):
    return anp.sum(ast.multivariate_normal.pdf(x, mean, anp.diag(v)))


def test_multivariate_normal_number_and_diagonal_covariances(rng):
    X = rng.normal(size=(3, 2))
    for wrt in (0, 1, 2):
        full_check(isotropic, (X, rng.normal(size=2), 1.7), wrt=wrt, oracle=isotropic_ag)
        full_check(diagonal_cov, (X[0], rng.normal(size=2), rng.uniform(0.5, 2, size=2)),
                   wrt=wrt, oracle=diagonal_cov_ag)


def one_dimensional_points(x):
    return np.sum(multivariate_normal.logpdf(x, np.zeros(1), np.eye(1)))


def test_multivariate_normal_shapes_it_does_not_take_are_a_clear_error(rng):
    with pytest.raises(ValueError, match="points x of shape"):  # SciPy reads these as 4 points
        grad(one_dimensional_points)(rng.normal(size=4))
