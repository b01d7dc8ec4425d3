"""Copies of IR statements under new names, for code that runs a block a second
time in one function (a checkpointed loop's recomputed body, checkpoint.py) or
in a second version (a reverse loop without unbroadcast, reverse_loops.py).

    y = x * 2          ->      y_1 = x * 2      (x comes from outside: kept)
    z = y + 1                  z_1 = y_1 + 1
"""
from __future__ import annotations

from .. import ir


def rename_uses(stmts, mapping):
    """Replace reads of Vars named in `mapping` (deep, in place)."""
    sub = lambda v: mapping.get(v.name, v) if isinstance(v, ir.Var) else v  # noqa: E731
    for s in ir.walk(stmts):
        if isinstance(s, ir.Assign):
            s.args = [sub(a) for a in s.args]
            s.kwargs = {k: sub(v) for k, v in s.kwargs.items()}
        elif isinstance(s, ir.If):
            s.cond = sub(s.cond)
            for p in s.phis:
                p.inputs = [sub(v) for v in p.inputs]
        elif isinstance(s, ir.Loop):
            for p in s.phis:
                p.inputs = [sub(v) for v in p.inputs]
            s.iterable = sub(s.iterable) if s.iterable is not None else None
            s.cond = sub(s.cond) if s.cond is not None else None
        elif isinstance(s, ir.Return):
            s.value = sub(s.value)


def _like(rev, var):
    """A fresh Var standing for the same kind of value as `var`."""
    base = rev.namer.bases.get(var.name) or rev.base(var)
    new = rev.namer.fresh(base, temp=var.name in rev.namer.temps)
    if var.name in rev.fn.source_names:  # (so its adjoint is d_x too, not d_x_4)
        rev.fn.source_names[new.name] = rev.fn.source_names[var.name]
    activity = rev.activity
    if var.name in activity.varied:
        activity.varied.add(new.name)
    if var.name in activity.useful:
        activity.useful.add(new.name)
    if var.name in rev.containers:
        rev.containers.add(new.name)
    for kinds in {id(rev.kinds): rev.kinds, id(rev.facts): rev.facts}.values():
        if kinds.of(var) is not None:
            kinds.table[new.name] = kinds.of(var)
        if kinds.rank(var) is not None:
            kinds.ndims[new.name] = kinds.rank(var)
        if var.name in kinds.counters:
            kinds.counters.add(new.name)
    rev.mirrors[new.name] = rev.mirrors.get(var.name, var.name)
    return new


def fresh_copy(rev, stmts):
    """A copy of `stmts` in which every value they define has a new name (so
    it can run a second time in the same function); returns (copy, old name
    -> new Var)."""
    copy = ir.clone_block(stmts)
    mapping = {}
    for s in ir.walk(copy):
        for v in ir.defs(s):
            mapping[v.name] = _like(rev, v)
    for s in ir.walk(copy):
        if isinstance(s, ir.Assign) and s.target is not None:
            s.target = mapping[s.target.name]
        elif isinstance(s, (ir.If, ir.Loop)):
            for p in s.phis:
                p.target = mapping[p.target.name]
        if isinstance(s, ir.Loop) and s.target is not None:
            t = s.target
            s.target = [mapping[v.name] for v in t] if isinstance(t, (list, tuple)) \
                else mapping[t.name]
    rename_uses(copy, mapping)
    return copy, mapping
