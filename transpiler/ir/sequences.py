"""Which values may be lists or tuples: for those, `a + b` concatenates and
`a * n` repeats, and the gradient must follow what Python did when it ran
(rules `ops.plus` / `ops.times`, which check at run time). Values known to be
numbers or arrays keep the arithmetic rules, and read like hand-written math.

A part of `Kinds` (kinds.py): it reads the kinds' ranks, scalars and counters.
"""
from __future__ import annotations

import builtins
import operator

import numpy as np

from .. import ir
from runtime import ops

# operators no list or tuple supports: a result is a number or an array
_NUMERIC_ONLY = {operator.sub, operator.truediv, operator.pow, operator.neg, operator.pos,
                 operator.matmul, operator.floordiv, builtins.abs, builtins.float}
# NumPy functions whose result is always an array (or a NumPy scalar)
_NUMPY_ARRAYS = {np.zeros, np.ones, np.full, np.empty, np.eye, np.identity, np.arange,
                 np.linspace, np.dot, np.matmul, np.einsum, np.outer, np.inner, np.tensordot,
                 np.kron, np.concatenate, np.stack, np.vstack, np.hstack, np.clip, np.cumsum,
                 np.cumprod, np.reshape, np.ravel, np.transpose, np.swapaxes, np.moveaxis,
                 np.squeeze, np.expand_dims, np.sort, np.diag, np.diagonal, np.roll, np.tile,
                 np.repeat, np.flip, np.broadcast_to, np.take, np.pad, np.diff, np.triu,
                 np.tril, np.average, np.median, np.cross, np.trace, np.linalg.norm,
                 np.sum, np.mean, np.prod, np.max, np.min, np.std, np.var, np.amax, np.amin,
                 np.zeros_like, np.ones_like, np.empty_like, np.full_like, np.array,
                 np.asarray, np.copy,
                 np.linalg.solve, np.linalg.inv, np.linalg.det, np.linalg.cholesky}

class SequenceFacts:
    """Facts of lists and tuples: `numbers` (values known to be numbers or
    arrays) and `display_items` (the items of a list or tuple display)."""

    def may_be_sequence(self, v):
        """Whether `v` may be a list or tuple, for which `+` and `*` concatenate and
        repeat instead of computing."""
        if isinstance(v, ir.Const):
            return isinstance(v.value, (tuple, list))
        return not (self.is_numeric(v) or isinstance(v, ir.Var) and v.name in self.numbers)

    def sequence_operator(self, s):
        """The rule to differentiate `a + b` or `a * b` by when the operands may be
        lists or tuples: `ops.plus` / `ops.times`, whose gradients check at run time
        which operation Python did (None: arithmetic, known here)."""
        if len(s.args) != 2 or s.kwargs:
            return None
        a, b = s.args
        if s.fn is operator.add and self.may_be_sequence(a) and self.may_be_sequence(b):
            return ops.plus
        if s.fn is operator.mul and (self.may_be_sequence(a) or self.may_be_sequence(b)) \
                and not any(self.rank(v) or isinstance(v, ir.Var) and v.name in self.numbers
                            or isinstance(v, ir.Const) and type(v.value) is float
                            for v in (a, b)):
            return ops.times
        return None

    def display_item(self, s):
        """The item `s` reads from a list or tuple display by a constant index."""
        if s.fn is operator.getitem and len(s.args) == 2 and isinstance(s.args[0], ir.Var) \
                and isinstance(s.args[1], ir.Const) and type(s.args[1].value) is int:
            items = self.display_items.get(s.args[0].name, ())
            if -len(items) <= s.args[1].value < len(items):
                return items[s.args[1].value]
        return None

    def _numeric(self, s):
        """Remember results known to be numbers or arrays (see may_be_sequence)."""
        fn, args = s.fn, s.args
        if fn in (ops.make_list, ops.make_tuple) and s.target is not None:
            self.display_items[s.target.name] = list(args)
        item = self.display_item(s)
        if item is not None and not self.may_be_sequence(item):
            self.numbers.add(s.target.name)
        if fn is builtins.sum and len(args) == 1 or fn is operator.mul and len(args) == 2 \
                and args[0] == args[1]:  # (a list times a list is a TypeError)
            self.numbers.add(s.target.name)
        if isinstance(fn, np.ufunc) and fn.nout == 1 or fn in _NUMERIC_ONLY or \
                fn in _NUMPY_ARRAYS or \
                fn is operator.add and not all(self.may_be_sequence(a) for a in args) or \
                fn is operator.mul and s.target is not None and \
                self.sequence_operator(s) is None:
            self.numbers.add(s.target.name)
