"""First-order optimizers over the structures `grad` takes and returns.

Parameters may be a Python float, a NumPy array, or dicts, tuples and lists
of these, nested (a "pytree"); the gradient has the same structure, which is
what `transpiler.grad` returns for such an argument. `step` returns new
parameters of that structure and never writes into the caller's arrays; the
optimizer keeps its own state (velocities, moment estimates) per leaf.

    >>> from typing import Any, Callable, Optional

import numpy as np
    >>> from runtime.optim import Adam
    >>> def loss_grad(p):                    # d/dp of (w - 3)**2 + (b + 1)**2
    ...     return {"w": 2 * (p["w"] - 3.0), "b": 2 * (p["b"] + 1.0)}
    >>> opt = Adam(lr=0.1)
    >>> params = {"w": np.zeros(2), "b": 0.0}
    >>> for _ in range(500):
    ...     params = opt.step(params, loss_grad(params))
    >>> np.round(params["w"], 4), round(params["b"], 4)
    (array([3., 3.]), -1.0)

Every update rule is written out in its class docstring, with its source, and
is one short `_update` method: read it next to the formula.
"""
from __future__ import annotations

from typing import Any, Callable, Optional

import numpy as np

__all__ = ["Optimizer", "SGD", "Momentum", "RMSprop", "Adam", "sgd", "rmsprop", "adam"]


# ---------------------------------------------------------------- pytrees

def _flatten(tree):
    """(leaves in a fixed order, structure) of a nested dict/tuple/list.

    The structure is a hashable description used to rebuild the tree and to
    check that parameters and gradients (and successive steps) match."""
    if isinstance(tree, dict):
        keys = tuple(tree)
        parts = [_flatten(tree[k]) for k in keys]
        return _join(parts, ("dict", keys))
    if isinstance(tree, (tuple, list)):
        parts = [_flatten(item) for item in tree]
        return _join(parts, (type(tree), len(tree)))
    return [tree], None


def _join(parts, head):
    leaves = [leaf for part_leaves, _ in parts for leaf in part_leaves]
    return leaves, (head, tuple(structure for _, structure in parts))


def _unflatten(structure, leaves):
    """The inverse of `_flatten`: `leaves` is consumed from an iterator."""
    if structure is None:
        return next(leaves)
    (kind, detail), children = structure
    items = [_unflatten(child, leaves) for child in children]
    if kind == "dict":
        return dict(zip(detail, items))
    if kind is list:
        return items
    if kind is tuple:
        return tuple(items)
    return kind(*items)  # a namedtuple


def _shape_of(structure):
    """The structure with tuple and list made interchangeable (for comparing
    parameters with gradients, which may come back as either)."""
    if structure is None:
        return None
    (kind, detail), children = structure
    kind = "dict" if kind == "dict" else "sequence"
    return (kind, detail), tuple(_shape_of(c) for c in children)


def _as_array(leaf):
    """A leaf as an array to compute with: float arrays keep their precision,
    anything else (Python numbers, integer arrays) becomes float64."""
    a = np.asarray(leaf)
    return a if a.dtype.kind in "fc" else a.astype(np.float64)


def _like(new, old):
    """The updated leaf in the type of the old one: a Python number stays a
    Python float, an array stays an array of its float dtype."""
    if isinstance(old, np.ndarray):
        dtype = old.dtype if old.dtype.kind in "fc" else np.float64
        return np.asarray(new, dtype=dtype)
    if isinstance(old, np.generic):
        return np.asarray(new, dtype=_as_array(old).dtype)[()]
    return float(new)


# ---------------------------------------------------------------- the base

