"""Generated code reads like the user's: their names, nothing saved or summed for
nothing. Each test checks the gradient against autograd (an independent oracle)
and, where it pins names, is marked `source_text` (optimized code only)."""
import re
import types

import autograd
import autograd.numpy as anp
import numpy as np
import pytest

from runtime import helpers
from transpiler import grad

source_text = pytest.mark.source_text


def assert_same_grads(ours, theirs):
    if isinstance(theirs, dict):
        assert set(ours) == set(theirs)
        for k in theirs:
            np.testing.assert_allclose(ours[k], theirs[k], rtol=1e-9, atol=1e-12)
    elif isinstance(theirs, (tuple, list)):
        for a, b in zip(ours, theirs, strict=True):
            assert_same_grads(a, b)
    else:
        np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-12)


def on_autograd(f):
    """`f` run by autograd: the same code with `np` meaning autograd.numpy (and so
    for the functions of this file it calls)."""
    scope = dict(f.__globals__, np=anp)
    for name, v in list(scope.items()):
        if isinstance(v, types.FunctionType) and v.__module__ == __name__:
            scope[name] = types.FunctionType(v.__code__, scope, name, v.__defaults__)
    return scope[f.__name__]


def autograd_grad(f, *args, wrt=0):
    g = on_autograd(f)
    if isinstance(wrt, tuple):
        return tuple(autograd.grad(g, k)(*args) for k in wrt)
    return autograd.grad(g, wrt)(*args)


def assigned_names(source):
    """Every name the generated code assigns (`a = ...`, `a, b = ...`, loop targets)."""
    names = []
    for line in source.splitlines():
        m = re.match(r"\s*(?:for\s+)?([\w, ]+?)\s*(?:=(?!=)|\s+in\s)", line)
        if m and not line.strip().startswith(("#", "def ", "return")):
            names += [n.strip() for n in m.group(1).split(",") if n.strip()]
    return names


# -- a scientist's code (autograd runs the same functions on autograd.numpy) --

def mlp_loss(params, x, y):
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    h = np.tanh(x @ W1 + b1)
    out = h @ W2 + b2
    return np.mean((out - y) ** 2)


def mlp_data(rng):
    params = {"W1": rng.normal(size=(3, 4)), "b1": rng.normal(size=4),
              "W2": rng.normal(size=(4, 2)), "b2": rng.normal(size=2)}
    return params, rng.normal(size=(5, 3)), rng.normal(size=(5, 2))


@source_text
def test_names_unpacked_from_a_dict_are_the_users(rng):
    params, x, y = mlp_data(rng)
    g = grad(mlp_loss)
    assert_same_grads(g(params, x, y), autograd_grad(mlp_loss, params, x, y))
    names = assigned_names(g.source)
    for name in ("W1", "b1", "W2", "b2", "d_W1", "d_b1", "d_W2", "d_b2"):
        assert name in names, g.source
    assert not any(re.fullmatch(r"(d_)?item(_\d+)?", n) for n in names), g.source


def swapped(x, y):
    a, b = x, y
    a, b = b * 2.0, a      # reads a name assigned on the left: Python's order
    c, d = a * b, a + b
    return c * d


def old_value_in_a_closure(x):
    a = x
    def twice():
        return a * 2.0
    a, b = x * 3.0, twice()  # twice() still sees the old a
    return a * b


@pytest.mark.parametrize("f, args", [(swapped, (1.5, -0.7)), (old_value_in_a_closure, (0.8,))])
def test_unpacked_assignments_keep_pythons_order(f, args):
    wrt = tuple(range(len(args)))
    ours = grad(f, wrt=wrt)(*args)
    assert_same_grads(ours if len(args) > 1 else (ours,), autograd_grad(f, *args, wrt=wrt))


def sin_cos(z):
    return np.sin(z), np.cos(z)


def uses_a_pair(x):
    s, c = sin_cos(x)
    return np.sum(s * c + s)


@source_text
def test_a_tuple_unpacked_from_a_helper_is_named_after_its_parts(rng):
    x = rng.normal(size=4)
    g = grad(uses_a_pair)
    assert_same_grads(g(x), autograd_grad(uses_a_pair, x))
    assert "s_c" in assigned_names(g.source) and "sin_cos_1" not in g.source, g.source


