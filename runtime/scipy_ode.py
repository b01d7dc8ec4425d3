"""Derivatives of scipy.integrate.odeint, by solving more ODEs.

Reverse mode is the adjoint sensitivity method: between consecutive time
points, backward from the last, one augmented ODE carries the state y, its
adjoint a = dL/dy and the gradient of the parameters,

    y' = f(y, t, *args),   a' = -(df/dy)^T a,   p' = -(df/dargs)^T a,

and a jumps by the cotangent of each output row it passes. The right-hand
side is the gradient of a . f(y, t, *args) (runtime/scipy_ode_lagrangians.py),
compiled by `transpiler.grad` at run time; its Hessian-vector products
(`transpiler.hvp`) integrate the tangent of this backward solve beside it,
which gives second derivatives (forward over reverse).
Time points: dL/dt_i = g_i . f(y_i, t_i) for i >= 1 and dL/dt_0 = -a(t_0) . f(y_0, t_0).

Forward mode integrates the sensitivity s = dy along the tangent beside y,
s' = (df/dy) s + (df/dargs) dargs, from s(t_0) = dy0 - f(y0, t0) dt_0, and adds
f(y_i, t_i) dt_i at each time point; its Jacobian-vector products come from
`transpiler.jvp(f)`.
"""
from __future__ import annotations

import numpy as np

# grad, hvp, jvp and define (transpiler/frontend/callables.py): the transforms these
# rules' helpers call at run time. The transpiler, one layer up, sets them when it
# is imported (runtime never imports the compiler).
TRANSFORMS: dict = {}


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


def _numeric(a):
    return isinstance(a, (int, float, np.generic)) or \
        isinstance(a, np.ndarray) and a.dtype != object


def _numeric_args(func, args):
    """(func, args) with `args` numbers and arrays (what the rules differentiate):
    containers of arrays in `args` (`args=(params,)`, params a list of (W, b)) are
    passed as their leaves to a generated function that builds them again."""
    args = tuple(args)
    if all(map(_numeric, args)):
        return func, args
    leaves, spelled = _leaves_of(args)
    key = (func, tuple(spelled))
    made = _LEAF_FUNCTIONS.get(key)
    if made is None:
        define = TRANSFORMS["define"]
        names = ", ".join(f"l{i}" for i in range(len(leaves)))
        made = _LEAF_FUNCTIONS[key] = define(
            "func_of_leaves", f"def func_of_leaves(y, t, {names}):\n"
                              f"    return func(y, t, {', '.join(spelled)})\n", {"func": func})
    return made, tuple(leaves)


def _leaves_of(args):
    leaves = []
    return leaves, [_spell(a, leaves) for a in args]


def _spell(value, leaves):
    """`value` as a display of leaf names (`[(l0, l1), (l2, l3)]`), its leaves appended."""
    if _numeric(value):
        leaves.append(value)
        return f"l{len(leaves) - 1}"
    if isinstance(value, (list, tuple)):
        items = [_spell(v, leaves) for v in value]
        return f"[{', '.join(items)}]" if isinstance(value, list) else \
            f"({', '.join(items)}{',' if len(items) == 1 else ''})"
    if isinstance(value, dict) and all(type(k) is str for k in value):
        return "{" + ", ".join(f"{k!r}: {_spell(v, leaves)}" for k, v in value.items()) + "}"
    raise TypeError(
        "the derivative of scipy.integrate.odeint is taken along `args` of numbers, arrays "
        f"and lists, tuples and dicts of them, not of a {type(value).__name__}: pass the "
        "arrays themselves, or integrate with a Python loop (rk4, Euler)")


def _rebuilt(like, leaves):
    """A value shaped like `like` whose numbers and arrays are taken from `leaves`."""
    if _numeric(like):
        return next(leaves)
    if isinstance(like, dict):
        return {k: _rebuilt(v, leaves) for k, v in like.items()}
    items = [_rebuilt(v, leaves) for v in like]
    return items if isinstance(like, list) else tuple(items)


_LEAF_FUNCTIONS: dict = {}
_LAGRANGIANS: dict = {}


def _lagrangian(func, n, args):
    """grad and hvp of L(z, t) = a . func(y, t, *args) (see scipy_ode_lagrangians), cached."""
    grad, hvp = TRANSFORMS["grad"], TRANSFORMS["hvp"]
    from .scipy_ode_lagrangians import packed_lagrangian
    key = (func, n, tuple(np.shape(a) for a in args))
    if key not in _LAGRANGIANS:
        lag = packed_lagrangian(func, n, list(key[2]))
        _LAGRANGIANS[key] = (grad(lag), hvp(lag))
    return _LAGRANGIANS[key]


def _rhs(gz, n):
    """The adjoint ODE's right-hand side [f, -df/dy^T a, -df/dargs^T a] from grad L."""
    return np.concatenate([gz[n:2 * n], -gz[:n], -gz[2 * n:]])


def _state(y, a, p, args):
    """z = [y, a, args] for L, from the ODE state [y, a, p]."""
    return np.concatenate([y, a, _flat(args)])


