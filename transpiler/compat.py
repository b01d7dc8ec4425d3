"""JAX's call forms and `has_aux`, built on the transforms of `api` and `higher`.

`has_aux=True` says that `f` returns a pair `(output, aux)`: the output is
differentiated, `aux` is passed back as it is (as in JAX). The reverse sweep
runs over a generated wrapper, `def f_with_aux(x): return split_aux(f(x), 'f')`,
whose rule starts the sweep from the output alone, so `f` runs once per call.

JAX's forms beside ours: `jvp(f, primals, tangents)`, `vjp(f, *primals)` and
`linearize(f, *primals)` differentiate with respect to every primal; `jvp`
and `vjp` choose the form by their arguments (see `is_wrt`). A Jacobian or
Hessian with respect to a dict, tuple or structure is taken along its
raveled numbers (`flat_argument`) and split by leaves, as JAX structures it.

    >>> import numpy as np
    >>> from transpiler import grad, vjp
    >>> def loss(w):
    ...     err = w - 1.0
    ...     return np.sum(err ** 2), err
    >>> grad(loss, has_aux=True)(np.array([3.0]))
    (array([4.]), array([2.]))
    >>> out, pullback = vjp(lambda x, y: x * y, 2.0, 3.0)
    >>> pullback(1.0)
    (3.0, 2.0)
"""
from __future__ import annotations

import functools
import inspect
from typing import Any, Callable

import numpy as np

from runtime.containers import unravel
from runtime.helpers import ones_like, zeros_like
from runtime.structures import is_structure

from .callables import Target, _identifier, calling, define, function_of, parameters
from .rules import adjoint, nondifferentiable, tangent


# -- has_aux ----------------------------------------------------------------------

def check_pair(out: Any, name: str) -> None:
    """The error for `has_aux=True` when `name` does not return a pair."""
    if type(out) is not tuple or len(out) != 2:
        what = f"a tuple of {len(out)} items" if type(out) is tuple else \
            f"a {type(out).__name__}"
        raise TypeError(f"has_aux=True needs {name} to return a pair (output, aux), "
                        f"but it returned {what}")


def array_output(value: Any, name: str) -> None:
    """The error for a Jacobian of a function returning a container."""
    if isinstance(value, (tuple, list, dict)):
        what = f"a tuple of {len(value)} items" if type(value) is tuple else \
            f"a {type(value).__name__}"
        raise TypeError(f"jacobian needs {name} to return an array or a number, but it "
                        f"returned {what}; take the jacobian of each item, or pass "
                        "has_aux=True to return (output, aux)")


def array_argument(value: Any, name: str) -> None:
    """The error for a Jacobian or Hessian along a structured argument of `name`
    inside differentiated code (a direct call splits it by leaves)."""
    if isinstance(value, (tuple, list, dict)) or is_structure(value):
        raise TypeError(f"a jacobian or hessian of {name} with respect to a "
                        f"{type(value).__name__} is taken leaf by leaf only when called "
                        "directly, not inside differentiated code; pass the numbers as one "
                        "array (runtime.containers.flatten)")


nondifferentiable(check_pair, array_output, array_argument)


def split_aux(out, name):
    """`(output, aux)` of a function's result (checked to be a pair)."""
    check_pair(out, name)
    return out[0], out[1]


@adjoint(split_aux, wrt=("out",))
def split_aux_vjp(g, ans, out, name):
    """The reverse sweep of a has_aux gradient starts from the output alone."""
    return output_cotangent(g, out)


def output_cotangent(g, out):
    """The cotangent of a pair `(output, aux)`: the seed of a has_aux gradient
    is `(1.0, None)`, and None stands for zeros (an outer reverse sweep, which
    differentiates that gradient, passes aux's real cotangent)."""
    if g[1] is None:
        return g[0], zeros_like(out[1])
    return g[0], g[1]


@tangent(split_aux, "out")
def split_aux_tangent(dout, ans, out, name):
    return dout  # an outer forward sweep sees both halves change


def aux_of(out, name):
    """The `aux` half of a function's result (checked to be a pair)."""
    check_pair(out, name)
    return out[1]


def with_aux(fn: Callable, part: str = "") -> Callable:
    """`def f_with_aux(<f's parameters>): return split_aux(f(...), 'f')<part>`:
    `part="[0]"` gives the function of the output alone."""
    shown = getattr(fn, "__name__", "f")
    name = _identifier(shown)
    wrapper = name + ("_with_aux" if not part else "_output")
    return calling(fn, wrapper, f"split_aux({name}({{args}}), {shown!r}){part}",
                   {name: fn, "split_aux": split_aux})


