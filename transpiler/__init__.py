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
from runtime import scipy_ode as _scipy_ode
from runtime.structures import register_pytree

from .api import Gradient
from .check import check_grad
from .errors import GradientMismatch, TranspileError
from .frontend.callables import define as _define
from .graph import graph
from .higher import hessian, hvp, jacobian, jvp, vjp
from .jit import jit
from .operators import grad, jacfwd, jacrev, linearize, value_and_grad
from .pipeline import STAGES, transform
from .rules import adjoint, nondifferentiable, partials, tangent

_scipy_ode.TRANSFORMS.update(grad=grad, hvp=hvp, jvp=jvp, define=_define)  # (it calls them back)

rule = adjoint  # @transpiler.rule(np.hypot) registers the reverse-mode rule of np.hypot

__all__ = ["grad", "value_and_grad", "Gradient", "TranspileError", "GradientMismatch",
           "transform", "STAGES", "rule", "adjoint", "partials", "tangent",
           "nondifferentiable", "stop_gradient", "jvp", "vjp", "jacobian", "hessian", "hvp",
           "check_grad", "graph", "register_pytree", "jacfwd", "jacrev", "linearize", "jit"]
