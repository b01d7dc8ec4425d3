"""The rewrite `jit` applies to small arrays made from a tuple of numbers: one
call, with no array in between, where the generated code makes three.

Takes a generated function's AST after `jit_rewrite.numba_friendly`'s other
rewrites; changes, in place, the chain that builds an array from a tuple,
scales it and adds it to another array, and the chain of its reverse sweep:

    ds = np.array(t)                           (removed)
    mul = 0.01 * ds                  ->        (removed)
    s = s + mul                                s = tapeless_numba_add_scaled(s, 0.01, t)
    saved.append((shape_of(shape_like(mul)), ...))
                                               saved.append((tapeless_numba_scaled_shape(0.01, t), ...))
    d_mul = unbroadcast_to(d_s, mul)           (removed)
    d_ds = d_mul * 0.01              ->        (removed)
    d_t = cast_like(d_ds, t)                   d_t = tapeless_numba_scaled_items(d_s, mul, 0.01, t)

The helpers (runtime/jit_twins.py) compute the same numbers in the same
order: for a 1-d float array `s` as long as the tuple of floats `t`, item by
item (`s[k] + 0.01 * t[k]`, no array for `0.01 * ds`), and the reverse sweep's
items as a tuple (read only as `d_t[k]`, which a tuple serves without an
allocation); for other types and shapes, the original expressions. Each new
statement keeps the line of the one it replaces.
"""
from __future__ import annotations

import ast
import contextlib

_TWIN = "tapeless_numba_"


def fuse_small_arrays(fn):
    """Apply the rewrites to every block of generated function `fn`."""
    for block in _blocks(fn):
        _fuse_forward(fn, block)
        with _twin_left_out(fn, block):
            _fuse_reverse(fn, block)
    _InlineChains().visit(fn)
    _states_in_place(fn)


@contextlib.contextmanager
def _twin_left_out(fn, block):
    """While `block` is rewritten, the other branch of an `if kept_shapes(...):`
    holding it is left out of `fn`: a copy of the same reverse loop
    (ad/reverse_loops.py, KeptShapes), whose names would count twice."""
    for node in ast.walk(fn):
        if isinstance(node, ast.If) and isinstance(node.test, ast.Call) and \
                _call_of(node.test, "kept_shapes", len(node.test.args)):
            for field, other in (("body", "orelse"), ("orelse", "body")):
                if any(b is block for b in _blocks(ast.Module(getattr(node, field), []))):
                    twin = getattr(node, other)
                    setattr(node, other, [])
                    try:
                        yield
                    finally:
                        setattr(node, other, twin)
                    return
    yield


class _InlineChains(ast.NodeTransformer):
    """`s + c * np.array(t)` written as one expression -> `add_scaled(s, c, t)`."""

    def visit_BinOp(self, node):
        self.generic_visit(node)
        if not isinstance(node.op, ast.Add):
            return node
        for other, scaled in ((node.left, node.right), (node.right, node.left)):
            if not (isinstance(other, ast.Name) and isinstance(scaled, ast.BinOp) and
                    isinstance(scaled.op, ast.Mult)):
                continue
            for c, made in ((scaled.left, scaled.right), (scaled.right, scaled.left)):
                if _call_of(made, "array", 1) and \
                        isinstance(made.args[0], (ast.Name, ast.Tuple)) and (
                            isinstance(c, ast.Name) or isinstance(c, ast.Constant) and
                            type(c.value) in (int, float)):
                    return _twin("add_scaled", [other, c, made.args[0]], node)
        return node


def _blocks(fn):
    for node in list(ast.walk(fn)):
        for field in ("body", "orelse"):
            block = getattr(node, field, None)
            if isinstance(block, list):
                yield block


def _assigned(s):
    """The name a one-target `name = value` statement assigns, else None."""
    if isinstance(s, ast.Assign) and len(s.targets) == 1 and isinstance(s.targets[0], ast.Name):
        return s.targets[0].id
    return None


def _call_of(node, name, nargs):
    return isinstance(node, ast.Call) and not node.keywords and len(node.args) == nargs and (
        isinstance(node.func, ast.Name) and node.func.id == name or
        isinstance(node.func, ast.Attribute) and isinstance(node.func.value, ast.Name) and
        node.func.value.id == "np" and node.func.attr == name)


def _scaling(value, name):
    """`c` of `c * name` or `name * c` (c a number or a name), else None."""
    if not (isinstance(value, ast.BinOp) and isinstance(value.op, ast.Mult)):
        return None
    for this, other in ((value.left, value.right), (value.right, value.left)):
        if isinstance(this, ast.Name) and this.id == name and (
                isinstance(other, ast.Name) and other.id != name or
                isinstance(other, ast.Constant) and type(other.value) in (int, float)):
            return other
    return None


def _reads(tree, name):
    """(node, parent) for each read of `name` in `tree`."""
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    return [(n, parents.get(n)) for n in ast.walk(tree)
            if isinstance(n, ast.Name) and n.id == name and isinstance(n.ctx, ast.Load)]


