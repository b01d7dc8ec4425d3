"""Regenerate the command outputs shown in docs/how-it-works.md:  python docs/refresh.py"""
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from transpiler.support import refresh_dumps  # noqa: E402

path = os.path.join(ROOT, "docs", "how-it-works.md")
with open(path) as fh:
    text = fh.read()
with open(path, "w") as fh:
    fh.write(refresh_dumps(text, ROOT))

from transpiler.support import numpy_support_page  # noqa: E402

with open(os.path.join(ROOT, "docs", "numpy-support.md"), "w") as fh:
    fh.write(numpy_support_page())

from transpiler.support import architecture_page  # noqa: E402

with open(os.path.join(ROOT, "docs", "architecture.md"), "w") as fh:
    fh.write(architecture_page())
