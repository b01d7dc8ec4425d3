"""The derivative rule table: one small Python function per primitive.

Three forms, all plain functions that the compiler inlines (their bodies
become generated code) and the tape engine calls:

    @adjoint(np.dot)                      # reverse mode: cotangent in, one
    def dot(g, ans, a, b):                # contribution per differentiable
        return ..., ...                   # parameter out

    @partials(np.sin)                     # elementwise ops: the local partial
    def sin(ans, x):                      # derivatives; the compiler builds
        return np.cos(x)                  # g * partial (reverse) and
                                          # dx * partial (forward) from them

    @tangent(np.dot, "a")                 # forward mode for one parameter
    def dot_a(da, ans, a, b):
        return np.dot(da, b)

Differentiable parameters are those without defaults, unless `wrt=` names
them. `nondifferentiable(f, ...)` marks functions whose output carries no
gradient (comparisons, `len`, `np.argmax`). Partials of binary elementwise
ops are summed back to each input's shape with `unbroadcast`.
"""
from __future__ import annotations

import inspect
import sys
import types
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

from ..hints import F
from runtime.array_api import NAMESPACE




@dataclass
class Rule:
    prim: object
    adjoint: object = None
    partials: object = None
    tangents: dict = field(default_factory=dict)
    wrt: tuple = ()
    linear: bool = False  # tangent = the primitive applied to the tangent (sum, reshape, ...)

    @property
    def signature(self):
        fn = self.adjoint or self.partials or next(iter(self.tangents.values()), None)
        if fn is None:
            return None
        cached = _SIGNATURES.get(fn)
        if cached is None:
            cached = _SIGNATURES[fn] = inspect.signature(fn)
        return cached

    @property
    def _skip(self):
        """Leading rule parameters that are not the primitive's: (g, ans), (ans,) or (d, ans)."""
        return 1 if self.adjoint is None and self.partials is not None else 2

    def params(self):
        """The primitive's parameter names, as the rule spells them."""
        return list(self.signature.parameters)[self._skip:]

    def bind(self, args, kwargs):
        """Map a call's arguments to the rule's parameter names (None if they do not fit)."""
        sig = self.signature
        head = (None,) * self._skip
        if NAMESPACE in kwargs:  # xp.sin(x): the namespace is not the rule's argument
            kwargs = {k: v for k, v in kwargs.items() if k != NAMESPACE}
        if not kwargs:
            fast = _bind_positional(sig, self._skip, args)
            if fast is not None:
                return fast
        try:
            bound = sig.bind(*head, *args, **kwargs)
        except TypeError:
            return None
        bound.apply_defaults()
        out = dict(bound.arguments)
        for k, v in list(out.items()):
            if sig.parameters[k].kind is inspect.Parameter.VAR_POSITIONAL:
                return None
        return {k: out[k] for k in self.params()}

    def vjp(self, g, ans, args, kwargs):
        """Contributions to each differentiable parameter (the tape engine's call).
        As when the compiler inlines it, an adjoint that returns one value (not
        a tuple) gives the contribution to the first parameter only."""
        from runtime.helpers import unbroadcast
        if self.adjoint is not None:
            out = self.adjoint(g, ans, *args, **kwargs)
            return out if len(self.wrt) > 1 and isinstance(out, tuple) else (out,)
        out = self.partials(ans, *args, **kwargs)
        out = out if len(self.wrt) > 1 else (out,)
        bound = self.bind(args, kwargs)
        many = len(self.wrt) > 1
        return tuple(unbroadcast(g * p, bound[name]) if many else g * p
                     for name, p in zip(self.wrt, out))


# Parameters that take positions, integers, booleans, shapes or options, never
# a differentiable value: `index` (integers, slices, masks), `axis`, `keepdims`,
# `repeats`, ... A value passed to one of them is a constant for the derivative
# even when the compiler sees it as active: an axis popped from a loop's saved
# stack, or a companion's `axis` parameter, when generated code is
# differentiated again (second order). A rule that lists one of these names in
# `wrt` (or gives it a tangent) differentiates it as usual. Parameters that may
# take a float with a derivative (`ord` of a norm, `ddof`) are not here: an
# active value passed to them stays a transform-time error.
STATIC_PARAMS = frozenset({
    "index", "axis", "axes", "axis1", "axis2", "keepdims", "repeats", "reps", "pad_width",
    "indices_or_sections", "n", "offset", "shape", "newshape", "source", "destination",
    "mode", "k", "dtype", "subscripts", "num", "endpoint", "condition", "shift", "indices",
    "deg", "decimals", "copy", "ndmin", "order", "kind", "side",
    "template",  # runtime.helpers.holding: only its structure is read
})


def is_position(param, rule=None):
    """Whether no derivative flows through `param` of `rule` (see STATIC_PARAMS),
    even when the value passed was computed from differentiated ones (an index
    saved beside them for a reverse sweep)."""
    if param not in STATIC_PARAMS:
        return False
    if param == "index" or rule is None:
        return param == "index"
    if param in rule.wrt or param in rule.tangents:
        return False
    # only NumPy's and the runtime helpers' own parameters of these names are known
    # to be integers and flags (scipy.special.polygamma's `n` is an order: refused)
    module = getattr(rule.prim, "__module__", None) or ""
    return module.startswith(("numpy", "runtime")) or type(rule.prim).__name__ == "ufunc"


