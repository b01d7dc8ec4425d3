"""np.pad in the modes that copy items, and np.trapezoid (a quadrature people
write for energies and likelihoods on a grid). Oracle: finite differences."""
import numpy as np
import pytest

from transpiler import grad, hessian, jvp

from conftest import assert_close
from runtime.numeric import numeric_grad

STENCIL = np.array([0.25, 0.5, 0.25])


@pytest.mark.parametrize("mode", ["constant", "edge", "reflect", "symmetric", "wrap"])
def test_padding_modes_that_copy_items(mode, rng):
    def smoothed(x):
        y = np.pad(x, (2, 1), mode=mode)
        return np.sum(np.convolve(y, STENCIL, mode="valid") ** 2 * np.arange(1.0, 6.0))

    def image(a):
        return np.sum(np.sin(np.pad(a, ((1, 2), (0, 1)), mode=mode)) * 1.5)

    x = rng.normal(size=4)
    a = rng.normal(size=(3, 2))
    assert_close(grad(smoothed)(x), numeric_grad(smoothed, (x,)), rtol=1e-6)
    assert_close(grad(image)(a), numeric_grad(image, (a,)), rtol=1e-6)
    v = rng.normal(size=4)
    _, tangent = jvp(smoothed, (x,), (v,))
    assert_close(tangent, np.dot(numeric_grad(smoothed, (x,)), v), rtol=1e-6)


@pytest.mark.parametrize("mode", ["maximum", "mean", "linear_ramp"])
def test_other_padding_modes_are_clear_errors(mode, rng):
    def f(x):
        return np.sum(np.pad(x, 1, mode=mode) ** 2)

    with pytest.raises(ValueError, match="np.pad with mode"):
        grad(f)(rng.normal(size=3))
    with pytest.raises(ValueError, match="np.pad with mode"):
        jvp(f, (rng.normal(size=3),), (np.ones(3),))


def action(q, t):
    """A discretized action: kinetic minus potential energy, integrated in time."""
    kinetic = np.sum(0.5 * np.diff(q) ** 2 / np.diff(t))
    return kinetic - np.trapezoid(np.cos(q), t) + np.trapezoid(q ** 2, dx=0.05)


def field_energy(U, t):
    return np.sum(np.trapezoid(U ** 2, t, axis=0) ** 2)


def test_trapezoid_gradients_in_the_samples_and_the_points(rng):
    q = rng.normal(size=6)
    t = np.sort(rng.uniform(size=6)) + np.arange(6.0)
    U = rng.normal(size=(6, 3))
    for f, args in ((action, (q, t)), (field_energy, (U, t))):
        got = grad(f, wrt=(0, 1))(*args)
        assert_close(got, numeric_grad(f, args, (0, 1)), rtol=1e-6, atol=1e-7)


def test_trapezoid_forward_mode_and_hessian(rng):
    q = rng.normal(size=5)
    t = np.arange(5.0) * 0.3
    dq, dt = rng.normal(size=5), rng.normal(size=5)
    _, tangent = jvp(field_energy, (q[:, None] * np.ones(2), t), (dq[:, None] * np.ones(2), dt))
    want = np.sum(numeric_grad(field_energy, (q[:, None] * np.ones(2), t), 0) * dq[:, None]) + \
        np.dot(numeric_grad(field_energy, (q[:, None] * np.ones(2), t), 1), dt)
    assert_close(tangent, want, rtol=1e-6)
    H = hessian(action)(q, t)
    want_h = np.array([numeric_grad(lambda q: grad(action)(q, t)[i], (q,)) for i in range(5)])
    assert_close(H, want_h, rtol=1e-5, atol=1e-7)
