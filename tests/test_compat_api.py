"""JAX's and autograd's idioms in tapeless: one test per row of the table in
docs/jax-and-autograd.md. The oracles are HIPS autograd (run on the same
model, written over autograd.numpy), central differences, and the semantics
JAX documents (what it returns, in which structure)."""
import autograd
import autograd.numpy as anp
import numpy as np
import pytest
from autograd.misc import flatten as ag_flatten
from autograd.test_util import check_grads as autograd_check
from autograd.misc.optimizers import adam as ag_adam

import transpiler
import transpiler.autograd as ta
from runtime import optim
from runtime.containers import flatten, flatten_func
from runtime.numeric import numeric_grad
from transpiler import (grad, hessian, jacfwd, jacobian, jacrev, jvp, linearize,
                        value_and_grad, vjp)

from conftest import assert_close

X = np.array([0.3, -1.2, 0.7])
Y = np.array([1.5, 0.4, -0.9])


def model(np):
    """The same functions over numpy (for tapeless) or autograd.numpy (the oracle)."""
    def loss_and_residual(w, x):
        residual = np.tanh(x * w) - 0.5
        return np.sum(residual ** 2), residual

    def energy(x, y):
        return np.sum(np.sin(x) * y ** 2) + np.sum(x * x * y)

    def field(x, y):
        return np.sin(x) * y ** 2

    def softplus(x):
        return np.log(1.0 + np.exp(x))

    return loss_and_residual, energy, field, softplus


loss_and_residual, energy, field, softplus = model(np)
a_loss_and_residual, a_energy, a_field, a_softplus = model(anp)


# -- has_aux --------------------------------------------------------------------------

def test_grad_has_aux_returns_the_gradient_and_aux():
    g, residual = grad(loss_and_residual, has_aux=True)(X, Y)
    expected, a_residual = autograd.grad_and_aux(a_loss_and_residual)(X, Y)
    assert_close(g, expected)
    assert_close(residual, a_residual)


def test_value_and_grad_has_aux_nests_value_and_aux():
    (value, residual), g = value_and_grad(loss_and_residual, argnums=1, has_aux=True)(X, Y)
    assert_close(value, a_loss_and_residual(X, Y)[0])
    assert_close(residual, np.tanh(X * Y) - 0.5)
    assert_close(g, numeric_grad(lambda w, x: loss_and_residual(w, x)[0], (X, Y), 1))


def test_has_aux_passes_any_aux_through_untouched():
    def loss(w):
        err = w - 1.0
        return np.sum(err ** 2), {"err": err, "label": "fit", "steps": 3}
    g, aux = grad(loss, has_aux=True)(np.array([3.0, 0.0]))
    assert_close(g, np.array([4.0, -2.0]))
    assert aux["label"] == "fit" and aux["steps"] == 3
    assert_close(aux["err"], np.array([2.0, -1.0]))


def test_a_tuple_output_without_has_aux_is_a_type_error_naming_it():
    with pytest.raises(TypeError, match="has_aux=True"):
        grad(loss_and_residual)(X, Y)


def test_has_aux_with_an_output_that_is_not_a_pair_is_a_type_error():
    with pytest.raises(TypeError, match="has_aux=True needs .* pair .* tuple of 3"):
        grad(lambda x: (x * x, 1, 2), has_aux=True)(2.0)
    with pytest.raises(TypeError, match="has_aux=True needs .* pair"):
        grad(lambda x: x * x, has_aux=True)(2.0)


def test_jvp_and_vjp_has_aux_put_aux_last():
    out, tangent, residual = jvp(loss_and_residual, (X, Y), (np.ones(3), np.zeros(3)),
                                 has_aux=True)
    assert_close(tangent, np.sum(autograd.grad(lambda w: a_loss_and_residual(w, Y)[0])(X)))
    assert_close(residual, np.tanh(X * Y) - 0.5)
    out, pullback, residual = vjp(loss_and_residual, X, Y, has_aux=True)
    gw, gx = pullback(2.0)
    assert_close(gw, 2.0 * autograd.grad(lambda w: a_loss_and_residual(w, Y)[0])(X))
    assert_close(gx, 2.0 * autograd.grad(lambda x: a_loss_and_residual(X, x)[0])(Y))


