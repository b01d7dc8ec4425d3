"""How long transforming a function takes (10 and 200 lines): the first
`grad(f)` and call in a process (nothing cached), a second `grad(f)` (the
in-memory cache), and a new process's first `grad(f)` and call when the on-disk
cache holds f's adjoint (transpiler/diskcache.py), with the targets of issue 17.
A third row is a 200-line function written as a scientist would (loops,
branches, array math, a helper): the targets are on the generated ones.

    python benchmarks/transform_time.py
"""
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import time

# a directory of this run: "first" is a transform, not a read of an older run's entry
os.environ.setdefault("TAPELESS_CACHE_DIR", tempfile.mkdtemp(prefix="tapeless-bench-"))

import numpy as np  # noqa: E402

from transpiler import grad  # noqa: E402

TARGETS = {10: (10, 20), 200: (200, 20)}  # lines -> (first transform, new process) in ms


def write_module(lines):
    body = ["def f(x, y):", "    a = x * y + 1.0"]
    for i in range(lines - 3):
        body.append(f"    a = np.sin(a) * {1.0 + i / 100:.2f} + y" if i % 3 else
                    f"    a = a * x - {i}.0 / (1.0 + y * y)")
    body.append("    return a")
    path = os.path.join(tempfile.mkdtemp(), f"generated_{lines}.py")
    with open(path, "w") as fh:
        fh.write("import numpy as np\n\n" + "\n".join(body) + "\n")
    return path


SCIENTIST_STAGE = """\
    # stage {i}: relax the state, with a damping that depends on the energy
    energy = np.sum(state * state) * {energy:.3f}
    if energy > {limit:.2f}:
        damping = 1.0 / (1.0 + energy)
    else:
        damping = 0.9 - 0.01 * energy
    for k in range(steps):
        force = -np.tanh(state) * w[{weight}] + np.roll(state, 1) * {coupling:.3f}
        state = state + dt * damping * force
    total = total + smooth(state, {width:.3f}) * damping
"""


def write_scientist_module(stages=19):
    """A 203-line relaxation: `stages` blocks of a branch, a loop and a helper call."""
    head = ["import numpy as np", "", "", "def smooth(v, width):",
            "    return np.sum(np.exp(-v * v / width)) / v.shape[0]", "", "",
            "def f(x, w):", "    state = np.sin(x) * w[0]", "    dt = 0.01", "    steps = 3",
            "    total = 0.0"]
    body = "".join(SCIENTIST_STAGE.format(i=i, energy=0.5 + i / 40, limit=1.0 + i / 10,
                                          weight=i % 3, coupling=0.1 + i / 100, width=1.0 + i / 50)
                   for i in range(stages))
    path = os.path.join(tempfile.mkdtemp(), "scientist.py")
    with open(path, "w") as fh:
        fh.write("\n".join(head) + "\n" + body + "    return total + np.sum(state ** 2)\n")
    return path


def load(path):
    name = os.path.splitext(os.path.basename(path))[0]
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # (a helper it calls is found again by its import path)
    spec.loader.exec_module(module)
    return module.f


def arguments(path):
    """The arguments f is called with: two numbers, or for the scientist's
    function a state vector and three weights."""
    if os.path.basename(path) == "scientist.py":
        return (np.linspace(-1.0, 1.0, 5), np.array([0.8, 1.1, 0.6]))
    return (0.5, 0.25)


def timed_first_grad(f, args=(0.5, 0.25)):
    """(wall, CPU) seconds for grad(f) and its first call, and the gradient. On a
    shared machine the CPU time is the steadier of the two."""
    t0, c0 = time.perf_counter(), time.process_time()
    g = grad(f, wrt=(0, 1))
    g(*args)
    return (time.perf_counter() - t0, time.process_time() - c0), g


def in_new_process(path):
    """A new interpreter's first grad(f) and call: ((wall, CPU) seconds, whether the
    disk cache hit)."""
    code = ("import sys, json; sys.path.insert(0, {here!r}); import transform_time as t; "
            "from transpiler import diskcache; s, g = t.timed_first_grad(t.load({path!r}), "
            "t.arguments({path!r})); print(json.dumps([s, diskcache.STATS['hits']]))").format(
                here=os.path.dirname(os.path.abspath(__file__)), path=path)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    seconds, hits = json.loads(done.stdout.strip().splitlines()[-1])
    return tuple(seconds), hits == 1


def main():
    timed_first_grad(load(write_module(12)))  # load the rule table first
    rows = []
    for lines, path in ((10, write_module(10)), (200, write_module(200)),
                        ("scientist's 200", write_scientist_module())):
        f, args = load(path), arguments(path)
        first, g = timed_first_grad(f, args)
        second, again = timed_first_grad(f, args)
        memory_hit = again.transformed is g.transformed
        new_process, disk_hit = min(in_new_process(path) for _ in range(3))
        first_target, process_target = TARGETS.get(lines, ("-", "-"))
        rows.append((lines, first, second, new_process, memory_hit and disk_hit))
        print(f"{lines:>4}-line function: first grad + call {_ms(first)} (target <= "
              f"{first_target} ms); second grad(f) {_ms(second)} (memory cache hit: "
              f"{memory_hit}); new process, disk cache {_ms(new_process)} (target <= "
              f"{process_target} ms, hit: {disk_hit})")
    print(f"(wall ms, CPU ms in brackets; load average {os.getloadavg()[0]:.1f} on "
          f"{os.cpu_count()} cores)")
    return rows


def _ms(times):
    wall, cpu = times
    return f"{wall * 1e3:7.1f} ms [{cpu * 1e3:6.1f}]"


if __name__ == "__main__":
    sys.exit(main() and 0)
