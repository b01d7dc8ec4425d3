"""Stage 7: SSA function -> readable Python source -> a callable.

Takes an `ir.Function`; guarantees Python text that computes the same thing,
compiled in the user's module globals (so module data is read live), with
library objects bound as closure variables, and written to a file whose line N
is line N of the source (sourcefiles.py), so tracebacks and pdb show the
generated lines. On the way out of SSA:

- single-use compiler temporaries are folded back into the expression that
  uses them (`d_x = d_y * np.cos(x)`, not two lines);
- phis become copies at the ends of their branches;
- versions of one variable (`x`, `x_1`, `d_y`, `d_y_2`) share one name
  wherever their lifetimes do not overlap, so the code reads like the source;
- each rule's lines carry a `# adjoint of line N: <source>` comment.

    d_y = d_f * a            (SSA)          d_y = d_f * a
    t = d_f * y        ->                   d_y = d_y + d_f * y
    d_y_1 = d_y + t
"""
from __future__ import annotations

import ast
import operator
from dataclasses import dataclass, field

from .. import ir
from ..frontend import syntax
from ..ad.companions import Companion, TangentCompanion
from .reuse import is_into
from .out_of_ssa import _loop_targets, _operand_vars, coalesce, out_of_ssa
from ..ir.peephole import _ONE_SHOT, is_pure
from ..sourcefiles import GENERATED, compile_function
from ..ir.writes import in_place_writes
from runtime import ops


@dataclass
class Generated:
    name: str
    source: str
    fn: object
    filename: str
    line_locs: dict = field(default_factory=dict)  # line of `source` -> user source Loc
    origin: str = ""  # the user's file it was made from
    companions: dict = field(default_factory=dict)  # bound name -> companion it calls


_COMPANION_FUNCTIONS = ("forward", "backward", "tangent")


def all_sources(generated):
    """The source of `generated`, then that of each companion it calls (the
    adjoints of the user's helper functions), theirs in turn, each once."""
    texts, seen = [generated.source], set()
    pending = list(generated.companions.items())
    while pending:
        name, comp = pending.pop(0)
        if id(comp) in seen:
            continue
        seen.add(id(comp))
        for attr in _COMPANION_FUNCTIONS:
            code = getattr(getattr(comp, attr, None), "__code__", None)
            made = GENERATED.get(code.co_filename) if code is not None else None
            if made is not None:
                texts.append(f"# {name}.{attr}\n{made.source}")
                pending.extend(made.companions.items())
    return "\n".join(texts)


def generate(fn, globals_, kinds=None):
    """Compile `fn` (see module docstring); `kinds` (kinds.py) may tell which
    items are single numbers, so that writes near them can stay in place."""
    return Emitter(fn, kinds).compile(globals_)


# -- folding --------------------------------------------------------------------

def _count_uses(stmts, counts):
    for s in ir.walk(stmts):
        for v in _operand_vars(ir.uses(s)):
            counts[v.name] = counts.get(v.name, 0) + 1
    return counts


def foldable(fn, counts=None):
    """Single-use temporaries whose one use follows them in the same block."""
    counts = counts if counts is not None else _count_uses(fn.body, {})
    out = {}
    _fold_block(fn.body, fn.temps, counts, out)
    return out


def _fold_block(stmts, temps, counts, out, tail=(), tail_sweep=False):
    """`tail`: what the block's end reads (an if's phi inputs: the copies
    out_of_ssa puts there, `h = np.tanh(a)` rather than `t = ...; h = t`)."""
    pending = {}
    for s in stmts:
        direct = []
        if isinstance(s, ir.Assign):
            direct = s.operands()
            if s.fn is ops.setitem:  # the written array needs a name; the write
                direct = direct[1:]  # must not move reads of it past (see writes.py)
        elif isinstance(s, ir.If):
            direct = [s.cond]
        elif isinstance(s, ir.Return):
            direct = [s.value]
        elif isinstance(s, ir.Loop) and s.iterable is not None:
            direct = [s.iterable]
        sweep = getattr(s, "reverse", False)
        for v in _operand_vars(direct):
            if v.name in pending and pending[v.name].reverse == sweep:
                out[v.name] = pending.pop(v.name)
        if isinstance(s, ir.Assign) and (s.fn is ops.setitem or is_into(s.fn)):
            pending.clear()  # (a write into an array: no read of it moves past it)
        if isinstance(s, ir.Assign) and s.target is not None and s.target.name in temps \
                and counts.get(s.target.name) == 1 and (is_pure(s.fn) or s.fn in _ONE_SHOT):
            pending[s.target.name] = s
        if isinstance(s, ir.If):
            for side, region in enumerate((s.body, s.orelse)):
                _fold_block(region, temps, counts, out, [p.inputs[side] for p in s.phis],
                            s.reverse)
        else:
            for region in _regions(s):
                _fold_block(region, temps, counts, out)
    for v in _operand_vars(tail):  # (a list append stays `xs.append(x)`)
        if v.name in pending and pending[v.name].reverse == tail_sweep and \
                pending[v.name].fn not in (ops.list_append, ops.setitem) and \
                pending[v.name].fn not in _ONE_SHOT:
            out[v.name] = pending.pop(v.name)


