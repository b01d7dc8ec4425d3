"""The check after a loop that lets its reverse sweep skip `unbroadcast` in every pass.

A loop-carried array updated only by broadcasting operations never shrinks
(transpiler/ir/kinds.py, `kept_shape_chain`), so it ends with the shape it
started with only if every pass kept that shape. Generated code asks once,
after the loop, and runs the reverse loop that needs no shape of its own:

    >>> import numpy as np
    >>> kept_shapes(np.ones(3), np.zeros(3))
    True
    >>> kept_shapes(np.ones(3), np.zeros(1))   # b = b + w grew b
    False
"""
import numpy as np


def kept_shapes(*exit_and_entry):
    """Whether each (value at the loop's exit, value at its entry) pair is two
    NumPy arrays of one shape and dtype."""
    for k in range(0, len(exit_and_entry), 2):
        out, entry = exit_and_entry[k], exit_and_entry[k + 1]
        if type(out) is not np.ndarray or type(entry) is not np.ndarray or \
                out.shape != entry.shape or out.dtype != entry.dtype:
            return False
    return True
