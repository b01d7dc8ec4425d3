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

import copy
import functools

import gast

from runtime import ops

from . import nodes
from ..errors import TranspileError, working_on
from .jumps import JumpLowering
from .local_functions import _PARTIAL, LocalFunctions
from .syntax import BINARY, COMPARE, STEMS, UNARY, stem

UNSUPPORTED = {
    "Try": ("a `try` statement", "exceptions make which operations ran depend on run-time "
            "failures, which the reverse sweep cannot replay",
            "move the try/except outside the differentiated function"),
    "TryStar": ("a `try` statement", "exception groups cannot be replayed in reverse",
                "move the try/except outside the differentiated function"),
    "With": ("a `with` statement", "context managers run code on exit that the reverse "
             "sweep cannot see", "move the with block outside the differentiated function"),
    "AsyncWith": ("an `async with` statement", "coroutines cannot be differentiated",
                  "differentiate a plain synchronous function"),
    "AsyncFor": ("an `async for` loop", "coroutines cannot be differentiated",
                 "differentiate a plain synchronous function"),
    "AsyncFunctionDef": ("an `async def`", "coroutines cannot be differentiated",
                         "differentiate a plain synchronous function"),
    "Global": ("a `global` statement", "writes to module state are side effects the "
               "gradient cannot account for", "pass the value in as an argument and return it"),
    "Nonlocal": ("a `nonlocal` statement", "writes to an enclosing function's variables are "
                 "side effects the gradient cannot account for",
                 "pass the value in as an argument and return it"),
    "Delete": ("a `del` statement", "deleting names or items would remove values the "
               "reverse sweep needs", "drop the del; values are freed when the function returns"),
    "ClassDef": ("a class definition", "classes cannot be defined inside a differentiated "
                 "function", "define the class at module level"),
    "Import": ("an `import` statement", "imports inside a differentiated function are not "
               "supported", "import at module level"),
    "ImportFrom": ("an `import` statement", "imports inside a differentiated function are "
                   "not supported", "import at module level"),
    "Yield": ("a `yield` expression", "generators suspend and resume, so there is no single "
              "sweep to reverse", "return a list or array instead of yielding values"),
    "YieldFrom": ("a `yield from` expression", "generators cannot be differentiated",
                  "return a list or array instead of yielding values"),
    "Await": ("an `await` expression", "coroutines cannot be differentiated",
              "differentiate a plain synchronous function"),
    "Raise": ("a bare `raise` statement", "re-raising needs an `except` block, which is not "
              "supported", "raise the exception itself: `raise ValueError(...)`"),
    "Match": ("a `match` statement", "structural pattern matching is not supported yet",
              "rewrite it with if/elif/else"),
    "NamedExpr": ("an assignment expression (:=)", "assignment expressions are not "
                  "supported", "assign on a separate line"),
    "SetComp": ("a set comprehension", "sets are not differentiable containers",
                "use a list or an array"),
    "DictComp": ("a dict comprehension", "dict comprehensions are not supported yet",
                 "build the dict with explicit keys"),
    "GeneratorExp": ("a generator expression", "generators cannot be differentiated",
                     "use a list or a NumPy expression"),
    "Starred": ("a starred assignment target", "`a, *rest = t` is not supported yet",
                "index the items: `a, rest = t[0], t[1:]`"),
    "Set": ("a set display", "sets are not differentiable containers", "use a list or an array"),
}


def normalize(parsed):
    """Return the ANF gast FunctionDef of `parsed` (see module docstring)."""
    return Normalizer(parsed).function(parsed.node)


def _all_names(node):
    return {n.id for n in gast.walk(node) if isinstance(n, gast.Name)}


def _names_outside_comprehensions(node):
    out = set()
    stack = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, (gast.ListComp, gast.GeneratorExp, gast.SetComp, gast.DictComp)):
            continue
        if isinstance(n, gast.Name):
            out.add(n.id)
        stack.extend(gast.iter_child_nodes(n))
    return out


def assigned_names(node):
    """Names a function assigns or takes as parameters: its locals."""
    out = set()
    for n in gast.walk(node):
        if isinstance(n, gast.Name) and isinstance(n.ctx, (gast.Store, gast.Param)):
            out.add(n.id)
    return out


