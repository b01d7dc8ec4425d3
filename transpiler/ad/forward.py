"""Stage 5': SSA function -> SSA tangent function (forward mode).

Takes an `ir.Function`, the parameters to differentiate and their
`Activity`; guarantees an `ir.Function` taking the primal arguments plus one
keyword-only tangent per differentiated parameter (`x_dot`), in which each
primal statement is followed by the statement computing its tangent, and
which returns `(value, value_dot)`. Tangents are symbolic zeros until a
statement depends on a differentiated input; branches and loops keep their
shape, with phis for tangents.

    def f(x, y):                  def f_tangent(x, y, *, x_dot, y_dot):
        a = x * y        ->           a = x * y
        return np.sin(a)              a_dot = x_dot * y + y_dot * x
                                      f = np.sin(a)
                                      f_dot = a_dot * np.cos(a)
                                      return f, f_dot
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
from ..rules.table import is_nondifferentiable, is_position, lookup
from runtime import helpers, ops
from runtime.containers import add_at, add_grads, select_grad

# helpers whose result may be a tuple, list or dict of gradients: their
# tangents add item by item (`+` would concatenate)
# primitives whose result may be a tuple or list: tangents of two arguments add
# item by item (`+` would concatenate them)
_CONTAINER_RESULTS = (add_at, add_grads, select_grad, np.linalg.eigh, np.linalg.eig,
                      np.linalg.svd, np.linalg.qr, np.linalg.slogdet, np.linalg.lstsq,
                      np.split, np.array_split, np.hsplit, np.vsplit, np.dsplit,
                      np.broadcast_arrays, np.meshgrid)
ADD_GRADS = ir.Ext(add_grads, "add_grads", add_grads)

ZEROS = ir.Ext(helpers.zeros_like, "zeros_like", helpers.zeros_like)
EXPAND = ir.Ext(helpers.broadcast_like, "broadcast_like", helpers.broadcast_like)


def forward(fn, wrt, activity, param_kinds=None, facts=None, tangent_names=None):
    """Build the tangent function of `fn` for parameter names `wrt`; its tangent
    parameters are `tangent_names` when given (a recursive call needs them
    before the function exists)."""
    return Forward(fn, activity, param_kinds, facts).function(wrt, tangent_names)


class Forward:
    def __init__(self, fn, activity, param_kinds=None, facts=None):
        self.fn, self.activity = fn, activity
        self.kinds = Kinds(param_kinds).block(fn.body)
        self.facts = facts or self.kinds  # argument kinds even when not optimizing
        self.methods = {}  # obj.name of a differentiated obj, to be called (see calls.py)
        names = [p.name for p in fn.params] + [v.name for s in ir.walk(fn.body)
                                              for v in ir.defs(s)]
        self.namer = Namer(names, dict(fn.source_names), set(fn.temps))
        self.namer.taken.update(fn.source_names.values())
        # the namespace of the rules of operators (array_api.function_namespace),
        # from the statement that computes it on
        self.later_namespace = array_api.function_namespace(fn)
        defined_here = {v.name for st in ir.walk(fn.body) for v in ir.defs(st)}
        self.namespace = None if getattr(self.later_namespace, "name", None) in defined_here \
            else self.later_namespace

    def base(self, var):
        return self.fn.source_names.get(var.name, var.name)

    def tangent_name(self, var):
        return self.namer.fresh(self.base(var) + "_dot")

    # -- function ------------------------------------------------------------
    def function(self, wrt, tangent_names=None):
        fn = self.fn
        params = {p.name: p for p in fn.params}
        tan = {}
        tangent_params = []
        if tangent_names:
            self.namer.taken.update(tangent_names)
        for k, name in enumerate(wrt):
            t = ir.Var(tangent_names[k]) if tangent_names else self.namer.fresh(name + "_dot")
            tan[name] = t
            tangent_params.append(t)
            if self.kinds.of(params[name]) is not None:
                self.kinds.table[t.name] = self.kinds.of(params[name])
        *body, ret = fn.body
        out = self.block(body, tan)
        value = ret.value
        value_dot = tan.get(value.name) if isinstance(value, ir.Var) else None
        if value_dot is None:
            value_dot = self.zeros_of(value, out)
        result = self.emit(out, "result", ops.make_tuple, [value, value_dot])
        out.append(ir.Return(result))
        # tangents after the parameters, positional where the function has no defaults
        # (a call of a function value passes them in order: dynamic.jvp_link)
        kwonly = list(fn.kwonly) + [t.name for t in tangent_params] \
            if fn.kwonly or fn.defaults else []
        return ir.Function(f"{fn.name}_tangent", list(fn.params) + tangent_params, out,
                           dict(fn.defaults), fn.filename, self.namer.bases, self.namer.temps,
                           kwonly)

    def emit(self, out, base, fn, args, callee=None, kwargs=None):
        target = self.namer.fresh(base, temp=True)
        out.append(self.kinds.infer(ir.Assign(target, fn, list(args), kwargs or {}, None,
                                              callee)))
        return target

    def value(self, assign, out):
        return simplified_value(assign, self.namer, self.kinds, out)

    def zeros(self, var, out):
        if not isinstance(var, ir.Var):  # a constant item of a tuple
            return ir.Const(0.0)
        target = self.namer.fresh(self.base(var) + "_dot")
        out.append(self.kinds.infer(ir.Assign(target, helpers.zeros_like, [var], {}, None,
                                              ZEROS)))
        self.kinds.table[target.name] = self.kinds.of(var)
        return target

    # -- statements ----------------------------------------------------------
    def block(self, stmts, tan):
        out = []
        for s in stmts:
            working_on(getattr(s, "loc", None))
            if isinstance(s, ir.Assign):
                self.assign(s, tan, out)
                if s.target is not None and s.target == self.later_namespace:
                    self.namespace = s.target
            elif isinstance(s, ir.If):
                out.append(self.if_(s, tan))
            elif isinstance(s, ir.Loop):
                out.extend(self.loop(s, tan))
            else:
                out.append(s)
        return out

    def tangents_of(self, operands, tan):
        return [tan.get(v.name) if isinstance(v, ir.Var) else None for v in operands]

    def assign(self, s, tan, out):
        used = s.args[1:] if s.fn is ops.call else s.operands()
        method = next((v for v in used if isinstance(v, ir.Var) and v.name in self.methods), None)
        if method is not None:  # a differentiated object's method used as a value
            from .calls import attribute_error
            raise attribute_error(self.methods[method.name])
        if s.fn is ops.call and isinstance(s.args[0], ir.Var) and s.args[0].name in self.methods:
            from .calls import dynamic_tangent  # the object's fields carry tangents
            return dynamic_tangent(self, s, tan, out)
        primal = ir.clone_block([s])[0]
        if s.target is None or is_nondifferentiable(s.fn) or \
                not any(t is not None for t in self.tangents_of(s.operands(), tan)):
            out.append(primal)
            return
        if s.fn in (ops.make_tuple, ops.make_list, ops.list_append, ops.make_dict):
            out.append(primal)
            items = [t if t is not None else self.zeros(a, out)
                     for a, t in zip(s.args, self.tangents_of(s.args, tan))]
            if s.fn is ops.make_dict:
                items[0] = s.args[0]  # the keys
            tan[s.target.name] = self.emit(out, self.base(s.target) + "_dot", s.fn, items,
                                           s.callee)
            return
        if s.fn is ops.method and not self.facts.is_numeric(s.args[0]):
            out.append(primal)  # called next: differentiated through its class's function
            self.methods[s.target.name] = s
            return
        if s.fn in (ops.method, ops.call_method) or \
                s.fn is ops.attribute and self.facts.is_numeric(s.args[0]):
            from .calls import attribute_error
            raise attribute_error(s)
        from runtime.structures import is_structure_type
        from ..frontend.callables import make_object
        if is_structure_type(s.fn) or s.fn is make_object:  # Params(w, b): Params(w_dot, b_dot)
            out.append(primal)
            skip = 2 if s.fn is make_object else 0  # (the class and the field names)
            args = list(s.args[:skip]) + [
                t if t is not None else self.zeros(a, out)
                for a, t in zip(s.args[skip:], self.tangents_of(s.args[skip:], tan))]
            kwargs = {k: tan.get(v.name) if isinstance(v, ir.Var) and v.name in tan
                      else self.zeros(v, out) for k, v in s.kwargs.items()}
            tan[s.target.name] = self.emit(out, self.base(s.target) + "_dot", s.fn, args,
                                           s.callee, kwargs)
            return
        sequence_op = self.kinds.sequence_operator(s)
        rule = lookup(sequence_op or s.fn)
        from .calls import is_user_function
        if rule is None and is_user_function(s.fn):
            from .calls import tangent_call
            return tangent_call(self, s, tan, out)
        from .calls import dynamic_tangent, is_dynamic_call
        if rule is None and is_dynamic_call(s):
            return dynamic_tangent(self, s, tan, out)
        if s.fn is functools.partial:  # its tangent: a partial like it holding tangents
            from .calls import held_places
            from runtime.helpers import holding
            out.append(primal)
            places = held_places(s, lambda v: isinstance(v, ir.Var) and v.name in tan)
            dots = self.emit(out, self.base(s.target) + "_held", ops.make_tuple,
                             [tan[v.name] for _, v in places])
            keys = ir.Const(tuple(key for key, _ in places))
            tan[s.target.name] = self.emit(out, self.base(s.target) + "_dot", holding,
                                           [s.target, keys, dots],
                                           ir.Ext(holding, "holding", holding))
            return
        out.append(primal)
        name = s.callee.spelling if s.callee else getattr(s.fn, "__name__", str(s.fn))
        if rule is None:
            what, key = describe(s.fn, name)
            raise TranspileError(f"no derivative rule for {what}", s.loc,
                                 fix=f"register one with @transpiler.rule({key})")
        bound = rule.bind(s.args, s.kwargs)
        if bound is None:
            raise TranspileError(f"`{name}` is called with arguments its derivative rule "
                                 "does not take", s.loc)
        bound = {k: v if isinstance(v, (ir.Var, ir.Const, ir.Global, ir.Ext)) else ir.Const(v)
                 for k, v in bound.items()}
        parts = [c for c in self.contributions(rule, s, bound, tan, out, name)
                 if not (isinstance(c, ir.Const) and type(c.value) in (int, float)
                         and c.value == 0)]
        total = None
        for c in parts:
            total = c if total is None else self.value(
                ir.Assign(None, add_grads, [total, c], {}, None, ADD_GRADS)
                if s.fn in _CONTAINER_RESULTS or sequence_op or s.fn is ops.plus or
                s.fn is ops.setitem and self.kinds.may_be_sequence(s.args[0])
                else ir.Assign(None, operator.add, [total, c]),
                out)
        if total is None:
            return
        if self.may_be_narrow(rule, bound, tan, out) and \
                self.kinds.of(total) != self.kinds.of(s.target):  # a broadcast input's tangent
            total = self.value(ir.Assign(None, helpers.broadcast_like, [total, s.target], {},
                                         None, EXPAND), out)
        target = self.tangent_name(s.target)
        out.append(self.kinds.infer(ir.Assign(target, ops.identity, [total], {}, s.loc)))
        self.kinds.table[target.name] = self.kinds.of(s.target)
        tan[s.target.name] = target

    def may_be_narrow(self, rule, bound, tan, out):
        """Whether the summed tangent may have fewer dimensions than the result: only
        when a constant partial multiplies the tangent of an input that another,
        non-scalar operand was broadcast against."""
        if rule.partials is None or len(bound) < 2:
            return False
        inactive = [v for v in bound.values() if not (isinstance(v, ir.Var) and v.name in tan)]
        if all(self.kinds.of(v) == SCALAR for v in inactive):
            return False
        return any(isinstance(p, ir.Const) for p in self.last_partials)

    def contributions(self, rule, s, bound, tan, out, name):
        active = [p for p, v in bound.items()
                  if isinstance(v, ir.Var) and v.name in tan and not is_position(p, rule)]
        for p in active:
            if p not in rule.wrt and p not in rule.tangents:
                raise TranspileError(
                    f"cannot differentiate `{name}` with respect to its argument `{p}`", s.loc,
                    fix="wrap it in transpiler.stop_gradient")
        namespace = array_api.namespace_operand(s) or self.namespace
        if rule.partials is not None:
            start = len(out)
            partials = dict(zip(rule.wrt, inline(rule.partials, {"ans": s.target, **bound},
                                                 self.namer, out, kinds=self.kinds,
                                                 namespace=namespace)))
            drop_unread(out, start, [partials[p] for p in active])
            self.last_partials = [partials[p] for p in active]
            return [self.value(ir.Assign(None, operator.mul, [tan[bound[p].name],
                                                              partials[p]]), out)
                    for p in active]
        parts = []
        for p in active:
            rule_fn = rule.tangents.get(p)
            if rule_fn is None:
                raise TranspileError(f"no forward-mode (tangent) rule for `{name}` with "
                                     f"respect to `{p}`", s.loc,
                                     fix=f"register one with @transpiler.tangent({name}, '{p}')")
            parts.extend(inline(rule_fn, {_first_param(rule_fn): tan[bound[p].name],
                                          "ans": s.target, **bound},
                                self.namer, out, kinds=self.kinds, namespace=namespace))
        return parts

    def if_(self, s, tan):
        left, right = dict(tan), dict(tan)
        body, orelse = self.block(s.body, left), self.block(s.orelse, right)
        phis = [ir.Phi(p.target, list(p.inputs)) for p in s.phis]
        for p in s.phis:
            a, b = [t.get(v.name) if isinstance(v, ir.Var) else None
                    for t, v in ((left, p.inputs[0]), (right, p.inputs[1]))]
            if a is None and b is None:
                continue
            a = a if a is not None else self.zeros_of(p.inputs[0], body)
            b = b if b is not None else self.zeros_of(p.inputs[1], orelse)
            target = self.tangent_name(p.target)
            phis.append(ir.Phi(target, [a, b]))
            tan[p.target.name] = target
            self.kinds.table[target.name] = self.kinds.of(p.target)
        return ir.If(s.cond, body, orelse, phis, s.loc)

    def zeros_of(self, v, out):
        if isinstance(v, ir.Var):
            return self.zeros(v, out)
        if isinstance(v, ir.Const) and type(v.value) in (int, float, bool):
            return ir.Const(0.0)
        return self.emit(out, "zero", helpers.zeros_like, [v], ZEROS)

    def loop(self, s, tan):
        pre = []
        carried = {}
        phis = [ir.Phi(p.target, list(p.inputs)) for p in s.phis]
        tangent_phis = []
        for p in s.phis:
            if p.target.name in self.activity.varied:
                init = tan.get(p.inputs[0].name) if isinstance(p.inputs[0], ir.Var) else None
                if init is None:
                    init = self.zeros_of(p.inputs[0], pre)
                target = self.tangent_name(p.target)
                tangent_phis.append((p, ir.Phi(target, [init, None])))
                carried[p.target.name] = target
                self.kinds.table[target.name] = self.kinds.of(p.target)
        inner = dict(tan)
        inner.update(carried)
        body = self.block(s.body, inner)
        for p, tp in tangent_phis:
            end = inner.get(p.inputs[1].name) if isinstance(p.inputs[1], ir.Var) else None
            tp.inputs[1] = end if end is not None else self.zeros_of(p.inputs[1], body)
            tan[p.target.name] = tp.target
        loop = ir.Loop(phis + [tp for _, tp in tangent_phis], body, s.target, s.iterable,
                       self.block(s.test, inner), s.cond, s.loc)
        return pre + [loop]


def _first_param(fn):
    import inspect
    return next(iter(inspect.signature(fn).parameters))
