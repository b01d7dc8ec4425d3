"""The reverse sweep of a loop: a forward loop that saves, a reversed loop that replays.

Takes one forward `ir.Loop` of the primal (already copied, so it may be
changed) and the adjoints live after it; emits a reversed loop whose body is
the reverse of the forward body, and makes the forward loop save, once per
iteration, exactly the values defined inside it that the reversed body reads
(`saved.append((i, x))`). Adjoints of loop-carried values and of values from
outside the loop are carried by the reversed loop's own header phis.

    s = 0.0                             saved = []
    for i in range(n):                  for i in range(n):
        s = s + x * i          ->           saved.append(x)
        x = math.sin(x)                     ...
                                        for x in reversed(saved):
                                            d_x = d_x * math.cos(x)
                                            d_x = d_x + d_s * i   (i: reversed range)
"""
from __future__ import annotations

import builtins

from .. import ir
from runtime import helpers, loop_shapes, ops
from ..ir.kinds import KEPT, SCALAR, kept_shape_chain
from .copies import _like, fresh_copy, rename_uses

REVERSED = ir.Ext(builtins.reversed, "reversed", builtins.reversed)
KEPT_SHAPES = ir.Ext(loop_shapes.kept_shapes, "kept_shapes", loop_shapes.kept_shapes)
SHAPE_LIKE = ir.Ext(helpers.shape_like, "shape_like", helpers.shape_like)
# where a gradient helper reads only the shape (and dtype) of an argument
_SHAPE_ONLY = {helpers.unbroadcast: {1}, helpers.fill_like: {0}, helpers.zeros_like: {0},
               helpers.repeat_to: {1}, loop_shapes.kept_shapes: range(64)}


def only_shape_read(stmts, name):
    """Whether `stmts` read the value `name` only for its shape (so a saved
    `shape_like(x)` serves as well as x, and holds no data)."""
    found = False
    for s in ir.walk(stmts):
        if isinstance(s, ir.Assign):
            for k, a in enumerate(s.args):
                if isinstance(a, ir.Var) and a.name == name:
                    if k not in _SHAPE_ONLY.get(s.fn, ()):
                        return False
                    found = True
            if any(isinstance(v, ir.Var) and v.name == name for v in s.kwargs.values()):
                return False
        elif any(isinstance(v, ir.Var) and v.name == name for v in ir.uses(s)):
            return False
    return found


def shape_stand_ins(rev, values, read_as, stmts, out):
    """`values` to save for `stmts` (which read them as the names `read_as`), each
    one read only for its shape replaced by its `shape_like` (computed into `out`)."""
    saved = []
    for v, name in zip(values, read_as):
        if isinstance(v, ir.Var) and only_shape_read(stmts, name) and \
                rev.kinds.of(v) != "scalar":
            like = rev.namer.fresh(rev.base(v) + "_like", temp=True)
            out.append(ir.Assign(like, helpers.shape_like, [v], {}, None, SHAPE_LIKE))
            v = like
        saved.append(v)
    return saved


def _defined_in(loop):
    names = [p.target.name for p in loop.phis]
    names += [t.name for t in _targets(loop)]
    for s in ir.walk(loop.test + loop.body):
        names.extend(v.name for v in ir.defs(s))
    return set(names)


def _targets(loop):
    t = loop.target
    if t is None:
        return []
    return list(t) if isinstance(t, (list, tuple)) else [t]


def _used_in(stmts):
    """Vars read anywhere in `stmts`, in first-use order."""
    out = {}
    for s in ir.walk(stmts):
        for v in ir.uses(s):
            if isinstance(v, ir.Var):
                out.setdefault(v.name, v)
    return out


def free_vars(stmts):
    used = _used_in(stmts)
    defined = set()
    for s in ir.walk(stmts):
        defined.update(v.name for v in ir.defs(s))
    return [v for name, v in used.items() if name not in defined]


