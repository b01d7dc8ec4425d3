"""Array-API-written code at run time: the keyword under which the compiler's
calls carry their namespace, and index arithmetic for the derivative rules
(plain Python on axes: the standard has no function taking axes as data)."""

# The keyword under which an IR call holds the array namespace it calls through
# (`xp.sin(x)`: fn np.sin, kwargs {NAMESPACE: xp}); see transpiler/array_api.py.
NAMESPACE = "__namespace__"
# keywords the standard names otherwise than NumPy's rules: {function: {numpy: standard}}
KEYWORDS = {"std": {"ddof": "correction"}, "var": {"ddof": "correction"}}


def saved_namespace(xp):
    """The array namespace a forward sweep computed, read back from its saved
    values by the backward sweep: `xp = saved_namespace(saved_xp)` tells the
    compiler, reading the backward again (higher derivatives), that `xp` is a
    namespace, whose calls it differentiates with their rules."""
    return xp


def inverse_axes(axes):
    """The permutation undoing `permute_dims(x, axes)`: (1, 2, 0) -> (2, 0, 1).

    >>> inverse_axes((1, 2, 0))
    (2, 0, 1)
    """
    return tuple(sorted(range(len(axes)), key=lambda i: axes[i]))


def tensordot_axes(ndim_a, ndim_b, n):
    """For ans = tensordot(a, b, axes=n): the axes pairs giving the gradients,
    tensordot(g, b, first) for a and tensordot(a, g, second) for b.

    >>> tensordot_axes(3, 2, 1)
    (((2,), (1,)), ((0, 1), (0, 1)))
    """
    kept_a, kept_b = ndim_a - n, ndim_b - n
    first = (tuple(range(kept_a, kept_a + kept_b)), tuple(range(n, ndim_b)))
    second = (tuple(range(kept_a)), tuple(range(kept_a)))
    return first, second
