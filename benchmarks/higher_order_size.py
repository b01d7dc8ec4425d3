"""How large the generated code of the 1st to 5th derivative of a 20-line function is.

    python benchmarks/higher_order_size.py

Each order is the tangent of the previous order's generated code
(forward-over-reverse), so size should grow by a bounded factor per order.
"""
import math

import numpy as np

from transpiler import grad


def twenty_lines(x):
    a = x * x
    b = math.sin(a) + 1.0
    c = b * x - a
    if c > 0.0:
        d = c * 2.0
    else:
        d = -c
    s = 0.0
    for i in range(4):
        s = s + d * math.cos(x * i)
        d = d * 0.5 + a
    e = math.exp(-x * 0.1)
    f = s * e
    g = f / (1.0 + a)
    h = g + b * c
    k = h * h
    m = np.tanh(k * 0.01)
    n = m + math.log1p(a)
    return n * e


def main():
    d = twenty_lines
    x = 0.8
    rows = []
    for order in range(1, 6):
        d = grad(d)
        value = d(x)
        source = d.source
        rows.append((order, len(source.splitlines()), len(source), value))
    print("| order | lines | characters | value at 0.8 |")
    print("| ---: | ---: | ---: | ---: |")
    for order, lines, chars, value in rows:
        print(f"| {order} | {lines} | {chars} | {value:.6g} |")
    return rows


if __name__ == "__main__":
    main()
