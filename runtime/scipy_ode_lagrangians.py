"""L(z, t) = a . func(y, t, *args) over one packed vector z = [y, a, args raveled],
as functions the compiler reads (func and the layout are closure cells,
resolved when they are transformed). The gradient of L is the right-hand side
of the adjoint ODE ([df/dy^T a, f, df/dargs^T a]); its Hessian-vector products
are that right-hand side's tangents, for second derivatives through odeint."""
import numpy as np


def packed_lagrangian(func, n, shapes):
    """L for a state of size n and parameters of these shapes (at most 4)."""
    if len(shapes) > 4:
        raise ValueError("the derivative rules of scipy.integrate.odeint take at most 4 "
                         "parameters in args: pack more into one array")
    bounds, k = [], 2 * n
    for shape in shapes:
        m = int(np.prod(shape))
        bounds.append((k, k + m, tuple(shape)))
        k += m
    return (_l0, _l1, _l2, _l3, _l4)[len(shapes)](func, n, bounds)


def _l0(func, n, bounds):
    def lagrangian(z, t):
        return np.sum(z[n:2 * n] * func(z[0:n], t))
    return lagrangian


def _l1(func, n, bounds):
    (l0, h0, s0), = bounds

    def lagrangian(z, t):
        return np.sum(z[n:2 * n] * func(z[0:n], t, np.reshape(z[l0:h0], s0)))
    return lagrangian


def _l2(func, n, bounds):
    (l0, h0, s0), (l1, h1, s1) = bounds

    def lagrangian(z, t):
        return np.sum(z[n:2 * n] * func(z[0:n], t, np.reshape(z[l0:h0], s0),
                                        np.reshape(z[l1:h1], s1)))
    return lagrangian


def _l3(func, n, bounds):
    (l0, h0, s0), (l1, h1, s1), (l2, h2, s2) = bounds

    def lagrangian(z, t):
        return np.sum(z[n:2 * n] * func(z[0:n], t, np.reshape(z[l0:h0], s0),
                                        np.reshape(z[l1:h1], s1), np.reshape(z[l2:h2], s2)))
    return lagrangian


def _l4(func, n, bounds):
    (l0, h0, s0), (l1, h1, s1), (l2, h2, s2), (l3, h3, s3) = bounds

    def lagrangian(z, t):
        return np.sum(z[n:2 * n] * func(z[0:n], t, np.reshape(z[l0:h0], s0),
                                        np.reshape(z[l1:h1], s1), np.reshape(z[l2:h2], s2),
                                        np.reshape(z[l3:h3], s3)))
    return lagrangian
