"""Calls to the user's own functions: a companion forward/backward pair per callee.

A call `y = helper(a, b)` with active arguments is not inlined. The callee
gets a companion (generated once per function, set of differentiated
parameters and argument kinds, then cached): `forward(a, b)` returns the value
and what its reverse sweep needs, `backward(saved, d_y)` returns the
gradients. Recursion works because the companion object exists (and is
cached) before its code is generated, and generated code looks its functions
up when it runs.

    y = helper(a, b)        ->      y, helper_saved = helper_vjp.forward(a, b)
                                    ...
                                    helper_grads = helper_vjp.backward(helper_saved, d_y)
                                    d_a = helper_grads[0]
"""
from __future__ import annotations

import inspect
import operator
import types

import numpy as np

from .. import ir
from ..errors import TranspileError
from ..ir.kinds import SCALAR
from .companions import companion, tangent_companion
from .dynamic import (closure_jvp_link, closure_vjp_link, jvp_link, link_finder, pullback_of,
                      vjp_link)
from ..frontend.parse import vararg_name
from runtime import ops
from runtime.structures import unbound_method

UNBOUND = ir.Ext(unbound_method, "unbound_method", unbound_method)

def is_user_function(fn):
    """A plain Python function whose source the compiler can read."""
    return isinstance(fn, types.FunctionType) and fn is not ops.call


def _scalar_or_none(kinds, value):
    """SCALAR for an argument known to be a scalar, its rank for an array of known
    rank; None when unknown, for a parameter left at its default, and for
    *args/**kwargs."""
    if value is None or isinstance(value, (tuple, dict)):
        return None
    return SCALAR if kinds.of(value) == SCALAR else kinds.rank(value)


def attribute_error(s):
    """The error for `obj.name` or `obj.name(...)` where something is being differentiated."""
    name = s.args[1].value
    if s.fn in (ops.call_method, ops.method):
        return TranspileError(
            f"cannot differentiate the method call `.{name}(...)`", s.loc,
            "only NumPy array methods with a NumPy function equivalent carry gradients; "
            "other methods are called only on values that are not differentiated",
            f"call the function form, np.{name}(x, ...), or register a rule for it"
            if callable(getattr(np, name, None)) else
            f"make `.{name}` a module-level function taking the object and the values "
            "(the compiler then reads its source), or pass the values it needs as arguments")
    return TranspileError(
        f"cannot differentiate through the attribute `.{name}`", s.loc,
        "the object it is read from depends on the differentiated arguments, and "
        "attributes of objects carry no gradient",
        "pass the value as an argument (or a dict entry) and differentiate with respect "
        "to that")


def bind_call(s):
    """The call's operands by the callee's parameter names, `*args` items as
    the parameters of the callee's specialization (`rest_0`, `rest_1`, ...,
    see parse.py), and a `**kwargs` dict under its own name; then the names
    of the positional parameters, in order (what the argument kinds are
    listed for)."""
    signature = inspect.signature(s.fn)
    try:
        bound = signature.bind(*s.args, **s.kwargs)
    except TypeError as exc:
        raise TranspileError(f"cannot call `{s.fn.__name__}` with these arguments: {exc}",
                             s.loc) from None
    arguments, positional = {}, []
    for name, param in signature.parameters.items():
        if param.kind is param.VAR_POSITIONAL:
            for i, value in enumerate(bound.arguments.get(name, ())):
                arguments[vararg_name(name, i)] = value
                positional.append(vararg_name(name, i))
            continue
        if name in bound.arguments:
            arguments[name] = bound.arguments[name]
        if param.kind in (param.POSITIONAL_ONLY, param.POSITIONAL_OR_KEYWORD):
            positional.append(name)
    return arguments, positional


