"""Arithmetic written into dead temporaries (transpiler/backend/reuse.py,
runtime/helpers_in_place.py): gradients agree with autograd and central
differences where the rewrite fires, a gradient call never changes its
arguments, and where an operand is a view, an alias read later, a saved or
returned value, or broadcasts, the values are those of the plain operation."""
import types

import autograd
import autograd.numpy as anp
import numpy as np
import pytest

from runtime import helpers_in_place
from runtime.helpers import add_into, mul_into, rdiv_into, rsub_into, sub_into
from runtime.numeric import numeric_grad
from transpiler import grad, hessian, jvp, value_and_grad, vjp

from conftest import assert_close


@pytest.fixture(params=["small arrays in place", "default"])
def in_place_everywhere(request, monkeypatch):
    """Run each test with every array large enough to be written in place, and
    with the default threshold."""
    if request.param == "small arrays in place":
        monkeypatch.setattr(helpers_in_place, "LARGE", 0)


def autograd_version(f):
    return types.FunctionType(f.__code__, {**f.__globals__, "np": anp}, f.__name__)


def copies(args):
    return [np.array(a, copy=True) if isinstance(a, np.ndarray) else a for a in args]


def check(f, args, wrt, rtol=1e-6):
    """value_and_grad(f) against autograd and the unoptimized gradient; the
    arguments are unchanged by the call."""
    before = copies(args)
    value, grads = value_and_grad(f, argnums=wrt)(*args)
    for a, b in zip(args, before):
        assert np.array_equal(a, b), "a gradient call changed its argument"
    want_value, want = autograd.value_and_grad(autograd_version(f), wrt)(*args)
    assert np.isclose(value, want_value, rtol=rtol)
    assert_close(grads, want, rtol=rtol, atol=rtol * 1e-3)
    plain = value_and_grad(f, argnums=wrt, optimize=False)(*args)[1]
    for g, p in zip(grads, plain):
        assert np.asarray(g).dtype == np.asarray(p).dtype
    return grads


# -- what the rewrite is for ---------------------------------------------------------

def tanh_rnn(Wh, Wx, h, xs):
    for t in range(xs.shape[0]):
        h = np.tanh(h @ Wh + xs[t] @ Wx)
    return np.sum(h ** 2)


def mlp(W1, b1, W2, X):
    h = np.tanh(X @ W1 + b1)
    z = h @ W2
    return np.sum(z ** 2) / X.shape[0]


def test_the_rnn_gradient(in_place_everywhere, rng):
    args = (rng.normal(size=(8, 8)) * 0.3, rng.normal(size=(3, 8)) * 0.3,
            rng.normal(size=(4, 8)), rng.normal(size=(6, 4, 3)))
    check(tanh_rnn, args, (0, 1, 2))


def test_the_mlp_gradient_on_large_arrays(in_place_everywhere, rng):
    args = (rng.normal(size=(16, 128)) * 0.1, rng.normal(size=128),
            rng.normal(size=(128, 4)) * 0.1, rng.normal(size=(100, 16)))
    check(mlp, args, (0, 1, 2))


@pytest.mark.source_text
def test_what_is_written_in_place(rng):
    g = value_and_grad(tanh_rnn, argnums=(0, 1))
    g(np.eye(3), np.eye(2, 3), np.ones((4, 3)), np.ones((5, 4, 2)))  # (ranks known)
    assert "d_Wh = add_into(d_Wh, h.T @ d_matmul)" in g.source
    assert "d_add = mul_into(d_h, rsub_into(h_1 ** 2, 1.0))" in g.source
    g = value_and_grad(mlp, argnums=(0, 1, 2))
    g(np.eye(3), np.ones(3), np.ones((3, 2)), np.ones((4, 3)))
    assert "d_add = mul_into(d_h, rsub_into(h ** 2, 1.0))" in g.source


@pytest.mark.source_text
def test_numbers_are_left_alone():
    def circuit(x, y, z):
        return (x + y) * max(y, z)
    g = grad(circuit, wrt=(0, 1, 2))
    g(1.0, 2.0, 0.5)
    assert "_into" not in g.source


# -- where it must not change anything --------------------------------------------------

def alias_read_later(x):
    y = x * 2.0
    z = y
    w = y + 1.0
    return np.sum(z * w)


def view_read_later(x):
    y = x * 2.0
    v = y.T
    w = y + 1.0
    return np.sum(v * w.T)


def reshaped_read_later(x):
    y = x * 3.0
    v = np.reshape(y, (-1,))
    w = y - 1.0
    return np.sum(v) * np.sum(w)


def broadcast_sum(x, M):
    y = x * 2.0
    w = y + M  # (n,) + (m, n): a new shape
    return np.sum(w * w)


def reads_after(x):
    y = np.exp(x)
    w = y * x
    return np.sum(w) + np.sum(y ** 2)


def stored_in_a_list(x):
    ys = []
    y = x * 2.0
    ys.append(y)
    w = y + 1.0
    return np.sum(ys[0] * w)


def loop_reads_invariant(x, n):
    y = x * 2.0
    total = 0.0
    for _ in range(n):
        total = total + np.sum(y * x)
        y2 = y + 1.0
        total = total + np.sum(y2)
    return total


@pytest.mark.parametrize("f", [alias_read_later, view_read_later, reshaped_read_later,
                               reads_after, stored_in_a_list])
def test_no_write_into_a_value_read_again(in_place_everywhere, rng, f):
    check(f, (rng.normal(size=(5, 5)),), (0,))


