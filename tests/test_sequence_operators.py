"""`+` and `*` on values whose type the compiler cannot see when it transforms:
for lists and tuples Python concatenates and repeats, for numbers and arrays it
computes, and the gradient must follow what Python did when it ran. Each case
was a silently wrong gradient (or one of the wrong length) before: the
arithmetic rule was applied to a concatenation."""
import numpy as np
import pytest

from transpiler import grad, hessian, jvp
from runtime.numeric import numeric_grad

from conftest import assert_close
from oracles import gradient_fd


def joined(a, b):
    return a + b


def scaled_copies(values, n):
    return values * n


def pairs_product(xs, ys):
    # two lists of measurements joined, then weighted by position
    zs = xs + ys
    return zs[0] * zs[2] + zs[1] * zs[3] ** 2


def joined_by_a_helper(x):
    readings = [x[0], x[1] ** 2]
    both = joined(readings, readings)  # the helper's `+` concatenates here
    return both[0] * both[3] + both[1]


def joined_after_an_item_write(x):
    xs = [x[0], x[1]]
    xs[0] = 3.0 * xs[0]
    zs = xs + xs
    return zs[0] * zs[3] + zs[1]


def tuple_from_a_generator_doubled(x):
    t = tuple(2.0 * v for v in x)
    t2 = t + t
    return t2[0] * t2[3] + t2[4]


def repeated_by_a_helper(x, n):
    copies = scaled_copies([x[0], np.sin(x[1])], n)
    return sum(c * (k + 1) for k, c in enumerate(copies))


def arrays_through_the_same_helper(x):
    # the same helper computes when it is given arrays
    y = joined(x, 2.0 * x)
    z = scaled_copies(x, 3.0)
    return np.sum(y * z)


def list_grown_then_doubled(x):
    a = [x[0]] * 3
    a[1] = a[1] * 2
    b = a + [x[1]]
    b += b
    return sum(b) + len(b)


CASES = [
    (joined_by_a_helper, [np.array([0.7, -1.3])]),
    (joined_after_an_item_write, [np.array([0.7, -1.3])]),
    (tuple_from_a_generator_doubled, [np.array([0.7, -1.3, 0.4])]),
    (repeated_by_a_helper, [np.array([0.7, -1.3]), 3]),
    (arrays_through_the_same_helper, [np.array([0.7, -1.3, 0.4])]),
    (list_grown_then_doubled, [np.array([0.7, -1.3])]),
]


@pytest.mark.parametrize("f,args", CASES, ids=[f.__name__ for f, _ in CASES])
def test_gradient_follows_what_python_did(f, args):
    x0 = args[0].copy()
    g = grad(f)(*args)
    assert np.array_equal(args[0], x0)
    assert_close(g, numeric_grad(f, args, 0), rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("f,args", CASES, ids=[f.__name__ for f, _ in CASES])
def test_tangent_follows_what_python_did(f, args):
    v = np.linspace(0.3, -0.5, args[0].size)
    _, t = jvp(f)(*args, tangents=v)
    assert_close(t, np.dot(numeric_grad(f, args, 0), v), rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("f,args", CASES, ids=[f.__name__ for f, _ in CASES])
def test_second_derivatives_follow_what_python_did(f, args):
    gradient = grad(f)
    expected = gradient_fd(lambda x: gradient(x, *args[1:]), args[0])
    assert_close(hessian(f)(*args), expected, rtol=1e-5, atol=1e-6)


def test_list_arguments_get_gradients_of_their_own_length():
    xs, ys = [1.5, -0.5], [2.0, 0.25]
    g = grad(pairs_product, wrt=(0, 1))(xs, ys)
    expected = numeric_grad(pairs_product, [xs, ys], (0, 1))
    assert [len(part) for part in g] == [2, 2]
    assert_close(np.array(g[0]), np.array(expected[0]))
    assert_close(np.array(g[1]), np.array(expected[1]))


def rescaled_first_reading(x):
    readings = [x[0], x[1]]
    readings[0] = 3.0 * readings[0]
    return readings[0] * readings[1]


def test_tangent_of_a_list_item_write_is_that_of_the_new_list():
    # the tangents of the old items and of the written one were concatenated
    x, v = np.array([0.7, -1.3]), np.array([1.0, 0.5])
    _, t = jvp(rescaled_first_reading)(x, tangents=v)
    assert_close(t, np.dot(numeric_grad(rescaled_first_reading, [x], 0), v))
