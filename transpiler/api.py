"""The differential operators users call: `grad`, `value_and_grad`.

    >>> from transpiler import grad
    >>> def f(x, y):
    ...     return (x + y) * y
    >>> grad(f, wrt=(0, 1))(3.0, 2.0)
    (2.0, 7.0)
"""
from __future__ import annotations

import functools
import inspect
import weakref
from typing import Any, Callable, overload

import numpy as np

from .callables import Target, _identifier, calling, function_of
from .codegen import all_sources
from .compat import AuxGradient, chosen_wrt, real_part
from .higher import HigherGradient
from .hints import Fn, Wrt
from .kinds import kind_of_value
from .pipeline import Transformed, transform
from .tracebacks import hidden, hide_our_frames, user_facing

_CACHE: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def _transformed(fn, wrt, optimize=True, kinds=None, checkpoint=False):
    """The cached transformation of `fn` (one per function, wrt, settings and
    argument kinds)."""
    key = (wrt if not isinstance(wrt, list) else tuple(wrt), optimize, kinds)
    if checkpoint:
        key += (("checkpoint", checkpoint),)
    try:
        per_fn = _CACHE.setdefault(fn, {})
    except TypeError:  # not weak-referenceable: no caching
        return transform(fn, wrt, optimize, kinds, checkpoint)
    if key not in per_fn:
        per_fn[key] = transform(fn, wrt, optimize, kinds, checkpoint)
    return per_fn[key]


