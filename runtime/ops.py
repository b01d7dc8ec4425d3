"""Small functions that stand for Python syntax in the IR and in generated code.

Each is the primitive behind one piece of syntax that has no function in the
`operator` module, so the rule table can be keyed by a callable for every
operation, and the tape engine can call the same thing the compiler prints.
"""


def identity(x):
    """`y = x`: a copy of a reference."""
    return x


def copy(x):
    """`x.copy()`: a new list of a list, a new dict of a dict, a new array otherwise
    (so `xs.copy() + [y]` concatenates, as in Python)."""
    if type(x) is list:
        return list(x)
    if type(x) is dict:
        return dict(x)
    import numpy as np
    from .namespaces import is_foreign_array
    if is_foreign_array(x) and hasattr(x, "copy"):
        return x.copy()  # by x's library (np.array would compute a Dask array)
    return np.array(x)


def make_tuple(*items):
    """`(a, b, c)`"""
    return items


def make_list(*items):
    """`[a, b, c]`"""
    return list(items)


def item(x):
    """`x.item()`: the one number in `x`, as a Python scalar."""
    return x.item()


def call_method(obj, name, *args, **kwargs):
    """`obj.name(*args)` for an object that is not differentiated (`rng.normal(size=3)`):
    no gradient flows through it."""
    return getattr(obj, name)(*args, **kwargs)


def array_namespace(x):
    """`x.__array_namespace__()`: the Array API namespace of an array."""
    return x.__array_namespace__()


def call(fn, *args, **kwargs):
    """`fn(*args)` where `fn` is a value (a parameter, a local, an object's method):
    the callee is known only when the call runs."""
    return fn(*args, **kwargs)


def method(obj, name):
    """`obj.name` looked up to be called (`layer.forward(x)`): a bound method."""
    return getattr(obj, name)


def attribute(obj, name):
    """`obj.name` for an object that is not differentiated (`self.scale`,
    `config.lr`): no gradient flows through it."""
    return getattr(obj, name)


def make_dict(keys, *values):
    """`{k1: v1, k2: v2}` (keys known at transform time)"""
    return dict(zip(keys, values))


def contains(container, item):
    """`item in container`"""
    return item in container


def not_contains(container, item):
    """`item not in container`"""
    return item not in container


def updates_in_place(x):
    """Whether `x += v` changes the object `x` (an array or a list) rather than
    binding a new one (a number, a tuple): then every alias sees the change."""
    import numpy as np
    return isinstance(x, list) or hasattr(x, "shape") and hasattr(x, "__setitem__") and \
        not isinstance(x, np.generic)


def same_array(a, b):
    """Whether `a` and `b` are one array (or list), changed by an in-place update of `a`."""
    return a is b and updates_in_place(a)


def not_an_array(x, message):
    """Raise ValueError(message) when `x` is an array (a view, changed in place
    where the compiler could not follow it); numbers pass."""
    if updates_in_place(x):
        raise ValueError(message)


def sort_index(a, axis=-1, kind=None):
    """The index that sorts `a` along `axis`: `a[sort_index(a)]` is `np.sort(a)`
    (how `a.sort()` is differentiated: through an item read)."""
    import numpy as np
    order = np.argsort(a, axis=axis, kind=kind)
    if np.ndim(a) <= 1:
        return order
    index = list(np.ix_(*[np.arange(n) for n in np.shape(a)]))
    index[axis] = order
    return tuple(index)


def sequence(xs):
    """`xs`, checked to be a sequence a loop can index (`for x in xs` is lowered to
    `for i in range(len(xs)): x = xs[i]`); a dict or a set would be read wrong."""
    if isinstance(xs, (dict, set, frozenset)) or not hasattr(xs, "__getitem__"):
        raise TypeError(f"a differentiated loop over a {type(xs).__name__}: loops over lists, "
                        "tuples and arrays are supported; iterate over d.items(), d.keys(), d.values() "
                        "or sorted(d) instead")
    return xs


def plus(a, b):
    """`a + b` where one side is a tuple or list and the other may be one:
    concatenation or arithmetic, as Python decides when it runs."""
    return a + b


def times(a, b):
    """`a * b` where one side may be a tuple or list and the other an integer:
    repetition or arithmetic, as Python decides when it runs."""
    return a * b


def sort_order(keys, reverse=False):
    """The positions of `keys` in the order `sorted` puts them (stable, as Python)."""
    return sorted(range(len(keys)), key=keys.__getitem__, reverse=reverse)


def truth(x):
    """`bool(x)` as used by `if x:`"""
    return bool(x)


def append(stack, value):
    """`stack.append(value)`: how a loop saves a value for its reverse sweep."""
    stack.append(value)


def setitem(container, index, value):
    """`container[index] = value` as a value: a copy of the array (or list) with
    the item replaced. Generated code writes in place instead wherever nothing
    else can see the old contents (see transpiler/writes.py)."""
    copy = getattr(container, "copy", None)
    if copy is None:  # a tuple, a string: Python's own error
        raise TypeError(f"'{type(container).__name__}' object does not support item "
                        "assignment")
    out = copy()
    out[index] = value
    return out


def scatter_add(container, index, value):
    """`np.add.at(container, index, value)` as a value: a copy of the array with
    `value` added at `index`, unbuffered (an index given twice adds twice)."""
    import numpy as np
    out = np.array(container, copy=True)
    np.add.at(out, index, value)
    return out


def stop_gradient(x):
    """The value of `x`, treated as a constant: no gradient flows through it."""
    return x


def list_append(items, value):
    """`items.append(value)` as a value: the SSA form of appending to a list the
    function built itself (the list is changed in place and returned)."""
    items.append(value)
    return items


def fail(exc, cause=None, has_cause=False):
    """`raise exc` (`raise exc from cause` when `has_cause`) in generated code."""
    if has_cause:
        raise exc from cause
    raise exc


def snapshot(value):
    """A checkpoint's copy of a loop's state at the start of a segment: a list,
    dict or array is copied (the loop goes on to change it in place); any other
    value is kept as it is."""
    kind = type(value)
    if kind is list or kind is dict:
        return kind(value)
    copy = getattr(value, "copy", None)  # (an ndarray; other arrays copy the same way)
    if kind.__module__ == "numpy" and callable(copy):
        return copy()
    return value


def check_unpack(value, n):
    """`a, b = value` takes exactly `n` items: Python's errors when it has another
    number (the items themselves are then read by index)."""
    try:
        k = len(value)
    except TypeError:
        raise TypeError(f"cannot unpack non-iterable {type(value).__name__} object") from None
    if k != n:
        raise ValueError(f"too many values to unpack (expected {n})" if k > n else
                         f"not enough values to unpack (expected {n}, got {k})")


def check_unpack_starred(items, n):
    """`a, *rest, z = value` (its items listed) needs at least the `n` named items."""
    if len(items) < n:
        raise ValueError(f"not enough values to unpack (expected at least {n}, "
                         f"got {len(items)})")


def format_value(value, spec="", conversion=-1):
    """One `{value!conversion:spec}` field of an f-string."""
    if conversion == 114:
        value = repr(value)
    elif conversion == 115:
        value = str(value)
    elif conversion == 97:
        value = ascii(value)
    return format(value, spec)