class CallReverser:
    def __init__(self, rev):
        self.rev = rev

    def __call__(self, s, g, adj, out):
        rev = self.rev
        fn = s.fn
        arguments, positional = bind_call(s)
        for name, value in arguments.items():
            if isinstance(value, dict) and any(rev.activity.is_active(v)
                                               for v in value.values()):
                raise TranspileError(
                    f"cannot differentiate through `**{name}` of `{fn.__name__}`", s.loc,
                    "differentiated values passed through **kwargs are not supported yet",
                    "give the parameter a name")
        wrt = tuple(n for n, v in arguments.items()
                    if not isinstance(v, dict) and rev.activity.is_active(v))
        kinds = tuple(_scalar_or_none(rev.facts, arguments.get(p)) for p in positional)
        comp = companion(fn, wrt, kinds)
        saved = self.rewrite_forward(s, comp)
        base = _base_name(fn)
        grads = rev.emit(out, f"{base}_grads", comp.backward_key, [saved, g],
                         callee=ir.Ext(comp.backward_key, f"{base}_vjp.backward", comp))
        for k, name in enumerate(wrt):
            c = rev.emit(out, "t", operator.getitem, [grads, ir.Const(k)])
            rev.namer.temps.add(c.name)
            rev.accumulate(arguments[name], c, adj, out, s.loc)
        for stmt in out[-(1 + 2 * len(wrt)):]:
            stmt.adjoint_of = s.loc

    def rewrite_forward(self, s, comp):
        """`y = f(a)` -> `y, f_saved = f_vjp.forward(a)` in the forward sweep."""
        base = _base_name(comp.fn)
        call = ir.Assign(None, comp, list(s.args), dict(s.kwargs), s.loc,
                         ir.Ext(comp, f"{base}_vjp.forward", comp))
        return replace_forward(self.rev, s, [call], base)


def replace_forward(rev, s, before, base):
    """Replace `y = ...` in the forward sweep by the statements `before`, the last
    of which computes `(y, saved)`, then `y = out[0]` and `base_saved = out[1]`;
    returns the saved value's Var."""
    result = rev.namer.fresh(f"{base}_out", temp=True)
    saved = rev.namer.fresh(f"{base}_saved")
    before[-1].target = result
    value = ir.Assign(s.target, operator.getitem, [result, ir.Const(0)], {}, s.loc)
    keep = ir.Assign(saved, operator.getitem, [result, ir.Const(1)], {}, s.loc)
    block = rev.parents[id(s)]
    i = next(k for k, st in enumerate(block) if st is s)
    made = before + [value, keep]
    block[i:i + 1] = made
    for st in made:
        rev.parents[id(st)] = block
    site = rev.sites.get(s.target.name, [])
    for st in made:
        if st.target is not None:
            rev.sites.setdefault(st.target.name, list(site))
            rev.defs[st.target.name] = st
    rev.sites[saved.name] = list(site)
    return saved


# -- calls of values (resolved when they run, see dynamic.py) ----------------------

def callee_and_arguments(s):
    """(callee operand, the call's own arguments) of `func(a, b)` (ops.call) or of
    a call of a known object that is not a plain function (`GF(z)`, `obj.method`)."""
    if s.fn is ops.call:
        return s.args[0], list(s.args[1:])
    return (s.callee if s.callee is not None else ir.Ext(s.fn, _spelling(s.fn), s.fn)), \
        list(s.args)


def _spelling(fn):
    return _base_name(fn) if hasattr(fn, "__name__") else type(fn).__name__


def is_dynamic_call(s):
    """A call the compiler resolves when it runs: of a value, or of a callable
    object that is not a plain function and has no rule."""
    from ..rules.table import is_nondifferentiable, lookup
    if s.fn is ops.call:
        return True
    if not callable(s.fn) or is_user_function(s.fn) or lookup(s.fn) is not None or \
            is_nondifferentiable(s.fn) or isinstance(s.fn, type):
        return False
    from ..frontend.callables import resolve
    try:  # a method, a partial, a callable object, a transform object
        resolve(s.fn, None, tuple(s.kwargs))
    except TranspileError:
        return False  # a library function without a rule: "no derivative rule"
    return True