def test_jacobian_has_aux():
    def with_aux(x):
        return np.sin(x) * x, x.sum()
    jac, aux = jacobian(with_aux, has_aux=True)(X)
    assert_close(jac, autograd.jacobian(lambda x: anp.sin(x) * x)(X))
    assert aux == X.sum()
    jac, aux = jacfwd(with_aux, has_aux=True)(X)
    assert_close(jac, np.diag(np.cos(X) * X + np.sin(X)))


def test_grad_has_aux_of_a_bound_method():
    class Fit:
        scale = 2.0

        def loss(self, w):
            return self.scale * np.sum(w ** 2), "aux"
    g, aux = grad(Fit().loss, has_aux=True)(X)
    assert_close(g, 4.0 * X)
    assert aux == "aux"


# -- JAX's call forms -------------------------------------------------------------------

def test_jax_jvp_form_matches_the_curried_one():
    t = (np.ones(3), np.array([0.0, 1.0, 0.0]))
    out, tangent = jvp(field, (X, Y), t)
    curried = jvp(field, wrt=(0, 1))(X, Y, tangents=t)
    assert_close(out, curried[0])
    assert_close(tangent, curried[1])
    j = autograd.jacobian(a_field, 0)(X, Y) @ t[0] + autograd.jacobian(a_field, 1)(X, Y) @ t[1]
    assert_close(tangent, j)


def test_jax_jvp_checks_its_arguments():
    with pytest.raises(TypeError, match="primals must be a tuple"):
        jvp(field, X, Y)
    with pytest.raises(TypeError, match="2 primals but 1 tangents"):
        jvp(field, (X, Y), (X,))


def test_jax_vjp_form_returns_a_tuple_of_cotangents():
    out, vjp_fn = vjp(field, X, Y)
    assert_close(out, field(X, Y))
    ct = np.array([1.0, -2.0, 0.5])
    gx, gy = vjp_fn(ct)
    assert_close(gx, ct @ autograd.jacobian(a_field, 0)(X, Y))
    assert_close(gy, ct @ autograd.jacobian(a_field, 1)(X, Y))
    out, vjp_fn = vjp(softplus, X)
    (g,) = vjp_fn(np.ones(3))  # one primal: a tuple of one, as JAX
    assert_close(g, autograd.elementwise_grad(a_softplus)(X))


def test_curried_vjp_keeps_working_beside_the_jax_form():
    value, pullback = vjp(field, 1)(X, Y)  # an int after f: our wrt
    assert_close(pullback(np.ones(3)), 2 * np.sin(X) * Y)
    value, pullback = vjp(field, "y")(X, Y)
    assert_close(pullback(np.ones(3)), 2 * np.sin(X) * Y)
    value, pullback = vjp(field, 1.5, 2.0)  # floats: primals
    assert_close(pullback(1.0), (np.cos(1.5) * 4.0, 4.0 * np.sin(1.5)))


def test_linearize():
    out, f_jvp = linearize(field, X, Y)
    assert_close(out, field(X, Y))
    t = (np.ones(3), np.zeros(3))
    assert_close(f_jvp(*t), jvp(field, (X, Y), t)[1])
    with pytest.raises(TypeError, match="takes 2 tangents"):
        f_jvp(np.ones(3))


def test_argnums_is_a_synonym_of_wrt():
    assert_close(grad(energy, argnums=1)(X, Y), autograd.grad(a_energy, 1)(X, Y))
    assert_close(grad(energy, argnums=(0, 1))(X, Y), autograd.grad(a_energy, (0, 1))(X, Y))
    assert_close(jacobian(field, argnums=1)(X, Y), autograd.jacobian(a_field, 1)(X, Y))
    assert_close(hessian(energy, argnums=1)(X, Y), autograd.hessian(a_energy, 1)(X, Y))
    with pytest.raises(TypeError, match="not both"):
        grad(energy, wrt=1, argnums=0)


