"""Gradient helpers for products whose adjoints depend on the operands' ranks."""
from __future__ import annotations

import numpy as np

from .helpers import broadcast_to_like, float_array, grad_dtype, unbroadcast, zeros_like
from .namespaces import foreign_namespace, unsupported


def _operands(*values):
    """The namespace for an adjoint of these operands (NumPy for NumPy arrays and
    numbers, else the other library's: Dask takes NumPy operands), and the
    operands as its arrays."""
    xp = foreign_namespace(*values)
    if xp is None:
        return np, [np.asarray(v) for v in values]
    return xp, [xp.asarray(v) for v in values]


def _swap_last(xp, m):
    """m with its last two axes swapped (the matrix transpose, batched)."""
    return np.swapaxes(m, -1, -2) if xp is np else xp.matrix_transpose(m)


def matmul_grad_a(g, a, b):
    """Contribution to `a` of `ans = a @ b` (1-d, 2-d and batched operands)."""
    xp, (a, b, g) = _operands(a, b, g)
    if b.ndim == 1:
        return unbroadcast(g[..., None] * b if a.ndim > 1 else g * b, a)
    if a.ndim == 1:
        return unbroadcast(xp.matmul(b, g[..., None])[..., 0], a)
    return unbroadcast(xp.matmul(g, _swap_last(xp, b)), a)


def matmul_grad_b(g, a, b):
    """Contribution to `b` of `ans = a @ b`."""
    xp, (a, b, g) = _operands(a, b, g)
    if a.ndim == 1 and b.ndim == 1:
        return g * a
    if a.ndim == 1:
        return unbroadcast(a[:, None] * g[..., None, :], b)
    if b.ndim == 1:
        return unbroadcast(xp.matmul(_swap_last(xp, a), g[..., None])[..., 0], b)
    return unbroadcast(xp.matmul(_swap_last(xp, a), g), b)


def diagonal_spread(g, x, offset=0):
    """The gradient of the standard's `linalg.diagonal(x, offset=offset)` (of the
    last two axes): g on that diagonal of an array like x, zeros elsewhere, as
    rows @ (g * cols) with the standard's `eye` (no item writes).

    >>> diagonal_spread(np.array([1.0, 2.0]), np.zeros((2, 3)), 1).tolist()
    [[0.0, 1.0, 0.0], [0.0, 0.0, 2.0]]
    """
    xp, (g, x) = _operands(g, x)
    n, m, d = x.shape[-2], x.shape[-1], g.shape[-1]
    rows = xp.eye(n, d, k=-max(-offset, 0), dtype=g.dtype)  # row i + max(-offset, 0) of item i
    cols = xp.eye(d, m, k=max(offset, 0), dtype=g.dtype)
    return rows @ (g[..., :, None] * cols)


def dot_grad_a(g, a, b):
    """Contribution to `a` of `ans = np.dot(a, b)`."""
    xp, (a, b) = _operands(a, b)
    if a.ndim == 0 or b.ndim == 0:
        return unbroadcast(g * b, a)
    if b.ndim <= 2:
        return matmul_grad_a(g, a, b)
    # dot(a, b)[i..., j...] = sum_k a[i..., k] * b[j..., k, m]
    axes_b = list(range(b.ndim - 2)) + [b.ndim - 1]
    axes_g = list(range(a.ndim - 1, np.ndim(g)))
    return xp.tensordot(g, b, axes=(axes_g, axes_b))


def dot_grad_b(g, a, b):
    """Contribution to `b` of `ans = np.dot(a, b)`."""
    xp, (a, b) = _operands(a, b)
    if a.ndim == 0 or b.ndim == 0:
        return unbroadcast(g * a, b)
    if b.ndim <= 2:
        return matmul_grad_b(g, a, b)
    lead = list(range(a.ndim - 1))
    out = xp.tensordot(a, g, axes=(lead, lead))  # (k, j..., m)
    return xp.moveaxis(out, 0, -2)


def inner_grad_a(g, a, b):
    """Contribution to `a` of `ans = np.inner(a, b)` (any ranks: ans has shape
    a.shape[:-1] + b.shape[:-1])."""
    if np.ndim(a) == 0 or np.ndim(b) == 0:
        return unbroadcast(g * b, a)
    lead = np.ndim(a) - 1
    xp = foreign_namespace(g, a, b) or np
    return xp.tensordot(g, b, axes=(list(range(lead, np.ndim(g))), list(range(np.ndim(b) - 1))))


