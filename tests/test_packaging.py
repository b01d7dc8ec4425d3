"""What the distribution promises: a version, type hints that mypy checks, the console script."""
import importlib.metadata
import os
import subprocess
import sys
import time

import pytest

import transpiler
from transpiler import cli

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# the modules whose functions users call (their signatures carry type hints)
PUBLIC = ["transpiler/__init__.py", "transpiler/api.py", "transpiler/higher.py",
          "transpiler/check.py", "transpiler/graph.py", "transpiler/errors.py",
          "transpiler/rules/table.py", "transpiler/pipeline.py", "transpiler/display.py",
          "transpiler/tracebacks.py", "transpiler/sourcefiles.py", "runtime/optim.py",
          "runtime/numeric.py"]


def test_version_is_the_distributions():
    assert transpiler.__version__ == importlib.metadata.version("tapeless")


def test_packages_are_marked_typed():
    for package in ("transpiler", "runtime"):
        assert os.path.exists(os.path.join(ROOT, package, "py.typed"))


def test_console_script_prints_its_version_and_names_itself(capsys):
    with pytest.raises(SystemExit) as done:
        cli.main(["--version"])
    assert done.value.code == 0 and capsys.readouterr().out == f"tapeless {transpiler.__version__}\n"
    with pytest.raises(SystemExit):
        cli.main([])
    assert capsys.readouterr().err.startswith("usage: tapeless ")


def test_python_dash_m_names_itself_so():
    done = subprocess.run([sys.executable, "-m", "transpiler", "--help"], cwd=ROOT,
                          capture_output=True, text=True)
    assert done.returncode == 0 and done.stdout.startswith("usage: python -m transpiler ")


def mypy(*args):
    api = pytest.importorskip("mypy.api")
    cache = os.path.join(ROOT, ".venv", "mypy_cache") if os.path.isdir(
        os.path.join(ROOT, ".venv")) else os.path.join(ROOT, "build", "mypy_cache")
    started = time.perf_counter()
    out, err, status = api.run(["--config-file", os.path.join(ROOT, "pyproject.toml"),
                                "--cache-dir", cache, *args])
    return out + err, status, time.perf_counter() - started


def test_mypy_accepts_the_public_api_and_typical_user_code():
    report, status, seconds = mypy(*[os.path.join(ROOT, p) for p in PUBLIC],
                                   os.path.join(ROOT, "tests", "typing_user_code.py"))
    print(f"mypy took {seconds:.1f} s")
    assert status == 0, report



def test_mypy_catches_a_wrong_call(tmp_path):
    wrong = tmp_path / "wrong.py"
    wrong.write_text("from transpiler import check_grad, grad\n"
                     "def f(x: float) -> float:\n    return x * x\n"
                     "g = grad(f, optimize='yes')\n"
                     "r = check_grad(f, 1.0, rtol='tight')\n"
                     "n: int = grad(f).source\n")
    report, status, _ = mypy(str(wrong))
    assert status == 1, report
    assert report.count("error:") == 3, report


def test_typical_user_code_runs():
    import runpy
    results = runpy.run_path(os.path.join(ROOT, "tests", "typing_user_code.py"))
    assert results["ok"] and results["version"] == transpiler.__version__
