"""Rules for the fields of structured values (runtime/structures.py): reading
`p.w` from a dataclass, a NamedTuple or a registered type, and building one.

The gradient of `p.w` with respect to `p` is a value of `p`'s type holding the
gradient in field `w` and zeros elsewhere (accumulated in place by `add_at`).
Other objects are refused when the call runs (their type is known only then).
"""
from __future__ import annotations

from runtime import ops
from runtime.containers import field_tangent, plus_grad, plus_tangent, select_grad

from .rules import adjoint, tangent


@adjoint(ops.attribute, wrt=("obj",))
def attribute(g, ans, obj, name):
    return select_grad(g, obj, name)


@tangent(ops.attribute, "obj")
def attribute_obj(dobj, ans, obj, name):
    return field_tangent(dobj, obj, name)


# `shape += (a, b)` with a tuple of unknown length: concatenation or arithmetic
@adjoint(ops.plus, wrt=("a", "b"))
def plus(g, ans, a, b):
    return plus_grad(g, ans, a, True), plus_grad(g, ans, b, False)


@tangent(ops.plus, "a")
def plus_a(da, ans, a, b):
    return plus_tangent(da, a, b, True)


@tangent(ops.plus, "b")
def plus_b(db, ans, a, b):
    return plus_tangent(db, b, a, False)
