"""Rules for scipy.integrate.odeint (registered by rules_scipy when SciPy imports):
reverse mode by the adjoint sensitivity method, forward mode by forward
sensitivities (runtime/scipy_ode.py). The dynamics `func(y, t, *args)` is a
Python function the compiler can read; it is differentiated at run time."""
from __future__ import annotations

from scipy.integrate import odeint as _odeint

from runtime.scipy_ode import (odeint_tangent, odeint_vjp, odeint_vjp_tangent, unpack_args,
                               unpack_t, unpack_y0)

from .table import adjoint, tangent


@adjoint(_odeint, wrt=("y0", "t", "args"))
def odeint(g, ans, func, y0, t, args=(), rtol=None, atol=None, mxstep=0):
    """By the adjoint sensitivity method, as autograd; w.r.t. y0, the time points and args."""
    packed = odeint_vjp(g, ans, func, y0, t, args, rtol, atol, mxstep)
    return unpack_y0(packed, y0), unpack_t(packed, y0, t), unpack_args(packed, y0, t, args)


@tangent(_odeint, "y0")
def odeint_y0(dy0, ans, func, y0, t, args=(), rtol=None, atol=None, mxstep=0):
    return odeint_tangent(func, y0, t, args, dy0, None, None, rtol, atol, mxstep)


@tangent(_odeint, "t")
def odeint_t(dt, ans, func, y0, t, args=(), rtol=None, atol=None, mxstep=0):
    return odeint_tangent(func, y0, t, args, None, dt, None, rtol, atol, mxstep)


@tangent(_odeint, "args")
def odeint_args(dargs, ans, func, y0, t, args=(), rtol=None, atol=None, mxstep=0):
    return odeint_tangent(func, y0, t, args, None, None, dargs, rtol, atol, mxstep)


# ---- second derivatives: the tangent of the backward solve, integrated beside it ----------


@tangent(odeint_vjp, "g")
def odeint_vjp_g(dg, ans, g, ans_, func, y0, t, args=(), rtol=None, atol=None, mxstep=0):
    return odeint_vjp_tangent(g, ans_, func, y0, t, args, dg, None, None, None, rtol, atol, mxstep)


@tangent(odeint_vjp, "ans_")
def odeint_vjp_ans(dans, ans, g, ans_, func, y0, t, args=(), rtol=None, atol=None, mxstep=0):
    return odeint_vjp_tangent(g, ans_, func, y0, t, args, None, dans, None, None, rtol, atol,
                              mxstep)


@tangent(odeint_vjp, "y0")
def odeint_vjp_y0(dy0, ans, g, ans_, func, y0, t, args=(), rtol=None, atol=None, mxstep=0):
    return 0.0  # y0 is read for its size (the solve starts from ans)


@tangent(odeint_vjp, "t")
def odeint_vjp_t(dt, ans, g, ans_, func, y0, t, args=(), rtol=None, atol=None, mxstep=0):
    return odeint_vjp_tangent(g, ans_, func, y0, t, args, None, None, dt, None, rtol, atol, mxstep)


@tangent(odeint_vjp, "args")
def odeint_vjp_args(dargs, ans, g, ans_, func, y0, t, args=(), rtol=None, atol=None, mxstep=0):
    return odeint_vjp_tangent(g, ans_, func, y0, t, args, None, None, None, dargs, rtol, atol,
                              mxstep)


@tangent(unpack_y0, "packed")
def unpack_y0_packed(dpacked, ans, packed, y0):
    return unpack_y0(dpacked, y0)


@tangent(unpack_t, "packed")
def unpack_t_packed(dpacked, ans, packed, y0, t):
    return unpack_t(dpacked, y0, t)


@tangent(unpack_args, "packed")
def unpack_args_packed(dpacked, ans, packed, y0, t, args):
    return unpack_args(dpacked, y0, t, args)


@tangent(unpack_y0, "y0")
def unpack_y0_y0(dy0, ans, packed, y0):  # the others are read for their sizes
    return 0.0


@tangent(unpack_t, "y0")
def unpack_t_y0(dy0, ans, packed, y0, t):
    return 0.0


@tangent(unpack_t, "t")
def unpack_t_t(dt, ans, packed, y0, t):
    return 0.0


@tangent(unpack_args, "y0")
def unpack_args_y0(dy0, ans, packed, y0, t, args):
    return 0.0


@tangent(unpack_args, "t")
def unpack_args_t(dt, ans, packed, y0, t, args):
    return 0.0


@tangent(unpack_args, "args")
def unpack_args_args(dargs, ans, packed, y0, t, args):
    return 0.0
