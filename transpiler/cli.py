"""Command line: the `tapeless` console script, also `python -m transpiler`.

    tapeless --version
    python -m transpiler dump path/to/file.py:func [--wrt x,y] [--stage S]
    python -m transpiler check path/to/file.py:func --args "1.0, 2.0" [--wrt x,y]
    python -m transpiler graph path/to/file.py:func --args "1, 2, 0" [-o graph.svg]

`check` prints the `check_grad` report (compiled adjoint, tape engine and
finite differences side by side) and exits with status 1 when they disagree.
"""
from __future__ import annotations

import argparse
import importlib.util
import os
import sys

from .errors import TranspileError

DUMP_STAGES = {"parse": "parse", "normalize": "normalize", "ssa": "ssa",
               "activity": "activity", "adjoint": "code", "adjoint-ir": "adjoint",
               "optimized-ir": "optimized"}


def load_function(target):
    """`path/to/file.py:func` -> the function object (the file is imported as a module)."""
    path, sep, name = target.rpartition(":")
    if not sep or not path or not name:
        raise SystemExit(f"expected FILE.py:FUNCTION, got {target!r}")
    if not os.path.exists(path):
        raise SystemExit(f"no such file: {path}")
    module_name = "_tapeless_cli_" + os.path.splitext(os.path.basename(path))[0]
    spec = importlib.util.spec_from_file_location(module_name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    sys.path.insert(0, os.path.dirname(os.path.abspath(path)))
    spec.loader.exec_module(module)
    obj = module
    for part in name.split("."):
        if not hasattr(obj, part):
            raise SystemExit(f"{path} has no function {name!r}")
        obj = getattr(obj, part)
    return getattr(obj, "fn", obj)  # a @grad-decorated function: its primal


def parse_wrt(text):
    if text is None:
        return 0
    items = [int(t) if t.strip().lstrip("-").isdigit() else t.strip() for t in text.split(",")]
    return items[0] if len(items) == 1 else tuple(items)


def parse_args_text(text, fn):
    """`--args "1.0, np.ones(3)"` -> a tuple, evaluated with the function's globals."""
    if text is None:
        return None
    value = eval(f"({text},)", dict(fn.__globals__))  # noqa: S307 - the user's own input
    return tuple(value)


def cmd_dump(args):
    from .api import _kind_of, _signature
    from .pipeline import transform
    fn = load_function(args.target)
    example = parse_args_text(args.args, fn)
    kinds = tuple(_kind_of(_signature(a)) for a in example) if example else None
    transformed = transform(fn, parse_wrt(args.wrt), optimize=not args.no_optimize, kinds=kinds)
    sys.stdout.write(transformed.stage_text(DUMP_STAGES[args.stage]))
    return 0


def cmd_check(args):
    from .check import check_grad
    fn = load_function(args.target)
    report = check_grad(fn, *parse_args_text(args.args, fn), wrt=parse_wrt(args.wrt),
                        rtol=args.rtol, atol=args.atol)
    print(report)
    return 0 if report.passed else 1


def _add_check(sub):
    check = sub.add_parser("check", help="compare the generated gradient with the tape "
                           "engine and finite differences (exit status 1 on a mismatch)")
    check.add_argument("target", help="path/to/file.py:function")
    check.add_argument("--args", required=True, help="the arguments to check the gradient "
                       "at, e.g. \"1.0, np.ones(3)\" (evaluated with the file's globals)")
    check.add_argument("--wrt", help="parameters to differentiate: indices or names, comma "
                       "separated (default: the first)")
    check.add_argument("--rtol", type=float, default=1e-5, help="relative tolerance")
    check.add_argument("--atol", type=float, default=1e-7, help="absolute tolerance")
    check.set_defaults(run=cmd_check)


def cmd_graph(args):
    from .graph import graph
    fn = load_function(args.target)
    wrt = None if args.wrt is None else parse_wrt(args.wrt)
    picture = graph(fn, *parse_args_text(args.args, fn), wrt=wrt)
    if args.output is None:
        sys.stdout.write(picture.to_dot())
        return 0
    try:
        picture.save(args.output)
    except RuntimeError as error:  # no Graphviz for an image
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(f"wrote {args.output}")
    return 0


def _add_graph(sub):
    graph = sub.add_parser("graph", help="the computational graph of one evaluation: values "
                           "forward, gradients back (DOT text, or .svg/.png via Graphviz)")
    graph.add_argument("target", help="path/to/file.py:function")
    graph.add_argument("--args", required=True, help="the arguments of the evaluation, e.g. "
                       "\"1.0, 2.0, 0.0\" (evaluated with the file's globals)")
    graph.add_argument("--wrt", help="parameters to differentiate (default: every number or "
                       "array argument)")
    graph.add_argument("-o", "--output", help="write graph.dot, graph.svg or graph.png "
                       "instead of printing DOT text (.svg/.png need Graphviz's `dot`)")
    graph.set_defaults(run=cmd_graph)


def build_parser(prog="tapeless"):
    from . import __version__
    parser = argparse.ArgumentParser(prog=prog, description="tapeless: source-transformation AD")
    parser.add_argument("--version", action="version", version=f"tapeless {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    dump = sub.add_parser("dump", help="print one stage of the transformation of a function")
    dump.add_argument("target", help="path/to/file.py:function")
    dump.add_argument("--wrt", help="parameters to differentiate: indices or names, comma "
                      "separated (default: the first)")
    dump.add_argument("--stage", choices=list(DUMP_STAGES), default="adjoint",
                      help="which stage to print (default: adjoint, the generated code)")
    dump.add_argument("--args", help="example arguments, e.g. \"1.0, 2.0\": specialize the "
                      "code for them (scalars need no unbroadcast)")
    dump.add_argument("--no-optimize", action="store_true",
                      help="show the code before the SSA optimizations")
    dump.set_defaults(run=cmd_dump)
    _add_check(sub)
    _add_graph(sub)
    return parser


def main(argv=None, prog="tapeless"):
    """The `tapeless` console script (`python -m transpiler` passes its own `prog`)."""
    args = build_parser(prog).parse_args(argv)
    try:
        return args.run(args)
    except TranspileError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
