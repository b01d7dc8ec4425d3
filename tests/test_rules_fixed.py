"""Rules that were silently wrong or crashed (issue 15), each checked in reverse
mode, forward mode and second order: np.r_ / np.c_, np.linspace, np.std,
np.power and ** at kinks, every form of np.linalg.norm, sequences (np.hstack
of one array, constants in np.concatenate), np.inner of any ranks, size-1
outputs, dtypes through astype, and Hessians through every runtime helper.

Most models are written once over a NumPy module `np`: numpy for tapeless,
autograd.numpy for the oracle. Where autograd lacks the function (or is wrong,
as for the max-norm) the oracle is central finite differences, and an
equivalent autograd formulation where one exists (np.concatenate for np.r_)."""
import autograd
import autograd.numpy as anp
import numpy
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from transpiler import check_grad, grad, hessian, jvp
from runtime.numeric import numeric_grad

from conftest import assert_close


def fd_hvp(f, x, v, eps=1e-4):
    """The Hessian of f times v by central differences of the numeric gradient."""
    return (numeric_grad(f, (x + eps * v,), 0) - numeric_grad(f, (x - eps * v,), 0)) / (2 * eps)


def three_ways(f, x, oracle=None, seed=0, second=True):
    """f's gradient (reverse), tangent (forward) and Hessian (forward over reverse)
    against finite differences and, when given, the autograd function `oracle`."""
    rng = numpy.random.default_rng(seed)
    fd = numeric_grad(f, (x,), 0)
    g = grad(f)(x)
    assert_close(g, fd, rtol=1e-5, atol=1e-6)
    v = rng.normal(size=numpy.shape(x))
    value, t = jvp(f)(x, tangents=v)
    assert numpy.isclose(value, f(x))
    assert numpy.isclose(t, numpy.sum(fd * v), rtol=1e-5, atol=1e-6), (t, numpy.sum(fd * v))
    if oracle is not None:
        assert numpy.isclose(f(x), oracle(x))
        assert_close(g, autograd.grad(oracle)(x), rtol=1e-6, atol=1e-8)
    if not second:
        return g
    h = hessian(f)(x)
    hv = numpy.tensordot(h, v, numpy.ndim(x)) if numpy.ndim(x) else h * v
    assert_close(hv, fd_hvp(f, x, v), rtol=1e-3, atol=1e-4)
    if oracle is not None:
        assert_close(h, autograd.hessian(oracle)(x), rtol=1e-6, atol=1e-8)
    return g


# ---- np.r_ and np.c_ ---------------------------------------------------------------

def features_r(x):
    """A design vector: the data, its squares, a bias and three fixed knots."""
    z = numpy.r_[x, x ** 2, 1.0, 0:3]
    return numpy.sum(numpy.sin(z) * numpy.arange(1.0, 1.0 + z.size))


def features_r_autograd(x):
    z = anp.concatenate([x, x ** 2, anp.array([1.0]), anp.arange(3.0)])
    return anp.sum(anp.sin(z) * anp.arange(1.0, 1.0 + 2 * x.size + 4))


def columns_c(x):
    """Two columns side by side, as in a least-squares design matrix."""
    design = numpy.c_[x, numpy.cos(x)]
    return numpy.sum((design @ numpy.array([0.5, -2.0])) ** 2)


def columns_c_autograd(x):
    design = anp.stack([x, anp.cos(x)], axis=1)
    return anp.sum(anp.dot(design, anp.array([0.5, -2.0])) ** 2)


def test_r_gradient_reaches_every_item():
    x = numpy.array([0.3, -1.2, 0.8])
    g = three_ways(features_r, x, features_r_autograd)
    assert numpy.all(g != 0)


def test_c_gradient_reaches_every_column():
    three_ways(columns_c, numpy.array([0.3, -1.2, 0.8, 2.0]), columns_c_autograd)


def scalar_r(a):
    return numpy.sum(numpy.r_[a, 2.0 * a, [1.0, a]] ** 3)


