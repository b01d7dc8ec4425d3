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

_REGISTERED: dict = {}  # type -> (flatten, unflatten)


def register_pytree(cls, flatten, unflatten):
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
    """A dataclass instance, a NamedTuple or a registered type's value."""
    cls = type(x)
    return cls in _REGISTERED or (isinstance(x, tuple) and hasattr(cls, "_fields")) or \
        (dataclasses.is_dataclass(x) and not isinstance(x, type))


def is_structure_type(cls):
    """A class whose instances are structures (for calls that build one)."""
    return isinstance(cls, type) and (cls in _REGISTERED or dataclasses.is_dataclass(cls) or
                                      (issubclass(cls, tuple) and hasattr(cls, "_fields")))


def fields(x):
    """(names, values) of a structured value."""
    cls = type(x)
    if cls in _REGISTERED:
        named = _REGISTERED[cls][0](x)
        return list(named), list(named.values())
    if isinstance(x, tuple):
        return list(cls._fields), list(x)
    names = [f.name for f in dataclasses.fields(x)]
    return names, [getattr(x, n) for n in names]


def rebuild(x, values):
    """A value of `x`'s type with the fields `values` (in the order of `fields`)."""
    cls = type(x)
    names, _ = fields(x)
    if cls in _REGISTERED:
        return _REGISTERED[cls][1](dict(zip(names, values)))
    if isinstance(x, tuple):
        return cls._make(values)
    out = copy.copy(x)
    for name, value in zip(names, values):
        object.__setattr__(out, name, value)  # frozen dataclasses too
    return out


def field_names(cls):
    """The fields of a structure type, in order (for calls that build one)."""
    if issubclass(cls, tuple):
        return list(cls._fields)
    return [f.name for f in dataclasses.fields(cls) if f.init]


def not_a_structure(x, name):
    return TypeError(
        f"cannot differentiate through the attribute `.{name}` of a {type(x).__name__} "
        "value: gradients flow through the fields of dataclasses, NamedTuples and types "
        "registered with runtime.structures.register_pytree; make the type one of these, "
        "or pass the value as an argument (or a dict entry)")
