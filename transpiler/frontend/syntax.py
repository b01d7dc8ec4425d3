"""Python syntax <-> primitive callables, in one place.

Reading: an operator in the source (`+`, `<`, `x[i]`) becomes the callable
that the rule table is keyed by (`operator.add`, `operator.lt`,
`operator.getitem`). Writing: an IR `Assign` becomes a standard-library
`ast` expression again, so `x + y` prints as `x + y`, not `add(x, y)`.
"""
from __future__ import annotations

import ast
import functools
import operator

import numpy as np

from runtime import ops
from runtime.array_api import KEYWORDS, NAMESPACE

BINARY = {
    "Add": operator.add, "Sub": operator.sub, "Mult": operator.mul,
    "Div": operator.truediv, "FloorDiv": operator.floordiv, "Mod": operator.mod,
    "Pow": operator.pow, "MatMult": operator.matmul, "BitAnd": operator.and_,
    "BitOr": operator.or_, "BitXor": operator.xor, "LShift": operator.lshift,
    "RShift": operator.rshift,
}
UNARY = {"USub": operator.neg, "UAdd": operator.pos, "Not": operator.not_,
         "Invert": operator.invert}
COMPARE = {"Lt": operator.lt, "LtE": operator.le, "Gt": operator.gt,
           "GtE": operator.ge, "Eq": operator.eq, "NotEq": operator.ne,
           "Is": operator.is_, "IsNot": operator.is_not, "In": ops.contains,
           "NotIn": ops.not_contains}

_BINARY_AST = {fn: getattr(ast, name) for name, fn in BINARY.items()}


def describe(fn, spelling):
    """How an error names the operation `fn`: "the `%` operator" for the
    functions standing for operators, else the spelling (`np.sin`); and the
    expression a rule is registered for."""
    node = _BINARY_AST.get(fn) or _UNARY_AST.get(fn)
    if node is None:
        return f"`{spelling}`", spelling
    text = ast.unparse(ast.BinOp(ast.Name("a"), node(), ast.Name("b")) if fn in _BINARY_AST
                       else ast.UnaryOp(node(), ast.Name("a")))
    symbol = text.replace("a", "").replace("b", "").strip()
    return f"the `{symbol}` operator", f"operator.{fn.__name__}"
_UNARY_AST = {fn: getattr(ast, name) for name, fn in UNARY.items()}
_COMPARE_AST = {fn: getattr(ast, name) for name, fn in COMPARE.items()}

# a readable stem for a temporary holding the result of each primitive
STEMS = {
    operator.add: "add", operator.sub: "sub", operator.mul: "mul",
    operator.truediv: "div", operator.floordiv: "floordiv", operator.mod: "mod",
    operator.pow: "pow", operator.matmul: "matmul", operator.neg: "neg",
    operator.pos: "pos", operator.not_: "not_", operator.getitem: "item",
    operator.lt: "lt", operator.le: "le", operator.gt: "gt", operator.ge: "ge",
    operator.eq: "eq", operator.ne: "ne", ops.make_tuple: "tup",
    ops.make_list: "lst", ops.make_dict: "dct", getattr: "attr", ops.attribute: "attr", ops.method: "method", ops.item: "item", operator.and_: "and_", operator.or_: "or_",
    operator.xor: "xor", operator.invert: "invert", operator.lshift: "lshift",
    operator.rshift: "rshift",
}


def stem(fn, spelling=None):
    """A short name for the value `fn` returns, used to name temporaries."""
    if fn in STEMS:
        return STEMS[fn]
    name = (spelling or getattr(fn, "__name__", "t")).rsplit(".", 1)[-1]
    return name if name.isidentifier() else "t"


@functools.lru_cache(maxsize=4096)
def dotted(spelling):
    """`np.linalg.norm` as an ast expression (shared: printing never changes it)."""
    return ast.parse(spelling, mode="eval").body


def constant_ast(value):
    if isinstance(value, slice):  # printed as x[a:b] inside a subscript (see _index_ast)
        return ast.Call(ast.Name("slice", ast.Load()),
                        [constant_ast(b) for b in (value.start, value.stop, value.step)], [])
    if isinstance(value, tuple):
        return ast.Tuple([constant_ast(v) for v in value], ast.Load())
    if value is Ellipsis:
        return ast.Constant(Ellipsis)
    if isinstance(value, float) and (value != value or value in (float("inf"), -float("inf"))):
        return ast.parse(f"float('{value}')", mode="eval").body
    if isinstance(value, (int, float, complex)) and not isinstance(value, bool) \
            and str(value).startswith("-"):
        # a unary minus node, so the printer parenthesizes it: (-1.25) ** 2
        return ast.UnaryOp(ast.USub(), ast.Constant(-value))
    return ast.Constant(value)


