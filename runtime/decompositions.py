"""Gradients and tangents of np.linalg's decompositions (eigh, eig, svd, qr),
pinv, lstsq and matrix_power, for real matrices (and stacks of them).

The `*_grad` functions are written with differentiable NumPy functions only
and have no rules of their own: for second derivatives the compiler reads
their source like a user's function. The `*_tangent` functions give forward
mode. Where a derivative does not exist (repeated eigenvalues or singular
values whose vectors matter, complex eigenvalues of eig, a rank-deficient
factor), the `require_*` checks raise ValueError instead of returning nan.
"""
from __future__ import annotations

import numpy as np

from .containers import add_grads


def _t(x):
    return np.swapaxes(x, -1, -2)


class ItemwiseTuple(tuple):
    """The tangents of a multi-output primitive with several differentiated
    arguments: forward mode sums one tuple per argument with `+`, which
    must add the outputs' tangents, not concatenate the tuples."""

    def __add__(self, other):
        return ItemwiseTuple(add_grads(tuple(self), tuple(other)))

    __radd__ = __add__


# ---- checks (no gradient) --------------------------------------------------------------

def vectors_matter(g_vectors, values, what):
    """Whether the gradient of the eigen/singular vectors is nonzero; if it is,
    the values must be distinct (else the vectors have no derivative)."""
    if g_vectors is None or not np.any(g_vectors):
        return False
    values = np.asarray(values)
    gaps = np.abs(values[..., :, None] - values[..., None, :]) + np.eye(values.shape[-1])
    scale = np.max(np.abs(values), initial=1.0)
    if np.any(gaps <= 1e-12 * scale):
        raise ValueError(f"the {what} are not distinct here, so the vectors of np.linalg "
                         "have no derivative; use a function of the values only, or of "
                         "the subspace they span")
    if what == "singular values" and np.any(values <= 1e-24 * scale):
        raise ValueError("a singular value is zero here, so the singular vectors have no "
                         "derivative; use a function of the singular values only")
    return True


def distinct(values):
    """Whether the eigen/singular values are distinct (so their vectors have
    derivatives; tangents of vectors are nan where they are not)."""
    values = np.asarray(values)
    gaps = np.abs(values[..., :, None] - values[..., None, :]) + np.eye(values.shape[-1])
    return bool(np.all(gaps > 1e-12 * np.max(np.abs(values), initial=1.0)))


def _nan_like(x):
    return np.full(np.shape(x), np.nan)


def real_eig_size(w):
    """The number of eigenvalues; np.linalg.eig is differentiated where they are real."""
    if np.iscomplexobj(w):
        raise ValueError("np.linalg.eig returned complex eigenvalues: tapeless differentiates "
                         "eig of real matrices with real eigenvalues only (use eigh for "
                         "symmetric matrices)")
    return np.shape(w)[-1]


def reduced_svd_size(u, s, vh, gu=None, gvh=None):
    """The number of singular values k. With full_matrices=True (a non-square
    matrix) the vectors beyond k have no derivative: their gradients must be 0."""
    k = np.shape(s)[-1]
    extra_u = gu is not None and np.shape(u)[-1] != k and np.any(np.asarray(gu)[..., k:])
    extra_v = gvh is not None and np.shape(vh)[-2] != k and np.any(np.asarray(gvh)[..., k:, :])
    if extra_u or extra_v:
        raise ValueError("np.linalg.svd with full_matrices=True of a non-square matrix: the "
                         "singular vectors beyond the k-th have no derivative; use the first k "
                         "only, or pass full_matrices=False")
    return k


def require_qr_mode(a, mode):
    """np.linalg.qr is differentiated in mode='reduced' with rows >= columns."""
    m, n = np.shape(a)[-2:]
    if mode != "reduced" or m < n:
        raise ValueError("tapeless differentiates np.linalg.qr with mode='reduced' of a "
                         f"matrix with at least as many rows as columns (got mode={mode!r}, "
                         f"shape {np.shape(a)})")
    return mode


def eigen_gaps(values):
    """F with F[..., i, j] = 1 / (values[j] - values[i]) off the diagonal, 0 on it."""
    n = np.shape(values)[-1]
    eye = np.eye(n)
    gaps = np.expand_dims(values, -2) - np.expand_dims(values, -1)
    return (1.0 - eye) / (gaps + eye)


def _read_part(g, uplo):
    """The gradient to the triangle np.linalg.eigh reads (diagonal once)."""
    if uplo == "U":
        return np.triu(g) + np.triu(_t(g), 1)
    return np.tril(g) + np.tril(_t(g), -1)


def _symmetric_read(da, uplo):
    """The symmetric matrix eigh sees when given da."""
    part = np.triu(da, 1) if uplo == "U" else np.tril(da, -1)
    return part + _t(part) + da * np.eye(np.shape(da)[-1])


