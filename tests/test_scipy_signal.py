"""scipy.signal.convolve and convolve2d: every mode, both operands, reverse,
forward and second order, against autograd.scipy.signal.convolve (in full mode,
and valid mode with the first operand larger) and central differences."""
import autograd.numpy as anp
import autograd.scipy.signal as asig
import numpy as np
import pytest
import scipy.signal
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.signal import convolve, convolve2d

from conftest import function_from_source
from scipy_checking import full_check
from transpiler import grad


def smoothed_signal_loss(kernel, signal, target):
    return np.sum((convolve(signal, kernel, mode="same") - target) ** 2)


def test_learning_a_smoothing_kernel(rng):
    signal, target = rng.normal(size=9), rng.normal(size=9)
    for wrt in (0, 1):
        full_check(smoothed_signal_loss, (rng.normal(size=3), signal, target), wrt=wrt)


def edge_energy(image, kernel):
    edges = convolve2d(image, kernel, mode="valid")
    return np.sum(np.tanh(edges) ** 2)


def edge_energy_ag(image, kernel):
    edges = asig.convolve(image, kernel, mode="valid")
    return anp.sum(anp.tanh(edges) ** 2)


def test_convolve2d_edges(rng):
    args = (rng.normal(size=(5, 4)), rng.normal(size=(3, 2)))
    for wrt in (0, 1):
        full_check(edge_energy, args, wrt=wrt, oracle=edge_energy_ag)


@settings(max_examples=12, deadline=None)
@given(mode=st.sampled_from(["full", "valid", "same"]), ndim=st.integers(1, 2),
       swap=st.booleans(), seed=st.integers(0, 2 ** 16))
def test_convolve_modes_and_sizes(mode, ndim, swap, seed, tmp_path_factory):
    rng = np.random.default_rng(seed)
    big = tuple(rng.integers(3, 6, size=ndim))
    small = tuple(rng.integers(1, 4, size=ndim))
    shapes = (small, big) if swap else (big, small)  # valid: either operand may be larger
    args = (rng.normal(size=shapes[0]), rng.normal(size=shapes[1]))
    src = f"def f(a, b):\n    return np.sum(np.sin(convolve(a, b, mode={mode!r})) * 1.5)\n"
    f = function_from_source(src, "f", tmp_path_factory.mktemp("conv"), {"convolve": convolve})
    oracle = None
    if mode == "full":  # (autograd's convolve recurses without end on some valid shapes)
        oracle = function_from_source(src, "f", tmp_path_factory.mktemp("conv_ag"),
                                      {"convolve": asig.convolve, "np": anp})
    for wrt in (0, 1):
        # (autograd's Hessian of a 2-D convolution recurses without end)
        full_check(f, args, wrt=wrt, oracle=oracle, second_oracle=ndim == 1)
    if ndim == 2:
        src2 = f"def f(a, b):\n    return np.sum(np.sin(convolve2d(a, b, mode={mode!r})) * 1.5)\n"
        f2 = function_from_source(src2, "f", tmp_path_factory.mktemp("conv2"),
                                  {"convolve2d": convolve2d})
        for wrt in (0, 1):
            full_check(f2, args, wrt=wrt, oracle=oracle, second_oracle=False)


def wrapped(image, kernel):
    return np.sum(scipy.signal.convolve2d(image, kernel, mode="same", boundary="wrap") ** 2)


def test_convolve2d_other_boundaries_are_a_clear_error(rng):
    with pytest.raises(ValueError, match="boundary='fill' with fillvalue=0 only"):
        grad(wrapped)(rng.normal(size=(4, 4)), rng.normal(size=(2, 2)))
