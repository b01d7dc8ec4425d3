"""Logistic regression trained by gradient descent, with the gradient compiled by tapeless.

Two overlapping Gaussian clouds in the plane, labelled 0 and 1. The model is
p(y = 1 | x) = sigmoid(x . w + b); the loss is the mean cross-entropy, written
in its stable form log(1 + e^z) - y z = np.logaddexp(0, z) - y z.
`value_and_grad` turns the loss into a function returning the loss and
(d loss / d w, d loss / d b), and plain gradient descent does the rest. Prints the loss every few steps, the
learned boundary and the accuracy on held-out points, and draws the loss curve
to a PNG when matplotlib is installed.

Run:  python examples/logistic_regression.py [--steps 300] [--lr 0.5] [--every 30]
                                             [--plot loss.png]
"""
import argparse

import numpy as np

from transpiler import grad, value_and_grad


def loss(w, b, X, y):
    """Mean binary cross-entropy of sigmoid(X @ w + b) against labels y in {0, 1}."""
    z = X @ w + b
    return np.mean(np.logaddexp(0.0, z) - y * z)


def make_data(n, seed=0):
    """n points per class: class 0 around (-1, -1), class 1 around (1, 0.5)."""
    rng = np.random.default_rng(seed)
    X = np.concatenate([rng.normal([-1.0, -1.0], 1.0, size=(n, 2)),
                        rng.normal([1.0, 0.5], 1.0, size=(n, 2))])
    y = np.concatenate([np.zeros(n), np.ones(n)])
    order = rng.permutation(2 * n)
    return X[order], y[order]


def accuracy(w, b, X, y):
    return float(np.mean((X @ w + b > 0) == (y == 1)))


def train(X, y, steps, lr, every):
    """Gradient descent from w = 0, b = 0; returns (w, b, [(step, loss), ...]) with
    the loss of every step (the gradient call computes it anyway)."""
    loss_and_grad = value_and_grad(loss, wrt=("w", "b"))
    w, b = np.zeros(X.shape[1]), 0.0
    curve = []
    for step in range(steps + 1):
        value, (dw, db) = loss_and_grad(w, b, X, y)
        curve.append((step, float(value)))
        if step % every == 0 or step == steps:
            print(f"step {step:5d}   loss {value:.6f}")
        if step < steps:
            w, b = w - lr * dw, b - lr * db
    return w, b, curve


def plot_curve(curve, path):
    """The loss against the step, saved to `path`; None when matplotlib is missing."""
    try:
        import matplotlib
        matplotlib.use("Agg")  # (no window: a file)
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed: no loss curve (pip install matplotlib)")
        return None
    steps, losses = zip(*curve)
    figure, axes = plt.subplots(figsize=(5, 3.5))
    axes.plot(steps, losses)
    axes.set_xlabel("step")
    axes.set_ylabel("mean cross-entropy")
    axes.set_title("logistic regression: training loss")
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)
    print(f"saved the loss curve to {path}")
    return path


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--lr", type=float, default=0.5)
    parser.add_argument("--every", type=int, default=30, help="print the loss every N steps")
    parser.add_argument("--points", type=int, default=500, help="training points per class")
    parser.add_argument("--source", action="store_true", help="print the generated gradient code")
    parser.add_argument("--plot", default="logistic_regression_loss.png",
                        help="where to draw the loss curve (needs matplotlib; '' for none)")
    args = parser.parse_args(argv)
    X, y = make_data(args.points, seed=0)
    X_test, y_test = make_data(1000, seed=1)
    w, b, curve = train(X, y, args.steps, args.lr, args.every)
    if args.source:
        print(grad(loss, wrt=("w", "b")).compile(w, b, X, y).source)
    train_acc, test_acc = accuracy(w, b, X, y), accuracy(w, b, X_test, y_test)
    print(f"learned w = {np.round(w, 4)}, b = {b:.4f}")
    print(f"train accuracy {train_acc:.4f}   test accuracy {test_acc:.4f}")
    plot = plot_curve(curve, args.plot) if args.plot else None
    return {"w": w, "b": b, "curve": curve, "train_accuracy": train_acc,
            "test_accuracy": test_acc, "plot": plot}


if __name__ == "__main__":
    main()
