"""`a, b = t` inside a differentiated function behaves as in Python: exactly
as many items as names, else Python's ValueError (not the first two items of a
longer tuple); the gradients of the right ones match central differences."""
import numpy as np
import pytest

from transpiler import grad, hessian, jvp, value_and_grad
from runtime.numeric import numeric_grad

from conftest import assert_close


def spring_energy(state):
    x, v = state
    return 0.5 * v ** 2 + 2.0 * x ** 2


def stats(samples):
    return np.mean(samples), np.std(samples), np.max(samples)


def z_score(samples, value):
    mean, spread = stats(samples)  # (stats returns three values)
    return (value - mean) / spread


def pair_sum(pairs, w):
    total = 0.0
    for a, b in pairs:
        total = total + w * a * b
    return total


def leapfrog(state, dt):
    q, p = state
    for _ in range(5):
        p = p - 0.5 * dt * q
        q = q + dt * p
        p = p - 0.5 * dt * q
    return q ** 2 + p ** 2


def nested(params, x):
    (w, b), scale = params
    return scale * np.sum(np.tanh(w * x + b))


def shape_unpacked(X, w):
    n, d = X.shape
    return np.sum(X @ w) / (n * d)


@pytest.mark.parametrize("state", [[1.0, 2.0, 3.0], (1.0, 2.0, 3.0), np.array([1.0, 2.0, 3.0]),
                                   [1.0], np.array([1.0])])
def test_another_number_of_items_is_pythons_value_error(state):
    with pytest.raises(ValueError, match="values to unpack") as python:
        spring_energy(state)
    for transform in (grad, value_and_grad):
        with pytest.raises(ValueError, match="values to unpack") as ours:
            transform(spring_energy)(state)
        assert str(ours.value) == str(python.value)
    tangent = [1.0] * len(state) if isinstance(state, list) else \
        np.ones_like(state) if isinstance(state, np.ndarray) else (1.0,) * len(state)
    with pytest.raises(ValueError, match="values to unpack"):
        jvp(spring_energy, (state,), (tangent,))


def test_a_number_is_not_unpacked():
    with pytest.raises(TypeError, match="cannot unpack non-iterable float"):
        grad(spring_energy)(1.5)


def test_a_helper_returning_three_values_into_two_names():
    samples = np.array([1.0, 2.0, 4.0])
    with pytest.raises(ValueError, match="too many values to unpack"):
        z_score(samples, 3.0)
    with pytest.raises(ValueError, match="too many values to unpack"):
        grad(z_score, wrt=(0, 1))(samples, 3.0)


def test_a_loop_over_pairs_meeting_a_triple():
    good = [(1.0, 2.0), (3.0, 0.5)]
    assert_close(grad(pair_sum, wrt=1)(good, 1.5), numeric_grad(pair_sum, (good, 1.5), wrt=1))
    assert_close(grad(pair_sum, wrt=0)(good, 1.5), numeric_grad(pair_sum, (good, 1.5), wrt=0))
    with pytest.raises(ValueError, match="too many values to unpack"):
        grad(pair_sum, wrt=1)(good + [(1.0, 2.0, 3.0)], 1.5)


@pytest.mark.parametrize("state", [(1.0, 0.5), [1.0, 0.5], np.array([1.0, 0.5])])
def test_right_unpacking_gradients_match_differences(state):
    assert_close(grad(spring_energy)(state), numeric_grad(spring_energy, (state,)))
    assert_close(grad(leapfrog, wrt=(0, 1))(state, 0.1),
                 numeric_grad(leapfrog, (state, 0.1), wrt=(0, 1)))
    if isinstance(state, np.ndarray):
        assert_close(hessian(spring_energy)(state), np.array([[4.0, 0.0], [0.0, 1.0]]))


