"""Dicts, tuples and lists of arrays: as arguments (gradients come back in the
same structure), built inside the function, indexed and summed."""
import autograd
import autograd.numpy as anp
import numpy as np

from transpiler import grad

from conftest import assert_close, check_against_fd
from runtime.numeric import numeric_grad


def mlp(params, x):
    W1, b1 = params["layer1"]
    W2 = params["W2"]
    h = np.tanh(x @ W1 + b1)
    return np.sum((h @ W2) ** 2)


def test_nested_dict_and_tuple_parameters_give_gradients_of_the_same_structure(rng):
    params = {"layer1": (rng.normal(size=(3, 4)), rng.normal(size=4)),
              "W2": rng.normal(size=(4, 2))}
    x = rng.normal(size=(5, 3))
    g = grad(mlp, wrt="params")(params, x)
    assert set(g) == {"layer1", "W2"} and isinstance(g["layer1"], tuple)

    def ref(params, x):
        W1, b1 = params["layer1"]
        h = anp.tanh(anp.dot(x, W1) + b1)
        return anp.sum(anp.dot(h, params["W2"]) ** 2)
    want = autograd.grad(ref)(params, x)
    assert_close(g["layer1"], want["layer1"], rtol=1e-12)
    assert_close(g["W2"], want["W2"], rtol=1e-12)


def unused_entry(params, x):
    return np.sum(params["w"] * x)


def test_unused_entries_get_zero_gradients():
    params = {"w": np.ones(2), "unused": np.ones(3)}
    g = grad(unused_entry)(params, np.array([2.0, 3.0]))
    assert_close(g["w"], np.array([2.0, 3.0]))
    assert_close(g["unused"], np.zeros(3))


def list_of_powers(x, n):
    terms = []
    for k in range(n):
        terms.append(x ** k / (k + 1))
    squares = [t * t for t in terms if t > 0.0]
    return sum(terms) + sum(squares) + terms[-1] * terms[1]


def test_lists_from_append_and_comprehensions_consumed_by_sum_and_indexing():
    for x in (0.6, 1.7):
        check_against_fd(grad(list_of_powers), list_of_powers, (x, 5), 0)


def tuple_arg(pair, scale):
    a, b = pair
    return a * b * scale + a


def test_tuple_argument():
    g = grad(tuple_arg, wrt=(0, 1))((2.0, 3.0), 0.5)
    assert g == ((3.0 * 0.5 + 1.0, 2.0 * 0.5), 6.0)


def comprehension_scope(x):
    k = 10.0
    ys = [k * x for k in range(3)]
    return sum(ys) + k * x


def test_comprehension_variables_do_not_leak():
    assert grad(comprehension_scope)(1.0) == 0.0 + 1.0 + 2.0 + 10.0


def list_of_arrays(xs):
    total = 0.0
    for i in range(len(xs)):
        total = total + np.sum(np.sin(xs[i]) * (i + 1))
    return total


def test_list_of_arrays_argument(rng):
    xs = [rng.normal(size=3), rng.normal(size=(2, 2))]
    g = grad(list_of_arrays)(xs)
    assert isinstance(g, list) and len(g) == 2
    assert_close(g[0], np.cos(xs[0]) * 1)
    assert_close(g[1], np.cos(xs[1]) * 2)


def indexing(x):
    return x[0] * x[2] + np.sum(x[1:] ** 2) + x[-1]


def test_array_item_reads_accumulate(rng):
    x = rng.normal(size=4)
    check_against_fd(grad(indexing), indexing, (x,), 0)


def dict_loss(params, x):
    return np.sum(np.tanh(x @ params["w"] + params["b"]) ** 2)


def packs_a_dict(w, b, x):
    params = {"w": w, "b": b}
    return dict_loss(params, x)


def squares_and_cubes(x):
    return {"sq": x ** 2, "cube": x ** 3, 1: 2.0}


def uses_returned_dict(x):
    d = squares_and_cubes(x)
    return np.sum(d["sq"] * d["cube"] * d[1])


def test_dict_displays_built_passed_and_returned(rng):
    from transpiler import check_grad, hessian, jvp
    w, b, x = rng.normal(size=(3, 2)), rng.normal(size=2), rng.normal(size=(4, 3))
    report = check_grad(packs_a_dict, w, b, x, wrt=(0, 1))
    assert report.passed, str(report)
    want = autograd.grad(lambda w, b: anp.sum(anp.tanh(x @ w + b) ** 2), (0, 1))(w, b)
    assert_close(grad(packs_a_dict, wrt=(0, 1))(w, b, x), tuple(want))
    assert '{"w": w, "b": b}' in grad(packs_a_dict, wrt=(0, 1)).source.replace("'", '"')
    v = rng.normal(size=3)
    report = check_grad(uses_returned_dict, v)
    assert report.passed, str(report)
    assert_close(grad(uses_returned_dict)(v), 10 * v ** 4)
    _, t = jvp(uses_returned_dict)(v, tangents=np.ones(3))
    assert np.isclose(t, np.sum(10 * v ** 4))
    assert_close(hessian(uses_returned_dict)(v), np.diag(40 * v ** 3))


# -- one list appended to on either side of an if -----------------------------------

def signed_parts(x):
    out = []
    if x > 0:
        out.append(x * x)
    else:
        out.append(-x)
    return out[0]


def alternating_terms(x, n):
    terms = []
    for i in range(n):
        if i % 2 == 0:
            terms.append(x * i)
        else:
            terms.append(np.sin(x) + i)
    return sum(terms)


def test_appends_on_both_sides_of_an_if():
    for x in (1.3, -0.7):
        assert_close(grad(signed_parts)(x), numeric_grad(signed_parts, (x,)), rtol=1e-6)
    assert_close(grad(alternating_terms)(0.4, 5), numeric_grad(alternating_terms, (0.4, 5)),
                 rtol=1e-6)
