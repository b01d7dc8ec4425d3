"""The rest of the NumPy rule table: tile, repeat, pad, split, diff, cumprod,
einsum, slogdet, cholesky, sinc, fmax/fmin, batched matmul, float32.

Every gradient is checked three ways by check_grad (compiled adjoint, tape
engine, central differences) and against autograd where autograd has the
function; every tangent against a directional central difference."""
import autograd
import autograd.numpy as anp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from transpiler import check_grad, grad, hessian, jvp
from runtime.numeric import numeric_grad

from conftest import assert_close, function_from_source


def agree(f, *args, wrt=0):
    """check_grad must pass (compiler, tape and finite differences agree)."""
    report = check_grad(f, *args, wrt=wrt, rtol=1e-5, atol=1e-7)
    assert report.passed, str(report)
    return grad(f, wrt=wrt)(*args)


def tangent_agrees(f, x, rng):
    """jvp along a random direction against a fourth-order central difference
    along it (the two-point one's error, h^2 times the third derivative, reached
    1e-5 of the value for a cubed difference)."""
    v = rng.normal(size=np.shape(x))
    _, t = jvp(f)(x, tangents=v)
    h = 1e-4
    want = (f(x - 2 * h * v) - 8 * f(x - h * v) + 8 * f(x + h * v) - f(x + 2 * h * v)) / (12 * h)
    assert np.isclose(t, want, rtol=1e-6, atol=1e-8), (t, want)


# ---- shape operations ----------------------------------------------------------------

@settings(max_examples=12, deadline=None)
@given(ndim=st.integers(1, 3), reps=st.lists(st.integers(1, 3), min_size=1, max_size=3),
       seed=st.integers(0, 2 ** 16))
def test_tile_any_reps(ndim, reps, seed, tmp_path_factory):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=tuple(rng.integers(1, 4, size=ndim)))
    f = function_from_source(f"def f(x):\n    return np.sum(np.sin(np.tile(x, {tuple(reps)!r})) "
                             f"** 2)\n", "f", tmp_path_factory.mktemp("tile"))
    agree(f, x)  # (autograd's tile gradient is wrong when reps has more axes than x)
    tangent_agrees(f, x, rng)


def tiled(x):
    return np.sum(np.tile(x, (2, 3)) * np.arange(24.0).reshape(4, 6))


def test_tile_sums_the_copies(rng):
    x = rng.normal(size=(2, 2))
    w = np.arange(24.0).reshape(4, 6)
    want = sum(w[i:i + 2, j:j + 2] for i in (0, 2) for j in (0, 2, 4))
    assert_close(agree(tiled, x), want)
    assert_close(autograd.grad(lambda x: anp.sum(anp.tile(x, (2, 3)) * w))(x), want)


@settings(max_examples=12, deadline=None)
@given(case=st.sampled_from([("2", None), ("2", 0), ("3", -1), ("[1, 0, 2]", 0),
                             ("[2, 1, 3]", 1), ("2", 1)]), seed=st.integers(0, 2 ** 16))
def test_repeat_counts_and_axes(case, seed, tmp_path_factory):
    repeats, axis = case
    x = np.random.default_rng(seed).normal(size=(3, 3))
    f = function_from_source(f"def f(x):\n    return np.sum(np.cos(np.repeat(x, {repeats}, "
                             f"axis={axis!r})) * np.repeat(x, {repeats}, axis={axis!r}))\n",
                             "f", tmp_path_factory.mktemp("repeat"))
    agree(f, x)
    tangent_agrees(f, x, np.random.default_rng(seed))


def test_repeat_against_autograd(rng):
    def f(x):
        return np.sum(np.repeat(x, 3, axis=1) ** 3)
    x = rng.normal(size=(2, 4))
    assert_close(agree(f, x), autograd.grad(lambda x: anp.sum(anp.repeat(x, 3, axis=1) ** 3))(x))


def padded(x):
    return np.sum(np.pad(x, ((1, 2), (3, 0))) * np.arange(42.0).reshape(6, 7))


def padded_everywhere(x):
    return np.sum(np.pad(x, 2, constant_values=5.0) ** 2)


