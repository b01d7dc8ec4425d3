"""Complex numbers, with autograd's convention (checked by running autograd).

For a real function f of z = x + iy the gradient is df/dx - i df/dy: a
holomorphic rule is g * f'(z) with no conjugate, a function from complex to
real (np.real, np.imag, np.abs, np.angle) keeps the real part of its
cotangent, and the gradient with respect to a real input is real. The tangent
of f along a complex direction t is then real(sum(gradient * t)).

Each model is written once over a NumPy module (numpy for tapeless,
autograd.numpy for the oracle) and run two ways: on a complex argument, and on
a real one through z = x + i x^2 (real to complex to real), where finite
differences and autograd's Hessian are the oracles too."""
import autograd
import autograd.numpy as anp
import numpy
import pytest

from transpiler import grad, hessian, jvp
from runtime.numeric import numeric_grad

from conftest import assert_close

B = numpy.array([[1.0 + 2.0j, -0.5j], [0.3, 1.0 - 1.0j]])
V = numpy.array([0.5 - 1.0j, 2.0 + 0.3j])
Z = numpy.array([0.7 + 0.4j, -0.3 + 1.1j])
X = numpy.array([0.7, -0.3])

MODELS = {
    "product, real part": lambda np: lambda z: np.sum(np.real(z * z * V)),
    "modulus squared": lambda np: lambda z: np.sum(np.abs(z) ** 2),
    "conjugate": lambda np: lambda z: np.sum(np.real(np.conj(z) * V)),
    "imaginary part": lambda np: lambda z: np.sum(np.imag(z * V)),
    "dot": lambda np: lambda z: np.abs(np.dot(z, V)) ** 2,
    "matmul": lambda np: lambda z: np.sum(np.abs(B @ z) ** 2),
    "outer": lambda np: lambda z: np.sum(np.real(np.outer(z, V)) ** 2),
    "inner": lambda np: lambda z: np.abs(np.inner(B, z)[1]),
    "einsum": lambda np: lambda z: np.real(np.einsum("i,ij,j->", z, B, z)),
    "exp and sin": lambda np: lambda z: np.sum(np.real(np.exp(z) * np.sin(z))),
    "angle": lambda np: lambda z: np.sum(np.angle(z * V)),
    "division": lambda np: lambda z: np.sum(np.abs(1.0 / z + z / V)),
    "sqrt": lambda np: lambda z: np.sum(np.real(np.sqrt(z))),
    "log": lambda np: lambda z: np.sum(np.imag(np.log(z)) + np.real(np.log(z))),
    "cube": lambda np: lambda z: np.sum(np.abs(z ** 3)),
    "sum of squares": lambda np: lambda z: np.real(np.sum(z ** 2)),
    "inverse": lambda np: lambda z: np.sum(np.abs(np.linalg.inv(B + z[:, None] * np.eye(2))) ** 2),
    "solve": lambda np: lambda z: np.sum(np.abs(np.linalg.solve(B + z[:, None] * np.eye(2), V))
                                         ** 2),
    "determinant": lambda np: lambda z: np.abs(np.linalg.det(B + z[:, None] * np.eye(2))),
    "log-determinant": lambda np: lambda z: np.linalg.slogdet(B + z[:, None] * np.eye(2))[1],
    "tanh, cosh": lambda np: lambda z: np.sum(np.real(np.tanh(z) * np.cosh(z))),
    "mean, cumsum": lambda np: lambda z: np.real(np.mean(z * V)) + np.sum(np.abs(np.cumsum(z))),
    "transpose, reshape": lambda np: lambda z: np.sum(np.abs(np.reshape(np.outer(z, z).T, (4,)))),
    "trace": lambda np: lambda z: np.real(np.trace(np.outer(z, z) @ B)),
    "sum over an axis": lambda np: lambda z: np.sum(np.abs(np.sum(np.outer(z, z), axis=0)) ** 2),
    "amplitude and phase": lambda np: lambda z: np.sum(np.abs(z) * np.cos(np.angle(z))
                                                       + np.imag(z) ** 2),
    "phase from modulus": lambda np: lambda z: np.real(np.sum(np.abs(z) * np.exp(1j * np.abs(z))
                                                              * V)),
    "variance": lambda np: lambda z: np.var(z * V),
    "standard deviation": lambda np: lambda z: np.std(z * V),
    "product": lambda np: lambda z: np.abs(np.prod(z * V)) ** 2,
    "max": lambda np: lambda z: np.abs(np.max(z)),
    "tile, repeat": lambda np: lambda z: np.sum(np.abs(np.tile(z, 2) * np.repeat(V, 2)) ** 2),
    "where": lambda np: lambda z: np.sum(np.abs(np.where(np.array([True, False]), z, V * z))),
    "items": lambda np: lambda z: np.abs(z[0] * z[1]) + np.abs(z[0] / z[1]),
    "square, reciprocal": lambda np: lambda z: np.abs(np.sum(np.square(z) + np.reciprocal(z))),
    "linspace": lambda np: lambda z: np.sum(np.abs(np.linspace(z[0], z[1], 4))),
    "stack": lambda np: lambda z: np.sum(np.abs(np.stack((z, V * z))) ** 2),
}


