"""Tracebacks of errors in gradient calls, as a user running `python script.py` sees them."""
import linecache
import os
import re
import subprocess
import sys
import textwrap
import traceback

import numpy as np
import pytest

from transpiler import grad, hessian
from transpiler import sourcefiles

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

SCRIPT = """\
import numpy as np
from transpiler import grad, hessian

def predict(w, X):
    h = np.tanh(X @ w)
    return h

def loss(w, X, y):
    p = predict(w, X)
    r = p - y
    return np.sum(r * r)

w = np.ones(3)
X = np.ones((4, 3))
y = np.zeros(5)
{call}
"""


def run_script(tmp_path, call, **env):
    path = tmp_path / "fit.py"
    path.write_text(SCRIPT.format(call=call))
    environ = dict(os.environ, TAPELESS_CACHE_DIR=str(tmp_path / "cache"), **env)
    environ["PYTHONPATH"] = ROOT + os.pathsep + environ.get("PYTHONPATH", "")
    done = subprocess.run([sys.executable, str(path)], capture_output=True, text=True,
                          env=environ, cwd=tmp_path, timeout=120)
    assert done.returncode == 1, done.stdout + done.stderr
    return done.stderr


def generated_frames(text):
    """(line number, the source line shown under it) of each generated-code frame."""
    lines = text.splitlines()
    return [(int(m.group(1)), lines[i + 1].strip()) for i, line in enumerate(lines)
            for m in [re.search(r'File ".*_adjoint[^"]*", line (\d+), in', line)] if m]


def test_plain_traceback_shows_the_generated_line(tmp_path):
    err = run_script(tmp_path, "grad(loss)(w, X, y)")
    frames = generated_frames(err)
    assert frames, err
    line, shown = frames[-1]
    assert shown == "r = p - y"  # the text of the failing generated line, under its frame
    # the note names the same line number as the frame
    assert f"in generated code loss_adjoint, line {line}: r = p - y" in err
    assert "fit.py:10:5: r = p - y" in err  # and the user's line it comes from
    assert "ValueError" in err


def test_tracebacks_hide_tapeless_frames(tmp_path):
    err = run_script(tmp_path, "grad(loss)(w, X, y)")
    assert "transpiler" + os.sep not in err and "<string>" not in err, err
    assert 'fit.py", line 16, in <module>' in err  # the user's call is the first frame
    shown = run_script(tmp_path, "grad(loss)(w, X, y)", TAPELESS_TRACEBACK_FILTERING="off")
    assert os.path.join("transpiler", "api.py") in shown  # ... unless asked for


def test_transform_time_errors_hide_the_pipeline(tmp_path):
    err = run_script(tmp_path, "grad(loss, wrt='v')(w, X, y)")
    assert "TranspileError" in err and "wrt='v'" in err
    assert "pipeline.py" not in err and "api.py" not in err, err


def test_higher_order_transforms_hide_their_frames_too(tmp_path):
    err = run_script(tmp_path, "hessian(loss)(w, X, y)")
    assert "higher.py" not in err and "api.py" not in err, err
    assert "ValueError" in err


def test_second_call_through_the_fast_dispatcher_hides_it(tmp_path):
    err = run_script(tmp_path, "g = grad(loss)\ng(w, X, np.zeros(4))\ng(w, X, y)")
    assert "<string>" not in err and "api.py" not in err, err
    assert generated_frames(err)[-1][1] == "r = p - y"


def test_the_frame_line_is_the_line_of_dot_source():
    def f(x, y):
        z = np.sin(x)
        return np.sum(z * y)
    g = grad(f)
    with pytest.raises(ValueError) as info:
        g(np.ones(2), np.ones(3))
    tb = info.value.__traceback__
    while tb.tb_next is not None:
        tb = tb.tb_next
    assert sourcefiles.is_generated(tb.tb_frame.f_code.co_filename)
    line = g.source.splitlines()[tb.tb_lineno - 1]
    assert line.strip() == "mul = z * y"
    assert f"line {tb.tb_lineno}: mul = z * y" in "\n".join(info.value.__notes__)


def test_without_a_cache_directory_linecache_still_shows_the_line(monkeypatch):
    monkeypatch.setattr(sourcefiles, "_DIR", [""])
    source = textwrap.dedent("""\
        def f_adjoint(x):
            y = x + 1
            return y / 0
        """)
    fn, filename = sourcefiles.compile_function("f_adjoint", source, {})
    assert filename.startswith("<tapeless f_adjoint")
    linecache.checkcache()  # what traceback printing does first: our entry stays
    with pytest.raises(ZeroDivisionError) as info:
        fn(1.0)
    text = "".join(traceback.format_exception(info.value))
    assert f'"{filename}", line 3, in f_adjoint\n    return y / 0' in text


def test_generated_files_hold_the_source(tmp_path, monkeypatch):
    monkeypatch.setattr(sourcefiles, "_DIR", [str(tmp_path)])
    source = "def h(x):\n    return scale * x\n"
    fn, filename = sourcefiles.compile_function("h", source, {"scale": 3.0}, origin="/a/model.py")
    assert fn(2.0) == 6.0
    assert os.path.dirname(filename) == str(tmp_path)
    assert os.path.basename(filename).startswith("model.h.")
    with open(filename) as f:
        assert f.read() == source
    again = sourcefiles.compile_function("h", source, {"scale": 1.0}, origin="/a/model.py")
    assert again[1] == filename and again[0](2.0) == 2.0  # same text, same file


def test_the_debugging_page_runs_and_prints_what_it_says(tmp_path):
    with open(os.path.join(ROOT, "docs", "debugging.md")) as f:
        page = f.read()
    blocks = re.findall(r"```python\n(.*?)```", page, flags=re.S)
    script = tmp_path / "example.py"
    script.write_text("\n".join(blocks))
    environ = dict(os.environ, TAPELESS_CACHE_DIR=str(tmp_path / "cache"))
    environ["PYTHONPATH"] = ROOT + os.pathsep + environ.get("PYTHONPATH", "")
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                          env=environ, cwd=tmp_path, timeout=120)
    assert done.returncode == 0, done.stderr
    assert generated_frames(done.stderr)[-1][1] == "r = p - y"
    assert "ValueError: operands could not be broadcast together with shapes (4,) (5,)" in \
        done.stderr and "which comes from" in done.stderr
    assert "True True\n" in done.stdout and "check_grad of loss: ok" in done.stdout
