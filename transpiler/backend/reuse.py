"""Writing arithmetic into temporaries that nothing reads again.

Takes an optimized `ir.Function`; guarantees the same values, with some
`a + b`, `a - b`, `a * b`, `a / b` of the reverse sweep (the primal's stay
as the user wrote them) computed in the memory of an array operand that
the generated code made itself and never reads again: the weight gradients a
reverse loop sums, and chains like `g * (1.0 - h ** 2)`, which otherwise make
(and, for arrays of 256 KiB and more, page-fault in) a new array per operation.

    pow = h ** 2                      pow = h ** 2
    sub = 1.0 - pow           ->      sub = rsub_into(pow, 1.0)
    d_a = g * sub                     d_a = mul_into(sub, g)
    d_W_2 = d_W_1 + t                 d_W_2 = add_into(d_W_1, t)

An operand qualifies when it is a fresh result of arithmetic, a ufunc or
`zeros_like` in this function (or a name for one: a copy, an `unbroadcast`
of it, a loop phi of such values), and every other use of it and of those
names is a read that keeps no reference and comes before, in the same pass
of every loop around (or, for a loop phi, after the loop; a read of its shape
only may come anywhere). Parameters, saved loop values, views, values stored
in a tuple or list, returned, or passed to any other function never qualify.
The helpers (runtime/helpers_in_place.py) check at run time that the result
has the operand's shape and dtype and fall back to the plain operation.
`plain_operations` turns the helpers back into operators when generated code
is read again (`grad(grad(f))`, `jvp(grad(f))`), which decides anew.
"""
from __future__ import annotations

import operator

import numpy as np

from .. import ir
from runtime import helpers, linalg, ops

# op -> (helper writing into the left operand, helper writing into the right one)
_INTO = {
    operator.add: (helpers.add_into, helpers.add_into),
    operator.mul: (helpers.mul_into, helpers.mul_into),
    operator.sub: (helpers.sub_into, helpers.rsub_into),
    operator.truediv: (helpers.div_into, helpers.rdiv_into),
}
# helper -> (operator, whether its operands are swapped)
_PLAIN = {helpers.add_into: (operator.add, False), helpers.mul_into: (operator.mul, False),
          helpers.sub_into: (operator.sub, False), helpers.rsub_into: (operator.sub, True),
          helpers.div_into: (operator.truediv, False),
          helpers.rdiv_into: (operator.truediv, True)}
_ARITHMETIC = {operator.add, operator.sub, operator.mul, operator.truediv, operator.pow,
               operator.neg, operator.matmul}
# results that are new arrays (or numbers): nobody else holds them
_FRESH = _ARITHMETIC | set(_PLAIN) | {helpers.zeros_like, linalg.matmul_grad_a,
                                      linalg.matmul_grad_b, np.dot, np.outer}
# reads that keep no reference to any operand
_READS = _ARITHMETIC | {np.sum, np.mean, np.max, np.min, np.dot, np.outer,
                        linalg.matmul_grad_a, linalg.matmul_grad_b}
# operand positions read for their shape and dtype only
_SHAPE_ONLY = {helpers.unbroadcast: {1}, helpers.shape_like: {0}, helpers.fill_like: {0},
               helpers.size_of: {0}, helpers.repeat_to: {1}, helpers.zeros_like: {0}}
_ELEMENTWISE = {operator.add, operator.sub, operator.mul, operator.truediv, operator.pow,
                operator.neg} | set(_PLAIN)
# results with the shape of one operand: its position
_SHAPED_LIKE = {ops.identity: 0, helpers.unbroadcast: 1, helpers.zeros_like: 0,
                linalg.matmul_grad_a: 1, linalg.matmul_grad_b: 2}
# results that are a name for an operand (the first)
_ALIASES = {helpers.unbroadcast}


def is_into(fn):
    return fn in _PLAIN


def reuse_dead_temporaries(fn, kinds):
    """Rewrite `fn` (see the module docstring) in place and return it; `kinds`
    (ir/kinds.py) tells which values are arrays (numbers are left alone)."""
    facts = _Facts(fn)
    for s, path, loops in facts.order:
        if isinstance(s, ir.Assign) and s.fn in _INTO and len(s.args) == 2 and \
                not s.kwargs and s.target is not None and s.reverse:
            _rewrite(s, path, loops, facts, kinds)
    return fn


def _rewrite(s, path, loops, facts, kinds):
    for side in (0, 1):
        v = s.args[side]
        if isinstance(v, ir.Var) and facts.is_array(v, kinds) and \
                facts.writable(v, s, path, loops):
            helper = _INTO[s.fn][side]
            other = s.args[1 - side]
            s.fn, s.args = helper, [v, other]
            s.callee = ir.Ext(helper, helper.__name__, helper)
            return


def plain_operations(fn):
    """`add_into(a, b)` -> `a + b`, `rsub_into(a, b)` -> `b - a`, ... in `fn`
    (read from generated code); returns `fn`."""
    for s in ir.walk(fn.body):
        if isinstance(s, ir.Assign) and s.fn in _PLAIN and len(s.args) == 2 and not s.kwargs:
            op, swapped = _PLAIN[s.fn]
            s.fn, s.callee = op, None
            if swapped:
                s.args = s.args[::-1]
    return fn