def compiled(name, tmp_path):
    """The model as a module-level function (tapeless reads its source), and
    its real-to-complex-to-real composition."""
    import inspect
    from conftest import function_from_source
    body = inspect.getsource(MODELS[name]).split("lambda z: ", 1)[1].strip().rstrip(",")
    source = (f"def f(z):\n    return {body}\n\n\n"
              f"def through_complex(x):\n    return f(x + 1j * x ** 2)\n")
    globals_ = {"B": B, "V": V}
    return (function_from_source(source, "f", tmp_path, globals_),
            function_from_source(source, "through_complex", tmp_path, globals_))


def complex_fd(f, z):
    """df/dx - i df/dy by central differences."""
    re = numeric_grad(lambda x: f(x + 1j * z.imag), (z.real,), 0)
    im = numeric_grad(lambda y: f(z.real + 1j * y), (z.imag,), 0)
    return re - 1j * im


@pytest.mark.parametrize("name", sorted(MODELS))
def test_complex_argument(name, tmp_path):
    f, _ = compiled(name, tmp_path)
    oracle = MODELS[name](anp)
    g = grad(f)(Z)
    assert_close(g, autograd.grad(oracle)(Z))
    assert_close(g, complex_fd(f, Z), rtol=1e-5, atol=1e-6)
    t = numpy.array([0.3 - 0.2j, 0.5 + 0.1j])
    value, tangent = jvp(f)(Z, tangents=t)
    assert numpy.isclose(value, oracle(Z))
    assert numpy.isclose(tangent, numpy.real(numpy.sum(g * t)))


@pytest.mark.parametrize("name", sorted(MODELS))
def test_real_to_complex_to_real(name, tmp_path):
    _, f = compiled(name, tmp_path)
    oracle = lambda x: MODELS[name](anp)(x + 1j * x ** 2)  # noqa: E731
    g = grad(f)(X)
    assert not numpy.iscomplexobj(g)  # the gradient of a real input is real
    assert_close(g, autograd.grad(oracle)(X))
    assert_close(g, numeric_grad(f, (X,), 0), rtol=1e-5, atol=1e-6)
    t = numpy.array([0.3, -0.8])
    assert numpy.isclose(jvp(f)(X, tangents=t)[1], numpy.sum(g * t))
    with numpy.errstate(all="ignore"):
        h = hessian(f)(X)
    assert_close(h, autograd.hessian(oracle)(X), rtol=1e-6, atol=1e-8)


def energy(x):
    z = x + 1j * x
    return numpy.sum((z * z.conjugate()).real)  # |z|^2 = 2 x^2


def offset_modulus(x):
    return abs(x + 2j)


def test_methods_and_attributes_of_complex_values():
    x = numpy.array([0.5, -1.5])
    g = grad(energy)(x)
    oracle = lambda x: anp.sum(anp.real((x + 1j * x) * anp.conj(x + 1j * x)))  # noqa: E731
    assert_close(g, autograd.grad(oracle)(x))
    assert_close(g, 4.0 * x)
    assert_close(hessian(energy)(x), 4.0 * numpy.eye(2))
    d = grad(offset_modulus)(0.75)
    assert isinstance(d, float) or not numpy.iscomplexobj(d)
    assert numpy.isclose(d, autograd.grad(lambda x: anp.abs(x + 2j))(0.75))
    assert numpy.isclose(d, numeric_grad(offset_modulus, (0.75,), 0))
    assert numpy.isclose(grad(grad(offset_modulus))(0.75),
                         autograd.grad(autograd.grad(lambda x: anp.abs(x + 2j)))(0.75))


def degrees(z):
    return numpy.sum(numpy.angle(z, deg=True) * numpy.abs(z))


def test_angle_in_degrees():
    assert_close(grad(degrees)(Z), complex_fd(degrees, Z), rtol=1e-5, atol=1e-6)


def cast_up(x):
    return numpy.sum(numpy.abs(x.astype(complex) * V) ** 2)


def test_casting_a_real_array_to_complex():
    g = grad(cast_up)(X)
    assert not numpy.iscomplexobj(g)
    assert_close(g, numeric_grad(cast_up, (X,), 0), rtol=1e-5, atol=1e-6)


