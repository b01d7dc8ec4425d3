"""Every built-in rule against central finite differences, on random inputs,
including broadcasting shapes."""
import math
import operator

import numpy as np
import pytest

from transpiler import grad

from conftest import check_against_fd, function_from_source

# (expression in x [and y], domain of x, domain of y)
POSITIVE, ANY, UNIT = (0.5, 2.0), (-2.0, 2.0), (-0.9, 0.9)
UNARY_NUMPY = [
    ("np.sin(x)", ANY), ("np.cos(x)", ANY), ("np.tan(x)", UNIT), ("np.arcsin(x)", UNIT),
    ("np.arccos(x)", UNIT), ("np.arctan(x)", ANY), ("np.sinh(x)", ANY), ("np.cosh(x)", ANY),
    ("np.tanh(x)", ANY), ("np.exp(x)", ANY), ("np.log(x)", POSITIVE), ("np.log1p(x)", POSITIVE),
    ("np.expm1(x)", ANY), ("np.sqrt(x)", POSITIVE), ("np.square(x)", ANY), ("np.abs(x)", ANY),
    ("np.sign(x) * x", ANY), ("np.exp2(x)", ANY), ("np.log2(x)", POSITIVE),
    ("np.log10(x)", POSITIVE), ("np.arcsinh(x)", ANY), ("np.arctanh(x)", UNIT),
    ("np.cbrt(x)", POSITIVE), ("np.reciprocal(x)", POSITIVE), ("-x", ANY), ("+x", ANY),
    ("np.negative(x)", ANY), ("np.clip(x, -0.5, 0.5)", ANY), ("abs(x)", ANY),
    ("np.power(x, 3)", ANY), ("x ** 2.5", POSITIVE),
]
BINARY_NUMPY = [
    ("x + y", ANY, ANY), ("x - y", ANY, ANY), ("x * y", ANY, ANY), ("x / y", ANY, POSITIVE),
    ("x ** y", POSITIVE, ANY), ("np.add(x, y)", ANY, ANY), ("np.subtract(x, y)", ANY, ANY),
    ("np.multiply(x, y)", ANY, ANY), ("np.divide(x, y)", ANY, POSITIVE),
    ("np.power(x, y)", POSITIVE, ANY), ("np.maximum(x, y)", ANY, ANY),
    ("np.minimum(x, y)", ANY, ANY), ("np.where(x > y, x * y, x + y)", ANY, ANY),
    ("np.arctan2(x, y)", ANY, POSITIVE), ("np.hypot(x, y)", POSITIVE, POSITIVE),
    ("np.logaddexp(x, y)", ANY, ANY),
]
UNARY_MATH = [
    ("math.sin(x)", ANY), ("math.cos(x)", ANY), ("math.tan(x)", UNIT), ("math.asin(x)", UNIT),
    ("math.acos(x)", UNIT), ("math.atan(x)", ANY), ("math.sinh(x)", ANY),
    ("math.cosh(x)", ANY), ("math.tanh(x)", ANY), ("math.asinh(x)", ANY),
    ("math.acosh(x + 2.0)", ANY), ("math.atanh(x)", UNIT), ("math.exp(x)", ANY),
    ("math.expm1(x)", ANY), ("math.log(x)", POSITIVE), ("math.log1p(x)", POSITIVE),
    ("math.log2(x)", POSITIVE), ("math.log10(x)", POSITIVE), ("math.sqrt(x)", POSITIVE),
    ("math.erf(x)", ANY), ("math.erfc(x)", ANY), ("math.fabs(x)", ANY),
    ("math.degrees(x)", ANY), ("math.radians(x)", ANY), ("float(x) * x", ANY),
]
BINARY_MATH = [
    ("math.atan2(x, y)", ANY, POSITIVE), ("math.hypot(x, y)", ANY, ANY),
    ("math.pow(x, y)", POSITIVE, ANY), ("max(x, y)", ANY, ANY), ("min(x, y)", ANY, ANY),
]
SHAPES = [((), ()), ((3,), (3,)), ((2, 3), (3,)), ((2, 1), (1, 3)), ((), (2, 2)), ((4,), ())]


