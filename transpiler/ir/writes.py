"""Item writes (`y[i] = v`): when their value semantics match Python's, and
when generated code may write in place.

In SSA an item write makes a new version of the array,
`y_1 = setitem(y, i, v)`, so every earlier version stays intact for the
reverse sweep. Python instead changes the one array object, and every other
name bound to it sees the change. The two agree exactly when nothing reads
the old array, under any name, after the write:

    a = np.zeros(3)                 a = np.zeros(3)
    b = a                           r = a[:2]         # a view of a
    b[0] = x                        a[0] = x
    return np.sum(a)   # error      return np.sum(r)  # error

`check_writes` finds such reads (and writes into views of other arrays) and
raises `TranspileError` at transform time: the alternative is a silently
wrong value and gradient.

`in_place_writes` decides, for the final (optimized) function, which writes
code generation may emit as `y[i] = v` on the array itself: those whose old
version is dead and not reachable through any alias afterwards. The other
writes copy first (`y_1 = y.copy(); y_1[i] = v`).
"""
from __future__ import annotations

import operator

import numpy as np

from runtime import helpers, ops
from runtime.containers import select_grad

from .. import ir
from ..errors import TranspileError

# operations whose result may share memory with (or hold a reference to) an argument
ALIASING = {operator.getitem, np.reshape, np.transpose, np.ravel, np.squeeze, np.expand_dims,
            np.swapaxes, np.moveaxis, np.broadcast_to, np.asarray, np.asanyarray,
            np.atleast_1d, np.atleast_2d, np.atleast_3d, np.diagonal, np.flip, np.fliplr,
            np.flipud, np.real, np.imag, np.split, np.array_split, np.hsplit, np.vsplit,
            getattr, ops.attribute, ops.method, ops.call_method, ops.call, ops.make_tuple, ops.make_list,
            ops.make_dict, ops.list_append, ops.append,
            ops.identity, ops.stop_gradient,
            # gradient helpers that may return their argument, or a view of it
            helpers.unbroadcast, helpers.repeat_to, helpers.broadcast_like,
            helpers.split_like, helpers.vstack_grad, select_grad}


def may_be_view(assign):
    """Whether the array `assign` makes may share memory with another one: new
    lists and tuples are new containers, though they hold references."""
    if any(assign.fn is f for f in (ops.make_list, ops.make_tuple, ops.make_dict,
                                    ops.list_append)):
        return False
    return aliases_argument(assign)


def aliases_argument(assign):
    """Whether the result of `assign` may refer to the memory of an argument."""
    fn = assign.fn
    if any(fn is f for f in ALIASING):
        return True
    from ..rules.table import is_nondifferentiable, lookup
    if lookup(fn) is not None or is_nondifferentiable(fn):
        return False  # NumPy functions with rules return new arrays (or plain numbers)
    return not isinstance(fn, (np.ufunc, type)) and not callable(getattr(fn, "__self__", None))


# -- positions --------------------------------------------------------------------
# A statement's position is its path of indices through the nested regions:
# (3,) is the fourth top-level statement, (3, 1, 0) the first statement of the
# else branch of that If; a loop's test and body share one region (selector 0).

def _read_phis(fn):
    """The names of the phis whose value something reads (a name assigned in both
    branches of an if, read by neither, has a phi that reads nothing)."""
    read, inputs = set(), {}
    for s in ir.walk(fn.body):
        if isinstance(s, (ir.If, ir.Loop)):
            for p in s.phis:
                inputs[p.target.name] = [v.name for v in p.inputs if isinstance(v, ir.Var)]
        own = [s.cond] if isinstance(s, ir.If) else [s.iterable, s.cond] \
            if isinstance(s, ir.Loop) else ir.uses(s)
        read.update(v.name for v in own if isinstance(v, ir.Var))
    todo = [name for name in inputs if name in read]
    while todo:
        for name in inputs.get(todo.pop(), ()):
            if name not in read:
                read.add(name)
                todo.append(name)
    return read


