"""The multiply-gate view of backpropagation, beside the code tapeless generates.

Each gate's forward computes one primitive; its backward takes the gradient
of the output and returns the gradients of the inputs, using the same rule
the compiler inlines. Wiring gates by hand is what the generated adjoint does
line by line: compare the two below.

Run:  python examples/gates.py
"""
from transpiler.gates import AddGate, MaxGate, MultiplyGate
from transpiler import value_and_grad


def f(x, y, z):
    return (x + y) * max(y, z)


def by_gates(x, y, z):
    add, biggest, times = AddGate(), MaxGate(), MultiplyGate()
    s = add.forward(x, y)          # forward: s = x + y
    m = biggest.forward(y, z)      #          m = max(y, z)
    out = times.forward(s, m)      #          f = s * m
    ds, dm = times.backward(1.0)   # backward: the multiply gate swaps its inputs
    dx, dy1 = add.backward(ds)     #           the add gate passes its gradient on
    dy2, dz = biggest.backward(dm)  #          the max gate routes it to the larger input
    return out, (dx, dy1 + dy2, dz)  # y feeds two gates: its gradients add up


def main():
    args = (1.0, 2.0, 0.0)
    gate_value, gate_grads = by_gates(*args)
    compiled = value_and_grad(f, wrt=(0, 1, 2))
    value, grads = compiled(*args)
    print("gates:          value", gate_value, "gradient", gate_grads)
    print("generated code: value", value, "gradient", grads)
    print()
    print(compiled.source)
    return gate_value, gate_grads, value, grads


if __name__ == "__main__":
    main()
