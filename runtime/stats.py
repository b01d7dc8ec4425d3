"""Gradient helpers for NumPy's order statistics, weighted means, covariances
and 1-d signal functions (the rules in transpiler/rules_stats.py call them).

    >>> quantile_grad(1.0, np.array([3.0, 1.0, 2.0]), 0.5).tolist()
    [0.0, 0.0, 1.0]
"""
from __future__ import annotations

import numpy as np

from .helpers import grad_dtype, unbroadcast, zeros_like


# ---- quantiles (median, percentile, quantile) ----------------------------------------

def _reduced_last(x, axis):
    """x with the reduced axes moved last and flattened: (rest..., n), and rest's shape."""
    x = np.asarray(x)
    if axis is None:
        return np.reshape(x, (-1,)), ()
    axes = (axis,) if np.ndim(axis) == 0 else tuple(axis)
    axes = tuple(a % x.ndim for a in axes)
    moved = np.moveaxis(x, axes, tuple(range(-len(axes), 0)))
    rest = moved.shape[:x.ndim - len(axes)]
    return np.reshape(moved, rest + (-1,)), rest


def _restore(flat, x, axis):
    """Undo _reduced_last: (rest..., n) back to x's shape."""
    x = np.asarray(x)
    if axis is None:
        return np.reshape(flat, x.shape)
    axes = (axis,) if np.ndim(axis) == 0 else tuple(axis)
    axes = tuple(a % x.ndim for a in axes)
    moved_shape = [x.shape[i] for i in range(x.ndim) if i not in axes] + [x.shape[i] for i in axes]
    return np.moveaxis(np.reshape(flat, moved_shape), tuple(range(-len(axes), 0)), axes)


def _quantile_weights(q, n, method):
    """Weights over the sorted positions (q.shape + (n,)) of method='linear'."""
    if method != "linear":
        raise ValueError(f"tapeless differentiates quantiles with method='linear' only, "
                         f"not {method!r}")
    q = np.asarray(q, dtype=float)
    pos = q * (n - 1)
    lo = np.clip(np.floor(pos).astype(int), 0, n - 1)
    hi = np.minimum(lo + 1, n - 1)
    frac = pos - lo
    w = np.zeros(q.shape + (n,))
    np.put_along_axis(w, lo[..., None], (1.0 - frac)[..., None], -1)
    w_hi = np.take_along_axis(w, hi[..., None], -1) + frac[..., None]
    np.put_along_axis(w, hi[..., None], w_hi, -1)
    return w


def quantile_grad(g, x, q, axis=None, keepdims=False, method="linear"):
    """The gradient of np.quantile(x, q, axis, keepdims=keepdims): g shared by the
    one or two sorted elements the result interpolates between (ties: those
    np.argsort puts at those places)."""
    work, rest = _reduced_last(x, axis)
    order = np.argsort(work, axis=-1)
    w = _quantile_weights(q, work.shape[-1], method)  # q.shape + (n,)
    qdims = np.ndim(q)
    g = np.reshape(np.asarray(g, dtype=grad_dtype(x, 0.0)), np.shape(q) + rest)
    g = np.moveaxis(g, tuple(range(qdims)), tuple(range(-qdims, 0))) if qdims else g
    on_sorted = np.tensordot(g, w, qdims) if qdims else g[..., None] * w
    return _restore(np.take_along_axis(on_sorted, np.argsort(order, axis=-1), -1), x, axis)


def quantile_tangent(dx, x, q, axis=None, keepdims=False, method="linear"):
    """The tangent of np.quantile(x, q, axis, keepdims=keepdims) along dx."""
    work, rest = _reduced_last(x, axis)
    d, _ = _reduced_last(np.broadcast_to(dx, np.shape(x)), axis)
    order = np.argsort(work, axis=-1)
    w = _quantile_weights(q, work.shape[-1], method)
    moved = np.tensordot(np.take_along_axis(d, order, -1), w, ([-1], [-1]))  # rest + q.shape
    qdims = np.ndim(q)
    out = np.moveaxis(moved, tuple(range(-qdims, 0)), tuple(range(qdims))) if qdims else moved
    return np.reshape(out, np.shape(np.quantile(np.asarray(x), q, axis=axis, keepdims=keepdims)))


# ---- weighted means ----------------------------------------------------------------