def test_jacfwd_and_jacrev_agree_with_autograd():
    expected = autograd.jacobian(a_field, 0)(X, Y)
    assert_close(jacfwd(field)(X, Y), expected)
    assert_close(jacrev(field)(X, Y), expected)
    assert_close(jacrev(field, argnums=1)(X, Y), autograd.jacobian(a_field, 1)(X, Y))


def test_jacobian_with_a_tuple_wrt_is_a_tuple_of_jacobians():
    jx, jy = jacobian(field, (0, 1))(X, Y)
    assert_close(jx, autograd.jacobian(a_field, 0)(X, Y))
    assert_close(jy, autograd.jacobian(a_field, 1)(X, Y))
    (only,) = jacrev(field, argnums=(1,))(X, Y)
    assert_close(only, jy)


def test_hessian_with_a_tuple_wrt_is_jax_nested_blocks():
    blocks = hessian(energy, argnums=(0, 1))(X, Y)
    for i in range(2):
        for j in range(2):
            expected = autograd.jacobian(autograd.grad(a_energy, i), j)(X, Y)
            assert_close(blocks[i][j], expected)
    x, y = 0.7, 2.0  # scalars: blocks of numbers
    blocks = hessian(lambda a, b: a ** 3 * b, (0, 1))(x, y)
    assert_close(np.array(blocks, dtype=float), np.array([[6 * x * y, 3 * x ** 2], [3 * x ** 2, 0.0]]))


def test_transforms_of_the_new_forms_compose():
    # the Jacobian of a gradient taken with argnums, and a tuple-wrt jacobian of a gradient
    assert_close(jacobian(grad(energy, argnums=1), argnums=0)(X, Y),
                 autograd.jacobian(autograd.grad(a_energy, 1), 0)(X, Y))
    assert_close(jacfwd(jacrev(energy))(X, Y), autograd.hessian(a_energy)(X, Y))
    # has_aux gradients inside differentiated code
    g_aux = grad(loss_and_residual, has_aux=True)

    def uses(w):
        g, residual = g_aux(w, Y)
        return np.sum(g * residual)
    t = np.array([1.0, -0.5, 2.0])
    numeric = numeric_grad(uses, (X,))
    assert_close(jvp(uses)(X, tangents=t)[1], numeric @ t, rtol=1e-5)
    assert_close(grad(uses)(X), numeric, rtol=1e-5)  # aux's cotangent flows back too


def test_grad_holomorphic():
    z = np.array([0.5 + 1.0j, -0.3 + 0.2j])
    assert_close(grad(lambda z: np.sum(np.exp(z) * z), holomorphic=True)(z),
                 np.exp(z) * (1 + z))
    assert_close(ta.holomorphic_grad(lambda z: z ** 3)(1.0 + 2.0j), 3 * (1.0 + 2.0j) ** 2)
    assert_close(ta.holomorphic_grad(lambda z: z ** 3)(1.0 + 2.0j),
                 autograd.holomorphic_grad(lambda z: z ** 3)(1.0 + 2.0j))


# -- autograd's names ---------------------------------------------------------------------

@pytest.mark.parametrize("name", ["grad", "value_and_grad", "jacobian", "hessian",
                                  "elementwise_grad", "deriv"])
def test_autograd_operators_by_argnum(name):
    ours, theirs = getattr(ta, name), getattr(autograd, name)
    if name in ("grad", "value_and_grad", "hessian"):
        f, af = energy, a_energy
    else:
        f, af = field, a_field
    for argnum in (0, 1):
        assert_close(ours(f, argnum)(X, Y), theirs(af, argnum)(X, Y))


def test_elementwise_grad_nests():
    second = ta.elementwise_grad(ta.elementwise_grad(np.tanh))(X)
    expected = autograd.elementwise_grad(autograd.elementwise_grad(anp.tanh))(X)
    assert_close(second, expected)


