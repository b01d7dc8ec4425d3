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

from ..errors import Loc, TranspileError
from ..sourcefiles import RECORDERS


@dataclass
class Scope:
    """What a name that is not local to the function refers to."""

    globals: dict
    closure: dict = field(default_factory=dict)
    owner: object = None  # the function whose names these are

    def __post_init__(self):
        self.own = frozenset(self.closure)  # (later stages add names of their own)

    def lookup(self, name):
        """Return (found, value) for a free name: closure, then globals, then builtins."""
        found, value = self._lookup(name)
        if found and RECORDERS:
            RECORDERS[-1].resolved(self, name, (), value)
        return found, value

    def _lookup(self, name):
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
        if text.isascii():  # (one byte, one character: most lines, and every node has a Loc)
            col = min(offset, max(len(text) - self.indent, 0)) + self.indent
            return Loc(self.filename, lineno, col, text)
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


def _source_of(fn, quick=False):
    """The lines of `fn`'s definition (decorators included) and the number of the
    first; `quick`: found by `_block_by_indentation` when it can (the caller
    parses them, and asks again without `quick` if they do not parse)."""
    try:
        found = _block_by_indentation(fn) if quick else None
        lines, lineno = found or inspect.getsourcelines(fn)
    except (OSError, TypeError) as exc:
        name = getattr(fn, "__qualname__", repr(fn))
        raise TranspileError(
            f"cannot read the source of {name}",
            why=f"inspect could not find it ({exc}); functions typed at an interactive "
            "prompt or built by exec have no file to read",
            fix="define the function in a file, or register a rule for it with transpiler.rule",
        ) from None
    return lines, max(lineno, 1)


def _block_by_indentation(fn):
    """`inspect.getsourcelines(fn)` without tokenizing the function (which costs
    more than parsing it): from the first line of the definition, to at least the
    last line its instructions (and those of the functions nested in it) come
    from, then on while the lines are blank, comments, or indented deeper than
    the first. A line that is not, after the last instruction, ends the block;
    if that line is a continuation (of brackets, a string, a backslash), the text
    does not parse, and the caller falls back to inspect. None when the lines
    cannot be found this way."""
    all_lines, start = inspect.findsource(fn)
    last = _last_line(fn.__code__)
    if last is None or not start < last <= len(all_lines):
        return None
    first = all_lines[start]
    indent = len(first) - len(first.lstrip())
    end = last
    for line in all_lines[last:]:
        text = line.strip()
        if text and not text.startswith("#") and len(line) - len(line.lstrip()) <= indent:
            break
        end += 1
    while end > last and all_lines[end - 1].strip()[:1] in ("", "#"):
        end -= 1  # (what follows the last statement is not the function's)
    return all_lines[start:end], start + 1


def _last_line(code):
    """The last source line any instruction of `code` or its nested code comes from
    (on Python 3.10, which has no end positions, starts: the lines after are then
    found by indentation, or the text does not parse)."""
    if hasattr(code, "co_positions"):
        ends = [end if end is not None else line
                for line, end, _, _ in code.co_positions() if line is not None]
    else:
        ends = [line for _, _, line in code.co_lines() if line is not None]
    ends.extend(_last_line(c) or 0 for c in code.co_consts if hasattr(c, "co_code"))
    return max(ends, default=None)


def _fingerprint(code):
    """What an edit of a function's text changes in its code object: constants,
    names, parameters (not line numbers; free variables count as names, since
    the text compiled alone makes them globals)."""
    consts = tuple(_fingerprint(c)[0] if hasattr(c, "co_code") else _constant(c)
                   for c in code.co_consts)
    # the names of the whole tree of code objects: a closure passes the free names
    # of the functions nested in it, which the text compiled alone reads as globals
    names = set(code.co_names) | set(code.co_freevars)
    for c in code.co_consts:
        if hasattr(c, "co_code"):
            names |= set(_fingerprint(c)[1])
    names.discard("__class__")
    return ((code.co_name, code.co_argcount, code.co_kwonlyargcount, code.co_varnames, consts),
            tuple(sorted(names)))