def prune(stmts, roots):
    """Drop pure statements of a reversed loop body that nothing reads, so the
    forward loop does not save values only dead code would use."""
    from ..ir.peephole import is_pure
    while True:
        used = {v.name for v in roots if isinstance(v, ir.Var)}
        used |= set(_used_in(stmts))
        removed = _prune_block(stmts, used, is_pure)
        if not removed:
            return


def _prune_block(stmts, used, is_pure):
    keep, removed = [], False
    for s in stmts:
        if isinstance(s, ir.Assign) and s.target is not None and s.target.name not in used \
                and is_pure(s.fn):
            removed = True
            continue
        if isinstance(s, ir.If):
            s.phis = [p for p in s.phis if p.target.name in used]
            removed |= _prune_block(s.body, used, is_pure) | _prune_block(s.orelse, used, is_pure)
        elif isinstance(s, ir.Loop):
            removed |= _prune_block(s.body, used, is_pure)
        keep.append(s)
    stmts[:] = keep
    return removed


class LoopReverser:
    def __init__(self, rev):
        self.rev = rev

    def __call__(self, s, adj, out):
        rev = self.rev
        active = rev.activity.is_active
        inside = _defined_in(s)
        header = [p for p in s.phis if active(p.target)]
        body_uses = dict(_used_in(s.test + s.body))
        for p in s.phis:
            if isinstance(p.inputs[1], ir.Var):
                body_uses.setdefault(p.inputs[1].name, p.inputs[1])
        outer = [v for name, v in body_uses.items() if name not in inside and active(v)]
        carried, rphis = {}, []
        kept = KeptShapes(rev, s, header)  # (`b = b + w` may grow b: see KeptShapes)
        for v in [p.target for p in header] + outer:
            start = adj.pop(v.name, None) if v in [p.target for p in header] else adj.get(v.name)
            if start is None:
                start = rev.zeros(v, out)
            target = rev.adjoint_name(v)
            if v.name in rev.kinds.table:  # a shape the loop keeps, or may keep
                rev.kinds.table[target.name] = rev.kinds.of(v)
            rphis.append(ir.Phi(target, [start, None]))
            carried[v.name] = target
        body_adj = {v.name: carried[v.name] for v in outer}
        rbody = []
        if s.note == "checkpoint":  # a loop over segments (checkpoint.py)
            rbody = rev.recomputed_body(s, header, carried, body_adj)
        else:
            for p in header:
                if active(p.inputs[1]):
                    rev.accumulate(p.inputs[1], carried[p.target.name], body_adj, rbody, s.loc)
            rev.block(s.body, body_adj, rbody)
        for rphi, v in zip(rphis, [p.target for p in header] + outer):
            d = body_adj.get(v.name)
            rphi.inputs[1] = d if d is not None else rev.zeros(v, rbody)
        prune(rbody, [p.inputs[1] for p in rphis])
        target, iterable = self.replay(s, rbody, inside, out)
        kept.forget()
        loop = ir.Loop(rphis, rbody, target, iterable, [], None, s.loc, note="reverse")
        ends = kept.reverse_loops(loop, out) if kept else [p.target for p in rphis]
        if not kept:
            out.append(loop)
        for end, v in zip(ends[len(header):], outer):
            adj[v.name] = end
        for end, p in zip(ends, header):
            if active(p.inputs[0]):
                rev.accumulate(p.inputs[0], end, adj, out, None)

    def replay(self, s, rbody, inside, out):
        """Make the forward loop save what `rbody` reads; return the reversed
        loop's (target, iterable)."""
        rev = self.rev
        inside = _defined_in(s)  # again: inner loops have added their stacks by now
        targets = {t.name for t in _targets(s)}
        self.recompute(s, rbody, inside, targets)
        needed = [v for v in free_vars(rbody) if v.name in inside]
        restored = {v.name: rev.namer.fresh(rev.base(v)) for v in needed}
        rev.mirrors.update({new.name: old for old, new in restored.items()})
        for v in needed:
            new = restored[v.name].name
            if rev.kinds.of(v) is not None:
                rev.kinds.table[new] = rev.kinds.of(v)
            if rev.kinds.rank(v) is not None:
                rev.kinds.ndims[new] = rev.kinds.rank(v)
            if v.name in rev.kinds.counters:
                rev.kinds.counters.add(new)
        rename_uses(rbody, restored)
        if self.is_range(s.iterable) and {v.name for v in needed} <= targets:
            iterable = rev.emit(out, "backwards", builtins.reversed, [s.iterable],
                                callee=REVERSED)
            target = restored.get(s.target.name) or rev.namer.fresh(rev.base(s.target))
            return target, iterable
        saved = rev.namer.fresh("snapshots" if s.note == "checkpoint" else "saved")
        rev.insert_before(s, ir.Assign(saved, ops.make_list, []))
        rev.sites[saved.name] = list(rev.stmt_sites.get(id(s), []))  # inside the loop's ifs
        exported = [self.export(s, v) for v in needed]
        header = {p.target.name for p in s.phis} | targets
        at_start = all(isinstance(v, ir.Var) and v.name in header for v in exported)
        if not at_start:  # (saved at the start of the body, values are as they were)
            exported = shape_stand_ins(rev, exported, [restored[v.name].name for v in needed],
                                       rbody, s.body)
        copies = []
        if s.note == "checkpoint" and at_start:
            exported, copies = _snapshots(rev, exported, targets)
        if len(exported) == 1:
            item = exported[0]
        elif exported:
            item = rev.namer.fresh("step", temp=True)
            s.body.append(ir.Assign(item, ops.make_tuple, exported))
        else:
            item = ir.Const(None)
        push = [ir.Assign(None, ops.append, [saved, item])]
        if isinstance(item, ir.Var) and item not in exported:  # the tuple is built first
            push.insert(0, s.body.pop())
        push = copies + push
        s.body[:] = push + s.body if at_start else s.body + push
        iterable = rev.emit(out, "backwards", builtins.reversed, [saved], callee=REVERSED)
        target = [restored[v.name] for v in needed] or [rev.namer.fresh("_")]
        return (target[0] if len(target) == 1 else target), iterable

    def recompute(self, s, rbody, inside, targets):
        """Values that do not depend on the differentiated inputs are computed
        again in the reversed loop instead of being saved (when their inputs are
        the loop counter, values from outside the loop, or other such values)."""
        varied = self.rev.activity.varied
        top = {st.target.name: st for st in s.body
               if isinstance(st, ir.Assign) and st.target is not None}
        from ..ir.peephole import is_pure
        ok = set()
        for name, st in top.items():  # forward order: inputs come first
            inputs = [v for v in st.operands() if isinstance(v, ir.Var)]
            if name not in varied and is_pure(st.fn) and all(
                    v.name not in inside or v.name in ok or v.name in targets for v in inputs):
                ok.add(name)
        wanted = {v.name for v in free_vars(rbody)} & ok
        if not wanted:
            return
        while True:  # and whatever those need
            more = {v.name for n in wanted for v in top[n].operands()
                    if isinstance(v, ir.Var) and v.name in ok} - wanted
            if not more:
                break
            wanted |= more
        copies = [ir.clone_block([top[n]])[0] for n in top if n in wanted]
        fresh = {}
        kinds = self.rev.kinds
        for st in copies:
            st.reverse = True
            fresh[st.target.name] = new = self.rev.namer.fresh(self.rev.base(st.target),
                                                               temp=True)
            self.rev.mirrors[new.name] = st.target.name
            kinds.table[new.name] = kinds.of(st.target)
            if kinds.rank(st.target) is not None:
                kinds.ndims[new.name] = kinds.rank(st.target)
            if st.target.name in kinds.counters:  # `i - 1` again: still an integer
                kinds.counters.add(new.name)
            st.target = new
        rbody[:0] = copies
        rename_uses(rbody, fresh)

    def is_range(self, v):
        return isinstance(v, ir.Var) and self.rev.defining(v) is not None and \
            self.rev.defining(v).fn is builtins.range

    def export(self, loop, var):
        """`var` as a value visible at the end of `loop`'s body."""
        return self.rev.export(var, self.rev.branch_chain(loop.body, var.name))


