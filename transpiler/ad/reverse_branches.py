"""The reverse sweep of an `if` (a part of `reverse.Reverse`): the adjoint of
each phi flows into the branch its value came from, each branch is reversed
on its own, and adjoints that differ between the branches meet in new phis.

    if c:                          if c:
        y_1 = x * 2       ->           d_x = d_x + d_y * 2
    y_2 = phi(y_1, x)              else:
                                       d_x = d_x + d_y
"""
from __future__ import annotations

from .. import ir
from .reverse_loops import free_vars, rename_uses


class BranchReverser:
    """Methods `if_` and the phis that carry forward values into its mirror."""

    def if_(self, s, adj, out):
        inner = {v.name for st in ir.walk(s.body + s.orelse) for v in ir.defs(st)}
        left, right = dict(adj), dict(adj)
        body, orelse = [], []
        for phi in s.phis:
            g = adj.pop(phi.target.name, None)
            left.pop(phi.target.name, None)
            right.pop(phi.target.name, None)
            if g is None:
                continue
            for branch_adj, branch_out, v in ((left, body, phi.inputs[0]),
                                              (right, orelse, phi.inputs[1])):
                if self.activity.is_active(v):
                    self.accumulate(v, g, branch_adj, branch_out, s.loc)
        self.block(s.body, left, body)
        self.block(s.orelse, right, orelse)
        phis = []
        for name in dict.fromkeys(list(left) + list(right)):
            if name in inner:
                continue
            a, b = left.get(name), right.get(name)
            if a is not None and a == b:
                adj[name] = a
                continue
            var = ir.Var(name)
            if a is None:
                a = self.zeros(var, body)
            if b is None:
                b = self.zeros(var, orelse)
            target = self.adjoint_name(var)
            phis.append(ir.Phi(target, [a, b]))
            adj[name] = target
        self.export_branch_values(s, body, 0)
        self.export_branch_values(s, orelse, 1)
        if body or orelse or phis:
            out.append(ir.If(s.cond, body, orelse, phis, s.loc, note="reverse"))

    def export_branch_values(self, s, reverse_branch, side):
        """Values a forward branch defines and its mirror in the reverse sweep reads
        leave the forward if through phis (None on the other side), so the
        generated code assigns them on every path and can be differentiated again."""
        forward_branch = s.body if side == 0 else s.orelse
        local = {v.name for st in ir.walk(forward_branch) for v in ir.defs(st)}
        mapping = {}
        for v in free_vars(reverse_branch):
            if v.name not in local:
                continue
            chain = self.sites.get(v.name, [])
            start = next((k for k, (node, _) in enumerate(chain) if node is s), None)
            if start is None or any(isinstance(n, ir.Loop) for n, _ in chain[start:]):
                continue
            mapping[v.name] = self.export(v, chain[start:])
            if self.kinds.of(v) is not None:
                self.kinds.table[mapping[v.name].name] = self.kinds.of(v)
        rename_uses(reverse_branch, mapping)
