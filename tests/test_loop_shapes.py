"""A loop-carried array whose shape grows by broadcasting (`b = b + w` with b of
shape (1,) and w of shape (3,)): each pass's gradient is summed back to the shape
b had in that pass, so the gradient of the initial value has its shape."""
import numpy as np

from transpiler import grad, jvp

from conftest import assert_close
from runtime.numeric import numeric_grad


def grows(a, w):
    b = a
    for i in range(3):
        b = b + w * i
    return np.sum(b ** 2)


def grows_in_place_of_a(a, w):
    for _ in range(2):
        a = np.tanh(a + w)
    return np.sum(a * np.arange(1.0, 4.0))


def test_the_gradient_of_a_value_a_loop_broadcasts_has_its_shape(rng):
    a, w = rng.normal(size=1), rng.normal(size=3)
    for f in (grows, grows_in_place_of_a):
        got = grad(f, wrt=(0, 1))(a, w)
        assert np.shape(got[0]) == (1,)
        assert_close(got, numeric_grad(f, (a, w), (0, 1)), rtol=1e-6)
        _, tangent = jvp(f, (a, w), (np.ones(1), np.zeros(3)))
        assert_close(tangent, np.sum(numeric_grad(f, (a, w), 0)), rtol=1e-6)
