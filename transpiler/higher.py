"""Forward mode and derivatives of derivatives, built on generated code.

`jvp` runs the tangent function of `f`. Derivatives of a gradient are taken
in forward mode over the generated adjoint (forward-over-reverse): the
adjoint is ordinary Python with source, so the compiler transforms it like
any user function. `grad(grad(f))` is the tangent of `f`'s adjoint along the
differentiated input; each further `grad` takes the tangent of the previous
generated function, so derivatives of any order work through loops and
branches.

    >>> from transpiler import grad
    >>> def f(x):
    ...     return x ** 4
    >>> grad(grad(grad(f)))(2.0)
    48.0
"""
from __future__ import annotations

import inspect
from typing import Any, Callable

import numpy as np

from .frontend.callables import Target, _identifier, define, function_of, parameters
from .errors import TranspileError
from .hints import Fn, Wrt
from .ir.kinds import kind_of_value
from runtime.assemble import basis_of, columns_to, rows_to
from runtime.containers import map_leaves, ravel, unravel_columns
from .pipeline import transform_forward
from .compat import (array_argument, array_output, aux_of, check_cotangent, chosen_wrt,
                     flat_argument, is_container, is_wrt, jvp_aux, split_aux,
                     with_aux)
from .tracebacks import user_facing
from .api import Gradient, _transformed
from .arguments import _copies, _raise_bad_arguments, _scalar_output

_TANGENTS: dict = {}


def _tangent_of(base, name, kinds, output=()):
    """The compiled tangent function of generated function `base` along parameter
    `name`, returning only the `output` part of base's result and its tangent
    (cached), and the name of its new tangent parameter."""
    key = (base, name, kinds, output)
    if key not in _TANGENTS:
        transformed = transform_forward(base, [name], kinds=kinds, output=output)
        params = list(inspect.signature(transformed.code.fn).parameters)
        _TANGENTS[key] = (transformed, params[-1])
    return _TANGENTS[key]


def _param_name(fn, wrt):
    params = list(inspect.signature(fn).parameters)
    if isinstance(wrt, str):
        if wrt not in params:
            raise TypeError(f"{wrt!r} is not a parameter of {fn.__name__}")
        return wrt, params.index(wrt)
    return params[wrt], wrt


def _select(value, path):
    for k in path:
        value = value[k]
    return value


def _basis(x):
    """(index, unit tangent) for every element of x (a single 1.0 for a scalar)."""
    if np.ndim(x) == 0 and not isinstance(x, np.ndarray):
        yield None, 1.0
        return
    x = np.asarray(x, dtype=float)
    for idx in np.ndindex(x.shape):
        e = np.zeros_like(x)
        e[idx] = 1.0
        yield idx, e


def _kinds(args):
    return tuple(a.ndim if type(a) is np.ndarray else kind_of_value(a) for a in args)


def _complex_second_order(what):
    """Derivatives along the real directions only would silently lose the
    imaginary ones: refused for a complex argument (autograd refuses hessian too)."""
    raise TypeError(f"{what} with respect to a complex argument is not defined (the gradient "
                    "is complex, as in autograd); differentiate with respect to its real and "
                    "imaginary parts, passed as real arguments")


def _adjoint_for(gradient, args):
    """The compiled adjoint of a `Gradient` specialized to `args`."""
    return gradient._specialize(args)


# -- transforms as generated Python ------------------------------------------------

def _define_like(fn, name, lines, bindings, extra=(), copy=None):
    """`def <name>(<fn's parameters>, *extra): <lines>`; `{args}`: the parameters
    passed on, `{copied}`: the same with `np.copy(copy)` for `copy`."""
    params, args = parameters(fn, name, bindings)
    if extra:
        params = params + ([] if any(p.startswith("*") for p in params) else ["*"]) + \
            list(extra)
    copied = ", ".join(f"np.copy({a})" if a == copy else a for a in args)
    body = "".join(f"    {line.format(args=', '.join(args), copied=copied)}\n"
                   for line in lines)
    bindings.update(np=np, basis_of=basis_of, columns_to=columns_to, rows_to=rows_to)
    return define(name, f"def {name}({', '.join(params)}):\n{body}", bindings)


