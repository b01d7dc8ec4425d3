"""Checkpointing: `grad(f, checkpoint=True | K)` and `@checkpoint` helpers give the
gradients of the uncheckpointed code and of finite differences, while the
reverse sweep saves O(sqrt n) values instead of O(n)."""
import math

import autograd
import autograd.numpy as anp
import numpy as np
import pytest

from transpiler import checkpoint, grad, hessian, jvp, value_and_grad
from runtime.checkpoints import checkpoint_segments, segment_length
from runtime.numeric import numeric_grad

from conftest import assert_close

SETTINGS = [True, 1, 2, 3, 7, 1000]


def check(f, args, wrt=0, settings=SETTINGS, rtol=1e-5, atol=1e-7):
    """The checkpointed gradients equal the plain gradient (to rounding) and
    central differences."""
    plain = grad(f, wrt)(*args)
    assert_close(plain, numeric_grad(f, args, wrt), rtol, atol)
    for setting in settings:
        got = value_and_grad(f, wrt, checkpoint=setting)(*args)
        assert_close(got[0], f(*args), 1e-12, 1e-14)
        assert_close(got[1], plain, 1e-10, 1e-12)


# -- loops a scientist writes ------------------------------------------------------

def damped(x, w, n):
    for i in range(n):
        x = x + 0.1 * w * math.sin(x)
    return x


@pytest.mark.parametrize("n", [0, 1, 2, 3, 10, 57])
def test_scalar_loop_all_trip_counts(n):
    check(damped, (0.3, 0.5, n), (0, 1))


def test_loop_counter_and_carried_sum():
    from test_loops import sin_series
    check(sin_series, (0.7, 23), 0)


def rnn(h, W, U, xs):
    for t in range(xs.shape[0]):
        h = np.tanh(W @ h + U @ xs[t])
    return np.sum(h ** 2)


def test_rnn_over_arrays(rng):
    h, W, U = rng.normal(size=3), rng.normal(size=(3, 3)) * 0.5, rng.normal(size=(3, 2))
    xs = rng.normal(size=(17, 2))
    check(rnn, (h, W, U, xs), (0, 1, 2))
    want = autograd.grad(lambda W: anp.sum(_rnn_autograd(h, W, U, xs) ** 2))(W)
    assert_close(grad(rnn, 1, checkpoint=True)(h, W, U, xs), want)


def _rnn_autograd(h, W, U, xs):
    for t in range(xs.shape[0]):
        h = anp.tanh(anp.dot(W, h) + anp.dot(U, xs[t]))
    return h


def rows(v, xs):
    total = 0.0
    for x in xs:
        total = total + np.sum(np.sin(v * x))
    return total


def test_loop_over_the_rows_of_an_array(rng):
    check(rows, (rng.normal(size=4), rng.normal(size=(9, 4))), 0)


def piecewise(x, n):
    for i in range(n):
        if i % 3 == 0:
            x = x * 0.9 + 0.05 * math.cos(x)
        elif x > 0.0:
            x = x + 0.1 * math.sin(x)
        else:
            x = x - 0.1 * x * x
    return x


def test_branches_inside_the_loop():
    check(piecewise, (0.45, 31), 0, rtol=1e-4)
    check(piecewise, (-0.6, 31), 0, rtol=1e-4)


def halve_until(x, w):
    steps = 0
    while x > 0.01:
        x = x * w - 0.001
        steps += 1
    return x * steps


@pytest.mark.parametrize("x", [0.005, 0.0125, 0.02, 3.0])
def test_while_loop(x):
    """A while loop runs 0, 1, 2 or many times."""
    check(halve_until, (x, 0.8), (0, 1))


def stop_early(x, n):
    for i in range(n):
        x = math.sin(x) * 1.3 + 0.2
        if x > 1.1:
            break
    return x * x


@pytest.mark.parametrize("x", [0.1, 1.0, -2.0])
def test_break(x):
    check(stop_early, (x, 12), 0)


def collect(x, n):
    values = []
    for i in range(n):
        x = math.sin(x) * 1.1
        values.append(x * i)
    return sum(values) + values[-1] ** 2


def test_loop_that_appends_to_a_list():
    check(collect, (0.9, 14), 0)


def grid(x, n, m):
    for i in range(n):
        for j in range(m):
            x = x + 0.05 * math.sin(x * (i + 1) + j)
    return x


def relax(x, n):
    total = 0.0
    for i in range(n):
        y = x * (1.0 + 0.1 * i)
        while y > 0.2:
            y = y * 0.7 - 0.01 * math.sin(y)
        total = total + y * y
    return total


