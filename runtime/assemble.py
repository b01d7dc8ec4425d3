"""What generated Jacobian and Hessian functions call: unit tangents, and the
columns (or rows) of one sweep each put together. `columns_to` and `rows_to`
are plain Python the compiler differentiates, so `jacobian(jacobian(f))` works.

    >>> basis_of(np.zeros(2))
    [array([1., 0.]), array([0., 1.])]
"""
from __future__ import annotations

import numpy as np

from .helpers_arrays import size_of
from .namespaces import foreign_namespace, gradient_dtype, no_numpy_functions


def basis_of(x):
    """The unit tangents of `x`, one per element in C order ([1.0] for a number)."""
    if np.ndim(x) == 0 and not isinstance(x, np.ndarray):
        return [1.0]
    xp = foreign_namespace(x)
    if xp is not None:  # in x's library (array-api-strict takes no NumPy tangent)
        eye = xp.eye(size_of(x), dtype=gradient_dtype(xp, x))
        return [xp.reshape(eye[k, ...], tuple(np.shape(x))) for k in range(size_of(x))]
    x = np.asarray(x, dtype=float)
    out = []
    for k in range(x.size):
        e = np.zeros(x.size)
        e[k] = 1.0
        out.append(np.reshape(e, x.shape))
    return out


def columns_to(columns, x, lead):
    """One column per element of `x` -> an array of shape `lead + x.shape` (the
    column itself when `x` is a number)."""
    if np.ndim(x) == 0 and not isinstance(x, np.ndarray):
        return columns[0]
    if not columns:  # an empty x: no column, and a Jacobian with no entries
        return np.zeros(tuple(lead) + np.shape(x))
    if no_numpy_functions(columns[0]):  # (read by the compiler: its own namespace)
        xp = columns[0].__array_namespace__()
        return xp.reshape(xp.stack(columns, axis=-1), lead + tuple(x.shape))
    return np.reshape(np.stack(columns, -1), lead + np.shape(x))


def rows_to(rows, value, x):
    """One row per element of `value` -> an array of shape `value.shape + x.shape`
    (the row itself when `value` is a number)."""
    if np.ndim(value) == 0 and not isinstance(value, np.ndarray):
        return rows[0]
    if not rows:  # an empty value: no row
        return np.zeros(np.shape(value) + np.shape(x))
    if no_numpy_functions(rows[0]):
        xp = rows[0].__array_namespace__()
        return xp.reshape(xp.stack(rows, axis=0), tuple(value.shape) + tuple(np.shape(x)))
    return np.reshape(np.stack(rows, 0), np.shape(value) + np.shape(x))
