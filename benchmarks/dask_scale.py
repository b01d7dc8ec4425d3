"""Gradients over more data than a worker holds, computed by Dask's engine.

    python benchmarks/dask_scale.py                  # 50,000,000 x 20 float64 (8 GB)
    python benchmarks/dask_scale.py --rows 2000000   # a quick look
    python benchmarks/dask_scale.py --scheduler tcp://host:8786   # a real cluster

For a logistic-regression loss and a small MLP's loss (NumPy code) over a Dask
array chunked by rows and generated lazily (so the 8 GB never exist at once),
on a `dask.distributed` cluster (by default a LocalCluster: --workers worker
processes, one thread each, --memory each): the time Dask takes to compute the
primal loss alone, and the loss with tapeless's gradient (`value_and_grad`,
one `dask.compute` for both), best of --repeats, and their ratio; each
worker's peak memory during each (sampled from the scheduler's heartbeats,
and the worker processes' peak resident size at the end); then a few steps
of gradient descent with runtime.optim's Adam. Prints a Markdown table.
"""
import argparse
import contextlib
import platform
import sys
import threading
import time

import numpy as np

import dask
import dask.array as da

from runtime.optim import Adam
from transpiler import value_and_grad

FEATURES, HIDDEN = 20, 16


def logistic(w, X, y):
    z = X @ w
    return np.mean(np.logaddexp(0.0, z) - y * z)


def mlp(params, X, y):
    W1, b1, w2, b2 = params
    z = np.tanh(X @ W1 + b1) @ w2 + b2
    return np.mean(np.logaddexp(0.0, z) - y * z)


def make_data(rows, chunk_rows, seed=0):
    generator = da.random.default_rng(seed)
    X = generator.standard_normal((rows, FEATURES), chunks=(chunk_rows, FEATURES))
    z = X @ np.linspace(-1.0, 1.0, FEATURES)
    y = (generator.random(rows, chunks=chunk_rows) < 1.0 / (1.0 + da.exp(-z)))
    return X, y.astype(np.float64)


def start_params(rng):
    return {"logistic": np.zeros(FEATURES),
            "mlp": (rng.normal(size=(FEATURES, HIDDEN)) / np.sqrt(FEATURES), np.zeros(HIDDEN),
                    rng.normal(size=HIDDEN) / np.sqrt(HIDDEN), 0.0)}


class PeakMemory:
    """The largest memory each worker reported to the scheduler while active."""

    def __init__(self, client, every=0.1):
        self.client, self.every, self.peaks = client, every, {}
        self._stop = threading.Event()

    def _poll(self):
        while not self._stop.is_set():
            for address, info in self.client.scheduler_info()["workers"].items():
                memory = info.get("metrics", {}).get("memory", 0)
                self.peaks[address] = max(self.peaks.get(address, 0), memory)
            self._stop.wait(self.every)

    def __enter__(self):
        self._thread = threading.Thread(target=self._poll, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()

    def largest(self):
        return max(self.peaks.values(), default=0)


def best_time(client, build, repeats):
    """(best seconds, worker peak bytes) of dask.compute(*build())."""
    times = []
    with PeakMemory(client) as memory:
        for _ in range(repeats):
            start = time.perf_counter()
            dask.compute(*build())
            times.append(time.perf_counter() - start)
    return min(times), memory.largest()


def worker_max_rss(client):
    def peak():
        import resource
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # (KiB on Linux)
    return max(client.run(peak).values())


@contextlib.contextmanager
def connect(scheduler, workers, memory):
    from dask.distributed import Client, LocalCluster
    if scheduler:
        with Client(scheduler) as client:
            yield client
        return
    with LocalCluster(n_workers=workers, threads_per_worker=1, memory_limit=memory,
                      dashboard_address=":0", host="127.0.0.1") as cluster, \
            Client(cluster) as client:
        yield client


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=50_000_000)
    parser.add_argument("--chunk-rows", type=int, default=1_000_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--memory", default="4GiB")
    parser.add_argument("--scheduler", default="")
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--steps", type=int, default=2, help="gradient-descent steps")
    args = parser.parse_args(argv)
    X, y = make_data(args.rows, args.chunk_rows)
    params = start_params(np.random.default_rng(0))
    gib = 2 ** 30
    print(f"X: {X.shape[0]:,} x {X.shape[1]} float64 = {X.nbytes / gib:.1f} GiB in "
          f"{X.numblocks[0]} blocks of {args.chunk_rows:,} rows "
          f"({X.nbytes / X.numblocks[0] / 2 ** 20:.0f} MiB)", flush=True)
    rows = []
    with connect(args.scheduler, args.workers, args.memory) as client:
        workers = len(client.scheduler_info()["workers"])
        print(f"cluster: {workers} workers, memory limit {args.memory} each")
        for name, loss in (("logistic regression", logistic), ("MLP 20-16-1", mlp)):
            p = params["logistic" if loss is logistic else "mlp"]
            primal, primal_memory = best_time(client, lambda: (loss(p, X, y),), args.repeats)
            start = time.perf_counter()
            value, grads = value_and_grad(loss)(p, X, y)
            build = time.perf_counter() - start  # the graph only: nothing is computed yet
            gradient, gradient_memory = best_time(
                client, lambda: value_and_grad(loss)(p, X, y), args.repeats)
            rows.append((name, primal, gradient, build, primal_memory, gradient_memory))
            print(f"{name}: primal {primal:.1f} s, loss and gradient {gradient:.1f} s "
                  f"({gradient / primal:.2f}x), graph built in {build * 1e3:.0f} ms; worker "
                  f"peak memory {primal_memory / gib:.2f} GiB (primal), "
                  f"{gradient_memory / gib:.2f} GiB (gradient)", flush=True)
        optimizer, w = Adam(lr=0.2), params["logistic"]
        loss_and_grad = value_and_grad(logistic)
        start = time.perf_counter()
        for step in range(args.steps):
            value, d_w = dask.compute(*loss_and_grad(w, X, y))
            print(f"step {step}: loss {value:.6f}", flush=True)
            w = optimizer.step(w, d_w)
        descent = (time.perf_counter() - start) / max(args.steps, 1)
        rss = worker_max_rss(client) if not args.scheduler else float("nan")
    print()
    print("| loss | primal (Dask) | loss + gradient (tapeless on Dask) | gradient / primal | "
          "worker peak memory, primal | worker peak memory, gradient |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for name, primal, gradient, build, pm, gm in rows:
        print(f"| {name} | {primal:.1f} s | {gradient:.1f} s | {gradient / primal:.2f}x | "
              f"{pm / gib:.2f} GiB | {gm / gib:.2f} GiB |")
    print()
    print(f"gradient descent (logistic, Adam): {descent:.1f} s a step; largest worker "
          f"resident size over the run {rss / gib:.2f} GiB; data {X.nbytes / gib:.1f} GiB")
    print(f"python {platform.python_version()}, numpy {np.__version__}, dask {dask.__version__}, "
          f"{workers} workers x 1 thread, machine {platform.machine()}, {sys.platform}")


if __name__ == "__main__":
    main()
