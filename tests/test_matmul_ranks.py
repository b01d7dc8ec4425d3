"""Matrix-vector products with ranks known from the arguments take a rule without
broadcasting (`np.outer(g, b)`, `a.T @ g`): gradients agree with autograd."""
import autograd.numpy as anp
import numpy as np
import pytest

from transpiler import grad

from oracles import every_mode


def least_squares(w, X, y):
    return np.sum((X @ w - y) ** 2)


def least_squares_ag(w, X, y):
    return anp.sum((anp.dot(X, w) - y) ** 2)


def row_times_matrix(v, A):
    return np.sum(np.tanh(v @ A) * np.arange(3.0))


def row_times_matrix_ag(v, A):
    return anp.sum(anp.tanh(anp.dot(v, A)) * anp.arange(3.0))


def dotted(X, w):
    return np.sum(np.sin(np.dot(X, w)))


def dotted_ag(X, w):
    return anp.sum(anp.sin(anp.dot(X, w)))


rng = np.random.default_rng(5)
X, w, y = rng.normal(size=(6, 4)), rng.normal(size=4), rng.normal(size=6)
A, v = rng.normal(size=(5, 3)), rng.normal(size=5)


@pytest.mark.parametrize("f, ag, args, wrt", [
    (least_squares, least_squares_ag, (w, X, y), 0),
    (least_squares, least_squares_ag, (w, X, y), 1),
    (row_times_matrix, row_times_matrix_ag, (v, A), 0),
    (row_times_matrix, row_times_matrix_ag, (v, A), 1),
    (dotted, dotted_ag, (X, w), 0),
    (dotted, dotted_ag, (X, w), 1),
])
def test_matrix_vector_gradients_agree_with_autograd(f, ag, args, wrt):
    every_mode(f, args, wrt=wrt, ag=ag)


@pytest.mark.source_text
def test_the_rank_rule_is_the_one_a_person_writes():
    g = grad(least_squares, wrt=(0, 1))
    g(w, X, y)
    assert "X.T @ " in g.source and "np.outer(" in g.source
    assert "matmul_grad" not in g.source
