"""A two-layer neural network on scikit-learn's handwritten digits, trained with Adam.

The 8x8 digit images of `sklearn.datasets.load_digits` (1,797 of them, shipped
with scikit-learn: no download) are split 80/20 into training and test sets.
The network is 64 -> hidden (tanh) -> 10; the loss is the softmax
cross-entropy, with the log-sum-exp written the stable way (subtract the row
maximum first). `grad` compiles the loss into a function returning the
gradient for the whole parameter dict, and `runtime.optim.Adam` takes the
steps. With the default 30 epochs the test accuracy is about 0.97.

Run:  python examples/mlp_digits.py [--epochs 30] [--hidden 64] [--quick]
"""
import argparse
import sys
import time

import numpy as np

from runtime.optim import Adam
from transpiler import grad, stop_gradient


def log_softmax(z):
    """z - logsumexp(z) along each row; the shift by the row maximum keeps exp
    from overflowing and does not change the value (so it needs no gradient)."""
    shift = stop_gradient(np.max(z, axis=1, keepdims=True))
    return z - shift - np.log(np.sum(np.exp(z - shift), axis=1, keepdims=True))


def predict_logits(params, X):
    hidden = np.tanh(X @ params["W1"] + params["b1"])
    return hidden @ params["W2"] + params["b2"]


def loss(params, X, Y):
    """Mean cross-entropy of the network's softmax against one-hot labels Y."""
    logp = log_softmax(predict_logits(params, X))
    return -np.sum(Y * logp) / X.shape[0]


def init_params(n_in, n_hidden, n_out, rng):
    """Glorot-style scaling keeps tanh units out of saturation at the start."""
    return {"W1": rng.normal(0.0, 1.0 / np.sqrt(n_in), size=(n_in, n_hidden)),
            "b1": np.zeros(n_hidden),
            "W2": rng.normal(0.0, 1.0 / np.sqrt(n_hidden), size=(n_hidden, n_out)),
            "b2": np.zeros(n_out)}


def load_data(seed=0):
    """(X_train, y_train, X_test, y_test): pixels scaled to [0, 1], a fixed 80/20 split."""
    from sklearn.datasets import load_digits
    digits = load_digits()
    X, y = digits.data / 16.0, digits.target
    order = np.random.default_rng(seed).permutation(len(y))
    cut = int(0.8 * len(y))
    return X[order[:cut]], y[order[:cut]], X[order[cut:]], y[order[cut:]]


def accuracy(params, X, y):
    return float(np.mean(np.argmax(predict_logits(params, X), axis=1) == y))


class Progress:
    """A one-line progress bar redrawn in place with a carriage return."""

    def __init__(self, total, width=30, stream=sys.stdout):
        self.total, self.width, self.stream = total, width, stream
        self.start = time.perf_counter()

    def update(self, done, text=""):
        filled = int(self.width * done / self.total)
        bar = "#" * filled + "." * (self.width - filled)
        elapsed = time.perf_counter() - self.start
        self.stream.write(f"\r[{bar}] {done}/{self.total} {elapsed:5.1f}s {text}")
        self.stream.flush()

    def close(self):
        self.stream.write("\n")


def train(params, X, y, epochs, batch, lr, seed, progress=True):
    """Minibatch Adam; returns (params, mean training loss per epoch)."""
    d_loss = grad(loss)
    Y = np.eye(10)[y]
    opt = Adam(lr=lr)
    rng = np.random.default_rng(seed)
    batches = [(i, i + batch) for i in range(0, len(y), batch)]
    bar = Progress(epochs * len(batches)) if progress else None
    losses = []
    for epoch in range(epochs):
        order = rng.permutation(len(y))
        total = 0.0
        for k, (lo, hi) in enumerate(batches):
            rows = order[lo:hi]
            total += loss(params, X[rows], Y[rows]) * len(rows)
            params = opt.step(params, d_loss(params, X[rows], Y[rows]))
            if bar and (k == len(batches) - 1 or k % 5 == 0):
                bar.update(epoch * len(batches) + k + 1, f"epoch {epoch + 1} loss {total / hi:.4f}")
        losses.append(total / len(y))
    if bar:
        bar.close()
    return params, losses


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--quick", action="store_true", help="a short run (3 epochs) for CI")
    parser.add_argument("--hidden", type=int, default=64)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--lr", type=float, default=3e-3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-progress", action="store_true")
    args = parser.parse_args(argv)
    epochs = 3 if args.quick else args.epochs
    X_train, y_train, X_test, y_test = load_data(args.seed)
    rng = np.random.default_rng(args.seed)
    params = init_params(X_train.shape[1], args.hidden, 10, rng)
    print(f"{len(y_train)} training and {len(y_test)} test images; "
          f"network 64 -> {args.hidden} -> 10; {epochs} epochs of Adam (lr {args.lr})")
    started = time.perf_counter()
    params, losses = train(params, X_train, y_train, epochs, args.batch, args.lr, args.seed,
                           progress=not args.no_progress)
    seconds = time.perf_counter() - started
    for epoch, value in enumerate(losses, 1):
        print(f"epoch {epoch:3d}   training loss {value:.4f}")
    train_acc, test_acc = accuracy(params, X_train, y_train), accuracy(params, X_test, y_test)
    print(f"train accuracy {train_acc:.4f}   test accuracy {test_acc:.4f}   ({seconds:.1f} s)")
    return {"losses": losses, "train_accuracy": train_acc, "test_accuracy": test_acc,
            "params": params}


if __name__ == "__main__":
    main()
