"""Gradients of NumPy-written functions of Dask arrays: lazy Dask arrays, built
without computing anything (counted), equal to the NumPy gradient on the same
numbers once computed; NumPy arrays keep NumPy gradients."""
import os
import subprocess
import sys

import numpy as np
import pytest

from transpiler import grad, value_and_grad
from runtime.numeric import numeric_grad
from tests.lazy import chunked, computed, counting_computes

da = pytest.importorskip("dask.array")
pytest.importorskip("array_api_compat")

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RNG = np.random.default_rng(2026)
X = RNG.normal(size=(12, 4))
W = RNG.normal(size=4)
Y = (RNG.random(12) > 0.5) * 1.0
W1 = RNG.normal(size=(4, 5)) * 0.5
W2 = RNG.normal(size=(5, 3)) * 0.5
LABELS = np.eye(3)[RNG.integers(0, 3, size=12)]


# -- functions as a scientist writes them, each of one array x ---------------------

def elementwise(x):
    return np.sum(np.sin(x) * np.exp(-x ** 2) + np.log1p(x ** 2) / (2.0 + np.cos(x)))


def column_sums(x):
    return np.sum(np.sum(x ** 2, axis=0) * np.arange(4.0))


def row_means(x):
    return np.mean(np.mean(x, axis=1) ** 2)


def row_maxima(x):
    return np.sum(np.max(x, axis=1) ** 2)


def centred(x):
    return np.sum((x - np.mean(x, axis=0, keepdims=True)) ** 2)


def tanh_of_product(x):
    return np.sum(np.tanh(x @ W))


def dot_squared(x):
    return np.sum(np.dot(x, W) ** 2)


def gram(x):
    return np.sum((x.T @ x) ** 2)


def transposed(x):
    return np.sum(np.transpose(x) * np.arange(12.0))


def stacked(x):
    return np.sum(np.stack([x, np.sin(x)]) ** 2)


def hinge(x):
    return np.sum(np.where(x > 0, x ** 2, -x))


def softmax_loss(x):
    e = np.exp(x - np.max(x, axis=1, keepdims=True))
    p = e / np.sum(e, axis=1, keepdims=True)
    return -np.sum(np.log(p[:, 0]))


def logsumexp(x):
    m = np.max(x, axis=1, keepdims=True)
    return np.sum(m[:, 0] + np.log(np.sum(np.exp(x - m), axis=1)))


def variance(x):
    return np.sum(np.var(x, axis=0)) + np.std(x)


def rows_and_columns(x):
    return np.sum(x[2:5, 1] ** 2) + np.sum(x[:, 0])


def relu_and_abs(x):
    return np.sum(np.maximum(x, 0.0) ** 2) + np.sum(np.abs(x)) + np.sum(np.clip(x, -0.5, 0.5))


def running_sum(x):
    return np.sum(np.cumsum(x, axis=0) ** 2)


def einsum_outer(x):
    return np.sum(np.einsum("ij,j->i", x, W) ** 2) + np.sum(np.outer(x[:, 0], W) ** 2)


def expanded(x):
    return np.sum(np.expand_dims(x, 0) ** 2) + np.sum(np.squeeze(x[:, :1]) ** 3)


def methods(x):
    return (x ** 2).mean() + x.sum() + np.tensordot(x, W, axes=1).max()


def as_floats(x):
    """The habit of making sure data are floats, and of copying before use."""
    y = x.astype(np.float64).copy()
    return np.sum(np.exp(-y ** 2) * x)


def survival(x):
    """Survival curves from hazards in (0, 1], one per column: products of 1 - h."""
    hazard = 1.0 / (1.0 + np.exp(-x))
    return np.sum(np.cumprod(1.0 - hazard, axis=0)) + np.prod(hazard[:, 0])


def loop(x):
    s = 0.0
    for i in range(3):
        s = s + np.sum(np.tanh(x * i))
    return s


FUNCTIONS = [elementwise, column_sums, row_means, row_maxima, centred, tanh_of_product,
             dot_squared, gram, transposed, stacked, hinge, softmax_loss, logsumexp, variance,
             rows_and_columns, relu_and_abs, running_sum, einsum_outer, expanded, methods,
             as_floats, survival, loop]


