"""Function values: parameters holding functions, closures from factories,
lambdas, partials, bound methods, callable objects, ufuncs passed as values,
and transforms composed with transforms. Written the way model code is
written; every gradient against autograd (where it runs the same code) and
central finite differences, in reverse, forward and second order."""
import functools
from dataclasses import dataclass
from typing import NamedTuple

import autograd
import autograd.numpy as anp
import numpy as np
import pytest

from runtime.numeric import numeric_grad
from runtime.structures import register_pytree
from transpiler import TranspileError, grad, hessian, jacobian, jvp, value_and_grad, vjp

from conftest import assert_close


# -- an MLP whose nonlinearity is a parameter ------------------------------------

def mlp(params, X, nonlinearity=np.tanh):
    for W, b in params:
        X = nonlinearity(X @ W + b)
    return np.sum(X ** 2)


def relu(x):
    return np.maximum(x, 0.0)


def softplus(x):
    return np.log1p(np.exp(x))


def mlp_softplus(params, X):
    return mlp(params, X, softplus)


def a_mlp(params, X, nonlinearity=anp.tanh):
    for W, b in params:
        X = nonlinearity(anp.dot(X, W) + b)
    return anp.sum(X ** 2)


@pytest.fixture
def net(rng):
    params = [(rng.normal(size=(3, 4)), rng.normal(size=4)),
              (rng.normal(size=(4, 2)), rng.normal(size=2))]
    return params, rng.normal(size=(5, 3))


def test_mlp_with_a_default_nonlinearity_agrees_with_autograd(net):
    params, X = net
    assert_close(grad(mlp)(params, X), autograd.grad(a_mlp)(params, X), rtol=1e-10)


def test_mlp_with_a_nonlinearity_passed_in_agrees_with_autograd(net):
    params, X = net
    want = autograd.grad(lambda p, X: a_mlp(p, X, lambda z: anp.log1p(anp.exp(z))))(params, X)
    assert_close(grad(mlp_softplus)(params, X), want, rtol=1e-10)
    # the same function value given as an argument, and one with a kink
    assert_close(grad(mlp)(params, X, softplus), want, rtol=1e-10)
    want_relu = autograd.grad(lambda p, X: a_mlp(p, X, lambda z: anp.maximum(z, 0.0)))(params, X)
    assert_close(grad(mlp)(params, X, relu), want_relu, rtol=1e-10)


# -- an ODE solver that takes the dynamics as a function ---------------------------

def rk4(func, y, ts, theta):
    for i in range(len(ts) - 1):
        h = ts[i + 1] - ts[i]
        k1 = func(y, theta)
        k2 = func(y + h / 2 * k1, theta)
        k3 = func(y + h / 2 * k2, theta)
        k4 = func(y + h * k3, theta)
        y = y + h / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
    return y


def logistic(y, theta):
    return theta[0] * y * (1.0 - y / theta[1])


def fit(theta, y0, ts, target):
    return np.sum((rk4(logistic, y0, ts, theta) - target) ** 2)


def test_rk4_through_a_function_parameter_in_every_mode():
    theta, y0 = np.array([0.8, 3.0]), np.array([0.5, 1.0])
    ts, target = np.linspace(0.0, 1.0, 6), np.array([1.0, 2.0])
    args = (theta, y0, ts, target)
    want = numeric_grad(fit, args, 0)
    assert_close(grad(fit)(*args), want, rtol=1e-6)
    v = np.array([0.3, -1.0])
    _, tangent = jvp(fit)(*args, tangents=v)
    assert np.isclose(tangent, want @ v, rtol=1e-6)
    H = hessian(fit)(*args)
    H_fd = np.array([numeric_grad(lambda t: grad(fit)(t, y0, ts, target)[i], (theta,))
                     for i in range(2)])
    assert_close(H, H_fd, rtol=1e-5, atol=1e-7)


def decay(y, rate):
    return -rate * y * y


