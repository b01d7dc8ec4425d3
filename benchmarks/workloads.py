"""The benchmark workloads: each a NumPy primal, a hand-written NumPy version that
returns (value, gradient) — what a training step needs, and what every reverse-mode
gradient computes — an autograd version, and arguments. Used by run.py."""
import math

import numpy as np

try:
    import autograd.numpy as anp
except ImportError:  # autograd is optional for the benchmark
    anp = None


# ---- (x + y) * max(y, z) ---------------------------------------------------------

def circuit(x, y, z):
    return (x + y) * max(y, z)


def circuit_hand(x, y, z):
    m = max(y, z)
    a = x + y
    return a * m, (m, m + (a if y >= z else 0.0), (a if y < z else 0.0))


def circuit_ag(x, y, z):
    return (x + y) * anp.maximum(y, z)


# ---- a 1000-step scalar loop with math.sin ---------------------------------------

def sin_loop(x, w):
    for _ in range(1000):
        x = x + w * math.sin(x)
    return x


def sin_loop_hand(x, w):
    xs = []
    for _ in range(1000):
        xs.append(x)
        x = x + w * math.sin(x)
    value = x
    dx, dw = 1.0, 0.0
    for x in reversed(xs):
        dw += dx * math.sin(x)
        dx = dx * (1.0 + w * math.cos(x))
    return value, (dx, dw)


def sin_loop_ag(x, w):
    for _ in range(1000):
        x = x + w * anp.sin(x)
    return x


# ---- logistic regression loss ------------------------------------------------

def logistic(w, b, X, y):
    """Mean cross-entropy, in the numerically stable form: log(1 + e^z) - y z."""
    z = X @ w + b
    return np.mean(np.logaddexp(0.0, z) - y * z)


def logistic_hand(w, b, X, y):
    z = X @ w + b
    value = np.mean(np.logaddexp(0.0, z) - y * z)
    dz = (1.0 / (1.0 + np.exp(-z)) - y) / y.shape[0]
    return value, (X.T @ dz, np.sum(dz))


def logistic_ag(w, b, X, y):
    z = anp.dot(X, w) + b
    return anp.mean(anp.logaddexp(0.0, z) - y * z)


# ---- 2-layer MLP with softmax cross-entropy -------------------------------------

def mlp(W1, b1, W2, b2, X, Y):
    h = np.tanh(X @ W1 + b1)
    z = h @ W2 + b2
    m = np.max(z, axis=1, keepdims=True)
    lse = m + np.log(np.sum(np.exp(z - m), axis=1, keepdims=True))
    return -np.sum(Y * (z - lse)) / X.shape[0]


def mlp_hand(W1, b1, W2, b2, X, Y):
    h = np.tanh(X @ W1 + b1)
    z = h @ W2 + b2
    m = np.max(z, axis=1, keepdims=True)
    e = np.exp(z - m)
    s = np.sum(e, axis=1, keepdims=True)
    value = -np.sum(Y * (z - m - np.log(s))) / X.shape[0]
    dz = (e / s - Y) / X.shape[0]
    dh = dz @ W2.T
    da = dh * (1.0 - h ** 2)
    return value, (X.T @ da, np.sum(da, axis=0), h.T @ dz, np.sum(dz, axis=0))


def mlp_ag(W1, b1, W2, b2, X, Y):
    h = anp.tanh(anp.dot(X, W1) + b1)
    z = anp.dot(h, W2) + b2
    m = anp.max(z, axis=1, keepdims=True)
    lse = m + anp.log(anp.sum(anp.exp(z - m), axis=1, keepdims=True))
    return -anp.sum(Y * (z - lse)) / X.shape[0]


# ---- tanh RNN over 50 steps ----------------------------------------------------

def rnn(Wh, Wx, h, xs):
    for t in range(xs.shape[0]):
        h = np.tanh(h @ Wh + xs[t] @ Wx)
    return np.sum(h ** 2)