class Gradient:
    """The gradient of `fn`: call it like `fn`; `.source` is the generated code.

    Each new combination of argument kinds (Python scalar, array of a given
    rank, other) gets its own specialization; calls dispatch through a small
    generated function that checks the argument types (see `_dispatcher`)."""

    def __new__(cls, *args: Any, **kwargs: Any) -> Gradient:
        # a class per gradient, so its generated dispatcher can be its __call__
        return super().__new__(type(cls.__name__, (cls,), {}))

    def __init__(self, fn: Fn, wrt: Wrt = 0, with_value: bool = False,
                 optimize: bool = True, checkpoint: bool | int = False) -> None:
        self.fn, self.wrt, self.with_value, self.optimize = fn, wrt, with_value, optimize
        if checkpoint is not False and checkpoint is not None:
            from .checkpoint import segment_count
            segment_count(checkpoint)  # a TypeError now for a bad setting
        self.checkpoint = checkpoint  # see checkpoint.py
        self._generic = None
        self._specs: dict = {}  # argument signature -> compiled specialization
        self._last = None  # the Transformed of the latest specialization
        self._function = None  # see __tapeless_target__
        functools.update_wrapper(self, fn)

    def compile(self, *example_args: Any) -> Gradient:
        """Transform now (otherwise it happens on the first call); returns self.
        With example arguments, also compile the specialization for their types."""
        if example_args:
            self._specialize(example_args)
        elif self._generic is None:
            self._generic = self._transform().code.fn
        return self

    def _specialize(self, args):
        _check_arguments(self.fn, args)
        key = tuple(_signature(a) for a in args)
        if key not in self._specs:
            kinds = tuple(_kind_of(k) for k in key)
            self._last = self._transform(kinds)
            self._specs[key] = self._last.code.fn
            type(self).__call__ = _dispatcher(self)
        return self._specs[key]

    def _transform(self, kinds=None):
        return _transformed(self.fn, self.wrt, self.optimize, kinds, self.checkpoint)

    def _slow(self, *args, **kwargs):
        """Calls the fast dispatcher does not handle: new kinds, keyword arguments."""
        if kwargs:
            _bind(self.fn, args, kwargs)  # the adjoint's seed parameter is not the user's
            compiled = self._generic or self.compile()._generic
        else:
            compiled = self._specialize(args)
        return self._finish(compiled, args, kwargs)

    def _finish(self, compiled, args, kwargs):
        try:
            value, grads = compiled(*args, **kwargs)
        except TypeError as exc:
            if exc.__traceback__.tb_next is None:  # the arguments did not bind
                _raise_bad_arguments(self.fn, args, kwargs, exc)
            _check_output(self.fn, args, kwargs)
            _explain(exc)
            raise
        except Exception as exc:
            _check_output(self.fn, args, kwargs)
            _explain(exc)
            raise
        if type(value) is not float:
            if np.iscomplexobj(value):
                _complex_output(self.fn)
            if not _is_scalar(value):
                _not_scalar(self.fn, value)
            if np.ndim(value) != 0:  # an array of one number: its own seed
                value, grads = _reseeded(compiled, args, kwargs, value)
        if self.one_tuple:
            grads = (grads,)
        return (value, grads) if self.with_value else grads

    def debug(self, *args: Any, **kwargs: Any) -> Any:
        """Call the gradient at `args` under pdb, stopped at the first line of the
        generated code (`l` lists it, `b LINE` and `c` run to a line, `p d_x`
        prints a gradient so far); returns what the call returns. See
        docs/debugging.md."""
        compiled: Any = self._specialize(args) if not kwargs else self.compile()._generic
        import pdb
        import sys
        debugger = pdb.Pdb(stdin=sys.stdin, stdout=sys.stdout)
        debugger.use_rawinput = sys.stdin.isatty() if hasattr(sys.stdin, "isatty") else False
        print(f"tapeless: stepping through {compiled.__name__}, generated from "
              f"{self.fn.__qualname__}; its file is {self.source_file}", file=sys.stdout)

        @functools.wraps(compiled)
        def under_pdb(*args, **kwargs):
            return debugger.runcall(compiled, *args, **kwargs)
        return self._finish(under_pdb, args, kwargs)

    @property
    def source_file(self) -> str:
        """The file holding `.source` (for `b FILE:LINE` in pdb, see docs/debugging.md)."""
        return self.transformed.code.filename

    @property
    def one_tuple(self) -> bool:
        """wrt=(x,) asks for a tuple of one gradient."""
        return isinstance(self.wrt, (tuple, list)) and len(self.wrt) == 1

    @user_facing
    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._slow(*args, **kwargs)

    def __tapeless_target__(self, args=None, kwnames=()):
        """This gradient as generated Python (`def grad_f(x): return f_adjoint(x)[1]`),
        so other transforms and differentiated code can take it apart. Of a
        function with `*args`, the adjoint depends on the call's number of
        arguments: without them, a function calling this gradient object (which
        the call resolves again, with its arguments)."""
        name = _identifier(("value_and_grad_" if self.with_value else "grad_") +
                           self.fn.__name__)
        if _has_varargs(self.fn):
            if args is None:
                return Target(calling(self.fn, name, name + "_value({args})",
                                      {f"{name}_value": self}))
            kinds = tuple(_kind_of(_signature(a)) for a in args)
            return Target(self._generated(name, self._transform(kinds).code.fn))
        if self._function is None:
            adjoint = self._transform().code.fn
            self._function = self._generated(name, adjoint)
        return Target(self._function)

    def _generated(self, name, adjoint):
        """`def grad_f(x): return f_adjoint(x)[1]` calling the adjoint `adjoint`."""
        call = name + "_adjoint({args})"
        if not self.one_tuple:
            body = call if self.with_value else call + "[1]"
        else:
            body = f"({call}[0], ({call}[1],))" if self.with_value else f"({call}[1],)"
        return calling(self.fn, name, body, {f"{name}_adjoint": adjoint})

    # what higher.HigherGradient needs from the gradient it differentiates
    path = (1,)

    def base_for(self, args):
        if args is None:  # any arguments: the generic adjoint
            return self.compile()._generic
        return self._specialize(args)

    def fixed_for(self, args):
        return {}

    @property
    def transformed(self) -> Transformed:
        """The stages of the latest specialization used (the generic one before any call)."""
        return self._last or self._transform()

    @property
    def source(self) -> str:
        """The generated adjoint function, as Python source."""
        return self.transformed.code.source

    @property
    def sources(self) -> str:
        """`.source`, then the generated code of the user's functions it calls."""
        return all_sources(self.transformed.code)

    @property
    def ssa(self) -> str:
        """The SSA listing of the primal function."""
        return self.transformed.stage_text("ssa")

    def __repr__(self) -> str:
        kind = "value_and_grad" if self.with_value else "grad"
        return f"<{kind} of {self.fn.__qualname__} wrt={self.wrt!r}>"

    def _repr_html_(self) -> str:  # in Jupyter: the generated code, the SSA one click away
        from .display import gradient_html
        return gradient_html(self)

    def _repr_markdown_(self) -> str:
        from .display import gradient_markdown
        return gradient_markdown(self)


