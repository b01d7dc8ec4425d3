"""Order statistics, nan-reductions, weighted averages, covariance and
correlation (transpiler/rules/stats.py) in every mode, against autograd
where it has the function and finite differences always."""
import autograd.numpy as anp
import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from transpiler import grad

from conftest import assert_close, function_from_source
from oracles import every_mode

# ---- median, percentile, quantile -------------------------------------------------------


def robust_scale(x):
    m = np.median(x)
    return np.median(np.abs(x - m)) + m ** 2


def column_medians(x):
    return np.sum(np.median(x, axis=0) ** 2) + np.sum(np.median(x, axis=1, keepdims=True) * x)


def test_median(rng):
    every_mode(robust_scale, (rng.normal(size=7),), 0)  # odd: one middle element
    every_mode(robust_scale, (rng.normal(size=6),), 0)  # even: two share the gradient
    every_mode(column_medians, (rng.normal(size=(4, 3)),), 0)


def test_median_gradient_picks_the_middle_elements():
    x = np.array([5.0, 1.0, 4.0, 2.0])
    assert_close(grad(lambda_free_median)(x), np.array([0.0, 0.0, 0.5, 0.5]))
    assert_close(grad(lambda_free_median)(np.array([3.0, 9.0, 1.0])), np.array([1.0, 0.0, 0.0]))


def lambda_free_median(x):
    return np.median(x)


def interquartile_range(x):
    q75, q25 = np.percentile(x, [75, 25])
    return (q75 - q25) ** 2


def upper_tail(x):
    return np.sum(np.quantile(x, 0.9, axis=1) ** 2) + np.sum(np.quantile(x, [0.1, 0.5], axis=0))


def test_percentile_and_quantile(rng):
    every_mode(interquartile_range, (rng.normal(size=9),), 0)
    every_mode(upper_tail, (rng.normal(size=(3, 5)),), 0)


@settings(max_examples=10, deadline=None)
@given(shape=st.sampled_from([(6,), (3, 4), (2, 3, 4)]), q=st.floats(0.0, 1.0),
       seed=st.integers(0, 2 ** 16), data=st.data())
def test_quantile_any_axis(shape, q, seed, data, tmp_path_factory):
    axis = data.draw(st.sampled_from([None] + list(range(-len(shape), len(shape)))
                                     + ([(0, -1)] if len(shape) > 1 else [])))
    keepdims = data.draw(st.booleans())
    x = np.random.default_rng(seed).normal(size=shape)
    assume(np.min(np.diff(np.sort(x.ravel()))) > 1e-3)  # the order changes where two tie
    f = function_from_source(f"def f(x):\n    return np.sum(np.sin(np.quantile(x, {q!r}, "
                             f"axis={axis!r}, keepdims={keepdims})))\n", "f",
                             tmp_path_factory.mktemp("q"))
    every_mode(f, (x,), 0)


def test_other_quantile_methods_are_a_clear_error(rng):
    with pytest.raises(ValueError, match="method='linear' only"):
        grad(nearest_rank)(rng.normal(size=5))


def nearest_rank(x):
    return np.quantile(x, 0.3, method="nearest")


# ---- nan-reductions ------------------------------------------------------------------------

def masked_energy(x):
    y = np.where(x > 1.0, np.nan, x)
    return np.nansum(y ** 2) + np.sum(np.nansum(y, axis=0) ** 3)


def masked_means(x):
    y = np.where(x > 1.0, np.nan, x)
    return np.nanmean(y) ** 2 + np.sum(np.nanmean(y, axis=1, keepdims=True) * x)


def test_nansum_and_nanmean(rng):
    x = rng.normal(size=(3, 4))
    x[0, 1], x[2, 2] = 1.5, 2.0  # masked out
    every_mode(masked_energy, (x,), 0)
    every_mode(masked_means, (x,), 0)
    keep = x <= 1.0
    assert_close(grad(masked_energy)(x)[~keep], np.zeros(np.sum(~keep)))


