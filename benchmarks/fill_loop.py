"""Loops that fill an array item by item: the gradient must stay linear in n.

    python benchmarks/fill_loop.py [--sizes 1000,10000,100000]

`y[i] = ...` in a loop is written in place in the forward sweep, and its reverse
sweep adds into (and clears) one item of each gradient array per step. A copy of
the array per step would make both quadratic; the table shows time per item
staying flat as n grows, against the hand-written gradient of the same loop.
"""
import argparse
import time

import numpy as np

from transpiler import value_and_grad


def recurrence(x, a):
    y = np.zeros(len(x))
    y[0] = x[0]
    for i in range(1, len(x)):
        y[i] = a * y[i - 1] + x[i] ** 2
    return np.sum(y)


def recurrence_hand(x, a):
    n = len(x)
    y = np.zeros(n)
    y[0] = x[0]
    for i in range(1, n):
        y[i] = a * y[i - 1] + x[i] ** 2
    dx, da, dy = np.zeros(n), 0.0, 1.0  # dy: the gradient reaching y[i] from the sum
    for i in range(n - 1, 0, -1):
        dx[i] = dy * 2 * x[i]
        da += dy * y[i - 1]
        dy = 1.0 + a * dy
    dx[0] = dy
    return np.sum(y), (dx, da)


def best_of(fn, repeat):
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    args = parser.parse_args(argv)
    df = value_and_grad(recurrence, wrt=(0, 1))
    rows = []
    for n in (int(s) for s in args.sizes.split(",")):
        x = np.linspace(0.0, 1.0, n)
        (value, (dx, da)), (want, (hx, ha)) = df(x, 0.5), recurrence_hand(x, 0.5)
        assert np.isclose(value, want) and np.allclose(dx, hx) and np.isclose(da, ha)
        repeat = 5 if n <= 10_000 else 2
        primal = best_of(lambda: recurrence(x, 0.5), repeat)
        ours = best_of(lambda: df(x, 0.5), repeat)
        hand = best_of(lambda: recurrence_hand(x, 0.5), repeat)
        rows.append((n, primal, ours, hand))
    print("| n | primal | tapeless | per item | tapeless / primal | tapeless / hand-written |")
    print("| ---: | ---: | ---: | ---: | ---: | ---: |")
    for n, primal, ours, hand in rows:
        print(f"| {n:,} | {primal * 1e3:.1f} ms | {ours * 1e3:.1f} ms | {ours / n * 1e6:.2f} us "
              f"| {ours / primal:.1f}x | {ours / hand:.2f}x |")
    return rows


if __name__ == "__main__":
    main()
