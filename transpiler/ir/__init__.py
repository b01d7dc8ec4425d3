"""The SSA intermediate representation: a few dataclasses, a printer, a verifier.

A `Function` holds parameters and a body: a list of statements.
Statements are `Assign` (one primitive applied to operands), `If` (two
regions and the `Phi` values that merge them), `Loop` (header phis, an
optional test region, a body), `Push`/`Pop` on runtime stacks, `Return`.
Operands are `Var` (an SSA value), `Const` (a literal), `Global` (a live read
of a module global) and `Ext` (a resolved library object such as `np.sin`).

Control flow stays structured, so Python comes back out of it; every local is
assigned once (`verify` checks it), and `format_function` prints it:

    def f(x, y):              def f(x, y):
        if x > y:                 gt = x > y
            x = x - y    ->       if gt:
        return x                      x_1 = x - y
                                  x_2 = phi(x_1, x)
                                  return x_2
"""
from __future__ import annotations

import ast
from dataclasses import dataclass, field

from ..frontend import syntax


@dataclass(frozen=True)
class Var:
    name: str

    def __str__(self):
        return self.name


@dataclass(frozen=True, eq=False)
class Const:
    value: object

    def __eq__(self, other):
        return (isinstance(other, Const) and type(self.value) is type(other.value)
                and _same_literal(self.value, other.value))

    def __hash__(self):
        try:
            return hash((type(self.value), self.value))
        except TypeError:
            return id(self.value)

    def __str__(self):
        return repr(self.value)


def _same_literal(a, b):
    try:
        return bool(a == b)
    except Exception:
        return a is b


@dataclass(frozen=True)
class Global:
    """A module-level variable of the user's, read when the code runs."""

    name: str

    def __str__(self):
        return self.name


@dataclass(frozen=True, eq=False)
class Ext:
    """A resolved external object, printed as `spelling` (e.g. `np.sin`).

    `root` is the object the first dotted name of `spelling` is bound to."""

    obj: object
    spelling: str
    root: object

    def __eq__(self, other):
        return isinstance(other, Ext) and self.obj is other.obj and self.spelling == other.spelling

    def __hash__(self):
        return hash((id(self.obj), self.spelling))

    def __str__(self):
        return self.spelling


NAMESPACE = syntax.NAMESPACE  # the keyword of a call's array namespace (array_api.py)


@dataclass(eq=False)
class Assign:
    """`target = fn(*args, **kwargs)`; `target` is None for a call kept for its effect."""

    target: Var | None
    fn: object
    args: list
    kwargs: dict = field(default_factory=dict)
    loc: object = None
    callee: Ext | None = None  # how to spell `fn` in code (None for operators)
    adjoint_of: object = None  # Loc of the source line whose reverse sweep this is
    reverse: bool = False  # emitted by the reverse sweep (not part of the primal)

    def operands(self):
        return [*self.args, *self.kwargs.values()]


@dataclass(eq=False)
class Phi:
    """`target = phi(*inputs)`: for an If, (from body, from orelse); for a Loop,
    (on entry, from the end of the body)."""

    target: Var
    inputs: list


@dataclass(eq=False)
class If:
    cond: object
    body: list
    orelse: list
    phis: list = field(default_factory=list)
    loc: object = None
    note: str | None = None
    reverse: bool = False


@dataclass(eq=False)
class Loop:
    """`for target in iterable:` (when `iterable` is set) or `while cond:`.

    `phis` are the loop-header values; `test` computes `cond` before each
    iteration of a while loop. Values after the loop are the header phis."""

    phis: list
    body: list
    target: Var | None = None
    iterable: object = None
    test: list = field(default_factory=list)
    cond: object = None
    loc: object = None
    note: str | None = None
    reverse: bool = False


@dataclass(eq=False)
class Return:
    value: object
    loc: object = None
    reverse: bool = True


