"""Tables for the documentation, generated from the compiler itself so they cannot drift."""
from __future__ import annotations


def unsupported_table():
    """Markdown rows: each construct the compiler rejects, and the error it gives."""
    from .frontend.normalize import UNSUPPORTED, Normalizer
    lines = ["| construct | error | why | fix |", "| --- | --- | --- | --- |"]
    rows = {}  # one row per construct (`try` and `try*` are one statement to a reader)
    for kind, (what, why, fix) in UNSUPPORTED.items():  # the first (most general) reason
        if not any(hasattr(Normalizer, f"{part}_{kind}") for part in ("stmt", "expr")):
            rows.setdefault(what, (why, fix))  # (a construct with a handler is supported)
    for what, (why, fix) in sorted(rows.items()):
        lines.append(f"| {what} | ``cannot differentiate {what}`` | {why} | {fix} |")
    return "\n".join(lines) + "\n"


def refresh_dumps(text, root):
    """Replace the output under every ```` ```text ```` block that starts with a
    `$ python -m transpiler dump ...` command by what that command prints now."""
    import re
    import shlex
    import subprocess
    import sys

    def run(match):
        command = match.group(1)
        args = shlex.split(command)[3:]  # after `python -m transpiler`
        out = subprocess.run([sys.executable, "-m", "transpiler"] + args, cwd=root,
                             capture_output=True, text=True, check=True).stdout
        return f"```text\n$ {command}\n{out}```"
    return re.sub(r"```text\n\$ (python -m transpiler dump [^\n]*)\n.*?```", run, text,
                  flags=re.S)


def _public_names():
    """Rule-table key -> how users spell it: np.sin, np.linalg.inv, math.exp, abs,
    scipy.special.erf, scipy.stats.norm.logpdf."""
    import builtins
    import math

    import numpy as np

    from .rules.table import _key
    names = {}
    for prefix, module in (("np.linalg.", np.linalg), ("np.", np), ("math.", math),
                           ("", builtins)) + _scipy_modules():
        for attr in dir(module):
            obj = getattr(module, attr)
            if attr.startswith("_") or not callable(obj):
                continue
            names.setdefault(_key(obj), []).append(prefix + attr)
    return {k: ", ".join(f"`{s}`" for s in sorted(v)) for k, v in names.items()}


def _scipy_modules():
    """(prefix, namespace) for SciPy's modules and distributions, if SciPy imports."""
    try:
        import scipy.integrate
        import scipy.linalg
        import scipy.signal
        import scipy.special
        import scipy.stats
    except ImportError:
        return ()
    out = [(f"scipy.{m}.", getattr(scipy, m)) for m in ("special", "signal", "linalg",
                                                        "integrate")]
    for attr in dir(scipy.stats):
        obj = getattr(scipy.stats, attr)
        if type(obj).__module__.startswith("scipy.stats") and not attr.startswith("_"):
            out.append((f"scipy.stats.{attr}.", obj))
    return tuple(out)


def _forward_mode(rule):
    if rule.partials is not None or rule.linear:
        return "yes"
    have = [p for p in rule.wrt if p in rule.tangents]
    if len(have) == len(rule.wrt):
        return "yes"
    return f"for {', '.join(f'`{p}`' for p in have)} only" if have else "no"


def _note(rule):
    import inspect
    for fn in (rule.adjoint, rule.partials):
        doc = inspect.getdoc(fn) if fn is not None else None
        if doc:
            return doc.splitlines()[0].replace("|", "\\|")
    return ""


def rules_table():
    """Markdown: every NumPy, math and builtin function with a derivative rule
    (what reverse and forward mode support), then those that carry no gradient."""
    from .rules import _load_builtin_rules
    from .rules.table import _NONDIFF, _TABLE, _registered_imported_families
    _load_builtin_rules()
    _registered_imported_families(everything=True)
    names = _public_names()
    sections = {"NumPy": [], "SciPy (when SciPy is installed)": [],
                "Python builtins and `math`": []}
    for key, rule in _TABLE.items():
        name = names.get(key)
        if name is None:
            continue
        section = "NumPy" if name.startswith("`np.") else "SciPy (when SciPy is installed)" \
            if name.startswith("`scipy.") else "Python builtins and `math`"
        reverse = "elementwise partials" if rule.partials is not None else "adjoint"
        wrt = ", ".join(f"`{p}`" for p in rule.wrt)
        sections[section].append(f"| {name} | {reverse} for {wrt} | {_forward_mode(rule)} "
                                 f"| {_note(rule)} |")
    out = []
    for title, rows in sections.items():
        out += [f"### {title}", "", "| function | reverse mode | forward mode | notes |",
                "| --- | --- | --- | --- |"] + sorted(rows) + [""]
    inert = sorted(names[k] for k in _NONDIFF if k in names)
    out += ["### No gradient (values pass through)", "", ", ".join(inert), ""]
    return "\n".join(out)