def inner_grad_b(g, a, b):
    """Contribution to `b` of `ans = np.inner(a, b)`."""
    if np.ndim(a) == 0 or np.ndim(b) == 0:
        return unbroadcast(g * a, b)
    lead = list(range(np.ndim(a) - 1))
    xp = foreign_namespace(g, a, b) or np
    return xp.tensordot(g, a, axes=(lead, lead))


def solve_grad_b(g, solved, a, b):
    """Contribution to `b` of `solved = np.linalg.solve(a, b)`: solve with a transposed."""
    xp, (g, a) = _operands(g, a)
    return xp.linalg.solve(_swap_last(xp, a), g)


def solve_grad_a(g, solved, a, b):
    """Contribution to `a` of `solved = np.linalg.solve(a, b)`."""
    gb = solve_grad_b(g, solved, a, b)
    xp, (gb, solved) = _operands(gb, solved)
    if np.ndim(solved) == np.ndim(a) - 1:  # b was a vector (or a batch of vectors)
        return -gb[..., :, None] * solved[..., None, :]
    return -gb @ _swap_last(xp, solved)


def solve_grad_b_tangent(g, a, da):
    """The tangent of `solve_grad_b(g, ans, a, b)` along da: -a^-T da^T a^-T g.
    (NumPy's functions: the compiler reads this to differentiate it again.)"""
    xp = foreign_namespace(g, a, da)
    if xp is not None:
        g, a, da = xp.asarray(g), xp.asarray(a), xp.asarray(da)
        at = xp.matrix_transpose(a)
        return -xp.linalg.solve(at, xp.matrix_transpose(da) @ xp.linalg.solve(at, g))
    at = np.swapaxes(a, -1, -2)
    return -np.linalg.solve(at, np.swapaxes(da, -1, -2) @ np.linalg.solve(at, g))


def solve_grad_a_tangent(g, ans, a, da):
    """The tangent of `solve_grad_a(g, ans, a, b)` along da (ans held: it has a tangent
    of its own)."""
    dgb = solve_grad_b_tangent(g, a, da)
    if np.ndim(ans) == np.ndim(a) - 1:
        return -dgb[..., :, None] * ans[..., None, :]
    if foreign_namespace(ans) is not None:
        return -dgb @ foreign_namespace(ans).matrix_transpose(ans)
    return -dgb @ np.swapaxes(ans, -1, -2)


# -- einsum ----------------------------------------------------------------------

