"""Rules for the fields of structured values (runtime/structures.py): reading
`p.w` from a dataclass, a NamedTuple or a registered type, and building one.

The gradient of `p.w` with respect to `p` is a value of `p`'s type holding the
gradient in field `w` and zeros elsewhere (accumulated in place by `add_at`).
Other objects are refused when the call runs (their type is known only then).
"""
from __future__ import annotations

from runtime import ops
from runtime.containers import (field_tangent, plus_grad, plus_tangent, select_grad,
                                times_grad, times_tangent)
from runtime.helpers import holding
from runtime.structures import held, held_grads

from .table import adjoint, tangent


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


# `xs * n` of a value that may be a list: repetition or arithmetic
@adjoint(ops.times, wrt=("a", "b"))
def times(g, ans, a, b):
    return times_grad(g, ans, a, b), times_grad(g, ans, b, a)


@tangent(ops.times, "a")
def times_a(da, ans, a, b):
    return times_tangent(da, ans, a, b)


@tangent(ops.times, "b")
def times_b(db, ans, a, b):
    return times_tangent(db, ans, b, a)


# What a function value holds (a lambda's captured locals, a partial's arguments,
# a bound method's object): its gradient is a function value holding gradients.
@adjoint(held, wrt=("f",))
def held_(g, ans, f, index):
    return holding(f, (index,), (g,))


@tangent(held, "f")
def held_f(df, ans, f, index):
    return held(df, index)


@adjoint(holding, wrt=("values",))
def holding_(g, ans, template, keys, values):
    return held_grads(g, keys)


@tangent(holding, "values")
def holding_values(dvalues, ans, template, keys, values):
    return holding(template, keys, dvalues)
