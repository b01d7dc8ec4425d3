"""tapeless: source-transformation automatic differentiation for Python and NumPy.

    >>> from transpiler import grad
    >>> @grad
    ... def f(x):
    ...     return x * x + 3.0 * x
    >>> f(2.0)
    7.0
"""
__version__ = "0.1.0"  # the distribution's version (pyproject.toml reads it from here)

from runtime.ops import stop_gradient
from runtime.structures import register_pytree

from .api import Gradient, grad, value_and_grad
from .check import check_grad
from .checkpoint import checkpoint
from .compat import jacfwd, jacrev, linearize
from .errors import GradientMismatch, TranspileError
from .graph import graph
from .higher import hessian, hvp, jacobian, jvp, vjp
from .jit import jit
from .pipeline import STAGES, transform
from .rules import adjoint, nondifferentiable, partials, tangent

rule = adjoint  # @transpiler.rule(np.hypot) registers the reverse-mode rule of np.hypot

__all__ = ["grad", "value_and_grad", "Gradient", "TranspileError", "GradientMismatch",
           "transform", "STAGES", "rule", "adjoint", "partials", "tangent",
           "nondifferentiable", "stop_gradient", "jvp", "vjp", "jacobian", "hessian", "hvp",
           "check_grad", "graph", "register_pytree", "jacfwd", "jacrev", "linearize", "jit",
           "checkpoint"]
