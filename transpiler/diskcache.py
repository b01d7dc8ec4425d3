"""A persistent cache of generated code: a new process's first `grad` of an
unchanged function reads the adjoint from disk instead of transforming it.

`cached(fn, options, make)` returns `make()`'s `Transformed`, from disk when an
entry for `fn` and `options` is there and still holds, else made and stored.
An entry is kept only when everything the generated code depends on can be
named and checked again in another process:

- the key: the function (module, qualified name, a digest of its file's text,
  the fingerprint of its code object), `options` (wrt, mode, optimization,
  argument kinds), tapeless's version and a fingerprint of its own source
  files, Python's and NumPy's versions, and the rules users registered;
- the names the transform resolved (in the function, its helpers' globals and
  closures): each value is described (a module, a number, a function found
  again by its import path, a helper with the digest of its file) and
  described again, before reuse, in the new process;
- the objects the generated code closes over, each found again by import
  path; the adjoints of called helpers (companions) come along.

Anything else (a closure over an array, a lambda helper, an object instance)
makes the function uncacheable: it is transformed in every process, as before.
The entries live in `<cache dir>/transforms/` (sourcefiles.py: set by
`$TAPELESS_CACHE_DIR`, by default `~/.cache/tapeless/generated`); deleting
them is always safe. `TAPELESS_CACHE=off` turns the cache off. An entry that
does not load (partial, corrupt, from another version) is a miss.

    grad(f)(x)    first process:   transform, store transforms/<key>.pickle
    grad(f)(x)    next process:    key -> entry -> check names -> compile code
"""
from __future__ import annotations

import hashlib
import marshal
import os
import pickle
import sys
import tempfile
import types

import numpy as np

from .depends import (Recorder, Uncacheable, _binding, _bound, _functions, _importable,
                      _is_companion, _resolve, describe, function_key)
from .sourcefiles import RECORDERS as _RECORDERS  # the transforms under way, innermost last

FORMAT = 1
MAX_ENTRIES = 2000  # beyond this, the oldest entries are removed when one is stored
_COUNTED: dict = {}  # cache directory -> its entries as far as this process knows (_evict)
STATS = {"hits": 0, "misses": 0, "stored": 0, "uncacheable": 0}
_SELF: list = []  # the fingerprint of tapeless's own source, once computed


def enabled() -> bool:
    return os.environ.get("TAPELESS_CACHE", "on").lower() not in ("off", "0", "no", "false")


def entries_dir() -> str:
    from .sourcefiles import cache_dir
    where = cache_dir()
    return os.path.join(where, "transforms") if where else ""


def recording():
    return _RECORDERS[-1] if _RECORDERS else None


# -- keys -------------------------------------------------------------------

def _own_fingerprint():
    """tapeless's own code: its version and the state of its source files (an
    edit of the compiler must not reuse what the old one made)."""
    if not _SELF:
        import runtime
        version = getattr(sys.modules.get("transpiler"), "__version__", "")  # (no import: a circle)
        parts = [version, sys.version, np.__version__, str(FORMAT)]
        for package in (os.path.dirname(__file__), os.path.dirname(runtime.__file__)):
            for root, _, files in sorted(os.walk(package)):
                for name in sorted(files):
                    if name.endswith(".py"):
                        st = os.stat(os.path.join(root, name))
                        parts.append(f"{root}/{name}:{st.st_size}:{st.st_mtime_ns}")
        _SELF.append(hashlib.sha1("\n".join(parts).encode()).hexdigest())
    return _SELF[0]


def _rules_fingerprint():
    """The rules registered by users (rules.py keeps the log), and the types
    registered as structures."""
    from .rules.table import _name, user_registrations
    from runtime.structures import _REGISTERED
    rules = [(what, _name(prim), function_key(fn) if isinstance(fn, types.FunctionType) else
              _name(fn) if fn is not None else None) for what, prim, fn in user_registrations()]
    return repr((rules, sorted(_name(cls) for cls in _REGISTERED)))


def key_of(fn, options):
    fn_key = function_key(fn)
    text = repr((_own_fingerprint(), fn_key, options, _rules_fingerprint()))
    return hashlib.sha256(text.encode()).hexdigest()


# -- the cache --------------------------------------------------------------

