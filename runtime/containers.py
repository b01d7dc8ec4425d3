"""Gradients of values held in tuples, lists and dicts (and of array items).

The gradient of a container has the container's structure (like a pytree):
the gradient of a dict of arrays is a dict of arrays with the same keys.

    >>> select_grad(2.0, {"w": 1.0, "b": 3.0}, "w")
    {'w': 2.0, 'b': 0.0}
    >>> add_grads((1.0, 2.0), (0.5, 0.5))
    (1.5, 2.5)
"""
from __future__ import annotations

import types
from typing import Any, Callable

import numpy as np

from .helpers import broadcast_like, unbroadcast, zeros_like
from .mappings import METHODS
from .namespaces import foreign_namespace, gradient_dtype, unsupported
from .ops import stop_gradient
from .scatter import gather_axis, scatter_add
from .structures import fields, is_structure, not_a_structure, rebuild

CONTAINERS = (tuple, list, dict)


_F64 = np.dtype(np.float64)


def select_grad(g, x, index):
    """The contribution to `x` of `x[index]` (or of the field `x.index`, for a
    string index) when the item's gradient is `g`."""
    if is_structure(x):
        names, values = fields(x)
        key = names[index] if type(index) is int else index
        if key not in names and key not in getattr(x, "__dict__", ()):
            return _method_grad(g, x, key)
        return rebuild(x, [g if n == key else zeros_like(v) for n, v in zip(names, values)])
    if isinstance(index, str) and not isinstance(x, dict):
        raise not_a_structure(x, index)
    if isinstance(x, dict):
        return {k: (g if k == index else zeros_like(v)) for k, v in x.items()}
    if isinstance(x, (tuple, list)):
        out = [zeros_like(v) for v in x]
        out[index] = g
        return type(x)(out) if isinstance(x, list) else tuple(out)
    out = zeros_like(x)
    if np.ndim(out) == 0:
        return g
    if _basic(index):  # no index repeats: plain assignment is exact (and fast)
        out[index] = g
    elif foreign_namespace(out) is not None:
        positions, axis = gather_axis(index, out.ndim, out)
        return scatter_add(foreign_namespace(out, g), g, out, positions, axis)
    else:  # fancy indices may repeat: their gradients add up
        np.add.at(out, index, g)
    return out


def _no_scatter(x):
    return unsupported("x[index]", x, "scatter-add (NumPy's np.add.at), which the gradient "
                       "of indexing by an array of positions needs (positions may repeat)")


def picked(whole, x, index, like):
    """The part of `whole` (a gradient like `x`) at `index`, shaped like `like`:
    the adjoint of `select_grad(like, x, index)` with respect to its gradient."""
    if is_structure(x):
        names, _ = fields(x)
        key = names[index] if type(index) is int else index
        if key not in names:
            return whole.__self__ if type(whole) is types.MethodType else zeros_like(like)
        return fields(whole)[1][names.index(key)]
    if isinstance(x, (dict, tuple, list)):
        return whole[index]
    if np.ndim(x) == 0:
        return whole
    if foreign_namespace(whole) is not None:
        return unbroadcast(whole[index], like)
    return unbroadcast(np.asarray(whole)[index], like)


def _method_grad(g, x, name):
    """The gradient of `x` from that of its bound method `x.name` (a method value
    holding `x`'s gradient)."""
    if type(g) is types.MethodType:
        return g.__self__
    raise TypeError(f"cannot differentiate through `.{name}` of a {type(x).__name__}: it is "
                    "neither a field nor a method of the object")


def _basic(index):
    if isinstance(index, tuple):
        return all(_basic(i) for i in index)
    return isinstance(index, (int, np.integer, slice)) or index is None or index is Ellipsis


def add_grads(a, b):
    """a + b, item by item for containers (where + would concatenate)."""
    if is_structure(a):
        return rebuild(a, [add_grads(x, y) for x, y in zip(fields(a)[1], fields(b)[1])])
    if isinstance(a, dict):  # (a key written into the dict later is in one of them only)
        out = {k: add_grads(v, b[k]) if k in b else v for k, v in a.items()}
        out.update((k, v) for k, v in b.items() if k not in a)
        return out
    if isinstance(a, (tuple, list)):
        items = [add_grads(x, y) for x, y in zip(a, b)]
        return items if isinstance(a, list) else tuple(items)
    return a + b


