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


def old_state_read_after(state, a):  # the old state's item is read after the update
    total = 0.0
    for _ in range(6):
        u, v = state[0], state[1]
        new = state + 0.1 * np.array([a * v, -a * u])
        total = total + state[0] * new[1]
        state = new
    return total


def grows_in_pass_one(state, a):  # (1,) + (2,): a new array once, then in place
    for _ in range(5):
        u = state[0]
        state = state + 0.1 * np.array([a * u, -u * u])
    return np.sum(state ** 2)


def old_state_kept(state, a):  # another name holds the old state
    total = 0.0
    for _ in range(6):
        before = state
        state = state + 0.1 * np.array([a * state[1], -a * state[0]])
        total = total + np.sum(before * state)
    return total


CASES = [
    (predator_prey, (np.array([1.2, 0.7]), 0.9, 0.6), (0, 1, 2), True),
    (spring, (np.array([1.0, 0.0]), 4.0, 0.05), (0, 1), True),
    (spring, (np.array([1.0, 0.0]), 4.0, 0.05), (0, 1, 2), False),  # d_h reads the array
    (rows_drift, (np.array([[0.3, 0.1, -0.2], [0.5, 0.0, 0.4]]), 0.8), (0, 1), True),
    (scaled_read_again, (np.array([0.4, -0.2]), 1.5), (0, 1), False),
    (integer_rates, (np.array([0.5, 1.0, -1.0]), 2), 0, True),
    (old_state_read_after, (np.array([0.4, -0.2]), 1.5), (0, 1), True),
    (old_state_kept, (np.array([0.4, -0.2]), 1.5), (0, 1), True),
    (grows_in_pass_one, (np.array([0.7]), 0.9), (0, 1), True),
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


@pytest.mark.parametrize("f, args, wrt, fused", CASES,
                         ids=[f"{c[0].__name__}-{i}" for i, c in enumerate(CASES)])
def test_a_state_updated_in_place_is_a_copy_of_the_argument(f, args, wrt, fused):
    state = args[0].copy()
    jit(value_and_grad(f, wrt=wrt))(*args)
    assert np.array_equal(args[0], state)


@pytest.mark.source_text
def test_the_state_is_updated_in_place_only_where_nothing_reads_the_old_one():
    for f, args, in_place in ((predator_prey, (np.array([1.2, 0.7]), 0.9, 0.6), True),
                              (old_state_read_after, (np.array([0.4, -0.2]), 1.5), False),
                              (old_state_kept, (np.array([0.4, -0.2]), 1.5), False)):
        compiled = jit(value_and_grad(f))
        compiled(*args)
        assert ("tapeless_numba_add_scaled_into" in compiled.source) == in_place, f.__name__


@pytest.mark.source_text
@pytest.mark.parametrize("f, args, wrt, fused", CASES,
                         ids=[f"{c[0].__name__}-{i}" for i, c in enumerate(CASES)])
def test_the_chain_is_one_call_where_nothing_else_reads_the_arrays(f, args, wrt, fused):
    compiled = jit(value_and_grad(f, wrt=wrt))
    compiled(*args)
    assert ("tapeless_numba_add_scaled" in compiled.source) == fused
