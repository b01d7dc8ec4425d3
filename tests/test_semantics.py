"""Python's semantics, exactly (issue 14): aliasing and in-place updates,
list and tuple operators, `in`, argument binding, outputs that are not
scalars, and no internal exception reaching the user.

Every value and gradient is checked against central finite differences of
the function run as Python (on copies of the arguments), and the caller's
arrays are checked to be unchanged by the gradient call."""
import numpy as np
import pytest

from runtime.numeric import numeric_grad
from transpiler import TranspileError, grad, hessian, jvp, value_and_grad, vjp

from conftest import assert_close


def _copies(args):
    return tuple(np.array(a) if isinstance(a, np.ndarray) else a for a in args)


def check(f, *args, wrt=0, second=False):
    """value_and_grad(f) at `args` against Python and finite differences; the
    arguments unchanged; with `second`, the forward mode and hessian too."""
    given = _copies(args)
    value, g = value_and_grad(f, wrt=wrt)(*args)
    for a, b in zip(args, given):
        if isinstance(a, np.ndarray):
            np.testing.assert_array_equal(a, b, err_msg="the gradient call changed an argument")
    assert_close(value, f(*_copies(given)))
    assert_close(g, numeric_grad(f, _copies(given), wrt), rtol=1e-5, atol=1e-7)
    if second:
        x = given[wrt]
        t = np.ones_like(x) if isinstance(x, np.ndarray) else 1.0
        _, tangent = jvp(f, wrt)(*_copies(given), tangents=t)
        assert_close(tangent, np.sum(np.asarray(g) * t))
        h = hessian(f, wrt)(*_copies(given))
        dg = numeric_grad(lambda *a: np.sum(np.asarray(grad(f, wrt)(*a)) * t), _copies(given), wrt)
        assert_close(np.tensordot(h, t, np.ndim(t)) if np.ndim(t) else h * t, dg,
                     rtol=1e-4, atol=1e-6)
    for a, b in zip(args, given):
        if isinstance(a, np.ndarray):
            np.testing.assert_array_equal(a, b, err_msg="a transform changed an argument")
    return g


# -- `in` and `not in` -----------------------------------------------------------

def in_string(x):
    if "a" in "abc":
        return x * 2.0
    return x


def in_list(x):
    y = x
    if 2 in [1, 2, 3]:
        y = y * 3.0
    if 5 not in [1, 2]:
        y = y * x
    return y


def test_in_and_not_in_test_the_item_in_the_container():
    assert check(in_string, 1.5) == pytest.approx(2.0)
    check(in_list, 1.5, second=True)


# -- arguments and outputs --------------------------------------------------------

def cube(x):
    return x ** 3


def test_an_extra_argument_is_a_type_error_naming_the_function():
    with pytest.raises(TypeError, match=r"cube\(\).*positional"):
        grad(cube)(2.0, 5.0)
    grad(cube)(2.0)  # after a specialization exists, too
    with pytest.raises(TypeError, match=r"cube\(\)"):
        grad(cube)(2.0, 5.0)
    with pytest.raises(TypeError, match=r"cube\(\).*keyword"):
        grad(cube)(2.0, d_cube=5.0)
    with pytest.raises(TypeError, match=r"cube\(\)"):
        hessian(cube)(2.0, 5.0)


def pair(x):
    return x * 2.0, x


def name(x):
    return "x"


def as_list(x):
    return [x, x]


def vector(x):
    return x * 2.0


def one_item(x):
    return np.sum(x * x, keepdims=True)


def test_grad_of_a_function_that_does_not_return_a_scalar_is_a_type_error():
    with pytest.raises(TypeError, match="has_aux"):
        grad(pair)(1.0)
    with pytest.raises(TypeError, match="str"):
        grad(name)(1.0)
    with pytest.raises(TypeError, match="list"):
        grad(as_list)(1.0)
    with pytest.raises(TypeError, match="scalar"):
        grad(vector)(np.ones(3))
    with pytest.raises(TypeError, match="scalar"):
        hessian(vector)(np.ones(3))


def test_a_size_one_array_counts_as_a_scalar():
    x = np.array([1.0, -2.0, 0.5])
    assert_close(grad(one_item)(x), 2 * x)


