"""Out of SSA, for code generation: If phis become copies at the ends of the
branches, loop phis copies at the end of the body (in parallel), and SSA
versions that never live at the same time share one name (`coalesce`, over
an interference graph), so generated code reads `x = x + 1`, not `x_2 = x_1 + 1`.

    if c:                         if c:
        x_1 = f(x)                    x = f(x)
    x_2 = phi(x_1, x)     ->
"""
from __future__ import annotations

from .. import ir
from runtime import ops


def _operand_vars(operands):
    return [v for v in operands if isinstance(v, ir.Var)]


def out_of_ssa(stmts):
    """Copy of `stmts` with If phis turned into copies at the ends of branches."""
    out = []
    for s in stmts:
        if isinstance(s, ir.If):
            body, orelse = out_of_ssa(s.body), out_of_ssa(s.orelse)
            for p in s.phis:
                body.append(ir.Assign(p.target, ops.identity, [p.inputs[0]], reverse=s.reverse))
                orelse.append(ir.Assign(p.target, ops.identity, [p.inputs[1]],
                                        reverse=s.reverse))
            out.append(ir.If(s.cond, body, orelse, [], s.loc, s.note, s.reverse))
        elif isinstance(s, ir.Loop):
            for p in s.phis:
                out.append(ir.Assign(p.target, ops.identity, [p.inputs[0]], reverse=s.reverse))
            body = out_of_ssa(s.body) + _parallel_copies(s.phis, s.reverse)
            out.append(ir.Loop([], body, s.target, s.iterable, out_of_ssa(s.test), s.cond,
                               s.loc, s.note, s.reverse))
        else:
            out.append(s)
    return out


def _parallel_copies(phis, reverse):
    """`a = b; b = a` done at once: read every source before any target is written."""
    targets = {p.target.name for p in phis}
    pending = {}
    copies = []
    for p in phis:
        src = p.inputs[1]
        if isinstance(src, ir.Var) and src.name in targets and src.name != p.target.name:
            pending.setdefault(src.name, ir.Var(f"{src.name}__prev"))
    for name, tmp in pending.items():
        copies.append(ir.Assign(tmp, ops.identity, [ir.Var(name)], reverse=reverse))
    for p in phis:
        src = p.inputs[1]
        if isinstance(src, ir.Var) and src.name in pending:
            src = pending[src.name]
        copies.append(ir.Assign(p.target, ops.identity, [src], reverse=reverse))
    return copies


# -- coalescing -----------------------------------------------------------------

class Live:
    """A set of live names, kept by the variable each is a version of, so that a
    definition finds the live versions of its own variable without scanning the
    others (a reverse sweep keeps every saved forward value live)."""

    def __init__(self, bases, groups=None):
        self.bases = bases
        self.groups = groups if groups is not None else {}  # base -> live names

    def copy(self):
        return Live(self.bases, {b: set(names) for b, names in self.groups.items() if names})

    def add(self, names):
        for name in names:
            self.groups.setdefault(self.bases.get(name, name), set()).add(name)

    def discard(self, name):
        self.groups.get(self.bases.get(name, name), set()).discard(name)

    def versions_of(self, name):
        """The live names that are versions of `name`'s variable."""
        return self.groups.get(self.bases.get(name, name), _NONE)

    def union(self, other):
        out = self.copy()
        for names in other.groups.values():
            out.add(names)
        return out

    def within(self, other):
        return all(names <= other.groups.get(b, _NONE) for b, names in self.groups.items())

    def names(self):
        return set().union(*self.groups.values())