def test_constant_pad(rng):
    x = rng.normal(size=(3, 4))
    want = np.arange(42.0).reshape(6, 7)[1:4, 3:7]
    assert_close(agree(padded, x), want)
    assert_close(agree(padded_everywhere, x), 2 * x)
    tangent_agrees(padded, x, rng)


def test_reflect_pad_follows_every_copy_of_an_item(rng):
    def f(x):
        return np.sum(np.pad(x, 1, mode="reflect") ** 2 * np.arange(1.0, 6.0))
    x = rng.normal(size=3)
    assert_close(grad(f)(x), numeric_grad(f, (x,)), rtol=1e-6)


def split_and_use(x):
    a, b, c = np.split(x, [1, 3], axis=1)
    return np.sum(a * np.sin(c)) + np.sum(b ** 2)


def split_one_piece(x):
    pieces = np.array_split(x, 3)
    return np.sum(pieces[1] ** 3)


def test_split_and_array_split(rng):
    x = rng.normal(size=(2, 5))
    agree(split_and_use, x)
    y = rng.normal(size=7)
    got = agree(split_one_piece, y)
    want = np.zeros(7)
    want[3:5] = 3 * y[3:5] ** 2  # array_split(7, 3): pieces of 3, 2, 2
    assert_close(got, want)


# ---- differences and running products ----------------------------------------------------

@settings(max_examples=12, deadline=None)
@given(n=st.integers(1, 3), axis=st.sampled_from([0, 1, -1]), seed=st.integers(0, 2 ** 16))
def test_diff_orders_and_axes(n, axis, seed, tmp_path_factory):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(5, 6))
    f = function_from_source(f"def f(x):\n    return np.sum(np.diff(x, {n}, axis={axis}) ** 3)\n",
                             "f", tmp_path_factory.mktemp("diff"))
    got = agree(f, x)
    want = autograd.grad(lambda x: anp.sum(anp.diff(x, n, axis=axis) ** 3))(x)
    assert_close(got, want)
    tangent_agrees(f, x, rng)


@settings(max_examples=12, deadline=None)
@given(axis=st.sampled_from([None, 0, 1, -1]), seed=st.integers(0, 2 ** 16))
def test_cumprod_axes(axis, seed, tmp_path_factory):
    rng = np.random.default_rng(seed)
    x = rng.uniform(0.5, 1.5, size=(3, 4))
    f = function_from_source(f"def f(x):\n    return np.sum(np.sin(np.cumprod(x, axis={axis!r})))\n",
                             "f", tmp_path_factory.mktemp("cumprod"))
    agree(f, x)  # autograd has no cumprod gradient
    tangent_agrees(f, x, rng)


def weighted_cumprod(x):
    return np.sum(np.cumprod(x) * np.array([1.0, 2.0, 3.0, 4.0]))


def test_cumprod_with_zeros():
    # d/dx_j sum_i w_i prod_{k<=i} x_k, written out: right where x has zeros
    for x in (np.array([2.0, 0.0, 3.0, 0.5]), np.array([0.0, 0.0, 3.0, 1.0]),
              np.array([1.5, 2.0, 0.0, 0.0])):
        w = np.array([1.0, 2.0, 3.0, 4.0])
        want = np.array([sum(w[i] * np.prod(np.delete(x[:i + 1], j)) for i in range(j, 4))
                         for j in range(4)])
        assert_close(grad(weighted_cumprod)(x), want)
        _, t = jvp(weighted_cumprod)(x, tangents=np.ones(4))
        assert np.isclose(t, np.sum(want))


# ---- einsum ------------------------------------------------------------------------------

