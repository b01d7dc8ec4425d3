"""Rules for SciPy, registered when the SciPy modules they are for are imported:
SciPy is an optional dependency (`pip install tapeless[scipy]`), and importing
scipy.signal and scipy.stats takes longer than everything else `import
transpiler` does; without it the compiler and the tape engine know NumPy and
Python only.

The families live in their own modules: `rules_scipy_special` (scipy.special),
`rules_scipy_stats` (scipy.stats), `rules_scipy_arrays` (scipy.signal and
scipy.linalg) and `rules_scipy_integrate` (scipy.integrate.odeint). A family
is registered by `register_imported`, which the rule table calls when it does
not know a function and something was imported since it last looked (a user's
function can only call a SciPy function from a module that is imported), and
before a user's own registration (which then overrides the built-in rule).
"""
from __future__ import annotations

import importlib
import importlib.util
import sys

AVAILABLE = importlib.util.find_spec("scipy") is not None

# rule module -> the modules whose import calls for it (runtime.scipy_helpers, which
# the rules' code calls, counts: generated code read from the disk cache imports it;
# runtime.scipy_ode does not: `import transpiler` imports it)
FAMILIES = {
    "scipy_arrays": ("scipy.signal", "scipy.linalg", "runtime.scipy_helpers"),
    "scipy_integrate": ("scipy.integrate",),
    "scipy_special": ("scipy.special",),
    "scipy_stats": ("scipy.stats", "runtime.scipy_helpers"),
}
_REGISTERED: set = set()


def register_imported(everything=False):
    """Register the families of the modules imported so far (with `everything`,
    all of them: for the generated list of rules); whether any was new."""
    if not AVAILABLE or len(_REGISTERED) == len(FAMILIES):
        return False
    new = [family for family, modules in FAMILIES.items() if family not in _REGISTERED and
           (everything or any(sys.modules.get(m) is not None for m in modules))]
    for family in new:
        _REGISTERED.add(family)
        importlib.import_module(f"{__package__}.{family}")
    return bool(new)