def _has_varargs(fn):
    try:
        return any(p.kind is p.VAR_POSITIONAL for p in inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        return False


def _signature(value):
    """What a specialization depends on: the type, and an array's rank."""
    if type(value) is np.ndarray:
        return ("ndarray", value.ndim)
    return type(value)


def _kind_of(signature):
    if isinstance(signature, tuple):
        return signature[1]  # an array of known rank
    return kind_of_value(signature(0)) if signature in (float, int, bool) or \
        (isinstance(signature, type) and issubclass(signature, np.generic)) else None


def _guard(arg, signature, names):
    if isinstance(signature, tuple):
        return f"type({arg}) is ndarray and {arg}.ndim == {signature[1]}"
    names[f"T_{arg}"] = signature
    return f"type({arg}) is T_{arg}"


def _dispatcher(gradient):
    """Generate `__call__`: for each specialization, a type check on the
    arguments and a direct call of its compiled adjoint (no dictionary lookup).
    When every specialization takes the same number of arguments, they are
    named parameters of `__call__` (no packing into a tuple and out again)."""
    names = {"ndarray": np.ndarray, "ndim": np.ndim, "explain": _leaving, "NO": _NO,
             "hide": hide_our_frames}
    arities = {len(key) for key in gradient._specs}
    fixed = arities.pop() if len(arities) == 1 else None
    if fixed is not None:
        params = [f"_tapeless_a{i}" for i in range(fixed)]
        lines = [f"def __call__(self, {''.join(p + '=NO, ' for p in params)}*rest, **kwargs):",
                 "    if not rest and not kwargs:"]
        indent = "        "
    else:
        lines = ["def __call__(self, *args, **kwargs):", "    n = len(args)"]
    for k, (key, fn) in enumerate(gradient._specs.items()):
        names[f"spec{k}"] = fn
        arg_names = [f"_tapeless_a{i}" for i in range(len(key))]
        guards = " and ".join(_guard(a, sig, names) for a, sig in zip(arg_names, key)) or "True"
        if fixed is None:
            indent = "        "
            lines.append(f"    if n == {len(key)} and not kwargs:")
            if key:
                lines.append(f"        {', '.join(arg_names)}{',' if len(key) == 1 else ''} = args")
        lines.append(f"{indent}if {guards}:")
        lines.append(f"{indent}    try:")
        lines.append(f"{indent}        result = spec{k}({', '.join(arg_names)})")
        lines.append(f"{indent}    except Exception as exc:")
        lines.append(f"{indent}        explain(exc)")
        lines.append(f"{indent}        raise")
        lines.append(f"{indent}    value = result[0]")
        lines.append(f"{indent}    if type(value) is float or type(value) is not tuple and ndim(value) == 0 "
                     "and type(value) is not str:")
        if gradient.one_tuple:
            out = "(value, (result[1],))" if gradient.with_value else "(result[1],)"
        else:
            out = "result" if gradient.with_value else "result[1]"
        lines.append(f"{indent}        return {out}")
    if fixed is not None:
        given = f"[a for a in ({', '.join(params)}{',' if fixed == 1 else ''}) if a is not NO]" \
            if fixed else "[]"
        slow = f"self._slow(*{given}, *rest, **kwargs)"
    else:
        slow = "self._slow(*args, **kwargs)"
    lines += ["    try:", f"        return {slow}", "    except Exception as exc:",
              "        hide(exc)", "        raise"]
    namespace = {}
    exec("\n".join(lines), names, namespace)
    return hidden(namespace["__call__"])


class _Missing:
    """The default of the dispatcher's parameters: an argument not given."""

    def __repr__(self):
        return "<no argument>"


_NO = _Missing()


def _reseeded(compiled, args, kwargs, value):
    """A size-1 output (shape (1,) or (1, 1)) is differentiated as autograd does:
    the sweep is run again from a seed of ones in its shape (the seed is the
    adjoint's last parameter)."""
    import inspect
    from runtime.helpers import ones_like
    seed = list(inspect.signature(compiled).parameters)[-1]
    return compiled(*args, **kwargs, **{seed: ones_like(value)})


def _complex_output(fn):
    raise TypeError(
        f"grad requires {fn.__name__} to return a real scalar, but it returned a complex "
        "value (as in autograd); differentiate np.real(...) or np.abs(...) of it, or use vjp "
        "with a cotangent")


def _is_scalar(value):
    """What grad accepts as an output: a number, or an array of one number
    (as autograd does)."""
    if isinstance(value, (np.ndarray, np.generic)):
        return value.size == 1 and value.dtype.kind in "biufc"
    return isinstance(value, (int, float, complex)) or \
        (not isinstance(value, (str, bytes, tuple, list, dict)) and np.ndim(value) == 0)


def _check_output(fn, args, kwargs):
    """After the adjoint failed: when `fn` itself returns something that is not a
    scalar (a tuple, a string...), say so instead of the failure inside the
    reverse sweep. The primal is run again, as Python; its own errors are the
    user's and propagate."""
    try:
        value = fn(*_copies(args), **kwargs)
    except Exception:
        return
    if not _is_scalar(value):
        _not_scalar(fn, value)


def _copies(args):
    """`args` with arrays copied: running the user's function as Python may
    change its arguments in place, and a gradient call never does."""
    return tuple(_copy(a) for a in args)


def _copy(value):
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, (list, tuple)):
        return type(value)(_copy(v) for v in value) if type(value) in (list, tuple) else value
    if type(value) is dict:
        return {k: _copy(v) for k, v in value.items()}
    return value




