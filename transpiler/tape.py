"""The tape engine: reverse mode by operator overloading, over the compiler's rule table.

The compiler writes a new function; this engine instead *runs* the function on
boxed values (`Node`s). Every primitive applied to a Node is recorded with its
inputs; `Graph.backward()` then walks the record from the output back to the
inputs, multiplying each node's gradient by its local derivatives (the same
rule functions the compiler inlines) and adding up contributions where a value
is used more than once. It is the teaching view of reverse mode and an oracle
for generated code: rules are shared, but control flow, activity, saving and
accumulation are not.

    >>> def f(x, y, z):
    ...     return (x + y) * max(y, z)
    >>> graph = trace(f, 1.0, 2.0, 0.0, wrt=(0, 1, 2))
    >>> graph.backward()
    (2.0, 5.0, 0.0)
    >>> [(node.op_name, node.value, node.grad) for node in graph.nodes]
    [('x', 1.0, 2.0), ('y', 2.0, 5.0), ('add', 3.0, 2.0), ('z', 0.0, 0.0), ('max', 2.0, 3.0), ('mul', 6.0, 1.0)]
    >>> tape_grad(f, wrt="y")(1.0, 2.0, 0.0)
    5.0

How operations reach the tape: Python operators and array methods call the
Node's dunder methods; NumPy functions hand Nodes to `__array_ufunc__` /
`__array_function__`; `math.*` and the builtins `max`, `min`, `abs`, `float`
cannot be intercepted that way, so the traced function runs over a copy of its
globals in which they (and the user's other functions) record Nodes; SciPy
modules and distributions there are stood for by a `RecordingNamespace`, so
that `scipy.special.logsumexp(x)` and `norm.logpdf(x)` record too.
Comparisons and `bool()` see the plain value, so `if` statements and loops
run as they would without the tape. Item writes `y[i] = v` into a traced
array are recorded (`Node.__setitem__`); float arrays the function makes with
np.zeros / ones / empty / full (and their `_like` forms of a traced value)
are traced as constants so that they can be filled this way.
"""
from __future__ import annotations

import builtins
import functools
import inspect
import math
import operator
import types

import numpy as np

from .rules import _load_builtin_rules, is_nondifferentiable, lookup
from .ir.ssa_values import ATTRIBUTES, METHODS, PLAIN_ATTRIBUTES, VARARG_SHAPE_METHODS
from .frontend.syntax import stem

from runtime import ops
from runtime.containers import add_grads
from runtime.helpers import ones_like, zeros_like

_load_builtin_rules()

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
        if name == "astype":
            return lambda dtype: apply(np.asarray, self, dtype=dtype)
        if name == "copy":
            return lambda: apply(np.array, self)
        raise AttributeError(f"a traced value has no attribute {name!r}")

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


# -- the functions that cannot be intercepted by NumPy's protocols ----------

def recording(prim):
    """`prim` as a function that records a Node when given one."""
    @functools.wraps(prim)
    def call(*args, **kwargs):
        return apply(prim, *args, **kwargs)
    return call


def _extremum(prim):
    """`max`/`min`: two arguments record the primitive (whose rule the compiler
    uses); other forms just pick an item, which is exact for the tape too."""
    @functools.wraps(prim)
    def call(*args, **kwargs):
        if len(args) == 2 and not kwargs:
            return apply(prim, *args)
        return prim(*args, **kwargs)
    return call


BUILTINS = {"max": _extremum(builtins.max), "min": _extremum(builtins.min),
            "abs": recording(builtins.abs), "float": recording(builtins.float)}


class RecordingModule:
    """Stands for a module (`math`) in a traced function's globals: its functions record."""

    def __init__(self, module):
        self._module = module

    def __getattr__(self, name):
        attr = getattr(self._module, name)
        value = recording(attr) if callable(attr) else attr
        setattr(self, name, value)
        return value


_MATH = RecordingModule(math)


class TracingNumpy:
    """Stands for `np` in a traced function's globals: float arrays made by
    np.zeros / ones / empty / full are traced as constants, so that item writes
    of traced values into them are recorded (`y = np.zeros(n); y[i] = x[i]`)."""

    _MAKERS = {"zeros", "ones", "empty", "full"}

    def __getattr__(self, name):
        attr = getattr(np, name)
        if name in self._MAKERS:
            @functools.wraps(attr)
            def make(*args, **kwargs):
                value = attr(*args, **kwargs)
                if np.issubdtype(value.dtype, np.inexact):
                    return Node(value, name="const")
                return value
            return make
        return attr