def _draw(rng, domain, shape):
    lo, hi = domain
    value = rng.uniform(lo, hi, size=shape)
    # keep away from kinks (abs, max, clip) so finite differences are valid
    value = np.where(np.abs(value) < 0.05, 0.3, value)
    value = np.where(np.abs(np.abs(value) - 0.5) < 0.05, 0.7, value)
    return float(value) if shape == () else value


@pytest.mark.parametrize("expr,domain", UNARY_NUMPY, ids=[e for e, _ in UNARY_NUMPY])
@pytest.mark.parametrize("shape", [(), (5,), (2, 3)])
def test_unary_numpy(expr, domain, shape, tmp_path, rng):
    f = function_from_source(f"def f(x):\n    return np.sum({expr})\n", "f", tmp_path)
    x = _draw(rng, domain, shape)
    check_against_fd(grad(f), f, (x,), 0)


@pytest.mark.parametrize("expr,dx,dy", BINARY_NUMPY, ids=[e for e, _, _ in BINARY_NUMPY])
@pytest.mark.parametrize("shapes", SHAPES, ids=[f"{a}-{b}" for a, b in SHAPES])
def test_binary_numpy_with_broadcasting(expr, dx, dy, shapes, tmp_path, rng):
    f = function_from_source(f"def f(x, y):\n    return np.sum({expr})\n", "f", tmp_path)
    x, y = _draw(rng, dx, shapes[0]), _draw(rng, dy, shapes[1])
    got = check_against_fd(grad(f, wrt=(0, 1)), f, (x, y), (0, 1))
    assert np.shape(got[0]) == np.shape(x) and np.shape(got[1]) == np.shape(y)


@pytest.mark.parametrize("expr,domain", UNARY_MATH, ids=[e for e, _ in UNARY_MATH])
def test_unary_math(expr, domain, tmp_path, rng):
    f = function_from_source(f"def f(x):\n    return {expr}\n", "f", tmp_path)
    for _ in range(3):
        x = _draw(rng, domain, ())
        check_against_fd(grad(f), f, (x,), 0)


@pytest.mark.parametrize("expr,dx,dy", BINARY_MATH, ids=[e for e, _, _ in BINARY_MATH])
def test_binary_math(expr, dx, dy, tmp_path, rng):
    f = function_from_source(f"def f(x, y):\n    return {expr}\n", "f", tmp_path)
    for _ in range(3):
        x, y = _draw(rng, dx, ()), _draw(rng, dy, ())
        check_against_fd(grad(f, wrt=(0, 1)), f, (x, y), (0, 1))


def test_reductions_and_products(tmp_path, rng):
    src = """
    def f(A, B, v):
        C = A @ B
        s = np.sum(C * C) + np.mean(np.dot(C, v)) + np.sum(A.T @ A)
        return s + np.sum(np.transpose(B) ** 2) + np.mean(np.reshape(A, (6,)))
    """
    f = function_from_source(src, "f", tmp_path)
    A, B, v = rng.normal(size=(2, 3)), rng.normal(size=(3, 4)), rng.normal(size=4)
    check_against_fd(grad(f, wrt=(0, 1, 2)), f, (A, B, v), (0, 1, 2))


def test_comparisons_carry_no_gradient(tmp_path):
    f = function_from_source("def f(x):\n    return (x > 0) + x * (x < 1)\n", "f", tmp_path)
    assert grad(f)(0.5) == 1.0


def test_operator_table_is_complete():
    from transpiler.rules.table import is_nondifferentiable, lookup
    for op in (operator.add, operator.sub, operator.mul, operator.truediv, operator.pow,
               operator.neg, operator.pos, operator.matmul, abs, max, min, math.sin):
        assert lookup(op) is not None
    for op in (operator.lt, operator.gt, operator.eq, operator.not_, len, np.argmax):
        assert is_nondifferentiable(op)
