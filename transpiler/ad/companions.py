"""Companions: the generated functions of a user's function called by differentiated
code, built once per function, differentiated parameters and argument kinds, and cached.

The companion object exists (and is cached) before its code is generated, so a
recursive call met while its callee is transformed finds it. The code is made by
the pipeline, one stage above: it registers its builders in `BUILDERS` (this
stage cannot call the stages after it).

    comp = companion(helper, ("a",), kinds)   ->  comp.forward, comp.backward
    comp = tangent_companion(helper, ("a",), kinds)  ->  comp.tangent
"""
from __future__ import annotations

import inspect

_COMPANIONS: dict = {}
BUILDERS: dict = {}  # "reverse" / "tangent" -> function(companion, kinds) that fills it in


class Companion:
    """The forward and backward functions of one user function (see ad/calls.py)."""

    calls_user_code = True  # (ir/peephole.py: calling it is not pure)

    def __init__(self, fn, wrt):
        self.fn, self.wrt = fn, wrt
        self.forward = self.backward = None
        self.sources = ()
        self.backward_key = _BackwardKey(self)

    def __repr__(self):
        return f"<companion of {self.fn.__qualname__} wrt={self.wrt}>"


class _BackwardKey:
    """Stands for `companion.backward` in the IR (distinct from the forward)."""

    calls_user_code = True

    def __init__(self, companion):
        self.companion = companion


def companion(fn, wrt, kinds):
    """The cached Companion of `fn` for parameters `wrt` and argument `kinds`."""
    key = (fn, wrt, kinds)
    if key not in _COMPANIONS:
        comp = _COMPANIONS[key] = Companion(fn, wrt)
        try:
            BUILDERS["reverse"](comp, kinds)
        except BaseException:
            del _COMPANIONS[key]
            raise
    return _COMPANIONS[key]


class TangentCompanion:
    """The tangent function of one user function, for calls from forward-mode code."""

    calls_user_code = True

    def __init__(self, fn, wrt):
        self.fn, self.wrt = fn, wrt
        self.tangent = None
        self.source = ""
        self.tangent_params = ()  # the tangent function's parameter per name in wrt

    def __repr__(self):
        return f"<tangent companion of {self.fn.__qualname__} wrt={self.wrt}>"


def _tangent_names(fn, wrt):
    """`x_dot` for each parameter in `wrt` (`x_dot2` when fn has a name `x_dot`: not
    `x_dot_1`, which the SSA form may give a second version of `x_dot`)."""
    code = getattr(inspect.unwrap(fn), "__code__", None)
    taken = set(code.co_varnames + code.co_names + code.co_freevars) if code else set()
    for c in code.co_consts if code else ():  # keyword names of calls (`f(x_dot=t)`), which
        for name in c if isinstance(c, tuple) else (c,):  # may name a temporary
            if isinstance(name, str) and name.isidentifier():
                taken.add(name)
    names = []
    for name in wrt:
        candidate, n = name + "_dot", 1
        while candidate in taken:
            n += 1
            candidate = f"{name}_dot{n}"
        taken.add(candidate)
        names.append(candidate)
    return tuple(names)


def tangent_companion(fn, wrt, kinds):
    key = ("tangent", fn, wrt, kinds)
    if key not in _COMPANIONS:
        comp = _COMPANIONS[key] = TangentCompanion(fn, wrt)
        # named now: a recursive call of fn, met while it is transformed, passes them
        comp.tangent_params = _tangent_names(fn, wrt)
        try:
            BUILDERS["tangent"](comp, kinds)
        except BaseException:
            del _COMPANIONS[key]
            raise
    return _COMPANIONS[key]