def euler(func, y, rate):
    for i in range(3):
        y = y + 0.1 * func(y, rate)
    return y


def euler_decay(rate):
    return euler(decay, 1.0, rate)


def test_derivatives_of_any_order_through_a_function_value():
    x, h = 0.5, 1e-3
    first, second = grad(euler_decay), grad(grad(euler_decay))
    third = grad(grad(grad(euler_decay)))
    assert np.isclose(first(x), numeric_grad(euler_decay, (x,)), rtol=1e-7)
    assert np.isclose(second(x), (first(x + h) - first(x - h)) / (2 * h), rtol=1e-6)
    assert np.isclose(third(x), (second(x + h) - second(x - h)) / (2 * h), rtol=1e-6)


# -- closures, lambdas, partials ----------------------------------------------

def make_scale(c):
    def scale(x):
        return c * x
    return scale


def scaled_square(x):
    h = make_scale(2.5)
    return h(x) * x


def power(x, k):
    return x ** k


def with_partial(x):
    cube = functools.partial(power, k=3)
    return cube(x) + functools.partial(np.power, 2.0)(x)


def test_closures_from_factories_and_partials():
    assert np.isclose(grad(scaled_square)(3.0), 15.0)
    x = 0.7
    assert np.isclose(grad(with_partial)(x), 3 * x ** 2 + np.log(2.0) * 2.0 ** x)
    assert np.isclose(grad(grad(with_partial))(x), 6 * x + np.log(2.0) ** 2 * 2.0 ** x)
    assert np.isclose(jvp(with_partial)(x, tangents=2.0)[1], 2 * (3 * x ** 2 +
                                                                  np.log(2.0) * 2.0 ** x))


def test_grad_of_lambdas_partials_ufuncs_and_callable_objects():
    assert grad(lambda x: x ** 3)(2.0) == 12.0
    x = np.array([0.5, -1.0, 2.0])
    assert_close(hessian(lambda v: np.sum(v ** 3))(x), np.diag(6 * x))
    first, second = (lambda t: t * 2.0), (lambda t: t * 3.0)  # two on one line
    assert (grad(first)(1.0), grad(second)(1.0)) == (2.0, 3.0)
    assert grad(functools.partial(power, k=4))(2.0) == 32.0
    assert np.isclose(grad(np.tanh)(0.3), 1 - np.tanh(0.3) ** 2)
    assert np.isclose(grad(grad(np.sin))(0.3), -np.sin(0.3))
    assert np.isclose(grad(Spring(4.0))(0.5), 2.0)


# -- objects: bound methods, __call__, static and class methods -------------------

class Spring:
    def __init__(self, k):
        self.k = k

    def __call__(self, x):
        return 0.5 * self.k * x * x

    def force(self, y, rate):
        return -self.k * rate * y

    @staticmethod
    def square(x):
        return x * x

    @classmethod
    def cube(cls, x):
        return x ** 3


def energy_paths(rate):
    s = Spring(2.0)
    return euler(s.force, 1.0, rate) + Spring.square(rate) + Spring.cube(rate) + s(rate)


def test_bound_methods_callable_objects_static_and_class_methods():
    x = 0.4
    want = numeric_grad(energy_paths, (x,))
    assert np.isclose(grad(energy_paths)(x), want, rtol=1e-7)
    h = 1e-4
    g = grad(energy_paths)
    assert np.isclose(grad(grad(energy_paths))(x), (g(x + h) - g(x - h)) / (2 * h), rtol=1e-6)
    assert np.isclose(jvp(energy_paths)(x, tangents=1.0)[1], want, rtol=1e-7)


# -- transforms of transforms ------------------------------------------------------

def sin_energy(x):
    return np.sum(np.sin(x) * x ** 2)


def a_sin_energy(x):
    return anp.sum(anp.sin(x) * x ** 2)