def test_r_gradients_keep_float32():
    x = numpy.array([0.3, -1.2, 0.8], dtype=numpy.float32)
    g = grad(features_r)(x)
    assert g.dtype == numpy.float32
    assert_close(g, autograd.grad(features_r_autograd)(x.astype(float)), rtol=1e-5)


def test_r_of_scalars_and_lists():
    three_ways(scalar_r, 0.7, lambda a: a ** 3 + (2.0 * a) ** 3 + 1.0 + a ** 3)


M23 = numpy.arange(6.0).reshape(2, 3)


def rows_r(x):  # a directive string: stack as rows of a 2-d result
    return numpy.sum(numpy.r_["0,2", x, x ** 2] ** 3 * M23)


def rows_autograd(x):
    return anp.sum(anp.stack([x, x ** 2]) ** 3 * M23)


def blocks_c(x):  # 2-d items side by side, and integer constants in an r_
    return numpy.sum(numpy.c_[M23 * x[0], x[:2]] ** 3) + numpy.sum(numpy.r_[x, 3, -1] ** 3)


def blocks_autograd(x):
    return anp.sum(anp.concatenate([M23 * x[0], x[:2, None]], axis=1) ** 3) + \
        anp.sum(x ** 3) + 27.0 - 1.0


def test_r_with_a_directive_and_c_of_matrices():
    x = numpy.array([0.3, -0.7, 1.1])
    three_ways(rows_r, x, rows_autograd)
    three_ways(blocks_c, x, blocks_autograd)


def flattened(x):
    return numpy.sum(numpy.concatenate((x, M23 * x[0]), axis=None) ** 3 * numpy.arange(9.0))


def flattened_autograd(x):  # autograd's concatenate takes no axis=None
    return anp.sum(anp.concatenate([x, anp.ravel(M23 * x[0])]) ** 3 * anp.arange(9.0))


def test_concatenate_flattening_axis_none():
    three_ways(flattened, numpy.array([0.3, -0.7, 1.1]), flattened_autograd)


def grid_with_moving_end(a):
    return numpy.sum(numpy.mgrid[0.0:a:5j] ** 2)


def range_with_moving_end(x, a):
    return numpy.sum(numpy.r_[x, 0.0:a] ** 2)


def fixed_grids(a):
    return numpy.sum(numpy.mgrid[0.0:1.0:5j] * a ** 2) + numpy.sum(numpy.ogrid[0:3] * a)


def test_grid_bounds_are_an_error_not_a_zero():
    # np.mgrid[0:a:5j] is differentiable in a, but only np.linspace has the rule
    from transpiler import TranspileError
    with pytest.raises(TranspileError, match="index_grid|grid_slice") as err:
        grad(grid_with_moving_end)(2.0)
    assert "test_rules_fixed.py" in str(err.value)
    with pytest.raises(TranspileError, match="grid_slice"):
        jvp(grid_with_moving_end)(2.0, tangents=1.0)
    with pytest.raises(TranspileError, match="index_concat|grid_slice"):
        grad(range_with_moving_end, wrt=1)(numpy.ones(2), 3.0)
    three_ways(fixed_grids, 0.7, lambda a: anp.sum(numpy.linspace(0.0, 1.0, 5) * a ** 2)
               + anp.sum(numpy.arange(3) * a))


ITEMS = {"x": "x", "square": "x ** 2", "first": "x[0]", "constant": "2.5", "knots": "0:3",
         "list": "[1.0, x[1]]", "tail": "np.sin(x[1:])"}


@settings(max_examples=15, deadline=None)
@given(items=st.lists(st.sampled_from(sorted(ITEMS)), min_size=1, max_size=4),
       columns=st.booleans())
def test_r_and_c_of_any_items(items, columns, tmp_path_factory):
    if columns:  # np.c_ needs items of one length: whole arrays
        items = [i for i in items if i in ("x", "square")] or ["x"]
    which = "c" if columns else "r"
    source = (f"def f(x):\n    z = np.{which}_[{', '.join(ITEMS[i] for i in items)}]\n"
              f"    return np.sum(np.cos(z) * np.arange(1.0, 1.0 + z.size).reshape(z.shape))\n")
    from conftest import function_from_source
    f = function_from_source(source, "f", tmp_path_factory.mktemp("r_"))
    three_ways(f, numpy.array([0.3, -1.2, 0.8]))


