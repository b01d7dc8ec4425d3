"""Tracebacks that end in the user's code, as pytest and JAX show them.

An error in a gradient call is raised in generated code (or in the user's own
function it calls), under several frames of tapeless itself (`api.py`,
`pipeline.py`, runtime helpers). Those frames say nothing about the user's
program, so the transforms' entry points remove them before the error leaves:

    File "fit.py", line 12, in <module>              File "fit.py", line 12, in <module>
      g(w, X, y)                                       g(w, X, y)
    File ".../transpiler/api.py", line 83, in _slow  File ".../fit.loss_adjoint.1f3a.py", line 3
      ...                                      ->        z = X @ w
    File ".../fit.loss_adjoint.1f3a.py", line 3              ~~^~~
      z = X @ w                                    ValueError: matmul: ...

Set `TAPELESS_TRACEBACK_FILTERING=off` to see every frame (when reporting a bug
in tapeless itself).
"""
from __future__ import annotations

import functools
import os
import types
import weakref
from typing import Any, TypeVar

import runtime

from .hints import F

E = TypeVar("E", bound=BaseException)

_OURS = tuple(os.path.dirname(os.path.abspath(m)) + os.sep for m in (__file__, runtime.__file__))


_HIDDEN: "weakref.WeakSet" = weakref.WeakSet()  # code tapeless generates for itself


def hidden(fn: F) -> F:
    """Mark function `fn` (e.g. a generated dispatcher) as tapeless's own frame."""
    _HIDDEN.add(fn.__code__)
    return fn


def filtering() -> bool:
    return os.environ.get("TAPELESS_TRACEBACK_FILTERING", "on").lower() not in ("off", "0", "no")


def is_ours(filename: str) -> bool:
    """A file of the `transpiler` or `runtime` package (not generated code)."""
    return filename.startswith(_OURS)


def hide_our_frames(exc: E) -> E:
    """Drop tapeless's own frames from `exc`'s traceback (in place; returns `exc`).
    Re-raise it with a bare `raise`, which adds no frame of the caller's."""
    if not filtering():
        return exc
    kept, tb = [], exc.__traceback__
    while tb is not None:
        code = tb.tb_frame.f_code
        if not is_ours(code.co_filename) and code not in _HIDDEN:
            kept.append(tb)
        tb = tb.tb_next
    new = None
    for tb in reversed(kept):
        new = types.TracebackType(new, tb.tb_frame, tb.tb_lasti, tb.tb_lineno)
    exc.__traceback__ = new
    return exc


def user_facing(method: F) -> F:
    """Decorate the `__call__` of a transform object: errors leave it without
    tapeless's frames."""
    @functools.wraps(method)
    def call(*args: Any, **kwargs: Any) -> Any:
        try:
            return method(*args, **kwargs)
        except Exception as exc:
            hide_our_frames(exc)
            raise
    return call  # type: ignore[return-value]  # (the same signature, by wraps)
