"""Function values that hold differentiated values: lambdas and nested functions
reading the differentiated arguments, closures returned by factories,
functools.partial binding them, callable objects and bound methods passed on.
The gradient flows through what they hold (see runtime/structures.py's `held`)."""
import functools

import autograd
import autograd.numpy as anp
import numpy as np
import pytest

from runtime.numeric import numeric_grad
from transpiler import grad, hessian, jvp, value_and_grad

from conftest import assert_close
from test_dynamic import a_rk4, rk4  # the ODE solver, ours and autograd's copy


def euler(func, y, n=20, h=0.05):
    for _ in range(n):
        y = y + h * func(y)
    return y


def decay(theta):
    return rk4(lambda y, th: -th * y * theta, 1.0, np.linspace(0, 1, 4), np.array([1.0]))[0]


def make_scale(w):
    return lambda x: w * x


def factory_closure(w):
    h = make_scale(w)
    return h(2.0) + h(3.0) ** 2


def nested_def(theta):
    def rhs(y):
        return np.sin(theta[0] * y) - theta[1] * y
    return np.sum(euler(rhs, np.array([0.5, 1.0])))


def model(x, scale, shift=0.0):
    return np.tanh(scale * x + shift)


def keyword_partial(s):
    f = functools.partial(model, scale=s, shift=0.1)
    return np.sum(euler(f, np.ones(3)))


class Dense:
    def __init__(self, W, b):
        self.W = W
        self.b = b

    def __call__(self, x):
        return np.tanh(self.W @ x + self.b)

    def forward(self, x):
        return self(x) * 2.0


def apply_twice(f, x):
    return f(f(x))


def callable_object(W):
    layer = Dense(W, np.ones(3) * 0.1)
    return np.sum(apply_twice(layer, np.ones(3)))


def bound_method(W):
    layer = Dense(W, np.zeros(3))
    return np.sum(apply_twice(layer.forward, np.ones(3) * 0.3))


def list_of_closures(a):
    fs = [lambda x: a[0] * x, lambda x: np.sin(a[1] * x)]
    return sum(f(1.5) for f in fs)


def mapped_closure(w):
    return sum(map(lambda x: w * x ** 2, [1.0, 2.0, 3.0]))


CASES = [
    (decay, lambda: 0.5),
    (factory_closure, lambda: 0.7),
    (nested_def, lambda: np.array([0.8, 0.3])),
    (keyword_partial, lambda: 0.9),
    (callable_object, lambda: np.eye(3) * 0.4 + 0.05),
    (bound_method, lambda: np.eye(3) * 0.4 - 0.05),
    (list_of_closures, lambda: np.array([0.3, 0.6])),
    (mapped_closure, lambda: 0.3),
]
IDS = [fn.__name__ for fn, _ in CASES]


@pytest.mark.parametrize("fn,arg", CASES, ids=IDS)
def test_reverse_mode(fn, arg):
    x = arg()
    assert_close(grad(fn)(x), numeric_grad(fn, (x,)), rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("fn,arg", CASES, ids=IDS)
def test_forward_mode(fn, arg):
    x = arg()
    t = np.full_like(x, 0.5) if np.ndim(x) else 0.5
    value, dot = jvp(fn)(x, tangents=t)
    assert_close(value, fn(x), rtol=1e-12)
    assert_close(dot, np.sum(numeric_grad(fn, (x,)) * t), rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("fn,arg", CASES, ids=IDS)
def test_second_order(fn, arg):
    x = arg()
    g = grad(fn)
    if np.ndim(x) == 0:
        want = numeric_grad(g, (x,))
    else:
        want = np.stack([numeric_grad(lambda v, i=i: g(v).ravel()[i], (x,))
                         for i in range(x.size)]).reshape(x.shape + x.shape)
    assert_close(hessian(fn)(x), want, rtol=1e-5, atol=1e-6)
    if np.ndim(x) == 0:
        assert_close(grad(grad(fn))(x), want, rtol=1e-5, atol=1e-6)


def test_a_lambda_reading_the_parameters_agrees_with_autograd():
    theta = 0.5
    want = autograd.grad(lambda t: a_rk4(lambda y, th: -th * y * t, 1.0,
                                         np.linspace(0, 1, 4), anp.array([1.0]))[0])(theta)
    assert_close(grad(decay)(theta), want, rtol=1e-12)


@pytest.mark.source_text
def test_the_generated_code_passes_the_closure_and_sums_its_gradients():
    g = grad(factory_closure)
    g(0.7)
    assert "h_vjp = closure_vjp_link(h, (), 2.0)" in g.source
    assert "d_h = add_grads(d_h, h_grads[0])" in g.source  # two calls of h


def test_gradient_of_a_function_value_argument_holds_the_gradients():
    # a helper's gradient with respect to the function value it is given
    value, d = value_and_grad(apply_twice)(functools.partial(model, scale=0.8), 0.3)
    inner = np.tanh(0.8 * 0.3)
    assert_close(value, np.tanh(0.8 * inner), rtol=1e-12)
    want = numeric_grad(lambda s: apply_twice(functools.partial(model, scale=s), 0.3), (0.8,))
    assert isinstance(d, functools.partial) and d.func is model
    assert_close(d.keywords["scale"], want, rtol=1e-6)


def partial_of_a_ufunc(theta):
    return euler(functools.partial(np.multiply, theta), 1.0)


def partial_of_a_partial(theta):
    f = functools.partial(model, scale=theta)
    g = functools.partial(f, shift=theta)
    return euler(g, 1.0)


def test_function_values_gradients_cannot_flow_through_are_errors():
    with pytest.raises(TypeError, match="cannot differentiate through the function value"):
        grad(partial_of_a_ufunc)(0.3)
    with pytest.raises(Exception, match="partial of a function value"):
        grad(partial_of_a_partial)(0.3)
