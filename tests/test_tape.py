"""The tape engine (transpiler.tape) and the gates (transpiler.gates): against exact
values, HIPS autograd, finite differences, and the compiler on every rule."""
import doctest
import math
from math import sin

import autograd
import autograd.numpy as anp
import numpy as np
import pytest

import transpiler.gates
import runtime.numeric
import transpiler.tape
import transpiler.check
from transpiler.gates import AddGate, Gate, MatMulGate, MaxGate, MultiplyGate, TanhGate
from runtime.numeric import numeric_grad
from transpiler.tape import Node, tape_grad, trace
from transpiler import grad
from transpiler.rules import table as rules

from conftest import assert_close, function_from_source
from test_rules import BINARY_MATH, BINARY_NUMPY, SHAPES, UNARY_MATH, UNARY_NUMPY, _draw


@pytest.mark.parametrize("module", [transpiler.tape, transpiler.gates, runtime.numeric,
                                    transpiler.check])
def test_docstring_examples_run(module):
    assert doctest.testmod(module).failed == 0


# ---- the worked examples: exact values ------------------------------------

def circuit(x, y, z):
    return (x + y) * max(y, z)


def shared(a, b):
    c = a + b
    d = b + 1
    return c * d


def squared_error(x, w, b):
    return (w * x + b - 5) ** 2


def test_worked_examples_exact():
    assert tape_grad(circuit, wrt=(0, 1, 2))(1.0, 2.0, 0.0) == (2.0, 5.0, 0.0)
    assert tape_grad(shared, wrt=(0, 1))(2.0, 1.0) == (2.0, 5.0)
    assert tape_grad(lambda x: 6 * (-2 * x + 5) + 3)(1.5) == -12.0
    assert tape_grad(lambda x: x ** 2 + 3 * x + 2)(2.0) == 7.0
    assert tape_grad(squared_error, wrt=("w", "b"))(2.0, 1.0, 0.0) == (-12.0, -6.0)


def test_worked_examples_agree_with_the_compiler():
    for f, args, wrt in [(circuit, (1.0, 2.0, 0.0), (0, 1, 2)), (circuit, (1.0, -1.0, 3.0), 2),
                         (shared, (2.0, 1.0), (0, 1)), (squared_error, (2.0, 1.0, 0.0), "w")]:
        assert tape_grad(f, wrt)(*args) == grad(f, wrt)(*args)


def sigmoid_neuron(w1, w2, b, x1, x2):
    return 1.0 / (1.0 + np.exp(-(w1 * x1 + w2 * x2 + b)))


def test_sigmoid_neuron_against_autograd():
    args = (0.5, -1.5, 0.1, 2.0, -0.7)

    def ref(w1, w2, b, x1, x2):
        return 1.0 / (1.0 + anp.exp(-(w1 * x1 + w2 * x2 + b)))
    got = tape_grad(sigmoid_neuron, wrt=(0, 1, 2, 3, 4))(*args)
    assert_close(got, autograd.grad(ref, (0, 1, 2, 3, 4))(*args), rtol=1e-14)
    assert all(type(g) is float for g in got)


def dense_loss(W, b, x):
    z = W @ x + b
    return np.sum(np.tanh(z) ** 2) + z.mean() + np.dot(z, z) * 0.1


def test_dense_layer_against_autograd_and_compiler(rng):
    args = (rng.normal(size=(4, 3)), rng.normal(size=4), rng.normal(size=3))

    def ref(W, b, x):
        z = anp.dot(W, x) + b
        return anp.sum(anp.tanh(z) ** 2) + anp.mean(z) + anp.dot(z, z) * 0.1
    got = tape_grad(dense_loss, wrt=(0, 1, 2))(*args)
    assert_close(got, autograd.grad(ref, (0, 1, 2))(*args), rtol=1e-12)
    assert_close(got, grad(dense_loss, wrt=(0, 1, 2))(*args), rtol=1e-12)


# ---- the recorded graph ---------------------------------------------------

