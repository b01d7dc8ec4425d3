"""One checker for a rule in every mode, against independent oracles.

`every_mode(f, args, wrt, ag=...)` checks
- reverse mode: check_grad (compiled adjoint, tape engine, central differences),
  and autograd's gradient of `ag` (the same function in autograd.numpy) if given;
- forward mode: jvp along a random direction against a central difference;
- second order: hessian (forward over the generated adjoint) against autograd's
  hessian of `ag` if given, else central differences of the checked gradient;
  and grad(grad(f)) of a scalar parameter.
"""
import autograd
import numpy as np

from transpiler import check_grad, grad, hessian, jvp

from conftest import assert_close


def gradient_fd(gradient, x, h=1e-5):
    """Central differences of a gradient function: the Hessian, x.shape + x.shape."""
    x = np.asarray(x, dtype=float)
    rows = []
    for i in range(x.size):
        e = np.zeros(x.size)
        e[i] = h
        e = e.reshape(x.shape)
        rows.append((np.asarray(gradient(x + e)) - np.asarray(gradient(x - e))) / (2 * h))
    return np.moveaxis(np.array(rows).reshape(x.shape + x.shape), list(range(x.ndim)),
                       list(range(x.ndim, 2 * x.ndim))) if x.ndim else rows[0]


def with_arg(args, k, x):
    args = list(args)
    args[k] = x
    return args


def every_mode(f, args, wrt=0, ag=None, second=True, rtol=1e-5, atol=1e-7, seed=0):
    """Check f's derivatives with respect to args[wrt] in every mode; returns the gradient."""
    args = list(args)
    report = check_grad(f, *args, wrt=wrt, rtol=rtol, atol=atol)
    assert report.passed, str(report)
    g = grad(f, wrt=wrt)(*args)
    if ag is not None:
        assert_close(g, autograd.grad(ag, wrt)(*args), rtol=1e-6, atol=1e-8)
    rng = np.random.default_rng(seed)
    x = args[wrt]
    v = rng.normal(size=np.shape(x))
    v = float(v) if np.ndim(x) == 0 else v
    _, t = jvp(f, wrt=wrt)(*args, tangents=v)
    h = 1e-6
    want = (f(*with_arg(args, wrt, x + h * v)) - f(*with_arg(args, wrt, x - h * v))) / (2 * h)
    assert np.isclose(t, want, rtol=1e-5, atol=1e-7), (t, want)
    assert np.isclose(t, np.sum(g * v), rtol=1e-8, atol=1e-10), (t, np.sum(g * v))
    if second:
        hess = hessian(f, wrt=wrt)(*args)
        if ag is not None:
            want = autograd.hessian(ag, wrt)(*args)
        else:
            want = gradient_fd(lambda y: grad(f, wrt=wrt)(*with_arg(args, wrt, y)), x)
        assert_close(hess, want, rtol=1e-5, atol=1e-6)
        if np.ndim(x) == 0:
            assert_close(grad(grad(f, wrt=wrt), wrt=wrt)(*args), want, rtol=1e-5, atol=1e-6)
    return g
