"""Assignment targets for the normalizer: names, tuple patterns (with Python's
count of items checked), starred patterns, and item writes `y[i] = v` (a
mixin of `normalize.Normalizer`)."""
from __future__ import annotations

import gast

from runtime import ops

from . import nodes

_CHECK_UNPACK = "check_unpack"  # runtime.ops.check_unpack: `a, b = t` takes two items
_CHECK_STARRED = "check_unpack_starred"  # `a, *rest = t` takes at least one
_SET_ITEM = "__tapeless_setitem__"  # resolved by the SSA builder


class Targets:
    def bind(self, target, value, out, where, length=None):
        """Assign atom `value` to a target pattern (a name or nested tuple/list);
        `length` is the number of items of `value` when the code shows it."""
        if isinstance(target, gast.Name):
            out.append(nodes.assign(target.id, value, like=where))
        elif isinstance(target, (gast.Tuple, gast.List)) and \
                any(isinstance(elt, gast.Starred) for elt in target.elts):
            self.bind_starred(target, value, out, where)
        elif isinstance(target, (gast.Tuple, gast.List)):
            if length != len(target.elts):  # (Python's error for another number of items)
                check = nodes.call(nodes.name(self.bound(_CHECK_UNPACK, ops.check_unpack)),
                                   [value, nodes.const(len(target.elts))])
                out.append(nodes.expr_stmt(gast.copy_location(check, where), like=where))
            for i, elt in enumerate(target.elts):
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
        elif isinstance(target, gast.Attribute):
            self.error(where, f"an assignment to the attribute `.{target.attr}`",
                       "setting an attribute changes the object in place, which is not "
                       "supported", "build a new object (a dataclass: dataclasses.replace) "
                       "and return it")
        else:
            self.error(where, f"an assignment to a {type(target).__name__}",
                       "only names and tuples of names can be assigned", "assign to a name")

    def bind_starred(self, target, value, out, where):
        """`a, *rest, z = value` as Python runs it: the items in a list (`rest` is
        always a list), at least as many as the other names (ValueError otherwise),
        `a = items[0]`, `rest = items[1:len(items) - 1]`, `z = items[-1]`."""
        elts = target.elts
        star = next(k for k, elt in enumerate(elts) if isinstance(elt, gast.Starred))
        before, after = elts[:star], elts[star + 1:]
        items = self.fresh("items")
        self.locals.add(items)
        listed = nodes.call(nodes.name(self.bound("list", list)), [value])
        out.append(nodes.assign(items, gast.copy_location(listed, where), like=where))
        check = nodes.call(nodes.name(self.bound(_CHECK_STARRED, ops.check_unpack_starred)),
                           [nodes.name(items), nodes.const(len(before) + len(after))])
        out.append(nodes.expr_stmt(gast.copy_location(check, where), like=where))
        upper = None
        if after:
            size = nodes.call(nodes.name("len"), [nodes.name(items)])
            upper = nodes.binop(size, gast.Sub(), nodes.const(len(after)))
        rest = nodes.subscript(nodes.name(items),
                               gast.Slice(lower=nodes.const(len(before)), upper=upper, step=None))
        parts = [(elt, nodes.subscript(nodes.name(items), nodes.const(k)))
                 for k, elt in enumerate(before)]
        parts.append((elts[star].value, rest))
        parts += [(elt, nodes.subscript(nodes.name(items), nodes.const(k - len(after))))
                  for k, elt in enumerate(after)]
        for elt, item in parts:
            if isinstance(elt, gast.Name):
                out.append(nodes.assign(elt.id, gast.copy_location(item, where), like=where))
            else:
                tmp = self.fresh("item")
                out.append(nodes.assign(tmp, gast.copy_location(item, where), like=where))
                self.bind(elt, nodes.name(tmp), out, where)

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
