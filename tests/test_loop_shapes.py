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


# -- a loop that may keep its shape: one check after the loop picks the reverse loop ----
# (kinds.py `kept_shape_chain`, reverse_loops.py `KeptShapes`): the reverse loop
# without `unbroadcast` runs only when the value ends with the shape it started
# with; every other case is summed back to each pass's shape.

import math  # noqa: E402

import pytest  # noqa: E402

from transpiler import value_and_grad  # noqa: E402


def euler(s, a, b):  # Lorenz-like: a state updated by a small array of its items
    for _ in range(20):
        u = s[0]
        s = s + 0.1 * np.array([math.sin(u) * a, b * u, a * b - u])
    return np.sum(s ** 2)


def grows_later(a, w):  # b keeps its shape in pass 1 and grows in pass 2
    b, c = a, a
    for _ in range(3):
        b = b + c
        c = c * w
    return np.sum(np.sin(b))


def step(b, w):
    return b + w


def grows_in_a_helper(a, w):  # the helper may do anything to shapes: summed back
    b = a
    for i in range(3):
        b = step(b, w * i)
    return np.sum(b ** 2)


def grows_in_an_inner_loop(a, w):  # grows in the inner loop of the first outer pass
    b = a
    for j in range(3):
        for i in range(2):
            b = np.tanh(b + w * (i + j))
    return np.sum(b * np.arange(1.0, 4.0))


def grows_before_a_break(a, w):
    b = a
    i = 0
    while True:
        i += 1
        if i > 3:
            break
        b = b * 0.9 + w * i
    return np.sum(b ** 2)


def grows_until_a_break(a, w):
    b = a
    i = 0
    while True:
        i += 1
        b = np.sin(b) + w * i
        if i >= 3:
            break
    return np.sum(b ** 2)


def becomes_complex(a, z):  # its shape stays, its dtype does not: summed back, real
    for _ in range(3):
        a = a * z + 1.0
    return np.sum(np.abs(a) ** 2)


def kept_or_grown_cases(rng):
    """(function, args, wrt): each loop-carried value starting as (1,) grows."""
    one, three = rng.normal(size=1), rng.normal(size=3)
    return [
        (euler, (np.array([0.3]), 0.7, 0.4), (0, 1, 2)),
        (euler, (np.array([0.3, -0.2, 0.5]), 0.7, 0.4), (0, 1, 2)),  # kept
        (grows, (one, three), (0, 1)),
        (grows, (three, three), (0, 1)),  # kept
        (grows_later, (one, three), (0, 1)),
        (grows_later, (three, three), (0, 1)),  # kept
        (grows_in_a_helper, (one, three), (0, 1)),
        (grows_in_an_inner_loop, (one, three), (0, 1)),
        (grows_in_an_inner_loop, (three, three), (0, 1)),  # kept
        (grows_before_a_break, (one, three), (0, 1)),
        (grows_before_a_break, (three, three), (0, 1)),  # kept
        (grows_until_a_break, (one, three), (0, 1)),
        (grows_until_a_break, (three, three), (0, 1)),  # kept
        (becomes_complex, (three, 0.5 + 0.5j), 0),
    ]


def test_a_loop_that_grows_a_value_in_any_pass_gets_each_pass_summed_back(rng):
    for f, args, wrt in kept_or_grown_cases(rng):
        value, got = value_and_grad(f, wrt=wrt)(*args)
        assert_close(value, f(*args), rtol=1e-12)
        assert_close(got, numeric_grad(f, args, wrt), rtol=1e-5, atol=1e-7)
        for g, x in zip(got if isinstance(wrt, tuple) else (got,),
                        [args[k] for k in (wrt if isinstance(wrt, tuple) else (wrt,))]):
            assert np.shape(g) == np.shape(x) and np.isrealobj(g) == np.isrealobj(x)


def test_compiled_gradients_of_loops_that_grow_or_keep_a_value(rng):
    pytest.importorskip("numba", reason="jit needs numba: pip install 'tapeless[jit]'")
    from transpiler.jit import jit
    for f, args, wrt in kept_or_grown_cases(rng):
        if f is becomes_complex or f is grows_before_a_break:
            continue  # jit compiles real arrays only, and no array that is None on the
            # branch that breaks (docs/jit.md)
        compiled = jit(value_and_grad(f, wrt=wrt))
        value, got = compiled(*args)
        assert_close(value, f(*args), rtol=1e-12)
        assert_close(got, numeric_grad(f, args, wrt), rtol=1e-5, atol=1e-7)
        assert compiled.compiled_count == 1


@pytest.mark.source_text
def test_the_reverse_loop_of_a_kept_shape_has_no_unbroadcast_of_the_state():
    g = value_and_grad(euler, wrt=(0, 1, 2))
    g(np.array([0.3, -0.2, 0.5]), 0.7, 0.4)
    kept, general = g.source.split("    else:\n")
    assert "if kept_shapes(" in kept
    assert "unbroadcast(d_s," not in kept.split("if kept_shapes(")[1].replace(
        "unbroadcast(d_s, mul", "")  # (the small array's own shape is not known)
    assert "unbroadcast(d_s, s" in general
