"""scipy.integrate.odeint: gradients with respect to the initial state, the time
points and the parameters in `args` (adjoint sensitivity method), tangents
(forward sensitivities), against autograd.scipy.integrate.odeint and central
differences. Second derivatives are refused with a clear error."""
import autograd.numpy as anp
import numpy as np
import pytest
from autograd.scipy.integrate import odeint as ag_odeint
from scipy.integrate import odeint

from scipy_checking import forward_agrees, reverse_agrees, second_order_agrees
from transpiler import grad, hessian




def lotka_volterra(z, t, alpha, beta):
    prey, predator = z[0], z[1]
    return np.array([alpha * prey - beta * prey * predator,
                     -1.5 * predator + 0.8 * prey * predator])


def fit_loss(z0, times, alpha, beta, observed):
    traj = odeint(lotka_volterra, z0, times, args=(alpha, beta), rtol=1e-11, atol=1e-11)
    return np.sum((traj - observed) ** 2)


def lotka_volterra_ag(z, t, alpha, beta):
    prey, predator = z[0], z[1]
    return anp.array([alpha * prey - beta * prey * predator,
                      -1.5 * predator + 0.8 * prey * predator])


def fit_loss_ag(z0, times, alpha, beta, observed):
    traj = ag_odeint(lotka_volterra_ag, z0, times, tuple((alpha, beta)), rtol=1e-11, atol=1e-11)
    return anp.sum((traj - observed) ** 2)


@pytest.fixture
def lv_problem(rng):
    times = np.array([0.0, 0.4, 0.9, 1.5])
    observed = rng.uniform(0.5, 2.0, size=(4, 2))
    return (np.array([1.2, 0.8]), times, 1.1, 0.6, observed)


def test_lotka_volterra_fit_reverse(lv_problem):
    for wrt in (0, 1, 2, 3):  # initial state, time points, both parameters
        # (autograd's odeint fails on float parameters in args: finite differences for those)
        reverse_agrees(fit_loss, lv_problem, wrt=wrt, oracle=fit_loss_ag if wrt < 2 else None,
                       rtol=1e-5, atol=1e-6)


def test_lotka_volterra_fit_forward(lv_problem):
    for wrt in (0, 1, 2, 3):
        forward_agrees(fit_loss, lv_problem, wrt=wrt, rtol=1e-5, atol=1e-6)


def forced_decay(y, t, k, w):
    return -k * y + w * np.sin(3.0 * t)  # time-dependent forcing: df/dt is not zero


def final_state(y0, times, k, w):
    ys = odeint(forced_decay, y0, times, args=(k, w), rtol=1e-11, atol=1e-11)
    return np.sum(ys[-1] ** 2) + np.sum(ys[1] * w)


def test_array_parameters_and_time_dependence(rng):
    args = (rng.normal(size=3), np.array([0.2, 0.7, 1.0, 1.6]), rng.uniform(0.5, 1.5, size=3),
            rng.normal(size=3))
    for wrt in (0, 1, 2, 3):
        reverse_agrees(final_state, args, wrt=wrt, rtol=1e-5, atol=1e-6)
        forward_agrees(final_state, args, wrt=wrt, rtol=1e-5, atol=1e-6)


def pendulum(s, t):
    return np.array([s[1], -np.sin(s[0])])


def swing(theta0):
    ys = odeint(pendulum, np.array([theta0, 0.0]), np.linspace(0.0, 2.0, 5), rtol=1e-11, atol=1e-11)
    return ys[-1, 0]


def test_no_parameters(rng):
    reverse_agrees(swing, (0.5,), rtol=1e-5, atol=1e-6)
    forward_agrees(swing, (0.5,), rtol=1e-5, atol=1e-6)