def _callee_name(callee):
    name = str(callee).split(".")[-1]
    return "".join(c for c in name if c.isalnum() or c == "_") or "fn"


def _unbound(callee, made, is_active, facts):
    """(receiver, method name) when the call is of a differentiated object's
    method looked up here (`obj.forward(x)`)."""
    if made is not None and made.fn is ops.method and is_active(made.args[0]):
        if facts.is_numeric(made.args[0]):  # x.tolist() of a differentiated array
            raise attribute_error(made)
        return made.args[0], made.args[1].value
    return None


def _through_class(s, unbound, args, namer, out):
    """`obj.forward(x)`, `obj(x)` of a differentiated object as the call
    `type(obj).forward(obj, x)`: the lookup is appended to `out`; returns the new
    call statement, its callee and its arguments."""
    receiver, name = unbound
    callee = namer.fresh(name.strip("_"))
    out.append(ir.Assign(callee, unbound_method, [receiver, ir.Const(name)], {}, s.loc,
                         UNBOUND))
    args = [receiver] + args
    return (ir.Assign(s.target, ops.call, [callee] + args, dict(s.kwargs), s.loc, s.callee),
            callee, args)


def held_places(s, is_active):
    """(key, value) of the differentiated values `f = functools.partial(g, a, k=b)`
    binds, keyed as `runtime.structures.held` reads them (positions, keywords)."""
    if is_active(s.args[0]):
        raise TranspileError(
            "cannot differentiate through a partial of a function value that itself holds "
            "differentiated values", s.loc,
            "functools.partial merges the arguments of nested partials",
            "bind all the arguments in one functools.partial (or one lambda)")
    return [(k, v) for k, v in enumerate(s.args[1:]) if is_active(v)] + \
        [(k, v) for k, v in s.kwargs.items() if is_active(v)]


def _active_arguments(s, args, is_active):
    """Positions and keywords of the call's differentiated arguments."""
    return tuple(i for i, a in enumerate(args) if is_active(a)) + \
        tuple(k for k, v in s.kwargs.items() if is_active(v))


def dynamic_reverse(rev, s, g, adj, out):
    """`y = func(a, b)` -> a `vjp_link` for the actual callee, called in the forward
    sweep; its `.backward` in the reverse sweep (see dynamic.py). A callee that is
    itself differentiated (a lambda reading differentiated locals) is passed to
    the link's functions, which return its gradient first."""
    callee, args = callee_and_arguments(s)
    before, original = [], s
    made = rev.defs.get(getattr(callee, "name", None))
    unbound = _unbound(callee, made, rev.activity.is_active, rev.facts)
    if unbound is not None:
        s, callee, args = _through_class(s, unbound, args, rev.namer, before)
    active = _active_arguments(s, args, rev.activity.is_active)
    held = [callee] if rev.activity.is_active(callee) else []
    finder = closure_vjp_link if held else vjp_link if s.kwargs else \
        link_finder("vjp", len(args))
    base = _callee_name(callee)
    link = rev.namer.fresh(f"{base}_vjp")
    find = ir.Assign(link, finder, [callee, ir.Const(active)] + args, dict(s.kwargs), s.loc,
                     ir.Ext(finder, finder.__name__, finder))
    call = ir.Assign(None, ops.call, [link] + held + args, dict(s.kwargs), s.loc,
                     ir.Ext(ops.call, "call", ops.call))
    saved = replace_forward(rev, original, before + [find, call], base)
    pullback = rev.emit(out, "backward", pullback_of, [link],
                        callee=ir.Ext(pullback_of, "pullback_of", pullback_of))
    grads = rev.emit(out, f"{base}_grads", ops.call, [pullback] + held + [saved, g],
                     callee=ir.Ext(ops.call, "call", ops.call))
    start = len(out) - 2
    targets = held + [s.kwargs[k] if isinstance(k, str) else args[k] for k in active]
    for k, target in enumerate(targets):
        c = rev.emit(out, "t", operator.getitem, [grads, ir.Const(k)])
        rev.namer.temps.add(c.name)
        rev.accumulate(target, c, adj, out, s.loc)
    for stmt in out[start:]:
        stmt.adjoint_of = s.loc


