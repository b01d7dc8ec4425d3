"""CuPy arrays take the same path as Dask's: gradients are CuPy arrays, equal to
NumPy's on the same numbers. Skipped without CuPy or without a CUDA device."""
import numpy as np
import pytest

from transpiler import grad

cp = pytest.importorskip("cupy", reason="CuPy is not installed (pip install cupy-cuda12x)")
try:
    DEVICES = cp.cuda.runtime.getDeviceCount()
except Exception:  # CuPy without a driver
    DEVICES = 0
pytestmark = pytest.mark.skipif(DEVICES == 0, reason="no CUDA device on this machine")

RNG = np.random.default_rng(3)
X = RNG.normal(size=(64, 5))
W = RNG.normal(size=5)
Y = (RNG.random(64) > 0.5) * 1.0


def logistic(w, X, y):
    z = X @ w
    return np.mean(np.logaddexp(0.0, z) - y * z)


def mlp(W1, X):
    h = np.tanh(X @ W1)
    return np.sum(np.max(h, axis=1) ** 2) + np.mean(h)


def test_logistic_gradient_on_the_gpu_is_cupy_and_numpys():
    got = grad(logistic)(cp.asarray(W), cp.asarray(X), cp.asarray(Y))
    assert isinstance(got, cp.ndarray)
    np.testing.assert_allclose(cp.asnumpy(got), grad(logistic)(W, X, Y), rtol=1e-10)


def test_gradient_with_respect_to_the_data_on_the_gpu():
    w1 = RNG.normal(size=(5, 3))
    got = grad(mlp, wrt="X")(cp.asarray(w1), cp.asarray(X))
    assert isinstance(got, cp.ndarray) and got.shape == X.shape
    np.testing.assert_allclose(cp.asnumpy(got), grad(mlp, wrt="X")(w1, X), rtol=1e-10)