def _stores(tree, name):
    return [n for n in ast.walk(tree)
            if isinstance(n, ast.Name) and n.id == name and isinstance(n.ctx, ast.Store)]


def _inputs_stay(block, names, start):
    """No statement of `block` from `start` on assigns one of `names`."""
    tail = ast.Module(body=block[start:], type_ignores=[])
    return not any(_stores(tail, n) for n in names)


def _input_names(*nodes):
    return {n.id for node in nodes for n in ast.walk(node) if isinstance(n, ast.Name)}


# -- forward: s = s + c * np.array(t) ---------------------------------------------------

def _fuse_forward(fn, block):
    for at, scaled in enumerate(block):
        found = _scaled_array(fn, block, at)
        if found is None:
            continue
        made, c, items = found
        chain = _forward_chain(fn, block, at)
        if chain is None or not _inputs_stay(block, _input_names(items, c), at):
            continue
        added, shapes = chain
        mul = _assigned(scaled)
        other = added.value.left if added.value.right.id == mul else added.value.right
        added.value = _twin("add_scaled", [other, c, items], added.value)
        for call in shapes:
            call.func = ast.copy_location(ast.Name(id=_TWIN + "scaled_shape", ctx=ast.Load()),
                                          call.func)
            call.args = [c, items]
        for s in (made, scaled):
            if s is not None:
                block.remove(s)
        return _fuse_forward(fn, block)  # (the block changed: look again)


def _scaled_array(fn, block, at):
    """(the `ds = np.array(t)` statement or None, c, t) of `mul = c * np.array(t)`,
    or of `ds = np.array(t)` then `mul = c * ds` (ds read nowhere else), at block[at]."""
    scaled = block[at]
    if _assigned(scaled) is None or not (isinstance(scaled.value, ast.BinOp) and
                                         isinstance(scaled.value.op, ast.Mult)):
        return None
    for c, made in ((scaled.value.left, scaled.value.right),
                    (scaled.value.right, scaled.value.left)):
        if not _number_or_name(c):
            continue
        if _call_of(made, "array", 1) and isinstance(made.args[0], (ast.Name, ast.Tuple)):
            return None, c, made.args[0]
        before = block[at - 1] if at else None
        if isinstance(made, ast.Name) and _assigned(before) == made.id and \
                _call_of(before.value, "array", 1) and \
                isinstance(before.value.args[0], (ast.Name, ast.Tuple)) and \
                len(_reads(fn, made.id)) == 1 and len(_stores(fn, made.id)) == 1 and \
                not (isinstance(c, ast.Name) and c.id == made.id):
            return before, c, before.value.args[0]
    return None


def _number_or_name(c):
    return isinstance(c, ast.Name) or isinstance(c, ast.Constant) and \
        type(c.value) in (int, float)


def _forward_chain(fn, block, at):
    """(the `s = s + mul` right after `mul = ...` at block[at], the saved-shape
    calls of mul), when that is all that reads this `mul`; else None."""
    mul, rest = _assigned(block[at]), block[at + 1:]
    if not rest or _assigned(rest[0]) is None or \
            len([n for n in _stores(fn, mul) if not _rebound_by_a_reverse_loop(fn, n, mul)]) > 1:
        return None
    added = rest[0]
    value = added.value
    if not (isinstance(value, ast.BinOp) and isinstance(value.op, ast.Add) and
            isinstance(value.left, ast.Name) and isinstance(value.right, ast.Name) and
            (value.left.id == mul) != (value.right.id == mul)):
        return None  # (consecutive: nothing changes `s` or `t` in between)
    shapes = []
    for node, parent in _reads(fn, mul):
        inside = any(node in set(ast.walk(s)) for s in rest)
        if inside and parent is value:
            continue
        if inside and _saved_shape_call(parent, fn) is not None:
            shapes.append(_saved_shape_call(parent, fn))
        elif inside or not _rebound_by_a_reverse_loop(fn, node, mul):
            return None
    return added, shapes


def _statement_of(block, value):
    """The `name = value` statement of `block` whose whole value is `value`."""
    return next((s for s in block if _assigned(s) and s.value is value), None)


def _saved_shape_call(shape_like, fn):
    """The `shape_of(shape_like(mul))` call around `shape_like(mul)`, else None."""
    if not _call_of(shape_like, "shape_like", 1):
        return None
    parents = {child: node for node in ast.walk(fn) for child in ast.iter_child_nodes(node)}
    outer = parents.get(shape_like)
    if _call_of(outer, _TWIN + "shape_of", 1) and isinstance(parents.get(outer), ast.Tuple):
        return outer
    return None


def _rebound_by_a_reverse_loop(fn, node, name):
    """Whether `node` (a read of `name`) is inside a loop that first takes `name`
    from its saved values (`a, name = saved[k]`), so it reads the saved one."""
    for loop in ast.walk(fn):
        if isinstance(loop, ast.For) and loop.body and node in set(ast.walk(loop)):
            take = loop.body[0]
            if isinstance(take, ast.Assign) and isinstance(take.targets[0], ast.Tuple) and \
                    isinstance(take.value, ast.Subscript) and \
                    any(isinstance(t, ast.Name) and t.id == name for t in take.targets[0].elts):
                return True
    return False