def test_graph_records_values_gradients_and_edges():
    graph = trace(circuit, 1.0, 2.0, 0.0, wrt=(0, 1, 2))
    assert graph.value == 6.0 and graph.output.op_name == "mul"
    assert graph.backward() == (2.0, 5.0, 0.0)
    by_name = {node.op_name: node for node in graph.nodes}
    assert [(n.value, n.grad) for n in (by_name["add"], by_name["max"])] == [(3.0, 2.0),
                                                                             (2.0, 3.0)]
    edges = {(p.op_name, c.op_name) for p, c in graph.edges}
    assert edges == {("x", "add"), ("y", "add"), ("y", "max"), ("z", "max"), ("add", "mul"),
                     ("max", "mul")}
    position = {id(n): k for k, n in enumerate(graph.nodes)}
    assert all(position[id(p)] < position[id(c)] for p, c in graph.edges)


def test_fan_out_sums_contributions():
    graph = trace(lambda x: x * x * x, 2.0)
    assert graph.backward() == 12.0
    assert [n.op_name for n in graph.nodes] == ["x", "mul", "mul"]
    assert len(graph.edges) == 4  # x feeds the first product twice and the second once


def test_backward_twice_gives_the_same_gradients_and_takes_a_seed():
    graph = trace(lambda x: np.sin(x) * 3.0, np.array([0.0, 1.0]))
    first = graph.backward()
    assert_close(graph.backward(), first)
    assert_close(graph.backward(seed=np.array([2.0, 0.0])), np.array([6.0, 0.0]))


def test_output_independent_of_the_input_gives_zero_gradients():
    assert tape_grad(lambda x, y: y * 2.0)(1.0, 3.0) == 0.0
    assert_close(tape_grad(lambda x: np.sum(np.ones(3)))(np.ones((2, 2))), np.zeros((2, 2)))


# ---- every rule: tape vs compiler vs finite differences --------------------

