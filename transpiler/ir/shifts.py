"""Optimization on primal SSA: the max shift of a logsumexp or softmax carries no
gradient.

Takes an `ir.Function` before activity analysis; guarantees the same values,
with the shift `m` read through `shifted(m)` (a nondifferentiable identity
that `optimize.peephole` removes after differentiation) wherever the result
provably does not depend on `m`:

    m = np.max(z, axis=1, keepdims=True)            m = np.max(z, axis=1, keepdims=True)
    e = np.exp(z - m)                       ->      e = np.exp(z - shifted(m))
    lse = m + np.log(np.sum(e, axis=1, keepdims=True))   lse = shifted(m) + np.log(...)

`m + log(sum(exp(z - m)))`, `(z - m) - log(sum(exp(z - m)))` and
`exp(z - m) / sum(exp(z - m))` equal the same expressions with any `m` that is
one value along the summed axes, so their derivatives through `m` cancel
exactly (1 - sum(softmax) = 0); the reverse sweep then never computes them,
nor the gradient of the max. Recognized only when `m` is `np.max`/`np.min` of
the same `z`, over all axes, or over the summed axis with `keepdims=True` (the
sum too), and the intermediate values are read nowhere else.
"""
from __future__ import annotations

import operator

import numpy as np

from .. import ir
from ..rules import nondifferentiable

_EXTREMA = {np.max, np.min, np.amax, np.amin}
_SUBTRACT = {operator.sub, np.subtract}
_ADD = {operator.add, np.add}
_DIVIDE = {operator.truediv, np.divide}


def shifted(m):
    """`m`, as the shift of an expression whose value does not depend on it."""
    return m


nondifferentiable(shifted)
SHIFTED = ir.Ext(shifted, "shifted", shifted)


def drop_shift_gradients(fn):
    """Read the shift of each recognized logsumexp / softmax through `shifted`."""
    defs = {s.target.name: s for s in ir.walk(fn.body)
            if isinstance(s, ir.Assign) and s.target is not None}
    readers = _readers(fn.body)
    for sub in list(defs.values()):
        for statement, index in _shift_uses(sub, defs, readers):
            _read_shifted(fn, statement, index)


def _readers(stmts):
    """name -> the statements reading it (an If's phis and condition count)."""
    readers: dict = {}
    for s in ir.walk(stmts):
        operands = [s.cond] + [v for p in s.phis for v in p.inputs] \
            if isinstance(s, ir.If) else ir.uses(s)
        for v in operands:
            if isinstance(v, ir.Var):
                readers.setdefault(v.name, []).append(s)
    return readers


def _only_reader(name, readers):
    found = readers.get(name, [])
    return found[0] if len(found) == 1 and isinstance(found[0], ir.Assign) else None


def _call(s, fns, nargs):
    return isinstance(s, ir.Assign) and s.fn in fns and len(s.args) == nargs and not s.kwargs


def _reduction(s, fns):
    """(axis, keepdims) of `fn(x, axis=..., keepdims=...)` with constant options;
    None for another statement or other options."""
    if not isinstance(s, ir.Assign) or s.fn not in fns or len(s.args) not in (1, 2) or \
            set(s.kwargs) - {"axis", "keepdims"} or ("axis" in s.kwargs and len(s.args) == 2):
        return None
    axis = s.args[1] if len(s.args) == 2 else s.kwargs.get("axis", ir.Const(None))
    keepdims = s.kwargs.get("keepdims", ir.Const(False))
    if not (isinstance(axis, ir.Const) and isinstance(keepdims, ir.Const)):
        return None
    return axis.value, keepdims.value is True


def _shift_uses(sub, defs, readers):
    """For `d = z - m` starting a shift-invariant expression: the (statement,
    argument index) pairs that read `m` in it; otherwise none."""
    if not (_call(sub, _SUBTRACT, 2) and all(isinstance(a, ir.Var) for a in sub.args)):
        return []
    z, m = sub.args
    extremum = _reduction(defs.get(m.name), _EXTREMA)
    if extremum is None or defs[m.name].args[0] != z:
        return []
    d = sub.target.name
    d_readers = readers.get(d, [])
    exp = next((s for s in d_readers if _call(s, {np.exp}, 1)), None)
    if exp is None:
        return []
    e_readers = readers.get(exp.target.name, [])
    total = next((s for s in e_readers if _reduction(s, {np.sum})), None)
    if total is None or total.args[0] != exp.target:
        return []
    summed = _reduction(total, {np.sum})
    one_value = extremum[0] is None  # m is a single number
    if not one_value and (summed[0] != extremum[0] or not extremum[1] or not summed[1]):
        return []
    s_readers = readers.get(total.target.name, [])
    # exp(z - m) / sum(exp(z - m))
    if len(d_readers) == 1 and len(e_readers) == 2 and len(s_readers) == 1:
        p = s_readers[0]
        if _call(p, _DIVIDE, 2) and p.args == [exp.target, total.target] and p in e_readers:
            return [(sub, 1)]
        return []
    log = _only_reader(total.target.name, readers)
    if len(e_readers) != 1 or not _call(log, {np.log}, 1):
        return []
    out = _only_reader(log.target.name, readers)
    # m + log(sum(exp(z - m)))
    if len(d_readers) == 1 and _call(out, _ADD, 2) and m in out.args and \
            log.target in out.args and out.args[0] != out.args[1]:
        return [(sub, 1), (out, out.args.index(m))]
    # (z - m) - log(sum(exp(z - m)))
    if len(d_readers) == 2 and _call(out, _SUBTRACT, 2) and \
            out.args == [sub.target, log.target] and out in d_readers:
        return [(sub, 1)]
    return []


def _read_shifted(fn, statement, index):
    """Insert `shifted_m = shifted(m)` before `statement` and read it there."""
    m = statement.args[index]
    name = ir.Var(f"{m.name}_shifted")
    while any(name in ir.defs(s) for s in ir.walk(fn.body)):
        name = ir.Var(name.name + "_")
    fn.temps.add(name.name)
    block = _block_of(fn.body, statement)
    block.insert(block.index(statement),
                 ir.Assign(name, shifted, [m], {}, statement.loc, SHIFTED))
    statement.args[index] = name


def _block_of(stmts, statement):
    for s in stmts:
        if s is statement:
            return stmts
        for region in (s.body, s.orelse) if isinstance(s, ir.If) else \
                (s.test, s.body) if isinstance(s, ir.Loop) else ():
            found = _block_of(region, statement)
            if found is not None:
                return found
    return None