def _not_scalar(fn, value):
    if isinstance(value, tuple):
        raise TypeError(
            f"grad requires {fn.__name__} to return a scalar, but it returned a tuple of "
            f"{len(value)} items; to return extra values alongside the one to differentiate, "
            "pass has_aux=True (as in JAX: the call then returns (gradient, aux)), or use vjp or "
            "jacobian") from None
    if isinstance(value, (str, bytes, list, dict)) or value is None:
        raise TypeError(f"grad requires {fn.__name__} to return a scalar, but it returned "
                        f"a {type(value).__name__}") from None
    raise TypeError(
        f"grad requires {fn.__name__} to return a scalar, but it returned a value of shape "
        f"{np.shape(value)}; use vjp or jacobian for array outputs, or reduce the output "
        "(e.g. with np.sum)")


def _bind(fn, args, kwargs):
    """Python's own TypeError, naming `fn`, for arguments `fn` does not take (the
    adjoint has one more parameter, the seed, which must not catch them)."""
    try:
        inspect.signature(fn).bind(*args, **kwargs)
    except TypeError as bad:
        raise TypeError(f"{fn.__name__}() {bad}") from None
    except ValueError:  # no signature to check (a builtin): the call itself will tell
        pass


def _check_arguments(fn, args):
    """Reject arguments that cannot carry a gradient (checked once per argument types)."""
    _bind(fn, args, {})
    for i, a in enumerate(args):
        if isinstance(a, (str, bytes)):
            raise TypeError(f"{fn.__name__}: argument {i} is a string ({a!r:.40}); gradients "
                            "need numbers or arrays of floats")
        if isinstance(a, np.ndarray) and a.dtype.kind in "OSUV":
            raise TypeError(f"{fn.__name__}: argument {i} is an array of dtype {a.dtype}; "
                            "gradients need numeric arrays (convert with .astype(float))")


def _raise_bad_arguments(fn, args, kwargs, exc):
    import inspect
    try:
        inspect.signature(fn).bind(*args, **kwargs)
    except TypeError as bad:
        raise TypeError(f"{fn.__name__}() {bad}") from None
    raise exc


def _leaving(exc):
    """What an error leaving generated code gets: the note naming its lines,
    and a traceback without tapeless's own frames."""
    _explain(exc)
    hide_our_frames(exc)


def _explain(exc):
    """Add the generated line, and the user's line it came from, to an error
    raised inside generated code."""
    from .codegen import GENERATED
    tb = exc.__traceback__
    found = None
    while tb is not None:
        code = tb.tb_frame.f_code
        if code.co_filename in GENERATED:
            found = (GENERATED[code.co_filename], tb.tb_lineno)
        tb = tb.tb_next
    if found is None or not hasattr(exc, "add_note"):
        return
    generated, line = found
    loc = generated.line_locs.get(line)
    from .errors import TranspileError
    if isinstance(exc, TranspileError) and exc.loc is None and loc is not None:
        exc.loc = loc  # raised where a call of a value ran: it belongs to the user's call
        exc.args = (exc.render(),)
        return
    import linecache
    text = linecache.getline(generated.filename, line).strip()
    note = f"in generated code {generated.name}, line {line}: {text}"
    loc = generated.line_locs.get(line)
    if loc is not None:
        note += f"\n  which comes from {loc}: {loc.line.strip()}"
    exc.add_note(note)


@overload
def grad(fn: None = None, wrt: Wrt = 0, optimize: bool = True, *, argnums: Wrt | None = None, has_aux: bool = False,
         holomorphic: bool = False, checkpoint: bool | int = False) -> Callable[[Fn], Any]: ...
