"""The gradients of functions that join or split arrays (a part of
`runtime.helpers`, which re-exports them): np.split / hstack / vstack / unstack,
np.r_[...] and np.c_[...], and copies.
"""
from __future__ import annotations

import numpy as np

from .namespaces import foreign_namespace
from .helpers_arrays import broadcast_like, cast_like, grad_dtype, size_of, zeros_like

def _items_grad(pieces, arrays):
    """The gradient of a sequence argument from its items' gradients: a list, or
    one array when the sequence was an array (np.hstack(x) iterates x's rows)."""
    xp = foreign_namespace(*pieces)
    if xp is not None:
        pieces = [xp.reshape(p, tuple(np.shape(a))) for p, a in zip(pieces, arrays)]
        if foreign_namespace(arrays) is not None:  # the rows of one array
            return xp.reshape(xp.stack(pieces), arrays.shape) if pieces else zeros_like(arrays)
        return pieces
    pieces = [np.reshape(p, np.shape(a)) for p, a in zip(pieces, arrays)]
    if isinstance(arrays, np.ndarray):
        return np.reshape(np.stack(pieces), arrays.shape) if pieces else zeros_like(arrays)
    return pieces


def split_like(g, arrays, axis=0):
    """The gradient of np.concatenate(arrays, axis): g cut back into pieces
    (axis=None: the items were flattened)."""
    if axis is None:
        sizes = [size_of(a) for a in arrays]
        xp = foreign_namespace(g)
        flat = np.ravel(g) if xp is None else xp.reshape(g, (-1,))
        return _items_grad(pieces_of(flat, sizes), arrays)
    sizes = [np.shape(a)[axis] if np.ndim(a) else 1 for a in arrays]
    return _items_grad(pieces_of(g, sizes, axis), arrays)


def pieces_of(g, sizes, axis=0):
    """g cut along `axis` into pieces of these sizes (np.split at their running
    sums; by slicing for libraries without np.split, such as Dask)."""
    if foreign_namespace(g) is None:
        return np.split(g, np.cumsum(sizes)[:-1], axis=axis)
    index, start, pieces = [slice(None)] * g.ndim, 0, []
    for n in sizes:
        index[axis] = slice(start, start + n)
        pieces.append(g[tuple(index)])
        start += n
    return pieces


def hstack_grad(g, arrays):
    """The gradient of np.hstack(arrays): along axis 1 for 2-d and higher items, else 0."""
    return split_like(g, arrays, 1 if np.ndim(arrays[0]) > 1 else 0)


def unstack(g, arrays, axis=0):
    """The gradient of np.stack(arrays, axis) (and of np.array(list)): g's slices."""
    if foreign_namespace(g) is None:
        return _items_grad([np.take(g, i, axis=axis) for i in range(len(arrays))], arrays)
    lead = (slice(None),) * (axis % g.ndim)  # (the standard has no take of one index)
    return _items_grad([g[lead + (i, Ellipsis)] for i in range(len(arrays))], arrays)


def vstack_grad(g, arrays):
    """The gradient of np.vstack(arrays): rows of g, in each array's shape."""
    rows = [np.shape(np.atleast_2d(a))[0] for a in arrays]
    return _items_grad(pieces_of(g, rows), arrays)


def items_tangent(d, arrays):
    """Tangents of a (nested) sequence's items, each in its item's shape (a
    constant item's tangent is the scalar 0.0): what np.concatenate, np.stack
    and np.array take."""
    if isinstance(arrays, (list, tuple)):
        if not isinstance(d, (list, tuple)):  # the tangent of a constant sequence
            d = [d] * len(arrays)
        return [items_tangent(t, a) for t, a in zip(d, arrays)]
    return broadcast_like(d, arrays)


# -- np.r_[...] and np.c_[...] ------------------------------------------------------
# Both place every element of their array items once, in some order, among
# constants (from slices like 0:3): they are affine in the items. The compiler
# calls `index_concat("r", items)` for `np.r_[items]`.


_CONCATENATORS = {"r": np.r_, "c": np.c_}


def grid_slice(start, stop, step=None):
    """`start:stop:step` inside np.r_[...], np.c_[...], np.mgrid[...] or np.ogrid[...]:
    a range of values, whose bounds the rule table refuses to differentiate."""
    return slice(start, stop, step)


def index_grid(which, items):
    """`np.mgrid[items]` (which="m") or `np.ogrid[items]` ("o"). Their bounds are
    not differentiated (the rule refuses them): np.linspace is."""
    return (np.mgrid if which == "m" else np.ogrid)[items]


def _is_item_array(p):
    return not isinstance(p, (slice, str))


def index_concat(which, items):
    """`np.r_[items]` (which="r") or `np.c_[items]` (which="c")."""
    return _CONCATENATORS[which][items]


def _labelled(which, items, fill):
    parts = items if type(items) is tuple else (items,)
    out, start = [], 0
    for p in parts:
        if _is_item_array(p):
            n = int(np.size(p))
            out.append(fill(p, start, n))
            start += n
        else:
            out.append(p)
    return np.asarray(index_concat(which, tuple(out))), parts


def index_concat_grad(g, which, items):
    """The gradient of `index_concat(which, items)` for each item (0.0 for slices
    and strings): each result element is found by labelling the items' elements."""
    labels, parts = _labelled(which, items, lambda p, s, n: np.reshape(
        np.arange(s + 1.0, s + n + 1.0), np.shape(p)))
    base, _ = _labelled(which, items, lambda p, s, n: np.zeros(np.shape(p)))
    found = np.ravel(labels - base)  # 0 at constants, the label elsewhere
    where = np.flatnonzero(found)
    flat = np.zeros(int(found.max(initial=0)), dtype=grad_dtype(g, 0.0))
    flat[found[where].astype(int) - 1] = np.ravel(g)[where]
    grads, start = [], 0
    for p in parts:  # each in its item's dtype (float32 stays float32, real stays real)
        n = int(np.size(p)) if _is_item_array(p) else 0
        grads.append(cast_like(np.reshape(flat[start:start + n], np.shape(p)), p) if n else 0.0)
        start += n
    return tuple(grads) if type(items) is tuple else grads[0]


def index_concat_tangent(which, items, d):
    """The tangent of `index_concat(which, items)` along the items' tangents `d`."""
    parts = items if type(items) is tuple else (items,)
    ds = d if type(items) is tuple else (d,)
    moved = tuple(broadcast_like(t, p) if _is_item_array(p) else p for t, p in zip(ds, parts))
    still = tuple(zeros_like(p) if _is_item_array(p) else p for p in parts)
    return np.asarray(index_concat(which, moved)) - np.asarray(index_concat(which, still))


def copy_grad(v, x):
    """The gradient of `x.copy()`: `v` itself for a list or dict, else in x's dtype."""
    return v if isinstance(x, (list, dict)) else cast_like(v, x)