class Interference:
    """Which variables are live at once. Only pairs that could share a name
    (versions of one variable) are recorded: that is all coalescing asks."""

    def __init__(self, folded, bases=None, names=()):
        self.folded = folded
        self.edges = {}
        self.bases = bases or {}
        groups = {}
        for name in names:
            groups.setdefault(self.bases.get(name, name), set()).add(name)
        # only versions of a variable that has several can share a name
        self.versions = {n: g for g in groups.values() if len(g) > 1 for n in g}

    def add(self, a, b):
        if a != b:
            self.edges.setdefault(a, set()).add(b)
            self.edges.setdefault(b, set()).add(a)

    def add_all(self, a, others):
        """Edges from `a` to each of `others` (a set)."""
        others = others - {a}
        if others:
            self.edges.setdefault(a, set()).update(others)
            for b in others:
                self.edges.setdefault(b, set()).add(a)

    def uses(self, operands):
        out = set()
        for v in _operand_vars(operands):
            if v.name in self.folded:
                out |= self.uses(self.folded[v.name].operands())
            else:
                out.add(v.name)
        return out

    def live_versions(self, name, live):
        return self.versions.get(name, _NONE) & live.versions_of(name)

    def block(self, stmts, live):
        live = live.copy()
        for s in reversed(stmts):
            if isinstance(s, ir.Assign):
                if s.target is not None and s.target.name in self.folded:
                    continue
                used = self.uses(s.operands())
                if s.target is not None:
                    t = s.target.name
                    copy_of = s.args[0] if s.fn is ops.identity else None
                    source = {copy_of.name} if isinstance(copy_of, ir.Var) and \
                        copy_of.name not in self.folded else set()
                    self.add_all(t, self.live_versions(t, live) - source)
                    live.discard(t)
                live.add(used)
            elif isinstance(s, ir.If):
                live = self.block(s.body, live).union(self.block(s.orelse, live))
                live.add(self.uses([s.cond]))
            elif isinstance(s, ir.Loop):
                live = self.loop(s, live)
            elif isinstance(s, ir.Return):
                live.add(self.uses([s.value]))
        return live


    def loop(self, s, live_after):
        """Live at the loop header: what the rest needs, the header test reads, and
        what the body needs (again, until nothing changes)."""
        header = live_after.copy()
        header.add(self.uses([s.iterable, s.cond]))
        while True:
            live_in_body = self.block(s.test + s.body, header)
            for t in _loop_targets(s):  # (re)defined at the top of every iteration
                self.add_all(t.name, self.live_versions(t.name, live_in_body))
                live_in_body.discard(t.name)
            if live_in_body.within(header):
                return header
            header = header.union(live_in_body)


_NONE: frozenset = frozenset()


def _loop_targets(s):
    t = s.target
    if t is None:
        return []
    return list(t) if isinstance(t, (list, tuple)) else [t]


def coalesce(fn, stmts, folded, reserved):
    """Map every SSA name to its Python name (see module docstring)."""
    params = [p.name for p in fn.params]
    order = dict.fromkeys(params)
    for s in ir.walk(stmts):
        if isinstance(s, ir.Assign) and s.target is not None and s.target.name not in folded:
            order.setdefault(s.target.name)
        if isinstance(s, ir.Loop):
            for t in _loop_targets(s):
                order.setdefault(t.name)
    graph = Interference(folded, fn.source_names, order)
    live_in = graph.block(stmts, Live(graph.bases)).names()
    for p in params:
        for v in live_in | set(params):
            graph.add(p, v)
    classes = {}  # base -> list of member sets
    for name in order:
        base = fn.source_names.get(name, name)
        groups = classes.setdefault(base, [])
        mirror = fn.mirrors.get(name)  # a value read back in a reversed loop: its forward name
        candidates = groups if mirror is None else \
            sorted(groups, key=lambda members: mirror not in members)  # (the mirror's first)
        edges = graph.edges.get(name, _NONE)
        for members in candidates:
            if name in params and not members.isdisjoint(params):
                continue
            if edges.isdisjoint(members):
                members.add(name)
                break
        else:
            groups.append({name})
    taken = set(reserved) | set(params)
    names = {p: p for p in params}
    for base, groups in classes.items():
        for members in groups:
            fixed = [m for m in members if m in params]
            if fixed:
                chosen = fixed[0]
            else:
                chosen, n = base, 0
                while chosen in taken:
                    n += 1
                    chosen = f"{base}_{n}"
                taken.add(chosen)
            for m in members:
                names[m] = chosen
    return names


# -- emission -----------------------------------------------------------------
