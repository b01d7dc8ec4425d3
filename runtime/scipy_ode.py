"""Derivatives of scipy.integrate.odeint, by solving more ODEs.

Reverse mode is the adjoint sensitivity method: between consecutive time
points, backward from the last, one augmented ODE carries the state y, its
adjoint a = dL/dy and the gradient of the parameters,

    y' = f(y, t, *args),   a' = -(df/dy)^T a,   p' = -(df/dargs)^T a,

and a jumps by the cotangent of each output row it passes. The vector-Jacobian
products of the user's dynamics f come from `transpiler.vjp(f)` at run time.
Time points: dL/dt_i = g_i . f(y_i, t_i) for i >= 1 and dL/dt_0 = -a(t_0) . f(y_0, t_0).

Forward mode integrates the sensitivity s = dy along the tangent beside y,
s' = (df/dy) s + (df/dargs) dargs, from s(t_0) = dy0 - f(y0, t0) dt_0, and adds
f(y_i, t_i) dt_i at each time point; its Jacobian-vector products come from
`transpiler.jvp(f)`.
"""
from __future__ import annotations

import numpy as np


def _solver_options(rtol, atol, mxstep):
    return {"rtol": rtol, "atol": atol, "mxstep": mxstep}


def _flat(values):
    return np.concatenate([np.ravel(np.asarray(v, dtype=float)) for v in values]) \
        if values else np.zeros(0)


def _unflat(vector, like):
    out, k = [], 0
    for v in like:
        n = np.size(v)
        piece = np.reshape(vector[k:k + n], np.shape(v))
        out.append(piece if np.ndim(v) else float(piece))
        k += n
    return tuple(out)


def odeint_vjp(g, ans, func, y0, t, args=(), rtol=None, atol=None, mxstep=0):
    """(gradient for y0, for t, for args) of `ans = odeint(func, y0, t, args)`."""
    from scipy.integrate import odeint
    from transpiler import vjp
    args = tuple(args)
    shape, n = (np.size(y0),), np.size(y0)  # odeint's states are vectors
    pullback = vjp(func, wrt=(0,) + tuple(range(2, 2 + len(args))))
    t = np.asarray(t, dtype=float)
    g = np.reshape(np.asarray(g, dtype=float), (len(t), n))
    ys = np.reshape(ans, (len(t), n))

    def augmented(state, s):
        fy, back = pullback(np.reshape(state[:n], shape), s, *args)
        grads = back(np.reshape(state[n:2 * n], np.shape(fy)))
        grads = grads if isinstance(grads, tuple) else (grads,)
        return np.concatenate([np.ravel(fy), -np.ravel(grads[0]), -_flat(grads[1:])])

    def f_at(i):
        return np.ravel(func(np.reshape(ys[i], shape), float(t[i]), *args))

    a, p = g[-1].copy(), np.zeros(np.size(_flat(args)))
    gt = np.zeros(len(t))
    for i in range(len(t) - 1, 0, -1):
        gt[i] = g[i] @ f_at(i)
        state = np.concatenate([ys[i], a, p])
        state = odeint(augmented, state, [t[i], t[i - 1]], **_solver_options(rtol, atol, mxstep))[-1]
        a, p = state[n:2 * n], state[2 * n:]
        if i > 1:  # the jump at an inner time point; at t_0, a(t_0+) gives dL/dt_0
            a = a + g[i - 1]
    gt[0] = -a @ f_at(0) if len(t) > 1 else 0.0
    gy0 = a + g[0] if len(t) > 1 else g[0]
    return np.reshape(gy0, shape), gt, _unflat(p, args)


def odeint_tangent(func, y0, t, args=(), dy0=None, dt=None, dargs=None, rtol=None, atol=None,
                   mxstep=0):
    """The tangent of `odeint(func, y0, t, args)` along (dy0, dt, dargs) (None: zero)."""
    from scipy.integrate import odeint
    from transpiler import jvp
    args = tuple(args)
    shape, n = (np.size(y0),), np.size(y0)  # odeint's states are vectors
    t = np.asarray(t, dtype=float)
    dargs = None if dargs is None else tuple(dargs)
    wrt = (0,) if dargs is None else (0,) + tuple(range(2, 2 + len(args)))
    push = jvp(func, wrt=wrt)

    def augmented(state, s):
        y, sy = np.reshape(state[:n], shape), np.reshape(state[n:], shape)
        fy, ds = push(y, s, *args, tangents=(sy,) if dargs is None else (sy, *dargs))
        return np.concatenate([np.ravel(fy), np.ravel(ds)])

    s0 = np.zeros(n) if dy0 is None else np.ravel(np.asarray(dy0, dtype=float))
    if dt is not None:
        s0 = s0 - np.ravel(func(y0, float(t[0]), *args)) * dt[0]
    out = odeint(augmented, np.concatenate([np.ravel(y0), s0]), t,
                 **_solver_options(rtol, atol, mxstep))
    ys, ss = out[:, :n], out[:, n:]
    if dt is not None:
        ss = ss + np.stack([np.ravel(func(np.reshape(ys[i], shape), float(t[i]), *args)) * dt[i]
                            for i in range(len(t))])
    return np.reshape(ss, (len(t),) + shape)


def odeint_second_order(d):
    """Stands for the tangent of odeint_vjp, which is not implemented."""
    raise NotImplementedError("second derivatives through scipy.integrate.odeint are not "
                              "implemented (first derivatives are: grad, vjp, jvp)")