class Transform:
    """The result of `jvp`, `hvp`, `hessian` or `jacobian`: calling it runs a
    Python function generated for the arguments' kinds (`function_for`), which
    calls the generated tangent or adjoint functions of `fn`. Being generated
    Python, it is what other transforms differentiate: `jacobian(jacobian(f))`,
    `grad` of code that calls a `hessian` object."""

    kind = "transform"

    def __init__(self, fn: Fn, wrt: Wrt = 0) -> None:
        self.fn, self.wrt = function_of(fn), wrt
        self.__name__ = _identifier(f"{self.kind}_{getattr(self.fn, '__name__', 'f')}")
        self.__doc__ = getattr(self.fn, "__doc__", None)
        self._made: dict = {}
        self._raveled: Any = None  # the transform along a structured argument's raveled numbers

    def function_for(self, args):
        """The generated function for arguments like `args` (None: any)."""
        kinds = None if args is None else _kinds(args)
        if kinds not in self._made:
            self._made[kinds] = self.make(kinds)
        return self._made[kinds]

    @user_facing
    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        # (on copies: the generated function calls fn as Python, which may change them)
        function = self.function_for(args)
        try:
            return function(*_copies(args), **kwargs)
        except TypeError as exc:
            tb = exc.__traceback__
            if tb is not None and tb.tb_next is None:  # the arguments did not bind: say so for fn
                own = {k: v for k, v in kwargs.items() if k not in ("tangents", "v")}
                _raise_bad_arguments(self.fn, args, own, exc)
            raise

    def structured(self, args):
        """The position of the differentiated argument when it is a dict, tuple,
        list or structure (differentiated through its raveled numbers), else None."""
        if isinstance(self.wrt, (tuple, list)) or getattr(self, "has_aux", False):
            return None
        position = _param_name(self.fn, self.wrt)[1]
        return position if position < len(args) and is_container(args[position]) else None

    def of_raveled(self, args, position, kwargs):
        """This transform of `fn` along the raveled numbers of `args[position]`."""
        if self._raveled is None:
            self._raveled = self.like_this(flat_argument(self.fn, position), position)
        like = args[position]
        flat_args = args[:position] + (ravel(like),) + args[position + 1:]
        return self._raveled(*flat_args, like=like, **kwargs)

    def check_complex(self, args):
        """Second derivatives along real directions only would silently lose the
        imaginary ones (see _complex_second_order)."""
        position = _param_name(self.fn, self.wrt)[1] if not isinstance(
            self.wrt, (tuple, list)) else None
        if position is not None and position < len(args) and np.iscomplexobj(args[position]):
            _complex_second_order(self.kind)

    def __tapeless_target__(self, args=None, kwnames=()):
        return Target(self.function_for(None if args is None else tuple(args)))

    def __repr__(self) -> str:
        return f"<{self.kind} of {self.fn.__qualname__} wrt={self.wrt!r}>"

    def define(self, lines, bindings, extra=(), copy=None):
        return _define_like(self.fn, self.__name__, lines, bindings, extra, copy)

    def position(self):
        """The name of the differentiated parameter."""
        return _param_name(self.fn, self.wrt)[0]


class Jvp(Transform):
    """`jvp(f, wrt)(*args, tangents=t)` -> `(f(*args), df . t)`."""

    kind = "jvp"

    def __init__(self, fn, wrt=0, has_aux=False):
        super().__init__(fn, wrt)
        self.has_aux = has_aux

    def make(self, kinds):
        many = isinstance(self.wrt, (tuple, list))
        names = [_param_name(self.fn, w)[0] for w in (self.wrt if many else (self.wrt,))]
        tangent = transform_forward(self.fn, names, kinds=kinds).code.fn
        dots = list(inspect.signature(tangent).parameters)[-len(names):]
        given = [f"{d}=tangents[{k}]" if many else f"{d}=tangents" for k, d in enumerate(dots)]
        call = f"tangent({{args}}, {', '.join(given)})"
        bindings = {"tangent": tangent}
        if self.has_aux:  # (out, tangent of out, aux)
            call = f"jvp_aux({call}, {self.fn.__name__!r})"
            bindings["jvp_aux"] = jvp_aux
        return self.define([f"return {call}"], bindings, extra=["tangents"])


