"""Central finite differences: an oracle for gradients that shares no code with them.

    >>> import math
    >>> round(numeric_grad(math.sin, (0.0,)), 8)
    1.0
    >>> g = numeric_grad(lambda p: p["a"] * p["b"], ({"a": 2.0, "b": 3.0},))
    >>> {k: round(v, 8) for k, v in g.items()}
    {'a': 3.0, 'b': 2.0}
"""
from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np


def _step(x, rel):
    return rel * max(1.0, abs(float(x)))


# central difference stencils by order of accuracy: (offsets in steps, weights)
STENCILS = {2: ((1, -1), (0.5, -0.5)),
            4: ((2, 1, -1, -2), (-1 / 12, 8 / 12, -8 / 12, 1 / 12))}


def numeric_grad(f: Callable[..., Any], args: Sequence[Any], wrt: int | Sequence[int] = 0,
                 rel_step: float = 1e-4, order: int = 2) -> Any:
    """d f(*args) / d args[i] for each i in `wrt` (an int or a tuple), by
    central differences in float64 with a step of `rel_step` scaled to each
    input. Scalars give floats, arrays give arrays of the same shape, and
    tuples, lists and dicts of these give gradients of the same structure.

    `order=4` uses the five-point stencil: twice the calls, but an error of
    O(step**4) instead of O(step**2), which a gradient checker wants (with a
    larger step, e.g. 1e-3, so that rounding stays small too)."""
    many = isinstance(wrt, (tuple, list))
    stencil = STENCILS[order]
    indices: Any = wrt if many else (wrt,)
    out = tuple(_partial(f, list(args), i, rel_step, stencil) for i in indices)
    return out if many else out[0]


def _partial(f, args, i, rel_step, stencil):
    def f_of(value):
        return float(f(*args[:i], value, *args[i + 1:]))
    return _partial_of(f_of, args[i], rel_step, stencil)


def _difference(f, x, h, stencil):
    """The stencil's estimate of f'(x) from values of f at x + k * h."""
    offsets, weights = stencil
    return sum(w * f(x + k * h) for k, w in zip(offsets, weights)) / h


def _partial_of(f, x, rel_step, stencil):
    """d f(x) / dx, where x is a number, an array, or a container of these."""
    if isinstance(x, dict):
        return {k: _partial_of(lambda v, k=k: f({**x, k: v}), x[k], rel_step, stencil)
                for k in x}
    if isinstance(x, (tuple, list)):
        return type(x)(_partial_of(lambda v, j=j: f(_replaced(x, j, v)), item, rel_step,
                                   stencil) for j, item in enumerate(x))
    if np.ndim(x) == 0 and not isinstance(x, np.ndarray):
        x = float(x)
        return _difference(f, x, _step(x, rel_step), stencil)
    base = np.array(x, dtype=np.float64)
    grad = np.zeros_like(base)
    for idx in np.ndindex(base.shape):
        grad[idx] = _difference(lambda v: f(_with(base, idx, v)), base[idx],
                                _step(base[idx], rel_step), stencil)
    return grad


def _with(base, idx, value):
    probe = base.copy()
    probe[idx] = value
    return probe


def _replaced(items, j, value):
    out = list(items)
    out[j] = value
    return out if isinstance(items, list) else tuple(out)
