"""The runtime helpers that generated gradients call keep the array type they are
given: Dask arrays in, lazy Dask arrays out (nothing computed), array-api-strict
arrays in, array-api-strict arrays out; the numbers are NumPy's on the same data."""
import numpy as np
import pytest

from runtime import arrays, containers, helpers, linalg
from tests.lazy import counting_computes

RNG = np.random.default_rng(7)
X = RNG.normal(size=(6, 3))
V = RNG.normal(size=3)
G = RNG.normal(size=6)
ZEROED = np.where(np.abs(X) < 0.3, 0.0, X)  # zeros in x: products of the others
COVARIANCE = X.T @ X + np.eye(3)
FACTOR = np.linalg.cholesky(COVARIANCE)


def _dask(a):
    da = pytest.importorskip("dask.array")
    if a.ndim == 2 and a.shape[0] == a.shape[1]:  # a matrix of linear algebra: square blocks
        return da.from_array(a, chunks=(a.shape[0] // 2 or 1,) * 2)
    return da.from_array(a, chunks=(2,) + a.shape[1:]) if a.ndim else da.from_array(a)


def _strict(a):
    xp = pytest.importorskip("array_api_strict")
    return xp.asarray(a)


LIBRARIES = {"dask": _dask, "array_api_strict": _strict}

# name: (the helper's call, its arguments: arrays are converted, the rest kept)
CALLS = {
    "zeros_like": (helpers.zeros_like, (X,)),
    "ones_like": (helpers.ones_like, (X,)),
    "fill_like of a number": (helpers.fill_like, (X, 2.5)),
    "fill_like of a 0-d array": (helpers.fill_like, (X, np.asarray(2.5))),
    "unbroadcast to a row": (helpers.unbroadcast, (X, V)),
    "unbroadcast to a column": (helpers.unbroadcast, (X, X[:, :1])),
    "unbroadcast to a scalar array": (helpers.unbroadcast, (X, np.asarray(1.0))),
    "repeat_to over an axis": (helpers.repeat_to, (G, X, 1)),
    "repeat_to with keepdims": (helpers.repeat_to, (G[:, None], X, 1, True)),
    "repeat_to of a number": (helpers.repeat_to, (2.0, X)),
    "broadcast_like": (helpers.broadcast_like, (V, X)),
    "extremum_grad": (helpers.extremum_grad, (V, X.max(axis=0), X, 0)),
    "cast_like": (helpers.cast_like, (X, X)),
    "owned_copy": (helpers.owned_copy, (X,)),
    "add_at a row": (containers.add_at, (X, (1, Ellipsis), V)),
    "select_grad of a row": (containers.select_grad, (V, X, (2, Ellipsis))),
    "cleared": (containers.cleared, (X, (slice(1, 3), Ellipsis))),
    "matmul_grad_a, matrix-vector": (linalg.matmul_grad_a, (G, X, V)),
    "matmul_grad_b, matrix-vector": (linalg.matmul_grad_b, (G, X, V)),
    "matmul_grad_a, vector-matrix": (linalg.matmul_grad_a, (V, G, X)),
    "matmul_grad_b, vector-matrix": (linalg.matmul_grad_b, (V, G, X)),
    "matmul_grad_a, matrix-matrix": (linalg.matmul_grad_a, (X @ X.T, X, X.T)),
    "matmul_grad_b, matrix-matrix": (linalg.matmul_grad_b, (X.T @ X, X.T, X)),
    "dot_grad_a": (linalg.dot_grad_a, (G, X, V)),
    "dot_grad_b": (linalg.dot_grad_b, (G, X, V)),
    "inner_grad_a": (linalg.inner_grad_a, (G, X, V)),
    "inner_grad_b": (linalg.inner_grad_b, (G, X, V)),
    "abs_grad": (helpers.abs_grad, (X, X - 0.5)),
    "abs_tangent": (helpers.abs_tangent, (X, X - 0.5)),
    "prod_grad of all": (helpers.prod_grad, (2.0, None, ZEROED)),
    "prod_grad over rows": (helpers.prod_grad, (V, None, ZEROED, 0)),
    "prod_grad over both axes, keepdims": (helpers.prod_grad, (V[:1, None], None, ZEROED,
                                                               (0, 1), True)),
    "split_like": (helpers.split_like, (X, [X[:2], X[2:]])),
    "split_like flattened": (helpers.split_like, (X.ravel(), [X[:2], X[2:]], None)),
    "unstack": (helpers.unstack, (np.stack([V, 2.0 * V], axis=1), [V, V], 1)),
    "cholesky_grad": (linalg.cholesky_grad, (X[:3].T @ X[:3], FACTOR)),
    "cholesky_tangent": (linalg.cholesky_tangent, (X[:3].T @ X[:3], FACTOR)),
    "solve_grad_a": (linalg.solve_grad_a, (X[:3], np.linalg.solve(COVARIANCE, X[:3]),
                                           COVARIANCE, X[:3])),
    "take_grad with repeats": (arrays.take_grad, (X[[0, 4, 4]], X, np.array([0, 4, -2]), 0)),
    "take_grad of columns": (arrays.take_grad, (X[:, :2], X, np.array([2, 2]), 1)),
    "select_grad with repeats": (containers.select_grad, (X[[5, 0, 5]], X, np.array([5, 0, 5]))),
    "select_grad of columns": (containers.select_grad, (X[:, [1, 1]], X,
                                                         (slice(None), np.array([1, 1])))),
    "add_at with repeats": (containers.add_at, (X, np.array([1, 1]), X[:2])),
}


def _convert(args, to):
    return tuple(to(a) if isinstance(a, np.ndarray) else a for a in args)


def _numpy(value):
    if hasattr(value, "__dask_graph__"):
        return value.compute()
    return np.asarray(value)


@pytest.mark.parametrize("library", sorted(LIBRARIES))
@pytest.mark.parametrize("name", sorted(CALLS))
def test_helper_keeps_the_array_type(name, library):
    helper, args = CALLS[name]
    want = helper(*args)
    foreign = _convert(args, LIBRARIES[library])
    with counting_computes() as computes:
        got = helper(*foreign)
    assert computes.count == 0, f"{name} computed a Dask array"
    pairs = zip(got, want) if isinstance(want, list) else [(got, want)]  # (a list of pieces)
    for got, want in pairs:
        assert type(got).__module__.split(".")[0] == library.split(".")[0] or \
            type(got).__module__.startswith(library)
        np.testing.assert_allclose(_numpy(got), want, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("library", sorted(LIBRARIES))
def test_a_numpy_gradient_meeting_a_foreign_array_takes_its_type(library):
    """d_w = X.T @ d_z with w NumPy and X of another library: the library's array."""
    foreign = LIBRARIES[library](X)
    got = linalg.matmul_grad_b(LIBRARIES[library](G), foreign, V)
    assert type(got) is type(foreign)
    np.testing.assert_allclose(_numpy(got), X.T @ G)


def test_a_numpy_gradient_stays_numpy():
    assert type(helpers.fill_like(X, 1.0)) is np.ndarray
    assert type(helpers.unbroadcast(X, V)) is np.ndarray
    assert type(helpers.unbroadcast(X, 1.5)) is float
    assert type(linalg.matmul_grad_b(G, X, V)) is np.ndarray


def test_dask_gradients_keep_the_chunks_of_their_array():
    """A gradient spread over a Dask array lines up with its blocks (no rechunking)."""
    x = _dask(X)
    assert helpers.fill_like(x, 1.0).chunks == x.chunks
    assert helpers.repeat_to(_dask(G), x, 1).chunks == x.chunks
    assert helpers.unbroadcast(_dask(V), x).chunks == x.chunks
    assert helpers.zeros_like(x).chunks == x.chunks


def test_float32_stays_float32():
    x = _dask(X.astype(np.float32))
    assert helpers.fill_like(x, 1.0).dtype == np.float32
    assert helpers.zeros_like(x).dtype == np.float32
    assert helpers.zeros_like(_dask(np.arange(3))).dtype == np.float64


@pytest.mark.parametrize("library", sorted(LIBRARIES))
def test_a_gather_with_a_boolean_mask_is_a_clear_error(library):
    """The gradient of x[mask] has no form in the standard tapeless writes: an
    error names the index and the library (an integer array of positions works)."""
    x = LIBRARIES[library](X)
    with pytest.raises(NotImplementedError, match=rf"x\[index\].*{library.split('_')[0]}.*"
                                                  "boolean mask"):
        containers.select_grad(LIBRARIES[library](X[X > 0]), x, X > 0)


def test_einsum_where_the_library_has_none_is_a_clear_error():
    x = _strict(X)
    with pytest.raises(NotImplementedError, match="np.einsum.*array_api_strict.*einsum"):
        linalg.einsum_grad(_strict(G), "ij,j->i", [x, _strict(V)], 1)


def test_two_libraries_in_one_gradient_is_a_clear_error():
    with pytest.raises(TypeError, match="cannot mix arrays of array_api_strict and dask"):
        helpers.unbroadcast(_dask(X), _strict(V))
