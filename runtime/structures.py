"""User types whose gradients have the same type as the value: dataclass
instances, NamedTuples, and types registered with `register_pytree`.

A structured value is a set of named fields; its gradient is a value of the
same type whose fields are the fields' gradients (zero for fields that carry
none), so `grad(loss)(Params(w=..., b=...))` returns a `Params`.

    >>> from typing import NamedTuple
    >>> class P(NamedTuple):
    ...     w: float
    ...     b: float
    >>> rebuild(P(1.0, 2.0), [0.5, 0.0])
    P(w=0.5, b=0.0)
"""
from __future__ import annotations

import copy
import dataclasses
import functools
import types
from typing import Any, Callable

import numpy as np

from . import mappings
from .namespaces import is_foreign_array

_NOT_OBJECTS = (types.FunctionType, types.MethodType, types.ModuleType, type,
                functools.partial, types.BuiltinFunctionType)

_REGISTERED: dict = {}  # type -> (flatten, unflatten)


def register_pytree(cls: type, flatten: Callable[[Any], dict],
                    unflatten: Callable[[dict], Any]) -> None:
    """Make gradients of `cls` values `cls` values: `flatten(obj)` returns a dict
    of its named fields, `unflatten(fields)` builds an object from such a dict.
    Fields are read in differentiated code as attributes (`obj.w`).

    >>> class Pair:
    ...     def __init__(self, a, b):
    ...         self.a, self.b = a, b
    >>> register_pytree(Pair, lambda p: {"a": p.a, "b": p.b}, lambda d: Pair(**d))
    >>> rebuild(Pair(1.0, 2.0), [3.0, 4.0]).b
    4.0
    """
    _REGISTERED[cls] = (flatten, unflatten)


def is_structure(x):
    """A dataclass instance, a NamedTuple, a registered type's value, or an
    instance of a user class (its attributes holding numbers and arrays)."""
    cls = type(x)
    return cls in _REGISTERED or (isinstance(x, tuple) and hasattr(cls, "_fields")) or \
        (dataclasses.is_dataclass(x) and not isinstance(x, type)) or is_plain_object(x) or \
        is_function_value(x)


def is_function_value(x):
    """A function value that holds values: a `functools.partial` of a Python
    function (what a lambda or nested def that reads locals becomes), or a bound
    method of a structure. Its gradient is a value of the same kind holding the
    gradients of what it holds (as JAX's `Partial`)."""
    cls = type(x)
    if cls is functools.partial:
        return type(x.func) is types.FunctionType
    return cls is types.MethodType and type(x.__func__) is types.FunctionType and \
        is_structure(x.__self__)


def is_plain_object(x):
    """An instance of a class defined in Python outside NumPy and the standard
    types: its attributes are its fields."""
    cls = type(x)
    module = getattr(cls, "__module__", "") or ""
    return hasattr(x, "__dict__") and not isinstance(x, _NOT_OBJECTS) and \
        module != "builtins" and not module.startswith(("numpy", "functools", "runtime",
                                                          "transpiler")) and \
        not is_foreign_array(x)  # a Dask or PyTorch array is an array, not an object


def _differentiable(v):
    if isinstance(v, (list, tuple, dict)) and not hasattr(type(v), "_fields"):
        items = v.values() if isinstance(v, dict) else v
        return all(map(_differentiable, items))  # not a list of functions or names
    return isinstance(v, (float, int, complex, np.ndarray, np.generic)) \
        and not isinstance(v, bool) or is_structure(v) or is_foreign_array(v)


def is_structure_type(cls):
    """A class whose instances are structures (for calls that build one)."""
    return isinstance(cls, type) and (cls in _REGISTERED or dataclasses.is_dataclass(cls) or
                                      (issubclass(cls, tuple) and hasattr(cls, "_fields")))


def fields(x):
    """(names, values) of a structured value."""
    cls = type(x)
    if cls is functools.partial:  # positions ("0", "1", ...) and keywords it binds
        names = [str(i) for i, v in enumerate(x.args) if _differentiable(v)] + \
            [k for k, v in x.keywords.items() if _differentiable(v)]
        return names, [held(x, _key(n)) for n in names]
    if cls is types.MethodType:
        return ["__self__"], [x.__self__]
    if cls in _REGISTERED:
        named = _REGISTERED[cls][0](x)
        return list(named), list(named.values())
    if isinstance(x, tuple):
        return list(cls._fields), list(x)
    if dataclasses.is_dataclass(x):
        names = [f.name for f in dataclasses.fields(x)]
    else:  # a user class: the attributes that hold numbers, arrays and containers
        names = [k for k, v in vars(x).items() if _differentiable(v)]
    return names, [getattr(x, n) for n in names]


