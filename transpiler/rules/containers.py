"""Rules for Python's container builtins applied to differentiated values:
tuple(...), list(...) and dict(...). (dict(a=x, b=y) never reaches them: the
SSA builder reads it as the display {"a": x, "b": y}.)
"""
from __future__ import annotations

import builtins

from runtime import arrays, containers
from runtime.arrays import mapping_grad, mapping_tangent, sequence_grad
from runtime.helpers import zeros_like

from .table import adjoint, tangent

# ---- Python builtins: tuple(...), list(...), dict(...) -----------------------------------


@adjoint(builtins.tuple, builtins.list, wrt=("iterable",))
def sequence(g, ans, iterable):
    """Of tuples, lists and arrays (an array's rows)."""
    return sequence_grad(g, iterable)


@tangent(builtins.tuple, "iterable")
def tuple_iterable(diterable, ans, iterable):
    return tuple(diterable)


@tangent(builtins.list, "iterable")
def list_iterable(diterable, ans, iterable):
    return list(diterable)


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
