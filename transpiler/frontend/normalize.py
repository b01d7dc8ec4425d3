"""Stage 2: gast FunctionDef -> the same function in A-normal form (ANF).

Takes the parsed function; guarantees that every statement is one of
`name = <one operation on names and constants>`, a call kept for its effect,
`if name:` with normalized regions, `for`/`while` with normalized regions,
item writes as `y = __tapeless_setitem__(y[index], atom)` (a new version of `y`),
and exactly one `return name` at the end. Augmented assignment, chained
comparisons, `and`/`or`, conditional expressions and tuple unpacking are
desugared; early returns become if/else regions. Constructs that cannot be
differentiated raise `TranspileError` here, at their line.

    def f(x, y):                    def f(x, y):
        if x > y:                       gt = x > y
            return x * y       ->       if gt:
        return (x + y) * 2                  f = x * y
                                        else:
                                            add = x + y
                                            f = add * 2
                                        return f
"""
from __future__ import annotations

import builtins
import copy

import gast

from runtime import ops

from . import nodes
from ..errors import TranspileError, working_on
from .jumps import JumpLowering
from .local_functions import _PARTIAL, LocalFunctions
from .normalize_calls import Calls
from .normalize_loops import Loops
from .normalize_targets import _CHECK_STARRED, _CHECK_UNPACK, _SET_ITEM, Targets  # noqa: F401
from .normalize_expressions import _MAKE_DICT, Expressions  # noqa: F401  (ssa.py reads it here)
from .syntax import BINARY, STEMS
from .unsupported import UNSUPPORTED


def normalize(parsed):
    """Return the ANF gast FunctionDef of `parsed` (see module docstring)."""
    return Normalizer(parsed).function(parsed.node)


def _all_names(node):
    return {n.id for n in gast.walk(node) if isinstance(n, gast.Name)}


_COMPREHENSIONS = (gast.ListComp, gast.GeneratorExp, gast.SetComp, gast.DictComp)


def name_sets(node):
    """(every name in `node`, the names it assigns or takes as parameters (its
    locals), the names outside its comprehensions, how many times it reads each
    name), in one walk: the normalizer and the SSA builder need them, and a long
    function is a big tree."""
    every, assigned, outside, reads = set(), set(), set(), {}
    stack = [(node, False)]
    while stack:
        n, in_comprehension = stack.pop()
        if isinstance(n, gast.Name):
            every.add(n.id)
            if isinstance(n.ctx, (gast.Store, gast.Param)):
                assigned.add(n.id)
            elif isinstance(n.ctx, gast.Load):
                reads[n.id] = reads.get(n.id, 0) + 1
            if not in_comprehension:
                outside.add(n.id)
        inner = in_comprehension or isinstance(n, _COMPREHENSIONS)
        for field in n._fields:  # (gast.iter_child_nodes, at a third of the cost)
            value = getattr(n, field, None)
            if isinstance(value, list):
                stack.extend((item, inner) for item in value if isinstance(item, gast.AST))
            elif isinstance(value, gast.AST):
                stack.append((value, inner))
    return every, assigned, outside, reads