def test_a_pullback_checks_the_cotangent_shape():
    value, pullback = vjp(vector)(np.ones(3))
    assert_close(pullback(np.arange(3.0)), 2 * np.arange(3.0))
    with pytest.raises(ValueError, match="shape"):
        pullback(np.ones(4))


# -- augmented assignment through aliases ------------------------------------------

def shifted_energy(x):
    y = x  # the same array: `y += 1.0` changes x too, inside the call
    y += 1.0
    return np.sum(y * x)


def scaled_copy(x):
    y = x * 2.0
    z = y
    z -= x
    z *= x  # y and z are one array: both are x * x now
    return np.sum(y) + np.sum(z * x)


def scalar_rebinds(x):
    a = x
    a += 1.0  # a Python float: a new number, x keeps its value
    return a * x


def branch_update(x):
    y = x * 1.0
    z = y
    if np.sum(x) > 0:
        z += 2.0
    return np.sum(y * x)


def loop_alias_in_body(x):
    y = x * 1.0
    for i in range(3):
        z = y
        z += x * i
    return np.sum(y * y)


def loop_alias_before(x):
    y = x
    for i in range(2):
        y *= np.tanh(x)
    return np.sum(y * x)


def item_write_through_alias(x):
    y = x
    y[0] = 2.0
    return np.sum(x * x)


def accumulate_items(x):
    s = x[0]
    t = s
    for i in range(1, len(x)):
        s += x[i] * x[i]
    return s * t


def test_augmented_assignment_changes_every_alias_of_an_array(rng):
    x = rng.normal(size=4)
    for f in (shifted_energy, scaled_copy, branch_update, loop_alias_in_body,
              loop_alias_before, item_write_through_alias, accumulate_items):
        check(f, x)
    check(shifted_energy, x, second=True)
    check(loop_alias_before, x, second=True)


def test_augmented_assignment_rebinds_a_number():
    assert check(scalar_rebinds, 2.0) == pytest.approx(2 * 2.0 + 1.0)
    check(scalar_rebinds, 0.7, second=True)


def update_view(x):
    y = x * 1.0
    v = y[:2]
    v += 1.0
    return np.sum(y * y)


def read_view_after_update(x):
    y = x * 1.0
    v = y[:2]
    y += 1.0
    return np.sum(v * v)


SHARED = np.array([1.0, 2.0, 3.0])


def update_module_array(x):
    y = SHARED
    y += x
    return np.sum(y)


def write_into_a_view_of_a_view(x):
    y = x * 1.0
    t = y.reshape(3, 1).T  # a view of a view of y
    np.add(t, t, out=t)  # (Python doubles y too: the value was silently y's old one)
    return np.sum(y * y)


@pytest.mark.parametrize("f, message", [
    (update_view, r"`y` is read after a view of it \(`v`\) was changed in place"),
    (write_into_a_view_of_a_view, r"`y` is read after a view of it \(`t`\) was written"),
    (read_view_after_update, "`v` is read after the array it refers to was changed in place"),
    (update_module_array, "in-place update of the module-level `SHARED`"),
])
def test_in_place_updates_that_cannot_be_followed_are_refused_at_their_line(f, message):
    with pytest.raises(TranspileError, match=message) as info:
        grad(f)(np.ones(3))
    assert info.value.loc is not None and info.value.loc.filename == __file__
    np.testing.assert_array_equal(SHARED, [1.0, 2.0, 3.0])


# -- in-place methods and out= -------------------------------------------------------

def fill_copy(x):
    y = x * 1.0  # the optimizer may make y an alias of x: the fill must not reach x
    y.fill(0.5)
    return np.sum(y * x) + np.sum(x * x)


def sort_copy(x):
    y = x + 0.0
    y.sort()
    return y[0] * x[0] + y[2] * np.sum(y)


def sort_argument(x):
    x.sort()  # the caller's array stays as it was
    return x[0] * 2.0 + x[1] * x[2]


def sort_columns(x):
    m = np.outer(x, np.sin(x))
    m.sort(axis=0)
    return np.sum(m[0] * x) + np.sum(m[-1])


def fill_argument(x):
    x.fill(2.0)
    return np.sum(x) * 3.0


def multiply_into_argument(x):
    np.multiply(x, 2.0, out=x)
    return np.sum(x * x)


def clip_into_self(x):
    y = x * 1.0
    y.clip(-0.5, 0.5, out=y)
    return np.sum(y * x)