class Hvp(Transform):
    """`hvp(f, wrt)(*args, v=v)`: the Hessian-vector product, forward over reverse."""

    kind = "hvp"

    @user_facing
    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        _scalar_output(self.fn, args, {k: v for k, v in kwargs.items() if k != "v"})
        return super().__call__(*args, **kwargs)

    def make(self, kinds):
        tangent, tname = self.hessian_tangent(kinds)
        return self.define([f"return tangent({{args}}, {tname}=v)[1]"], {"tangent": tangent},
                           extra=["v"])

    def hessian_tangent(self, kinds):
        """The tangent of the adjoint along the parameter, returning only the
        gradient's tangent, and the name of its tangent parameter."""
        adjoint = _transformed(self.fn, self.wrt, True, kinds).code.fn
        name, _ = _param_name(adjoint, self.wrt)
        transformed, tname = _tangent_of(adjoint, name, kinds, (1,))
        return transformed.code.fn, tname


class Hessian(Hvp):
    """The matrix of second derivatives with respect to one parameter; shape
    `x.shape + x.shape` (a float for a scalar parameter)."""

    kind = "hessian"

    @user_facing
    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        self.check_complex(args)
        position = self.structured(args)
        if position is not None:  # blocks [i][j] for leaves i and j (JAX's structure)
            like = args[position]
            rows = unravel_columns(np.moveaxis(self.of_raveled(args, position, kwargs), 0, -1),
                                   like)
            return map_leaves(lambda row: unravel_columns(np.moveaxis(row, 0, -1), like), rows)
        return super().__call__(*args, **kwargs)  # (Hvp's: checks the output is a number)

    def like_this(self, fn, wrt):
        return Hessian(fn, wrt)

    def make(self, kinds):
        if isinstance(self.wrt, (tuple, list)):
            return self.blocks(kinds)
        tangent, tname = self.hessian_tangent(kinds)
        x = self.position()
        return self.define([
            f"array_argument({x}, {self.fn.__name__!r})",
            "columns = []",
            f"for e in basis_of({x}):",
            f"    columns.append(tangent({{args}}, {tname}=e)[1])",
            f"return columns_to(columns, {x}, np.shape({x}))"],
            {"tangent": tangent, "array_argument": array_argument})

    def blocks(self, kinds):
        """JAX's nested blocks for a tuple `wrt`: item `[i][j]` is the Jacobian of
        the gradient along `wrt[i]` with respect to `wrt[j]`."""
        bindings, rows = {}, []
        for i, a in enumerate(self.wrt):
            row = []
            for j, b in enumerate(self.wrt):
                bindings[f"block_{i}_{j}"] = Jacobian(Gradient(self.fn, a), b).make(kinds)
                row.append(f"block_{i}_{j}({{args}}), ")
            rows.append(f"({''.join(row)})")
        return self.define([f"return ({', '.join(rows)},)"], bindings)


