"""Stage 5: SSA function -> SSA adjoint function (reverse mode).

Takes an `ir.Function`, the parameters to differentiate and their
`Activity`; guarantees an `ir.Function` that runs the primal statements
forward, then each active statement's rule in reverse order, and returns
`(value, gradients)`. Adjoints are symbolic zeros until a first
contribution arrives (nothing is emitted for a zero), later contributions
are summed, and if-regions are reversed as if-regions on the same condition.

    def f(x, y):                   def f_adjoint(x, y, d_f=1.0):
        a = x + y                      a = x + y
        f = a * y          ->          f = a * y
        return f                       d_a = d_f * y
                                       d_y = d_f * a
                                       d_x = d_a
                                       d_y_1 = d_y + d_a
                                       return f, (d_x, d_y_1)
"""
from __future__ import annotations

import functools
import operator

import numpy as np

from .. import ir
from ..ir import array_api
from ..errors import working_on, TranspileError
from ..frontend.syntax import describe
from .inline import Namer, drop_unread, inline, simplified_value
from ..ir.kinds import SCALAR, Kinds
from .calls import (CallReverser, attribute_error, dynamic_reverse, held_places, is_dynamic_call,
                    is_user_function)
from .forward import ADD_GRADS
from .reverse_branches import BranchReverser
from .reverse_index import IndexMixin
from .reverse_loops import LoopReverser, free_vars, shape_stand_ins
from ..rules.table import is_nondifferentiable, is_position, lookup
from runtime import helpers, ops
from runtime.array_api import saved_namespace
from runtime.containers import add_at, add_grads, select_grad
from runtime.structures import held, is_structure_type

from ..frontend.callables import make_object

HELD = ir.Ext(held, "held", held)

ZEROS = ir.Ext(helpers.zeros_like, "zeros_like", helpers.zeros_like)
UNBROADCAST = ir.Ext(helpers.unbroadcast, "unbroadcast", helpers.unbroadcast)
ADD_AT = ir.Ext(add_at, "add_at", add_at)
MATMULS = (operator.matmul, np.matmul, np.dot)


def reverse(fn, wrt, activity, param_kinds=None, facts=None, checkpoint=None):
    """Build the adjoint of `fn` for parameter names `wrt` (see module docstring).
    `param_kinds` says which parameters are known scalars (see kinds.py), for
    the optimizations; `facts` the same from the arguments in every mode."""
    return Reverse(fn, activity, param_kinds, facts, checkpoint).function(wrt)


def is_runtime_helper(fn):
    """A function of the runtime package that generated code calls (Python with
    source, so it can be differentiated like a user function)."""
    import types
    return isinstance(fn, types.FunctionType) and \
        (getattr(fn, "__module__", "") or "").startswith("runtime.")


def _generated_or_runtime(filename):
    """Code tapeless made or ships (a gradient differentiated again, or a runtime
    helper differentiated from its source), not the user's."""
    import os
    import runtime
    from ..sourcefiles import is_generated
    return is_generated(filename) or \
        filename.startswith(os.path.dirname(os.path.abspath(runtime.__file__)) + os.sep)


def _is_zero(v):
    return isinstance(v, ir.Const) and type(v.value) in (int, float) and v.value == 0


