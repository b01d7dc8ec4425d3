"""Errors that carry a source location.

Every construct the compiler cannot differentiate raises `TranspileError` at
transform time. The message names the file, line and column, quotes the line
with a caret under the construct, says why, and suggests a fix:

    model.py:12:8: cannot differentiate a `try` statement
        try:
        ^
    why: exceptions make the order of operations depend on run-time failures ...
    fix: move the try/except outside the differentiated function
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .sourcefiles import GENERATED


@dataclass(frozen=True)
class Loc:
    """A position in user source: file, 1-based line, 0-based column, line text."""

    filename: str
    lineno: int
    col: int
    line: str = ""

    def __str__(self) -> str:
        return f"{self.filename}:{self.lineno}:{self.col + 1}"

    def excerpt(self) -> str:
        """The source line with a caret under the column."""
        if not self.line:
            return ""
        text = self.line.rstrip("\n")
        stripped = text.lstrip()
        indent = len(text) - len(stripped)
        caret = " " * max(self.col - indent, 0) + "^"
        return f"    {stripped}\n    {caret}"


class TranspileError(Exception):
    """The function cannot be transformed; raised before any wrong gradient exists."""

    def __init__(self, what: str, loc: Loc | None = None, why: str = "", fix: str = "") -> None:
        self.what, self.loc, self.why, self.fix = what, loc, why, fix
        super().__init__(self.render())

    def render(self) -> str:
        head = f"{self.loc}: {self.what}" if self.loc else self.what
        parts = [head]
        if self.loc is not None and self.loc.line:
            parts.append(self.loc.excerpt())
        if self.why:
            parts.append(f"why: {self.why}")
        if self.fix:
            parts.append(f"fix: {self.fix}")
        return "\n".join(parts)


class GradientMismatch(AssertionError):
    """Raised by `check_grad(..., raise_on_failure=True)` when gradients disagree."""

    report: Any  # the check.GradCheckReport


# -- the safety net -------------------------------------------------------------
# The statement each stage is working on, so that a bug in the compiler (an
# IRError, KeyError, ... escaping a stage) is reported at the user's line.
_WORKING_ON = [None]


def working_on(loc):
    """Note the source location of the statement a stage is transforming."""
    if loc is not None:
        _WORKING_ON[0] = loc


def internal_error(exc, name, fallback=None):
    """The TranspileError that stands for an internal exception `exc` raised while
    transforming the function `name`: located, and saying it is our bug."""
    loc = _WORKING_ON[0] or fallback
    return TranspileError(
        f"internal error while transforming `{name}` ({type(exc).__name__}: {exc})", loc,
        "this is a bug in tapeless, not in your code; please report it with this "
        "function and the arguments' types",
        "until it is fixed, rewrite the statement named here (or differentiate a smaller "
        "part of the function)")


def user_location(loc):
    """The line of the user's source that generated code at `loc` came from
    (following generated-from-generated code down to the user's), or `loc`."""
    seen = 0
    while loc is not None and loc.filename in GENERATED and seen < 10:
        origin = GENERATED[loc.filename].line_locs.get(loc.lineno)
        if origin is None:
            break
        loc, seen = origin, seen + 1
    return loc


def at_user_line(exc):
    """`exc` (a TranspileError) located at the user's line when it was raised
    while transforming generated code (higher order); else `exc` itself."""
    user = user_location(exc.loc)
    if user is exc.loc:
        return exc
    why = f"{exc.why} " if exc.why else ""
    return TranspileError(exc.what, user, f"{why}(found while transforming the generated "
                          f"code at {exc.loc})", exc.fix)
