"""The normalizer's expressions (a part of `normalize.Normalizer`): each is
flattened into statements of one operation, its value left in a Name or Constant.

    y = a * b + c      ->      t = a * b
                               y = t + c
"""
from __future__ import annotations

import gast

from runtime import ops

from . import nodes
from .local_functions import _PARTIAL
from .syntax import BINARY, COMPARE, STEMS, UNARY, stem

_MAKE_DICT = "__tapeless_dict__"  # resolved by the SSA builder: keys, then values


class Expressions:
    """Methods `expr_<Node>(e, out)`: append statements to `out`, return the operand."""

    def atom(self, e, out, hint=None):
        """Flatten `e` into `out`; return a Name or Constant holding its value."""
        if isinstance(e, gast.Constant) or \
                isinstance(e, gast.Name) and e.id not in self.local_functions:
            return e
        value = self.simple(e, out)
        if isinstance(value, (gast.Name, gast.Constant)):
            return value
        tmp = self.fresh(hint or self.hint(value))
        out.append(nodes.assign(tmp, value, like=e))
        return nodes.name(tmp)

    def hint(self, value):
        if isinstance(value, gast.BinOp):
            return stem(BINARY[type(value.op).__name__])
        if isinstance(value, gast.UnaryOp):
            return stem(UNARY[type(value.op).__name__])
        if isinstance(value, gast.Compare):
            return STEMS.get(COMPARE[type(value.ops[0]).__name__], "cmp")
        if isinstance(value, gast.Call):
            func = value.func
            name = func.attr if isinstance(func, gast.Attribute) else getattr(func, "id", "call")
            name = "fn" if name == _PARTIAL else name
            if name == "shape_like" and value.args and isinstance(value.args[0], gast.Name):
                return f"{value.args[0].id}_like"  # generated code, differentiated again
            return stem(None, name)
        if isinstance(value, gast.Subscript):
            return "item"
        if isinstance(value, gast.Attribute):
            return value.attr
        return "t"

    def simple(self, e, out):
        """Flatten `e` into `out`; return one operation whose operands are atoms."""
        kind = type(e).__name__
        method = getattr(self, f"expr_{kind}", None)
        if method is not None:
            return method(e, out)
        if kind in self.UNSUPPORTED:
            self.unsupported(e)
        self.error(e, f"a `{kind}` expression", "it is not part of the supported subset")

    def expr_Name(self, e, out):
        if e.id in self.local_functions:  # a nested function used as a value
            return self.simple(self.function_value(self.local_functions[e.id], e.id, out), out)
        return e

    def expr_Lambda(self, e, out):
        return self.simple(self.function_value(e, f"lambda_{e.lineno}", out), out)

    def expr_JoinedStr(self, e, out):
        """`f"a {x:.3f} {y!r}"` -> `"".join(("a ", format_value(x, ".3f"), ...))`:
        text, read by no derivative."""
        name = self.bound("format_value", ops.format_value)
        parts = []
        for v in e.values:
            if isinstance(v, gast.FormattedValue):
                spec = v.format_spec if v.format_spec is not None else nodes.const("")
                if isinstance(spec, gast.JoinedStr) and \
                        all(isinstance(p, gast.Constant) for p in spec.values):
                    spec = nodes.const("".join(p.value for p in spec.values))
                parts.append(nodes.call(nodes.name(name), [v.value, spec,
                                                           nodes.const(v.conversion)]))
            else:
                parts.append(v)
        joined = nodes.call(gast.Attribute(value=nodes.const(""), attr="join", ctx=gast.Load()),
                            [nodes.tuple_(parts)])
        return self.simple(gast.copy_location(joined, e), out)

    def expr_Constant(self, e, out):
        return e

    def expr_BinOp(self, e, out):
        return gast.copy_location(nodes.binop(self.atom(e.left, out), e.op,
                                              self.atom(e.right, out)), e)

    def expr_UnaryOp(self, e, out):
        if isinstance(e.op, (gast.USub, gast.UAdd)) and isinstance(e.operand, gast.Constant) \
                and isinstance(e.operand.value, (int, float, complex)):
            sign = -1 if isinstance(e.op, gast.USub) else 1
            return nodes.const(sign * e.operand.value)
        return gast.copy_location(nodes.unaryop(e.op, self.atom(e.operand, out)), e)

    def expr_Compare(self, e, out):
        if len(e.ops) == 1:
            return gast.copy_location(nodes.compare(self.atom(e.left, out), e.ops[0],
                                                    self.atom(e.comparators[0], out)), e)
        # a < b < c  ->  (a < b) and (b < c), evaluating b once
        left = self.atom(e.left, out)
        pairs = []
        for op, right in zip(e.ops, e.comparators):
            pairs.append((left, op, right))
            left = right
        values = [gast.copy_location(nodes.compare(a, op, b), e) for a, op, b in pairs]
        return self.expr_BoolOp(gast.copy_location(gast.BoolOp(op=gast.And(), values=values),
                                                   e), out)

    def expr_BoolOp(self, e, out):
        # a and b -> r = a; if r: r = b      a or b -> r = a; if r: pass else: r = b
        result = self.fresh("and_" if isinstance(e.op, gast.And) else "or_")
        out.append(nodes.assign(result, self.atom(e.values[0], out), like=e))
        for value in e.values[1:]:
            branch = []
            branch.append(nodes.assign(result, self.atom(value, branch), like=e))
            body, orelse = (branch, []) if isinstance(e.op, gast.And) else ([], branch)
            out.append(nodes.if_(nodes.name(result), body, orelse, like=e))
        return nodes.name(result)

    def expr_IfExp(self, e, out):
        result = self.fresh("choice")
        test = self.atom(e.test, out, "cond")
        body, orelse = [], []
        body.append(nodes.assign(result, self.simple(e.body, body), like=e.body))
        orelse.append(nodes.assign(result, self.simple(e.orelse, orelse), like=e.orelse))
        out.append(nodes.if_(test, body, orelse, like=e))
        return nodes.name(result)

    def expr_Attribute(self, e, out):
        if self.is_free(e):
            return e
        return gast.copy_location(gast.Attribute(value=self.atom(e.value, out), attr=e.attr,
                                                 ctx=gast.Load()), e)

    def expr_Subscript(self, e, out):
        value = self.atom(e.value, out)
        return gast.copy_location(nodes.subscript(value, self.index(e.slice, out)), e)

    def index(self, node, out):
        if isinstance(node, gast.Slice):
            parts = [None if p is None else self.atom(p, out)
                     for p in (node.lower, node.upper, node.step)]
            return gast.Slice(lower=parts[0], upper=parts[1], step=parts[2])
        if isinstance(node, gast.Tuple):
            return nodes.tuple_(self.index(elt, out) for elt in node.elts)
        return self.atom(node, out)

    def display_items(self, elts, out):
        """Atoms of a tuple or list display; `*t` items stay (the SSA builder
        expands tuples it knows)."""
        return [gast.copy_location(gast.Starred(value=self.atom(elt.value, out),
                                                ctx=gast.Load()), elt)
                if isinstance(elt, gast.Starred) else self.atom(elt, out) for elt in elts]

    def expr_Tuple(self, e, out):
        return gast.copy_location(nodes.tuple_(self.display_items(e.elts, out)), e)

    def expr_Dict(self, e, out):
        """`{"w": a, "b": b}` with constant keys -> `__tapeless_dict__("w", "b", a, b)`."""
        for key in e.keys:
            if key is None:
                self.error(e, "`**` unpacking in a dict display", "the keys must be known "
                           "when the function is transformed", "write out every key")
            if not isinstance(key, gast.Constant):
                self.error(key, "a dict display with a computed key", "the keys must be "
                           "known when the function is transformed", "use constant keys "
                           "(strings or numbers)")
        keys = [gast.Constant(value=k.value, kind=None) for k in e.keys]
        values = [self.atom(v, out) for v in e.values]
        return gast.copy_location(nodes.call(nodes.name(_MAKE_DICT), keys + values), e)

    def expr_List(self, e, out):
        return gast.copy_location(gast.List(elts=self.display_items(e.elts, out),
                                            ctx=gast.Load()), e)
