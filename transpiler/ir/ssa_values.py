"""The SSA builder's values (a part of `ssa.Builder`): the one operation of an
ANF statement's right-hand side, calls with positional, keyword, `*args` and
`**kwargs` operands, and array methods and attributes read as the NumPy
functions they stand for.

    y = a + b              ->      y_1 = operator.add(a, b)
    y = x.sum(axis=0)      ->      y_1 = np.sum(x, axis=0)
    z = f(*xs)             ->      z_1 = call(f, *xs)    (length unknown)
"""
from __future__ import annotations

import operator

import gast
import numpy as np

from .. import ir
from . import array_api
from ..frontend.normalize import _MAKE_DICT, _SET_ITEM
from ..frontend.syntax import BINARY, COMPARE, UNARY
from .in_place import IN_PLACE_METHODS
from runtime import helpers, ops
from runtime.structures import is_structure_type

CALL = ir.Ext(ops.call, "call", ops.call)
ASTYPE = ir.Ext(helpers.astype, "astype", helpers.astype)
_CONCATENATORS = (np.r_, np.c_, np.mgrid, np.ogrid)


def numpy_ext(fn):
    return ir.Ext(fn, f"np.{fn.__name__}", np)

# Array methods and attributes, as the NumPy functions they stand for.
# name -> (function, spelling, how the receiver and arguments map to its arguments)
METHODS = {
    "sum": np.sum, "mean": np.mean, "prod": np.prod, "max": np.max, "min": np.min,
    "std": np.std, "var": np.var, "dot": np.dot, "transpose": np.transpose,
    "ravel": np.ravel, "squeeze": np.squeeze, "clip": np.clip, "cumsum": np.cumsum,
    "cumprod": np.cumprod, "trace": np.trace, "argmax": np.argmax, "argmin": np.argmin,
    "any": np.any, "all": np.all, "round": np.round, "conj": np.conj, "conjugate": np.conj,
    "swapaxes": np.swapaxes, "repeat": np.repeat, "diagonal": np.diagonal,
    "flatten": np.ravel, "item": ops.item,
}
VARARG_SHAPE_METHODS = {"reshape": np.reshape}  # x.reshape(2, 3) == np.reshape(x, (2, 3))
ATTRIBUTES = {"T": np.transpose, "real": np.real, "imag": np.imag,
              "flat": np.ravel}  # (x.flat: its items in order, as np.ravel(x) has them)
if hasattr(np, "matrix_transpose"):  # NumPy 2 (the Array API's x.mT)
    ATTRIBUTES["mT"] = np.matrix_transpose
PLAIN_ATTRIBUTES = {"shape", "ndim", "size", "dtype"}


