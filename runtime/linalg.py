"""Gradient helpers for products whose adjoints depend on the operands' ranks."""
from __future__ import annotations

import numpy as np

from .helpers import unbroadcast


def matmul_grad_a(g, a, b):
    """Contribution to `a` of `ans = a @ b` (1-d, 2-d and batched operands)."""
    a, b, g = np.asarray(a), np.asarray(b), np.asarray(g)
    if b.ndim == 1:
        return unbroadcast(np.multiply.outer(g, b) if a.ndim > 1 else g * b, a)
    if a.ndim == 1:
        return unbroadcast(np.matmul(b, g[..., None])[..., 0], a)
    return unbroadcast(np.matmul(g, np.swapaxes(b, -1, -2)), a)


def matmul_grad_b(g, a, b):
    """Contribution to `b` of `ans = a @ b`."""
    a, b, g = np.asarray(a), np.asarray(b), np.asarray(g)
    if a.ndim == 1 and b.ndim == 1:
        return g * a
    if a.ndim == 1:
        return unbroadcast(a[:, None] * g[..., None, :], b)
    if b.ndim == 1:
        return unbroadcast(np.matmul(np.swapaxes(a, -1, -2), g[..., None])[..., 0], b)
    return unbroadcast(np.matmul(np.swapaxes(a, -1, -2), g), b)


def dot_grad_a(g, a, b):
    """Contribution to `a` of `ans = np.dot(a, b)`."""
    a, b = np.asarray(a), np.asarray(b)
    if a.ndim == 0 or b.ndim == 0:
        return unbroadcast(g * b, a)
    if b.ndim <= 2:
        return matmul_grad_a(g, a, b)
    # dot(a, b)[i..., j...] = sum_k a[i..., k] * b[j..., k, m]
    axes_b = list(range(b.ndim - 2)) + [b.ndim - 1]
    axes_g = list(range(a.ndim - 1, np.ndim(g)))
    return np.tensordot(g, b, (axes_g, axes_b))


def dot_grad_b(g, a, b):
    """Contribution to `b` of `ans = np.dot(a, b)`."""
    a, b = np.asarray(a), np.asarray(b)
    if a.ndim == 0 or b.ndim == 0:
        return unbroadcast(g * a, b)
    if b.ndim <= 2:
        return matmul_grad_b(g, a, b)
    lead = list(range(a.ndim - 1))
    out = np.tensordot(a, g, (lead, lead))  # (k, j..., m)
    return np.moveaxis(out, 0, -2)


def solve_grad_b(g, ans, a, b):
    """Contribution to `b` of `ans = np.linalg.solve(a, b)`: solve with a transposed."""
    return np.linalg.solve(np.swapaxes(a, -1, -2), g)


def solve_grad_a(g, ans, a, b):
    """Contribution to `a` of `ans = np.linalg.solve(a, b)`."""
    gb = solve_grad_b(g, ans, a, b)
    if np.ndim(ans) == np.ndim(a) - 1:  # b was a vector (or a batch of vectors)
        return -gb[..., :, None] * ans[..., None, :]
    return -gb @ np.swapaxes(ans, -1, -2)
