"""The normalizer's loops (a part of `normalize.Normalizer`): `for` over a
range, a sequence, `enumerate`, `zip` or `reversed` becomes a loop over an
index; a loop with `break`, `continue` or `return` inside gets one exit.

    for x in xs:         ->   for i in range(len(sequence(xs))):
        s = s + x                 x = xs[i]
                                  s = s + x
"""
from __future__ import annotations

import gast

from runtime import ops

from . import nodes

_SEQUENCE = "sequence"  # runtime.ops.sequence, the check of a loop's iterable


class Loops:
    """Methods `stmt_For` and `stmt_While`, and the index loop they share."""

    def stmt_For(self, s):
        if s.orelse:
            self.error(s, "a `for ... else` loop", "the else clause of a loop is not supported",
                       "use a flag variable set before `break`")
        out = []
        rng, prefix, target = self.index_loop(s)
        while self.pending:  # the sequence, computed once before the loop (not in its body)
            out.extend(self.stmt(self.pending.pop(0)))
        iterable = self.atom(rng, out, "range")
        body = self.block(prefix + s.body)
        out.append(nodes.for_(target, iterable, body, like=s))
        return out

    def index_loop(self, s):
        """Every loop becomes `for k in range(...)` plus assignments of the
        original targets, so the reverse sweep can index instead of re-iterating:
        `for x in xs` -> `for i in range(len(xs)): x = xs[i]`."""
        it, target = s.iter, s.target
        kind = _builtin_call(it, self.locals)
        if kind == "range" and isinstance(target, gast.Name):
            return it, [], target
        if kind == "range":
            self.error(s, "a tuple target over range()", "range yields single numbers",
                       "loop over one name")
        k = self.fresh("i")
        knode = nodes.name(k)
        if kind == "enumerate" and it.keywords:  # enumerate(xs, start=s): the count is k + s
            counter = nodes.binop(knode, gast.Add(), it.keywords[0].value)
        else:
            counter = knode
        inner = it.args[0] if kind == "enumerate" and len(it.args) == 1 else None
        if inner is not None and _builtin_call(inner, self.locals) == "zip" and \
                isinstance(target, gast.Tuple) and len(target.elts) == 2 and \
                isinstance(target.elts[1], gast.Tuple) and \
                len(target.elts[1].elts) == len(inner.args):  # enumerate(zip(a, b))
            seqs, targets = list(inner.args), list(target.elts[1].elts)
            prefix = [nodes.assign(target.elts[0], counter, like=s)]
        elif kind == "enumerate" and len(it.args) == 1 and isinstance(target, gast.Tuple) \
                and len(target.elts) == 2:
            seqs, targets = [it.args[0]], [target.elts[1]]
            prefix = [nodes.assign(target.elts[0], counter, like=s)]
        elif kind == "zip" and isinstance(target, gast.Tuple) and \
                len(target.elts) == len(it.args):
            seqs, targets, prefix = list(it.args), list(target.elts), []
        elif kind == "reversed" and len(it.args) == 1:
            seqs, targets, prefix = [it.args[0]], [target], []
        else:
            seqs, targets, prefix = [it], [target], []
        names = []
        out_prefix = []
        for seq in seqs:
            if isinstance(seq, gast.Name):
                names.append(seq)
            else:
                tmp = self.fresh("seq")
                self.locals.add(tmp)
                self.pending.append(nodes.assign(tmp, seq, like=s))
                names.append(nodes.name(tmp))
        # len(sequence(xs)): a dict or set given where a list was expected is refused
        self.parsed.scope.closure[_SEQUENCE] = ops.sequence
        lengths = [nodes.call(nodes.name("len"), [nodes.call(nodes.name(_SEQUENCE), [n])])
                   for n in names]
        n = lengths[0] if len(lengths) == 1 else nodes.call(nodes.name("min"), lengths)
        if kind == "reversed":
            one = nodes.const(1)
            rng = nodes.call(nodes.name("range"), [nodes.binop(n, gast.Sub(), one),
                                                    nodes.const(-1), nodes.const(-1)])
        else:
            rng = nodes.call(nodes.name("range"), [n])
        for name, tgt in zip(names, targets):
            out_prefix.append(nodes.assign(tgt, nodes.subscript(name, knode), like=s))
        self.locals.add(k)
        return gast.copy_location(rng, it), prefix + out_prefix, gast.copy_location(
            nodes.name(k, store=True), s)

    def stmt_While(self, s):
        if s.orelse:
            self.error(s, "a `while ... else` loop", "the else clause of a loop is not "
                       "supported", "use a flag variable set before `break`")
        out = []
        cond = self.fresh("cond")
        self.locals.add(cond)
        out.append(nodes.assign(cond, self.simple(s.test, out), like=s))
        body = self.block(s.body)
        body.append(nodes.assign(cond, self.simple(s.test, body), like=s))
        out.append(nodes.while_(nodes.name(cond), body, like=s))
        return out

    def single_exit(self, stmts, ret):
        """Rewrite `return v` into `ret = v` so the block has one exit at its end.
        Returns (statements, whether every path through them returned)."""
        out = []
        for i, s in enumerate(stmts):
            if isinstance(s, gast.Return):
                out.append(nodes.assign(ret, s.value, like=s))
                return out, True
            if isinstance(s, gast.If) and _has_return(s):
                rest = stmts[i + 1:]
                body, b_ret = self.single_exit(s.body, ret)
                orelse, o_ret = self.single_exit(s.orelse, ret)
                if b_ret and not o_ret:
                    orelse, o_ret = self.single_exit(s.orelse + rest, ret)
                elif o_ret and not b_ret:
                    body, b_ret = self.single_exit(s.body + rest, ret)
                elif not b_ret and not o_ret:
                    self.error(_first_return(s), "a `return` inside an if whose branches "
                               "both continue", "this early return is not supported yet",
                               "restructure the function so one branch of the if returns")
                out.append(nodes.if_(s.test, body, orelse, like=s))
                return out, b_ret and o_ret
            out.append(s)
        return out, False


def _builtin_call(node, locals_):
    """'range', 'enumerate', 'zip' or 'reversed' when `node` calls that builtin."""
    if isinstance(node, gast.Call) and isinstance(node.func, gast.Name) and \
            node.func.id in ("range", "enumerate", "zip", "reversed") and \
            node.func.id not in locals_ and (not node.keywords or node.func.id == "enumerate"
                                             and [k.arg for k in node.keywords] == ["start"]):
        return node.func.id
    return None


def _has_return(node):
    return any(isinstance(n, gast.Return) for n in gast.walk(node))


def _first_return(node):
    return next(n for n in gast.walk(node) if isinstance(n, gast.Return))
