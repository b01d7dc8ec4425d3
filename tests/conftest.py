import atexit
import os
import shutil
import tempfile

import numpy as np
import pytest

# generated code's files (transpiler/sourcefiles.py) go to a directory of this run
if "TAPELESS_CACHE_DIR" not in os.environ:
    os.environ["TAPELESS_CACHE_DIR"] = tempfile.mkdtemp(prefix="tapeless-tests-")
    atexit.register(shutil.rmtree, os.environ["TAPELESS_CACHE_DIR"], True)

from hypothesis import settings

from runtime.numeric import numeric_grad

# the suite draws the same examples on every run (CI must not pass or fail by the
# draw); TAPELESS_HYPOTHESIS=explore draws new ones, as the soak scripts do
settings.register_profile("suite", derandomize=True, database=None)
settings.register_profile("explore", derandomize=False)
settings.load_profile("explore" if os.environ.get("TAPELESS_HYPOTHESIS") == "explore"
                      else "suite")


def assert_close(actual, expected, rtol=1e-6, atol=1e-8):
    """Compare (possibly nested tuples of) scalars and arrays, with shapes."""
    if isinstance(expected, (tuple, list)):
        assert isinstance(actual, (tuple, list)) and len(actual) == len(expected), \
            f"expected {len(expected)} values, got {actual!r}"
        for a, e in zip(actual, expected):
            assert_close(a, e, rtol, atol)
        return
    assert np.shape(actual) == np.shape(expected), \
        f"shape {np.shape(actual)} != expected {np.shape(expected)}"
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=atol)


def check_against_fd(df, f, args, wrt, rtol=1e-5, atol=1e-7):
    """Assert that the gradient `df(*args)` matches central differences of `f`."""
    got = df(*args)
    want = numeric_grad(f, args, wrt)
    assert_close(got, want, rtol, atol)
    return got


@pytest.fixture
def rng():
    return np.random.default_rng(1234)


_MODULES = []


def function_from_source(source, name, tmp_dir, extra_globals=None):
    """Write `source` to a module file (so it has source to read) and return `name` from it."""
    import importlib.util
    import os
    import textwrap
    path = os.path.join(str(tmp_dir), f"generated_{len(_MODULES)}.py")
    with open(path, "w") as fh:
        fh.write("import math\nimport numpy as np\n\n" + textwrap.dedent(source))
    spec = importlib.util.spec_from_file_location(f"generated_{len(_MODULES)}", path)
    module = importlib.util.module_from_spec(spec)
    module.__dict__.update(extra_globals or {})
    spec.loader.exec_module(module)
    _MODULES.append(module)
    return getattr(module, name)


if __import__("os").environ.get("TAPELESS_JIT") == "1":  # the gradient tests, compiled
    import jit_mode
    jit_mode.install()

    def pytest_terminal_summary(terminalreporter):
        terminalreporter.write_line(jit_mode.summary())
