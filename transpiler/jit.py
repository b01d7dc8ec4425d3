"""`jit`: the generated code compiled with numba (`pip install 'tapeless[jit]'`).

    jit(grad(f)), jit(value_and_grad(f)), jit(jvp(f)), jit(hessian(f)), jit(f)

The generated adjoint (or tangent) is plain Python loops over NumPy, which
is what numba compiles. For each new kind of arguments the transform makes
its Python function as usual; `jit` reads that function's text back, applies
a few numba-friendly rewrites (`numba_source`), compiles it with
`numba.njit`, and numba keeps one machine-code specialization per argument
types. The helpers generated code calls have numba forms in
`runtime.jit_helpers`; generated functions the code calls (companion
adjoints of your helpers, tangent sweeps) are compiled the same way.

Code numba cannot compile raises `JitError` (a `TranspileError`) on the
first call, naming your line and the construct; `jit(..., fallback=True)`
warns and runs the Python code instead.
"""
from __future__ import annotations

import ast
import functools
import inspect
import linecache
import os
import re
import sys
import warnings

import numpy as np

from .backend import codegen
from .api import Gradient, _bind, _signature
from .errors import Loc, TranspileError
from .higher import Transform
from .jit_rewrite import _TWIN, _Refused, numba_friendly
from .sourcefiles import _factory, is_generated


class JitError(TranspileError):
    """numba cannot compile the generated code (raised on the first call)."""


class JitFallbackWarning(UserWarning):
    """`jit(..., fallback=True)` runs Python code because numba could not compile it."""


def jit(fn=None, *, fallback=False):
    """Compile `fn` — a `grad`, `value_and_grad`, `jvp` or `hessian` object, or
    a plain function — with numba. Works as `@jit` and `@jit(fallback=True)`.

        from transpiler import grad, jit

        def f(x):
            for _ in range(3):
                x = x * x
            return x

        jit(grad(f))(1.5)  # 8 x**7 = 136.6875, by machine code
    """
    if fn is None:
        return functools.partial(jit, fallback=fallback)
    _numba()
    if isinstance(fn, Gradient):
        return JitGradient(fn, fallback)
    if isinstance(fn, Transform):
        return JitTransform(fn, fallback)
    if inspect.isfunction(fn):
        return JitFunction(fn, fallback)
    raise TypeError(f"jit compiles grad, value_and_grad, jvp and hessian objects and plain "
                    f"functions, not {type(fn).__name__}")


def _numba():
    try:
        import numba  # noqa: F401
    except ImportError:
        raise ImportError("transpiler.jit needs numba: pip install 'tapeless[jit]'") from None
    from runtime import jit_helpers  # registers the numba forms of the helpers
    return jit_helpers


class _Jitted:
    """What the three kinds of jitted objects share: compile once per key,
    report numba's errors at the user's line, fall back when asked."""

    def __init__(self, fn, fallback):
        self.fn, self.fallback = fn, fallback
        self._compiled = {}  # argument signature -> callable (compiled or fallback)
        functools.update_wrapper(self, getattr(fn, "fn", fn), updated=())

    def _run(self, key, make, python, args, kwargs):
        try:
            _refuse_narrow_floats(args)
            compiled = self._compiled.get(key)
            if compiled is None:
                compiled = self._compiled[key] = make()
            return compiled(*args, **kwargs)
        except TypeError as exc:
            if not _NONE_AS_NUMBER.search(str(exc)):
                raise
            return self._failed(key, python, _jit_error(exc, self.fn), args, kwargs)
        except _numba_errors() as exc:
            return self._failed(key, python, _jit_error(exc, self.fn), args, kwargs)

    def _failed(self, key, python, error, args, kwargs):
        if not self.fallback:
            raise error from None
        warnings.warn(f"{error}\nrunning the Python code instead", JitFallbackWarning,
                      stacklevel=_outside_this_module())
        self._compiled[key] = python
        return python(*args, **kwargs)

    @property
    def compiled_count(self):
        """How many specializations run compiled (not fallen back)."""
        return sum(1 for c in self._compiled.values() if _is_dispatcher(c) or
                   getattr(c, "__tapeless_jitted__", False))


