"""Nested `def`s and lambdas are inlined where they are called (part of normalize).

A function defined inside the differentiated one closes over its variables;
inlining it at each call site gives it exactly Python's late-binding view of
them, and needs no closure support in the generated code. Module-level
functions are not inlined (they get companion adjoints, see calls.py).

    def f(x, w):                          def f(x, w):
        def scale(v):                         v = x
            return v * w          ->          scale = v * w
        return scale(x) + 1.0                 add = scale + 1.0
"""
from __future__ import annotations

import copy
import functools

import gast

from . import nodes


_PARTIAL = "__tapeless_partial__"  # functools.partial, for lifted function values


class LocalFunctions:
    """Mixin for Normalizer: records nested functions, inlines their calls."""

    def record_local(self, name, node):
        args = node.args
        if args.vararg or args.kwarg or args.kwonlyargs or args.posonlyargs:
            self.error(node, "a nested function with *args, **kwargs or special parameters",
                       "only plain parameters are supported in nested functions",
                       "give every parameter a name")
        if getattr(node, "decorator_list", None):
            self.error(node, "a decorated nested function", "decorators may change what "
                       "the function does", "define it at module level")
        self.local_functions[name] = node

    # -- nested functions used as values ------------------------------------------
    def function_value(self, node, name, out):
        """A lambda or nested def used as a value (`rk4(lambda y, t: -k * y, ...)`):
        a function lifted out of this one, with the locals it reads as leading
        parameters, bound by `functools.partial` when the value is made."""
        params = {a.id for a in node.args.args + node.args.kwonlyargs}
        if node.args.vararg is not None:
            params.add(node.args.vararg.id)
        read = sorted({n.id for n in gast.walk(node) if isinstance(n, gast.Name)
                       and isinstance(n.ctx, gast.Load) and n.id not in params
                       and n.id in self.locals})
        for captured in read:
            if captured in self.local_functions:
                self.error(node, f"a function value that calls the nested function "
                           f"`{captured}`", "nested functions are inlined where they are "
                           "called", f"define `{captured}` at module level")
            if not self.assigned_once(captured):
                self.error(node, f"a function value that reads `{captured}`, which is "
                           "assigned more than once", "Python's closures see the latest "
                           "value of a variable, the function made here sees the value it "
                           "had when it was made", f"pass `{captured}` as an argument")
        lifted = self.lift(node, name, read)
        handle = self.fresh(name + "_fn")
        self.parsed.scope.closure[handle] = lifted
        self.parsed.scope.closure[_PARTIAL] = functools.partial
        if not read:
            return nodes.name(handle)
        return nodes.call(nodes.name(_PARTIAL), [nodes.name(handle)] +
                          [nodes.name(n) for n in read])

    def assigned_once(self, name):
        """Bound once, outside every loop (a parameter, or one assignment)."""
        stores, in_loop = 0, False
        fn = self.parsed.node
        if name in self.params:
            stores += 1
        for loop in (n for n in gast.walk(fn) if isinstance(n, (gast.For, gast.While))):
            if any(isinstance(n, gast.Name) and n.id == name and isinstance(n.ctx, gast.Store)
                   for n in gast.walk(loop)):
                in_loop = True
        stores += sum(1 for n in gast.walk(fn) if isinstance(n, gast.Name) and n.id == name
                      and isinstance(n.ctx, gast.Store))
        return stores == 1 and not in_loop

    def lift(self, node, name, captured):
        """`def name(<captured>, <params>): <body>` compiled beside the user's module."""
        import ast
        from .callables import define
        fdef = copy.deepcopy(node if isinstance(node, gast.FunctionDef)
                             else self.lambda_def(name, node))
        fdef.name = name
        fdef.args.args = [nodes.name(n, param=True) for n in captured] + fdef.args.args
        fdef.decorator_list = []
        source = ast.unparse(ast.fix_missing_locations(nodes.to_ast(fdef))) + "\n"
        closure = dict(self.parsed.scope.closure)
        free = {n.id for n in gast.walk(fdef) if isinstance(n, gast.Name)}
        bindings = {k: v for k, v in closure.items() if k in free}
        return define(name, source, bindings, self.parsed.scope.globals)

    def stmt_FunctionDef(self, s):
        self.record_local(s.name, s)
        return []

    def lambda_def(self, name, lam):
        body = [gast.copy_location(gast.Return(value=lam.body), lam)]
        node = gast.FunctionDef(name=name, args=lam.args, body=body, decorator_list=[],
                                returns=None, type_comment=None, type_params=[])
        return gast.copy_location(node, lam)

    def inline_local(self, call, out):
        """Inline a call of a nested function; return the Name holding its result."""
        name = call.func.id
        node = self.local_functions[name]
        if name in self.inlining:
            self.error(call, f"a recursive call of the nested function `{name}`",
                       "nested functions are inlined, so they cannot recurse",
                       "define the function at module level")
        params = [a.id for a in node.args.args]
        values = self.bind_local_args(call, node, params)
        inner_locals = {n.id for n in gast.walk(node) if isinstance(n, gast.Name)
                        and isinstance(n.ctx, (gast.Store, gast.Param))}
        rename = {n: self.fresh(n) for n in sorted(inner_locals)}
        self.locals.update(rename.values())
        for param in params:
            out.extend(self.stmt(nodes.assign(rename[param], values[param], like=call)))
        body = copy.deepcopy(node.body)
        for stmt in body:
            for n in gast.walk(stmt):
                if isinstance(n, gast.Name) and n.id in rename:
                    n.id = rename[n.id]
        result = self.fresh(name)
        self.locals.add(result)
        self.inlining.append(name)
        try:
            wrapper = gast.FunctionDef(name=name, args=node.args, body=body, decorator_list=[],
                                       returns=None, type_comment=None, type_params=[])
            from .jumps import JumpLowering
            JumpLowering(self._fresh_local, result).function(wrapper)
            lowered = self.block(wrapper.body)
            lowered, returns = self.single_exit(lowered, result)
        finally:
            self.inlining.pop()
        if not returns:
            self.error(node, f"the nested function `{name}`: it does not return a value on "
                       "every path", "its result is used", "return a value")
        out.extend(lowered)
        return nodes.name(result)

    def bind_local_args(self, call, node, params):
        if any(isinstance(a, gast.Starred) for a in call.args) or \
                any(k.arg is None for k in call.keywords):
            self.error(call, "a call of a nested function with *args or **kwargs",
                       "the arguments must be known at transform time", "pass them by name")
        values = dict(zip(params, call.args))
        if len(call.args) > len(params):
            self.error(call, f"a call of `{node.name}` with too many arguments")
        for k in call.keywords:
            if k.arg not in params or k.arg in values:
                self.error(call, f"a call of `{node.name}` with a bad keyword `{k.arg}`")
            values[k.arg] = k.value
        defaults = node.args.defaults
        for param, default in zip(params[len(params) - len(defaults):], defaults):
            values.setdefault(param, default)
        missing = [p for p in params if p not in values]
        if missing:
            self.error(call, f"a call of `{node.name}` without argument(s) "
                       f"{', '.join(missing)}")
        return values
