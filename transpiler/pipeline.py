"""The pipeline, in one place: the order of the stages and what each produced.

    parse -> normalize -> ssa -> activity -> adjoint -> optimize -> codegen

`transform(f, wrt)` runs them all and keeps every stage's result on a
`Transformed`, so `dump` can print any of them and tests can check each.
"""
from __future__ import annotations

import gc
import os
from dataclasses import dataclass
from typing import Any

from . import errors, ir
from .backend.accumulate import accumulate_in_place
from .backend.reuse import plain_operations, reuse_dead_temporaries
from .ad.analyze import analyze
from .ad.calls import is_user_function
from .backend.codegen import Generated, generate
from .diskcache import cached
from .errors import TranspileError
from .hints import Fn, Wrt
from .frontend.normalize import normalize
from .ir.kinds import Kinds
from .backend.optimize import hoist_invariants
from .ir.parameter_writes import refuse_writes_into_parameters
from .ir.writes import check_writes
from .backend.optimize import optimize as optimize_ir
from .frontend.parse import count_varargs, parse
from .ad import companions
from .ad.forward import forward
from .ad.reverse import Reverse, reverse
from .ir.shifts import drop_shift_gradients
from .rules import _load_builtin_rules
from .rules.table import lookup
from .ir.ssa import to_ssa

STAGES = ("parse", "normalize", "ssa", "activity", "adjoint", "optimized", "code")

# TAPELESS_OPTIMIZE=0 turns off the SSA optimizations and the specialization on
# argument kinds everywhere (the test suite runs both ways: results must not change).
OPTIMIZE = os.environ.get("TAPELESS_OPTIMIZE", "1") != "0"


@dataclass
class Transformed:
    parsed: Any  # parse.Parsed
    anf: Any
    ssa: ir.Function
    activity: object
    adjoint: ir.Function
    optimized: ir.Function
    code: Generated

    def stage_text(self, stage: str) -> str:
        """Printable text of one stage."""
        from .frontend.nodes import to_ast
        import ast
        if stage == "parse":
            return ast.unparse(ast.fix_missing_locations(to_ast(self.parsed.node))) + "\n"
        if stage == "normalize":
            return ast.unparse(ast.fix_missing_locations(to_ast(self.anf))) + "\n"
        if stage == "ssa":
            return ir.format_function(self.ssa)
        if stage == "activity":
            return str(self.activity) + "\n"
        if stage == "adjoint":
            return ir.format_function(self.adjoint)
        if stage == "optimized":
            return ir.format_function(self.optimized)
        if stage == "code":
            return self.code.source
        raise ValueError(f"unknown stage {stage!r}; choose from {', '.join(STAGES)}")


def resolve_wrt(ssa_fn, wrt):
    """Parameter names for `wrt` (an index, a name, or a tuple of these)."""
    params = [p.name for p in ssa_fn.params]
    items = wrt if isinstance(wrt, (tuple, list)) else (wrt,)
    names = []
    for item in items:
        if isinstance(item, int) and not isinstance(item, bool):
            if not -len(params) <= item < len(params):
                raise TranspileError(f"wrt={item} is out of range: {ssa_fn.name} takes "
                                     f"{len(params)} parameters ({', '.join(params)})")
            names.append(params[item])
        elif isinstance(item, str) and item in params:
            names.append(item)
        else:
            raise TranspileError(f"wrt={item!r} is not a parameter of {ssa_fn.name}",
                                 fix=f"use an index or one of: {', '.join(params)}")
    return names


def front_end(fn, varargs=None):
    """parse -> normalize -> ssa (verified): what every transformation starts from.
    `varargs` specializes a function with *args for that many (parse.py)."""
    _load_builtin_rules()
    parsed = parse(fn, varargs)
    parsed.anf = normalize(parsed)
    ssa_fn = plain_operations(to_ssa(parsed, parsed.anf))
    ir.verify(ssa_fn)
    return parsed, ssa_fn


def argument_facts(ssa_fn, kinds):
    """What the arguments' kinds (scalar, rank) tell about every value of
    `ssa_fn`; facts, not an optimization, so they are used in every mode."""
    params = {p.name: k for p, k in zip(ssa_fn.params, kinds or ()) if k is not None}
    return Kinds(params).block(ssa_fn.body)


def transform(fn: Fn, wrt: Wrt = 0, optimize: bool = True,
              kinds: tuple | None = None, checkpoint: bool | int = False) -> Transformed:
    """Run every stage on `fn` for reverse mode with respect to `wrt`;
    `kinds` (one per parameter, see kinds.py) specializes on scalar arguments;
    `checkpoint` (True, or K snapshots) recomputes loops instead of saving them.
    A new process finds it in the on-disk cache (diskcache.py) when nothing it
    depends on changed."""
    options = ("reverse", wrt if not isinstance(wrt, list) else tuple(wrt), optimize, kinds,
               OPTIMIZE, checkpoint)
    import functools
    differentiate = functools.partial(reverse, checkpoint=checkpoint) if checkpoint else reverse
    return cached(fn, options, lambda: _transform(fn, wrt, optimize, kinds, differentiate))