class Optimizer:
    """`step(params, grads)` -> new params, state per leaf; `reset()` forgets it.

    Subclasses define `_init(p)` (the state of one leaf, a dict of arrays) and
    `_update(p, g, state)` (the new leaf; may update `state` in place, which
    belongs to the optimizer). `t` counts the steps taken."""

    def __init__(self, lr: float) -> None:
        if not lr > 0:
            raise ValueError(f"the learning rate must be positive, got {lr!r}")
        self.lr = float(lr)
        self.reset()

    def reset(self) -> None:
        """Forget the state: the next `step` starts afresh (and may take
        parameters of a new structure)."""
        self.t = 0
        self._structure: Any = None
        self._state: Any = None

    def step(self, params: Any, grads: Any) -> Any:
        """One update; returns new parameters with the structure of `params`."""
        leaves, structure = _flatten(params)
        grad_leaves, grad_structure = _flatten(grads)
        if _shape_of(grad_structure) != _shape_of(structure):
            raise ValueError("the gradients do not have the structure of the parameters: "
                             f"{_shape_of(grad_structure)} vs {_shape_of(structure)}")
        if self._state is None:
            self._structure = _shape_of(structure)
            self._state = [self._init(_as_array(p)) for p in leaves]
        elif _shape_of(structure) != self._structure:
            raise ValueError("these parameters do not have the structure this optimizer's "
                             "state was built for; call reset() first")
        self.t += 1
        new = [_like(self._update(_as_array(p), _as_array(g), s), p)
               for p, g, s in zip(leaves, grad_leaves, self._state)]
        return _unflatten(structure, iter(new))

    def _init(self, p):
        return {}

    def _update(self, p, g, state):
        raise NotImplementedError

    def __repr__(self) -> str:
        names = ["lr"] + [k for k in vars(self) if k not in ("lr", "t") and k[0] != "_"]
        settings = ", ".join(f"{k}={getattr(self, k)!r}" for k in names)
        return f"{type(self).__name__}({settings})"


# ---------------------------------------------------------------- the rules

class SGD(Optimizer):
    """Plain gradient descent: p <- p - lr * g.

    >>> w, b = SGD(lr=0.1).step((1.0, 0.0), (-12.0, -6.0))
    >>> round(w, 12), round(b, 12)
    (2.2, 0.6)
    """

    def __init__(self, lr: float = 0.01) -> None:
        super().__init__(lr)

    def _update(self, p, g, state):
        return p - self.lr * g


class Momentum(Optimizer):
    """SGD with momentum (heavy ball), in the form PyTorch's SGD uses:

        v <- mu * v + g
        p <- p - lr * v                  (nesterov=False)
        p <- p - lr * (g + mu * v)       (nesterov=True)

    with v = 0 at the start. Nesterov's variant evaluates the step at the
    look-ahead point, as reformulated by Sutskever et al. (ICML 2013).

    >>> opt = Momentum(lr=0.1, momentum=0.9)
    >>> p = opt.step(1.0, 2.0)               # v = 2.0
    >>> round(opt.step(p, 2.0), 12)          # v = 0.9 * 2 + 2 = 3.8
    0.42
    """

    def __init__(self, lr: float = 0.01, momentum: float = 0.9, nesterov: bool = False) -> None:
        if not 0 <= momentum < 1:
            raise ValueError(f"momentum must be in [0, 1), got {momentum!r}")
        self.momentum, self.nesterov = float(momentum), bool(nesterov)
        super().__init__(lr)

    def _init(self, p):
        return {"v": np.zeros_like(p)}

    def _update(self, p, g, state):
        v = state["v"] = self.momentum * state["v"] + g
        direction = g + self.momentum * v if self.nesterov else v
        return p - self.lr * direction


class RMSprop(Optimizer):
    """RMSprop (Tieleman and Hinton, Coursera lecture 6.5, 2012): divide the
    gradient by a running root mean square of its recent values.

        s <- rho * s + (1 - rho) * g**2
        p <- p - lr * g / (sqrt(s) + eps)

    with s = 0 at the start (as in PyTorch's RMSprop; eps outside the root).

    >>> opt = RMSprop(lr=0.01, rho=0.9, eps=0.0)
    >>> round(opt.step(1.0, 2.0), 12)        # s = 0.4: 1 - 0.01 * 2 / sqrt(0.4)
    0.968377223398
    """

    def __init__(self, lr: float = 0.001, rho: float = 0.9, eps: float = 1e-8) -> None:
        if not 0 <= rho < 1:
            raise ValueError(f"rho must be in [0, 1), got {rho!r}")
        self.rho, self.eps = float(rho), float(eps)
        super().__init__(lr)

    def _init(self, p):
        return {"s": np.zeros_like(p)}

    def _update(self, p, g, state):
        s = state["s"] = self.rho * state["s"] + (1 - self.rho) * g * g
        return p - self.lr * g / (np.sqrt(s) + self.eps)