def test_nested_loops():
    check(grid, (0.4, 6, 5), 0)
    check(grid, (0.4, 2, 40), 0)
    check(relax, (1.3, 9), 0)


def two_loops(x, n):
    y = 0.0
    for i in range(n):
        y = y + math.cos(x * i)
    for i in range(n):
        x = x * 0.95 + y * 0.01
    return x * y


def test_two_loops_one_after_the_other():
    check(two_loops, (0.3, 11), 0)


def simulate(x, w, n):
    return damped(x, w, n) ** 2


def test_loop_in_a_called_function_is_checkpointed_too():
    """`damped`'s loop runs inside the companion adjoint of the call: it is cut
    into segments there as well."""
    check(simulate, (0.3, 0.5, 30), (0, 1))
    df = grad(simulate, checkpoint=True)
    df(0.3, 0.5, 30)
    assert "checkpoint_segments(" in df.sources


def with_report(x, w, n):
    y = damped(x, w, n)
    return y * y, {"y": y}


def test_has_aux_and_vjp():
    want = grad(simulate, (0, 1))(0.3, 0.5, 25)
    got, aux = grad(with_report, (0, 1), has_aux=True, checkpoint=True)(0.3, 0.5, 25)
    assert_close(got, want, 1e-10)
    assert aux["y"] == pytest.approx(damped(0.3, 0.5, 25))
    from transpiler import vjp
    value, pullback = vjp(damped, (0, 1), checkpoint=True)(0.3, 0.5, 25)
    assert_close(pullback(2.0 * value), want, 1e-10)


def test_optimize_off_gives_the_same_gradients():
    args = (0.3, 0.5, 40)
    want = grad(damped, (0, 1))(*args)
    got = grad(damped, (0, 1), optimize=False, checkpoint=True)(*args)
    assert_close(got, want, 1e-12)


# -- what is saved --------------------------------------------------------------

def test_segments_of_about_sqrt_n():
    for n in (0, 1, 2, 3, 10, 99, 100, 101, 10_000):
        pieces = checkpoint_segments(range(n))
        assert [i for s in pieces for i in s] == list(range(n))
        assert len(pieces) <= math.isqrt(n) + 1
        assert all(len(s) <= segment_length(n) for s in pieces)
    assert len(checkpoint_segments(range(100), 7)) == 7
    assert len(checkpoint_segments(list(range(5)), 10)) == 5


