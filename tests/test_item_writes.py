"""Item writes inside differentiated functions: `y[i] = v`, `y[i] += v`,
`y[:, j] *= c`, slice, fancy and mask writes; against finite differences,
with the caller's arrays and the saved values left intact."""
import numpy as np
import pytest

from runtime.numeric import numeric_grad
from transpiler import TranspileError, grad, hessian, jvp, transform

from conftest import assert_close, check_against_fd


def slice_and_item(x, v):
    y = np.zeros(5)
    y[1:3] = x[:2] * v
    y[4] += v
    y[0] = np.sum(x)
    return np.sum(y * y) + y[4] * x[2]


def test_slice_and_item_writes(rng):
    check_against_fd(grad(slice_and_item, wrt=(0, 1)), slice_and_item, (rng.normal(size=3), 0.7), (0, 1))


def column_scale(a, c):
    b = a * 1.0
    b[:, 1] *= c
    b[0] -= a[1]
    return np.sum(np.tanh(b))


def test_augmented_column_and_row_writes(rng):
    check_against_fd(grad(column_scale, wrt=(0, 1)), column_scale, (rng.normal(size=(3, 2)), 1.3), (0, 1))


def recurrence(x):
    y = np.zeros(len(x))
    y[0] = x[0]
    for i in range(1, len(x)):
        y[i] = np.sin(y[i - 1]) * x[i] + y[i - 1]
    return np.sum(y ** 2)


def test_loop_recurrence_through_writes(rng):
    check_against_fd(grad(recurrence, wrt=0), recurrence, (rng.normal(size=6),), 0)


def reads_then_writes(x):
    y = x * 2.0
    total = 0.0
    for i in range(len(x)):
        total = total + np.sum(y * x)  # the reverse sweep reads this iteration's y
        y[i] = total
    return total + np.sum(y)


def test_saved_values_are_not_corrupted_by_later_writes(rng):
    check_against_fd(grad(reads_then_writes, wrt=0), reads_then_writes, (rng.normal(size=4),), 0)


def writes_argument(x):
    x[0] = x[1] * x[2]
    return np.sum(x ** 2)


def test_writing_into_an_argument_leaves_the_callers_array_alone(rng):
    x = rng.normal(size=3)
    before = x.copy()
    expected = writes_argument(x.copy())
    value_grad = grad(writes_argument)
    g = value_grad(x)
    np.testing.assert_array_equal(x, before)
    want = numeric_grad(lambda z: writes_argument(z.copy()), (x,), 0)
    assert_close(g, want)
    from transpiler import value_and_grad
    value, _ = value_and_grad(writes_argument)(x)
    assert value == pytest.approx(expected, rel=1e-15)
    np.testing.assert_array_equal(x, before)


def fancy_and_mask(x):
    y = x * 1.0
    y[np.array([0, 2])] = x[np.array([1, 3])] ** 2
    y[y < 0.0] = 0.0
    return np.sum(y * np.arange(1.0, 5.0))


def test_fancy_index_and_mask_writes(rng):
    x = np.array([0.3, -0.8, 1.1, 0.5])
    check_against_fd(grad(fancy_and_mask, wrt=0), fancy_and_mask, (x,), 0)


def repeated_write(x):
    y = np.zeros(3)
    y[np.array([0, 0])] = x
    return np.sum(y)


def test_repeated_fancy_write_is_a_clear_error():
    with pytest.raises(ValueError, match="repeats a position"):
        grad(repeated_write)(np.array([1.0, 2.0]))


def list_write(x):
    items = [x, 2.0 * x]
    items[0] = x * x
    return items[0] + items[1]


def test_list_item_write():
    assert grad(list_write)(1.5) == pytest.approx(2 * 1.5 + 2.0, rel=1e-15)


def test_forward_mode_through_writes(rng):
    x = rng.normal(size=6)
    dx = rng.normal(size=6)
    value, tangent = jvp(recurrence)(x, tangents=dx)
    want = numeric_grad(recurrence, (x,), 0) @ dx
    assert value == pytest.approx(recurrence(x), rel=1e-14)
    assert tangent == pytest.approx(want, rel=1e-6)


def test_hessian_through_writes(rng):
    x = rng.normal(size=3)
    h = hessian(lambda_free_slice)(x)
    g = grad(lambda_free_slice)
    want = np.stack([numeric_grad(lambda z, i=i: g(z)[i], (x,), 0) for i in range(3)])
    assert_close(h, want, rtol=1e-5)


