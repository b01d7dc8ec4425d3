"""NumPy reductions, linear algebra and shape operations: gradients against central
finite differences (random shapes and axes from hypothesis) and autograd,
tangents against directional differences."""
import autograd
import autograd.numpy as anp
import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from transpiler import grad, jvp

from conftest import assert_close, check_against_fd, function_from_source

REDUCTIONS = ["np.sum", "np.mean", "np.max", "np.min", "np.prod", "np.var"]


@st.composite
def shape_and_axis(draw, smallest=1):
    ndim = draw(st.integers(1, 3))
    shape = tuple(draw(st.lists(st.integers(smallest, 4), min_size=ndim, max_size=ndim)))
    axis = draw(st.one_of(st.none(), st.integers(-ndim, ndim - 1),
                          st.just(tuple(range(ndim)))))
    return shape, axis, draw(st.booleans())


@pytest.mark.parametrize("name", REDUCTIONS)
@settings(max_examples=15, deadline=None)
@given(case=shape_and_axis(), seed=st.integers(0, 2 ** 16))
def test_reductions_with_axis_and_keepdims(name, case, seed, tmp_path_factory):
    shape, axis, keepdims = case
    low, high = (0.8, 1.25) if name == "np.prod" else (0.5, 2.0)  # products stay near 1
    x = np.random.default_rng(seed).uniform(low, high, size=shape)
    # distinct, no ties: farther apart than the finite-difference step
    assume(x.size < 2 or np.min(np.diff(np.sort(x, axis=None))) > 1e-3)
    f = function_from_source(
        f"def f(x):\n    return np.sum(np.sin({name}(x, axis={axis!r}, keepdims={keepdims})))\n",
        "f", tmp_path_factory.mktemp("red"))
    check_against_fd(grad(f), f, (x,), 0)
    _, t = jvp(f)(x, tangents=np.ones(shape))
    assert np.isclose(t, np.sum(grad(f)(x)), rtol=1e-8)


@settings(max_examples=15, deadline=None)
@given(case=shape_and_axis(smallest=2), seed=st.integers(0, 2 ** 16))
def test_std_with_axis(case, seed, tmp_path_factory):
    # std is not differentiable where it is zero (a single element): sizes >= 2
    shape, axis, keepdims = case
    x = np.random.default_rng(seed).uniform(0.5, 2.0, size=shape)
    f = function_from_source(
        f"def f(x):\n    return np.sum(np.std(x, axis={axis!r}, keepdims={keepdims}) ** 3)\n",
        "f", tmp_path_factory.mktemp("std"))
    check_against_fd(grad(f), f, (x,), 0)


def test_prod_with_zeros():
    def f(x):
        return np.prod(x)
    for x in (np.array([2.0, 0.0, 3.0]), np.array([0.0, 0.0, 3.0])):
        want = np.array([np.prod(np.delete(x, i)) for i in range(3)])
        assert_close(grad(f)(x), want)


def test_max_ties_split_the_gradient():
    def f(x):
        return np.max(x)
    assert_close(grad(f)(np.array([1.0, 3.0, 3.0])), np.array([0.0, 0.5, 0.5]))


def logsumexp(x):
    m = np.max(x)
    return m + np.log(np.sum(np.exp(x - m)))


def test_hand_written_logsumexp(rng):
    x = rng.normal(size=5)
    assert_close(grad(logsumexp)(x), np.exp(x) / np.sum(np.exp(x)), rtol=1e-12)


def norms(x, A):
    return np.linalg.norm(x) + np.linalg.norm(A) + np.sum(np.linalg.norm(A, axis=1))


def test_vector_and_frobenius_norms(rng):
    x, A = rng.normal(size=4), rng.normal(size=(3, 2))
    check_against_fd(grad(norms, wrt=(0, 1)), norms, (x, A), (0, 1))


def linalg(A, B, v):
    C = np.linalg.inv(A) @ B
    s = np.linalg.det(A) + np.trace(C) + np.sum(np.linalg.solve(A, v))
    return s + np.sum(np.linalg.solve(A, B) ** 2) + np.inner(v, v) + np.sum(np.outer(v, v[:2]))


def linalg_ref(A, B, v):
    C = anp.dot(anp.linalg.inv(A), B)
    s = anp.linalg.det(A) + anp.trace(C) + anp.sum(anp.linalg.solve(A, v))
    return s + anp.sum(anp.linalg.solve(A, B) ** 2) + anp.inner(v, v) + anp.sum(
        anp.outer(v, v[:2]))


def test_linear_algebra_against_autograd(rng):
    A = rng.normal(size=(3, 3)) + 3 * np.eye(3)
    B, v = rng.normal(size=(3, 2)), rng.normal(size=3)
    got = grad(linalg, wrt=(0, 1, 2))(A, B, v)
    assert_close(got, autograd.grad(linalg_ref, (0, 1, 2))(A, B, v), rtol=1e-9)
    check_against_fd(grad(linalg, wrt=(0, 1, 2)), linalg, (A, B, v), (0, 1, 2), rtol=1e-4)


def shapes(x, y):
    a = np.expand_dims(x, 0) * 2.0
    b = np.squeeze(a, 0) + np.ravel(np.swapaxes(y, 0, 1))[:3]
    c = np.concatenate([b, x ** 2], axis=0)
    d = np.stack([x, b], axis=1)
    e = np.broadcast_to(x, (2, 3)) * np.flip(y, axis=1)[:, :3]
    f = np.hstack([x, b]) @ np.vstack([y[:, :3], y[:, :3], y[:, 1:]]).T.sum(axis=0)
    return np.sum(c * c) + np.sum(np.sin(d)) + np.sum(e) + f + np.sum(np.cumsum(c))


def test_shape_operations(rng):
    x, y = rng.normal(size=3), rng.normal(size=(2, 4))
    check_against_fd(grad(shapes, wrt=(0, 1)), shapes, (x, y), (0, 1))


def moved(x):
    return np.sum(np.moveaxis(x, 0, -1) * np.arange(24.0).reshape(3, 4, 2))


def test_moveaxis(rng):
    x = rng.normal(size=(2, 3, 4))
    check_against_fd(grad(moved), moved, (x,), 0)


def fancy(x, idx):
    return np.sum(x[idx] ** 2) + np.sum(x[x > 0.0]) + np.sum(x[..., None][1:, 0])


def test_fancy_indexing_accumulates_repeated_indices():
    x = np.array([1.0, -2.0, 3.0, 0.5])
    idx = np.array([0, 0, 2, 0])
    want = np.array([6.0 + 1 + 0, 0.0 + 0 + 1, 6.0 + 1 + 1, 0.0 + 1 + 1])
    assert_close(grad(fancy)(x, idx), want)


def test_float32_stays_float32():
    def f(x):
        return np.sum(np.tanh(x) * x)
    g = grad(f)(np.ones(3, dtype=np.float32))
    assert g.dtype == np.float32
    assert grad(f)(np.ones(3)).dtype == np.float64
