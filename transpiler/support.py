"""Tables for the documentation, generated from the compiler itself so they cannot drift."""
from __future__ import annotations


def unsupported_table():
    """Markdown rows: each construct the compiler rejects, and the error it gives."""
    from .normalize import UNSUPPORTED
    lines = ["| construct | error | why | fix |", "| --- | --- | --- | --- |"]
    for what, why, fix in sorted(set(UNSUPPORTED.values())):
        lines.append(f"| {what} | ``cannot differentiate {what}`` | {why} | {fix} |")
    return "\n".join(lines) + "\n"
