"""Tables for the documentation, generated from the compiler itself so they cannot drift."""
from __future__ import annotations


def unsupported_table():
    """Markdown rows: each construct the compiler rejects, and the error it gives."""
    from .normalize import UNSUPPORTED
    lines = ["| construct | error | why | fix |", "| --- | --- | --- | --- |"]
    for what, why, fix in sorted(set(UNSUPPORTED.values())):
        lines.append(f"| {what} | ``cannot differentiate {what}`` | {why} | {fix} |")
    return "\n".join(lines) + "\n"


def refresh_dumps(text, root):
    """Replace the output under every ```` ```text ```` block that starts with a
    `$ python -m transpiler dump ...` command by what that command prints now."""
    import re
    import shlex
    import subprocess
    import sys

    def run(match):
        command = match.group(1)
        args = shlex.split(command)[3:]  # after `python -m transpiler`
        out = subprocess.run([sys.executable, "-m", "transpiler"] + args, cwd=root,
                             capture_output=True, text=True, check=True).stdout
        return f"```text\n$ {command}\n{out}```"
    return re.sub(r"```text\n\$ (python -m transpiler dump [^\n]*)\n.*?```", run, text,
                  flags=re.S)
