"""Optimizations on SSA: constant folding and algebraic peepholes, dead code
elimination, common-subexpression elimination.

Takes an `ir.Function` (primal or adjoint); guarantees the same values are
returned, computed by no more statements. Only pure primitives are moved or
removed; calls kept for their effect (`print`, random draws) stay.

    s = 2 - 1                        (removed)
    p = x ** s            ->         p = x
    t = p * 1.0                      u = g * p
    u = g * t                        return u
    dead = np.exp(x)
    return u
"""
from __future__ import annotations

import operator

from .. import ir
from ..ir.peephole import _ONE_SHOT, is_pure, peephole  # noqa: F401  (also named here)
from runtime import ops

def optimize(fn):
    """Run the SSA optimizations on `fn` in place and return it."""
    fold_constants(fn)
    eliminate_common_subexpressions(fn.body, {})
    eliminate_dead_code(fn)
    name_temporaries(fn)
    return fn


# -- names ----------------------------------------------------------------------

def name_temporaries(fn):
    """`t = f(...); d_x = t` -> `d_x = f(...)`: a compiler temporary that is copied
    into a named value takes that name (so no variable is named after a helper,
    `fill_like_1 = fill_like(...)`, or is a bare `t`). Only within one block, where
    the copy is the named value's one definition (SSA) and the temporary's comes first."""
    rename = {}
    _name_block(fn.body, fn.temps, rename)
    if rename:
        _rename_uses(fn.body, rename)


def _name_block(stmts, temps, rename):
    defined = {}  # temporary -> its Assign, in this block
    copied = set()
    keep = []
    for s in stmts:
        if isinstance(s, ir.Assign) and s.fn is ops.identity and s.target is not None and \
                len(s.args) == 1 and isinstance(s.args[0], ir.Var) and \
                s.args[0].name in defined and s.args[0].name not in copied and \
                s.target.name not in temps and not getattr(s, "keeps_identity", False):
            source = defined[s.args[0].name]  # an Assign or an if's Phi
            copied.add(source.target.name)
            rename[source.target.name] = s.target
            source.target = s.target
            if getattr(source, "adjoint_of", True) is None:
                source.adjoint_of = s.adjoint_of
            continue
        if isinstance(s, ir.Assign) and s.target is not None and s.target.name in temps and \
                s.fn is not operator.getitem:  # (named items of a tuple print `a, b = t`,
            defined[s.target.name] = s       # which needs all of them)
        if isinstance(s, ir.If):
            defined.update((p.target.name, p) for p in s.phis if p.target.name in temps)
        for region in (s.body, s.orelse) if isinstance(s, ir.If) else \
                (s.test, s.body) if isinstance(s, ir.Loop) else ():
            _name_block(region, temps, rename)
        keep.append(s)
    stmts[:] = keep


# -- constants ----------------------------------------------------------------

def fold_constants(fn):
    """Apply `peephole` everywhere; an if on a constant keeps only its live branch."""
    rename = {}
    fn.body[:] = _fold_block(fn.body, rename)
    _rename_uses(fn.body, rename)


def _fold_block(stmts, rename):
    out = []
    for s in stmts:
        _rename_stmt(s, rename)
        if isinstance(s, ir.Assign) and s.target is not None and not s.kwargs and \
                not (s.fn is ops.identity and isinstance(s.args[0], ir.Var)) and \
                not getattr(s, "keeps_identity", False):  # names, or objects, matter
            value = peephole(s)
            if not isinstance(value, ir.Assign):
                rename[s.target.name] = value
                continue
        if isinstance(s, ir.If):
            s.body = _fold_block(s.body, rename)
            s.orelse = _fold_block(s.orelse, rename)
            for p in s.phis:
                p.inputs = [_r(v, rename) for v in p.inputs]
            if isinstance(s.cond, ir.Const) and not s.reverse:
                side = 0 if s.cond.value else 1
                out.extend(s.body if side == 0 else s.orelse)
                for p in s.phis:
                    rename[p.target.name] = p.inputs[side]
                continue
        if isinstance(s, ir.Loop):
            s.test = _fold_block(s.test, rename)
            s.body = _fold_block(s.body, rename)
        out.append(s)
    return out


# -- dead code --------------------------------------------------------------

def eliminate_dead_code(fn):
    while _dce_block(fn.body, _live_names(fn.body)):
        pass


def _live_names(stmts):
    used = set()
    for s in ir.walk(stmts):
        for v in _uses_deep(s):
            if isinstance(v, ir.Var):
                used.add(v.name)
    return used


