"""A module imported by tests: its functions are differentiated through calls."""
import numpy as np


def softplus(z):
    return np.log1p(np.exp(z))


def affine(W, x, b=0.0, *, scale=1.0):
    return scale * (W @ x) + b


def split_stats(v):
    return np.mean(v), np.sum(v ** 2)