def test_make_vjp_make_jvp_make_hvp():
    pullback, value = ta.make_vjp(field, 1)(X, Y)
    a_pullback, a_value = autograd.make_vjp(a_field, 1)(X, Y)
    ct = np.array([0.5, 1.0, -1.0])
    assert_close(value, a_value)
    assert_close(pullback(ct), a_pullback(ct))
    assert_close(ta.make_jvp(field)(X, Y)(ct), autograd.make_jvp(a_field)(X, Y)(ct))
    hvp, g = ta.make_hvp(energy)(X, Y)
    a_hvp, a_g = autograd.make_hvp(a_energy)(X, Y)
    assert_close(g, a_g)
    assert_close(hvp(ct), a_hvp(ct))


def test_hessian_vector_and_vector_jacobian_products():
    v = np.array([1.0, 0.0, -2.0])
    assert_close(ta.hessian_vector_product(energy, 1)(X, Y, v),
                 autograd.hessian_vector_product(a_energy, 1)(X, Y, v))
    assert_close(ta.vector_jacobian_product(field)(X, Y, v),
                 autograd.vector_jacobian_product(a_field)(X, Y, v))


def test_grad_and_aux_and_grad_named():
    g, aux = ta.grad_and_aux(loss_and_residual)(X, Y)
    a_g, a_aux = autograd.grad_and_aux(a_loss_and_residual)(X, Y)
    assert_close(g, a_g)
    assert_close(aux, a_aux)
    assert_close(ta.grad_named(energy, "y")(X, Y), autograd.grad_named(a_energy, "y")(X, Y))


def test_multigrad_dict_takes_every_parameter_by_name():
    def spring(x, k=2.0):
        return 0.5 * k * np.sum(x ** 2)
    grads = ta.multigrad_dict(spring)(X)
    assert list(grads) == ["x", "k"]
    assert_close(grads["x"], 2.0 * X)
    assert_close(grads["k"], 0.5 * np.sum(X ** 2))
    assert_close(ta.multigrad_dict(spring)(X, k=3.0)["x"], 3.0 * X)


# -- check_grads --------------------------------------------------------------------------

def test_check_grads_passes_on_right_derivatives_in_both_modes():
    ta.check_grads(energy, modes=["fwd", "rev"], order=2)(X, Y)
    ta.check_grads(energy, argnum=(0, 1))(X, Y)
    ta.check_grads(softplus, modes=["fwd"], order=4)(X)
    autograd_check(a_energy, modes=["fwd", "rev"], order=2)(X, Y)


def test_check_grads_catches_a_wrong_rule():
    def my_softplus(x):
        return np.log(1.0 + np.exp(x))

    @transpiler.rule(my_softplus)
    def wrong(g, ans, x):
        return g * np.exp(x)  # (the right one divides by 1 + exp(x))

    with pytest.raises(AssertionError, match="reverse-mode"):
        ta.check_grads(lambda x: np.sum(my_softplus(x)), modes=["rev"], order=1)(X)


def test_check_grads_catches_a_wrong_second_derivative():
    def cube(x):
        return x ** 3

    @transpiler.tangent(cube, "x")
    def cube_tangent(dx, ans, x):
        return dx * 3 * x ** 2

    @transpiler.rule(cube)
    def cube_vjp(g, ans, x):
        return g * 3 * x * np.abs(x)  # right first derivative for x > 0 only

    positive = np.array([0.5, 1.5])
    def f(x):
        return np.sum(cube(x))
    ta.check_grads(f, modes=["rev"], order=1)(positive)
    with pytest.raises(AssertionError, match="reverse-mode .* of f"):
        ta.check_grads(f, modes=["rev"], order=1)(-positive)


# -- flatten, flatten_func, functional optimizers ---------------------------------------------

PARAMS = {"W": np.array([[1.0, -2.0], [0.5, 3.0]]), "b": (np.array([0.1, 0.2]), 4.0)}


def test_flatten_orders_like_autograd_and_round_trips():
    vector, unflatten = flatten(PARAMS)
    a_vector, _ = ag_flatten(PARAMS)
    assert_close(vector, a_vector)
    back = unflatten(vector)
    assert_close(back["W"], PARAMS["W"])
    assert_close(back["b"][0], PARAMS["b"][0])
    assert back["b"][1] == 4.0 and isinstance(back["b"][1], float)