def _uses_deep(s):
    if isinstance(s, ir.If):
        return [s.cond] + [v for p in s.phis for v in p.inputs]
    return ir.uses(s)


def _dce_block(stmts, used):
    changed = False
    keep = []
    for s in stmts:
        if isinstance(s, ir.Assign) and s.target is not None and s.target.name not in used \
                and is_pure(s.fn):
            changed = True
            continue
        if isinstance(s, ir.If):
            before = len(s.phis)
            s.phis = [p for p in s.phis if p.target.name in used]
            changed |= len(s.phis) != before
            changed |= _dce_block(s.body, used)
            changed |= _dce_block(s.orelse, used)
            if not s.body and not s.orelse and not s.phis:
                changed = True
                continue
        if isinstance(s, ir.Loop):
            changed |= _dce_block(s.body, used)
        keep.append(s)
    stmts[:] = keep
    return changed


# -- common subexpressions ---------------------------------------------------

def _key(s):
    try:
        key = (id(s.fn), tuple(s.args), tuple(sorted(s.kwargs.items())))
        hash(key)
        return key
    except TypeError:
        return None


def eliminate_common_subexpressions(stmts, seen):
    """Reuse the first of two identical pure computations (scoped to regions)."""
    rename = {}
    _cse_block(stmts, dict(seen), rename)
    _rename_uses(stmts, rename)


def _cse_block(stmts, seen, rename):
    keep = []
    for s in stmts:
        _rename_stmt(s, rename)
        if isinstance(s, ir.Assign) and s.target is not None and is_pure(s.fn) and \
                not getattr(s, "keeps_identity", False):  # a distinct array (in_place.py)
            key = _key(s)
            if key is not None and key in seen:
                rename[s.target.name] = seen[key]
                continue
            if key is not None:
                seen[key] = s.target
        elif isinstance(s, ir.If):
            _cse_block(s.body, dict(seen), rename)
            _cse_block(s.orelse, dict(seen), rename)
            for p in s.phis:
                p.inputs = [_r(v, rename) for v in p.inputs]
        elif isinstance(s, ir.Loop):
            _cse_block(s.test, dict(seen), rename)
            _cse_block(s.body, dict(seen), rename)
        keep.append(s)
    stmts[:] = keep


def _r(v, rename):
    while isinstance(v, ir.Var) and v.name in rename:
        v = rename[v.name]
    return v


def _rename_stmt(s, rename):
    if not rename:
        return
    if isinstance(s, ir.Assign):
        s.args = [_r(a, rename) for a in s.args]
        s.kwargs = {k: _r(v, rename) for k, v in s.kwargs.items()}
    elif isinstance(s, ir.If):
        s.cond = _r(s.cond, rename)
    elif isinstance(s, ir.Loop):
        for p in s.phis:
            p.inputs = [_r(v, rename) for v in p.inputs]
        if s.iterable is not None:
            s.iterable = _r(s.iterable, rename)
        if s.cond is not None:
            s.cond = _r(s.cond, rename)
    elif isinstance(s, ir.Return):
        s.value = _r(s.value, rename)


def _rename_uses(stmts, rename):
    for s in ir.walk(stmts):
        _rename_stmt(s, rename)
        if isinstance(s, ir.If):
            for p in s.phis:
                p.inputs = [_r(v, rename) for v in p.inputs]


# -- loop-invariant code --------------------------------------------------------

_SAFE_TO_HOIST = {operator.add, operator.sub, operator.mul, operator.neg, operator.pos}


def hoist_invariants(stmts):
    """Move arithmetic that does not change between iterations out of loops, so
    the reverse sweep reads it once instead of saving it every iteration. Only
    operations that cannot raise are moved (the loop might run zero times)."""
    out = []
    for s in stmts:
        if isinstance(s, ir.If):
            s.body, s.orelse = hoist_invariants(s.body), hoist_invariants(s.orelse)
        elif isinstance(s, ir.Loop):
            s.body = hoist_invariants(s.body)
            inside = {p.target.name for p in s.phis} | {
                v.name for st in ir.walk(s.body) for v in ir.defs(st)}
            if isinstance(s.target, ir.Var):
                inside.add(s.target.name)
            keep = []
            for st in s.body:
                if isinstance(st, ir.Assign) and st.target is not None and \
                        st.fn in _SAFE_TO_HOIST and not st.kwargs and all(
                            not (isinstance(v, ir.Var) and v.name in inside)
                            for v in st.args):
                    out.append(st)
                    inside.discard(st.target.name)
                else:
                    keep.append(st)
            s.body = keep
        out.append(s)
    return out