def test_forward_over_reverse_is_a_hessian_vector_product():
    x, v = np.array([0.3, -1.2, 2.0]), np.array([1.0, 0.5, -2.0])
    H = autograd.hessian(a_sin_energy)(x)
    g, hv = jvp(grad(sin_energy))(x, tangents=v)
    assert_close(g, autograd.grad(a_sin_energy)(x), rtol=1e-12)
    assert_close(hv, H @ v, rtol=1e-10)
    assert_close(jacobian(grad(sin_energy))(x), H, rtol=1e-10)
    assert_close(jacobian(grad(sin_energy), mode="forward")(x), H, rtol=1e-10)


def test_value_and_grad_of_a_lambda_and_of_a_partial():
    value, g = value_and_grad(lambda x, y: x * y + y)(2.0, 3.0)
    assert (value, g) == (9.0, 3.0)
    value, g = value_and_grad(functools.partial(power, k=2))(3.0)
    assert (value, g) == (9.0, 6.0)


# -- errors ------------------------------------------------------------------------

def partial_of_the_input(x):
    p = functools.partial(power, x)
    return p(2.0)


def apply(func, x):
    return func(x)


def through_sort(x):
    return np.sum(apply(np.unwrap, x) * x)


def test_function_values_that_cannot_be_differentiated_are_located_errors():
    assert grad(partial_of_the_input)(1.5) == 3.0  # made and called here: power(x, 2.0)
    with pytest.raises(TranspileError) as info:  # known only when the call runs
        grad(through_sort)(np.array([3.0, 1.0, 2.0]))
    message = str(info.value)
    assert "no derivative rule for `unwrap`" in message and "return func(x)" in message


# -- lambdas and nested functions as values; map, filter, reduce, generators ---------

def decay_fit(theta, c):
    scale = c * 2.0
    ts = np.linspace(0.0, 1.0, 5)
    return np.sum(rk4(lambda y, th: -th[0] * y * scale, np.ones(2), ts, theta) ** 2)


def pendulum_fit(theta):
    def dynamics(y, th):
        return np.array([y[1], -th[0] * np.sin(y[0])])
    return rk4(dynamics, np.array([1.0, 0.0]), np.linspace(0.0, 1.0, 5), theta)[0]


def a_rk4(func, y, ts, theta):
    for i in range(len(ts) - 1):
        h = ts[i + 1] - ts[i]
        k1 = func(y, theta)
        k2 = func(y + h / 2 * k1, theta)
        k3 = func(y + h / 2 * k2, theta)
        k4 = func(y + h * k3, theta)
        y = y + h / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
    return y


def test_lambdas_and_nested_functions_passed_as_values():
    theta = np.array([0.7])
    want = autograd.grad(lambda t: anp.sum(a_rk4(lambda y, th: -th[0] * y * 3.0, anp.ones(2),
                                                 np.linspace(0.0, 1.0, 5), t) ** 2))(theta)
    assert_close(grad(decay_fit)(theta, 1.5), want, rtol=1e-10)
    assert_close(grad(pendulum_fit)(theta), numeric_grad(pendulum_fit, (theta,)), rtol=1e-6)
    h = 1e-4
    d2 = (grad(pendulum_fit)(theta + h) - grad(pendulum_fit)(theta - h)) / (2 * h)
    assert_close(hessian(pendulum_fit)(theta), d2.reshape(1, 1), rtol=1e-5)


def activations(x, w):
    return sum(map(np.tanh, [x, w * x])) + sum(map(lambda a, b: a * b, [x, x], [w, 2.0]))


def positives(x):
    return sum(filter(lambda v: v > 0, [x, -x, 3.0 * x]))


def product(x):
    return functools.reduce(lambda a, b: a * b, [x, x, 2.0]) + \
        functools.reduce(np.multiply, [x, x], 1.0)


def l2_penalty(params):
    return sum(np.sum(W ** 2) for W, b in params) + sum(b ** 2 for W, b in params)


