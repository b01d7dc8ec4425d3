"""The three-way checks every SciPy rule gets (imported by the test_scipy_* files).

`full_check(f, args, wrt, oracle)` checks, for argument `wrt`:
reverse mode with check_grad (compiled adjoint, tape engine and central
differences agree) and against autograd when `oracle` (the same function over
autograd.numpy / autograd.scipy) is given; forward mode (jvp along a random
direction against a central difference along it); second order (hessian,
forward-over-reverse) against autograd's hessian, or else against central
differences of the gradient.
"""
import autograd
import numpy as np

from conftest import assert_close
from transpiler import check_grad, grad, hessian, jvp


def reverse_agrees(f, args, wrt=0, oracle=None, rtol=1e-5, atol=1e-7):
    report = check_grad(f, *args, wrt=wrt, rtol=rtol, atol=atol)
    assert report.passed, str(report)
    got = grad(f, wrt=wrt)(*args)
    if oracle is not None:
        assert_close(got, autograd.grad(oracle, wrt)(*args), rtol=1e-7, atol=1e-9)
    return got


def forward_agrees(f, args, wrt=0, seed=0, rtol=1e-5, atol=1e-7):
    x = args[wrt]
    v = np.random.default_rng(seed).normal(size=np.shape(x))
    v = v if np.ndim(x) else float(v)
    value, t = jvp(f, wrt=wrt)(*args, tangents=v)
    assert_close(value, f(*args))
    h = 1e-5 * max(1.0, float(np.max(np.abs(x))))
    plus = f(*args[:wrt], x + h * v, *args[wrt + 1:])
    minus = f(*args[:wrt], x - h * v, *args[wrt + 1:])
    assert_close(t, (plus - minus) / (2 * h), rtol=rtol, atol=atol)


def gradient_difference(df, args, wrt, h=1e-5):
    """Central differences of the gradient `df`: the Hessian, column by column."""
    x = np.asarray(args[wrt], dtype=float)
    out = np.zeros(np.shape(x) + np.shape(x))
    for idx in np.ndindex(np.shape(x)):
        e = np.zeros(np.shape(x))
        e[idx] = h
        call = [list(args), list(args)]
        call[0][wrt], call[1][wrt] = x + e, x - e
        if not np.ndim(x):
            call[0][wrt], call[1][wrt] = float(x + e), float(x - e)
        out[(Ellipsis,) + idx] = (np.asarray(df(*call[0])) - np.asarray(df(*call[1]))) / (2 * h)
    return out if np.ndim(x) else float(out)


def second_order_agrees(f, args, wrt=0, oracle=None, rtol=1e-5, atol=1e-6):
    got = hessian(f, wrt=wrt)(*args)
    if oracle is not None:
        assert_close(got, autograd.hessian(oracle, wrt)(*args), rtol=1e-7, atol=1e-9)
    assert_close(got, gradient_difference(grad(f, wrt=wrt), args, wrt), rtol=rtol, atol=atol)
    if not np.ndim(args[wrt]):
        assert_close(grad(grad(f, wrt=wrt), wrt=wrt)(*args), got)
    return got


def full_check(f, args, wrt=0, oracle=None, rtol=1e-5, atol=1e-7, second=True,
               second_oracle=True):
    """Reverse, forward and second order of f with respect to args[wrt]
    (`second_oracle=False`: autograd's own second order fails for this f)."""
    got = reverse_agrees(f, args, wrt, oracle, rtol, atol)
    forward_agrees(f, args, wrt, rtol=rtol, atol=atol)
    if second:
        second_order_agrees(f, args, wrt, oracle if second_oracle else None)
    return got
