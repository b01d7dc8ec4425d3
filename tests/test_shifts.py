"""The max shift of a logsumexp or softmax carries no gradient (transpiler/ir/shifts.py):
gradients with and without the rewrite agree with autograd and with central
differences, and expressions that only look like a shift-invariant one keep the
gradient through the max."""
import types

import autograd.numpy as anp
import numpy as np
import pytest

from transpiler import grad, value_and_grad

from oracles import every_mode


def autograd_version(f):
    return types.FunctionType(f.__code__, {**f.__globals__, "np": anp}, f.__name__)


def cross_entropy(z, Y):
    m = np.max(z, axis=1, keepdims=True)
    lse = m + np.log(np.sum(np.exp(z - m), axis=1, keepdims=True))
    return -np.sum(Y * (z - lse)) / z.shape[0]


def softmax_score(z, w):
    e = np.exp(z - np.max(z, axis=-1, keepdims=True))
    p = e / np.sum(e, axis=-1, keepdims=True)
    return np.sum(p * w)


def log_softmax_score(z, w):
    shifted = z - np.max(z, axis=0, keepdims=True)
    logp = shifted - np.log(np.sum(np.exp(shifted), axis=0, keepdims=True))
    return np.sum(logp * w)


def logsumexp_of_all(z):
    m = np.max(z)
    return m + np.log(np.sum(np.exp(z - m)))


def logsumexp_min_shift(z):
    m = np.min(z, axis=1, keepdims=True)
    return np.sum(np.sin(m + np.log(np.sum(np.exp(z - m), axis=1, keepdims=True))))


# -- look-alikes: the result depends on m, so its gradient must stay ------------------

def other_axis(z):
    m = np.max(z, axis=0, keepdims=True)
    return np.sum(m + np.log(np.sum(np.exp(z - m), axis=1, keepdims=True)))


def max_without_keepdims(z):  # z is square: m broadcasts along the other axis
    m = np.max(z, axis=1)
    return np.sum(m + np.log(np.sum(np.exp(z - m), axis=1)))


def sum_without_keepdims(z):  # (n, 1) + (n,): an (n, n) result mixing rows
    m = np.max(z, axis=1, keepdims=True)
    return np.sum(m + np.log(np.sum(np.exp(z - m), axis=1)))


def exp_read_again(z):
    m = np.max(z, axis=1, keepdims=True)
    e = np.exp(z - m)
    return np.sum(m + np.log(np.sum(e, axis=1, keepdims=True))) + np.sum(e)


def twice_the_shift(z):
    m = np.max(z, axis=1, keepdims=True)
    return np.sum(2.0 * m + np.log(np.sum(np.exp(z - m), axis=1, keepdims=True)))


def softmax_sum_read_again(z, w):
    e = np.exp(z - np.max(z, axis=1, keepdims=True))
    s = np.sum(e, axis=1, keepdims=True)
    return np.sum(e / s * w) + np.sum(s)


def log_softmax_shift_read_again(z, w):
    shifted = z - np.max(z, axis=1, keepdims=True)
    logp = shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
    return np.sum(logp * w) + np.sum(shifted ** 2)


rng = np.random.default_rng(3)
Z = rng.normal(size=(4, 5))
Z_SQUARE = rng.normal(size=(4, 4))
W = rng.normal(size=(4, 5))
Y = np.eye(5)[[0, 3, 1, 4]]

INVARIANT = [(cross_entropy, (Z, Y)), (softmax_score, (Z, W)), (log_softmax_score, (Z, W)),
             (logsumexp_of_all, (Z,)), (logsumexp_min_shift, (Z,))]
LOOK_ALIKES = [(other_axis, (Z,)), (max_without_keepdims, (Z_SQUARE,)),
               (sum_without_keepdims, (Z,)), (exp_read_again, (Z,)), (twice_the_shift, (Z,)),
               (softmax_sum_read_again, (Z, W)), (log_softmax_shift_read_again, (Z, W))]


@pytest.mark.parametrize("f, args", INVARIANT + LOOK_ALIKES,
                         ids=[f.__name__ for f, _ in INVARIANT + LOOK_ALIKES])
def test_gradients_agree_with_autograd_in_every_mode(f, args):
    every_mode(f, args, wrt=0, ag=autograd_version(f))


@pytest.mark.source_text
@pytest.mark.parametrize("f, args", INVARIANT, ids=[f.__name__ for f, _ in INVARIANT])
def test_the_shift_of_an_invariant_expression_has_no_gradient(f, args):
    g = grad(f)
    g(*args)
    assert "extremum_grad" not in g.source
    assert "shifted(" not in g.source  # the mark is gone from the generated code


@pytest.mark.source_text
@pytest.mark.parametrize("f, args", LOOK_ALIKES, ids=[f.__name__ for f, _ in LOOK_ALIKES])
def test_a_look_alike_keeps_the_gradient_of_its_max(f, args):
    g = grad(f)
    g(*args)
    assert "extremum_grad" in g.source


def test_ties_in_the_max_do_not_matter():
    z = np.array([[1.0, 1.0, 0.5], [2.0, -1.0, 2.0]])  # two maxima in each row
    value, d = value_and_grad(cross_entropy)(z, np.eye(3)[[0, 2]])
    want = autograd_version(cross_entropy)
    import autograd
    assert np.isclose(value, want(z, np.eye(3)[[0, 2]]))
    assert np.allclose(d, autograd.grad(want)(z, np.eye(3)[[0, 2]]), rtol=1e-12, atol=1e-15)
