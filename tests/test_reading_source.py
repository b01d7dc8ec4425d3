"""How the compiler finds a function's text in its file (frontend/parse.py): by
its last instruction and indentation, or, when that text does not parse, as
`inspect` does. Either way the function differentiated is the one in the file."""
import ast
import importlib.util
import inspect
import textwrap

import numpy as np
import pytest

from runtime.numeric import numeric_grad
from transpiler import grad
from transpiler.frontend.parse import _block_by_indentation

LAYOUTS = '''\
import numpy as np


def one_line(x): return np.sin(x) * x


def trailing_comments(x):
    y = np.sin(x) + 1.0
    return y * x
    # a comment at the body's indentation
# a comment at column 0


def bracket_at_column_0(x):
    y = (np.cos(x) +
x)
    return y * y


def last_bracket_alone(x):
    return np.maximum(x * x,
                      x
)


def dead_code_after_return(x):
    return np.exp(x) * 2.0
    unused = [1,
2]


def string_after_return(x):
    return np.tanh(x) - x
    """a string
at column 0
"""


def empty_else(x):
    y = x * 3.0
    if x > 0:
        y = y * x
    else:
        pass
    return y


def backslash(x):
    y = np.sin(x) + \\
x
    return y


class Model:
    def first(self, x):
        return np.log(1.0 + x * x)

    def second(self, x):
        return x


def outer(a):
    def inner(x):
        return np.sin(a * x)
    return inner


def at_the_end(x):
    return x * np.exp(-x)'''


@pytest.fixture(scope="module")
def layouts(tmp_path_factory):
    path = tmp_path_factory.mktemp("layouts") / "layouts.py"
    path.write_text(LAYOUTS)  # (no newline at the end of the file)
    spec = importlib.util.spec_from_file_location("layouts", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def functions(m):
    return [m.one_line, m.trailing_comments, m.bracket_at_column_0, m.last_bracket_alone,
            m.dead_code_after_return, m.string_after_return, m.empty_else, m.backslash,
            m.Model().first, m.outer(1.5), m.at_the_end]


def parsed(lines):
    try:
        return ast.dump(ast.parse(textwrap.dedent("".join(lines))))
    except SyntaxError:
        return None


def test_the_text_found_is_the_function_or_does_not_parse(layouts):
    for f in functions(layouts):
        fn = getattr(f, "__func__", f)
        lines, first = inspect.getsourcelines(fn)
        found = _block_by_indentation(fn)
        assert found is not None, fn.__name__
        if parsed(found[0]) is not None:  # (otherwise the compiler asks inspect)
            assert (parsed(found[0]), found[1]) == (parsed(lines), first), fn.__name__


def test_every_layout_is_differentiated(layouts):
    for f in functions(layouts):
        x = 0.7
        np.testing.assert_allclose(grad(f)(x), numeric_grad(f, (x,)), rtol=1e-6,
                                   err_msg=getattr(f, "__name__", ""))