# -- reversed loops ---------------------------------------------------------------

def rnn(W, U, xs, h0):
    h = h0
    for x in xs:
        h = np.tanh(W @ h + U @ x)
    return np.sum(h)


def rnn_data(rng):
    return (rng.normal(size=(4, 4)) * 0.5, rng.normal(size=(4, 3)), rng.normal(size=(6, 3)),
            np.zeros(4))


def saved_and_read_back(source):
    """The names a loop saves and the names its reversal reads them back as."""
    saved = re.search(r"saved\.append\(\((.*)\)\)", source).group(1)
    saved = [re.sub(r"shape_like\((\w+)\)", r"\1", n.strip()) for n in saved.split(",")]
    read = re.search(r"for (.*) in reversed\(saved\)", source).group(1)
    return saved, [n.strip() for n in read.split(",")]


@source_text
def test_a_reversed_loop_reads_values_back_under_their_forward_names(rng):
    args = rnn_data(rng)
    g = grad(rnn, wrt=(0, 1))
    assert_same_grads(g(*args), autograd_grad(rnn, *args, wrt=(0, 1)))
    saved, read = saved_and_read_back(g.source)
    assert saved == read, g.source


@source_text
def test_values_read_back_only_for_their_shape_are_saved_without_data(rng):
    g = grad(rnn, wrt=(0, 1))
    g(*rnn_data(rng))
    assert re.search(r"saved\.append\(\(.*shape_like\(matmul\)", g.source), g.source


def loop_with_a_broadcast_inside(w, xs):
    h = np.ones(3)
    for x in xs:
        level = np.sum(x, keepdims=True)      # shape (1,): its gradient is summed
        h = np.sin(w * h + level * 0.5)
    return np.sum(h * h)


def test_a_shape_saved_without_data_still_undoes_broadcasting(rng):
    w, xs = rng.normal(size=3), rng.normal(size=(5, 2))
    for k in (0, 1):
        assert_same_grads(grad(loop_with_a_broadcast_inside, wrt=k)(w, xs),
                          autograd_grad(loop_with_a_broadcast_inside, w, xs, wrt=k))


def test_shape_like_keeps_shape_and_dtype_and_no_data():
    x = np.ones((1000, 3), dtype=np.complex64)
    s = helpers.shape_like(x)
    assert s.shape == x.shape and s.dtype == x.dtype and s.strides == (0, 0)
    assert helpers.unbroadcast(np.ones((7, 1000, 3)), s).shape == (1000, 3)
    assert helpers.shape_like(2.5) == 2.5


def square_err(pred, y):
    return np.sum((pred - y) ** 2)


def fit(w, x, y):
    return square_err(x @ w, y) + 0.1 * np.sum(w ** 2)


def test_a_helpers_saved_shape_gives_the_same_gradient(rng):
    w, x, y = rng.normal(size=3), rng.normal(size=(5, 3)), rng.normal(size=5)
    assert_same_grads(grad(fit)(w, x, y), autograd_grad(fit, w, x, y))


# -- unbroadcast ------------------------------------------------------------------

def softmax_cross_entropy(logits, labels):
    shifted = logits - np.max(logits, axis=1, keepdims=True)
    logp = shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
    return -np.mean(np.sum(labels * logp, axis=1))


@source_text
def test_no_unbroadcast_onto_a_value_of_the_same_shape(rng):
    logits, labels = rng.normal(size=(5, 3)), np.eye(3)[[0, 1, 2, 0, 1]]
    g = grad(softmax_cross_entropy)
    assert_same_grads(g(logits, labels),
                      autograd_grad(softmax_cross_entropy, logits, labels))
    assert "unbroadcast(d_shifted, logits)" not in g.source, g.source
    assert "unbroadcast(d_logp, shifted)" not in g.source, g.source
    # the max shift carries no gradient (shifts.py): no sum over axis 1 for it, no max rule
    assert "unbroadcast(-d_shifted, max)" not in g.source
    assert "extremum_grad" not in g.source


