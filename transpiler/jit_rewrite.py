"""The rewrites `jit` applies to generated code before numba compiles it.

Takes the gast-free Python AST of a generated function's factory (see
codegen.py: `def __tapeless_factory__(<bindings>): def f(...): ...`) and
rewrites, in place, the constructs numba's subset lacks or compiles slowly
into ones it takes. Every new statement keeps the line of the one it
replaces, so numba's errors map back to the user's line:

    for t, x in reversed(saved):          for k in range(len(saved) - 1, -1, -1):
        ...                        ->         t, x = saved[k]
                                              ...
"""
from __future__ import annotations

import ast

from .jit_calls import _TWIN, _Twins  # noqa: F401 (jit.py reads them here)
from .jit_small_arrays import fuse_small_arrays


def numba_friendly(factory, filename="<generated>"):
    """Rewrite generated code (the factory's function) for numba's subset:
    `for t in reversed(saved):` becomes a loop over indices from the end,
    NumPy reductions over an axis call their numba twins, and keyword-only
    parameters become positional ones. Each new statement
    keeps the line of the one it replaces, so errors map to the user's line."""
    for node in ast.walk(factory):
        _refuse_formatting(node, filename)
        for field in ("body", "orelse"):
            block = getattr(node, field, None)
            if isinstance(block, list):
                setattr(node, field, [_reversed_loop(s) for s in _empty_tangents(block)])
    _Twins().visit(factory)
    _arrays_for_ranges(factory.body[0])
    _tuples_for_lists(factory.body[0])
    _numbers_for_placeholders(factory.body[0])
    _shapes_for_arrays(factory.body[0])
    fuse_small_arrays(factory.body[0])
    _rows_for_saved(factory.body[0])
    inner = factory.body[0].args
    if inner.kwonlyargs:  # numba has no keyword-only parameters (Python binds them)
        inner.args, inner.kwonlyargs = inner.args + inner.kwonlyargs, []
        inner.defaults, inner.kw_defaults = [], []
    twins = sorted({n.id for n in ast.walk(factory)
                    if isinstance(n, ast.Name) and n.id.startswith(_TWIN)})
    factory.args.args += [ast.arg(arg=t) for t in twins if t not in
                          {a.arg for a in factory.args.args}]
    ast.fix_missing_locations(factory)
    return factory


def _empty_tangents(block):
    """`saved = []` then `saved_dot = zeros_like(saved)` -> `saved_dot = []`: the
    tangent of a list still empty is an empty list (numba needs no item type)."""
    empty = set()
    for s in block:
        if not (isinstance(s, ast.Assign) and len(s.targets) == 1 and
                isinstance(s.targets[0], ast.Name)):
            empty.clear()
            continue
        value, target = s.value, s.targets[0].id
        if isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and \
                value.func.id == "zeros_like" and len(value.args) == 1 and \
                isinstance(value.args[0], ast.Name) and value.args[0].id in empty:
            s.value = ast.copy_location(ast.List(elts=[], ctx=ast.Load()), value)
        empty.discard(target)
        if isinstance(s.value, ast.List) and not s.value.elts:
            empty.add(target)
    return block


_READS_A_DISPLAY = {"array", "asarray", "cast_like", "items_tangent", "len"}


def _tuples_for_lists(fn):
    """`t = [a, b, c]` -> `t = (a, b, c)` where the list is only read: passed to
    np.array (or the gradient helpers that read its length), or saved for the
    reverse sweep. A tuple of numbers costs numba no allocation."""
    parents = {child: node for node in ast.walk(fn) for child in ast.iter_child_nodes(node)}
    displays, other = {}, set()
    for node in ast.walk(fn):
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and \
                isinstance(node.targets[0], ast.Name) and isinstance(node.value, ast.List) and \
                not any(isinstance(e, ast.Starred) for e in node.value.elts):
            displays.setdefault(node.targets[0].id, []).append(node)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and \
                not _only_read(node, parents):
            other.add(node.id)
    for name in set(displays) - other:
        for assign in displays[name]:
            assign.value = ast.copy_location(ast.Tuple(elts=assign.value.elts, ctx=ast.Load()),
                                             assign.value)


def _only_read(name, parents):
    parent = parents.get(name)
    if isinstance(parent, ast.Call) and name in parent.args:
        f = parent.func
        called = f.attr if isinstance(f, ast.Attribute) else getattr(f, "id", None)
        return called in _READS_A_DISPLAY
    if isinstance(parent, ast.Tuple):  # saved: `saved.append((..., t, ...))`
        return _is_saved(parents.get(parent))
    return False


