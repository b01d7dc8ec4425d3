"""Calls of values known only at run time: the links generated code calls.

A call whose callee is a value (a parameter `func`, a local `h`, a bound
method, a partial, a transform object) cannot get its companion when the
caller is transformed. The generated code asks for it when the call runs,
naming which of the call's arguments are differentiated (`active`: positions
and keyword names); the companion is built on first use and cached by the
function, the active parameters and the argument kinds:

    y = func(a, b)      ->   func_vjp = vjp_link(func, (0,), a, b)
                             func_out = func_vjp(a, b)           # (value, saved)
                             ...
                             func_grads = func_vjp.backward(func_saved, d_y)

    y = func(a, b)      ->   func_jvp = jvp_link(func, (0,), a, b)   (forward mode)
                             func_out = func_jvp(a, b, a_dot)        # (value, tangent)

Links resolve (callables.resolve) to generated Python functions, so code that
calls them is differentiated again like any other: `grad(grad(f))` through a
function value works to any order.
"""
from __future__ import annotations

import functools
import inspect
import types

import numpy as np

from ..frontend.callables import _identifier, apply_of, define, resolve
from ..errors import TranspileError
from ..ir.kinds import SCALAR
from ..rules.table import nondifferentiable
from .companions import companion, tangent_companion
from ..frontend.parse import vararg_name
from runtime.helpers import holding
from runtime.structures import held, held_keys

_HASHABLE_CELLS = (int, float, complex, str, bool, type(None), types.FunctionType,
                   types.ModuleType, types.BuiltinFunctionType, type, np.ufunc)
_CANONICAL: dict = {}  # (code, cell values) -> the first function seen with them
_BINDINGS: dict = {}   # (fn, nleading, nargs, kwnames, active) -> parameter names


def _kind(value):
    if type(value) is np.ndarray:
        return value.ndim
    if type(value) in (float, int, bool) or isinstance(value, np.generic):
        return SCALAR
    return None


def _canonical(fn):
    """One function per code object and closure values, so closures made anew on
    every call (`h = make_scale(2.0)`) share their companion."""
    cells = fn.__closure__
    if not cells:
        return fn
    try:
        values = tuple(c.cell_contents for c in cells)
    except ValueError:
        return fn
    if not all(isinstance(v, _HASHABLE_CELLS) for v in values):
        return fn
    key = (fn.__code__, tuple((type(v), v) if not isinstance(v, types.FunctionType)
                              else (type(v), id(v)) for v in values))
    try:
        return _CANONICAL.setdefault(key, fn)
    except TypeError:
        return fn


def _parameter_names(fn, nleading, nargs, kwnames, active, bound_keywords=(), held=()):
    """The callee's parameter names of the function value's `held` places (leading
    positions and bound keywords) and of the active call arguments (a position
    counts from the call's first own argument), in that order."""
    key = (fn, nleading, nargs, kwnames, active, bound_keywords, held)
    names = _BINDINGS.get(key)
    if names is not None:
        return names
    signature = inspect.signature(fn)
    slots = [("lead", i) for i in range(nleading)] + [("pos", i) for i in range(nargs)]
    try:
        keywords = {k: ("bound", k) for k in bound_keywords}
        bound = signature.bind(*slots, **{**keywords, **{k: ("kw", k) for k in kwnames}})
    except TypeError as exc:
        raise TypeError(f"{fn.__name__}() {exc}") from None
    where = {}
    for name, param in signature.parameters.items():
        value = bound.arguments.get(name)
        if param.kind is param.VAR_POSITIONAL:
            for i, slot in enumerate(value or ()):
                where[slot] = vararg_name(name, i)
        elif param.kind is param.VAR_KEYWORD:
            for k, slot in (value or {}).items():
                where[slot] = None  # through **kwargs: refused below
        elif value is not None:
            where[value] = name
    wanted = [("bound" if isinstance(h, str) else "lead", h) for h in held] + \
        [("kw" if isinstance(a, str) else "pos", a) for a in active]
    names = []
    for slot in wanted:
        name = where.get(slot)
        if name is None:
            raise TranspileError(f"cannot differentiate through the `**` parameter of "
                                 f"`{fn.__name__}`", fix="give the parameter a name")
        names.append(name)
    names = _BINDINGS[key] = tuple(names)
    return names


