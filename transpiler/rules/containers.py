"""Rules for Python's container builtins applied to differentiated values:
tuple(...), list(...) and dict(...). (dict(a=x, b=y) never reaches them: the
SSA builder reads it as the display {"a": x, "b": y}.)
"""
from __future__ import annotations

import builtins

from runtime import arrays, containers, mappings
from runtime.arrays import (default_grad, default_tangent, get_grad, get_tangent, items_grad,
                            keys_tangent, mapping_grad, mapping_tangent, pairs_like, sequence_grad,
                            values_grad, values_like)
from runtime.helpers import zeros_like

from .table import adjoint, nondifferentiable, tangent

# ---- Python builtins: tuple(...), list(...), dict(...) -----------------------------------


@adjoint(builtins.tuple, builtins.list, wrt=("iterable",))
def sequence(g, ans, iterable):
    """Of tuples, lists and arrays (an array's rows)."""
    return sequence_grad(g, iterable)


@tangent(builtins.tuple, "iterable")
def tuple_iterable(diterable, ans, iterable):
    return tuple(keys_tangent(diterable, iterable))


@tangent(builtins.list, "iterable")
def list_iterable(diterable, ans, iterable):
    return list(keys_tangent(diterable, iterable))


@adjoint(builtins.dict, wrt=("mapping",))
def dict_(g, ans, mapping):
    """Of a dict (dict(a=x, b=y) is read as the display {"a": x, "b": y})."""
    return mapping_grad(g, mapping)


@tangent(builtins.dict, "mapping")
def dict_mapping(dmapping, ans, mapping):
    return mapping_tangent(dmapping, mapping)


@tangent(arrays.sequence_grad, "g")
def sequence_grad_g(dg, ans, g, iterable):
    return sequence_grad(dg, iterable)


@tangent(arrays.sequence_grad, "iterable")
def sequence_grad_iterable(diterable, ans, g, iterable):
    return 0.0


@tangent(arrays.mapping_grad, "g")
def mapping_grad_g(dg, ans, g, mapping):
    return mapping_grad(dg, mapping)


@tangent(arrays.mapping_grad, "mapping")
def mapping_grad_mapping(dmapping, ans, g, mapping):
    return 0.0


@adjoint(arrays.mapping_tangent, wrt=("dmapping",))
def mapping_tangent_(g, ans, dmapping, mapping):
    return mapping_grad(g, mapping)


@tangent(arrays.mapping_tangent, "dmapping")
def mapping_tangent_dmapping(ddmapping, ans, dmapping, mapping):
    return mapping_tangent(ddmapping, mapping)


@tangent(arrays.mapping_tangent, "mapping")
def mapping_tangent_mapping(dmapping2, ans, dmapping, mapping):
    return 0.0


# ---- dict methods on a differentiated dict: d.items(), d.values(), d.get(k) ... ----------
# `d.items()` is `dict_items(d)`, a list of pairs; its gradient helpers are linear in
# their first argument `v` (`d` gives only the keys), so each pair is the other's adjoint.

nondifferentiable(mappings.dict_keys)


@adjoint(mappings.dict_items, wrt=("d",))
def dict_items(g, ans, d):
    return items_grad(g, d)


@tangent(mappings.dict_items, "d")
def dict_items_d(dd, ans, d):
    return pairs_like(dd, d)


@adjoint(mappings.dict_values, wrt=("d",))
def dict_values(g, ans, d):
    return values_grad(g, d)


@tangent(mappings.dict_values, "d")
def dict_values_d(dd, ans, d):
    return values_like(dd, d)


@adjoint(mappings.dict_copy, wrt=("d",))
def dict_copy(g, ans, d):
    return mapping_grad(g, d)


@tangent(mappings.dict_copy, "d")
def dict_copy_d(dd, ans, d):
    return mapping_tangent(dd, d)


@adjoint(mappings.dict_get, wrt=("d", "default"))
def dict_get(g, ans, d, key, default=None):
    return get_grad(g, d, key), default_grad(g, d, key, default)


@tangent(mappings.dict_get, "d")
def dict_get_d(dd, ans, d, key, default=None):
    return get_tangent(dd, d, key, ans)


@tangent(mappings.dict_get, "default")
def dict_get_default(ddefault, ans, d, key, default=None):
    return default_tangent(ddefault, d, key, ans)


@adjoint(arrays.items_grad, wrt=("v", "d"))
def items_grad_(g, ans, v, d):
    return pairs_like(g, d), zeros_like(d)  # (`d` gives only the keys)


@adjoint(arrays.pairs_like, wrt=("v", "d"))
def pairs_like_(g, ans, v, d):
    return items_grad(g, d), zeros_like(d)  # (`d` gives only the keys)


@adjoint(arrays.values_grad, wrt=("v", "d"))
def values_grad_(g, ans, v, d):
    return values_like(g, d), zeros_like(d)  # (`d` gives only the keys)


@adjoint(arrays.values_like, wrt=("v", "d"))
def values_like_(g, ans, v, d):
    return values_grad(g, d), zeros_like(d)  # (`d` gives only the keys)


@tangent(arrays.items_grad, "v")
def items_grad_v(dv, ans, v, d):
    return items_grad(dv, d)


@tangent(arrays.pairs_like, "v")
def pairs_like_v(dv, ans, v, d):
    return pairs_like(dv, d)


@tangent(arrays.values_grad, "v")
def values_grad_v(dv, ans, v, d):
    return values_grad(dv, d)


@tangent(arrays.values_like, "v")
def values_like_v(dv, ans, v, d):
    return values_like(dv, d)


@tangent(arrays.items_grad, "d")
@tangent(arrays.pairs_like, "d")
@tangent(arrays.values_grad, "d")
@tangent(arrays.values_like, "d")
def dict_keys_only(dd, ans, v, d):
    return 0.0  # `d` gives only the keys


# ---- flattening to one vector: runtime.containers.ravel / unravel (linear maps) -----------


@adjoint(containers.ravel, wrt=("tree",))
def ravel(g, ans, tree):
    return containers.unravel(g, tree)


@tangent(containers.ravel, "tree")
def ravel_tree(dtree, ans, tree):
    return containers.ravel(dtree)


@adjoint(containers.unravel, wrt=("vector", "like"))
def unravel(g, ans, vector, like):
    return containers.ravel(g), zeros_like(like)  # (`like` gives only the shapes)


@tangent(containers.unravel, "vector")
def unravel_vector(dvector, ans, vector, like):
    return containers.unravel(dvector, like)


@tangent(containers.unravel, "like")
def unravel_like(dlike, ans, vector, like):
    return 0.0  # `like` gives only the structure and shapes