def _transform(fn, wrt, optimize, kinds, differentiate, output=(), callee=False):
    """`_stages`, with the safety net: an internal exception (IRError, KeyError,
    AttributeError, ...) never reaches the user as such, but as a TranspileError
    at the line being transformed that says it is a bug to report."""
    saved = errors._WORKING_ON[0]
    errors._WORKING_ON[0] = None
    collecting = gc.isenabled()
    gc.disable()  # a transform allocates many small objects and frees them all at the end:
    try:          # collections in the middle find nothing and cost a fifth of the time
        return _stages(fn, wrt, optimize, kinds, differentiate, output, callee)
    except TranspileError as exc:
        located = errors.at_user_line(exc)
        if located is exc:
            raise
        raise located from exc
    except (RecursionError, MemoryError, KeyboardInterrupt):
        raise
    except Exception as exc:
        raise errors.at_user_line(errors.internal_error(
            exc, getattr(fn, "__qualname__", repr(fn)), _def_line(fn))) from exc
    finally:
        errors._WORKING_ON[0] = saved
        if collecting:
            gc.enable()


def _def_line(fn):
    code = getattr(fn, "__code__", None)
    if code is None:
        return None
    import linecache
    line = linecache.getline(code.co_filename, code.co_firstlineno)
    return errors.Loc(code.co_filename, code.co_firstlineno, len(line) - len(line.lstrip()), line)


def _stages(fn, wrt, optimize, kinds, differentiate, output=(), callee=False):
    """front end -> activity -> `differentiate` (reverse or forward) -> optimize -> codegen."""
    parsed, ssa_fn = front_end(fn, count_varargs(fn, kinds))
    facts = argument_facts(ssa_fn, kinds)
    drop_known_sequences(ssa_fn, facts)
    check_writes(ssa_fn, facts)
    if callee:  # (the function a user calls may write into its own copies)
        refuse_writes_into_parameters(ssa_fn, facts)
    optimize, kinds = (optimize, kinds) if OPTIMIZE else (False, None)
    if output:
        select_output(ssa_fn, output)
    if optimize:
        ssa_fn = ir.clone(ssa_fn)
        ssa_fn.body = hoist_invariants(ssa_fn.body)
        drop_shift_gradients(ssa_fn)
    names = resolve_wrt(ssa_fn, wrt)
    activity = analyze(ssa_fn, names)
    refuse_unseen_mutations(ssa_fn, activity)
    param_kinds = {p.name: k for p, k in zip(ssa_fn.params, kinds or ()) if k is not None}
    derived = differentiate(ssa_fn, names, activity, param_kinds, facts)
    ir.verify(derived)
    optimized = optimize_ir(ir.clone(derived)) if optimize else derived
    facts_after = getattr(derived, "facts", None)
    if optimize and facts_after is not None:
        optimized = accumulate_in_place(optimized, facts_after)
        optimized = reuse_dead_temporaries(optimized, facts_after)
    ir.verify(optimized)
    code = generate(optimized, parsed.scope.globals,
                    (facts_after or argument_facts(optimized, kinds)) if optimize else None)
    return Transformed(parsed, getattr(parsed, "anf", None), ssa_fn, activity, derived,
                       optimized, code)


def refuse_unseen_mutations(ssa_fn, activity):
    """A call of a user function whose result carries no gradient (`normalize_(y)`,
    whose result is None or unused) is not transformed; if it changes a
    differentiated argument in place, that change is what matters, and the
    gradient would not see it: refused at the change, in the callee."""
    from .ir.in_place import mutated_parameter
    _guard_dynamic_calls(ssa_fn.body, activity)
    for s in ir.walk(ssa_fn.body):
        if not (isinstance(s, ir.Assign) and is_user_function(s.fn) and lookup(s.fn) is None) \
                or s.target is not None and activity.is_active(s.target):
            continue
        if not any(isinstance(a, ir.Var) and a.name in activity.varied
                   for a in list(s.args) + list(s.kwargs.values())):
            continue
        try:
            parsed = parse(s.fn)
        except TranspileError:
            continue  # (what cannot be read is not differentiated either: as before)
        found = mutated_parameter(parsed.node)
        if found is not None:
            name, where = found
            fn_name = s.fn.__name__
            raise TranspileError(
                f"cannot differentiate a call of `{fn_name}` that changes its argument "
                f"`{name}` in place", parsed.loc(where),
                f"in Python the caller's value changes too; `{fn_name}`'s result is not "
                "used, so the gradient would not see that change",
                f"return the new value from `{fn_name}` and assign it in the caller "
                f"(`y = {fn_name}(y)`, with `{name} = {name} / n` instead of `{name} /= n`)")


