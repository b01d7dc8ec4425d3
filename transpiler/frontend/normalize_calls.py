"""The normalizer's calls (a part of `normalize.Normalizer`): builtins that take
functions (`map`, `sorted(key=)`, `functools.reduce`), `zip`, and calls of names
resolved against the function's globals.

    ys = sorted(xs, key=f)   ->   order = sort_order(xs, [f(x) for x in xs])
                                  ys = [xs[i] for i in order]
"""
from __future__ import annotations

import functools

import gast

from runtime import ops

from . import nodes

_SORT_ORDER = "sort_order"  # runtime.ops.sort_order, for sorted(xs, key=...)


class Calls:
    """Method `expr_Call(e, out)` and the call forms it rewrites."""

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


def _comprehension(elt, target, iter_, ifs):
    return gast.ListComp(elt=elt, generators=[gast.comprehension(
        target=target, iter=iter_, ifs=list(ifs), is_async=0)])
