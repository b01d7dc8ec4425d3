"""A 1,000,000-iteration scalar loop: gradient time and memory, with and without checkpointing.

    python benchmarks/loop_memory.py [--steps N] [--snapshots K]

Deep loops must differentiate without recursion limits. Without checkpointing
the reverse sweep saves what each iteration's reverse needs (memory O(n));
`grad(f, checkpoint=True)` keeps O(sqrt n) snapshots of the loop state and
recomputes each segment in the reverse sweep; `checkpoint=K` keeps K.
The three are run side by side, with the ratios printed (target for 1M
steps: checkpoint=True within 10 MiB peak and 2.5x the plain gradient's time).
`checkpoint_row()` returns the same numbers as a dict, for benchmarks/run.py.
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


def _best_time(fn, args, repeat):
    best = math.inf
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn(*args)
        best = min(best, time.perf_counter() - t0)
    return best, result


def _peak(fn, args):
    tracemalloc.start()  # a separate run: tracing slows it down
    try:
        fn(*args)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def measure(steps=1_000_000, snapshots=100, repeat=1):
    """{setting: {"seconds", "peak_bytes", "value", "grads"}} for checkpoint=False,
    True and `snapshots`, and the primal's time, all in this one run."""
    args = (0.3, 0.5, steps)
    primal, _ = _best_time(damped, args, repeat)
    rows = {"primal": {"seconds": primal}}
    for setting in (False, True, snapshots):
        df = value_and_grad(damped, wrt=(0, 1), checkpoint=setting)
        df(0.3, 0.5, 10)  # transform and compile first
        seconds, (value, grads) = _best_time(df, args, repeat)
        rows[setting] = {"seconds": seconds, "peak_bytes": _peak(df, args), "value": value,
                         "grads": grads, "source": df.source}
    return rows


def checkpoint_row(steps=1_000_000, snapshots=100, repeat=1):
    """The long-loop row of benchmarks/run.py: peak traced memory (MiB) and time
    (s) without and with checkpointing, and their ratios."""
    rows = measure(steps, snapshots, repeat)
    plain, sqrt_n, fixed = rows[False], rows[True], rows[snapshots]
    mib = 2.0 ** 20
    return {"steps": steps, "primal_s": rows["primal"]["seconds"],
            "plain_s": plain["seconds"], "plain_mib": plain["peak_bytes"] / mib,
            "checkpoint_s": sqrt_n["seconds"], "checkpoint_mib": sqrt_n["peak_bytes"] / mib,
            "checkpoint_time_ratio": sqrt_n["seconds"] / plain["seconds"],
            "snapshots": snapshots, "checkpoint_k_s": fixed["seconds"],
            "checkpoint_k_mib": fixed["peak_bytes"] / mib,
            "checkpoint_k_time_ratio": fixed["seconds"] / plain["seconds"],
            "agree": all(_close(r["grads"], plain["grads"]) for r in (sqrt_n, fixed))}


def _close(a, b):
    return all(math.isclose(x, y, rel_tol=1e-9, abs_tol=1e-12) for x, y in zip(a, b))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=1_000_000)
    parser.add_argument("--snapshots", type=int, default=100,
                        help="K for the checkpoint=K column (default 100)")
    args = parser.parse_args(argv)
    n, k = args.steps, args.snapshots
    rows = measure(n, k)
    plain = rows[False]
    saved = [line.strip() for line in plain["source"].splitlines() if "saved.append" in line]
    print(f"steps                  {n:,}")
    print(f"saved per iteration    {saved[0] if saved else '(nothing)'}")
    print(f"primal time            {rows['primal']['seconds']:.3f} s")
    print(f"{'':22} {'time':>9} {'x plain':>8} {'x primal':>9} {'peak MiB':>9} "
          f"{'x plain':>8} {'bytes/step':>10}")
    for setting, label in ((False, "gradient"), (True, "checkpoint=True"),
                           (k, f"checkpoint={k}")):
        r = rows[setting]
        print(f"{label:22} {r['seconds']:8.3f}s {r['seconds'] / plain['seconds']:7.2f}x "
              f"{r['seconds'] / rows['primal']['seconds']:8.2f}x "
              f"{r['peak_bytes'] / 2 ** 20:9.2f} {r['peak_bytes'] / plain['peak_bytes']:7.3f}x "
              f"{r['peak_bytes'] / max(n, 1):10.1f}")
    print(f"memory per iteration   {plain['peak_bytes'] / max(n, 1):.1f} bytes (no checkpointing)")
    value, (dx, dw) = plain["value"], plain["grads"]
    print(f"value {value:.6f}, gradient ({dx:.6f}, {dw:.6f})")
    agree = all(_close(rows[s]["grads"], plain["grads"]) for s in (True, k))
    print(f"checkpointed gradients {'agree' if agree else 'DISAGREE'} with the plain one")
    return {"steps": n, "seconds": plain["seconds"], "primal": rows["primal"]["seconds"],
            "peak_bytes": plain["peak_bytes"],
            "checkpoint_seconds": rows[True]["seconds"],
            "checkpoint_peak_bytes": rows[True]["peak_bytes"]}


if __name__ == "__main__":
    main()
