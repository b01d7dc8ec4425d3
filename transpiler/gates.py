"""Gates: one primitive at a time, in the classic forward/backward style.

This is the teaching view of what generated code does. A gate's `forward`
computes a primitive's output and keeps what its derivative rule reads (the
inputs and the output, as the adjoint's forward sweep keeps them);
`backward(dz)` takes the gradient of the output and returns the gradient of
each input by calling that rule: the very function the compiler inlines into
the reverse sweep and the tape engine (`transpiler.tape`) calls. Wiring gates by
hand, and adding up the gradients of a value used twice, is what the
generated adjoint does line by line:

    >>> x, y, z = 1.0, 2.0, 0.0                  # f = (x + y) * max(y, z)
    >>> add, biggest, times = AddGate(), MaxGate(), MultiplyGate()
    >>> s = add.forward(x, y)
    >>> m = biggest.forward(y, z)
    >>> f = times.forward(s, m)
    >>> ds, dm = times.backward(1.0)
    >>> dx, dy_from_add = add.backward(ds)
    >>> dy_from_max, dz = biggest.backward(dm)
    >>> f, dx, dy_from_add + dy_from_max, dz
    (6.0, 2.0, 5.0, 0.0)

`backward` returns a tuple with one gradient per differentiable input, also
for one-input gates: `(dx,) = ExpGate().backward(dz)`. Any primitive with a
rule has a gate: `Gate(np.arctan)`.
"""
from __future__ import annotations

import builtins
import operator

import numpy as np

from .rules import _load_builtin_rules, lookup


class Gate:
    """The forward and backward step of one primitive (`prim`)."""

    prim = None

    def __init__(self, prim=None):
        _load_builtin_rules()
        self.prim = prim if prim is not None else self.prim
        self.rule = lookup(self.prim)
        if self.rule is None or (self.rule.adjoint is None and self.rule.partials is None):
            raise ValueError(f"no reverse-mode rule for {self.prim!r}")
        self.args, self.kwargs, self.out = (), {}, None

    def forward(self, *args, **kwargs):
        """The primitive's output; remembers the inputs for `backward`."""
        self.args, self.kwargs = args, kwargs
        self.out = self.prim(*args, **kwargs)
        return self.out

    def backward(self, dz):
        """The gradient of each differentiable input (in order), given the
        gradient `dz` of the output: the rule's contributions."""
        return tuple(self.rule.vjp(dz, self.out, self.args, self.kwargs))

    def __repr__(self):
        return f"{type(self).__name__}({getattr(self.prim, '__name__', self.prim)})"


class AddGate(Gate):
    """z = x + y: the gradient passes through to both inputs."""
    prim = operator.add


class SubtractGate(Gate):
    """z = x - y"""
    prim = operator.sub


class MultiplyGate(Gate):
    """z = x * y: each input's gradient is dz times the other input."""
    prim = operator.mul


class DivideGate(Gate):
    """z = x / y"""
    prim = operator.truediv


class PowerGate(Gate):
    """z = x ** y"""
    prim = operator.pow


class MaxGate(Gate):
    """z = max(x, y): the gradient goes to the larger input only (a router)."""
    prim = builtins.max


class MinGate(Gate):
    """z = min(x, y)"""
    prim = builtins.min


class MatMulGate(Gate):
    """Z = A @ B: dA = dZ @ B.T, dB = A.T @ dZ for matrices."""
    prim = operator.matmul


class ExpGate(Gate):
    """z = np.exp(x): dx = dz * z."""
    prim = np.exp


class TanhGate(Gate):
    """z = np.tanh(x): dx = dz * (1 - z ** 2)."""
    prim = np.tanh


class SumGate(Gate):
    """z = np.sum(x): every element of x gets dz."""
    prim = np.sum