class Reverse(IndexMixin, BranchReverser):
    def __init__(self, fn, activity, param_kinds=None, facts=None, checkpoint=None):
        self.fn, self.activity = fn, activity
        self.checkpoint = checkpoint  # True or K: its loops checkpointed (checkpoint.py)
        self.kinds = Kinds(param_kinds).block(fn.body)
        self.facts = facts or self.kinds  # argument kinds even when not optimizing
        self.containers = {s.args[0].name for s in ir.walk(fn.body)
                           if isinstance(s, ir.Assign) and s.fn is operator.getitem
                           and isinstance(s.args[0], ir.Var)}
        self.containers |= {s.target.name for s in ir.walk(fn.body)
                            if isinstance(s, ir.Assign) and s.target is not None
                            and s.fn in (ops.make_list, ops.make_tuple, ops.make_dict,
                                         ops.list_append, functools.partial)}
        self.containers |= self.maybe_containers(fn)
        self.containers |= {v.name for s in ir.walk(fn.body)  # xs + xs: xs may be a list
                            if isinstance(s, ir.Assign) and self.kinds.sequence_operator(s)
                            for v in s.args if isinstance(v, ir.Var)
                            and self.kinds.may_be_sequence(v)}
        self.containers |= {s.args[0].name for s in ir.walk(fn.body)  # fields: p.w
                            if isinstance(s, ir.Assign) and s.fn is ops.attribute
                            and isinstance(s.args[0], ir.Var)}
        self.namer = Namer((v.name for v in _all_vars(fn)), dict(fn.source_names),
                           set(fn.temps))
        self.namer.taken.update(fn.source_names.values())
        self.mirrors = {}  # see ir.Function.mirrors
        self.namespace = array_api.function_namespace(fn)  # for the rules of operators

    def maybe_containers(self, fn):
        """Arguments of calls to other functions that may be lists, tuples or dicts
        (nothing says they are numbers or arrays): the gradients coming back from
        two calls must be added item by item, not concatenated."""
        calls = [s for s in ir.walk(fn.body) if isinstance(s, ir.Assign)
                 and (is_user_function(s.fn) or s.fn is ops.call)]
        # where a container can come from: a parameter, an item, another call's result
        sources = {p.name for p in fn.params} | {
            s.target.name for s in ir.walk(fn.body) if isinstance(s, ir.Assign)
            and s.target is not None and s.fn is operator.getitem} | {
            s.target.name for s in calls if s.target is not None}
        phis = [p for s in ir.walk(fn.body) if isinstance(s, (ir.If, ir.Loop)) for p in s.phis]
        grown = True
        while grown:  # a loop's or branch's value is one of its inputs (`params = step(params)`)
            grown = False
            for p in phis:
                if p.target.name not in sources and any(
                        isinstance(v, ir.Var) and v.name in sources for v in p.inputs):
                    sources.add(p.target.name)
                    grown = True
        return {v.name for s in calls for v in list(s.args) + list(s.kwargs.values())
                if isinstance(v, ir.Var) and v.name in sources
                and self.facts.rank(v) is None and self.facts.of(v) != SCALAR}

    def base(self, var):
        return self.fn.source_names.get(var.name, var.name)

    def adjoint_name(self, var):
        return self.namer.fresh("d_" + self.base(var))

    # -- function ------------------------------------------------------------
    def sweeps(self, wrt):
        """The forward statements (a copy), the reverse sweep, the returned value,
        the seed parameter and the gradient of each `wrt` parameter."""
        fn = self.fn
        *body, ret = ir.clone_block(fn.body)  # a copy: loops get save statements added
        if self.checkpoint:  # loops over segments, their bodies recomputed (checkpoint.py)
            from . import checkpoint
            checkpoint.segment_loops(self, body, self.checkpoint)
            self.recomputed_body = functools.partial(checkpoint.recomputed_body, self)
        self.index(body)
        value = ret.value
        seed = self.namer.fresh("d_" + (self.base(value) if isinstance(value, ir.Var) else fn.name))
        adj = {}
        if self.kinds.of(value) is not None:
            self.kinds.table[seed.name] = self.kinds.of(value)
        if self.activity.is_active(value):
            adj[value.name] = seed
        sweep = []
        self.block(body, adj, sweep)
        params = {p.name: p for p in fn.params}
        grads = []
        for name in wrt:
            g = adj.get(name)
            if g is None:
                g = self.namer.fresh("d_" + name)
                sweep.append(ir.Assign(g, helpers.zeros_like, [params[name]], {}, None, ZEROS))
            grads.append(g)
        return body, sweep, value, seed, grads

    def function(self, wrt):
        """One function: forward, then reverse; returns (value, gradient(s))."""
        fn = self.fn
        body, sweep, value, seed, grads = self.sweeps(wrt)
        out = list(body) + sweep
        tail = len(out)
        grad_value = grads[0] if len(grads) == 1 else self.emit(
            out, "grads", ops.make_tuple, grads)
        result = self.emit(out, "result", ops.make_tuple, [value, grad_value])
        out.append(ir.Return(result))
        for s in ir.walk(sweep + out[tail:]):
            s.reverse = True
        made = ir.Function(f"{fn.name}_adjoint", list(fn.params) + [seed], out,
                           {**fn.defaults, seed.name: 1.0}, fn.filename, self.namer.bases,
                           self.namer.temps, list(fn.kwonly) + ([seed.name] if fn.kwonly else []))
        made.facts = self.kinds  # ranks and integer indices, for accumulate.py
        made.mirrors = self.mirrors
        return made

    def split(self, wrt):
        """Two functions for calls from other gradients: `forward(*params)` returns
        (value, saved) and `backward(saved, d_value)` returns the gradients."""
        fn = self.fn
        body, sweep, value, seed, grads = self.sweeps(wrt)
        tail = []
        grad_tuple = self.emit(tail, "grads", ops.make_tuple, grads)
        tail.append(ir.Return(grad_tuple))
        defined = {p.name for p in fn.params} | {v.name for s in ir.walk(body)
                                                 for v in ir.defs(s)}
        residuals = [v for v in free_vars(sweep + tail) if v.name in defined]
        fwd = list(body)
        exported = [self.export(v, self.sites.get(v.name) or None) for v in residuals]
        params = {p.name for p in fn.params}  # (the caller holds those anyway)
        made_here = [v.name if v.name not in params else None for v in residuals]
        exported = shape_stand_ins(self, exported, made_here, sweep + tail, fwd)
        saved_param = self.namer.fresh("saved")  # (first: the backward's parameter is `saved`)
        saved = self.emit(fwd, "residuals", ops.make_tuple, exported)
        result = self.emit(fwd, "result", ops.make_tuple, [value, saved])
        fwd.append(ir.Return(result, reverse=False))  # (so `return (y, ...)` folds)
        reads, namespaces = self.read_back(body, residuals, saved_param)
        bwd = reads + namespaces + sweep + tail
        for s in ir.walk(bwd):
            s.reverse = True
        for s in bwd[:len(residuals)]:
            s.unpack_length = len(residuals)  # codegen: `a, b = saved`
        names, temps = self.namer.bases, self.namer.temps
        forward = ir.Function(f"{fn.name}_forward", list(fn.params), fwd, dict(fn.defaults),
                              fn.filename, names, temps, list(fn.kwonly))
        read_back = {r.target.name for r in reads}  # named, so printed `a, b = saved`
        backward = ir.Function(f"{fn.name}_backward", [saved_param, seed], bwd, {},
                               fn.filename, names, temps - read_back)
        backward.mirrors = self.mirrors
        return forward, backward

    def read_back(self, body, residuals, saved_param):
        """The backward's statements reading its residuals from `saved`, and for
        an array namespace among them, `xp = saved_namespace(xp_saved)`: read again
        (higher derivatives), `xp` is then known for a namespace."""
        makers = {s.target.name for s in ir.walk(body) if isinstance(s, ir.Assign) and
                  s.target is not None and array_api.is_namespace_maker(s.fn)}
        reads, namespaces = [], []
        for i, r in enumerate(residuals):
            into = self.namer.fresh(f"{r.name}_saved") if r.name in makers else r
            reads.append(ir.Assign(into, operator.getitem, [saved_param, ir.Const(i)]))
            if into is not r:
                namespaces.append(ir.Assign(r, saved_namespace, [into], {}, None,
                                            array_api.SAVED_NAMESPACE))
        return reads, namespaces

    def emit(self, out, base, fn, args, kwargs=None, loc=None, callee=None):
        target = self.namer.fresh(base, temp=True)
        out.append(ir.Assign(target, fn, list(args), kwargs or {}, loc, callee))
        return target

    # -- statements --------------------------------------------------------
    def block(self, stmts, adj, out):
        for s in reversed(list(stmts)):  # a copy: calls rewrite their forward statement
            working_on(s.loc)
            if isinstance(s, ir.Assign):
                self.assign(s, adj, out)
            elif isinstance(s, ir.If):
                self.if_(s, adj, out)
            elif isinstance(s, ir.Loop):
                LoopReverser(self)(s, adj, out)

    def accumulate(self, var, contribution, adj, out, loc):
        """adj[var] += contribution, symbolically: the first one is a copy."""
        if _is_zero(contribution):
            return
        previous = adj.get(var.name)
        target = self.adjoint_name(var)
        if previous is None:
            stmt = ir.Assign(target, ops.identity, [contribution], {}, None, adjoint_of=loc)
        elif var.name in self.containers and out and isinstance(out[-1], ir.Assign) and \
                out[-1].target == contribution and out[-1].fn is select_grad:
            item = out.pop()  # acc + select_grad(g, x, i) -> add_at(acc, i, g)
            stmt = ir.Assign(target, add_at, [previous, item.args[2], item.args[0]], {}, None,
                             ADD_AT, adjoint_of=loc)
        elif var.name in self.containers:  # + would concatenate tuples
            stmt = ir.Assign(target, add_grads, [previous, contribution], {}, None, ADD_GRADS,
                             adjoint_of=loc)
        else:
            stmt = ir.Assign(target, operator.add, [previous, contribution], {}, None,
                             adjoint_of=loc)
        out.append(self.kinds.infer(stmt))
        adj[var.name] = target

    def assign(self, s, adj, out):
        if s.target is None or s.target.name not in adj:
            return
        g = adj.pop(s.target.name)
        active = [v for v in s.operands() if self.activity.is_active(v)]
        if not active or is_nondifferentiable(s.fn):
            return
        if s.fn in (ops.make_tuple, ops.make_list, ops.make_dict):
            keys = s.args[0].value if s.fn is ops.make_dict else range(len(s.args))
            items = s.args[1:] if s.fn is ops.make_dict else s.args
            for k, item in zip(keys, items):
                if self.activity.is_active(item):
                    c = self.value(ir.Assign(None, operator.getitem, [g, ir.Const(k)]), out)
                    self.accumulate(item, c, adj, out, s.loc)
            return
        if s.fn in (ops.method, ops.call_method) or \
                s.fn is ops.attribute and self.facts.is_numeric(s.args[0]):
            raise attribute_error(s)  # (fields of other objects: rules_objects.py)
        if is_structure_type(s.fn):
            return self.structure_fields(s, g, adj, out)
        if s.fn is make_object:  # the end of a constructor function (callables.py)
            for name, v in zip(s.args[1].value.split(), s.args[2:]):
                if self.activity.is_active(v):
                    c = self.value(ir.Assign(None, ops.attribute, [g, ir.Const(name)]), out)
                    self.accumulate(v, c, adj, out, s.loc)
            return
        rule = lookup(self.kinds.sequence_operator(s) or s.fn)
        name = s.callee.spelling if s.callee else getattr(s.fn, "__name__", str(s.fn))
        if rule is None and is_user_function(s.fn):
            return CallReverser(self)(s, g, adj, out)
        if rule is None and is_dynamic_call(s):
            return dynamic_reverse(self, s, g, adj, out)
        if s.fn is functools.partial:  # a function value holding differentiated values
            for key, v in held_places(s, self.activity.is_active):
                c = self.value(ir.Assign(None, held, [g, ir.Const(key)], {}, s.loc, HELD), out)
                self.accumulate(v, c, adj, out, s.loc)
            return
        if rule is None:
            what, key = describe(s.fn, name)
            raise TranspileError(
                f"no derivative rule for {what}", s.loc,
                "the compiler has no rule for this function and cannot read its source",
                f"register one with @transpiler.rule({key}) (see docs/custom-rules.md)")
        bound = rule.bind(s.args, s.kwargs) if rule.adjoint or rule.partials else None
        if bound is not None:  # parameters left at their defaults become constants
            bound = {k: v if isinstance(v, (ir.Var, ir.Const, ir.Global, ir.Ext)) else ir.Const(v)
                     for k, v in bound.items()}
        uncovered = bound is None or any(
            self.activity.is_active(v) and p not in rule.wrt and not is_position(p)
            for p, v in bound.items())
        if uncovered and is_runtime_helper(s.fn) and _generated_or_runtime(self.fn.filename):
            # generated code differentiated again (grad of a gradient): a helper its rule
            # does not cover here is differentiated from its source, like a user function
            return CallReverser(self)(s, g, adj, out)
        if bound is None:
            raise TranspileError(f"`{name}` is called with arguments its derivative rule "
                                 "does not take", s.loc, fix="call it with its usual "
                                 "positional arguments")
        for param, v in bound.items():
            if self.activity.is_active(v) and param not in rule.wrt and \
                    not is_position(param, rule):
                raise TranspileError(
                    f"cannot differentiate `{name}` with respect to its argument `{param}`",
                    s.loc, "its rule gives no gradient for that argument",
                    "pass a value that does not depend on the differentiated inputs, or "
                    "wrap it in transpiler.stop_gradient")
        rule_loc = s.loc
        start = len(out)
        namespace = array_api.namespace_operand(s) or self.namespace
        contributions = self.contributions(rule, g, s.target, bound, out, namespace)
        drop_unread(out, start, [c for param, c in zip(rule.wrt, contributions)
                                  if self.activity.is_active(bound[param])])
        for param, c in zip(rule.wrt, contributions):
            v = bound[param]
            if self.activity.is_active(v):
                self.accumulate(v, c, adj, out, rule_loc)
        for stmt in out[start:]:
            stmt.adjoint_of = rule_loc

    def structure_fields(self, s, g, adj, out):
        """`p = Params(w, b)` (a dataclass or NamedTuple): each argument's gradient
        is its field of the structure's gradient."""
        import inspect
        try:
            bound = inspect.signature(s.fn).bind(*s.args, **s.kwargs).arguments
        except TypeError as exc:
            raise TranspileError(f"cannot build `{s.fn.__name__}` with these arguments: "
                                 f"{exc}", s.loc) from None
        for name, v in bound.items():
            if self.activity.is_active(v):
                c = self.value(ir.Assign(None, ops.attribute, [g, ir.Const(name)]), out)
                self.accumulate(v, c, adj, out, s.loc)

    def contributions(self, rule, g, ans, bound, out, namespace=None):
        if rule.prim in MATMULS and len(bound) == 2:
            from ..rules import python as rules_python
            a, b = bound.values()
            known = {(2, 2): rules_python.matmul_2d, (2, 1): rules_python.matmul_matrix_vector,
                     (1, 2): rules_python.matmul_vector_matrix}
            rank_rule = known.get((self.kinds.rank(a), self.kinds.rank(b)))
            if rank_rule is not None and (namespace is None or rank_rule is known[2, 2]):
                # (np.outer is not in the Array API standard)
                return inline(rank_rule, {"g": g, "ans": ans, "a": a, "b": b}, self.namer,
                              out, kinds=self.kinds, namespace=namespace)
        if rule.adjoint is not None:
            return inline(rule.adjoint, {"g": g, "ans": ans, **bound}, self.namer, out,
                          kinds=self.kinds, namespace=namespace)
        partials = inline(rule.partials, {"ans": ans, **bound}, self.namer, out,
                          kinds=self.kinds, namespace=namespace)
        result = []
        for param, p in zip(rule.wrt, partials):
            c = self.value(ir.Assign(None, operator.mul, [g, p]), out)
            others = [v for name, v in bound.items() if name != param]
            if all(self.kinds.of(v) == SCALAR for v in others):
                result.append(c)  # the result has this operand's shape
                continue
            if len(rule.wrt) > 1 and not _is_zero(c):
                c = self.value(ir.Assign(None, helpers.unbroadcast, [c, bound[param]], {},
                                         None, UNBROADCAST), out)
            result.append(c)
        return result

    def value(self, assign, out):
        return simplified_value(assign, self.namer, self.kinds, out)

    def zeros(self, var, out):
        target = self.adjoint_name(var)
        out.append(self.kinds.infer(ir.Assign(target, helpers.zeros_like, [var], {}, None, ZEROS)))
        return target


def _all_vars(fn):
    out = list(fn.params)
    for s in ir.walk(fn.body):
        out.extend(ir.defs(s))
    return out