def _positions(stmts, prefix, out, loops, read=None):
    for i, s in enumerate(stmts):
        here = prefix + (i,)
        if isinstance(s, ir.Assign):
            out.append((here, s, s.operands(), s.loc))
        elif isinstance(s, ir.Return):
            out.append((here, s, [s.value], s.loc))
        elif isinstance(s, ir.If):
            out.append((here, s, [s.cond], s.loc))
            _positions(s.body, here + (0,), out, loops, read)
            _positions(s.orelse, here + (1,), out, loops, read)
            for p in s.phis:
                if read is None or p.target.name in read:
                    out.append((here + (0, len(s.body)), p, [p.inputs[0]], s.loc))
                    out.append((here + (1, len(s.orelse)), p, [p.inputs[1]], s.loc))
        elif isinstance(s, ir.Loop):
            loops.append(here)
            out.append((here, s, [s.iterable] + [p.inputs[0] for p in s.phis], s.loc))
            inner = list(s.test) + list(s.body)
            _positions(inner, here + (0,), out, loops, read)
            end = here + (0, len(inner))
            out.append((end, s, [s.cond] + [p.inputs[1] for p in s.phis
                                            if read is None or p.target.name in read], s.loc))
            for p in s.phis:
                out.append((here + (0, -1), p, [], s.loc))  # header phis: defined in the loop
                loops.header[p.target.name] = here
            if s.target is not None:
                out.append((here + (0, -1), s, [], s.loc))


class _Loops(list):
    """Paths of the loops; `header` maps each loop-header phi to its loop's path."""

    def __init__(self):
        super().__init__()
        self.header = {}


def _sees_write(name, use, write, defined, loops, own=None):
    """`_after`, except that a loop-header phi of the written array itself (`own`)
    read after its loop is the loop's result, which the writes in the loop made
    (so it is up to date); a list that kept the array of each pass is not."""
    loop = loops.header.get(name)
    if loop is not None and (own is None or name in own):
        body = loop + (0,)
        if write[:len(body)] == body and use[:len(body)] != body:
            return False
    return _after(use, write, defined, loops)


def _precedes(a, b):
    """Whether the statement at path `a` runs before the one at path `b` (in one
    pass of the regions they share; never when they are in different branches)."""
    for k, (x, y) in enumerate(zip(a, b)):
        if x != y:
            return k % 2 == 0 and x < y
    return len(a) < len(b)  # `a` is the If or Loop holding `b`: it starts first


def _after(use, write, defined, loops):
    """Whether a read at path `use` can see the effect of a write at path `write`
    of a value defined at path `defined`. A value made after the write (an item
    read after a loop that filled the array) holds the new contents already."""
    if not _precedes(defined, write):
        return False
    for loop in loops:
        body = loop + (0,)
        if write[:len(body)] == body and use[:len(body)] == body and \
                defined[:len(body)] != body:
            return True  # the next iteration reads what this one wrote
    for k, (u, w) in enumerate(zip(use, write)):
        if u != w:
            if k % 2 == 1:  # different branches of one If
                return False
            return u > w
    return False  # the read is the statement containing the write: it comes first


def _definitions(fn, positions):
    where = {p.name: (-1,) for p in fn.params}
    for path, s, _, _ in positions:
        if isinstance(s, ir.Assign) and s.target is not None:
            where[s.target.name] = path
        elif isinstance(s, ir.Phi):
            where.setdefault(s.target.name, path)
        elif isinstance(s, ir.Loop) and s.target is not None and path[-1] == -1:
            targets = s.target if isinstance(s.target, (list, tuple)) else [s.target]
            for t in targets:
                where[t.name] = path
    for path, s, _, _ in positions:  # If phis: defined after their If
        if isinstance(s, ir.Phi) and path[-1] != -1:
            where[s.target.name] = path[:-2] + (path[-3] + 0.5,)
    return where


