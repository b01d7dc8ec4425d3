"""`jit`: the generated code compiled with numba gives the gradients the Python
code gives (to rounding), and both match central differences; what numba
cannot compile is a JitError at the user's line, or, with fallback=True, a
warning and the Python result."""
import math
import warnings

import numpy as np
import pytest

numba = pytest.importorskip("numba", reason="jit needs numba: pip install 'tapeless[jit]'")

from transpiler import TranspileError, grad, hessian, jvp, value_and_grad  # noqa: E402
from transpiler.jit import JitError, JitFallbackWarning, jit, numba_source  # noqa: E402
from runtime.numeric import numeric_grad  # noqa: E402

from conftest import assert_close  # noqa: E402
from test_benchmarks import load  # noqa: E402
from test_loops import early_and_late  # noqa: E402

# the benchmark's workloads, tested as they are timed
lorenz, rnn, mlp, logistic = (getattr(load("workloads"), name)
                              for name in ("lorenz", "rnn", "mlp", "logistic"))


# -- the functions: written as a scientist writes them ----------------------------------

def sin_loop(x, w):
    for _ in range(200):
        x = x + w * math.sin(x)
    return x


def logistic_map(r, x):
    for _ in range(30):
        x = r * x * (1.0 - x)
    return x


def newton_sqrt(a):
    x = a
    while abs(x * x - a) > 1e-12 * a:
        x = 0.5 * (x + a / x)
    return x


def piecewise(x, y):
    if x > y:
        z = x * y - math.exp(-x)
    else:
        z = math.sin(x) + y ** 3
    return z * z


def softplus(x):
    return math.log(1.0 + math.exp(x))


def calls_a_helper(x, y):
    total = 0.0
    for k in range(5):
        total = total + softplus(x * k - y)
    return total


def damped_oscillator(x0, v0, k, c):
    x, v, dt = x0, v0, 0.01
    for _ in range(300):
        a = -k * x - c * v
        x, v = x + dt * v, v + dt * a
    return x * x + v * v


def polynomial(coeffs, t):
    value = 0.0
    for i in range(coeffs.shape[0]):
        value = value * t + coeffs[i]
    return value


def vector_loop(x, w):
    for _ in range(10):
        x = x + w * np.sin(x)
    return np.sum(x ** 2)


def column_means(A, v):
    centred = A - np.mean(A, axis=0)
    return np.sum((centred @ v) ** 2) + np.max(A) * np.min(v)


def clipped_sum(x):
    total = 0.0
    for i in range(x.shape[0]):
        if x[i] > 0.5:
            total = total + 0.5 * x[i]
        else:
            total = total + x[i] ** 2
    return total


def _rng():
    return np.random.default_rng(7)


def cases():
    rng = _rng()
    X = rng.normal(size=(30, 4))
    return [
        (sin_loop, (0.3, 0.5), (0, 1)),
        (logistic_map, (3.1, 0.4), (0, 1)),
        (newton_sqrt, (2.0,), 0),
        (piecewise, (1.5, 0.5), (0, 1)),
        (piecewise, (0.2, 0.5), (0, 1)),
        (calls_a_helper, (0.4, 0.3), (0, 1)),
        (damped_oscillator, (1.0, 0.0, 4.0, 0.3), (0, 1, 2, 3)),
        (polynomial, (rng.normal(size=5), 0.7), (0, 1)),
        # (rho below 1: not chaotic over the 500 steps, so central differences are exact)
        (lorenz, (np.array([1.0, 1.0, 1.0]), 10.0, 0.8, 8.0 / 3.0), (0, 1, 2, 3)),
        (vector_loop, (rng.normal(size=3), 0.5), (0, 1)),
        (rnn, (rng.normal(size=(5, 5)) * 0.3, rng.normal(size=(3, 5)) * 0.3,
               rng.normal(size=(2, 5)), rng.normal(size=(6, 2, 3))), (0, 1, 2)),
        (mlp, (rng.normal(size=(4, 6)) * 0.3, np.zeros(6), rng.normal(size=(6, 3)) * 0.3,
               np.zeros(3), X, np.eye(3)[rng.integers(0, 3, size=30)]), (0, 1, 2, 3)),
        (logistic, (rng.normal(size=4), 0.1, X, (X[:, 0] > 0).astype(float)), (0, 1)),
        (column_means, (rng.normal(size=(6, 3)), rng.normal(size=3)), (0, 1)),
        (clipped_sum, (rng.uniform(size=7),), 0),
    ]


