"""Scatter-add for array libraries that have none (Dask, the Array API standard):
the gradient of a gather `x[indices]` or `take(x, indices, axis)` adds `g` back
at the positions taken, and a position taken twice gets both contributions.

NumPy does that with `np.add.at` (the helpers keep it for NumPy arrays). Here
it is a product with a one-hot matrix, which uses only the standard's
functions and stays lazy on Dask:

    out[..., j, ...] = sum over i of g[..., i, ...] * (indices[i] == j)

It costs size(g) * n multiply-adds (n = x.shape[axis]) where `np.add.at`
costs size(g) additions: fine for the gathers of data science (rows of a
matrix, embeddings of a few thousand tokens), and it streams through Dask's
blocks.

    >>> import array_api_strict as xp  # doctest: +SKIP
    >>> scatter_add(xp, xp.ones(3), xp.zeros(4), [0, 2, 2], 0)  # doctest: +SKIP
    Array([1., 0., 2., 0.], dtype=array_api_strict.float64)
"""
from __future__ import annotations

import numpy as np

from .namespaces import gradient_dtype, in_chunks_of, unsupported


def scatter_add(xp, g, x, indices, axis):
    """An array like x (of namespace xp), zero but for `g` added at `indices`
    along `axis` (None: of x flattened), as `np.add.at` of `np.take`'s gradient."""
    shape = tuple(np.shape(x))
    if axis is None:
        flat = scatter_add(xp, g, xp.reshape(x, (-1,)), indices, 0)
        return in_chunks_of(xp.reshape(flat, shape), x)
    axis = axis % len(shape)
    n = shape[axis]
    indices = xp.asarray(indices)
    indices = xp.where(indices < 0, indices + n, indices)  # (NumPy's negative positions)
    dtype = gradient_dtype(xp, x, g)
    one_hot = xp.astype(indices[..., None] == xp.arange(n), dtype)  # indices.shape + (n,)
    taken = tuple(range(axis, axis + indices.ndim))  # g's axes that the indices made
    summed = xp.tensordot(xp.astype(xp.asarray(g), dtype), one_hot,
                          axes=(taken, tuple(range(indices.ndim))))
    return in_chunks_of(xp.moveaxis(summed, -1, axis), x)


def gather_axis(index, ndim, x):
    """For `x[index]`, index holding one integer array among full slices: the
    array and the axis it indexes (`x[:, ids]` -> (ids, 1)). Other indices (a
    boolean mask, several arrays) raise NotImplementedError naming x's library."""
    items = index if isinstance(index, tuple) else (index,)
    arrays = [i for i, item in enumerate(items) if _is_array(item)]
    if len(arrays) == 1 and _integers(items[arrays[0]]):
        p = arrays[0]
        before, after = items[:p], items[p + 1:]
        full = all(_full(i) for i in before) and all(_full(i) or i is Ellipsis for i in after)
        if full:
            return items[p], p
        if before == (Ellipsis,) and not after:  # x[..., ids]
            return items[p], ndim - 1
    raise unsupported("x[index]", x, "scatter-add (NumPy's np.add.at), which the gradient of "
                      "this index needs: tapeless adds back the gradient of one integer array "
                      "of positions among full slices (x[ids], x[:, ids]), not of a boolean "
                      "mask or several arrays (use xp.where for a mask)")


def _is_array(item):
    return hasattr(item, "shape") and hasattr(item, "dtype") or isinstance(item, list)


def _integers(item):
    dtype = getattr(item, "dtype", None)
    if dtype is None:  # a list of positions
        return all(isinstance(i, (int, np.integer)) for i in np.ravel(item))
    return "int" in str(dtype)


def _full(item):
    return isinstance(item, slice) and item == slice(None)
