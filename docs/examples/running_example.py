import numpy as np


def model(w, x, steps):
    h = x
    for _ in range(steps):
        h = np.tanh(w * h)
        if np.sum(h) < 0.0:
            h = -h
    return np.sum(h ** 2)
