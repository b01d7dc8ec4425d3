"""Rules for scipy.stats log densities (registered by rules_scipy when SciPy imports).

`norm.logpdf` is a bound method of the distribution object `scipy.stats.norm`;
the rule table keys bound methods by (object, function), so
`scipy.stats.norm.logpdf(x)` and `from scipy.stats import norm; norm.logpdf(x)`
both reach these rules. Arguments a rule does not name (`loc`/`scale` for
beta and dirichlet, frozen distributions `norm(0, 1).logpdf`) are refused, not
guessed. Outside a distribution's support the formulas give nan or inf, as
autograd's do.
"""
from __future__ import annotations

import numpy as np
import scipy.special as sp
from scipy.stats import beta, dirichlet, gamma, multivariate_normal, norm, poisson, t

from runtime.helpers import broadcast_like, unbroadcast
from runtime.scipy_helpers import as_column, cov_grad, mvn_cov, per_point, rows, sum_to_column

from .table import adjoint, partials, tangent

# ---- the normal distribution -----------------------------------------------------


@partials(norm.logpdf, wrt=("x", "loc", "scale"))
def norm_logpdf(ans, x, loc=0.0, scale=1.0):
    return -(x - loc) / scale ** 2, (x - loc) / scale ** 2, ((x - loc) ** 2 / scale ** 2 - 1.0) / scale


@partials(norm.pdf, wrt=("x", "loc", "scale"))
def norm_pdf(ans, x, loc=0.0, scale=1.0):
    return (-ans * (x - loc) / scale ** 2, ans * (x - loc) / scale ** 2,
            ans * ((x - loc) ** 2 / scale ** 2 - 1.0) / scale)


@partials(norm.cdf, wrt=("x", "loc", "scale"))
def norm_cdf(ans, x, loc=0.0, scale=1.0):
    return (norm.pdf(x, loc, scale), -norm.pdf(x, loc, scale),
            -norm.pdf(x, loc, scale) * (x - loc) / scale)


@partials(norm.logcdf, wrt=("x", "loc", "scale"))
def norm_logcdf(ans, x, loc=0.0, scale=1.0):
    """pdf / cdf computed as exp(logpdf - logcdf), stable far in the lower tail."""
    return (np.exp(norm.logpdf(x, loc, scale) - ans), -np.exp(norm.logpdf(x, loc, scale) - ans),
            -np.exp(norm.logpdf(x, loc, scale) - ans) * (x - loc) / scale)


# ---- the multivariate normal (x: (d,) or (n, d); mean: (d,); cov: (d, d)) -----------


@adjoint(multivariate_normal.logpdf)
def mvn_logpdf(g, ans, x, mean, cov):
    """The gradient for cov is symmetric (cov is), as autograd; cov may be a number or a diagonal."""
    inv = np.linalg.inv(mvn_cov(cov, x))
    solved = (x - mean) @ inv
    gs = per_point(g, x, cov)
    return (-gs * solved, unbroadcast(gs * solved, mean),
            cov_grad(0.5 * rows(gs * solved).T @ rows(solved) - 0.5 * np.sum(g) * inv, cov))


@tangent(multivariate_normal.logpdf, "x")
def mvn_logpdf_x(dx, ans, x, mean, cov):
    return -np.sum(dx * ((x - mean) @ np.linalg.inv(mvn_cov(cov, x))), axis=-1)


@tangent(multivariate_normal.logpdf, "mean")
def mvn_logpdf_mean(dmean, ans, x, mean, cov):
    return np.sum(dmean * ((x - mean) @ np.linalg.inv(mvn_cov(cov, x))), axis=-1)


@tangent(multivariate_normal.logpdf, "cov")
def mvn_logpdf_cov(dcov, ans, x, mean, cov):
    solved = (x - mean) @ np.linalg.inv(mvn_cov(cov, x))
    return 0.5 * np.sum((solved @ mvn_cov(dcov, x)) * solved, axis=-1) \
        - 0.5 * np.trace(np.linalg.solve(mvn_cov(cov, x), mvn_cov(dcov, x)))


@adjoint(multivariate_normal.pdf)
def mvn_pdf(g, ans, x, mean, cov):
    inv = np.linalg.inv(mvn_cov(cov, x))
    solved = (x - mean) @ inv
    gs = per_point(g * ans, x, cov)
    return (-gs * solved, unbroadcast(gs * solved, mean),
            cov_grad(0.5 * rows(gs * solved).T @ rows(solved) - 0.5 * np.sum(g * ans) * inv, cov))


@tangent(multivariate_normal.pdf, "x")
def mvn_pdf_x(dx, ans, x, mean, cov):
    return -ans * np.sum(dx * ((x - mean) @ np.linalg.inv(mvn_cov(cov, x))), axis=-1)


@tangent(multivariate_normal.pdf, "mean")
def mvn_pdf_mean(dmean, ans, x, mean, cov):
    return ans * np.sum(dmean * ((x - mean) @ np.linalg.inv(mvn_cov(cov, x))), axis=-1)


@tangent(multivariate_normal.pdf, "cov")
def mvn_pdf_cov(dcov, ans, x, mean, cov):
    solved = (x - mean) @ np.linalg.inv(mvn_cov(cov, x))
    return ans * (0.5 * np.sum((solved @ mvn_cov(dcov, x)) * solved, axis=-1)
                  - 0.5 * np.trace(np.linalg.solve(mvn_cov(cov, x), mvn_cov(dcov, x))))