def cached(fn, options, make):
    """`make()` (a Transformed), or the one stored for `fn` and `options`."""
    if not enabled() or not isinstance(fn, types.FunctionType) or not entries_dir() or \
            hasattr(fn, "__wrapped__"):  # (a wrapper's text is not what is differentiated)
        return make()
    try:
        key = key_of(fn, options)
    except (Uncacheable, OSError, TypeError, ValueError):
        return make()
    parent = recording()
    found = _load(key, fn, make)
    if found is not None:
        STATS["hits"] += 1
        if parent is not None:  # what it depends on was not recorded here
            parent.problem = "a transform inside it came from the cache"
        return found
    STATS["misses"] += 1
    rec = Recorder()
    _RECORDERS.append(rec)
    try:
        made = make()
    finally:
        _RECORDERS.pop()
        if parent is not None:  # a transform inside another: the outer one depends on it too
            parent.lookups += rec.lookups
            parent.compiles += rec.compiles
            parent.problem = parent.problem or rec.problem
    if rec.problem is None:
        try:
            _store(key, _entry(fn, key, rec, made))
            STATS["stored"] += 1
        except Exception:  # (never the user's problem: the next process transforms again)
            STATS["uncacheable"] += 1
    return made


def _entry(fn, key, rec, made):
    functions = [fn]  # the user functions the check resolves again, by index

    def index_of(owner):
        if owner not in functions:
            if _importable(owner) is None:
                raise Uncacheable(f"{owner.__qualname__} is not found by its import path")
            functions.append(owner)
        return functions.index(owner)

    lookups = list(dict.fromkeys((index_of(owner), name, parts, describe(value))
                                 for owner, name, parts, value in rec.lookups))
    by_file = {c[4]: c for c in rec.compiles}
    companions, comp_records = _companions(made.code, by_file)
    top = by_file.get(made.code.filename)
    if top is None or len(by_file) != 1 + sum(len(r[3]) for r in comp_records):
        raise Uncacheable("code compiled that is not the adjoint or a companion's")
    comp_records = [(index_of(comp.fn), *rest) for comp, *rest in comp_records]
    return {"format": FORMAT, "key": key,
            "functions": [(_importable(f), function_key(f)) for f in functions],
            "lookups": lookups, "companions": comp_records,
            "code": _code_record(top, companions, made.code.line_locs)}


def _companions(generated, by_file):
    """The companions the adjoint calls, theirs in turn: for each, how to make it
    again and the records of the code compiled for it."""
    from .ad.companions import Companion, _COMPANIONS
    index, records = {}, []
    pending = list(generated.companions.values())
    found = []
    while pending:
        comp = pending.pop(0)
        if id(comp) in index:
            continue
        index[id(comp)] = len(found)
        found.append(comp)
        attrs = ("forward", "backward") if isinstance(comp, Companion) else ("tangent",)
        for attr in attrs:
            code = getattr(getattr(comp, attr, None), "__code__", None)
            record = by_file.get(code.co_filename) if code is not None else None
            if record is None:
                raise Uncacheable("a companion compiled in another transform")
            pending.extend(v for v in record[2].values() if _is_companion(v))
    keys = {id(c): k for k, c in _COMPANIONS.items()}
    for comp in found:
        attrs = ("forward", "backward") if isinstance(comp, Companion) else ("tangent",)
        key = keys.get(id(comp))
        if key is None:
            raise Uncacheable("a companion not in the table")
        codes = {attr: _code_record(by_file[getattr(comp, attr).__code__.co_filename], index)
                 for attr in attrs}
        extra = {"sources": getattr(comp, "sources", None), "source": getattr(comp, "source", None),
                 "tangent_params": getattr(comp, "tangent_params", None)}
        records.append((comp, type(comp).__name__, key[:1] if key[0] == "tangent" else (),
                        codes, key[-2], key[-1], extra))
    return index, records


def _code_record(record, companions, line_locs=None):
    name, source, bindings, code, filename, origin = record
    return {"name": name, "source": source, "filename": filename, "origin": origin,
            "bindings": [(k, _binding(v, companions)) for k, v in bindings.items()],
            "code": marshal.dumps(code), "line_locs": dict(line_locs or {})}


def _path(key):
    return os.path.join(entries_dir(), key[:2], key + ".pickle")


def _store(key, entry):
    payload = pickle.dumps(entry, protocol=pickle.HIGHEST_PROTOCOL)
    blob = hashlib.sha256(payload).digest() + payload
    path = _path(key)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=os.path.dirname(path), suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(blob)
        os.replace(temporary, path)  # other processes see the whole entry or none
    except OSError:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise
    _evict()


