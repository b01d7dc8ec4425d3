"""Rules for NumPy's tensor products: tensordot, kron, cross and einsum (in
its string and sublist forms).

Adjoints are written with einsum's gradient (runtime/linalg.py) or with the
helpers of runtime/arrays.py, whose tangents are at the end of this module,
so generated gradients can be differentiated again.
"""
from __future__ import annotations

import numpy as np

from runtime import arrays
from runtime.arrays import (cross_grad_a, cross_grad_b, einsum_arg_grad, einsum_arg_tangent,
                            kron_layout, tensordot_subscripts)
from runtime.linalg import einsum_grad

from .table import adjoint, nondifferentiable, tangent

nondifferentiable(arrays.einsum_layout, tensordot_subscripts, kron_layout)

# ---- products ----------------------------------------------------------------------


@adjoint(np.tensordot, wrt=("a", "b"))
def tensordot(g, ans, a, b, axes=2):
    spec = tensordot_subscripts(np.ndim(a), np.ndim(b), axes)
    return einsum_grad(g, spec, (a, b, None), 0), einsum_grad(g, spec, (a, b, None), 1)


@tangent(np.tensordot, "a")
def tensordot_a(da, ans, a, b, axes=2):
    return np.tensordot(da, b, axes)


@tangent(np.tensordot, "b")
def tensordot_b(db, ans, a, b, axes=2):
    return np.tensordot(a, db, axes)


@adjoint(np.kron)
def kron(g, ans, a, b):
    spec, shape_a, shape_b, inner = kron_layout(np.shape(a), np.shape(b))
    g_inner = np.reshape(g, inner)
    a_n, b_n = np.reshape(a, shape_a), np.reshape(b, shape_b)
    return (np.reshape(einsum_grad(g_inner, spec, (a_n, b_n, None), 0), np.shape(a)),
            np.reshape(einsum_grad(g_inner, spec, (a_n, b_n, None), 1), np.shape(b)))


@tangent(np.kron, "a")
def kron_a(da, ans, a, b):
    return np.kron(da, b)


@tangent(np.kron, "b")
def kron_b(db, ans, a, b):
    return np.kron(a, db)


@adjoint(np.cross, wrt=("a", "b"))
def cross(g, ans, a, b, axisa=-1, axisb=-1, axisc=-1):
    """3-vectors only (2-vectors raise ValueError)."""
    return cross_grad_a(g, a, b, axisa, axisb, axisc), cross_grad_b(g, a, b, axisa, axisb, axisc)


@tangent(np.cross, "a")
def cross_a(da, ans, a, b, axisa=-1, axisb=-1, axisc=-1):
    return np.cross(da, b, axisa, axisb, axisc)


@tangent(np.cross, "b")
def cross_b(db, ans, a, b, axisa=-1, axisb=-1, axisc=-1):
    return np.cross(a, db, axisa, axisb, axisc)


# ---- einsum: string subscripts or sublists ----------------------------------------------

EINSUM_ARGS = ("subscripts", "a", "b", "c", "d", "e", "f")


@adjoint(np.einsum, wrt=EINSUM_ARGS)
def einsum(g, ans, subscripts, a, b=None, c=None, d=None, e=None, f=None):
    """Any subscripts (repeated letters, `...`, implicit output), up to six operands, or the sublist form with up to three."""
    args = (subscripts, a, b, c, d, e, f)
    return (einsum_arg_grad(g, args, 0), einsum_arg_grad(g, args, 1), einsum_arg_grad(g, args, 2),
            einsum_arg_grad(g, args, 3), einsum_arg_grad(g, args, 4), einsum_arg_grad(g, args, 5),
            einsum_arg_grad(g, args, 6))


@tangent(np.einsum, "subscripts")
def einsum_subscripts(dsubscripts, ans, subscripts, a, b=None, c=None, d=None, e=None, f=None):
    return einsum_arg_tangent(dsubscripts, (subscripts, a, b, c, d, e, f), 0)


@tangent(np.einsum, "a")
def einsum_a(da, ans, subscripts, a, b=None, c=None, d=None, e=None, f=None):
    return einsum_arg_tangent(da, (subscripts, a, b, c, d, e, f), 1)


@tangent(np.einsum, "b")
def einsum_b(db, ans, subscripts, a, b=None, c=None, d=None, e=None, f=None):
    return einsum_arg_tangent(db, (subscripts, a, b, c, d, e, f), 2)


@tangent(np.einsum, "c")
def einsum_c(dc, ans, subscripts, a, b=None, c=None, d=None, e=None, f=None):
    return einsum_arg_tangent(dc, (subscripts, a, b, c, d, e, f), 3)


@tangent(np.einsum, "d")
def einsum_d(dd, ans, subscripts, a, b=None, c=None, d=None, e=None, f=None):
    return einsum_arg_tangent(dd, (subscripts, a, b, c, d, e, f), 4)


@tangent(np.einsum, "e")
def einsum_e(de, ans, subscripts, a, b=None, c=None, d=None, e=None, f=None):
    return einsum_arg_tangent(de, (subscripts, a, b, c, d, e, f), 5)


@tangent(np.einsum, "f")
def einsum_f(df, ans, subscripts, a, b=None, c=None, d=None, e=None, f=None):
    return einsum_arg_tangent(df, (subscripts, a, b, c, d, e, f), 6)


@tangent(arrays.einsum_arg_grad, "g")
def einsum_arg_grad_g(dg, ans, g, args, i):
    return einsum_arg_grad(dg, args, i)


@tangent(arrays.einsum_arg_grad, "args")
def einsum_arg_grad_args(dargs, ans, g, args, i):
    return arrays.einsum_arg_grad_tangent(g, args, dargs, i)


# ---- tangents of the cross-product helpers (linear in g and in the other vector) ------

@tangent(arrays.cross_grad_a, "g")
def cross_grad_a_g(dg, ans, g, a, b, axisa=-1, axisb=-1, axisc=-1):
    return cross_grad_a(dg, a, b, axisa, axisb, axisc)


@tangent(arrays.cross_grad_a, "b")
def cross_grad_a_b(db, ans, g, a, b, axisa=-1, axisb=-1, axisc=-1):
    return cross_grad_a(g, a, db, axisa, axisb, axisc)


@tangent(arrays.cross_grad_b, "g")
def cross_grad_b_g(dg, ans, g, a, b, axisa=-1, axisb=-1, axisc=-1):
    return cross_grad_b(dg, a, b, axisa, axisb, axisc)


@tangent(arrays.cross_grad_b, "a")
def cross_grad_b_a(da, ans, g, a, b, axisa=-1, axisb=-1, axisc=-1):
    return cross_grad_b(g, da, b, axisa, axisb, axisc)


@tangent(arrays.cross_grad_a, "a")
@tangent(arrays.cross_grad_b, "b")
def cross_grad_own(d, ans, g, a, b, axisa=-1, axisb=-1, axisc=-1):
    return 0.0
