"""Shape kinds: which values are known to have shape () (a Python or NumPy scalar).

The compiler specializes a gradient on whether each argument is a scalar.
Where both sides of a broadcasting rule are known scalars, `unbroadcast` is
the identity and is left out, so scalar code reads (and runs) like
hand-written math:

    d_x = unbroadcast(d_f * y, x)     ->     d_x = d_f * y
"""
from __future__ import annotations

import builtins
import math
import operator

import numpy as np

from .. import ir
from .loop_growth import KEPT, _kept_token, _made_in, kept_shape_chain  # noqa: F401
from .sequences import SequenceFacts
from .shifts import shifted
from runtime import containers, helpers, linalg, ops

SCALAR = "scalar"

_ELEMENTWISE = {
    operator.add, operator.sub, operator.mul, operator.truediv, operator.floordiv,
    operator.mod, operator.pow, operator.neg, operator.pos, operator.lt, operator.le,
    operator.gt, operator.ge, operator.eq, operator.ne, operator.not_, ops.identity,
    builtins.max, builtins.min, builtins.abs, builtins.float, builtins.int, builtins.bool,
    builtins.round, builtins.len, shifted,
}
_INT_ARITHMETIC = {operator.add, operator.sub, operator.mul, operator.floordiv, operator.mod,
                   operator.neg}
# results with the rank of their first argument
_SAME_RANK = {np.zeros_like, np.ones_like, np.empty_like, np.full_like, np.array, np.asarray, ops.copy,
              np.copy, ops.setitem, ops.stop_gradient, helpers.owned_copy, helpers.fill_like,
              containers.add_at, containers.cleared}
# reductions whose `keepdims=True` result broadcasts back to the argument's shape
_KEEPDIMS = {np.sum, np.mean, np.prod, np.max, np.min, np.std, np.var, np.amax, np.amin}
# gradient helpers whose result has the shape of one argument (its index)
_SHAPED_LIKE = {helpers.repeat_to: 1, helpers.extremum_grad: 2, linalg.matmul_grad_a: 1,
                linalg.matmul_grad_b: 2}
_ALWAYS_SCALAR = {builtins.float, builtins.int, builtins.bool, builtins.len}
_REDUCTIONS = {np.sum, np.mean, np.prod, np.max, np.min, np.std, np.var, np.linalg.norm,
               np.trace}


def kind_of_value(value):
    """The kind of a run-time argument (used to pick a specialization)."""
    if type(value) in (float, int, bool) or isinstance(value, np.generic):
        return SCALAR
    return None