def test_map_filter_reduce_and_generator_expressions():
    x, w = 0.3, 1.7
    assert_close(grad(activations, wrt=(0, 1))(x, w), numeric_grad(activations, (x, w), (0, 1)),
                 rtol=1e-7)
    assert grad(positives)(1.5) == 4.0 and grad(positives)(-1.5) == -1.0
    assert np.isclose(grad(product)(1.5), 4 * 1.5 + 2 * 1.5)
    assert np.isclose(jvp(product)(1.5, tangents=1.0)[1], 4 * 1.5 + 2 * 1.5)
    params = [(np.array([1.0, -2.0]), 0.5), (np.array([3.0]), -1.0)]
    got = grad(l2_penalty)(params)
    assert_close(got, [(2 * params[0][0], 1.0), (2 * params[1][0], -2.0)])


# -- structured parameters through helpers -----------------------------------------

def squares(ps):
    return [p ** 2 for p in ps]


def twice_through_helpers(ps):
    a = squares(ps)
    b = squares(ps)
    return np.sum(a[0]) + np.sum(b[1]) + np.sum(a[1])


def flatten(p):
    if isinstance(p, (list, tuple)):
        return np.concatenate([flatten(q) for q in p])
    return np.ravel(p)


def flat_norm(p):
    return np.sum(flatten(p) ** 2)


def test_gradients_of_a_list_reaching_the_result_through_two_calls_add_item_by_item():
    ps = [np.array([1.0, 2.0]), np.array([3.0])]
    assert_close(grad(twice_through_helpers)(ps), [2 * ps[0], 4 * ps[1]])


def test_recursive_flatten_that_branches_on_isinstance():
    p = [np.array([1.0, 2.0]), (np.array([3.0]), np.array([[4.0, 5.0]]))]
    got = grad(flat_norm)(p)
    assert_close(got, [2 * p[0], (2 * p[1][0], 2 * p[1][1])])


# -- *args of a length known only when the call runs ---------------------------------

def noisy_energy(m):
    noise = np.random.RandomState(0).randn(*m.shape)
    return np.sum(noise * m ** 2)


def dynamics(y, t, *args):
    return y * args[0] + t * args[1] ** 2


def step(y, args):
    return dynamics(y, 0.5, *args)


def test_star_arguments_of_run_time_length():
    m = np.array([[1.0, 2.0], [3.0, -1.0]])
    noise = np.random.RandomState(0).randn(2, 2)
    assert_close(grad(noisy_energy)(m), 2 * noise * m)
    y, args = 2.0, (3.0, 4.0)
    assert grad(step)(y, args) == 3.0
    assert_close(grad(step, wrt=1)(y, args), (2.0, 4.0))
    assert_close(grad(step, wrt=1)(y, [3.0, 4.0]), numeric_grad(step, (y, [3.0, 4.0]), 1))
    assert np.isclose(jvp(step)(y, args, tangents=1.0)[1], 3.0)


# -- dataclasses, NamedTuples and registered types as parameters -------------------

@dataclass
class Layer:
    W: np.ndarray
    b: np.ndarray


class Gaussian(NamedTuple):
    mean: np.ndarray
    log_std: float


def layer_loss(layer, X, y):
    return np.sum((np.tanh(X @ layer.W + layer.b) - y) ** 2)


def two_layers(layers, X, y):
    h = np.tanh(X @ layers[0].W + layers[0].b)
    return np.sum((h @ layers[1].W + layers[1].b - y) ** 2)


def neg_log_density(q, x):
    z = (x - q.mean) / np.exp(q.log_std)
    return 0.5 * np.sum(z ** 2) + x.size * q.log_std


def built_inside(W, b, X, y):
    return layer_loss(Layer(W, b), X, y) + neg_log_density(Gaussian(b, 0.3), b)


class Box:
    def __init__(self, side, density):
        self.side, self.density = side, density


register_pytree(Box, lambda box: {"side": box.side, "density": box.density},
                lambda fields: Box(**fields))


def mass(box):
    return box.side ** 3 * box.density