def _link_parts(f, active, args, kwargs, held=()):
    target = resolve(f, args, tuple(kwargs))
    fn = _canonical(target.fn)
    lead = target.leading
    wrt = _parameter_names(fn, len(lead), len(args), tuple(kwargs), active,
                           tuple(target.keywords), held)
    kinds = tuple(_kind(a) for a in lead) + tuple(_kind(a) for a in args)
    return target, fn, wrt, kinds


# -- reverse mode ---------------------------------------------------------------

def _bind(fn, leading, keywords):
    """`fn` with the leading arguments and keywords of the callee bound (a partial,
    which generated code calls, and the compiler reads as what it binds)."""
    return functools.partial(fn, *leading, **keywords) if leading or keywords else fn


_VJP_LINKS: dict = {}


def pullback_of(link):
    """`link.backward`: the companion's backward function (no derivative flows
    through the function itself, whatever tuple of saved values carried it)."""
    return link.backward


def vjp_link(_f, _active, /, *args, **kwargs):
    """The companion's forward function for callee `f` (with `.backward`), for a
    call with these arguments, of which the positions and keywords in `active`
    are differentiated: `link(*args)` returns (value, saved) and
    `link.backward(saved, g)` the gradients of the active arguments. (Calls
    without keywords use `link_finder`'s faster form of this.)"""
    f, active = _f, _active  # (underscored: the callee's keywords may be named f)
    if not kwargs and type(f) is types.FunctionType:
        link = _VJP_LINKS.get(_key(f, active, args))
        if link is not None:
            return link
    target, fn, wrt, kinds = _link_parts(f, active, args, kwargs)
    comp = companion(fn, wrt, kinds)
    comp.forward.backward = comp.backward
    link = _bind(comp.forward, target.leading, target.keywords)
    if link is not comp.forward:
        link.backward = comp.backward
    _remember(_VJP_LINKS, f, fn, active, args, kwargs, link)
    return link


def _key(f, active, args):
    """What a link is cached by: the function, the active arguments, and the
    arguments' types (arrays: their ranks), what its companion is specialized on."""
    return (f, active, *[a.ndim if type(a) is np.ndarray else type(a) for a in args])


def _remember(table, f, fn, active, args, kwargs, link):
    """Keep `link` for calls of the same plain function with arguments of the
    same types (see `_key`)."""
    if type(f) is types.FunctionType and fn is f and not kwargs:
        table[_key(f, active, args)] = link


_FINDERS: dict = {}


def link_finder(kind, nargs):
    """`vjp_link` (kind "vjp") or `jvp_link` ("jvp") for calls of `nargs`
    positional arguments and no keywords, generated with the cache lookup
    spelled out (one dict lookup, no argument tuples: this runs on every call)."""
    made = _FINDERS.get((kind, nargs))
    if made is None:
        params = [f"a{i}" for i in range(nargs)]
        kinds = "".join(f", a{i}.ndim if type(a{i}) is ndarray else type(a{i})"
                        for i in range(nargs))
        name = f"{kind}_link"
        made = _FINDERS[(kind, nargs)] = define(
            name, f"def {name}({', '.join(['f', 'active', *params])}, /):\n"
                  f"    link = links.get((f, active{kinds})) if type(f) is function else None\n"
                  f"    if link is None:\n"
                  f"        link = find(f, active{''.join(', ' + p for p in params)})\n"
                  f"    return link\n",
            {"links": _VJP_LINKS if kind == "vjp" else _JVP_LINKS, "ndarray": np.ndarray,
             "function": types.FunctionType,  # (only plain functions are kept: _remember)
             "find": vjp_link if kind == "vjp" else jvp_link})
        nondifferentiable(made)
    return made


# -- forward mode ---------------------------------------------------------------

_TANGENT_CALLERS: dict = {}
_JVP_LINKS: dict = {}