def test_broadcasting_takes_the_plain_sum(in_place_everywhere, rng):
    check(broadcast_sum, (rng.normal(size=4), rng.normal(size=(3, 4))), (0, 1))


def test_a_value_read_in_every_pass_of_a_loop(in_place_everywhere, rng):
    x = rng.normal(size=(4, 4))
    value, g = value_and_grad(loop_reads_invariant)(x, 3)
    assert np.isclose(value, autograd_version(loop_reads_invariant)(x, 3))
    assert_close(g, autograd.grad(autograd_version(loop_reads_invariant))(x, 3))


def exp_and_aux(x):
    e = np.exp(x)
    return np.sum(e), e


def test_a_value_returned_to_the_user_is_not_written(in_place_everywhere, rng):
    x = rng.normal(size=(4, 5))
    (value, aux), g = value_and_grad(exp_and_aux, has_aux=True)(x)
    assert np.array_equal(aux, np.exp(x)) and np.isclose(value, np.sum(np.exp(x)))
    assert_close(g, np.exp(x))
    value, pullback = vjp(twice_exp, x)
    cotangent = rng.normal(size=x.shape)
    assert_close(pullback(cotangent), (2.0 * np.exp(x) * cotangent,))
    assert np.array_equal(value, 2.0 * np.exp(x))


def twice_exp(x):
    e = np.exp(x)
    return e + e


def shared(a, b):
    s = a * b
    return np.sum(s * s + a)


def test_two_arguments_that_share_one_array(in_place_everywhere, rng):
    x = rng.normal(size=(4, 4))
    before = x.copy()
    da, db = grad(shared, wrt=(0, 1))(x, x)
    assert np.array_equal(x, before)
    want = numeric_grad(lambda a, b: shared(a, b), [x, x.copy()], (0, 1))
    assert_close((da, db), want, rtol=1e-5, atol=1e-7)
    assert da is not db or np.array_equal(da, db)


def mixed_precision(w, X):
    h = np.tanh(X @ w)
    return np.sum(h * (1.0 - h))


def test_float32_parameters_keep_the_plain_dtype(in_place_everywhere, rng):
    w = rng.normal(size=(6, 8)).astype(np.float32)
    X = rng.normal(size=(5, 6))
    check(mixed_precision, (w, X), (0,))
    check(mixed_precision, (w, X.astype(np.float32)), (0,), rtol=1e-4)


def test_higher_order_and_forward_mode(in_place_everywhere, rng):
    def f(x):
        return mlp(x, np.ones(4), np.full((4, 2), 0.3), np.linspace(-1, 1, 12).reshape(3, 4))
    x = rng.normal(size=(4, 4)) * 0.5
    want = autograd.hessian(autograd_version(mlp))(
        x, np.ones(4), np.full((4, 2), 0.3), np.linspace(-1, 1, 12).reshape(3, 4))
    assert_close(hessian(mlp)(x, np.ones(4), np.full((4, 2), 0.3),
                              np.linspace(-1, 1, 12).reshape(3, 4)), want, rtol=1e-5, atol=1e-8)
    v = rng.normal(size=x.shape)
    _, t = jvp(grad(f))(x, tangents=v)
    assert_close(t, np.tensordot(want, v, axes=2), rtol=1e-5, atol=1e-8)


def test_the_rnn_gradient_compiled(rng):
    pytest.importorskip("numba")
    from transpiler import jit
    args = (rng.normal(size=(8, 8)) * 0.3, rng.normal(size=(3, 8)) * 0.3,
            rng.normal(size=(4, 8)), rng.normal(size=(6, 4, 3)))
    g = value_and_grad(tanh_rnn, argnums=(0, 1, 2))
    assert_close(jit(g)(*args), g(*args), rtol=1e-10, atol=1e-12)


# -- the helpers -----------------------------------------------------------------------

def test_the_helpers_write_in_place_only_when_the_result_fits(monkeypatch):
    monkeypatch.setattr(helpers_in_place, "LARGE", 0)
    a = np.ones(3)
    assert add_into(a, np.arange(3.0)) is a and a.tolist() == [1.0, 2.0, 3.0]
    a = np.full(3, 0.5)
    assert rsub_into(a, 2.0) is a and a.tolist() == [1.5, 1.5, 1.5]
    a = np.full(2, 4.0)
    assert rdiv_into(a, 1.0) is a and a.tolist() == [0.25, 0.25]
    a32 = np.ones(3, dtype=np.float32)
    out = add_into(a32, np.ones(3))  # float32 + float64: a new float64 array
    assert out.dtype == np.float64 and a32.tolist() == [1.0, 1.0, 1.0]
    a = np.ones(3)
    out = add_into(a, np.ones((2, 3)))  # broadcasting: a new shape
    assert out.shape == (2, 3) and a.tolist() == [1.0, 1.0, 1.0]
    out = mul_into(a, 1j)  # complex
    assert out.dtype == np.complex128 and a.tolist() == [1.0, 1.0, 1.0]
    ro = np.broadcast_to(np.ones(1), (3,))
    assert sub_into(ro, 1.0).tolist() == [0.0, 0.0, 0.0]  # not writeable: a new array
    ints = np.arange(3)
    assert add_into(ints, 1).tolist() == [1, 2, 3] and ints.tolist() == [0, 1, 2]
    assert add_into(2.0, 3.0) == 5.0
    assert rsub_into(2.0, 3.0) == 1.0


def test_small_arrays_take_the_plain_operation():
    a = np.ones(3)
    out = add_into(a, np.ones(3))
    assert out is not a and a.tolist() == [1.0, 1.0, 1.0]