def _shapes_for_arrays(fn):
    """A saved value the reverse sweep reads only for its shape
    (`unbroadcast(g, x)`) is saved as its shape: `saved.append((shape_of(x), ...))`,
    then `unbroadcast_to(g, x)`. The forward loop then keeps no array alive
    per step for it."""
    appends = {}
    for node in ast.walk(fn):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and \
                node.func.attr == "append" and isinstance(node.func.value, ast.Name) and \
                node.func.value.id.startswith("saved") and len(node.args) == 1 and \
                isinstance(node.args[0], ast.Tuple):
            appends.setdefault(node.func.value.id, []).append(node.args[0])
    readers = {}  # saved list -> [(its reverse loop's unpack, the loop, what follows it)]
    for block in _blocks(fn):
        for at, loop in enumerate(block):
            unpack = _saved_unpack(loop)
            if unpack is not None and len(appends.get(unpack.value.value.id, ())) == 1:
                readers.setdefault(unpack.value.value.id, []).append(
                    (unpack, loop, block[at + 1:]))
    for saved, loops in readers.items():  # (two loops read one list: kinds.py's KEPT)
        saved_items = appends[saved][0].elts
        for i in range(len(saved_items)):
            calls = [_shape_only_uses(unpack.targets[0].elts[i].id, loop.body[1:], later)
                     if len(unpack.targets[0].elts) == len(saved_items) else None
                     for unpack, loop, later in loops]
            if None in calls or not any(calls):
                continue
            saved_items[i] = ast.copy_location(ast.Call(
                func=ast.Name(id=_TWIN + "shape_of", ctx=ast.Load()),
                args=[saved_items[i]], keywords=[]), saved_items[i])
            for call in (c for some in calls for c in some):
                call.func = ast.copy_location(
                    ast.Name(id=_TWIN + "unbroadcast_to", ctx=ast.Load()), call.func)


def _blocks(fn):
    for node in ast.walk(fn):
        for field in ("body", "orelse"):
            block = getattr(node, field, None)
            if isinstance(block, list):
                yield block


def _saved_unpack(loop):
    """The `a, b = saved[k]` that starts a reverse loop (see _reversed_loop)."""
    if not (isinstance(loop, ast.For) and loop.body and isinstance(loop.body[0], ast.Assign)):
        return None
    take = loop.body[0]
    if isinstance(take.targets[0], ast.Tuple) and isinstance(take.value, ast.Subscript) and \
            isinstance(take.value.value, ast.Name) and \
            take.value.value.id.startswith("saved") and \
            all(isinstance(t, ast.Name) for t in take.targets[0].elts) and \
            isinstance(take.value.slice, ast.Name) and take.value.slice.id.startswith(_TWIN):
        return take
    return None


def _shape_only_uses(name, body, later):
    """The `unbroadcast(g, name)` calls in `body`, when they are all that reads
    `name` there and nothing after the loop reads it (none: []); else None."""
    calls, other = [], False
    tree = ast.Module(body=list(body) + list(later), type_ignores=[])
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id == name:
            parent = parents.get(node)
            in_body = any(node in set(ast.walk(s)) for s in body)
            if isinstance(node.ctx, ast.Store) or not in_body or not (
                    isinstance(parent, ast.Call) and isinstance(parent.func, ast.Name) and
                    parent.func.id == "unbroadcast" and len(parent.args) == 2 and
                    parent.args[1] is node):
                other = True
            else:
                calls.append(parent)
    return None if other else calls


def _rows_for_saved(fn):
    """A loop's saved values in rows made on its first pass (runtime.jit_twins:
    an (n, m) array for m floats, else a list of n items), where the trip count
    is known before the loop and every pass saves one item:

        saved = []                          tapeless_numba_n_saved = len(range(n))
        for _ in range(n):                  for _ in range(n):
            saved.append((a, b))      ->        item = (a, b); if i == 0: saved = saved_rows(...)
                                                put_row(saved, i, item); i += 1
        for k in range(len(saved) - 1, -1, -1):
            a, b = saved[k]                     a = saved_item(saved, k, 0); ...
    """
    parents = {child: node for node in ast.walk(fn) for child in ast.iter_child_nodes(node)}
    for block in list(_blocks(fn)):
        for made in [s for s in block if _empty_list(s)]:
            name = made.targets[0].id
            found = _saved_uses(fn, name, parents)
            if found is not None and found[0] in block and \
                    block.index(found[0]) > block.index(made):
                _fill_rows(block, made, name, *found)


def _empty_list(s):
    return isinstance(s, ast.Assign) and len(s.targets) == 1 and \
        isinstance(s.targets[0], ast.Name) and s.targets[0].id.startswith("saved") and \
        isinstance(s.value, ast.List) and not s.value.elts


