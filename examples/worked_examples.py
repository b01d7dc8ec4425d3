"""The classic worked examples of backpropagation, computed by the compiler.

Each example prints the gradient code tapeless generates for it, the value
and gradient it computes, and the same gradient by central finite
differences (`runtime.numeric.numeric_grad`, which shares no code with the
compiler). The numbers are the ones the textbooks and lecture notes work out
by hand:

    f = (x + y) * max(y, z)   at (1, 2, 0):  value 6,  gradient (2, 5, 0)
    f = (x + y) * y           at (3, 2):     value 10, gradient (2, 7)
    e = (a + b) * (b + 1)     at (2, 1):     value 6,  gradient (2, 5)
    yhat = w * x + b, loss (yhat - 5)**2 at x=2, w=1, b=0: loss 9,
        dL/dw = -12, dL/db = -6; one step with lr 0.1 gives w = 2.2, b = 0.6

Run:  python examples/worked_examples.py [--no-source]
"""
import argparse
import inspect

from runtime.numeric import numeric_grad
from transpiler import value_and_grad

try:  # the three-way check (compiled adjoint, tape engine, finite differences)
    from transpiler import check_grad
except ImportError:  # a tapeless without the tape engine: finite differences only
    check_grad = None


def circuit(x, y, z):
    """The max gate routes the gradient to the larger input only."""
    return (x + y) * max(y, z)


def sum_times_y(x, y):
    """y is used twice: its two gradient contributions add up."""
    return (x + y) * y


def shared_input(a, b):
    """b feeds both c and d: again the contributions add up."""
    c = a + b
    d = b + 1
    return c * d


def squared_error(x, w, b):
    """A one-input linear model and its squared error against the target 5."""
    yhat = w * x + b
    return (yhat - 5) ** 2


# (title, function, arguments, the arguments to differentiate)
EXAMPLES = [
    ("f = (x + y) * max(y, z) at x=1, y=2, z=0", circuit, (1.0, 2.0, 0.0), ("x", "y", "z")),
    ("f = (x + y) * y at x=3, y=2", sum_times_y, (3.0, 2.0), ("x", "y")),
    ("e = (a + b) * (b + 1) at a=2, b=1", shared_input, (2.0, 1.0), ("a", "b")),
    ("loss = (w * x + b - 5)**2 at x=2, w=1, b=0", squared_error, (2.0, 1.0, 0.0), ("w", "b")),
]


def show(title, fn, args, wrt, print_source=True):
    """Print one example; returns (value, gradient, finite-difference gradient)."""
    print(f"=== {title}")
    value_and_gradient = value_and_grad(fn, wrt=wrt)
    value, gradient = value_and_gradient(*args)
    if print_source:
        print("generated gradient code:")
        print(_indent(value_and_gradient.source))
    names = list(inspect.signature(fn).parameters)
    numeric = numeric_grad(fn, args, tuple(names.index(n) for n in wrt))
    worst = max(abs(g - n) for g, n in zip(gradient, numeric))
    print(f"value              = {value!r}")
    print(f"gradient d/({', '.join(wrt)}) = {gradient!r}")
    print(f"finite differences = ({', '.join(f'{n:.10f}' for n in numeric)})")
    print(f"largest difference = {worst:.2e}")
    if check_grad is not None:
        print(check_grad(fn, *args, wrt=wrt))
    print()
    return value, gradient, numeric


def gradient_descent_step(lr=0.1):
    """The linear model's first step of gradient descent, from w=1, b=0."""
    x, w, b = 2.0, 1.0, 0.0
    loss, (dw, db) = value_and_grad(squared_error, wrt=("w", "b"))(x, w, b)
    w, b = w - lr * dw, b - lr * db
    new_loss = squared_error(x, w, b)
    print(f"=== one step of gradient descent with lr = {lr}")
    print(f"w = 1 - {lr} * ({dw!r}) = {w:.12g};  b = 0 - {lr} * ({db!r}) = {b:.12g}")
    print(f"loss: {loss!r} -> {new_loss:.3g}")
    return w, b, new_loss


def _indent(text):
    return "\n".join("    " + line for line in text.rstrip().splitlines())


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-source", action="store_true",
                        help="do not print the generated gradient code")
    args = parser.parse_args(argv)
    results = {fn.__name__: show(title, fn, point, wrt, not args.no_source)
               for title, fn, point, wrt in EXAMPLES}
    results["step"] = gradient_descent_step()
    return results


if __name__ == "__main__":
    main()
