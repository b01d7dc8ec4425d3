"""Forward mode (jvp), vjp, jacobians, Hessians and derivatives of any order."""
import math

import autograd
import autograd.numpy as anp
import numpy as np
import pytest

from transpiler import grad, hessian, hvp, jacobian, jvp, vjp

from conftest import assert_close
from runtime.numeric import numeric_grad


def layer(x, W):
    return np.tanh(W @ x) * 2.0 + np.sum(x)


def layer_ref(x, W):
    return anp.tanh(anp.dot(W, x)) * 2.0 + anp.sum(x)


def scalar_loss(x, W):
    h = np.tanh(W @ x)
    return np.sum(h ** 2) + np.sum(x ** 3)


def scalar_loss_ref(x, W):
    return anp.sum(anp.tanh(anp.dot(W, x)) ** 2) + anp.sum(x ** 3)


@pytest.fixture
def data(rng):
    return rng.normal(size=3), rng.normal(size=(4, 3)), rng.normal(size=3), rng.normal(size=4)


def test_jvp_against_jacobian_and_fd(data):
    x, W, v, _ = data
    value, tangent = jvp(layer)(x, W, tangents=v)
    assert_close(value, layer(x, W))
    J = autograd.jacobian(layer_ref)(x, W)
    assert_close(tangent, J @ v, rtol=1e-12)
    h = 1e-6  # the directional finite difference
    assert_close(tangent, (layer(x + h * v, W) - layer(x - h * v, W)) / (2 * h), rtol=1e-6)


def test_jvp_with_several_inputs(data):
    x, W, v, _ = data
    dW = np.ones_like(W)
    _, tangent = jvp(layer, wrt=(0, 1))(x, W, tangents=(v, dW))
    Jx = autograd.jacobian(layer_ref, 0)(x, W)
    JW = autograd.jacobian(layer_ref, 1)(x, W)
    assert_close(tangent, Jx @ v + np.einsum("ijk,jk->i", JW, dW), rtol=1e-12)


def test_vjp_for_array_outputs(data):
    x, W, _, u = data
    value, pullback = vjp(layer)(x, W)
    assert_close(value, layer(x, W))
    assert_close(pullback(u), u @ autograd.jacobian(layer_ref)(x, W), rtol=1e-12)


@pytest.mark.parametrize("mode", ["forward", "reverse", None])
def test_jacobian_modes(data, mode):
    x, W, _, _ = data
    assert_close(jacobian(layer, mode=mode)(x, W), autograd.jacobian(layer_ref)(x, W),
                 rtol=1e-12)


def test_hessian_and_hvp_against_autograd(data):
    x, W, v, _ = data
    H = autograd.hessian(scalar_loss_ref)(x, W)
    assert_close(hessian(scalar_loss)(x, W), H, rtol=1e-11, atol=1e-12)
    assert_close(hvp(scalar_loss)(x, W, v=v), H @ v, rtol=1e-11, atol=1e-12)


def mixed(x, y):
    return x ** 2 * y ** 3 + math.sin(x * y)


def test_mixed_partials():
    x, y = 0.5, 1.5
    want = 6 * x * y ** 2 + math.cos(x * y) - x * y * math.sin(x * y)
    assert math.isclose(grad(grad(mixed, wrt="x"), wrt="y")(x, y), want, rel_tol=1e-13)
    assert math.isclose(grad(grad(mixed, wrt="y"), wrt="x")(x, y), want, rel_tol=1e-13)


def poly(x):
    return 3.0 * x ** 4 - 2.0 * x ** 3 + x


def test_polynomial_derivatives_to_fifth_order():
    x = 1.3
    want = [12 * x ** 3 - 6 * x ** 2 + 1, 36 * x ** 2 - 12 * x, 72 * x - 12, 72.0, 0.0]
    d = poly
    for k in range(5):
        d = grad(d)
        assert math.isclose(d(x), want[k], rel_tol=1e-12, abs_tol=1e-12), k


def sin_exp(x):
    return math.sin(x) * np.exp(x)


def test_sin_exp_derivatives_against_closed_form():
    # d^n/dx^n e^x sin x = 2^(n/2) e^x sin(x + n pi / 4)
    x = 0.4
    d = sin_exp
    for n in range(1, 6):
        d = grad(d)
        want = 2 ** (n / 2) * math.exp(x) * math.sin(x + n * math.pi / 4)
        assert math.isclose(d(x), want, rel_tol=1e-12), n


def x5_sin_loop(x):
    s = 0.0
    for i in range(3):
        s = s + x ** 5 * math.sin(x)
    return s / 3.0


def test_fourth_and_fifth_derivative_of_x5_sin_x_through_a_loop_are_exact():
    def ref(x):
        return x ** 5 * anp.sin(x)
    d, r = x5_sin_loop, ref
    for n in range(1, 6):
        d, r = grad(d), autograd.grad(r)
        if n >= 4:
            assert math.isclose(d(0.7), r(0.7), rel_tol=1e-8), n


def branchy(x):
    if x > 0.0:
        y = x ** 3
    else:
        y = -x ** 2
    return y * np.exp(x)


def test_second_derivative_through_branches():
    for x in (-0.8, 0.6):
        d2 = grad(grad(branchy))
        fd = numeric_grad(grad(branchy), (x,), 0, rel_step=1e-6)
        assert math.isclose(d2(x), fd, rel_tol=1e-6)


