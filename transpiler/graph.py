"""Pictures of the computational graph of one evaluation, with values and gradients.

`graph(f, *args)` runs `f` on the tape engine (runtime.tape), runs the
backward sweep, and returns a `ComputationGraph`: inputs are source nodes,
operations are interior nodes, each edge carries the value flowing forward
and the gradient flowing back along it, and each node shows its local
gradient (the derivative of its output with respect to each input). It
renders as Graphviz DOT text always, and as SVG or PNG when Graphviz's `dot`
program is installed (`apt-get install graphviz`, `brew install graphviz`).

    >>> def f(x, y, z):
    ...     return (x + y) * max(y, z)
    >>> g = graph(f, 1.0, 2.0, 0.0)
    >>> [(e.parent.op_name, e.child.op_name, e.value, e.grad) for e in g.edges][:2]
    [('x', 'add', 1.0, 2.0), ('y', 'add', 2.0, 2.0)]
"""
from __future__ import annotations

import html
import inspect
import shutil
import subprocess
from dataclasses import dataclass

import numpy as np

from runtime.helpers import ones_like
from runtime.tape import trace

from .rules import lookup


@dataclass
class Edge:
    parent: object  # runtime.tape.Node
    child: object
    value: object  # what flows forward along the edge: the parent's value
    grad: object  # what flows back: the child's gradient times its local derivative
    local: object  # d child / d parent at this evaluation


def _fmt(value):
    if value is None:
        return "0"
    if np.ndim(value) == 0:
        return f"{float(value):.4g}"
    return f"array{np.shape(value)}"


def _edge_parts(node, seed):
    """The rule's contribution to each parent Node of `node` for upstream `seed`."""
    rule = lookup(node.op)
    args = tuple(a.value if hasattr(a, "op_name") else a for a in node.args)
    kwargs = {k: (v.value if hasattr(v, "op_name") else v) for k, v in node.kwargs.items()}
    with np.errstate(all="ignore"):
        parts = rule.vjp(seed, node.value, args, kwargs)
    bound = rule.bind(node.args, node.kwargs)
    return [(bound[name], part) for name, part in zip(rule.wrt, parts)
            if hasattr(bound[name], "op_name")]


class ComputationGraph:
    """Nodes and edges of one evaluation (see module docstring)."""

    def __init__(self, fn, args, wrt):
        self.fn = fn
        self.tape = trace(fn, *args, wrt=wrt)
        self.gradients = self.tape.backward()
        self.nodes = list(self.tape.nodes) or list(self.tape.inputs)
        self.edges = []
        for node in self.nodes:
            if node.op is None or node.grad is None:
                continue
            upstream = _edge_parts(node, node.grad)
            local = _edge_parts(node, ones_like(node.value))
            for (parent, grad), (_, slope) in zip(upstream, local):
                self.edges.append(Edge(parent, node, parent.value, grad, slope))

    @property
    def value(self):
        return self.tape.value

    def to_dot(self):
        """Graphviz DOT text: nodes show value and gradient, edges show the value
        flowing forward and the gradient flowing back."""
        ids = {id(n): f"n{i}" for i, n in enumerate(self.nodes)}
        lines = [f"digraph {self.fn.__name__} {{", "  rankdir=LR;",
                 '  node [shape=record, fontname="Helvetica", fontsize=11];',
                 '  edge [fontname="Helvetica", fontsize=10];']
        for node in self.nodes:
            kind = "input" if node.op is None else "op"
            label = f"{{{html.escape(node.op_name)}|value {_fmt(node.value)}|" \
                    f"grad {_fmt(node.grad)}}}"
            style = ', style=filled, fillcolor="#e8f0fe"' if kind == "input" else ""
            lines.append(f'  {ids[id(node)]} [label="{label}"{style}];')
        for e in self.edges:
            label = f"{_fmt(e.value)} / grad {_fmt(e.grad)}"
            if np.ndim(e.local) == 0:
                label += f" (local {_fmt(e.local)})"
            lines.append(f'  {ids[id(e.parent)]} -> {ids[id(e.child)]} [label="{label}"];')
        lines.append("}")
        return "\n".join(lines) + "\n"

    def render(self, fmt="svg"):
        """The picture as bytes (svg or png); needs Graphviz's `dot` program."""
        dot = shutil.which("dot")
        if dot is None:
            raise RuntimeError("Graphviz's `dot` program is not installed (apt-get install "
                               "graphviz, or brew install graphviz); to_dot() works without it")
        return subprocess.run([dot, f"-T{fmt}"], input=self.to_dot().encode(),
                              capture_output=True, check=True).stdout

    def save(self, path):
        """Write `.dot` text, or `.svg`/`.png` through Graphviz, by the file's extension."""
        fmt = path.rsplit(".", 1)[-1].lower()
        if fmt == "dot":
            with open(path, "w") as fh:
                fh.write(self.to_dot())
        else:
            with open(path, "wb") as fh:
                fh.write(self.render(fmt))
        return path

    def _repr_svg_(self):  # Jupyter shows the picture inline when dot is installed
        if shutil.which("dot") is None:
            return None
        return self.render("svg").decode()

    def _repr_markdown_(self):
        return f"```dot\n{self.to_dot()}```"

    def __str__(self):
        return self.to_dot()


def graph(fn, *args, wrt=None):
    """The ComputationGraph of `fn(*args)`, differentiated with respect to `wrt`
    (default: every parameter that was given a number or an array)."""
    if wrt is None:
        wrt = tuple(i for i, a in enumerate(args)
                    if isinstance(a, (int, float, np.ndarray, np.generic, list, tuple, dict))
                    and not isinstance(a, bool))
        params = list(inspect.signature(fn).parameters)
        wrt = tuple(i for i in wrt if i < len(params))
    return ComputationGraph(fn, args, wrt)
