"""Gradient speed against the primal, side by side in one run, with the targets.

    python benchmarks/run.py [--quick] [--markdown] [--json results.json] [--only NAME]

For every workload in workloads.py: check that each system's value and
gradient agree with the hand-written NumPy one, then time all of them
interleaved (warm-up first, 15 alternating rounds) and report each one's time
over the NumPy-in-Python primal's. Every system computes the value and the
gradient (`value_and_grad`), as a training step does. The systems:

- tapeless: `value_and_grad(f)`, the generated Python over NumPy;
- tapeless jit: `jit(value_and_grad(f))`, the same code compiled with numba
  (its compile time, the first call, is reported on its own);
- hand-written: the NumPy gradient an expert writes (workloads.py);
- numba hand-written: that gradient of the loop workloads compiled with numba;
- autograd: HIPS autograd;
- jax.jit: `jax.jit(jax.value_and_grad(f))` of a JAX version, loops written as
  `lax.fori_loop` (peers.py).

Peers that are not installed are left out with a note. Then the 1,000,000-step
loop with checkpointing (loop_memory.py's `checkpoint_row`, when it exists),
and the targets of issue 17 next to the measured ratios. The machine is shared,
so each ratio is the median over rounds of the ratio within one round (the
primal's time is its best round; the JSON keeps every system's best and median).
BLAS and OpenMP are pinned to one thread.
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
import peers  # noqa: E402
from workloads import workloads  # noqa: E402

import transpiler  # noqa: E402

SYSTEMS = ("tapeless", "tapeless jit", "hand-written", "numba hand-written", "autograd",
           "jax.jit")
NOTES: list = []  # peers left out, and why


def _flat(value):
    if isinstance(value, (tuple, list)):
        return [x for v in value for x in _flat(v)]
    return [np.asarray(value, dtype=float)]


def agree(got, want, rtol=1e-6, atol=1e-9):
    got, want = _flat(got), _flat(want)
    return len(got) == len(want) and all(
        g.shape == w.shape and np.allclose(g, w, rtol=rtol, atol=atol) for g, w in zip(got, want))


def _installed(name, make):
    """`make()`, or {} with a note when its library is not installed."""
    try:
        return make()
    except ImportError as exc:
        NOTES.append(f"{name}: not installed ({exc.name}), left out")
        return {}


def _autograd():
    import autograd
    return {"value_and_grad": autograd.value_and_grad}


def _jit():
    import numba  # noqa: F401 (transpiler.jit imports it on first use)
    from transpiler.jit import jit
    return {"jit": jit}


def systems(name, fn, ag_fn, wrt, found):
    """system -> a zero-argument factory of its value-and-gradient function."""
    out = {"tapeless": lambda: transpiler.value_and_grad(fn, wrt=wrt)}
    if found["jit"]:
        out["tapeless jit"] = lambda: found["jit"]["jit"](transpiler.value_and_grad(fn, wrt=wrt))
    if name in found["numba"]:
        out["numba hand-written"] = lambda: found["numba"][name]
    if found["autograd"]:
        out["autograd"] = lambda: found["autograd"]["value_and_grad"](ag_fn, wrt)
    if name in found["jax"]:
        out["jax.jit"] = lambda: found["jax"][name](wrt)
    return out


def time_interleaved(calls, args, budget, summary=statistics.median):
    """Seconds per call for each callable, measured in alternating rounds: the
    `summary` of each callable's rounds."""
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


def paired_ratios(samples):
    """Each system's time over the primal's, as the median over rounds of the
    ratio within one round: a system and the primal run next to each other in a
    round, so load from other processes on a shared machine moves both."""
    primal = samples["primal"]
    return {name: statistics.median(t / p for t, p in zip(v, primal))
            for name, v in samples.items()}


def _ready(name, system, make, args, want):
    """The system's function after its first call (numba compiles then), and that
    call's seconds; None when it fails or disagrees with the hand-written gradient."""
    try:
        g = make()
        t0 = time.perf_counter()
        got = g(*args)
        seconds = time.perf_counter() - t0
    except Exception as exc:  # a peer that cannot run this workload
        NOTES.append(f"{name}: {system} failed: {type(exc).__name__}: {exc}")
        return None, 0.0
    if not agree(got, want, rtol=1e-5):
        NOTES.append(f"{name}: {system} disagrees with the hand-written gradient; not timed")
        return None, 0.0
    return g, seconds


def run(only=None, budget=0.3):
    found = {"jit": _installed("tapeless jit", _jit),
             "numba": _installed("numba hand-written", peers.numba_hand),
             "autograd": _installed("autograd", _autograd),
             "jax": _installed("jax.jit", peers.jax_versions)}
    rows = []
    for name, (fn, hand, ag_fn, args, wrt) in workloads().items():
        if only and only.lower() not in name.lower():
            continue
        want = hand(*args)
        calls = {"primal": fn, "hand-written": hand}
        compile_seconds = None
        for system, make in systems(name, fn, ag_fn, wrt, found).items():
            g, seconds = _ready(name, system, make, args, want)
            if g is not None:
                calls[system] = g
                if system == "tapeless jit":
                    compile_seconds = seconds
        samples = time_interleaved(calls, args, budget, list)
        rows.append({"workload": name, "ratios": paired_ratios(samples),
                     "seconds": {k: min(v) for k, v in samples.items()},
                     "median seconds": {k: statistics.median(v) for k, v in samples.items()},
                     "jit compile seconds": compile_seconds})
    return rows


def checkpoint_row():
    """loop_memory.py's `checkpoint_row()` (a dict: `peak_bytes`, `seconds`,
    `seconds_without`), or None when it does not exist yet."""
    import loop_memory
    row = getattr(loop_memory, "checkpoint_row", None)
    return row() if row is not None else None


