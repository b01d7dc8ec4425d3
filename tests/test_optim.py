"""runtime.optim: each optimizer minimizes known functions, one or two steps
match the published update written out by hand, and pytrees keep their shape."""
import doctest
import math

import numpy as np
import pytest

import runtime.optim as optim
from runtime.optim import SGD, Adam, Momentum, RMSprop
from transpiler import grad


def test_doctests():
    assert doctest.testmod(optim).failed == 0


# ------------------------------------------------- minimizing known functions

A = np.array([[3.0, 1.0], [1.0, 7.0]])
B = np.array([1.0, -2.3])
QUADRATIC_MINIMUM = np.linalg.solve(A, B)  # of 0.5 x.A.x - B.x, whose gradient is A x - B


@pytest.mark.parametrize("opt, steps, tol", [
    (SGD(lr=0.2), 200, 1e-10),
    (Momentum(lr=0.05, momentum=0.9), 300, 1e-6),
    (Momentum(lr=0.05, momentum=0.9, nesterov=True), 300, 1e-10),
    (RMSprop(lr=0.01), 1000, 1e-8),
    (Adam(lr=0.05), 1000, 1e-8),
], ids=repr)
def test_minimizes_a_quadratic(opt, steps, tol):
    params = {"x": np.zeros(2)}
    for _ in range(steps):
        params = opt.step(params, {"x": A @ params["x"] - B})
    np.testing.assert_allclose(params["x"], QUADRATIC_MINIMUM, rtol=0, atol=tol)


def rosenbrock(p):
    x, y = p[0], p[1]
    return (1.0 - x) ** 2 + 100.0 * (y - x * x) ** 2


@pytest.mark.parametrize("opt, steps, tol", [
    (SGD(lr=2e-3), 10000, 1e-4),
    (Momentum(lr=1e-3, momentum=0.9), 3000, 1e-4),
    (Momentum(lr=1e-3, momentum=0.9, nesterov=True), 3000, 1e-4),
    (RMSprop(lr=1e-3), 10000, 5e-3),  # a constant step size leaves a wobble of about lr
    (Adam(lr=0.02), 3000, 1e-4),
], ids=repr)
def test_minimizes_rosenbrock_with_compiled_gradients(opt, steps, tol):
    d_rosenbrock = grad(rosenbrock)
    p = np.array([-1.5, 2.0])
    start = rosenbrock(p)
    for _ in range(steps):
        p = opt.step(p, d_rosenbrock(p))
    np.testing.assert_allclose(p, [1.0, 1.0], rtol=0, atol=tol)
    assert rosenbrock(p) < 1e-3 * start


# ------------------------------------------- the update formulas, by hand
# Two steps from p = 1.0 with gradients 2.0 then 1.0 (the second step shows
# the state carried over); each expected value is the published formula
# evaluated in plain arithmetic.

def two_steps(opt):
    p1 = opt.step(1.0, 2.0)
    p2 = opt.step(p1, 1.0)
    return p1, p2


def test_sgd_step():
    p1, p2 = two_steps(SGD(lr=0.1))
    assert p1 == pytest.approx(0.8, abs=1e-15)
    assert p2 == pytest.approx(0.7, abs=1e-15)


def test_momentum_steps():
    # v1 = 2; p1 = 1 - 0.1 * 2.  v2 = 0.9 * 2 + 1 = 2.8; p2 = 0.8 - 0.1 * 2.8
    p1, p2 = two_steps(Momentum(lr=0.1, momentum=0.9))
    assert p1 == pytest.approx(0.8, abs=1e-15)
    assert p2 == pytest.approx(0.52, abs=1e-15)


def test_nesterov_steps():
    # p1 = 1 - 0.1 * (2 + 0.9 * 2) = 0.62;  p2 = 0.62 - 0.1 * (1 + 0.9 * 2.8) = 0.268
    p1, p2 = two_steps(Momentum(lr=0.1, momentum=0.9, nesterov=True))
    assert p1 == pytest.approx(0.62, abs=1e-15)
    assert p2 == pytest.approx(0.268, abs=1e-15)


def test_rmsprop_steps():
    # s1 = 0.1 * 4 = 0.4;  s2 = 0.9 * 0.4 + 0.1 * 1 = 0.46
    p1, p2 = two_steps(RMSprop(lr=0.01, rho=0.9, eps=1e-8))
    assert p1 == pytest.approx(1 - 0.01 * 2 / (math.sqrt(0.4) + 1e-8), abs=1e-15)
    assert p1 == pytest.approx(0.968377223, abs=1e-9)
    assert p2 == pytest.approx(p1 - 0.01 / (math.sqrt(0.46) + 1e-8), abs=1e-15)
    assert p2 == pytest.approx(0.953633028, abs=1e-9)