def _storage(var, phis, skip, defs=None):
    """The SSA values whose array `var` may be: itself, and through phis their
    inputs; a plain copy of a reference (`a = b`) stands for what it copies."""
    out, todo, seen = [], [var], set()
    while todo:
        v = todo.pop()
        if not isinstance(v, ir.Var) or v.name in skip or v.name in seen:
            continue
        seen.add(v.name)
        d = (defs or {}).get(v.name)
        if d is not None and d.fn is ops.identity:
            todo.append(d.args[0])
            continue
        out.append(v)
        todo.extend(phis.get(v.name, ()))
    return out


def _same_array(storage, facts):
    """The names of `storage` and the loop phis that carry one of them round the
    loop under another name (`y = x` before `y *= t`: x's phi is y's array)."""
    own = {v.name for v in storage}
    return own | {name for name, inputs in facts.phis.items() if len(inputs) == 2 and
                  any(v.name in own for v in _storage(inputs[1], facts.phis, set(), facts.defs))}


def _derived(roots, producers):
    """Values that may share memory with (or hold) any of `roots`."""
    out, todo = set(), [r.name for r in roots]
    while todo:
        name = todo.pop()
        for target in producers.get(name, ()):
            if target not in out:
                out.add(target)
                todo.append(target)
    return out


class _Facts:
    def __init__(self, fn, kinds=None):
        self.positions, self.loops = [], _Loops()
        _positions(fn.body, (), self.positions, self.loops, _read_phis(fn))
        self.defined = _definitions(fn, self.positions)
        self.phis = {}  # phi name -> its inputs
        for s in ir.walk(fn.body):
            if isinstance(s, (ir.If, ir.Loop)):
                for phi in s.phis:
                    self.phis[phi.target.name] = list(phi.inputs)
        self.defs = {s.target.name: s for s in ir.walk(fn.body)
                     if isinstance(s, ir.Assign) and s.target is not None}
        self.params = {p.name for p in fn.params}
        self.producers = {}  # name -> targets of aliasing operations reading it
        for s in self.defs.values():
            if aliases_argument(s) and not _scalar_item(s, kinds):
                for a in s.operands():
                    if isinstance(a, ir.Var):
                        self.producers.setdefault(a.name, []).append(s.target.name)
        for name, inputs in self.phis.items():
            for a in inputs:
                if isinstance(a, ir.Var):
                    self.producers.setdefault(a.name, []).append(name)
        containers = self._containers()
        for s in ir.walk(fn.body):  # `d[k] = v` into a list or dict, and a saved list's
            # `saved.append(v)` (generated code: the checkpoints' snapshots), keep v itself
            if not isinstance(s, ir.Assign):
                continue
            kept = s.args[2] if s.fn is ops.setitem and s.target is not None and \
                len(s.args) == 3 and isinstance(s.args[0], ir.Var) and \
                s.args[0].name in containers else \
                s.args[1] if s.fn is ops.append and s.target is None else None
            if isinstance(kept, ir.Var):
                holder = s.target if s.target is not None else s.args[0]
                self.producers.setdefault(kept.name, []).append(holder.name)

    def _containers(self):
        """Names of lists and dicts made in the function (and their new versions)."""
        made = {ops.make_list, ops.make_dict, ops.list_append}
        out = {n for n, s in self.defs.items() if any(s.fn is f for f in made)}
        sources = {n: [s.args[0]] for n, s in self.defs.items() if s.fn is ops.setitem}
        sources.update(self.phis)
        while True:
            more = {n for n, inputs in sources.items() if n not in out and any(
                isinstance(a, ir.Var) and a.name in out for a in inputs)}
            if not more:
                return out
            out |= more

    def writes(self):
        return [(path, s) for path, s, _, _ in self.positions
                if isinstance(s, ir.Assign) and s.fn is ops.setitem and s.target is not None]

    def storage(self, write):
        return _storage(write.args[0], self.phis, {write.target.name}, self.defs)


