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

import numpy as np

from .kinds import kind_of_value
from .pipeline import transform_forward

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


class HigherGradient:
    """The gradient of a gradient (see module docstring). Nesting works for
    scalar parameters; for an array parameter the result is assembled from one
    tangent sweep per element."""

    def __init__(self, inner, wrt=0):
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
        kinds = _kinds(args)
        transformed, tname = _tangent_of(inner_base, name, kinds, self.inner.path)
        self._last = transformed
        return transformed, name, tname

    @property
    def source(self):
        """The generated code of the latest call."""
        return self._last.code.source if self._last else ""

    def __call__(self, *args):
        transformed, name, tname = self._tangent(args)
        fn = transformed.code.fn
        fixed = self.inner.fixed_for(args)
        _, position = _param_name(fn, name)
        x = args[position] if position < len(args) else None
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


def _adjoint_for(gradient, args):
    """The compiled adjoint of a `Gradient` specialized to `args`."""
    return gradient._specialize(args)


def jvp(fn, wrt=0):
    """Forward mode: `jvp(f, wrt)(*args, tangents=t)` returns `(f(*args), df . t)`
    where `t` has the structure of `wrt` (one tangent, or a tuple of them)."""
    many = isinstance(wrt, (tuple, list))

    names = [_param_name(fn, w)[0] for w in (wrt if many else (wrt,))]
    compiled = {}  # argument kinds -> (tangent function, its tangent parameters)

    def run(*args, tangents):
        kinds = _kinds(args)
        if kinds not in compiled:
            t = transform_forward(fn, names, kinds=kinds)
            compiled[kinds] = (t.code.fn, list(inspect.signature(t.code.fn).parameters)[
                -len(names):])
        tangent_fn, params = compiled[kinds]
        values = tangents if many else (tangents,)
        return tangent_fn(*args, **dict(zip(params, values)))
    run.__name__ = f"jvp_{getattr(fn, '__name__', 'f')}"
    return run


def vjp(fn, wrt=0):
    """Reverse mode for any output: `value, pullback = vjp(f)(*args)`;
    `pullback(cotangent)` returns the gradient(s) of `sum(cotangent * f)`."""
    from .api import Gradient
    gradient = Gradient(fn, wrt)

    def run(*args):
        adjoint = _adjoint_for(gradient, args)
        seed = list(inspect.signature(adjoint).parameters)[-1]
        value = fn(*_copies(args))  # run as Python, on copies: it may change them

        def pullback(cotangent):
            if np.shape(cotangent) != np.shape(value):
                raise ValueError(f"the pullback of {getattr(fn, '__name__', 'f')} needs a "
                                 f"cotangent of the output's shape {np.shape(value)}, not "
                                 f"{np.shape(cotangent)}")
            return adjoint(*args, **{seed: cotangent})[1]
        return value, pullback
    return run


def _copies(args):
    from .api import _copies
    return _copies(args)


def _scalar_output(fn, args):
    """hvp and hessian are defined for a function with one number as output."""
    from .api import _copies, _is_scalar, _not_scalar
    value = fn(*_copies(args))
    if not _is_scalar(value):
        _not_scalar(fn, value)


def hvp(fn, wrt=0):
    """Hessian-vector product by forward-over-reverse: `hvp(f)(*args, v)`."""
    from .api import Gradient
    gradient = Gradient(fn, wrt)

    def run(*args, v):
        adjoint = _adjoint_for(gradient, args)
        _scalar_output(fn, args)
        name, _ = _param_name(adjoint, wrt)
        transformed, tname = _tangent_of(adjoint, name, _kinds(args), (1,))
        return transformed.code.fn(*args, **{tname: v})[1]
    return run


def hessian(fn, wrt=0):
    """The matrix of second derivatives with respect to one parameter; shape
    `x.shape + x.shape` (a float for a scalar parameter)."""
    product = hvp(fn, wrt)

    def run(*args):
        x = args[_param_name(fn, wrt)[1]]
        columns = {idx: product(*args, v=e) for idx, e in _basis(x)}
        if None in columns:
            return columns[None]
        shape = np.shape(x)
        out = np.zeros(shape + shape)
        for idx, col in columns.items():
            out[(Ellipsis,) + idx] = col
        return out
    return run


def jacobian(fn, wrt=0, mode=None):
    """d f(*args) / d args[wrt], shape `out.shape + x.shape`. `mode` is 'forward'
    (one tangent sweep per input element), 'reverse' (one adjoint sweep per
    output element) or None: whichever needs fewer sweeps."""
    def run(*args):
        x = args[_param_name(fn, wrt)[1]]
        value = fn(*_copies(args))  # run as Python, on copies: it may change them
        n, m = int(np.size(x)), int(np.size(value))
        chosen = mode or ("forward" if n <= m else "reverse")
        out = np.zeros(np.shape(value) + np.shape(x))
        if chosen == "forward":
            tangent = jvp(fn, wrt)
            for idx, e in _basis(x):
                column = tangent(*args, tangents=e)[1]
                out[(Ellipsis,) + (idx or ())] = column
        elif chosen == "reverse":
            _, pullback = vjp(fn, wrt)(*args)
            for idx, e in _basis(value):
                out[idx or ()] = pullback(e)
        else:
            raise ValueError(f"mode must be 'forward', 'reverse' or None, not {mode!r}")
        return out if out.ndim else float(out)
    return run