def test_adam_steps():
    # m1 = 0.2, v1 = 0.004; bias-corrected 0.2 / 0.1 = 2 and 0.004 / 0.001 = 4
    # m2 = 0.18 + 0.1 = 0.28, v2 = 0.003996 + 0.001 = 0.004996; corrections 1 - 0.9**2 = 0.19
    # and 1 - 0.999**2 = 0.001999
    p1, p2 = two_steps(Adam(lr=0.1, beta1=0.9, beta2=0.999, eps=1e-8))
    assert p1 == pytest.approx(1 - 0.1 * 2 / (2 + 1e-8), abs=1e-15)
    expected = p1 - 0.1 * (0.28 / 0.19) / (math.sqrt(0.004996 / 0.001999) + 1e-8)
    assert p2 == pytest.approx(expected, abs=1e-14)
    assert p2 == pytest.approx(0.806782037, abs=1e-9)


def test_each_leaf_has_its_own_state():
    # Adam scales each coordinate separately: first steps are lr * sign(g)
    new = Adam(lr=0.5).step({"a": np.array([0.0, 0.0]), "b": 0.0},
                            {"a": np.array([100.0, -0.01]), "b": 3.0})
    np.testing.assert_allclose(new["a"], [-0.5, 0.5], rtol=1e-6)
    assert new["b"] == pytest.approx(-0.5, rel=1e-6)


# ------------------------------------------------------------------ pytrees

def test_structure_and_leaf_types_are_preserved():
    params = {"layers": [(np.ones((2, 3)), np.zeros(3)), (np.ones(3, dtype=np.float32), 1.5)],
              "scale": 2.0}
    grads = {"layers": [(np.full((2, 3), 0.5), np.ones(3)), (np.ones(3, dtype=np.float32), -1.0)],
             "scale": 4.0}
    new = SGD(lr=0.1).step(params, grads)
    assert list(new) == ["layers", "scale"] and isinstance(new["layers"], list)
    (w, b), (v, c) = new["layers"]
    assert isinstance(new["layers"][0], tuple)
    np.testing.assert_allclose(w, np.full((2, 3), 0.95))
    np.testing.assert_allclose(b, [-0.1, -0.1, -0.1])
    assert v.dtype == np.float32 and np.allclose(v, 0.9)
    assert type(c) is float and c == pytest.approx(1.6)
    assert type(new["scale"]) is float and new["scale"] == pytest.approx(1.6)


def test_the_callers_arrays_are_not_written():
    params = {"w": np.array([1.0, 2.0])}
    opt = Adam(lr=0.1)
    new = opt.step(params, {"w": np.array([1.0, 1.0])})
    np.testing.assert_array_equal(params["w"], [1.0, 2.0])
    assert new["w"] is not params["w"]


def test_gradients_from_grad_fit_the_parameters():
    def loss(p):
        return np.sum((p["w"] - 1.0) ** 2) + (p["b"][0] - 2.0) ** 2 + p["b"][1] ** 2
    d_loss = grad(loss)
    params = {"w": np.zeros(3), "b": [0.0, 1.0]}
    opt = Momentum(lr=0.1, momentum=0.5)
    for _ in range(200):
        params = opt.step(params, d_loss(params))
    np.testing.assert_allclose(params["w"], [1.0, 1.0, 1.0], atol=1e-10)
    assert params["b"] == pytest.approx([2.0, 0.0], abs=1e-10)
    assert isinstance(params["b"], list)


def test_mismatched_structures_are_rejected():
    opt = SGD(lr=0.1)
    with pytest.raises(ValueError, match="structure of the parameters"):
        opt.step({"w": 1.0}, {"v": 1.0})
    opt = Adam()
    opt.step((1.0, 2.0), (1.0, 1.0))
    with pytest.raises(ValueError, match="reset"):
        opt.step((1.0, 2.0, 3.0), (1.0, 1.0, 1.0))
    opt.reset()
    assert opt.step((1.0, 2.0, 3.0), (1.0, 1.0, 1.0)) == pytest.approx((0.999, 1.999, 2.999))
    assert opt.t == 1


def test_bad_settings_are_rejected():
    with pytest.raises(ValueError):
        SGD(lr=0.0)
    with pytest.raises(ValueError):
        Momentum(momentum=1.0)
    with pytest.raises(ValueError):
        Adam(beta2=1.5)