_NUMPY = TracingNumpy()


def traceable(fn):
    """`fn` over a copy of its globals in which `math`, math functions, the
    builtins above, functions with registered rules and the user's other
    functions record Nodes. (Assignments to globals go to the copy.)"""
    if not isinstance(fn, types.FunctionType):
        return fn  # a builtin or callable object: nothing to patch
    scope = {name: _traceable_global(value) for name, value in fn.__globals__.items()}
    for name, wrapper in BUILTINS.items():
        scope.setdefault(name, wrapper)
    traced = types.FunctionType(fn.__code__, scope, fn.__name__, fn.__defaults__,
                                fn.__closure__)
    traced.__kwdefaults__ = fn.__kwdefaults__
    return traced


def _traceable_global(value):
    if value is math:
        return _MATH
    if value is np:
        return _NUMPY
    if _is_scipy(value) and lookup(value) is None:
        return RecordingNamespace(value)
    if getattr(value, "__module__", None) == "math" and callable(value):
        return recording(value)
    if not callable(value) or isinstance(value, (type, np.ufunc)):
        return value
    if lookup(value) is not None or is_nondifferentiable(value):
        return recording(value)
    if isinstance(value, types.FunctionType) and not _is_library(value):
        return _traced_on_call(value)
    return value


def _is_scipy(value):
    """A SciPy module or distribution (`scipy.special`, `scipy.stats.norm`): its
    functions and methods with rules are reached by attribute."""
    if isinstance(value, types.ModuleType):
        return value.__name__.partition(".")[0] == "scipy"
    return any(c.__name__ in ("rv_generic", "multi_rv_generic") and
               c.__module__.startswith("scipy.stats") for c in type(value).__mro__)


class RecordingNamespace:
    """Stands for a SciPy module or distribution object in a traced function's
    globals: its attributes are looked up as globals are (functions and methods
    with rules record; `scipy.stats.norm.logpdf(x)`); calling it calls the object."""

    def __init__(self, obj):
        self._obj = obj

    def __getattr__(self, name):
        return _traceable_global(getattr(self._obj, name))

    def __call__(self, *args, **kwargs):
        return self._obj(*args, **kwargs)


def _is_library(fn):
    module = getattr(fn, "__module__", None) or ""
    return module.split(".")[0] in ("numpy", "runtime", "transpiler")


def _traced_on_call(fn):
    """A user function, made traceable when first called (so recursion works)."""
    made = []

    @functools.wraps(fn)
    def call(*args, **kwargs):
        if not made:
            made.append(traceable(fn))
        return made[0](*args, **kwargs)
    return call


# -- graphs -----------------------------------------------------------------

class Graph:
    """What one run of a function recorded: its `inputs` (the differentiated
    arguments, boxed), `output` (a Node, or a plain value if it does not
    depend on them), `nodes` in topological order and `edges` (parent, child)."""

    def __init__(self, boxed, output, many):
        self.boxed, self.output, self.many = boxed, output, many
        self.nodes = topological_order(output) if isinstance(output, Node) else []

    @property
    def value(self):
        return _unbox(self.output)

    @property
    def inputs(self):
        return [node for tree in self.boxed for node in _leaves(tree)]

    @property
    def edges(self):
        return [(parent, node) for node in self.nodes for parent in node.parents]

    def backward(self, seed=None):
        """Set every node's `grad`, from the output back to the inputs, and
        return the inputs' gradients (one, or a tuple when wrt was a tuple)."""
        for node in (*self.nodes, *self.inputs):
            node.grad = None
        if isinstance(self.output, Node):
            self.output.grad = ones_like(self.output.value) if seed is None else seed
            for node in reversed(self.nodes):
                if node.op is not None and node.grad is not None:
                    propagate(node)
        grads = tuple(_gradient(tree) for tree in self.boxed)
        return grads if self.many else grads[0]


def topological_order(output):
    """Every node the output depends on, each after its parents (depth-first,
    iterative so that long loops do not exhaust Python's recursion limit)."""
    order, seen, stack = [], set(), [(output, False)]
    while stack:
        node, done = stack.pop()
        if done:
            order.append(node)
        elif id(node) not in seen:
            seen.add(id(node))
            stack.append((node, True))
            stack.extend((p, False) for p in reversed(node.parents))
    return order