def odeint_vjp(g, ans, func, y0, t, args=(), rtol=None, atol=None, mxstep=0):
    """[gradient for y0, for t, for args (raveled)] of `ans = odeint(func, y0, t, args)`."""
    from scipy.integrate import odeint
    func, args = _numeric_args(func, args)
    n = np.size(y0)  # odeint's states are vectors
    grad_l, _ = _lagrangian(func, n, args)
    t = np.asarray(t, dtype=float)
    g = np.reshape(np.asarray(g, dtype=float), (len(t), n))
    ys = np.reshape(ans, (len(t), n))

    def augmented(state, s):
        return _rhs(grad_l(_state(state[:n], state[n:2 * n], None, args), s), n)

    a, p = g[-1].copy(), np.zeros(np.size(_flat(args)))
    gt = np.zeros(len(t))
    for i in range(len(t) - 1, 0, -1):
        gt[i] = g[i] @ np.ravel(func(ys[i], float(t[i]), *args))
        state = np.concatenate([ys[i], a, p])
        state = odeint(augmented, state, [t[i], t[i - 1]], **_solver_options(rtol, atol, mxstep))[-1]
        a, p = state[n:2 * n], state[2 * n:]
        if i > 1:  # the jump at an inner time point; at t_0, a(t_0+) gives dL/dt_0
            a = a + g[i - 1]
    if len(t) > 1:
        gt[0] = -a @ np.ravel(func(ys[0], float(t[0]), *args))
        a = a + g[0]
    else:
        a = g[0]
    return np.concatenate([a, gt, p])


def odeint_vjp_tangent(g, ans, func, y0, t, args=(), dg=None, dans=None, dt=None, dargs=None,
                       rtol=None, atol=None, mxstep=0):
    """The tangent of odeint_vjp(g, ans, func, y0, t, args) along (dg, dans, dt, dargs)
    (None: zero): the adjoint ODE's tangent integrated beside it, interval by interval,
    with the moving end points of each interval accounted for."""
    from scipy.integrate import odeint

    jvp = TRANSFORMS["jvp"]
    func, args, dargs = _with_leaf_tangents(func, args, dargs)
    n, size = np.size(y0), np.size(_flat(args))
    grad_l, hvp_l = _lagrangian(func, n, args)
    t = np.asarray(t, dtype=float)
    T = len(t)
    g = np.reshape(np.asarray(g, dtype=float), (T, n))
    ys = np.reshape(ans, (T, n))
    dg = np.zeros((T, n)) if dg is None else np.reshape(np.asarray(dg, dtype=float), (T, n))
    dys = np.zeros((T, n)) if dans is None else np.reshape(np.asarray(dans, dtype=float), (T, n))
    dt = np.zeros(T) if dt is None else np.asarray(dt, dtype=float)
    dtheta = np.zeros(size) if dargs is None else _flat(dargs)
    dargs = _unflat(dtheta, args)
    push = jvp(func, wrt=tuple(range(2 + len(args))))

    def f_and_tangent(i):
        """f(y_i, t_i) and its tangent along (dy_i, dt_i, dargs)."""
        fy, d = push(ys[i], float(t[i]), *args, tangents=(dys[i], float(dt[i]), *dargs))
        return np.ravel(fy), np.ravel(d)

    def rhs(state, s):
        return _rhs(grad_l(_state(state[:n], state[n:2 * n], None, args), s), n)

    def augmented(both, s):
        m = 2 * n + size
        x, dx = both[:m], both[m:]
        z = _state(x[:n], x[n:2 * n], None, args)
        dz = np.concatenate([dx[:2 * n], dtheta])
        return np.concatenate([_rhs(grad_l(z, s), n), _rhs(hvp_l(z, s, v=dz), n)])

    a, p = g[-1].copy(), np.zeros(size)
    da, dp = dg[-1].copy(), np.zeros(size)
    gt, dgt = np.zeros(T), np.zeros(T)
    for i in range(T - 1, 0, -1):
        f_i, df_i = f_and_tangent(i)
        gt[i], dgt[i] = g[i] @ f_i, dg[i] @ f_i + g[i] @ df_i
        x = np.concatenate([ys[i], a, p])
        dx = np.concatenate([dys[i], da, dp]) - rhs(x, t[i]) * dt[i]  # the start moves
        out = odeint(augmented, np.concatenate([x, dx]), [t[i], t[i - 1]],
                     **_solver_options(rtol, atol, mxstep))[-1]
        m = 2 * n + size
        x, dx = out[:m], out[m:] + rhs(out[:m], t[i - 1]) * dt[i - 1]  # and so does the end
        a, p, da, dp = x[n:2 * n], x[2 * n:], dx[n:2 * n], dx[2 * n:]
        if i > 1:
            a, da = a + g[i - 1], da + dg[i - 1]
    if T > 1:
        f_0, df_0 = f_and_tangent(0)
        dgt[0] = -(da @ f_0 + a @ df_0)
        da = da + dg[0]
    else:
        da = dg[0]
    return np.concatenate([da, dgt, dp])


def unpack_y0(packed, y0):
    """The gradient for y0 from odeint_vjp's packed result."""
    return np.reshape(packed[:np.size(y0)], np.shape(y0))


def unpack_t(packed, y0, t):
    """The gradient for the time points from odeint_vjp's packed result."""
    return packed[np.size(y0):np.size(y0) + np.size(t)]


def unpack_args(packed, y0, t, args):
    """The gradients for args (a tuple shaped like it) from odeint_vjp's packed result."""
    leaves = _leaves_of(tuple(args))[0]
    return _rebuilt(tuple(args), iter(_unflat(packed[np.size(y0) + np.size(t):], leaves)))


def _with_leaf_tangents(func, args, dargs):
    """`_numeric_args`, with the tangents of args (shaped like them) as leaves too."""
    flat_func, leaves = _numeric_args(func, args)
    if dargs is not None and flat_func is not func:
        dargs = tuple(_leaves_of(tuple(dargs))[0])
    return flat_func, leaves, dargs


def odeint_tangent(func, y0, t, args=(), dy0=None, dt=None, dargs=None, rtol=None, atol=None,
                   mxstep=0):
    """The tangent of `odeint(func, y0, t, args)` along (dy0, dt, dargs) (None: zero)."""
    from scipy.integrate import odeint
    jvp = TRANSFORMS["jvp"]
    func, args, dargs = _with_leaf_tangents(func, args, dargs)
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