def _scalar_item(assign, kinds):
    """`y[i]` known to be one number (all integer indices into an array of known
    rank): NumPy returns a copy, never a view."""
    return kinds is not None and assign.fn is operator.getitem and assign.target is not None \
        and kinds.rank(assign.target) == 0


def _has_writes(fn):
    return any(isinstance(s, ir.Assign) and s.fn is ops.setitem for s in ir.walk(fn.body))


def _updates(fn, facts, kinds):
    """The augmented assignments (`y += v`, marked `in_place_of` by the SSA
    builder) that may change an array in place: those of a value not known to
    be a number."""
    out = []
    for path, s, _, _ in facts.positions:
        old = getattr(s, "in_place_of", None)
        if isinstance(s, ir.Assign) and old is not None and s.target is not None and \
                not (kinds is not None and kinds.rank(old) == 0):
            out.append((path, s, old))
    return out


def check_writes(fn, kinds=None):
    """Raise TranspileError where an item write's value semantics would differ
    from Python's (see the module docstring). `kinds` (ranks of the arguments,
    kinds.py) tells which items are single numbers, which cannot be views."""
    if not _has_writes(fn) and not any(getattr(s, "in_place_of", None) is not None
                                       for s in ir.walk(fn.body)):
        return
    facts = _Facts(fn, kinds)
    guarded = {}  # updates that are wrong only if their value is an array: checked then
    writes = [(path, w, w.args[0], "written into") for path, w in facts.writes()] + \
        [(path, w, old, "changed in place") for path, w, old in _updates(fn, facts, kinds)]
    for path, write, written, how in writes:
        # (in a loop, the array a pass writes into is the one the pass before made,
        # which lists and dicts filled then may hold: `traj.append(y)` before `y +=`)
        storage = _storage(written, facts.phis, set(), facts.defs)
        own = _same_array(storage, facts)
        bases = []  # what an in-place update may reach through a view
        ambiguous = True  # every such view is an item, which may be a number
        pending, seen = list(storage), set()
        while pending:  # views of views (`A.reshape(3, 2).T`): every base up the chain
            v = pending.pop()
            if v.name in seen:
                continue
            seen.add(v.name)
            d = facts.defs.get(v.name)
            if d is not None and d is not write and may_be_view(d) and \
                    not _scalar_item(d, kinds):
                # a write into v (or `v += e`) changes v's base too, when v is a view
                # (`v += e` only when v is an array, which only the run time may tell:
                # `s = xs[0]` of a list of floats is a number): an error where the
                # base is read afterwards
                more = [b for a in d.operands() if isinstance(a, ir.Var)
                        for b in _storage(a, facts.phis, {write.target.name}, facts.defs)]
                bases += more
                pending += more
                ambiguous &= write.fn is not ops.setitem and d.fn is operator.getitem and \
                    not _slices(d.args[1]) and (kinds is None or kinds.rank(d.target) is None)
        direct = {v.name for v in storage} | _derived(storage, facts.producers)
        watched = direct | {v.name for v in bases} | _derived(bases, facts.producers)
        watched -= {write.target.name}
        for use_path, stmt, operands, loc in facts.positions:
            if id(write) in guarded:
                break
            if stmt is write or isinstance(stmt, ir.Phi) and stmt.target.name in watched \
                    and any(isinstance(a, ir.Var) and a.name == write.target.name
                            for a in operands) or getattr(stmt, "alias_update", False):
                continue
            for a in operands:
                if isinstance(a, ir.Var) and a.name in watched and \
                        _sees_write(a.name, use_path, path, facts.defined.get(a.name, (-1,)),
                                    facts.loops, own):
                    line = write.loc.lineno if write.loc is not None else "?"
                    if ambiguous and (a.name not in direct or write.fn is not ops.setitem
                                      and (kinds is None or kinds.rank(written) is None)):
                        # right if the updated value is a number (nothing changes in
                        # place then), which only the run time tells: checked there
                        guarded[id(write)] = (write, written, a, line)
                        break
                    earlier = "" if _precedes(path, use_path) else \
                        " (on an earlier pass of the loop)"
                    what = "the array it refers to" if a.name in direct else \
                        f"a view of it (`{_source(fn, written)}`)"
                    raise TranspileError(
                        f"`{_source(fn, a)}` is read after {what} was "
                        f"{how} on line {line}{earlier}", loc,
                        "another name for the same array (or a view of it) was changed in "
                        "place, so Python would read the new contents here; the gradient "
                        "cannot follow that",
                        "copy the array before writing into it (y = y.copy()), or read "
                        "the value through the name that was written")
    for write, written, base, line in guarded.values():
        _guard_view(fn.body, write, written, f"line {line}: an in-place update (`+=`, ...) "
                    f"of `{_source(fn, written)}`, an array that is also reached through "
                    f"`{_source(fn, base)}` (a view of it, or another name), which is read "
                    "afterwards; NumPy would change both, which the gradient cannot "
                    f"follow: copy it first ({_source(fn, written)} = "
                    f"{_source(fn, written)}.copy())")
    return fn


