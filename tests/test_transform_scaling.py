"""The compiler's walks stay linear in the length of a function: a chain of
branches and loops (each stage's value feeding the next) once made the
backend's rank and ownership walks revisit shared values once per path
(2**stages; 78 s for the 19-stage function of benchmarks/transform_time.py).
Counted in calls, not timed."""
import importlib.util
import os
import sys

import numpy as np

from transpiler import grad
from transpiler.backend import accumulate
from runtime.numeric import numeric_grad

HERE = os.path.dirname(os.path.abspath(__file__))


def _transform_time_module():
    spec = importlib.util.spec_from_file_location(
        "transform_time_for_tests", os.path.join(HERE, "..", "benchmarks", "transform_time.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_rank_and_ownership_walks_grow_linearly_with_the_stages(monkeypatch):
    monkeypatch.setenv("TAPELESS_CACHE", "off")
    bench = _transform_time_module()
    calls = {"n": 0}
    rank, owned = accumulate._Rewriter._rank, accumulate._Rewriter._owned

    def counted_rank(self, v, seen):
        calls["n"] += 1
        return rank(self, v, seen)

    def counted_owned(self, v, seen):
        calls["n"] += 1
        return owned(self, v, seen)

    monkeypatch.setattr(accumulate._Rewriter, "_rank", counted_rank)
    monkeypatch.setattr(accumulate._Rewriter, "_owned", counted_owned)
    counts = {}
    for stages in (6, 12):
        path = bench.write_scientist_module(stages=stages)
        f = bench.load(path)
        args = bench.arguments(path)
        calls["n"] = 0
        g = grad(f, wrt=1)(*args)
        counts[stages] = calls["n"]
        assert np.allclose(g, numeric_grad(f, list(args), 1), rtol=1e-5, atol=1e-7)
        sys.modules.pop(os.path.splitext(os.path.basename(path))[0], None)
    # twice the stages: at most about four times the visits (it was 2**6 times)
    assert counts[12] <= 5 * counts[6], counts