def spread(g, items):
    """The gradient of `sum(items)` with respect to each item."""
    if isinstance(items, np.ndarray):
        return np.broadcast_to(g, items.shape[:1] + np.shape(g)).copy()
    return [unbroadcast(g, v) for v in items]


def add_at(acc, index, g):
    """`acc + select_grad(g, acc, index)`, without building the zeros: the
    gradient of `x[index]` added into the gradient `acc` already holds for x."""
    if type(acc) is np.ndarray and acc.dtype is _F64 and type(index) is int and \
            (type(g) is float or getattr(g, "dtype", None) is _F64):
        out = acc.copy()  # the common case first: one float64 item
        out[index] += g
        return out
    if is_structure(acc):
        names, values = fields(acc)
        key = names[index] if type(index) is int else index
        return rebuild(acc, [add_grads(v, g) if n == key else v for n, v in zip(names, values)])
    if isinstance(acc, dict):
        out = dict(acc)
        out[index] = add_grads(acc[index], g)
        return out
    if isinstance(acc, (tuple, list)):
        out = list(acc)
        out[index] = add_grads(acc[index], g)
        return out if isinstance(acc, list) else tuple(out)
    xp = foreign_namespace(acc, g)
    if xp is not None:
        return _add_at_in(xp, acc, index, g)
    out = np.array(acc, dtype=np.result_type(acc, g))
    if _basic(index):
        out[index] += g
    else:
        np.add.at(out, index, g)
    return out


def _add_at_in(xp, acc, index, g):
    """add_at for arrays of namespace xp (item assignment, lazy in Dask)."""
    if not _basic(index):
        positions, axis = gather_axis(index, np.ndim(acc), acc)
        return acc + scatter_add(xp, g, acc, positions, axis)
    out = xp.astype(xp.asarray(acc), gradient_dtype(xp, acc, g), copy=True)
    out[index] = out[index] + g
    return out


# -- item writes: `y[index] = value` --------------------------------------------

def cleared(g, index):
    """The gradient of the array before `y[index] = value`: `g` with the
    written-over items set to zero (their old values no longer matter)."""
    if isinstance(g, dict):
        out = dict(g)
        if index in out:
            out[index] = zeros_like(out[index])
        return out
    if isinstance(g, list):
        out = list(g)
        if isinstance(index, slice):
            out[index] = [zeros_like(v) for v in out[index]]
        else:
            out[index] = zeros_like(out[index])
        return out
    xp = foreign_namespace(g)
    out = np.array(g, copy=True) if xp is None else xp.asarray(g, copy=True)
    out[index] = 0
    return out


def gathered_grad(v, index, value):
    """The gradient of `value` in `np.add.at(y, index, value)` from the gradient
    `v` of the result: `v` at every occurrence of the index, summed back to
    `value`'s shape."""
    return unbroadcast(np.asarray(v)[index], value)


def written_grad(g, index, value):
    """The gradient of `value` in `y[index] = value`: the written items of `g`,
    summed back to `value`'s shape where the write broadcast it."""
    if isinstance(g, dict):  # `d[key] = value`: the key's gradient, if it was read
        return g[index] if index in g else zeros_like(value)
    if not isinstance(g, list) and not _basic(index):
        if foreign_namespace(g) is not None:
            raise _no_scatter(g)
        counts = np.zeros(np.shape(g), dtype=np.intp)
        np.add.at(counts, index, 1)
        if counts.max(initial=0) > 1:
            raise ValueError("an item write `y[index] = value` whose index array repeats a "
                             "position: NumPy does not define which value wins, so neither "
                             "is the gradient; use unique indices (np.add.at(y, index, v) adds at "
                             "every occurrence of a repeated index)")
    out = unbroadcast(np.asarray(g)[index] if np.ndim(g) == 0 else g[index], value)
    if isinstance(out, np.ndarray) and out.base is not None:
        out = out.copy()  # not a view of g: generated code may clear g's items in place
    return out


def field_tangent(dobj, obj, name):
    """The tangent of `obj.name`: the field of the structure's tangent (of a
    dict's method `d.items`, that method of the dict's tangent)."""
    if type(obj) is dict and name in METHODS:
        return getattr(dobj if isinstance(dobj, dict) else zeros_like(obj), name)
    if not is_structure(obj):
        raise not_a_structure(obj, name)
    if is_structure(dobj):
        return getattr(dobj, name)
    return zeros_like(getattr(obj, name))  # a zero tangent of the whole structure