def rnn_hand(Wh, Wx, h, xs):
    hs = [h]
    for t in range(xs.shape[0]):
        h = np.tanh(h @ Wh + xs[t] @ Wx)
        hs.append(h)
    dh = 2.0 * h
    dWh, dWx = np.zeros_like(Wh), np.zeros_like(Wx)
    for t in range(xs.shape[0] - 1, -1, -1):
        da = dh * (1.0 - hs[t + 1] ** 2)
        dWh += hs[t].T @ da
        dWx += xs[t].T @ da
        dh = da @ Wh.T
    return np.sum(hs[-1] ** 2), (dWh, dWx, dh)


def rnn_ag(Wh, Wx, h, xs):
    for t in range(xs.shape[0]):
        h = anp.tanh(anp.dot(h, Wh) + anp.dot(xs[t], Wx))
    return anp.sum(h ** 2)


# ---- Euler integration of the Lorenz system ----------------------------------------

def lorenz(s, sigma, rho, beta):
    dt = 0.01
    for _ in range(500):
        x, y, z = s[0], s[1], s[2]
        ds = np.array([sigma * (y - x), x * (rho - z) - y, x * y - beta * z])
        s = s + dt * ds
    return np.sum(s)


def lorenz_hand(s, sigma, rho, beta):
    dt = 0.01
    states = []
    for _ in range(500):
        states.append(s)
        x, y, z = s
        s = s + dt * np.array([sigma * (y - x), x * (rho - z) - y, x * y - beta * z])
    value = np.sum(s)
    g = np.ones(3)
    dsigma = drho = dbeta = 0.0
    for s in reversed(states):
        x, y, z = s
        gx, gy, gz = g * dt
        dsigma += gx * (y - x)
        drho += gy * x
        dbeta -= gz * z
        g = g + np.array([-gx * sigma + gy * (rho - z) + gz * y,
                          gx * sigma - gy + gz * x,
                          -gy * x - gz * beta])
    return value, (g, dsigma, drho, dbeta)


def lorenz_ag(s, sigma, rho, beta):
    dt = 0.01
    for _ in range(500):
        x, y, z = s[0], s[1], s[2]
        ds = anp.array([sigma * (y - x), x * (rho - z) - y, x * y - beta * z])
        s = s + dt * ds
    return anp.sum(s)


def workloads():
    """name -> (primal, hand gradient, autograd primal, args, wrt)."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(1000, 20))
    y = (X @ rng.normal(size=20) > 0).astype(float)
    Xm = rng.normal(size=(256, 64))
    Y = np.eye(10)[rng.integers(0, 10, size=256)]
    return {
        "scalar (x+y)*max(y,z)": (circuit, circuit_hand, circuit_ag, (1.0, 2.0, 0.5),
                                  (0, 1, 2)),
        "1000-step math.sin loop": (sin_loop, sin_loop_hand, sin_loop_ag, (0.3, 0.5), (0, 1)),
        "logistic regression 1000x20": (logistic, logistic_hand, logistic_ag,
                                        (rng.normal(size=20) * 0.1, 0.0, X, y), (0, 1)),
        "MLP 256x64-128-10": (mlp, mlp_hand, mlp_ag,
                              (rng.normal(size=(64, 128)) * 0.1, np.zeros(128),
                               rng.normal(size=(128, 10)) * 0.1, np.zeros(10), Xm, Y),
                              (0, 1, 2, 3)),
        "tanh RNN 50 steps": (rnn, rnn_hand, rnn_ag,
                              (rng.normal(size=(64, 64)) * 0.1, rng.normal(size=(8, 64)) * 0.1,
                               rng.normal(size=(16, 64)), rng.normal(size=(50, 16, 8))),
                              (0, 1, 2)),
        "Lorenz Euler 500 steps": (lorenz, lorenz_hand, lorenz_ag,
                                   (np.array([1.0, 1.0, 1.0]), 10.0, 28.0, 8.0 / 3.0),
                                   (0, 1, 2, 3)),
    }
