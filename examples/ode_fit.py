"""Differentiating through a simulation: fit the damping of an oscillator to noisy data.

A damped harmonic oscillator  x'' = -2 zeta omega x' - omega^2 x,  started at
x = 1, v = 0, is integrated with the classical fourth-order Runge-Kutta method
in a plain Python `for` loop, which records the position every EVERY steps;
the misfit compares those positions with observations. `grad` differentiates the whole simulation, loop and
all, with respect to the damping ratio zeta; gradient descent then recovers
zeta from observations made with the true value plus noise.

Run:  python examples/ode_fit.py [--iterations 40] [--true-zeta 0.25] [--start 0.1]
"""
import argparse

import numpy as np

from runtime.numeric import numeric_grad
from transpiler import value_and_grad

OMEGA = 2.0   # the natural frequency (known)
DT = 0.05     # the integration step
STEPS = 200   # 10 time units
EVERY = 10    # an observation every 0.5 time units


def acceleration(x, v, zeta):
    return -2.0 * zeta * OMEGA * v - OMEGA * OMEGA * x


def rk4_step(x, v, zeta):
    """One classical Runge-Kutta step of (x, v)' = (v, acceleration(x, v))."""
    k1x, k1v = v, acceleration(x, v, zeta)
    k2x, k2v = v + 0.5 * DT * k1v, acceleration(x + 0.5 * DT * k1x, v + 0.5 * DT * k1v, zeta)
    k3x, k3v = v + 0.5 * DT * k2v, acceleration(x + 0.5 * DT * k2x, v + 0.5 * DT * k2v, zeta)
    k4x, k4v = v + DT * k3v, acceleration(x + DT * k3x, v + DT * k3v, zeta)
    x_next = x + DT / 6.0 * (k1x + 2.0 * k2x + 2.0 * k3x + k4x)
    v_next = v + DT / 6.0 * (k1v + 2.0 * k2v + 2.0 * k3v + k4v)
    return x_next, v_next


def simulate(zeta):
    """The positions at the observation times, one every EVERY steps."""
    x, v = 1.0, 0.0
    positions = []
    for i in range(STEPS):
        x, v = rk4_step(x, v, zeta)
        if (i + 1) % EVERY == 0:
            positions.append(x)
    return positions


def misfit(zeta, observed):
    """Sum of squared differences between the simulated and the observed
    positions; the whole simulation runs inside the differentiated function."""
    return np.sum((np.array(simulate(zeta)) - observed) ** 2)


def observations(true_zeta, noise, seed=0):
    rng = np.random.default_rng(seed)
    clean = np.array(simulate(true_zeta))
    return clean + noise * rng.normal(size=clean.shape)


def fit(observed, start, iterations, lr, every_print):
    """Plain gradient descent on zeta; returns (zeta, [(iteration, misfit), ...])."""
    d_misfit = value_and_grad(misfit)
    zeta, history = start, []
    for it in range(iterations + 1):
        value, d_zeta = d_misfit(zeta, observed)
        if it % every_print == 0 or it == iterations:
            history.append((it, value))
            print(f"iteration {it:4d}   zeta {zeta:.6f}   misfit {value:.6f}   "
                  f"d misfit / d zeta {d_zeta: .6f}")
        if it < iterations:
            zeta = zeta - lr * d_zeta
    return zeta, history


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=40)
    parser.add_argument("--true-zeta", type=float, default=0.25)
    parser.add_argument("--start", type=float, default=0.1)
    parser.add_argument("--noise", type=float, default=0.02)
    parser.add_argument("--lr", type=float, default=0.01)
    parser.add_argument("--every", type=int, default=5, help="print every N iterations")
    args = parser.parse_args(argv)
    observed = observations(args.true_zeta, args.noise)
    exact = value_and_grad(misfit)(args.start, observed)[1]
    # a small step: the misfit's third derivative is large enough to bias a coarse one
    numeric = numeric_grad(misfit, (args.start, observed), rel_step=1e-6)
    print(f"gradient at zeta = {args.start}: compiled {exact:.10f}, "
          f"finite differences {numeric:.10f}")
    zeta, history = fit(observed, args.start, args.iterations, args.lr, args.every)
    zeta = float(zeta)
    print(f"true zeta {args.true_zeta}   recovered zeta {zeta:.6f}   "
          f"error {abs(zeta - args.true_zeta):.2e}")
    return {"zeta": zeta, "history": history, "observed": observed,
            "compiled_gradient": exact, "numeric_gradient": numeric}


if __name__ == "__main__":
    main()
