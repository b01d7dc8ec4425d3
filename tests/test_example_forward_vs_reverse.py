"""examples/forward_vs_reverse.py runs, and its gradients and cost ratio come out right."""
import os
import runpy

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_forward_vs_reverse_example(tmp_path, capsys):
    module = runpy.run_path(os.path.join(ROOT, "examples", "forward_vs_reverse.py"))
    rows = module["main"](["--sizes", "10", "200", "--plot", str(tmp_path / "plot.png")])
    out = capsys.readouterr().out
    assert "forward (n sweeps)" in out
    # n forward sweeps cost more than one reverse sweep, increasingly so with n
    (n1, f1, r1), (n2, f2, r2) = rows
    assert f2 / r2 > f1 / r1 > 1.0
    x = np.random.default_rng(3).normal(size=7)
    forward = module["gradient_by_forward_mode"](x)
    h = 1e-6  # the energy's gradient, by central differences
    fd = [(module["energy"](x + h * e) - module["energy"](x - h * e)) / (2 * h) for e in np.eye(7)]
    np.testing.assert_allclose(forward, fd, rtol=1e-6, atol=1e-9)
