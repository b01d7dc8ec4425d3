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


def test_numpy_support_table_is_generated_from_the_rule_table():
    from transpiler.support import numpy_support_page
    with open(os.path.join(DOCS, "numpy-support.md")) as fh:
        assert fh.read() == numpy_support_page(), "run python docs/refresh.py"


def test_numpy_support_table_lists_what_the_rule_table_knows():
    import numpy as np
    from transpiler.rules.table import lookup
    from transpiler.support import rules_table
    table = rules_table()
    for fn, name in ((np.sin, "np.sin"), (np.linalg.solve, "np.linalg.solve"),
                     (np.cumsum, "np.cumsum")):
        assert lookup(fn) is not None and f"| `{name}` |" in table
    assert "`np.argmax`" in table  # no gradient


def test_getting_started_code_runs(tmp_path):
    """Every ```python block of getting-started.md, in order, as one script."""
    import subprocess
    import sys
    with open(os.path.join(DOCS, "getting-started.md")) as fh:
        blocks = re.findall(r"```python\n(.*?)```", fh.read(), flags=re.S)
    assert len(blocks) >= 5
    script = tmp_path / "getting_started.py"
    script.write_text("\n".join(blocks))
    # the page shows the default (optimized) code, whatever mode this suite runs in
    env = {k: v for k, v in os.environ.items() if k != "TAPELESS_OPTIMIZE"}
    out = subprocess.run([sys.executable, str(script)], cwd=ROOT, capture_output=True,
                         text=True, env=env)
    assert out.returncode == 0, out.stderr
    assert "(2.0, 5.0, 0.0)" in out.stdout and "check_grad of f: ok" in out.stdout


def test_comparing_page_shows_what_the_code_prints(tmp_path):
    """The report and tape listings quoted in comparing-with-the-tape.md are current."""
    import subprocess
    import sys
    with open(os.path.join(DOCS, "comparing-with-the-tape.md")) as fh:
        text = fh.read()
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    script = tmp_path / "compare.py"
    script.write_text(blocks[0] + "\n" + blocks[2])
    out = subprocess.run([sys.executable, str(script)], cwd=ROOT, capture_output=True,
                         text=True, check=True).stdout
    for line in out.splitlines():
        if "max abs error" not in line:  # rounding-level errors vary by platform
            assert line.rstrip() in text, line
    wrong = tmp_path / "wrong.py"
    wrong.write_text(blocks[1])
    check = subprocess.run([sys.executable, "-m", "transpiler", "check", f"{wrong}:loss",
                            "--args", "np.array([0.5, -1.0]), np.array([1.0, 2.0])"],
                           cwd=ROOT, capture_output=True, text=True)
    assert check.returncode == 1
    assert "w: MISMATCH" in check.stdout and "suspect a derivative rule" in check.stdout
    assert "numeric  [0.6224593312, 0.238405844 ]" in check.stdout  # sigmoid(0.5), sigmoid(-2)*2


def test_function_values_page_runs(tmp_path, capsys):
    """Every ```python block of function-values.md, in order, as one script (a file,
    so the compiler can read its functions); what it prints is shown on the page."""
    with open(os.path.join(DOCS, "function-values.md")) as fh:
        text = fh.read()
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    script = tmp_path / "function_values_page.py"
    script.write_text("\n".join(blocks))
    import runpy
    runpy.run_path(str(script), run_name="function_values_page")
    printed = capsys.readouterr().out
    shown = re.findall(r"```text\n(.*?)```", text, flags=re.S)[0]
    for line in shown.splitlines():
        if line.strip() != "...":
            assert line in printed, f"the page shows a line the code does not print: {line!r}"


# pages whose ```python blocks run as one script here, each `# prints: ...` line
# being what the print above it shows (the other pages have their runners above)
PRINTING_PAGES = ["jax-and-autograd.md", "custom-rules.md", "api.md", "checkpointing.md",
                  "array-api.md",
                  "dask-and-gpus.md"]


@pytest.mark.parametrize("page", PRINTING_PAGES)
def test_page_code_runs_and_prints_what_the_page_says(page, tmp_path):
    import subprocess
    import sys
    with open(os.path.join(DOCS, page)) as fh:
        blocks = re.findall(r"```python\n(.*?)```", fh.read(), flags=re.S)
    assert blocks
    script = tmp_path / page.replace("-", "_").replace(".md", ".py")
    source = "\n".join(blocks)
    script.write_text(source)
    out = subprocess.run([sys.executable, str(script)], cwd=ROOT, capture_output=True,
                         text=True)
    assert out.returncode == 0, out.stderr
    expected = re.findall(r"^# prints: (.*)$", source, flags=re.M)
    assert out.stdout.splitlines() == expected


@pytest.mark.source_text
def test_readme_quick_start_prints_the_adjoint_it_shows(tmp_path):
    import subprocess
    import sys
    with open(os.path.join(ROOT, "README.md")) as fh:
        code, shown = re.findall(r"```python\n(.*?)```", fh.read(), flags=re.S)[:2]
    script = tmp_path / "quick_start.py"
    script.write_text(code + "print(df(1.0, 2.0, 0.0))\n")
    out = subprocess.run([sys.executable, str(script)], cwd=ROOT, capture_output=True,
                         text=True, check=True).stdout
    source, value = out.rstrip("\n").rsplit("\n", 1)
    assert source.rstrip("\n") == shown.rstrip("\n")
    assert f"# {value}" in code


def test_how_it_works_shows_the_running_example_file():
    """The page's code is the file its dumps are made from (see the dump test above)."""
    with open(os.path.join(DOCS, "how-it-works.md")) as fh:
        (code,) = re.findall(r"```python\n(.*?)```", fh.read(), flags=re.S)
    with open(os.path.join(DOCS, "examples", "running_example.py")) as fh:
        assert fh.read() == code


def test_jit_page_runs_and_prints_what_it_shows(tmp_path):
    """Every ```python block of jit.md, in order, as one script; each line of its
    ```text blocks is printed (the whole error's first line names the script's path)."""
    pytest.importorskip("numba", reason="the jit page needs numba")
    import subprocess
    import sys
    with open(os.path.join(DOCS, "jit.md")) as fh:
        text = fh.read()
    script = tmp_path / "docs_example.py"
    script.write_text("\n".join(re.findall(r"```python\n(.*?)```", text, flags=re.S)) +
                      "\ntry:\n    jit(grad(cross_entropy))(np.zeros(2), X, y)\n"
                      "except JitError as e:\n    print(e)\n")
    out = subprocess.run([sys.executable, str(script)], cwd=ROOT, capture_output=True,
                         text=True)
    assert out.returncode == 0, out.stderr
    for block in re.findall(r"```text\n(.*?)```", text, flags=re.S):
        for line in block.splitlines():
            assert line.replace("docs_example.py", str(script)) in out.stdout, line