class KeptShapes:
    """The header values of a loop that its passes may grow by broadcasting but
    never shrink (kinds.py, `kept_shape_chain`). While the loop's reverse body
    is built, each one's chain of values shares the token ("kept", name), so
    each `unbroadcast` between two of them is noted (kinds.note_unbroadcast).
    The reverse sweep then checks once whether the loop ended with the shapes it
    started with, and runs a copy of the reverse loop without those calls if so:

        kept = kept_shapes(s, s0)
        if kept:
            for ..., x in reversed(saved):      d_s = d_s ... (no unbroadcast)
        else:
            for s_like, ..., x in reversed(saved):
                d_s_1 = unbroadcast(d_s, s_like)
    """

    def __init__(self, rev, loop, header):
        self.rev, self.kinds = rev, rev.kinds
        self.pairs, self.tokens, self.before = [], set(), {}
        if loop.note == "checkpoint":
            return
        for p in header:  # (a number at the entry is no array: kept_shapes would say no)
            chain = None if p.target.name in self.kinds.table or \
                not isinstance(p.inputs[0], ir.Var) or \
                SCALAR in (self.kinds.of(p.inputs[0]), rev.facts.of(p.inputs[0])) else \
                kept_shape_chain(loop, p)
            if not chain:
                continue
            token = (KEPT, p.target.name)
            for name in chain - set(self.before):
                self.before[name] = self.kinds.table.get(name)
                self.kinds.table[name] = token
            self.pairs += [p.target, p.inputs[0]]
            self.tokens.add(token)

    def __bool__(self):
        return bool(self.pairs)

    def forget(self):
        """The forward values' tokens as they were (the reverse body is built)."""
        for name, token in self.before.items():
            if token is None:
                self.kinds.table.pop(name, None)
            else:
                self.kinds.table[name] = token

    def reverse_loops(self, loop, out):
        """Append `if kept_shapes(...): <loop without the noted unbroadcasts> else:
        <loop>` to `out`; return the values of the loop's phis after it."""
        rev = self.rev
        iterable = out.pop()  # `backwards = reversed(saved)`: one for each loop
        assert iterable.target == loop.iterable
        kept = rev.emit(out, "kept", loop_shapes.kept_shapes, self.pairs, callee=KEPT_SHAPES)
        fast, _ = fresh_copy(rev, [iterable, loop])
        noted = self.kinds.kept_unbroadcasts
        for copy, s in zip(ir.walk(fast), ir.walk([iterable, loop])):
            if id(s) in noted and self.kinds.of(s.args[0]) in self.tokens:
                copy.fn, copy.args, copy.callee = ops.identity, copy.args[:1], None
        ends = [_like(rev, p.target) for p in loop.phis]
        phis = [ir.Phi(end, [a.target, b.target]) for end, a, b in
                zip(ends, fast[1].phis, loop.phis)]
        out.append(ir.If(kept, fast, [iterable, loop], phis, loop.loc))
        return ends


SNAPSHOT = ir.Ext(ops.snapshot, "snapshot", ops.snapshot)


def _snapshots(rev, exported, targets):
    """The states a checkpointed loop keeps, with `v_1 = snapshot(v)` for each one
    that may be a list, dict or array (the loop changes those in place after the
    snapshot is taken; the loop's own `targets` are its segments); and those
    statements."""
    kept, copies = [], []
    for v in exported:
        if isinstance(v, ir.Var) and v.name not in targets and rev.kinds.of(v) != SCALAR \
                and not rev.kinds.is_int(v):
            copies.append(ir.Assign(rev.namer.fresh(rev.base(v), temp=True), ops.snapshot,
                                    [v], callee=SNAPSHOT))
            v = copies[-1].target
        kept.append(v)
    return kept, copies
