"""Gradient helpers for NumPy's indexing, stacking, splitting and product
functions (the rules in transpiler/rules_arrays.py call them).

Each is linear in the gradient `g` it is given; the other arguments are read
for their shapes, or are integer positions, so a helper's tangent is the
helper applied to the tangent of `g` (rules in transpiler/rules_arrays.py).

    >>> take_grad(np.ones(3), np.zeros(4), np.array([0, 2, 2])).tolist()
    [1.0, 0.0, 2.0, 0.0]
"""
from __future__ import annotations

import numpy as np

from .containers import select_grad
from .helpers import pieces_of, size_of, unbroadcast, zeros_like
from .namespaces import foreign_namespace
from .scatter import scatter_add

_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


# ---- integer bookkeeping (no gradient) ------------------------------------------

def tensordot_subscripts(ndim_a, ndim_b, axes=2):
    """The einsum spelling of np.tensordot(a, b, axes).

    >>> tensordot_subscripts(2, 2, 1)
    'ab,bc->ac'
    >>> tensordot_subscripts(3, 2, ([0, 2], [1, 0]))
    'abc,cb->b'
    """
    if np.ndim(axes) == 0:
        axes = (list(range(ndim_a - int(axes), ndim_a)), list(range(int(axes))))
    in_a, in_b = ([int(i) for i in np.atleast_1d(ax)] for ax in axes)
    in_a = [i % ndim_a for i in in_a] if ndim_a else []
    in_b = [i % ndim_b for i in in_b] if ndim_b else []
    a = list(_LETTERS[:ndim_a])
    b = list(_LETTERS[ndim_a:ndim_a + ndim_b])
    for i, j in zip(in_a, in_b):
        b[j] = a[i]
    out = [c for i, c in enumerate(a) if i not in in_a] + \
        [c for j, c in enumerate(b) if j not in in_b]
    return "".join(a) + "," + "".join(b) + "->" + "".join(out)


def kron_layout(shape_a, shape_b):
    """np.kron(a, b) as an einsum of a and b reshaped to one rank: the subscripts,
    the two operand shapes, and the interleaved shape of the result."""
    n = max(len(shape_a), len(shape_b))
    sa = (1,) * (n - len(shape_a)) + tuple(shape_a)
    sb = (1,) * (n - len(shape_b)) + tuple(shape_b)
    a, b = _LETTERS[:n], _LETTERS[n:2 * n]
    spec = a + "," + b + "->" + "".join(x + y for x, y in zip(a, b))
    inner = tuple(k for pair in zip(sa, sb) for k in pair)
    return spec, sa, sb, inner


def rollaxis_inverse(ndim, axis, start=0):
    """The axes permutation that undoes np.rollaxis(a, axis, start) on a result."""
    axis = axis % ndim if ndim else 0
    start = start + ndim if start < 0 else start
    order = [i for i in range(ndim) if i != axis]
    order.insert(start - 1 if axis < start else start, axis)
    return list(np.argsort(order))


def select_index(condlist, n):
    """For each element, which choice np.select takes (n: the default)."""
    return np.select([np.asarray(c, dtype=bool) for c in condlist], list(range(n)), n)


# ---- gradients of indexing ------------------------------------------------------

def take_grad(g, x, indices, axis=None):
    """The gradient of np.take(x, indices, axis): g added back at the taken
    positions (an index taken twice gets both contributions)."""
    xp = foreign_namespace(g, x)
    if xp is not None:
        return scatter_add(xp, g, x, indices, axis)
    out = zeros_like(np.asarray(x))
    indices = np.asarray(indices)
    if axis is None:
        flat = np.ravel(out)  # a view of `out` (it is contiguous)
        np.add.at(flat, indices, g)
        return out
    axis = axis % np.ndim(x)
    lead = tuple(range(axis, axis + indices.ndim))
    np.add.at(np.moveaxis(out, axis, 0), indices,
              np.moveaxis(g, lead, tuple(range(indices.ndim))))
    return out


def take_along_axis_grad(g, x, indices, axis):
    """The gradient of np.take_along_axis(x, indices, axis): g added back at the
    positions taken (repeats add up)."""
    out = zeros_like(np.asarray(x))
    if axis is None:
        np.add.at(np.ravel(out), np.asarray(indices), g)
        return out
    g = np.asarray(g)
    axis = axis % out.ndim
    grid = list(np.indices(g.shape, sparse=True))
    for d in range(out.ndim):  # a length-1 axis of x was broadcast: all from item 0
        if out.shape[d] == 1 and d != axis:
            grid[d] = np.zeros_like(grid[d])
    grid[axis] = np.broadcast_to(indices, g.shape)
    np.add.at(out, tuple(grid), g)
    return out


