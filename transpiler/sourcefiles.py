"""Generated code as real files: what tracebacks, pdb and `inspect` read.

`compile_function(name, source, bindings, globals_, origin)` compiles the text of
one generated `def` with `bindings` as closure variables, and returns the
function. Its code's file is `<cache>/<origin>.<name>.<hash>.py`, holding exactly
`source`, so that

- a plain `python script.py` traceback (CPython 3.11/3.12 read the file itself,
  not `linecache`) shows the generated line, with its carets;
- line N of the frame is line N of `.source` (the closure factory around the
  function is compiled with its line numbers moved so that it adds none);
- `b <file>:<line>` works in pdb (it checks that the line exists).

The file is named by a hash of its text and origin, written once (atomically),
and registered with `linecache` too. The cache is `$TAPELESS_CACHE_DIR`, or
`$XDG_CACHE_HOME/tapeless/generated` (`~/.cache/...`); when no directory can be
written (or `TAPELESS_CACHE_DIR` is set empty) the code gets a `<tapeless ...>`
pseudo-file known to `linecache` only, as `exec`'d code usually is.

    def f_adjoint(x, d_f=1.0):                def __tapeless_factory__(np):  # line 1
        d_x = d_f * np.cos(x)        ->           def f_adjoint(x, d_f=1.0): # line 1
        return (np.sin(x), d_x)                       ...                    # line 2...
"""
from __future__ import annotations

import ast
import hashlib
import itertools
import linecache
import os
import tempfile
from typing import Any

_COUNTER = itertools.count(1)
FILES: set = set()  # every file name given to generated code in this process
# what watches the transforms under way (diskcache.Recorder, innermost last): the
# free names they resolve (parse.Scope, ssa.py) and the code they compile (here)
RECORDERS: list = []
GENERATED: dict = {}  # file name of generated code -> codegen.Generated (for error messages)
_DIR: list = []  # the cache directory, once found ("" when none can be written)


def cache_dir() -> str:
    """Where generated files go ("" when nowhere)."""
    if not _DIR:
        _DIR.append(_writable(_candidates()))
    return _DIR[0]


def _candidates() -> list[str]:
    if "TAPELESS_CACHE_DIR" in os.environ:
        return [os.environ["TAPELESS_CACHE_DIR"]]
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return [os.path.join(base, "tapeless", "generated"),
            os.path.join(tempfile.gettempdir(), f"tapeless-{os.getuid() if hasattr(os, 'getuid') else 'user'}")]


def _writable(candidates: list[str]) -> str:
    for path in candidates:
        if not path:
            return ""
        try:
            os.makedirs(path, exist_ok=True)
            if os.access(path, os.W_OK):
                return os.path.abspath(path)
        except OSError:
            continue
    return ""


def file_for(name: str, source: str, origin: str = "") -> str:
    """The file name for generated `source` (written if not there yet)."""
    where = cache_dir()
    stem = os.path.splitext(os.path.basename(origin))[0] if origin else ""
    if where:
        digest = hashlib.sha1(f"{origin}\0{source}".encode()).hexdigest()[:10]
        path = os.path.join(where, f"{stem + '.' if stem else ''}{name}.{digest}.py")
        if os.path.exists(path) or _write(path, source):
            return path
    suffix = f" from {os.path.basename(origin)}" if origin else ""
    return f"<tapeless {name} #{next(_COUNTER)}{suffix}>"


def _write(path: str, text: str) -> bool:
    try:
        fd, temporary = tempfile.mkstemp(dir=os.path.dirname(path), suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(temporary, path)  # other processes see the whole file or none
        return True
    except OSError:
        return False


def compile_function(name: str, source: str, bindings: dict, globals_: dict | None = None,
                     origin: str = "") -> tuple[Any, str]:
    """The function `name` defined by `source`, closing over `bindings`, compiled
    in `globals_` (the user's module globals: module data is read live)."""
    filename = file_for(name, source, origin)
    code = compile(_factory(name, source, bindings, len(source.splitlines(True))), filename, "exec")
    if RECORDERS:
        RECORDERS[-1].compiled(name, source, bindings, code, filename, origin)
    return run_factory(code, name, source, bindings, globals_, filename), filename


def run_factory(code, name: str, source: str, bindings: dict, globals_: dict | None,
                filename: str) -> Any:
    """The function made by the compiled factory `code` (also what diskcache.py
    loads), its file known to linecache."""
    FILES.add(filename)
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    namespace: dict = {}
    exec(code, globals_ if globals_ is not None else {}, namespace)
    return namespace["__tapeless_factory__"](*bindings.values())


def _factory(name: str, source: str, bindings: dict, nlines: int) -> ast.Module:
    """`def __tapeless_factory__(<bindings>): <source>; return <name>` as a tree
    whose inner lines and columns are those of `source` itself (parsed alone,
    then put inside the factory's def)."""
    tree = ast.parse("def __tapeless_factory__(" + ", ".join(bindings) + "):\n"
                     f"    return {name}\n")
    factory: Any = tree.body[0]
    for node in ast.walk(factory.body[-1]):
        if "lineno" in node._attributes:
            node.lineno = node.end_lineno = nlines + 1  # type: ignore[attr-defined]
    factory.body[:0] = ast.parse(source).body
    factory.end_lineno = nlines + 2  # (where the text with the def around it ends)
    return tree


def is_generated(filename: str) -> bool:
    """Whether `filename` holds code tapeless generated (in this process)."""
    return filename in FILES or filename.startswith("<tapeless")
