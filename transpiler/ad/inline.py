"""Rule templates: a rule is a Python function; its body becomes generated code.

`template(rule_fn)` runs the rule through the same front end as user code
(parse, normalize, SSA) once and caches the IR. `inline(...)` copies that IR
into the function being generated, renaming the rule's parameters to the
operands of the primitive call and its locals to fresh names, folding
constants on the way, and returns the operands the rule returned.

    @partials(np.sin)                  # inlined at  y = np.sin(x)  with g = d_y:
    def sin(ans, x):          ->       cos = np.cos(x)
        return np.cos(x)               d_x = d_y * cos
"""
from __future__ import annotations

from .. import ir
from ..ir.array_api import as_number, translate
from ..frontend.normalize import normalize
from ..ir.peephole import peephole
from ..frontend.parse import parse
from ..ir.ssa import to_ssa
from ..frontend.syntax import stem
from runtime import ops

_TEMPLATES: dict = {}


def template(fn):
    """The SSA IR of a rule function (cached)."""
    key = id(fn)
    if key not in _TEMPLATES:
        parsed = parse(fn)
        _TEMPLATES[key] = (fn, to_ssa(parsed, normalize(parsed)))
    return _TEMPLATES[key][1]


class Namer:
    """Hands out names unique within one generated function."""

    def __init__(self, taken=(), bases=None, temps=None):
        self.taken = set(taken)
        self.bases = bases if bases is not None else {}  # name -> the name it was derived from
        self.temps = temps if temps is not None else set()  # compiler temporaries
        self.counters = {}  # base -> last suffix tried, so fresh() does not rescan

    def fresh(self, base, temp=False):
        name, n = base, self.counters.get(base, 0)
        while name in self.taken:
            n += 1
            name = f"{base}_{n}"
        self.counters[base] = n
        self.taken.add(name)
        self.bases[name] = base
        if temp:
            self.temps.add(name)
        return ir.Var(name)


def simplified_value(assign, namer, kinds, out):
    """Append `assign` (simplified, as a fresh temporary) to `out`; return the
    operand holding its value (which may be an existing one: x * 1.0 is x)."""
    simplified = peephole(assign, kinds)
    if isinstance(simplified, ir.Assign):
        simplified.target = namer.fresh("t", temp=True)
        out.append(kinds.infer(simplified))
        return simplified.target
    return simplified


def inline(fn, bindings, namer, out, loc=None, kinds=None, namespace=None):
    """Append the body of rule `fn` to `out` with `bindings` (parameter name ->
    operand) substituted; return the list of returned operands. With an array
    `namespace` (an operand), the rule's NumPy calls call it (array_api.py)."""
    tpl = template(fn)
    rename = {p.name: bindings[p.name] for p in tpl.params if p.name in bindings}
    tuples = {s.target.name: s for s in tpl.body
              if isinstance(s, ir.Assign) and s.fn is ops.make_tuple and s.target}
    ret = tpl.body[-1]
    returned = tuples.get(ret.value.name) if isinstance(ret.value, ir.Var) else None
    _copy_block(tpl.body[:-1], rename, namer, out, loc, kinds, skip=returned,
                namespace=namespace)
    values = [_sub(v, rename) for v in (returned.args if returned is not None else [ret.value])]
    if namespace is not None:
        def emit(assign):
            return simplified_value(assign, namer, kinds, out)
        values = [as_number(v, out, namespace, emit) for v in values]
    return values


def _sub(v, rename):
    return rename.get(v.name, v) if isinstance(v, ir.Var) else v


def _copy_block(stmts, rename, namer, out, loc, kinds, skip=None, namespace=None):
    for s in stmts:
        if s is skip:
            continue
        if isinstance(s, ir.Assign):
            new = ir.Assign(None, s.fn, [_sub(a, rename) for a in s.args],
                            {k: _sub(v, rename) for k, v in s.kwargs.items()}, loc, s.callee)
            value = peephole(new, kinds)
            if isinstance(value, ir.Assign) and namespace is not None:
                value = peephole(translate(value, namespace, kinds, loc), kinds)
            if isinstance(value, ir.Assign):
                value.target = namer.fresh(stem(s.fn, s.callee and s.callee.spelling), temp=True)
                out.append(value)
                if kinds is not None:
                    kinds.infer(value)
                value = value.target
            if s.target is not None:
                rename[s.target.name] = value
        elif isinstance(s, ir.If) and isinstance(_sub(s.cond, rename), ir.Const):
            # a branch on a constant argument (`if axis is None:`): keep one side
            side = 0 if _sub(s.cond, rename).value else 1
            _copy_block(s.body if side == 0 else s.orelse, rename, namer, out, loc, kinds,
                        namespace=namespace)
            for p in s.phis:
                rename[p.target.name] = _sub(p.inputs[side], rename)
        elif isinstance(s, ir.If):
            body, orelse = [], []
            cond = _sub(s.cond, rename)
            _copy_block(s.body, rename, namer, body, loc, kinds, namespace=namespace)
            left = {p.target.name: _sub(p.inputs[0], rename) for p in s.phis}
            _copy_block(s.orelse, rename, namer, orelse, loc, kinds, namespace=namespace)
            phis = []
            for p in s.phis:
                target = namer.fresh(p.target.name.split("_")[0] or "v", temp=True)
                phis.append(ir.Phi(target, [left[p.target.name], _sub(p.inputs[1], rename)]))
                rename[p.target.name] = target
            out.append(ir.If(cond, body, orelse, phis, loc))
        else:
            raise NotImplementedError(f"rule templates cannot contain {type(s).__name__}")


def drop_unread(out, start, wanted):
    """Drop the statements in out[start:] (one inlined rule) that only compute
    contributions for inactive operands: a rule gives the gradient of every
    argument, and those of constants are never read, optimized or not."""
    needed = {v.name for v in wanted if isinstance(v, ir.Var)}
    kept = []
    for stmt in reversed(out[start:]):
        if isinstance(stmt, ir.Assign) and stmt.target is not None \
                and stmt.target.name not in needed:
            continue
        needed.update(v.name for inner in ir.walk([stmt]) for v in ir.uses(inner)
                      if isinstance(v, ir.Var))
        kept.append(stmt)
    out[start:] = reversed(kept)