# -- reverse: d_t = cast_like(unbroadcast_to(g, shape) * c, t) ----------------------------

def _fuse_reverse(fn, block):
    for at, first in enumerate(block):
        d_mul = _assigned(first)
        if d_mul is None or not _call_of(first.value, _TWIN + "unbroadcast_to", 2) or \
                not all(isinstance(a, ast.Name) for a in first.value.args):
            continue
        found = _reverse_chain(fn, block, at, d_mul)
        if found is None:
            continue
        scaled, cast, c = found
        g, shape = first.value.args
        items = cast.value.args[1]
        if not _inputs_stay(block, _input_names(g, shape, c, items), at):
            continue
        cast.value = _twin("scaled_items", [g, shape, c, items], cast.value)
        block.remove(first)
        block.remove(scaled)
        return _fuse_reverse(fn, block)


def _reverse_chain(fn, block, at, d_mul):
    rest = block[at + 1:]
    reads = _reads(fn, d_mul)
    if len(reads) != 1 or len(_stores(fn, d_mul)) != 1:
        return None
    scaled = _statement_of(rest, reads[0][1])
    c = _scaling(scaled.value, d_mul) if scaled is not None else None
    if c is None:
        return None
    d_ds = _assigned(scaled)
    reads = _reads(fn, d_ds)
    if len(reads) != 1 or len(_stores(fn, d_ds)) != 1:
        return None
    node, call = reads[0]
    cast = _statement_of(rest, call)
    if cast is None or not _call_of(call, "cast_like", 2) or call.args[0] is not node or \
            not isinstance(call.args[1], ast.Name):
        return None
    d_t = _assigned(cast)
    item_reads = _reads(fn, d_t)
    if rest[:2] != [scaled, cast] or len(_stores(fn, d_t)) != 1 or not item_reads or not all(
            isinstance(parent, ast.Subscript) and parent.value is n and
            isinstance(parent.slice, ast.Constant) and type(parent.slice.value) is int and
            any(n in set(ast.walk(s)) for s in rest) for n, parent in item_reads):
        return None
    return scaled, cast, c


def _twin(name, args, like):
    return ast.copy_location(ast.Call(func=ast.Name(id=_TWIN + name, ctx=ast.Load()),
                                      args=args, keywords=[]), like)


# -- a loop's state updated in place: s_2 = add_scaled(s_1, c, t); ...; s_1 = s_2 ----------

def _states_in_place(fn):
    """`s_2 = add_scaled(s_1, c, t)` in a `for` loop that carries s_1 (`s_1 = s_2`
    later in its body), where nothing reads the old array once it is updated
    (its items before the update, its shape at any time) -> `add_scaled_into`,
    which writes into s_1, after `s_1 = owned(s_1)` before the loop: the loop
    updates a copy of its own instead of making an array per pass."""
    for block in list(_blocks(fn)):
        for loop in [s for s in block if isinstance(s, ast.For)]:
            for at, s in enumerate(loop.body):
                new = _assigned(s)
                if new is None or not _call_of(s.value, _TWIN + "add_scaled", 3) or \
                        not isinstance(s.value.args[0], ast.Name) or \
                        not _only_carried(loop, at, s.value.args[0].id, new):
                    continue
                old = s.value.args[0].id
                s.value.func = ast.copy_location(
                    ast.Name(id=_TWIN + "add_scaled_into", ctx=ast.Load()), s.value.func)
                copy = ast.Assign(targets=[ast.Name(id=old, ctx=ast.Store())],
                                  value=_twin("owned", [ast.Name(id=old, ctx=ast.Load())], s))
                block.insert(block.index(loop), ast.copy_location(copy, loop))


def _only_carried(loop, at, old, new):
    """Whether `old` (updated into `new` by loop.body[at]) is the loop's own state,
    read only for its items before the update and for its shape, and `new` only
    copied back into it (`old = new`), for its items or its shape."""
    back = [k for k, s in enumerate(loop.body) if _assigned(s) == old and
            isinstance(s.value, ast.Name) and s.value.id == new]
    if len(back) != 1 or back[0] < at or len(_stores(loop, old)) != 1 or \
            len(_stores(loop, new)) != 1:
        return False
    update, copied = loop.body[at].value.args[0], loop.body[back[0]].value
    for k, s in enumerate(loop.body):
        for node, parent in _reads(s, old) + _reads(s, new):
            item = isinstance(parent, ast.Subscript) and parent.value is node and \
                isinstance(parent.slice, ast.Constant) and type(parent.slice.value) is int
            if node is update or node is copied or _call_of(parent, "shape_like", 1) or \
                    item and (node.id == new or k < at):
                continue
            return False
    return True
