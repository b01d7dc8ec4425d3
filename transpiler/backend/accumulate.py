"""Accumulating into one item of a gradient array in place.

The reverse sweep of `y[i] = v` or of a read `x[i]` inside a loop adds into,
or clears, one item of a gradient array: `d_x = add_at(d_x, i, g)`,
`d_y = cleared(d_y, i)`. As functions they copy the whole array, so a loop of
n such steps costs O(n^2). When the index is one integer and the array is
one the gradient owns, this pass turns them into item writes,

    t = d_x[i]; t_1 = t + g; d_x = setitem(d_x, i, t_1)   ->   d_x[i] = d_x[i] + g
    d_y = setitem(d_y, i, 0.0)                           ->   d_y[i] = 0.0

which code generation then emits in place when nothing else can see the old
contents (writes.in_place_writes decides, as for the user's own writes). A
loop-carried gradient that enters its loop as an array the gradient may not
own (a broadcast view, another name's array) is copied once before the loop.
"""
from __future__ import annotations

import operator

from .. import ir
from runtime import helpers, ops
from runtime.containers import add_at, cleared, written_grad

# functions that return an array nobody else holds
_FRESH = {helpers.zeros_like, helpers.fill_like, helpers.owned_copy, add_at, cleared}
SETITEM = ir.Ext(ops.setitem, "setitem", ops.setitem)
OWNED = ir.Ext(helpers.owned_copy, "owned_copy", helpers.owned_copy)


def accumulate_in_place(fn, kinds):
    """Rewrite `fn` (see the module docstring) using `kinds` (ranks, integer
    indices) from the reverse pass; returns `fn`."""
    defs = {s.target.name: s for s in ir.walk(fn.body)
            if isinstance(s, ir.Assign) and s.target is not None}
    phis = {}
    for s in ir.walk(fn.body):
        if isinstance(s, (ir.If, ir.Loop)):
            for p in s.phis:
                phis[p.target.name] = (s, p)
    rewriter = _Rewriter(fn, kinds, defs, phis)
    fn.body = rewriter.block(fn.body)
    if rewriter.rewritten:
        _name_writes_after_their_copies(fn, rewriter.rewritten)
    return fn


def _name_writes_after_their_copies(fn, writes):
    """`t = setitem(d_y, i, 0.0); d_y_3 = t` -> `d_y_3 = setitem(d_y, i, 0.0)`, so
    that the write and the array it updates have one name (which is what lets
    code generation write in place)."""
    uses = {}
    for s in ir.walk(fn.body):
        for v in ir.uses(s):
            if isinstance(v, ir.Var):
                uses.setdefault(v.name, []).append(s)
    renamed = {}
    for w in writes:
        readers = uses.get(w.target.name, [])
        if len(readers) == 1 and isinstance(readers[0], ir.Assign) and \
                readers[0].fn is ops.identity and readers[0].target is not None:
            renamed[id(readers[0])] = w
            w.target = readers[0].target
    if renamed:
        fn.body = _without(fn.body, renamed)


def _without(stmts, dropped):
    out = []
    for s in stmts:
        if id(s) in dropped:
            continue
        if isinstance(s, ir.If):
            s.body, s.orelse = _without(s.body, dropped), _without(s.orelse, dropped)
        elif isinstance(s, ir.Loop):
            s.body, s.test = _without(s.body, dropped), _without(s.test, dropped)
        out.append(s)
    return out