def test_nested_and_shape_unpacking():
    params = ((np.array([0.5, -1.0]), 0.2), 3.0)
    x = np.array([1.0, 2.0])
    got = grad(nested)(params, x)
    want = numeric_grad(nested, (params, x))
    assert_close(got[0][0], want[0][0])
    assert_close(got[0][1], want[0][1])
    assert_close(got[1], want[1])
    X = np.arange(6.0).reshape(3, 2)
    w = np.array([0.5, -1.0])
    assert_close(grad(shape_unpacked, wrt=1)(X, w), numeric_grad(shape_unpacked, (X, w), wrt=1))
    with pytest.raises(ValueError, match="too many values to unpack"):
        grad(shape_unpacked, wrt=1)(np.ones((2, 2, 2)), w)


def test_generated_code_unpacks_as_python_does():
    g = grad(spring_energy)
    g((1.0, 0.5))
    assert "x, v = state" in g.source
    assert "check_unpack" not in g.source


# -- starred targets ---------------------------------------------------------------------

def first_and_rest(params, x):
    w, *rest = params
    return np.sum(w * x) + sum(r ** 2 for r in rest)


def init_and_last(params, x):
    *init, last = params
    return last * np.sum(x) + init[0] * len(init)


def ends_and_middle(params):
    a, *mid, z = params
    total = a * z
    for m in mid:
        total = total + m ** 3
    return total


def first_row_apart(M):
    first, *others = M
    return np.sum(first ** 2) + sum(np.sum(np.sin(o)) for o in others)


def layers_after_the_input(layers, x):
    h = x
    for W, *maybe_bias in layers:
        h = np.tanh(h @ W)
        if maybe_bias:
            h = h + maybe_bias[0]
    return np.sum(h)


@pytest.mark.parametrize("params", [[1.0, 2.0, 3.0], (1.0, 2.0, 3.0), np.array([1.0, 2.0, 3.0]),
                                    [1.0, 2.0, 3.0, -1.5, 0.5]])
def test_starred_targets_match_differences(params):
    x = np.array([0.5, -2.0])
    for fn in (first_and_rest, init_and_last):
        assert_close(grad(fn, wrt=(0, 1))(params, x), numeric_grad(fn, (params, x), wrt=(0, 1)),
                     rtol=1e-5)
    assert_close(grad(ends_and_middle)(params), numeric_grad(ends_and_middle, (params,)),
                 rtol=1e-5)
    if isinstance(params, np.ndarray):
        want = np.diag([0.0, 12.0, 0.0])
        want[0, 2] = want[2, 0] = 1.0
        assert_close(hessian(ends_and_middle)(params), want, atol=1e-6)
        _, tangent = jvp(ends_and_middle, (params,), (np.ones(3),))
        assert tangent == pytest.approx(float(np.sum(numeric_grad(ends_and_middle, (params,)))))


def test_the_starred_name_is_a_list_of_rows_of_an_array():
    M = np.arange(6.0).reshape(3, 2) / 3
    assert_close(grad(first_row_apart)(M), numeric_grad(first_row_apart, (M,)))


def test_starred_loop_targets():
    rng = np.random.default_rng(0)
    layers = [(rng.normal(size=(2, 3)), rng.normal(size=3)), (rng.normal(size=(3, 2)),)]
    x = np.array([0.3, -0.7])
    got = grad(layers_after_the_input)(layers, x)
    want = numeric_grad(layers_after_the_input, (layers, x))
    assert len(got) == 2 and len(got[0]) == 2 and len(got[1]) == 1
    for g_layer, w_layer in zip(got, want):
        for g, w in zip(g_layer, w_layer):
            assert_close(g, w, rtol=1e-5)


@pytest.mark.parametrize("params", [[1.0], [], np.array([2.0])])
def test_too_few_items_for_a_starred_target_is_pythons_error(params):
    with pytest.raises(ValueError) as python:
        ends_and_middle(params)
    with pytest.raises(ValueError) as ours:
        grad(ends_and_middle)(params)
    assert str(ours.value) == str(python.value)