class _Facts:
    """Definitions, uses and positions of the values of one function."""

    def __init__(self, fn):
        self.defs, self.phis, self.uses, self.order = {}, {}, {}, []
        self.params = {p.name for p in fn.params}
        self._walk(fn.body, (), ())

    def _walk(self, stmts, path, loops):
        for k, s in enumerate(stmts):
            here = path + (k,)
            self.order.append((s, here, loops))
            for v in ir.defs(s):
                self.defs[v.name] = (s, here, loops)
            if isinstance(s, ir.Loop):
                for p in s.phis:
                    self.phis[p.target.name] = (s, p, here, loops)
                    self._use(p.inputs[0], s, ("entry",), here, loops)
                    self._use(p.inputs[1], s, ("back",), here, loops + (s,))
                for extra in (s.iterable, s.cond):
                    self._use(extra, s, ("loop",), here, loops)
                self._walk(s.test, here + (0,), loops + (s,))
                self._walk(s.body, here + (1,), loops + (s,))
            elif isinstance(s, ir.If):
                for v in ir.uses(s):
                    self._use(v, s, ("if",), here, loops)
                self._walk(s.body, here + (0,), loops)
                self._walk(s.orelse, here + (1,), loops)
            elif isinstance(s, ir.Assign):
                for v in s.operands():  # (where in the call: read when it is judged)
                    self._use(v, s, "call", here, loops)
            else:
                for v in ir.uses(s):
                    self._use(v, s, ("other",), here, loops)

    def _use(self, v, s, where, path, loops):
        if isinstance(v, ir.Var):
            self.uses.setdefault(v.name, []).append((s, where, path, loops))

    def is_array(self, v, kinds, seen=()):
        """Whether `v` is known to be an array (of rank 1 or more): from `kinds`, or
        from what it is made of (numbers are left alone: nothing to gain)."""
        if not isinstance(v, ir.Var) or v.name in seen:
            return False
        rank = kinds.rank(v)
        if rank is not None:
            return rank >= 1
        seen = seen + (v.name,)
        if v.name in self.phis:
            return any(self.is_array(i, kinds, seen) for i in self.phis[v.name][1].inputs)
        d = self.defs.get(v.name)
        stmt = d[0] if d is not None else None
        if not isinstance(stmt, ir.Assign) or not stmt.args:
            return False
        if stmt.fn in _ELEMENTWISE:  # as large as its largest operand
            return any(self.is_array(a, kinds, seen) for a in stmt.args)
        shaped_like = _SHAPED_LIKE.get(stmt.fn)
        return shaped_like is not None and shaped_like < len(stmt.args) and \
            self.is_array(stmt.args[shaped_like], kinds, seen)

    def writable(self, v, s, path, loops):
        """Whether `v`'s array may be overwritten by `s` (at `path`, inside `loops`)."""
        chain = self._chain(v, s, loops)
        if chain is None:
            return False
        names = {name for name, _ in chain}
        return all(self._harmless(name, phi_of, use, s, path, loops, names)
                   for name, phi_of in chain for use in self.uses.get(name, ()))

    def _chain(self, v, s, loops, seen=()):
        """The names that may hold v's array, each with the loop whose phi it is
        (or None); None when its array may not be one the function made."""
        name = v.name
        if name in seen or name in self.params:
            return None
        if name in self.phis:
            loop, p, _, _ = self.phis[name]
            if loop not in loops or loop.iterable is None:
                return None
            out = [(name, loop)]
            for i in p.inputs:
                more = self._chain(i, s, loops, seen + (name,)) if isinstance(i, ir.Var) \
                    else None
                if more is None:
                    return None
                out += more
            return out
        d = self.defs.get(name)
        if d is None or not isinstance(d[0], ir.Assign):
            return None  # a loop's target (a saved value), ...
        stmt = d[0]
        if stmt.fn in _FRESH and not stmt.kwargs:
            return [(name, None)]
        if (stmt.fn is ops.identity or stmt.fn in _ALIASES) and stmt.args and \
                isinstance(stmt.args[0], ir.Var):
            more = self._chain(stmt.args[0], s, loops, seen + (name,))
            return None if more is None else [(name, None)] + more
        return None

    def _harmless(self, name, phi_of, use, s, path, loops, names):
        """Whether `use` of `name` (one of the names of the array `s` overwrites) cannot see it."""
        user, where, upath, uloops = use
        if user is s:
            return True
        if isinstance(user, ir.Loop) and where in (("entry",), ("back",)):
            # a phi input: harmless when that phi is itself one of the names
            return any(p.target.name in names and
                       any(isinstance(i, ir.Var) and i.name == name for i in p.inputs)
                       for p in user.phis)
        if phi_of is not None and phi_of not in uloops and upath > path:
            return True  # after the loop: the value it ends with is not overwritten
        if where != "call":
            return False
        ways = {_how_read(user, i) for i, a in enumerate(user.args)
                if isinstance(a, ir.Var) and a.name == name}
        if any(isinstance(v, ir.Var) and v.name == name for v in user.kwargs.values()):
            ways.add(None)
        if ways <= {"shape"}:
            return True
        if ways == {"link"}:
            return user.target is not None and user.target.name in names
        if not ways <= {"shape", "read"} or not upath < path:
            return False
        # a read inside a loop around `s` comes again after `s` in the next pass,
        # unless the value it reads is made anew in each pass
        made = self.phis[name][0] if name in self.phis else None
        defined_in = self.defs[name][2] + ((made,) if made is not None else ())
        return all(loop in defined_in for loop in uloops if loop in loops)


def _how_read(s, i):
    """How `s` reads its operand `i`: for its shape only, as a plain read that
    keeps no reference, as the array its result names ("link"), or None."""
    if i in _SHAPE_ONLY.get(s.fn, ()):
        return "shape"
    if s.fn in _READS or s.fn in _PLAIN and i == 1:
        return "read"
    if i == 0 and (s.fn is ops.identity or s.fn in _ALIASES) and s.target is not None:
        return "link"
    return None
