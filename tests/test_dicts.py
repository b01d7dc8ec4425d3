"""Dicts of parameters the way people write them: `.items()`, `.values()`,
`.get()`, dict comprehensions, and entries written into a new dict.
Oracles: HIPS autograd, finite differences, and forward against reverse."""
import autograd
import autograd.numpy as anp
import numpy as np
import pytest

from transpiler import TranspileError, grad, hessian, jvp

from conftest import assert_close


def _params(rng):
    return {"W": rng.normal(size=(3, 2)), "b": rng.normal(size=2)}


def l2_penalty(params, lam):
    return lam * sum(np.sum(v ** 2) for v in params.values())


def predict(params, X):
    return np.tanh(X @ params["W"] + params["b"])


def ridge_loss(params, X, y, lam):
    resid = predict(params, X) - y
    return np.mean(resid ** 2) + l2_penalty(params, lam)


def sgd_step(params, grads, lr):
    return {k: params[k] - lr * grads[k] for k in list(params)}


def unrolled(params, X, y, lr):
    """Two steps of gradient descent, then the loss: a gradient of a gradient."""
    for _ in range(2):
        grads = grad(ridge_loss)(params, X, y, 0.1)
        params = sgd_step(params, grads, lr)
    return ridge_loss(params, X, y, 0.1)


def ag_ridge_loss(params, X, y, lam):
    resid = anp.tanh(anp.dot(X, params["W"]) + params["b"]) - y
    return anp.mean(resid ** 2) + lam * sum(anp.sum(v ** 2) for v in params.values())


def ag_unrolled(params, X, y, lr):
    for _ in range(2):
        grads = autograd.grad(ag_ridge_loss)(params, X, y, 0.1)
        params = {k: params[k] - lr * grads[k] for k in list(params)}
    return ag_ridge_loss(params, X, y, 0.1)


@pytest.fixture
def data(rng):
    return _params(rng), rng.normal(size=(5, 3)), rng.normal(size=(5, 2))


def test_values_and_items_of_a_parameter_dict_agree_with_autograd(data):
    params, X, y = data

    def by_items(params, X, y):
        total = 0.0
        for name, value in params.items():
            total = total + np.sum(value ** 2) * (2.0 if name == "W" else 1.0)
        return total + ridge_loss(params, X, y, 0.0)

    def ag_by_items(params, X, y):
        total = 0.0
        for name, value in params.items():
            total = total + anp.sum(value ** 2) * (2.0 if name == "W" else 1.0)
        return total + ag_ridge_loss(params, X, y, 0.0)

    for f, ref in ((by_items, ag_by_items),
                   (lambda p, X, y: ridge_loss(p, X, y, 0.3),
                    lambda p, X, y: ag_ridge_loss(p, X, y, 0.3))):
        got = grad(f)(params, X, y)
        want = autograd.grad(ref)(params, X, y)
        assert set(got) == {"W", "b"}
        assert_close(got["W"], want["W"], rtol=1e-10)
        assert_close(got["b"], want["b"], rtol=1e-10)


def test_dict_comprehension_update_and_a_gradient_through_training(data):
    params, X, y = data
    got = grad(unrolled, wrt=(0, 3))(params, X, y, 0.05)
    want_p = autograd.grad(ag_unrolled, 0)(params, X, y, 0.05)
    want_lr = autograd.grad(ag_unrolled, 3)(params, X, y, 0.05)
    assert_close(got[0]["W"], want_p["W"], rtol=1e-9)
    assert_close(got[0]["b"], want_p["b"], rtol=1e-9)
    assert_close(got[1], want_lr, rtol=1e-9)


def test_keys_values_get_and_copy(rng):
    def f(params, default):
        scaled = params.copy()
        keys = params.keys()
        bias = params.get("bias", default) + params.get("missing", default)
        return sum(np.sum(scaled[k] * scaled[k]) for k in keys) + np.sum(bias ** 3)

    def ref(params, default):
        bias = params.get("bias", default) + default
        return sum(anp.sum(params[k] * params[k]) for k in params) + anp.sum(bias ** 3)

    params = {"w": rng.normal(size=3), "bias": rng.normal(size=3)}
    default = rng.normal(size=3)
    got = grad(f, wrt=(0, 1))(params, default)
    want = autograd.grad(ref, (0, 1))(params, default)
    assert_close(got[0]["w"], want[0]["w"], rtol=1e-10)
    assert_close(got[0]["bias"], want[0]["bias"], rtol=1e-10)
    assert_close(got[1], want[1], rtol=1e-10)


def test_entries_written_into_new_dicts(rng):
    def f(x, y):
        row = {"a": x, "b": y}
        row["a"] = y * x          # overwrites an entry
        row["c"] = np.sin(x)      # a new entry
        out = {}
        out["sum"] = row["a"] + row["b"] * row["c"]
        return out["sum"]

    def ref(x, y):
        return y * x + y * anp.sin(x)

    x, y = 0.7, -1.3
    got = grad(f, wrt=(0, 1))(x, y)
    want = autograd.grad(ref, (0, 1))(x, y)
    assert_close(got, want, rtol=1e-12)


def test_forward_mode_and_hessian_through_dict_methods(rng):
    def energy(x):
        parts = {"kinetic": 0.5 * x[0] ** 2, "potential": np.cos(x[1]) * x[0]}
        doubled = {name: 2.0 * value for name, value in parts.items()}
        return sum(doubled.values()) + parts.get("friction", 0.1 * x[1] ** 2)

    def ref(x):
        return x[0] ** 2 + 2.0 * anp.cos(x[1]) * x[0] + 0.1 * x[1] ** 2

    x = np.array([0.4, 1.1])
    v = np.array([0.3, -0.8])
    _, tangent = jvp(energy, (x,), (v,))
    assert_close(tangent, np.dot(autograd.grad(ref)(x), v), rtol=1e-12)
    assert_close(hessian(energy)(x), autograd.hessian(ref)(x), rtol=1e-10)


def test_dict_methods_that_change_the_dict_are_refused_before_they_run():
    def update(params):
        params.update({"w": 2.0 * params["w"]})
        return np.sum(params["w"])

    def pop(params):
        w = params.pop("w")
        return np.sum(w) + np.sum(params["b"])

    params = {"w": np.ones(2), "b": np.ones(2)}
    with pytest.raises(TranspileError, match=r"in-place method `\.update\(\)`") as info:
        grad(update)(params)
    assert "d[key] = value" in str(info.value)
    with pytest.raises(TranspileError, match=r"in-place method `\.pop\(\)`"):
        grad(pop)(params)
    assert set(params) == {"w", "b"}


def test_other_dict_methods_on_a_differentiated_dict_are_clear_errors():
    def f(params):
        return np.sum(params.fromkeys(["w"], 1.0)["w"] * params["w"])

    with pytest.raises(TypeError, match=r"\.fromkeys\(\.\.\.\)` of a differentiated dict"):
        grad(f)({"w": np.ones(2)})


def test_the_gradient_call_leaves_the_parameter_dict_alone(data):
    params, X, y = data
    before = {k: v.copy() for k, v in params.items()}
    grad(unrolled)(params, X, y, 0.05)
    assert set(params) == set(before)
    for k in before:
        np.testing.assert_array_equal(params[k], before[k])
