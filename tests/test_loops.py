"""Loops: loop-carried values, while loops with data-dependent trip counts,
break/continue/return, nesting — against finite differences, closed forms and autograd."""
import math

import autograd
import autograd.numpy as anp
import numpy as np
import pytest

from transpiler import grad, jvp, value_and_grad

from conftest import assert_close, check_against_fd
from runtime.numeric import numeric_grad


def sin_series(x, n):
    s = 0.0
    for i in range(n):
        s = s + x * i
        x = math.sin(x)
    return s


@pytest.mark.source_text
def test_loop_carried_scalar_and_readable_reverse_loop():
    df = grad(sin_series)
    check_against_fd(df, sin_series, (0.7, 6), 0)
    lines = [line.strip() for line in df.source.splitlines()]
    assert "for i in range(n):" in lines
    assert "for x, i in reversed(saved):" in lines
    assert "d_x = d_x * math.cos(x)" in lines


def horner(c, x):
    p = 0.0
    for k in range(len(c)):
        p = p * x + c[k]
    return p


def test_horner_against_closed_form():
    c = np.array([2.0, -3.0, 0.5, 4.0])  # 2x^3 - 3x^2 + 0.5x + 4
    for x in (-1.5, 0.3, 2.0):
        assert math.isclose(grad(horner, wrt="x")(c, x), 6 * x ** 2 - 6 * x + 0.5,
                            rel_tol=1e-14)


def iterate_map(h, W, b, n):
    for _ in range(n):
        h = np.tanh(W @ h + b)
    return np.sum(h * h)


def test_loop_carried_arrays_against_autograd(rng):
    h, W, b = rng.normal(size=4), rng.normal(size=(4, 4)) * 0.5, rng.normal(size=4)

    def ref(h, W, b, n):
        for _ in range(n):
            h = anp.tanh(anp.dot(W, h) + b)
        return anp.sum(h * h)
    got = grad(iterate_map, wrt=(0, 1, 2))(h, W, b, 7)
    assert_close(got, autograd.grad(ref, (0, 1, 2))(h, W, b, 7), rtol=1e-12)


def lorenz(x, y, z, sigma, rho, beta):
    dt = 0.01
    for _ in range(500):
        dx = sigma * (y - x)
        dy = x * (rho - z) - y
        dz = x * y - beta * z
        x = x + dt * dx
        y = y + dt * dy
        z = z + dt * dz
    return x + y + z


def test_lorenz_euler_500_steps_against_fd_and_autograd():
    args = (1.0, 1.0, 1.0, 10.0, 28.0, 8.0 / 3.0)
    wrt = (0, 1, 2, 3, 4, 5)
    got = grad(lorenz, wrt=wrt)(*args)
    # the flow is chaotic at t = 5, so finite differences need a small step
    assert_close(got, numeric_grad(lorenz, args, wrt, rel_step=1e-6), rtol=2e-5)
    assert_close(got, tuple(float(g) for g in autograd.grad(lorenz, wrt)(*args)), rtol=1e-10)


def newton_sqrt(a):
    x = a
    while abs(x * x - a) > 1e-12 * a:
        x = 0.5 * (x + a / x)
    return x


def test_while_with_input_dependent_trip_count():
    d = grad(newton_sqrt)
    for a in (0.5, 2.0, 49.0, 1e4):
        assert math.isclose(d(a), 0.5 / math.sqrt(a), rel_tol=1e-9)


def first_above(x):
    s = 1.0
    for i in range(10):
        s = s * x
        if s > 5.0:
            break
    return s


def skip_even(x):
    s = 0.0
    for i in range(6):
        if i % 2 == 0:
            continue
        s = s + x ** i
    return s


def grow_until(x):
    for i in range(10):
        x = x * 1.5
        if x > 4.0:
            return x * 2.0
    return x


def nested(x, y):
    s = 0.0
    for i in range(3):
        t = y
        for j in range(4):
            t = t * x + i * j
        s = s + math.sin(t)
    return s


def while_break(x):
    y = x
    while y > 0.1:
        y = y / 2.0
        if y < 0.3:
            break
    return y * y


def early_and_late(x):
    total = 0.0
    for i in range(5):
        if x * i > 3.0:
            total = total + x
            continue
        elif x * i > 1.0:
            total = total + x * x
            break
        total = total + math.exp(x)
    return total


def test_break_continue_return():
    assert grad(first_above)(1.5) == 4 * 1.5 ** 3  # s = x**4 > 5 at i = 3
    assert grad(skip_even)(1.3) == 1 + 3 * 1.3 ** 2 + 5 * 1.3 ** 4
    assert math.isclose(grad(grow_until)(1.0), 2 * 1.5 ** 4, rel_tol=1e-15)
    assert grad(grow_until)(0.01) == 1.5 ** 10
    for x in (0.4, 3.0, 11.0):
        check_against_fd(grad(while_break), while_break, (x,), 0)
    for x in (0.3, 0.7, 2.5, 4.0):
        check_against_fd(grad(early_and_late), early_and_late, (x,), 0)


def test_nested_loops():
    check_against_fd(grad(nested, wrt=(0, 1)), nested, (0.9, 0.4), (0, 1))


def inactive_values_are_not_saved(x, n):
    s = 0.0
    for i in range(n):
        k = i * 2 + 1
        s = s + x * k
    return s


