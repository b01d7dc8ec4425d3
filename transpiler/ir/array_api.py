"""Array-API-written code: `xp = array_namespace(x)`, then `xp.sum(xp.sin(x))`.

A call through an array namespace is the NumPy function of the same standard
name (NumPy 2's main namespace implements the standard: `np.asin is np.arcsin`,
`np.concat is np.concatenate`), so its derivative is that function's rule: one
rule table. A namespace is a local assigned from `array_namespace(...)` (of
array-api-compat) or `x.__array_namespace__()`, a parameter whose default is a
namespace module (`xp=np`), or such a module read as a global (`import
array_api_strict as xp`). The IR keeps the namespace as an operand of the call,
under the keyword `ir.NAMESPACE`, so the call is printed `xp.sin(x)`, and every
rule inlined for it calls the same namespace (`translate`): the adjoint of
`xp.sin(x)` is `d_y * xp.cos(x)`. One generated gradient then runs on whatever
namespace the function computes when it runs (array-api-strict, NumPy, Dask,
CuPy, PyTorch).

    xp = array_namespace(x)          xp = array_namespace(x)
    y = xp.sin(x)           ->       y = xp.sin(x)
    return xp.sum(y)                 ...
                                     d_x = d_y * xp.cos(x)
"""
from __future__ import annotations

import operator
import types

import numpy as np

from .. import ir
from ..errors import TranspileError
from runtime import ops
from runtime.array_api import KEYWORDS, inverse_axes, saved_namespace

from ..rules.array_api import is_namespace_maker

NAMESPACE = ir.NAMESPACE

# The functions of the Array API standard (2024.12), with the linalg extension.
STANDARD = frozenset("""
abs acos acosh add asin asinh atan atan2 atanh bitwise_and bitwise_invert
bitwise_left_shift bitwise_or bitwise_right_shift bitwise_xor ceil clip conj copysign cos
cosh divide equal exp expm1 floor floor_divide greater greater_equal hypot imag isfinite
isinf isnan less less_equal log log1p log2 log10 logaddexp logical_and logical_not
logical_or logical_xor maximum minimum multiply negative nextafter not_equal positive pow
real reciprocal remainder round sign signbit sin sinh square sqrt subtract tan tanh trunc
arange asarray empty empty_like eye from_dlpack full full_like linspace meshgrid ones
ones_like tril triu zeros zeros_like astype can_cast finfo iinfo isdtype result_type
broadcast_arrays broadcast_to concat expand_dims flip moveaxis permute_dims repeat
reshape roll squeeze stack tile unstack argmax argmin count_nonzero nonzero searchsorted
where unique_all unique_counts unique_inverse unique_values argsort sort cumulative_prod
cumulative_sum diff max mean min prod std sum var all any take take_along_axis matmul
matrix_transpose tensordot vecdot
linalg.cholesky linalg.cross linalg.det linalg.diagonal linalg.eigh linalg.eigvalsh
linalg.inv linalg.matmul linalg.matrix_norm linalg.matrix_power linalg.matrix_rank
linalg.matrix_transpose linalg.outer linalg.pinv linalg.qr linalg.slogdet linalg.solve
linalg.svd linalg.svdvals linalg.tensordot linalg.trace linalg.vecdot linalg.vector_norm
""".split())

_SUBSPACES = ("linalg", "fft")
# namespaces known by module name (those without `__array_api_version__`)
_KNOWN_MODULES = ("numpy", "cupy", "torch", "jax.numpy", "dask.array")
# NumPy functions of rule formulas that read an attribute the standard has
_ATTRIBUTES = {np.shape: "shape", np.ndim: "ndim", np.size: "size"}


def is_namespace_module(obj):
    """Is `obj` a module implementing the Array API (array_api_strict, NumPy...)?"""
    return isinstance(obj, types.ModuleType) and (
        hasattr(obj, "__array_api_version__") or obj.__name__ in _KNOWN_MODULES)