def add_into_alias(x):
    c = np.zeros(len(x))
    d = c
    np.add(x, x * x, out=c)  # d is c
    return np.sum(d * x)


def copy_into(x):
    y = np.zeros(len(x))
    np.copyto(y, np.tanh(x) * 3.0)
    return np.sum(y * y)


def ellipsis_write(x):
    y = x * 1.0
    y[...] = x * x
    return np.sum(y * x)


def out_result_is_the_array(x):
    y = x * 1.0
    r = np.add(y, 1.0, out=y)
    return np.sum(r * y * x)


@pytest.mark.parametrize("f", [fill_copy, sort_copy, sort_argument, sort_columns, fill_argument,
                               multiply_into_argument, clip_into_self, add_into_alias,
                               copy_into, ellipsis_write, out_result_is_the_array])
def test_in_place_methods_and_out_change_the_array_and_its_aliases(f, rng):
    check(f, rng.normal(size=4))


@pytest.mark.parametrize("f", [fill_copy, multiply_into_argument, copy_into, ellipsis_write])
def test_in_place_methods_forward_and_second_order(f, rng):
    check(f, rng.normal(size=3), second=True)


def resize(x):
    y = x * 1.0
    y.resize(5)
    return np.sum(y)


def put(x):
    y = x * 1.0
    np.put(y, [0], 5.0)
    return np.sum(y)


def list_sort(x):
    ys = [x, 2.0 * x]
    ys.sort()
    return ys[0]


def list_extend(x):
    ys = [x]
    ys.extend([x])
    return ys[0]


@pytest.mark.parametrize("f, message", [(resize, r"`\.resize\(\)`"), (put, "np.put"),
                                        (list_sort, "of a list"), (list_extend, r"\.extend")])
def test_unsupported_in_place_operations_are_refused_at_their_line(f, message):
    with pytest.raises(TranspileError, match=message) as info:
        grad(f)(np.ones(3) if f in (resize, put) else 1.0)
    assert info.value.loc is not None and info.value.loc.filename == __file__


# -- lists and tuples: + and * are concatenation and repetition -------------------------

def repeated(x):
    terms = [x] * 3
    return sum(terms)


def concatenated(x):
    return sum([x] + [2 * x])


def extended_alias(x):
    terms = [x]
    same = terms
    terms += [x * x]  # `same` is the same list
    return sum(same) * 1.0


def appended_then_concatenated(x):
    ys = []
    for i in range(3):
        ys += [x * i]
    ys = ys + [x, x * x]
    return sum(ys)


def tuple_args(x):
    args = (x, 2.0)
    more = args + (np.ones(len(x)),)
    return np.sum(more[0] * more[2] * x) * more[1]


def zeros_then_write(x):
    values = [0.0] * 3
    values[1] = x
    return sum(values) * x


def tuple_repeat(x):
    pair = (x,) * 2
    return np.sum(pair[0] * np.sin(pair[1]))


def array_plus_constant_list(x):
    return np.sum((x + [1.0, 2.0, 3.0]) * [2.0, 1.0, 0.5] * x)


def test_list_and_tuple_operators_are_sequence_operations(rng):
    assert check(repeated, 2.0) == pytest.approx(3.0)
    assert check(concatenated, 2.0) == pytest.approx(3.0)
    assert check(extended_alias, 1.5) == pytest.approx(1.0 + 2 * 1.5)
    check(appended_then_concatenated, 1.5, second=True)
    check(zeros_then_write, 2.0, second=True)
    x = rng.normal(size=3)
    check(tuple_args, x)
    check(tuple_repeat, x, second=True)
    check(array_plus_constant_list, x)


def repeated_unknown(x, n):
    return sum([x] * n)


def plus_unknown(x, ys):
    return sum(ys + [x])


def test_a_repetition_whose_length_is_not_known_is_refused():
    with pytest.raises(TranspileError, match="list or tuple") as info:
        grad(repeated_unknown)(1.0, 3)
    assert info.value.loc.filename == __file__


def test_a_concatenation_with_a_sequence_of_unknown_length_runs_as_python_says():
    # ys + [x]: concatenation when it runs (ys is a list), item by item in the gradient
    assert grad(plus_unknown, wrt=(0, 1))(1.0, [2.0, 5.0]) == (1.0, [1.0, 1.0])
    assert jvp(plus_unknown)(1.0, [2.0], tangents=1.0) == (3.0, 1.0)