def test_nansum_without_nans_matches_autograd_sum(rng):
    x = rng.normal(size=(2, 3))
    every_mode(lambda_free_nansum, (x,), 0, lambda x: anp.sum(anp.sum(x, axis=1) ** 2))


def lambda_free_nansum(x):
    return np.sum(np.nansum(x, axis=1) ** 2)


# ---- weighted averages -------------------------------------------------------------------------

def weighted_loss(x, w):
    return np.average((x - 0.3) ** 2, weights=w) + np.sum(np.average(x, axis=0, weights=w[:, 0]) ** 2)


def plain_average(x):
    return np.average(np.sin(x)) * np.sum(np.average(x, axis=1) ** 2)


def test_average(rng):
    x, w = rng.normal(size=(3, 2)), rng.uniform(0.5, 2.0, size=(3, 2))
    every_mode(weighted_loss, (x, w), 0)
    every_mode(weighted_loss, (x, w), 1)
    ag = lambda x: anp.mean(anp.sin(x)) * anp.sum(anp.mean(x, axis=1) ** 2)
    every_mode(plain_average, (x,), 0, ag)


def column_weights(x, w):
    return np.sum(np.average(x, axis=1, weights=w) ** 2)


def test_average_weights_along_an_axis(rng):
    x, w = rng.normal(size=(3, 4)), rng.uniform(0.5, 2.0, size=4)
    ag = lambda x, w: anp.sum(anp.average(x, axis=1, weights=w) ** 2)
    every_mode(column_weights, (x, w), 0)
    every_mode(column_weights, (x, w), 1)
    assert_close(grad(column_weights, wrt=(0, 1))(x, w),
                 (2 * np.average(x, axis=1, weights=w)[:, None] * w / w.sum(),
                  np.sum(2 * np.average(x, axis=1, weights=w)[:, None]
                         * (x - np.average(x, axis=1, weights=w)[:, None]) / w.sum(), axis=0)))
    del ag


# ---- covariance and correlation ------------------------------------------------------------------

def gaussian_fit(data):
    c = np.cov(data)
    return np.sum(c ** 2) + np.linalg.slogdet(c + np.eye(3))[1]


def cross_cov(x, y):
    return np.sum(np.cov(x, y, rowvar=False, bias=True) * np.arange(9.0).reshape(3, 3))


def test_cov(rng):
    data = rng.normal(size=(3, 6))
    every_mode(gaussian_fit, (data,), 0)  # (autograd has no rule for cov)
    x, y = rng.normal(size=(5, 2)), rng.normal(size=5)
    every_mode(cross_cov, (x, y), 0)
    every_mode(cross_cov, (x, y), 1)


def variance_of_series(x):
    return np.cov(x) * 2.0 + np.cov(x, ddof=0)


def test_cov_of_one_series(rng):
    x = rng.normal(size=6)
    every_mode(variance_of_series, (x,), 0,
               lambda x: anp.var(x) * 2.0 * 6 / 5 + anp.var(x))


def correlation_penalty(x):
    r = np.corrcoef(x)
    return np.sum(r ** 2)


def pair_correlation(x, y):
    return np.corrcoef(x, y)[0, 1] ** 2


def test_corrcoef(rng):
    x = rng.normal(size=(3, 7))
    every_mode(correlation_penalty, (x,), 0)
    a, b = rng.normal(size=6), rng.normal(size=6)
    every_mode(pair_correlation, (a, b), 0)
    every_mode(pair_correlation, (a, b), 1)


# ---- 1-d signals and polynomials ------------------------------------------------------------------

@settings(max_examples=12, deadline=None)
@given(n_a=st.integers(1, 6), n_v=st.integers(1, 6), mode=st.sampled_from(["full", "same", "valid"]),
       fn=st.sampled_from(["convolve", "correlate"]), seed=st.integers(0, 2 ** 16))
