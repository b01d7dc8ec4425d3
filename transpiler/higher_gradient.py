"""`grad(grad(f))`: the gradient of a gradient, as the tangent of its adjoint
along each parameter (forward over reverse), built on `higher`'s tangents.

    >>> from transpiler import grad
    >>> def cube(x):
    ...     return x ** 3
    >>> grad(grad(cube))(2.0)
    12.0
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .backend.codegen import all_sources
from .frontend.callables import Target, _identifier
from .higher import (_basis, _complex_second_order, _define_like, _kinds, _param_name,
                     _tangent_of)
from .hints import Wrt
from .tracebacks import user_facing

class HigherGradient:
    """The gradient of a gradient (see module docstring). Nesting works for
    scalar parameters; for an array parameter the result is assembled from one
    tangent sweep per element."""

    def __init__(self, inner: Any, wrt: Wrt = 0) -> None:
        self.inner, self.wrt = inner, wrt
        self.fn = inner.fn
        self._last = None

    # the protocol HigherGradient shares with Gradient (see api.Gradient)
    def base_for(self, args):
        base, name, tname = self._tangent(args)
        return base.code.fn

    def fixed_for(self, args):
        base, name, tname = self._tangent(args)
        return {**self.inner.fixed_for(args), tname: 1.0}

    path = (1,)  # this level's functions return (inner derivative, its tangent)

    def _tangent(self, args):
        inner_base = self.inner.base_for(args)
        name, _ = _param_name(inner_base, self.wrt)
        kinds = None if args is None else _kinds(args)
        transformed, tname = _tangent_of(inner_base, name, kinds, self.inner.path)
        self._last = transformed
        return transformed, name, tname

    @property
    def source(self) -> str:
        """The generated code of the latest call."""
        return self._last.code.source if self._last else ""

    @property
    def sources(self):
        """`.source`, then the generated code of the user's functions it calls."""
        return all_sources(self._last.code) if self._last else ""

    def __tapeless_target__(self, args=None, kwnames=()):
        """This derivative as generated Python: one tangent sweep per element of
        the parameter, put together in its shape."""
        transformed, name, tname = self._tangent(args)
        fixed = self.inner.fixed_for(args)
        bindings = {"tangent": transformed.code.fn}
        given = []
        for k, (param, value) in enumerate(fixed.items()):
            bindings[f"seed_{k}"] = value
            given.append(f"{param}=seed_{k}")
        x = _param_name(self.fn, self.wrt)[0]
        fn = _define_like(self.fn, _identifier("grad_" + getattr(self.inner, "__name__", "f")), [
            "columns = []",
            f"for e in basis_of({x}):",
            f"    columns.append(tangent({{args}}, {', '.join(given + [tname + '=e'])})[1])",
            f"return columns_to(columns, {x}, ())"], bindings)
        return Target(fn)

    @user_facing
    def __call__(self, *args: Any) -> Any:
        transformed, name, tname = self._tangent(args)
        fn = transformed.code.fn
        fixed = self.inner.fixed_for(args)
        _, position = _param_name(fn, name)
        x: Any = args[position] if position < len(args) else None
        if np.iscomplexobj(x):
            _complex_second_order("grad of a gradient")
        results = {}
        for idx, e in _basis(x):
            value = fn(*args, **fixed, **{tname: e})[1]
            if np.ndim(value) != 0:
                raise TypeError("grad of a gradient needs the inner gradient to be a scalar "
                                f"(it has shape {np.shape(value)}); use hessian or jacobian")
            results[idx] = value
        if None in results:
            return results[None]
        grad = np.zeros(np.shape(x))
        for idx, value in results.items():
            grad[idx] = value
        return grad