# ---- Student's t, gamma, beta ------------------------------------------------------


@partials(t.logpdf, wrt=("x", "df", "loc", "scale"))
def t_logpdf(ans, x, df, loc=0.0, scale=1.0):
    return (-(df + 1.0) * (x - loc) / (df * scale ** 2 + (x - loc) ** 2),
            0.5 * (sp.digamma(0.5 * (df + 1.0)) - sp.digamma(0.5 * df) - 1.0 / df
                   - np.log1p((x - loc) ** 2 / (df * scale ** 2)))
            + 0.5 * (df + 1.0) * (x - loc) ** 2 / (df * (df * scale ** 2 + (x - loc) ** 2)),
            (df + 1.0) * (x - loc) / (df * scale ** 2 + (x - loc) ** 2),
            ((df + 1.0) * (x - loc) ** 2 / (df * scale ** 2 + (x - loc) ** 2) - 1.0) / scale)


@partials(gamma.logpdf, wrt=("x", "a", "loc", "scale"))
def gamma_logpdf(ans, x, a, loc=0.0, scale=1.0):
    return (((a - 1.0) / (x - loc) - 1.0 / scale), np.log((x - loc) / scale) - sp.digamma(a),
            1.0 / scale - (a - 1.0) / (x - loc), ((x - loc) / scale - a) / scale)


@partials(beta.logpdf)
def beta_logpdf(ans, x, a, b):
    return ((a - 1.0) / x - (b - 1.0) / (1.0 - x), np.log(x) - sp.digamma(a) + sp.digamma(a + b),
            np.log1p(-x) - sp.digamma(b) + sp.digamma(a + b))


# ---- Dirichlet (x: (K,) or (K, N), alpha: (K,)) and Poisson ----------------------------


@adjoint(dirichlet.logpdf)
def dirichlet_logpdf(g, ans, x, alpha):
    """x of shape (K,) or (K, N) (points as columns, as SciPy lays them out)."""
    return (g * (as_column(alpha, x) - 1.0) / x,
            sum_to_column(g * (np.log(x) - sp.digamma(as_column(alpha, x))), x)
            + np.sum(g) * sp.digamma(np.sum(alpha)))


@tangent(dirichlet.logpdf, "x")
def dirichlet_logpdf_x(dx, ans, x, alpha):
    return np.sum(dx * (as_column(alpha, x) - 1.0) / x, axis=0)


@tangent(dirichlet.logpdf, "alpha")
def dirichlet_logpdf_alpha(dalpha, ans, x, alpha):
    return np.sum(as_column(dalpha, x) * (np.log(x) - sp.digamma(as_column(alpha, x))), axis=0) \
        + np.sum(dalpha) * sp.digamma(np.sum(alpha))


@adjoint(poisson.logpmf, wrt=("mu",))
def poisson_logpmf(g, ans, k, mu, loc=0):
    """Differentiated with respect to the rate `mu` (the counts are integers)."""
    return unbroadcast(g * ((k - loc) / mu - 1.0), mu)


@tangent(poisson.logpmf, "mu")
def poisson_logpmf_mu(dmu, ans, k, mu, loc=0):
    return dmu * ((k - loc) / mu - 1.0)


# ---- the helpers above, for derivatives of derivatives (linear in alpha and g) ---------


@adjoint(as_column, wrt=("alpha",))
def as_column_(g, ans, alpha, x):
    return sum_to_column(g, x)


@tangent(as_column, "alpha")
def as_column_alpha(dalpha, ans, alpha, x):
    return as_column(dalpha, x)


@adjoint(sum_to_column, wrt=("g",))
def sum_to_column_(g_out, ans, g, x):
    return broadcast_like(as_column(g_out, x), g)


@tangent(sum_to_column, "g")
def sum_to_column_g(dg, ans, g, x):
    return sum_to_column(dg, x)


@adjoint(rows)
def rows_(g, ans, a):
    return np.reshape(g, np.shape(a))


@tangent(rows, "a")
def rows_a(da, ans, a):
    return rows(da)


@tangent(as_column, "x")
@tangent(sum_to_column, "x")
def shape_only_x(d, ans, a, x):  # x is read for its shape
    return 0.0


@tangent(mvn_cov, "cov")
def mvn_cov_cov(dcov, ans, cov, x):
    return mvn_cov(dcov, x)


@tangent(mvn_cov, "x")
def mvn_cov_x(dx, ans, cov, x):  # x is read for its shape
    return 0.0


@tangent(cov_grad, "G")
def cov_grad_G(dG, ans, G, cov):
    return cov_grad(dG, cov)


@tangent(cov_grad, "cov")
def cov_grad_cov(dcov, ans, G, cov):  # cov is read for its shape
    return 0.0


@tangent(per_point, "g")
def per_point_g(dg, ans, g, x, cov):
    return per_point(dg, x, cov)


@tangent(per_point, "x")
def per_point_x(dx, ans, g, x, cov):  # x and cov are read for their shapes
    return 0.0


@tangent(per_point, "cov")
def per_point_cov(dcov, ans, g, x, cov):
    return 0.0