def numpy_function(path):
    """NumPy's function for the standard's dotted name `path` ('sin', 'linalg.inv'):
    the primitive whose rule differentiates the call. None if NumPy has none."""
    obj = np
    for part in path.split("."):
        obj = getattr(obj, part, None)
    return obj if callable(obj) else None


def _standard_names():
    """id(NumPy function) -> its name in the standard (np.arcsin -> 'asin')."""
    if not _NAMES:
        for path in sorted(STANDARD, key=lambda p: ("." in p, p)):
            fn = numpy_function(path)
            if fn is not None:
                _NAMES.setdefault(id(fn), path)
    return _NAMES


_NAMES: dict = {}


# -- recognizing namespaces (the SSA builder's side) ----------------------------

def namespace_of(builder, v):
    """(root operand, prefix) when the SSA value `v` is a namespace (`xp`, or
    `xp.linalg`, whose prefix is 'linalg.'), else None."""
    if not isinstance(v, ir.Var):
        return None
    made = builder.made_by.get(v.name)
    if made is None:
        default = builder.param_defaults.get(v.name)
        return (v, "") if is_namespace_module(default) else None
    if is_namespace_maker(made.fn):
        return v, ""
    if made.fn is ops.attribute and made.args[1].value in _SUBSPACES:
        inner = namespace_of(builder, made.args[0])
        if inner is not None:
            return inner[0], f"{inner[1]}{made.args[1].value}."
    return None


def method_call(builder, e, receiver, args, kwargs, loc):
    """`xp.name(...)` on a local namespace (None if `receiver` is not one), and
    `x.__array_namespace__()`."""
    name = e.func.attr
    if name == "__array_namespace__" and not args and not kwargs:
        return ir.Assign(None, ops.array_namespace, [receiver], {}, loc, ARRAY_NAMESPACE)
    found = namespace_of(builder, receiver)
    if found is None:
        return None
    root, prefix = found
    spelled = builder.source_names.get(root.name, root.name)
    return call(root, spelled, prefix + name, args, kwargs, loc, e, builder)


def module_call(target, args, kwargs, loc, node, builder):
    """`xp.name(...)` where `xp` is a global namespace module other than NumPy
    (`import array_api_strict as xp`); None for other calls."""
    root = target.root
    is_namespace_maker(target.obj)  # (marks array_namespace nondifferentiable)
    if root is np or not is_namespace_module(root) or "." not in target.spelling:
        return None
    first, path = target.spelling.split(".", 1)
    return call(ir.Ext(root, first, root), first, path, args, kwargs, loc, node, builder)


# options the rules of these functions take only some values of: (name, allowed)
OPTIONS = {"linalg.vector_norm": ("ord", (2,)), "linalg.matrix_norm": ("ord", ("fro",))}


# standard functions differentiated by another NumPy function than their namesake
# (NumPy's tensordot rule needs einsum, which the standard lacks)
PRIMITIVES = {"tensordot": np.linalg.tensordot} if hasattr(np.linalg, "tensordot") else {}


def call(namespace, spelled, path, args, kwargs, loc, node, builder):
    fn = PRIMITIVES.get(path) or numpy_function(path)
    axes = kwargs.get("axes", args[2] if len(args) > 2 else ir.Const(2))
    if path.endswith("tensordot") and not (isinstance(axes, ir.Const) and
                                           type(axes.value) is int):
        builder.error(node, f"`{spelled}.{path}` with axes={_shown(axes)}",
                      "tapeless differentiates the standard's tensordot with an integer "
                      "`axes` (the number of axes summed over)", "move the summed axes "
                      "last in x1 and first in x2 (permute_dims), then pass their number")
    if path in OPTIONS and OPTIONS[path][0] in kwargs:
        option, allowed = OPTIONS[path]
        value = kwargs[option]
        if not (isinstance(value, ir.Const) and value.value in allowed):
            builder.error(node, f"`{spelled}.{path}` with {option}={_shown(value)}",
                          f"tapeless differentiates it with {option}={allowed[0]!r} only",
                          f"leave out {option}, or write this norm out with the "
                          "standard's functions")
    if fn is None:
        builder.error(node, f"`{spelled}.{path}` is not a function tapeless knows in the "
                      "Array API standard", "a call through an array namespace is "
                      "differentiated with the rule of NumPy's function of the same name, "
                      "and NumPy has none", "use the standard's functions (see "
                      "docs/array-api.md), or write this step with NumPy")
    standard = {v: k for k, v in KEYWORDS.get(path, {}).items()}  # correction -> ddof
    kwargs = {standard.get(k, k): v for k, v in kwargs.items()}
    return ir.Assign(None, fn, list(args), {**kwargs, NAMESPACE: namespace}, loc,
                     ir.Ext(fn, f"{spelled}.{path}", None))


