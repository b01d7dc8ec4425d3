"""Rules for SciPy, registered only when SciPy imports: SciPy is an optional
dependency (`pip install tapeless[scipy]`); without it the compiler and the
tape engine know NumPy and Python only.

The families live in their own modules: `rules_scipy_special` (scipy.special),
`rules_scipy_stats` (scipy.stats), `rules_scipy_arrays` (scipy.signal and
scipy.linalg) and `rules_scipy_integrate` (scipy.integrate.odeint).
"""
from __future__ import annotations

try:
    import scipy  # noqa: F401
except ImportError:
    AVAILABLE = False
else:
    AVAILABLE = True
    from . import (scipy_arrays as rules_scipy_arrays, scipy_integrate as rules_scipy_integrate,
                   scipy_special as rules_scipy_special)  # noqa: F401
    from . import scipy_stats as rules_scipy_stats  # noqa: F401
