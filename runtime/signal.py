"""Gradient helpers for NumPy's 1-d signal functions and polynomials:
np.convolve, np.correlate, np.interp, np.polyval, np.gradient (rules in
transpiler/rules_stats.py). Each is linear in the gradient `g`.

    >>> conv_grad(np.array([1.0, 0.0, 0.0]), np.ones(2), np.array([2.0, 3.0]), "full", False, 0)
    array([2., 0.])
"""
from __future__ import annotations

import numpy as np

from .helpers import grad_dtype


# ---- convolve, correlate -------------------------------------------------------------------

def _window(n_a, n_v, mode, flip):
    """Where np.convolve (flip=False) or np.correlate (flip=True) cuts its result
    out of the full one: (offset, length)."""
    m, full = min(n_a, n_v), n_a + n_v - 1
    if mode == "full":
        return 0, full
    if mode == "valid":
        return m - 1, max(n_a, n_v) - m + 1
    if mode == "same":
        offset = m // 2 if flip and n_a < n_v else (m - 1) // 2
        return offset, max(n_a, n_v)
    raise ValueError(f"unknown mode {mode!r}")


def conv_grad(g, a, v, mode="full", flip=False, k=0):
    """The gradient to a (k=0) or to v (k=1) of np.convolve(a, v, mode)
    (flip=False) or np.correlate(a, v, mode) (flip=True), real inputs."""
    a, v = np.asarray(a), np.asarray(v)
    offset, length = _window(a.size, v.size, mode, flip)
    full = np.zeros(a.size + v.size - 1, dtype=grad_dtype(a if k == 0 else v, 0.0))
    full[offset:offset + length] = g
    kernel = v[::-1] if flip else v
    if k == 0:
        return np.correlate(full, kernel, "valid")
    out = np.correlate(full, a, "valid")
    return out[::-1] if flip else out


# ---- interp ---------------------------------------------------------------------------------

def _segments(x, xp):
    xp = np.asarray(xp)
    idx = np.clip(np.searchsorted(xp, x, side="right") - 1, 0, xp.size - 2)
    inside = (np.asarray(x) >= xp[0]) & (np.asarray(x) <= xp[-1])
    return idx, inside, xp[idx + 1] - xp[idx]


def interp_slope(x, xp, fp):
    """d np.interp(x, xp, fp) / dx: the slope of x's segment (at a knot, the
    segment on its right; at the last knot, its left), 0 outside [xp[0], xp[-1]]."""
    fp = np.asarray(fp)
    idx, inside, width = _segments(x, xp)
    return np.where(inside, (fp[idx + 1] - fp[idx]) / width, 0.0)


def interp_fp_grad(g, x, xp, fp, left=None, right=None, slope=False):
    """The gradient to fp of np.interp(x, xp, fp, left, right); with slope=True,
    its derivative along x (the weights' slopes: -1/h and 1/h inside)."""
    x, xp = np.asarray(x), np.asarray(xp)
    g = np.broadcast_to(g, x.shape)
    idx, inside, width = _segments(x, xp)
    if slope:
        w_hi = np.where(inside, 1.0 / width, 0.0)
        w_lo = -w_hi
    else:
        t = np.where(inside, (x - xp[idx]) / width, 0.0)
        w_lo, w_hi = np.where(inside, 1.0 - t, 0.0), t
    out = np.zeros(np.shape(fp), dtype=grad_dtype(fp, 0.0))
    np.add.at(out, idx, g * w_lo)
    np.add.at(out, idx + 1, g * w_hi)
    if not slope and left is None:
        out[0] += np.sum(np.where(x < xp[0], g, 0.0))
    if not slope and right is None:
        out[-1] += np.sum(np.where(x > xp[-1], g, 0.0))
    return out


def constant_edge(value):
    """The tangent of np.interp's `left`/`right` (constants): None stays None."""
    return None if value is None else 0.0


# ---- polyval ---------------------------------------------------------------------------------

def polyval_grad_p(g, p, x):
    """The gradient to the coefficients p of np.polyval(p, x): sum of g * x**(n-1-i)."""
    n = np.shape(p)[0]
    x = np.asarray(x, dtype=grad_dtype(x, 0.0))
    g = np.broadcast_to(g, x.shape)
    powers = np.stack([x ** k for k in range(n - 1, -1, -1)], axis=-1) if n else \
        np.zeros(x.shape + (0,))
    return np.sum(np.reshape(np.expand_dims(g, -1) * powers, (-1, n)), axis=0)


def polyval_grad_p_tangent(g, p, x, dx):
    """The tangent of polyval_grad_p(g, p, x) along dx."""
    n = np.shape(p)[0]
    if n < 2:
        return np.zeros(np.shape(p))
    lower = polyval_grad_p(np.asarray(g) * dx, np.ones(n - 1), x) * np.arange(n - 1, 0, -1)
    return np.concatenate([lower, [0.0]])


# ---- gradient -----------------------------------------------------------------------------------

def _gradient_axes(f, axis):
    ndim = np.ndim(f)
    if axis is None:
        return list(range(ndim)), ndim == 1
    if np.ndim(axis) == 0:
        return [axis % ndim], True
    return [a % ndim for a in axis], len(axis) == 1


def gradient_of(f, spacing=None, axis=None, edge_order=1):
    """np.gradient(f, spacing, axis=axis, edge_order=edge_order) (no spacing: 1)."""
    if spacing is None:
        return np.gradient(f, axis=axis, edge_order=edge_order)
    return np.gradient(f, spacing, axis=axis, edge_order=edge_order)


def gradient_grad(g, f, spacing=None, axis=None, edge_order=1):
    """The gradient to f of np.gradient(f, spacing, axis=axis, edge_order=...):
    along each axis, the transposed difference matrix applied to that axis's g."""
    axes, single = _gradient_axes(f, axis)
    gs = [g] if single else list(g)
    out = np.zeros(np.shape(f), dtype=grad_dtype(f, 0.0))
    for gi, ax in zip(gs, axes):
        if gi is None or np.ndim(gi) == 0:  # an unread (or zero) result
            continue
        n = np.shape(f)[ax]
        d = gradient_of(np.eye(n), spacing, 0, edge_order)  # column j: the result for e_j
        moved = np.tensordot(d.T, np.moveaxis(np.asarray(gi), ax, 0), 1)
        out = out + np.moveaxis(moved, 0, ax)
    return out