def average_weights(x, axis, weights):
    """np.average's weights shaped to broadcast against x (1.0 when there are none)."""
    if weights is None:
        return 1.0
    if np.ndim(weights) == np.ndim(x) or axis is None:
        return weights
    shape = [1] * np.ndim(x)
    shape[axis] = np.shape(weights)[0]
    return np.reshape(weights, shape)


def average_weights_grad(gw, w, weights):
    """The gradient to np.average's weights from `gw`, the gradient to the
    broadcast weights `w` (None when there are no weights)."""
    if weights is None:
        return None
    return np.reshape(unbroadcast(gw, w), np.shape(weights))


# ---- covariance ----------------------------------------------------------------------

def cov_rows(m, y=None, rowvar=True):
    """The 2-d (variables, observations) array np.cov works on."""
    x = np.atleast_2d(np.asarray(m, dtype=grad_dtype(m, 0.0)))
    if not rowvar and x.shape[0] != 1:
        x = x.T
    if y is not None:
        y = np.atleast_2d(np.asarray(y, dtype=grad_dtype(y, 0.0)))
        if not rowvar and y.shape[0] != 1:
            y = y.T
        x = np.concatenate([x, y], axis=0)
    return x


def _split_rows(gx, m, y, rowvar):
    """gx (variables, observations) back to the shapes of m and y."""
    rows_m = np.atleast_2d(np.asarray(m))
    k = rows_m.shape[0] if (rowvar or rows_m.shape[0] == 1) else rows_m.shape[1]
    gm, gy = gx[:k], gx[k:]
    if not rowvar and np.ndim(m) == 2 and np.shape(m)[0] != 1:
        gm = gm.T
    gm = np.reshape(gm, np.shape(m))
    if y is None:
        return gm, None
    if not rowvar and np.ndim(y) == 2 and np.shape(y)[0] != 1:
        gy = gy.T
    return gm, np.reshape(gy, np.shape(y))


def _cov_divisor(n, bias, ddof):
    if ddof is None:
        ddof = 0 if bias else 1
    return n - ddof


def cov_grad(g, m, y=None, rowvar=True, bias=False, ddof=None, which=0):
    """The gradient of np.cov(m, y, rowvar, bias, ddof) to m (which=0) or to y
    (which=1): with X the centered (variables, observations) data,
    (g + g^T) X / (n - ddof). (One array per call, so that tangents add.)"""
    x = cov_rows(m, y, rowvar)
    x = x - np.mean(x, axis=1, keepdims=True)
    g = np.reshape(g, (x.shape[0], x.shape[0]))
    gx = (g + g.T) @ x / _cov_divisor(x.shape[1], bias, ddof)
    return _split_rows(gx, m, y, rowvar)[which]


def cov_tangent(dm, dy, m, y=None, rowvar=True, bias=False, ddof=None):
    """The tangent of np.cov(m, y, ...) along (dm, dy) (either may be 0.0)."""
    x = cov_rows(m, y, rowvar)
    dx = cov_rows(np.broadcast_to(dm, np.shape(m)),
                  None if y is None else np.broadcast_to(dy, np.shape(y)), rowvar)
    x = x - np.mean(x, axis=1, keepdims=True)
    dx = dx - np.mean(dx, axis=1, keepdims=True)
    out = (dx @ x.T + x @ dx.T) / _cov_divisor(x.shape[1], bias, ddof)
    return np.reshape(out, np.shape(np.cov(m, y, rowvar, bias, ddof)))


def corrcoef_cov_grad(g, c):
    """The gradient to the covariance matrix c of its correlation matrix
    R = c / outer(d, d), d = sqrt(diag(c)). Written with differentiable
    functions only: the compiler reads it for second derivatives."""
    if np.ndim(c) == 0:  # one variable: R is 1
        return 0.0 * g
    u = 1.0 / np.sqrt(np.diagonal(c))
    gc = g * c
    scale = (np.dot(gc, u) + np.dot(np.transpose(gc), u)) * (-0.5 * u ** 3)
    return g * np.outer(u, u) + np.diag(scale)


def zeros_or_none(x):
    """A zero tangent for x, or None where there is no x."""
    return None if x is None else zeros_like(x)


def corrcoef_tangent(dc, c):
    """The tangent of the correlation matrix of c along the covariance tangent dc."""
    if np.ndim(c) == 0:
        return 0.0 * dc
    u = 1.0 / np.sqrt(np.diagonal(c))
    du = -0.5 * u ** 3 * np.diagonal(dc)
    return dc * np.outer(u, u) + c * (np.outer(du, u) + np.outer(u, du))
