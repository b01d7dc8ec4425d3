"""HIPS autograd's names and signatures, so that its users' imports can simply
be redirected: `from autograd import grad, jacobian` becomes
`from transpiler.autograd import grad, jacobian`, `import autograd.numpy as np`
becomes `import numpy as np`, and `check_grads` (autograd.test_util),
`flatten`, `flatten_func` (autograd.misc) and `sgd`, `rmsprop`, `adam`
(autograd.misc.optimizers) are here too.

Every operator takes autograd's `argnum` (an index or a tuple of them) and
returns what autograd's does; each is one or two of tapeless's transforms.

    >>> import numpy as np
    >>> from transpiler.autograd import elementwise_grad
    >>> d_tanh = elementwise_grad(np.tanh)
    >>> np.round(elementwise_grad(d_tanh)(np.array([0.0, 1.0])), 6)
    array([ 0.    , -0.6397])
"""
from __future__ import annotations

import inspect
from collections import OrderedDict
from typing import Any, Callable, Union

Argnum = Union[int, tuple, list]

import numpy as np

from runtime.containers import flatten, flatten_func, ravel
from runtime.helpers import ones_like
from runtime.optim import adam, rmsprop, sgd

from . import higher, operators
from .frontend.callables import _identifier, calling, define, function_of
from .compat import real_part

__all__ = ["grad", "value_and_grad", "elementwise_grad", "deriv", "jacobian", "hessian",
           "holomorphic_grad", "grad_named", "grad_and_aux", "make_vjp", "make_jvp",
           "make_hvp", "hessian_tensor_product", "hessian_vector_product",
           "tensor_jacobian_product", "vector_jacobian_product", "multigrad_dict",
           "check_grads", "flatten", "flatten_func", "sgd", "rmsprop", "adam"]


def grad(fun: Callable, argnum: Argnum = 0) -> Callable:
    """The gradient of scalar-valued `fun` with respect to argument `argnum`."""
    return operators.grad(fun, argnum)


def value_and_grad(fun: Callable, argnum: Argnum = 0) -> Callable:
    """`(fun(*args), gradient)`."""
    return operators.value_and_grad(fun, argnum)


def grad_and_aux(fun: Callable, argnum: Argnum = 0) -> Callable:
    """`(gradient of the first output, second output)` of a function returning two."""
    return operators.grad(fun, argnum, has_aux=True)


def grad_named(fun: Callable, argname: str) -> Callable:
    """The gradient with respect to the parameter called `argname`."""
    return operators.grad(fun, argname)


def holomorphic_grad(fun: Callable, argnum: Argnum = 0) -> Callable:
    """f'(z) of a holomorphic `fun` (the gradient of its real part)."""
    return operators.grad(real_part(function_of(fun)), argnum)


def jacobian(fun: Callable, argnum: Argnum = 0) -> Callable:
    """Shape `out.shape + x.shape`."""
    return higher.jacobian(fun, argnum)


def hessian(fun: Callable, argnum: Argnum = 0) -> Callable:
    """Shape `x.shape + x.shape`."""
    return higher.hessian(fun, argnum)


def _summed(fun):
    """`def f_summed(<fun's parameters>): return np.sum(fun(...))`."""
    name = _identifier(getattr(fun, "__name__", "f"))
    return calling(fun, name + "_summed", f"np.sum({name}({{args}}))", {name: fun, "np": np})


def elementwise_grad(fun: Callable, argnum: Argnum = 0) -> Callable:
    """The sum of the Jacobian's rows in one reverse sweep (the derivative of an
    elementwise function, elementwise): the gradient of `np.sum(fun(...))`.
    Being a gradient, it nests: `elementwise_grad(elementwise_grad(f))`."""
    return operators.grad(_summed(function_of(fun)), argnum)


