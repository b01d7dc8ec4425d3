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
    FILES.add(filename)
    lines = source.splitlines(True)
    linecache.cache[filename] = (len(source), None, lines, filename)  # mtime None: kept
    namespace: dict = {}
    code = compile(_factory(name, source, bindings, len(lines)), filename, "exec")
    exec(code, globals_ if globals_ is not None else {}, namespace)
    return namespace["__tapeless_factory__"](*bindings.values()), filename


def _factory(name: str, source: str, bindings: dict, nlines: int) -> ast.Module:
    """`def __tapeless_factory__(<bindings>): <source>; return <name>` as a tree
    whose inner lines and columns are those of `source` itself."""
    text = "def __tapeless_factory__(" + ", ".join(bindings) + "):\n" + \
        "".join("    " + line for line in source.splitlines(True)) + f"    return {name}\n"
    tree = ast.parse(text)
    factory: Any = tree.body[0]
    for stmt in factory.body[:-1]:
        _shift(stmt, -1, -4)
    for node in ast.walk(factory.body[-1]):
        if "lineno" in node._attributes:
            node.lineno = node.end_lineno = nlines + 1  # type: ignore[attr-defined]
    return tree


def _shift(tree: ast.AST, lines: int, columns: int) -> None:
    """Move every node of `tree` by `lines` and `columns`."""
    for node in ast.walk(tree):
        if "lineno" in node._attributes:
            n: Any = node
            n.lineno += lines
            n.end_lineno = (n.end_lineno or n.lineno - lines) + lines
            n.col_offset += columns
            n.end_col_offset = (n.end_col_offset or -columns) + columns


def is_generated(filename: str) -> bool:
    """Whether `filename` holds code tapeless generated (in this process)."""
    return filename in FILES or filename.startswith("<tapeless")