class Values:
    """Methods `value` (an expression), `call`, `method` and `attribute`."""

    def value(self, e, env, out, hint, loc):
        """An operation as an unfinished `ir.Assign` (target unset), or an operand."""
        op = lambda fn, *args, **kw: ir.Assign(None, fn, list(args), kw, loc)  # noqa: E731
        if isinstance(e, (gast.Name, gast.Constant)):
            return self.operand(e, env, out)
        if isinstance(e, gast.BinOp):
            fn = BINARY[type(e.op).__name__]
            left, right = self.operand(e.left, env, out), self.operand(e.right, env, out)
            if fn in (operator.add, operator.mul):
                joined = self.sequence_op(fn, left, right, e, loc, out)
                if joined is not None:
                    return joined
            return op(fn, left, right)
        if isinstance(e, gast.UnaryOp):
            return op(UNARY[type(e.op).__name__], self.operand(e.operand, env, out))
        if isinstance(e, gast.Compare):
            fn = COMPARE[type(e.ops[0]).__name__]
            left, right = self.operand(e.left, env, out), self.operand(e.comparators[0], env, out)
            if fn in (ops.contains, ops.not_contains):  # `item in container`: (container, item)
                left, right = right, left
            return op(fn, left, right)
        if isinstance(e, gast.Subscript):
            container = self.operand(e.value, env, out)
            grid = isinstance(container, ir.Ext) and any(container.obj is c
                                                         for c in _CONCATENATORS)
            # slices of np.r_[...] / np.mgrid[...] are values: their bounds must not
            # silently lose a derivative (grid_slice's rule refuses a differentiated one)
            index = self.index(e.slice, env, out, helpers.grid_slice if grid else slice, loc)
            items = self.tuples.get(container.name) if isinstance(container, ir.Var) else None
            if items is not None and isinstance(index, ir.Const) and type(index.value) is int \
                    and -len(items) <= index.value < len(items):
                return items[index.value]  # (a, b)[0] is a: no tuple at run time
            if grid:
                # np.r_[a, b] / np.c_[a, b] (np.mgrid / np.ogrid): calls with rules, so
                # that the items are not positions (no silent zero gradient)
                which = {id(np.r_): "r", id(np.c_): "c", id(np.mgrid): "m"}.get(
                    id(container.obj), "o")
                fn = helpers.index_concat if which in "rc" else helpers.index_grid
                return ir.Assign(None, fn, [ir.Const(which), index], {}, loc,
                                 ir.Ext(fn, fn.__name__, fn))
            return op(operator.getitem, container, index)
        if isinstance(e, (gast.Tuple, gast.List)):
            fn = ops.make_tuple if isinstance(e, gast.Tuple) else ops.make_list
            return op(fn, *self.items(e.elts, env, out))
        if isinstance(e, gast.Attribute):
            if e.value.__class__ is gast.Name and e.value.id not in self.locals:
                return self.free(e)
            return self.attribute(e, self.operand(e.value, env, out), loc)
        if isinstance(e, gast.Call) and isinstance(e.func, gast.Name) and e.func.id == _MAKE_DICT:
            half = len(e.args) // 2
            keys = ir.Const(tuple(k.value for k in e.args[:half]))
            return op(ops.make_dict, keys, *[self.operand(v, env, out) for v in e.args[half:]])
        if isinstance(e, gast.Call) and isinstance(e.func, gast.Name) and e.func.id == _SET_ITEM:
            item, value = e.args
            container = self.operand(item.value, env, out)
            index = self.index(item.slice, env, out)
            return ir.Assign(None, ops.setitem, [container, index, self.operand(value, env, out)],
                             {}, loc, ir.Ext(ops.setitem, "setitem", ops.setitem))
        if isinstance(e, gast.Call):
            return self.written_out(self.call(e, env, out, loc), e, out)
        self.error(e, f"internal: unexpected {type(e).__name__} after normalization")

    def attribute(self, e, receiver, loc):
        if e.attr in ATTRIBUTES:
            fn = ATTRIBUTES[e.attr]
            return ir.Assign(None, fn, [receiver], {}, loc, numpy_ext(fn))
        if e.attr in PLAIN_ATTRIBUTES:
            return ir.Assign(None, getattr, [receiver, ir.Const(e.attr)], {}, loc)
        # any other attribute: of an object that must not be differentiated (the
        # reverse and forward passes check that its owner is not active)
        return ir.Assign(None, ops.attribute, [receiver, ir.Const(e.attr)], {}, loc)

    def call(self, e, env, out, loc):
        if any(isinstance(a, gast.Starred) and self.star_length(a, env) is None
               for a in e.args):
            return self.call_with_unknown_star(e, env, out, loc)
        args = self.items(e.args, env, out)
        kwargs = {}
        for k in e.keywords:
            if k.arg is None:
                kwargs.update(self.double_starred(k, env, out))
            else:
                kwargs[k.arg] = self.operand(k.value, env, out)
        func = e.func
        if isinstance(func, gast.Attribute) and isinstance(func.value, gast.Name) \
                and func.value.id in self.locals:
            return self.method(e, self.operand(func.value, env, out), args, kwargs, out, loc)
        if isinstance(func, gast.Name) and func.id in self.locals:  # a function value
            callee = self.operand(func, env, out)
            made = self.partials.get(getattr(callee, "name", None))
            if made is not None:  # p = functools.partial(g, a) here: p(x) is g(a, x)
                inner, bound = made.args[0], list(made.args[1:])
                merged = {**made.kwargs, **kwargs}
                if isinstance(inner, ir.Ext):
                    return ir.Assign(None, inner.obj, bound + args, merged, loc, inner)
                return ir.Assign(None, ops.call, [inner] + bound + args, merged, loc, CALL)
            return ir.Assign(None, ops.call, [callee] + args, kwargs, loc, CALL)
        if isinstance(func, gast.Attribute) and isinstance(func.value, gast.Constant):
            # "{}".format(x), "a,b".split(","): a method of a literal, not differentiated
            return ir.Assign(None, ops.call_method, [ir.Const(func.value.value),
                                                     ir.Const(func.attr)] + args, kwargs, loc)
        target = self.free(func)
        if not isinstance(target, ir.Ext):
            self.error(e, f"`{ast_name(func)}` is not callable")
        through = array_api.module_call(target, args, kwargs, loc, e, self)
        if through is not None:  # xp.sin(x), xp a global namespace module
            return through
        if target.obj is dict and kwargs and not args:  # dict(a=x) is the display {"a": x}
            return ir.Assign(None, ops.make_dict, [ir.Const(tuple(kwargs)), *kwargs.values()],
                             {}, loc)
        if isinstance(target.obj, type) and not is_structure_type(target.obj) and \
                target.obj.__module__ not in ("builtins",) and \
                not target.obj.__module__.startswith("numpy"):
            from ..frontend.callables import constructor_function
            made = constructor_function(target.obj)  # Dense(W, b) with readable __init__
            if made is not None:
                return ir.Assign(None, made, args, kwargs, loc,
                                 ir.Ext(made, made.__name__, made))
        if target.obj is np.copy:  # a new array, as x.copy() (and differentiated the same)
            return ir.Assign(None, np.array, args, kwargs, loc, numpy_ext(np.array))
        return ir.Assign(None, target.obj, args, kwargs, loc, target)

    def items(self, nodes_, env, out):
        """Operands of call arguments or display items, `*t` expanded."""
        items = []
        for a in nodes_:
            if isinstance(a, gast.Starred):
                items.extend(self.starred(a, env, out))
            else:
                items.append(self.operand(a, env, out))
        return items

    def star_length(self, node, env):
        """The number of items of `*t` when known at transform time, else None."""
        value = node.value
        if isinstance(value, gast.Name) and value.id in env:
            v = env[value.id]
            if isinstance(v, ir.Var) and v.name in self.tuples:
                return len(self.tuples[v.name])
            if isinstance(v, ir.Const) and isinstance(v.value, tuple):
                return len(v.value)
        return None

    def call_with_unknown_star(self, e, env, out, loc):
        """`f(a, *t)` where the length of `t` is known only when the call runs
        (`rs.randn(*x.shape)`, `func(y, *args)`): a function made for the call's
        layout, `apply_of(f, layout, t)`, takes `t` whole and calls `f(a, t[0], ...)`
        (see callables.apply_of), and is called like any function value."""
        from ..frontend.callables import apply_of
        layout, operands, starred = [], [], []
        for a in e.args:
            if isinstance(a, gast.Starred) and self.star_length(a, env) is None:
                value = self.operand(a.value, env, out)
                layout.append(True)
                operands.append(value)
                starred.append(value)
            elif isinstance(a, gast.Starred):
                items = self.starred(a, env, out)
                layout.extend([False] * len(items))
                operands.extend(items)
            else:
                layout.append(False)
                operands.append(self.operand(a, env, out))
        kwargs = {}
        for k in e.keywords:
            if k.arg is None:
                kwargs.update(self.double_starred(k, env, out))
            else:
                kwargs[k.arg] = self.operand(k.value, env, out)
        func = e.func
        if isinstance(func, gast.Name) and func.id in self.locals:
            callee = self.operand(func, env, out)
        elif isinstance(func, gast.Attribute) and isinstance(func.value, gast.Name) \
                and func.value.id in self.locals:
            receiver = self.operand(func.value, env, out)
            callee = self.emit(ir.Assign(None, ops.method, [receiver, ir.Const(func.attr)], {},
                                         loc), func.attr, out)
        else:
            callee = self.free(func)
        made = self.emit(ir.Assign(None, apply_of, [callee, ir.Const(tuple(layout)),
                                                    ir.Const(tuple(kwargs))] + starred,
                                   {}, loc, ir.Ext(apply_of, "apply_of", apply_of)),
                         "apply", out)
        return ir.Assign(None, ops.call, [made] + operands, kwargs, loc, CALL)

    def starred(self, node, env, out):
        """The items of `*t` (in a call or a display): `t` must be a tuple built in
        this function (its length is then known when the function is transformed)."""
        value = self.operand(node.value, env, out)
        items = self.tuples.get(value.name) if isinstance(value, ir.Var) else None
        if items is None:
            if isinstance(value, ir.Const) and isinstance(value.value, tuple):
                return [ir.Const(v) for v in value.value]
            self.error(node, "a `*` item whose length is not known",
                       "`*t` is expanded when the function is transformed, so `t` must "
                       "be a tuple display built in this function (`t = (a, b)`)",
                       "build the tuple in the function, or pass the items one by one")
        return list(items)

    def double_starred(self, node, env, out):
        """The items of `**d` in a call: `d` must be a dict display with string
        keys built in this function (the keywords are then known)."""
        value = self.operand(node.value, env, out)
        items = self.dicts.get(value.name) if isinstance(value, ir.Var) else None
        if items is None:
            self.error(node.value, "a `**` argument whose keys are not known",
                       "`**d` is expanded when the function is transformed, so `d` must "
                       "be a dict display built in this function (`d = {\"c\": v}`)",
                       "build the dict in the function, or pass the keywords by name")
        return items

    def method(self, e, receiver, args, kwargs, out, loc):
        name = e.func.attr
        through = array_api.method_call(self, e, receiver, args, kwargs, loc)
        if through is not None:  # xp.sin(x), xp a namespace value
            return through
        if name in METHODS:
            fn = METHODS[name]
            return ir.Assign(None, fn, [receiver] + args, kwargs, loc, numpy_ext(fn))
        if name in VARARG_SHAPE_METHODS:
            fn = VARARG_SHAPE_METHODS[name]
            if len(args) != 1:  # x.reshape(2, n) == np.reshape(x, (2, n))
                args = [self.emit(ir.Assign(None, ops.make_tuple, args), "shape", out)]
            return ir.Assign(None, fn, [receiver] + args, kwargs, loc, numpy_ext(fn))
        if name == "astype":  # (by x's own library: a Dask array stays lazy)
            return ir.Assign(None, helpers.astype, [receiver] + args, kwargs, loc, ASTYPE)
        if name == "copy":  # (of an array, a list or a dict: decided when it runs)
            return ir.Assign(None, ops.copy, [receiver], {}, loc, ir.Ext(ops.copy, "copy", ops.copy))
        if name == "fill" and len(args) == 1 and not kwargs:
            return self.overwrite(receiver, args[0], e, loc, returns_none=True)
        if name == "sort" and not args and set(kwargs) <= {"axis", "kind"}:
            self.not_a_list(receiver, e, "sort", "sorted(xs)")
            index = self.emit(ir.Assign(None, ops.sort_index, [receiver], kwargs, loc,
                                        ir.Ext(ops.sort_index, "sort_index", ops.sort_index)),
                              "order", out)
            value = self.emit(ir.Assign(None, operator.getitem, [receiver, index], {}, loc),
                              "sorted", out)
            return self.overwrite(receiver, value, e, loc, returns_none=True)
        if name in IN_PLACE_METHODS:
            self.error(e, f"the in-place method `.{name}()`", "it changes the array (or list) "
                       "in place, which is not supported yet", IN_PLACE_METHODS[name])
        # any other method (rng.normal(...), layer.forward(x)): the bound method is
        # a value, called like any function value (resolved when the call runs)
        method = self.emit(ir.Assign(None, ops.method, [receiver, ir.Const(name)], {}, loc),
                           name, out)
        return ir.Assign(None, ops.call, [method] + args, kwargs, loc, CALL)


def ast_name(node):
    parts = []
    while isinstance(node, gast.Attribute):
        parts.append(node.attr)
        node = node.value
    return ".".join([getattr(node, "id", "?")] + parts[::-1])