class Normalizer(LocalFunctions, Loops, Expressions, Calls, Targets):
    UNSUPPORTED = UNSUPPORTED  # (read by Expressions.simple)

    def __init__(self, parsed):
        self.parsed = parsed
        # names the normalizer itself calls (`range(len(xs))`) are never temporaries
        self.user_names, self.locals, self.outside_comprehensions, _ = name_sets(parsed.node)
        self.taken = self.user_names | {"len", "range", "min", "zip", "tuple", "dict", _PARTIAL,
                                        "sequence", "sort_order", _FAIL, "format_value",
                                        _CHECK_UNPACK, _CHECK_STARRED}
        self.temps = set()
        self.tried = {}  # base -> the last suffix fresh() tried
        self.pending = []
        self.local_functions = {}  # nested defs and lambdas, inlined where called
        node = parsed.node
        self.params = {a.id for a in node.args.args + node.args.posonlyargs +
                       node.args.kwonlyargs}
        self.inlining = []
        self.comprehension_names = set()

    # -- helpers ----------------------------------------------------------
    def error(self, node, what, why="", fix=""):
        raise TranspileError(f"cannot differentiate {what}", self.parsed.loc(node), why, fix)

    def unsupported(self, node):
        what, why, fix = UNSUPPORTED[type(node).__name__]
        self.error(node, what, why, fix)

    def fresh(self, hint):
        base = hint if hint.isidentifier() else "t"
        candidate, n = base, self.tried.get(base, 0)
        while candidate in self.taken:
            n += 1
            candidate = f"{base}_{n}"
        self.tried[base] = n  # (names are never given back: the next one starts here)
        self.taken.add(candidate)
        self.temps.add(candidate)
        return candidate

    def _fresh_local(self, hint):
        name = self.fresh(hint)
        self.locals.add(name)
        return name

    def is_free(self, node):
        """A dotted name that does not start at a local: a module, function or global."""
        while isinstance(node, gast.Attribute):
            node = node.value
        return isinstance(node, gast.Name) and node.id not in self.locals

    # -- function ---------------------------------------------------------
    def function(self, node):
        args = node.args
        if args.kwarg:
            self.error(node, "a function with a **kwargs parameter",
                       "only named parameters can be differentiated",
                       "give every parameter a name")
        if args.vararg:
            self.error(node, "a function with *args, for a call not yet seen",
                       "a function with *args is specialized for the number of arguments "
                       "of each call, which is not known here",
                       "call the gradient (or dump with --args), or give every parameter a name")
        ret = self.fresh(node.name)
        self.temps.discard(ret)
        self.locals.add(ret)
        JumpLowering(self._fresh_local, ret).function(node)
        body = self.block(node.body)
        body, returns = self.single_exit(body, ret)
        if not returns:
            self.error(node, f"{node.name}: it does not return a value on every path",
                       "a gradient needs an output to start from", "return the value")
        if len(body) >= 1 and isinstance(body[-1], gast.Assign) and \
                body[-1].targets[0].id == ret and isinstance(body[-1].value, gast.Name):
            last = body.pop()
            body.append(nodes.ret(last.value, like=last))
        else:
            body.append(nodes.ret(nodes.name(ret), like=node))
        out = gast.FunctionDef(name=node.name, args=args, body=body, decorator_list=[],
                               returns=None, type_comment=None, type_params=[])
        out.temps = self.temps  # names made up here, so later stages may fold them away
        return gast.copy_location(out, node)

    def block(self, stmts):
        out = []
        for s in stmts:
            lowered = self.stmt(s)
            while self.pending:  # values a statement needs computed before it
                out.extend(self.stmt(self.pending.pop(0)))
            out.extend(lowered)
        return out

    # -- statements -------------------------------------------------------
    def stmt(self, s):
        working_on(self.parsed.loc(s))
        kind = type(s).__name__
        method = getattr(self, f"stmt_{kind}", None)
        if method is not None:
            return method(s)
        if kind in UNSUPPORTED:
            self.unsupported(s)
        self.error(s, f"a `{kind}` statement", "it is not part of the supported subset")

    def stmt_Pass(self, s):
        return []

    def stmt_Expr(self, s):
        if isinstance(s.value, gast.Constant):  # docstring or bare literal
            return []
        call = s.value
        if isinstance(call, gast.Call) and isinstance(call.func, gast.Attribute) and \
                call.func.attr == "append" and isinstance(call.func.value, gast.Name) and \
                call.func.value.id in self.locals:
            return self.list_append(s, call)
        out = []
        value = self.simple(s.value, out)
        if isinstance(value, gast.Call):
            out.append(nodes.expr_stmt(value, like=s))
        return out

    def list_append(self, s, call):
        """`xs.append(v)` -> `xs = list_append(xs, v)`: a new SSA version of the list."""
        name = call.func.value.id
        if name in self.params:
            self.error(s, f"an append to the argument list `{name}`", "changing an argument "
                       "in place would change the caller's data and the values the reverse "
                       "sweep reads", f"copy it first: {name} = list({name})")
        if len(call.args) != 1 or call.keywords:
            self.error(s, "an append with other than one argument")
        value = nodes.call(nodes.name(_LIST_APPEND), [nodes.name(name), call.args[0]])
        return self.stmt_Assign(nodes.assign(name, gast.copy_location(value, call), like=s))

    def expr_GeneratorExp(self, e, out):
        """`sum(x * w for w in ws)`: the items are built as a list (a generator here
        is consumed whole; its items are the same values)."""
        return self.expr_ListComp(e, out)

    def expr_DictComp(self, e, out):
        """`{k: f(v) for k, v in d.items()}` -> `dict(pairs)`, the pairs built by
        the list comprehension `[(k, f(v)) for k, v in d.items()]`."""
        if "dict" in self.user_names:
            self.error(e, "a dict comprehension in a function that rebinds `dict`",
                       "it is built with the builtin `dict`", "rename the local `dict`")
        pairs = gast.copy_location(gast.ListComp(
            elt=gast.Tuple(elts=[e.key, e.value], ctx=gast.Load()), generators=e.generators), e)
        items = self.expr_ListComp(pairs, out)
        self.parsed.scope.closure["dict"] = builtins.dict
        return gast.copy_location(nodes.call(nodes.name("dict"), [items]), e)

    def expr_ListComp(self, e, out):
        """`[f(x) for x in xs if c]` -> a loop that appends."""
        e = copy.deepcopy(e)
        rename = {}  # comprehension variables do not leak into the function
        for gen in e.generators:
            for n in gast.walk(gen.target):
                if isinstance(n, gast.Name) and n.id not in rename:
                    if n.id in self.outside_comprehensions or n.id in self.comprehension_names:
                        rename[n.id] = self.fresh(n.id)
                    else:  # the name is the comprehension's alone: it keeps it
                        rename[n.id] = n.id
                        self.comprehension_names.add(n.id)
        scoped = [e.elt] + [gen.target for gen in e.generators] + \
            [c for gen in e.generators for c in gen.ifs] + [g.iter for g in e.generators[1:]]
        for part in scoped:
            for n in gast.walk(part):
                if isinstance(n, gast.Name) and n.id in rename:
                    n.id = rename[n.id]
        result = self.fresh("items")
        self.locals.add(result)
        out.extend(self.stmt(nodes.assign(result, gast.List(elts=[], ctx=gast.Load()), like=e)))
        append = nodes.expr_stmt(nodes.call(gast.Attribute(
            value=nodes.name(result), attr="append", ctx=gast.Load()), [e.elt]), like=e)
        body = [append]
        for gen in reversed(e.generators):
            if gen.is_async:
                self.unsupported(gen)
            for cond in reversed(gen.ifs):
                body = [nodes.if_(cond, body, [], like=e)]
            for n in gast.walk(gen.target):
                if isinstance(n, gast.Name):
                    self.locals.add(n.id)
            body = [nodes.for_(gen.target, gen.iter, body, like=e)]
        out.extend(self.block(body))
        return nodes.name(result)

    def stmt_Assign(self, s):
        out = []
        if len(s.targets) == 1 and isinstance(s.targets[0], gast.Name) and \
                isinstance(s.value, gast.Lambda):
            self.record_local(s.targets[0].id, self.lambda_def(s.targets[0].id, s.value))
            return out
        if len(s.targets) == 1 and isinstance(s.targets[0], gast.Name):
            value = self.simple(s.value, out)
            out.append(nodes.assign(s.targets[0].id, value, like=s))
            return out
        if self.parallel_assign(s, out):
            return out
        value = self.atom(s.value, out, _unpacked_hint(s.targets))
        shown = len(s.value.elts) if isinstance(s.value, (gast.Tuple, gast.List)) and \
            not any(isinstance(v, gast.Starred) for v in s.value.elts) else None
        for target in s.targets:
            self.bind(target, value, out, s, shown)
        return out

    def parallel_assign(self, s, out):
        """`W1, b1 = p["W1"], p["b1"]` as `W1 = p["W1"]; b1 = p["b1"]`, so each value
        is computed under the user's name (not `item`, `item_1`). Only when that is
        what Python does: names on the left, as many as values, and no value reads
        a name assigned before it (`a, b = b, a` keeps the tuple)."""
        if len(s.targets) != 1 or not isinstance(s.targets[0], (gast.Tuple, gast.List)) or \
                not isinstance(s.value, (gast.Tuple, gast.List)):
            return False
        targets, values = s.targets[0].elts, s.value.elts
        if len(targets) != len(values) or len(targets) < 2 or \
                not all(isinstance(t, gast.Name) for t in targets) or \
                any(isinstance(v, gast.Starred) for v in values) or \
                len({t.id for t in targets}) != len(targets):
            return False
        assigned = set()
        for target, value in zip(targets, values):
            names = _all_names(value)
            if names & (assigned | set(self.local_functions)) or \
                    any(isinstance(n, gast.Lambda) for n in gast.walk(value)):
                return False  # (a nested function may read a name assigned before)
            assigned.add(target.id)
        for target, value in zip(targets, values):
            out.append(nodes.assign(target.id, self.simple(value, out), like=s))
        return True

    def stmt_AnnAssign(self, s):
        if s.value is None:
            return []
        return self.stmt_Assign(nodes.assign(s.target, s.value, like=s))

    def stmt_AugAssign(self, s):
        if isinstance(s.target, gast.Subscript):
            out = []
            container = self.item_target(s.target, s)
            index = self.index(s.target.slice, out)
            item = self.fresh("item")
            out.append(nodes.assign(item, nodes.subscript(container, index), like=s))
            value = gast.BinOp(left=nodes.name(item), op=s.op, right=s.value)
            gast.copy_location(value, s)
            updated = self.atom(value, out, STEMS[BINARY[type(s.op).__name__]])
            out.append(self.set_item(container, copy.deepcopy(index), updated, s))
            return out
        if not isinstance(s.target, gast.Name):
            self.error(s, "an augmented assignment to an attribute",
                       "objects' attributes are state the gradient cannot follow",
                       "compute the new value into a local name")
        value = gast.BinOp(left=nodes.name(s.target.id), op=s.op, right=s.value)
        gast.copy_location(value, s)
        out = []
        update = nodes.assign(s.target.id, self.simple(value, out), like=s)
        update.in_place = True  # on an array (or list), every alias sees it: see ssa.py
        out.append(update)
        return out

    def stmt_Raise(self, s):
        """`raise E` -> `fail(E)`, `raise E from C` -> `fail(E, C, True)`: a call that
        raises (the gradient of a call that raised is never computed)."""
        if s.exc is None:
            self.unsupported(s)
        name = self.bound(_FAIL, ops.fail)
        args = [s.exc] if s.cause is None else [s.exc, s.cause, nodes.const(True)]
        return self.stmt_Expr(gast.copy_location(
            gast.Expr(value=gast.copy_location(nodes.call(nodes.name(name), args), s)), s))

    def stmt_Assert(self, s):
        """`assert test, msg` -> `if not test: raise AssertionError(msg)`."""
        error = gast.copy_location(nodes.call(nodes.name(self.bound(
            "AssertionError", AssertionError)), [s.msg] if s.msg is not None else []), s)
        test = gast.copy_location(gast.UnaryOp(op=gast.Not(), operand=s.test), s)
        raise_ = gast.copy_location(gast.Raise(exc=error, cause=None), s)
        return self.stmt_If(gast.copy_location(gast.If(test=test, body=[raise_], orelse=[]), s))

    def bound(self, name, value):
        """A name generated code reads `value` by (bound in the function's closure)."""
        if name in self.user_names:
            name = f"tapeless_{name}"
        self.taken.add(name)
        self.parsed.scope.closure[name] = value
        return name

    def stmt_If(self, s):
        out = []
        test = self.atom(s.test, out, "cond")
        out.append(nodes.if_(test, self.block(s.body), self.block(s.orelse), like=s))
        return out

    def stmt_Return(self, s):
        out = []
        value = nodes.const(None) if s.value is None else self.simple(s.value, out)
        out.append(nodes.ret(value, like=s))
        return out


_LIST_APPEND = "__tapeless_list_append__"  # resolved by the SSA builder
_FAIL = "fail"  # runtime.ops.fail: `raise` in generated code



def _unpacked_hint(targets):
    """`s, c = split(x)`: the tuple is `s_c` (not `split_1`, a version of nothing)."""
    if len(targets) == 1 and isinstance(targets[0], (gast.Tuple, gast.List)):
        names = [t.id for t in targets[0].elts if isinstance(t, gast.Name)]
        if 2 <= len(names) == len(targets[0].elts) <= 3:
            return "_".join(names)
    return None