@pytest.mark.source_text
def test_only_active_values_are_saved():
    df = grad(inactive_values_are_not_saved)
    assert df(2.0, 4) == sum(i * 2 + 1 for i in range(4))
    assert "saved = []" not in df.source  # the reverse loop replays the range instead


def over_sequences(xs, w):
    s = 0.0
    for x in xs:
        s = s + w * x
    for i, x in enumerate(xs):
        s = s + w * i * x
    for a, b in zip(xs, xs):
        s = s + w * a * b
    for x in reversed(xs):
        s = s * w + x
    return s


def test_for_over_lists_tuples_enumerate_zip_reversed():
    for xs in ([0.5, -1.0, 2.0], (0.5, -1.0, 2.0), np.array([0.5, -1.0, 2.0])):
        check_against_fd(grad(over_sequences, wrt="w"), over_sequences, (xs, 0.7), 1)


def test_deep_scalar_loop_has_no_recursion_limit():
    value, d = value_and_grad(sin_series)(0.5, 100_000)
    assert math.isfinite(value) and math.isfinite(d)


def rnn_loss(Wh, Wx, h, xs):
    for x_t in xs:
        h = np.tanh(h @ Wh + x_t @ Wx)
    return np.sum(h ** 2)


def test_vanilla_rnn_50_steps_against_autograd(rng):
    Wh, Wx = rng.normal(size=(8, 8)) * 0.3, rng.normal(size=(3, 8)) * 0.3
    h0, xs = rng.normal(size=(2, 8)), rng.normal(size=(50, 2, 3))

    def ref(Wh, Wx, h, xs):
        for t in range(xs.shape[0]):
            h = anp.tanh(anp.dot(h, Wh) + anp.dot(xs[t], Wx))
        return anp.sum(h ** 2)
    d = grad(rnn_loss, wrt=(0, 1, 2))
    assert_close(d(Wh, Wx, h0, xs), autograd.grad(ref, (0, 1, 2))(Wh, Wx, h0, xs), rtol=1e-11)
    lines = [line.strip() for line in d.source.splitlines()]
    assert any(line.startswith("for ") and "range(len(xs))" in line for line in lines)
    assert any(line.startswith("for ") and "reversed(" in line for line in lines)


# -- a value carried by an inner loop only, read by what the function returns ----------
# (the activity analysis stopped one round early: the outer loop's initial value got
# no gradient, silently zero)

def inner_carried_scalar(x):
    t = 0.0
    for i in range(1):
        for j in range(2):
            x = x + 1.0
            t = x * x
    return t


def inner_carried_array(v):
    t = 0.0
    for i in range(2):
        for j in range(2):
            v = v + 1.0
            t = t + np.sum(v * v)
    return t


def inner_carried_alias(v):
    t1 = 0.0
    for i2 in range(1):
        for i3 in range(2):
            a4 = v
            a4 += np.sqrt(1.0 + v * v)
            t1 = np.arctan(a4).mean() * 2
    return t1


@pytest.mark.parametrize("fn,x", [(inner_carried_scalar, 0.5),
                                  (inner_carried_array, np.array([0.5, 1.0])),
                                  (inner_carried_alias, np.array([0.0, 0.3, -0.2]))])
def test_a_value_carried_by_an_inner_loop_gets_its_gradient(fn, x):
    copy = lambda a: np.copy(a) if isinstance(a, np.ndarray) else a  # noqa: E731
    want = numeric_grad(lambda a: fn(copy(a)), (copy(x),))
    assert_close(grad(fn)(copy(x)), want, rtol=1e-6, atol=1e-9)
    assert_close(jvp(fn)(copy(x), tangents=np.ones_like(x) if np.ndim(x) else 1.0)[1],
                 np.sum(want), rtol=1e-6, atol=1e-9)


# -- the loop variable after `break` holds the value of the pass that broke ----------

def newton_iterations(a):
    x = 1.0
    for it in range(50):
        x = 0.5 * (x + a / x)
        if abs(x * x - a) < 1e-12:
            break
    return x * (it + 1)


def first_weight_over(ws, t):
    s = 0.0
    for k, w in enumerate(ws):
        s = s + w * t
        if s > 1.0:
            break
    return s * w + k


def grows_until(x, n):
    s = x
    for i in range(n):
        s = s * 1.2
        if s > 2.0:
            break
    return s * i


def test_loop_variables_after_break_are_those_of_the_breaking_pass():
    from transpiler import jvp
    from runtime.numeric import numeric_grad
    assert value_and_grad(newton_iterations)(2.0)[0] == pytest.approx(newton_iterations(2.0))
    assert grad(newton_iterations)(2.0) == pytest.approx(numeric_grad(newton_iterations, (2.0,)),
                                                          rel=1e-6)
    ws = np.array([0.3, 0.5, 0.9, 2.0])
    value, grads = value_and_grad(first_weight_over, wrt=(0, 1))(ws, 1.0)
    assert value == pytest.approx(first_weight_over(ws, 1.0))
    want = numeric_grad(first_weight_over, (ws, 1.0), wrt=(0, 1))
    np.testing.assert_allclose(grads[0], want[0], atol=1e-7)
    assert grads[1] == pytest.approx(want[1])
    assert jvp(grows_until, (0.5, 10), (1.0, 0))[0] == pytest.approx(grows_until(0.5, 10))
    for setting in (False, True, 2):
        assert grad(grows_until, checkpoint=setting)(0.5, 10) == pytest.approx(
            numeric_grad(grows_until, (0.5, 10)), rel=1e-6)
