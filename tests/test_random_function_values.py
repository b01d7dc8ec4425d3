"""Random programs reached through function values: every generated `f` is also
called through a parameter, a lambda, a partial, a bound method, a callable
object and a dataclass of its arguments. Each gradient must equal the gradient
of `f` called directly (same numbers: both are exact) and central differences.

The number of examples is TAPELESS_RANDOM_EXAMPLES / 10 (default 50).
"""
import copy
import importlib.util
import itertools
import os

import numpy as np
from hypothesis import HealthCheck, assume, given, note, settings

from random_programs import Features, probe, programs
from runtime.numeric import numeric_grad
from transpiler import grad, jvp

EXAMPLES = max(1, int(os.environ.get("TAPELESS_RANDOM_EXAMPLES", "500")) // 10)
_numbers = itertools.count()

WRAPPERS = '''

import functools
from dataclasses import dataclass


def apply(fn, *args):
    return fn(*args)


class Model:
    def __init__(self, scale):
        self.scale = scale

    def run(self, {params}):
        return self.scale * f({params})

    def __call__(self, {params}):
        return self.run({params}) / self.scale


@dataclass
class Inputs:
{fields}


def via_parameter({params}):
    return apply(f, {params})


def via_lambda({params}):
    return apply(lambda {params}: f({params}), {params})


def via_partial({params}):
    return functools.partial(apply, f)({params})


def via_method({params}):
    return Model(2.0).run({params}) / 2.0


def via_object({params}):
    model = Model(4.0)
    return model({params})


def via_fields({params}):
    inputs = Inputs({params})
    return f({dotted})


def via_closure({params}):  # a lambda holding the differentiated arguments
    return apply(lambda: f({params}))


def make_call({params}):
    def call():
        return f({params})
    return call


def via_factory({params}):  # a closure returned by a factory
    return apply(make_call({params}))


def via_bound_partial({params}):  # a partial holding the first argument
    return apply(functools.partial(f, {first}), {rest})
'''

VARIANTS = ("via_parameter", "via_lambda", "via_partial", "via_method", "via_object",
            "via_fields", "via_closure", "via_factory", "via_bound_partial")


def load(source, directory):
    name = f"random_values_{next(_numbers)}"
    path = directory / f"{name}.py"
    path.write_text("import math\nimport numpy as np\n\n\n" + source)
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def module_source(program):
    params = [p for p, _ in program.main.params]
    return program.source() + WRAPPERS.format(
        params=", ".join(params),
        fields="\n".join(f"    {p}: object" for p in params),
        dotted=", ".join(f"inputs.{p}" for p in params),
        first=params[0], rest=", ".join(params[1:]))


@settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
          print_blob=False, suppress_health_check=[HealthCheck.too_slow,
                                                   HealthCheck.filter_too_much,
                                                   HealthCheck.data_too_large])
@given(case=programs(Features.from_env()))
def test_function_values_give_the_gradient_of_the_direct_call(case, tmp_path_factory):
    program, args = case
    # (a callee that changes its argument in place is refused: tests/test_semantics.py)
    assume(not program.mutates)
    margin, value = probe(program, args)
    assume(margin > 1e-2 and np.isfinite(value) and abs(value) < 1e4)
    source = module_source(program)
    note(f"program:\n{source}\nargs = {args!r}")
    module = load(source, tmp_path_factory.mktemp("values"))
    wrt = tuple(range(len(args)))
    direct = grad(module.f, wrt=wrt)(*args)
    scale = max(1.0, abs(float(value)))
    # (on copies: a program may update its arguments in place, as Python does)
    want = numeric_grad(lambda *a: module.f(*copy.deepcopy(a)), args, wrt, rel_step=1e-6,
                        order=4)
    for d, w in zip(direct, want):
        np.testing.assert_allclose(d, w, rtol=1e-4, atol=1e-5 * scale)
    for name in VARIANTS:
        got = grad(getattr(module, name), wrt=wrt)(*args)
        for g, d in zip(got, direct):
            np.testing.assert_allclose(g, d, rtol=1e-9, atol=1e-12 * scale, err_msg=name)
    # forward mode through a closure: the tangent along all arguments at once
    tangents = tuple(np.ones_like(a) if isinstance(a, np.ndarray) else 1.0 for a in args)
    _, dot = jvp(module.via_closure, wrt=wrt)(*args, tangents=tangents)
    want_dot = sum(np.sum(d * t) for d, t in zip(direct, tangents))
    np.testing.assert_allclose(dot, want_dot, rtol=1e-7, atol=1e-9 * scale)