# -- constructs that crashed the compiler ------------------------------------------------

def unpack_shape(x):
    m = np.outer(x, x)[None]
    a, b, _ = m.shape
    return np.sum(x) * a * b


def string_methods(x):
    label = "{}-{}".format("a", 3)
    parts = "a,b".split(",")
    return x * len(parts) + len(label)


def test_unpacking_with_an_unused_name_and_methods_of_literals(rng):
    check(unpack_shape, rng.normal(size=3))
    assert check(string_methods, 2.0) == pytest.approx(2.0)


# -- the source that runs ---------------------------------------------------------------

def test_a_file_edited_after_import_is_refused_not_differentiated(tmp_path):
    import os
    from conftest import function_from_source
    f = function_from_source("def scale(x):\n    return 2.0 * x\n", "scale", tmp_path)
    assert grad(f)(1.5) == pytest.approx(2.0)
    path = f.__code__.co_filename
    with open(path) as fh:
        text = fh.read()
    with open(path, "w") as fh:
        fh.write(text.replace("2.0 * x", "7.0 * x"))
    stat = os.stat(path)
    os.utime(path, (stat.st_atime + 5, stat.st_mtime + 5))
    g = function_from_source("def other(x):\n    return x * x\n", "other", tmp_path)
    assert grad(g)(3.0) == pytest.approx(6.0)  # an unchanged function still works
    with pytest.raises(TranspileError, match="not the code that runs"):
        grad(f, wrt=0, optimize=False)(1.5)  # a new transformation reads the file again
    assert f(1.5) == pytest.approx(3.0)  # what runs is still 2.0 * x


# -- loops: nested jumps, endless loops, else clauses, names that outlive a loop -------------

def inner_loop_in_a_branch(x):
    s = x
    for i in range(3):
        if i < 2:
            for j in range(2):
                s = s * np.cos(x * j)
    return s


def break_after_inner_loop(x):
    s = x
    for i in range(4):
        for j in range(2):
            s = s * x
        if s > 3.0:
            break
    return s


def return_from_inner_loop(x):
    s = x
    for i in range(3):
        for j in range(2):
            s = s * x + 0.1
            if s > 2.0:
                return s * 2.0
    return s


def endless_until_return(x):
    s = x
    while True:
        s = s * 1.5 + np.sin(s)
        if s > 10.0:
            return s


def for_else(x):
    s = x
    for i in range(3):
        s = s * x
        if s > 2.0:
            break
    else:
        s = s + 100.0 * x
    return s


def while_else(x):
    s = x
    i = 0
    while i < 3:
        s = s * x
        i += 1
    else:
        s = -s
    return s


def last_value_of_the_loop(x):
    for i in range(3):
        t = x * (i + 1)
        u = np.sin(t)
    return t * u + i


@pytest.mark.parametrize("f, x", [(inner_loop_in_a_branch, 1.1), (break_after_inner_loop, 1.1),
                                  (break_after_inner_loop, 1.3), (return_from_inner_loop, 1.1),
                                  (return_from_inner_loop, 0.5), (endless_until_return, 1.1),
                                  (for_else, 1.1), (for_else, 1.5), (while_else, 1.2),
                                  (last_value_of_the_loop, 0.7)])
def test_loops_with_nested_jumps_else_clauses_and_names_read_after(f, x):
    check(f, x, second=True)


def test_an_internal_error_is_a_located_transpile_error(monkeypatch):
    from transpiler.ad import reverse as reverse_module

    def broken(*args, **kwargs):
        raise KeyError("a bug")
    monkeypatch.setattr(reverse_module.Reverse, "assign", broken)
    with pytest.raises(TranspileError, match="internal error.*KeyError.*a bug") as info:
        grad(for_else, optimize=False)(1.1)
    assert "bug in tapeless" in str(info.value)
    assert info.value.loc.filename == __file__


# -- arrays that calls always make new are not views --------------------------------------

def copy_then_write_row(x):
    m = np.copy(np.outer(x, x))
    m[0] = x
    return np.sum(m * m)


def product_then_write_row(x):
    m = np.outer(x, x) * 2.0
    m[1] = np.sin(x)
    return np.sum(m * m)


