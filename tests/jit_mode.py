"""TAPELESS_JIT=1: run the suite's `grad` and `value_and_grad` calls compiled.

Every Gradient's calls go through `jit(..., fallback=True)`: what numba
compiles runs compiled (and must give the same answers the tests assert);
what it cannot compile warns and runs the Python code. At the end the run
reports how many specializations compiled and how many fell back.

    TAPELESS_JIT=1 python -m pytest -q tests/test_loops.py
"""
import warnings

from transpiler import api
from transpiler.jit import JitFallbackWarning, JitGradient

_JITTED = []


def _through_jit(self, *args, **kwargs):
    jitted = self.__dict__.get("_tapeless_jit")
    if jitted is None:
        jitted = self.__dict__["_tapeless_jit"] = JitGradient(self, fallback=True)
        _JITTED.append(jitted)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", JitFallbackWarning)
        return jitted(*args, **kwargs)


def install():
    api.Gradient.__call__ = _through_jit
    api._dispatcher = lambda gradient: _through_jit


def summary():
    compiled = sum(j.compiled_count for j in _JITTED)
    made = sum(len(j._compiled) for j in _JITTED)
    return (f"TAPELESS_JIT=1: {compiled} gradient specializations compiled with numba, "
            f"{made - compiled} fell back to Python")