def dynamic_tangent(fwd, s, tan, out):
    """`y = func(a, b)` -> `y, y_dot = jvp_link(func, ...)(a, b, a_dot)` in
    forward-mode code (see dynamic.py); a differentiated callee is passed first,
    and its tangent before the arguments' tangents."""
    callee, args = callee_and_arguments(s)
    made = fwd.methods.get(getattr(callee, "name", None))
    is_active = lambda v: isinstance(v, ir.Var) and v.name in tan  # noqa: E731
    unbound = _unbound(callee, made, is_active, fwd.facts)
    if unbound is not None:
        s, callee, args = _through_class(s, unbound, args, fwd.namer, out)
    active = _active_arguments(s, args, is_active)
    held = [callee] if is_active(callee) else []
    finder = closure_jvp_link if held else jvp_link if s.kwargs else \
        link_finder("jvp", len(args))
    base = _callee_name(callee)
    link = fwd.namer.fresh(f"{base}_jvp")
    out.append(ir.Assign(link, finder, [callee, ir.Const(active)] + args, dict(s.kwargs),
                         s.loc, ir.Ext(finder, finder.__name__, finder)))
    tangents = [tan[v.name] for v in held] + \
        [tan[(s.kwargs[k] if isinstance(k, str) else args[k]).name] for k in active]
    result = fwd.namer.fresh(f"{base}_out", temp=True)
    out.append(ir.Assign(result, ops.call, [link] + held + args + tangents, dict(s.kwargs),
                         s.loc, ir.Ext(ops.call, "call", ops.call)))
    out.append(ir.Assign(s.target, operator.getitem, [result, ir.Const(0)], {}, s.loc))
    t = fwd.tangent_name(s.target)
    out.append(ir.Assign(t, operator.getitem, [result, ir.Const(1)], {}, s.loc))
    tan[s.target.name] = t


# -- forward mode ------------------------------------------------------------

def tangent_call(fwd, s, tan, out):
    """`y = f(a)` -> `y, y_dot = f_jvp.tangent(a, a_dot=a_dot)` in forward-mode code."""
    fn = s.fn
    arguments, positional = bind_call(s)
    for name, value in arguments.items():
        if isinstance(value, dict) and any(isinstance(v, ir.Var) and v.name in tan
                                           for v in value.values()):
            raise TranspileError(f"cannot differentiate through `**{name}` of "
                                 f"`{fn.__name__}`", s.loc, fix="give the parameter a name")
    wrt = tuple(n for n, v in arguments.items() if isinstance(v, ir.Var) and v.name in tan)
    kinds = tuple(_scalar_or_none(fwd.facts, arguments.get(p)) for p in positional)
    comp = tangent_companion(fn, wrt, kinds)
    base = _base_name(fn)
    kwargs = dict(s.kwargs)
    for name, param in zip(wrt, comp.tangent_params):
        kwargs[param] = tan[arguments[name].name]
    result = fwd.namer.fresh(f"{base}_out", temp=True)
    out.append(ir.Assign(result, comp, list(s.args), kwargs, s.loc,
                         ir.Ext(comp, f"{base}_jvp.tangent", comp)))
    out.append(ir.Assign(s.target, operator.getitem, [result, ir.Const(0)], {}, s.loc))
    t = fwd.tangent_name(s.target)
    out.append(ir.Assign(t, operator.getitem, [result, ir.Const(1)], {}, s.loc))
    tan[s.target.name] = t


def _base_name(fn):
    """A name for generated variables from a callee's name (`<lambda>` -> `lambda_`)."""
    from ..frontend.callables import _identifier
    return _identifier(fn.__name__)