def real_part(fn: Callable) -> Callable:
    """`def f_real(<f's parameters>): return np.real(f(...))`: its gradient is
    f'(z) for a holomorphic f (autograd's `holomorphic_grad`)."""
    name = _identifier(getattr(fn, "__name__", "f"))
    return calling(fn, name + "_real", f"np.real({name}({{args}}))", {name: fn, "np": np})


class AuxGradient:
    """`grad(f, has_aux=True)`: the call returns `(gradient, aux)`, and
    `value_and_grad(f, has_aux=True)` returns `((value, aux), gradient)`."""

    def __init__(self, fn, wrt=0, with_value=False, optimize=True, checkpoint=False):
        from .api import Gradient
        self.fn, self.wrt, self.with_value = fn, wrt, with_value
        self.gradient = Gradient(with_aux(fn), wrt, optimize=optimize, checkpoint=checkpoint)
        functools.update_wrapper(self, fn)

    def __call__(self, *args, **kwargs):
        from .api import _bind, _complex_output, _explain, _is_scalar, _not_scalar
        if kwargs:
            _bind(self.fn, args, kwargs)
            compiled = self.gradient.compile()._generic
        else:
            compiled = self.gradient._specialize(args)
        seed = list(inspect.signature(compiled).parameters)[-1]
        try:
            result = compiled(*args, **kwargs, **{seed: (1.0, None)})
            value = result[0][0]
            if type(value) is not float and _is_scalar(value) and np.ndim(value) != 0:
                result = compiled(*args, **kwargs, **{seed: (ones_like(value), None)})
        except Exception as exc:
            _explain(exc)
            raise
        if np.iscomplexobj(value):
            _complex_output(self.fn)
        if not _is_scalar(value):
            _not_scalar(self.fn, value)
        return aux_result(result, self.with_value, self.gradient.one_tuple)

    def __tapeless_target__(self, args=None, kwnames=()):
        """This gradient as generated Python, for other transforms."""
        adjoint = self.gradient.compile()._generic
        seed = list(inspect.signature(adjoint).parameters)[-1]
        name = _identifier("grad_" + self.fn.__name__)
        body = (f"aux_result({name}_adjoint({{args}}, {seed}=(1.0, None)), "
                f"{self.with_value}, {self.gradient.one_tuple})")
        return Target(calling(self.fn, name, body, {f"{name}_adjoint": adjoint,
                                                    "aux_result": aux_result}))

    def __getattr__(self, name):  # .source, .ssa, .transformed
        return getattr(self.gradient, name)

    def __repr__(self):
        kind = "value_and_grad" if self.with_value else "grad"
        return f"<{kind} of {self.fn.__qualname__} wrt={self.wrt!r} has_aux=True>"


def aux_result(result, with_value, one_tuple):
    """What a has_aux gradient returns, from its adjoint's `((value, aux), grads)`."""
    grads = (result[1],) if one_tuple else result[1]
    if with_value:
        return result[0], grads
    return grads, result[0][1]


def jvp_aux(result, name):
    """(output, its tangent, aux) from a tangent function's result."""
    check_pair(result[0], name)
    return result[0][0], result[1][0], result[0][1]


# -- structured arguments and outputs ------------------------------------------------

def is_container(value: Any) -> bool:
    """A dict, tuple, list or structure (differentiated leaf by leaf)."""
    return isinstance(value, (tuple, list, dict)) or is_structure(value)


def flat_argument(fn: Callable, position: int) -> Callable:
    """`def f_flat(a, x, b, *, like=None): return f(a, unravel(x, like), b)`: `fn`
    of the raveled numbers of its argument at `position`."""
    name = _identifier(getattr(fn, "__name__", "f"))
    bindings = {name: fn, "unravel": unravel}
    params, args = parameters(fn, name, bindings)
    if any(p.startswith("*") and p != "*" for p in params) or len(params) <= position:
        raise TypeError(f"a jacobian or hessian of {name} with respect to a structured "
                        "argument needs a function without *args")
    args[position] = f"unravel({args[position]}, like)"
    like = ["like=None"] if "*" in params else ["*", "like=None"]  # (after any defaults)
    source = f"def {name}_flat({', '.join(params + like)}):\n" \
        f"    return {name}({', '.join(args)})\n"
    return define(f"{name}_flat", source, bindings)