def complex_norm(z):
    return numpy.linalg.norm(z)


def test_complex_norm_is_refused():
    with pytest.raises(TypeError, match="complex"):
        grad(complex_norm)(Z)


def inverse_cosh(z):
    return numpy.sum(numpy.abs(numpy.arccosh(z * 0.5) * V) ** 2)


def test_arccosh_on_the_whole_complex_plane():
    # autograd's 1 / sqrt(z^2 - 1) has the wrong sign here; finite differences decide
    assert_close(grad(inverse_cosh)(Z), complex_fd(inverse_cosh, Z), rtol=1e-5, atol=1e-6)
    t = numpy.array([0.3 - 0.2j, 0.5 + 0.1j])
    assert numpy.isclose(jvp(inverse_cosh)(Z, tangents=t)[1],
                         numpy.real(numpy.sum(complex_fd(inverse_cosh, Z) * t)), atol=1e-6)


def hermitian_factor(z):
    a = numpy.outer(z, numpy.conj(z)) + 3.0 * numpy.eye(2)
    return numpy.abs(numpy.sum(numpy.linalg.cholesky(a)))


def test_complex_cholesky_is_refused():
    # autograd answers (wrongly, by finite differences); we refuse at call time
    with pytest.raises(TypeError, match="cholesky"):
        grad(hermitian_factor)(Z)


def holomorphic(z):
    return numpy.sin(z) * z ** 2 + numpy.exp(1j * z)


def test_complex_output_is_refused_by_grad_and_pulled_back_by_vjp():
    from transpiler import vjp
    z = 0.4 + 0.3j
    with pytest.raises(TypeError, match="complex"):
        grad(holomorphic)(z)
    derivative = numpy.cos(z) * z ** 2 + 2 * z * numpy.sin(z) + 1j * numpy.exp(1j * z)
    _, pullback = vjp(holomorphic)(z)
    assert numpy.isclose(pullback(1.0), derivative)  # holomorphic: g * f'(z)
    assert numpy.isclose(jvp(holomorphic)(z, tangents=1.0)[1], derivative)
    h = 1e-6
    assert numpy.isclose((holomorphic(z + h) - holomorphic(z - h)) / (2 * h), derivative)


def modulus_of_a_line(a):
    return numpy.sum(numpy.abs(a * numpy.array([1.0, -2.0, 3.0]) + 0.5j))


def test_third_derivative_of_a_modulus():
    ours = grad(grad(grad(modulus_of_a_line)))(0.7)
    theirs = autograd.grad(autograd.grad(autograd.grad(
        lambda a: anp.sum(anp.abs(a * anp.array([1.0, -2.0, 3.0]) + 0.5j)))))(0.7)
    second = grad(grad(modulus_of_a_line))
    assert numpy.isclose(ours, theirs)
    assert numpy.isclose(ours, (second(0.7 + 1e-5) - second(0.7 - 1e-5)) / 2e-5, rtol=1e-5)


def energy_of_complex(z):
    return numpy.sum(numpy.abs(z) ** 2 + numpy.real(z ** 3))


def scalar_energy(z):
    return numpy.abs(z) ** 2 + numpy.real(z ** 3)


def test_second_order_with_respect_to_a_complex_argument_is_refused():
    # the Hessian would keep only the real directions; autograd refuses too
    with pytest.raises(TypeError, match="complex argument"):
        hessian(energy_of_complex)(Z)
    with pytest.raises(TypeError, match="complex argument"):
        grad(grad(scalar_energy))(0.7 + 0.4j)
    x = numpy.array([0.7, -0.3])  # a real argument of the same function is fine
    assert_close(hessian(energy_of_complex)(x),
                 autograd.hessian(lambda x: anp.sum(anp.abs(x) ** 2 + anp.real(x ** 3)))(x))


def spiral(x):
    return numpy.exp(1j * x) * x


def test_jacobian_of_a_complex_value_of_a_real_argument():
    x = numpy.array([0.3, -0.8])
    from transpiler import jacobian
    want = numpy.diag(numpy.exp(1j * x) * (1j * x + 1.0))
    h = 1e-6
    fd = numpy.stack([(spiral(x + h * e) - spiral(x - h * e)) / (2 * h) for e in numpy.eye(2)], 1)
    assert_close(want, fd, rtol=1e-6, atol=1e-8)
    for mode in ("forward", "reverse"):
        assert_close(jacobian(spiral, mode=mode)(x), fd, rtol=1e-6, atol=1e-8)
    with pytest.raises(TypeError, match="complex argument"):
        jacobian(spiral)(x + 0j)