def test_second_order(lv_problem, rng):
    # forward over the adjoint: the tangent of the backward solve, against central
    # differences of the gradient (and autograd's Hessian for the initial state)
    second_order_agrees(fit_loss, lv_problem, wrt=0, oracle=fit_loss_ag, rtol=1e-5, atol=1e-5)
    for wrt in (1, 2):
        second_order_agrees(fit_loss, lv_problem, wrt=wrt, rtol=1e-5, atol=1e-5)
    args = (rng.normal(size=3), np.array([0.2, 0.7, 1.6]), rng.uniform(0.5, 1.5, size=3),
            rng.normal(size=3))
    for wrt in (0, 2, 3):
        second_order_agrees(final_state, args, wrt=wrt, rtol=1e-5, atol=1e-5)
    second_order_agrees(swing, (0.5,), rtol=1e-5, atol=1e-5)


def with_full_output(theta0):
    ys, info = odeint(pendulum, np.array([theta0, 0.0]), np.linspace(0.0, 1.0, 3), full_output=1)
    return ys[-1, 0]


def test_full_output_is_refused():
    from transpiler import TranspileError
    with pytest.raises(TranspileError, match="arguments its derivative rule does not take"):
        grad(with_full_output)(0.5)


def five_rates(y, t, a, b, c, d, e):
    return -(a + b + c + d + e) * y


def five_parameter_decay(a):
    ys = odeint(five_rates, np.array([1.0, 2.0]), np.array([0.0, 1.0]), args=(a, 1.0, 1.0, 1.0, 1.0))
    return np.sum(ys)


def test_more_than_four_parameters_is_a_clear_error():
    with pytest.raises(ValueError, match="at most 4 parameters in args"):
        grad(five_parameter_decay)(0.5)


def linear_decay(y, t, k):
    return -k * y


def decay_total(y0, t, k):
    return np.sum(odeint(linear_decay, y0, t, args=(k,), rtol=1e-12, atol=1e-12))


def test_against_the_exact_solution():
    # y(t) = y0 exp(-k t): every derivative in closed form
    y0, t, k = np.array([1.0, 2.0]), np.array([0.0, 0.5, 1.5]), 0.8
    e = np.exp(-k * t)
    np.testing.assert_allclose(grad(decay_total, wrt=2)(y0, t, k), -np.sum(y0) * np.sum(t * e),
                               rtol=1e-7)
    np.testing.assert_allclose(grad(decay_total, wrt=0)(y0, t, k), np.full(2, np.sum(e)), rtol=1e-7)
    want_t = -k * np.sum(y0) * e
    want_t[0] = k * np.sum(y0) * np.sum(e[1:])  # moving t0 shifts the whole trajectory
    np.testing.assert_allclose(grad(decay_total, wrt=1)(y0, t, k), want_t, rtol=1e-7)
    np.testing.assert_allclose(hessian(decay_total, wrt=2)(y0, t, k),
                               np.sum(y0) * np.sum(t ** 2 * e), rtol=1e-6)


def neural_dynamics(y, t, params):  # an ODE-net's right-hand side: args=(params,)
    for W, b in params:
        outputs = np.dot(y, W) + b
        y = np.tanh(outputs)
    return outputs


def ode_net_loss(W0, b1, y0, params):
    layers = [(W0, params[0][1]), (params[1][0], b1)]
    ys = odeint(neural_dynamics, y0, np.linspace(0.0, 1.0, 5), args=(layers,), rtol=1e-11,
                atol=1e-11)
    return np.mean(np.abs(ys - 0.3))


def test_parameters_in_a_list_of_tuples(rng):
    params = [(rng.normal(size=(2, 5)) * 0.3, rng.normal(size=5) * 0.1),
              (rng.normal(size=(5, 2)) * 0.3, rng.normal(size=2) * 0.1)]
    args = (params[0][0], params[1][1], np.array([1.0, 0.5]), params)
    for wrt in (0, 1, 2):
        reverse_agrees(ode_net_loss, args, wrt=wrt, rtol=1e-5, atol=1e-6)
        forward_agrees(ode_net_loss, args, wrt=wrt, rtol=1e-5, atol=1e-6)


def test_parameters_of_other_types_are_a_clear_error():
    with pytest.raises(TypeError, match="not of a str"):
        grad(lambda y0: odeint(lambda y, t, s: -y, y0, [0.0, 1.0], args=("fast",))[-1, 0])(1.0)