def test_dataclass_and_namedtuple_parameters_get_gradients_of_their_own_type(rng):
    X, y = rng.normal(size=(4, 3)), rng.normal(size=(4, 2))
    layer = Layer(rng.normal(size=(3, 2)), rng.normal(size=2))
    g = grad(layer_loss)(layer, X, y)
    assert type(g) is Layer
    want = autograd.grad(lambda W, b: anp.sum((anp.tanh(anp.dot(X, W) + b) - y) ** 2),
                         (0, 1))(layer.W, layer.b)
    assert_close((g.W, g.b), want, rtol=1e-10)
    layers = [Layer(rng.normal(size=(3, 3)), rng.normal(size=3)), layer]
    gs = grad(two_layers)(layers, X, y)
    assert [type(v) for v in gs] == [Layer, Layer]
    flat = lambda W1, b1, W2, b2: two_layers([Layer(W1, b1), Layer(W2, b2)], X, y)  # noqa
    want = numeric_grad(flat, (layers[0].W, layers[0].b, layer.W, layer.b), (0, 1, 2, 3))
    assert_close((gs[0].W, gs[0].b, gs[1].W, gs[1].b), want, rtol=1e-6)
    q, x = Gaussian(np.array([0.5, -1.0]), 0.2), np.array([1.0, 2.0])
    gq = grad(neg_log_density)(q, x)
    assert type(gq) is Gaussian
    by_parts = numeric_grad(lambda m, s: neg_log_density(Gaussian(m, s), x), (q.mean, 0.2), (0, 1))
    assert_close((gq.mean, gq.log_std), by_parts, rtol=1e-7)
    _, t = jvp(neg_log_density)(q, x, tangents=Gaussian(np.array([1.0, 0.0]), 1.0))
    assert np.isclose(t, by_parts[0][0] + by_parts[1], rtol=1e-7)


def test_structures_built_inside_the_function_and_registered_types(rng):
    X, y = rng.normal(size=(4, 3)), rng.normal(size=(4, 2))
    W, b = rng.normal(size=(3, 2)), rng.normal(size=2)
    got = grad(built_inside, wrt=(0, 1))(W, b, X, y)
    assert_close(got, numeric_grad(built_inside, (W, b, X, y), (0, 1)), rtol=1e-6)
    box = Box(2.0, 0.5)
    g = grad(mass)(box)
    assert type(g) is Box and (g.side, g.density) == (3 * 4.0 * 0.5, 8.0)


# -- generator functions iterated by the differentiated code -------------------------

LAYER_SHAPES = [(3, 2), (2, 1)]


def unpack_layers(weights):
    start = 0
    for m, n in LAYER_SHAPES:
        W = np.reshape(weights[start:start + m * n], (m, n))
        start += m * n
        yield W, weights[start:start + n]
        start += n


def packed_net(weights, X):
    for W, b in unpack_layers(weights):
        X = np.tanh(X @ W + b)
    return np.sum(X ** 2)


def a_packed_net(weights, X):
    start = 0
    for m, n in LAYER_SHAPES:
        W = anp.reshape(weights[start:start + m * n], (m, n))
        start += m * n
        X = anp.tanh(anp.dot(X, W) + weights[start:start + n])
        start += n
    return anp.sum(X ** 2)


def test_a_generator_of_layers_unpacked_from_a_flat_vector(rng):
    w, X = rng.normal(size=11), rng.normal(size=(4, 3))
    assert_close(grad(packed_net)(w, X), autograd.grad(a_packed_net)(w, X), rtol=1e-10)
    v = rng.normal(size=11)
    assert np.isclose(jvp(packed_net)(w, X, tangents=v)[1],
                      autograd.grad(a_packed_net)(w, X) @ v, rtol=1e-10)
    assert_close(hessian(packed_net)(w, X), autograd.hessian(a_packed_net)(w, X), rtol=1e-8)
    assert len(list(unpack_layers(w))) == 2  # the generator itself is untouched