def _saved_uses(fn, name, parents):
    """(the forward loop, its `name.append(item)` statement, the reverse loops) when
    that is all that reads `name` (one store, one append per pass); else None."""
    stores = [n for n in ast.walk(fn) if isinstance(n, ast.Name) and n.id == name and
              isinstance(n.ctx, ast.Store)]
    appends, reverse = [], []
    for node in ast.walk(fn):
        if not (isinstance(node, ast.Name) and node.id == name and
                isinstance(node.ctx, ast.Load)):
            continue
        parent = parents.get(node)
        if isinstance(parent, ast.Attribute) and parent.attr == "append":
            appends.append(parents.get(parents.get(parent)))  # the Expr statement
        elif _reverse_read(node, parent, parents) is not None:
            reverse.append(_reverse_read(node, parent, parents))
        else:
            return None
    if len(stores) != 1 or len(appends) != 1 or not reverse:
        return None
    loop = parents.get(appends[0])
    if not (isinstance(loop, ast.For) and appends[0] in loop.body and
            isinstance(loop.iter, ast.Call) and isinstance(loop.iter.func, ast.Name) and
            loop.iter.func.id == "range" and not loop.iter.keywords and
            all(isinstance(a, (ast.Name, ast.Constant)) for a in loop.iter.args) and
            not any(isinstance(n, (ast.Break, ast.Continue, ast.Return)) for n in ast.walk(loop))):
        return None
    return loop, appends[0], set(reverse)


def _reverse_read(node, parent, parents):
    """The reverse loop of `for k in range(len(name) - 1, -1, -1): ... = name[k]` that
    `node` is the `len(name)` or `name[k]` of (see _reversed_loop), else None."""
    if isinstance(parent, ast.Call) and isinstance(parent.func, ast.Name) and \
            parent.func.id == "len":
        loop = parents.get(parents.get(parents.get(parent)))
        if isinstance(loop, ast.For) and loop.iter is parents.get(parents.get(parent)):
            return loop
    if isinstance(parent, ast.Subscript) and isinstance(parent.slice, ast.Name):
        take = parents.get(parent)
        loop = parents.get(take)
        if isinstance(take, ast.Assign) and isinstance(loop, ast.For) and \
                loop.body and loop.body[0] is take and isinstance(loop.target, ast.Name) and \
                parent.slice.id == loop.target.id and loop.target.id.startswith(_TWIN):
            return loop
    return None


def _fill_rows(block, made, name, loop, append, reverse):
    count, at, item = (f"{_TWIN}{what}_{name}" for what in ("n", "i", "item"))
    first = ast.parse(f"{count} = len(range())\n{at} = 0").body
    first[0].value.args[0].args = loop.iter.args
    item_value = append.value.args[0]
    pushed = ast.parse(f"{item} = ()\nif {at} == 0:\n    {name} = {_TWIN}saved_rows({count}, {item})\n"
                       f"{_TWIN}put_row({name}, {at}, {item})\n{at} += 1").body
    pushed[0].value = item_value
    block.remove(made)
    for s in first:
        block.insert(block.index(loop), s)
    k = loop.body.index(append)
    loop.body[k:k + 1] = pushed
    for r in reverse:
        r.iter.args[0].left = ast.Name(id=count, ctx=ast.Load())
        take = r.body[0]
        targets = take.targets[0].elts if isinstance(take.targets[0], ast.Tuple) else None
        reads = [(take.targets[0], -1)] if targets is None else list(zip(targets, range(len(targets))))
        r.body[0:1] = [ast.parse(f"{t.id} = {_TWIN}saved_item({name}, {r.target.id}, {j})").body[0]
                       for t, j in reads]
    for node in first + pushed + [s for r in reverse for s in r.body[:len(reads)]]:
        for n in ast.walk(node):
            ast.copy_location(n, loop)


def _numbers_for_placeholders(fn):
    """`x = None` on the branch of an `if` that does not compute `x` (so that a
    loop can save it either way) -> `x = 0.0`: numba gives each variable one
    type, and cannot keep a None where a number goes. Only where no read of
    `x` (or of its copies) could tell None from 0.0: reads that would fail on
    None in Python (arithmetic, indexing, NumPy and math calls), truth tests
    (both are false) and saving it; never a comparison with `is`, a call of
    another function, or a return. Where `x` is an array, numba reports that
    it cannot unify the two (a JitError, or the Python code with fallback=True)."""
    parents = {child: node for node in ast.walk(fn) for child in ast.iter_child_nodes(node)}
    placeholders = [s for node in ast.walk(fn) if isinstance(node, ast.If)
                    for branch, other in ((node.body, node.orelse), (node.orelse, node.body))
                    for s in branch if _placeholder(s, other)]
    for s in placeholders:
        if _never_told_apart(s.targets[0].id, fn, parents):
            s.value = ast.copy_location(ast.Constant(value=0.0), s.value)