class Jacobian(Transform):
    """d f(*args) / d args[wrt], shape `out.shape + x.shape`, by one tangent sweep
    per input element ('forward') or one adjoint sweep per output element
    ('reverse'); `mode=None` picks the one with fewer sweeps when it runs."""

    kind = "jacobian"

    def __init__(self, fn: Fn, wrt: Wrt = 0, mode: str | None = None,
                 has_aux: bool = False) -> None:
        if mode not in (None, "forward", "reverse"):
            raise ValueError(f"mode must be 'forward', 'reverse' or None, not {mode!r}")
        super().__init__(fn, wrt)
        self.mode, self.has_aux = mode, has_aux

    @user_facing
    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        self.check_complex(args)
        position = self.structured(args)
        if position is not None:  # one Jacobian per leaf (JAX's structure)
            return unravel_columns(self.of_raveled(args, position, kwargs), args[position])
        return super().__call__(*args, **kwargs)

    def like_this(self, fn, wrt):
        return Jacobian(fn, wrt, self.mode)

    def make(self, kinds):
        if self.has_aux:  # (the Jacobian of the output alone, aux)
            bindings = {"fn": self.fn, "aux_of": aux_of,
                        "jacobian": Jacobian(with_aux(self.fn, "[0]"), self.wrt, self.mode)
                        .make(kinds)}
            return self.define([f"return jacobian({{args}}), aux_of(fn({{args}}), "
                                f"{self.fn.__name__!r})"], bindings)
        if isinstance(self.wrt, (tuple, list)):  # a tuple of Jacobians, as JAX
            bindings = {f"jacobian_{k}": Jacobian(self.fn, w, self.mode).make(kinds)
                        for k, w in enumerate(self.wrt)}
            return self.define(["return (" + "".join(f"{name}({{args}}), " for name in bindings)
                                + ")"], bindings)
        x = self.position()
        bindings = {"fn": self.fn, "array_output": array_output, "array_argument": array_argument}
        lines = [f"array_argument({x}, {self.fn.__name__!r})", "value = fn({copied})",
                 f"array_output(value, {self.fn.__name__!r})"]  # (fn may change x in place)
        sweeps, failed = {}, None
        for mode in ("forward", "reverse"):
            if self.mode in (None, mode):
                try:
                    sweeps[mode] = getattr(self, mode + "_sweeps")(x, kinds, bindings)
                except TranspileError as exc:  # mode=None: the other kind of sweep
                    failed = failed or exc
        if not sweeps or self.mode is not None and failed is not None:
            raise failed
        if len(sweeps) == 1:
            lines += next(iter(sweeps.values()))
        else:
            lines += [f"if np.size({x}) <= np.size(value):"] + \
                ["    " + line for line in sweeps["forward"]] + sweeps["reverse"]
        return self.define(lines, bindings, copy=x)

    def forward_sweeps(self, x, kinds, bindings):
        bindings["tangent"] = tangent = transform_forward(self.fn, [x], kinds=kinds).code.fn
        dot = list(inspect.signature(tangent).parameters)[-1]
        return ["columns = []",
                f"for e in basis_of({x}):",
                f"    columns.append(tangent({{args}}, {dot}=e)[1])",
                f"return columns_to(columns, {x}, np.shape(value))"]

    def reverse_sweeps(self, x, kinds, bindings):
        bindings["adjoint"] = adjoint = _transformed(self.fn, self.wrt, True, kinds).code.fn
        seed = list(inspect.signature(adjoint).parameters)[-1]
        return ["rows = []",
                "complex_value = np.iscomplexobj(value)",
                "for e in basis_of(value):",
                f"    row = adjoint({{args}}, {seed}=e)[1]",
                "    if complex_value:  # the real argument's gradient of Im(value)",
                f"        row = row - 1j * adjoint({{args}}, {seed}=1j * e)[1]",
                "    rows.append(row)",
                f"return rows_to(rows, value, {x})"]


def jvp(fn: Fn, *args: Any, wrt: Wrt = 0, argnums: Wrt | None = None,
        has_aux: bool = False) -> Any:
    """Forward mode: `jvp(f, wrt)(*args, tangents=t)` returns `(f(*args), df . t)`
    where `t` has the structure of `wrt` (one tangent, or a tuple of them).
    JAX's form `jvp(f, primals, tangents)` (three arguments) returns the same
    pair at once. With `has_aux=True`, `f` returns `(output, aux)` and the
    result is `(output, tangent, aux)`."""
    if len(args) == 2:
        return jax_jvp(fn, *args, has_aux=has_aux)
    if len(args) > 2:
        raise TypeError("jvp takes (f, wrt) or JAX's (f, primals, tangents), "
                        f"not {len(args) + 1} arguments")
    return Jvp(fn, chosen_wrt(args[0] if args else wrt, argnums), has_aux)