class Normalizer(LocalFunctions):
    def __init__(self, parsed):
        self.parsed = parsed
        # names the normalizer itself calls (`range(len(xs))`) are never temporaries
        self.user_names = _all_names(parsed.node)
        self.taken = self.user_names | {"len", "range", "min", "zip", "tuple", _PARTIAL,
                                        "sequence", "sort_order", _FAIL, "format_value"}
        self.locals = assigned_names(parsed.node)
        self.temps = set()
        self.pending = []
        self.local_functions = {}  # nested defs and lambdas, inlined where called
        node = parsed.node
        self.params = {a.id for a in node.args.args + node.args.posonlyargs +
                       node.args.kwonlyargs}
        self.inlining = []
        self.outside_comprehensions = _names_outside_comprehensions(node)
        self.comprehension_names = set()

    # -- helpers ----------------------------------------------------------
    def error(self, node, what, why="", fix=""):
        raise TranspileError(f"cannot differentiate {what}", self.parsed.loc(node), why, fix)

    def unsupported(self, node):
        what, why, fix = UNSUPPORTED[type(node).__name__]
        self.error(node, what, why, fix)

    def fresh(self, hint):
        base = hint if hint.isidentifier() else "t"
        candidate, n = base, 0
        while candidate in self.taken:
            n += 1
            candidate = f"{base}_{n}"
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
        for target in s.targets:
            self.bind(target, value, out, s)
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

    def bind(self, target, value, out, where):
        """Assign atom `value` to a target pattern (a name or nested tuple/list)."""
        if isinstance(target, gast.Name):
            out.append(nodes.assign(target.id, value, like=where))
        elif isinstance(target, (gast.Tuple, gast.List)):
            for i, elt in enumerate(target.elts):
                if isinstance(elt, gast.Starred):
                    self.unsupported(elt)
                item = nodes.subscript(value, nodes.const(i))
                if isinstance(elt, gast.Name):
                    out.append(nodes.assign(elt.id, item, like=where))
                    out[-1].unpack_length = len(target.elts)  # codegen: `a, b, _ = t`
                else:
                    tmp = self.fresh("item")
                    out.append(nodes.assign(tmp, item, like=where))
                    self.bind(elt, nodes.name(tmp), out, where)
        elif isinstance(target, gast.Subscript):
            container = self.item_target(target, where)
            index = self.index(target.slice, out)
            out.append(self.set_item(container, index, value, where))
        else:
            self.error(where, f"an assignment to a {type(target).__name__}",
                       "only names and tuples of names can be assigned", "assign to a name")

    def item_target(self, target, where):
        """The local name `y` written into by `y[...] = v`."""
        base = target.value
        if isinstance(base, gast.Name) and base.id in self.locals and \
                base.id not in self.local_functions:
            return nodes.name(base.id)
        if isinstance(base, gast.Subscript):
            self.error(where, "an assignment to an item of an item (`y[i][j] = v`)",
                       "the inner item may be a view or a copy, so the write cannot be "
                       "followed", "index once: y[i, j] = v")
        if isinstance(base, gast.Name):
            self.error(where, f"an assignment to an item of the global `{base.id}`",
                       "writes to module state are side effects the gradient cannot "
                       "account for", "copy it into a local first: "
                       f"{base.id} = {base.id}.copy()")
        self.error(where, "an assignment to an item of an expression",
                   "only arrays and lists held in local names can be written into",
                   "assign the array to a name first")

    def set_item(self, container, index, value, where):
        """`y[index] = value` -> `y = __tapeless_setitem__(y[index], value)`: a new
        SSA version of `y` (the subscript carries the container and the index)."""
        call = nodes.call(nodes.name(_SET_ITEM), [nodes.subscript(container, index), value])
        return nodes.assign(container.id, gast.copy_location(call, where), like=where)

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

    def stmt_For(self, s):
        if s.orelse:
            self.error(s, "a `for ... else` loop", "the else clause of a loop is not supported",
                       "use a flag variable set before `break`")
        out = []
        rng, prefix, target = self.index_loop(s)
        while self.pending:  # the sequence, computed once before the loop (not in its body)
            out.extend(self.stmt(self.pending.pop(0)))
        iterable = self.atom(rng, out, "range")
        body = self.block(prefix + s.body)
        out.append(nodes.for_(target, iterable, body, like=s))
        return out

    def index_loop(self, s):
        """Every loop becomes `for k in range(...)` plus assignments of the
        original targets, so the reverse sweep can index instead of re-iterating:
        `for x in xs` -> `for i in range(len(xs)): x = xs[i]`."""
        it, target = s.iter, s.target
        kind = _builtin_call(it, self.locals)
        if kind == "range" and isinstance(target, gast.Name):
            return it, [], target
        if kind == "range":
            self.error(s, "a tuple target over range()", "range yields single numbers",
                       "loop over one name")
        k = self.fresh("i")
        knode = nodes.name(k)
        if kind == "enumerate" and it.keywords:  # enumerate(xs, start=s): the count is k + s
            counter = nodes.binop(knode, gast.Add(), it.keywords[0].value)
        else:
            counter = knode
        inner = it.args[0] if kind == "enumerate" and len(it.args) == 1 else None
        if inner is not None and _builtin_call(inner, self.locals) == "zip" and \
                isinstance(target, gast.Tuple) and len(target.elts) == 2 and \
                isinstance(target.elts[1], gast.Tuple) and \
                len(target.elts[1].elts) == len(inner.args):  # enumerate(zip(a, b))
            seqs, targets = list(inner.args), list(target.elts[1].elts)
            prefix = [nodes.assign(target.elts[0], counter, like=s)]
        elif kind == "enumerate" and len(it.args) == 1 and isinstance(target, gast.Tuple) \
                and len(target.elts) == 2:
            seqs, targets = [it.args[0]], [target.elts[1]]
            prefix = [nodes.assign(target.elts[0], counter, like=s)]
        elif kind == "zip" and isinstance(target, gast.Tuple) and \
                len(target.elts) == len(it.args):
            seqs, targets, prefix = list(it.args), list(target.elts), []
        elif kind == "reversed" and len(it.args) == 1:
            seqs, targets, prefix = [it.args[0]], [target], []
        else:
            seqs, targets, prefix = [it], [target], []
        names = []
        out_prefix = []
        for seq in seqs:
            if isinstance(seq, gast.Name):
                names.append(seq)
            else:
                tmp = self.fresh("seq")
                self.locals.add(tmp)
                self.pending.append(nodes.assign(tmp, seq, like=s))
                names.append(nodes.name(tmp))
        # len(sequence(xs)): a dict or set given where a list was expected is refused
        self.parsed.scope.closure[_SEQUENCE] = ops.sequence
        lengths = [nodes.call(nodes.name("len"), [nodes.call(nodes.name(_SEQUENCE), [n])])
                   for n in names]
        n = lengths[0] if len(lengths) == 1 else nodes.call(nodes.name("min"), lengths)
        if kind == "reversed":
            one = nodes.const(1)
            rng = nodes.call(nodes.name("range"), [nodes.binop(n, gast.Sub(), one),
                                                    nodes.const(-1), nodes.const(-1)])
        else:
            rng = nodes.call(nodes.name("range"), [n])
        for name, tgt in zip(names, targets):
            out_prefix.append(nodes.assign(tgt, nodes.subscript(name, knode), like=s))
        self.locals.add(k)
        return gast.copy_location(rng, it), prefix + out_prefix, gast.copy_location(
            nodes.name(k, store=True), s)

    def stmt_While(self, s):
        if s.orelse:
            self.error(s, "a `while ... else` loop", "the else clause of a loop is not "
                       "supported", "use a flag variable set before `break`")
        out = []
        cond = self.fresh("cond")
        self.locals.add(cond)
        out.append(nodes.assign(cond, self.simple(s.test, out), like=s))
        body = self.block(s.body)
        body.append(nodes.assign(cond, self.simple(s.test, body), like=s))
        out.append(nodes.while_(nodes.name(cond), body, like=s))
        return out

    # -- single exit --------------------------------------------------------
    def single_exit(self, stmts, ret):
        """Rewrite `return v` into `ret = v` so the block has one exit at its end.
        Returns (statements, whether every path through them returned)."""
        out = []
        for i, s in enumerate(stmts):
            if isinstance(s, gast.Return):
                out.append(nodes.assign(ret, s.value, like=s))
                return out, True
            if isinstance(s, gast.If) and _has_return(s):
                rest = stmts[i + 1:]
                body, b_ret = self.single_exit(s.body, ret)
                orelse, o_ret = self.single_exit(s.orelse, ret)
                if b_ret and not o_ret:
                    orelse, o_ret = self.single_exit(s.orelse + rest, ret)
                elif o_ret and not b_ret:
                    body, b_ret = self.single_exit(s.body + rest, ret)
                elif not b_ret and not o_ret:
                    self.error(_first_return(s), "a `return` inside an if whose branches "
                               "both continue", "this early return is not supported yet",
                               "restructure the function so one branch of the if returns")
                out.append(nodes.if_(s.test, body, orelse, like=s))
                return out, b_ret and o_ret
            out.append(s)
        return out, False

    # -- expressions ------------------------------------------------------
    def atom(self, e, out, hint=None):
        """Flatten `e` into `out`; return a Name or Constant holding its value."""
        if isinstance(e, gast.Constant) or \
                isinstance(e, gast.Name) and e.id not in self.local_functions:
            return e
        value = self.simple(e, out)
        if isinstance(value, (gast.Name, gast.Constant)):
            return value
        tmp = self.fresh(hint or self.hint(value))
        out.append(nodes.assign(tmp, value, like=e))
        return nodes.name(tmp)

    def hint(self, value):
        if isinstance(value, gast.BinOp):
            return stem(BINARY[type(value.op).__name__])
        if isinstance(value, gast.UnaryOp):
            return stem(UNARY[type(value.op).__name__])
        if isinstance(value, gast.Compare):
            return STEMS.get(COMPARE[type(value.ops[0]).__name__], "cmp")
        if isinstance(value, gast.Call):
            func = value.func
            name = func.attr if isinstance(func, gast.Attribute) else getattr(func, "id", "call")
            name = "fn" if name == _PARTIAL else name
            if name == "shape_like" and value.args and isinstance(value.args[0], gast.Name):
                return f"{value.args[0].id}_like"  # generated code, differentiated again
            return stem(None, name)
        if isinstance(value, gast.Subscript):
            return "item"
        if isinstance(value, gast.Attribute):
            return value.attr
        return "t"

    def simple(self, e, out):
        """Flatten `e` into `out`; return one operation whose operands are atoms."""
        kind = type(e).__name__
        method = getattr(self, f"expr_{kind}", None)
        if method is not None:
            return method(e, out)
        if kind in UNSUPPORTED:
            self.unsupported(e)
        self.error(e, f"a `{kind}` expression", "it is not part of the supported subset")

    def expr_Name(self, e, out):
        if e.id in self.local_functions:  # a nested function used as a value
            return self.simple(self.function_value(self.local_functions[e.id], e.id, out), out)
        return e

    def expr_Lambda(self, e, out):
        return self.simple(self.function_value(e, f"lambda_{e.lineno}", out), out)

    def expr_JoinedStr(self, e, out):
        """`f"a {x:.3f} {y!r}"` -> `"".join(("a ", format_value(x, ".3f"), ...))`:
        text, read by no derivative."""
        name = self.bound("format_value", ops.format_value)
        parts = []
        for v in e.values:
            if isinstance(v, gast.FormattedValue):
                spec = v.format_spec if v.format_spec is not None else nodes.const("")
                if isinstance(spec, gast.JoinedStr) and \
                        all(isinstance(p, gast.Constant) for p in spec.values):
                    spec = nodes.const("".join(p.value for p in spec.values))
                parts.append(nodes.call(nodes.name(name), [v.value, spec,
                                                           nodes.const(v.conversion)]))
            else:
                parts.append(v)
        joined = nodes.call(gast.Attribute(value=nodes.const(""), attr="join", ctx=gast.Load()),
                            [nodes.tuple_(parts)])
        return self.simple(gast.copy_location(joined, e), out)

    def expr_Constant(self, e, out):
        return e

    def expr_BinOp(self, e, out):
        return gast.copy_location(nodes.binop(self.atom(e.left, out), e.op,
                                              self.atom(e.right, out)), e)

    def expr_UnaryOp(self, e, out):
        if isinstance(e.op, (gast.USub, gast.UAdd)) and isinstance(e.operand, gast.Constant) \
                and isinstance(e.operand.value, (int, float, complex)):
            sign = -1 if isinstance(e.op, gast.USub) else 1
            return nodes.const(sign * e.operand.value)
        return gast.copy_location(nodes.unaryop(e.op, self.atom(e.operand, out)), e)

    def expr_Compare(self, e, out):
        if len(e.ops) == 1:
            return gast.copy_location(nodes.compare(self.atom(e.left, out), e.ops[0],
                                                    self.atom(e.comparators[0], out)), e)
        # a < b < c  ->  (a < b) and (b < c), evaluating b once
        left = self.atom(e.left, out)
        pairs = []
        for op, right in zip(e.ops, e.comparators):
            pairs.append((left, op, right))
            left = right
        values = [gast.copy_location(nodes.compare(a, op, b), e) for a, op, b in pairs]
        return self.expr_BoolOp(gast.copy_location(gast.BoolOp(op=gast.And(), values=values),
                                                   e), out)

    def expr_BoolOp(self, e, out):
        # a and b -> r = a; if r: r = b      a or b -> r = a; if r: pass else: r = b
        result = self.fresh("and_" if isinstance(e.op, gast.And) else "or_")
        out.append(nodes.assign(result, self.atom(e.values[0], out), like=e))
        for value in e.values[1:]:
            branch = []
            branch.append(nodes.assign(result, self.atom(value, branch), like=e))
            body, orelse = (branch, []) if isinstance(e.op, gast.And) else ([], branch)
            out.append(nodes.if_(nodes.name(result), body, orelse, like=e))
        return nodes.name(result)

    def expr_IfExp(self, e, out):
        result = self.fresh("choice")
        test = self.atom(e.test, out, "cond")
        body, orelse = [], []
        body.append(nodes.assign(result, self.simple(e.body, body), like=e.body))
        orelse.append(nodes.assign(result, self.simple(e.orelse, orelse), like=e.orelse))
        out.append(nodes.if_(test, body, orelse, like=e))
        return nodes.name(result)

    def expr_Call(self, e, out):
        rewritten = self.functional(e)
        if rewritten is not None:
            return self.simple(rewritten, out)
        func = e.func
        if isinstance(func, gast.Name) and func.id in self.local_functions:
            return self.inline_local(e, out)
        if not self.is_free(func):
            if isinstance(func, gast.Attribute):  # method call on a value: x.sum()
                func = gast.copy_location(gast.Attribute(value=self.atom(func.value, out),
                                                         attr=func.attr, ctx=gast.Load()), func)
            else:  # a function value: a parameter, a local, `fs[0](x)`, `make(c)(x)`
                func = self.atom(func, out, "fn")
        args = self.display_items(e.args, out)
        keywords = []
        for k in e.keywords:
            # (`axis = (0, 1)` rather than `t = (0, 1)`; ** stays)
            keywords.append(nodes.keyword(k.arg, self.atom(k.value, out, k.arg)))
        return gast.copy_location(nodes.call(func, args, keywords), e)

    # -- map, filter, functools.reduce ------------------------------------------
    def functional(self, e):
        """`map(f, xs)`, `filter(f, xs)` and `functools.reduce(f, xs[, init])` as
        the comprehension or loop they stand for (a lambda given to them becomes a
        nested function, inlined where it is called); None for other calls."""
        if not self.is_free(e.func):
            return None
        found, fn = self.resolve_free(e.func)
        if found and fn is sorted and len(e.args) == 1 and \
                {k.arg for k in e.keywords} <= {"key", "reverse"}:
            return self.sorted_value(e)
        if e.keywords:
            return None
        if found and fn is zip and e.args:
            return self.zip_value(e)
        if any(isinstance(a, gast.Starred) for a in e.args):
            return None
        if not found or fn not in (map, filter, functools.reduce) or len(e.args) < 2:
            return None
        func = self.callable_node(e.args[0])
        if fn is map:
            names = [self.fresh("item") for _ in e.args[1:]]
            target = nodes.tuple_(nodes.name(n, store=True) for n in names) \
                if len(names) > 1 else nodes.name(names[0], store=True)
            seq = e.args[1] if len(names) == 1 else nodes.call(nodes.name("zip"), e.args[1:])
            elt = nodes.call(func, [nodes.name(n) for n in names])
            return gast.copy_location(_comprehension(elt, target, seq, []), e)
        if fn is filter and len(e.args) == 2:
            item = self.fresh("item")
            cond = nodes.name(item) if func is None else nodes.call(func, [nodes.name(item)])
            return gast.copy_location(_comprehension(nodes.name(item), nodes.name(
                item, store=True), e.args[1], [cond]), e)
        if fn is functools.reduce and len(e.args) in (2, 3):
            return self.reduce_call(e, func)
        return None

    def sorted_value(self, e):
        """`sorted(xs, key=f, reverse=r)` -> `[xs[i] for i in sort_order(keys, r)]` with
        `keys = [f(x) for x in xs]`: the items themselves, in the order Python sorts
        them (the order carries no derivative)."""
        seq, i, item = self.fresh("seq"), self.fresh("i"), self.fresh("item")
        self.locals.add(seq)
        self.pending.append(nodes.assign(seq, e.args[0], like=e))
        options = {k.arg: k.value for k in e.keywords}
        keys = nodes.name(seq)
        if options.get("key") is not None and not (
                isinstance(options["key"], gast.Constant) and options["key"].value is None):
            func = self.callable_node(options["key"])
            keys = _comprehension(nodes.call(func, [nodes.name(item)]),
                                  nodes.name(item, store=True), nodes.name(seq), [])
        self.parsed.scope.closure[_SORT_ORDER] = ops.sort_order
        order = nodes.call(nodes.name(_SORT_ORDER),
                           [keys, options.get("reverse", nodes.const(False))])
        return gast.copy_location(_comprehension(
            nodes.subscript(nodes.name(seq), nodes.name(i)), nodes.name(i, store=True), order,
            []), e)

    def zip_value(self, e):
        """`zip(a, b)` as a value -> `[(a[k], b[k]) for k in range(min(len(a), len(b)))]`;
        `zip(*rows)` -> `[tuple([r[k] for r in rows]) for k in range(min(...))]`.
        Arguments other than names are evaluated once, first (they are read twice)."""
        k = self.fresh("k")
        if len(e.args) == 1 and isinstance(e.args[0], gast.Starred):
            rows, row = self.evaluated_once(e.args[0].value, "rows"), self.fresh("row")
            column = _comprehension(nodes.subscript(nodes.name(row), nodes.name(k)),
                                    nodes.name(row, store=True), rows, [])
            item = nodes.call(nodes.name("tuple"), [column])
            length = nodes.call(nodes.name("min"), [_comprehension(
                nodes.call(nodes.name("len"), [nodes.name(row)]), nodes.name(row, store=True),
                rows, [])])
        elif not any(isinstance(a, gast.Starred) for a in e.args):
            args = [self.evaluated_once(a, "seq") for a in e.args]
            item = nodes.tuple_(nodes.subscript(a, nodes.name(k)) for a in args)
            lengths = [nodes.call(nodes.name("len"), [a]) for a in args]
            length = lengths[0] if len(lengths) == 1 else nodes.call(nodes.name("min"), lengths)
        else:
            return None
        return gast.copy_location(_comprehension(item, nodes.name(k, store=True), nodes.call(
            nodes.name("range"), [length]), []), e)

    def evaluated_once(self, node, hint):
        """`node` itself if it is a name or a constant, else a new local assigned
        its value before the statement (for an expression the rewrite reads twice)."""
        if isinstance(node, (gast.Name, gast.Constant)):
            return node
        name = self.fresh(hint)
        self.locals.add(name)
        self.pending.append(nodes.assign(name, node, like=node))
        return nodes.name(name)

    def callable_node(self, node):
        """The function given to map/filter/reduce, as something to call: a
        lambda becomes a nested function (None for filter's `None`)."""
        if isinstance(node, gast.Constant) and node.value is None:
            return None
        if isinstance(node, gast.Lambda):
            name = self.fresh("lambda_")
            self.record_local(name, self.lambda_def(name, node))
            return nodes.name(name)
        return node

    def reduce_call(self, e, func):
        """`reduce(f, xs, init)` -> `acc = init; for x in xs: acc = f(acc, x)`
        (without init, the first item starts: `acc = xs[0]` over `xs[1:]`)."""
        acc, item, seq = self.fresh("acc"), self.fresh("item"), self.fresh("seq")
        for n in (acc, item, seq):
            self.locals.add(n)
        self.pending.append(nodes.assign(seq, e.args[1], like=e))
        if len(e.args) == 3:
            start, rest = e.args[2], nodes.name(seq)
        else:
            start = nodes.subscript(nodes.name(seq), nodes.const(0))
            rest = nodes.subscript(nodes.name(seq), gast.Slice(lower=nodes.const(1), upper=None,
                                                               step=None))
        self.pending.append(nodes.assign(acc, start, like=e))
        step = nodes.assign(acc, nodes.call(func, [nodes.name(acc), nodes.name(item)]), like=e)
        self.pending.append(nodes.for_(nodes.name(item, store=True), rest, [step], like=e))
        return nodes.name(acc)

    def resolve_free(self, node):
        """What a free dotted name refers to (module globals, closure, builtins)."""
        parts = []
        while isinstance(node, gast.Attribute):
            parts.append(node.attr)
            node = node.value
        found, obj = self.parsed.scope.lookup(node.id)
        for attr in reversed(parts):
            if not found:
                break
            found, obj = hasattr(obj, attr), getattr(obj, attr, None)
        return found, obj

    def expr_Attribute(self, e, out):
        if self.is_free(e):
            return e
        return gast.copy_location(gast.Attribute(value=self.atom(e.value, out), attr=e.attr,
                                                 ctx=gast.Load()), e)

    def expr_Subscript(self, e, out):
        value = self.atom(e.value, out)
        return gast.copy_location(nodes.subscript(value, self.index(e.slice, out)), e)

    def index(self, node, out):
        if isinstance(node, gast.Slice):
            parts = [None if p is None else self.atom(p, out)
                     for p in (node.lower, node.upper, node.step)]
            return gast.Slice(lower=parts[0], upper=parts[1], step=parts[2])
        if isinstance(node, gast.Tuple):
            return nodes.tuple_(self.index(elt, out) for elt in node.elts)
        return self.atom(node, out)

    def display_items(self, elts, out):
        """Atoms of a tuple or list display; `*t` items stay (the SSA builder
        expands tuples it knows)."""
        return [gast.copy_location(gast.Starred(value=self.atom(elt.value, out),
                                                ctx=gast.Load()), elt)
                if isinstance(elt, gast.Starred) else self.atom(elt, out) for elt in elts]

    def expr_Tuple(self, e, out):
        return gast.copy_location(nodes.tuple_(self.display_items(e.elts, out)), e)

    def expr_Dict(self, e, out):
        """`{"w": a, "b": b}` with constant keys -> `__tapeless_dict__("w", "b", a, b)`."""
        for key in e.keys:
            if key is None:
                self.error(e, "`**` unpacking in a dict display", "the keys must be known "
                           "when the function is transformed", "write out every key")
            if not isinstance(key, gast.Constant):
                self.error(key, "a dict display with a computed key", "the keys must be "
                           "known when the function is transformed", "use constant keys "
                           "(strings or numbers)")
        keys = [gast.Constant(value=k.value, kind=None) for k in e.keys]
        values = [self.atom(v, out) for v in e.values]
        return gast.copy_location(nodes.call(nodes.name(_MAKE_DICT), keys + values), e)

    def expr_List(self, e, out):
        return gast.copy_location(gast.List(elts=self.display_items(e.elts, out),
                                            ctx=gast.Load()), e)


