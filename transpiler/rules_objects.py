"""Rules for the fields of structured values (runtime/structures.py): reading
`p.w` from a dataclass, a NamedTuple or a registered type, and building one.

The gradient of `p.w` with respect to `p` is a value of `p`'s type holding the
gradient in field `w` and zeros elsewhere (accumulated in place by `add_at`).
Other objects are refused when the call runs (their type is known only then).
"""
from __future__ import annotations

from runtime import ops
from runtime.containers import field_tangent, select_grad

from .rules import adjoint, tangent


@adjoint(ops.attribute, wrt=("obj",))
def attribute(g, ans, obj, name):
    return select_grad(g, obj, name)


@tangent(ops.attribute, "obj")
def attribute_obj(dobj, ans, obj, name):
    return field_tangent(dobj, obj, name)