def test_grad_of_vector_gradient_is_a_clear_error(data):
    x, W, _, _ = data
    with pytest.raises(TypeError, match="hessian or jacobian"):
        grad(grad(scalar_loss))(x, W)


def power_by_loop(x):
    d = x
    for i in range(3):
        d = d * x
    return d


def cosines_by_loop(x):
    s = 0.0
    for i in range(4):
        s = s + math.cos(x * i)
    return s


def test_third_and_fourth_derivatives_through_loops():
    # x^4: 24x, 24; sum_i cos(i x): sum_i i^3 sin(i x), sum_i i^4 cos(i x)
    # (each level's saved-values list must be its own list, not shared with the
    # level below's, which common-subexpression elimination once merged)
    x = 0.8
    d3, d4 = grad(grad(grad(power_by_loop))), grad(grad(grad(grad(power_by_loop))))
    assert np.isclose(d3(x), 24 * x, rtol=1e-12) and np.isclose(d4(x), 24.0, rtol=1e-12)
    c3 = grad(grad(grad(cosines_by_loop)))
    c4 = grad(c3)
    assert np.isclose(c3(x), sum(i ** 3 * math.sin(i * x) for i in range(4)), rtol=1e-12)
    assert np.isclose(c4(x), sum(i ** 4 * math.cos(i * x) for i in range(4)), rtol=1e-12)


def test_reverse_mode_to_fourth_order_through_nested_lambdas():
    # autograd's tanh example: elementwise_grad applied four times, all reverse mode
    x = np.linspace(-7.0, 7.0, 50)
    ours = lambda f: grad(lambda x: np.sum(f(x)))  # noqa: E731
    theirs = lambda f: autograd.grad(lambda x: anp.sum(f(x)))  # noqa: E731
    f, g = np.tanh, anp.tanh
    for _ in range(4):
        f, g = ours(f), theirs(g)
        assert_close(f(x), g(x), rtol=1e-9, atol=1e-9)


def rnn_loss(W, xs, h0):
    h = h0
    for x in xs:
        h = np.tanh(W @ h + x)
    return np.sum(h ** 2)


def test_reverse_over_reverse_through_matrix_products():
    # the gradient's size as a loss (a gradient penalty), differentiated in reverse mode
    rng = np.random.default_rng(0)
    W, xs, h0 = rng.normal(size=(3, 3)) * 0.5, list(rng.normal(size=(4, 3))), rng.normal(size=3)
    X = rng.normal(size=(5, 3))

    def penalty(W):
        return np.sum(grad(rnn_loss)(W, xs, h0) ** 2) + \
            np.sum(grad(lambda W: np.sum(np.tanh(X @ W) ** 2))(W) ** 2)

    def a_rnn(W):
        h = h0
        for x in xs:
            h = anp.tanh(anp.dot(W, h) + x)
        return anp.sum(h ** 2)

    def a_penalty(W):
        return anp.sum(autograd.grad(a_rnn)(W) ** 2) + \
            anp.sum(autograd.grad(lambda W: anp.sum(anp.tanh(anp.dot(X, W)) ** 2))(W) ** 2)
    assert_close(grad(penalty)(W), autograd.grad(a_penalty)(W), rtol=1e-10, atol=1e-12)


# -- the second derivative of a function linear in x: zeros of x's shape -------------

B_FIXED = np.arange(9.0).reshape(3, 3) / 4


def trace_product(a):
    return np.einsum('ij,ji->', a, B_FIXED)


def contracted(a):
    return np.tensordot(a, B_FIXED, axes=2)


@pytest.mark.parametrize("f", [trace_product, contracted])
def test_linear_einsum_and_tensordot_have_zero_hessians_of_the_right_shape(f):
    a = np.ones((3, 3))
    assert_close(hvp(f)(a, v=np.ones((3, 3))), np.zeros((3, 3)))
    assert_close(hessian(f)(a), np.zeros((3, 3, 3, 3)))
    assert_close(grad(f)(a), numeric_grad(f, (a,)))


def doubled_in_place(x):
    x *= 2.0
    return x ** 2


def test_jacobian_of_a_function_that_changes_its_argument_in_place():
    x = np.array([0.3, 0.9, -0.4])
    before = x.copy()
    for mode in (None, "forward", "reverse"):
        assert_close(jacobian(doubled_in_place, mode=mode)(x), np.diag(8 * before))
        np.testing.assert_array_equal(x, before)


# -- empty arrays: empty gradients, not a division by zero ----------------------------

def column_spread(x):
    return np.sum(np.mean(x, axis=0)) + np.sum(np.var(x, axis=0)) + np.sum(np.std(x, axis=0))


def test_reductions_of_empty_arrays_have_empty_gradients():
    empty = np.zeros((4, 0))
    assert grad(column_spread)(empty).shape == (4, 0)
    assert jvp(column_spread, (empty,), (empty,))[1] == 0.0
    assert hessian(lambda v: np.sum(v ** 2))(np.zeros(0)).shape == (0, 0)
    x = np.arange(6.0).reshape(3, 2) ** 1.5
    assert_close(grad(column_spread)(x), numeric_grad(column_spread, (x,)), rtol=1e-5)
