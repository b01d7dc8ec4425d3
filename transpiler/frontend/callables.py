"""Callable values as Python functions whose source the compiler reads.

Real code differentiates more than `def` functions: lambdas, bound methods,
`functools.partial` objects, callable objects, NumPy ufuncs passed as values,
and tapeless's own transform objects. `resolve(f)` turns each into a
`Target`: a plain Python function with readable source, and the arguments
that are bound before the call's own (`self`, a partial's arguments).

    resolve(np.tanh)                 Target(fn=<def tanh(a0): return np.tanh(a0)>)
    resolve(model.loss)       ->     Target(fn=Model.loss, leading=(model,))
    resolve(partial(f, k=3))         Target(fn=f, keywords={'k': 3})
    resolve(grad(f))                 Target(fn=<def grad_f(x): return f_adjoint(x)[1]>)

A function made here for a value that is not a `def` (a ufunc, a transform
object) is generated Python like every other generated function, so it can be
differentiated again, to any order.
"""
from __future__ import annotations

import functools
import inspect
import types
from dataclasses import dataclass, field

from ..errors import TranspileError
from ..sourcefiles import compile_function



@dataclass(frozen=True)
class Target:
    """What calling a value runs: `fn(*leading, *args, **keywords, **kwargs)`."""

    fn: types.FunctionType
    leading: tuple = ()
    keywords: dict = field(default_factory=dict)


def resolve(f, args=None, kwnames=()):
    """The `Target` of callable `f`, for a call with the positional arguments
    `args` and keywords `kwnames` (None when not known yet: at transform time)."""
    from ..rules.table import is_nondifferentiable, lookup
    if type(f) is types.FunctionType and lookup(f) is None and not is_nondifferentiable(f):
        return Target(f)  # (a function with a rule, runtime's or the user's, is a primitive)
    resolver = getattr(type(f), "__tapeless_target__", None)
    if resolver is not None:  # transform objects and call links (see dynamic.py)
        return resolver(f, args, kwnames)
    if isinstance(f, types.MethodType):
        inner = resolve(f.__func__, None if args is None else (f.__self__,) + tuple(args),
                        kwnames)
        return Target(inner.fn, inner.leading + (f.__self__,), inner.keywords)
    if isinstance(f, functools.partial):
        inner = resolve(f.func, None if args is None else tuple(f.args) + tuple(args), kwnames)
        return Target(inner.fn, inner.leading + tuple(f.args), {**inner.keywords, **f.keywords})
    if isinstance(f, (staticmethod, classmethod)):
        return resolve(f.__func__, args, kwnames)
    if lookup(f) is not None or is_nondifferentiable(f):
        return Target(primitive_wrapper(f, None if args is None else len(args), kwnames))
    call = getattr(type(f), "__call__", None)
    if isinstance(call, types.FunctionType) and not isinstance(f, type):
        return Target(call, (f,))
    raise TranspileError(
        f"no derivative rule for {_describe(f)}",
        why="it is neither a Python function whose source can be read nor a function "
        "with a derivative rule",
        fix=f"register a rule for it with @transpiler.rule({_name_of(f)}), or call a "
        "Python function instead")


def _describe(f):
    name = _name_of(f)
    return f"`{name}` ({type(f).__name__})" if name != type(f).__name__ else repr(f)


def _name_of(f):
    return getattr(f, "__qualname__", None) or getattr(f, "__name__", None) or \
        type(f).__name__


# -- generated functions ----------------------------------------------------------

_WRAPPERS: dict = {}


def primitive_wrapper(prim, nargs, kwnames=()):
    """`def tanh(a0): return tanh(a0)`: a primitive (a function with a rule) as a
    Python function of `nargs` positional arguments and the keywords `kwnames`."""
    if nargs is None:
        nargs = _arity(prim)
    key = (id(prim), nargs, tuple(kwnames))
    made = _WRAPPERS.get(key)
    if made is None or made[0] is not prim:
        name = _identifier(getattr(prim, "__name__", "call"))
        params = [f"a{i}" for i in range(nargs)] + list(kwnames)
        args = params[:nargs] + [f"{k}={k}" for k in kwnames]
        source = f"def {name}({', '.join(params)}):\n" \
                 f"    return {name}_primitive({', '.join(args)})\n"
        made = _WRAPPERS[key] = (prim, define(name, source, {f"{name}_primitive": prim}))
    return made[1]


