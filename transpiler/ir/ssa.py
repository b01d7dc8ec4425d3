"""Stage 3: ANF gast -> structured SSA (`ir.Function`).

Takes the normalized function; guarantees every local is assigned once (the
first definition keeps the source name, later ones are `x_1`, `x_2`, ...),
values merging after an if become `Phi`s, copies are propagated as they are
read, and every free name is resolved: library functions and modules become
`Ext` operands, module-level data becomes `Global`, method calls on values
(`x.sum()`) become calls of the NumPy function (`np.sum(x)`). In-place
updates (`y += v`, `y.fill(v)`, `out=y`) are seen under every name bound to
the array, as in Python (the methods in in_place.py).

    def f(x):                  def f(x):
        y = x * 2                  y = x * 2
        if y > 1:          ->      gt = y > 1
            y = np.sin(y)          if gt:
        return y                       y_1 = np.sin(y)
                                   y_2 = phi(y_1, y)
                                   return y_2
"""
from __future__ import annotations

import functools
import types

import gast
import numpy as np

from .. import ir
from ..errors import TranspileError, working_on
from .in_place import InPlaceUpdates, _updates_in_place
from .ssa_values import Values
from ..frontend.normalize import _LIST_APPEND, name_sets
from ..frontend.syntax import stem
from ..sourcefiles import RECORDERS
from runtime import ops

_CALLABLE_KINDS = (types.ModuleType, types.FunctionType, types.BuiltinFunctionType,
                   types.MethodType, type, np.ufunc)


def to_ssa(parsed, anf):
    """Build the SSA `ir.Function` for the ANF FunctionDef `anf`."""
    return Builder(parsed, anf).function()


