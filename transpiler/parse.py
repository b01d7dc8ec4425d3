"""Stage 1: function object -> gast FunctionDef with real source positions.

Takes a Python function; guarantees a `Parsed` whose `node` is a gast
FunctionDef with decorators stripped, line numbers equal to the lines of the
file the function lives in, and column offsets of the original (indented)
text. Names are not resolved here; `scope` gives the globals, closure cells
and builtins the later stages resolve against.

    @grad                     Parsed(node=FunctionDef(name='f', ...),
    def f(x):          ->            filename='model.py', lineno=2,
        return x * x                 indent=0, scope=...)
"""
from __future__ import annotations

import builtins
import inspect
import linecache
import textwrap
from dataclasses import dataclass, field

import gast

from .errors import Loc, TranspileError


@dataclass
class Scope:
    """What a name that is not local to the function refers to."""

    globals: dict
    closure: dict = field(default_factory=dict)

    def lookup(self, name):
        """Return (found, value) for a free name: closure, then globals, then builtins."""
        if name in self.closure:
            return True, self.closure[name]
        if name in self.globals:
            return True, self.globals[name]
        if hasattr(builtins, name):
            return True, getattr(builtins, name)
        return False, None


@dataclass
class Parsed:
    fn: object
    node: gast.FunctionDef
    filename: str
    lines: list
    indent: int
    scope: Scope

    def loc(self, node):
        """The source location of a gast node (or None when it has none)."""
        lineno = getattr(node, "lineno", None)
        if lineno is None:
            return None
        text = self.lines[lineno - 1] if 0 < lineno <= len(self.lines) else ""
        offset = getattr(node, "col_offset", 0)  # in UTF-8 bytes of the dedented line
        line = text[self.indent:].encode("utf-8")
        col = len(line[:offset].decode("utf-8", "ignore")) + self.indent  # in characters
        return Loc(self.filename, lineno, col, text)


def _closure_of(fn):
    cells = getattr(fn, "__closure__", None) or ()
    names = fn.__code__.co_freevars
    out = {}
    for name, cell in zip(names, cells):
        try:
            out[name] = cell.cell_contents
        except ValueError:  # an empty cell: the name is not bound yet
            pass
    return out


def _source_of(fn):
    try:
        lines, lineno = inspect.getsourcelines(fn)
    except (OSError, TypeError) as exc:
        name = getattr(fn, "__qualname__", repr(fn))
        raise TranspileError(
            f"cannot read the source of {name}",
            why=f"inspect could not find it ({exc}); functions typed at an interactive "
            "prompt or built by exec have no file to read",
            fix="define the function in a file, or register a rule for it with transpiler.rule",
        ) from None
    return lines, max(lineno, 1)


def _fingerprint(code):
    """What an edit of a function's text changes in its code object: constants,
    names, parameters (not line numbers; free variables count as names, since
    the text compiled alone makes them globals)."""
    consts = tuple(_fingerprint(c) if hasattr(c, "co_code") else (type(c).__name__, repr(c))
                   for c in code.co_consts)
    names = set(code.co_names) | set(code.co_freevars)
    names.discard("__class__")
    return (code.co_name, code.co_argcount, code.co_kwonlyargcount, code.co_varnames,
            tuple(sorted(names)), consts)


def _check_unchanged(fn, source, filename):
    """Refuse to differentiate a text that is not the code that runs: the file
    was edited after the function was defined (the gradient would be of the new
    text). The text is compiled and compared with `fn.__code__`."""
    try:
        compiled = compile(source, filename, "exec", dont_inherit=True)
    except (SyntaxError, ValueError):
        return
    made = next((c for c in compiled.co_consts if hasattr(c, "co_code") and
                 c.co_name == fn.__code__.co_name), None)
    if made is None or _fingerprint(made) == _fingerprint(fn.__code__):
        return
    code = fn.__code__
    raise TranspileError(
        f"the source of {fn.__qualname__} in {filename} is not the code that runs",
        Loc(filename, code.co_firstlineno, 0, ""),
        "the file was changed after the function was defined, so differentiating its "
        "text now would give the derivative of other code",
        "reload the module (importlib.reload) or restart Python after editing it")


