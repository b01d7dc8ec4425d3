"""A call through a function value against the same call resolved statically.

    python benchmarks/dynamic_calls.py [--calls 1000] [--rounds 15]

`euler_static` calls the dynamics function by name, so its companion is built
when the gradient is transformed; `euler_dynamic` receives it as a parameter
(`func(y, rate)`), so the generated code asks `vjp_link` for the companion of
the actual callee on every call. Both gradients are checked against each other
and against central differences before anything is timed; the table reports
the median over interleaved rounds and the ratio dynamic / static (target:
at most 1.5x).
"""
import argparse
import os
import statistics
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402

from runtime.numeric import numeric_grad  # noqa: E402
from transpiler import grad, jvp  # noqa: E402

STEPS = 1000


def decay(y, rate):
    return -rate * y * y


def euler_static(y, rate):
    for i in range(STEPS):
        y = y + 0.001 * decay(y, rate)
    return y


def euler_with(func, y, rate):
    for i in range(STEPS):
        y = y + 0.001 * func(y, rate)
    return y


def euler_dynamic(y, rate):
    return euler_with(decay, y, rate)


def median_time(fn, rounds):
    times = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main(argv=None):
    global STEPS
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args(argv)
    STEPS = args.calls
    y, rate = 1.0, 0.5
    cases = {"reverse (grad)": (grad(euler_static, wrt=1), grad(euler_dynamic, wrt=1)),
             "forward (jvp)": (jvp(euler_static, wrt=1), jvp(euler_dynamic, wrt=1))}
    want = numeric_grad(euler_static, (y, rate), 1)
    calls = {}
    for mode, (static, dynamic) in cases.items():
        if mode.startswith("reverse"):
            got = static(y, rate), dynamic(y, rate)
            calls[mode] = (lambda s=static: s(y, rate), lambda d=dynamic: d(y, rate))
        else:
            got = static(y, rate, tangents=1.0)[1], dynamic(y, rate, tangents=1.0)[1]
            calls[mode] = (lambda s=static: s(y, rate, tangents=1.0),
                           lambda d=dynamic: d(y, rate, tangents=1.0))
        assert np.isclose(got[0], got[1], rtol=1e-12) and np.isclose(got[0], want, rtol=1e-6), \
            (mode, got, want)
    rows = []
    print(f"{args.calls} calls of a small function, median of {args.rounds} rounds\n")
    print("| mode | static | dynamic | dynamic / static |")
    print("| --- | ---: | ---: | ---: |")
    for mode, (static, dynamic) in calls.items():
        static(), dynamic()  # warm up: transforms and first-use companions
        times = {"static": [], "dynamic": []}
        for _ in range(args.rounds):  # interleaved, so machine noise hits both alike
            times["static"].append(median_time(static, 1))
            times["dynamic"].append(median_time(dynamic, 1))
        s, d = (statistics.median(times[k]) for k in ("static", "dynamic"))
        rows.append((mode, s, d, d / s))
        print(f"| {mode} | {s * 1e3:.2f} ms | {d * 1e3:.2f} ms | {d / s:.2f}x |")
    return rows


if __name__ == "__main__":
    main()
