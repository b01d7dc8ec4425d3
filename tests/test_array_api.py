"""Functions written against the Python Array API standard (`xp = array_namespace(x)`)
are differentiated with the standard's functions, and the generated code calls the
namespace the function computes: one gradient runs on array-api-strict (which
refuses everything outside the standard), NumPy and Dask arrays.

Each gradient on NumPy arrays is checked against central finite differences; the
gradients on the other libraries' arrays against it, and their type against the
argument's.
"""
import numpy as np
import pytest

from transpiler import TranspileError, grad, value_and_grad
from runtime.numeric import numeric_grad

from conftest import assert_close

xps = pytest.importorskip("array_api_strict")
compat = pytest.importorskip("array_api_compat")
array_namespace = compat.array_namespace
STRICT = type(xps.asarray(1.0))


# ---- functions written the way the standard's users write them -----------------

def sin_times(x):
    xp = array_namespace(x)
    return xp.sum(xp.sin(x) * x)


def elementwise(x):
    xp = array_namespace(x)
    y = xp.exp(-x ** 2) + xp.log1p(xp.square(x)) + xp.tanh(x) * xp.cos(x)
    y = y + xp.sqrt(x * x + 1.0) + xp.pow(xp.abs(x) + 1.0, 1.5) + xp.asin(x / 4.0)
    y = y + xp.atan2(x, x * x + 1.0) + xp.maximum(x, 0.25) + xp.logaddexp(x, 2.0 * x)
    return xp.sum(y)


def reductions(x):
    xp = array_namespace(x)
    return (xp.sum(xp.mean(x, axis=0) ** 2) + xp.sum(xp.max(x, axis=1))
            + xp.sum(xp.min(x, axis=0, keepdims=True) * x) + xp.prod(x[0, :])
            + xp.std(x) + xp.sum(xp.var(x, axis=1, correction=1.0)))


def products(a, b):
    xp = array_namespace(a, b)
    c = xp.matmul(a, b) + a @ xp.matrix_transpose(a) @ b
    d = xp.tensordot(a, b, axes=1) + xp.linalg.matmul(a, b)
    return xp.sum(c * d) + xp.sum(xp.vecdot(a, a.mT @ a))


def shapes(x):
    xp = array_namespace(x)
    y = xp.reshape(x, (4, 3))
    z = xp.permute_dims(y, (1, 0))
    w = xp.concat([z, 2.0 * z], axis=1)
    s = xp.stack([y, y * y], axis=0)
    e = xp.squeeze(xp.expand_dims(w, axis=0), axis=0)
    return xp.sum(e * xp.flip(e, axis=0)) + xp.sum(s[1, ...]) + xp.sum(xp.where(x > 0.0, x, -x))


def linear_algebra(a):
    xp = array_namespace(a)
    m = a @ a.mT + 3.0 * xp.eye(3, dtype=a.dtype)
    inv = xp.linalg.inv(m)
    solved = xp.linalg.solve(m, a)
    chol = xp.linalg.cholesky(m)
    return (xp.sum(inv) + xp.sum(solved ** 2) + xp.sum(chol) + xp.linalg.det(m)
            + xp.linalg.vector_norm(a) + xp.linalg.matrix_norm(a))


def logistic_loss(w, X, y):
    """A library-agnostic logistic regression loss."""
    xp = array_namespace(X, w)
    z = X @ w
    return xp.mean(xp.log1p(xp.exp(-z)) + (1.0 - y) * z)


def softmax_cross_entropy(W, X, labels):
    """Mean cross-entropy of a linear classifier; `labels` one-hot."""
    xp = array_namespace(X, W)
    logits = X @ W
    top = xp.max(logits, axis=1, keepdims=True)
    shifted = logits - top
    log_probs = shifted - xp.log(xp.sum(xp.exp(shifted), axis=1, keepdims=True))
    return -xp.mean(xp.sum(labels * log_probs, axis=1))


def mlp_loss(W1, W2, X):
    xp = array_namespace(X)
    h = xp.tanh(X @ W1)
    out = h @ W2
    return xp.sum(out * out) / out.shape[0]


def through_method(x):
    xp = x.__array_namespace__()
    return xp.sum(xp.exp(x) * x)


def with_parameter(x, xp=np):
    return xp.sum(xp.sin(x) ** 2)


def cumulative(x):
    xp = array_namespace(x)
    return xp.sum(xp.cumulative_sum(x, axis=0) ** 2)


def power(x, y):
    """`x ** y`: the rule of the operator needs the namespace's `log`."""
    xp = array_namespace(x, y)
    return xp.sum(x ** y + xp.roll(x, 1) * xp.take(y, xp.asarray([2, 0, 1]), axis=0))