class Builder(InPlaceUpdates, Values):
    def __init__(self, parsed, anf):
        self.parsed, self.anf = parsed, anf
        self.reserved, self.locals, _, self.reads = name_sets(anf)
        self.used = set()
        self.tried = {}  # base -> the last suffix new_var tried
        self.source_names = {}
        self.maybe_undefined = {}
        self.temps = set(getattr(anf, "temps", ()))
        self.partials = {}  # SSA name -> the functools.partial(...) Assign that made it
        self.tuples = {}  # SSA name -> the operands of the tuple it was built from
        self.dicts = {}  # SSA name -> keyword -> operand, for dict displays with str keys
        self.consumed = {}  # lists appended to: their old versions must not be read again
        self.temp_names = set()
        self.alias_of = {}  # SSA name -> the value whose array it is, if it is an array
        self.defining = {}  # SSA name of a named value -> the function that made it
        self.lists = {}  # SSA name -> the operands of the list display it was built from
        self.phi_inputs = {}  # phi name -> its inputs (the same list as the phi's)
        self.made_by = {}  # SSA name of a named value -> the Assign that made it
        self.param_defaults = {}  # parameter SSA name -> its default value

    # -- names ------------------------------------------------------------
    def new_var(self, base, temp=False):
        name, n = base, self.tried.get(base, 0)
        while name in self.used or (name != base and name in self.reserved):
            n += 1
            name = f"{base}_{n}"
        self.tried[base] = n  # (names are never given back: the next one starts here)
        self.used.add(name)
        self.source_names[name] = base
        if temp or base in self.temps:
            self.temp_names.add(name)
        return ir.Var(name)

    def error(self, node, what, why="", fix=""):
        raise TranspileError(what, self.parsed.loc(node), why, fix)

    # -- function ---------------------------------------------------------
    def function(self):
        node = self.anf
        env = {}
        params = []
        for a in node.args.posonlyargs + node.args.args + node.args.kwonlyargs:
            var = self.new_var(a.id)
            env[a.id] = var
            params.append(var)
        positional = params[:len(params) - len(node.args.kwonlyargs)]
        defaults = {}
        values = getattr(self.parsed.fn, "__defaults__", None) or ()
        for var, value in zip(positional[len(positional) - len(values):], values):
            defaults[var.name] = value
        defaults.update(getattr(self.parsed.fn, "__kwdefaults__", None) or {})
        self.param_defaults = defaults
        body = self.block(node.body, env)
        self.keep_identities(body)
        fn = ir.Function(node.name, params, body, defaults, self.parsed.filename,
                         self.source_names, self.temp_names)
        fn.kwonly = [a.id for a in node.args.kwonlyargs]
        return fn

    def block(self, stmts, env):
        out = []
        for s in stmts:
            self.stmt(s, env, out)
        return out

    def stmt(self, s, env, out):
        loc = self.parsed.loc(s)
        working_on(loc)
        if isinstance(s, gast.Assign):
            name = s.targets[0].id
            before = env.get(name)
            value = self.value(s.value, env, out, name, loc)
            if isinstance(value, ir.Assign):
                value.target = self.new_var(name)
                out.append(value)
                env[name] = value.target
                self.defining[value.target.name] = value.fn
                self.made_by[value.target.name] = value
                if hasattr(s, "unpack_length"):
                    value.unpack_length = s.unpack_length
                if value.fn is ops.list_append and isinstance(value.args[0], ir.Var):
                    self.consumed[value.args[0].name] = s
                if value.fn is ops.make_tuple:
                    self.tuples[value.target.name] = list(value.args)
                if value.fn is functools.partial and value.args and \
                        not any(isinstance(a, gast.Starred) for a in s.value.args):
                    self.partials[value.target.name] = value  # p(x) calls the function
                if value.fn is ops.make_list:
                    self.lists[value.target.name] = list(value.args)
                if value.fn is ops.make_dict and all(type(k) is str for k in value.args[0].value):
                    self.dicts[value.target.name] = dict(zip(value.args[0].value,
                                                             value.args[1:]))
            else:  # a copy: read the value itself from now on
                env[name] = value
            self.maybe_undefined.pop(name, None)
            if getattr(s, "in_place", False) and isinstance(value, ir.Assign):
                self.update_aliases(name, before, value, env, out, s, maybe=True)
            elif isinstance(value, ir.Assign) and value.fn is ops.setitem:
                self.update_aliases(name, value.args[0], value, env, out, s, maybe=False)
                if getattr(value, "returns_none", False):  # r = y.fill(v): r is None
                    env[name] = ir.Const(None)
        elif isinstance(s, gast.Expr):
            call = self.value(s.value, env, out, "call", loc)
            if isinstance(call, ir.Assign) and call.fn is ops.setitem:  # y.fill(v), out=y
                container = call.args[0]
                call.target = self.new_var(self.source_names.get(
                    getattr(container, "name", ""), "updated"))
                out.append(call)
                self.update_aliases(None, container, call, env, out, s, maybe=False)
            elif isinstance(call, ir.Assign):
                out.append(call)
        elif isinstance(s, gast.If):
            self.if_(s, env, out, loc)
        elif isinstance(s, (gast.For, gast.While)):
            self.loop(s, env, out, loc)
        elif isinstance(s, gast.Return):
            out.append(ir.Return(self.operand(s.value, env, out), loc))
        else:
            self.error(s, f"internal: unexpected {type(s).__name__} after normalization")

    def if_(self, s, env, out, loc):
        cond = self.operand(s.test, env, out)
        left, right = dict(env), dict(env)
        before = dict(self.consumed)  # (a list appended to in one branch is not in the other)
        body = self.block(s.body, left)
        in_body, self.consumed = self.consumed, before
        orelse = self.block(s.orelse, right)
        self.consumed.update(in_body)
        phis = []
        for name in list(dict.fromkeys(list(left) + list(right))):
            if name in left and name in right:
                a, b = left[name], right[name]
                if a == b:
                    env[name] = a
                    continue
                phi = ir.Phi(self.new_var(name), [a, b])
                self.phi_inputs[phi.target.name] = phi.inputs
                phis.append(phi)
                env[name] = phi.target
            else:
                env.pop(name, None)
                self.maybe_undefined[name] = s
        self.share_roots(phis, lambda phi: phi.inputs)
        for phi in phis:
            if all(self.is_list(v) for v in phi.inputs):
                self.defining[phi.target.name] = ops.list_append
        out.append(ir.If(cond, body, orelse, phis, loc))

    def loop(self, s, env, out, loc):
        """Header phis for every variable the body assigns that exists before the
        loop; their second input is the value at the end of the body."""
        state = self._state()
        iterable = self.operand(s.iter, env, out) if isinstance(s, gast.For) else None
        assigned = list(dict.fromkeys(
            n.id for part in [gast.Module(body=s.body, type_ignores=[])] +
            list(getattr(s, "extra_assigned", ()))
            for n in gast.walk(part) if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Store)))
        if _updates_in_place(s.body):  # names aliasing an assigned one may change too
            roots = {self.root(env[a]) for a in assigned if isinstance(env.get(a), ir.Var)}
            assigned += [n for n, v in env.items() if n not in assigned and
                         isinstance(v, ir.Var) and self.root(v) in roots]
        inner = dict(env)
        phis = {}
        later = self.read_outside(s)
        if isinstance(s, gast.For) and (s.target.id in env or s.target.id in later) and \
                s.target.id not in assigned:
            assigned.append(s.target.id)  # after the loop: its last value
        for name in assigned:
            if name in env or name in later:
                # a name first assigned in the loop and read after it holds its last
                # value (None if the loop did not run: then Python's own error is
                # an UnboundLocalError, ours a TypeError on None)
                phi = ir.Phi(self.new_var(name), [env.get(name, ir.Const(None)), None])
                self.phi_inputs[phi.target.name] = phi.inputs  # the second is set below
                phis[name] = phi
                inner[name] = phi.target
        if not getattr(s, "split_aliases", False):
            self.share_roots(list(phis.values()), lambda phi: phi.inputs[:1])
        for phi in phis.values():
            if self.is_list(phi.inputs[0]):
                self.defining[phi.target.name] = ops.list_append
        target = None
        if isinstance(s, gast.For):
            target = self.new_var(s.target.id)
            inner[s.target.id] = target
        cond = self.operand(s.test, inner, out) if isinstance(s, gast.While) else None
        body = self.block(s.body, inner)
        rebound = [n for n in env if n not in phis and inner.get(n) != env[n]
                   and n != getattr(getattr(s, "target", None), "id", None)]
        leaders = {phi.target.name: n for n, phi in phis.items()}
        split = [n for n, phi in phis.items() if phi.target.name in self.alias_of and
                 self.root(inner[n]) != self.root(inner[leaders[self.alias_of[
                     phi.target.name]]])] if not rebound else []
        if split:  # names aliased before the loop are not at the end of its body
            self._restore(state)
            again = _with_assigned(s, gast.Module(body=[], type_ignores=[]))
            again.split_aliases = True
            return self.loop(again, env, out, loc)
        if rebound:  # an in-place update reached these names through an alias: build again
            self._restore(state)
            extra = gast.Module(body=[gast.Assign(targets=[gast.Name(
                id=n, ctx=gast.Store(), annotation=None, type_comment=None)], value=None,
                type_comment=None) for n in rebound], type_ignores=[])
            return self.loop(_with_assigned(s, extra), env, out, loc)
        for name, phi in phis.items():
            phi.inputs[1] = inner[name]
            env[name] = phi.target
            self.consumed.pop(phi.target.name, None)  # the list after the loop is current
        for name in assigned:
            if name not in phis:
                env.pop(name, None)
                self.maybe_undefined[name] = s
        # a phi the body leaves as it was (`u = u`) is its value on entry: one value,
        # not a loop-carried one (whose reverse sweep would read its own adjoint)
        same = {phi.target.name: phi.inputs[0] for phi in phis.values()
                if phi.inputs[1] == phi.target}
        if same:
            _substitute(body, same)
            for table in (self.tuples, self.lists):
                for key, items in table.items():
                    table[key] = [same.get(getattr(v, "name", None), v) for v in items]
            for key, items in self.dicts.items():
                self.dicts[key] = {k: same.get(getattr(v, "name", None), v)
                                   for k, v in items.items()}
            cond = same.get(getattr(cond, "name", None), cond)
            for name, phi in list(phis.items()):
                if phi.target.name in same:
                    del phis[name]
                    env[name] = phi.inputs[0]
            for phi in phis.values():
                phi.inputs = [same.get(getattr(v, "name", None), v) for v in phi.inputs]
        out.append(ir.Loop(list(phis.values()), body, target, iterable, [], cond, loc))

    def read_outside(self, loop):
        """Names read somewhere in the function outside `loop`: read more often in
        the function than in the loop (not a walk of the function per loop)."""
        inside = name_sets(gast.Module(body=[loop], type_ignores=[]))[3]
        return {name for name, n in self.reads.items() if n > inside.get(name, 0)}

    def _state(self):
        """What building a region changes in the builder (to build it again)."""
        return (set(self.used), dict(self.tried), dict(self.source_names),
                set(self.temp_names), dict(self.tuples), dict(self.dicts), dict(self.consumed),
                dict(self.maybe_undefined), dict(self.alias_of), dict(self.phi_inputs))

    def _restore(self, state):
        (self.used, self.tried, self.source_names, self.temp_names, self.tuples, self.dicts,
         self.consumed, self.maybe_undefined, self.alias_of,
         self.phi_inputs) = [type(x)(x) for x in state]

    # -- operands and values ------------------------------------------------
    def operand(self, node, env, out):
        """An atom (Name or Constant) as an IR operand."""
        if isinstance(node, gast.Constant):
            return ir.Const(node.value)
        if isinstance(node, gast.Name):
            if node.id in self.locals:
                if node.id not in env:
                    why = ("it is assigned in only one branch of the if above"
                           if node.id in self.maybe_undefined else "it has no value yet")
                    self.error(node, f"`{node.id}` may be used before it is assigned", why,
                               "assign it on every path before this line")
                value = env[node.id]
                if isinstance(value, ir.Var) and value.name in self.consumed:
                    self.error(node, f"`{node.id}` is read after a list it refers to was "
                               "appended to", "another name for the same list was changed in "
                               "place, so this value is not what it was", "copy the list "
                               "(list(...)) before appending")
                return value
            return self.free(node)
        value = self.value(node, env, out, "t", self.parsed.loc(node))
        if isinstance(value, ir.Assign):
            base = stem(value.fn, value.callee and value.callee.spelling)
            value.target = self.new_var(base, temp=True)
            out.append(value)
            return value.target
        return value

    def free(self, node):
        """Resolve a free dotted name (`np.linalg.norm`, `W`, `math`)."""
        parts = []
        while isinstance(node, gast.Attribute):
            parts.append(node.attr)
            node = node.value
        if node.id == _LIST_APPEND:
            return ir.Ext(ops.list_append, "list_append", ops.list_append)
        found, root = self.parsed.scope.lookup(node.id)
        if not found:
            self.error(node, f"name `{node.id}` is not defined",
                       "it is neither a local, a global, nor a builtin",
                       "define it before calling the gradient")
        obj = root
        for attr in reversed(parts):
            try:
                obj = getattr(obj, attr)
            except AttributeError:
                self.error(node, f"`{node.id}` has no attribute `{attr}`")
        if parts and RECORDERS:  # (what diskcache.py checks again in another process)
            RECORDERS[-1].resolved(self.parsed.scope, node.id, parts[::-1], obj)
        spelling = ".".join([node.id] + parts[::-1])
        if isinstance(obj, (bool, int, float, complex, str, type(None))) and parts:
            return ir.Const(obj)  # np.pi, np.newaxis: library constants
        if isinstance(obj, _CALLABLE_KINDS) or callable(obj) or node.id in self.parsed.scope.closure:
            return ir.Ext(obj, spelling, root)
        if not parts:
            return ir.Global(node.id)
        return ir.Ext(obj, spelling, root)

    def index(self, node, env, out, make_slice=slice, loc=None):
        if isinstance(node, gast.Slice):
            parts = [ir.Const(None) if p is None else self.operand(p, env, out)
                     for p in (node.lower, node.upper, node.step)]
            if all(isinstance(p, ir.Const) for p in parts):
                return ir.Const(slice(*(p.value for p in parts)))
            return self.emit(ir.Assign(None, make_slice, parts, {}, loc,
                                       ir.Ext(make_slice, make_slice.__name__, make_slice)),
                             "sl", out)
        if isinstance(node, gast.Tuple):
            items = [self.index(x, env, out, make_slice, loc) for x in node.elts]
            if all(isinstance(p, ir.Const) for p in items):
                return ir.Const(tuple(p.value for p in items))
            return self.emit(ir.Assign(None, ops.make_tuple, items), "idx", out)
        return self.operand(node, env, out)

    def emit(self, assign, base, out):
        assign.target = self.new_var(base, temp=True)
        out.append(assign)
        return assign.target











def _substitute(stmts, mapping):
    """Replace reads of the Vars named in `mapping` everywhere in `stmts`."""
    sub = lambda v: mapping.get(v.name, v) if isinstance(v, ir.Var) else v  # noqa: E731
    for st in ir.walk(stmts):
        if isinstance(st, ir.Assign):
            st.args = [sub(a) for a in st.args]
            st.kwargs = {k: sub(v) for k, v in st.kwargs.items()}
            if getattr(st, "in_place_of", None) is not None:
                st.in_place_of = sub(st.in_place_of)
        elif isinstance(st, (ir.If, ir.Loop)):
            for phi in st.phis:
                phi.inputs = [sub(v) for v in phi.inputs]
            if isinstance(st, ir.If):
                st.cond = sub(st.cond)
            else:
                st.iterable, st.cond = sub(st.iterable), sub(st.cond)
        elif isinstance(st, ir.Return):
            st.value = sub(st.value)


def _with_assigned(loop, names):
    """`loop`, seen as also assigning the names `names` assigns (so that they get
    loop-header phis)."""
    import copy
    out = copy.copy(loop)
    out.extra_assigned = list(getattr(loop, "extra_assigned", ())) + [names]
    return out