def _three_way(f, args, wrt):
    tape, compiled = tape_grad(f, wrt)(*args), grad(f, wrt)(*args)
    assert_close(tape, compiled, rtol=1e-10, atol=1e-12)
    assert_close(tape, numeric_grad(f, args, wrt), rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("expr,domain", UNARY_NUMPY + UNARY_MATH,
                         ids=[e for e, _ in UNARY_NUMPY + UNARY_MATH])
def test_unary_rules(expr, domain, tmp_path, rng):
    f = function_from_source(f"def f(x):\n    return np.sum({expr})\n", "f", tmp_path)
    shapes = [()] if expr.startswith(("math.", "float")) else [(), (2, 3)]
    for shape in shapes:
        _three_way(f, (_draw(rng, domain, shape),), 0)


@pytest.mark.parametrize("expr,dx,dy", BINARY_NUMPY + BINARY_MATH,
                         ids=[e for e, _, _ in BINARY_NUMPY + BINARY_MATH])
def test_binary_rules_with_broadcasting(expr, dx, dy, tmp_path, rng):
    f = function_from_source(f"def f(x, y):\n    return np.sum({expr})\n", "f", tmp_path)
    scalar_only = expr.startswith(("math.", "max(", "min("))
    for shapes in SHAPES[:1] if scalar_only else SHAPES:
        args = (_draw(rng, dx, shapes[0]), _draw(rng, dy, shapes[1]))
        _three_way(f, args, (0, 1))
        got = tape_grad(f, (0, 1))(*args)
        assert [np.shape(g) for g in got] == [np.shape(a) for a in args]


# ---- Python and NumPy features, traced --------------------------------------

def piecewise(x, y):
    if x > y:
        z = sin(x) * y
    elif x < -1.0:
        z = math.exp(x)
    else:
        z = abs(x - y) + min(x, y) + float(x) * 2.0
    return z


def series(x, n):
    s = 0.0
    for i in range(n):
        s = s + x ** i / math.factorial(i)
    k = 0
    while k < 3:
        s = s * 1.5
        k += 1
    return s


def helper(a, b):
    return math.tanh(a) * b


def recursive_power(x, n):
    return 1.0 if n == 0 else x * recursive_power(x, n - 1)


def calls(x, y):
    return helper(x, y) + helper(y, x) + recursive_power(x, 3)


def test_branches_loops_and_calls_against_autograd():
    for x, y in [(2.0, 0.5), (-2.0, 0.5), (0.3, 0.7)]:
        def ref(x, y):
            if x > y:
                return anp.sin(x) * y
            if x < -1.0:
                return anp.exp(x)
            return anp.abs(x - y) + anp.minimum(x, y) + x * 2.0
        assert_close(tape_grad(piecewise, (0, 1))(x, y), autograd.grad(ref, (0, 1))(x, y),
                     rtol=1e-14)
    assert math.isclose(tape_grad(series)(0.5, 6), 1.5 ** 3 * sum(0.5 ** i / math.factorial(i)
                                                                   for i in range(5)))

    def ref_calls(x, y):
        return anp.tanh(x) * y + anp.tanh(y) * x + x ** 3
    assert_close(tape_grad(calls, (0, 1))(0.4, -1.2),
                 autograd.grad(ref_calls, (0, 1))(0.4, -1.2), rtol=1e-14)


def array_features(A, v):
    B = A.T @ A + np.where(A.sum(axis=0) > 0, 1.0, -1.0)
    rows = 0.0
    for row in A:
        rows = rows + np.maximum(row, 0.1) @ v
    w = np.clip(v, -0.5, 0.5) * np.reshape(A, (3, 2)).T[0]
    return np.sum(B[1:, ::2] ** 2) + A.reshape(6).mean() + rows + np.sum(w) + A[0, 1]


def test_methods_indexing_iteration_against_autograd(rng):
    A, v = rng.normal(size=(2, 3)), rng.normal(size=3)

    def ref(A, v):
        B = anp.dot(A.T, A) + anp.where(anp.sum(A, axis=0) > 0, 1.0, -1.0)
        rows = anp.dot(anp.maximum(A[0], 0.1), v) + anp.dot(anp.maximum(A[1], 0.1), v)
        w = anp.clip(v, -0.5, 0.5) * anp.reshape(A, (3, 2)).T[0]
        return anp.sum(B[1:, ::2] ** 2) + anp.mean(anp.reshape(A, 6)) + rows + anp.sum(w) \
            + A[0, 1]
    got = tape_grad(array_features, (0, 1))(A, v)
    assert_close(got, autograd.grad(ref, (0, 1))(A, v), rtol=1e-12)
    assert_close(got, grad(array_features, (0, 1))(A, v), rtol=1e-12)


def dict_params(p, x):
    return np.sum(np.tanh(p["w"] * x + p["b"]) ** 2) + p["scale"][0] * x


def test_containers_get_gradients_of_the_same_structure():
    p = {"w": np.array([0.5, -1.0]), "b": 0.3, "scale": [2.0]}
    got = tape_grad(dict_params)(p, 1.5)
    assert set(got) == {"w", "b", "scale"} and type(got["b"]) is float
    want, compiled = numeric_grad(dict_params, (p, 1.5)), grad(dict_params)(p, 1.5)
    for key in ("w", "b", "scale"):
        assert_close(got[key], want[key])
        assert_close(got[key], compiled[key], rtol=1e-14)


def test_float32_and_numpy_scalar_inputs_keep_their_types():
    g = tape_grad(lambda x: np.sum(x * x))(np.ones(2, dtype=np.float32))
    assert g.dtype == np.float32 and g.tolist() == [2.0, 2.0]
    assert type(tape_grad(lambda x: x * x)(np.float64(3.0))) is np.float64


# ---- failures are loud --------------------------------------------------

def test_primitive_without_a_rule_is_named():
    with pytest.raises(NotImplementedError, match="no reverse-mode rule for `ldexp`"):
        tape_grad(lambda x: np.ldexp(x, 2))(3.5)


def test_building_an_array_from_traced_values_fails_instead_of_dropping_the_gradient():
    with pytest.raises(TypeError, match="cannot become a plain array"):
        tape_grad(lambda x, y: np.sum(np.array([x, y])))(1.0, 2.0)


def test_non_scalar_output_is_rejected():
    with pytest.raises(TypeError, match="return a scalar"):
        tape_grad(lambda x: x * 2.0)(np.ones(3))


def squash(x):
    return np.tanh(x)


def test_a_rule_giving_the_wrong_shape_is_reported():
    rules.adjoint(squash)(lambda g, ans, x: np.sum(g))
    try:
        with pytest.raises(ValueError, match=r"gave `x` a gradient of shape \(\)"):
            tape_grad(lambda x: np.sum(squash(x)))(np.ones(3))
    finally:
        rules.remove(squash)
    assert_close(tape_grad(lambda x: np.sum(squash(x)))(np.zeros(2)), np.ones(2))  # traced


def test_comparisons_and_conversions_see_plain_values():
    x = Node(2.0, name="x")
    assert (x > 1.0) is True and (1.0 < x) is True and (x == 2.0) is True
    assert bool(x) and np.shape(x) == ()
    with pytest.raises(TypeError, match="gradient would be lost"):
        float(x)  # only C code gets here (traced functions record `float`)
    plain = np.zeros(2)
    with pytest.raises((TypeError, ValueError)):  # NumPy rewraps the TypeError
        plain[0] = x  # storing a traced value into an untraced array fails loudly
    v = Node(np.arange(3.0), name="v")
    assert v.shape == (3,) and len(v) == 3 and (v > 0.5).tolist() == [False, True, True]


# ---- gates: forward/backward, through the same rule functions ----------------

def test_gates_reproduce_the_circuit():
    add, biggest, times = AddGate(), MaxGate(), MultiplyGate()
    f = times.forward(add.forward(1.0, 2.0), biggest.forward(2.0, 0.0))
    ds, dm = times.backward(1.0)
    (dx, dy1), (dy2, dz) = add.backward(ds), biggest.backward(dm)
    assert (f, dx, dy1 + dy2, dz) == (6.0, 2.0, 5.0, 0.0)


def test_matmul_and_tanh_gates_against_finite_differences(rng):
    A, B, dZ = rng.normal(size=(2, 3)), rng.normal(size=(3, 4)), rng.normal(size=(2, 4))
    gate = MatMulGate()
    gate.forward(A, B)
    dA, dB = gate.backward(dZ)
    loss = lambda A, B: np.sum((A @ B) * dZ)  # noqa: E731  (its gradient is the vjp)
    assert_close((dA, dB), numeric_grad(loss, (A, B), (0, 1)), rtol=1e-6)
    tanh = TanhGate()
    y = tanh.forward(0.3)
    assert tanh.backward(2.0) == (2.0 * (1.0 - y * y),)


def cube(x):
    return x ** 3


def test_gate_backward_calls_the_registered_rule():
    calls = []

    @rules.partials(cube)
    def cube_partial(ans, x):
        calls.append(x)
        return 3.0 * x * x
    try:
        gate = Gate(cube)
        assert gate.forward(2.0) == 8.0 and gate.backward(0.5) == (6.0,)
        assert tape_grad(lambda x: cube(x) + x)(2.0) == 13.0
        assert calls == [2.0, 2.0]
    finally:
        rules.remove(cube)
    with pytest.raises(ValueError, match="no reverse-mode rule"):
        Gate(cube)


def alias_then_write(x):
    y = x * 2.0
    z = y  # another name for the same array sees the write
    z[0] = x[1] ** 2
    w = np.sin(x)  # read before x is written: the old contents
    x[2] = 7.0  # a write into the argument
    return np.sum(y * w) + np.sum(x * z)


def test_item_writes_follow_python_aliasing():
    x0 = np.array([0.5, 1.5, -0.3, 0.8])
    got = tape_grad(alias_then_write)(x0.copy())
    want = numeric_grad(lambda x: alias_then_write(x.copy()), (x0.copy(),), 0)
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-8)
    # x[2] is overwritten before x * z reads x, but y * sin(x) read it first:
    # d/dx2 [2 x2 sin(x2) + 7 * 2 x2] = 2 sin(x2) + 2 x2 cos(x2) + 14
    assert np.isclose(got[2], 2 * np.sin(x0[2]) + 2 * x0[2] * np.cos(x0[2]) + 14.0)
    saved = x0.copy()
    tape_grad(alias_then_write)(saved)
    np.testing.assert_array_equal(saved, x0)  # the caller's array is not changed


def recurrence(x):
    y = np.zeros_like(x) + x
    for i in range(1, 4):
        y[i] = y[i - 1] * x[i]
    y[0] += y[3] * 2.0  # an item read after the loop that filled the array
    return np.sum(y)


def filled(x):
    y = np.zeros_like(x)  # filled item by item: traced by the tape as well
    s = 0.0
    for i in range(4):
        y[i] = x[i] * 2.0
        s = s + y[i] * y[i]
    return s + y[3]


def test_check_grad_uses_the_tape_for_item_writes():
    from transpiler import check_grad
    x = np.array([0.5, 1.5, -0.3, 0.8])
    for f in (recurrence, filled):
        report = check_grad(f, x)
        assert report.passed and not report.tape_error, str(report)
    assert_close(grad(filled)(x), 8 * x + np.array([0.0, 0.0, 0.0, 2.0]))