@overload
def grad(fn: Gradient | HigherGradient, wrt: Wrt = 0,  # type: ignore[overload-overlap]
         optimize: bool = True, *, argnums: Wrt | None = None, has_aux: bool = False,
         holomorphic: bool = False, checkpoint: bool | int = False) -> HigherGradient: ...
@overload
def grad(fn: Fn, wrt: Wrt = 0, optimize: bool = True, *, argnums: Wrt | None = None, has_aux: bool = False,
         holomorphic: bool = False, checkpoint: bool | int = False) -> Gradient: ...
def grad(fn: Fn | None = None, wrt: Wrt = 0, optimize: bool = True, *, argnums: Wrt | None = None, has_aux: bool = False,
         holomorphic: bool = False, checkpoint: bool | int = False) -> Any:
    """The gradient of scalar-valued `fn` with respect to parameter(s) `wrt`.

    `wrt` is an index, a parameter name, or a tuple of these (then a tuple of
    gradients is returned); `argnums` is JAX's name for it. Usable as `@grad`
    and `@grad(wrt=...)`. With `has_aux=True`, `fn` returns `(output, aux)` and
    the call returns `(gradient, aux)`. With `holomorphic=True`, `fn` is a
    complex function of a complex argument and the call returns f'(z).
    With `checkpoint=True` the reverse sweep of each loop keeps O(sqrt n)
    snapshots of the loop's state and recomputes the rest (`checkpoint=K`:
    K snapshots); see docs/checkpointing.md.
    """
    wrt = chosen_wrt(wrt, argnums)
    if fn is None:
        return lambda f: grad(f, wrt, optimize, has_aux=has_aux, holomorphic=holomorphic,
                              checkpoint=checkpoint)
    if holomorphic:
        if has_aux:
            raise TypeError("grad(..., holomorphic=True) does not take has_aux=True")
        fn = real_part(function_of(fn))
    if has_aux:
        return _with_aux(fn, wrt, False, optimize, checkpoint)
    if isinstance(fn, (Gradient, HigherGradient)):
        if isinstance(fn, Gradient) and fn.with_value:
            raise TypeError("take grad of grad(f), not of value_and_grad(f)")
        return HigherGradient(fn, wrt)
    if inspect.ismethod(fn):
        return BoundGradient(Gradient(fn.__func__, _after_self(wrt), optimize=optimize,
                                      checkpoint=checkpoint), fn.__self__)
    return Gradient(function_of(fn), wrt, optimize=optimize, checkpoint=checkpoint)


@overload
def value_and_grad(fn: None = None, wrt: Wrt = 0, optimize: bool = True,
                   *, argnums: Wrt | None = None, has_aux: bool = False,
                   checkpoint: bool | int = False) -> Callable[[Fn], Gradient]: ...
@overload
def value_and_grad(fn: Fn, wrt: Wrt = 0, optimize: bool = True,
                   *, argnums: Wrt | None = None, has_aux: bool = False,
                   checkpoint: bool | int = False) -> Gradient: ...
def value_and_grad(fn: Fn | None = None, wrt: Wrt = 0, optimize: bool = True,
                   *, argnums: Wrt | None = None, has_aux: bool = False,
                   checkpoint: bool | int = False) -> Any:
    """Like `grad`, but the call returns `(value, gradient)` (with `has_aux=True`,
    `((value, aux), gradient)`)."""
    wrt = chosen_wrt(wrt, argnums)
    if fn is None:
        return lambda f: value_and_grad(f, wrt, optimize, has_aux=has_aux,
                                        checkpoint=checkpoint)
    if has_aux:
        return _with_aux(fn, wrt, True, optimize, checkpoint)
    if inspect.ismethod(fn):
        return BoundGradient(Gradient(fn.__func__, _after_self(wrt), with_value=True,
                                      optimize=optimize, checkpoint=checkpoint), fn.__self__)
    return Gradient(function_of(fn), wrt, with_value=True, optimize=optimize,
                    checkpoint=checkpoint)


def _with_aux(fn, wrt, with_value, optimize, checkpoint=False):
    """`grad(f, has_aux=True)` (see `compat.AuxGradient`)."""
    if inspect.ismethod(fn):
        return BoundGradient(AuxGradient(fn.__func__, _after_self(wrt), with_value, optimize,
                                         checkpoint), fn.__self__)
    return AuxGradient(function_of(fn), wrt, with_value, optimize, checkpoint)


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
