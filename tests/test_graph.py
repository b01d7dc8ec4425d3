"""Graph pictures: values forward, gradients back, on the right edges."""
import re
import shutil

import numpy as np
import pytest

from transpiler.graph import graph


def circuit(x, y, z):
    return (x + y) * max(y, z)


def test_circuit_graph_values_and_edge_gradients():
    g = graph(circuit, 1.0, 2.0, 0.0)
    by_name = {n.op_name: n for n in g.nodes}
    assert (by_name["add"].value, by_name["max"].value, by_name["mul"].value) == (3.0, 2.0, 6.0)
    edges = {(e.parent.op_name, e.child.op_name): e for e in g.edges}
    assert edges[("add", "mul")].grad == 2.0  # d f / d add = max(y, z)
    assert edges[("max", "mul")].grad == 3.0  # d f / d max = x + y
    assert edges[("add", "mul")].value == 3.0 and edges[("max", "mul")].value == 2.0
    assert edges[("y", "max")].local == 1.0 and edges[("z", "max")].local == 0.0
    assert g.gradients == (2.0, 5.0, 0.0)
    dot = g.to_dot()
    assert "value 6" in dot and "3 / grad 2" in dot and "2 / grad 3" in dot


def layer(W, x):
    return np.sum(np.tanh(W @ x))


def test_array_graph_has_shapes_and_matches_gradient(rng):
    W, x = rng.normal(size=(3, 2)), rng.normal(size=2)
    g = graph(layer, W, x)
    dot = g.to_dot()
    # arrays are summarized: shape, norm, first entries
    assert f"value (3, 2) norm {np.linalg.norm(W):.3g} [{W[0, 0]:.3g}, {W[0, 1]:.3g}, " \
        f"{W[1, 0]:.3g}, ...]" in dot
    assert f"grad (2,) norm {np.linalg.norm(g.gradients[1]):.3g}" in dot
    dW = (1 - np.tanh(W @ x) ** 2)[:, None] * x[None, :]
    np.testing.assert_allclose(g.gradients[0], dW, rtol=1e-12)


def test_save_dot_text(tmp_path):
    path = graph(circuit, 1.0, 2.0, 0.0).save(str(tmp_path / "g.dot"))
    assert open(path).read().startswith("digraph circuit {")


@pytest.mark.skipif(shutil.which("dot") is None,
                    reason="Graphviz's `dot` is not installed (apt-get install graphviz)")
def test_svg_through_graphviz(tmp_path):
    path = graph(circuit, 1.0, 2.0, 0.0).save(str(tmp_path / "g.svg"))
    text = open(path).read()
    assert "<svg" in text and "value 6" in text


def _cli(*argv):
    import os
    import subprocess
    import sys
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    return subprocess.run([sys.executable, "-m", "transpiler", *argv], cwd=root,
                          capture_output=True, text=True)


def test_cli_graph_prints_dot_with_values_and_edge_gradients():
    out = _cli("graph", "examples/quickstart.py:circuit", "--args", "1, 2, 0")
    assert out.returncode == 0, out.stderr
    # (x + y) = 3 reaches mul with gradient max(y, z) = 2; max(y, z) = 2 with gradient 3
    assert "3 / grad 2" in out.stdout and "2 / grad 3" in out.stdout
    assert "value 6" in out.stdout


@pytest.mark.skipif(shutil.which("dot") is None,
                    reason="Graphviz's `dot` is not installed (apt-get install graphviz)")
def test_cli_graph_writes_svg(tmp_path):
    path = tmp_path / "circuit.svg"
    out = _cli("graph", "examples/quickstart.py:circuit", "--args", "1, 2, 0", "-o", str(path))
    assert out.returncode == 0, out.stderr
    assert "<svg" in path.read_text() and "value 6" in path.read_text()


def test_graph_is_exported():
    import transpiler
    assert transpiler.graph(circuit, 1.0, 2.0, 0.0).gradients == (2.0, 5.0, 0.0)


def logistic_loss(w, b, X, y):
    z = X @ w + b
    return np.mean(np.logaddexp(0.0, z) - y * z)


def logistic_data(rng, n=50):
    X = rng.normal(size=(2 * n, 2))
    return X, (X[:, 0] > 0).astype(float)


def test_constants_are_shown_where_they_enter(rng):
    X, y = logistic_data(rng)
    g = graph(logistic_loss, np.zeros(2), 0.0, X, y, wrt=(0, 1))
    dot = g.to_dot()
    ids = {n.op_name: f"n{i}" for i, n in enumerate(g.nodes)}
    constants = dict(re.findall(r'(c\d+) \[label="([^"]*)"', dot))
    entering = dict(re.findall(r"(c\d+) -> (n\d+)", dot))
    by_label = {label.split(" = ")[0]: entering[c] for c, label in constants.items()}
    assert by_label == {"X": ids["matmul"], "0": ids["logaddexp"], "y": ids["multiply"]}
    assert f"X = (100, 2) norm {np.linalg.norm(X):.3g}" in dot
    # the summaries in the boxes agree with the gradients themselves
    assert f"grad (2,) norm {np.linalg.norm(g.gradients[0]):.3g}" in dot


def test_the_picture_has_a_legend():
    dot = graph(circuit, 1.0, 2.0, 0.0).to_dot()
    assert "subgraph cluster_legend" in dot
    assert "value flowing forward / grad flowing back (local: d child / d parent)" in dot


def test_long_chains_are_stacked_not_a_strip(rng):
    X, y = logistic_data(rng)
    g = graph(logistic_loss, np.zeros(2), 0.0, X, y, wrt=(0, 1))
    assert "rankdir=TB" in g.to_dot()
    assert "rankdir=LR" in graph(circuit, 1.0, 2.0, 0.0).to_dot()  # two levels: a row


@pytest.mark.skipif(shutil.which("dot") is None,
                    reason="Graphviz's `dot` is not installed (apt-get install graphviz)")
def test_logistic_regression_picture_is_legible(rng):
    """The picture of the logistic-regression loss was a 3155 x 147 pixel strip
    (21:1); stacked, it is about 1331 x 920."""
    import struct
    X, y = logistic_data(rng)
    png = graph(logistic_loss, np.zeros(2), 0.0, X, y, wrt=(0, 1)).render("png")
    width, height = struct.unpack(">II", png[16:24])
    assert max(width, height) / min(width, height) < 2.5, (width, height)
