"""The forward sweep's index (a part of `reverse.Reverse`): each statement's
block, each value's defining Assign and the ifs around it, so the loop reverser
can make loops save values and export them from the branches they are made in."""
from __future__ import annotations

from .. import ir


class IndexMixin:
    """Methods `index`, `export`, `defining`, `insert_before` and `branch_chain`."""

    def index(self, stmts):
        """Remember each statement's block, each value's defining Assign, and the
        ifs (with side) around each value, so loops can be made to save values."""
        self.parents, self.defs, self.sites, self.stmt_sites = {}, {}, {}, {}
        self._index(stmts, [])

    def _index(self, stmts, chain):
        for s in stmts:
            self.parents[id(s)] = stmts
            self.stmt_sites[id(s)] = list(chain)
            if isinstance(s, ir.Assign) and s.target is not None:
                self.defs[s.target.name] = s
            for v in ir.defs(s):
                self.sites[v.name] = list(chain)
            if isinstance(s, ir.If):
                self._index(s.body, chain + [(s, 0)])
                self._index(s.orelse, chain + [(s, 1)])
            elif isinstance(s, ir.Loop):
                for v in _loop_targets(s):  # header phis are visible after the loop
                    self.sites[v.name] = list(chain) + [(s, None)]
                self._index(s.test, chain + [(s, None)])
                self._index(s.body, chain + [(s, None)])

    def export(self, var, chain):
        """`var`, defined inside the ifs of `chain` ((If, side) pairs, outermost
        first), as a value visible after them: phis carry it out, None elsewhere."""
        if not chain:
            return var
        value = var
        for if_, side in reversed(chain):
            target = self.namer.fresh(self.base(var))
            if_.phis.append(ir.Phi(target, [value, ir.Const(None)] if side == 0
                                   else [ir.Const(None), value]))
            self.sites[target.name] = list(self.stmt_sites.get(id(if_), []))
            value = target
        return value

    def defining(self, var):
        return self.defs.get(var.name)

    def insert_before(self, stmt, new):
        block = self.parents[id(stmt)]
        block.insert(next(i for i, s in enumerate(block) if s is stmt), new)
        self.parents[id(new)] = block
        chain = list(self.stmt_sites.get(id(stmt), []))
        self.stmt_sites[id(new)] = chain  # in the same ifs (and loops) as `stmt`,
        for v in ir.defs(new):  # so an outer loop that saves it exports it from them
            self.sites[v.name] = chain

    def branch_chain(self, loop_body, name):
        """The (If, side) pairs between `loop_body` and the definition of `name`."""
        chain = self.sites.get(name, [])
        for i, (node, _) in enumerate(chain):
            if isinstance(node, ir.Loop) and node.body is loop_body:
                inner = chain[i + 1:]
                assert all(isinstance(n, ir.If) for n, _ in inner), name
                return inner or None
        return None


def _loop_targets(loop):
    t = loop.target
    return [] if t is None else list(t) if isinstance(t, (list, tuple)) else [t]
