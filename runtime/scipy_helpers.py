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
