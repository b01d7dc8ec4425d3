"""In-place operations and aliasing in the SSA builder (a part of `ssa.Builder`).

SSA gives every value a new name, but Python arrays (and lists) are shared
objects: an in-place update through one name is seen through every name
bound to the object. The builder keeps that: after an update it rebinds the
other names bound to the array (`update_aliases`), and the names that may
hold it depending on the path (`update_possible_aliases`, under a run-time
identity test). In-place forms (`y.fill(v)`, `f(..., out=y)`, `np.copyto`)
become item writes; `+` and `*` of list and tuple displays become displays.
What cannot be followed (views whose base is read later, containers) is
checked afterwards by writes.check_writes.

    y = x                       y_1 = x + 1.0   (x is y's array: x reads y_1)
    y += 1.0          ->        in_place = updates_in_place(x)
    return x * y                if in_place: x_1 = y_1 else: x_1 = x   (a phi)
"""
from __future__ import annotations

import operator

import gast
import numpy as np

from .. import ir
from ..frontend.normalize import _SET_ITEM
from ..frontend.syntax import stem
from runtime import ops

# methods that change their array or list in place (and are not supported yet):
# name -> how to write the same without it
IN_PLACE_METHODS = {
    "resize": "make a new array: y = np.resize(y, shape) (or slice / np.pad)",
    "put": "write the items: y[indices] = values",
    "itemset": "write the item: y[i] = v",
    "partition": "y = np.partition(y, k)",
    "sort": "y = np.sort(y) (or, for a list, sorted(y))",
    "fill": "y[...] = v",
    "setfield": "make a new array", "byteswap": "make a new array",
    "setflags": "drop the call", "extend": "ys = ys + list(more)",
    "insert": "ys = ys[:i] + [v] + ys[i:]", "pop": "v, ys = ys[-1], ys[:-1]",
    "remove": "build a new list without the item", "reverse": "ys = ys[::-1]",
    "clear": "ys = []",
    # dicts
    "update": "write the entries one by one (d[key] = value), or build a new dict",
    "setdefault": "if key not in d: d[key] = default",
    "popitem": "build a new dict without the item",
    "shuffle": "y = y[rng.permutation(len(y))]",
}


def _updates_in_place(stmts):
    """Whether `stmts` hold an augmented assignment or an item write."""
    return any(getattr(n, "in_place", False) or isinstance(n, gast.Call) and
               isinstance(n.func, gast.Name) and n.func.id == _SET_ITEM
               for n in gast.walk(gast.Module(body=stmts, type_ignores=[])))


def _refused_in_place():
    out = set()
    for name in ("put", "place", "putmask", "fill_diagonal", "put_along_axis"):
        if hasattr(np, name):
            out.add(getattr(np, name))
    out.add(np.random.shuffle)
    return out


_REFUSED_IN_PLACE = _refused_in_place()




_MUTATING_METHODS = set(IN_PLACE_METHODS) | {"append", "sort"}


def mutated_parameter(node):
    """(parameter name, the statement) of the first place where function `node`
    (gast) changes one of its parameters' objects in place: `v[i] = x`, `v /= n`,
    `v.append(x)`, `np.add.at(v, i, x)`, `f(x, out=v)`, `obj.field = x`. A
    parameter the function rebinds (`v = v.copy()`) is left out: a syntactic
    check, for calls whose callee is otherwise not transformed."""
    args = node.args
    params = {a.id for a in args.posonlyargs + args.args + args.kwonlyargs
              if isinstance(a, gast.Name)}
    rebound = {t.id for n in gast.walk(node) if isinstance(n, gast.Assign)
               for t in n.targets if isinstance(t, gast.Name)}
    params -= rebound

    def root(e):
        while isinstance(e, (gast.Subscript, gast.Attribute)):
            e = e.value
        return e.id if isinstance(e, gast.Name) and e.id in params else None

    for n in gast.walk(node):
        found = None
        if isinstance(n, (gast.Assign, gast.AugAssign)):
            targets = n.targets if isinstance(n, gast.Assign) else [n.target]
            for t in targets:
                if isinstance(t, (gast.Subscript, gast.Attribute)) or \
                        isinstance(n, gast.AugAssign) and isinstance(t, gast.Name):
                    found = found or root(t)
        elif isinstance(n, gast.Call):
            f = n.func
            if isinstance(f, gast.Attribute) and f.attr in _MUTATING_METHODS:
                found = root(f.value)
            if found is None and n.args and isinstance(f, gast.Attribute) and \
                    (f.attr in ("at", "copyto") or f.attr in _REFUSED_NAMES):
                found = root(n.args[0])
            for k in n.keywords:
                if found is None and k.arg == "out":
                    found = root(k.value)
        if found is not None:
            return found, n
    return None


