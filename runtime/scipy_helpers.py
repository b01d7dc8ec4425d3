"""Run-time helpers for the SciPy rules (imported only when SciPy is installed)."""
from __future__ import annotations

import numpy as np


def as_column(alpha, x):
    """`alpha` (shape (K,)) shaped to broadcast along the first axis of `x`
    (shape (K,) or (K, N)), as scipy.stats.dirichlet lays out its quantiles."""
    return np.reshape(alpha, np.shape(alpha) + (1,) * (np.ndim(x) - 1))


def sum_to_column(g, x):
    """The adjoint of `as_column`: g summed over every axis of x but the first."""
    return np.sum(np.reshape(g, (np.shape(x)[0], -1)), axis=1) if np.ndim(x) > 1 else g


def rows(a):
    """`a` (shape (d,) or (n, d)) as a matrix of rows, shape (1, d) or (n, d)."""
    return np.reshape(a, (-1, np.shape(a)[-1]))


# ---- scipy.signal --------------------------------------------------------------


def convolve_grad(g, x, other, mode="full"):
    """The gradient for `x` of convolve(x, other, mode) (either argument order):
    g placed back where its mode cut it from the full convolution (SciPy centres
    'same' and 'valid' outputs in it), correlated with the other operand."""
    import scipy.signal
    full = tuple(n + m - 1 for n, m in zip(np.shape(x), np.shape(other)))
    start = [(f - n) // 2 for f, n in zip(full, np.shape(g))]
    g_full = np.pad(g, [(s, f - s - n) for s, f, n in zip(start, full, np.shape(g))])
    return scipy.signal.correlate(g_full, other, mode="valid")


def convolve2d_grad(g, x, other, mode="full", boundary="fill", fillvalue=0):
    """convolve_grad for convolve2d; reverse mode takes boundary='fill' with fillvalue=0 only."""
    if boundary != "fill" or fillvalue != 0:
        raise ValueError("the gradient of scipy.signal.convolve2d is implemented for "
                         "boundary='fill' with fillvalue=0 only")
    return convolve_grad(g, x, other, mode)
