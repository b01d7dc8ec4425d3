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

import inspect
import types

import numpy as np

from .callables import Target, define, resolve
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

class Pullback:
    """`link.backward(saved, g)`: the gradients of the active arguments."""

    __slots__ = ("comp",)

    def __init__(self, comp):
        self.comp = comp

    def __call__(self, saved, g):
        return self.comp.backward(saved, g)

    def __tapeless_target__(self, args, kwnames):
        return Target(self.comp.backward)


class VjpLink:
    """The companion of one call's callee: calling it returns (value, saved)."""

    __slots__ = ("comp", "leading", "keywords", "backward")

    def __init__(self, comp, leading, keywords):
        self.comp, self.leading, self.keywords = comp, leading, keywords
        self.backward = Pullback(comp)

    def __call__(self, *args, **kwargs):
        if self.leading or self.keywords:  # the call's own keywords win, as in a partial
            return self.comp.forward(*self.leading, *args, **{**self.keywords, **kwargs})
        return self.comp.forward(*args, **kwargs)

    def __tapeless_target__(self, args, kwnames):
        return Target(self.comp.forward, self.leading, dict(self.keywords))

    def __repr__(self):
        return f"<vjp link to {self.comp.fn.__qualname__} wrt={self.comp.wrt}>"


_VJP_LINKS: dict = {}


def vjp_link(f, active, *args, **kwargs):
    """The `VjpLink` of callee `f` for a call with these arguments, of which the
    positions and keywords in `active` are differentiated."""
    if type(f) is types.FunctionType and not kwargs:
        key = (f, active, tuple(_kind(a) for a in args))
        link = _VJP_LINKS.get(key)
        if link is not None:
            return link
    from .calls import companion
    target, fn, wrt, kinds = _link_parts(f, active, args, kwargs)
    link = VjpLink(companion(fn, wrt, kinds), target.leading, target.keywords)
    if type(f) is types.FunctionType and not kwargs and fn is f:
        _VJP_LINKS[key] = link
    return link


# -- forward mode ---------------------------------------------------------------

class TangentLink:
    """The tangent companion of one call's callee: `link(*args, *tangents)` returns
    (value, tangent), the tangents being those of the active arguments, in order."""

    __slots__ = ("comp", "leading", "keywords", "tangent_names", "layout")

    def __init__(self, comp, leading, keywords, wrt, layout):
        self.comp, self.leading, self.keywords = comp, leading, keywords
        self.tangent_names = comp.tangent_params
        self.layout = layout  # (number of arguments, keyword names)

    def __call__(self, *args, **kwargs):
        n = len(args) - len(self.tangent_names)
        tangents = dict(zip(self.tangent_names, args[n:]))
        return self.comp.tangent(*self.leading, *args[:n], **{**self.keywords, **kwargs},
                                 **tangents)

    def __tapeless_target__(self, args, kwnames):
        """A generated function with this link's calling convention, calling the
        tangent companion (so forward-over-forward works)."""
        nargs, kwnames = self.layout
        key = (self.comp, len(self.leading), nargs, kwnames, tuple(self.keywords))
        fn = _TANGENT_WRAPPERS.get(key)
        if fn is None:
            lead = [f"l{i}" for i in range(len(self.leading))]
            own = [f"a{i}" for i in range(nargs)]
            dots = [f"t{i}" for i in range(len(self.tangent_names))]
            bound = list(dict.fromkeys([*self.keywords, *kwnames]))
            params = lead + own + dots + bound
            call = lead + own + [f"{k}={k}" for k in bound] + \
                [f"{t}={d}" for t, d in zip(self.tangent_names, dots)]
            name = f"{self.comp.fn.__name__}_tangent_call"
            fn = _TANGENT_WRAPPERS[key] = define(
                name, f"def {name}({', '.join(params)}):\n"
                      f"    return {name}_fn({', '.join(call)})\n",
                {f"{name}_fn": self.comp.tangent})
        return Target(fn, self.leading, dict(self.keywords))


_TANGENT_WRAPPERS: dict = {}
_JVP_LINKS: dict = {}


def jvp_link(f, active, *args, **kwargs):
    """The `TangentLink` of callee `f` for a call with these arguments."""
    key = None
    if type(f) is types.FunctionType and not kwargs:
        key = (f, active, tuple(_kind(a) for a in args))
        link = _JVP_LINKS.get(key)
        if link is not None:
            return link
    from .calls import tangent_companion
    target, fn, wrt, kinds = _link_parts(f, active, args, kwargs)
    link = TangentLink(tangent_companion(fn, wrt, kinds), target.leading, target.keywords,
                       wrt, (len(args), tuple(kwargs)))
    if key is not None and fn is f:
        _JVP_LINKS[key] = link
    return link