def lasso_loss(w, X, y):
    """Least squares with an L1 penalty on the weights (the lasso)."""
    xp = array_namespace(X, w)
    r = X @ w - y
    return xp.mean(r * r) + 0.1 * xp.sum(xp.abs(w))


def all_and_none(p):
    """Independent events with probabilities p: that all of one kind happen, and
    that none of each kind does."""
    xp = array_namespace(p)
    return xp.prod(p[0, :]) + xp.sum(xp.log(xp.prod(1.0 - p, axis=0)))


def survival_area(hazard):
    """The area under survival curves S_t = prod over s <= t of (1 - h_s), one
    curve per column (a hazard of 1 ends a curve: a zero factor)."""
    xp = array_namespace(hazard)
    return xp.sum(xp.cumulative_prod(1.0 - hazard, axis=0))


def gaussian_log_det(A):
    """log det of the covariance A A^T + I, from its Cholesky factor."""
    xp = array_namespace(A)
    covariance = A @ A.mT + xp.eye(A.shape[0], dtype=A.dtype)
    L = xp.linalg.cholesky(covariance)
    return 2.0 * xp.sum(xp.log(xp.linalg.diagonal(L)))


def bag_of_embeddings(E, tokens):
    """A sentence's score from the embeddings of its tokens (repeats included)."""
    xp = array_namespace(E)
    vectors = xp.take(E, tokens, axis=0)
    return xp.sum(xp.tanh(xp.sum(vectors, axis=0)))


def standardized(x):
    """z-scores of measurements, converted to float64 first (xp.astype)."""
    xp = array_namespace(x)
    x = xp.astype(x, xp.float64)
    z = (x - xp.mean(x, axis=0)) / xp.std(x, axis=0)
    return xp.sum(z ** 3)


RNG = np.random.default_rng(0)
X6 = RNG.uniform(0.2, 1.5, size=(4, 3))
A, B = RNG.normal(size=(3, 3)), RNG.normal(size=(3, 3))
DATA = RNG.normal(size=(20, 3))
TARGETS = (RNG.uniform(size=20) > 0.5).astype(float)
ONE_HOT = np.eye(4)[RNG.integers(0, 4, size=20)]
PROBABILITIES = np.array([[0.9, 0.0, 0.5], [0.2, 0.7, 0.4]])  # an impossible event too
HAZARDS = np.array([[0.1, 0.3, 0.2], [0.2, 1.0, 0.4], [0.3, 0.1, 0.5], [0.6, 0.2, 0.1]])

CASES = [
    (sin_times, (np.linspace(-1.0, 1.0, 5),), 0),
    (elementwise, (np.linspace(-0.9, 0.8, 6),), 0),
    (reductions, (X6,), 0),
    (products, (A, B), 0),
    (products, (A, B), 1),
    (shapes, (RNG.normal(size=(3, 4)),), 0),
    (linear_algebra, (A,), 0),
    (logistic_loss, (RNG.normal(size=3), DATA, TARGETS), 0),
    (softmax_cross_entropy, (RNG.normal(size=(3, 4)), DATA, ONE_HOT), 0),
    (mlp_loss, (RNG.normal(size=(3, 5)), RNG.normal(size=(5, 2)), DATA), 0),
    (mlp_loss, (RNG.normal(size=(3, 5)), RNG.normal(size=(5, 2)), DATA), 1),
    (through_method, (np.linspace(-1.0, 1.0, 4),), 0),
    (cumulative, (X6,), 0),
    (power, (np.array([0.5, 1.5, 2.0]), np.array([1.5, 0.5, 2.5])), 0),
    (power, (np.array([0.5, 1.5, 2.0]), np.array([1.5, 0.5, 2.5])), 1),
    (lasso_loss, (RNG.normal(size=3), DATA, DATA @ np.array([1.0, 0.0, -2.0])), 0),
    (all_and_none, (PROBABILITIES,), 0),
    (survival_area, (HAZARDS,), 0),
    (gaussian_log_det, (RNG.normal(size=(3, 2)),), 0),
    (bag_of_embeddings, (RNG.normal(size=(6, 3)), np.array([4, 1, 4, 0, 4])), 0),
    (standardized, (X6,), 0),
]
IDS = [f"{f.__name__}-{wrt}" for f, _, wrt in CASES]


def numpy_gradient(f, args, wrt):
    """Our gradient on NumPy arrays, checked against central differences."""
    g = grad(f, wrt=wrt)(*args)
    assert type(g) is np.ndarray
    assert_close(g, numeric_grad(f, args, wrt), rtol=1e-5, atol=1e-6)
    return g