class JitGradient(_Jitted):
    """`jit(grad(f))`, `jit(value_and_grad(f))`: the adjoint compiled with numba."""

    def __init__(self, fn, fallback):
        super().__init__(fn, fallback)
        self._one_tuple, self._with_value = fn.one_tuple, fn.with_value

    def __call__(self, *args, **kwargs):
        gradient = self.fn
        if kwargs:
            args = _positional(gradient.fn, args, kwargs)
        key = tuple(map(type, args))  # (api._signature, without a call per argument)
        if np.ndarray in key:
            key = tuple([("ndarray", a.ndim) if t is np.ndarray else t
                         for a, t in zip(args, key)])
        compiled = self._compiled.get(key)
        try:
            if compiled is None:
                raise KeyError(key)
            value, grads = compiled(*args)  # the fast path: one type check per argument
        except Exception:  # new argument types, or an error
            try:
                value, grads = self._first(key, args)
            except JitError:
                raise
            except Exception:  # Python's own checks and messages (a tuple output, ...)
                return gradient._slow(*args)
        if type(value) is not float and not _is_number(value):
            return gradient._slow(*args)  # arrays of one number, complex values: as grad does
        if self._one_tuple:
            grads = (grads,)
        return (value, grads) if self._with_value else grads

    def _first(self, key, args):
        python = self.fn._specialize(args)
        self._compiled.pop(key, None)
        return self._run(key, lambda: jitted(python), python, args, {})

    @property
    def source(self):
        """The Python text numba compiles (for the latest argument kinds)."""
        return numba_source(self.fn._last.code.fn) if self.fn._last else None


class JitTransform(_Jitted):
    """`jit(jvp(f))`, `jit(hessian(f))`: the tangent sweeps compiled with numba;
    the few lines that put a Hessian's columns together stay Python."""

    def __call__(self, *args, **kwargs):
        key = tuple(_signature(a) for a in args)
        python = self.fn.function_for(args)
        copies = _copies(args)
        return self._run(key, lambda: _rebound(python), python, copies, kwargs)


class JitFunction(_Jitted):
    """`jit(f)`: the user's own function compiled with numba."""

    def __call__(self, *args, **kwargs):
        import numba
        return self._run("f", lambda: numba.njit(_powers_checked(self.fn), boundscheck=True),
                         self.fn, args, kwargs)


def _powers_checked(fn):
    """`fn` with the calls generated code makes under jit: `a ** b` of integers
    and `math.sqrt`, `math.log`, ... that raise Python's errors (numba gives 0,
    nan or inf), NumPy reductions over an axis (jit_rewrite._Twins); `fn` itself
    when its source cannot be read again on its own (a closure, no file)."""
    import textwrap
    import types
    from .jit_rewrite import _Twins
    if not isinstance(fn, types.FunctionType) or fn.__code__.co_freevars:
        return fn
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(fn)))
    except (OSError, TypeError, SyntaxError):
        return fn
    tree.body[0].decorator_list = []
    tree = ast.fix_missing_locations(_Twins().visit(tree))
    namespace = dict(fn.__globals__, **_twins())
    exec(compile(tree, fn.__code__.co_filename, "exec"), namespace)
    made = namespace[fn.__name__]
    made.__defaults__ = fn.__defaults__
    return made


# -- compiling generated functions ---------------------------------------------------

_JITTED: dict = {}  # generated function -> its numba dispatcher
_MAKING: set = set()  # generated functions being made (a call back to one is recursion)


def jitted(fn):
    """The numba dispatcher of generated function `fn` (cached)."""
    import numba
    if fn not in _JITTED:
        if fn in _MAKING:
            raise _Refused(f"a recursive call (of `{fn.__name__}`): numba compiles recursion "
                           "only with declared types\n"
                           f"File \"{fn.__code__.co_filename}\", line 2:")
        _MAKING.add(fn)
        try:
            _JITTED[fn] = numba.njit(_rebound(fn, numba_form=True), boundscheck=True)
        finally:
            _MAKING.discard(fn)
    return _JITTED[fn]