def deriv(fun: Callable, argnum: Argnum = 0) -> Callable:
    """The tangent of `fun` along a direction of ones (one forward sweep)."""
    fun = function_of(fun)
    name = _identifier(getattr(fun, "__name__", "f"))
    param = list(inspect.signature(fun).parameters)[argnum]
    return calling(fun, name + "_deriv", f"{name}_jvp({{args}}, tangents=ones_like({param}))[1]",
                   {f"{name}_jvp": higher.jvp(fun, argnum), "ones_like": ones_like})


def make_vjp(fun: Callable, argnum: Argnum = 0) -> Callable:
    """`vjp, ans = make_vjp(f)(*args)`: autograd's order (the pullback first)."""
    run = higher.vjp(fun, argnum)

    def vjp_and_value(*args, **kwargs):
        value, pullback = run(*args, **kwargs)
        return pullback, value
    return vjp_and_value


def make_jvp(fun: Callable, argnum: Argnum = 0) -> Callable:
    """`make_jvp(f)(*args)(v)` -> `(ans, the tangent along v)`."""
    transform = higher.jvp(fun, argnum)

    def at(*args):
        return lambda v: transform(*args, tangents=v)
    return at


def make_hvp(fun: Callable, argnum: Argnum = 0) -> Callable:
    """`hvp, grad_value = make_hvp(f)(*args)`: the pullback of the gradient."""
    return make_vjp(operators.grad(fun, argnum), argnum)


def hessian_tensor_product(fun: Callable, argnum: Argnum = 0) -> Callable:
    """`hvp(*args, vector)`: the Hessian times `vector` (of the argument's shape),
    in one forward-over-reverse sweep."""
    transform = higher.hvp(fun, argnum)

    def product(*args):
        *args, vector = args
        if np.shape(vector) != np.shape(args[argnum]):
            raise ValueError(f"hessian_vector_product: the vector has shape {np.shape(vector)}, "
                             f"the argument {np.shape(args[argnum])}")
        return transform(*args, v=vector)
    return product


hessian_vector_product = hessian_tensor_product


def tensor_jacobian_product(fun: Callable, argnum: Argnum = 0) -> Callable:
    """`vjp(*args, vector)`: `vector` (of the output's shape) times the Jacobian."""
    run = higher.vjp(fun, argnum)

    def product(*args):
        *args, vector = args
        return run(*args)[1](vector)
    return product


vector_jacobian_product = tensor_jacobian_product


def multigrad_dict(fun: Callable) -> Callable[..., OrderedDict]:
    """Gradients with respect to every parameter, as a dict by name (parameters
    left out of the call take their defaults)."""
    sig = inspect.signature(fun)
    names = list(sig.parameters)
    if any(p.kind not in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
           for p in sig.parameters.values()):
        raise TypeError(f"multigrad_dict needs {getattr(fun, '__name__', 'f')} to have plain "
                        "parameters (no *args, **kwargs or keyword-only ones)")
    gradient = operators.grad(fun, tuple(range(len(names))))

    def gradfun(*args, **kwargs):
        bound = sig.bind(*args, **kwargs)
        bound.apply_defaults()
        grads = gradient(*bound.args)
        return OrderedDict(zip(names, grads))
    return gradfun


# -- checking gradients, as autograd.test_util ---------------------------------------

TOL = RTOL = 1e-6


def check_grads(f: Callable, argnum: Argnum = 0, modes=("fwd", "rev"),
                order: int = 2) -> Callable[..., None]:
    """`check_grads(f, modes=["fwd", "rev"], order=2)(*args)`, as autograd's:
    checks the tangent of `f` along a random direction ('fwd') and the
    pullback of a random cotangent ('rev') against central differences, then
    does the same for the functions of (args, direction) those derivatives
    are, to `order`. Argument `argnum` (an index or a tuple) is the one
    checked. Raises AssertionError naming the function on a mismatch."""
    if not all(m in ("fwd", "rev") for m in modes):
        raise ValueError(f"modes are 'fwd' and 'rev', not {list(modes)}")
    argnums = tuple(argnum) if isinstance(argnum, (tuple, list)) else (argnum,)

    def check(*args: Any) -> None:
        _check(function_of(f), argnums, args, tuple(modes), order, np.random.default_rng(0))
    return check


