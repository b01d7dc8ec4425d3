"""What checkpointed gradients call at run time: how a loop is cut into segments.

A gradient made with `grad(f, checkpoint=True)` runs a long loop as segments:
the forward sweep keeps only the loop's state at the start of each segment,
and the reverse sweep, from the last segment back, restores that state, runs
the segment again saving what its reverse needs, and reverses it
(see transpiler/checkpoint.py).

    >>> [list(s) for s in checkpoint_segments(range(10))]
    [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    >>> [list(s) for s in checkpoint_segments(range(10), 2)]
    [[0, 1, 2, 3, 4], [5, 6, 7, 8, 9]]
"""
from __future__ import annotations

import math


def segment_length(n, segments=None):
    """Steps per segment for a loop of `n` steps: about sqrt(n) (so the
    snapshots and one segment's saved values are both O(sqrt n)), or as
    many as fit `segments` segments."""
    if n <= 0:
        return 1
    if segments is None:
        return max(1, math.isqrt(n - 1) + 1)
    return max(1, -(-n // segments))


def checkpoint_segments(steps, segments=None):
    """`steps` (what a `for` loop iterates over) cut into consecutive pieces
    that iterate over the same items: ranges of a range, slices of a list,
    tuple or array (anything else is listed first)."""
    if not (hasattr(steps, "__getitem__") and hasattr(steps, "__len__")):
        steps = list(steps)
    n = len(steps)
    every = segment_length(n, segments)
    return [steps[start:start + every] for start in range(0, n, every)]