def rebuild(x, values):
    """A value of `x`'s type with the fields `values` (in the order of `fields`)."""
    cls = type(x)
    names, _ = fields(x)
    if cls is functools.partial:
        args, keywords = list(x.args), dict(x.keywords)
        for name, value in zip(names, values):
            if name.isdigit():
                args[int(name)] = value
            else:
                keywords[name] = value
        return functools.partial(x.func, *args, **keywords)
    if cls is types.MethodType:
        return types.MethodType(x.__func__, values[0])
    if cls in _REGISTERED:
        return _REGISTERED[cls][1](dict(zip(names, values)))
    if isinstance(x, tuple):
        return cls._make(values)
    out = copy.copy(x)
    for name, value in zip(names, values):
        object.__setattr__(out, name, value)  # frozen dataclasses too
    return out


# -- what a function value holds: the leading arguments of its call ----------------
#
# A call `f(x)` of a function value is the call of a Python function with some
# arguments first (callables.resolve): `partial(g, a, k=b)(x)` is `g(a, x, k=b)`,
# `obj.method(x)` is `type(obj).method(obj, x)`, `obj(x)` is
# `type(obj).__call__(obj, x)`. `held(f, key)` is one of those values (a position
# in the partial's arguments, a keyword name, or 0 for the object), and
# `holding(f, keys, values)` (in helpers.py) the function value like `f` that holds `values` at
# `keys` and zeros at its other differentiable places: the gradient (or tangent)
# of a function value, as generated code builds it.

def held(f, index):
    """The value function value `f` holds at `index` (a position or a keyword).

    >>> held(functools.partial(pow, 2.0, 3.0), 1)
    3.0
    """
    if type(f) is functools.partial:
        return f.args[index] if type(index) is int else f.keywords[index]
    if type(f) is types.MethodType:
        return f.__self__
    return f  # a callable object holds itself (its fields)


def held_grads(g, keys):
    """The gradients of what a function value holds at `keys`, from its gradient `g`."""
    return tuple(held(g, k) for k in keys)


def _key(name):
    return int(name) if name.isdigit() else name


def held_keys(f):
    """The places where function value `f` holds differentiable values (the
    leading arguments of its call that generated code differentiates), or None
    when `f` is not a function value whose held values gradients flow through."""
    if type(f) is functools.partial:
        if type(f.func) is not types.FunctionType:
            return None
        return tuple(map(_key, fields(f)[0]))
    if type(f) is types.MethodType:
        return (0,) if is_function_value(f) else None
    if is_structure(f) and not isinstance(f, (types.FunctionType, type)) and \
            isinstance(getattr(type(f), "__call__", None), types.FunctionType):
        return (0,)
    return None


def field_names(cls):
    """The fields of a structure type, in order (for calls that build one)."""
    if issubclass(cls, tuple):
        return list(cls._fields)
    return [f.name for f in dataclasses.fields(cls) if f.init]


def unbound_method(obj, name):
    """`type(obj).name`: the function behind the method `obj.name`, so a call
    `obj.name(x)` of a differentiated object is differentiated as
    `type(obj).name(obj, x)`, its fields included."""
    import inspect
    if type(obj) is dict and name in mappings.METHODS:  # `params.items()`
        return mappings.METHODS[name]
    if type(obj) is dict:
        raise TypeError(f"cannot differentiate the call `.{name}(...)` of a differentiated dict: "
                        f"{', '.join(mappings.METHODS)} are differentiated; build a new dict "
                        "instead of changing this one in place (`{**d, key: value}`)")
    if not is_structure(obj):
        raise TypeError(f"cannot differentiate a call of a differentiated {type(obj).__name__}"
                        ": only the methods of objects whose fields carry gradients (user "
                        "classes, dataclasses, NamedTuples) are differentiated through; pass "
                        "the differentiated values to the function as arguments instead")
    attr = inspect.getattr_static(type(obj), name, None)
    if name in getattr(obj, "__dict__", {}) or not callable(attr) or \
            isinstance(attr, (staticmethod, classmethod)):
        raise TypeError(f"cannot differentiate the call `.{name}(...)` of a differentiated "
                        f"{type(obj).__name__}: `{name}` is not a plain method of its class "
                        "(call static and class methods on the class)")
    return attr


def not_a_structure(x, name):
    return TypeError(
        f"cannot differentiate through the attribute `.{name}` of a {type(x).__name__} "
        "value: gradients flow through the fields of dataclasses, NamedTuples and types "
        "registered with runtime.structures.register_pytree; make the type one of these, "
        "or pass the value as an argument (or a dict entry)")