def choice_grads(g, condlist, choicelist):
    """The gradients of np.select's choices: each gets g where it was chosen."""
    which = select_index(condlist, len(choicelist))
    return [unbroadcast(np.where(which == i, g, 0.0), c) for i, c in enumerate(choicelist)]


# ---- gradients of stacking ------------------------------------------------------

def column_stack_grad(g, arrays):
    """The gradient of np.column_stack(arrays): g's columns, in each array's shape."""
    widths = [np.shape(a)[1] if np.ndim(a) > 1 else 1 for a in arrays]
    pieces = pieces_of(g, widths, 1)
    return [np.reshape(p, np.shape(a)) for p, a in zip(pieces, arrays)]


def append_grad(g, arr, values, axis=None):
    """The gradients of np.append(arr, values, axis) to arr and to values."""
    if axis is None:
        flat = np.ravel(g)
        n = size_of(arr)
        return np.reshape(flat[:n], np.shape(arr)), np.reshape(flat[n:], np.shape(values))
    first, second = pieces_of(g, [np.shape(arr)[axis], np.shape(values)[axis]], axis)
    return first, second


def split_axis(name, ary):
    """The axis np.vsplit / np.hsplit / np.dsplit cut along."""
    if name == "hsplit":
        return 1 if np.ndim(ary) > 1 else 0
    return {"vsplit": 0, "dsplit": 2}[name]


# ---- gradients of products --------------------------------------------------------

def _vector_length(x, axis):
    n = np.shape(x)[axis]
    if n != 3:
        raise ValueError("tapeless differentiates np.cross of 3-vectors only (these have "
                         f"{n} components): pad 2-vectors with a zero component")
    return n


def cross_grad_a(g, a, b, axisa=-1, axisb=-1, axisc=-1):
    """The gradient to `a` of np.cross(a, b): b x g, in a's shape."""
    _vector_length(a, axisa), _vector_length(b, axisb)
    return unbroadcast(np.moveaxis(np.cross(b, g, axisb, axisc, -1), -1, axisa), a)


def cross_grad_b(g, a, b, axisa=-1, axisb=-1, axisc=-1):
    """The gradient to `b` of np.cross(a, b): g x a, in b's shape."""
    _vector_length(a, axisa), _vector_length(b, axisb)
    return unbroadcast(np.moveaxis(np.cross(g, a, axisc, axisa, -1), -1, axisb), b)


def real_only(g, x):
    """g, after checking that x is real (these rules assume real inputs)."""
    if np.iscomplexobj(x):
        raise TypeError("tapeless differentiates this function for real inputs only")
    return g


# ---- gradients of tuple(...), list(...), dict(...) --------------------------------------

def sequence_grad(g, iterable):
    """The gradient of tuple(iterable) / list(iterable): the items' gradients
    in the iterable's own structure (an array's rows stacked back)."""
    if isinstance(iterable, dict):  # list(d) is d's keys
        return zeros_like(iterable)
    items = [zeros_like(v) if gi is None else gi for gi, v in zip(g, _items(iterable))]
    if isinstance(iterable, (tuple, list)):
        return type(iterable)(items)
    if isinstance(iterable, np.ndarray):
        return np.reshape(np.array(items), np.shape(iterable)) if items else zeros_like(iterable)
    raise TypeError(f"tapeless differentiates tuple(...) and list(...) of tuples, lists and "
                    f"arrays, not of {type(iterable).__name__}")


def keys_tangent(diterable, iterable):
    """The tangent of the items of tuple(iterable) / list(iterable): zeros for a
    dict's keys, else the items of the iterable's tangent."""
    return [0.0 for _ in iterable] if isinstance(iterable, dict) else diterable


def _items(iterable):
    return list(iterable) if isinstance(iterable, np.ndarray) else iterable


def mapping_grad(g, mapping):
    """The gradient of dict(mapping): the same dict of gradients, or for pairs
    (`dict(zip(keys, values))`) the pairs' gradients (a key written twice keeps
    its last value, the one that gets the gradient)."""
    if isinstance(mapping, dict):
        return {k: g[k] for k in mapping}
    pairs = _pairs(mapping)
    last = {k: i for i, (k, _) in enumerate(pairs)}
    items = [(zeros_like(k), g[k] if last[k] == i else zeros_like(v))
             for i, (k, v) in enumerate(pairs)]
    return items if isinstance(mapping, list) else tuple(items)


def mapping_tangent(dmapping, mapping):
    """The tangent of dict(mapping): the tangents under the primal's keys."""
    if isinstance(mapping, dict):
        return dict(dmapping)
    return {k: v for (k, _), (_, v) in zip(_pairs(mapping), _pairs(dmapping))}


