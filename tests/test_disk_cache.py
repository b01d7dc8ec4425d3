"""The on-disk cache of generated code (transpiler/diskcache.py), seen from new
processes: a second process reuses what the first stored, unless something the
gradient depends on changed; then it transforms again and gets the right
gradient (checked against central differences in that process)."""
import glob
import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

MODEL = """\
import numpy as np

SCALE = float(__import__("os").environ.get("MODEL_SCALE", "1.5"))


def f(x, y):
    a = x * y + np.sin(x)
    for k in range(3):
        a = a + np.tanh(a * y) / (k + 1.0)
    return a * SCALE + np.exp(-y * y)
"""

HELPER = """\
import numpy as np


def bump(a, y):
    return np.cos(a) * y + a * a
"""

CALLER = """\
import numpy as np
from helper import bump


def f(x, y):
    b = bump(x * y, y)
    return np.log(1.0 + b * b) + x
"""

SCRIPT = """\
import json, os, sys
sys.path.insert(0, os.getcwd())
from transpiler import grad, adjoint, diskcache
from runtime.numeric import numeric_grad
import {module} as m
{setup}
args = (0.7, 1.3)
g = grad(m.f, wrt={wrt})
got = g(*args)
want = numeric_grad(m.f, args, {wrt})
got = got if isinstance(got, tuple) else (got,)
want = want if isinstance(want, tuple) else (want,)
print(json.dumps({{"stats": diskcache.STATS, "got": [float(v) for v in got],
                  "want": [float(v) for v in want], "source": g.source}}))
"""


JVP_SCRIPT = """\
import json, os, sys
sys.path.insert(0, os.getcwd())
import numpy as np
from transpiler import jvp, diskcache
from runtime.numeric import numeric_grad
import {module} as m
args, tangents = (0.7, 1.3), (1.0, -0.5)
value, got = jvp(m.f, wrt=(0, 1))(*args, tangents=tangents)
want = float(np.dot(numeric_grad(m.f, args, (0, 1)), tangents))  # the directional derivative
print(json.dumps({{"stats": diskcache.STATS, "got": [float(got)], "want": [want],
                  "source": ""}}))
"""


