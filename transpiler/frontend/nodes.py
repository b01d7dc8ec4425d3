"""All gast node construction, in one place (gast's constructors change between
releases; this module is the only one that calls them)."""
from __future__ import annotations

import gast


def name(id_, store=False, param=False):
    ctx = gast.Param() if param else gast.Store() if store else gast.Load()
    return gast.Name(id=id_, ctx=ctx, annotation=None, type_comment=None)


def const(value):
    return gast.Constant(value=value, kind=None)


def assign(target, value, like=None):
    if isinstance(target, str):
        target = name(target, store=True)
    node = gast.Assign(targets=[target], value=value, type_comment=None)
    return located(node, like)


def expr_stmt(value, like=None):
    return located(gast.Expr(value=value), like)


def if_(test, body, orelse, like=None):
    return located(gast.If(test=test, body=body, orelse=orelse), like)


def while_(test, body, like=None):
    return located(gast.While(test=test, body=body, orelse=[]), like)


def for_(target, iter_, body, like=None):
    return located(gast.For(target=target, iter=iter_, body=body, orelse=[],
                            type_comment=None), like)


def ret(value, like=None):
    return located(gast.Return(value=value), like)


def subscript(value, index):
    return gast.Subscript(value=value, slice=index, ctx=gast.Load())


def binop(left, op, right):
    return gast.BinOp(left=left, op=op, right=right)


def unaryop(op, operand):
    return gast.UnaryOp(op=op, operand=operand)


def call(func, args, keywords=()):
    return gast.Call(func=func, args=list(args), keywords=list(keywords))


def keyword(arg, value):
    return gast.keyword(arg=arg, value=value)


def compare(left, op, right):
    return gast.Compare(left=left, ops=[op], comparators=[right])


def tuple_(elts):
    return gast.Tuple(elts=list(elts), ctx=gast.Load())


def located(node, like):
    """Copy `like`'s position onto `node` (so errors and comments find the line)."""
    if like is not None and hasattr(like, "lineno"):
        gast.copy_location(node, like)
    return node


def to_ast(node):
    """gast -> standard-library ast (for printing)."""
    return gast.gast_to_ast(node)