def _evict():
    """Keep at most MAX_ENTRIES entries: the least recently used go first. The
    directory is listed once in a process, then the stores are counted, until
    the count reaches the limit (listing thousands of entries at every store
    would cost more than a short function's transform)."""
    root = entries_dir()
    if _COUNTED.get(root, MAX_ENTRIES) < MAX_ENTRIES:
        _COUNTED[root] += 1  # (an entry stored again is counted again: early, never late)
        return
    try:
        paths = [os.path.join(root, d, f) for d in os.listdir(root)
                 for f in os.listdir(os.path.join(root, d))]
    except OSError:
        return
    _COUNTED[root] = len(paths)
    if len(paths) <= MAX_ENTRIES:
        return
    keep = MAX_ENTRIES * 9 // 10  # (room for the next stores before listing again)
    _COUNTED[root] = keep
    def used(p):
        try:
            return os.stat(p).st_atime_ns
        except OSError:
            return 0
    for p in sorted(paths, key=used)[:len(paths) - keep]:
        try:
            os.unlink(p)
        except OSError:
            pass


def _read(key):
    try:
        with open(_path(key), "rb") as fh:
            blob = fh.read()
    except OSError:
        return None
    digest, payload = blob[:32], blob[32:]
    if hashlib.sha256(payload).digest() != digest:
        return None
    try:
        entry = pickle.loads(payload)
    except Exception:
        return None
    if not isinstance(entry, dict) or entry.get("format") != FORMAT or entry.get("key") != key:
        return None
    return entry


def _load(key, fn, make):
    entry = _read(key)
    if entry is None:
        return None
    try:
        functions = _functions(fn, entry["functions"])
        for index, name, parts, desc in entry["lookups"]:
            if _resolve(functions[index], name, parts) != desc:
                return None
        generated = _materialize(entry, functions, fn.__globals__)
    except Exception:  # anything off: transform as if there were no entry
        return None
    return CachedTransformed(generated, make)


def _materialize(entry, functions, globals_):
    from .ad import companions as calls
    companions = []
    for index, kind, prefix, codes, wrt, kinds, extra in entry["companions"]:
        fn = functions[index]
        key = (*prefix, fn, wrt, kinds)
        comp = calls._COMPANIONS.get(key)
        fresh = comp is None
        if fresh:
            comp = (calls.Companion if kind == "Companion" else calls.TangentCompanion)(fn, wrt)
        companions.append((comp, codes, fresh, key, extra))
    objects = [c[0] for c in companions]
    for comp, codes, fresh, key, extra in companions:
        if not fresh:
            continue
        for attr, record in codes.items():
            setattr(comp, attr, _compile(record, objects, comp.fn.__globals__).fn)
        for attr, value in extra.items():
            if value is not None:
                setattr(comp, attr, value)
    for comp, codes, fresh, key, extra in companions:
        if fresh:
            calls._COMPANIONS[key] = comp
    return _compile(entry["code"], objects, globals_)


def _compile(record, companions, globals_):
    """The Generated of a stored record: its code, closing over its bindings again."""
    from .backend.codegen import Generated
    from .sourcefiles import FILES, GENERATED, compile_function, file_for, run_factory
    bindings = {k: _bound(d, companions) for k, d in record["bindings"]}
    name, source, origin = record["name"], record["source"], record["origin"]
    if file_for(name, source, origin) == record["filename"]:
        filename = record["filename"]
        func = run_factory(marshal.loads(record["code"]), name, source, bindings, globals_,
                           filename)
    else:  # the cache directory moved: compile the text again
        func, filename = compile_function(name, source, bindings, globals_, origin)
    FILES.add(filename)
    comps = {k: v for k, v in bindings.items() if _is_companion(v)}
    generated = Generated(name, source, func, filename, dict(record["line_locs"]), origin, comps)
    GENERATED[filename] = generated
    return generated


class CachedTransformed:
    """A Transformed read from the cache: the generated code now; the other
    stages (SSA, adjoint IR...) are made by transforming again, when asked for."""

    from_cache = True

    def __init__(self, code, make):
        self.code = code
        self._make = make
        self._full = None

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        if self._full is None:
            self._full = self._make()
        return getattr(self._full, name)
