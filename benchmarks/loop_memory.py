"""A 1,000,000-iteration scalar loop: gradient time and the memory its reverse sweep saves.

    python benchmarks/loop_memory.py [--steps N]

Deep loops must differentiate without recursion limits, with memory
proportional to what the forward loop saves for the reverse sweep.
"""
import argparse
import math
import time
import tracemalloc

from transpiler import value_and_grad


def damped(x, w, n):
    for i in range(n):
        x = x + 1e-6 * w * math.sin(x)
    return x


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=1_000_000)
    args = parser.parse_args(argv)
    n = args.steps
    df = value_and_grad(damped, wrt=(0, 1))
    df(0.3, 0.5, 10)  # compile
    saved = [line.strip() for line in df.source.splitlines() if "saved.append" in line]
    t0 = time.perf_counter()
    damped(0.3, 0.5, n)
    primal = time.perf_counter() - t0
    t0 = time.perf_counter()
    value, (dx, dw) = df(0.3, 0.5, n)
    seconds = time.perf_counter() - t0
    tracemalloc.start()  # a second run, for memory (tracing slows it down)
    df(0.3, 0.5, n)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"steps                  {n:,}")
    print(f"saved per iteration    {saved[0] if saved else '(nothing)'}")
    print(f"primal time            {primal:.3f} s")
    print(f"gradient time          {seconds:.3f} s ({seconds / primal:.2f}x the primal)")
    print(f"peak traced memory     {peak / 2 ** 20:.1f} MiB")
    print(f"memory per iteration   {peak / n:.1f} bytes")
    print(f"value {value:.6f}, gradient ({dx:.6f}, {dw:.6f})")
    return {"steps": n, "seconds": seconds, "primal": primal, "peak_bytes": peak}


if __name__ == "__main__":
    main()
