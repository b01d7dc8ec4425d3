"""A module imported by tests: its functions are differentiated through calls."""
import numpy as np


def softplus(z):
    return np.log1p(np.exp(z))


def affine(W, x, b=0.0, *, scale=1.0):
    return scale * (W @ x) + b


def split_stats(v):
    return np.mean(v), np.sum(v ** 2)


# raise, assert and f-strings inside differentiated code (test_semantics.py)
def checked_layer(W, x):
    if W.ndim != 2:
        raise ValueError(f"W must be a matrix, got shape {W.shape!r} ({W.ndim:d} dims)")
    assert x.shape[0] == W.shape[1], f"x has {len(x)} rows, W {W.shape[1]} columns"
    h = np.tanh(W @ x)
    if not np.all(np.isfinite(h)):
        raise FloatingPointError("overflow") from None
    return np.sum(h ** 2)
