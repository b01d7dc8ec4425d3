"""`jit(value_and_grad(f))` against the NumPy primal, the Python backend and peers.

    python benchmarks/jit.py [--quick] [--only NAME] [--json results.json]

For the loop workloads and the array workloads of workloads.py: check that the
compiled gradient agrees with the hand-written one, then time, interleaved in
one run (run.py's `time_interleaved`, the best of its rounds): the NumPy primal, tapeless's Python
backend, tapeless under `jit`, the hand-written gradient, a numba-compiled
hand-written gradient (the loop workloads), and JAX with the loop written as
`lax.fori_loop` under `jax.jit` when JAX is installed. numba's compile time
(the first call) is reported on its own.
"""
import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import math  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from run import agree, time_interleaved  # noqa: E402
from run import main as run_main  # noqa: E402
from workloads import workloads  # noqa: E402

import transpiler  # noqa: E402
from transpiler.jit import jit  # noqa: E402

WORKLOADS = ("1000-step math.sin loop", "Lorenz Euler 500 steps", "tanh RNN 50 steps",
             "MLP 256x64-128-10", "logistic regression 1000x20")


# -- peers: hand-written gradients compiled with numba ---------------------------------

def _numba_hand():
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


# -- peers: JAX with lax.fori_loop ------------------------------------------------------

def _jax_versions():
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

    def mlp(W1, b1, W2, b2, X, Y):
        h = jnp.tanh(X @ W1 + b1)
        z = h @ W2 + b2
        m = jnp.max(z, axis=1, keepdims=True)
        lse = m + jnp.log(jnp.sum(jnp.exp(z - m), axis=1, keepdims=True))
        return -jnp.sum(Y * (z - lse)) / X.shape[0]

    def logistic(w, b, X, y):
        z = X @ w + b
        return jnp.mean(jnp.logaddexp(0.0, z) - y * z)

    made = dict(zip(WORKLOADS, (sin_loop, lorenz, rnn, mlp, logistic)))
    return {name: (lambda f: lambda wrt: jax.jit(jax.value_and_grad(f, wrt)))(f)
            for name, f in made.items()}


def best_and_median(samples):
    """On a shared machine the best round is the one least disturbed by other
    processes: the table reports ratios of those, the JSON both."""
    return min(samples), statistics.median(samples)


def _optional(make):
    try:
        return make()
    except ImportError:
        return {}


def run(only=None, budget=0.3):
    rows = []
    hand_numba = _optional(_numba_hand)
    jax_versions = _optional(_jax_versions)
    for name, (fn, hand, _, args, wrt) in workloads().items():
        if name not in WORKLOADS or (only and only.lower() not in name.lower()):
            continue
        want = hand(*args)
        compiled = jit(transpiler.value_and_grad(fn, wrt=wrt))
        t0 = time.perf_counter()
        got = compiled(*args)
        compile_seconds = time.perf_counter() - t0
        calls = {"primal": fn, "tapeless": transpiler.value_and_grad(fn, wrt=wrt),
                 "tapeless jit": compiled, "hand-written": hand}
        if name in hand_numba:
            hand_numba[name](*args)
            calls["numba hand-written"] = hand_numba[name]
        if name in jax_versions:
            calls["jax.jit"] = jax_versions[name](wrt)
        for system, g in list(calls.items())[1:]:
            if not agree(g(*args), want, rtol=1e-5):
                print(f"  {name}: {system} disagrees with the hand-written gradient; "
                      "not timed", file=sys.stderr)
                del calls[system]
        assert agree(got, want), name
        times = time_interleaved(calls, args, budget, best_and_median)
        rows.append({"workload": name, "seconds": {k: v[0] for k, v in times.items()},
                     "median seconds": {k: v[1] for k, v in times.items()},
                     "numba compile seconds": compile_seconds})
    return rows


def table(rows):
    peers = ("tapeless", "tapeless jit", "numba hand-written", "jax.jit")
    lines = ["| workload | primal | " + " | ".join(f"{p} / primal" for p in peers) +
             " | jit compile |", "| --- | ---: |" + " ---: |" * (len(peers) + 1)]
    for row in rows:
        t = row["seconds"]
        ratios = " | ".join(f"{t[p] / t['primal']:.3f}x" if p in t else "n/a" for p in peers)
        lines.append(f"| {row['workload']} | {t['primal'] * 1e6:.1f} us | {ratios} | "
                     f"{row['numba compile seconds']:.2f} s |")
    return "\n".join(lines)


def main(argv=None):
    from importlib.metadata import version
    return run_main(argv, __doc__, run, table, {"numba": version("numba")})


if __name__ == "__main__":
    main()