def run(tmp_path, module="model", setup="", wrt="(0, 1)", script=SCRIPT, **env):
    """Run a fresh interpreter that takes the gradient of `module`.f (or runs
    another `script`); what it reports."""
    path = tmp_path / "take_gradient.py"
    path.write_text(script.format(module=module, setup=textwrap.dedent(setup), wrt=wrt))
    environ = dict(os.environ, TAPELESS_CACHE_DIR=str(tmp_path / "cache"), **env)
    for name in ("TAPELESS_CACHE", "TAPELESS_OPTIMIZE"):  # (the suite may run with these set)
        environ.pop(name, None)
    environ.update(env)
    environ["PYTHONPATH"] = ROOT + os.pathsep + environ.get("PYTHONPATH", "")
    done = subprocess.run([sys.executable, str(path)], capture_output=True, text=True,
                          env=environ, cwd=tmp_path, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads(done.stdout.strip().splitlines()[-1])
    np.testing.assert_allclose(report["got"], report["want"], rtol=1e-5, atol=1e-8)
    return report


def hit(report):
    return report["stats"]["hits"] == 1 and report["stats"]["misses"] == 0


def stored(report):
    return report["stats"]["misses"] == 1 and report["stats"]["stored"] == 1


def entries(tmp_path):
    return glob.glob(str(tmp_path / "cache" / "transforms" / "*" / "*.pickle"))


@pytest.fixture
def model(tmp_path):
    (tmp_path / "model.py").write_text(MODEL)
    return tmp_path


def test_a_second_process_reuses_the_generated_code(model):
    first = run(model)
    assert stored(first) and len(entries(model)) == 1
    second = run(model)
    assert hit(second)
    assert second["got"] == first["got"] and second["source"] == first["source"]


def test_an_edited_function_is_transformed_again(model):
    assert stored(run(model))
    (model / "model.py").write_text(MODEL.replace("np.exp(-y * y)", "np.exp(-y * x)"))
    edited = run(model)
    assert stored(edited) and "x" in edited["source"]
    assert hit(run(model))


def test_a_changed_module_constant_is_a_miss(model):
    assert stored(run(model))
    changed = run(model, MODEL_SCALE="2.5")  # the same file, another value of SCALE
    assert stored(changed)
    assert hit(run(model, MODEL_SCALE="2.5"))
    assert stored(run(model))  # (one entry per function and options: the latest)


def test_other_options_are_other_entries(model):
    assert stored(run(model))
    assert stored(run(model, wrt="1"))
    assert stored(run(model, TAPELESS_OPTIMIZE="0"))
    assert hit(run(model, wrt="1")) and hit(run(model))


def test_a_helper_in_another_file_is_part_of_the_key(tmp_path):
    (tmp_path / "helper.py").write_text(HELPER)
    (tmp_path / "caller.py").write_text(CALLER)
    assert stored(run(tmp_path, "caller"))
    assert hit(run(tmp_path, "caller"))
    (tmp_path / "helper.py").write_text(HELPER.replace("a * a", "a * a * a"))
    changed = run(tmp_path, "caller")  # (the gradient is checked against the new helper)
    assert stored(changed)
    assert hit(run(tmp_path, "caller"))


def test_a_rule_registered_by_the_user_is_part_of_the_key(tmp_path):
    (tmp_path / "model.py").write_text(MODEL.replace("np.exp(-y * y)", "softplus(-y * y)") +
                                       "\n\ndef softplus(v):\n    return np.log(1.0 + np.exp(v))\n")
    plain = run(tmp_path)
    assert stored(plain)
    rule = """
        import numpy as np
        @adjoint(m.softplus)
        def softplus_adjoint(g, ans, v):
            return g / (1.0 + np.exp(-v))
    """
    with_rule = run(tmp_path, setup=rule)
    assert stored(with_rule) and "softplus_adjoint" not in plain["source"]
    assert with_rule["source"] != plain["source"]
    assert hit(run(tmp_path, setup=rule)) and hit(run(tmp_path))


def test_a_corrupt_entry_is_ignored(model):
    assert stored(run(model))
    [path] = entries(model)
    data = open(path, "rb").read()
    with open(path, "wb") as fh:
        fh.write(data[:len(data) // 2])  # a partial write
    assert stored(run(model))
    with open(path, "r+b") as fh:
        fh.seek(40)
        fh.write(b"garbage")
    assert stored(run(model))
    assert hit(run(model))


def test_unchecked_closures_are_not_cached(tmp_path):
    (tmp_path / "closure.py").write_text(textwrap.dedent("""\
        import numpy as np
        W = np.array([0.5, -1.0])

        def make():
            w = W * 2.0
            def f(x, y):
                return np.sum(np.sin(w * x)) * y
            return f

        f = make()
        """))
    first = run(tmp_path, "closure")
    assert first["stats"]["stored"] == 0 and not entries(tmp_path)
    assert run(tmp_path, "closure")["stats"]["hits"] == 0


def test_the_cache_can_be_turned_off(model):
    report = run(model, TAPELESS_CACHE="off")
    assert report["stats"]["misses"] == 0 and not entries(model)


def test_stages_of_a_cached_gradient_are_made_on_demand(model):
    assert stored(run(model))
    ssa = run(model, setup="""
        g0 = grad(m.f, wrt=(0, 1))
        g0(0.7, 1.3)
        assert g0.transformed.from_cache and "tanh" in g0.ssa
    """)
    assert hit(ssa)


def test_a_default_argument_is_part_of_the_key(tmp_path):
    (tmp_path / "model.py").write_text(MODEL.replace("def f(x, y):", "def f(x, y, s=SCALE):")
                                       .replace("a * SCALE", "a * s"))
    assert stored(run(tmp_path))
    assert stored(run(tmp_path, MODEL_SCALE="3.0"))  # (the default is in the signature)
    assert hit(run(tmp_path, MODEL_SCALE="3.0"))


def test_forward_mode_is_cached_too(tmp_path):
    (tmp_path / "helper.py").write_text(HELPER)
    (tmp_path / "caller.py").write_text(CALLER)  # (the helper's tangent comes along)
    assert stored(run(tmp_path, "caller", script=JVP_SCRIPT))
    assert hit(run(tmp_path, "caller", script=JVP_SCRIPT))
    assert stored(run(tmp_path, "caller"))  # (reverse mode: another entry)
    (tmp_path / "caller.py").write_text(CALLER.replace("+ x", "+ x * y"))
    edited = run(tmp_path, "caller", script=JVP_SCRIPT)  # (checked against the new text)
    assert stored(edited)
    assert hit(run(tmp_path, "caller", script=JVP_SCRIPT))


def test_the_entry_count_is_kept_under_the_limit(tmp_path, monkeypatch):
    from transpiler import diskcache
    monkeypatch.setattr(diskcache, "entries_dir", lambda: str(tmp_path))
    monkeypatch.setattr(diskcache, "MAX_ENTRIES", 10)
    monkeypatch.setattr(diskcache, "_COUNTED", {})
    for k in range(25):
        diskcache._store(f"{k:02d}" + "0" * 62, {"format": diskcache.FORMAT})
        assert len(glob.glob(str(tmp_path / "*" / "*.pickle"))) <= 10
    assert len(glob.glob(str(tmp_path / "*" / "*.pickle"))) >= 9