# ---- np.linspace ------------------------------------------------------------------

def linspace_model(np, num=7):
    def f(a):
        grid = np.linspace(np.sin(a), 3.0 * a, num)
        return np.sum(np.exp(-grid) * np.arange(num))
    return f


@pytest.mark.parametrize("num", [7, 1, 2])
def test_linspace_start_and_stop(num):
    three_ways(linspace_model(numpy, num), 0.4, linspace_model(anp, num))


def open_grid(a):  # autograd's linspace takes no endpoint: the oracle is the formula
    return numpy.sum(numpy.exp(-numpy.linspace(numpy.sin(a), 3.0 * a, 5, endpoint=False)))


def open_grid_autograd(a):
    start, stop = anp.sin(a), 3.0 * a
    return anp.sum(anp.exp(-(start + (stop - start) * anp.arange(5) / 5.0)))


def test_linspace_without_endpoint():
    three_ways(open_grid, 0.4, open_grid_autograd)


def grids_along_columns(x):  # autograd's linspace takes no axis: the oracle is the formula
    return numpy.sum(numpy.linspace(x, numpy.cos(x), 4, axis=1) ** 3 * M24) + \
        numpy.sum(numpy.linspace(0.0, x, 3, endpoint=False, axis=-1) ** 2)


def grids_along_columns_autograd(x):
    t, u = anp.arange(4) / 3.0, anp.arange(3) / 3.0
    grid = x[:, None] + (anp.cos(x) - x)[:, None] * t
    return anp.sum(grid ** 3 * M24) + anp.sum((x[:, None] * u) ** 2)


M24 = numpy.arange(8.0).reshape(2, 4)


def test_linspace_along_an_axis():
    three_ways(grids_along_columns, numpy.array([0.3, 0.9]), grids_along_columns_autograd)


def linspace_arrays(np):
    def f(x):  # array ends: the grid runs along a new first axis
        return np.sum(np.linspace(x, np.cos(x), 4) ** 3)
    return f


def test_linspace_of_array_ends():
    three_ways(linspace_arrays(numpy), numpy.array([0.2, 0.9]), linspace_arrays(anp))


# ---- kinks: std of a constant, x ** 0, x ** 0.5 at 0 -------------------------------

def spread(np):
    def f(x):
        return np.std(x) + np.sum(np.std(x * np.ones((2, 1)), axis=1))
    return f


def test_std_of_a_constant_has_slope_zero():
    # autograd gives 0 for a scalar (and nan for a constant vector; finite differences 0)
    for x in (3.5, numpy.array([3.5, 3.5, 3.5])):
        g = grad(spread(numpy))(x)
        assert_close(g, numeric_grad(spread(numpy), (x,), 0))
        assert_close(g, numpy.zeros_like(x))
        assert jvp(spread(numpy))(x, tangents=numpy.ones_like(x))[1] == 0.0
    assert_close(grad(spread(numpy))(3.5), autograd.grad(spread(anp))(3.5))


def per_row_std(np):
    def f(x):  # an axis of length 1: every row is constant
        return np.sum(np.std(x, axis=1)) + np.sum(x ** 2)
    return f


def test_std_over_an_axis_of_length_one():
    x = numpy.array([[1.0], [-2.0], [0.5]])
    three_ways(per_row_std(numpy), x, per_row_std(autograd.numpy), second=False)
    x = numpy.array([[1.0, 2.0, 4.0], [-2.0, 0.5, 0.25]])
    three_ways(per_row_std(numpy), x, per_row_std(anp))


def zeroth_power(np):
    def f(x):
        return np.sum(np.power(x, 0.0) + np.power(x, 2.0) * 0.5)
    return f