# The gradients of `d.items()` and `d.values()`, and back (each linear in `v`; its
# parameter is not named `g`, which in a rule is the cotangent)

def items_grad(v, d):
    """The gradient of `d.items()` (a list of pairs `v`) as a dict like `d`."""
    return {k: pair[1] for k, pair in zip(d, v)}


def values_grad(v, d):
    """The gradient of `d.values()` (a list `v`) as a dict like `d`."""
    return dict(zip(d, v))


def pairs_like(v, d):
    """A dict of gradients `v` (keys of `d`) as the gradient of `d.items()`: the
    (key, value) pairs' gradients, zero for the keys."""
    return [(zeros_like(k), v[k]) for k in d]


def values_like(v, d):
    """A dict of gradients `v` (keys of `d`) as the gradient of `d.values()`."""
    return [v[k] for k in d]


def get_grad(g, d, key):
    """The gradient of `d` from that of `d.get(key, default)`."""
    return select_grad(g, d, key) if key in d else zeros_like(d)


def default_grad(g, d, key, default):
    """The gradient of `default` from that of `d.get(key, default)`."""
    return zeros_like(default) if key in d else g


def get_tangent(dd, d, key, ans):
    """The tangent of `d.get(key, default)` from the tangent `dd` of `d`."""
    return dd[key] if key in d else zeros_like(ans)


def default_tangent(ddefault, d, key, ans):
    """The tangent of `d.get(key, default)` from the tangent of `default`."""
    return zeros_like(ans) if key in d else ddefault


def _pairs(mapping):
    if not isinstance(mapping, (list, tuple)) or \
            not all(isinstance(p, (tuple, list)) and len(p) == 2 for p in mapping):
        raise TypeError("tapeless differentiates dict(...) of a dict, of keywords or of "
                        f"(key, value) pairs, not of {type(mapping).__name__}; build the dict "
                        "with {key: value}")
    return mapping


# ---- einsum in both forms: einsum("ij,jk", a, b) and einsum(a, [0, 1], b, [1, 2]) --------------

def einsum_layout(args):
    """The string subscripts of an np.einsum call's arguments (either form), and
    which arguments are the operands.

    >>> einsum_layout(("ij,jk->ik", 1, 2, None, None, None, None))
    ('ij,jk->ik', [1, 2])
    >>> einsum_layout((1, [0, 1], 2, [1, Ellipsis], [0, Ellipsis], None, None))
    ('ab,b...->a...', [0, 2])
    """
    args = list(args)
    while args and args[-1] is None:
        args.pop()
    if isinstance(args[0], str):
        terms = args[0].split("->")[0].count(",") + 1
        return args[0], list(range(1, 1 + terms))
    positions = list(range(0, len(args) - 1, 2))
    terms = [_sublist_letters(args[p + 1]) for p in positions]
    spec = ",".join(terms)
    if len(args) % 2:  # an output sublist
        spec += "->" + _sublist_letters(args[-1])
    return spec, positions


def _sublist_letters(sublist):
    return "".join("..." if s is Ellipsis else _LETTERS[int(s)] for s in sublist)


def einsum_arg_grad(g, args, i):
    """The gradient to argument i of np.einsum(*args) (None if it is no operand)."""
    from .linalg import einsum_grad
    spec, positions = einsum_layout(args)
    if i not in positions:
        return None
    return einsum_grad(g, spec, [args[p] for p in positions], positions.index(i))


def einsum_arg_tangent(d, args, i):
    """np.einsum(*args) with argument i replaced by its tangent d."""
    spec, positions = einsum_layout(args)
    operands = [d if p == i else args[p] for p in positions]
    return np.einsum(spec, *operands)


def einsum_arg_grad_tangent(g, args, dargs, i):
    """The tangent of einsum_arg_grad(g, args, i) along the arguments' tangents
    (it is linear in each operand other than the i-th)."""
    spec, positions = einsum_layout(args)
    total = None  # (no operand with a tangent: a zero of the i-th operand's shape)
    for p in positions:
        d = dargs[p]
        if p == i or d is None or (np.ndim(d) == 0 and d == 0):
            continue
        changed = list(args)
        changed[p] = d
        term = einsum_arg_grad(g, tuple(changed), i)
        total = term if total is None else total + term
    return zeros_like(args[i]) if total is None else total


def stacked_tangent(d, like):
    """A tangent as one array: the tangent of a list of values (some of them
    constants, with tangent 0.0) stacked like np.asarray(like) stacks them."""
    if isinstance(d, (list, tuple)):
        return np.array([np.broadcast_to(di, np.shape(li)) for di, li in zip(d, like)])
    return d