def _arity(prim):
    n = getattr(prim, "nin", None)  # a ufunc
    if n is not None:
        return n
    try:
        params = inspect.signature(prim).parameters.values()
    except (TypeError, ValueError):
        return 1
    return sum(1 for p in params if p.default is p.empty and p.kind in
               (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD))


def _identifier(name):
    name = "".join(c if c.isalnum() or c == "_" else "_" for c in name) or "call"
    return name if not name[0].isdigit() else "f_" + name


def define(name, source, bindings, globals_=None):
    """Compile `source` (defining function `name`) with `bindings` as closure
    variables, registered with linecache so the compiler can read it back."""
    return compile_function(name, source, bindings, globals_)[0]


def calling(fn, name, body, bindings):
    """`def name(<fn's parameters>): return <body>`, where `body` spells the call's
    arguments as `{args}`; parameters with defaults keep them (as bindings)."""
    params, args = parameters(fn, name, bindings)
    source = f"def {name}({', '.join(params)}):\n    return {body.format(args=', '.join(args))}\n"
    return define(name, source, bindings)


def parameters(fn, name, bindings):
    """(parameters as a def spells them, arguments passing them on) of `fn`'s
    signature; defaults become bindings named `{name}_default_{i}`."""
    params, args, star = [], [], False
    for i, p in enumerate(inspect.signature(fn).parameters.values()):
        plain = p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
        if p.kind is p.VAR_POSITIONAL:  # `lambda x, *args:` (autograd's flatten_func)
            params.append(f"*{p.name}")
            args.append(f"*{p.name}")
            star = True
            continue
        if not plain and not (p.kind is p.KEYWORD_ONLY and p.default is not p.empty):
            raise TranspileError(f"cannot transform `{_name_of(fn)}` here: its parameter "
                                 f"`{p}` is not a plain one",
                                 fix="give the transform a function of plain parameters")
        if not plain and not star:
            params.append("*")
            star = True
        if p.default is p.empty:
            params.append(p.name)
        else:
            bindings[f"{name}_default_{i}"] = p.default
            params.append(f"{p.name}={name}_default_{i}")
        args.append(p.name if plain else f"{p.name}={p.name}")
    return params, args


def function_of(f):
    """A Python function with source that computes `f(*args)`: `f` itself when it
    is a plain `def` or lambda, otherwise a generated function calling it, with
    the parameters of `f`'s signature (so `wrt` can name them)."""
    if type(f) is types.FunctionType:
        return f
    target = resolve(f)  # what cannot be differentiated is refused now
    if not target.leading and not target.keywords:
        return target.fn  # a ufunc's or a transform object's generated function
    name = _identifier(getattr(f, "__name__", None) or
                       getattr(getattr(f, "func", None), "__name__", None) or type(f).__name__)
    return calling(f, name, name + "_value({args})", {f"{name}_value": f})


# -- calls with *t of a length known only at run time -------------------------------

_APPLIED: dict = {}


def apply_of(f, layout, kwnames, *starred):
    """A function for `f(a, *t, b)` with `t` of run-time length: it takes one
    parameter per item of `layout` (True: a whole `*` sequence) and calls `f`
    with the sequences spread, e.g. `def apply_f(a0, s1, a2): return f(a0, s1[0],
    s1[1], a2)`. Generated Python, so the call is differentiated like any other."""
    lengths = tuple(len(s) for s in starred)
    try:
        key = (f, layout, kwnames, lengths)
        made = _APPLIED.get(key)
    except TypeError:  # an unhashable callable: made anew
        key, made = None, None
    if made is None:
        callee = _identifier(getattr(f, "__name__", None) or type(f).__name__)
        name = "apply_" + callee
        params, spread, sizes = [], [], iter(lengths)
        for i, whole in enumerate(layout):
            p = f"s{i}" if whole else f"a{i}"
            params.append(p)
            spread.extend([f"{p}[{k}]" for k in range(next(sizes))] if whole else [p])
        params += list(kwnames)
        spread += [f"{k}={k}" for k in kwnames]
        if callee in params or callee == name:
            callee += "_fn"
        source = f"def {name}({', '.join(params)}):\n" \
                 f"    return {callee}({', '.join(spread)})\n"
        made = define(name, source, {callee: f})
        if key is not None:
            _APPLIED[key] = made
    return made


