"""Stage 4: activity analysis on SSA.

Takes an `ir.Function` and the names of the parameters to differentiate;
guarantees an `Activity` whose `active` set holds exactly the SSA values that
both depend on those parameters (varied) and reach the returned value
(useful). The reverse sweep computes adjoints only for active values, so
constants, shapes, loop counters and values that never reach the output
cost nothing.

    def f(x, n):            varied: x, y, z       useful: z, y, x, k
        k = n * 2           active: x, y, z
        y = x * x
        z = y * k
        return z
"""
from __future__ import annotations

from dataclasses import dataclass

from .. import ir
from ..rules.table import is_nondifferentiable


@dataclass
class Activity:
    varied: set
    useful: set

    @property
    def active(self):
        return self.varied & self.useful

    def is_active(self, v):
        return isinstance(v, ir.Var) and v.name in self.varied and v.name in self.useful

    def __str__(self):
        return "active: " + ", ".join(sorted(self.active))


def analyze(fn, wrt_names):
    """Compute `Activity` for `fn` differentiated with respect to `wrt_names`."""
    varied = set(wrt_names)
    while _forward(fn.body, varied):
        pass
    useful = set()
    while _backward(fn.body, useful):
        pass
    return Activity(varied, useful)


def _names(operands):
    return {v.name for v in operands if isinstance(v, ir.Var)}


def _forward(stmts, varied):
    """One pass of varied-ness propagation; True when something changed."""
    changed = False
    for s in stmts:
        new = set()
        if isinstance(s, ir.Assign):
            if s.target is not None and not is_nondifferentiable(s.fn) and \
                    _names(s.operands()) & varied:
                new.add(s.target.name)
        elif isinstance(s, ir.If):
            changed |= _forward(s.body, varied)
            changed |= _forward(s.orelse, varied)
            new = {p.target.name for p in s.phis if _names(p.inputs) & varied}
        elif isinstance(s, ir.Loop):
            for p in s.phis:
                if _names(p.inputs) & varied:
                    new.add(p.target.name)
            if s.target is not None and s.iterable is not None and \
                    _names([s.iterable]) & varied:
                new.add(s.target.name)
            changed |= _forward(s.test, varied)
            changed |= _forward(s.body, varied)
        if new - varied:
            varied |= new
            changed = True
    return changed


def _backward(stmts, useful):
    changed = False
    for s in reversed(stmts):
        new = set()
        if isinstance(s, ir.Return):
            new = _names([s.value])
        elif isinstance(s, ir.Assign):
            if s.target is not None and s.target.name in useful:
                new = _names(s.operands())
        elif isinstance(s, ir.If):
            for p in s.phis:
                if p.target.name in useful:
                    new |= _names(p.inputs)
            changed |= bool(new - useful)  # (before the branches see them)
            useful |= new
            changed |= _backward(s.body, useful)
            changed |= _backward(s.orelse, useful)
        elif isinstance(s, ir.Loop):
            for p in s.phis:
                if p.target.name in useful:
                    new |= _names(p.inputs)
            if s.target is not None and s.target.name in useful:
                new |= _names([s.iterable])
            changed |= bool(new - useful)  # (an inner loop's phi found useful late
            useful |= new                  # makes its init useful: go round again)
            changed |= _backward(s.body, useful)
            changed |= _backward(s.test, useful)
        if new - useful:
            useful |= new
            changed = True
    return changed