def lambda_free_slice(x):
    y = np.ones(4)
    y[1:] = x ** 2
    y[0] *= x[0]
    return y[0] * y[1] * y[3] + np.sum(y ** 3)


@pytest.mark.source_text
def test_fresh_arrays_are_written_in_place_and_arguments_are_copied():
    fresh = transform(slice_and_item, wrt=(0, 1)).code.source
    assert "y[1:3] = mul" in fresh
    assert ".copy()" not in fresh.split("# adjoint")[0].split("y[1:3]")[0]
    arg = transform(writes_argument).code.source
    assert "x_1 = x.copy()" in arg or "= x.copy()" in arg


def read_after_filling(x):
    y = np.zeros_like(x) + x
    for i in range(1, 4):
        y[i] = y[i - 1] * x[i]
    last = y[3] * 2.0  # made after the loop: it reads the filled array, as Python does
    y[0] += last
    return np.sum(y) + last


def view_read_in_next_iteration(x):
    y = x * 1.0
    v = y[1:3]  # a view of y, made before the writes
    s = 0.0
    for i in range(2):
        y[1] = v[1] * 2.0
        s = s + v[0]  # Python reads the new y[1] through v in the second pass
    return s


def test_items_read_after_a_filling_loop_are_allowed():
    from transpiler import check_grad
    x = np.array([0.5, 1.5, -0.3, 0.8])
    report = check_grad(read_after_filling, x)
    assert report.passed and not report.tape_error, str(report)


def test_view_made_before_writes_and_read_after_them_is_an_error():
    with pytest.raises(TranspileError, match="`v` is read after the array it refers to "
                       r"was written into on line \d+ \(on an earlier pass of the loop\)"):
        grad(view_read_in_next_iteration)(np.array([0.5, 1.5, -0.3, 0.8]))


def swap_first_two(x):
    y = x * 1.0
    t = y[0]  # one number (x is a vector): a copy, not a view
    y[0] = y[1]
    y[1] = t
    return np.sum(y * np.arange(3.0))


def swap_rows(x):
    y = x * 1.0
    t = y[0]  # a row of a matrix: a view, which the next write changes
    y[0] = y[1]
    y[1] = t
    return np.sum(y)


def calls_swap(x):
    return swap_first_two(x * 2.0) + x[0]


def test_swapping_items_of_a_vector():
    from transpiler import check_grad
    x = np.array([1.0, 2.0, 3.0])
    assert_close(grad(swap_first_two)(x), np.array([1.0, 0.0, 2.0]))  # x0 + 2 x2
    report = check_grad(swap_first_two, x)
    assert report.passed and not report.tape_error, str(report)
    assert_close(grad(calls_swap)(x), np.array([3.0, 0.0, 4.0]))  # through a companion


def test_swapping_rows_through_a_view_is_an_error():
    with pytest.raises(TranspileError, match="`t` is read after the array it refers to"):
        grad(swap_rows)(np.ones((2, 3)))


@pytest.mark.source_text
def test_filling_a_vector_in_a_loop_writes_in_place():
    df = grad(read_after_filling)
    df(np.array([0.5, 1.5, -0.3, 0.8]))
    assert "y[i] = mul" in df.source and ".copy()" not in df.source


def fill_squares(x):
    y = np.zeros(len(x))
    for i in range(len(x)):
        y[i] = x[i] ** 2
    return np.sum(y * np.arange(len(x)))


def fill_rows(X):
    Y = np.zeros(X.shape)
    for i in range(X.shape[0]):
        Y[i] = np.tanh(X[i]) * (i + 1.0)
    return np.sum(Y ** 2)


def test_reverse_sweeps_of_filling_loops():
    from transpiler import check_grad
    x = np.linspace(0.1, 1.0, 7)
    assert_close(grad(fill_squares)(x), 2 * x * np.arange(7.0))
    X = np.random.default_rng(3).normal(size=(4, 3))
    for f, arg in ((fill_squares, x), (fill_rows, X)):
        report = check_grad(f, arg)
        assert report.passed and not report.tape_error, str(report)
    # second order through the in-place accumulation: d2/dx2 of sum_i i x_i^2
    assert_close(hessian(fill_squares)(x), np.diag(2 * np.arange(7.0)))


@pytest.mark.source_text
def test_reverse_sweeps_of_filling_loops_accumulate_in_place():
    df = grad(fill_squares)
    df(np.linspace(0.1, 1.0, 7))
    src = df.source
    # one item of each gradient array per step, not a copy of the array per step
    assert "d_x[i] = d_x[i] + " in src and "d_y[i] = 0.0" in src, src
    assert "add_at(" not in src and "cleared(" not in src, src
