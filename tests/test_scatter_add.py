"""`np.add.at` / `np.subtract.at`: unbuffered scatter updates, as graph and
mesh codes write them (each edge adds into its nodes; repeated indices add up).
Oracles: finite differences, HIPS autograd's np.add.at-free formulation."""
import autograd
import autograd.numpy as anp
import numpy as np
import pytest

from transpiler import TranspileError, grad, hessian, jvp

from conftest import assert_close
from runtime.numeric import numeric_grad

EDGES = np.array([[0, 1], [1, 2], [2, 0], [1, 3], [3, 1]])


def message_passing(h, w):
    """One round of sum-aggregation over EDGES, then a readout."""
    msgs = np.tanh(h[EDGES[:, 0]] * w)
    agg = np.zeros_like(h)
    np.add.at(agg, EDGES[:, 1], msgs)
    np.subtract.at(agg, EDGES[:, 0], 0.5 * msgs)
    return np.sum(np.sin(agg) ** 2)


def ag_message_passing(h, w):
    msgs = anp.tanh(h[EDGES[:, 0]] * w)
    n = h.shape[0]
    into = (EDGES[:, 1][None, :] == np.arange(n)[:, None]).astype(float)
    out_of = (EDGES[:, 0][None, :] == np.arange(n)[:, None]).astype(float)
    agg = anp.dot(into, msgs) - 0.5 * anp.dot(out_of, msgs)
    return anp.sum(anp.sin(agg) ** 2)


@pytest.fixture
def graph(rng):
    return rng.normal(size=(4, 3)), rng.normal(size=3)


def test_scatter_sums_with_repeated_indices_agree_with_autograd(graph):
    h, w = graph
    got = grad(message_passing, wrt=(0, 1))(h, w)
    want = autograd.grad(ag_message_passing, (0, 1))(h, w)
    assert_close(got, want, rtol=1e-10)
    assert_close(message_passing(h, w), ag_message_passing(h, w), rtol=1e-12)


def test_forward_mode_and_hessian_through_scatter(graph):
    h, w = graph
    v = np.ones_like(w)
    _, tangent = jvp(lambda w: message_passing(h, w), (w,), (v,))
    assert_close(tangent, np.dot(autograd.grad(ag_message_passing, 1)(h, w), v), rtol=1e-10)
    assert_close(hessian(message_passing, wrt=1)(h, w),
                 autograd.hessian(ag_message_passing, 1)(h, w), rtol=1e-8)


def test_scatter_into_an_alias_changes_the_array_behind_it(rng):
    def f(v):
        acc = np.zeros(3)
        same = acc                    # another name for the same array
        np.add.at(same, [0, 0, 2], v)
        return np.sum(acc ** 2)       # sees the update, as in NumPy

    v = rng.normal(size=3)
    assert_close(grad(f)(v), numeric_grad(f, (v,)), rtol=1e-6)


def test_scatter_into_an_argument_leaves_the_callers_array_alone(rng):
    def f(x, v):
        np.add.at(x, [1, 1], v)
        return np.sum(x ** 3)

    x, v = rng.normal(size=3), rng.normal(size=2)
    before = x.copy()
    got = grad(f, wrt=(0, 1))(x, v)
    np.testing.assert_array_equal(x, before)
    want = numeric_grad(lambda x, v: f(x.copy(), v), (x, v), (0, 1))  # (f changes its x)
    assert_close(got, want, rtol=1e-6)


def test_other_unbuffered_updates_and_shuffles_are_refused(rng):
    def mul_at(v):
        y = np.ones(3)
        np.multiply.at(y, [0, 1], v)
        return np.sum(y)

    def shuffled(x):
        y = 2.0 * x
        np.random.shuffle(y)
        return y[0]

    with pytest.raises(TranspileError, match=r"np\.multiply\.at"):
        grad(mul_at)(rng.normal(size=2))
    with pytest.raises(TranspileError, match="changes its argument in place"):
        grad(shuffled)(rng.normal(size=3))
