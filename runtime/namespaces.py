"""Which library's functions a runtime helper uses for the arrays it is given.

NumPy arrays and Python numbers take the helpers' NumPy code unchanged (and
first: `foreign_namespace` returns None for them after a type check). Arrays
of other libraries (Dask, CuPy, PyTorch, array-api-strict...) are handed to
the library through the Array API standard, by `array_api_compat`: a helper
that creates or reduces an array calls that namespace, so a gradient with
respect to a Dask array is a lazy Dask array, built from the same chunks.

A NumPy array mixed with another library's array (a NumPy weight vector
against a Dask data matrix) takes the other library: Dask and CuPy accept
NumPy operands, and the result stays lazy.

    >>> foreign_namespace(np.ones(2), 3.0) is None
    True
"""
from __future__ import annotations

import numpy as np

# the types that never need a look at their namespace (checked first, by identity)
_NUMPY_TYPES = frozenset((np.ndarray, float, int, bool, complex, type(None), np.float64,
                          np.float32, np.int64, np.bool_, np.complex128, str, slice,
                          tuple, list, dict))


def is_foreign_array(value):
    """Is `value` an array of some library other than NumPy?"""
    if type(value) in _NUMPY_TYPES or isinstance(value, (np.ndarray, np.generic)):
        return False
    return hasattr(type(value), "shape") and hasattr(value, "dtype")


def no_numpy_functions(value) -> bool:
    """Is `value` an array that NumPy's functions do not take (array-api-strict's,
    CuPy's: no `__array_function__`), but that names its namespace? (Dask's
    arrays go through NumPy's functions.)"""
    return is_foreign_array(value) and not hasattr(type(value), "__array_function__") and \
        hasattr(type(value), "__array_namespace__")


def foreign_namespace(*values):
    """The Array API namespace of the non-NumPy arrays among `values`, or None
    when all are NumPy arrays, NumPy scalars or Python numbers.

    Raises TypeError when arrays of two libraries meet (say CuPy and Dask), or
    when array-api-compat is not installed."""
    foreign = [v for v in values if is_foreign_array(v)]
    if not foreign:
        return None
    try:
        import array_api_compat
    except ImportError:
        raise TypeError(f"tapeless needs array-api-compat for {library(foreign[0])} arrays: "
                        "pip install 'tapeless[dask]' (or array-api-compat)") from None
    try:
        return array_api_compat.array_namespace(*foreign)
    except TypeError as error:
        names = sorted({library(v) for v in foreign})
        raise TypeError(f"tapeless cannot mix arrays of {' and '.join(names)} in one "
                        f"gradient ({error})") from None


def library(value) -> str:
    """The name of the library an array comes from ('dask', 'cupy', 'torch')."""
    return type(value).__module__.split(".")[0]


def unsupported(function: str, value, missing: str) -> NotImplementedError:
    """The error for a rule whose library lacks what it needs (raise it)."""
    lib = library(value)
    return NotImplementedError(
        f"tapeless cannot differentiate `{function}` for {lib} arrays: {lib} has no "
        f"{missing}; compute this part with NumPy arrays, or register a rule "
        "(docs/custom-rules.md)")


def is_lazy(value) -> bool:
    """Is `value` a Dask array (or collection), whose numbers do not exist yet?"""
    return hasattr(type(value), "__dask_graph__")


def in_chunks_of(out, x):
    """A gradient `out` for the Dask array x in x's blocks (so that it adds to x's
    other gradients block by block); other values as they are."""
    if is_lazy(x) and hasattr(x, "chunks") and out.chunks != x.chunks:
        return out.rechunk(x.chunks)
    return out


def dask_broadcast(g, x):
    """g broadcast to the shape of the Dask array x, in x's chunks (so that it
    lines up with x's blocks without rechunking)."""
    import dask.array
    lead = x.ndim - g.ndim
    chunks = tuple((1,) if n == 1 else x.chunks[lead + i] for i, n in enumerate(g.shape))
    g = dask.array.asarray(g).rechunk(chunks)
    return dask.array.broadcast_to(g, x.shape, chunks=x.chunks)


def gradient_dtype(xp, x, g=None):
    """In namespace xp: the dtype of a gradient for `x` (x's float type, float64
    for integers and booleans), combined with the dtype of an array `g`."""
    dtype = getattr(x, "dtype", None)
    if dtype is None or not xp.isdtype(dtype, ("real floating", "complex floating")):
        dtype = xp.float64
    gdtype = getattr(g, "dtype", None)
    if gdtype is not None and type(g) is not np.ndarray and \
            xp.isdtype(gdtype, ("real floating", "complex floating")):
        return xp.result_type(dtype, gdtype)
    return dtype


def is_complex(xp, x) -> bool:
    """Does `x` (an array of namespace xp, or a number) hold complex numbers?"""
    dtype = getattr(x, "dtype", None)
    if dtype is None:
        return isinstance(x, complex)
    if isinstance(dtype, np.dtype):
        return dtype.kind == "c"
    return xp.isdtype(dtype, "complex floating")


def as_number(g):
    """A 0-d NumPy gradient as a Python number (what xp.full takes), else g."""
    if isinstance(g, (np.ndarray, np.generic)) and np.ndim(g) == 0:
        return g.item()
    return g