def _guard_dynamic_calls(stmts, activity):
    """Before each call of a function value whose result carries no gradient but
    which is given a differentiated value: `unchanged_arguments(callee)`, which
    refuses a callee that changes its arguments in place (known when it runs)."""
    from runtime import ops
    from .ad.dynamic import unchanged_arguments
    k = 0
    while k < len(stmts):
        s = stmts[k]
        for inner in (getattr(s, "body", None), getattr(s, "orelse", None),
                      getattr(s, "test", None)):
            if isinstance(inner, list):
                _guard_dynamic_calls(inner, activity)
        if isinstance(s, ir.Assign) and s.fn is ops.call and \
                not (s.target is not None and activity.is_active(s.target)) and \
                any(isinstance(a, ir.Var) and a.name in activity.varied for a in s.args):
            stmts.insert(k, ir.Assign(None, unchanged_arguments, [s.args[0]], {}, s.loc, ir.Ext(
                unchanged_arguments, "unchanged_arguments", unchanged_arguments)))
            k += 1
        k += 1


def drop_known_sequences(ssa_fn, facts):
    """`sequence(xs)` checks a loop's iterable when the function runs; for an array
    of known rank there is nothing to check (and the loop reads `len(xs)`)."""
    from runtime import ops
    for s in ir.walk(ssa_fn.body):
        if isinstance(s, ir.Assign) and s.fn is ops.sequence and \
                facts.rank(s.args[0]) not in (None, 0):
            s.fn, s.callee = ops.identity, None


def select_output(ssa_fn, path):
    """Make `ssa_fn` return only `result[path[0]][path[1]]...`, so that what computes
    the rest of its result becomes dead code."""
    import operator
    from runtime import ops
    defs = {s.target.name: s for s in ir.walk(ssa_fn.body)
            if isinstance(s, ir.Assign) and s.target is not None}
    ret = ssa_fn.body[-1]
    value = ret.value
    for k in path:
        made = defs.get(value.name) if isinstance(value, ir.Var) else None
        if made is not None and made.fn is ops.make_tuple:
            value = made.args[k]
        else:
            item = ir.Var(f"{value}_item{k}")
            ssa_fn.body.insert(len(ssa_fn.body) - 1,
                               ir.Assign(item, operator.getitem, [value, ir.Const(k)]))
            value = item
    ret.value = value


def transform_forward(fn, wrt=0, optimize=True, kinds=None, output=(), tangent_names=None,
                      callee=False):
    """Run the stages for forward mode (tangents) with respect to `wrt`; with
    `output`, only that part of the result (a path of tuple indices) and its tangent;
    `tangent_names` names the tangent parameters (otherwise `x_dot`, ...); `callee`:
    for a function called by differentiated code (see calls.py; stored with the
    code that calls it, not on its own). A new process finds it in the on-disk
    cache (diskcache.py) when nothing it depends on changed, as `transform`."""
    import functools

    def make():
        return _transform(fn, wrt, optimize, kinds,
                          functools.partial(forward, tangent_names=tangent_names), output, callee)
    if callee:
        return make()
    options = ("forward", tuple(wrt) if isinstance(wrt, list) else wrt, optimize, kinds,
               OPTIMIZE, tuple(output), tuple(tangent_names) if tangent_names else None)
    return cached(fn, options, make)


def build_companion(comp, kinds, checkpoint=None):
    """The forward and backward functions of a called user function (ad/companions.py)."""
    parsed, ssa_fn = front_end(comp.fn, count_varargs(comp.fn, kinds))
    facts = argument_facts(ssa_fn, kinds)
    drop_known_sequences(ssa_fn, facts)
    check_writes(ssa_fn, facts)
    refuse_writes_into_parameters(ssa_fn, facts)
    activity = analyze(ssa_fn, list(comp.wrt))
    param_kinds = {p.name: k for p, k in zip(ssa_fn.params, kinds) if k is not None} \
        if OPTIMIZE else {}
    forward, backward = Reverse(ssa_fn, activity, param_kinds, facts,
                                checkpoint).split(list(comp.wrt))
    made = []
    for fn_ir in (forward, backward):
        ir.verify(fn_ir)
        made.append(generate(optimize_ir(fn_ir) if OPTIMIZE else fn_ir, parsed.scope.globals))
    comp.forward, comp.backward = made[0].fn, made[1].fn
    comp.sources = (made[0].source, made[1].source)


def build_tangent_companion(comp, kinds):
    """The tangent function of a user function called by forward-mode code."""
    made = transform_forward(comp.fn, list(comp.wrt), kinds=kinds,
                             tangent_names=comp.tangent_params, callee=True).code
    comp.tangent, comp.source = made.fn, made.source


companions.BUILDERS.update(reverse=build_companion, tangent=build_tangent_companion)
