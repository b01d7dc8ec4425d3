"""The calls `jit` puts in place of NumPy and `math` calls and of `**` in the
code numba compiles (see runtime/jit_twins.py and runtime/jit_math.py):
reductions over an axis numba lacks, NumPy's vectorized transcendental loops,
and operations whose numba result differs from Python's (an integer to a
negative power, math domain errors)."""
from __future__ import annotations

import ast

_TWIN = "tapeless_numba_"  # (the prefix of every twin's name in compiled code)


class _Twins(ast.NodeTransformer):
    """`np.sum(a, axis=1, keepdims=True)` -> `tapeless_numba_sum(a, 1, True)`, and
    `np.tanh(a)` -> `tapeless_numba_tanh(a)` (see runtime.jit_helpers)."""

    def visit_BinOp(self, node):
        self.generic_visit(node)
        return _power_call(node) if isinstance(node.op, ast.Pow) else node

    def visit_Call(self, node):
        self.generic_visit(node)
        f = node.func
        if isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name) and \
                f.value.id == "math" and f.attr in _helpers().CHECKED_MATH and \
                len(node.args) == (2 if f.attr == "pow" else 1) and not node.keywords:
            return _twin_call("math_" + f.attr, node.args, node)  # (Python's errors, not nan)
        if not (isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name) and
                f.value.id == "np"):
            return node
        over_axis = f.attr in _helpers().REDUCTIONS and (
            len(node.args) > 1 or any(k.arg in ("axis", "keepdims") for k in node.keywords))
        if over_axis or (f.attr in _helpers().THROUGH_NUMPY and not node.keywords) or \
                (f.attr == "clip" and len(node.args) == 3 and not node.keywords):
            return _twin_call(f.attr, node.args, node, node.keywords)
        return node


def _power_call(node):
    """`a ** b` -> `tapeless_numba_power(a, b)` unless b is a float or a
    non-negative integer written out (see jit_twins.power)."""
    b = node.right
    if isinstance(b, ast.Constant) and (type(b.value) is float or
                                        type(b.value) is int and b.value >= 0):
        return node
    return _twin_call("power", [node.left, node.right], node)


def _twin_call(name, args, node, keywords=()):
    return ast.copy_location(ast.Call(func=ast.Name(id=_TWIN + name, ctx=ast.Load()),
                                      args=args, keywords=list(keywords)), node)


def _helpers():
    from runtime import jit_helpers
    return jit_helpers