def _check(f, argnums, args, modes, order, rng):
    name = getattr(f, "__name__", "f")
    xs = tuple(args[i] for i in argnums)
    if "fwd" in modes:
        u = _random_like(xs, rng)
        exact = higher.jvp(f, argnums)(*args, tangents=u)[1]
        w = _random_like(exact, rng)
        _assert_close(_inner(w, exact), _inner(w, _numeric_jvp(f, argnums, args, u)),
                      f"forward-mode (JVP) check of {name}", args)
        if order > 1:
            _check(_derivative(f, len(args), argnums, "jvp"), argnums +
                   tuple(range(len(args), len(args) + len(xs))), args + u, modes, order - 1,
                   rng)
    if "rev" in modes:
        w = _random_like(f(*args), rng)
        pulled = higher.vjp(f, argnums)(*args)[1](w)
        u = _random_like(xs, rng)
        _assert_close(_inner(u, pulled), _inner(w, _numeric_jvp(f, argnums, args, u)),
                      f"reverse-mode (VJP) check of {name}", args)
        if order > 1:
            _check(_derivative(f, len(args), argnums, "vjp"), argnums + (len(args),),
                   args + (w,), modes, order - 1, rng)


def _derivative(f, nargs, argnums, mode):
    """The derivative of `f` as generated Python that further transforms take
    apart: `jvp_f(p0, .., v0, ..)` (the tangent along the v's) or
    `vjp_f(p0, .., w)` (the pullback of w: the gradient of w . f, both raveled)."""
    name = _identifier(getattr(f, "__name__", "f"))
    params = [f"p{i}" for i in range(nargs)]
    if mode == "jvp":
        directions = [f"v{k}" for k in range(len(argnums))]
        body = f"{name}_jvp({', '.join(params)}, tangents=({''.join(d + ', ' for d in directions)}))[1]"
        return define(f"jvp_{name}", f"def jvp_{name}({', '.join(params + directions)}):\n"
                      f"    return {body}\n", {f"{name}_jvp": higher.jvp(f, argnums)})
    dotted = define(f"{name}_dot", f"def {name}_dot({', '.join(params)}, w):\n"
                    f"    return np.sum(ravel(w) * ravel({name}({', '.join(params)})))\n",
                    {name: f, "np": np, "ravel": ravel})
    return define(f"vjp_{name}", f"def vjp_{name}({', '.join(params)}, w):\n"
                  f"    return {name}_grad({', '.join(params)}, w)\n",
                  {f"{name}_grad": operators.grad(dotted, argnums)})


def _random_like(value, rng):
    """A random direction with the structure of `value` (floats for integers)."""
    vector, unflatten = flatten(value)
    if np.iscomplexobj(vector):
        return unflatten(rng.standard_normal(vector.shape) +
                         1j * rng.standard_normal(vector.shape))
    return unflatten(rng.standard_normal(vector.shape))


def _inner(a, b):
    return float(np.real(np.vdot(flatten(a)[0], flatten(b)[0])))


def _numeric_jvp(f, argnums, args, u):
    """d/dt f(x + t u) at t = 0 by central differences, x the arguments at
    `argnums` (any structure), as a flat vector."""
    x_flat, unflatten = flatten(tuple(args[i] for i in argnums))
    u_flat = flatten(u)[0]

    def along(t):
        moved = list(args)
        for i, x in zip(argnums, unflatten(x_flat + t * u_flat)):
            moved[i] = x
        return flatten(f(*moved))[0]
    step = EPS
    return (along(step / 2) - along(-step / 2)) / step


EPS = 1e-6


def _assert_close(exact, numeric, what, args):
    if not (abs(exact - numeric) < TOL or abs(exact - numeric) / abs(exact + numeric) < RTOL):
        raise AssertionError(f"{what} failed with args {args!r}:\nanalytic: {exact}\n"
                             f"numeric:  {numeric}")