def tangent_caller(comp, nleading, nargs, kwnames):
    """`def f_tangent_call(l0, a0, a1, t0, k): return f_tangent(l0, a0, a1, k=k,
    x_dot=t0)`: the tangent companion called with the tangents of the active
    arguments after the arguments, in order (generated, so it can be
    differentiated again)."""
    key = (comp, nleading, nargs, kwnames)
    fn = _TANGENT_CALLERS.get(key)
    if fn is None:
        lead = [f"l{i}" for i in range(nleading)]
        own = [f"a{i}" for i in range(nargs)]
        dots = [f"t{i}" for i in range(len(comp.tangent_params))]
        params = lead + own + dots + list(kwnames)
        call = lead + own + [f"{k}={k}" for k in kwnames] + \
            [f"{t}={d}" for t, d in zip(comp.tangent_params, dots)]
        name = f"{_identifier(comp.fn.__name__)}_tangent_call"
        fn = _TANGENT_CALLERS[key] = define(
            name, f"def {name}({', '.join(params)}):\n"
                  f"    return {name}_fn({', '.join(call)})\n", {f"{name}_fn": comp.tangent})
    return fn


def jvp_link(_f, _active, /, *args, **kwargs):
    """The tangent companion of callee `f` for a call with these arguments:
    `link(*args, *tangents)` returns (value, tangent), the tangents being those
    of the active arguments, in `active`'s order."""
    f, active = _f, _active
    if not kwargs and type(f) is types.FunctionType:
        link = _JVP_LINKS.get(_key(f, active, args))
        if link is not None:
            return link
    target, fn, wrt, kinds = _link_parts(f, active, args, kwargs)
    comp = tangent_companion(fn, wrt, kinds)
    kwnames = tuple(dict.fromkeys([*target.keywords, *kwargs]))
    code = comp.tangent.__code__
    if not target.leading and not kwnames and not code.co_kwonlyargcount and \
            not comp.tangent.__defaults__ and code.co_argcount == len(args) + len(wrt) and \
            not code.co_flags & inspect.CO_VARARGS:
        link = comp.tangent  # takes the tangents after the arguments, in order
    else:
        caller = tangent_caller(comp, len(target.leading), len(args), kwnames)
        link = _bind(caller, target.leading, target.keywords)
    _remember(_JVP_LINKS, f, fn, active, args, kwargs, link)
    return link


# -- function values that hold differentiated values ------------------------------
#
# A lambda that reads `theta`, passed on (`integrate(lambda y: -theta * y, y0)`), is
# the partial `partial(lifted, theta)`; a callable object holds its fields. The
# callee itself is then differentiated: the links below take it as their first
# argument and read what it holds with `held`, so that the call's gradient
# includes the callee's (a function value like it, holding the gradients: see
# runtime/structures.py), and generated code that calls them differentiates
# again like any other.
#
#     y = func(a)   ->   func_vjp = closure_vjp_link(func, (0,), a)
#                        func_out = func_vjp(func, a)
#                        ...
#                        func_grads = pullback_of(func_vjp)(func, func_saved, d_y)
#                        d_func = func_grads[0]; d_a = func_grads[1]

_CLOSURE_WRAPPERS: dict = {}


def _held(f):
    keys = held_keys(f)
    if keys is None:
        raise TypeError(
            f"cannot differentiate through the function value {f!r}: gradients flow through "
            "what lambdas and nested functions read, the arguments functools.partial binds "
            "to a Python function, and the fields of user objects (bound methods, callable "
            "objects); pass the differentiated values to the function as arguments instead")
    return keys


def _held_arguments(f, kwnames):
    """The generated call's leading arguments and bound keywords: what callee `f`
    holds, read with `held` (a callable object or a method holds one value)."""
    if type(f) is functools.partial:
        return ([f"held(callee, {i})" for i in range(len(f.args))],
                [f"{k}=held(callee, {k!r})" for k in f.keywords if k not in kwnames])
    return ["held(callee, 0)"], []


class _ClosureCall:
    """What both closure links need: the callee's held places (`keys`), its
    companion, the call's keyword names, the generated call's arguments, and
    the cache key of the generated wrappers."""

    def __init__(self, kind, make_companion, f, active, args, kwargs):
        self.keys = _held(f)
        _, fn, wrt, kinds = _link_parts(f, active, args, kwargs, self.keys)
        self.comp = make_companion(fn, wrt, kinds)
        self.kwnames = tuple(kwargs)
        self.key = (kind, self.comp, type(f), len(getattr(f, "args", ())),
                    tuple(getattr(f, "keywords", ())), self.keys, len(args), self.kwnames)
        self.f, self.nargs = f, len(args)

    def arguments(self):
        """(the link's own parameters, the companion call's arguments before tangents)."""
        lead, bound = _held_arguments(self.f, self.kwnames)
        own = [f"a{i}" for i in range(self.nargs)]
        return own, lead + own + bound + [f"{k}={k}" for k in self.kwnames]

    def name(self, what):
        return f"{_identifier(self.comp.fn.__name__)}_{what}_closure"