CASES = cases()
IDS = [f"{f.__name__}-{i}" for i, (f, _, _) in enumerate(CASES)]


@pytest.mark.parametrize("f, args, wrt", CASES, ids=IDS)
def test_compiled_gradient_equals_the_python_one_and_central_differences(f, args, wrt):
    compiled = jit(value_and_grad(f, wrt=wrt))
    value, got = compiled(*args)
    want_value, want = value_and_grad(f, wrt=wrt)(*args)
    assert_close(value, want_value, rtol=1e-12, atol=1e-14)
    assert_close(got, want, rtol=1e-9, atol=1e-12)
    assert_close(got, numeric_grad(f, args, wrt), rtol=1e-4, atol=1e-6)
    assert compiled.compiled_count == 1  # compiled, not fallen back
    assert_close(jit(grad(f, wrt=wrt))(*args), want, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("f, args", [(vector_loop, (np.array([0.3, -0.8, 1.1]), 0.5)),
                                     (lorenz, (np.array([1.0, 2.0, 3.0]), 10.0, 0.8, 2.5)),
                                     (damped_oscillator, (1.0, 0.5, 4.0, 0.3))])
def test_compiled_jvp_and_hessian_equal_the_python_ones(f, args):
    x = args[0]
    t = np.ones_like(x) if np.ndim(x) else 1.0
    assert_close(jit(jvp(f))(*args, tangents=t), jvp(f)(*args, tangents=t), rtol=1e-9)
    want = hessian(f)(*args)
    assert_close(jit(hessian(f))(*args), want, rtol=1e-8, atol=1e-10)
    gradient = grad(f)
    fd = numeric_grad(lambda y: np.sum(gradient(y, *args[1:]) * t), (x,), 0)
    assert_close(np.sum(want * t, axis=-1) if np.ndim(x) else want, fd, rtol=1e-4, atol=1e-6)


def test_jit_of_a_plain_function_runs_it_compiled():
    compiled = jit(sin_loop)
    assert compiled(0.3, 0.5) == pytest.approx(sin_loop(0.3, 0.5), rel=1e-12)
    assert compiled.compiled_count == 1


def test_each_kind_of_arguments_gets_its_own_specialization():
    compiled = jit(grad(vector_loop, wrt=(0, 1)))
    x = np.array([0.3, -0.8, 1.1])
    assert_close(compiled(x, 0.5), grad(vector_loop, wrt=(0, 1))(x, 0.5), rtol=1e-10)
    assert_close(compiled(0.3, 0.5), grad(vector_loop, wrt=(0, 1))(0.3, 0.5), rtol=1e-10)
    assert compiled.compiled_count == 2
    slope = jit(grad(polynomial, wrt=1))
    coeffs = np.array([3, -1, 2])
    for c in (coeffs, coeffs.astype(float)):  # one kind, two numba specializations
        assert slope(c, 0.7) == pytest.approx(grad(polynomial, wrt=1)(c, 0.7), rel=1e-12)


@pytest.mark.parametrize("f", [vector_loop, lambda x, w: np.sum(np.tanh(x) * x) * w])
def test_float32_is_an_error_not_a_float64_answer(f):
    # numba computes float32 array * float64 in float64 (NumPy keeps float32)
    x = np.array([0.3, -0.8], dtype=np.float32)
    with pytest.raises(JitError, match="float32"):
        jit(grad(f))(x, 0.5)
    with pytest.warns(JitFallbackWarning):
        got = jit(grad(f), fallback=True)(x, 0.5)
    assert got.dtype == np.float32 and np.allclose(got, grad(f)(x, 0.5))


def test_keyword_arguments_bind_as_in_python():
    compiled = jit(grad(piecewise, wrt=(0, 1)))
    assert_close(compiled(1.5, y=0.5), grad(piecewise, wrt=(0, 1))(1.5, 0.5), rtol=1e-12)


def test_jit_works_as_a_decorator():
    @jit
    @grad
    def cube(x):
        return x * x * x
    assert cube(2.0) == pytest.approx(12.0)


# -- what numba cannot compile ---------------------------------------------------------

def reads_a_dict(x):
    parts = {"a": x, "b": 2.0 * x}
    return parts["a"] * parts["b"]


def formats_a_number(x):
    label = str(x)
    return x * len(label)


def test_code_outside_numbas_subset_is_an_error_at_the_users_line():
    with pytest.raises(JitError) as info:
        jit(grad(reads_a_dict))(1.5)
    error = info.value
    assert isinstance(error, TranspileError)
    assert error.loc.filename == __file__
    assert error.loc.line.strip().startswith(("parts = ", "return parts"))
    assert "numba" in str(error) and "fallback=True" in str(error)


def test_numbers_made_into_text_are_refused_not_run_differently():
    with pytest.raises(JitError, match="text of a number"):
        jit(grad(formats_a_number))(1.0)


def test_fallback_warns_and_gives_the_python_gradient():
    compiled = jit(grad(reads_a_dict), fallback=True)
    with pytest.warns(JitFallbackWarning, match="reads_a_dict"):
        got = compiled(1.5)
    assert got == pytest.approx(4.0 * 1.5)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # warned once; later calls run the Python code
        assert compiled(2.0) == pytest.approx(8.0)
    assert compiled.compiled_count == 0


def test_jit_refuses_objects_it_cannot_compile():
    with pytest.raises(TypeError, match="jit compiles"):
        jit(np.sin)


def test_numba_source_shows_the_rewritten_loops():
    compiled = jit(value_and_grad(sin_loop))
    compiled(0.3, 0.5)
    text = compiled.source
    assert "reversed" not in text and "range(tapeless_numba_n_saved - 1, -1, -1)" in text
    assert "saved = tapeless_numba_saved_rows(" in text  # rows made on the first pass


def test_without_numba_the_error_says_how_to_install_it(monkeypatch):
    import sys
    monkeypatch.setitem(sys.modules, "numba", None)
    with pytest.raises(ImportError, match=r"tapeless\[jit\]"):
        jit(grad(sin_loop))
    assert numba_source  # (the module itself imports without numba)


def power(x, n):
    if n == 0:
        return 1.0
    return x * power(x, n - 1)


def test_recursion_is_an_error_or_with_fallback_the_python_gradient():
    with pytest.raises(JitError, match="recursive"):
        jit(grad(power))(1.3, 3)
    with pytest.warns(JitFallbackWarning):
        assert jit(grad(power), fallback=True)(1.3, 3) == pytest.approx(3 * 1.3 ** 2)


@pytest.mark.parametrize("x", [0.3, 0.7, 2.5, 4.0])
def test_break_and_continue_compile_to_the_right_gradient(x):
    # the loop saves values computed on some branches only (None on the others)
    compiled = jit(grad(early_and_late))
    assert compiled(x) == pytest.approx(numeric_grad(early_and_late, (x,)), rel=1e-6)
    assert compiled(x) == pytest.approx(grad(early_and_late)(x), rel=1e-12)
    assert compiled.compiled_count == 1


# -- random programs: compiled or a clear error, never another answer ----------------

from hypothesis import HealthCheck, assume, given, settings  # noqa: E402

from random_programs import Features, probe, programs  # noqa: E402
from test_random_programs import load  # noqa: E402

_OUTCOMES = {"compiled": 0, "refused": 0}


@settings(max_examples=40, deadline=None, database=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                 HealthCheck.data_too_large, HealthCheck.function_scoped_fixture])
@given(case=programs(Features(loops=True, calls=True, mutation=False)))
def test_random_programs_compiled_give_the_python_gradient_or_a_jit_error(case, tmp_path):
    program, args = case
    margin, value = probe(program, args)
    assume(np.isfinite(value) and abs(value) < 1e4)
    f = load(program.source(), tmp_path)
    wrt = tuple(range(len(args)))
    want = value_and_grad(f, wrt=wrt)(*args)
    try:
        got = jit(value_and_grad(f, wrt=wrt))(*args)
    except JitError:
        _OUTCOMES["refused"] += 1
        return
    _OUTCOMES["compiled"] += 1
    scale = max(1.0, abs(float(value)))
    assert_close(got, want, rtol=1e-9, atol=1e-12 * scale)


