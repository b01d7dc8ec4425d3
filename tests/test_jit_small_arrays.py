"""Under `jit`, a small array built from a tuple of numbers, scaled and added to
another array, is computed item by item (transpiler/jit_small_arrays.py): the
compiled value and gradient equal the Python backend's to the last bit, and
match central differences; look-alikes that must keep the arrays (broadcasting,
the scaled array read again, integers, a scale that is differentiated) give the
Python results too."""
import numpy as np
import pytest

pytest.importorskip("numba", reason="jit needs numba: pip install 'tapeless[jit]'")

from transpiler import value_and_grad  # noqa: E402
from transpiler.jit import jit  # noqa: E402
from runtime.numeric import numeric_grad  # noqa: E402

from conftest import assert_close  # noqa: E402


def predator_prey(state, a, b):
    for _ in range(40):
        u, v = state[0], state[1]
        rates = np.array([a * u - u * v, u * v - b * v])
        state = state + 0.05 * rates
    return np.sum(state ** 2)


def spring(state, k, h):
    for _ in range(30):
        x, p = state[0], state[1]
        step = np.array([p, -k * x])
        state = step * h + state  # scale on the right, added on the left
    return state[0] * state[1]


def rows_drift(state, a):  # two rows of three: the vector broadcasts over the rows
    for _ in range(5):
        u = np.mean(state)
        state = state + 0.1 * np.array([a * u, u * u, -u])
    return np.sum(state ** 2)


def scaled_read_again(state, a):
    total = 0.0
    for _ in range(10):
        u, v = state[0], state[1]
        push = 0.1 * np.array([a * v, -a * u])
        state = state + push
        total = total + np.sum(push ** 2)
    return total + np.sum(state)


def integer_rates(state, n):
    for i in range(4):
        state = state + 0.5 * np.array([n, i, 3])
    return np.sum(state * state)


CASES = [
    (predator_prey, (np.array([1.2, 0.7]), 0.9, 0.6), (0, 1, 2), True),
    (spring, (np.array([1.0, 0.0]), 4.0, 0.05), (0, 1), True),
    (spring, (np.array([1.0, 0.0]), 4.0, 0.05), (0, 1, 2), False),  # d_h reads the array
    (rows_drift, (np.array([[0.3, 0.1, -0.2], [0.5, 0.0, 0.4]]), 0.8), (0, 1), True),
    (scaled_read_again, (np.array([0.4, -0.2]), 1.5), (0, 1), False),
    (integer_rates, (np.array([0.5, 1.0, -1.0]), 2), 0, True),
]


@pytest.mark.parametrize("f, args, wrt, fused", CASES,
                         ids=[f"{c[0].__name__}-{i}" for i, c in enumerate(CASES)])
def test_compiled_equals_the_python_backend_and_central_differences(f, args, wrt, fused):
    compiled = jit(value_and_grad(f, wrt=wrt))
    value, got = compiled(*args)
    want_value, want = value_and_grad(f, wrt=wrt)(*args)
    assert value == want_value
    for a, b in zip(got if isinstance(wrt, tuple) else (got,),
                    want if isinstance(wrt, tuple) else (want,)):
        assert np.array_equal(a, b)
    assert_close(got, numeric_grad(f, args, wrt), rtol=1e-4, atol=1e-6)
    assert compiled.compiled_count == 1


@pytest.mark.source_text
@pytest.mark.parametrize("f, args, wrt, fused", CASES,
                         ids=[f"{c[0].__name__}-{i}" for i, c in enumerate(CASES)])
def test_the_chain_is_one_call_where_nothing_else_reads_the_arrays(f, args, wrt, fused):
    compiled = jit(value_and_grad(f, wrt=wrt))
    compiled(*args)
    assert ("tapeless_numba_add_scaled" in compiled.source) == fused