def plus_grad(g, ans, x, first):
    """The gradient of `x` in `ans = a + b` (`first`: x is a): its items of the
    concatenation's gradient when `ans` is a tuple or list, else the sum's."""
    if isinstance(ans, (tuple, list)):
        part = g[:len(x)] if first else g[len(g) - len(x):]
        return list(part) if isinstance(x, list) else tuple(part)
    return unbroadcast(g, x)


def plus_tangent(dx, x, other, first):
    """The tangent of `a + b` along one side: with zeros for the other side's
    items when concatenating, else the side's tangent."""
    if isinstance(x, (tuple, list)) and isinstance(other, (tuple, list)):
        zeros = type(other)(zeros_like(v) for v in other)
        return type(x)(dx) + zeros if first else zeros + type(x)(dx)
    return dx


def times_grad(g, ans, x, other):
    """The gradient of `x` in `ans = x * other`: when `ans` is a tuple or list
    repeated `other` times, each of x's items gets the sum of its copies'
    gradients (the integer count gets none); else the product's."""
    if isinstance(ans, (tuple, list)):
        if not isinstance(x, (tuple, list)):
            return 0.0
        n = len(x)
        items = [zeros_like(v) for v in x]
        for k, gk in enumerate(g):
            items[k % n] = add_grads(items[k % n], gk)
        return items if isinstance(x, list) else tuple(items)
    return unbroadcast(g * other, x)


def times_tangent(dx, ans, x, other):
    """The tangent of `x * other` along x: the repeated tangents of x's items, or
    zeros when x is the count of a repetition; else the product's."""
    if isinstance(ans, (tuple, list)):
        if isinstance(x, (tuple, list)):
            return type(ans)(type(x)(dx) * other)
        return type(ans)(zeros_like(v) for v in ans)
    return dx * other


# The transposes, for derivatives of generated code that calls these (linear in g).

def plus_grad_transposed(h, ans, x, first):
    """The cotangent of `g` in `plus_grad(g, ans, x, first)`: h at x's places of
    a concatenation (zeros at the other side's), else h spread to ans's shape."""
    if isinstance(ans, (tuple, list)):
        items = [zeros_like(v) for v in ans]
        start = 0 if first else len(ans) - len(x)
        items[start:start + len(x)] = list(h)
        return type(ans)(items)
    return broadcast_like(h, ans)


