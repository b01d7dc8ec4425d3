"""The classic worked examples of backpropagation, with exact values."""
import autograd
import autograd.numpy as anp
import numpy as np

from transpiler import grad, value_and_grad

from conftest import assert_close, check_against_fd


def circuit(x, y, z):
    return (x + y) * max(y, z)


def test_circuit_value_and_gradient():
    value, g = value_and_grad(circuit, wrt=(0, 1, 2))(1.0, 2.0, 0.0)
    assert value == 6.0
    assert g == (2.0, 5.0, 0.0)


def sum_times_y(x, y):
    return (x + y) * y


def test_sum_times_y():
    value, g = value_and_grad(sum_times_y, wrt=("x", "y"))(3.0, 2.0)
    assert value == 10.0
    assert g == (2.0, 7.0)


def e(a, b):
    c = a + b
    d = b + 1
    return c * d


def test_shared_input_accumulates():
    assert grad(e, wrt=(0, 1))(2.0, 1.0) == (2.0, 5.0)


def h(x):
    return 6 * (-2 * x + 5) + 3


def quadratic(x):
    return x ** 2 + 3 * x + 2


def test_chain_rule_and_polynomial():
    assert grad(h)(1.5) == -12.0
    assert grad(quadratic)(2.0) == 7.0


def squared_error(x, w, b):
    yhat = w * x + b
    return (yhat - 5) ** 2


def test_linear_model_and_one_step_of_gradient_descent():
    loss, (dw, db) = value_and_grad(squared_error, wrt=("w", "b"))(2.0, 1.0, 0.0)
    assert (loss, dw, db) == (9.0, -12.0, -6.0)
    w, b = 1.0 - 0.1 * dw, 0.0 - 0.1 * db
    assert (round(w, 12), round(b, 12)) == (2.2, 0.6)


def sigmoid_neuron(w1, w2, b, x1, x2):
    return 1.0 / (1.0 + np.exp(-(w1 * x1 + w2 * x2 + b)))


def test_sigmoid_neuron_against_fd_and_autograd():
    args = (0.5, -1.5, 0.1, 2.0, -0.7)
    got = check_against_fd(grad(sigmoid_neuron, wrt=(0, 1, 2)), sigmoid_neuron, args, (0, 1, 2))

    def ref(w1, w2, b, x1, x2):
        return 1.0 / (1.0 + anp.exp(-(w1 * x1 + w2 * x2 + b)))
    want = autograd.grad(ref, (0, 1, 2))(*args)
    assert_close(got, want, rtol=1e-12)


def dense_loss(W, b, x):
    z = W @ x + b
    return np.sum(np.tanh(z) ** 2)


def test_dense_layer_against_fd_and_autograd(rng):
    W, b, x = rng.normal(size=(4, 3)), rng.normal(size=4), rng.normal(size=3)
    got = check_against_fd(grad(dense_loss, wrt=(0, 1, 2)), dense_loss, (W, b, x), (0, 1, 2))

    def ref(W, b, x):
        return anp.sum(anp.tanh(anp.dot(W, x) + b) ** 2)
    want = autograd.grad(ref, (0, 1, 2))(W, b, x)
    assert_close(got, want, rtol=1e-12)