def test_transforms_compose_to_any_depth():
    x, v = np.array([0.3, -1.2, 2.0]), np.array([1.0, 0.5, -2.0])
    want = autograd.jacobian(autograd.jacobian(anp.sin))(x)
    assert_close(jacobian(jacobian(np.sin))(x), want, rtol=1e-12)
    assert_close(jacobian(hessian(sin_energy))(x),
                 autograd.jacobian(autograd.hessian(a_sin_energy))(x), rtol=1e-9)
    assert np.isclose(jvp(grad(grad(lambda t: t ** 4)))(1.5, tangents=1.0)[1], 24 * 1.5)
    assert np.isclose(grad(grad(grad(grad(np.sin))))(0.4), np.sin(0.4))


DIRECTION = np.array([1.0, 0.5, -2.0])
SIN_JVP = jvp(sin_energy)


def squared_slope(x):
    return SIN_JVP(x, tangents=DIRECTION)[1] ** 2


def test_grad_of_code_that_calls_a_jvp_object():
    x = np.array([0.3, -1.2, 2.0])
    want = autograd.grad(lambda x: anp.dot(autograd.grad(a_sin_energy)(x), DIRECTION) ** 2)(x)
    assert_close(grad(squared_slope)(x), want, rtol=1e-10)


# -- objects of user classes: built inside, passed in, methods calling methods ------

class Dense:
    def __init__(self, W, b):
        self.W = W
        self.b = b
        self.name = "dense"  # not a number: kept as it is, carries no gradient

    def forward(self, x):
        return np.tanh(x @ self.W + self.b)

    def penalty(self):
        return np.sum(self.W ** 2)


class Net:
    def __init__(self, layers, l2):
        self.layers = layers
        self.l2 = l2

    def __call__(self, x):
        for layer in self.layers:
            x = layer.forward(x)
        return x

    def loss(self, x, y):
        return np.sum((self(x) - y) ** 2) + self.l2 * self.layers[0].penalty()


def net_loss(net, x, y):
    return net.loss(x, y)


def built_net_loss(W1, b1, W2, b2, x, y):
    net = Net([Dense(W1, b1), Dense(W2, b2)], 0.01)
    return net.loss(x, y)


def a_net_loss(W1, b1, W2, b2, x, y):
    h = anp.tanh(anp.dot(anp.tanh(anp.dot(x, W1) + b1), W2) + b2)
    return anp.sum((h - y) ** 2) + 0.01 * anp.sum(W1 ** 2)


@pytest.fixture
def layers(rng):
    return (rng.normal(size=(3, 4)), rng.normal(size=4), rng.normal(size=(4, 2)),
            rng.normal(size=2), rng.normal(size=(5, 3)), rng.normal(size=(5, 2)))


def test_objects_built_in_the_function_agree_with_autograd(layers):
    want = autograd.grad(a_net_loss, (0, 1, 2, 3))(*layers)
    assert_close(grad(built_net_loss, wrt=(0, 1, 2, 3))(*layers), want, rtol=1e-10)
    v = tuple(np.ones_like(p) for p in layers[:4])
    _, t = jvp(built_net_loss, wrt=(0, 1, 2, 3))(*layers, tangents=v)
    assert np.isclose(t, sum(np.sum(w * d) for w, d in zip(want, v)), rtol=1e-10)
    assert_close(hessian(built_net_loss, wrt=1)(*layers),
                 autograd.hessian(a_net_loss, 1)(*layers), rtol=1e-8)


def test_an_object_parameter_gets_a_gradient_of_its_own_class(layers):
    W1, b1, W2, b2, x, y = layers
    net = Net([Dense(W1, b1), Dense(W2, b2)], 0.01)
    g = grad(net_loss)(net, x, y)
    assert type(g) is Net and [type(d) for d in g.layers] == [Dense, Dense]
    assert g.layers[0].name == "dense" and g.l2 == np.sum(W1 ** 2)
    want = autograd.grad(a_net_loss, (0, 1, 2, 3))(*layers)
    assert_close((g.layers[0].W, g.layers[0].b, g.layers[1].W, g.layers[1].b), want,
                 rtol=1e-10)
    assert_close(grad(net.loss)(x, y), autograd.grad(a_net_loss, 4)(*layers), rtol=1e-10)


