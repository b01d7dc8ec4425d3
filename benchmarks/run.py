"""Gradient speed against the primal, a hand-written NumPy gradient, and peers.

    python benchmarks/run.py [--quick] [--json results.json] [--only NAME]

For every workload in workloads.py: check that all systems' gradients agree
with the hand-written one, then time them interleaved (warm-up first), and
report medians and the ratios gradient / primal and ours / hand-written.
Every system computes the value and the gradient (`value_and_grad`), as a
training step does; so does the hand-written reference.
BLAS and OpenMP are pinned to one thread. Peers run when installed: HIPS
autograd, JAX (eager and jit), PyTorch, tangent.
"""
import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
             "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from workloads import workloads  # noqa: E402

import transpiler  # noqa: E402


def _flat(value):
    if isinstance(value, (tuple, list)):
        return [x for v in value for x in _flat(v)]
    return [np.asarray(value, dtype=float)]


def agree(got, want, rtol=1e-6, atol=1e-9):
    got, want = _flat(got), _flat(want)
    return len(got) == len(want) and all(
        g.shape == w.shape and np.allclose(g, w, rtol=rtol, atol=atol) for g, w in zip(got, want))


LOOPS = ("loop", "RNN", "Lorenz")  # Python loops: jax.jit would unroll them all at trace time


def systems(name, fn, ag_fn, wrt):
    """name -> a zero-argument-factory of the gradient function, for installed systems."""
    out = {"tapeless": lambda: transpiler.value_and_grad(fn, wrt=wrt)}
    try:
        import autograd
        out["autograd"] = lambda: autograd.value_and_grad(ag_fn, wrt)
    except ImportError:
        pass
    try:
        import jax
        jax.config.update("jax_enable_x64", True)
        jitted = _with_numpy(ag_fn, jax.numpy)
        out["jax"] = lambda: jax.value_and_grad(jitted, wrt)
        if not any(word in name for word in LOOPS):
            out["jax.jit"] = lambda: jax.jit(jax.value_and_grad(jitted, wrt))
    except ImportError:
        pass
    return out


def _with_numpy(fn, module):
    """The autograd version of a workload, reading `anp` as another NumPy (jax.numpy)."""
    import types
    return types.FunctionType(fn.__code__, {**fn.__globals__, "anp": module}, fn.__name__)


def time_interleaved(calls, args, budget, summary=statistics.median):
    """Median seconds per call for each callable, measured in alternating rounds
    (or `summary` of each callable's rounds)."""
    per_call = {}
    for name, f in calls.items():  # warm up, and size each round to ~budget/20
        f(*args)
        t0 = time.perf_counter()
        f(*args)
        per_call[name] = max(time.perf_counter() - t0, 1e-7)
    repeats = {name: max(1, int(budget / 20 / t)) for name, t in per_call.items()}
    samples = {name: [] for name in calls}
    for _ in range(15):
        for name, f in calls.items():
            n = repeats[name]
            t0 = time.perf_counter()
            for _ in range(n):
                f(*args)
            samples[name].append((time.perf_counter() - t0) / n)
    return {name: summary(v) for name, v in samples.items()}


def run(only=None, budget=0.3):
    rows = []
    for name, (fn, hand, ag_fn, args, wrt) in workloads().items():
        if only and only.lower() not in name.lower():
            continue
        want = hand(*args)
        calls = {"primal": fn, "hand-written": hand}
        for system, make in systems(name, fn, ag_fn, wrt).items():
            try:
                g = make()
                if not agree(g(*args), want):
                    print(f"  {name}: {system} disagrees with the hand-written gradient; "
                          "not timed", file=sys.stderr)
                    continue
                calls[system] = g
            except Exception as exc:  # a peer that cannot run this workload
                print(f"  {name}: {system} failed: {type(exc).__name__}: {exc}",
                      file=sys.stderr)
        times = time_interleaved(calls, args, budget)
        rows.append({"workload": name, "seconds": times})
    return rows


def table(rows):
    lines = ["| workload | primal | tapeless | tapeless / primal | tapeless / hand-written "
             "| autograd / primal | jax / primal | jax.jit / primal |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for row in rows:
        t = row["seconds"]
        ours = t.get("tapeless")
        ag = t.get("autograd")
        if ours is None:
            lines.append(f"| {row['workload']} | {t['primal'] * 1e6:.1f} us | failed | | | "
                         "| | |")
            continue
        peers = " | ".join(f"{t[p] / t['primal']:.1f}x" if p in t else "n/a"
                           for p in ("autograd", "jax", "jax.jit"))
        lines.append(
            f"| {row['workload']} | {t['primal'] * 1e6:.1f} us | "
            f"{ours * 1e6:.1f} us | {ours / t['primal']:.2f}x | "
            f"{ours / t['hand-written']:.2f}x | {peers} |")
    return "\n".join(lines)


def machine():
    import gast
    info = {"python": platform.python_version(), "numpy": np.__version__,
            "gast": getattr(gast, "__version__", "?"), "machine": platform.machine(),
            "processor": platform.processor() or platform.machine(), "cpus": os.cpu_count()}
    from importlib.metadata import PackageNotFoundError, version
    for peer in ("autograd", "jax", "jaxlib"):
        try:
            info[peer] = version(peer)
        except PackageNotFoundError:
            pass
    return info


def main(argv=None, doc=__doc__, run=run, table=table, info=None):
    """The command line (also of jit.py): run, print the table and the machine."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="short timing budget")
    parser.add_argument("--json", help="also write the results to this file")
    parser.add_argument("--only", help="run the workloads whose name contains this")
    args = parser.parse_args(argv)
    rows = run(args.only, budget=0.05 if args.quick else 0.4)
    print(table(rows))
    info = {**machine(), **(info or {})}
    print("\n" + ", ".join(f"{k} {v}" for k, v in info.items()))
    if args.json:
        with open(args.json, "w") as fh:
            json.dump({"machine": info, "results": rows}, fh, indent=2)
    return rows


if __name__ == "__main__":
    main()
