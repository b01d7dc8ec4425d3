"""The tape engine's values (a part of `transpiler.tape`): `Node`, whose
operators and NumPy protocols record each primitive applied to it, and `apply`,
which records one primitive and checks that it has a rule."""
from __future__ import annotations

import builtins
import functools
import operator

import numpy as np

from .rules import is_nondifferentiable, lookup
from .ir.ssa_values import ATTRIBUTES, METHODS, PLAIN_ATTRIBUTES, VARARG_SHAPE_METHODS
from .frontend.syntax import stem

from runtime import helpers, ops

_SCALARS = (float, int, bool)


def _binary(prim):
    """The method pair (`__add__`, `__radd__`) recording `prim`."""
    def method(self, other):
        return apply(prim, self, other)

    def reflected(self, other):
        return apply(prim, other, self)
    return method, reflected


def _unary(prim):
    return lambda self: apply(prim, self)


class Node:
    """A value computed from the differentiated inputs; operations on it are recorded.

    `op` is the primitive that made it (None for an input, which has a `name`
    instead), `args`/`kwargs` what it was called with (the Nodes among them are
    its `parents`), `value` the forward value and `grad` the gradient of the
    output with respect to it, once `Graph.backward()` has run.
    """

    __slots__ = ("value", "op", "args", "kwargs", "parents", "grad", "name", "origin",
                 "children")

    def __init__(self, value, op=None, args=(), kwargs=None, name=None):
        self.value, self.op, self.name = value, op, name
        self.args, self.kwargs = tuple(args), dict(kwargs or {})
        self.parents = tuple(a for a in (*self.args, *self.kwargs.values())
                             if isinstance(a, Node))
        self.grad = None
        self.origin = None  # for an input written into: the Node of its original value
        self.children = []  # nodes that have this one among their parents
        for p in self.parents:
            p.children.append(self)

    def __setitem__(self, index, value):
        """`y[index] = value`, as Python does it: every name bound to this array
        sees the write. This object becomes `setitem(old, index, value)`; the
        operations recorded so far are moved over to a Node `old` holding the
        contents before the write, so they still read what they read."""
        old = Node.__new__(Node)
        for slot in Node.__slots__:
            setattr(old, slot, getattr(self, slot))
        for child in old.children:
            child.args = tuple(old if a is self else a for a in child.args)
            child.kwargs = {k: old if v is self else v for k, v in child.kwargs.items()}
            child.parents = tuple(old if p is self else p for p in child.parents)
        for parent in old.parents:
            parent.children = [old if c is self else c for c in parent.children]
        origin = self.origin if self.origin is not None else old if self.op is None else None
        old.origin = None
        new = ops.setitem(self.value, _unbox(index), _unbox(value))
        Node.__init__(self, new, ops.setitem, (old, index, value))
        self.origin = origin

    @property
    def op_name(self):
        """The input's name, or a short name of the primitive (`add`, `sin`, `item`)."""
        return self.name if self.op is None else stem(self.op)

    def __repr__(self):
        return f"Node({self.op_name}, value={self.value!r}, grad={self.grad!r})"

    # -- arithmetic: recorded ------------------------------------------------
    __add__, __radd__ = _binary(operator.add)
    __sub__, __rsub__ = _binary(operator.sub)
    __mul__, __rmul__ = _binary(operator.mul)
    __truediv__, __rtruediv__ = _binary(operator.truediv)
    __pow__, __rpow__ = _binary(operator.pow)
    __matmul__, __rmatmul__ = _binary(operator.matmul)
    __floordiv__, __rfloordiv__ = _binary(operator.floordiv)
    __neg__ = _unary(operator.neg)
    __pos__ = _unary(operator.pos)
    __abs__ = _unary(builtins.abs)

    # -- comparisons and conversions: plain values (they carry no gradient) ----
    __lt__, __gt__ = _binary(operator.lt)[0], _binary(operator.gt)[0]
    __le__, __ge__ = _binary(operator.le)[0], _binary(operator.ge)[0]
    __eq__, __ne__ = _binary(operator.eq)[0], _binary(operator.ne)[0]
    __hash__ = object.__hash__

    def __bool__(self):
        return bool(self.value)

    def __float__(self):
        # reached from C code only (the traced function's own `float` records):
        # storing a traced value into a plain array would drop its gradient
        raise TypeError("a traced value cannot become a plain float (its gradient would be "
                        "lost): writing it into an array the tape does not trace (one not "
                        "made by np.zeros/ones/empty/full or their _like forms in the traced "
                        "function) is not supported by the tape engine")

    def __int__(self):
        return int(self.value)

    def __len__(self):
        return len(self.value)

    # -- arrays ----------------------------------------------------------------
    def __getitem__(self, index):
        return apply(operator.getitem, self, index)

    def __iter__(self):
        return (self[i] for i in range(len(self.value)))

    def __getattr__(self, name):
        """Array methods and attributes, as the NumPy functions the compiler uses."""
        if name in METHODS:
            return functools.partial(apply, METHODS[name], self)
        if name in VARARG_SHAPE_METHODS:
            return functools.partial(_vararg_shape, VARARG_SHAPE_METHODS[name], self)
        if name in ATTRIBUTES:
            return apply(ATTRIBUTES[name], self)
        if name in ("shape", "ndim", "size"):
            return getattr(np, name)(self.value)
        if name in PLAIN_ATTRIBUTES:
            return getattr(self.value, name)
        if name == "astype":  # (the value's own astype, as the compiler's `astype`)
            return lambda dtype, copy=True: apply(helpers.astype, self, dtype, copy)
        if name == "copy":
            return lambda: apply(ops.copy, self)
        raise AttributeError(f"a traced value has no attribute {name!r}")

    def __array_namespace__(self, api_version=None):
        """Array-API-written code (`xp = array_namespace(x)`) on the tape: the
        standard's functions, recording NumPy's of the same names."""
        return StandardOnTape()

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        if method != "__call__" or "out" in kwargs:
            return NotImplemented  # reductions like np.add.reduce, in-place updates
        return apply(ufunc, *inputs, **kwargs)

    def __array_function__(self, func, types, args, kwargs):
        return apply(func, *args, **kwargs)

    def __array__(self, *args, **kwargs):
        if self.op is None and self.name == "const":  # an untouched constant array
            return np.asarray(self.value, *args[:1])
        raise TypeError("a traced value cannot become a plain array (its gradient would be "
                        "lost): np.array/np.asarray of values being differentiated is not "
                        "supported by the tape engine")