def _regions(s):
    if isinstance(s, ir.If):
        return [s.body, s.orelse]
    if isinstance(s, ir.Loop):
        return [s.test, s.body]
    return []


class Emitter:
    def __init__(self, fn, kinds=None):
        self.fn, self.kinds = fn, kinds
        self.counts = _count_uses(fn.body, {})
        self.folded = foldable(fn, self.counts)
        self.stmts = out_of_ssa(fn.body)
        self.bindings = {}  # name -> object
        self.root_names = {}  # id(root object) -> bound name
        self.globals = set()
        self._collect(self.stmts)
        for value in fn.defaults.values():
            if not _is_literal(value):
                self._bind("default", value)
        self.names = coalesce(fn, self.stmts, self.folded,
                              set(self.bindings) | self.globals)
        self.in_place = in_place_writes(fn, self.names, kinds)
        self.lines, self.line_locs = [], {}

    # binding external objects as closure variables
    def _bind(self, name, obj):
        key = id(obj)
        if key in self.root_names:
            return self.root_names[key]
        chosen, n = name, 0
        while chosen in self.bindings:
            n += 1
            chosen = f"{name}_{n}"
        self.bindings[chosen] = obj
        self.root_names[key] = chosen
        return chosen

    def _collect(self, stmts):
        for s in ir.walk(stmts):
            operands = list(ir.uses(s))
            if isinstance(s, ir.Assign) and s.callee is not None and \
                    ir.NAMESPACE not in s.kwargs:  # (xp.sin: spelled from its namespace)
                operands.append(s.callee)
            for v in operands:
                if isinstance(v, ir.Ext):
                    self._bind(v.spelling.split(".")[0], v.root)
                elif isinstance(v, ir.Global):
                    self.globals.add(v.name)

    def spell(self, ext):
        root, *rest = ext.spelling.split(".")
        return ".".join([self.root_names[id(ext.root)]] + rest)

    def operand(self, v):
        if isinstance(v, ir.Var):
            if v.name in self.folded:
                return self.expr(self.folded[v.name])
            return ast.Name(id=self.names.get(v.name, v.name), ctx=ast.Load())
        if isinstance(v, ir.Ext):
            return syntax.dotted(self.spell(v))
        return ir.operand_ast(v)

    def expr(self, s):
        if s.callee is not None and ir.NAMESPACE not in s.kwargs:
            s = ir.Assign(s.target, s.fn, s.args, s.kwargs, s.loc,
                          ir.Ext(s.callee.obj, self.spell(s.callee), s.callee.root))
        return _tidy(syntax.assign_expr(s, self.operand))

    # statements
    def write(self, depth, text, loc=None):
        self.lines.append("    " * depth + text)
        if loc is not None:
            self.line_locs[len(self.lines)] = loc

    def block(self, stmts, depth):
        start = len(self.lines)
        i = 0
        while i < len(stmts):
            n = self.unpacking(stmts, i)
            if n:
                self.unpack(stmts[i], stmts[i + 1:i + 1 + n], depth)
                i += 1 + n
                continue
            n = self.checked_unpacking(stmts, i)
            if n:
                targets = ", ".join(self.names.get(t.target.name, t.target.name)
                                    for t in stmts[i + 1:i + 1 + n])
                value = ast.unparse(self.operand(stmts[i].args[0]))
                self.write(depth, f"{targets} = {value}", stmts[i].loc)
                i += 1 + n
                continue
            n = self.parameter_unpacking(stmts, i)
            if n:
                targets = ", ".join(self.names.get(t.target.name, t.target.name)
                                    for t in stmts[i:i + n])
                self.write(depth, f"{targets} = {stmts[i].args[0].name}", stmts[i].loc)
                i += n
                continue
            self.stmt(stmts[i], depth)
            i += 1
        if len(self.lines) == start:
            self.write(depth, "pass")

    def unpacking(self, stmts, i):
        """n when stmts[i] makes a tuple that the next n statements take apart
        (`t = f(x); a = t[0]; b = t[1]`, printed `a, b = f(x)`), else 0. A
        `check_unpack(t, n)` between them counts as one of the n: Python's own
        unpacking checks the length."""
        s = stmts[i]
        if not isinstance(s, ir.Assign) or s.target is None or s.target.name in self.folded:
            return 0
        uses = self.counts.get(s.target.name, 0)
        checked = _checks_unpack(stmts[i + 1] if i + 1 < len(stmts) else None, s.target,
                                 uses - 1)
        items = stmts[i + 1 + checked:i + 1 + uses]
        n = 0
        for k, t in enumerate(items):
            if not (isinstance(t, ir.Assign) and t.fn is operator.getitem and t.target
                    and t.args[0] == s.target and t.args[1] == ir.Const(k)
                    and t.target.name not in self.folded):
                return 0
            n += 1
        if any(getattr(t, "unpack_length", n) != n for t in items[:n]):
            return 0  # `a, b, _ = t` whose `_` is dead: `a, b = t` would fail
        return n + checked if n >= 2 and n + checked == uses else 0

    def checked_unpacking(self, stmts, i):
        """n when stmts[i] is `check_unpack(t, n)` and the next n statements read
        t[0], ..., t[n - 1] (printed `a, b = t`, which checks the length itself)."""
        s = stmts[i]
        if not (isinstance(s, ir.Assign) and s.fn is ops.check_unpack and s.target is None
                and isinstance(s.args[0], ir.Var) and isinstance(s.args[1], ir.Const)):
            return 0
        t, n = s.args[0], s.args[1].value
        parts = stmts[i + 1:i + 1 + n]
        if len(parts) != n or not all(
                isinstance(p, ir.Assign) and p.fn is operator.getitem and p.target and
                p.args == [t, ir.Const(k)] and p.target.name not in self.folded
                for k, p in enumerate(parts)):
            return 0
        return n

    def parameter_unpacking(self, stmts, i):
        """n when stmts[i:i + n] take a parameter apart whole (`a = saved[0]; b =
        saved[1]`, printed `a, b = saved`), else 0."""
        s = stmts[i]
        if not (isinstance(s, ir.Assign) and s.fn is operator.getitem and s.target and
                isinstance(s.args[0], ir.Var) and s.args[0] in self.fn.params):
            return 0
        param, uses = s.args[0], self.counts.get(s.args[0].name, 0)
        parts = stmts[i:i + uses]
        if uses < 2 or len(parts) < uses or not all(
                isinstance(t, ir.Assign) and t.fn is operator.getitem and t.target and
                t.args == [param, ir.Const(k)] and t.target.name not in self.folded
                and getattr(t, "unpack_length", None) == uses for k, t in enumerate(parts)):
            return 0
        return uses

    def unpack(self, s, parts, depth):
        parts = [p for p in parts if p.fn is not ops.check_unpack]
        targets = ", ".join(self.names.get(p.target.name, p.target.name) for p in parts)
        self.comment(s, depth)
        self.write(depth, f"{targets} = {ast.unparse(self.expr(s))}", s.loc or s.adjoint_of)

    def comment(self, s, depth):
        loc = getattr(s, "adjoint_of", None) or (s.loc if getattr(s, "note", None) == "reverse"
                                                   else None)
        if loc is not None and loc.lineno != self._last_comment:
            self._last_comment = loc.lineno
            self.write(depth, f"# adjoint of line {loc.lineno}: {loc.line.strip()}")

    def stmt(self, s, depth):
        if isinstance(s, ir.Assign):
            if s.target is not None and s.target.name in self.folded:
                return
            value = self.expr(s)
            text = ast.unparse(value)
            if s.fn is ops.list_append and s.target is not None and \
                    isinstance(s.args[0], ir.Var) and \
                    self.names.get(s.args[0].name) == self.names.get(s.target.name):
                items = self.names.get(s.target.name, s.target.name)
                text = f"{items}.append({ast.unparse(self.operand(s.args[1]))})"
                self.comment(s, depth)
                self.write(depth, text, s.loc or s.adjoint_of)
                return
            if s.fn is ops.setitem and s.target is not None:
                self.item_write(s, depth)
                return
            if s.target is not None:
                target = self.names.get(s.target.name, s.target.name)
                if s.fn is ops.identity and text == target:
                    return
                text = f"{target} = {text}"
            self.comment(s, depth)
            self.write(depth, text, s.loc or s.adjoint_of)
        elif isinstance(s, ir.If):
            self.comment(s, depth)
            self.write(depth, f"if {ast.unparse(self.operand(s.cond))}:", s.loc)
            self.block(s.body, depth + 1)
            if s.orelse and not all(self._invisible(x) for x in s.orelse):
                self.write(depth, "else:")
                self.block(s.orelse, depth + 1)
        elif isinstance(s, ir.Loop):
            self.comment(s, depth)
            if s.iterable is not None:
                targets = ", ".join(self.names.get(t.name, t.name) for t in _loop_targets(s))
                self.write(depth, f"for {targets} in {ast.unparse(self.operand(s.iterable))}:",
                           s.loc)
            else:
                self.write(depth, f"while {ast.unparse(self.operand(s.cond))}:", s.loc)
            self.block(s.test + s.body, depth + 1)
        elif isinstance(s, ir.Return):
            self.write(depth, f"return {ast.unparse(self.operand(s.value))}", s.loc)

    def item_write(self, s, depth):
        """`y[i] = v`, on the array itself when nothing else can see it (see
        writes.py), else on a copy: `y_1 = y.copy()` then `y_1[i] = v`."""
        target = self.names.get(s.target.name, s.target.name)
        self.comment(s, depth)
        if id(s) not in self.in_place:
            old = ast.unparse(self.operand(s.args[0]))
            self.write(depth, f"{target} = {old}.copy()", s.loc or s.adjoint_of)
        item = self.expr(ir.Assign(None, operator.getitem, s.args[:2]))
        item.value = ast.Name(id=target, ctx=ast.Store())
        self.write(depth, f"{ast.unparse(item)} = {ast.unparse(self.operand(s.args[2]))}",
                   s.loc or s.adjoint_of)

    def _invisible(self, s):
        if isinstance(s, ir.Assign):
            if s.target is not None and s.target.name in self.folded:
                return True
            if s.fn is ops.identity and isinstance(s.args[0], ir.Var):
                return self.names.get(s.target.name) == self.names.get(s.args[0].name)
        return False

    def signature(self):
        parts = []
        kwonly = set(self.fn.kwonly)
        for p in self.fn.params:
            if p.name in kwonly and "*" not in parts:
                parts.append("*")
            if p.name in self.fn.defaults:
                value = self.fn.defaults[p.name]
                text = repr(value) if _is_literal(value) else self.root_names[id(value)]
                parts.append(f"{p.name}={text}")
            else:
                parts.append(p.name)
        return ", ".join(parts)

    def source(self):
        self._last_comment = None
        self.write(0, f"def {self.fn.name}({self.signature()}):")
        self.block(self.stmts, 1)
        return "\n".join(self.lines) + "\n"

    def compile(self, globals_):
        source = self.source()
        origin = self.fn.filename
        if origin in GENERATED:  # code made from made code: named after the user's file
            origin = GENERATED[origin].origin
        func, filename = compile_function(self.fn.name, source, self.bindings, globals_, origin)
        companions = {name: obj for name, obj in self.bindings.items()
                      if isinstance(obj, (Companion, TangentCompanion))}
        generated = Generated(self.fn.name, source, func, filename, dict(self.line_locs), origin,
                              companions)
        GENERATED[filename] = generated
        return generated


def _checks_unpack(s, t, n):
    """1 when `s` is `check_unpack(t, n)`, else 0."""
    return int(isinstance(s, ir.Assign) and s.fn is ops.check_unpack and s.target is None
               and s.args == [t, ir.Const(n)])


def _tidy(node):
    """`a + -b` reads better as `a - b`."""
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add) and \
            isinstance(node.right, ast.UnaryOp) and isinstance(node.right.op, ast.USub):
        return ast.BinOp(node.left, ast.Sub(), node.right.operand)
    return node


def _is_literal(value):
    if isinstance(value, (int, float, complex, str, bool, type(None))):
        try:
            return ast.literal_eval(repr(value)) == value
        except (ValueError, SyntaxError):
            return False
    if isinstance(value, tuple):
        return all(_is_literal(v) for v in value)
    return False
