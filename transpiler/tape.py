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
import types

import numpy as np

from .rules import _load_builtin_rules, is_nondifferentiable, lookup
from .tape_nodes import (_SCALARS, _TRACED_CONSTRUCTORS, Node, StandardOnTape,  # noqa: F401
                         _binary, _check_recordable, _holds_node, _unary, _unbox, _vararg_shape,
                         apply)
from .rules.array_api import is_namespace_maker

from runtime.containers import add_grads
from runtime.helpers import cast_like, ones_like, zeros_like
from runtime.namespaces import is_foreign_array, library, no_numpy_functions

_load_builtin_rules()


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
    if callable(value) and is_namespace_maker(value):
        return _namespace_on_tape(value)
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


def _namespace_on_tape(maker):
    """array-api-compat's `array_namespace`: of traced values, their namespace,
    which records NumPy's functions of the standard's names."""
    @functools.wraps(maker)
    def call(*args, **kwargs):
        return StandardOnTape() if _holds_node((args, kwargs)) else maker(*args, **kwargs)
    return call


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
    if is_foreign_array(value):  # a Dask array stays lazy, in value's dtype
        return cast_like(g, value)
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
        _numpy_functions_take(args[i], fn)
        args[i] = _box(args[i], params[i] if i < len(params) else f"arg{i}")
        boxed.append(args[i])
    output = traceable(fn)(*args, **kwargs)
    return Graph(boxed, output, many)


def _numpy_functions_take(value, fn):
    """The rules the tape calls are NumPy code: they take NumPy's arrays and those
    of libraries NumPy's functions hand them to (Dask, CuPy), not others'."""
    if no_numpy_functions(value):
        raise TypeError(f"the tape engine cannot differentiate {getattr(fn, '__name__', fn)} "
                        f"on {library(value)} arrays: its rules are NumPy code, which NumPy, "
                        "Dask and CuPy arrays go through; use transpiler.grad (which calls "
                        "the arrays' namespace), or pass NumPy arrays")


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