class _Rewriter:
    def __init__(self, fn, kinds, defs, phis):
        self.fn, self.kinds, self.defs, self.phis = fn, kinds, defs, phis
        self.taken = {v.name for s in ir.walk(fn.body) for v in ir.defs(s)}
        self.taken |= {p.name for p in fn.params}
        self.rewritten = []  # the setitem statements made
        self.rank_memo, self.owned_memo = {}, {}  # (see _rank)

    def fresh_name(self, base):
        n, name = 0, base
        while name in self.taken:
            n += 1
            name = f"{base}_{n}"
        self.taken.add(name)
        self.fn.temps.add(name)
        return ir.Var(name)

    def candidate(self, s):
        """An add_at or cleared on one integer item of an array of known rank."""
        if not isinstance(s, ir.Assign) or s.fn not in (add_at, cleared) or s.target is None:
            return False
        return self.one_item(s)

    def one_item(self, s):
        acc, index = s.args[0], s.args[1]
        rank = self.rank(acc)
        return rank is not None and rank >= 1 and self.kinds.is_int(index)

    def rank(self, v):
        """The rank of `v`, following gradient arrays back to what they were made from."""
        self.query_memo = {}
        return self._rank(v, ())[0]

    def _rank(self, v, seen):
        """(rank, whether no loop was cut short to find it): results that did not
        depend on where the walk started are remembered (the walk would otherwise
        revisit shared values once per path: exponential in a chain of branches)."""
        if not isinstance(v, ir.Var):
            return None, True
        if v.name in seen:
            return None, False
        if v.name in self.rank_memo:
            return self.rank_memo[v.name], True
        if v.name in self.query_memo:  # (met again on another path of this walk)
            return self.query_memo[v.name]
        known = self.kinds.rank(v)
        result, clean = known, True
        d = self.defs.get(v.name)
        if known is not None:
            pass
        elif d is not None and d.args and d.fn in (helpers.zeros_like, helpers.fill_like,
                                                   helpers.owned_copy, add_at, cleared,
                                                   ops.setitem, ops.identity):
            result, clean = self._rank(d.args[0], seen + (v.name,))
        elif v.name in self.phis:
            found = [self._rank(i, seen + (v.name,)) for i in self.phis[v.name][1].inputs]
            ranks = {r for r, _ in found} - {None}
            result = ranks.pop() if len(ranks) == 1 else None
            clean = all(c for _, c in found)
        if clean:
            self.rank_memo[v.name] = result
        self.query_memo[v.name] = (result, clean)
        return result, clean

    def owned(self, v):
        """Whether `v` is always an array made by the gradient code itself."""
        self.query_memo = {}
        return self._owned(v, ())[0]

    def _owned(self, v, seen):
        if not isinstance(v, ir.Var):
            return False, True
        if v.name in seen:
            return True, False  # around a loop: decided by the other inputs
        if v.name in self.owned_memo:
            return self.owned_memo[v.name], True
        if v.name in self.query_memo:
            return self.query_memo[v.name]
        result, clean = False, True
        d = self.defs.get(v.name)
        if d is not None:
            if d.fn in _FRESH:
                result = True
            elif d.fn in (ops.setitem, ops.identity):
                result, clean = self._owned(d.args[0], seen + (v.name,))
        elif v.name in self.phis:
            _, p = self.phis[v.name]
            result = True
            for i in p.inputs:
                owned, c = self._owned(i, seen + (v.name,))
                clean = clean and c
                if not owned:
                    result = False
                    break
        if clean:
            self.owned_memo[v.name] = result
        self.query_memo[v.name] = (result, clean)
        return result, clean

    def block(self, stmts):
        out = []
        for s in stmts:
            if isinstance(s, ir.If):
                s.body, s.orelse = self.block(s.body), self.block(s.orelse)
            elif isinstance(s, ir.Loop):
                out.extend(self.own_before(s))  # first: the body's writes depend on it
                s.body = self.block(s.body)
            if self.candidate(s) and self.owned(s.args[0]):
                out.extend(self.rewrite(s))
            elif isinstance(s, ir.Assign) and s.fn is written_grad and s.target is not None \
                    and self.one_item(s) and self.rank(s.args[0]) == 1:
                # the gradient of `y[i] = v` for a vector y is the one number d_y[i]
                out.append(ir.Assign(s.target, operator.getitem, s.args[:2], {}, s.loc, None,
                                     s.adjoint_of, True))
                self.kinds.ndims[s.target.name] = 0  # a number, not a view
                self.rank_memo.clear()
            else:
                out.append(s)
        return out

    def own_before(self, loop):
        """Copy a loop-carried gradient once before `loop` when the loop writes
        into it item by item but it may enter as an array the gradient does not own."""
        out = []
        writes = [s for s in ir.walk(loop.body) if self.candidate(s)]
        for p in loop.phis:
            entry = p.inputs[0]
            chained = any(self.reaches(s.args[0], p.target.name) for s in writes)
            if not chained or self.owned(entry) or not isinstance(entry, ir.Var):
                continue
            copy = self.fresh_name(self.fn.source_names.get(p.target.name, p.target.name))
            self.fn.source_names[copy.name] = self.fn.source_names.get(p.target.name,
                                                                       p.target.name)
            stmt = ir.Assign(copy, helpers.owned_copy, [entry], {}, None, OWNED, reverse=True)
            self.defs[copy.name] = stmt
            self.kinds.ndims[copy.name] = self.rank(entry)
            p.inputs[0] = copy
            self.rank_memo.clear()
            self.owned_memo.clear()
            out.append(stmt)
        return out

    def reaches(self, v, name, seen=()):
        """Whether `v` is `name` or an item-by-item update of it."""
        if not isinstance(v, ir.Var) or v.name in seen:
            return False
        if v.name == name:
            return True
        d = self.defs.get(v.name)
        return d is not None and d.fn in (add_at, cleared, ops.setitem, ops.identity) and \
            self.reaches(d.args[0], name, seen + (v.name,))

    def rewrite(self, s):
        acc, index = s.args[0], s.args[1]
        if s.fn is cleared:
            new = [ir.Assign(s.target, ops.setitem, [acc, index, ir.Const(0.0)], {}, s.loc,
                             SETITEM, s.adjoint_of, True)]
        else:
            old = self.fresh_name("t")
            total = self.fresh_name("t")
            self.kinds.ndims[old.name] = self.rank(acc) - 1  # 0: a number, not a view
            new = [ir.Assign(old, operator.getitem, [acc, index], {}, s.loc, None,
                             s.adjoint_of, True),
                   ir.Assign(total, operator.add, [old, s.args[2]], {}, s.loc, None,
                             s.adjoint_of, True),
                   ir.Assign(s.target, ops.setitem, [acc, index, total], {}, s.loc, SETITEM,
                             s.adjoint_of, True)]
        self.defs[s.target.name] = new[-1]
        self.rewritten.append(new[-1])
        return new
