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

from .frontend.callables import Target, _identifier, calling, define, function_of, parameters
from .rules.table import adjoint, nondifferentiable, tangent


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