def mlp_loss(params, x):
    hidden = np.tanh(params["W"] @ x + params["b"][0])
    return np.sum(hidden ** 2) * params["b"][1]


def test_grad_through_flatten_func():
    flat_loss, unflatten, flat_params = flatten_func(mlp_loss, PARAMS)
    x = np.array([0.3, -0.7])
    g = grad(flat_loss)(flat_params, x)
    assert flat_loss(flat_params, x).shape == (1,)  # raveled, as autograd's
    assert_close(g, numeric_grad(lambda v, x: flat_loss(v, x)[0], (flat_params, x)))
    assert_close(unflatten(g)["W"], grad(mlp_loss)(PARAMS, x)["W"])
    assert hessian(flat_loss)(flat_params, x).shape == (7, 7)
    assert_close(hessian(flat_loss)(flat_params, x),
                 autograd.hessian(lambda v: numeric_flat(v, x))(flat_params), rtol=1e-6)


def numeric_flat(v, x):
    W = anp.reshape(v[0:4], (2, 2))  # keys sorted: "W" before "b"
    hidden = anp.tanh(anp.dot(W, x) + v[4:6])
    return anp.sum(hidden ** 2) * v[6]


@pytest.mark.parametrize("name", ["sgd", "rmsprop", "adam"])
def test_functional_optimizers_follow_autograd_step_by_step(name):
    ours, theirs = getattr(optim, name), getattr(autograd.misc.optimizers, name)
    x = np.array([0.3, -0.7])
    loss_grad = grad(mlp_loss)
    seen = []
    result = ours(lambda p, i: loss_grad(p, x), PARAMS, num_iters=25, step_size=0.01,
                  callback=lambda p, i, g: seen.append(i))
    expected = theirs(lambda p, i: loss_grad(p, x), PARAMS, num_iters=25, step_size=0.01)
    assert seen == list(range(25))
    assert_close(flatten(result)[0], ag_flatten(expected)[0])
    assert_close(ag_adam(lambda p, i: loss_grad(p, x), PARAMS, num_iters=3)["W"],
                 ta.adam(lambda p, i: loss_grad(p, x), PARAMS, num_iters=3)["W"])


# -- what docs/supported-python.md says of wrong arguments ------------------------------

@pytest.mark.parametrize("call", [
    lambda: grad(energy)(X),
    lambda: jvp(energy)(X, tangents=X),
    lambda: jacobian(energy)(X),
    lambda: vjp(energy)(X, Y, X),
    lambda: transpiler.hvp(energy)(X, Y, v=X, z=2.0),
])
def test_wrong_arguments_are_a_type_error_naming_the_function(call):
    with pytest.raises(TypeError, match=r"^(model\.<locals>\.)?energy\(\) (missing a required argument: 'y'|"
                                        r"too many positional arguments|"
                                        r"got an unexpected keyword argument 'z')"):
        call()


def test_doctests_of_the_new_modules():
    import doctest

    import runtime.containers
    import transpiler.compat
    for module in (transpiler.compat, ta, runtime.containers):
        assert doctest.testmod(module).failed == 0, module.__name__


def test_wrt_by_names_and_the_hessian_vector_products():
    assert_close(grad(energy, wrt=("x", "y"))(X, Y), autograd.grad(a_energy, (0, 1))(X, Y))
    v = np.array([0.5, -1.0, 2.0])
    expected = autograd.hessian_vector_product(a_energy)(X, Y, v)
    assert_close(transpiler.hvp(energy)(X, Y, v=v), expected)
    assert_close(jvp(grad(energy))(X, Y, tangents=v)[1], expected)


def test_reverse_mode_check_grads_to_order_three():
    # reverse over reverse over reverse, each order against central differences
    ta.check_grads(energy, modes=["rev"], order=3)(X, Y)


def test_jacobian_of_a_tuple_output_is_a_type_error_that_says_what_to_do():
    with pytest.raises(TypeError, match="returned a tuple of 2 items; take the jacobian of each"):
        jacobian(loss_and_residual)(X, Y)
    assert_close(jacobian(lambda x: field(x, Y))(X), autograd.jacobian(a_field)(X, Y))