def _index_ast(node):
    """Turn `slice(a, b, c)` calls inside a subscript back into `a:b:c`."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "slice" \
            and not node.keywords and len(node.args) == 3:
        return ast.Slice(*(None if isinstance(a, ast.Constant) and a.value is None else a
                           for a in node.args))
    if isinstance(node, ast.Tuple):
        return ast.Tuple([_index_ast(e) for e in node.elts], ast.Load())
    return node


def assign_expr(stmt, emit):
    """The right-hand side of an IR Assign as an `ast.expr`; `emit(operand)`
    gives each operand's ast (so codegen can fold temporaries into it)."""
    fn = stmt.fn
    args = [emit(a) for a in stmt.args]
    if fn is ops.identity and len(args) == 1:
        return args[0]
    if fn in _BINARY_AST and len(args) == 2:
        return ast.BinOp(args[0], _BINARY_AST[fn](), args[1])
    if fn in _UNARY_AST and len(args) == 1:
        return ast.UnaryOp(_UNARY_AST[fn](), args[0])
    if fn in _COMPARE_AST and len(args) == 2:
        if fn in (ops.contains, ops.not_contains):  # `item in container`
            args = args[::-1]
        return ast.Compare(args[0], [_COMPARE_AST[fn]()], [args[1]])
    if fn is operator.getitem and len(args) == 2:
        return ast.Subscript(args[0], _index_ast(args[1]), ast.Load())
    if fn in (getattr, ops.attribute, ops.method) and len(args) == 2 and isinstance(args[1], ast.Constant):
        return ast.Attribute(args[0], args[1].value, ast.Load())
    if fn is ops.call_method and len(args) >= 2 and isinstance(args[1], ast.Constant):
        keywords = [ast.keyword(arg=k, value=emit(v)) for k, v in stmt.kwargs.items()]
        return ast.Call(ast.Attribute(args[0], args[1].value, ast.Load()), args[2:], keywords)
    if fn is ops.call and args:  # a call of a value: `func(a, b)`
        keywords = [ast.keyword(arg=k, value=emit(v)) for k, v in stmt.kwargs.items()]
        return ast.Call(args[0], args[1:], keywords)
    if fn is ops.item and len(args) == 1:
        return ast.Call(ast.Attribute(args[0], "item", ast.Load()), [], [])
    if fn is ops.append and len(args) == 2:
        return ast.Call(ast.Attribute(args[0], "append", ast.Load()), [args[1]], [])
    if fn is np.transpose and len(args) == 1 and not stmt.kwargs:
        return ast.Attribute(args[0], "T", ast.Load())
    if fn is ops.make_tuple:
        return ast.Tuple(args, ast.Load())
    if fn is ops.make_list:
        return ast.List(args, ast.Load())
    if fn is ops.make_dict and type(getattr(stmt.args[0], "value", None)) is tuple:
        return ast.Dict([ast.Constant(k) for k in stmt.args[0].value], args[1:])
    if ops.array_namespace is fn and len(args) == 1:
        return ast.Call(ast.Attribute(args[0], "__array_namespace__", ast.Load()), [], [])
    if fn is getattr(np, "matrix_transpose", None) and len(args) == 1 and not stmt.kwargs:
        return ast.Attribute(args[0], "mT", ast.Load())
    if NAMESPACE in stmt.kwargs:  # xp.sin(x): the function of a namespace value
        return namespace_call(stmt, emit)
    func = dotted(stmt.callee.spelling) if stmt.callee else \
        ast.Name(id=getattr(fn, "__name__", "f"), ctx=ast.Load())
    keywords = [ast.keyword(arg=k, value=emit(v)) for k, v in stmt.kwargs.items()]
    return ast.Call(func, args, keywords)


def precedence_safe(node):
    """True when `node` needs no parentheses wherever it is substituted."""
    return isinstance(node, (ast.Name, ast.Constant, ast.Call, ast.Subscript, ast.Attribute,
                             ast.Tuple, ast.List))


def namespace_call(stmt, emit):
    """`xp.linalg.inv(a)`: the function read from the call's namespace operand
    (`stmt.callee.spelling` is 'xp.linalg.inv', its first name the user's)."""
    func = emit(stmt.kwargs[NAMESPACE])
    path = stmt.callee.spelling.split(".")[1:]
    for part in path:
        func = ast.Attribute(func, part, ast.Load())
    renamed = KEYWORDS.get(".".join(path), {})
    keywords = [ast.keyword(arg=renamed.get(k, k), value=emit(v))
                for k, v in stmt.kwargs.items() if k != NAMESPACE]
    return ast.Call(func, [emit(a) for a in stmt.args], keywords)