def times_grad_transposed(h, ans, x, other):
    """The cotangent of `g` in `times_grad(g, ans, x, other)`: h's items once per
    copy of a repetition, else `h * other` spread to ans's shape."""
    if isinstance(ans, (tuple, list)):
        if not isinstance(x, (tuple, list)) or not x:
            return type(ans)(zeros_like(v) for v in ans)
        return type(ans)(list(h) * (len(ans) // len(x)))
    return broadcast_like(h, ans) * other


def times_grad_by_other(h, g, ans, x, other):
    """The cotangent of `other` in `times_grad(g, ans, x, other)` (none for the
    count of a repetition)."""
    if isinstance(ans, (tuple, list)):
        return 0.0
    return unbroadcast(g * broadcast_like(h, ans), other)


def times_grad_along_other(g, dother, ans, x):
    """The tangent of `times_grad(g, ans, x, other)` along `other` (none for the
    count of a repetition)."""
    if isinstance(ans, (tuple, list)):
        return type(x)(zeros_like(v) for v in x) if isinstance(x, (tuple, list)) else 0.0
    return unbroadcast(g * dother, x)


def times_tangent_by_other(dx, dother, ans, x, other):
    """The tangent of `times_tangent(dx, ans, x, other)` along `other`."""
    if isinstance(ans, (tuple, list)):
        return type(ans)(zeros_like(v) for v in ans)
    return dx * dother


# -- flattening a structure to one vector (autograd's misc.flatten, JAX's ravel_pytree) --

def _leaves(tree):
    """The numbers and arrays of a nested tuple/list/dict (dict keys sorted, as
    autograd and JAX do) or structure, in order."""
    if is_structure(tree):
        return [leaf for v in fields(tree)[1] for leaf in _leaves(v)]
    if isinstance(tree, dict):
        return [leaf for k in sorted(tree) for leaf in _leaves(tree[k])]
    if isinstance(tree, (tuple, list)):
        return [leaf for v in tree for leaf in _leaves(v)]
    return [tree]


def ravel(tree: Any) -> np.ndarray:
    """Every number of `tree`, in order, as one 1-d float (or complex) array.

    >>> ravel({"b": np.ones(2), "a": 3.0})
    array([3., 1., 1.])
    """
    leaves = [np.ravel(leaf) for leaf in _leaves(tree)]
    if not leaves:
        return np.zeros(0)
    dtype = np.result_type(np.float64, *leaves)
    return np.concatenate([leaf.astype(dtype, copy=False) for leaf in leaves])


def unravel(vector: Any, like: Any) -> Any:
    """The inverse of `ravel`: `vector`'s numbers in the structure and shapes of `like`
    (a number stands for a vector of it, as a seed of one does)."""
    if np.ndim(vector) == 0:
        vector = np.full(sum(int(np.size(leaf)) for leaf in _leaves(like)), vector)
    return _unravel(vector, like, [0])


def _unravel(vector, like, at):
    if is_structure(like):
        return rebuild(like, [_unravel(vector, v, at) for v in fields(like)[1]])
    if isinstance(like, dict):
        items = {k: _unravel(vector, like[k], at) for k in sorted(like)}
        return {k: items[k] for k in like}
    if isinstance(like, (tuple, list)):
        items = [_unravel(vector, v, at) for v in like]
        return items if isinstance(like, list) else tuple(items)
    size = int(np.size(like))
    part = vector[at[0]:at[0] + size]  # (and any axes after the first, kept last)
    at[0] += size
    if isinstance(like, np.ndarray):
        part = part.reshape(like.shape + part.shape[1:])
        return np.moveaxis(part, tuple(range(like.ndim)), tuple(range(-like.ndim, 0))).copy()
    if np.ndim(part) > 1 or not isinstance(like, (int, float, complex)):
        return part[0]
    return part[0].item()


def unravel_columns(jacobian, like):
    """A Jacobian with respect to `ravel(like)` (last axis) as `like`'s structure of
    Jacobians, each of shape `out.shape + leaf.shape` (JAX's structure).

    >>> unravel_columns(np.array([[1.0, 2.0, 3.0]]), {"a": 0.0, "b": np.zeros(2)})
    {'a': array([1.]), 'b': array([[2., 3.]])}
    """
    return _unravel(np.moveaxis(np.asarray(jacobian), -1, 0), like, [0])


def map_leaves(fn, tree):
    """`tree` with `fn` applied to each number or array (the structure kept)."""
    if is_structure(tree):
        return rebuild(tree, [map_leaves(fn, v) for v in fields(tree)[1]])
    if isinstance(tree, dict):
        return {k: map_leaves(fn, v) for k, v in tree.items()}
    if isinstance(tree, (tuple, list)):
        items = [map_leaves(fn, v) for v in tree]
        return items if isinstance(tree, list) else tuple(items)
    return fn(tree)


class Unflatten:
    """`unflatten(vector)`: the structure `flatten` was given, with `vector`'s
    numbers (a callable object the compiler differentiates through)."""

    def __init__(self, like: Any) -> None:
        self.like = like

    def __call__(self, vector: Any) -> Any:
        return unravel(vector, self.like)

    def __repr__(self):
        return f"<unflatten to {type(self.like).__name__} of {np.size(ravel(self.like))} numbers>"


def flatten(tree: Any) -> tuple[np.ndarray, Unflatten]:
    """`(vector, unflatten)` as autograd's `misc.flatten` (and JAX's `ravel_pytree`):
    the numbers of a nested tuple/list/dict of arrays and scalars as one float
    vector, and the function that puts a vector back into that structure.

    >>> vector, unflatten = flatten({"w": np.array([1.0, 2.0]), "b": 0.5})
    >>> vector
    array([0.5, 1. , 2. ])
    >>> unflatten(vector * 2)
    {'w': array([2., 4.]), 'b': 1.0}
    """
    return ravel(tree), Unflatten(stop_gradient(tree))  # (the structure carries no gradient)


def flatten_func(func: Callable, example: Any) -> tuple[Callable, Unflatten, np.ndarray]:
    """`(flat_func, unflatten, flat_example)` as autograd's `misc.flatten_func`:
    `flat_func(vector, *args)` is `func(unflatten(vector), *args)`, raveled."""
    flat_example, unflatten = flatten(example)

    def flat_func(vector, *args):
        return ravel(func(unflatten(vector), *args))
    flat_func.__name__ = "flat_" + getattr(func, "__name__", "func")
    return flat_func, unflatten, flat_example
