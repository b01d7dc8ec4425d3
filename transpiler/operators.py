"""`grad` and `value_and_grad`, the operators users call first, and JAX's
`linearize`, `jacfwd` and `jacrev`: each picks the transform object for its
function (a `Gradient`, a `HigherGradient` of a gradient, an `AuxGradient`
with `has_aux=True`, a `BoundGradient` of a method) built in `api`,
`higher` and `compat`.

    >>> from transpiler import grad
    >>> grad(lambda x: x ** 3)(2.0)
    12.0
"""
from __future__ import annotations

import functools
import inspect
from typing import Any, Callable, overload

import numpy as np

from runtime.helpers import ones_like
from .api import Gradient
from .arguments import _bind, _complex_output, _copies, _explain, _is_scalar, _not_scalar
from .compat import aux_result, chosen_wrt, real_part, with_aux
from .frontend.callables import Target, _identifier, calling, function_of
from .higher import Jvp, jacobian
from .higher_gradient import HigherGradient
from .hints import Fn, Wrt


@overload
def grad(fn: None = None, wrt: Wrt = 0, optimize: bool = True, *, argnums: Wrt | None = None, has_aux: bool = False,
         holomorphic: bool = False) -> Callable[[Fn], Any]: ...
@overload
def grad(fn: Gradient | HigherGradient, wrt: Wrt = 0,  # type: ignore[overload-overlap]
         optimize: bool = True, *, argnums: Wrt | None = None, has_aux: bool = False,
         holomorphic: bool = False) -> HigherGradient: ...
@overload
def grad(fn: Fn, wrt: Wrt = 0, optimize: bool = True, *, argnums: Wrt | None = None, has_aux: bool = False,
         holomorphic: bool = False) -> Gradient: ...
def grad(fn: Fn | None = None, wrt: Wrt = 0, optimize: bool = True, *, argnums: Wrt | None = None, has_aux: bool = False,
         holomorphic: bool = False) -> Any:
    """The gradient of scalar-valued `fn` with respect to parameter(s) `wrt`.

    `wrt` is an index, a parameter name, or a tuple of these (then a tuple of
    gradients is returned); `argnums` is JAX's name for it. Usable as `@grad`
    and `@grad(wrt=...)`. With `has_aux=True`, `fn` returns `(output, aux)` and
    the call returns `(gradient, aux)`. With `holomorphic=True`, `fn` is a
    complex function of a complex argument and the call returns f'(z).
    """
    wrt = chosen_wrt(wrt, argnums)
    if fn is None:
        return lambda f: grad(f, wrt, optimize, has_aux=has_aux, holomorphic=holomorphic)
    if holomorphic:
        if has_aux:
            raise TypeError("grad(..., holomorphic=True) does not take has_aux=True")
        fn = real_part(function_of(fn))
    if has_aux:
        return _with_aux(fn, wrt, False, optimize)
    if isinstance(fn, (Gradient, HigherGradient)):
        if isinstance(fn, Gradient) and fn.with_value:
            raise TypeError("take grad of grad(f), not of value_and_grad(f)")
        return HigherGradient(fn, wrt)
    if inspect.ismethod(fn):
        return BoundGradient(Gradient(fn.__func__, _after_self(wrt), optimize=optimize),
                             fn.__self__)
    return Gradient(function_of(fn), wrt, optimize=optimize)


@overload
def value_and_grad(fn: None = None, wrt: Wrt = 0, optimize: bool = True,
                   *, argnums: Wrt | None = None, has_aux: bool = False) -> Callable[[Fn], Gradient]: ...
@overload
def value_and_grad(fn: Fn, wrt: Wrt = 0, optimize: bool = True,
                   *, argnums: Wrt | None = None, has_aux: bool = False) -> Gradient: ...
def value_and_grad(fn: Fn | None = None, wrt: Wrt = 0, optimize: bool = True,
                   *, argnums: Wrt | None = None, has_aux: bool = False) -> Any:
    """Like `grad`, but the call returns `(value, gradient)` (with `has_aux=True`,
    `((value, aux), gradient)`)."""
    wrt = chosen_wrt(wrt, argnums)
    if fn is None:
        return lambda f: value_and_grad(f, wrt, optimize, has_aux=has_aux)
    if has_aux:
        return _with_aux(fn, wrt, True, optimize)
    if inspect.ismethod(fn):
        return BoundGradient(Gradient(fn.__func__, _after_self(wrt), with_value=True,
                                      optimize=optimize), fn.__self__)
    return Gradient(function_of(fn), wrt, with_value=True, optimize=optimize)


def _with_aux(fn, wrt, with_value, optimize):
    """`grad(f, has_aux=True)` (see `compat.AuxGradient`)."""
    if inspect.ismethod(fn):
        return BoundGradient(AuxGradient(fn.__func__, _after_self(wrt), with_value, optimize),
                             fn.__self__)
    return AuxGradient(function_of(fn), wrt, with_value, optimize)


def _after_self(wrt):
    """`wrt` of a bound method, for its function (positions move past `self`)."""
    if isinstance(wrt, (tuple, list)):
        return tuple(_after_self(w) for w in wrt)
    return wrt + 1 if isinstance(wrt, int) else wrt


class BoundGradient:
    """The gradient of a bound method `obj.f`: the gradient of `type(obj).f` with
    `obj` passed first, and not differentiated (its attributes are constants)."""

    def __init__(self, gradient: Gradient, obj: object) -> None:
        self.gradient, self.obj = gradient, obj
        functools.update_wrapper(self, gradient.fn)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.gradient(self.obj, *args, **kwargs)

    def compile(self, *example_args: Any) -> BoundGradient:
        self.gradient.compile(*((self.obj,) + example_args if example_args else ()))
        return self

    def __tapeless_target__(self, args=None, kwnames=()):
        return Target(self.gradient.__tapeless_target__().fn, (self.obj,))

    def debug(self, *args: Any, **kwargs: Any) -> Any:
        return self.gradient.debug(self.obj, *args, **kwargs)

    def __getattr__(self, name: str) -> Any:  # .source, .ssa, .transformed
        return getattr(self.gradient, name)


class AuxGradient:
    """`grad(f, has_aux=True)`: the call returns `(gradient, aux)`, and
    `value_and_grad(f, has_aux=True)` returns `((value, aux), gradient)`."""

    def __init__(self, fn, wrt=0, with_value=False, optimize=True):
        self.fn, self.wrt, self.with_value = fn, wrt, with_value
        self.gradient = Gradient(with_aux(fn), wrt, optimize=optimize)
        functools.update_wrapper(self, fn)

    def __call__(self, *args, **kwargs):
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


def linearize(fn: Callable, *primals: Any) -> tuple[Any, Callable[..., Any]]:
    """`out, f_jvp = linearize(f, *primals)`, as JAX: `f_jvp(*tangents)` is the
    Jacobian of `f` at `primals` times the tangents (one per primal). Each call
    runs one tangent sweep (nothing is stored from the first one).

        >>> out, f_jvp = linearize(lambda x: x ** 3, 2.0)
        >>> out, float(f_jvp(1.0))
        (8.0, 12.0)
    """
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
    return jacobian(fn, argnums, mode="forward", has_aux=has_aux)


def jacrev(fn: Callable, argnums: Any = 0, has_aux: bool = False) -> Callable:
    """JAX's `jacrev`: the Jacobian by one adjoint sweep per output element."""
    return jacobian(fn, argnums, mode="reverse", has_aux=has_aux)