def test_vjp_of_structured_outputs_takes_a_cotangent_of_their_structure():
    def stats(x):
        return {"mean": np.mean(x), "sq": x ** 2}, np.sum(x)
    value, pullback = vjp(stats, X)
    (g,) = pullback(({"mean": 1.0, "sq": np.ones(3)}, 2.0))
    assert_close(g, 1.0 / 3 + 2 * X + 2.0)
    with pytest.raises(ValueError, match="structure and shape"):
        pullback(({"mean": 1.0}, 2.0))
    with pytest.raises(ValueError, match="structure and shape"):
        pullback(1.0)


def test_has_aux_with_a_tuple_of_one_wrt_and_a_complex_output():
    g, residual = grad(loss_and_residual, wrt=(0,), has_aux=True)(X, Y)
    assert isinstance(g, tuple) and len(g) == 1
    assert_close(g[0], autograd.grad_and_aux(a_loss_and_residual)(X, Y)[0])
    with pytest.raises(TypeError, match="complex"):
        grad(lambda z: (z * z, 0.0), has_aux=True)(1.0 + 1.0j)


def test_every_row_of_the_comparison_table_names_tests_that_exist():
    import os
    import re
    page = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "docs",
                        "jax-and-autograd.md")
    with open(page) as fh:
        rows = [line for line in fh if line.startswith("| ") and line.count(" | ") >= 4
                and "---" not in line and not line.startswith("| what |")]
    assert len(rows) >= 15
    for row in rows:
        named = re.findall(r"`(test_\w+)`", row.rsplit(" | ", 1)[1])
        assert named, row
        for name in named:
            assert callable(globals().get(name)), f"{name} (named in the table) is not a test"


# -- Jacobians and Hessians with respect to structured arguments (JAX's pytrees) --------

LAYER = {"w": np.array([1.0, 2.0]), "b": (0.5, np.array(3.0))}


def layer_out(p, x, scale=2.0):
    return scale * (np.tanh(x * p["w"]) + p["b"][0] * p["b"][1])


def layer_energy(p):
    return np.sum(p["w"] ** 2) * p["b"][0] + np.sin(p["b"][1]) * p["w"][0]


@pytest.mark.parametrize("mode", [None, "forward", "reverse"])
def test_jacobian_with_respect_to_a_dict_is_a_dict_of_jacobians(mode):
    x = np.array([0.3, -0.2])
    jac = jacobian(layer_out, mode=mode)(LAYER, x)
    vector, unflatten = flatten(LAYER)
    expected = np.stack([numeric_grad(lambda v: layer_out(unflatten(v), x)[k], (vector,))
                         for k in range(2)])  # central differences, one output at a time
    assert set(jac) == {"w", "b"}
    assert_close(jac["w"], expected[:, 2:4])  # keys sorted: "b" (3 numbers) before "w"
    assert_close(jac["b"][0], expected[:, 0])
    assert_close(jac["b"][1], expected[:, 1])
    assert jac["w"].shape == (2, 2) and jac["b"][1].shape == (2,)


def test_hessian_with_respect_to_a_dict_is_nested_blocks():
    hess = hessian(layer_energy)(LAYER)
    vector, unflatten = flatten(LAYER)
    full = np.stack([numeric_grad(lambda v: grad(layer_energy)(unflatten(v))["w"][i], (vector,))
                     for i in range(2)])  # rows: d(grad w_i)/d(all numbers)
    assert_close(hess["w"]["w"], full[:, 2:4], rtol=1e-5)
    assert_close(hess["w"]["b"][0], full[:, 0], rtol=1e-5)
    assert hess["b"][1]["w"].shape == (2,) and hess["b"][0]["b"][1].shape == ()


def test_a_structured_jacobian_inside_differentiated_code_is_a_clear_error():
    x = np.array([0.3, -0.2])
    with pytest.raises(TypeError, match="leaf by leaf only when called directly"):
        jacobian(jacobian(layer_out))(LAYER, x)
