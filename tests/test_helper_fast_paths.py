"""The NumPy fast paths of unbroadcast, fill_like and zeros_like give what the
general paths give: checked against sums written out independently, with the
types and dtypes a gradient must have."""
import itertools

import numpy as np
import pytest

from runtime.helpers import fill_like, unbroadcast, zeros_like

RNG = np.random.default_rng(3)

# (gradient shape, input shape): every way broadcasting can have grown the input
SHAPES = [((3, 4), (3, 4)), ((3, 4), (4,)), ((3, 4), (1, 4)), ((3, 4), (3, 1)),
          ((2, 3, 4), (3, 1)), ((2, 3, 4), (1, 1, 1)), ((5,), ()), ((2, 3), (1, 1)),
          ((4, 1), (4, 1)), ((), ())]


def summed_by_hand(g, shape):
    """g summed over the axes broadcasting added or stretched, one axis at a time."""
    g = np.asarray(g)
    while g.ndim > len(shape):
        g = g.sum(axis=0)
    for axis, n in enumerate(shape):
        if n == 1 and g.shape[axis] != 1:
            g = np.add.reduce(g, axis=axis, keepdims=True)
    return g


@pytest.mark.parametrize("gshape,xshape", SHAPES)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_unbroadcast_onto_arrays(gshape, xshape, dtype):
    g = RNG.normal(size=gshape).astype(dtype)
    x = np.ones(xshape)
    got = unbroadcast(g, x)
    want = summed_by_hand(g, xshape)
    assert np.shape(got) == xshape
    assert np.asarray(got).dtype == dtype
    np.testing.assert_allclose(got, want, rtol=1e-6)


@pytest.mark.parametrize("gshape", [(5,), (2, 3), ()])
@pytest.mark.parametrize("x", [1.5, 2])
def test_unbroadcast_onto_python_numbers_is_a_float(gshape, x):
    g = RNG.normal(size=gshape)
    got = unbroadcast(g, x)
    assert type(got) is float
    assert got == pytest.approx(float(np.asarray(g).sum()), rel=1e-12)


def test_a_complex_gradient_onto_a_real_input_keeps_the_real_part():
    g = np.array([[1 + 2j, 3 - 1j], [0.5j, 2.0]])
    np.testing.assert_allclose(unbroadcast(g, np.ones(2)), [1.0, 5.0])
    assert unbroadcast(g, 1.0) == pytest.approx(6.0)
    complex_x = np.ones((2, 2), dtype=complex)
    np.testing.assert_allclose(unbroadcast(g, complex_x), g)


@pytest.mark.parametrize("dtype,want", [(np.float64, np.float64), (np.float32, np.float32),
                                        (np.int64, np.float64), (np.bool_, np.float64),
                                        (np.complex64, np.complex64)])
def test_fill_like_and_zeros_like_take_the_gradient_dtype(dtype, want):
    for shape in [(3,), (2, 2)]:
        x = np.zeros(shape, dtype=dtype)
        filled = fill_like(x, 0.25)
        assert filled.dtype == want and filled.shape == shape
        assert np.all(filled == 0.25)
        zeros = zeros_like(x)
        assert zeros.dtype == want and zeros.shape == shape and not zeros.any()


def test_fill_like_of_a_zero_d_array_and_zeros_like_of_one():
    x = np.array(2.0)
    assert np.shape(fill_like(x, 0.5)) == () and float(fill_like(x, 0.5)) == 0.5
    zero = zeros_like(x)
    assert np.ndim(zero) == 0 and zero == 0.0


def test_fresh_arrays_each_call():
    """A gradient written into later (accumulated in place) must not share memory."""
    x = np.ones(4)
    a, b = fill_like(x, 1.0), fill_like(x, 1.0)
    c, d = zeros_like(x), zeros_like(x)
    for p, q in itertools.combinations([a, b, c, d, x], 2):
        assert not np.shares_memory(p, q)