def propagate(node):
    """Multiply `node.grad` by the local derivatives of its primitive (the
    rule) and add each contribution into the parent it belongs to."""
    rule = lookup(node.op)
    with np.errstate(divide="ignore", invalid="ignore"):  # parts for constant arguments
        parts = rule.vjp(node.grad, node.value, _unbox(node.args), _unbox(node.kwargs))
    bound = rule.bind(node.args, node.kwargs)
    for name, part in zip(rule.wrt, parts):
        parent = bound[name]
        if isinstance(parent, Node) and part is not None:
            _check_shape(node, name, part, parent)
            parent.grad = part if parent.grad is None else add_grads(parent.grad, part)


def _check_shape(node, name, part, parent):
    if isinstance(parent.value, (tuple, list)):
        return  # a container's gradient has its structure (scipy's cho_factor gives (c, lower))
    if np.shape(part) != np.shape(parent.value):
        raise ValueError(f"the rule for `{node.op_name}` gave `{name}` a gradient of shape "
                         f"{np.shape(part)}, but `{name}` has shape {np.shape(parent.value)}")


def _box(value, name):
    """The argument with every number or array in it replaced by an input Node."""
    if isinstance(value, dict):
        return {k: _box(v, f"{name}[{k!r}]") for k, v in value.items()}
    if isinstance(value, (tuple, list)):
        return type(value)(_box(v, f"{name}[{i}]") for i, v in enumerate(value))
    return Node(value, name=name)


def _leaves(tree):
    if isinstance(tree, Node):
        return [tree if tree.origin is None else tree.origin]
    items = tree.values() if isinstance(tree, dict) else tree
    return [leaf for item in items for leaf in _leaves(item)]


def _gradient(tree):
    """The gradients of a boxed argument, in its structure and shapes; scalars give floats."""
    if isinstance(tree, dict):
        return {k: _gradient(v) for k, v in tree.items()}
    if isinstance(tree, (tuple, list)):
        return type(tree)(_gradient(v) for v in tree)
    tree = tree if tree.origin is None else tree.origin  # an argument written into
    value, g = tree.value, tree.grad
    if g is None:
        return zeros_like(value)
    if type(value) in _SCALARS:
        return float(g)
    out = np.array(g, dtype=np.result_type(zeros_like(value), g))
    return out[()] if isinstance(value, np.generic) else out


# -- entry points -------------------------------------------------------------

def wrt_indices(fn, wrt):
    """`wrt` (an index, a parameter name, or a tuple of these) as positional
    indices, and whether it was a tuple."""
    many = isinstance(wrt, (tuple, list))
    params = list(inspect.signature(fn).parameters)
    indices = tuple(params.index(w) if isinstance(w, str) else w
                    for w in (wrt if many else (wrt,)))
    return indices, many


def trace(fn, *args, wrt=0, **kwargs):
    """Run `fn(*args, **kwargs)` with the arguments in `wrt` boxed, and return
    the recorded Graph (call `.backward()` on it for the gradients)."""
    _load_builtin_rules()
    indices, many = wrt_indices(fn, wrt)
    params = list(inspect.signature(fn).parameters)
    args = list(args)
    boxed = []
    for i in indices:
        args[i] = _box(args[i], params[i] if i < len(params) else f"arg{i}")
        boxed.append(args[i])
    output = traceable(fn)(*args, **kwargs)
    return Graph(boxed, output, many)


def tape_grad(fn, wrt=0):
    """The gradient of scalar-valued `fn` by the tape engine, called and
    returned like `transpiler.grad(fn, wrt)`.

        >>> tape_grad(lambda x: x * x * x)(2.0)
        12.0
    """
    def gradient(*args, **kwargs):
        graph = trace(fn, *args, wrt=wrt, **kwargs)
        if np.ndim(graph.value) != 0:
            raise TypeError(f"tape_grad requires {fn.__name__} to return a scalar, but it "
                            f"returned a value of shape {np.shape(graph.value)}")
        return graph.backward()
    gradient.__name__ = f"tape_grad_{getattr(fn, '__name__', 'f')}"
    return gradient