def _bind_positional(sig, skip, args):
    """`bind` of positional arguments to a signature with no *args, keyword-only
    or **kwargs parameters (most rules), without `inspect`'s general binding:
    the transformer binds every statement it differentiates."""
    known = _PLAIN.get(id(sig))
    if known is None or known[0] is not sig:
        ok = all(p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
                 for p in sig.parameters.values())
        known = _PLAIN[id(sig)] = (sig, list(sig.parameters.values()) if ok else ())
    plain = known[1]
    given = skip + len(args)
    if not plain or given > len(plain) or \
            any(p.default is p.empty for p in plain[given:]):
        return None
    bound = {p.name: a for p, a in zip(plain[skip:], args)}
    bound.update((p.name, p.default) for p in plain[given:])
    return bound


_TABLE: dict = {}
_SIGNATURES: dict = {}
_PLAIN: dict = {}  # id(signature) -> (it, its parameters if all are positional, else ())
_NONDIFF: set = set()
_USER_LOG: list = []  # (what, primitive, rule function) registered by users, in order


def _log(what, prim, fn, module):
    """Remember a registration made outside tapeless (diskcache.py keys on them)."""
    if (module or "").split(".")[0] not in ("transpiler", "runtime"):
        _registered_imported_families()  # (first: the user's rule overrides a built-in one)
        _USER_LOG.append((what, prim, fn))


def user_registrations():
    """The rule registrations and removals users made, in order."""
    return list(_USER_LOG)


def _key(prim):
    if isinstance(prim, types.MethodType):  # made afresh on each access (scipy.stats.norm.logpdf)
        return id(prim.__self__), id(prim.__func__)
    return id(prim)


def lookup(prim):
    """The Rule for `prim`, or None."""
    rule = _TABLE.get(_key(prim))
    if rule is None and _registered_imported_families():
        rule = _TABLE.get(_key(prim))
    return rule


def is_nondifferentiable(prim):
    key = _key(prim)
    return key in _NONDIFF or (key not in _TABLE and _registered_imported_families()
                               and key in _NONDIFF)


_MODULES_SEEN = [0]  # len(sys.modules) when the families were last looked for


def _registered_imported_families(everything=False):
    """Register the rule families of the SciPy modules imported since the last
    look (rules/scipy.py); whether any was new. Cheap when nothing was imported."""
    if not everything and _MODULES_SEEN[0] == len(sys.modules):
        return False
    _MODULES_SEEN[0] = len(sys.modules)
    from . import scipy as rules_scipy
    return rules_scipy.register_imported(everything)


def _default_wrt(fn, skip):
    params = list(inspect.signature(fn).parameters.values())[skip:]
    return tuple(p.name for p in params if p.default is inspect.Parameter.empty
                 and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD))


def _entry(prim):
    key = _key(prim)
    if key not in _TABLE:
        _TABLE[key] = Rule(prim)
    _NONDIFF.discard(key)
    return _TABLE[key]


def adjoint(*prims: Any, wrt: Sequence[str | int] | None = None) -> Callable[[F], F]:
    """Register `fn(g, ans, *args)` as the reverse-mode rule of each primitive."""
    def register(fn):
        for prim in prims:
            _log("adjoint", prim, fn, fn.__module__)
            rule = _entry(prim)
            rule.adjoint, rule.partials = fn, None
            rule.wrt = tuple(wrt) if wrt else _default_wrt(fn, 2)
        return fn
    return register


def partials(*prims: Any, wrt: Sequence[str | int] | None = None) -> Callable[[F], F]:
    """Register `fn(ans, *args)` returning the local partial derivatives of an
    elementwise primitive (one per differentiable parameter)."""
    def register(fn):
        for prim in prims:
            _log("partials", prim, fn, fn.__module__)
            rule = _entry(prim)
            rule.partials, rule.adjoint = fn, None
            rule.wrt = tuple(wrt) if wrt else _default_wrt(fn, 1)
        return fn
    return register


def tangent(prim: Any, param: str) -> Callable[[F], F]:
    """Register `fn(d, ans, *args)`: the tangent of `prim`'s output along `param`."""
    def register(fn):
        _log(f"tangent {param}", prim, fn, fn.__module__)
        rule = _entry(prim)
        rule.tangents[param] = fn
        if rule.adjoint is None and rule.partials is None:
            rule.wrt = tuple(rule.tangents)
        return fn
    return register


def nondifferentiable(*prims: Any) -> None:
    """Mark primitives whose outputs have no gradient."""
    caller = sys._getframe(1).f_globals.get("__name__")
    for prim in prims:
        _log("nondifferentiable", prim, None, caller)
        _NONDIFF.add(_key(prim))
        _TABLE.pop(_key(prim), None)
        _KEEP.append(prim)  # ids must stay unique while registered


_KEEP: list = []


def remove(*prims: Any) -> None:
    """Forget every rule of each primitive, and any mark as nondifferentiable
    (for temporary rules in tests, or to register a rule afresh)."""
    caller = sys._getframe(1).f_globals.get("__name__")
    for prim in prims:
        _log("remove", prim, None, caller)
        _TABLE.pop(_key(prim), None)
        _NONDIFF.discard(_key(prim))


def covered():
    """All registered primitives: (name, kind) pairs, for generated docs."""
    _registered_imported_families(everything=True)
    rows = []
    for rule in _TABLE.values():
        kind = "partials" if rule.partials else "adjoint" if rule.adjoint else "tangent"
        rows.append((_name(rule.prim), kind, bool(rule.tangents or rule.partials or rule.linear)))
    return sorted(rows)


def _name(prim):
    module = getattr(prim, "__module__", None) or ""
    name = getattr(prim, "__qualname__", None) or getattr(prim, "__name__", repr(prim))
    if isinstance(prim, type(abs)) and module == "builtins":
        return name
    return f"{module}.{name}" if module else name
