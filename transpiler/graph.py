"""Pictures of the computational graph of one evaluation, with values and gradients.

`graph(f, *args)` runs `f` on the tape engine (transpiler.tape), runs the
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
from typing import Any

import numpy as np

from runtime.helpers import ones_like
from .tape import trace

from .rules.table import lookup
from .hints import Fn, Wrt


@dataclass
class Edge:
    parent: Any  # transpiler.tape.Node
    child: Any
    value: Any  # what flows forward along the edge: the parent's value
    grad: Any  # what flows back: the child's gradient times its local derivative
    local: Any  # d child / d parent at this evaluation


def _fmt(value, first=3):
    """A value for a label: a number to 4 digits; an array as its shape, norm and
    first entries, `(100,) norm 5.2 [0.31, -1.2, 0.05, ...]`."""
    if value is None:
        return "0"
    if np.ndim(value) == 0:
        try:
            return f"{float(value):.4g}"
        except (TypeError, ValueError):
            return type(value).__name__
    try:
        flat = np.ravel(np.asarray(value, dtype=float))
    except (TypeError, ValueError):
        return f"{type(value).__name__}{np.shape(value)}"
    summary = f"{np.shape(value)} norm {np.linalg.norm(flat):.3g}"
    if not first:
        return summary
    entries = ", ".join(f"{v:.3g}" for v in flat[:first]) + (", ..." if flat.size > first else "")
    return f"{summary} [{entries}]"


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

    def __init__(self, fn: Fn, args: tuple, wrt: Wrt) -> None:
        self.fn, self.args = fn, args
        try:
            self.params = list(inspect.signature(fn).parameters)
        except (TypeError, ValueError):
            self.params = []
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
    def value(self) -> Any:
        return self.tape.value

    def to_dot(self, stack_after: int = 3) -> str:
        """Graphviz DOT text: nodes show value and gradient, edges show the value
        flowing forward and the gradient flowing back, constants are drawn where
        they enter, and a legend says which is which. A graph `stack_after`
        operations deep or more is drawn top to bottom, not left to right: a long
        chain in a row is a strip too wide to read."""
        ids = {id(n): f"n{i}" for i, n in enumerate(self.nodes)}
        levels = self.levels()
        deep = bool(levels) and max(levels.values()) >= stack_after
        lines = [f"digraph {_identifier(self.fn.__name__)} {{",
                 f"  rankdir={'TB' if deep else 'LR'};",
                 '  node [shape=plaintext, fontname="Helvetica", fontsize=11];',
                 '  edge [fontname="Helvetica", fontsize=10];']
        for node in self.nodes:
            lines.append(f"  {ids[id(node)]} [label=<{_node_table(node)}>];")
        for e in self.edges:
            label = f"{_fmt(e.value, 0)} / grad {_fmt(e.grad, 0)}"  # (entries: in the boxes)
            if np.ndim(e.local) == 0:
                label += f" (local {_fmt(e.local)})"
            lines.append(f'  {ids[id(e.parent)]} -> {ids[id(e.child)]} '
                         f'[label="{_quoted(label)}"];')
        lines += self._constants(ids)
        lines += _LEGEND
        lines.append("}")
        return "\n".join(lines) + "\n"

    def levels(self) -> dict[int, int]:
        """Each node's depth: 0 for inputs, 1 + the deepest parent's otherwise."""
        level: dict[int, int] = {}
        for node in self.nodes:
            level[id(node)] = 1 + max((level.get(id(p), 0) for p in node.parents), default=-1)
        return level

    def _constants(self, ids):
        """Numbers and arrays that enter an operation without being differentiated,
        as grey boxes named after the argument they are, when they are one (an
        array passed in; a number is not known by identity: `0.0` is one object)."""
        names = {id(a): p for p, a in zip(self.params, self.args) if isinstance(a, np.ndarray)}
        lines, k = [], 0
        for node in self.nodes:
            for arg in node.args:
                if hasattr(arg, "op_name") or not _is_number_or_array(arg):
                    continue
                name = names.get(id(arg))
                text = f"{name} = {_fmt(arg)}" if name else _fmt(arg)
                lines.append(f'  c{k} [label="{_quoted(text)}", fontcolor="#555555"];')
                lines.append(f'  c{k} -> {ids[id(node)]} [style=dashed, color="#888888"];')
                k += 1
        return lines

    def render(self, fmt: str = "svg") -> bytes:
        """The picture as bytes (svg or png); needs Graphviz's `dot` program."""
        dot = shutil.which("dot")
        if dot is None:
            raise RuntimeError("Graphviz's `dot` program is not installed (apt-get install "
                               "graphviz, or brew install graphviz); to_dot() works without it")
        return subprocess.run([dot, f"-T{fmt}"], input=self.to_dot().encode(),
                              capture_output=True, check=True).stdout

    def save(self, path: str) -> str:
        """Write `.dot` text, or `.svg`/`.png` through Graphviz, by the file's extension."""
        fmt = path.rsplit(".", 1)[-1].lower()
        if fmt == "dot":
            with open(path, "w") as fh:
                fh.write(self.to_dot())
        else:
            with open(path, "wb") as fh:
                fh.write(self.render(fmt))
        return path

    def _repr_svg_(self) -> str | None:  # Jupyter shows the picture inline when dot is installed
        if shutil.which("dot") is None:
            return None
        return self.render("svg").decode()

    def _repr_markdown_(self) -> str:
        return f"```dot\n{self.to_dot()}```"

    def __str__(self) -> str:
        return self.to_dot()