def _placeholder(s, other):
    computed = {t.id for o in other if isinstance(o, ast.Assign)
                for t in o.targets if isinstance(t, ast.Name)}
    return isinstance(s, ast.Assign) and len(s.targets) == 1 and \
        isinstance(s.targets[0], ast.Name) and s.targets[0].id in computed and \
        isinstance(s.value, ast.Constant) and s.value.value is None


_ARITHMETIC = (ast.BinOp, ast.UnaryOp, ast.Subscript, ast.Attribute)


def _never_told_apart(name, fn, parents):
    """Whether no read of `name`, or of a plain copy of it, tells None from 0.0."""
    names, seen = [name], set()
    while names:
        current = names.pop()
        if current in seen:
            continue
        seen.add(current)
        for node in ast.walk(fn):
            if not (isinstance(node, ast.Name) and node.id == current and
                    isinstance(node.ctx, ast.Load)):
                continue
            parent = parents.get(node)
            if isinstance(parent, ast.Assign) and parent.value is node:  # a copy
                names += [t.id for t in parent.targets if isinstance(t, ast.Name)]
            elif isinstance(parent, ast.Tuple) and _is_saved(parents.get(parent)):
                pass
            elif _saved_shape(parent, parents):  # `shape_like(x)` saved: read as x is
                pass
            elif isinstance(parent, ast.If) and parent.test is node:
                pass
            elif isinstance(parent, _ARITHMETIC):
                pass
            elif isinstance(parent, ast.Compare) and not any(
                    isinstance(op, (ast.Is, ast.IsNot, ast.Eq, ast.NotEq, ast.In, ast.NotIn))
                    for op in parent.ops):
                pass
            elif isinstance(parent, ast.Call) and node in parent.args and \
                    _numeric_call(parent.func):
                pass
            else:
                return False
    return True


def _saved_shape(call, parents):
    """`shape_like(x)` as an item of a saved tuple (runtime.helpers.shape_like)."""
    return isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and \
        call.func.id == "shape_like" and isinstance(parents.get(call), ast.Tuple) and \
        _is_saved(parents.get(parents.get(call)))


def _is_saved(call):
    return isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) and \
        call.func.attr == "append" and isinstance(call.func.value, ast.Name) and \
        call.func.value.id.startswith("saved")


def _numeric_call(func):
    """np.<f>(...) and math.<f>(...): they fail on None."""
    return isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and \
        func.value.id in ("np", "math")


def _arrays_for_ranges(fn):
    """`r = range(n)` kept as a value (a loop over it is lowered to `r[i]`) ->
    `r = np.arange(n)`: numba cannot index a range. (A `for` over `range(...)`
    itself is left alone.)"""
    for node in ast.walk(fn):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call) and \
                isinstance(node.value.func, ast.Name) and node.value.func.id == "range":
            node.value.func = ast.copy_location(
                ast.Name(id=_TWIN + "arange", ctx=ast.Load()), node.value.func)


def _reversed_loop(s):
    """`for t in reversed(xs):` -> `for k in range(len(xs) - 1, -1, -1): t = xs[k]`."""
    it = getattr(s, "iter", None)
    if not (isinstance(s, ast.For) and isinstance(it, ast.Call) and
            isinstance(it.func, ast.Name) and it.func.id == "reversed" and len(it.args) == 1):
        return s
    items = it.args[0]
    index = f"{_TWIN}k{s.lineno}"
    loop = ast.parse(f"for {index} in range(len(xs) - 1, -1, -1): pass").body[0]
    loop.iter.args[0].left.args[0] = items
    take = ast.Assign(targets=[s.target], value=ast.Subscript(
        value=items, slice=ast.Name(id=index, ctx=ast.Load()), ctx=ast.Load()))
    loop.body = [take] + [_reversed_loop(inner) for inner in s.body]  # (walk misses these)
    loop.orelse = s.orelse
    for node in ast.walk(loop):
        ast.copy_location(node, s)
    return loop


class _Refused(Exception):
    """A construct numba compiles with other results than Python's."""


def _refuse_formatting(node, filename):
    """numba formats numbers its own way (`str(1.0)` has 20 characters), so
    code that turns numbers into text is refused rather than run differently."""
    text = isinstance(node, ast.JoinedStr) or isinstance(node, ast.Call) and \
        isinstance(node.func, ast.Name) and node.func.id in ("str", "repr", "format")
    if text:
        raise _Refused(f"numbers made into text ({ast.unparse(node)}): numba's text of a "
                       f"number differs from Python's\nFile \"{filename}\", line {node.lineno}:")
