"""Scatter-add for array libraries that have none (Dask, the Array API standard):
the gradient of a gather `x[indices]` or `take(x, indices, axis)` adds `g` back
at the positions taken, and a position taken twice gets both contributions.

NumPy does that with `np.add.at` (the helpers keep it for NumPy arrays). Dask
does it with one weighted `bincount` of the flat positions, lazily, for as many
additions. The standard has neither: for its other libraries it is a product
with a one-hot matrix, which uses only the standard's functions,

    out[..., j, ...] = sum over i of g[..., i, ...] * (indices[i] == j)

and costs size(g) * n multiply-adds (n = x.shape[axis]) where `np.add.at`
costs size(g) additions: fine for the gathers of data science (rows of a
matrix, embeddings of a few thousand tokens).

    >>> import array_api_strict as xp  # doctest: +SKIP
    >>> scatter_add(xp, xp.ones(3), xp.zeros(4), [0, 2, 2], 0)  # doctest: +SKIP
    Array([1., 0., 2., 0.], dtype=array_api_strict.float64)
"""
from __future__ import annotations

import math

import numpy as np

from .namespaces import gradient_dtype, in_chunks_of, is_lazy, unsupported


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
    if is_lazy(x):
        return in_chunks_of(_dask_scatter_add(g, shape, indices, axis, dtype), x)
    one_hot = xp.astype(indices[..., None] == xp.arange(n), dtype)  # indices.shape + (n,)
    taken = tuple(range(axis, axis + indices.ndim))  # g's axes that the indices made
    summed = xp.tensordot(xp.astype(xp.asarray(g), dtype), one_hot,
                          axes=(taken, tuple(range(indices.ndim))))
    return in_chunks_of(xp.moveaxis(summed, -1, axis), x)


def _dask_scatter_add(g, shape, indices, axis, dtype):
    """Dask's way: one weighted `bincount` of the flat positions of g's elements
    in the result (size(g) additions, as np.add.at), lazy."""
    import dask.array as da
    k = indices.ndim
    rest = shape[:axis] + shape[axis + 1:]  # the result's other axes, in order
    width = math.prod(rest)
    moved = da.moveaxis(da.asarray(g).astype(dtype), tuple(range(axis, axis + k)),
                        tuple(range(k)))  # indices' axes first, then `rest`
    weights = moved.reshape(-1)
    positions = indices.reshape(-1)[:, None] * width + da.arange(width)[None, :]
    positions = positions.reshape(-1).rechunk(weights.chunks)
    summed = da.bincount(positions, weights=weights, minlength=shape[axis] * width)
    return da.moveaxis(summed.reshape((shape[axis],) + rest), 0, axis)


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