def closure_vjp_link(_f, _active, /, *args, **kwargs):
    """`vjp_link` for a callee that is itself differentiated: `link(f, *args)`
    returns (value, saved) and `link.backward(f, saved, g)` the gradients of the
    callee (a function value like `f`) and of the active arguments."""
    site = _ClosureCall("vjp", companion, _f, _active, args, kwargs)
    link = _CLOSURE_WRAPPERS.get(site.key)
    if link is None:
        own, call = site.arguments()
        name = site.name("forward")
        link = define(name, f"def {name}({', '.join(['callee', *own, *site.kwnames])}):\n"
                            f"    return {name}_fn({', '.join(call)})\n",
                      {f"{name}_fn": site.comp.forward, "held": held})
        n = len(site.keys)
        grads = "".join(f"grads[{i}], " for i in range(n))
        rest = "".join(f", grads[{n + i}]" for i in range(len(_active)))
        back = site.name("backward")
        link.backward = define(
            back, f"def {back}(callee, saved, g):\n"
                  f"    grads = {back}_fn(saved, g)\n"
                  f"    return (holding(callee, {site.keys!r}, ({grads})){rest},)\n",
            {f"{back}_fn": site.comp.backward, "holding": holding})
        _CLOSURE_WRAPPERS[site.key] = link
    return link


def closure_jvp_link(_f, _active, /, *args, **kwargs):
    """`jvp_link` for a callee that is itself differentiated:
    `link(f, *args, f_dot, *tangents)` returns (value, tangent), `f_dot` being the
    callee's tangent (a function value like `f` holding tangents)."""
    site = _ClosureCall("jvp", tangent_companion, _f, _active, args, kwargs)
    link = _CLOSURE_WRAPPERS.get(site.key)
    if link is None:
        own, call = site.arguments()
        name = site.name("tangent_call")
        dots = [f"t{i}" for i in range(len(_active))]
        held_dots = [f"held(callee_dot, {k!r})" for k in site.keys]
        call += [f"{t}={d}" for t, d in zip(site.comp.tangent_params, held_dots + dots)]
        params = ["callee"] + own + ["callee_dot"] + dots + list(site.kwnames)
        link = _CLOSURE_WRAPPERS[site.key] = define(
            name, f"def {name}({', '.join(params)}):\n"
                  f"    return {name}_fn({', '.join(call)})\n",
            {f"{name}_fn": site.comp.tangent, "held": held})
    return link


_MUTATIONS: dict = {}  # code object -> (parameter, line) it changes in place, or None


def unchanged_arguments(f):
    """Before a call of function value `f` whose result carries no gradient
    (`sim.step(dt)`, `update(state)`): refuse, when it runs, a callee that changes
    an argument in place (`self.x = ...`, `v /= n`, `xs.append(v)`), a change the
    gradient would not see."""
    fn = f
    while isinstance(fn, (types.MethodType, functools.partial)):
        fn = fn.__func__ if isinstance(fn, types.MethodType) else fn.func
    code = getattr(fn, "__code__", None)
    if type(fn) is not types.FunctionType:
        return
    found = _MUTATIONS.get(code, False)
    if found is False:
        from ..frontend.parse import parse
        from ..ir.in_place import mutated_parameter
        try:
            parsed = parse(fn)
        except TranspileError:
            found = None  # (what cannot be read is not differentiated either)
        else:
            hit = mutated_parameter(parsed.node)
            found = None if hit is None else (hit[0], parsed.loc(hit[1]))
        _MUTATIONS[code] = found
    if found is not None:
        name, loc = found
        where = f" ({loc.filename}:{loc.lineno})" if loc is not None else ""
        raise TypeError(
            f"cannot differentiate the call of `{fn.__qualname__}`: it changes its argument "
            f"`{name}` in place{where} and its result is not used, so the gradient would "
            f"not see the change; return the new value (a new object or array) from "
            f"`{fn.__name__}` and assign it in the caller")

# what generated code calls to find a companion carries no derivative itself
nondifferentiable(vjp_link, jvp_link, pullback_of, closure_vjp_link, closure_jvp_link, apply_of,
                   unchanged_arguments)
