"""Rules for NumPy's statistics: order statistics (median, percentile,
quantile), nan-reductions, weighted averages, covariance and correlation.
"""
from __future__ import annotations

import numpy as np

from runtime import stats
from runtime.helpers import repeat_to, zeros_like
from runtime.stats import (average_weights, average_weights_grad, corrcoef_cov_grad, cov_grad, cov_tangent,
                           quantile_grad, quantile_tangent, zeros_or_none)

from runtime import signal
from runtime.signal import (constant_edge, conv_grad, gradient_grad, gradient_of, interp_fp_grad,
                            interp_slope, polyval_grad_p, polyval_grad_p_tangent)

from .table import adjoint, nondifferentiable, tangent

nondifferentiable(constant_edge)

# ---- order statistics --------------------------------------------------------------


@adjoint(np.median, wrt=("a",))
def median(g, ans, a, axis=None, *, overwrite_input=False, keepdims=False):
    """The middle element(s) get the gradient; equal elements follow np.argsort's order."""
    return quantile_grad(g, a, 0.5, axis, keepdims)


@tangent(np.median, "a")
def median_a(da, ans, a, axis=None, *, overwrite_input=False, keepdims=False):
    return quantile_tangent(da, a, 0.5, axis, keepdims)


@adjoint(np.quantile, wrt=("a",))
def quantile(g, ans, a, q, axis=None, *, overwrite_input=False, method="linear",
             keepdims=False):
    """method='linear' only; the one or two elements interpolated get the gradient (ties: np.argsort's order)."""
    return quantile_grad(g, a, q, axis, keepdims, method)


@tangent(np.quantile, "a")
def quantile_a(da, ans, a, q, axis=None, *, overwrite_input=False, method="linear",
               keepdims=False):
    return quantile_tangent(da, a, q, axis, keepdims, method)


@adjoint(np.percentile, wrt=("a",))
def percentile(g, ans, a, q, axis=None, *, overwrite_input=False, method="linear",
               keepdims=False):
    """method='linear' only; the one or two elements interpolated get the gradient (ties: np.argsort's order)."""
    return quantile_grad(g, a, np.true_divide(q, 100.0), axis, keepdims, method)


@tangent(np.percentile, "a")
def percentile_a(da, ans, a, q, axis=None, *, overwrite_input=False, method="linear",
                 keepdims=False):
    return quantile_tangent(da, a, np.true_divide(q, 100.0), axis, keepdims, method)


# ---- nan-reductions: nan items get no gradient --------------------------------------


@adjoint(np.nansum, wrt=("a",))
def nansum(g, ans, a, axis=None, dtype=None, *, keepdims=False):
    """Nan items get no gradient."""
    return np.where(np.isnan(a), 0.0, repeat_to(g, a, axis, keepdims))


@tangent(np.nansum, "a")
def nansum_a(da, ans, a, axis=None, dtype=None, *, keepdims=False):
    return np.nansum(np.where(np.isnan(a), 0.0, da), axis=axis, keepdims=keepdims)


@adjoint(np.nanmean, wrt=("a",))
def nanmean(g, ans, a, axis=None, dtype=None, *, keepdims=False):
    """Nan items get no gradient; the others share it as in np.mean of the rest."""
    count = np.sum(np.logical_not(np.isnan(a)), axis=axis, keepdims=True)
    return np.where(np.isnan(a), 0.0, repeat_to(g, a, axis, keepdims) / count)


@tangent(np.nanmean, "a")
def nanmean_a(da, ans, a, axis=None, dtype=None, *, keepdims=False):
    return np.nanmean(np.where(np.isnan(a), np.nan, da), axis=axis, keepdims=keepdims)


# ---- weighted average -------------------------------------------------------------------


@adjoint(np.average, wrt=("a", "weights"))
def average(g, ans, a, axis=None, weights=None):
    """With or without weights (not `returned=True`)."""
    w = average_weights(a, axis, weights)
    total = np.sum(np.broadcast_to(w, np.shape(a)), axis=axis, keepdims=True)
    spread = repeat_to(g, a, axis, False) / total
    centered = a - repeat_to(ans, a, axis, False)
    return spread * w, average_weights_grad(spread * centered, w, weights)


@tangent(np.average, "a")
def average_a(da, ans, a, axis=None, weights=None):
    return np.average(da, axis, weights)


@tangent(np.average, "weights")
def average_weights_(dweights, ans, a, axis=None, weights=None):
    w = average_weights(a, axis, weights)
    total = np.sum(np.broadcast_to(w, np.shape(a)), axis=axis)
    centered = a - repeat_to(ans, a, axis, False)
    return np.sum(average_weights(a, axis, dweights) * centered, axis=axis) / total