def test_power_zero_at_zero():
    x = numpy.array([0.0, 1.5, -2.0])
    three_ways(zeroth_power(numpy), x, zeroth_power(anp))


def root(x):
    return x ** 0.5


def test_square_root_of_python_zero_is_inf_not_an_exception():
    # autograd raises ZeroDivisionError here; NumPy's convention: 0.0 ** -0.5 is inf
    with numpy.errstate(divide="ignore"):
        assert grad(root)(0.0) == numpy.inf
        assert jvp(root)(0.0, tangents=1.0)[1] == numpy.inf
    assert numpy.isclose(grad(root)(2.25), autograd.grad(lambda x: x ** 0.5)(2.25))
    assert numpy.isclose(grad(grad(root))(2.25),
                         autograd.grad(autograd.grad(lambda x: x ** 0.5))(2.25))


# ---- np.linalg.norm in every form ------------------------------------------------------

def norm_model(np, ord, axis, keepdims):
    def f(x):
        return np.sum(np.linalg.norm(np.sin(x) + x, ord=ord, axis=axis, keepdims=keepdims) ** 2)
    return f


INF = numpy.inf
# (shape, ord, axis, autograd right?) -- autograd has p-norms for p > 1, 'fro' and 'nuc';
# its max-norm gradient is nan and it refuses the rest
NORMS = [((5,), None, None, True), ((5,), 2, None, True), ((5,), 3, None, True),
         ((5,), 4, None, True), ((5,), 1, None, False), ((5,), INF, None, False),
         ((5,), -INF, None, False), ((5,), 0.5, None, False), ((5,), -1.5, None, False),
         ((3, 4), None, None, True), ((3, 4), "fro", None, True), ((3, 4), "nuc", None, True),
         ((4, 3), 2, None, False), ((3, 4), -2, None, False), ((3, 4), 1, None, False),
         ((3, 4), -1, None, False), ((3, 4), INF, None, False), ((3, 4), -INF, None, False),
         ((2, 3, 4), "nuc", (2, 0), True), ((2, 3, 4), "fro", (2, 0), True),
         ((2, 3, 4), 2, (1, 2), False), ((2, 3, 4), 1, (2, 0), False),
         ((2, 3, 4), INF, (0, 1), False), ((2, 3, 4), 3, 1, True), ((2, 3, 4), None, -1, True),
         ((2, 3, 4), 1, 1, False), ((2, 3, 4), INF, 2, False)]


@pytest.mark.parametrize("shape,ord,axis,autograd_has", NORMS)
@pytest.mark.parametrize("keepdims", [False, True])
def test_norm_every_ord(shape, ord, axis, autograd_has, keepdims):
    rng = numpy.random.default_rng(NORMS.index((shape, ord, axis, autograd_has)))
    # away from 0, where p-norms with p < 2 have no second derivative
    x = rng.uniform(0.3, 1.5, size=shape) * rng.choice([-1.0, 1.0], size=shape)
    f = norm_model(numpy, ord, axis, keepdims)
    # autograd's gradient of a keepdims norm over given axes is wrong (it expands the
    # kept axes again): finite differences only there
    oracle = norm_model(anp, ord, axis, keepdims) \
        if autograd_has and not (keepdims and axis is not None) else None
    three_ways(f, x, oracle)


def test_norm_max_ties_share_the_slope():
    # |x| is largest at two places: each gets half (the convention of np.max)
    def peak(x):
        return numpy.linalg.norm(x, numpy.inf)
    assert_close(grad(peak)(numpy.array([1.0, -3.0, 3.0])), numpy.array([0.0, -0.5, 0.5]))


@settings(max_examples=10, deadline=None)
@given(p=st.sampled_from([2, 3, 4, 1.5]), n=st.integers(2, 6), seed=st.integers(0, 2 ** 16))
def test_vector_p_norms_against_autograd(p, n, seed):
    rng = numpy.random.default_rng(seed)
    x = rng.uniform(0.2, 2.0, size=n) * rng.choice([-1.0, 1.0], size=n)  # |x|^(p-2): not at 0
    three_ways(norm_model(numpy, p, None, False), x, norm_model(anp, p, None, False))