class StandardOnTape:
    """The namespace of traced values: `xp.sin(x)` records np.sin, as the
    compiler differentiates it (transpiler/ir/array_api.py); `xp.linalg` too."""

    def __init__(self, prefix=""):
        self._prefix = prefix

    def __getattr__(self, name):
        from .ir import array_api
        path = self._prefix + name
        if name in ("linalg", "fft") and not self._prefix:
            return StandardOnTape(f"{name}.")
        fn = array_api.PRIMITIVES.get(path) or array_api.numpy_function(path)
        if fn is None or isinstance(fn, type):
            return getattr(np, name)  # dtypes and constants: xp.float64, xp.pi
        renamed = {v: k for k, v in array_api.KEYWORDS.get(path, {}).items()}

        def call(*args, **kwargs):
            return apply(fn, *args, **{renamed.get(k, k): v for k, v in kwargs.items()})
        call.__name__ = name
        return call


def _vararg_shape(prim, node, *shape, **kwargs):
    """`x.reshape(2, 3)` is `np.reshape(x, (2, 3))`."""
    return apply(prim, node, shape[0] if len(shape) == 1 else shape, **kwargs)


# -- recording ----------------------------------------------------------------

def apply(prim, *args, **kwargs):
    """`prim(*args, **kwargs)` on the values inside any Nodes; the result is a
    new Node when it carries a gradient, else the plain value."""
    value = prim(*_unbox(args), **_unbox(kwargs))
    if prim in _TRACED_CONSTRUCTORS and isinstance(args[0] if args else None, Node):
        return Node(value, name="const")  # no gradient, but writes into it are traced
    if is_nondifferentiable(prim) or not _holds_node((args, kwargs)):
        return value
    _check_recordable(prim, args, kwargs)
    return Node(value, prim, args, kwargs)


# arrays shaped like a traced value, which the user may fill with item writes
_TRACED_CONSTRUCTORS = {np.zeros_like, np.ones_like, np.empty_like, np.full_like}


def _unbox(x):
    if isinstance(x, Node):
        return x.value
    if isinstance(x, dict):
        return {k: _unbox(v) for k, v in x.items()}
    if isinstance(x, (tuple, list)):
        return type(x)(_unbox(v) for v in x)
    return x


def _holds_node(x):
    if isinstance(x, Node):
        return True
    items = x.values() if isinstance(x, dict) else x if isinstance(x, (tuple, list)) else ()
    return any(_holds_node(v) for v in items)


def _check_recordable(prim, args, kwargs):
    """Fail now, naming the primitive, rather than lose a gradient later."""
    name = stem(prim)
    rule = lookup(prim)
    if rule is None or (rule.adjoint is None and rule.partials is None):
        raise NotImplementedError(f"no reverse-mode rule for `{name}`: register one with "
                                  "@transpiler.rule (see docs/custom-rules.md)")
    if rule.bind(args, kwargs) is None:
        raise TypeError(f"the rule for `{name}` does not accept these arguments")
    if any(_holds_node(a) for a in (*args, *kwargs.values()) if not isinstance(a, Node)):
        raise NotImplementedError(f"`{name}` received a traced value inside a container; "
                                  "the tape engine differentiates only direct arguments")