def _constant(c):
    """A constant as the comparison sees it: the text of a nested function is
    dedented before it is compiled, which changes the indentation inside its
    docstrings and other multi-line strings (not what the code computes)."""
    if isinstance(c, str):
        return ("str", "".join(c.split()))
    return (type(c).__name__, repr(c))


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
    if made is None or _fingerprint(made) == _fingerprint(fn.__code__) or \
            any(v.startswith("@py_assert") for v in fn.__code__.co_varnames):
        return  # (pytest rewrites the asserts of test files: not an edit)
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
        return _parse_lambda(fn, code, varargs)
    lines, first, module = _parsed_source(fn, quick=True) or _parsed_source(fn)
    filename = code.co_filename
    text = "".join(lines)
    indent = len(lines[0]) - len(lines[0].lstrip()) if lines else 0
    _check_unchanged(fn, textwrap.dedent(text), filename)
    node = module.body[0]
    if isinstance(node, gast.AsyncFunctionDef):
        row = node.lineno - first
        raise TranspileError(f"cannot differentiate an `async def` ({fn.__name__})",
                             Loc(filename, node.lineno, indent + node.col_offset,
                                 lines[row] if row < len(lines) else ""),
                             "coroutines cannot be differentiated",
                             "differentiate a plain synchronous function")
    if not isinstance(node, gast.FunctionDef):
        raise TranspileError(f"{fn.__name__} is not defined with a def statement",
                             fix="define it with def")
    node.decorator_list = []
    all_lines = linecache.getlines(filename) or text.splitlines(True)
    scope = Scope(fn.__globals__, _closure_of(fn), fn)
    parsed = Parsed(fn, node, filename, all_lines, indent, scope)
    if varargs is not None and node.args.vararg is not None:
        _expand_varargs(node, varargs, parsed)
    if code.co_flags & inspect.CO_GENERATOR:
        _generator_as_list(node, parsed)
    return parsed


def _parsed_source(fn, quick=False):
    """(lines, first line number, gast Module) of `fn`'s definition (`_source_of`);
    with `quick`, None when the lines found quickly are not one whole definition."""
    lines, first = _source_of(fn, quick)
    # (blank lines first: the nodes get the file's line numbers without a walk to move them)
    text = "\n" * (first - 1) + textwrap.dedent("".join(lines))
    if not quick:
        return lines, first, gast.parse(text)
    try:
        module = gast.parse(text)
    except SyntaxError:
        return None
    return (lines, first, module) if len(module.body) == 1 else None


def _generator_as_list(node, parsed):
    """A generator function as the function returning the list of what it yields:
    `yield v` -> `items.append(v)`, `return` -> `return items`. (The caller's loop
    consumes every item; the items are the same values.)"""
    items = "__tapeless_yielded__"
    for n in gast.walk(node):
        if isinstance(n, (gast.FunctionDef, gast.Lambda)) and n is not node:
            raise TranspileError("cannot differentiate a generator function with nested "
                                 "functions", parsed.loc(n), fix="define them at module level")
        if isinstance(n, gast.YieldFrom):
            raise TranspileError("cannot differentiate a `yield from` expression",
                                 parsed.loc(n), fix="yield the items one by one")
    for n in gast.walk(node):
        for field, value in gast.iter_fields(n):
            if isinstance(value, list):
                value[:] = [_yielded(s, items, parsed) for s in value]

    def name(ctx):
        return gast.Name(id=items, ctx=ctx, annotation=None, type_comment=None)
    start = gast.Assign(targets=[name(gast.Store())], value=gast.List(elts=[], ctx=gast.Load()),
                        type_comment=None)
    node.body = [start] + node.body + [gast.Return(value=name(gast.Load()))]
    for part in gast.walk(node):
        if not hasattr(part, "lineno") or part.lineno is None:
            gast.copy_location(part, node)
            part.end_lineno, part.end_col_offset = node.lineno, node.col_offset