@dataclass(eq=False)
class Function:
    name: str
    params: list
    body: list
    defaults: dict = field(default_factory=dict)
    filename: str = "<tapeless>"
    source_names: dict = field(default_factory=dict)  # SSA name -> the name it versions
    temps: set = field(default_factory=set)  # names the compiler made up for subexpressions
    kwonly: list = field(default_factory=list)  # parameters that are keyword-only
    # a value read back in a reversed loop -> the forward value it restores (codegen
    # gives both one Python name where it can, so `h` means the same in both loops)
    mirrors: dict = field(default_factory=dict)


# -- walking --------------------------------------------------------------

def walk(stmts):
    """Every statement in `stmts`, regions included, in program order."""
    for s in stmts:
        yield s
        if isinstance(s, If):
            yield from walk(s.body)
            yield from walk(s.orelse)
        elif isinstance(s, Loop):
            yield from walk(s.test)
            yield from walk(s.body)


def defs(stmt):
    """The Vars a statement defines itself (not inside its regions)."""
    if isinstance(stmt, Assign):
        return [stmt.target] if stmt.target is not None else []
    if isinstance(stmt, (If, Loop)):
        out = [p.target for p in stmt.phis]
        if isinstance(stmt, Loop) and stmt.target is not None:
            target = stmt.target
            out.extend(target if isinstance(target, (list, tuple)) else [target])
        return out
    return []


def uses(stmt):
    """The operands a statement reads itself (not inside its regions)."""
    if isinstance(stmt, Assign):
        return stmt.operands()
    if isinstance(stmt, If):
        return [stmt.cond] + [v for p in stmt.phis for v in p.inputs]
    if isinstance(stmt, Loop):
        out = [v for p in stmt.phis for v in p.inputs]
        for extra in (stmt.iterable, stmt.cond):
            if extra is not None:
                out.append(extra)
        return out
    if isinstance(stmt, Return):
        return [stmt.value]
    return []


# -- printing -------------------------------------------------------------

def operand_ast(v):
    """The ast of an IR operand, printed plainly."""
    if isinstance(v, Const):
        return syntax.constant_ast(v.value)
    if isinstance(v, Ext):
        return syntax.dotted(v.spelling)
    return ast.Name(id=str(v), ctx=ast.Load())


def format_function(fn):
    """The IR as Python-like text, phis printed as `x_2 = phi(x_1, x)`."""
    params = ", ".join(p.name for p in fn.params)
    lines = [f"def {fn.name}({params}):"]
    _format_block(fn.body, 1, lines)
    return "\n".join(lines) + "\n"


def _format_block(stmts, depth, lines):
    pad = "    " * depth
    if not stmts:
        lines.append(pad + "pass")
    for s in stmts:
        if isinstance(s, Assign):
            text = ast.unparse(syntax.assign_expr(s, operand_ast))
            lines.append(pad + (f"{s.target} = {text}" if s.target else text))
        elif isinstance(s, If):
            lines.append(f"{pad}if {s.cond}:")
            _format_block(s.body, depth + 1, lines)
            if s.orelse:
                lines.append(pad + "else:")
                _format_block(s.orelse, depth + 1, lines)
            _format_phis(s.phis, pad, lines)
        elif isinstance(s, Loop):
            _format_loop(s, depth, lines)
        elif isinstance(s, Return):
            lines.append(f"{pad}return {s.value}")
        else:
            lines.append(pad + repr(s))


def _format_phis(phis, pad, lines):
    for p in phis:
        lines.append(f"{pad}{p.target} = phi({', '.join(map(str, p.inputs))})")


def _format_loop(s, depth, lines):
    pad = "    " * depth
    _format_phis(s.phis, pad + "# header: ", lines)
    if s.iterable is not None:
        target = s.target
        if isinstance(target, (list, tuple)):
            target = ", ".join(map(str, target))
        lines.append(f"{pad}for {target} in {s.iterable}:")
    else:
        lines.append(f"{pad}while True:")
        _format_block(s.test, depth + 1, lines)
        lines.append(f"{pad}    if not {s.cond}: break")
    _format_block(s.body, depth + 1, lines)


# -- verification ---------------------------------------------------------

