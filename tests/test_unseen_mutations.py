"""Helpers that change their arguments in place and whose result is not used
(`normalize_(y)`, `sim.step(dt)`, `log.add(v)`): the change is their whole
effect, which a gradient that skips the call would miss. They are refused, at
transform time for calls of plain functions and when the call runs for
function values and methods; helpers that only read their arguments still work.
"""
import numpy as np
import pytest

from transpiler import TranspileError, grad

from conftest import assert_close
from runtime.numeric import numeric_grad


def normalize_(v):
    v /= np.linalg.norm(v)


def set_first(v, a):
    v[0] = a


def push(xs, v):
    xs.append(v)


def log_norm(v, scale=1.0):
    message = "norm %.3f" % (scale * np.linalg.norm(v))
    return None


def uses_normalize(x):
    y = x * 2.0
    normalize_(y)
    return np.sum(y * np.arange(3.0))


def uses_set_first(x):
    y = x * 1.0
    set_first(y, x[2] ** 2)
    return np.sum(y ** 2)


def uses_push(x):
    ys = [x[0]]
    push(ys, 2.0 * x[1])
    return sum(ys)


def uses_log(x):
    log_norm(x)
    return np.sum(x ** 2)


class Simulation:
    def __init__(self, rate):
        self.rate = rate
        self.x = 1.0

    def step(self, dt):
        self.x = self.x + dt * self.rate * self.x


def simulate(rate):
    sim = Simulation(rate)
    for _ in range(3):
        sim.step(0.1)
    return sim.x


def apply_all(update, x):
    y = x * 1.0
    update(y, x[1])
    return np.sum(y ** 2)


@pytest.mark.parametrize("f, what", [(uses_normalize, "normalize_"),
                                     (uses_set_first, "set_first"), (uses_push, "push")])
def test_a_helper_that_changes_its_argument_is_refused_at_the_change(f, what, rng):
    x = rng.normal(size=3)
    with pytest.raises(TranspileError, match=f"call of `{what}` that changes its argument"):
        grad(f)(x)


def test_a_helper_that_only_reads_its_argument_is_fine(rng):
    x = rng.normal(size=3)
    assert_close(grad(uses_log)(x), numeric_grad(uses_log, (x,)), rtol=1e-6)


def test_a_method_that_changes_its_object_is_refused_when_it_runs():
    with pytest.raises(TypeError, match=r"call of `Simulation\.step`: it changes its "
                                        r"argument `self` in place"):
        grad(simulate)(0.7)


def test_a_function_value_that_changes_its_argument_is_refused_when_it_runs(rng):
    x = rng.normal(size=3)
    with pytest.raises(TypeError, match=r"call of `set_first`: it changes its argument `v`"):
        grad(apply_all, wrt=1)(set_first, x)
    assert_close(grad(apply_all, wrt=1)(log_norm, x),
                 numeric_grad(lambda x: apply_all(log_norm, x), (x,)), rtol=1e-6)
