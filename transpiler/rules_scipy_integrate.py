"""Rules for scipy.integrate.odeint (registered by rules_scipy when SciPy imports):
reverse mode by the adjoint sensitivity method, forward mode by forward
sensitivities (runtime/scipy_ode.py). The dynamics `func(y, t, *args)` is a
Python function the compiler can read; it is differentiated at run time."""
from __future__ import annotations

from scipy.integrate import odeint as _odeint

from runtime.scipy_ode import odeint_second_order, odeint_tangent, odeint_vjp

from .rules import adjoint, tangent


@adjoint(_odeint, wrt=("y0", "t", "args"))
def odeint(g, ans, func, y0, t, args=(), rtol=None, atol=None, mxstep=0):
    """By the adjoint sensitivity method, as autograd; w.r.t. y0, the time points and args."""
    grads = odeint_vjp(g, ans, func, y0, t, args, rtol, atol, mxstep)
    return grads[0], grads[1], grads[2]


@tangent(_odeint, "y0")
def odeint_y0(dy0, ans, func, y0, t, args=(), rtol=None, atol=None, mxstep=0):
    return odeint_tangent(func, y0, t, args, dy0, None, None, rtol, atol, mxstep)


@tangent(_odeint, "t")
def odeint_t(dt, ans, func, y0, t, args=(), rtol=None, atol=None, mxstep=0):
    return odeint_tangent(func, y0, t, args, None, dt, None, rtol, atol, mxstep)


@tangent(_odeint, "args")
def odeint_args(dargs, ans, func, y0, t, args=(), rtol=None, atol=None, mxstep=0):
    return odeint_tangent(func, y0, t, args, None, None, dargs, rtol, atol, mxstep)


# second derivatives (forward over the adjoint) would need the tangent of the
# backward augmented solve: refused when the Hessian is called, never zero
@tangent(odeint_vjp, "g")
def odeint_vjp_g(dg, ans, g, ans_, func, y0, t, args=(), rtol=None, atol=None, mxstep=0):
    return odeint_second_order(dg)


@tangent(odeint_vjp, "ans_")
def odeint_vjp_ans(dans, ans, g, ans_, func, y0, t, args=(), rtol=None, atol=None, mxstep=0):
    return odeint_second_order(dans)


@tangent(odeint_vjp, "y0")
def odeint_vjp_y0(dy0, ans, g, ans_, func, y0, t, args=(), rtol=None, atol=None, mxstep=0):
    return odeint_second_order(dy0)


@tangent(odeint_vjp, "t")
def odeint_vjp_t(dt, ans, g, ans_, func, y0, t, args=(), rtol=None, atol=None, mxstep=0):
    return odeint_second_order(dt)


@tangent(odeint_vjp, "args")
def odeint_vjp_args(dargs, ans, g, ans_, func, y0, t, args=(), rtol=None, atol=None, mxstep=0):
    return odeint_second_order(dargs)