class Adam(Optimizer):
    """Adam (Kingma and Ba, ICLR 2015, Algorithm 1), at step t = 1, 2, ...:

        m <- beta1 * m + (1 - beta1) * g
        v <- beta2 * v + (1 - beta2) * g**2
        m_hat = m / (1 - beta1**t),  v_hat = v / (1 - beta2**t)
        p <- p - lr * m_hat / (sqrt(v_hat) + eps)

    with m = v = 0 at the start. The first step moves each coordinate by
    about lr, whatever the gradient's scale:

    >>> opt = Adam(lr=0.1)
    >>> round(opt.step(1.0, 50.0), 6)
    0.9
    """

    def __init__(self, lr: float = 0.001, beta1: float = 0.9, beta2: float = 0.999,
                 eps: float = 1e-8) -> None:
        for name, beta in (("beta1", beta1), ("beta2", beta2)):
            if not 0 <= beta < 1:
                raise ValueError(f"{name} must be in [0, 1), got {beta!r}")
        self.beta1, self.beta2, self.eps = float(beta1), float(beta2), float(eps)
        super().__init__(lr)

    def _init(self, p):
        return {"m": np.zeros_like(p), "v": np.zeros_like(p)}

    def _update(self, p, g, state):
        m = state["m"] = self.beta1 * state["m"] + (1 - self.beta1) * g
        v = state["v"] = self.beta2 * state["v"] + (1 - self.beta2) * g * g
        m_hat = m / (1 - self.beta1 ** self.t)
        v_hat = v / (1 - self.beta2 ** self.t)
        return p - self.lr * m_hat / (np.sqrt(v_hat) + self.eps)


# ---------------------------------------------------------------- autograd's functions
# `adam(grad, x0, callback=None, num_iters=100, ...)`, as autograd.misc.optimizers:
# `grad(x, i)` is the gradient at step i, `callback(x, i, g)` sees each step, and
# `x0` may be a structure (the update runs on its flattened vector).

def _on_vectors(optimize):
    """`optimize` (over 1-d arrays) made to take and return structures."""
    def over_structures(grad, x0, callback=None, *args, **kwargs):
        from .containers import flatten
        vector, unflatten = flatten(x0)

        def flat_grad(x, i):
            return flatten(grad(unflatten(x), i))[0]
        flat_callback = None if callback is None else \
            (lambda x, i, g: callback(unflatten(x), i, unflatten(g)))
        return unflatten(optimize(flat_grad, vector, flat_callback, *args, **kwargs))
    over_structures.__name__, over_structures.__doc__ = optimize.__name__, optimize.__doc__
    return over_structures


@_on_vectors
def sgd(grad: Callable, x: Any, callback: Optional[Callable] = None, num_iters: int = 200,
        step_size: float = 0.1, mass: float = 0.9) -> Any:
    """Gradient descent with momentum: v <- mass * v - (1 - mass) * g; x <- x + step_size * v."""
    velocity = np.zeros(len(x))
    for i in range(num_iters):
        g = grad(x, i)
        if callback:
            callback(x, i, g)
        velocity = mass * velocity - (1.0 - mass) * g
        x = x + step_size * velocity
    return x


@_on_vectors
def rmsprop(grad: Callable, x: Any, callback: Optional[Callable] = None, num_iters: int = 100,
            step_size: float = 0.1, gamma: float = 0.9, eps: float = 1e-8) -> Any:
    """RMSprop: s <- gamma * s + (1 - gamma) * g**2 (from s = 1); x <- x - step_size * g / (sqrt(s) + eps)."""
    avg_sq_grad = np.ones(len(x))
    for i in range(num_iters):
        g = grad(x, i)
        if callback:
            callback(x, i, g)
        avg_sq_grad = avg_sq_grad * gamma + g ** 2 * (1 - gamma)
        x = x - step_size * g / (np.sqrt(avg_sq_grad) + eps)
    return x


@_on_vectors
def adam(grad: Callable, x: Any, callback: Optional[Callable] = None, num_iters: int = 100,
         step_size: float = 0.001, b1: float = 0.9, b2: float = 0.999, eps: float = 1e-8) -> Any:
    """Adam (the update of the `Adam` class) for `num_iters` steps from `x`.

    >>> x = adam(lambda x, i: 2 * (x - 3.0), np.zeros(2), num_iters=2000, step_size=0.05)
    >>> np.round(x, 4)
    array([3., 3.])
    """
    m = np.zeros(len(x))
    v = np.zeros(len(x))
    for i in range(num_iters):
        g = grad(x, i)
        if callback:
            callback(x, i, g)
        m = (1 - b1) * g + b1 * m
        v = (1 - b2) * g ** 2 + b2 * v
        m_hat = m / (1 - b1 ** (i + 1))
        v_hat = v / (1 - b2 ** (i + 1))
        x = x - step_size * m_hat / (np.sqrt(v_hat) + eps)
    return x