def norm_of(x, p):  # the order reaches the rule through a parameter
    return numpy.linalg.norm(x, p)


def cubic_norm(x):
    return norm_of(x, 3) ** 2 + norm_of(x, 4)


def cubic_norm_autograd(x):
    return anp.linalg.norm(x, 3) ** 2 + anp.linalg.norm(x, 4)


def nuclear_plus_identity(x):  # autograd's Hessian is nan here: finite differences
    return norm_of(numpy.outer(x, x) + numpy.eye(3), "nuc")


def test_hessian_of_a_norm_whose_order_is_a_parameter():
    three_ways(cubic_norm, numpy.array([0.3, -0.8, 1.2]), cubic_norm_autograd)
    three_ways(nuclear_plus_identity, numpy.array([0.3, -0.8, 1.2]))


ROTATION = numpy.linalg.qr(numpy.random.default_rng(0).normal(size=(3, 3)))[0]


def nuclear_of_rotation(a):  # the singular values of a * ROTATION are all |a|: repeated
    return numpy.linalg.norm(a * ROTATION + 0.1 * a ** 2, "nuc")


def nuclear_of_rank_one(x):
    return numpy.linalg.norm(numpy.outer(x, x), "nuc")


def test_nuclear_norm_second_order_with_repeated_and_zero_singular_values():
    three_ways(nuclear_of_rotation, 0.8)
    assert_close(grad(nuclear_of_rank_one)(numpy.array([0.3, -0.8, 1.2])),
                 numeric_grad(nuclear_of_rank_one, (numpy.array([0.3, -0.8, 1.2]),), 0),
                 rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="full rank"):  # not a wrong Hessian
        hessian(nuclear_of_rank_one)(numpy.array([0.3, -0.8, 1.2]))


# ---- sequences ------------------------------------------------------------------------

def hstack_one(np):
    def f(x):
        return np.sum(np.hstack(x) ** 3)  # a 1-d array is a sequence of its elements
    return f


def test_hstack_of_one_array_gives_an_array():
    x = numpy.array([0.5, -1.0, 2.0])
    g = three_ways(hstack_one(numpy), x, hstack_one(anp))
    assert isinstance(g, numpy.ndarray)
    x2 = numpy.array([[0.5, -1.0], [2.0, 0.1]])
    assert isinstance(three_ways(hstack_one(numpy), x2, hstack_one(anp)), numpy.ndarray)


def hstack_tuple(np):
    def f(x):
        return np.sum(np.hstack((x,)) ** 3)
    return f


def test_hessian_of_hstack_of_one_array():
    three_ways(hstack_tuple(numpy), numpy.array([0.5, -1.0, 2.0]), hstack_tuple(anp))


def casted(np):
    def f(x):
        return np.sum(np.sin(x.astype(np.float64)) * x.astype(np.float64))
    return f


def test_float32_gradients_through_astype():
    x = numpy.array([0.5, -1.0, 2.0], dtype=numpy.float32)
    g = grad(casted(numpy))(x)
    want = autograd.grad(casted(anp))(x)
    assert g.dtype == numpy.float32 == want.dtype
    assert_close(g, want, rtol=1e-6)


def padded_series(np):
    def f(x):  # a lagged copy: a constant zero in front (forward mode used to crash)
        lagged = np.concatenate((0.0 * x[:1], x[:-1]))
        shifted = np.concatenate((np.zeros(1), x, [2.0]))
        return np.sum((x - lagged) ** 2) + np.sum(shifted ** 3)
    return f


def test_concatenate_with_constant_items():
    three_ways(padded_series(numpy), numpy.array([0.3, 1.1, -0.4, 2.0]), padded_series(anp))


OFFSET = numpy.array([1.0, -2.0, 0.5])


