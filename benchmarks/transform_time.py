"""How long transforming a function takes (10 and 200 lines), and that a second
`grad(f)` is a cache hit.

    python benchmarks/transform_time.py
"""
import importlib.util
import os
import sys
import tempfile
import time

from transpiler import grad
from transpiler.api import _CACHE


def make_module(lines):
    body = ["def f(x, y):", "    a = x * y + 1.0"]
    for i in range(lines - 3):
        body.append(f"    a = np.sin(a) * {1.0 + i / 100:.2f} + y" if i % 3 else
                    f"    a = a * x - {i}.0 / (1.0 + y * y)")
    body.append("    return a")
    path = os.path.join(tempfile.mkdtemp(), f"generated_{lines}.py")
    with open(path, "w") as fh:
        fh.write("import numpy as np\n\n" + "\n".join(body) + "\n")
    spec = importlib.util.spec_from_file_location(f"generated_{lines}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.f


def main():
    grad(make_module(12), wrt=(0, 1))(0.5, 0.25)  # load the rule table first
    rows = []
    for lines in (10, 200):
        f = make_module(lines)
        t0 = time.perf_counter()
        g = grad(f, wrt=(0, 1))
        g(0.5, 0.25)
        first = time.perf_counter() - t0
        t0 = time.perf_counter()
        again = grad(f, wrt=(0, 1))
        again(0.5, 0.25)
        second = time.perf_counter() - t0
        hit = again.transformed is g.transformed
        rows.append((lines, first, second, hit))
        print(f"{lines:4d}-line function: transform + first call {first * 1e3:7.1f} ms; "
              f"second grad(f) {second * 1e3:6.2f} ms (cache hit: {hit})")
    return rows


if __name__ == "__main__":
    sys.exit(main() and 0)