class IRError(AssertionError):
    pass


def verify(fn):
    """Check SSA invariants: one definition per name, every use defined before it
    on every path (dominance in structured code), phis with the right arity."""
    defined = set()
    for p in fn.params:
        _define(p, defined)
    _verify_block(fn.body, set(defined), defined, {})
    return True


def _define(var, all_defs):
    if var.name in all_defs:
        raise IRError(f"{var.name} is assigned more than once")
    all_defs.add(var.name)


def _check_uses(operands, visible, where):
    for v in operands:
        if isinstance(v, Var) and v.name not in visible:
            raise IRError(f"{v.name} is used in {where} before it is defined")


def _verify_block(stmts, visible, all_defs, branches):
    """`branches` maps (condition, side) to the names a forward if defined on that
    side: the reverse sweep's if on the same condition may read them."""
    for s in stmts:
        if isinstance(s, If):
            _check_uses([s.cond], visible, "an if test")
            left, right = set(visible), set(visible)
            key = str(s.cond)
            if s.reverse:
                left |= branches.get((key, 0), set())
                right |= branches.get((key, 1), set())
            _verify_block(s.body, left, all_defs, branches)
            _verify_block(s.orelse, right, all_defs, branches)
            if not s.reverse:
                branches[(key, 0)] = left - visible
                branches[(key, 1)] = right - visible
            for p in s.phis:
                if len(p.inputs) != 2:
                    raise IRError(f"phi {p.target} after an if needs 2 inputs")
                _check_uses(p.inputs[:1], left, f"phi {p.target}")
                _check_uses(p.inputs[1:], right, f"phi {p.target}")
        elif isinstance(s, Loop):
            _verify_loop(s, visible, all_defs, branches)
            continue
        else:
            _check_uses(uses(s), visible, type(s).__name__)
        for v in defs(s):
            _define(v, all_defs)
            visible.add(v.name)


def _verify_loop(s, visible, all_defs, branches):
    for p in s.phis:
        if len(p.inputs) != 2:
            raise IRError(f"loop phi {p.target} needs 2 inputs")
        _check_uses(p.inputs[:1], visible, f"loop phi {p.target}")
    if s.iterable is not None:
        _check_uses([s.iterable], visible, "a for loop")
    inner = set(visible)
    for v in defs(s):
        _define(v, all_defs)
        inner.add(v.name)
    _verify_block(s.test, inner, all_defs, branches)
    _verify_block(s.body, inner, all_defs, branches)
    for p in s.phis:
        _check_uses(p.inputs[1:], inner, f"loop phi {p.target}")
    visible.update(p.target.name for p in s.phis)


# -- copying --------------------------------------------------------------

def clone(fn):
    """A copy of `fn` whose statements can be changed without touching `fn`
    (operands are immutable and shared)."""
    from dataclasses import replace
    return replace(fn, body=clone_block(fn.body), defaults=dict(fn.defaults), kwonly=list(fn.kwonly),
                   source_names=dict(fn.source_names), temps=set(fn.temps),
                   mirrors=dict(fn.mirrors))


def _copy_assign(s):
    """A shallow copy of an Assign with its own argument lists (faster than
    dataclasses.replace, which matters on long functions)."""
    c = object.__new__(Assign)
    c.__dict__.update(s.__dict__)
    c.args, c.kwargs = list(s.args), dict(s.kwargs)
    return c


def clone_block(stmts):
    from dataclasses import replace
    out = []
    for s in stmts:
        if type(s) is Assign:
            out.append(_copy_assign(s))
        elif isinstance(s, If):
            out.append(replace(s, body=clone_block(s.body), orelse=clone_block(s.orelse),
                               phis=[Phi(p.target, list(p.inputs)) for p in s.phis]))
        elif isinstance(s, Loop):
            out.append(replace(s, body=clone_block(s.body), test=clone_block(s.test),
                               phis=[Phi(p.target, list(p.inputs)) for p in s.phis]))
        else:
            out.append(replace(s))
    return out
