"""Writes a called function makes into the arrays it was given.

For a function called by the differentiated one (a companion), an item write
or in-place update of an argument array, or of a view of one, would change the
caller's array in Python, which the companion's own values would not show:
refused at the write (see `refuse_writes_into_parameters`).
"""
from __future__ import annotations

from .. import ir
from ..errors import TranspileError
from .writes import _derived, _Facts, _has_writes, _storage, _updates


def refuse_writes_into_parameters(fn, kinds=None, unknown_updates=False):
    """For a function called by the differentiated one (a companion): an item write
    or in-place update of an array it was given, or of a view of one, would change
    the caller's array in Python; the companion works on its own values, so the
    caller would not see it. Refused where the write is, not answered differently.
    `unknown_updates`: count `p *= 2` of a value of unknown kind too (for a call
    whose result is not used, where changing `p` is the only effect it can have)."""
    if not _has_writes(fn) and not any(getattr(s, "in_place_of", None) is not None
                                       for s in ir.walk(fn.body)):
        return
    facts = _Facts(fn, kinds)
    # (an update `p *= 2` counts where p is known to be an array; of a number it
    # rebinds, and where nothing is known the caller's check_writes guards it)
    writes = [(w, w.args[0]) for _, w in facts.writes()] + \
        [(w, old) for _, w, old in _updates(fn, facts, kinds)
         if unknown_updates or kinds is not None and kinds.rank(old) not in (None, 0)]
    for write, container in writes:
        roots = _storage(container, facts.phis, set(), facts.defs)
        given = [r.name for r in roots if r.name in facts.params] or \
            [p for p in facts.params if any(r.name in _derived([ir.Var(p)], facts.producers)
                                            for r in roots)]
        if given:
            raise TranspileError(
                f"cannot differentiate a call of `{fn.name}` that changes its argument "
                f"`{given[0]}` in place", write.loc,
                "in Python the caller's array changes too; the gradient of the caller "
                "would not see that change",
                f"return the new array from `{fn.name}` and assign it in the caller "
                f"(e.g. `{given[0]} = {given[0]} * 2` instead of `{given[0]} *= 2`)")