# ---- eigh, eigvalsh ------------------------------------------------------------------------

def eigh_grad(gw, gv, w, v, uplo="L"):
    """The gradient to `a` of `w, v = np.linalg.eigh(a, uplo)`, on the triangle eigh reads."""
    vt = _t(v)
    inner = np.expand_dims(gw, -1) * vt
    if vectors_matter(gv, w, "eigenvalues"):
        inner = inner + (eigen_gaps(w) * (vt @ gv)) @ vt
    return _read_part(v @ inner, uplo)


def eigh_tangent(da, w, v, uplo="L"):
    m = _t(v) @ _symmetric_read(da, uplo) @ v
    dv = v @ (eigen_gaps(w) * m) if distinct(w) else _nan_like(v)
    return ItemwiseTuple((np.diagonal(m, 0, -2, -1), dv))


def eigvalsh_tangent(da, a, uplo="L"):
    w, v = np.linalg.eigh(a, uplo)
    return np.diagonal(_t(v) @ _symmetric_read(da, uplo) @ v, 0, -2, -1)


# ---- eig (real eigenvalues) ----------------------------------------------------------------

def eig_grad(gw, gv, w, v):
    """The gradient to `a` of `w, v = np.linalg.eig(a)` (unit eigenvectors)."""
    vt = _t(v)
    gm = np.expand_dims(gw, -1) * np.eye(real_eig_size(w))
    if vectors_matter(gv, w, "eigenvalues"):
        unit = gv - v * np.expand_dims(np.sum(v * gv, axis=-2), -2)  # the unit-norm constraint
        gm = gm + eigen_gaps(w) * (vt @ unit)
    return np.linalg.solve(vt, gm @ vt)


def eig_tangent(da, w, v):
    real_eig_size(w)
    m = np.linalg.solve(v, da @ v)
    dw = np.diagonal(m, 0, -2, -1)
    if not distinct(w):
        return ItemwiseTuple((dw, _nan_like(v)))
    raw = v @ (eigen_gaps(w) * m)
    return ItemwiseTuple((dw, raw - v * np.expand_dims(np.sum(v * raw, axis=-2), -2)))


# ---- svd ----------------------------------------------------------------------------------------

def svd_grad(gu, gs, gvh, u, s, vh):
    """The gradient to `a` of `u, s, vh = np.linalg.svd(a)` (vectors beyond the
    k-th of full_matrices=True must not be used)."""
    k = reduced_svd_size(u, s, vh, gu, gvh)
    u, gu, vh, gvh = u[..., :k], gu[..., :k], vh[..., :k, :], gvh[..., :k, :]
    v, gv = _t(vh), _t(gvh)
    core = np.expand_dims(gs, -1) * np.eye(k)
    out = u @ core @ vh
    if vectors_matter(gu, s ** 2, "singular values") or \
            vectors_matter(gv, s ** 2, "singular values"):
        f = eigen_gaps(s ** 2)
        ju, jv = _t(u) @ gu, _t(v) @ gv
        sm = np.expand_dims(s, -1) * np.eye(np.shape(s)[-1])
        inv_s = np.expand_dims(1.0 / s, -2)
        middle = (f * (ju - _t(ju))) @ sm + sm @ (f * (jv - _t(jv)))
        rest_u = (gu - u @ ju) * inv_s  # (I - U U^T) gU S^-1
        rest_v = (gv - v @ jv) * inv_s
        out = out + u @ middle @ vh + rest_u @ vh + u @ _t(rest_v)
    return out


def svd_tangent(da, u, s, vh):
    """Tangents of the vectors beyond the k-th (full_matrices=True) are nan."""
    k = reduced_svd_size(u, s, vh)
    du, ds, dvh = _reduced_svd_tangent(da, u[..., :k], s, vh[..., :k, :])
    du = np.concatenate([du, _nan_like(u[..., k:])], axis=-1)
    dvh = np.concatenate([dvh, _nan_like(vh[..., k:, :])], axis=-2)
    return ItemwiseTuple((du, ds, dvh))


def _reduced_svd_tangent(da, u, s, vh):
    v = _t(vh)
    p = _t(u) @ da @ v
    ds = np.diagonal(p, 0, -2, -1)
    sm = np.expand_dims(s, -1) * np.eye(np.shape(s)[-1])
    if not distinct(s ** 2) or np.any(s == 0):
        return _nan_like(u), ds, _nan_like(vh)
    f = eigen_gaps(s ** 2)
    inv_s = np.expand_dims(1.0 / s, -2)
    du = u @ (f * (p @ sm + sm @ _t(p))) + (da @ v - u @ p) * inv_s
    dv = v @ (f * (sm @ p + _t(p) @ sm)) + (_t(da) @ u - v @ _t(p)) * inv_s
    return du, ds, _t(dv)