SIN_GRAD, SIN_HESSIAN = grad(sin_energy), hessian(sin_energy)


def gradient_along(x):
    return np.dot(SIN_GRAD(x), DIRECTION)


def hessian_trace(x):
    return np.trace(SIN_HESSIAN(x))


def test_reverse_over_reverse_and_grad_of_code_calling_transform_objects():
    x = np.array([0.3, -1.2, 2.0])
    H = autograd.hessian(a_sin_energy)(x)
    value, pullback = vjp(grad(sin_energy))(x)
    assert_close(pullback(DIRECTION), H @ DIRECTION, rtol=1e-10)
    assert_close(jacobian(grad(sin_energy), mode="reverse")(x), H, rtol=1e-10)
    assert_close(grad(gradient_along)(x), H @ DIRECTION, rtol=1e-10)
    want = autograd.grad(lambda x: anp.trace(autograd.hessian(a_sin_energy)(x)))(x)
    assert_close(grad(hessian_trace)(x), want, rtol=1e-9)


def log_partition(natural, x):
    return np.log(np.sum(np.exp(natural * x)))


def total_log_partition(natural, data):
    return sum(map(functools.partial(log_partition, natural), data))


def power_by_recursion(x, n):
    return x if n == 0 else x * power_by_recursion(x, n - 1)


def slope_of_a_lambda(r):
    cube = lambda q: q ** 3  # noqa: E731
    return grad(cube)(r)


def test_partials_of_differentiated_values_made_and_called_here(rng):
    natural, data = rng.normal(size=3), [rng.normal(size=3) for _ in range(4)]
    want = autograd.grad(lambda n: sum(anp.log(anp.sum(anp.exp(n * x))) for x in data))(natural)
    assert_close(grad(total_log_partition)(natural, data), want, rtol=1e-10)


def test_recursion_in_forward_mode_and_to_third_order():
    assert jvp(power_by_recursion)(2.0, 2, tangents=1.0) == (8.0, 12.0)
    assert grad(grad(power_by_recursion))(2.0, 2) == 12.0
    assert grad(grad(grad(power_by_recursion)))(2.0, 3) == 48.0
    assert grad(slope_of_a_lambda)(2.0) == 12.0


def unpack_pairs(params):
    return [(params[0], params[1]), (params[2], params[3])]


def transposed_pairs(params):
    firsts, seconds = zip(*unpack_pairs(params))
    pairs = list(zip(firsts, seconds))
    return firsts[0] * seconds[1] + firsts[1] ** 2 + pairs[1][1]


def test_zip_as_a_value_and_zip_of_a_star_argument():
    p = np.array([1.0, 2.0, 3.0, 4.0])
    assert_close(grad(transposed_pairs)(p), np.array([4.0, 0.0, 6.0, 2.0]))
    assert np.isclose(jvp(transposed_pairs)(p, tangents=np.ones(4))[1], 12.0)


def top_weighted(xs, w):
    ranked = sorted(xs, key=lambda v: -v * w)
    return ranked[0] * 3.0 + ranked[1] * 2.0 + ranked[2] + sorted(xs, reverse=True)[0]


def test_sorted_with_a_key_keeps_each_items_gradient():
    xs = [1.0, 3.0, 2.0]
    assert grad(top_weighted)(xs, 1.0) == [1.0, 4.0, 2.0]
    assert_close(grad(top_weighted)(xs, 1.0), numeric_grad(top_weighted, (xs, 1.0)))
    assert jvp(top_weighted)(xs, 1.0, tangents=[0.0, 1.0, 0.0])[1] == 4.0


