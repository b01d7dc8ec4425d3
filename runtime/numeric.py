"""Central finite differences: an oracle for gradients that shares no code with them.

    >>> import math
    >>> round(numeric_grad(math.sin, (0.0,))[0], 8)
    1.0
"""
from __future__ import annotations

import numpy as np


def _step(x, rel):
    return rel * max(1.0, abs(float(x)))


def numeric_grad(f, args, wrt=0, rel_step=1e-4):
    """d f(*args) / d args[i] for each i in `wrt` (an int or a tuple), by
    central differences in float64 with a step of `rel_step` scaled to each
    input. Scalars give floats, arrays give arrays of the same shape."""
    many = isinstance(wrt, (tuple, list))
    out = tuple(_partial(f, list(args), i, rel_step) for i in (wrt if many else (wrt,)))
    return out if many else out[0]


def _partial(f, args, i, rel_step):
    x = args[i]
    if np.ndim(x) == 0 and not isinstance(x, np.ndarray):
        x = float(x)
        h = _step(x, rel_step)
        args[i] = x + h
        up = float(f(*args))
        args[i] = x - h
        down = float(f(*args))
        args[i] = x
        return (up - down) / (2 * h)
    base = np.array(x, dtype=np.float64)
    grad = np.zeros_like(base)
    for idx in np.ndindex(base.shape):
        h = _step(base[idx], rel_step)
        probe = base.copy()
        probe[idx] += h
        args[i] = probe
        up = float(f(*args))
        probe[idx] -= 2 * h
        down = float(f(*args))
        grad[idx] = (up - down) / (2 * h)
    args[i] = x
    return grad