def singular_values_grad(g, a):
    """The gradient to `a` of np.linalg.svd(a, compute_uv=False)."""
    u, s, vh = np.linalg.svd(a, full_matrices=False)
    return (u * np.expand_dims(g, -2)) @ vh


def singular_values_tangent(da, a):
    u, s, vh = np.linalg.svd(a, full_matrices=False)
    return np.diagonal(_t(u) @ da @ _t(vh), 0, -2, -1)


# ---- qr (reduced, at least as many rows as columns) ---------------------------------------------

def qr_grad(gq, gr, q, r, mode="reduced"):
    """The gradient to `a` of `q, r = np.linalg.qr(a)` (`mode`: checked by the caller)."""
    m = r @ _t(gr) - _t(gq) @ q
    copied = np.tril(m) + _t(np.tril(m, -1))
    return _t(np.linalg.solve(r, _t(gq + q @ copied)))


def qr_tangent(da, q, r):
    x = _t(np.linalg.solve(_t(r), _t(_t(q) @ da)))  # Q^T dA R^-1
    lower = np.tril(x, -1)
    dr = (x - lower + _t(lower)) @ r
    dq = _t(np.linalg.solve(_t(r), _t(da - q @ dr)))
    return ItemwiseTuple((dq, dr))


# ---- pinv, lstsq ---------------------------------------------------------------------------------

def pinv_grad(g, a, p):
    """The gradient to `a` of `p = np.linalg.pinv(a)` (where the rank is constant)."""
    m, n = np.shape(a)[-2:]
    left = np.eye(m) - a @ p
    right = np.eye(n) - p @ a
    return -_t(p) @ g @ _t(p) + left @ _t(g) @ p @ _t(p) + _t(p) @ p @ _t(g) @ right


def pinv_tangent(da, a, p):
    m, n = np.shape(a)[-2:]
    return -p @ da @ p + p @ _t(p) @ _t(da) @ (np.eye(m) - a @ p) + \
        (np.eye(n) - p @ a) @ _t(da) @ _t(p) @ p


def lstsq_grad_a(g, a, b):
    """The gradient to `a` of `x, residuals, rank, s = np.linalg.lstsq(a, b)`."""
    gx, gres, grank, gs = g
    p = np.linalg.pinv(a)
    x = p @ b
    gp = np.expand_dims(gx, -1) * b if np.ndim(b) == 1 else gx @ _t(b)
    out = pinv_grad(gp, a, p)
    if np.size(gres):  # residuals: |b - a x|^2 per column, stationary in x
        res = b - a @ x
        out = out - 2.0 * (res * gres) @ _t(x) if np.ndim(b) > 1 else \
            out - 2.0 * gres[0] * np.expand_dims(res, -1) * x
    return out + singular_values_grad(gs, a)


def lstsq_grad_b(g, a, b):
    gx, gres, grank, gs = g
    p = np.linalg.pinv(a)
    out = _t(p) @ gx
    if np.size(gres):
        res = b - a @ (p @ b)
        out = out + 2.0 * (res * gres if np.ndim(b) > 1 else res * gres[0])
    return out


def lstsq_tangent(da, db, a, b, ans):
    """The tangent of np.linalg.lstsq(a, b) along (da, db) (either may be 0.0)."""
    x, res, rank, s = ans
    p = np.linalg.pinv(a)
    da, db = np.broadcast_to(da, np.shape(a)), np.broadcast_to(db, np.shape(b))
    dx = pinv_tangent(da, a, p) @ b + p @ db
    dres = 0.0 * res
    if np.size(res):
        r = b - a @ x
        dr = db - da @ x - a @ dx
        dres = 2.0 * np.sum(r * dr, axis=0)
        dres = np.reshape(dres, np.shape(res))
    return ItemwiseTuple((dx, dres, 0, singular_values_tangent(da, a)))


# ---- matrix_power --------------------------------------------------------------------------------

def matrix_power_grad(g, a, n):
    """The gradient to `a` of np.linalg.matrix_power(a, n), any integer n."""
    if n < 0:
        b = np.linalg.inv(a)
        return -_t(b) @ power_sum_grad(g, b, -n) @ _t(b)
    return power_sum_grad(g, a, n)


def power_sum_grad(g, a, n):
    """sum over k < n of (A^T)^k g (A^T)^(n-1-k): the gradient of A^n, n >= 0."""
    at = _t(a)
    total = 0.0 * g
    for k in range(n):
        total = total + np.linalg.matrix_power(at, k) @ g @ np.linalg.matrix_power(at, n - 1 - k)
    return total


def matrix_power_tangent(da, a, n):
    if n < 0:
        b = np.linalg.inv(a)
        return matrix_power_tangent(-b @ da @ b, b, -n)
    total = 0.0 * np.asarray(a, dtype=float)
    for k in range(n):
        total = total + np.linalg.matrix_power(a, k) @ da @ np.linalg.matrix_power(a, n - 1 - k)
    return total