def two_reductions(x):
    across = np.mean(x, axis=0, keepdims=True)   # (1, n)
    down = np.max(x, axis=1, keepdims=True)      # (m, 1): not across's shape
    return np.sum(np.sin(across * down) + across - x * down)


def nested_reductions(x):
    r = np.sum(x, axis=0, keepdims=True)
    rr = np.sum(r, axis=1, keepdims=True)
    return np.sum(np.cos(r + rr) * x - rr)


@pytest.mark.parametrize("f", [two_reductions, nested_reductions])
def test_reductions_over_different_axes_are_not_taken_for_one_shape(f, rng):
    x = rng.normal(size=(4, 3))
    assert_same_grads(grad(f)(x), autograd_grad(f, x))


# -- helper names and companions ---------------------------------------------------

def norm_of_sums(x):
    return np.sum(np.sin(np.sum(x, axis=(0, 1), keepdims=True)))


def squares_of_terms(x, n):
    terms = []
    for k in range(n):
        terms.append(x ** k / (k + 1))
    squares = [term * term for term in terms if term > 0.0]
    return sum(terms) + sum(squares)


_HELPERS = {name for name in dir(helpers) if callable(getattr(helpers, name))}


@source_text
@pytest.mark.parametrize("f, args", [
    (norm_of_sums, (np.ones((2, 3)),)), (squares_of_terms, (0.5, 4)),
    (mlp_loss, None), (softmax_cross_entropy, None), (rnn, None)])
def test_no_variable_is_named_after_a_helper_or_a_bare_t(f, args, rng):
    if args is None:
        args = {mlp_loss: lambda: mlp_data(rng), rnn: lambda: rnn_data(rng),
                softmax_cross_entropy: lambda: (rng.normal(size=(5, 3)), np.eye(3)[[0, 1, 2, 0, 1]])
                }[f]()
    g = grad(f)
    g(*args)
    for name in assigned_names(g.source):
        base = re.sub(r"_\d+$", "", name)
        assert base not in _HELPERS and base != "t", (name, g.source)
    if f is squares_of_terms:  # the comprehension's name, its append (not list_append)
        assert "term = terms[i]" in g.source and "items.append(term * term)" in g.source
    assert_same_grads(g(*args), autograd_grad(f, *args))


@source_text
def test_sources_show_the_adjoints_of_the_users_helpers(rng):
    w, x, y = rng.normal(size=3), rng.normal(size=(5, 3)), rng.normal(size=5)
    g = grad(fit)
    g(w, x, y)
    assert "square_err_vjp" in g.source and "def square_err_backward" not in g.source
    assert g.sources.startswith(g.source)
    for text in ("# square_err_vjp.forward", "def square_err_forward(",
                 "# square_err_vjp.backward", "def square_err_backward("):
        assert text in g.sources, g.sources
    # the backward reads what the forward saved by name, in one line
    assert re.search(r"def square_err_backward\(saved, d_square_err\):\n    \w+(, \w+)+ = saved\n",
                     g.sources), g.sources
    assert "return (square_err, (" in g.sources, g.sources
    compiled = {}
    exec(compile(g.sources, "<sources>", "exec"), {"np": np}, compiled)  # it is Python
    assert {"fit_adjoint", "square_err_forward", "square_err_backward"} <= set(compiled)


def outer(w, x, y):
    return fit(w, x, y) * 2.0


@source_text
def test_sources_follow_companions_of_companions(rng):
    w, x, y = rng.normal(size=3), rng.normal(size=(5, 3)), rng.normal(size=5)
    g = grad(outer)
    assert_same_grads(g(w, x, y), autograd_grad(outer, w, x, y))
    assert g.sources.count("def square_err_backward(") == 1
    assert "def fit_backward(" in g.sources


def rnn_of_W(W, U, xs, h0):
    return rnn(W, U, xs, h0)


def test_second_derivatives_through_a_loop_that_saves_shapes(rng):
    from transpiler import hessian
    W, U, xs, h0 = rnn_data(rng)
    theirs = autograd.hessian(on_autograd(rnn_of_W))(W, U, xs, h0)
    np.testing.assert_allclose(hessian(rnn_of_W)(W, U, xs, h0), theirs, rtol=1e-8, atol=1e-10)