def vararg_name(name, i):
    """The parameter that stands for item `i` of `*name` in a specialization."""
    return f"{name}_{i}"


def count_varargs(fn, kinds):
    """How many `*args` a call passes to `fn`, from its argument kinds (one per
    positional argument); None when `fn` has no *args or the call is unknown."""
    code = getattr(inspect.unwrap(fn), "__code__", None)
    if code is None or not code.co_flags & inspect.CO_VARARGS or kinds is None:
        return None
    return max(len(kinds) - code.co_argcount, 0)


def _expand_varargs(node, count, parsed):
    """`def f(x, *rest)` called with `count` extra arguments -> `def f(x, rest_0,
    ..., rest_{count-1})` whose body starts with `rest = (rest_0, ...)`."""
    rest = node.args.vararg
    names = [vararg_name(rest.id, i) for i in range(count)]
    taken = {n.id for n in gast.walk(node) if isinstance(n, gast.Name)}
    clash = [n for n in names if n in taken]
    if clash:
        raise TranspileError(f"cannot specialize `*{rest.id}`: the name `{clash[0]}` is taken",
                             parsed.loc(node), "the items of *args become parameters named "
                             f"{rest.id}_0, {rest.id}_1, ...", f"rename `{clash[0]}`")
    node.args.args.extend(gast.Name(id=n, ctx=gast.Param(), annotation=None,
                                    type_comment=None) for n in names)
    node.args.vararg = None
    items = gast.Tuple(elts=[gast.Name(id=n, ctx=gast.Load(), annotation=None,
                                       type_comment=None) for n in names], ctx=gast.Load())
    pack = gast.Assign(targets=[gast.Name(id=rest.id, ctx=gast.Store(), annotation=None,
                                          type_comment=None)], value=items, type_comment=None)
    for part in gast.walk(pack):
        gast.copy_location(part, node)
        part.end_lineno, part.end_col_offset = node.lineno, node.col_offset
    node.body.insert(0, pack)


def parse(fn, varargs=None):
    """Parse `fn` into a `Parsed` (see module docstring); `varargs` (a count)
    specializes a function with `*args` for calls passing that many."""
    fn = inspect.unwrap(fn)
    code = getattr(fn, "__code__", None)
    if code is None:
        raise TranspileError(f"{fn!r} is not a Python function",
                             fix="pass a function defined with def")
    if getattr(fn, "__name__", "") == "<lambda>":
        raise TranspileError("cannot differentiate a lambda directly",
                             fix="define it with def, or call it from a def function")
    lines, first = _source_of(fn)
    filename = code.co_filename
    text = "".join(lines)
    dedented = textwrap.dedent(text)
    indent = len(lines[0]) - len(lines[0].lstrip()) if lines else 0
    _check_unchanged(fn, dedented, filename)
    module = gast.parse(dedented)
    node = module.body[0]
    if isinstance(node, gast.AsyncFunctionDef):
        raise TranspileError(f"cannot differentiate an `async def` ({fn.__name__})",
                             Loc(filename, first + node.lineno - 1, indent + node.col_offset,
                                 lines[node.lineno - 1] if node.lineno <= len(lines) else ""),
                             "coroutines cannot be differentiated",
                             "differentiate a plain synchronous function")
    if not isinstance(node, gast.FunctionDef):
        raise TranspileError(f"{fn.__name__} is not defined with a def statement",
                             fix="define it with def")
    gast.increment_lineno(module, first - 1)
    node.decorator_list = []
    all_lines = linecache.getlines(filename) or text.splitlines(True)
    scope = Scope(fn.__globals__, _closure_of(fn))
    parsed = Parsed(fn, node, filename, all_lines, indent, scope)
    if varargs is not None and node.args.vararg is not None:
        _expand_varargs(node, varargs, parsed)
    return parsed