def vjp(fn: Fn, *args: Any, wrt: Wrt = 0, argnums: Wrt | None = None,
        has_aux: bool = False, checkpoint: bool | int = False) -> Any:
    """Reverse mode for any output: `value, pullback = vjp(f, wrt)(*args)`;
    `pullback(cotangent)` returns the gradient(s) of `sum(cotangent * f)`.
    JAX's form `vjp(f, *primals)` returns `(value, pullback)` at once, the
    pullback returning a tuple (one cotangent per primal); it is chosen when
    the arguments after `f` are not one `wrt` (an index, a name, a tuple of
    these). With `has_aux=True`, `f` returns `(output, aux)`, and the result
    has `aux` third. `checkpoint` as in `grad` (with the `wrt` form)."""
    if len(args) > 1 or args and not is_wrt(args[0]):
        if checkpoint:
            raise TypeError("vjp takes checkpoint= in the form vjp(f, wrt, checkpoint=...)")
        return jax_vjp(fn, args, has_aux=has_aux)
    fn = function_of(fn)
    wrt = chosen_wrt(args[0] if args else wrt, argnums)
    gradient = Gradient(with_aux(fn) if has_aux else fn, wrt, checkpoint=checkpoint)
    one_tuple = isinstance(wrt, (tuple, list)) and len(wrt) == 1

    def run(*args):
        adjoint = _adjoint_for(gradient, args)
        seed = list(inspect.signature(adjoint).parameters)[-1]
        value = fn(*_copies(args))  # run as Python, on copies: it may change them
        if has_aux:
            value, aux = split_aux(value, getattr(fn, "__name__", "f"))

        def pullback(cotangent):
            check_cotangent(fn, cotangent, value)
            grads = adjoint(*args, **{seed: (cotangent, None) if has_aux else cotangent})[1]
            return (grads,) if one_tuple else grads
        return (value, pullback, aux) if has_aux else (value, pullback)
    return run


def hvp(fn: Fn, wrt: Wrt = 0, *, argnums: Wrt | None = None) -> Hvp:
    """Hessian-vector product by forward-over-reverse: `hvp(f)(*args, v=v)`."""
    return Hvp(fn, chosen_wrt(wrt, argnums))


def hessian(fn: Fn, wrt: Wrt = 0, *, argnums: Wrt | None = None) -> Hessian:
    """The matrix of second derivatives with respect to one parameter; shape
    `x.shape + x.shape` (a float for a scalar parameter). For a tuple `wrt`,
    JAX's nested blocks: `hessian(f, (0, 1))(x, y)[0][1]` is d2f/dx dy."""
    return Hessian(fn, chosen_wrt(wrt, argnums))


def jacobian(fn: Fn, wrt: Wrt = 0, mode: str | None = None, *, argnums: Wrt | None = None,
             has_aux: bool = False) -> Any:
    """d f(*args) / d args[wrt], shape `out.shape + x.shape`. `mode` is 'forward'
    (one tangent sweep per input element), 'reverse' (one adjoint sweep per
    output element) or None: whichever needs fewer sweeps. A tuple `wrt` gives
    a tuple of Jacobians; `has_aux=True` returns `(jacobian, aux)`."""
    return Jacobian(fn, chosen_wrt(wrt, argnums), mode, has_aux)


def jax_jvp(fn: Callable, primals: Any, tangents: Any, has_aux: bool = False) -> tuple:
    """`jvp(f, primals, tangents)` -> `(out, tangent_out)`, JAX's form: the
    directional derivative along `tangents`, one per primal."""
    for what, value in (("primals", primals), ("tangents", tangents)):
        if not isinstance(value, (tuple, list)):
            raise TypeError(f"jvp(f, primals, tangents): {what} must be a tuple or list "
                            f"(one item per argument of f), not {type(value).__name__}")
    if len(primals) != len(tangents):
        raise TypeError(f"jvp(f, primals, tangents): {len(primals)} primals but "
                        f"{len(tangents)} tangents")
    for k, (p, t) in enumerate(zip(primals, tangents)):
        if np.shape(p) != np.shape(t):
            raise ValueError(f"jvp: tangent {k} has shape {np.shape(t)}, its primal "
                             f"{np.shape(p)}")
    wrt = tuple(range(len(primals)))
    return jvp(fn, wrt, has_aux=has_aux)(*primals, tangents=tuple(tangents))


def jax_vjp(fn: Callable, primals: tuple, has_aux: bool = False) -> tuple:
    """`vjp(f, *primals)` -> `(out, vjp_fn)`, JAX's form: `vjp_fn(ct)` returns a
    tuple with the cotangent of every primal."""
    if not primals:
        raise TypeError("vjp(f, *primals) needs at least one primal")
    return vjp(fn, tuple(range(len(primals))), has_aux=has_aux)(*primals)
