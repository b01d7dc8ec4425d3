"""The dict methods differentiated code calls on a differentiated dict.

`params.items()` on a differentiated dict is read as `dict_items(params)`:
the same pairs, as a list (a loop indexes what it iterates over). The rules
for these functions (transpiler/rules_containers.py) give the dict's gradient
the dict's keys.

    >>> dict_items({"w": 1.0, "b": 2.0})
    [('w', 1.0), ('b', 2.0)]
"""
from __future__ import annotations

_MISSING = object()


def dict_items(d):
    """`d.items()`, as a list of (key, value) pairs."""
    return list(d.items())


def dict_values(d):
    """`d.values()`, as a list."""
    return list(d.values())


def dict_keys(d):
    """`d.keys()`, as a list."""
    return list(d)


def dict_get(d, key, default=None):
    """`d.get(key, default)`."""
    return d.get(key, default)


def dict_copy(d):
    """`d.copy()`: a new dict with the same values."""
    return dict(d)


METHODS = {"items": dict_items, "values": dict_values, "keys": dict_keys, "get": dict_get,
           "copy": dict_copy}