def array_then_write(x):
    y = np.array(x)
    y[0] = 1.0
    return np.sum(y * x)


def copy_then_write(x):
    y = np.copy(x)
    y[-1] = 2.0 * x[0]
    return np.sum(y * x)


def method_copy_then_write_row(x):
    m = np.outer(x, x).copy()
    m[0, :] = x * x
    return np.sum(m * m)


@pytest.mark.parametrize("f", [copy_then_write_row, product_then_write_row, array_then_write,
                               copy_then_write, method_copy_then_write_row])
def test_item_writes_into_new_arrays_are_not_refused_as_views(f, rng):
    check(f, rng.normal(size=3), second=True)


def items_of_a_list(x, ws):
    s = ws[0] * x
    total = ws[1]  # a number: `total += ...` rebinds it, ws keeps its items
    for w in ws:
        total += w * np.sin(x)
    return total * s + ws[0]


def test_augmented_assignment_of_an_item_of_a_list_of_numbers():
    check(items_of_a_list, 0.7, [1.5, -0.5, 2.0], second=True)


def update_item_of_a_list(x, rows):
    r = rows[0]
    r += x  # an array in `rows`: NumPy changes rows[0] too
    return np.sum(rows[0]) * x


def test_an_update_that_is_wrong_only_for_an_array_item_raises_at_run_time():
    assert check(update_item_of_a_list, 0.5, [1.5, 2.0]) == pytest.approx(1.5)
    rows = [np.ones(2)]
    with pytest.raises(ValueError, match="through `rows`"):
        grad(update_item_of_a_list)(0.5, rows)
    np.testing.assert_array_equal(rows[0], np.ones(2))


def write_into_a_view_of_a_dead_array(x):
    z = (x * 2.0)[1:]
    z[0] = np.sin(x[0])
    z += x[0]
    return np.sum(z * z)


def test_a_view_changed_in_place_whose_base_is_not_read_again(rng):
    check(write_into_a_view_of_a_dead_array, rng.normal(size=4), second=True)


# -- error quality --------------------------------------------------------------------------

def weighted_count(x):
    s = 0.0
    for i, v in enumerate(x, start=1):
        s = s + v * i
    return s


def test_enumerate_with_start(rng):
    check(weighted_count, rng.normal(size=4), second=True)


def unicode_then_unknown(x):
    label = "é" + "ü"; y = x * 2.0; return y + not_defined_anywhere  # noqa: E702,F821


def test_columns_count_characters_not_bytes():
    with pytest.raises(TranspileError) as info:
        grad(unicode_then_unknown)(1.0)
    line = info.value.loc.line
    assert line[info.value.loc.col:].startswith("not_defined_anywhere")


def test_an_operator_without_a_rule_is_named_as_the_operator():
    from transpiler.frontend.syntax import describe
    import operator
    assert describe(operator.mod, "mod") == ("the `%` operator", "operator.mod")
    assert describe(operator.neg, "neg") == ("the `-` operator", "operator.neg")
    assert describe(np.sin, "np.sin") == ("`np.sin`", "np.sin")


async def coroutine(x):
    return x


class Spring:
    def energy(self, x):
        return x * x


def method_of_a_user_object(x, spring):
    return Spring.energy(spring, x) + spring.energy(x)


def test_async_def_and_user_methods_are_reported_usefully():
    with pytest.raises(TranspileError, match="async def") as info:
        grad(coroutine)(1.0)
    assert info.value.loc is not None and info.value.loc.filename == __file__
    # a user object's methods are differentiated through (see test_dynamic.py)
    assert grad(method_of_a_user_object)(1.5, Spring()) == 6.0


def test_an_error_in_generated_code_is_reported_at_the_users_line():
    from transpiler.errors import Loc, at_user_line
    g = grad(for_else)
    g(1.1)
    code = g.transformed.code
    line, origin = next(iter(code.line_locs.items()))
    error = at_user_line(TranspileError("no rule", Loc(code.filename, line, 0, "")))
    assert error.loc == origin and error.loc.filename == __file__
    assert "generated code" in error.why


def update_a_choice(x):
    a = x * 1.0  # a new array, even where the optimizer would make it x
    b = a if np.sum(x) > 0 else x
    b += 1.0  # changes a, or x, whichever b is
    return np.sum(a * x) + np.sum(x)


