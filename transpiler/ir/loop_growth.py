"""Loops that keep the shape of a value (a part of kinds.py): which loop-carried
arrays only grow by broadcasting, so that one check after the loop
(runtime.loop_shapes.kept_shapes) stands for a check in every pass."""
from __future__ import annotations

import operator

import numpy as np

from .. import ir
from runtime import ops


# -- loops that keep the shape of a value -----------------------------------------------
# An operation that broadcasts its operands never makes a shape smaller than one of
# theirs: each axis of length 1 may become any length, other axes stay, new axes come
# first. So when a loop-carried array is only ever updated through such operations
# (`s = s + dt * ds`, `x = np.tanh(x * w)`), its shape at the loop's exit equals its
# shape at the entry only if every pass kept that shape: one check after the loop
# (runtime.loop_shapes.kept_shapes) stands for a check in every pass.

_BROADCASTING = {operator.add, operator.sub, operator.mul, operator.truediv,
                 operator.floordiv, operator.mod, operator.pow, operator.neg, operator.pos,
                 operator.abs, ops.identity}
KEPT = "kept"  # the token ("kept", phi): the phi's shape, wherever its loop keeps it


def _broadcasting(s):
    """`s` computes an array of the broadcast shape of its operands."""
    fn = s.fn
    return s.target is not None and not s.kwargs and s.args and (
        fn in _BROADCASTING or isinstance(fn, np.ufunc) and fn.nout == 1 and
        len(s.args) == fn.nin)


def _at_least(stmts, grown):
    """Add to `grown` (names whose shape is at least the shape of the loop value
    it started from, in every pass) the values of `stmts` computed from them by
    broadcasting; inner loops add their header values that only grow."""
    for s in stmts:
        if isinstance(s, ir.Assign):
            if _broadcasting(s) and any(isinstance(a, ir.Var) and a.name in grown
                                        for a in s.args):
                grown.add(s.target.name)
        elif isinstance(s, ir.If):
            _at_least(s.body, grown)
            _at_least(s.orelse, grown)
            grown.update(p.target.name for p in s.phis if all(
                isinstance(v, ir.Var) and v.name in grown for v in p.inputs))
        elif isinstance(s, ir.Loop):
            grown.update(p.target.name for p in s.phis if isinstance(p.inputs[0], ir.Var)
                         and p.inputs[0].name in grown and grows_only(s, p))
            _at_least(s.test + s.body, grown)
    return grown


def grows_only(loop, phi):
    """Whether every pass of `loop` computes the next value of `phi` from the
    current one by broadcasting operations only (so its shape never shrinks)."""
    back = phi.inputs[1]
    return isinstance(back, ir.Var) and \
        back.name in _at_least(loop.test + loop.body, {phi.target.name})


def _at_most(stmts, bounded):
    """Add to `bounded` (names whose shape is at most the shape of the value at
    the end of the pass) the operands they are computed from by broadcasting."""
    for s in reversed(stmts):
        if isinstance(s, ir.Assign):
            if _broadcasting(s) and s.target.name in bounded:
                bounded.update(a.name for a in s.args if isinstance(a, ir.Var))
        elif isinstance(s, ir.If):  # (an input made before the if is not bounded
            made = [_made_in(s.body), _made_in(s.orelse)]  # where the other branch runs)
            for p in s.phis:
                if p.target.name in bounded:
                    bounded.update(v.name for v, here in zip(p.inputs, made)
                                   if isinstance(v, ir.Var) and v.name in here)
            _at_most(s.body, bounded)
            _at_most(s.orelse, bounded)
    return bounded


def _kept_token(token):
    return isinstance(token, tuple) and token[0] == KEPT


def _made_in(stmts):
    return {v.name for s in ir.walk(stmts) for v in ir.defs(s)}


def kept_shape_chain(loop, phi):
    """The names of `loop` that have the shape of `phi` in every pass when the
    loop ends with the shape it started with (`phi` itself, its value at the end
    of the body and what lies between them by broadcasting); None when the loop
    may shrink it."""
    if not grows_only(loop, phi):
        return None
    grown = _at_least(loop.test + loop.body, {phi.target.name})
    return grown & _at_most(loop.test + loop.body, {phi.inputs[1].name, phi.target.name})