def stacked_with_constants(np):
    def f(x):
        rows = np.vstack((x, OFFSET)) + np.stack((OFFSET, x, x ** 2))[1:]
        return np.sum(rows ** 3) + np.sum(np.hstack((x, 3.0)) ** 2)
    return f


def test_stack_and_vstack_with_constant_items():
    three_ways(stacked_with_constants(numpy), numpy.array([0.3, 1.1, -0.4]),
               stacked_with_constants(anp))


def arrays_with_constants(np):
    def f(x):  # np.array of a list mixing the argument with constants (forward mode crashed)
        rows = np.array([x, OFFSET]) * 2.0
        diag = np.array([[x[0], 0.0], [0.0, x[1] ** 2]])
        return np.sum(rows ** 3) + np.sum(diag @ OFFSET[:2]) + np.sum(np.asarray([x, OFFSET]) ** 2)
    return f


def test_array_of_a_list_with_constant_items():
    three_ways(arrays_with_constants(numpy), numpy.array([0.3, 1.1, -0.4]),
               arrays_with_constants(anp))


# ---- np.inner of any ranks, size-1 outputs ---------------------------------------------

W3 = numpy.arange(24.0).reshape(2, 3, 4) / 10.0


def inner_ranks(np):
    def f(x):
        return np.sum(np.inner(x, W3) ** 2) + np.sum(np.inner(W3, np.tanh(x)) * 0.5)
    return f


@pytest.mark.parametrize("shape", [(4,), (3, 4), (2, 1, 4)])
def test_inner_of_different_ranks(shape):
    x = numpy.random.default_rng(5).normal(size=shape)
    three_ways(inner_ranks(numpy), x, inner_ranks(anp))


def first_logit(np):
    def f(x):
        return np.sin(x[:1]) * 2.0 + np.sum(x ** 2)  # shape (1,)
    return f


def test_size_one_output():
    x = numpy.array([0.4, 1.3, -0.2])
    g = grad(first_logit(numpy))(x)
    assert_close(g, autograd.grad(first_logit(anp))(x))
    assert_close(g, numeric_grad(lambda x: first_logit(numpy)(x)[0], (x,), 0))
    with pytest.raises(TypeError, match="scalar"):
        grad(elementwise)(x)


def elementwise(x):
    return numpy.sin(x)


# ---- second order through the runtime helpers -------------------------------------------

HELPER_FAMILIES = {
    "sum over an axis": lambda np: lambda x: np.sum(np.sum(x ** 3, axis=1) ** 2),
    "mean, keepdims": lambda np: lambda x: np.sum(np.mean(x ** 3, axis=0, keepdims=True) ** 2),
    "var over an axis": lambda np: lambda x: np.sum(np.var(x, axis=1) ** 2),
    "std over an axis": lambda np: lambda x: np.sum(np.std(x, axis=0) ** 3),
    "tile": lambda np: lambda x: np.sum(np.tile(x, (2, 1)) ** 3 * np.arange(12.0).reshape(4, 3)),
    "repeat": lambda np: lambda x: np.sum(np.repeat(x, 2, axis=1) ** 3),
    "pad": lambda np: lambda x: np.sum(np.sin(np.pad(x, 1, mode="constant"))
                                       * np.arange(20.0).reshape(4, 5)),
    "split": lambda np: lambda x: np.sum(np.split(x, 3, axis=1)[1] ** 3),
    "concatenate": lambda np: lambda x: np.sum(np.concatenate((x, x ** 2), axis=1) ** 3),
    "stack": lambda np: lambda x: np.sum(np.stack((x, x ** 2), axis=1) ** 3),
    "vstack": lambda np: lambda x: np.sum(np.vstack((x, np.sin(x))) ** 3),
    "transpose": lambda np: lambda x: np.sum(np.transpose(x, (1, 0)) ** 3
                                             * np.arange(6.0).reshape(3, 2)),
    "reshape": lambda np: lambda x: np.sum(np.reshape(x, (3, 2)) ** 3
                                           * np.arange(6.0).reshape(3, 2)),
    "cumsum": lambda np: lambda x: np.sum(np.cumsum(x, axis=1) ** 3),
    "max": lambda np: lambda x: np.sum(np.max(x ** 3, axis=1) ** 2),
    "prod": lambda np: lambda x: np.sum(np.prod(x, axis=1) ** 2),
    "inner": lambda np: lambda x: np.sum(np.inner(x, x[0]) ** 2),
}