# -- constructors of user classes -------------------------------------------------

_CONSTRUCTORS: dict = {}


def make_object(cls, names, *values):
    """An instance of `cls` with the attributes `names` (separated by spaces) set
    to `values`, made without running `__init__` (its work is in the constructor
    function)."""
    obj = object.__new__(cls)
    for name, value in zip(names.split(), values):
        object.__setattr__(obj, name, value)
    return obj


def constructor_function(cls):
    """`Dense(W, b)` as a function the compiler can differentiate, or None when
    `__init__` does more than compute and set attributes of `self`:

        def __init__(self, W, b):          def Dense_new(W, b):
            self.W = W               ->        self_W = W
            self.b = 2.0 * b                   self_b = 2.0 * b
                                               return make_object(Dense, 'W b',
                                                                  self_W, self_b)
    """
    if cls in _CONSTRUCTORS:
        return _CONSTRUCTORS[cls]
    made = None
    init = cls.__dict__.get("__init__")
    if isinstance(init, types.FunctionType) and "__slots__" not in cls.__dict__ and \
            cls.__new__ is object.__new__ and type(cls) is type and \
            all(b.__init__ is object.__init__ or b is cls for b in cls.__mro__[:-1]):
        try:
            made = _constructor(cls, init)
        except (OSError, TypeError, SyntaxError, _NotSimple):
            made = None
    _CONSTRUCTORS[cls] = made
    return made


class _NotSimple(Exception):
    """`__init__` uses `self` other than by setting and reading its attributes."""


def _constructor(cls, init):
    import ast
    import textwrap
    tree = ast.parse(textwrap.dedent(inspect.getsource(init)))
    fdef = tree.body[0]
    if not isinstance(fdef, ast.FunctionDef) or not fdef.args.args or fdef.decorator_list:
        raise _NotSimple
    this = fdef.args.args[0].arg
    fields = []

    class Fields(ast.NodeTransformer):
        def visit_Attribute(self, node):
            if isinstance(node.value, ast.Name) and node.value.id == this:
                if isinstance(node.ctx, ast.Store) and node.attr not in fields:
                    fields.append(node.attr)
                if node.attr not in fields:  # a class attribute read before any write
                    return ast.copy_location(ast.Attribute(
                        ast.Name("__tapeless_cls__", ast.Load()), node.attr, node.ctx), node)
                return ast.copy_location(ast.Name(f"{this}_{node.attr}", node.ctx), node)
            return self.generic_visit(node)

        def visit_Name(self, node):
            if node.id == this:
                raise _NotSimple  # self passed on, or a method of self called
            return node

        def visit_Return(self, node):
            raise _NotSimple

        def visit_FunctionDef(self, node):
            raise _NotSimple
    fdef.args.args = fdef.args.args[1:]
    fdef.body = [Fields().visit(s) for s in fdef.body]
    values = ast.Tuple([ast.Name(f"{this}_{f}", ast.Load()) for f in fields], ast.Load())
    fdef.body.append(ast.parse(f"return __tapeless_make__(__tapeless_cls__, "
                               f"{' '.join(fields)!r}, *())").body[0])
    fdef.body[-1].value.args[2] = ast.Starred(values, ast.Load())
    name = _identifier(f"{cls.__name__}_new")
    fdef.name = name
    source = ast.unparse(ast.fix_missing_locations(tree)) + "\n"
    bindings = {"__tapeless_cls__": cls, "__tapeless_make__": make_object}
    closure = dict(zip(init.__code__.co_freevars,
                       (c.cell_contents for c in init.__closure__ or ())))
    bindings.update(closure)
    return define(name, source, bindings, init.__globals__)