def _node_table(node):
    """An HTML-like label: the operation (an input in blue), its value, its gradient."""
    fill = "#e8f0fe" if node.op is None else "#ffffff"
    name = html.escape(node.op_name)
    return (f'<table border="0" cellborder="1" cellspacing="0" cellpadding="3" '
            f'bgcolor="{fill}"><tr><td><b>{name}</b></td></tr>'
            f'<tr><td align="left">value {html.escape(_fmt(node.value))}</td></tr>'
            f'<tr><td align="left">grad {html.escape(_fmt(node.grad))}</td></tr></table>')


def _quoted(text):
    return text.replace("\\", "\\\\").replace('"', '\\"')


def _identifier(name):
    return "".join(c if c.isalnum() or c == "_" else "_" for c in name) or "graph"


def _is_number_or_array(value):
    return isinstance(value, (int, float, complex, np.ndarray, np.generic)) and \
        not isinstance(value, bool)


_LEGEND = [
    "  subgraph cluster_legend {",
    '    label="legend"; fontname="Helvetica"; fontsize=10; color="#bbbbbb";',
    '    legend [label=<<table border="0" cellspacing="0" cellpadding="2">'
    '<tr><td align="left"><b>box</b>: an input (blue) or an operation, its value and '
    'd output / d it</td></tr>'
    '<tr><td align="left"><b>edge</b>: value flowing forward / grad flowing back '
    '(local: d child / d parent)</td></tr>'
    '<tr><td align="left"><b>grey, dashed</b>: a constant (not differentiated) where it '
    'enters</td></tr>'
    '<tr><td align="left">arrays: shape, norm, first entries</td></tr></table>>];',
    "  }",
]


def graph(fn: Fn, *args: Any, wrt: Wrt | None = None) -> ComputationGraph:
    """The ComputationGraph of `fn(*args)`, differentiated with respect to `wrt`
    (default: every parameter that was given a number or an array)."""
    if wrt is None:
        wrt = tuple(i for i, a in enumerate(args)
                    if isinstance(a, (int, float, np.ndarray, np.generic, list, tuple, dict))
                    and not isinstance(a, bool))
        params = list(inspect.signature(fn).parameters)
        wrt = tuple(i for i in wrt if i < len(params))
    return ComputationGraph(fn, args, wrt)
