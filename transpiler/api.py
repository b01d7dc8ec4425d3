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

from .frontend.callables import Target, _identifier, calling, function_of
from .backend.codegen import all_sources
from .hints import Fn, Wrt
from .ir.kinds import kind_of_value
from .pipeline import Transformed, transform
from .tracebacks import hidden, hide_our_frames, user_facing
from .arguments import (_bind, _check_arguments, _check_output, _complex_output,  # noqa: F401
                        _copies, _explain, _is_scalar, _leaving, _not_scalar,
                        _raise_bad_arguments)

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
            from .ad.checkpoint import segment_count
            segment_count(checkpoint)  # a TypeError now for a bad setting
        self.checkpoint = checkpoint  # see ad/checkpoint.py
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
    names = {"ndarray": np.ndarray, "ndim": np.ndim, "float64": np.float64,
             "explain": _leaving, "NO": _NO, "hide": hide_our_frames}
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
        lines.append(f"{indent}    if type(value) is float or type(value) is float64 or "
                     "type(value) is not tuple and ndim(value) == 0 and type(value) is not str:")
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