_LIST_APPEND = "__tapeless_list_append__"  # resolved by the SSA builder
_SEQUENCE = "sequence"  # runtime.ops.sequence, the check of a loop's iterable
_FAIL = "fail"  # runtime.ops.fail: `raise` in generated code

_SORT_ORDER = "sort_order"  # runtime.ops.sort_order, for sorted(xs, key=...)
_MAKE_DICT = "__tapeless_dict__"  # resolved by the SSA builder: keys, then values
_SET_ITEM = "__tapeless_setitem__"  # resolved by the SSA builder


def _builtin_call(node, locals_):
    """'range', 'enumerate', 'zip' or 'reversed' when `node` calls that builtin."""
    if isinstance(node, gast.Call) and isinstance(node.func, gast.Name) and \
            node.func.id in ("range", "enumerate", "zip", "reversed") and \
            node.func.id not in locals_ and (not node.keywords or node.func.id == "enumerate"
                                             and [k.arg for k in node.keywords] == ["start"]):
        return node.func.id
    return None


def _unpacked_hint(targets):
    """`s, c = split(x)`: the tuple is `s_c` (not `split_1`, a version of nothing)."""
    if len(targets) == 1 and isinstance(targets[0], (gast.Tuple, gast.List)):
        names = [t.id for t in targets[0].elts if isinstance(t, gast.Name)]
        if 2 <= len(names) == len(targets[0].elts) <= 3:
            return "_".join(names)
    return None


def _comprehension(elt, target, iter_, ifs):
    return gast.ListComp(elt=elt, generators=[gast.comprehension(
        target=target, iter=iter_, ifs=list(ifs), is_async=0)])


def _has_return(node):
    return any(isinstance(n, gast.Return) for n in gast.walk(node))


def _first_return(node):
    return next(n for n in gast.walk(node) if isinstance(n, gast.Return))