def _shown(operand):
    return repr(operand.value) if isinstance(operand, ir.Const) else str(operand)


INVERSE_AXES = ir.Ext(inverse_axes, "inverse_axes", inverse_axes)
ARRAY_NAMESPACE = ir.Ext(ops.array_namespace, "array_namespace", ops.array_namespace)
SAVED_NAMESPACE = ir.Ext(saved_namespace, "saved_namespace", saved_namespace)


# -- rule formulas in the caller's namespace (the inliner's side) ---------------

def namespace_operand(s):
    """The namespace a call was made through (a Var or a module Ext), or None."""
    return s.kwargs.get(NAMESPACE) if isinstance(s, ir.Assign) else None


def function_namespace(fn):
    """The namespace the rules of `fn`'s operators call (`x ** 2` in Array-API code:
    the rule of `**` needs `xp.pow`): that of its first call through a module or a
    parameter namespace, or through one assigned at the top of the body; None when
    `fn` calls through none. (Only the reverse sweep reads it: after the forward one.)"""
    top = {s.target.name for s in fn.body if isinstance(s, ir.Assign) and s.target}
    params = {p.name for p in fn.params}
    for s in ir.walk(fn.body):
        ns = namespace_operand(s)
        if isinstance(ns, ir.Ext) or isinstance(ns, ir.Var) and ns.name in top | params:
            return ns
    return None


def translate(s, namespace, kinds, loc):
    """The statement `s` of an inlined rule, calling `namespace` instead of NumPy:
    `np.cos(x)` -> `xp.cos(x)`, `np.shape(x)` -> `x.shape`. Statements that call no
    NumPy function come back unchanged; a NumPy function outside the standard
    raises TranspileError at the differentiated call."""
    if s.callee is None or s.callee.root is not np or NAMESPACE in s.kwargs:
        return s
    fn = s.fn
    if all(isinstance(a, ir.Const) for a in s.operands()):  # axes, shifts: numbers here
        value = fn(*(a.value for a in s.args), **{k: v.value for k, v in s.kwargs.items()})
        if isinstance(value, (np.generic, np.ndarray)):
            value = value.tolist()
            value = tuple(value) if isinstance(value, list) else value
        return ir.Assign(s.target, ops.identity, [ir.Const(value)])
    if fn is np.argsort and len(s.args) == 1 and not s.kwargs and kinds is not None and \
            getattr(s.args[0], "name", None) in kinds.tuples:  # of axes: transpose's rule
        return ir.Assign(s.target, inverse_axes, s.args, {}, s.loc, INVERSE_AXES)
    if fn is np.where and len(s.args) == 3 and isinstance(s.args[0], ir.Const):
        # a branch of a rule on a constant (`where(y == 0, ...)` of `x ** 1.5`)
        return ir.Assign(s.target, ops.identity, [s.args[1 if s.args[0].value else 2]])
    if fn in _ATTRIBUTES and len(s.args) == 1 and not s.kwargs:
        return ir.Assign(s.target, getattr, [s.args[0], ir.Const(_ATTRIBUTES[fn])], {}, s.loc)
    if fn is np.transpose and len(s.args) == 1 and not s.kwargs:
        if kinds is not None and kinds.rank(s.args[0]) == 2:
            return s  # printed `x.T`, which the standard has for matrices
        fn, path = np.matrix_transpose, "matrix_transpose"
    elif fn is np.swapaxes and {getattr(a, "value", None) for a in s.args[1:]} == {-1, -2}:
        return _through(s, namespace, "matrix_transpose", s.args[:1], {})
    elif fn is np.trace and len(s.args) == 1 and \
            {k: getattr(v, "value", None) for k, v in s.kwargs.items()} == {"axis1": -2, "axis2": -1}:
        return _through(s, namespace, "linalg.trace", s.args, {})  # (of the last two axes)
    elif fn is np.ravel and len(s.args) == 1:
        return _through(s, namespace, "reshape", [s.args[0], ir.Const((-1,))], {})
    else:
        path = _standard_names().get(id(fn))
    if path is None:
        from ..errors import _WORKING_ON
        raise TranspileError(
            f"the derivative rule used here needs `{s.callee.spelling}`, which is not in "
            "the Array API standard", loc or _WORKING_ON[0], "a call through an array namespace is "
            "differentiated with functions of the same namespace only",
            "write this step with NumPy, or register a rule (docs/custom-rules.md)")
    return _through(s, namespace, path, s.args, s.kwargs, fn)