# -- tables ------------------------------------------------------------------------

def render(header, lines, markdown):
    """A Markdown table, or the same columns aligned as plain text."""
    if markdown:
        rule = ["---"] + ["---:"] * (len(header) - 1)
        return "\n".join("| " + " | ".join(r) + " |" for r in [header, rule] + lines)
    widths = [max(len(r[k]) for r in [header] + lines) for k in range(len(header))]
    return "\n".join("  ".join(c.ljust(w) if k == 0 else c.rjust(w)
                               for k, (c, w) in enumerate(zip(r, widths)))
                     for r in [header] + lines)


def ratio(row, system):
    return row["ratios"].get(system)


def _x(value, digits=2):
    return "n/a" if value is None else f"{value:.{digits}f}x" if value >= 0.1 \
        else f"{value:.3f}x"


def table(rows, markdown=False):
    header = ["workload", "primal"] + [f"{s} / primal" for s in SYSTEMS] + ["jit compile"]
    lines = []
    for row in rows:
        t = row["seconds"]
        compile_s = row["jit compile seconds"]
        lines.append([row["workload"], f"{t['primal'] * 1e6:.1f} us"] +
                     [_x(ratio(row, s)) for s in SYSTEMS] +
                     ["n/a" if compile_s is None else f"{compile_s:.2f} s"])
    return render(header, lines, markdown)


def _by_name(rows):
    return {row["workload"]: row for row in rows}


# (workload, system, target ratio, how the issue states it)
TARGETS = [
    ("1000-step math.sin loop", "tapeless jit", 0.7, "jit(value_and_grad) <= 0.7x"),
    ("Lorenz Euler 500 steps", "tapeless jit", 0.05, "jit(value_and_grad) <= 0.05x"),
    ("tanh RNN 50 steps", "tapeless", 2.5, "Python backend <= 2.5x"),
    ("MLP 256x64-128-10", "tapeless", 2.0, "Python backend <= 2.0x"),
    ("logistic regression 1000x20", "tapeless", 1.5, "Python backend <= 1.5x"),
]
NO_WORSE_UNDER_JIT = ("tanh RNN 50 steps", "MLP 256x64-128-10", "logistic regression 1000x20")


def targets(rows, checkpoint, markdown=False):
    """Each target of issue 17, the measured value, and whether it holds."""
    measured = _by_name(rows)
    lines = []
    for name, system, limit, wording in TARGETS:
        if name in measured:
            got = ratio(measured[name], system)
            lines.append([name, wording, _x(got), _holds(got is not None and got <= limit, got)])
    for name in NO_WORSE_UNDER_JIT:
        if name in measured:
            jit_, python = ratio(measured[name], "tapeless jit"), ratio(measured[name], "tapeless")
            lines.append([name, "jit no worse than the Python backend",
                          f"{_x(jit_)} vs {_x(python)}",
                          _holds(jit_ is not None and jit_ <= python, jit_)])
    lines.append(_checkpoint_target(checkpoint))
    return render(["workload", "target", "measured", "holds"], lines, markdown)


def _holds(ok, got):
    return "not measured" if got is None else "yes" if ok else "no"


def _checkpoint_target(row):
    name, wording = "1,000,000-step loop, checkpoint=True", "<= 10 MiB peak, <= 2.5x the time"
    if row is None:
        return [name, wording, "not available", "not measured"]
    mib, slower = row["checkpoint_mib"], row["checkpoint_time_ratio"]  # (loop_memory.py)
    return [name, wording, f"{mib:.1f} MiB, {slower:.2f}x",
            "yes" if mib <= 10 and slower <= 2.5 else "no"]


def machine():
    import gast
    info = {"python": platform.python_version(), "numpy": np.__version__,
            "gast": getattr(gast, "__version__", "?"), "machine": platform.machine(),
            "processor": _cpu_model() or platform.processor() or platform.machine(),
            "cpus": os.cpu_count(), "date": time.strftime("%Y-%m-%d", time.gmtime())}
    blas = _blas()
    if blas:
        info["blas"] = blas
    from importlib.metadata import PackageNotFoundError, version
    for peer in ("autograd", "numba", "jax", "jaxlib"):
        try:
            info[peer] = version(peer)
        except PackageNotFoundError:
            pass
    return info


def _cpu_model():
    try:
        with open("/proc/cpuinfo") as fh:
            return next((line.split(":", 1)[1].strip() for line in fh
                         if line.startswith("model name")), None)
    except OSError:
        return None


def _blas():
    try:
        config = np.show_config(mode="dicts")
        blas = config["Build Dependencies"]["blas"]
        return f"{blas.get('name', '?')} {blas.get('version', '')}".strip()
    except Exception:  # older NumPy: no dict form
        return None


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="short timing budget")
    parser.add_argument("--markdown", action="store_true", help="print Markdown tables")
    parser.add_argument("--json", help="also write the results to this file")
    parser.add_argument("--only", help="run the workloads whose name contains this")
    parser.add_argument("--no-checkpoint", action="store_true",
                        help="skip the 1,000,000-step checkpointing row")
    args = parser.parse_args(argv)
    NOTES.clear()
    rows = run(args.only, budget=0.05 if args.quick else 0.4)
    checkpoint = None if args.no_checkpoint or args.only else checkpoint_row()
    print(table(rows, args.markdown))
    print()
    print(targets(rows, checkpoint, args.markdown))
    info = machine()
    print("\n" + ", ".join(f"{k} {v}" for k, v in info.items()))
    for note in NOTES:
        print(f"note: {note}")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump({"machine": info, "results": rows, "checkpoint": checkpoint,
                       "notes": NOTES}, fh, indent=2)
    return rows


if __name__ == "__main__":
    main()