# ---- covariance and correlation ---------------------------------------------------------


@adjoint(np.cov, wrt=("m", "y"))
def cov(g, ans, m, y=None, rowvar=True, bias=False, ddof=None):
    """Without fweights or aweights."""
    return cov_grad(g, m, y, rowvar, bias, ddof, 0), cov_grad(g, m, y, rowvar, bias, ddof, 1)


@tangent(np.cov, "m")
def cov_m(dm, ans, m, y=None, rowvar=True, bias=False, ddof=None):
    return cov_tangent(dm, 0.0, m, y, rowvar, bias, ddof)


@tangent(np.cov, "y")
def cov_y(dy, ans, m, y=None, rowvar=True, bias=False, ddof=None):
    return cov_tangent(0.0, dy, m, y, rowvar, bias, ddof)


@adjoint(np.corrcoef, wrt=("x", "y"))
def corrcoef(g, ans, x, y=None, rowvar=True):
    gc = corrcoef_cov_grad(g, np.cov(x, y, rowvar))
    return cov_grad(gc, x, y, rowvar, False, None, 0), cov_grad(gc, x, y, rowvar, False, None, 1)


@tangent(np.corrcoef, "x")
def corrcoef_x(dx, ans, x, y=None, rowvar=True):
    return stats.corrcoef_tangent(cov_tangent(dx, 0.0, x, y, rowvar), np.cov(x, y, rowvar))


@tangent(np.corrcoef, "y")
def corrcoef_y(dy, ans, x, y=None, rowvar=True):
    return stats.corrcoef_tangent(cov_tangent(0.0, dy, x, y, rowvar), np.cov(x, y, rowvar))


# ---- 1-d signals and polynomials ----------------------------------------------------------


@adjoint(np.convolve, wrt=("a", "v"))
def convolve(g, ans, a, v, mode="full"):
    """Real 1-d inputs, every mode."""
    return conv_grad(g, a, v, mode, False, 0), conv_grad(g, a, v, mode, False, 1)


@tangent(np.convolve, "a")
def convolve_a(da, ans, a, v, mode="full"):
    return np.convolve(da, v, mode)


@tangent(np.convolve, "v")
def convolve_v(dv, ans, a, v, mode="full"):
    return np.convolve(a, dv, mode)


@adjoint(np.correlate, wrt=("a", "v"))
def correlate(g, ans, a, v, mode="valid"):
    """Real 1-d inputs, every mode."""
    return conv_grad(g, a, v, mode, True, 0), conv_grad(g, a, v, mode, True, 1)


@tangent(np.correlate, "a")
def correlate_a(da, ans, a, v, mode="valid"):
    return np.correlate(da, v, mode)


@tangent(np.correlate, "v")
def correlate_v(dv, ans, a, v, mode="valid"):
    return np.correlate(a, dv, mode)


@adjoint(np.interp, wrt=("x", "fp"))
def interp(g, ans, x, xp, fp, left=None, right=None):
    """At a knot, the slope of the segment on its right (the last knot: its left); 0 outside."""
    return g * interp_slope(x, xp, fp), interp_fp_grad(g, x, xp, fp, left, right)


@tangent(np.interp, "x")
def interp_x(dx, ans, x, xp, fp, left=None, right=None):
    return dx * interp_slope(x, xp, fp)


@tangent(np.interp, "fp")
def interp_fp(dfp, ans, x, xp, fp, left=None, right=None):
    return np.interp(x, xp, dfp, constant_edge(left), constant_edge(right))


@adjoint(np.polyval)
def polyval(g, ans, p, x):
    return polyval_grad_p(g, p, x), g * np.polyval(p[:-1] * np.arange(np.shape(p)[0] - 1, 0, -1), x)


@tangent(np.polyval, "p")
def polyval_p(dp, ans, p, x):
    return np.polyval(dp, x)


@tangent(np.polyval, "x")
def polyval_x(dx, ans, p, x):
    return dx * np.polyval(p[:-1] * np.arange(np.shape(p)[0] - 1, 0, -1), x)


@adjoint(np.gradient, wrt=("f",))
def gradient(g, ans, f, spacing=None, *, axis=None, edge_order=1):
    """One spacing (a number or the coordinates) at most."""
    return gradient_grad(g, f, spacing, axis, edge_order)