_REFUSED_NAMES = {"put", "place", "putmask", "fill_diagonal", "put_along_axis", "shuffle"}


class InPlaceUpdates:
    """The methods of `ssa.Builder` that follow Python's aliasing."""

    def update_aliases(self, name, old, update, env, out, node, maybe):
        """`name` was changed in place (`y += v`, `y[i] = v`): the array it held is
        now `update.target`, under every other name bound to it too (`y = x`),
        as in Python. An augmented assignment (`maybe`) changes arrays and
        lists in place but rebinds numbers and tuples, which only the run time
        tells apart: the other names take the new value where
        `updates_in_place(old)`. Other ways to reach the old array (views,
        containers, loop-carried names) are checked by writes.check_writes."""
        if isinstance(old, ir.Global):
            found, value = self.parsed.scope.lookup(old.name)
            if isinstance(value, (np.ndarray, list)):
                self.error(node, f"an in-place update of the module-level `{old.name}`",
                           "Python would change the module's array, which a gradient "
                           "call must not do", f"copy it first: `... = {old.name}.copy()`")
            return
        if not isinstance(old, ir.Var):
            return
        if maybe:
            update.in_place_of = old
        self.update_possible_aliases(name, old, update, env, out)
        aliases = [n for n, v in env.items() if n != name and self.root(v) == self.root(old)]
        if not aliases:
            return
        if not maybe:
            for n in aliases:
                env[n] = update.target
            return
        cond = self.new_var("in_place", temp=True)
        test = ir.Assign(cond, ops.updates_in_place, [old], {}, update.loc,
                         ir.Ext(ops.updates_in_place, "updates_in_place", ops.updates_in_place))
        out.insert(out.index(update), test)  # of the old value: the same answer
        phis = []
        for n in aliases:
            phi = ir.Phi(self.new_var(n), [update.target, env[n]])
            phi.alias_update = True  # reads the old value on purpose (writes.py)
            self.phi_inputs[phi.target.name] = phi.inputs
            self.alias_of[phi.target.name] = update.target.name  # the same array, if one
            phis.append(phi)
            env[n] = phi.target
        out.append(ir.If(cond, [], [], phis, update.loc))

    def origins(self, value, seen=None):
        """The values (not made by phis) that `value` may be, through phis."""
        seen = set() if seen is None else seen
        if not isinstance(value, ir.Var) or value.name in seen:
            return set()
        seen.add(value.name)
        inputs = self.phi_inputs.get(value.name)
        if inputs is None:
            return {value.name}
        return set().union(*(self.origins(v, seen) for v in inputs))

    def update_possible_aliases(self, name, old, update, env, out):
        """Names that may or may not hold the array `old` (a phi merged it with
        another value: `z = y if c else x`, or a name aliased on a loop's first
        pass only) take the update where the run time finds the same array."""
        mine = self.origins(old)
        for n, v in list(env.items()):
            if n == name or self.root(v) == self.root(old) or not isinstance(v, ir.Var) \
                    or not self.origins(v) & mine:
                continue
            same = self.new_var("same", temp=True)
            out.insert(out.index(update), ir.Assign(
                same, ops.same_array, [old, v], {}, update.loc,
                ir.Ext(ops.same_array, "same_array", ops.same_array)))
            phi = ir.Phi(self.new_var(n), [update.target, v])
            phi.alias_update = True
            self.phi_inputs[phi.target.name] = phi.inputs
            env[n] = phi.target
            out.append(ir.If(same, [], [], [phi], update.loc))

    def root(self, value):
        """The value whose array `value` is, when it is an array: values merged by
        the phis of `update_aliases`, of an if, or of a loop header stand for one
        array as long as the names were aliases on every path."""
        while isinstance(value, ir.Var) and value.name in self.alias_of:
            value = ir.Var(self.alias_of[value.name])
        return value

    def share_roots(self, phis, sides):
        """Record that phis whose inputs have the same roots on every side are
        one array (aliases before an if or loop stay aliases after it)."""
        first = {}
        for phi in phis:
            key = tuple(self.root(side) for side in sides(phi))
            if all(isinstance(k, ir.Var) for k in key):
                if key in first:
                    self.alias_of[phi.target.name] = first[key]
                else:
                    first[key] = phi.target.name

    def items_of(self, v):
        """(kind, items) of a list or tuple display built in this function."""
        if isinstance(v, ir.Var):
            for kind, table in ((ops.make_list, self.lists), (ops.make_tuple, self.tuples)):
                if v.name in table:
                    return kind, table[v.name]
        if isinstance(v, ir.Const) and isinstance(v.value, tuple):
            return ops.make_tuple, [ir.Const(i) for i in v.value]
        return None, None

    def is_list(self, v):
        return isinstance(v, ir.Var) and self.defining.get(v.name) in (ops.make_list,
                                                                      ops.list_append)

    def sequence_op(self, fn, left, right, node, loc, out):
        """`a + b` and `a * n` on lists and tuples are concatenation and repetition,
        not arithmetic: with displays built here (`[x] + [2 * x]`, `[x] * 3`,
        `args + (ones,)`) the result is a new display of the items; `ys + [v]` on
        a list of appends becomes appends."""
        (lk, litems), (rk, ritems) = self.items_of(left), self.items_of(right)
        if lk is None and rk is None:
            return None
        if fn is operator.add and lk is not None and lk is rk:
            return ir.Assign(None, lk, litems + ritems, {}, loc)
        if fn is operator.mul and (lk is None) != (rk is None):
            kind, items, n = (lk, litems, right) if lk is not None else (rk, ritems, left)
            if isinstance(n, ir.Const) and type(n.value) is int:
                return ir.Assign(None, kind, items * max(n.value, 0), {}, loc)
            if all(isinstance(i, ir.Const) for i in items):
                return None  # `[0.0] * n`: constants, no gradient flows
            self.error(node, "a list or tuple repeated a number of times not known when the "
                       "function is transformed", "the length of the result decides which "
                       "items the gradient flows to", "use a constant count, or an array "
                       "(np.full(n, v) or np.repeat)")
        if fn is operator.add and rk is ops.make_list and self.is_list(left) and ritems:
            current = left  # a list of appends: ys + [a, b] appends a and b (ys is consumed)
            ext = ir.Ext(ops.list_append, "list_append", ops.list_append)
            for item in ritems[:-1]:
                self.consumed[current.name] = node
                current = self.emit(ir.Assign(None, ops.list_append, [current, item], {}, loc,
                                              ext), "items", out)
                self.defining[current.name] = ops.list_append
            return ir.Assign(None, ops.list_append, [current, ritems[-1]], {}, loc, ext)
        items = litems if lk is not None else ritems
        if all(isinstance(i, ir.Const) for i in items) and (lk is None or rk is None):
            return None  # `x + [1.0, 2.0]`: arithmetic with a constant list (or a tuple)
        if fn is operator.add:  # `shape += (a, b)`: which `+` it is, the run time says
            return ir.Assign(None, ops.plus, [left, right], {}, loc,
                             ir.Ext(ops.plus, "plus", ops.plus))
        self.error(node, f"`{'+' if fn is operator.add else '*'}` of a list or tuple with a "
                   "value not known to be one", "for lists and tuples this is concatenation "
                   "(or repetition), for arrays it is arithmetic, and the gradient of the two "
                   "differs", "build the sequence in the function as a display ([a, b], "
                   "(a, b)) or with .append, or convert with np.asarray for arithmetic")

    def written_out(self, call, node, out):
        """`f(a, out=y)` -> `t = f(a)` and the item write `y[...] = t` (which
        changes y, and every name bound to it, as NumPy does); `np.copyto(y, v)`
        -> `y[...] = v`. In-place functions with no such form are refused."""
        if not isinstance(call, ir.Assign):
            return call
        if call.fn in _REFUSED_IN_PLACE:
            name = getattr(call.fn, "__name__", "this function")
            self.error(node, f"`np.{name}` changes its argument in place",
                       "this in-place operation is not supported yet",
                       "compute the new array instead, e.g. with an item write or "
                       "np.where, into a new name")
        ufunc = getattr(call.fn, "__self__", None)
        if isinstance(ufunc, np.ufunc) and getattr(call.fn, "__name__", None) == "at":
            return self.ufunc_at(ufunc, call, node, out)
        if call.fn is np.copyto:
            if len(call.args) != 2 or call.kwargs:
                self.error(node, "`np.copyto` with other than (dst, src)",
                           fix="write `dst[...] = src`")
            return self.overwrite(call.args[0], call.args[1], node, call.loc, returns_none=True)
        if "out" not in call.kwargs:
            return call
        target = call.kwargs.pop("out")
        if not isinstance(target, (ir.Var, ir.Global)) or isinstance(target, ir.Var) and \
                target.name in self.tuples:
            self.error(node, "an `out=` argument that is not one array held by a name",
                       fix="pass `out=y` for a local array y, or assign the result")
        if "where" in call.kwargs:
            self.error(node, "`out=` together with `where=`", "the entries left alone "
                       "would keep the old contents, which is not supported",
                       "use np.where(cond, f(...), y)")
        value = self.emit(call, stem(call.fn, call.callee and call.callee.spelling), out)
        return self.overwrite(target, value, node, call.loc)

    def ufunc_at(self, ufunc, call, node, out):
        """`np.add.at(y, index, v)` -> `y[...] = scatter_add(y, index, v)` (an item
        write, which NumPy's unbuffered update is); `np.subtract.at` adds `-v`."""
        if ufunc not in (np.add, np.subtract) or len(call.args) != 3 or call.kwargs:
            self.error(node, f"`np.{ufunc.__name__}.at` changes its argument in place",
                       "of the unbuffered in-place updates only np.add.at(y, index, v) and "
                       "np.subtract.at(y, index, v) are supported",
                       "compute the new array instead, into a new name")
        target, index, value = call.args
        if ufunc is np.subtract:
            value = self.emit(ir.Assign(None, operator.neg, [value], {}, call.loc), "neg", out)
        ext = ir.Ext(ops.scatter_add, "scatter_add", ops.scatter_add)
        total = self.emit(ir.Assign(None, ops.scatter_add, [target, index, value], {}, call.loc,
                                    ext), "scattered", out)
        return self.overwrite(target, total, node, call.loc, returns_none=True)

    def overwrite(self, target, value, node, loc, returns_none=False):
        """`target[...] = value`, as an item write (ops.setitem); `returns_none`
        for the forms whose value in Python is None (`y.fill(v)`, `np.copyto`)."""
        if isinstance(target, ir.Global):
            self.update_aliases(None, target, None, {}, [], node, maybe=False)
        write = ir.Assign(None, ops.setitem, [target, ir.Const(Ellipsis), value], {}, loc,
                          ir.Ext(ops.setitem, "setitem", ops.setitem))
        write.returns_none = returns_none
        return write

    def not_a_list(self, receiver, node, name, fix):
        d = self.defining.get(receiver.name) if isinstance(receiver, ir.Var) else None
        if d in (ops.make_list, ops.list_append):
            self.error(node, f"`.{name}()` of a list", "it changes the list in place, which "
                       "is not supported yet", f"use {fix}")

    def keep_identities(self, body):
        """Mark the statements making the arrays that `same_array` tests compare
        (`keeps_identity`): the optimizer must not turn them into aliases (`x * 1.0`
        -> `x`) or merge two of them, which would make distinct arrays one object."""
        tested = {v.name for s in ir.walk(body) if isinstance(s, ir.Assign) and
                  s.fn is ops.same_array for v in s.args if isinstance(v, ir.Var)}
        if not tested:
            return
        names = set().union(*(self.origins(ir.Var(n)) for n in tested))
        for s in ir.walk(body):
            if isinstance(s, ir.Assign) and s.target is not None and s.target.name in names:
                s.keeps_identity = True
