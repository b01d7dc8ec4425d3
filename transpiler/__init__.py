"""tapeless: source-transformation automatic differentiation for Python and NumPy.

    >>> from transpiler import grad
    >>> @grad
    ... def f(x):
    ...     return x * x + 3.0 * x
    >>> f(2.0)
    7.0
"""
from .api import Gradient, grad, value_and_grad
from .errors import GradientMismatch, TranspileError
from .pipeline import STAGES, transform

__all__ = ["grad", "value_and_grad", "Gradient", "TranspileError", "GradientMismatch",
           "transform", "STAGES"]