@tangent(np.gradient, "f")
def gradient_f(df, ans, f, spacing=None, *, axis=None, edge_order=1):
    return gradient_of(df, spacing, axis, edge_order)


# ---- tangents of the helpers --------------------------------------------------------------
# quantile_grad is linear in g and piecewise constant in x (its x tangent is 0
# away from ties); cov_grad is linear in g and in the data.

@tangent(stats.quantile_grad, "g")
def quantile_grad_g(dg, ans, g, x, q, axis=None, keepdims=False, method="linear"):
    return quantile_grad(dg, x, q, axis, keepdims, method)


@tangent(stats.quantile_grad, "x")
def quantile_grad_x(dx, ans, g, x, q, axis=None, keepdims=False, method="linear"):
    return 0.0


@tangent(stats.average_weights, "weights")
def average_weights_weights(dweights, ans, x, axis, weights):
    return average_weights(x, axis, dweights)


@tangent(stats.average_weights_grad, "gw")
def average_weights_grad_gw(dgw, ans, gw, w, weights):
    return average_weights_grad(dgw, w, weights)


@tangent(stats.average_weights_grad, "w")
@tangent(stats.average_weights_grad, "weights")
def average_weights_grad_shape(d, ans, gw, w, weights):
    return 0.0


@tangent(stats.average_weights, "x")
def average_weights_x(dx, ans, x, axis, weights):
    return 0.0


@tangent(stats.cov_grad, "g")
def cov_grad_g(dg, ans, g, m, y=None, rowvar=True, bias=False, ddof=None, which=0):
    return cov_grad(dg, m, y, rowvar, bias, ddof, which)


@tangent(stats.cov_grad, "m")
def cov_grad_m(dm, ans, g, m, y=None, rowvar=True, bias=False, ddof=None, which=0):
    return cov_grad(g, dm, zeros_or_none(y), rowvar, bias, ddof, which)


@tangent(stats.cov_grad, "y")
def cov_grad_y(dy, ans, g, m, y=None, rowvar=True, bias=False, ddof=None, which=0):
    return cov_grad(g, zeros_like(m), dy, rowvar, bias, ddof, which)


@tangent(signal.conv_grad, "g")
def conv_grad_g(dg, ans, g, a, v, mode="full", flip=False, k=0):
    return conv_grad(dg, a, v, mode, flip, k)


@tangent(signal.conv_grad, "a")
def conv_grad_a(da, ans, g, a, v, mode="full", flip=False, k=0):
    if k == 1:
        return conv_grad(g, da, v, mode, flip, k)
    return 0.0


@tangent(signal.conv_grad, "v")
def conv_grad_v(dv, ans, g, a, v, mode="full", flip=False, k=0):
    if k == 0:
        return conv_grad(g, a, dv, mode, flip, k)
    return 0.0


@tangent(signal.interp_slope, "fp")
def interp_slope_fp(dfp, ans, x, xp, fp):
    return interp_slope(x, xp, dfp)


@tangent(signal.interp_slope, "x")
def interp_slope_x(dx, ans, x, xp, fp):
    return 0.0


@tangent(signal.interp_fp_grad, "g")
def interp_fp_grad_g(dg, ans, g, x, xp, fp, left=None, right=None, slope=False):
    return interp_fp_grad(dg, x, xp, fp, left, right, slope)


@tangent(signal.interp_fp_grad, "x")
def interp_fp_grad_x(dx, ans, g, x, xp, fp, left=None, right=None, slope=False):
    return interp_fp_grad(g * dx, x, xp, fp, left, right, True)


@tangent(signal.interp_fp_grad, "fp")
def interp_fp_grad_fp(dfp, ans, g, x, xp, fp, left=None, right=None, slope=False):
    return 0.0


@tangent(signal.polyval_grad_p, "g")
def polyval_grad_p_g(dg, ans, g, p, x):
    return polyval_grad_p(dg, p, x)


@tangent(signal.polyval_grad_p, "x")
def polyval_grad_p_x(dx, ans, g, p, x):
    return polyval_grad_p_tangent(g, p, x, dx)


@tangent(signal.polyval_grad_p, "p")
def polyval_grad_p_p(dp, ans, g, p, x):
    return 0.0


@tangent(signal.gradient_grad, "g")
def gradient_grad_g(dg, ans, g, f, spacing=None, axis=None, edge_order=1):
    return gradient_grad(dg, f, spacing, axis, edge_order)


@tangent(signal.gradient_grad, "f")
def gradient_grad_f(df, ans, g, f, spacing=None, axis=None, edge_order=1):
    return 0.0