def _slices(index):
    """Whether an index (an operand) holds a slice, `...` or `None`: its item is an array."""
    if not isinstance(index, ir.Const):
        return False
    parts = index.value if isinstance(index.value, tuple) else (index.value,)
    return any(p is None or p is Ellipsis or isinstance(p, slice) for p in parts)


def _guard_view(stmts, write, value, message):
    """Insert `not_a_view(value, message)` before `write` (wherever it is nested):
    the update is right when `value` is a number, an error when it is an array."""
    for k, s in enumerate(stmts):
        if s is write:
            stmts.insert(k, ir.Assign(None, ops.not_an_array, [value, ir.Const(message)], {},
                                      write.loc, ir.Ext(ops.not_an_array, "not_an_array",
                                                        ops.not_an_array)))
            return True
        for inner in (getattr(s, "body", None), getattr(s, "orelse", None),
                      getattr(s, "test", None)):
            if isinstance(inner, list) and _guard_view(inner, write, value, message):
                return True
    return False


def _source(fn, var):
    name = fn.source_names.get(var.name, var.name)
    return "the values it yields" if name == "__tapeless_yielded__" else name


def in_place_writes(fn, names, kinds=None):
    """The item writes of the final function that may change their array in place.

    `names` maps SSA names to Python names (codegen's coalescing). A write may
    be emitted as `y[i] = v` when the old and new versions share a Python name
    (the old one is dead), every array the old version may be was made by the
    function itself (not an argument, not a view), and nothing that may hold
    that array (another version, a view, a tuple or list, a saved-values
    stack) is read after the write.
    """
    if not _has_writes(fn):
        return set()
    facts = _Facts(fn, kinds)
    uses = {}
    for path, _, operands, _ in facts.positions:
        for a in operands:
            if isinstance(a, ir.Var):
                uses.setdefault(a.name, []).append(path)
    out = set()
    for path, write in facts.writes():
        old = write.args[0]
        if not isinstance(old, ir.Var) or names.get(old.name) != names.get(write.target.name):
            continue
        storage = facts.storage(write)
        if not all(v.name in facts.phis or v.name in facts.defs
                   and not may_be_view(facts.defs[v.name]) for v in storage):
            continue  # an argument, or maybe a view of another array
        watched = ({v.name for v in storage} | _derived(storage, facts.producers)) - \
            {old.name, write.target.name}
        if any(_sees_write(name, u, path, facts.defined.get(name, (-1,)), facts.loops)
               for name in watched for u in uses.get(name, ())):
            continue
        out.add(id(write))
    return out
