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

from .callables import _identifier, define, resolve
from .errors import TranspileError
from .kinds import SCALAR
from .parse import vararg_name

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


def _parameter_names(fn, nleading, nargs, kwnames, active, bound_keywords=()):
    """The callee's parameter names of the active call arguments, in `active`'s
    order (a position counts from the call's first own argument)."""
    key = (fn, nleading, nargs, kwnames, active, bound_keywords)
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
    names = []
    for a in active:
        name = where.get(("kw", a) if isinstance(a, str) else ("pos", a))
        if name is None:
            raise TranspileError(f"cannot differentiate through the `**` parameter of "
                                 f"`{fn.__name__}`", fix="give the parameter a name")
        names.append(name)
    names = _BINDINGS[key] = tuple(names)
    return names


def _link_parts(f, active, args, kwargs):
    target = resolve(f, args, tuple(kwargs))
    fn = _canonical(target.fn)
    lead = target.leading
    wrt = _parameter_names(fn, len(lead), len(args), tuple(kwargs), active,
                           tuple(target.keywords))
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


def vjp_link(f, active, *args, **kwargs):
    """The companion's forward function for callee `f` (with `.backward`), for a
    call with these arguments, of which the positions and keywords in `active`
    are differentiated: `link(*args)` returns (value, saved) and
    `link.backward(saved, g)` the gradients of the active arguments."""
    if not kwargs:
        link = _VJP_LINKS.get((f, active, *map(type, args))) or \
            _VJP_LINKS.get((f, active, _ranks(args)))
        if link is not None:
            return link
    from .calls import companion
    target, fn, wrt, kinds = _link_parts(f, active, args, kwargs)
    comp = companion(fn, wrt, kinds)
    comp.forward.backward = comp.backward
    link = _bind(comp.forward, target.leading, target.keywords)
    if link is not comp.forward:
        link.backward = comp.backward
    _remember(_VJP_LINKS, f, fn, active, args, kwargs, link)
    return link


def _ranks(args):
    return tuple([a.ndim if type(a) is np.ndarray else type(a) for a in args])


def _remember(table, f, fn, active, args, kwargs, link):
    """Keep `link` for calls of the same plain function with arguments of the same
    types (arrays: of the same ranks), what its companion was specialized on.
    Without arrays the types alone are the key, the cheapest to look up."""
    if type(f) is types.FunctionType and fn is f and not kwargs:
        if any(type(a) is np.ndarray for a in args):
            table[(f, active, _ranks(args))] = link
        else:
            table[(f, active, *map(type, args))] = link


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


def jvp_link(f, active, *args, **kwargs):
    """The tangent companion of callee `f` for a call with these arguments:
    `link(*args, *tangents)` returns (value, tangent), the tangents being those
    of the active arguments, in `active`'s order."""
    if not kwargs:
        link = _JVP_LINKS.get((f, active, *map(type, args))) or \
            _JVP_LINKS.get((f, active, _ranks(args)))
        if link is not None:
            return link
    from .calls import tangent_companion
    target, fn, wrt, kinds = _link_parts(f, active, args, kwargs)
    comp = tangent_companion(fn, wrt, kinds)
    kwnames = tuple(dict.fromkeys([*target.keywords, *kwargs]))
    caller = tangent_caller(comp, len(target.leading), len(args), kwnames)
    link = _bind(caller, target.leading, target.keywords)
    _remember(_JVP_LINKS, f, fn, active, args, kwargs, link)
    return link
