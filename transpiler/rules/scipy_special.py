"""Rules for scipy.special (registered by rules_scipy when SciPy imports).

Conventions follow autograd's scipy.special where it has the function: at
points where a function has no derivative (xlogy at x = y = 0, logit at 0 and
1) the formula is evaluated as written (inf or nan), as autograd does.
"""
from __future__ import annotations

import numpy as np
import scipy.special as sp

from runtime.helpers import repeat_to, unbroadcast

from .table import adjoint, partials, tangent

# ---- logistic and log-sum-exp --------------------------------------------------


@partials(sp.expit)
def expit(ans, x):
    return ans * (1.0 - ans)


@partials(sp.logit)
def logit(ans, x):
    return 1.0 / (x * (1.0 - x))


@partials(sp.log_expit)
def log_expit(ans, x):
    return sp.expit(-x)


@adjoint(sp.logsumexp, wrt=("a", "b"))
def logsumexp(g, ans, a, axis=None, b=None, keepdims=False):
    """`return_sign=True` is not differentiated; `b` scales the terms (log sum b exp a)."""
    w = repeat_to(g, a, axis, keepdims) * np.exp(a - repeat_to(ans, a, axis, keepdims))
    if b is None:
        wb = w
    else:
        wb = w * b
    return unbroadcast(wb, a), unbroadcast(w, b)


@tangent(sp.logsumexp, "a")
def logsumexp_a(da, ans, a, axis=None, b=None, keepdims=False):
    w = np.exp(a - repeat_to(ans, a, axis, keepdims))
    if b is None:
        wb = w
    else:
        wb = w * b
    return np.sum(da * wb, axis=axis, keepdims=keepdims)


@tangent(sp.logsumexp, "b")
def logsumexp_b(db, ans, a, axis=None, b=None, keepdims=False):
    return np.sum(db * np.exp(a - repeat_to(ans, a, axis, keepdims)), axis=axis,
                  keepdims=keepdims)


@adjoint(sp.softmax, wrt=("x",))
def softmax(g, ans, x, axis=None):
    return ans * (g - np.sum(g * ans, axis=axis, keepdims=True))


@tangent(sp.softmax, "x")
def softmax_x(dx, ans, x, axis=None):
    return ans * (dx - np.sum(dx * ans, axis=axis, keepdims=True))


@adjoint(sp.log_softmax, wrt=("x",))
def log_softmax(g, ans, x, axis=None):
    return g - np.exp(ans) * np.sum(g, axis=axis, keepdims=True)


@tangent(sp.log_softmax, "x")
def log_softmax_x(dx, ans, x, axis=None):
    return dx - np.sum(np.exp(ans) * dx, axis=axis, keepdims=True)


# ---- error functions -------------------------------------------------------------


@partials(sp.erf)
def erf(ans, x):
    return 1.1283791670955126 * np.exp(-x ** 2)  # 2 / sqrt(pi)


@partials(sp.erfc)
def erfc(ans, x):
    return -1.1283791670955126 * np.exp(-x ** 2)


@partials(sp.erfinv)
def erfinv(ans, x):
    return 0.88622692545275801 * np.exp(ans ** 2)  # sqrt(pi) / 2


@partials(sp.erfcinv)
def erfcinv(ans, x):
    return -0.88622692545275801 * np.exp(ans ** 2)


# ---- gamma and beta functions ------------------------------------------------------


@partials(sp.gammaln)
def gammaln(ans, x):  # log|gamma(x)|: digamma also for negative x
    return sp.digamma(x)


@partials(sp.digamma, sp.psi)
def digamma(ans, x):
    return sp.polygamma(1, x)


@adjoint(sp.polygamma, wrt=("x",))
def polygamma(g, ans, n, x):
    """Differentiated with respect to `x` (the order `n` is an integer)."""
    return unbroadcast(g * sp.polygamma(n + 1, x), x)


@tangent(sp.polygamma, "x")
def polygamma_x(dx, ans, n, x):
    return dx * sp.polygamma(n + 1, x)


@partials(sp.gamma)
def gamma(ans, x):
    return ans * sp.digamma(x)


@partials(sp.betaln)
def betaln(ans, a, b):
    return sp.digamma(a) - sp.digamma(a + b), sp.digamma(b) - sp.digamma(a + b)


@partials(sp.beta)
def beta(ans, a, b):
    return ans * (sp.digamma(a) - sp.digamma(a + b)), ans * (sp.digamma(b) - sp.digamma(a + b))


@partials(sp.xlogy)
def xlogy(ans, x, y):
    """As autograd: log(y) and x / y (-inf and nan at x = y = 0)."""
    return np.log(y), x / y


@partials(sp.xlog1py)
def xlog1py(ans, x, y):
    """As autograd: log1p(y) and x / (1 + y)."""
    return np.log1p(y), x / (1.0 + y)


# ---- modified Bessel functions (by the recurrences, finite at x = 0) ----------------


@partials(sp.i0)
def i0(ans, x):
    return sp.i1(x)


@partials(sp.i1)
def i1(ans, x):
    return 0.5 * (sp.i0(x) + sp.iv(2, x))


@adjoint(sp.iv, wrt=("x",))
def iv(g, ans, v, x):
    """Differentiated with respect to `x`."""
    return unbroadcast(g * 0.5 * (sp.iv(v - 1, x) + sp.iv(v + 1, x)), x)


@tangent(sp.iv, "x")
def iv_x(dx, ans, v, x):
    return dx * 0.5 * (sp.iv(v - 1, x) + sp.iv(v + 1, x))


@adjoint(sp.ive, wrt=("x",))
def ive(g, ans, v, x):
    """Differentiated with respect to `x` (ive = iv(v, x) exp(-|x|), real x)."""
    return unbroadcast(g * (0.5 * (sp.ive(v - 1, x) + sp.ive(v + 1, x)) - np.sign(x) * ans), x)


@tangent(sp.ive, "x")
def ive_x(dx, ans, v, x):
    return dx * (0.5 * (sp.ive(v - 1, x) + sp.ive(v + 1, x)) - np.sign(x) * ans)