def assert_lazy_and_numpys(f, x, rtol=1e-5):
    """grad(f) of x in Dask blocks computes nothing, has x's blocks and, computed,
    is the NumPy gradient, itself checked against central differences."""
    want = grad(f)(x)
    assert type(want) is np.ndarray
    np.testing.assert_allclose(want, numeric_grad(f, [x], 0), rtol=rtol, atol=1e-6)
    with counting_computes() as computes:
        got = grad(f)(chunked(x, 5))
    assert computes.count == 0
    assert isinstance(got, da.Array) and got.chunks == chunked(x, 5).chunks
    np.testing.assert_allclose(got.compute(), want, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("f", FUNCTIONS, ids=lambda f: f.__name__)
def test_gradient_of_a_dask_array_is_lazy_and_numpys(f):
    assert_lazy_and_numpys(f, X)


def mixed_precision(x):
    """The model in float32, the loss summed in float64."""
    h = np.tanh(x.astype(np.float32))
    return np.sum(h.astype(np.float64) ** 2)


def test_astype_stays_lazy_and_casts_the_gradient_back():
    """x.astype(...) is x's own astype (np.asarray would compute a Dask array);
    the gradient comes back in x's dtype."""
    exact = 2.0 * np.tanh(X) / np.cosh(X) ** 2  # d/dx sum(tanh(x)^2), in float64
    want = grad(mixed_precision)(X)
    assert want.dtype == np.float64
    np.testing.assert_allclose(want, exact, rtol=1e-5, atol=1e-6)
    with counting_computes() as computes:
        got = grad(mixed_precision)(chunked(X, 5))
    assert computes.count == 0 and isinstance(got, da.Array) and got.dtype == np.float64
    np.testing.assert_allclose(got.compute(), want, rtol=1e-6)


def test_a_product_with_zeros_is_lazy_and_exact():
    """np.cumprod and np.prod of data with zeros: the gradient is the product of
    the other factors (no division by zero), computed without a look at the values."""
    def f(x):
        return np.sum(np.cumprod(x, axis=0) ** 2) + np.sum(np.prod(x, axis=1))
    x = np.where(np.abs(X) < 0.4, 0.0, X)  # several zeros, some in the same column
    assert_lazy_and_numpys(f, x, rtol=1e-6)


@pytest.mark.parametrize("f", [f for f in FUNCTIONS if f is not stacked],
                         ids=lambda f: f.__name__)
def test_the_tape_engine_on_dask_arrays_is_lazy(f):
    """The tape runs the rules on Dask's values: NumPy's functions hand them to
    Dask, the helpers follow their namespace; the gradient is a lazy Dask array.
    (It does not follow a traced value into a list: np.stack([x, ...]).)"""
    from transpiler.tape import tape_grad
    with counting_computes() as computes:
        got = tape_grad(f)(chunked(X, 5))
    assert computes.count == 0 and isinstance(got, da.Array)
    np.testing.assert_allclose(got.compute(), grad(f)(X), rtol=1e-10, atol=1e-12)


# -- models: NumPy parameters, Dask data -----------------------------------------

def logistic_loss(w, X, y):
    p = 1.0 / (1.0 + np.exp(-(X @ w)))
    return -np.mean(y * np.log(p) + (1.0 - y) * np.log(1.0 - p))


def mlp_loss(params, X, labels):
    W1, W2 = params
    h = np.tanh(X @ W1)
    logits = h @ W2
    m = np.max(logits, axis=1, keepdims=True)
    log_p = logits - m - np.log(np.sum(np.exp(logits - m), axis=1, keepdims=True))
    return -np.mean(np.sum(labels * log_p, axis=1))


def test_logistic_regression_over_dask_data():
    """The loss and the weights' gradient are lazy; one compute gives both (the
    data are read once), equal to NumPy's."""
    want_loss, want = value_and_grad(logistic_loss)(W, X, Y)
    with counting_computes() as computes:
        loss, g = value_and_grad(logistic_loss)(W, chunked(X, 5), chunked(Y, 5))
    assert computes.count == 0 and isinstance(g, da.Array) and g.shape == W.shape
    with counting_computes() as computes:
        loss, g = computed((loss, g))
    assert computes.count == 1
    np.testing.assert_allclose(loss, want_loss, rtol=1e-12)
    np.testing.assert_allclose(g, want, rtol=1e-10)


def test_mlp_over_dask_data():
    params = (W1, W2)
    want = grad(mlp_loss)(params, X, LABELS)
    with counting_computes() as computes:
        got = grad(mlp_loss)(params, chunked(X, 5), chunked(LABELS, 5))
    assert computes.count == 0 and all(isinstance(g, da.Array) for g in got)
    for g, w in zip(computed(got), want):
        np.testing.assert_allclose(g, w, rtol=1e-10)


def test_gradient_with_respect_to_the_data_and_the_weights():
    want = grad(mlp_loss, (0, 1))((W1, W2), X, LABELS)
    got = grad(mlp_loss, (0, 1))((W1, W2), chunked(X, 4), chunked(LABELS, 4))
    assert isinstance(got[1], da.Array) and got[1].chunks == chunked(X, 4).chunks
    np.testing.assert_allclose(got[1].compute(), want[1], rtol=1e-10)
    np.testing.assert_allclose(computed(got[0][0]), want[0][0], rtol=1e-10)


def test_linear_solve_with_dask():
    a = X[:4] @ X[:4].T + 4 * np.eye(4)

    def f(a):
        return np.sum(np.linalg.solve(a, W) ** 2)
    with counting_computes() as computes:
        got = grad(f)(da.from_array(a, chunks=2))
    assert computes.count == 0 and isinstance(got, da.Array)
    np.testing.assert_allclose(got.compute(), grad(f)(a), rtol=1e-10)


TOKENS = np.array([3, 0, 7, 3, 11, 3, 0])  # a sentence's word ids, repeats included


def sentence_score(embeddings):
    """A bag-of-words score: the embeddings of a sentence's tokens, looked up by id."""
    vectors = embeddings[TOKENS]
    return np.sum(np.tanh(vectors @ W)) + 0.1 * np.sum(embeddings[:, TOKENS[:2]] ** 2)


def test_a_gather_by_an_index_array_is_lazy():
    """Its gradient adds into repeated positions (a scatter-add, which Dask lacks):
    written with a one-hot product, lazy, in the embeddings' blocks."""
    assert_lazy_and_numpys(sentence_score, X, rtol=1e-6)


def test_a_gather_by_a_boolean_mask_is_a_clear_error():
    def f(x):
        return np.sum(x[x > 0.5] ** 2)
    with pytest.raises(NotImplementedError, match=r"x\[index\].*dask.*boolean mask"):
        grad(f)(chunked(X, 5))


def test_importing_tapeless_imports_no_dask(tmp_path):
    """Dask and array-api-compat are optional: nothing imports them until a
    gradient meets one of their arrays."""
    script = tmp_path / "numpy_only.py"
    script.write_text("import sys\nimport numpy as np\nfrom transpiler import grad\n\n"
                      "def f(x):\n    return np.sum(np.sin(x) @ x)\n\n"
                      "grad(f)(np.ones((2, 2)))\n"
                      "print(sorted(m for m in ('dask', 'array_api_compat') if m in sys.modules))\n")
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                          cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
