"""Quick start: differentiate a few functions and print their generated gradient code.

Run:  python examples/quickstart.py
"""
import math

import numpy as np

from transpiler import grad, value_and_grad


def circuit(x, y, z):
    """The classic worked example: f = (x + y) * max(y, z)."""
    return (x + y) * max(y, z)


def piecewise(x, y):
    """A data-dependent branch."""
    if x > y:
        r = x * y
    else:
        r = math.sin(x) + y
    return r * 2.0


def logistic_loss(w, b, X, y):
    """Mean cross-entropy of a logistic-regression model."""
    z = X @ w + b
    p = 1.0 / (1.0 + np.exp(-z))
    return -np.mean(y * np.log(p) + (1.0 - y) * np.log(1.0 - p))


def main():
    df = value_and_grad(circuit, wrt=(0, 1, 2))
    value, (dx, dy, dz) = df(1.0, 2.0, 0.0)
    print(f"circuit(1, 2, 0) = {value}; gradient = ({dx}, {dy}, {dz})")
    print(df.source)

    dp = grad(piecewise, wrt=("x", "y"))
    print(f"piecewise'(2, 1) = {dp(2.0, 1.0)}; piecewise'(0.5, 1) = {dp(0.5, 1.0)}")
    print(dp.source)

    rng = np.random.default_rng(0)
    X = rng.normal(size=(100, 3))
    y = (X @ np.array([1.0, -2.0, 0.5]) > 0).astype(float)
    dl = grad(logistic_loss, wrt=("w", "b"))
    dw, db = dl(np.zeros(3), 0.0, X, y)
    print(f"logistic loss gradient at w=0: dw = {np.round(dw, 4)}, db = {db:.4f}")
    print(dl.source)


if __name__ == "__main__":
    main()