def _yielded(s, items, parsed):
    """One statement of a generator function, rewritten (see _generator_as_list)."""
    if isinstance(s, gast.Return):
        if s.value is not None and not (isinstance(s.value, gast.Constant) and
                                        s.value.value is None):
            raise TranspileError("cannot differentiate a generator that returns a value",
                                 parsed.loc(s), fix="yield it instead")
        return gast.copy_location(gast.Return(value=gast.Name(
            id=items, ctx=gast.Load(), annotation=None, type_comment=None)), s)
    if isinstance(s, gast.Expr) and isinstance(s.value, gast.Yield):
        value = s.value.value or gast.Constant(value=None, kind=None)
        call = gast.Call(func=gast.Attribute(value=gast.Name(
            id=items, ctx=gast.Load(), annotation=None, type_comment=None), attr="append",
            ctx=gast.Load()), args=[value], keywords=[])
        return gast.copy_location(gast.Expr(value=gast.copy_location(call, s)), s)
    if any(isinstance(n, gast.Yield) for n in gast.walk(s)) and not isinstance(
            s, (gast.If, gast.For, gast.While, gast.With)):
        raise TranspileError("cannot differentiate a `yield` expression whose value is used",
                             parsed.loc(s), fix="write `yield v` as a statement")
    return s


def _parse_lambda(fn, code, varargs):
    """A lambda, found in its file by position, as `def lambda_<line>(...): return ...`."""
    filename = code.co_filename
    all_lines = linecache.getlines(filename)
    if not all_lines:
        _source_of(fn)  # the error for a def with no file to read
    node = _find_lambda(code, all_lines, fn)
    name = f"lambda_{node.lineno}"
    body = [gast.copy_location(gast.Return(value=node.body), node.body)]
    fdef = gast.FunctionDef(name=name, args=node.args, body=body, decorator_list=[],
                            returns=None, type_comment=None, type_params=[])
    gast.copy_location(fdef, node)
    scope = Scope(fn.__globals__, _closure_of(fn), fn)
    parsed = Parsed(fn, fdef, filename, all_lines, 0, scope)
    if varargs is not None and fdef.args.vararg is not None:
        _expand_varargs(fdef, varargs, parsed)
    return parsed


def _find_lambda(code, all_lines, fn):
    """The gast Lambda node of `code`: the lambdas on its first line, told apart by
    parameter names and by the columns of its instructions."""
    try:
        module = gast.parse("".join(all_lines))
    except SyntaxError:
        module = None
    here = Loc(code.co_filename, code.co_firstlineno, 0,
               all_lines[code.co_firstlineno - 1] if len(all_lines) >= code.co_firstlineno
               else "")
    found = [] if module is None else [
        n for n in gast.walk(module) if isinstance(n, gast.Lambda)
        and n.lineno == code.co_firstlineno]
    params = code.co_varnames[:code.co_argcount + code.co_kwonlyargcount]
    found = [n for n in found if tuple(a.id for a in n.args.args + n.args.kwonlyargs)
             == params]
    if len(found) > 1:
        found = _by_columns(found, code)
    if len(found) != 1:
        what = "no lambda" if not found else f"{len(found)} lambdas that look alike"
        raise TranspileError(
            f"cannot find the source of {fn!r}: line {code.co_firstlineno} has {what}",
            here, "a lambda is found in its file by its line and parameters",
            "define the function with def (or give each lambda on the line its own "
            "parameter names)")
    return found[0]


def _by_columns(found, code):
    """Keep the lambdas whose body spans the columns of `code`'s instructions."""
    listed = getattr(code, "co_positions", lambda: ())()  # Python 3.11+
    positions = [(line, col) for line, _, col, end in listed
                 if line is not None and col is not None and end is not None and end > col]
    if not positions:
        return found

    def spans(n):
        start = (n.body.lineno, n.body.col_offset)
        end = (n.body.end_lineno, n.body.end_col_offset)
        return all(start <= p <= end for p in positions)
    inside = [n for n in found if spans(n)]
    # nested lambdas: the innermost one that holds them all
    return [min(inside, key=lambda n: (n.body.end_lineno - n.body.lineno,
                                       n.body.end_col_offset - n.body.col_offset))] \
        if inside else found
