"""Type aliases for the public API's signatures (checked by mypy in the tests).

    Fn   any callable tapeless can differentiate: a def, a lambda, a bound method,
         a partial, a callable object, a ufunc with a rule, another transform
    Wrt  which parameters: an index, a name, or a sequence of these
"""
from __future__ import annotations

from typing import Any, Callable, Sequence, TypeVar, Union

Fn = Callable[..., Any]
Wrt = Union[int, str, Sequence[Union[int, str]]]
F = TypeVar("F", bound=Callable[..., Any])