def _einsum_terms(subscripts, operands):
    """Explicit subscripts: one string per operand and the output, `...`
    spelled out with letters the user did not use."""
    spec = subscripts.replace(" ", "")
    inputs, arrow, out = spec.partition("->")
    terms = inputs.split(",")
    if len(terms) != len(operands):
        raise ValueError(f"einsum subscripts {subscripts!r} name {len(terms)} operands, "
                         f"{len(operands)} given")
    unused = [c for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz" if c not in spec]
    ranks = [np.ndim(op) - (len(t) - 3) if "..." in t else 0 for t, op in zip(terms, operands)]
    ellipsis = unused[:max(ranks, default=0)]
    terms = [t.replace("...", "".join(ellipsis[len(ellipsis) - r:]) if r else "")
             for t, r in zip(terms, ranks)]
    if not arrow:
        letters = "".join(terms)
        out = "".join(ellipsis) + "".join(sorted(c for c in set(letters) - set(ellipsis)
                                                 if letters.count(c) == 1))
    else:
        out = out.replace("...", "".join(ellipsis))
    return terms, out, unused[len(ellipsis):]


def einsum_grad(g, subscripts, operands, k):
    """Contribution to operand `k` of `ans = np.einsum(subscripts, *operands)`
    (None entries of `operands` are absent operands). General subscripts:
    repeated letters (diagonals, traces) get identity factors, letters summed
    away or broadcast from length 1 are restored by broadcasting."""
    operands = [op for op in operands if op is not None]
    if k >= len(operands):
        return None
    terms, out, fresh = _einsum_terms(subscripts, operands)
    xp = foreign_namespace(g, *operands)
    target = np.asarray(operands[k]) if xp is None else operands[k]
    if xp is not None and not hasattr(xp, "einsum"):
        raise unsupported("np.einsum", target, "einsum")
    if type(g) in (float, int) and xp is None:  # a Python float seed keeps float32 float32
        g = grad_dtype(target, g).type(g)
    sizes = {}
    for t, op in zip(terms + [out], operands + [g]):
        for c, n in zip(t, np.shape(op)):
            sizes[c] = max(sizes.get(c, 1), n)
    factors, factor_terms, letters = [], [], []
    for c in terms[k]:
        if c in letters:  # a repeated letter: a fresh one tied to it by the identity
            new = fresh.pop(0)
            factors.append(np.eye(sizes[c]))
            factor_terms.append(c + new)
            c = new
        letters.append(c)
    elsewhere = set(out).union(*[t for i, t in enumerate(terms) if i != k], *factor_terms)
    present = [c for c, n in zip(letters, target.shape)
               if c in elsewhere and (n == sizes.get(c, n) or c in "".join(factor_terms))]
    others = [op for i, op in enumerate(operands) if i != k]
    other_terms = [t for i, t in enumerate(terms) if i != k]
    spec = ",".join([out] + other_terms + factor_terms) + "->" + "".join(present)
    result = (np if xp is None else xp).einsum(spec, g, *others, *factors)
    shape = [n if c in present else 1 for c, n in zip(letters, target.shape)]
    if xp is not None:
        return broadcast_to_like(xp, xp.reshape(result, tuple(shape)), target)
    return np.array(np.broadcast_to(np.reshape(result, shape), target.shape))


def einsum_of(subscripts, *operands):
    """`np.einsum(subscripts, *operands)` with None entries left out (tangents)."""
    return np.einsum(subscripts, *[op for op in operands if op is not None])


def einsum_grad_tangent(g, subscripts, operands, d_operands, k):
    """The tangent of `einsum_grad(g, subscripts, operands, k)` along the
    operands' tangents: it is linear in each operand other than the k-th."""
    total = None  # (no operand with a tangent: a zero of the k-th operand's shape)
    for i, (op, d) in enumerate(zip(operands, d_operands)):
        if i == k or op is None or (np.ndim(d) == 0 and d == 0):
            continue
        changed = list(operands)
        changed[i] = d
        term = einsum_grad(g, subscripts, changed, k)
        total = term if total is None else total + term
    return zeros_like(operands[k]) if total is None else total


# -- decompositions ------------------------------------------------------------------

def slogdet_tangent(da, ans, a):
    """The tangent of `(sign, logabsdet) = np.linalg.slogdet(a)`: with t = tr(a^-1 da),
    real(t) for logabsdet, and sign * i imag(t) for the sign (constant for real a)."""
    t = np.trace(np.linalg.solve(a, da), axis1=-2, axis2=-1)
    if np.iscomplexobj(t):
        return (ans[0] * 1j * np.imag(t), np.real(t))
    return (0.0 * ans[0], t)


def _real_only(x, name):
    if np.iscomplexobj(x):  # (NumPy reads the dtype of other libraries' arrays too)
        raise TypeError(f"tapeless differentiates {name} of real arrays only (got a complex "
                        "array: the derivative of a Hermitian factorization is not "
                        "implemented)")


def _lower_half_diagonal(m):
    """The lower triangle of `m` with its diagonal halved."""
    return np.tril(m) - 0.5 * np.eye(m.shape[-1]) * m


def cholesky_grad(g, factor):
    """Contribution to `a` of `factor = np.linalg.cholesky(a)` (lower), as a
    symmetric matrix: the gradient of a function of a symmetric `a`."""
    _real_only(factor, "np.linalg.cholesky")
    xp = foreign_namespace(g, factor)
    if xp is not None:
        return _cholesky_grad_in(xp, g, factor)
    s = _sandwich(factor, np.swapaxes(factor, -1, -2) @ g)
    return 0.5 * (s + np.swapaxes(s, -1, -2))


def _sandwich(factor, m):
    """L^-T phi(m) L^-1, phi the lower triangle of m with its diagonal halved."""
    lt = np.swapaxes(factor, -1, -2)
    phi = _lower_half_diagonal(m)
    return np.linalg.solve(lt, np.swapaxes(np.linalg.solve(lt, np.swapaxes(phi, -1, -2)), -1, -2))


def _cholesky_grad_in(xp, g, factor):
    """cholesky_grad for arrays of namespace xp (the same formula, in the standard's
    functions; NumPy's code above is the one the compiler differentiates again)."""
    g, factor = xp.asarray(g), xp.asarray(factor)
    s = _sandwich_in(xp, factor, xp.matrix_transpose(factor) @ g)
    return 0.5 * (s + xp.matrix_transpose(s))


def _sandwich_in(xp, factor, m):
    lt = xp.matrix_transpose(factor)
    phi = _lower_half_diagonal_in(xp, m)
    return xp.linalg.solve(lt, xp.matrix_transpose(xp.linalg.solve(lt, xp.matrix_transpose(phi))))


def _cholesky_grad_tangent_in(xp, g, factor, dfactor):
    g, factor, dfactor = xp.asarray(g), xp.asarray(factor), xp.asarray(dfactor)
    lt, dlt = xp.matrix_transpose(factor), xp.matrix_transpose(dfactor)
    s = _sandwich_in(xp, factor, lt @ g)
    right = xp.matrix_transpose(xp.linalg.solve(lt, xp.matrix_transpose(s @ dfactor)))
    ds = -xp.linalg.solve(lt, dlt @ s) + _sandwich_in(xp, factor, dlt @ g) - right
    return 0.5 * (ds + xp.matrix_transpose(ds))


def cholesky_grad_tangent(g, factor, dfactor):
    """The tangent of `cholesky_grad(g, L)` along dL (second derivatives of
    np.linalg.cholesky): with s = L^-T phi(L^T g) L^-1,
    ds = -L^-T dL^T s + L^-T phi(dL^T g) L^-1 - s dL L^-1, symmetrized."""
    _real_only(factor, "np.linalg.cholesky")
    xp = foreign_namespace(g, factor, dfactor)
    if xp is not None:
        return _cholesky_grad_tangent_in(xp, g, factor, dfactor)
    lt, dlt = np.swapaxes(factor, -1, -2), np.swapaxes(dfactor, -1, -2)
    s = _sandwich(factor, lt @ g)
    right = np.swapaxes(np.linalg.solve(lt, np.swapaxes(s @ dfactor, -1, -2)), -1, -2)
    ds = -np.linalg.solve(lt, dlt @ s) + _sandwich(factor, dlt @ g) - right
    return 0.5 * (ds + np.swapaxes(ds, -1, -2))


def cholesky_tangent(da, factor):
    """Tangent of `factor = np.linalg.cholesky(a)` along a symmetric `da`."""
    _real_only(factor, "np.linalg.cholesky")
    _real_only(da, "np.linalg.cholesky")
    xp = foreign_namespace(da, factor)
    if xp is not None:
        return _cholesky_tangent_in(xp, da, factor)
    x = np.linalg.solve(factor, np.swapaxes(np.linalg.solve(factor, da), -1, -2))  # L^-1 dA L^-T
    return factor @ _lower_half_diagonal(x)


def _cholesky_tangent_in(xp, da, factor):
    da, factor = xp.asarray(da), xp.asarray(factor)
    x = xp.linalg.solve(factor, xp.matrix_transpose(xp.linalg.solve(factor, da)))
    return factor @ _lower_half_diagonal_in(xp, x)


def _lower_half_diagonal_in(xp, m):
    return xp.tril(m) - 0.5 * xp.eye(m.shape[-1], dtype=m.dtype) * m


# -- np.linalg.norm -------------------------------------------------------------------
# The gradient of ans = norm(x, ord, axis) is repeat_to(g, x, axis, keepdims) times
# its slope d ans / d x, which has x's shape. At kinks we follow autograd where it
# has the form (x / ans at x = 0 is nan, as in autograd) and, for the forms autograd
# lacks (max and min norms), split the slope equally between ties as np.max does.

def _norm_axes(x, ord, axis):
    """(matrix?, axes reduced) of np.linalg.norm(x, ord, axis)."""
    ndim = np.ndim(x)
    if axis is None:
        if ord is not None and ndim == 2:
            return True, (0, 1)
        return False, tuple(range(ndim))
    axes = (axis,) if np.ndim(axis) == 0 else tuple(axis)
    axes = tuple(int(a) % ndim for a in axes)
    return len(axes) == 2, axes


def _expanded(v, x, axes):
    """A reduced value (keepdims or not) broadcast back to x's shape."""
    v = np.asarray(v) if foreign_namespace(v) is None else v
    if v.ndim != np.ndim(x):
        v = np.expand_dims(v, axes)
    return np.broadcast_to(v, np.shape(x))


def _tie_share(mask, axes):
    return mask / np.sum(mask, axis=axes, keepdims=True)


def _svd_last(x, axes):
    """The thin SVD of x with the two matrix axes moved last."""
    m = np.moveaxis(x, axes, (-2, -1))
    u, s, vt = np.linalg.svd(m, full_matrices=False)
    return m, u, s, np.swapaxes(vt, -1, -2)


def norm_slope(x, norm, ord=None, axis=None):
    """d norm / d x where norm = np.linalg.norm(x, ord, axis) (keepdims or not)."""
    if np.iscomplexobj(x):
        raise TypeError("tapeless differentiates np.linalg.norm of real arrays only "
                        "(got a complex array)")
    x = float_array(x)
    matrix, axes = _norm_axes(x, ord, axis)
    a = _expanded(norm, x, axes)
    if ord is None or ord == "fro" or (ord == 2 and not matrix):
        return x / a
    if matrix and ord in (2, -2, "nuc"):
        _, u, s, v = _svd_last(x, axes)
        if ord == "nuc":
            uvt = u @ np.swapaxes(v, -1, -2)
        else:
            k = 0 if ord == 2 else -1
            uvt = u[..., :, k, None] * v[..., None, :, k]
        return np.moveaxis(uvt, (-2, -1), axes)
    if matrix:  # 1, -1: column sums; inf, -inf: row sums (the other axis summed)
        summed = axes[0] if ord in (1, -1) else axes[1]
        hit = np.sum(np.abs(x), axis=summed, keepdims=True) == a  # the extreme columns (rows)
        return np.sign(x) * _tie_share(hit, axes) * x.shape[summed]
    if ord in (np.inf, -np.inf):
        return np.sign(x) * _tie_share(np.abs(x) == a, axes)
    if ord == 0:
        return np.zeros_like(x)
    if ord == 1:
        return np.sign(x)
    return x * np.abs(x) ** (ord - 2) / a ** (ord - 1)


def norm_slope_tangent(dx, x, norm, ord=None, axis=None):
    """The tangent of `norm_slope(x, norm(x), ord, axis)` along dx (the total
    derivative: `norm` moves with x). Zero for the piecewise linear norms."""
    x = np.asarray(x, dtype=grad_dtype(x, 0.0))
    dx = np.broadcast_to(dx, x.shape)
    matrix, axes = _norm_axes(x, ord, axis)
    a = _expanded(norm, x, axes)
    if ord is None or ord == "fro" or (ord == 2 and not matrix):
        da = np.sum(x * dx, axis=axes, keepdims=True) / a
        return dx / a - x * da / a ** 2
    if matrix and ord in (2, -2, "nuc"):
        return np.moveaxis(_svd_slope_tangent(x, dx, axes, ord), (-2, -1), axes)
    if matrix or ord in (np.inf, -np.inf, 0, 1):
        return np.zeros_like(x)
    s = x * np.abs(x) ** (ord - 2) / a ** (ord - 1)
    da = np.sum(s * dx, axis=axes, keepdims=True)
    return (ord - 1) * (np.abs(x) ** (ord - 2) * dx / a ** (ord - 1) - s * da / a)


def _svd_slope_tangent(x, dx, axes, ord):
    """d(u_k v_k^T) (ord 2 / -2) or d(U V^T) (nuclear norm) along dx, by the
    derivatives of the thin SVD. Where they do not exist (a repeated extreme
    singular value, a rank-deficient matrix for the nuclear norm) a ValueError."""
    m, u, s, v = _svd_last(x, axes)
    dm = np.moveaxis(dx, axes, (-2, -1))
    ut, vt = np.swapaxes(u, -1, -2), np.swapaxes(v, -1, -2)
    c = ut @ dm @ v
    ct = np.swapaxes(c, -1, -2)
    tol = 1e-10 * np.max(s, axis=-1, keepdims=True)
    if ord == "nuc":
        if np.any(s <= tol):
            raise ValueError("the second derivative of the nuclear norm needs matrices of full "
                             "rank (a singular value is 0)")
        omega = (c - ct) / (s[..., :, None] + s[..., None, :])
        inv_s = 1.0 / s[..., None, :]
        return u @ omega @ vt + (dm - u @ (ut @ dm)) @ (v * inv_s) @ vt + \
            (u * inv_s) @ ut @ (dm - dm @ v @ vt)
    k = 0 if ord == 2 else -1
    others = np.delete(s, k % s.shape[-1], axis=-1)
    if s.shape[-1] > 1 and np.any(np.abs(others - s[..., k:k + 1 or None]) <= tol) or \
            np.any(s[..., k] <= tol[..., 0]):
        raise ValueError(f"the second derivative of the matrix {ord}-norm needs its singular "
                         "value to be simple (not repeated, not 0)")
    s2 = s[..., None, :] ** 2 - s[..., :, None] ** 2  # s_j^2 - s_i^2
    eye = np.eye(s.shape[-1], dtype=bool)
    with np.errstate(divide="ignore", invalid="ignore"):  # only column k is used
        f = np.where(eye, 0.0, 1.0 / np.where(eye, 1.0, s2))
        sd = s[..., None, :]  # right-multiplying by diag(s)
        du = u @ (f * (c * sd + s[..., :, None] * ct)) + (dm - u @ (ut @ dm)) @ v / sd
        dmt = np.swapaxes(dm, -1, -2)
        dv = v @ (f * (s[..., :, None] * c + ct * sd)) + (dmt - v @ (vt @ dmt)) @ u / sd
    return du[..., :, k, None] * v[..., None, :, k] + u[..., :, k, None] * dv[..., None, :, k]
