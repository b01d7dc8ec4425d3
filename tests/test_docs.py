"""The documentation: generated tables match the compiler, relative links resolve."""
import os
import re

import pytest

from transpiler.support import unsupported_table

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DOCS = os.path.join(ROOT, "docs")


def _markdown_files():
    yield os.path.join(ROOT, "README.md")
    for name in sorted(os.listdir(DOCS)):
        if name.endswith(".md"):
            yield os.path.join(DOCS, name)


def test_unsupported_constructs_table_is_generated_from_the_compiler():
    with open(os.path.join(DOCS, "supported-python.md")) as fh:
        text = fh.read()
    assert unsupported_table() in text, "regenerate with transpiler.support.unsupported_table()"


def test_relative_links_resolve():
    for path in _markdown_files():
        with open(path) as fh:
            text = fh.read()
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", text):
            if "://" in target or target.startswith("mailto:"):
                continue
            resolved = os.path.normpath(os.path.join(os.path.dirname(path), target))
            assert os.path.exists(resolved), f"{path}: broken link {target}"


@pytest.mark.source_text
def test_how_it_works_shows_the_current_output_of_every_stage():
    from transpiler.support import refresh_dumps
    with open(os.path.join(DOCS, "how-it-works.md")) as fh:
        text = fh.read()
    assert refresh_dumps(text, ROOT) == text, "run python docs/refresh.py"