@pytest.mark.parametrize("family", sorted(HELPER_FAMILIES))
def test_hessian_through_each_helper(family, tmp_path):
    import inspect
    from conftest import function_from_source
    source = inspect.getsource(HELPER_FAMILIES[family]).split("lambda x: ", 1)[1].rstrip()
    source = source.rstrip(",")
    f = function_from_source(f"def f(x):\n    return {source}\n", "f", tmp_path)
    x = numpy.random.default_rng(2).normal(size=(2, 3))
    three_ways(f, x, HELPER_FAMILIES[family](anp))


def per_axis(np):
    def f(x):  # the axis is a loop variable: popped from a saved stack in the adjoint
        total = 0.0
        for ax in range(2):
            total = total + np.sum(np.sum(x ** 3, axis=ax) ** 2) + np.sum(np.max(x, axis=ax) ** 3)
        return total
    return f


def reduce_rows(x, axis, keepdims):
    return numpy.sum(x ** 3, axis=axis, keepdims=keepdims)


def through_a_call(x):  # axis and keepdims are parameters of the companion adjoint
    return numpy.sum(reduce_rows(x, 1, True) ** 2) + numpy.sum(numpy.tile(x, 2) * x.sum())


def through_a_call_autograd(x):
    return anp.sum(anp.sum(x ** 3, axis=1, keepdims=True) ** 2) + anp.sum(anp.tile(x, 2) * x.sum())


def test_hessian_with_axis_from_a_loop():
    three_ways(per_axis(numpy), numpy.random.default_rng(4).normal(size=(2, 3)), per_axis(anp))


def test_hessian_with_axis_passed_to_a_function():
    three_ways(through_a_call, numpy.random.default_rng(6).normal(size=(2, 3)),
               through_a_call_autograd)


def binomial_like(n, x):
    return n * x ** 2


def test_a_rule_may_differentiate_a_parameter_named_like_an_integer():
    # `n` is static by default; a rule that lists it in wrt differentiates it
    from transpiler.rules import table as rules
    rules.partials(binomial_like, wrt=("n", "x"))(binomial_like_partials)
    try:
        want = numeric_grad(uses_binomial, (1.5, 0.5), 0)  # 3 x^2
        assert numpy.isclose(grad(uses_binomial, wrt=0)(1.5, 0.5), want)
        assert numpy.isclose(jvp(uses_binomial, wrt=0)(1.5, 0.5, tangents=1.0)[1], 0.75)
    finally:
        rules.remove(binomial_like)


def uses_binomial(n, x):
    return binomial_like(n, x) * 3.0


def binomial_like_partials(ans, n, x):
    return x ** 2, 2.0 * n * x


def test_check_grad_agrees_with_the_tape_on_the_fixed_rules():
    x = numpy.array([0.3, -1.2, 0.8])
    for f in (hstack_one(numpy), padded_series(numpy), norm_model(numpy, 3, None, False),
              zeroth_power(numpy)):
        report = check_grad(f, x, rtol=1e-5, atol=1e-7)
        assert report.passed, str(report)


def norm_of_order(x, p):
    return numpy.linalg.norm(x, p)


def spread_with(x, d):
    return numpy.var(x, ddof=d)


def test_a_differentiated_float_option_is_an_error_not_a_zero():
    # `ord` and `ddof` may be floats with a derivative: they are not constants
    from transpiler import TranspileError
    x = numpy.array([0.3, -1.2, 0.8])
    with pytest.raises(TranspileError, match="ord"):
        grad(norm_of_order, wrt=1)(x, 3.0)
    with pytest.raises(TranspileError, match="ddof"):
        grad(spread_with, wrt=1)(x, 1.0)


