"""Unsupported constructs raise TranspileError at transform time, pointing at the line."""
import os
import re

import numpy as np
import pytest

from transpiler import TranspileError, grad

from conftest import function_from_source

CASES = {
    "try": ("""
def f(x):
    try:
        y = x * 2
    except ValueError:
        y = x
    return y
""", "`try` statement", 3),
    "dict display with a computed key": ("""
def f(x):
    name = "w"
    d = {name: x}
    return d["w"]
""", "a dict display with a computed key", 4),
    "dict display with ** unpacking": ("""
def f(x):
    d = {"a": x, **{"b": x}}
    return d["a"]
""", "`**` unpacking in a dict display", 3),
    "yield": ("""
def f(x):
    y = yield x
    return y
""", "`yield` expression", 3),
    "global": ("""
def f(x):
    global counter
    return x * 2
""", "`global` statement", 3),
    "with": ("""
def f(x):
    with open("a") as fh:
        pass
    return x
""", "`with` statement", 3),
    "del": ("""
def f(x):
    y = x * 2
    del y
    return x
""", "`del` statement", 4),
    "read through a list after an item write": ("""
def f(x):
    y = x * 2
    t = [y]
    y[0] = 1.0
    return t[0][0]
""", "`t` is read after the array it refers to was written into on line", 6),
    "item write into a view": ("""
def f(x):
    y = x * 2
    z = y[1:]
    z[0] = 1.0
    return np.sum(y)
""", "`y` is read after a view of it (`z`) was written into on line", 6),
    "item write into an item": ("""
def f(x):
    y = x * np.ones((2, 2))
    y[0][1] = 1.0
    return np.sum(y)
""", "an assignment to an item of an item", 4),
    "no return": ("""
def f(x):
    y = x * 2
""", "does not return a value", 2),
    "undefined": ("""
def f(x):
    if x > 0:
        y = x
    return y
""", "may be used before it is assigned", 5),
    "nonlocal": ("""
def f(x):
    y = x
    def g():
        nonlocal y
        y = 2.0
        return y
    return g() * x
""", "`nonlocal` statement", 5),
    "append to argument": ("""
def f(xs):
    xs.append(1.0)
    return xs[0]
""", "append to the argument list `xs`", 3),
    "alias after append": ("""
def f(x):
    a = [x]
    b = a
    a.append(x)
    return b[0]
""", "read after a list it refers to was appended to", 6),
    "bare raise": ("""
def f(x):
    if x < 0:
        raise
    return x
""", "bare `raise` statement", 4),
    "unknown name": ("""
def f(x):
    return x * undefined_thing
""", "`undefined_thing` is not defined", 3),
}


@pytest.mark.parametrize("name", list(CASES))
def test_error_names_file_line_construct_and_hint(name, tmp_path):
    source, construct, line = CASES[name]
    f = function_from_source(source, "f", tmp_path)
    with pytest.raises(TranspileError) as info:
        grad(f)(1.0)
    message = str(info.value)
    filename = os.path.basename(f.__code__.co_filename)
    # line numbers in CASES count from the opening newline; the helper adds 3 lines above
    assert re.search(rf"{filename}:{line + 3}:\d+: ", message), message
    assert construct in message
    assert "^" in message  # the caret under the construct
    assert ("fix:" in message) or ("why:" in message)


def test_caret_points_at_the_column(tmp_path):
    f = function_from_source("def f(x):\n    return x * undefined_thing\n", "f", tmp_path)
    with pytest.raises(TranspileError) as info:
        grad(f)(1.0)
    lines = str(info.value).splitlines()
    source_line = next(i for i, l in enumerate(lines) if "undefined_thing" in l and "return" in l)
    caret = lines[source_line + 1]
    assert lines[source_line].index("undefined_thing") == caret.index("^")


def test_function_without_rule_or_source_is_an_error(tmp_path):
    f = function_from_source("def f(x):\n    return np.sum(np.unwrap(x))\n", "f", tmp_path)
    with pytest.raises(TranspileError) as info:
        grad(f)(np.ones(3))
    assert "no derivative rule for `np.unwrap`" in str(info.value)
    assert "transpiler.rule" in str(info.value)


def test_non_scalar_output_is_a_clear_error(tmp_path):
    f = function_from_source("def f(x):\n    return x * 2.0\n", "f", tmp_path)
    with pytest.raises(TypeError, match="return a scalar.*shape \\(3,\\)"):
        grad(f)(np.ones(3))


def test_bad_wrt(tmp_path):
    f = function_from_source("def f(x, y):\n    return x * y\n", "f", tmp_path)
    with pytest.raises(TranspileError, match="not a parameter of f"):
        grad(f, wrt="z")(1.0, 2.0)
    with pytest.raises(TranspileError, match="out of range"):
        grad(f, wrt=5)(1.0, 2.0)


def test_async_function_is_rejected(tmp_path):
    f = function_from_source("async def f(x):\n    return x\n", "f", tmp_path)
    with pytest.raises(TranspileError, match="cannot differentiate an `async def`"):
        grad(f)(1.0)