def weighted_cubes(x, *args):
    return np.sum(x ** 3) * args[0] + args[1]


def test_transforms_of_functions_with_star_args():
    # autograd's flatten_func makes `lambda x, *args: f(unflatten(x), *args)`
    flat = lambda x, *args: weighted_cubes(x, *args)  # noqa: E731
    x = np.array([1.0, 2.0])
    assert_close(hessian(flat)(x, 2.0, 1.0), np.diag(12.0 * x))
    assert_close(jvp(flat)(x, 2.0, 1.0, tangents=np.ones(2)), (19.0, 30.0))
    assert_close(grad(flat)(x, 2.0, 1.0), 6.0 * x ** 2)


def flat_objective(x, *args):
    scale, = args
    return np.sum(np.sin(x) * scale ** 2)


def test_transforms_of_the_gradient_of_a_function_with_star_args():
    x = np.array([0.3, 0.5])
    H = np.diag(-np.sin(x) * 4.0)  # d2/dx2 of sum(sin(x)) * 2.0 ** 2
    assert_close(jacobian(grad(flat_objective))(x, 2.0), H, rtol=1e-12)
    assert_close(jvp(grad(flat_objective))(x, 2.0, tangents=np.ones(2))[1], H @ np.ones(2),
                 rtol=1e-12)

    def uses_the_gradient(x):
        return np.sum(grad(flat_objective)(x, 1.5) ** 2)
    assert_close(grad(uses_the_gradient)(x), numeric_grad(uses_the_gradient, (x,)), rtol=1e-6)


def with_keywords(x, f=1.0, active=0.5, _a0=0.0):
    return f * x ** 2 + active * x + _a0


def call_with_keywords(func, x):
    return func(x, f=3.0, active=0.25, _a0=1.0)


def closure_with_keywords(x):
    return call_with_keywords(lambda y, f, active, _a0: x * y * f + active + _a0, x)


def test_a_callee_keywords_named_like_the_links_parameters():
    for mode in ("reverse", "forward"):
        if mode == "reverse":
            got = grad(lambda x: call_with_keywords(with_keywords, x))(0.7)
            got_closure = grad(closure_with_keywords)(0.7)
        else:
            got = jvp(lambda x: call_with_keywords(with_keywords, x))(0.7, tangents=1.0)[1]
            got_closure = jvp(closure_with_keywords)(0.7, tangents=1.0)[1]
        assert_close(got, 6.0 * 0.7 + 0.25, rtol=1e-12)
        assert_close(got_closure, 6.0 * 0.7, rtol=1e-12)  # d/dx of 3 x^2 (+ constants)


# -- a callable dataclass (unhashable: eq=True) passed as an argument ------------------

@dataclass
class TanhLayer:
    W: np.ndarray
    b: np.ndarray

    def __call__(self, x):
        return np.tanh(self.W @ x + self.b)


def layer_energy(layer, x):
    return np.sum(layer(x) ** 2)


def test_an_unhashable_callable_argument():
    layer = TanhLayer(np.array([[0.5, 0.1], [-0.2, 0.4]]), np.array([0.1, 0.2]))
    x = np.array([0.5, -0.3])
    energy = lambda v: layer_energy(layer, v)  # noqa: E731
    assert_close(grad(layer_energy, wrt=1)(layer, x), numeric_grad(energy, (x,)))
    slope = grad(layer_energy, wrt=1)
    h, v = 1e-5, np.array([0.3, -0.8])
    along = (slope(layer, x + h * v) - slope(layer, x - h * v)) / (2 * h)
    assert_close(hessian(layer_energy, wrt=1)(layer, x) @ v, along, rtol=1e-5, atol=1e-8)
    _, tangent = jvp(layer_energy, wrt=1)(layer, x, tangents=np.ones(2))
    assert float(tangent) == pytest.approx(float(np.sum(numeric_grad(energy, (x,)))), rel=1e-6)