def check_cotangent(fn: Callable, cotangent: Any, value: Any) -> None:
    """A cotangent has the output's structure and shapes (else ValueError)."""
    if isinstance(value, (tuple, list)) and isinstance(cotangent, (tuple, list)) and \
            len(value) == len(cotangent):
        for c, v in zip(cotangent, value):
            check_cotangent(fn, c, v)
    elif isinstance(value, dict) and isinstance(cotangent, dict) and \
            set(value) == set(cotangent):
        for k in value:
            check_cotangent(fn, cotangent[k], value[k])
    elif isinstance(value, (tuple, list, dict)) or np.shape(cotangent) != np.shape(value):
        raise ValueError(f"the pullback of {getattr(fn, '__name__', 'f')} needs a cotangent "
                         f"of the output's structure and shape {_shape_text(value)}, not "
                         f"{_shape_text(cotangent)}")


def _shape_text(value):
    if isinstance(value, (tuple, list)):
        return "(" + "".join(_shape_text(v) + ", " for v in value) + ")"
    if isinstance(value, dict):
        return "{" + "".join(f"{k!r}: {_shape_text(v)}, " for k, v in value.items()) + "}"
    return str(np.shape(value))


# -- JAX's call forms ---------------------------------------------------------------

def is_wrt(value: Any) -> bool:
    """Whether `vjp(f, value)` names parameters (our form: an index, a name, or
    a tuple of these) rather than passing a primal (JAX's form)."""
    if isinstance(value, (tuple, list)):
        return len(value) > 0 and all(is_wrt(v) for v in value)
    return isinstance(value, str) or (isinstance(value, int) and not isinstance(value, bool))


def chosen_wrt(wrt: Any, argnums: Any) -> Any:
    """`argnums` (JAX's name) or `wrt` (ours), not both."""
    if argnums is None:
        return wrt
    if wrt != 0 and wrt != argnums:
        raise TypeError(f"give wrt= or argnums= (the same thing), not both: wrt={wrt!r}, "
                        f"argnums={argnums!r}")
    return argnums


def jax_jvp(fn: Callable, primals: Any, tangents: Any, has_aux: bool = False) -> tuple:
    """`jvp(f, primals, tangents)` -> `(out, tangent_out)`, JAX's form: the
    directional derivative along `tangents`, one per primal."""
    from .higher import jvp
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
    from .higher import vjp
    if not primals:
        raise TypeError("vjp(f, *primals) needs at least one primal")
    return vjp(fn, tuple(range(len(primals))), has_aux=has_aux)(*primals)


def linearize(fn: Callable, *primals: Any) -> tuple[Any, Callable[..., Any]]:
    """`out, f_jvp = linearize(f, *primals)`, as JAX: `f_jvp(*tangents)` is the
    Jacobian of `f` at `primals` times the tangents (one per primal). Each call
    runs one tangent sweep (nothing is stored from the first one).

        >>> out, f_jvp = linearize(lambda x: x ** 3, 2.0)
        >>> out, float(f_jvp(1.0))
        (8.0, 12.0)
    """
    from .api import _copies
    from .higher import Jvp
    fn = function_of(fn)
    if not primals:
        raise TypeError("linearize(f, *primals) needs at least one primal")
    transform = Jvp(fn, tuple(range(len(primals))))
    primals = _copies(primals)
    out = fn(*_copies(primals))

    def f_jvp(*tangents):
        if len(tangents) != len(primals):
            raise TypeError(f"the linearized {getattr(fn, '__name__', 'f')} takes "
                            f"{len(primals)} tangents (one per primal), not {len(tangents)}")
        return transform(*primals, tangents=tangents)[1]
    return out, f_jvp


def jacfwd(fn: Callable, argnums: Any = 0, has_aux: bool = False) -> Callable:
    """JAX's `jacfwd`: the Jacobian by one tangent sweep per input element."""
    from .higher import jacobian
    return jacobian(fn, argnums, mode="forward", has_aux=has_aux)


def jacrev(fn: Callable, argnums: Any = 0, has_aux: bool = False) -> Callable:
    """JAX's `jacrev`: the Jacobian by one adjoint sweep per output element."""
    from .higher import jacobian
    return jacobian(fn, argnums, mode="reverse", has_aux=has_aux)