def _through(s, namespace, path, args, kwargs, fn=None):
    fn = fn if fn is not None else numpy_function(path)
    args, kwargs = _standard_arguments(fn, path, list(args), dict(kwargs))
    spelled = namespace.spelling if isinstance(namespace, ir.Ext) else namespace.name
    return ir.Assign(s.target, fn, args, {**kwargs, NAMESPACE: namespace}, s.loc,
                     ir.Ext(fn, f"{spelled}.{path}", None))


# how many leading arguments the standard takes by position, for the functions
# with keyword-only parameters (`xp.flip(x, axis=0)`, never `xp.flip(x, 0)`)
POSITIONAL = {
    "flip": 1, "roll": 2, "sum": 1, "mean": 1, "max": 1, "min": 1, "prod": 1, "std": 1,
    "var": 1, "cumulative_sum": 1, "cumulative_prod": 1, "concat": 1, "stack": 1, "take": 2,
    "take_along_axis": 2, "repeat": 2, "argsort": 1, "sort": 1, "argmax": 1, "argmin": 1,
    "all": 1, "any": 1, "tensordot": 2, "vecdot": 2, "diff": 1, "expand_dims": 1,
    "squeeze": 1, "reshape": 2, "unstack": 1, "ones_like": 1, "zeros_like": 1,
    "empty_like": 1, "full_like": 2, "linalg.diagonal": 1, "linalg.trace": 1,
    "linalg.vector_norm": 1, "linalg.matrix_norm": 1, "linalg.cross": 2, "linalg.svd": 1,
    "linalg.qr": 1, "linalg.cholesky": 1, "linalg.tensordot": 2, "linalg.vecdot": 2,
}


def _standard_arguments(fn, path, args, kwargs):
    """A rule's call `np.flip(g, 0)` as the standard spells it, `flip(g, axis=0)`:
    arguments past the positional ones become keywords (NumPy's names, which are
    the standard's)."""
    n = POSITIONAL.get(path)
    if n is None or len(args) <= n:
        return args, kwargs
    import inspect
    names = [p.name for p in inspect.signature(fn).parameters.values()]
    return args[:n], {**dict(zip(names[n:], args[n:])), **kwargs}


def as_number(v, stmts, namespace, emit):
    """A rule's partial that is a comparison (`x >= y` of `maximum`) as numbers of
    x's type: the standard does not multiply booleans."""
    made = next((s for s in reversed(stmts) if isinstance(s, ir.Assign) and s.target == v),
                None)
    if made is None or made.fn not in COMPARISONS:
        return v
    array = next((a for a in made.args if isinstance(a, ir.Var)), None)
    if array is None:
        return v
    dtype = emit(ir.Assign(None, getattr, [array, ir.Const("dtype")], {}, made.loc))
    return emit(_through(made, namespace, "astype", [v, dtype], {}))


COMPARISONS = (operator.lt, operator.le, operator.gt, operator.ge, operator.eq, operator.ne)