EINSUMS = [
    ("ij,jk->ik", [(2, 3), (3, 4)]),
    ("ij,jk", [(2, 3), (3, 4)]),  # implicit output
    ("ii->", [(3, 3)]),  # trace
    ("ii->i", [(3, 3)]),  # diagonal
    ("ij->", [(2, 3)]),
    ("ij->ji", [(2, 3)]),
    ("ij->i", [(2, 3)]),
    ("i,i->", [(4,), (4,)]),
    ("i,j->ij", [(2,), (3,)]),
    ("bij,bjk->bik", [(2, 2, 3), (2, 3, 2)]),
    ("...ij,...jk->...ik", [(2, 2, 3), (3, 2)]),  # ellipsis, broadcast batch
    ("...i,...i->...", [(1, 3), (4, 3)]),  # a length-1 axis broadcast by einsum
    ("ij,jk,kl->il", [(2, 3), (3, 2), (2, 2)]),  # three operands
    ("ij,ij,j->i", [(2, 3), (2, 3), (3,)]),
]


@pytest.mark.parametrize("spec,shapes", EINSUMS, ids=[s for s, _ in EINSUMS])
def test_einsum_subscripts(spec, shapes, tmp_path_factory):
    rng = np.random.default_rng(len(spec))
    args = [rng.normal(size=s) for s in shapes]
    names = "abc"[:len(args)]
    f = function_from_source(
        f"def f({', '.join(names)}):\n"
        f"    return np.sum(np.sin(np.einsum({spec!r}, {', '.join(names)})))\n",
        "f", tmp_path_factory.mktemp("einsum"))
    wrt = tuple(range(len(args)))
    got = agree(f, *args, wrt=wrt)
    if not any(len(set(t)) < len(t) for t in spec.split("->")[0].split(",")):
        # autograd's einsum gradient fails on repeated letters (traces, diagonals)
        want = autograd.grad(lambda *a: anp.sum(anp.sin(anp.einsum(spec, *a))), list(wrt))(*args)
        assert_close(got, tuple(want))
    for k in wrt:  # each operand's tangent
        v = rng.normal(size=shapes[k])
        _, t = jvp(f, wrt=k)(*args, tangents=v)
        assert np.isclose(t, np.sum(got[k] * v), rtol=1e-8)


def bilinear(a, b):
    return np.einsum("ij,j->", a, b) ** 2


def test_einsum_hessian(rng):
    a, b = rng.normal(size=(2, 3)), rng.normal(size=3)
    want = autograd.hessian(lambda a: anp.einsum("ij,j->", a, b) ** 2)(a)
    assert_close(hessian(bilinear)(a, b), want)


# ---- decompositions --------------------------------------------------------------------

def logdet(a):
    sign, value = np.linalg.slogdet(a)
    return value


def logdet_indexed(a):
    return np.linalg.slogdet(a)[1] * 2.0


def test_slogdet(rng):
    a = rng.normal(size=(4, 4))  # any sign of the determinant
    want = np.linalg.inv(a).T
    assert_close(agree(logdet, a), want)
    assert_close(agree(logdet_indexed, a), 2 * want)
    tangent_agrees(logdet, a, rng)


def chol_loss(b):
    L = np.linalg.cholesky(b @ b.T + 3.0 * np.eye(3))
    return np.sum(np.sin(L) * np.arange(9.0).reshape(3, 3))


def chol_of_spd(a):
    return np.sum(np.linalg.cholesky(a) ** 3)


def test_cholesky(rng):
    b = rng.normal(size=(3, 3))
    agree(chol_loss, b)  # through a symmetric parameterization: no convention involved
    a = b @ b.T + 3.0 * np.eye(3)
    want = autograd.grad(lambda a: anp.sum(anp.linalg.cholesky(a) ** 3))(a)
    assert_close(grad(chol_of_spd)(a), want)  # the symmetric gradient, as autograd gives
    v = rng.normal(size=(3, 3))
    v = v + v.T  # tangents of a symmetric matrix are symmetric
    _, t = jvp(chol_of_spd)(a, tangents=v)
    h = 1e-6
    assert np.isclose(t, (chol_of_spd(a + h * v) - chol_of_spd(a - h * v)) / (2 * h), rtol=1e-6)


# ---- elementwise extras ----------------------------------------------------------------

def sinc_sum(x):
    return np.sum(np.sinc(x) ** 2)


