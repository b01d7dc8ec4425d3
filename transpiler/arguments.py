"""What a gradient call checks about its arguments and its function's output,
and what an error leaving generated code is told (the generated line, the
user's line it came from). Used by every differential operator.

    >>> _is_scalar(np.float64(2.0)), _is_scalar(np.ones(3))
    (True, False)
"""
from __future__ import annotations

import inspect
import linecache

import numpy as np

from .errors import TranspileError
from .sourcefiles import GENERATED
from .tracebacks import hide_our_frames


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
    if isinstance(exc, TranspileError) and exc.loc is None and loc is not None:
        exc.loc = loc  # raised where a call of a value ran: it belongs to the user's call
        exc.args = (exc.render(),)
        return
    text = linecache.getline(generated.filename, line).strip()
    note = f"in generated code {generated.name}, line {line}: {text}"
    loc = generated.line_locs.get(line)
    if loc is not None:
        note += f"\n  which comes from {loc}: {loc.line.strip()}"
    exc.add_note(note)


def _scalar_output(fn, args, kwargs):
    """hvp and hessian are defined for a function with one number as output."""
    value = fn(*_copies(args), **kwargs)
    if not _is_scalar(value):
        _not_scalar(fn, value)
