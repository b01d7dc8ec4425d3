"""Peers of tapeless in benchmarks/run.py: hand-written gradients compiled with numba,
and JAX versions of the workloads (loops as `lax.fori_loop`) under `jax.jit`.
Each factory raises ImportError when its library is not installed."""
import math
import types

import numpy as np

from workloads import workloads

def numba_hand():
    """workload name -> a hand-written value and gradient compiled with numba (the loops)."""
    import numba

    @numba.njit
    def sin_loop(x, w):
        xs = np.empty(1000)
        for i in range(1000):
            xs[i] = x
            x = x + w * math.sin(x)
        value, dx, dw = x, 1.0, 0.0
        for i in range(999, -1, -1):
            dw += dx * math.sin(xs[i])
            dx = dx * (1.0 + w * math.cos(xs[i]))
        return value, (dx, dw)

    @numba.njit
    def lorenz(s, sigma, rho, beta):
        dt = 0.01
        xs = np.empty((500, 3))
        x, y, z = s[0], s[1], s[2]
        for i in range(500):
            xs[i, 0], xs[i, 1], xs[i, 2] = x, y, z
            x, y, z = (x + dt * sigma * (y - x), y + dt * (x * (rho - z) - y),
                       z + dt * (x * y - beta * z))
        value = x + y + z
        gx = gy = gz = 1.0
        dsigma = drho = dbeta = 0.0
        for i in range(499, -1, -1):
            x, y, z = xs[i, 0], xs[i, 1], xs[i, 2]
            ax, ay, az = gx * dt, gy * dt, gz * dt
            dsigma += ax * (y - x)
            drho += ay * x
            dbeta -= az * z
            gx, gy, gz = (gx - ax * sigma + ay * (rho - z) + az * y,
                          gy + ax * sigma - ay + az * x, gz - ay * x - az * beta)
        return value, (np.array([gx, gy, gz]), dsigma, drho, dbeta)

    return {"1000-step math.sin loop": sin_loop, "Lorenz Euler 500 steps": lorenz}


# -- JAX with lax.fori_loop -------------------------------------------------------------

def with_numpy(fn, module):
    """The autograd version of a workload, reading `anp` as another NumPy (jax.numpy)."""
    return types.FunctionType(fn.__code__, {**fn.__globals__, "anp": module}, fn.__name__)


def jax_versions():
    """workload name -> wrt -> `jax.jit(jax.value_and_grad(f, wrt))` of a JAX version of
    the workload, its loop written as `lax.fori_loop` (traced once, not unrolled)."""
    import jax
    import jax.numpy as jnp
    from jax import lax
    jax.config.update("jax_enable_x64", True)

    def sin_loop(x, w):
        return lax.fori_loop(0, 1000, lambda i, x: x + w * jnp.sin(x), x)

    def lorenz(s, sigma, rho, beta):
        def step(i, s):
            x, y, z = s[0], s[1], s[2]
            return s + 0.01 * jnp.stack([sigma * (y - x), x * (rho - z) - y, x * y - beta * z])
        return jnp.sum(lax.fori_loop(0, 500, step, s))

    def rnn(Wh, Wx, h, xs):
        h = lax.fori_loop(0, xs.shape[0], lambda t, h: jnp.tanh(h @ Wh + xs[t] @ Wx), h)
        return jnp.sum(h ** 2)

    loops = {"1000-step math.sin loop": sin_loop, "Lorenz Euler 500 steps": lorenz,
             "tanh RNN 50 steps": rnn}
    # the workloads without loops: their autograd versions, reading jax.numpy as `anp`
    made = {name: with_numpy(ag_fn, jnp) for name, (_, _, ag_fn, _, _) in workloads().items()
            if name not in loops}
    made.update(loops)
    return {name: (lambda f: lambda wrt: jax.jit(jax.value_and_grad(f, wrt)))(f)
            for name, f in made.items()}