def test_sinc_including_zero(rng):
    x = np.array([0.0, 0.3, -1.2, 2.5])
    got = agree(sinc_sum, x)
    assert got[0] == 0.0  # sinc is flat at 0
    assert_close(got, numeric_grad(sinc_sum, (x,), 0))
    tangent_agrees(sinc_sum, x[1:], rng)


def fmax_fmin(x, y):
    return np.sum(np.fmax(x, y) ** 2 + np.fmin(x, y) ** 3)


def test_fmax_fmin(rng):
    x, y = rng.normal(size=5), rng.normal(size=5)
    gx, gy = agree(fmax_fmin, x, y, wrt=(0, 1))
    big = x >= y
    assert_close(gx, np.where(big, 2 * x, 3 * x ** 2))
    assert_close(gy, np.where(big, 3 * y ** 2, 2 * y))


def fmax_nan(x, y):
    return np.sum(np.fmax(x, y))


def test_fmax_ignores_nan():
    x = np.array([1.0, np.nan, 3.0])
    y = np.array([np.nan, 2.0, 4.0])
    gx, gy = grad(fmax_nan, wrt=(0, 1))(x, y)
    assert_close(gx, np.array([1.0, 0.0, 0.0]))
    assert_close(gy, np.array([0.0, 1.0, 1.0]))


def amax_amin(x):
    return np.sum(np.amax(x, axis=0) ** 2) + np.amin(x) * 3.0


def test_amax_amin_both_modes(rng):
    x = rng.normal(size=(3, 4))
    agree(amax_amin, x)
    tangent_agrees(amax_amin, x, rng)


# ---- products and dtypes ------------------------------------------------------------------

def batched(a, b):
    return np.sum(np.tanh(np.matmul(a, b)) + a @ b)


def test_batched_matmul_against_autograd(rng):
    a, b = rng.normal(size=(4, 2, 3)), rng.normal(size=(3, 5))  # b broadcast over the batch
    got = agree(batched, a, b, wrt=(0, 1))
    want = autograd.grad(lambda a, b: anp.sum(anp.tanh(anp.matmul(a, b)) + a @ b), [0, 1])(a, b)
    assert_close(got, want)


def float32_model(W, x):
    h = np.tanh(x @ W)
    out = np.mean(h ** 2) + np.sum(W[0] * 2.0) + np.max(h) + np.sum(np.min(h, axis=0))
    out = out + np.prod(W[:, 0]) + np.var(h) + np.std(h, axis=1)[0] + np.linalg.norm(W)
    out = out + np.sum(np.cumsum(W, axis=0)[1]) + np.sum(np.cumprod(W[:, 1]))
    out = out + np.einsum("ij,ij->", W, W) + np.sum(np.tile(W, 2)[0, :3] * np.diff(np.pad(W, 1)[1]))
    return out + np.sum(np.repeat(W, 2, axis=0)[3]) + np.sum(np.split(W, 2, axis=1)[0] ** 2)


def test_float32_gradients_stay_float32(rng):
    W = rng.normal(size=(3, 2)).astype(np.float32)
    x = rng.normal(size=(4, 3)).astype(np.float32)
    g32 = grad(float32_model)(W, x)
    assert g32.dtype == np.float32
    g64 = grad(float32_model)(W.astype(np.float64), x.astype(np.float64))
    assert g64.dtype == np.float64
    assert_close(g32, g64, rtol=1e-4, atol=1e-5)  # float32 rounding, nothing more


def reshape_model(x, shape):
    return np.sum(np.reshape(x, shape) * np.arange(6.0).reshape(2, 3))


def test_reshape_shape_argument_carries_no_gradient(rng):
    x = rng.normal(size=(3, 2))
    assert_close(agree(reshape_model, x, (2, 3)), np.arange(6.0).reshape(3, 2))


# ---- second derivatives --------------------------------------------------------------

def product(x):
    return np.prod(x)


def column_products(x):
    return np.sum(np.prod(x, axis=0) ** 2)


def running_products(x):
    return np.sum(np.cumprod(x) * np.arange(1.0, 5.0))


def hessian_by_differences(f, x):
    """Central differences of the compiled gradient, one row per element."""
    g = grad(f)
    return np.array([numeric_grad(lambda y: g(y)[i], (x,), 0) for i in range(x.size)])


