"""Typical user code, checked by mypy in tests/test_packaging.py: what a user
writes against tapeless must type-check with the library's own hints."""
from __future__ import annotations

import numpy as np

import transpiler
from runtime.numeric import numeric_grad
from runtime.optim import SGD, Adam
from transpiler import (check_grad, grad, graph, hessian, jacobian, jvp, value_and_grad,
                        vjp)
from transpiler.check import GradCheckReport


def loss(w: np.ndarray, X: np.ndarray, y: np.ndarray) -> float:
    r = np.tanh(X @ w) - y
    return float(np.sum(r * r))


def fit(X: np.ndarray, y: np.ndarray, steps: int = 10) -> np.ndarray:
    d_loss = grad(loss)
    w = np.zeros(X.shape[1])
    opt = Adam(lr=0.1)
    for _ in range(steps):
        w = opt.step(w, d_loss(w, X, y))
    return w


@grad
def square_grad(x: float) -> float:
    return x * x


both = value_and_grad(loss, wrt=("w",))
value, (d_w,) = both(np.ones(2), np.ones((3, 2)), np.zeros(3))
second = grad(grad(lambda x: x ** 3))
H = hessian(loss)(np.ones(2), np.ones((3, 2)), np.zeros(3))
J = jacobian(np.tanh)(np.ones(3))
tangent = jvp(np.sin)(np.ones(3), tangents=np.ones(3))
out, pullback = vjp(np.sin)(np.ones(3))
report: GradCheckReport = check_grad(loss, np.ones(2), np.ones((3, 2)), np.zeros(3), rtol=1e-6)
ok: bool = report.passed
text: str = str(report) + report._repr_html_() + grad(loss).source + grad(loss).ssa
dot: str = graph(loss, np.ones(2), np.ones((3, 2)), np.zeros(3), wrt=0).to_dot()
fd = numeric_grad(loss, (np.ones(2), np.ones((3, 2)), np.zeros(3)), wrt=0)
version: str = transpiler.__version__
sgd = SGD(lr=0.5)
compiled = grad(loss, wrt=0, optimize=True).compile(np.ones(2), np.ones((3, 2)), np.zeros(3))
file: str = compiled.source_file