def update_in_a_while_loop(x):
    y = x * 1.0
    i = 0
    while i < 3:
        z = y
        z -= 0.1 * z
        i += 1
    return np.sum(y * y)


@pytest.mark.parametrize("sign", [1.0, -1.0])
def test_an_update_through_a_name_that_may_hold_either_array(sign, rng):
    check(update_a_choice, sign * np.abs(rng.normal(size=3)), second=True)
    check(update_in_a_while_loop, rng.normal(size=3), second=True)


def result_of_fill(x):
    y = x * 1.0
    r = y.fill(2.0)  # None, as in NumPy; y is filled
    if r is None:
        return np.sum(y * x)
    return np.sum(x)


def test_the_value_of_an_in_place_method_is_none(rng):
    assert_close(check(result_of_fill, rng.normal(size=3)), np.full(3, 2.0))


def unchanged_in_the_loop(x, u, v):
    for i in range(2):
        if np.mean(u) < np.clip(v, -1.0, 1.0)[1]:
            u = u  # the loop leaves u as it was
            return np.arctan(np.log(1.0 + v * v))[-1] * x
        v = u
    return x


def test_a_name_a_loop_assigns_to_itself(rng):
    u, v = np.array([-1.9, 1e-7, -0.3]), np.array([-0.7, -0.6, 0.2])
    check(unchanged_in_the_loop, 1.0, u, v, wrt=1)
    check(unchanged_in_the_loop, 1.0, u, v, wrt=2)


def numbers_that_may_alias(x, y):
    for i in range(3):
        a = y
        a *= 1.5  # y is a number here (a is rebound), which only the run time knows
        x = a if x > a else x
        x *= y
    return x + y


def test_an_update_that_may_reach_another_name_is_checked_at_run_time():
    check(numbers_that_may_alias, 0.3, 0.7)
    check(numbers_that_may_alias, 0.3, 0.15)  # x > a: x takes a (no tie at 1.5 * y)


def weighted_by_keys(x, d):
    s = 0.0
    for k in d:
        s = s + k * x
    return s


def test_a_loop_over_a_dict_is_refused_not_read_as_a_list():
    # Python iterates a dict's keys; the lowered loop indexes d[0], d[1] (the values)
    with pytest.raises(TypeError, match="loop over a dict"):
        grad(weighted_by_keys)(1.0, {0: 10.0, 1: 20.0})
    assert grad(weighted_by_keys)(1.0, [10.0, 20.0]) == 30.0


def doubles_in_place(p):
    p *= 2.0
    return np.sum(p)


def calls_a_helper_that_changes_its_argument(x):
    y = x * 1.0
    s = doubles_in_place(y)
    return s + np.sum(y)  # Python: y was doubled by the helper


def test_a_helper_that_changes_its_argument_in_place_is_refused_not_answered_wrongly():
    with pytest.raises(TranspileError, match="changes its argument `p` in place") as info:
        grad(calls_a_helper_that_changes_its_argument)(np.ones(3))
    assert "p *= 2.0" in str(info.value)
    with pytest.raises(TranspileError, match="changes its argument `p` in place"):
        jvp(calls_a_helper_that_changes_its_argument)(np.ones(3), tangents=np.ones(3))
    assert_close(grad(doubles_in_place)(np.ones(3)), 2.0 * np.ones(3))  # called directly


# -- calls run as often as Python runs them ------------------------------------------

DRAWS = []


def draw(mu):
    DRAWS.append(mu)
    return mu + 0.1 * len(DRAWS)  # a different value on every call, like a random draw


def two_draws(mu):
    a = draw(mu)
    b = draw(mu)
    return (a - b) ** 2 + a * mu


def test_a_helper_called_twice_with_the_same_argument_runs_twice():
    for transform in (value_and_grad, jvp):
        DRAWS.clear()
        want_value = two_draws(0.5)
        DRAWS.clear()
        value, d = transform(two_draws)(0.5) if transform is value_and_grad else \
            transform(two_draws)(0.5, tangents=1.0)
        assert len(DRAWS) == 2
        assert_close(value, want_value, rtol=1e-12)
        # d/dmu of (a - b)^2 + a mu with a = mu + 0.1, b = mu + 0.2: 2 mu + 0.1
        assert_close(d, 2 * 0.5 + 0.1, rtol=1e-12)


