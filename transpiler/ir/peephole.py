"""What the IR knows about calls, and one-statement simplifications.

`is_pure(fn)`: may two equal calls share one value (common subexpressions,
dead code, moving a call)? `peephole(s)`: one Assign with constants folded
and `x * 1`, `x + 0`, `x ** 1` dropped; used when a rule's body is inlined
(ad/inline.py), by the optimizer and by codegen.

    t = x * 1.0      ->  x
    t = 2.0 * 3.0    ->  6.0
"""
from __future__ import annotations

import math
import operator
import random

import numpy as np

from . import Assign, Const, Var
from runtime import helpers, ops
from runtime.helpers import unbroadcast

from .shifts import shifted

_FOLDABLE = {operator.add, operator.sub, operator.mul, operator.truediv, operator.pow,
             operator.neg, operator.pos, math.log, math.sqrt}
_FOLD_ANY = {operator.is_, operator.is_not, operator.eq, operator.ne, operator.not_}
_IMPURE_MODULES = (random, np.random)
# iterators are used up by one loop: two equal calls are not the same value
_ONE_SHOT = {reversed, iter, zip, enumerate, map, filter}


# may return a new list (zeros_like of a list of saved values) or an array that
# generated code then updates in place: two calls are two objects
_FRESH_CONTAINERS = {helpers.zeros_like, helpers.owned_copy}


_LIBRARIES = {"numpy", "math", "cmath", "builtins", "operator", "_operator", "functools",
              "runtime", "transpiler", "scipy"}


def _calls_user_code(fn):
    """A companion of a user's function (ad/calls.py marks its classes)."""
    return getattr(type(fn), "calls_user_code", False)


def is_pure(fn):
    """False for calls with effects, and for fresh mutable containers (two `[]`
    are different lists)."""
    if fn is print or fn is ops.fail or fn is ops.check_unpack or fn is ops.check_unpack_starred or fn is ops.append or fn is ops.make_list or fn is ops.make_dict \
            or fn is ops.call_method or fn is ops.call or fn in _ONE_SHOT or fn in _FRESH_CONTAINERS:
        return False
    module = getattr(fn, "__module__", None) or type(fn).__module__ or ""
    if module.split(".")[0] not in _LIBRARIES or _calls_user_code(fn):
        return False  # a user's function (or object) may draw random numbers, print, append
    self_ = getattr(fn, "__self__", None)
    return not (module.startswith("numpy.random") or module == "random"
                or isinstance(self_, (random.Random, np.random.RandomState, np.random.Generator)))


def _num(v, *values):
    return isinstance(v, Const) and type(v.value) in (int, float) and v.value in values


def peephole(s, kinds=None):
    """Simplify one Assign: fold constants, drop x*1, x+0, x**1, and
    `unbroadcast(g, x)` where both are known scalars. Returns the simplified
    Assign, or the operand it reduces to."""
    fn, args = s.fn, s.args
    if fn is unbroadcast and kinds is not None and len(args) == 2:
        if kinds.same_shape(*args):
            return args[0]
        kinds.note_unbroadcast(s)  # (one a loop that keeps its shapes drops: kinds.py)
    if s.kwargs or len(args) not in (1, 2):
        return s
    if fn in (operator.is_, operator.is_not) and kinds is not None and len(args) == 2 and \
            args[1] == Const(None) and isinstance(args[0], Var) and \
            args[0].name in kinds.tuples:  # `axis is None` of `axis = (0, 1)`: a rule's branch
        return Const(fn is operator.is_not)
    if fn in _FOLDABLE and all(isinstance(a, Const) and type(a.value) in (int, float)
                               for a in args):
        try:
            return Const(fn(*(a.value for a in args)))
        except (ArithmeticError, ValueError):
            return s
    if fn in _FOLD_ANY and all(isinstance(a, Const) for a in args):
        return Const(fn(*(a.value for a in args)))
    if fn is ops.identity or fn is shifted:  # (shifts.py: a mark for activity analysis)
        return args[0]
    if len(args) != 2:
        return s
    a, b = args
    if fn is operator.mul:
        if _num(b, 1):
            return a
        if _num(a, 1):
            return b
        if _num(b, -1):
            return Assign(None, operator.neg, [a], {}, s.loc)
        if _num(a, -1):
            return Assign(None, operator.neg, [b], {}, s.loc)
    if fn in (operator.add, operator.sub) and _num(b, 0):
        return a
    if fn is operator.add and _num(a, 0):
        return b
    if fn is operator.truediv and _num(b, 1):
        return a
    if fn in (operator.pow, np.power) and _num(b, 1):
        return a
    return s
