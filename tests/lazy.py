"""Counting Dask computes: a gradient of Dask arrays must compute nothing until
the user asks (`.compute()`), and then agree with NumPy on the same numbers."""
import contextlib

import numpy as np


class Computes:
    """A Dask scheduler that counts how often it is asked to compute (it runs
    the graph synchronously, in this thread)."""

    def __init__(self):
        self.count = 0

    def __call__(self, dsk, keys, **kwargs):
        import dask
        self.count += 1
        return dask.get(dsk, keys, **kwargs)


@contextlib.contextmanager
def counting_computes():
    """`with counting_computes() as computes:` ... `computes.count`. Dask's
    warning that it fell back to NumPy (computing the array) is an error here."""
    import warnings

    import dask
    computes = Computes()
    with dask.config.set(scheduler=computes), warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*is not implemented by Dask array")
        yield computes


def computed(value):
    """A Dask value (or a tuple of them) as NumPy, in one compute; others as they are."""
    import dask
    if isinstance(value, (tuple, list)):
        return type(value)(dask.compute(*value))
    return dask.compute(value)[0] if hasattr(value, "__dask_graph__") else value


def chunked(array, rows):
    """A NumPy array as a Dask array in blocks of `rows` rows."""
    import dask.array as da
    return da.from_array(np.asarray(array), chunks=(rows,) + np.shape(array)[1:])
