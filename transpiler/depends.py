"""What a transform depends on, described so that another process can check it.

A `Recorder` watches a transform (through sourcefiles.RECORDERS): the free
names the front end resolves (parse.Scope, ssa.py), with their values, and the
functions compiled from generated code. `describe(value)` turns a value into a
tuple another process can make again and compare: a module (its file's digest,
its version), a constant, a user function (`function_key`: where it is, the
digest of its file's text, its code), an object found by its import path; and
raises `Uncacheable` for anything else (an array, an instance, a lambda).

    describe(np)        -> ("module", "numpy", <digest of numpy/__init__.py>, "2.4.6")
    describe(1.5)       -> ("constant", "float", "1.5")
    describe(helper)    -> ("function", "model", "helper", "model.py", <digest>, ...)
"""
from __future__ import annotations

import hashlib
import os
import sys
import types

import numpy as np

_FILE_DIGESTS: dict = {}  # (path, mtime, size) -> digest of the text
_CODE_DIGESTS: dict = {}  # id(code) -> (code, its digest)


class Uncacheable(Exception):
    """What the transform depended on cannot be described for another process."""


class Recorder:
    """Filled while a transform runs: the free names resolved and the code compiled."""

    def __init__(self):
        self.lookups = []  # (owner function, name, attribute path, value)
        self.compiles = []  # (name, source, bindings, code, filename, origin)
        self.problem = None  # why it cannot be cached, once known

    def resolved(self, scope, name, parts, value):
        """Where the front end resolves a free name (parse.Scope, ssa.py)."""
        owner = scope.owner
        if self.problem is not None or owner is None or _is_ours(owner):
            return
        if name in scope.closure and name not in scope.own:  # put there by the transform
            return
        self.lookups.append((owner, name, tuple(parts), value))

    def compiled(self, name, source, bindings, code, filename, origin):
        """For each function compiled from generated code (sourcefiles.py)."""
        self.compiles.append((name, source, dict(bindings), code, filename, origin))


def _is_ours(fn):
    module = getattr(fn, "__module__", None) or ""
    return module.split(".")[0] in ("transpiler", "runtime")


# -- describing values ------------------------------------------------------

def _file_digest(path):
    try:
        st = os.stat(path)
    except OSError:
        raise Uncacheable(f"no file {path}") from None
    key = (path, st.st_mtime_ns, st.st_size)
    if key not in _FILE_DIGESTS:
        with open(path, "rb") as fh:
            _FILE_DIGESTS[key] = hashlib.sha1(fh.read()).hexdigest()
    return _FILE_DIGESTS[key]


def _code_digest(code):
    found = _CODE_DIGESTS.get(id(code))
    if found is None or found[0] is not code:
        from .frontend.parse import _fingerprint
        digest = hashlib.sha1(repr((_fingerprint(code), code.co_firstlineno, code.co_filename))
                              .encode()).hexdigest()
        found = _CODE_DIGESTS[id(code)] = (code, digest)
    return found[1]


def function_key(fn):
    """A user function as another process can check it: where it is, the text of
    its file, and its code."""
    code = fn.__code__
    defaults = tuple(describe(v) for v in fn.__defaults__ or ())  # (printed into the code)
    kwdefaults = tuple((k, describe(v)) for k, v in (fn.__kwdefaults__ or {}).items())
    return ("function", fn.__module__, fn.__qualname__, code.co_filename,
            _file_digest(code.co_filename), _code_digest(code), defaults, kwdefaults)


def _importable(obj):
    """(module, qualified name) under which `obj` is found again, or None."""
    module = getattr(obj, "__module__", None)
    if isinstance(obj, np.ufunc):
        module = "numpy"
    name = getattr(obj, "__qualname__", None) or getattr(obj, "__name__", None)
    if not isinstance(module, str) or not isinstance(name, str) or "<" in name:
        return None
    found = _find(module, name)
    return (module, name) if found is obj else None


def _find(module, qualname):
    obj = sys.modules.get(module)
    for part in qualname.split(".") if obj is not None else ():
        obj = getattr(obj, part, None)
    return obj


_CONSTANTS = (bool, int, float, complex, str, bytes, type(None))


def describe(value):
    """What `value` is, as a comparable tuple that another process can make
    again; Uncacheable when there is none."""
    if isinstance(value, types.ModuleType):
        path = getattr(value, "__file__", None)
        return ("module", value.__name__, _file_digest(path) if path else None,
                str(getattr(value, "__version__", "")))
    if type(value) in _CONSTANTS:
        return ("constant", type(value).__name__, repr(value))
    if isinstance(value, tuple) and all(type(v) in _CONSTANTS for v in value):
        return ("constant", "tuple", repr(value))
    if isinstance(value, types.FunctionType) and not _is_ours(value):
        if _importable(value) is None:
            raise Uncacheable(f"{value.__qualname__} is not found by its import path")
        return function_key(value)
    where = _importable(value)
    if where is not None:
        return ("object",) + where
    raise Uncacheable(f"a value of type {type(value).__name__}")


def _binding(value, companions):
    if isinstance(value, types.ModuleType):
        return ("module", value.__name__)
    from .ad.companions import Companion, TangentCompanion
    if isinstance(value, (Companion, TangentCompanion)):
        if id(value) not in companions:
            raise Uncacheable("a companion made in another transform")
        return ("companion", companions[id(value)])
    where = _importable(value)
    if where is None:
        raise Uncacheable(f"generated code closes over a {type(value).__name__}")
    return ("object",) + where


def _bound(desc, companions):
    if desc[0] == "module":
        return sys.modules.get(desc[1]) or __import__(desc[1], fromlist=["_"])
    if desc[0] == "companion":
        return companions[desc[1]]
    found = _find(desc[1], desc[2])
    if found is None:
        raise Uncacheable(f"{desc[1]}.{desc[2]} is gone")
    return found


def _functions(fn, stored):
    out = []
    for k, (where, fn_key) in enumerate(stored):
        found = fn if k == 0 else _find(*where)
        if not isinstance(found, types.FunctionType) or function_key(found) != fn_key:
            raise Uncacheable("a function changed")
        out.append(found)
    return out


def _resolve(owner, name, parts):
    from .frontend.parse import Scope, _closure_of
    found, value = Scope(owner.__globals__, _closure_of(owner))._lookup(name)
    for part in parts:
        value = getattr(value, part)
    return describe(value) if found else None


def _is_companion(value):
    from .ad.companions import Companion, TangentCompanion
    return isinstance(value, (Companion, TangentCompanion))