def optional_bonus(x, flags):
    total = 0.0
    for i in range(flags.shape[0]):
        if flags[i] > 0:
            bonus = x * flags[i]
        else:
            bonus = None
        if bonus is None:
            total = total + 1.0
        else:
            total = total + bonus * x
    return total


def test_a_none_the_code_tests_for_is_not_made_a_number():
    flags = np.array([1.0, -1.0, 2.0])
    compiled = jit(grad(optional_bonus), fallback=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", JitFallbackWarning)
        got = compiled(0.7, flags)
    assert got == pytest.approx(grad(optional_bonus)(0.7, flags), rel=1e-12)
    assert got == pytest.approx(numeric_grad(optional_bonus, (0.7, flags)), rel=1e-6)


def steps_of_sin(x, n):
    for _ in range(n):
        x = x * math.sin(x) + 1.0
    return x


def steps_of_arrays(v, w):
    for i in range(4):
        v = np.tanh(v * w + i)
    return np.sum(v)


def steps_with_the_counter(x, n):
    for i in range(n):
        x = x + math.sin(x * i)
    return x


@pytest.mark.parametrize("f, args, wrt", [
    (steps_of_sin, (0.4, 6), 0),
    (steps_of_sin, (0.4, 0), 0),  # no pass: no rows
    (steps_of_arrays, (np.array([0.3, -0.4]), np.array([1.5, 0.5])), (0, 1)),
    (steps_with_the_counter, (0.4, 5), 0),
], ids=["floats", "no-pass", "arrays", "counter"])
def test_saved_rows_made_on_the_first_pass_give_the_python_gradient(f, args, wrt):
    compiled = jit(value_and_grad(f, wrt=wrt))
    value, got = compiled(*args)
    want_value, want = value_and_grad(f, wrt=wrt)(*args)
    assert_close(value, want_value, rtol=1e-12)
    assert_close(got, want, rtol=1e-12, atol=1e-14)
    assert_close(got, numeric_grad(f, args, wrt), rtol=1e-5, atol=1e-7)
    assert compiled.compiled_count == 1


# -- indices past the end: Python's IndexError, never memory past the array ------------

def squared_steps(x, n):
    total = 0.0
    for k in range(n):
        total = total + (x[k + 1] - x[k]) ** 2
    return total


@pytest.mark.parametrize("make", [lambda: jit(grad(squared_steps)),
                                  lambda: jit(value_and_grad(squared_steps)),
                                  lambda: jit(squared_steps)],
                         ids=["grad", "value_and_grad", "primal"])
def test_an_index_past_the_end_raises_as_in_python(make):
    x = np.arange(5.0) ** 2
    compiled = make()
    compiled(x, 3)  # compiles, in bounds
    with pytest.raises(IndexError):
        squared_steps(x, 5)  # (what Python says)
    with pytest.raises(IndexError):
        compiled(x, 5)  # x[5]: numba without bounds checks read past the array


def test_in_bounds_results_match_python():
    x = np.arange(5.0) ** 2
    assert_close(jit(grad(squared_steps))(x, 4), numeric_grad(squared_steps, (x, 4)))
    assert jit(squared_steps)(x, 4) == squared_steps(x, 4)


# -- an integer to a negative integer power: a float in Python, 0 in numba -------------

def halving_series(x, n):
    total = 0.0
    for i in range(n):
        total = total + x * 2 ** (-i)
    return total


def test_integer_powers_with_negative_exponents_are_never_numbas_zero():
    want = halving_series(1.5, 5)
    assert want == pytest.approx(2.90625)
    for transform in (value_and_grad,):
        value, slope = jit(transform(halving_series))(1.5, 5)
        assert value == pytest.approx(want) and slope == pytest.approx(1.9375)
    with pytest.raises(ValueError, match="negative integer power"):
        jit(halving_series)(1.5, 5)
    assert jit(halving_series)(1.5, 1) == pytest.approx(1.5)  # (2 ** 0: no error)


# -- math errors: Python's exceptions, not numba's nan and inf -------------------------

def log_likelihood(sigma, x):
    return -math.log(sigma) - 0.5 * (x / sigma) ** 2 + math.sqrt(x)


def growth(rate):
    return math.exp(rate * 1000.0)


def test_math_domain_and_range_errors_raise_as_in_python():
    for compiled in (jit(log_likelihood), jit(value_and_grad(log_likelihood))):
        with pytest.raises(ValueError, match="math domain error"):
            compiled(1.0, -1.0)  # sqrt of a negative number
        with pytest.raises(ValueError, match="math domain error"):
            compiled(-1.0, 1.0)  # log of a negative number
    value, slope = jit(value_and_grad(log_likelihood))(2.0, 1.0)
    assert value == pytest.approx(log_likelihood(2.0, 1.0))
    assert slope == pytest.approx(numeric_grad(log_likelihood, (2.0, 1.0)), rel=1e-6)
    with pytest.raises(OverflowError):
        jit(growth)(1.0)
    assert jit(growth)(0.0001) == pytest.approx(growth(0.0001))
