"""Lowering of `break`, `continue` and `return` inside loops to flags (runs before ANF).

Takes a gast FunctionDef; guarantees no `break`/`continue` remains and every
`return` is outside loops, so SSA sees only structured regions. Statements
after a jump move into the branch that did not jump; where neither branch
always jumps, they are guarded by a flag. A `for` loop that breaks keeps
iterating with its body switched off; a `while` loop tests the flag.

    for x in xs:                  broke = False
        if x > 3:                 for x in xs:
            break         ->          if not broke:
        s = s + x                         if x > 3:
                                              broke = True
                                          else:
                                              s = s + x
"""
from __future__ import annotations

import gast

from . import nodes

NEVER, MAYBE, ALWAYS = 0, 1, 2


def _jumps(node):
    """The break/continue/return statements of a loop body (not of nested loops)."""
    found = []
    stack = list(node) if isinstance(node, list) else [node]
    while stack:
        n = stack.pop()
        if isinstance(n, (gast.Break, gast.Continue, gast.Return)):
            found.append(n)
        elif isinstance(n, (gast.For, gast.While, gast.FunctionDef, gast.Lambda)):
            if isinstance(n, (gast.For, gast.While)):
                found.extend(r for r in gast.walk(n) if isinstance(r, gast.Return))
            continue
        elif isinstance(n, gast.stmt):
            stack.extend(gast.iter_child_nodes(n))
    return found


def _assign(name, value, like):
    return nodes.assign(name, nodes.const(value) if not isinstance(value, gast.AST) else value,
                        like)


class JumpLowering:
    def __init__(self, fresh, ret_name):
        self.fresh, self.ret_name = fresh, ret_name

    def function(self, node):
        self.node = node
        node.body = self.block(node.body)
        return node

    def block(self, stmts):
        out = []
        for s in stmts:
            out.extend(self.stmt(s))
        return out

    def stmt(self, s):
        if isinstance(s, gast.If):
            s.body, s.orelse = self.block(s.body), self.block(s.orelse)
            return [s]
        if isinstance(s, (gast.For, gast.While)):
            s.body = self.block(s.body)  # inner loops first
            orelse, s.orelse = self.block(s.orelse), []
            breaks = any(isinstance(j, (gast.Break, gast.Return)) for j in _jumps(s.body))
            lowered = self.loop(s)
            if orelse and breaks:  # `else:` runs when the loop ends without a break
                not_broke = nodes.unaryop(gast.Not(), nodes.name(self.broke))
                lowered.append(nodes.if_(not_broke, orelse, [], like=orelse[0]))
            else:
                lowered.extend(orelse)
            return lowered
        return [s]

    def loop(self, s):
        found = _jumps(s.body)
        if not found:
            return [s]
        self.broke = self.fresh("broke") if any(
            isinstance(j, (gast.Break, gast.Return)) for j in found) else None
        self.jump = self.fresh("jumped")
        self.returned = self.fresh("returned") if any(
            isinstance(j, gast.Return) for j in found) else None
        self.guards = False
        endless = isinstance(s, gast.While) and isinstance(s.test, gast.Constant) and \
            s.test.value is True and not any(isinstance(j, gast.Break) for j in found)
        body, _ = self.lower(s.body)
        if self.guards:
            body.insert(0, _assign(self.jump, False, s))
        pre, post = [], []
        if self.broke:
            pre.append(_assign(self.broke, False, s))
            not_broke = nodes.unaryop(gast.Not(), nodes.name(self.broke))
            if isinstance(s, gast.While):
                s.test = gast.BoolOp(op=gast.And(), values=[not_broke, s.test])
                gast.copy_location(s.test, s)
            else:
                kept = self.kept_targets(s)
                body = [nodes.if_(not_broke, [save for save, _ in kept] + body, [], like=s)]
                post.extend(restore for _, restore in kept)
        if self.returned and endless:  # `while True:` is left only by its returns
            pre.append(_assign(self.ret_name, None, s))
            post.append(nodes.ret(nodes.name(self.ret_name), like=s))
        elif self.returned:
            pre.append(_assign(self.returned, False, s))
            pre.append(_assign(self.ret_name, None, s))
            post.append(nodes.if_(nodes.name(self.returned),
                                  [nodes.ret(nodes.name(self.ret_name), like=s)], [], like=s))
        s.body = body
        return pre + [s] + post

    def kept_targets(self, s):
        """(save, restore) assignments for each name of a breaking `for` loop's
        target: the loop runs on with its body switched off, so after it the
        names must get back the values of the pass that broke, as in Python."""
        out = []
        inside = {id(n) for n in gast.walk(s)}
        read = {n.id for n in gast.walk(self.node) if isinstance(n, gast.Name) and
                isinstance(n.ctx, gast.Load) and id(n) not in inside}
        for n in gast.walk(s.target):
            if isinstance(n, gast.Name) and n.id in read:  # (read outside the loop)
                kept = self.fresh(f"{n.id}_at_break")
                out.append((_assign(kept, nodes.name(n.id), s),
                            _assign(n.id, nodes.name(kept), s)))
        return out

    def lower(self, stmts):
        """Returns (statements, NEVER/MAYBE/ALWAYS: whether they jump)."""
        out = []
        for i, s in enumerate(stmts):
            rest = stmts[i + 1:]
            if isinstance(s, (gast.Break, gast.Continue, gast.Return)):
                out.extend(self.jump_to(s))
                return out, ALWAYS
            if isinstance(s, gast.If) and _jumps([s]):
                body, b = self.lower(s.body)
                orelse, o = self.lower(s.orelse)
                if b == ALWAYS and o == ALWAYS:
                    out.append(nodes.if_(s.test, body, orelse, like=s))
                    return out, ALWAYS
                if b == ALWAYS:
                    orelse, o = self.lower(s.orelse + rest)
                    out.append(nodes.if_(s.test, body, orelse, like=s))
                    return out, ALWAYS if o == ALWAYS else MAYBE
                if o == ALWAYS:
                    body, b = self.lower(s.body + rest)
                    out.append(nodes.if_(s.test, body, orelse, like=s))
                    return out, ALWAYS if b == ALWAYS else MAYBE
                out.append(nodes.if_(s.test, body, orelse, like=s))
                if rest:
                    tail, _ = self.lower(rest)
                    self.guards = True
                    guard = nodes.unaryop(gast.Not(), nodes.name(self.jump))
                    out.append(nodes.if_(guard, tail, [], like=rest[0]))
                return out, MAYBE
            out.append(s)
        return out, NEVER

    def jump_to(self, s):
        out = [_assign(self.jump, True, s)]
        if isinstance(s, gast.Return):
            value = s.value if s.value is not None else nodes.const(None)
            out += [_assign(self.ret_name, value, s), _assign(self.returned, True, s)]
        if isinstance(s, (gast.Break, gast.Return)):
            out.append(_assign(self.broke, True, s))
        return out
