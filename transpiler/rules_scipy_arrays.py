"""Rules for scipy.signal and scipy.linalg (registered by rules_scipy when SciPy imports)."""
from __future__ import annotations

import scipy.linalg
import scipy.signal

from runtime.scipy_helpers import convolve2d_grad, convolve_grad

from .rules import adjoint, tangent

# ---- convolution (bilinear: each tangent is the convolution with the tangent) -------


@adjoint(scipy.signal.convolve, wrt=("in1", "in2"))
def convolve(g, ans, in1, in2, mode="full", method="auto"):
    """Modes full, valid and same; real arrays of the same rank."""
    return convolve_grad(g, in1, in2, mode), convolve_grad(g, in2, in1, mode)


@tangent(scipy.signal.convolve, "in1")
def convolve_in1(din1, ans, in1, in2, mode="full", method="auto"):
    return scipy.signal.convolve(din1, in2, mode, method)


@tangent(scipy.signal.convolve, "in2")
def convolve_in2(din2, ans, in1, in2, mode="full", method="auto"):
    return scipy.signal.convolve(in1, din2, mode, method)


@adjoint(scipy.signal.convolve2d, wrt=("in1", "in2"))
def convolve2d(g, ans, in1, in2, mode="full", boundary="fill", fillvalue=0):
    """Modes full, valid and same; reverse mode for boundary='fill', fillvalue=0."""
    return (convolve2d_grad(g, in1, in2, mode, boundary, fillvalue),
            convolve2d_grad(g, in2, in1, mode, boundary, fillvalue))


@tangent(scipy.signal.convolve2d, "in1")
def convolve2d_in1(din1, ans, in1, in2, mode="full", boundary="fill", fillvalue=0):
    return scipy.signal.convolve2d(din1, in2, mode, boundary, 0)  # the fill value is constant


@tangent(scipy.signal.convolve2d, "in2")
def convolve2d_in2(din2, ans, in1, in2, mode="full", boundary="fill", fillvalue=0):
    return scipy.signal.convolve2d(in1, din2, mode, boundary, fillvalue)


@tangent(convolve_grad, "g")
def convolve_grad_g(dg, ans, g, x, other, mode="full"):
    return convolve_grad(dg, x, other, mode)


@tangent(convolve_grad, "other")
def convolve_grad_other(dother, ans, g, x, other, mode="full"):
    return convolve_grad(g, x, dother, mode)


@tangent(convolve2d_grad, "g")
def convolve2d_grad_g(dg, ans, g, x, other, mode="full", boundary="fill", fillvalue=0):
    return convolve2d_grad(dg, x, other, mode, boundary, fillvalue)


@tangent(convolve2d_grad, "other")
def convolve2d_grad_other(dother, ans, g, x, other, mode="full", boundary="fill", fillvalue=0):
    return convolve2d_grad(g, x, dother, mode, boundary, fillvalue)


@tangent(convolve_grad, "x")
def convolve_grad_x(dx, ans, g, x, other, mode="full"):  # x is read for its shape
    return 0.0


@tangent(convolve2d_grad, "x")
def convolve2d_grad_x(dx, ans, g, x, other, mode="full", boundary="fill", fillvalue=0):
    return 0.0