def test_convolve_and_correlate_every_mode_and_length(n_a, n_v, mode, fn, seed, tmp_path_factory):
    rng = np.random.default_rng(seed)
    a, v = rng.normal(size=n_a), rng.normal(size=n_v)
    f = function_from_source(f"def f(a, v):\n    return np.sum(np.sin(np.{fn}(a, v, {mode!r})) "
                             f"* np.arange(1.0, 1.0 + np.{fn}(a, v, {mode!r}).size))\n", "f",
                             tmp_path_factory.mktemp("conv"))
    every_mode(f, (a, v), 0)  # (autograd has no rules for convolve or correlate)
    every_mode(f, (a, v), 1)


def smoothed_energy(signal, kernel):
    return np.sum(np.convolve(signal, kernel, "same") ** 2)


def test_convolve_smoothing(rng):
    s, k = rng.normal(size=8), np.array([0.25, 0.5, 0.25])
    every_mode(smoothed_energy, (s, k), 0)
    every_mode(smoothed_energy, (s, k), 1)


def table_lookup(x, fp):
    xp = np.array([0.0, 1.0, 2.5, 4.0])
    return np.sum(np.interp(x, xp, fp) ** 2) + np.sum(np.interp(x, xp, fp, left=-1.0, right=3.0))


def test_interp(rng):
    x = np.array([-0.5, 0.3, 1.7, 2.2, 3.9, 4.5])  # outside on both ends, away from knots
    fp = rng.normal(size=4)
    every_mode(table_lookup, (x, fp), 0)
    every_mode(table_lookup, (x, fp), 1)


def test_interp_at_a_knot_takes_the_right_segment():
    xp, fp = np.array([0.0, 1.0, 3.0]), np.array([0.0, 2.0, 3.0])
    slope = grad(lambda_free_interp)(np.array([1.0, 3.0]), xp, fp)
    assert_close(slope, np.array([0.5, 0.5]))


def lambda_free_interp(x, xp, fp):
    return np.sum(np.interp(x, xp, fp))


def test_interp_with_respect_to_xp_is_refused():
    from transpiler import TranspileError
    with pytest.raises(TranspileError, match="`xp`"):
        grad(lambda_free_interp, wrt=1)(np.array([0.5]), np.array([0.0, 1.0]), np.array([1.0, 2.0]))


def polynomial_fit(p, x):
    return np.sum((np.polyval(p, x) - np.cos(x)) ** 2)


def test_polyval(rng):
    p, x = rng.normal(size=4), np.linspace(-1.0, 1.0, 5)
    # (autograd has no rule for polyval: compare with the polynomial written out)
    ag = lambda p, x: anp.sum((p[0] * x ** 3 + p[1] * x ** 2 + p[2] * x + p[3] - anp.cos(x)) ** 2)
    every_mode(polynomial_fit, (p, x), 0, ag)
    every_mode(polynomial_fit, (p, x), 1, ag)
    every_mode(polynomial_fit, (p, 0.7), 1)  # a scalar point
    every_mode(polynomial_fit, (p, 0.0), 0)  # the constant term at x = 0


def roughness(u):
    du = np.gradient(u, 0.5)
    return np.sum(du ** 2) + np.sum(np.gradient(u, edge_order=2) * u)


def unit_spacing(u):
    return np.sum(np.gradient(u) ** 2 * np.arange(6.0))


def surface_slopes(h):
    gy, gx = np.gradient(h)
    return np.sum(gx ** 2 + gy * h) + np.sum(np.gradient(h, axis=1) ** 3)


def test_gradient(rng):
    u = rng.normal(size=6)
    every_mode(roughness, (u,), 0)
    every_mode(unit_spacing, (u,), 0, lambda u: anp.sum(anp.gradient(u) ** 2 * anp.arange(6.0)))
    h = rng.normal(size=(3, 4))
    every_mode(surface_slopes, (h,), 0)  # (autograd's gradient fails on 2-d arrays)


def median_into(x):
    buf = np.zeros(())
    y = np.median(x, out=buf)
    return y * 2.0


def test_out_arguments_write_into_the_buffer():
    # out= is an item write into buf (test_semantics.py): the median's slope lands on x
    assert_close(grad(median_into)(np.array([0.0, 3.0, 1.0])), np.array([0.0, 0.0, 2.0]))
