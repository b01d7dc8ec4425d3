"""SciPy is optional: without it the package imports and differentiates NumPy code."""
import os
import subprocess
import sys
import textwrap

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

WITHOUT_SCIPY = textwrap.dedent("""
    import sys
    sys.modules["scipy"] = None  # `import scipy` now raises ImportError
    import numpy as np
    from transpiler import check_grad, grad, hessian
    from transpiler.rules import scipy as rules_scipy
    from runtime.numeric import numeric_grad
    assert not rules_scipy.AVAILABLE
    assert not any(name.startswith("scipy") for name in sys.modules if sys.modules[name])

    def loss(w):
        return np.sum(np.tanh(w) ** 2) + np.log(np.sum(np.exp(w)))

    w = np.array([0.3, -1.2, 0.5])
    assert check_grad(loss, w).passed
    np.testing.assert_allclose(grad(loss)(w), numeric_grad(loss, (w,)), rtol=1e-6)
    h = hessian(loss)(w)
    np.testing.assert_allclose(h, h.T, atol=1e-12)
    print("ok")
""")


def run_script(tmp_path, text):
    """Run `text` in a fresh interpreter, from a file (so that the compiler can read
    its functions); it prints "ok" when its checks pass."""
    script = tmp_path / "script.py"
    script.write_text(text)
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    done = subprocess.run([sys.executable, str(script)], cwd=ROOT, capture_output=True,
                          text=True, timeout=120, env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"


def test_no_scipy_still_differentiates_numpy(tmp_path):
    run_script(tmp_path, WITHOUT_SCIPY)


def test_with_scipy_the_rules_are_registered():
    import scipy.special
    from transpiler.rules import scipy as rules_scipy
    from transpiler.rules.table import lookup
    assert rules_scipy.AVAILABLE
    assert lookup(scipy.special.logsumexp) is not None


LAZY = textwrap.dedent("""
    import sys
    import numpy as np
    from transpiler import adjoint, grad
    from runtime.numeric import numeric_grad
    imported = sorted(name for name in sys.modules if name.startswith("scipy") and sys.modules[name])
    assert not imported, imported  # `import transpiler` leaves SciPy alone
    import scipy  # the package only: scipy.special is imported when loss first reads it

    def loss(x):
        return np.sum(scipy.special.gammaln(x) * x)

    x = np.array([0.7, 1.6, 3.2])
    np.testing.assert_allclose(grad(loss)(x), numeric_grad(loss, (x,)), rtol=1e-6)

    import scipy.stats

    @adjoint(scipy.stats.norm.logpdf)  # a user's rule overrides the built-in one
    def twice(g, ans, x, loc=0.0, scale=1.0):
        return -2.0 * g * (x - loc) / scale ** 2

    def density(x):
        return scipy.stats.norm.logpdf(x)

    assert abs(grad(density)(0.4) - 2.0 * numeric_grad(density, (0.4,))) < 1e-6
    print("ok")
""")


def test_scipy_rules_register_when_scipy_modules_are_imported(tmp_path):
    run_script(tmp_path, LAZY)
