"""Checkpointing: loops whose reverse sweep recomputes instead of saving.

With `grad(f, checkpoint=True)` each loop of `f` is cut into
segments of about sqrt(n) steps (`checkpoint=K`: into K segments) before it
is reversed; the loop over segments is reversed by *recomputing* its body:
the forward sweep saves only the loop's state at the start of each segment
(the snapshots), and the reverse sweep, from the last segment back, restores
a snapshot, runs the segment again saving what its reverse needs (the
ordinary reverse of the inner loop), and reverses it. Memory is O(sqrt n)
snapshots plus one segment's saved values, for about one more forward sweep.

    for i in range(n):          for segment in checkpoint_segments(range(n)):
        x = step(x)     ->          snapshots.append((segment, x))
                                    for i in segment:
                                        x = step(x)
                                for segment, x in reversed(snapshots):
                                    saved = []
                                    for i in segment: ...saved.append(...)
                                    for ... in reversed(saved): ...

A while loop (no trip count to cut) runs as segments of 1, 2, 3, ... steps
(so O(sqrt n) of them, each O(sqrt n) long), the steps past its end skipped.
Loops inside those loops are cut the same way (inner loops first). `@checkpoint`
on a helper function does the same for a call: the gradient saves the call's
arguments and runs the helper again in the reverse sweep (see calls.py).
"""
from __future__ import annotations

import builtins
import operator

from .. import ir
from .copies import _like, fresh_copy, rename_uses
from runtime.checkpoints import checkpoint_segments

SEGMENTS = ir.Ext(checkpoint_segments, "checkpoint_segments", checkpoint_segments)
RANGE = ir.Ext(builtins.range, "range", builtins.range)


def checkpoint(fn):
    """`@checkpoint` on a helper function: a gradient that calls it saves only
    the call's arguments and runs the helper again in the reverse sweep to get
    what the helper's own reverse needs (as `jax.checkpoint`). Values and
    gradients are unchanged; called outside a gradient, it is the same function.

    >>> @checkpoint
    ... def layer(x):
    ...     return x * x
    >>> layer(3.0)
    9.0
    """
    if not callable(fn):
        raise TypeError(f"@checkpoint decorates a function, not a {type(fn).__name__}")
    fn.__tapeless_checkpoint__ = True
    return fn


def is_checkpointed(fn):
    return getattr(fn, "__tapeless_checkpoint__", False) is True


def segment_count(setting):
    """None for `checkpoint=True` (about sqrt(n) segments), K for `checkpoint=K`."""
    if setting is True:
        return None
    if isinstance(setting, bool) or not isinstance(setting, int) or setting < 1:
        raise TypeError(f"checkpoint={setting!r}: pass True (about sqrt(n) snapshots per "
                        "loop) or a number of snapshots K >= 1")
    return setting


def segment_loops(rev, stmts, setting):
    """Replace each loop of `stmts` that carries gradients (also inside ifs and
    other loops) by a loop over its segments, noted "checkpoint": the
    reverser recomputes its body (see `recomputed_body`)."""
    count = segment_count(setting)
    out = []
    for s in stmts:
        if isinstance(s, ir.If):
            segment_loops(rev, s.body, setting)
            segment_loops(rev, s.orelse, setting)
        if isinstance(s, ir.Loop) and any(rev.activity.is_active(p.target) for p in s.phis):
            segment_loops(rev, s.body, setting)  # its inner loops first
            pieces = _while_segments(rev, s) if s.iterable is None else \
                _for_segments(rev, s, count)
            pieces[-1].note = "checkpoint"
            out.extend(pieces)
        else:
            out.append(s)
    stmts[:] = out


def _for_segments(rev, loop, count):
    """`for i in xs: body` -> `for segment in checkpoint_segments(xs): for i in segment: body`."""
    pieces = rev.namer.fresh("segments", temp=True)
    make = ir.Assign(pieces, checkpoint_segments,
                     [loop.iterable] + ([ir.Const(count)] if count else []), {}, loop.loc,
                     SEGMENTS)
    segment = rev.namer.fresh("segment")
    inner_phis, outer_phis, mapping = _split_phis(rev, loop)
    rename_uses(loop.body, mapping)
    inner = ir.Loop(inner_phis, loop.body, loop.target, segment, [], None, loop.loc)
    outer = ir.Loop(outer_phis, [inner], segment, pieces, [], None, loop.loc)
    return [make, outer]


def _while_segments(rev, loop):
    """`while c: body` -> `while c: for _ in range(segment_length): if c: body`
    with segment lengths 1, 2, 3, ... (the steps after `c` turned false do nothing)."""
    steps = rev.namer.fresh("segment_length")
    more = rev.namer.fresh("segment_length", temp=True)
    for name in (steps.name, more.name):
        rev.kinds.counters.add(name)
    inner_phis, outer_phis, mapping = _split_phis(rev, loop)
    test, test_names = fresh_copy(rev, loop.test)
    rename_uses(test, mapping)
    cond = {**mapping, **test_names}.get(loop.cond.name, loop.cond) \
        if isinstance(loop.cond, ir.Var) else loop.cond
    rename_uses(loop.body, mapping)
    guard_phis = []
    for p in inner_phis:
        after = _like(rev, p.target)
        guard_phis.append(ir.Phi(after, [p.inputs[1], p.target]))
        p.inputs[1] = after
    guarded = ir.If(cond, loop.body, [], guard_phis, loop.loc)
    span = rev.namer.fresh("span", temp=True)
    body = [ir.Assign(span, builtins.range, [steps], {}, loop.loc, RANGE),
            ir.Loop(inner_phis, test + [guarded], rev.namer.fresh("_"), span, [], None,
                    loop.loc),
            ir.Assign(more, operator.add, [steps, ir.Const(1)], {}, loop.loc)]
    outer = ir.Loop(outer_phis + [ir.Phi(steps, [ir.Const(1), more])], body, None, None,
                    loop.test, loop.cond, loop.loc)
    return [outer]


def _split_phis(rev, loop):
    """Header phis for the inner loop (fresh names, starting from the outer
    loop's) and for the outer loop (the loop's own names, seen after it)."""
    mapping = {p.target.name: _like(rev, p.target) for p in loop.phis}
    inner, outer = [], []
    for p in loop.phis:
        t = mapping[p.target.name]
        nxt = p.inputs[1]
        nxt = mapping.get(nxt.name, nxt) if isinstance(nxt, ir.Var) else nxt
        inner.append(ir.Phi(t, [p.target, nxt]))
        outer.append(ir.Phi(p.target, [p.inputs[0], t]))
    return inner, outer, mapping


def recomputed_body(rev, loop, header, carried, body_adj):
    """The reversed body of a loop over segments: the body again (new names;
    its inner loop saves as usual), then its reverse."""
    copy, mapping = fresh_copy(rev, loop.body)
    rev._index(copy, [])
    rbody = []
    for p in header:
        if rev.activity.is_active(p.inputs[1]):
            nxt = mapping.get(p.inputs[1].name, p.inputs[1])
            rev.accumulate(nxt, carried[p.target.name], body_adj, rbody, loop.loc)
    rev.block(copy, body_adj, rbody)
    return copy + rbody