def _rebound(fn, numba_form=False):
    """`fn` made again from its factory text, with the generated functions it
    calls replaced by their compiled forms (and, for numba, its text rewritten
    by `numba_friendly`)."""
    filename = fn.__code__.co_filename
    tree = _factory_of(fn)
    factory = tree.body[0]
    if numba_form:
        numba_friendly(factory, filename)
    cells = dict(zip(fn.__code__.co_freevars, [c.cell_contents for c in fn.__closure__ or ()]))
    cells.update(_twins())
    cells.update(_flattened_methods(factory, cells))
    values = [_compiled_callee(cells.get(a.arg), numba_form) for a in factory.args.args]
    namespace = {}
    exec(compile(ast.fix_missing_locations(tree), filename, "exec"), fn.__globals__, namespace)
    out = namespace["__tapeless_factory__"](*values)
    out.__tapeless_jitted__ = True
    return out


def _flattened_methods(factory, cells):
    """`helper_vjp.forward(x)` (a call of a companion adjoint) -> `helper_vjp_forward(x)`,
    a binding numba can call; returns the new bindings."""
    out = {}
    for node in ast.walk(factory):
        for field, value in ast.iter_fields(node):
            if not isinstance(value, ast.Attribute) or not isinstance(value.value, ast.Name):
                continue
            method = getattr(cells.get(value.value.id), value.attr, None)
            if inspect.isfunction(method) and _is_generated(method):
                name = f"{value.value.id}_{value.attr}"
                out[name] = method
                setattr(node, field, ast.copy_location(ast.Name(id=name, ctx=ast.Load()), value))
    known = {a.arg for a in factory.args.args}
    factory.args.args += [ast.arg(arg=name) for name in out if name not in known]
    return out


def _compiled_callee(value, from_numba):
    """A generated function called by generated code runs compiled too (called
    from Python, with its arguments bound by Python: numba's keyword binding
    does not fill in defaults)."""
    if not (inspect.isfunction(value) and _is_generated(value)):
        return value
    dispatcher = jitted(value)
    if from_numba:
        return dispatcher
    signature = inspect.signature(value)

    def call(*args, **kwargs):
        bound = signature.bind(*args, **kwargs)
        bound.apply_defaults()
        return dispatcher(*bound.arguments.values())
    return call


def _is_generated(fn):
    return is_generated(fn.__code__.co_filename) and \
        fn.__code__.co_name != "__tapeless_factory__"


def _twins():
    helpers = _numba()
    twins = {_TWIN + name: fn for table in (helpers.REDUCTIONS, helpers.THROUGH_NUMPY)
             for name, fn in table.items()}
    twins.update({_TWIN + "shape_of": helpers.shape_of, _TWIN + "arange": np.arange,
                  _TWIN + "clip": helpers.clip, _TWIN + "power": helpers.power,
                  **{_TWIN + "math_" + name: fn for name, fn in helpers.CHECKED_MATH.items()},
                  _TWIN + "unbroadcast_to": helpers.unbroadcast_to,
                  **{_TWIN + f.__name__: f for f in helpers.SMALL_ARRAYS + helpers.SAVED_ROWS}})
    return twins


def numba_source(fn):
    """The text of generated function `fn` as numba compiles it."""
    tree = _factory_of(fn)
    inner = numba_friendly(tree.body[0]).body[0]
    return ast.unparse(inner) + "\n"


def _factory_of(fn):
    """`fn`'s factory (`def __tapeless_factory__(<bindings>): <fn's def>; return fn`)
    as a tree, from its text (sourcefiles.py)."""
    source = "".join(linecache.getlines(fn.__code__.co_filename))
    return _factory(fn.__name__, source, dict.fromkeys(fn.__code__.co_freevars),
                    len(source.splitlines()))


# -- errors ---------------------------------------------------------------------------

def _numba_errors():
    from numba.core import errors
    return (errors.TypingError, errors.UnsupportedError, errors.LoweringError,
            errors.NotDefinedError, _Refused)


# numba's run-time cast of a value that may be None (set on one branch only) to a number
_NONE_AS_NUMBER = re.compile(r"^expected \w+, got None$")
_WHERE = re.compile(r'File "([^"]+)", line (\d+)')
_FUNCTION = re.compile(
    r"Function\(<(?:function|built-in function) ([^ >]+)(?: at 0x[0-9a-f]+)?>\)")


