"""Random programs: the compiled adjoint, the tape engine and finite differences
must agree on every one (see random_programs.py for what is generated).

The number of examples is TAPELESS_RANDOM_EXAMPLES (default 500, shared by
the tests below); TAPELESS_RANDOM_FEATURES=loops,calls adds constructs that
are off by default. A failure prints the shrunk program's source. Programs
that change arrays in place are compared with finite differences only (the
tape engine cannot follow in-place updates), and the gradient call must leave
their arguments unchanged. tests/soak_random_programs.py runs many more
programs without shrinking and reports every mismatch (not part of CI).
"""
import importlib.util
import itertools
import os

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, note, settings

from random_programs import Features, probe, programs
from runtime.numeric import numeric_grad
from transpiler import check_grad, grad, value_and_grad

EXAMPLES = int(os.environ.get("TAPELESS_RANDOM_EXAMPLES", "500"))
FEATURES = Features.from_env()
KINK_MARGIN = 1e-2  # finite-difference steps move a kink's operands by far less
LARGEST = 1e4  # larger values (x ** 27 ...) make finite differences too inexact

_numbers = itertools.count()


def _settings(share):
    return settings(max_examples=max(1, int(EXAMPLES * share)), deadline=None,
                    database=None, derandomize=True, print_blob=False,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                           HealthCheck.data_too_large])


@pytest.fixture(scope="module")
def program_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("programs")


def load(source, directory):
    """`f` from `source` written to a module file (the compiler reads source
    files); the module is not kept, so thousands of examples do not pile up."""
    name = f"random_program_{next(_numbers)}"
    path = directory / f"{name}.py"
    path.write_text("import math\nimport numpy as np\n\n\n" + source)
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.f


def agree(program, args, directory):
    """The check every test makes: skip inputs near kinks or with huge values,
    then demand that all three gradients agree, printing the program if not."""
    source = program.source()
    note(f"program:\n{source}\nargs = {args!r}")
    margin, value = probe(program, args)
    assume(margin > KINK_MARGIN and np.isfinite(value) and abs(value) < LARGEST)
    f = load(source, directory)
    scale = max(1.0, abs(float(value)))
    wrt = tuple(range(len(args)))
    if program.mutates:
        return agree_with_differences(f, source, args, wrt, scale)
    try:
        report = check_grad(f, *args, wrt=wrt, rtol=1e-5, atol=1e-6 * scale)
    except OverflowError:  # math.pow at a finite-difference step leaves the float range;
        grad(f, wrt=wrt)(*args)  # the gradient itself must still be computed
        assume(False)
    if not report.passed and all(np.allclose(c.compiled, c.tape, rtol=1e-9, atol=1e-12 * scale)
                                 for c in report.checks):
        # Only finite differences disagree: on a fast oscillation (sin(x ** 9), whose
        # phase moves by thousands per unit) the default step is too coarse. Steps
        # 100x to 100,000x smaller decide; one of them must agree.
        for rel_step in (1e-5, 1e-6, 1e-7, 1e-8, 1e-9):
            finer = numeric_grad(f, args, wrt, rel_step=rel_step, order=4)
            if all(np.allclose(c.compiled, n, rtol=1e-5, atol=1e-6 * scale)
                   for c, n in zip(report.checks, finer)):
                return
        # sin((2.4 + ...) ** 64): a slope of 1e26 that no finite difference resolves (the
        # compiled adjoint and the tape, both exact, agree above)
        assume(not all(np.max(np.abs(c.compiled)) > 1e8 * scale for c in report.checks
                       if not c.passed))
        raise AssertionError(f"gradients disagree on\n{source}\nargs = {args!r}\n{report}\n"
                             f"finite differences with a step of 1e-7: {finer}")
    assert report.passed, f"gradients disagree on\n{source}\nargs = {args!r}\n{report}"
    for c in report.checks:  # the two exact methods agree to rounding
        np.testing.assert_allclose(c.compiled, c.tape, rtol=1e-9, atol=1e-12 * scale,
                                   err_msg=f"{c.name}: compiled vs tape on\n{source}")


def _copies(args):
    return tuple(np.array(a) if isinstance(a, np.ndarray) else a for a in args)


def agree_with_differences(f, source, args, wrt, scale):
    """For a program that changes arrays in place (which the tape engine cannot
    follow): the compiled value and gradient against Python and finite
    differences, and the arguments unchanged by the gradient call."""
    given = _copies(args)
    value, grads = value_and_grad(f, wrt=wrt)(*args)
    for a, b in zip(args, given):
        np.testing.assert_array_equal(a, b, err_msg=f"the gradient changed an argument of\n"
                                                    f"{source}")
    np.testing.assert_allclose(value, f(*_copies(given)), rtol=1e-9, atol=1e-12 * scale,
                               err_msg=f"value of\n{source}")
    for rel_step in (1e-4, 1e-5, 1e-6, 1e-7, 1e-8):  # finer steps for fast oscillations
        numeric = numeric_grad(lambda *a: f(*_copies(a)), _copies(given), wrt,
                               rel_step=rel_step, order=4)
        if all(np.allclose(g, n, rtol=1e-5, atol=1e-6 * scale) for g, n in zip(grads, numeric)):
            return
    steep = all(np.max(np.abs(g)) > 1e5 * scale and np.max(np.abs(n)) > 1e5 * scale
                for g, n in zip(grads, numeric) if not np.allclose(g, n, rtol=1e-5, atol=1e-6 * scale))
    assume(not steep)  # sin(9e9 * x): no finite difference can check such a slope
    raise AssertionError(f"gradients disagree on\n{source}\nargs = {args!r}\n"
                         f"compiled: {grads}\nfinite differences: {numeric}")


@_settings(0.4)
@given(case=programs(Features.from_env(arrays=False)))
def test_scalar_programs(case, program_dir):
    agree(*case, program_dir)


@_settings(0.6)
@given(case=programs(FEATURES, min_arrays=1))
def test_array_programs(case, program_dir):
    agree(*case, program_dir)
