"""The source tree's own layout: its stages, their modules, and every import.

What tests/test_layout.py checks (no import circle, imports only from the same
stage or an earlier one, no oversized module) and what docs/architecture.md
shows (regenerate it with `python docs/refresh.py`). Reads the source files
with `ast`, so function-level imports count as much as module-level ones.

    >>> stage_of("transpiler.ad.reverse"), stage_of("runtime.ops")
    ('ad', 'runtime')
"""
from __future__ import annotations

import ast
import os
import statistics

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PACKAGES = ("runtime", "transpiler")

# (stage, where it lives, what it guarantees), in the order data flows
STAGES = (
    ("runtime", "runtime/", "what generated code calls; imports nothing of the compiler"),
    ("base", "transpiler/errors.py, hints.py, sourcefiles.py",
     "errors with source locations, type aliases, generated files; import no stage"),
    ("rules", "transpiler/rules/", "one small Python function per primitive and mode; "
     "the compiler inlines them and the tape engine calls them"),
    ("frontend", "transpiler/frontend/", "function object -> gast in A-normal form: one "
     "operation per statement, no nested defs, loops' jumps lowered to flags"),
    ("ir", "transpiler/ir/", "ANF -> structured SSA: every name assigned once, "
     "`ir.verify` holds after every pass"),
    ("ad", "transpiler/ad/", "SSA -> adjoint or tangent SSA, in the input language "
     "(so it can be differentiated again)"),
    ("backend", "transpiler/backend/", "SSA -> optimized SSA -> readable Python source "
     "-> a callable"),
    ("top", "transpiler/*.py", "the pipeline in one list (pipeline.py) and what users "
     "call: grad, jvp, jit, check_grad, graph, the tape engine, the CLI"),
)
ORDER = [name for name, _, _ in STAGES]
# which package produces each result pipeline.STAGES names
PRODUCED_BY = {"parse": "frontend", "normalize": "frontend", "ssa": "ir", "activity": "ad",
               "adjoint": "ad", "optimized": "backend", "code": "backend"}
BASE = {"transpiler.errors", "transpiler.hints", "transpiler.sourcefiles"}
SUBPACKAGES = ("rules", "frontend", "ir", "ad", "backend")
TABLES = ("transpiler.rules.",)  # rule tables may be long: one simple table each
MAX_LINES = 450


def stage_of(module):
    """The stage a module belongs to (see STAGES)."""
    parts = module.split(".")
    if parts[0] == "runtime":
        return "runtime"
    if module in BASE:
        return "base"
    if len(parts) > 1 and parts[1] in SUBPACKAGES:
        return parts[1]
    return "top"


def modules(root=ROOT):
    """{dotted module name: file path} of every module in the two packages."""
    found = {}
    for package in PACKAGES:
        for folder, dirs, files in os.walk(os.path.join(root, package)):
            dirs[:] = [d for d in dirs if d != "__pycache__"]
            for name in sorted(f for f in files if f.endswith(".py")):
                path = os.path.join(folder, name)
                dotted = os.path.relpath(path, root)[:-3].replace(os.sep, ".")
                found[dotted.removesuffix(".__init__")] = path
    return found


def _imported(node, module, is_package, known):
    """The dotted names an Import or ImportFrom node imports: `from p import m` of a
    submodule `m` names `p.m`, of anything else `p`."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    base = module if is_package else module.rpartition(".")[0]
    for _ in range(node.level - 1):
        base = base.rpartition(".")[0]
    target = (base + "." + node.module if node.module else base) if node.level \
        else node.module
    return [f"{target}.{a.name}" if f"{target}.{a.name}" in known else target
            for a in node.names]


def imports(module, path, known):
    """The modules of the two packages that `module` imports, anywhere in its file."""
    tree = ast.parse(open(path).read())
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            for name in _imported(node, module, path.endswith("__init__.py"), known):
                while name and name not in known:
                    name = name.rpartition(".")[0]
                if name and name != module:
                    found.add(name)
    return found


def import_graph(root=ROOT):
    """{module: set of the modules it imports}."""
    known = modules(root)
    return {m: imports(m, path, known) for m, path in known.items()}


def cycles(graph):
    """The strongly connected components of more than one module (Tarjan)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while not component or component[-1] != v:
                component.append(stack.pop())
                on_stack.discard(component[-1])
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def upward_imports(graph):
    """(importer, imported) pairs where a module imports from a later stage."""
    return [(m, t) for m in sorted(graph) for t in sorted(graph[m])
            if ORDER.index(stage_of(t)) > ORDER.index(stage_of(m))]


def line_counts(root=ROOT):
    """{module: number of lines}."""
    return {m: len(open(p).read().splitlines()) for m, p in modules(root).items()}


def oversized(root=ROOT, limit=MAX_LINES):
    """Modules longer than `limit` lines, rule tables excepted."""
    return sorted(m for m, n in line_counts(root).items()
                  if n > limit and not m.startswith(TABLES))


def function_lengths(root=ROOT):
    """The length in lines of every function and method."""
    lengths = []
    for path in modules(root).values():
        for node in ast.walk(ast.parse(open(path).read())):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                lengths.append(node.end_lineno - node.lineno + 1)
    return lengths


def median_function_length(root=ROOT):
    return statistics.median(function_lengths(root))


def stage_modules(root=ROOT):
    """{stage: its modules, in order}."""
    grouped = {name: [] for name in ORDER}
    for module in sorted(modules(root)):
        grouped[stage_of(module)].append(module)
    return grouped
