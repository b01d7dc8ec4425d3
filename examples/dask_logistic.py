"""Logistic regression on more data than one machine holds, with Dask's engine.

The data are a Dask array of `rows` x 20 float64 numbers in blocks of rows,
generated lazily (da.random): no block exists until a worker computes it. The
loss is ordinary NumPy code; its tapeless gradient, given the Dask array, is
a lazy Dask array too. Each step computes the loss and the gradient together
(`dask.compute(loss, d_w)`): the workers stream the blocks through the forward
and the reverse sweep, and only the 20 numbers of the gradient come back.
The update itself is `runtime.optim`'s Adam on NumPy weights.

    python examples/dask_logistic.py                       # 200,000 rows: seconds
    python examples/dask_logistic.py --rows 50000000       # 8 GB of float64: minutes
    python examples/dask_logistic.py --scheduler tcp://10.0.0.5:8786   # your cluster

Without --scheduler it starts a `LocalCluster` of --workers processes, each
limited to --memory; with it, the same code runs on that cluster's workers.
"""
import argparse
import contextlib
import time

import numpy as np

from runtime.optim import Adam
from transpiler import value_and_grad

FEATURES = 20


def loss(w, X, y):
    """Mean binary cross-entropy of sigmoid(X @ w) against labels y in {0, 1},
    in its stable form log(1 + e^z) - y z."""
    z = X @ w
    return np.mean(np.logaddexp(0.0, z) - y * z)


def make_data(rows, chunk_rows, seed=0):
    """(X, y, true_w): lazy Dask arrays, y drawn from the logistic model itself."""
    import dask.array as da
    true_w = np.linspace(-1.0, 1.0, FEATURES)
    generator = da.random.default_rng(seed)
    X = generator.standard_normal((rows, FEATURES), chunks=(chunk_rows, FEATURES))
    p = 1.0 / (1.0 + da.exp(-(X @ true_w)))
    y = (generator.random(rows, chunks=chunk_rows) < p).astype(np.float64)
    return X, y, true_w


@contextlib.contextmanager
def connect(scheduler, workers, memory, processes=True):
    """A dask.distributed Client: to `scheduler`, or to a new LocalCluster of
    `workers` workers (processes, or threads of this one), closed on exit."""
    from dask.distributed import Client, LocalCluster
    if scheduler:
        with Client(scheduler) as client:
            yield client
        return
    where = {"host": "127.0.0.1"} if processes else {}  # (threads talk in-process)
    with LocalCluster(n_workers=workers, threads_per_worker=1, memory_limit=memory,
                      processes=processes, dashboard_address=":0",
                      **where) as cluster, Client(cluster) as client:
        yield client


def train(X, y, steps, lr):
    """Adam from w = 0; returns (w, [loss of each step])."""
    import dask
    loss_and_grad = value_and_grad(loss)
    optimizer, w, losses = Adam(lr=lr), np.zeros(FEATURES), []
    for step in range(steps):
        value, d_w = loss_and_grad(w, X, y)  # lazy: nothing computed yet
        value, d_w = dask.compute(value, d_w)  # one pass over the data for both
        losses.append(float(value))
        print(f"step {step:3d}   loss {value:.6f}   |gradient| {np.linalg.norm(d_w):.3e}")
        w = optimizer.step(w, d_w)
    return w, losses


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--chunk-rows", type=int, default=50_000)
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--lr", type=float, default=0.2)
    parser.add_argument("--scheduler", default="", help="address of a running scheduler")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--memory", default="4GiB", help="memory limit of each local worker")
    parser.add_argument("--threads", action="store_true",
                        help="local workers as threads of this process (quick runs)")
    args = parser.parse_args(argv)
    X, y, true_w = make_data(args.rows, args.chunk_rows)
    print(f"X: {X.shape[0]:,} x {X.shape[1]} float64 = {X.nbytes / 2 ** 30:.2f} GiB "
          f"in {X.numblocks[0]} blocks of {args.chunk_rows:,} rows")
    with connect(args.scheduler, args.workers, args.memory, not args.threads) as client:
        print(f"cluster: {len(client.scheduler_info()['workers'])} workers")
        start = time.perf_counter()
        w, losses = train(X, y, args.steps, args.lr)
        seconds = time.perf_counter() - start
    cosine = w @ true_w / np.linalg.norm(w) / np.linalg.norm(true_w)
    print(f"{args.steps} steps in {seconds:.1f} s; cosine(w, true w) {cosine:.4f}")
    return {"w": w, "losses": losses, "true_w": true_w, "seconds": seconds}


if __name__ == "__main__":
    main()
