"""The rule table and its families: what the compiler inlines and the tape engine calls.

`table.py` holds the table and the registration functions (`adjoint`,
`partials`, `tangent`, `nondifferentiable`); each family module registers the
rules of one library area on import. `_load_builtin_rules()` imports them all,
once, before the first transformation (so `import transpiler` stays quick);
SciPy's when the SciPy modules they are for are imported (scipy.py).
Nothing here imports a compiler stage: the stages and the tape engine import it.
"""
from .table import (adjoint, covered, is_nondifferentiable, is_position, lookup,  # noqa: F401
                    nondifferentiable, partials, remove, tangent)


def _load_builtin_rules():
    from . import numpy as rules_numpy, python as rules_python  # noqa: F401  (registration on import)
    from . import runtime as rules_runtime  # noqa: F401  (after the others: it overrides np.full)
    from . import (arrays as rules_arrays, containers as rules_containers, linalg as rules_linalg,
                   products as rules_products, stats as rules_stats)  # noqa: F401
    from . import objects as rules_objects  # noqa: F401
    from . import array_api as rules_array_api  # noqa: F401
    from runtime.assemble import basis_of
    from runtime.structures import unbound_method
    from runtime import ops
    nondifferentiable(basis_of, unbound_method, ops.sequence, ops.sort_order)
    from .table import _registered_imported_families
    _registered_imported_families()  # (SciPy's: those of the SciPy modules imported, scipy.py)