def numpy_support_page():
    return ("# Supported NumPy, SciPy, `math` and builtin functions\n\n"
            "Generated from the rule table (`python docs/refresh.py`; a test checks it is "
            "current), so it lists exactly what the compiler and the tape engine know. "
            "\"elementwise partials\" rules give both modes from one formula; arguments "
            "not listed under reverse mode (shapes, axes, `dtype`) are not differentiated. "
            "Functions not listed need a rule: see [custom rules](custom-rules.md). "
            "Array methods (`x.sum()`, `x.T`, ...) use the function's row; item reads and "
            "writes are in [supported Python](supported-python.md). SciPy is optional "
            "(`pip install tapeless[scipy]`): its rules register when it imports.\n\n"
            "`np.r_[...]` and `np.c_[...]` are differentiated in every mode (arrays, scalars "
            "and lists as items; slices and directive strings are constants); a differentiated "
            "bound of a slice in them or in `np.mgrid[...]` / `np.ogrid[...]` is an error "
            "(use `np.linspace`). Complex values follow autograd's convention: the gradient "
            "of a real function of z = x + iy is df/dx - i df/dy (holomorphic rules are "
            "g * f'(z), with no conjugate), the gradient of a real input is real, and `grad` "
            "of a function with a complex value is a TypeError (use `vjp`). "
            "`np.linalg.norm` and `np.linalg.cholesky` of complex arrays are refused with a "
            "TypeError.\n\n" + rules_table())


def architecture_page():
    """docs/architecture.md, generated from the tree (transpiler/layout.py) and
    the pipeline's list of stages, so that it cannot drift from the code."""
    from . import layout
    return "\n".join(_ARCHITECTURE_HEAD + _pipeline_picture(layout) + _stage_table(layout)
                     + _ARCHITECTURE_TAIL) + "\n"


def _pipeline_picture(layout):
    """The stages in the order data flows, each with the results it produces
    (pipeline.STAGES) and its modules."""
    from .pipeline import STAGES
    grouped = layout.stage_modules()
    lines = ["```text", "function object"]
    for package in ("frontend", "ir", "ad", "backend"):
        made = ", ".join(s for s in STAGES if layout.PRODUCED_BY[s] == package)
        names = ", ".join(m.rsplit(".", 1)[-1] if m.count(".") > 1 else "__init__"
                          for m in grouped[package])
        lines += ["   |", f"   v  {package + '/':<10} -> {made}", f"      {'':<10}    ({names})"]
    lines += ["   |", "   v  callable: grad(f)(x), jvp, jit, ... (transpiler/*.py)", "",
              "rules/ (the rule table) is read by ir/, ad/ and the tape engine;",
              "runtime/ is what generated code calls; nothing in it imports transpiler.", "```"]
    return lines


def _stage_table(layout):
    rows = ["", "## The stages, in import order", "",
            "A module imports only from its own stage or an earlier one (tests/test_layout.py).",
            "", "| stage | where | invariant |", "| --- | --- | --- |"]
    return rows + [f"| {name} | `{where}` | {what} |" for name, where, what in layout.STAGES]


_ARCHITECTURE_HEAD = [
    "# Architecture: the stages in the tree",
    "",
    "Generated from `transpiler/layout.py` and `pipeline.STAGES` by `python docs/refresh.py`;",
    "`tests/test_layout.py` checks that it matches the tree. The tour of one function",
    "through every stage is [How the compiler works](how-it-works.md).",
    "",
    "## The pipeline",
    "",
]

_ARCHITECTURE_TAIL = [
    "",
    "## Where to add things",
    "",
    "- **A rule** for a library function: a small Python function in the family module of",
    "  `transpiler/rules/` for its library (`numpy.py`, `python.py`, `stats.py`, ...),",
    "  registered with `@adjoint`, `@partials` or `@tangent` ([custom rules](custom-rules.md)).",
    "  A new family module is imported by `rules/__init__.py`'s `_load_builtin_rules`.",
    "- **A Python construct**: desugar it in `transpiler/frontend/normalize.py` (or",
    "  `jumps.py`, `local_functions.py`) to the core the SSA builder reads; if it needs",
    "  new control flow, build it in `transpiler/ir/ssa.py` and teach `ir.verify`.",
    "- **A transform** (a new differential operator): on top, beside `higher.py`, built on",
    "  `pipeline.transform` / `transform_forward` and the `Gradient` of `api.py`; a new",
    "  kind of derived SSA goes in `transpiler/ad/` and gets a name in `pipeline.STAGES`.",
    "- **An optimization** on SSA: `transpiler/backend/optimize.py` (one statement:",
    "  `ir/peephole.py`); it must keep `ir.verify` true and results unchanged",
    "  (the suite runs with `TAPELESS_OPTIMIZE=0` too).",
    "- **A runtime helper** generated code calls: `runtime/`, with its rule in",
    "  `transpiler/rules/runtime.py` so generated code differentiates again.",
]