@pytest.mark.parametrize("f,args,wrt", CASES, ids=IDS)
def test_array_api_strict(f, args, wrt):
    expected = numpy_gradient(f, args, wrt)
    strict = [xps.asarray(a) for a in args]
    g = grad(f, wrt=wrt)(*strict)
    assert type(g) is type(strict[wrt])  # an array-api-strict array, not NumPy's
    assert_close(np.asarray(g), expected, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("f,args,wrt", CASES, ids=IDS)
def test_numpy_through_compat(f, args, wrt):
    expected = numpy_gradient(f, args, wrt)
    arrays = [compat.numpy.asarray(a) for a in args]
    value, g = value_and_grad(f, wrt=wrt)(*arrays)
    assert type(g) is np.ndarray
    assert_close(value, f(*args))
    assert_close(g, expected, rtol=1e-10, atol=1e-12)


# Dask's arrays have no `.mT` and no `__array_namespace__`, and reshape only along
# chunk boundaries: these functions do not run on them (nor does their primal)
NOT_ON_DASK = {products, linear_algebra, through_method, shapes, gaussian_log_det}
DASK_CASES = [case for case in CASES if case[0] not in NOT_ON_DASK]


@pytest.mark.parametrize("f,args,wrt", DASK_CASES,
                         ids=[f"{f.__name__}-{wrt}" for f, _, wrt in DASK_CASES])
def test_dask(f, args, wrt):
    da = pytest.importorskip("dask.array")
    expected = numpy_gradient(f, args, wrt)
    from dask.callbacks import Callback
    lazy = [da.from_array(a, chunks=2) for a in args]
    computed = []
    with Callback(pretask=lambda key, dask, state: computed.append(key)):
        g = grad(f, wrt=wrt)(*lazy)
    assert isinstance(g, da.Array)
    assert computed == []  # lazy: no task ran before .compute()
    assert_close(g.compute(), expected, rtol=1e-10, atol=1e-12)


def test_generated_code_calls_the_functions_namespace():
    g = grad(sin_times)
    g(xps.asarray(np.linspace(0.0, 1.0, 3)))
    assert "xp.cos(x)" in g.source
    assert "np." not in g.source
    g = grad(linear_algebra)
    g(A)
    assert "xp.linalg.inv(m)" in g.source and "np." not in g.source


def test_a_namespace_module_read_as_a_global():
    def f(x):
        return xps.sum(xps.sum(xps.exp(x) * xps.sin(x), axis=0))

    x = RNG.normal(size=(3, 2))
    g = grad(f)(xps.asarray(x))
    assert type(g) is STRICT
    expected = numeric_grad(lambda v: np.sum(np.exp(v) * np.sin(v)), [x], 0)
    assert_close(np.asarray(g), expected, rtol=1e-6)


def test_a_namespace_parameter():
    x = np.linspace(-1.0, 1.0, 4)
    assert_close(grad(with_parameter)(x), numeric_grad(with_parameter, [x], 0))
    g = grad(with_parameter)(xps.asarray(x), xps)
    assert type(g) is STRICT
    assert_close(np.asarray(g), 2.0 * np.sin(x) * np.cos(x))


def test_second_order_through_the_namespace():
    def f(x):
        xp = array_namespace(x)
        return xp.sum(xp.sin(x) * x)

    x = np.linspace(-1.0, 1.0, 3)
    from transpiler import hessian
    h = hessian(f)(x)
    assert_close(h, np.diag(2.0 * np.cos(x) - x * np.sin(x)))


def energy(x):
    """A potential energy, through a helper that asks for its own namespace."""
    return 0.5 * pair_terms(x) + xp_sum_of_squares(x)


def pair_terms(x):
    xp = array_namespace(x)
    return xp.sum(xp.cos(x[1:] - x[:-1]) * x[1:])


def xp_sum_of_squares(x):
    xp = array_namespace(x)
    return xp.sum(x * x)


SECOND_ORDER = [(energy, (np.array([0.3, -0.8, 1.2, 0.5]),), 0),
                (logistic_loss, CASES[7][1], 0), (sin_times, CASES[0][1], 0),
                (linear_algebra, (A,), 0), (gaussian_log_det, (RNG.normal(size=(3, 2)),), 0)]


@pytest.mark.parametrize("f,args,wrt", SECOND_ORDER, ids=[c[0].__name__ for c in SECOND_ORDER])
def test_hessian_on_numpy_and_strict_arrays(f, args, wrt):
    """hessian = forward over reverse; the reverse sweep of a called function
    reads its namespace back from the saved values (`saved_namespace`)."""
    from transpiler import hessian
    h = hessian(f, wrt=wrt)(*args)
    gradient = grad(f, wrt=wrt)
    x = args[wrt]
    columns = [numeric_grad(lambda v: np.ravel(gradient(*args[:wrt], v, *args[wrt + 1:]))[i],
                            [x], 0) for i in range(x.size)]
    assert_close(np.reshape(h, (x.size,) + x.shape), np.array(columns), rtol=1e-6, atol=1e-7)
    strict = [xps.asarray(a) for a in args]
    h_strict = hessian(f, wrt=wrt)(*strict)
    assert type(h_strict) is STRICT
    assert_close(np.asarray(h_strict), h, rtol=1e-10, atol=1e-12)


def test_gradient_of_a_gradient_through_a_called_function():
    """grad(grad) (reverse over reverse) through a function with its own `xp`."""
    x = np.array([0.3, -0.8, 1.2, 0.5])

    def second(v):
        return grad(energy)(v)[2]

    expected = numeric_grad(second, [x], 0)
    assert_close(grad(second)(x), expected, rtol=1e-6, atol=1e-7)
    got = grad(second)(xps.asarray(x))
    assert type(got) is STRICT
    assert_close(np.asarray(got), expected, rtol=1e-6, atol=1e-7)


# the tape engine does not follow a traced value into a list (`xp.concat([z, w])`)
TAPE_CASES = [case for case in CASES if case[0] is not shapes]


@pytest.mark.parametrize("f,args,wrt", TAPE_CASES,
                         ids=[f"{f.__name__}-{wrt}" for f, _, wrt in TAPE_CASES])
def test_the_tape_engine_runs_array_api_code(f, args, wrt):
    """On the tape, `array_namespace` of traced values records NumPy's functions
    of the standard's names: the oracle of check_grad for such code."""
    from transpiler.tape import tape_grad
    assert_close(tape_grad(f, wrt)(*args), numpy_gradient(f, args, wrt), rtol=1e-10, atol=1e-12)


def test_the_tape_engine_on_strict_arrays_is_a_clear_error():
    from transpiler.tape import tape_grad
    with pytest.raises(TypeError, match="tape engine cannot differentiate sin_times on "
                                        "array_api_strict arrays.*transpiler.grad"):
        tape_grad(sin_times)(xps.asarray(np.ones(3)))


def unknown_function(x):
    xp = array_namespace(x)
    return xp.sum(xp.fancy_transform(x))


def test_a_function_outside_the_standard_is_a_located_error():
    with pytest.raises(TranspileError) as info:
        grad(unknown_function)(np.ones(3))
    message = str(info.value)
    assert "xp.fancy_transform" in message and "Array API" in message
    assert "test_array_api.py" in message


def rule_outside_the_standard(x):
    xp = array_namespace(x)
    return xp.sum(xp.linalg.matrix_norm(x, ord=2))


def test_an_unsupported_option_is_an_error_not_a_wrong_gradient():
    with pytest.raises((TranspileError, ValueError)) as info:
        grad(rule_outside_the_standard)(xps.asarray(np.eye(3) + 0.5))
    assert "matrix_norm" in str(info.value)


@pytest.mark.parametrize("f,args,wrt", CASES, ids=IDS)
def test_forward_mode_on_strict_arrays(f, args, wrt):
    """jvp: the tangent rules call the namespace too; checked against the gradient."""
    from transpiler import jvp
    direction = RNG.normal(size=np.shape(args[wrt]))
    expected = float(np.sum(numpy_gradient(f, args, wrt) * direction))
    strict = [xps.asarray(a) for a in args]
    value, tangent = jvp(f, wrt=wrt)(*strict, tangents=xps.asarray(direction))
    assert_close(float(tangent), expected, rtol=1e-8)


def tensordot_pairs(a, b):
    xp = array_namespace(a, b)
    return xp.sum(xp.tensordot(a, b, axes=([1], [0])))


def test_tensordot_with_lists_of_axes_is_a_located_error():
    with pytest.raises(TranspileError) as info:
        grad(tensordot_pairs)(A, B)
    assert "xp.tensordot" in str(info.value) and "integer" in str(info.value)


@pytest.mark.source_text
def test_the_adjoint_reads_like_the_function():
    g = grad(logistic_loss)
    g(*CASES[7][1])
    assert g.source.splitlines()[1:5] == [
        "    xp = array_namespace(X, w)",
        "    z = X @ w",
        "    exp = xp.exp(-z)",
        "    log1p = xp.log1p(exp)",
    ]
    assert "d_exp = d_log1p * (1.0 / (1.0 + exp))" in g.source