def test_hessians_of_products_with_and_without_zeros(rng):
    for x in (np.array([1.0, 2.0, 3.0, 0.5]), np.array([1.0, 0.0, 3.0, 0.5]),
              np.array([0.0, 0.0, 3.0, 0.5])):
        assert_close(hessian(product)(x), hessian_by_differences(product, x), atol=1e-6)
        assert_close(hessian(running_products)(x), hessian_by_differences(running_products, x),
                     atol=1e-6)
    x = np.array([1.0, 2.0, 3.0, 0.5])  # autograd's prod Hessian is nan at zeros
    assert_close(hessian(product)(x), autograd.hessian(lambda x: anp.prod(x))(x))
    X = rng.uniform(0.5, 1.5, size=(3, 2))
    want = autograd.hessian(lambda x: anp.sum(anp.prod(x, axis=0) ** 2))(X)
    assert_close(hessian(column_products)(X), want)


# ---- masks combined with bit operators; one-element wrt tuples ----------------------------

def masked_energy(x):
    keep = (x > -1.0) & ~(x > 1.0) | (x > 1.8)
    return np.sum(np.where(keep, x ** 2, 0.0))


def test_bitwise_mask_operators(rng):
    x = np.array([-2.0, -0.5, 0.3, 1.5, 2.0])
    keep = np.array([False, True, True, False, True])
    assert_close(agree(masked_energy, x), np.where(keep, 2 * x, 0.0))


def test_wrt_tuple_of_one_gives_a_tuple_of_one():
    x = np.array([1.0, 2.0])
    got = grad(product, wrt=(0,))(x)
    assert isinstance(got, tuple) and len(got) == 1
    assert_close(got[0], np.array([2.0, 1.0]))
    assert_close(grad(product, wrt=("x",))(x)[0], np.array([2.0, 1.0]))
    assert_close(grad(product)(x), np.array([2.0, 1.0]))  # no tuple when wrt is not one


# ---- more array methods, methods of other objects, diagonal ------------------------------

def flat_and_item(x):
    return np.sum(x.flatten() ** 2) + x.sum().item() * 2.0 + x[0, 1].item() + np.sum(np.conj(x))


def with_noise(x):
    rng = np.random.default_rng(0)  # a draw inside the function: no gradient
    noise = rng.normal(size=x.shape)
    return np.sum((x + 0.1 * noise) ** 2)


def list_of_active(x):
    return sum(x.tolist())


def test_flatten_item_and_methods_of_other_objects(rng):
    x = rng.normal(size=(2, 3))
    want = 2 * x + 2.0 + 1.0
    want[0, 1] += 1.0
    assert_close(agree(flat_and_item, x), want)
    noise = np.random.default_rng(0).normal(size=x.shape)
    assert_close(agree(with_noise, x), 2 * (x + 0.1 * noise))
    assert "rng.normal(size=x.shape)" in grad(with_noise).source
    from transpiler import TranspileError
    with pytest.raises(TranspileError, match=r"cannot differentiate the method call `\.tolist"):
        grad(list_of_active)(x)


@pytest.mark.parametrize("offset,axes", [(0, (0, 1)), (1, (0, 1)), (-1, (1, 2)), (0, (2, 0))])
def test_diagonal(offset, axes, tmp_path_factory):
    x = np.random.default_rng(offset + 5).normal(size=(3, 4, 3))
    f = function_from_source(
        f"def f(x):\n    return np.sum(np.sin(np.diagonal(x, {offset}, {axes[0]}, {axes[1]})))\n",
        "f", tmp_path_factory.mktemp("diag"))
    got = agree(f, x)  # (autograd's diagonal gradient supports offset 0 on the last axes only)
    want = np.zeros_like(x)
    for idx in np.ndindex(*x.shape):  # an element is on the diagonal when i2 - i1 == offset
        if idx[axes[1]] - idx[axes[0]] == offset:
            want[idx] = np.cos(x[idx])
    assert_close(got, want)
    tangent_agrees(f, x, np.random.default_rng(1))