class Kinds(SequenceFacts):
    """Shape tokens: two values with the same token have the same shape.

    A value's token is SCALAR (shape ()), or the name of a value it provably
    shares its shape with (by default its own name: nothing is known)."""

    def __init__(self, param_kinds=None):
        kinds = dict(param_kinds or {})
        self.table = {k: v for k, v in kinds.items() if v == SCALAR}
        self.ndims = {k: v for k, v in kinds.items() if type(v) is int}  # arrays of known rank
        self.shapes = {}  # name of an np.shape(v) result -> v's token
        self.ranges = set()  # names holding range objects (their items are ints)
        self.counters = set()  # integer values: range loop targets, len(...), i - 1, ...
        self.lengths = {}  # tuples of known length (shapes): name -> length
        self.shape_tuples = set()  # names holding the shape of an array: tuples of ints
        self.tuples = {}  # name -> the operands of the tuple display it holds
        self.displays = set()  # lists and tuples displayed from numbers: [a, b, c]
        self.display_items = {}  # name -> the items of the list or tuple display it holds
        self.stacks = {}  # list (or reversed list) name -> facts of its items
        self.saved_items = {}  # name of one item of such a list -> its facts
        self.empty_lists = set()  # lists made empty here (all their items are appended)
        self.numbers = set()  # values known to be numbers or arrays, not lists or tuples
        self.item_stacks = set()  # of self.stacks: lists whose items are not tuple displays
        self.kept_unbroadcasts = {}  # id -> `unbroadcast(g, x)` that a kept shape drops

    def of(self, v):
        if isinstance(v, ir.Const):
            return SCALAR if type(v.value) in (int, float, bool) else None
        if isinstance(v, ir.Var):
            return self.table.get(v.name, v.name)
        return None

    def infer(self, s):
        """Record the shape token of `s.target` from its operands."""
        if s.target is not None:
            token = self._token(s)
            if token is not None:
                self.table[s.target.name] = token
        return s

    def _token(self, s):
        fn, args = s.fn, s.args
        self._rank(s)
        self._numeric(s)
        if fn in _INT_ARITHMETIC and args and all(self.is_int(a) for a in args) or \
                fn is builtins.len:
            self.counters.add(s.target.name)  # len(x), i - 1, 2 * i + 1: one integer
        if fn is operator.getitem and len(args) == 2 and self.rank(args[0]) == 1 and \
                self.is_int(args[1]):
            return SCALAR
        if fn is operator.getitem and len(args) == 2 and isinstance(args[0], ir.Var) and \
                args[0].name in self.shape_tuples and self.is_int(args[1]):
            self.counters.add(s.target.name)  # X.shape[0]: one integer
            return SCALAR
        item = self.display_item(s)
        if item is not None:  # [a, b][0]: what is known of a
            if self.rank(item) is not None:
                self.ndims[s.target.name] = self.rank(item)
            if self.is_int(item):
                self.counters.add(s.target.name)
            return self.of(item) if self.of(item) == SCALAR else None
        if getattr(fn, "__module__", None) == "math" or fn in _ALWAYS_SCALAR:
            return SCALAR
        if fn in _ELEMENTWISE or isinstance(fn, np.ufunc):
            return self.broadcast([self.of(a) for a in args]) if args else None
        if fn in _REDUCTIONS and s.kwargs.get("axis", ir.Const(None)) == ir.Const(None) \
                and len(args) == 1 and s.kwargs.get("keepdims", ir.Const(False)) == ir.Const(False):
            return SCALAR
        if fn in _KEEPDIMS and len(args) == 1 and s.kwargs.get("keepdims") == ir.Const(True):
            return self.reduced(args[0], s.kwargs.get("axis", ir.Const(None)))
        if fn in (helpers.unbroadcast, helpers.zeros_like) and args:
            return self.of(args[-1])
        if fn is helpers.fill_like and args:
            return self.of(args[0])
        if fn in _SHAPED_LIKE and len(args) > _SHAPED_LIKE[fn]:
            return self.of(args[_SHAPED_LIKE[fn]])
        if fn is builtins.range:
            self.ranges.add(s.target.name)
        if fn is np.shape and args:  # remember whose shape this is
            self.shapes[s.target.name] = self.of(args[0])
        if fn in (np.full, np.zeros, np.ones, np.broadcast_to) and args:
            shape = args[1] if fn is np.broadcast_to else args[0]
            if isinstance(shape, ir.Var):
                return self.shapes.get(shape.name)
        return None

    def is_int(self, v):
        """An index known to be one integer (a constant, a range loop's counter, or
        arithmetic on these)."""
        if isinstance(v, ir.Const):
            return type(v.value) is int
        return isinstance(v, ir.Var) and v.name in self.counters

    def is_numeric(self, v):
        """Known to be a number or an array (not an object with fields)."""
        return self.of(v) == SCALAR or self.rank(v) is not None

    def rank(self, v):
        """The number of dimensions of `v`, when known."""
        if self.of(v) == SCALAR:
            return 0
        return self.ndims.get(v.name) if isinstance(v, ir.Var) else None

    def _rank(self, s):
        if s.target is None:
            return
        fn, args = s.fn, s.args
        ranks = [self.rank(a) for a in args]
        rank = None
        if (fn in _ELEMENTWISE or isinstance(fn, np.ufunc)) and args and None not in ranks:
            rank = max(ranks)
        elif fn in (operator.matmul, np.matmul) and len(args) == 2 and None not in ranks \
                and min(ranks) >= 2:
            rank = max(ranks)
        elif fn is np.transpose and len(args) == 1 and ranks[0] is not None:
            rank = ranks[0]
        elif fn is operator.getitem and ranks and ranks[0] and self.is_int(args[1]):
            rank = ranks[0] - 1
        elif fn in (helpers.unbroadcast, helpers.zeros_like, ops.identity) and args:
            rank = ranks[-1] if fn is not ops.identity else ranks[0]
        elif fn in _SHAPED_LIKE and len(args) > _SHAPED_LIKE[fn]:
            rank = ranks[_SHAPED_LIKE[fn]]
        elif fn in (np.array, np.asarray) and len(args) == 1 and not s.kwargs and \
                isinstance(args[0], ir.Var) and args[0].name in self.displays:
            rank = 1  # np.array([a, b, c]) of numbers: a vector
        elif fn in _SAME_RANK and args and not s.kwargs.get("ndmin"):
            rank = ranks[0]  # new arrays shaped like the first argument, and item writes
        elif fn in (np.zeros, np.ones, np.empty, np.full) and args:
            shape = args[0]  # np.zeros(n): one axis; np.zeros((m, n)), np.zeros(x.shape)
            rank = 1 if self.is_int(shape) else \
                self.lengths.get(shape.name) if isinstance(shape, ir.Var) else None
        if fn is ops.make_list and not args:
            self.empty_lists.add(s.target.name)
        if fn in (ops.make_list, ops.make_tuple) and args and \
                all(self.of(a) == SCALAR for a in args):
            self.displays.add(s.target.name)
        if fn is ops.make_tuple:
            self.lengths[s.target.name] = len(args)
            self.tuples[s.target.name] = list(args)
        if fn is ops.list_append and len(args) == 2 and isinstance(args[0], ir.Var):
            self.remember_item(args[0].name, args[1], s.target.name)
        if fn is builtins.reversed and args and isinstance(args[0], ir.Var) \
                and args[0].name in self.stacks:
            self.stacks[s.target.name] = self.stacks[args[0].name]
            if args[0].name in self.item_stacks:
                self.item_stacks.add(s.target.name)
        if fn is operator.getitem and len(args) == 2 and isinstance(args[0], ir.Var):
            if args[0].name in self.stacks and self.is_int(args[1]):  # saved[k]: one item
                self.saved_items[s.target.name] = self.stacks[args[0].name]
                facts = self.stacks[args[0].name]
                if args[0].name in self.item_stacks and facts[0][1] is not None:
                    rank = facts[0][1]  # xs[i] of a list of numbers or arrays of one rank
            elif args[0].name in self.saved_items and isinstance(args[1], ir.Const) \
                    and type(args[1].value) is int:  # saved[k][j]: one saved value
                facts = self.saved_items[args[0].name]
                if -len(facts) <= args[1].value < len(facts):
                    is_int, rank = facts[args[1].value]
                    if is_int:
                        self.counters.add(s.target.name)
                    if rank is not None:
                        self.ndims[s.target.name] = rank
        elif (fn is np.shape or fn is getattr and len(args) == 2 and args[1] == ir.Const("shape")) \
                and ranks[0] is not None:
            self.lengths[s.target.name] = ranks[0]
            self.shape_tuples.add(s.target.name)
        if rank is not None:
            self.ndims[s.target.name] = rank

    def reduced(self, x, axis):
        """The token of `np.sum(x, axis, keepdims=True)`: ("reduced", x's token, axis),
        a shape that broadcasts back to x's (`x - np.max(x, axis=1, keepdims=True)`
        has x's shape, so its gradient needs no unbroadcast onto x)."""
        token = self.of(x)
        if token is None or token == SCALAR:
            return None
        if isinstance(axis, ir.Const):
            return ("reduced", token, axis.value)
        return ("reduced", token, axis.name) if isinstance(axis, ir.Var) else None

    @staticmethod
    def broadcast(tokens):
        """The token of an elementwise result, when the operands' tokens decide it:
        one of them that every other one is (a keepdims reduction of)"""
        known = [t for t in tokens if t != SCALAR]
        if None in known:
            return None
        if not known:
            return SCALAR
        for candidate in known:
            if all(candidate in _reduced_from(t) for t in known):
                return candidate
        return None

    def block(self, stmts):
        """Infer tokens for every Assign in `stmts` and the phis after ifs."""
        for s in stmts:
            if isinstance(s, ir.Assign):
                self.infer(s)
                if s.fn is ops.append and len(s.args) == 2 and isinstance(s.args[0], ir.Var):
                    self.remember_item(s.args[0].name, s.args[1])
            elif isinstance(s, ir.If):
                self.block(s.body)
                self.block(s.orelse)
                for p in s.phis:
                    tokens = {self.of(v) for v in p.inputs}
                    if len(tokens) == 1 and None not in tokens:
                        self.table[p.target.name] = tokens.pop()
                    ranks = {self.rank(v) for v in p.inputs}
                    if len(ranks) == 1 and None not in ranks:
                        self.ndims[p.target.name] = ranks.pop()
                    if not any(self.may_be_sequence(v) for v in p.inputs):
                        self.numbers.add(p.target.name)
            elif isinstance(s, ir.Loop):
                self.loop(s)
        return self

    def remember_item(self, stack, item, result=None):
        """What is known of the items appended to a list (a reverse sweep's stack
        of saved values): per tuple position, (an integer?, rank); the facts that
        hold for every item appended. `result`: the list's new SSA name."""
        facts = [self.item_facts(v) for v in self.tuples.get(item.name, [item])] \
            if isinstance(item, ir.Var) else [self.item_facts(item)]
        old = self.stacks.get(stack)
        if old is None and stack not in self.empty_lists:
            self.stacks.pop(result or stack, None)  # a list with items we know nothing of
            self.item_stacks.discard(result or stack)
            return
        self.stacks[result or stack] = facts if old is None else \
            [a if a == b else (False, None) for a, b in zip(old, facts)]
        plain = not (isinstance(item, ir.Var) and item.name in self.tuples)
        if plain and (old is None or stack in self.item_stacks):
            self.item_stacks.add(result or stack)
        else:
            self.item_stacks.discard(result or stack)

    def item_facts(self, v):
        return (self.is_int(v), self.rank(v))

    def loop(self, s):
        """Guess each header phi keeps its entry token; keep the guess only if the
        body confirms it."""
        if isinstance(s.iterable, ir.Var) and s.iterable.name in self.ranges \
                and isinstance(s.target, ir.Var):
            self.table[s.target.name] = SCALAR
            self.counters.add(s.target.name)
        facts = self.stacks.get(s.iterable.name) if isinstance(s.iterable, ir.Var) else None
        targets = s.target if isinstance(s.target, (list, tuple)) else [s.target]
        if facts is not None and len(facts) == len(targets):  # for i, t in reversed(saved)
            for t, (is_int, rank) in zip(targets, facts):
                if is_int:
                    self.counters.add(t.name)
                if rank is not None:
                    self.ndims[t.name] = rank
        for p in s.phis:  # ranks: guess the entry rank, check it below with the tokens
            if self.rank(p.inputs[0]) is not None:
                self.ndims[p.target.name] = self.rank(p.inputs[0])
        for p in s.phis:  # lists the loop appends to, starting empty: facts come from the body
            self.stacks.pop(p.target.name, None)
            if getattr(p.inputs[0], "name", None) in self.empty_lists:
                self.empty_lists.add(p.target.name)
        guesses = {p.target.name: self.of(p.inputs[0]) for p in s.phis}
        made = _made_in(s.test + s.body)
        for _ in range(2 * len(s.phis) + 1):  # (each pass drops a wrong guess, or stops)
            for name in made:  # (what the last pass inferred from a wrong guess)
                self.table.pop(name, None)
                self.ndims.pop(name, None)
                self.displays.discard(name)
                self.numbers.discard(name)
            for name, token in guesses.items():
                if token is None:
                    self.table.pop(name, None)
                else:
                    self.table[name] = token
            self.block(s.test)
            self.block(s.body)
            for p in s.phis:  # a list filled by the loop: what every item appended holds
                back = p.inputs[1]
                name = getattr(p.inputs[0], "name", None)
                if isinstance(back, ir.Var) and back.name in self.stacks and \
                        (name in self.empty_lists or name in self.stacks):
                    entry = self.stacks.get(name)
                    facts = self.stacks[back.name]
                    self.stacks[p.target.name] = facts if entry is None else \
                        [a if a == b else (False, None) for a, b in zip(entry, facts)]
                    if back.name in self.item_stacks and \
                            (entry is None or name in self.item_stacks):
                        self.item_stacks.add(p.target.name)
                    else:
                        self.item_stacks.discard(p.target.name)
                    self.empty_lists.add(p.target.name)  # (entry known: empty or described)
            wrong = [p.target.name for p in s.phis
                     if guesses[p.target.name] is not None
                     and self.of(p.inputs[1]) != guesses[p.target.name]]
            wrong_rank = [p.target.name for p in s.phis if p.target.name in self.ndims
                          and self.rank(p.inputs[1]) != self.ndims[p.target.name]]
            if not wrong and not wrong_rank:
                return
            for name in wrong:
                guesses[name] = None
            for name in wrong_rank:
                del self.ndims[name]

    def same_shape(self, a, b):
        ta = self.of(a)
        return ta is not None and ta == self.of(b) and not _kept_token(ta)

    def note_unbroadcast(self, s):
        """Remember `unbroadcast(g, x)` when g and x have one shape wherever
        their loop keeps its shape (the reverse loop that runs then drops it)."""
        ta = self.of(s.args[0])
        if _kept_token(ta) and ta == self.of(s.args[1]):
            self.kept_unbroadcasts[id(s)] = s


def _reduced_from(token):
    """`token` and the tokens it is a keepdims reduction of, innermost last."""
    out = [token]
    while isinstance(token, tuple) and token[0] == "reduced":
        token = token[1]
        out.append(token)
    return out