# ---- second order through the decompositions and running products ----------------------

S3 = numpy.array([[4.0, 1.0, 0.5], [1.0, 3.0, 0.2], [0.5, 0.2, 2.0]])

DECOMPOSITIONS = {
    "cholesky": lambda np: lambda x: np.sum(np.linalg.cholesky(S3 + np.outer(x, x)) ** 2
                                           * np.arange(9.0).reshape(3, 3)),
    "slogdet": lambda np: lambda x: np.linalg.slogdet(S3 + np.outer(x, x))[1],
    "solve": lambda np: lambda x: np.sum(np.linalg.solve(S3 + np.outer(x, x), x) ** 2),
    "inv": lambda np: lambda x: np.sum(np.linalg.inv(S3 + np.outer(x, x))),
    "max of a product": lambda np: lambda x: np.max(np.outer(x, x) @ S3),
}


@pytest.mark.parametrize("name", sorted(DECOMPOSITIONS))
def test_hessian_through_decompositions(name, tmp_path):
    import inspect
    from conftest import function_from_source
    source = inspect.getsource(DECOMPOSITIONS[name]).split("lambda x: ", 1)[1].strip()
    f = function_from_source(f"def f(x):\n    return {source.rstrip(',')}\n", "f", tmp_path,
                             {"S3": S3})
    three_ways(f, numpy.array([0.3, -0.5, 0.9]), DECOMPOSITIONS[name](anp))


def running_product(x):  # autograd has no cumprod gradient: finite differences only
    return numpy.sum(numpy.cumprod(x) ** 2) + numpy.sum(numpy.diagonal(numpy.outer(x, x), 1) ** 3)


def test_hessian_of_cumprod_and_diagonal():
    three_ways(running_product, numpy.array([0.3, -0.5, 0.9, 1.2]))


def scaled_reductions(np):
    def f(a):  # a scalar scale, reductions over a loop's axes: derivatives to third order
        total = 0.0
        for ax in range(2):
            total = total + np.sum(np.sum(np.sin(a * M23), axis=ax, keepdims=True) ** 2) + \
                np.sum(np.max(a * M23 ** 2, axis=ax))
        return total + np.sum(np.tile(a * M23, (2, 1)) ** 3) + \
            np.sum(np.repeat(a * M23, 2, axis=1) ** 2)
    return f


def test_third_derivative_through_helpers_with_loop_axes():
    ours, theirs = scaled_reductions(numpy), scaled_reductions(anp)
    for _ in range(3):
        ours, theirs = grad(ours), autograd.grad(theirs)
        assert numpy.isclose(ours(0.7), theirs(0.7), rtol=1e-9)


M3 = numpy.array([[1.0, 0.5, 0.2], [0.3, 2.0, 0.1], [0.4, 0.2, 1.5]])


def shifted_solve(np):
    def f(a):
        return np.sum(np.linalg.solve(M3 + a * np.eye(3), np.array([1.0, a, 2.0])) ** 2)
    return f


def test_third_derivative_through_solve():
    ours, theirs = shifted_solve(numpy), shifted_solve(anp)
    for _ in range(3):
        ours, theirs = grad(ours), autograd.grad(theirs)
        assert numpy.isclose(ours(0.7), theirs(0.7), rtol=1e-9)


def reciprocal_and_root(x):
    return x ** -1 + x ** 0.5 + x ** 3


def test_powers_of_an_integer_argument():
    # an int argument to x ** -1 (NumPy refuses integers to negative integer powers)
    want = autograd.grad(lambda x: x ** -1 + x ** 0.5 + x ** 3)(3.0)
    assert numpy.isclose(grad(reciprocal_and_root)(3), want)
    assert numpy.isclose(jvp(reciprocal_and_root)(3, tangents=1.0)[1], want)
    assert numpy.isclose(grad(grad(reciprocal_and_root))(3.0),
                         autograd.grad(autograd.grad(lambda x: x ** -1 + x ** 0.5 + x ** 3))(3.0))