def test_no_list_longer_than_sqrt_n():
    """The generated code run with lists that record their largest length: the
    snapshots and each segment's saved values stay within about sqrt(n) items,
    where the plain gradient saves n."""
    longest = [0]

    class Recording(list):
        def append(self, item):
            super().append(item)
            longest[0] = max(longest[0], len(self))
    n = 4900
    for setting, bound in ((False, n), (True, math.isqrt(n)), (10, n // 10)):
        df = grad(damped, (0, 1), checkpoint=setting)
        df.compile(0.3, 0.5, 3)
        longest[0] = 0
        _, grads = _run_with_lists(next(iter(df._specs.values())), Recording, (0.3, 0.5, n))
        assert longest[0] == bound
        assert_close(grads, grad(damped, (0, 1))(0.3, 0.5, n), 1e-10)


def _run_with_lists(fn, kind, args):
    """Call generated `fn` with its `[]` made as `kind` lists (the code reads `[]`
    literally, so its code object is rebuilt from its source with `kind()`)."""
    import inspect
    source = inspect.getsource(fn).replace("= []", "= _list()")
    namespace = dict(fn.__globals__, _list=kind)
    namespace.update(zip(fn.__code__.co_freevars,
                         (cell.cell_contents for cell in fn.__closure__ or ())))
    exec(compile(source, "<recording>", "exec"), namespace)
    return namespace[fn.__name__](*args)


def test_bad_setting_is_a_type_error():
    for bad in (0, -2, 1.5, "yes"):
        with pytest.raises(TypeError, match="checkpoint="):
            grad(damped, checkpoint=bad)


# -- @checkpoint helpers -----------------------------------------------------------

@checkpoint
def layer(x, W):
    return np.tanh(W @ np.sin(x) + 0.1 * x)


def net(x, W):
    for k in range(3):
        x = layer(x, W)
    return np.sum(x * x)


def test_checkpointed_helper_in_a_loop(rng):
    x, W = rng.normal(size=4), rng.normal(size=(4, 4)) * 0.6
    got = grad(net, (0, 1))(x, W)
    assert_close(got, numeric_grad(net, (x, W), (0, 1)), 1e-5, 1e-7)
    assert_close(grad(net, (0, 1), checkpoint=2)(x, W), got, 1e-10)


@checkpoint
def bump(x):
    y = math.sin(x) * x
    return y * y + math.exp(0.1 * x)


def uses_bump(x):
    return bump(x) * 2.0 + bump(x * 0.5)


def test_checkpointed_helper_values_forward_mode_and_second_order():
    assert bump(0.7) == pytest.approx(math.sin(0.7) ** 2 * 0.49 + math.exp(0.07))
    want = numeric_grad(uses_bump, (0.7,))
    assert grad(uses_bump)(0.7) == pytest.approx(want, rel=1e-6)
    assert jvp(uses_bump)(0.7, tangents=1.0)[1] == pytest.approx(want, rel=1e-6)
    second = numeric_grad(grad(uses_bump), (0.7,))
    assert grad(grad(uses_bump))(0.7) == pytest.approx(second, rel=1e-5)
    assert hessian(uses_bump)(0.7) == pytest.approx(second, rel=1e-5)


@pytest.mark.source_text
def test_checkpointed_helper_saves_only_its_arguments(rng):
    """The loop saves the call's argument `x` per step, none of the helper's own
    intermediates: the reverse sweep calls the helper's forward again."""
    df = grad(net)
    df(rng.normal(size=4), np.eye(4))
    forward_sweep = df.source.split("# adjoint of")[0]
    assert "saved.append(x)" in forward_sweep
    assert "layer_saved" not in forward_sweep
    assert df.source.count("layer_vjp.forward(x, W)") == 2




def lambda_free_damped(x, w, n):
    for i in range(n):
        x = x + 0.1 * w * math.sin(x)
    return x * x


@pytest.mark.parametrize("f, args", [(lambda_free_damped, (0.3, 0.5, 9)),
                                     (stop_early, (0.1, 12)), (collect, (0.9, 14))])
def test_second_order_through_a_checkpointed_loop(f, args):
    want = numeric_grad(grad(f), args)
    assert grad(grad(f, checkpoint=True))(*args) == pytest.approx(want, rel=1e-5)
    assert jvp(grad(f, checkpoint=2))(*args, tangents=1.0)[1] == pytest.approx(want, rel=1e-5)


# -- under jit ------------------------------------------------------------------

@pytest.mark.parametrize("setting", [True, 3])
def test_checkpointed_gradients_compile(setting, rng):
    pytest.importorskip("numba")
    from transpiler import jit
    for f, args, wrt in [(damped, (0.3, 0.5, 50), (0, 1)), (halve_until, (3.0, 0.8), (0, 1)),
                         (stop_early, (0.1, 12), 0),
                         (rnn, (rng.normal(size=3), np.eye(3) * 0.5, rng.normal(size=(3, 2)),
                                rng.normal(size=(7, 2))), (0, 1))]:
        assert_close(jit(grad(f, wrt, checkpoint=setting))(*args), grad(f, wrt)(*args), 1e-10)


def test_checkpointed_helper_compiles(rng):
    pytest.importorskip("numba")
    from transpiler import jit
    x, W = rng.normal(size=4), rng.normal(size=(4, 4)) * 0.6
    assert_close(jit(grad(net, (0, 1)))(x, W), grad(net, (0, 1))(x, W), 1e-10)


def test_benchmark_row_reports_both_sides():
    """benchmarks/loop_memory.py's row for run.py (tiny size, no timing asserted)."""
    from test_benchmarks import load
    row = load("loop_memory").checkpoint_row(steps=3000, snapshots=10)
    assert row["agree"] and row["steps"] == 3000
    assert row["checkpoint_mib"] < row["plain_mib"]
    for key in ("plain_s", "checkpoint_s", "checkpoint_time_ratio", "checkpoint_k_mib"):
        assert row[key] > 0


# -- state changed in place: each snapshot is the state as it was -------------------

def scale_first_by_second(x, n):
    v = np.array([x, 2 * x])
    for i in range(n):
        v[0] = v[0] * v[1]
    return np.sum(v)


def squares_history(x, n):
    traj = [x]
    for i in range(n):
        traj.append(traj[-1] * traj[-1])
    return sum(traj)


def smoothing_in_place(u0, n):
    u = u0 * 1.0
    for step in range(n):
        u[1:] = u[1:] * u[:-1] * 0.5 + 0.5 * u[1:]
    return np.sum(u ** 2)


def test_arrays_and_lists_changed_in_place_by_a_checkpointed_loop():
    check(scale_first_by_second, (0.9, 3), 0)
    check(squares_history, (0.9, 3), 0)
    check(smoothing_in_place, (np.array([0.9, 1.1, 0.7, 1.3]), 4), 0)
    g = grad(scale_first_by_second, checkpoint=True)
    g(0.9, 3)
    assert "snapshot(v)" in g.source
