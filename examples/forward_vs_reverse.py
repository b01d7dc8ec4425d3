"""Forward mode or reverse mode? Measure the cost argument.

A function of n inputs and one output: forward mode needs n sweeps (one
tangent per input direction) to get the gradient, reverse mode needs one.
This times both for growing n, prints the table, and saves a plot when
matplotlib is installed.

Run:  python examples/forward_vs_reverse.py [--sizes 10 100 1000 10000] [--plot out.png]
"""
import argparse
import time

import numpy as np

from transpiler import grad, jvp


def energy(x):
    """A scalar function of a vector: a smooth chain potential."""
    return np.sum(np.sin(x[1:] - x[:-1]) ** 2) + 0.1 * np.sum(x ** 2)


TANGENT = jvp(energy)  # compiled once, on its first call


def gradient_by_forward_mode(x):
    tangent = TANGENT
    out = np.empty_like(x)
    e = np.zeros_like(x)
    for i in range(x.size):
        e[i] = 1.0
        out[i] = tangent(x, tangents=e)[1]
        e[i] = 0.0
    return out


def best_of(fn, x, repeats=3):
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn(x)
        best = min(best, time.perf_counter() - t0)
    return best


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 100, 1000, 10000])
    parser.add_argument("--plot", default="forward_vs_reverse.png")
    args = parser.parse_args(argv)
    reverse = grad(energy)
    rows = []
    print(f"{'n':>7} {'forward (n sweeps)':>20} {'reverse (1 sweep)':>19} {'ratio':>8}")
    for n in args.sizes:
        x = np.random.default_rng(n).normal(size=n)
        assert np.allclose(gradient_by_forward_mode(x), reverse(x), rtol=1e-10, atol=1e-12)
        t_fwd = best_of(gradient_by_forward_mode, x, 1 if n > 1000 else 3)
        t_rev = best_of(reverse, x)
        rows.append((n, t_fwd, t_rev))
        print(f"{n:>7} {t_fwd * 1e3:>17.2f} ms {t_rev * 1e3:>16.3f} ms {t_fwd / t_rev:>7.0f}x")
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed: no plot")
        return rows
    ns = [r[0] for r in rows]
    plt.figure(figsize=(5, 3.5))
    plt.loglog(ns, [r[1] for r in rows], "o-", label="forward mode: n sweeps")
    plt.loglog(ns, [r[2] for r in rows], "s-", label="reverse mode: 1 sweep")
    plt.xlabel("number of inputs n")
    plt.ylabel("seconds for the gradient")
    plt.legend()
    plt.tight_layout()
    plt.savefig(args.plot, dpi=120)
    print(f"saved {args.plot}")
    return rows


if __name__ == "__main__":
    main()