def _jit_error(exc, fn):
    """numba's error, at the user's line: the innermost generated line numba
    names, mapped back through the generated-line notes."""
    text = str(exc)
    what = _first_line(text)
    if _NONE_AS_NUMBER.search(text):
        what = (f"{text}: a value the code sets on some branches only (None on the others) "
                "is used as a number, and numba gives each variable one type")
    loc = generated_line = None
    for filename, line in _WHERE.findall(text):
        if not filename.startswith("<"):
            filename = os.path.abspath(filename)  # (numba names files relative to the cwd)
        generated = codegen.GENERATED.get(filename)
        line = int(line)
        if generated is not None and _noted(generated, line) is not None:
            loc = _user_loc(_noted(generated, line))
            generated_line = linecache.getline(filename, line).strip()
        elif not filename.startswith("<") and loc is None:
            loc = Loc(filename, line, 0, linecache.getline(filename, line))
    name = getattr(getattr(fn, "fn", fn), "__name__", "the function")
    why = f"numba: {what}"
    if generated_line:
        why += f"\n  in the generated line: {generated_line}"
    return JitError(f"jit cannot compile the code made from `{name}`", loc, why,
                    fix="write this line with numbers and arrays numba supports, or pass "
                        "jit(..., fallback=True) to run the Python code (see docs/jit.md)")


def _noted(generated, line):
    """The source location noted for a generated line, or for the nearest noted
    line before it (a rule's helper lines carry no note of their own)."""
    notes = generated.line_locs
    while line > 0 and line not in notes:
        line -= 1
    return notes.get(line)


def _user_loc(loc):
    """Code made from generated code (a tangent of an adjoint) notes lines of
    the code it was made from: follow them back to the user's."""
    while loc is not None and loc.filename in codegen.GENERATED:
        loc = _noted(codegen.GENERATED[loc.filename], loc.lineno)
    return loc


def _first_line(text):
    """The line of numba's message that names the construct (with the call's
    argument types, for a call numba has no implementation for)."""
    lines = [line.strip() for line in text.splitlines()]
    for k, line in enumerate(lines):
        if line and not line.startswith(("Failed in", "During:", "File ")):
            line = _FUNCTION.sub(r"\1", line)
            if line.endswith("found for signature:"):
                call = next((c for c in lines[k + 1:] if c.startswith(">>>")), "")
                line = "No implementation of " + call[3:].strip() if call else line
            return line
    return text.strip()


def _refuse_narrow_floats(args):
    """numba computes a float32 array with a Python float in float64 (NumPy keeps
    float32), so float32 (and complex) arguments would come back as other
    dtypes: refused rather than answered differently."""
    for a in args:
        dtype = getattr(a, "dtype", None)
        if dtype is not None and dtype.kind in "fc" and dtype != np.float64:
            raise _Refused(f"an argument of dtype {dtype}: numba computes {dtype} arrays "
                           "with Python floats in float64 where NumPy keeps "
                           f"{dtype}; jit compiles float64, integer and boolean arrays")


def _outside_this_module():
    """The stack level of the first caller outside this module (the user's call)."""
    frame, level = sys._getframe(1), 1
    while frame is not None and frame.f_code.co_filename == __file__:
        frame, level = frame.f_back, level + 1
    return level


# -- small things -----------------------------------------------------------------------

def _is_number(value):
    return type(value) in (float, int, bool) or (hasattr(value, "dtype") and
                                                 getattr(value, "ndim", 1) == 0 and
                                                 value.dtype.kind in "fiub")


def _is_dispatcher(value):
    return type(value).__name__ == "CPUDispatcher"


def _positional(fn, args, kwargs):
    _bind(fn, args, kwargs)  # Python's TypeError, naming fn
    bound = inspect.signature(fn).bind(*args, **kwargs)
    bound.apply_defaults()
    return tuple(bound.args)


def _copies(args):
    from .higher import _copies as copies
    return copies(args)


__all__ = ["jit", "JitError", "JitFallbackWarning", "numba_source"]