def zipped_once(w):
    total = 0.0
    for a, b in zip([draw(w) * 2.0, w], [w ** 2, draw(w)]):
        total = total + a * b
    return total


def test_zip_evaluates_its_arguments_once():
    DRAWS.clear()
    want = zipped_once(0.3)
    DRAWS.clear()
    value, d = value_and_grad(zipped_once)(0.3)
    assert len(DRAWS) == 2 and value == want
    # (w + 0.1) * 2 * w^2 + w * (w + 0.2): derivative 6 w^2 + 0.4 w + 2 w + 0.2
    assert_close(d, 6 * 0.09 + 0.4 * 0.3 + 0.6 + 0.2, rtol=1e-12)


# -- raise, assert and f-strings run as in Python ----------------------------------

def test_raise_assert_and_f_strings_behave_as_in_python():
    from helpers_module import checked_layer  # (pytest rewrites the asserts of test files)
    W, x = np.arange(6.0).reshape(2, 3) * 0.1, np.ones(3)
    assert_close(grad(checked_layer)(W, x), numeric_grad(checked_layer, (W, x)), rtol=1e-6)
    _, dot = jvp(checked_layer)(W, x, tangents=np.ones_like(W))
    assert_close(dot, np.sum(numeric_grad(checked_layer, (W, x))), rtol=1e-6)
    for transform in (grad(checked_layer), hessian(checked_layer),
                      lambda *a: jvp(checked_layer)(*a, tangents=np.ones_like(a[0]))):
        with pytest.raises(ValueError, match=r"got shape \(3,\) \(1 dims\)"):
            transform(np.ones(3), x)
        with pytest.raises(AssertionError, match="x has 2 rows, W 3 columns"):
            transform(W, np.ones(2))


# -- an array a loop keeps in a list, then changes in place on the next pass ----------

def euler_trajectory(y0, k):
    y = y0.copy()
    traj = []
    for i in range(3):
        y += -0.1 * k * y  # (Python: every item of traj is this one array)
        traj.append(y)
    return np.sum(traj[0])


def euler_trajectory_copied(y0, k):
    y = y0.copy()
    traj = []
    for i in range(3):
        y += -0.1 * k * y
        traj.append(y.copy())
    return np.sum(traj[0]) + np.sum(traj[-1] ** 2)


def states_by_step(x):
    acc = x * 0.0
    history = {}
    for i in range(3):
        acc += x * i
        history[i] = acc
    return np.sum(history[0])


def running_total(x):
    total = x * 0.0
    for i in range(4):
        total += np.sin(x) * i
    return np.sum(total * x)


@pytest.mark.parametrize("f", [euler_trajectory, states_by_step])
def test_a_list_or_dict_keeping_the_array_of_earlier_passes_is_refused(f):
    args = (np.array([0.3, 0.9, -0.4]), 0.7)[:f.__code__.co_argcount]
    with pytest.raises(TranspileError, match="changed in place") as info:
        grad(f)(*args)
    assert info.value.loc is not None and info.value.loc.filename == __file__


def test_copies_kept_by_a_loop_and_a_plain_running_total_are_differentiated():
    y0 = np.array([0.3, 0.9, -0.4])
    assert_close(grad(euler_trajectory_copied, wrt=(0, 1))(y0, 0.7),
                 numeric_grad(euler_trajectory_copied, (y0, 0.7), wrt=(0, 1)), rtol=1e-5)
    assert_close(grad(running_total)(y0), numeric_grad(running_total, (y0,)), rtol=1e-5)


def sum_of_squares_over_flat(X):
    return sum(v ** 2 for v in X.flat) + X.flat[2] * X.flat[0]


def test_flat_carries_gradients():
    X = np.array([[0.3, 0.9], [-0.4, 1.2]])
    assert_close(grad(sum_of_squares_over_flat)(X), numeric_grad(sum_of_squares_over_flat, (X,)))


def bump_first_of_pair(x):
    t = (x * 1.0, 2.0)
    t[0] += 1.0
    return np.sum(t[0])


def test_an_item_write_into_a_tuple_is_pythons_type_error():
    with pytest.raises(TypeError, match="does not support item assignment"):
        bump_first_of_pair(np.ones(2))
    with pytest.raises(TypeError, match="does not support item assignment"):
        grad(bump_first_of_pair)(np.ones(2))
