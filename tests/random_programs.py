"""Random programs for differential testing of gradients.

`programs(features)` is a hypothesis strategy for (Program, arguments). A
Program is a small tree of dataclasses (expressions, statements, functions)
rendered to Python source in two ways: plainly, to be differentiated, and as a
*probe*, in which every non-smooth operation (comparisons, `abs`, `max`,
`np.where`, `np.clip`, ...) also records how far its operands are from the
kink. A test runs the probe first and skips inputs that lie so close to a
kink that finite differences would straddle it.

Values stay in a smooth, finite domain by construction: logarithms and
square roots only see `1 + e * e`, exponentials only bounded arguments,
divisions only denominators of at least 1.

What the generator may use is a `Features` flag set. Loops (`for` over
`range` with loop-carried values) and calls between generated helper
functions are written but off by default; switch them on with
`Features(loops=True, calls=True)` or `TAPELESS_RANDOM_FEATURES=loops,calls`.
Python's semantics are exercised by default: aliases updated in place
(`a = v; a += e` changes v when it is an array), in-place methods and `out=`
(a Program that uses them has `mutates` set: the tape engine cannot follow
them, so only the compiler and finite differences are compared), lists and
tuples built with `+` and `*`, and `in` tests.
"""
from __future__ import annotations

import math
import os
from dataclasses import dataclass, field, replace

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

S, V, M = (), (3,), (2, 3)  # the shapes of values: scalar, vector, matrix
NAMES = {S: "xyz", V: "uv", M: "AB"}


@dataclass(frozen=True)
class Features:
    arrays: bool = True        # NumPy arrays and broadcasting, reductions, products, indexing
    branches: bool = True      # if/elif/else on data-dependent comparisons, conditional expressions
    early_return: bool = True  # `return` from inside a branch
    kinks: bool = True         # abs, max, min, np.maximum, np.where, np.clip (probed)
    loops: bool = False        # `for i in range(k)` with loop-carried values, nested, with
    #                            break, return and else clauses
    calls: bool = False        # calls between generated helper functions
    sequences: bool = True     # lists and tuples built with + and *, `in` tests
    mutation: bool = True      # aliases changed by augmented assignment, in-place methods, out=

    @classmethod
    def from_env(cls, **overrides):
        """Defaults, with extra features named in TAPELESS_RANDOM_FEATURES switched on."""
        names = os.environ.get("TAPELESS_RANDOM_FEATURES", "")
        on = {name.strip(): True for name in names.split(",") if name.strip()}
        return replace(cls(**overrides), **on)


# ---- the program tree -------------------------------------------------------

@dataclass(frozen=True)
class Expr:
    """`template` formatted with the rendered `args`; `probe` is the same
    operation recording its distance from a kink, when it has one."""

    template: str
    args: tuple = ()
    probe: str = ""

    def render(self, probing=False):
        template = self.probe if probing and self.probe else self.template
        return template.format(*(a.render(probing) for a in self.args))


def _plain(text):
    """A statement's right-hand side without redundant outer parentheses."""
    if text.startswith("(") and text.endswith(")"):
        depth = 0
        for k, ch in enumerate(text):
            depth += {"(": 1, ")": -1}.get(ch, 0)
            if depth == 0 and k < len(text) - 1:
                return text
        return text[1:-1]
    return text


@dataclass
class Assign:
    target: str
    value: Expr
    op: str = ""  # "+" for `target += value`

    def lines(self, probing):
        return [f"{self.target} {self.op}= {_plain(self.value.render(probing))}"]


@dataclass
class Block:
    """Statements that belong together (an alias and its update), one after another."""

    stmts: list

    def lines(self, probing):
        return [line for st in self.stmts for line in st.lines(probing)]


@dataclass
class Line:
    """A statement with no value to render in two ways (`v.fill(e)`, `break`):
    `probe` is the probing rendering, when it differs."""

    template: str
    args: tuple = ()
    probe: str = ""

    def lines(self, probing):
        return [Expr(self.template, self.args, self.probe).render(probing)]


@dataclass
class Return:
    value: Expr

    def lines(self, probing):
        return [f"return {_plain(self.value.render(probing))}"]


@dataclass
class If:
    test: Expr
    body: list
    orelse: list = field(default_factory=list)

    def lines(self, probing):
        out = [f"if {self.test.render(probing)}:"] + _indent(self.body, probing)
        if len(self.orelse) == 1 and isinstance(self.orelse[0], If):
            return out + ["el" + line if k == 0 else line
                          for k, line in enumerate(self.orelse[0].lines(probing))]
        return out + (["else:"] + _indent(self.orelse, probing) if self.orelse else [])


@dataclass
class For:
    index: str
    count: int
    body: list
    orelse: list = field(default_factory=list)

    def lines(self, probing):
        out = [f"for {self.index} in range({self.count}):"] + _indent(self.body, probing)
        return out + (["else:"] + _indent(self.orelse, probing) if self.orelse else [])


def _indent(stmts, probing):
    return ["    " + line for s in stmts for line in s.lines(probing)]


@dataclass
class Function:
    name: str
    params: list  # (name, shape)
    body: list

    def source(self, probing=False):
        head = f"def {self.name}({', '.join(name for name, _ in self.params)}):"
        return "\n".join([head] + _indent(self.body, probing)) + "\n"


@dataclass
class Program:
    helpers: list
    main: Function
    mutates: bool = False  # changes arrays in place (the tape engine cannot follow that)

    def source(self, probing=False):
        return "\n\n".join(fn.source(probing) for fn in (*self.helpers, self.main))


# ---- what expressions are made of ------------------------------------------

@dataclass(frozen=True)
class Template:
    """An operation: `args` are shapes, "s" (the result's shape) or "t" (any
    shape that broadcasts to it); `result` is a shape, "s" (elementwise, any
    shape) or "a" (elementwise, arrays only)."""

    text: str
    args: tuple
    result: object = "s"
    probe: str = ""
    feature: str = ""


def _templates(*rows, feature=""):
    return [Template(*row, feature=feature) if isinstance(row, tuple) else
            Template(row, ("s",), feature=feature) for row in rows]


# elementwise functions, smooth on all reals (domains kept valid by construction)
UNARY = _templates(
    "np.sin({0})", "np.cos({0})", "np.tanh({0})", "np.arctan({0})", "np.arcsinh({0})",
    "np.exp(np.sin({0}))", "np.exp(-{0} * {0})", "np.log(1.0 + {0} * {0})",
    "np.sqrt(1.0 + {0} * {0})", "np.log1p({0} * {0})", "({0} ** 2)", "({0} ** 3)", "(-{0})",
    "np.square({0})", "(1.0 / (1.0 + {0} * {0}))", "np.hypot({0}, 1.0)", "(0.5 * {0})",
    "({0} * 2)", "np.logaddexp({0}, 0.5)")
BINARY = _templates(
    *[(t, ("s", "t")) for t in (
        "({0} + {1})", "({0} - {1})", "({0} * {1})", "({0} / (1.0 + {1} * {1}))",
        "({0} / (2.0 + np.cos({1})))", "np.add({0}, {1})", "np.multiply({0}, {1})",
        "np.subtract({0}, {1})", "np.logaddexp({0}, {1})", "np.arctan2({0}, 2.0 + np.cos({1}))",
        "np.hypot({0}, 1.0 + {1} * {1})", "np.power(1.5 + np.sin({0}), {1})",
        "((1.0 + {0} * {0}) ** np.tanh({1}))")],
    *[(t, ("t", "s")) for t in ("({0} - {1})", "({0} * {1})", "({0} / (1.5 + np.sin({1})))")])
SCALAR = _templates(
    *[(t, (S,), S) for t in (
        "math.sin({0})", "math.cos({0})", "math.tanh({0})", "math.atan({0})", "math.erf({0})",
        "math.exp(math.sin({0}))", "math.log(1.0 + {0} * {0})", "math.sqrt(1.0 + {0} * {0})",
        "math.hypot({0}, 1.0)", "float({0})", "math.log1p({0} ** 2)")],
    *[(t, (S, S), S) for t in (
        "math.atan2({0}, 2.0 + math.cos({1}))", "math.pow(1.5 + math.sin({0}), {1})",
        "math.hypot({0}, 1.0 + {1} * {1})")])
ARRAY = _templates(
    *[(t, (shape,), S) for shape in (V, M) for t in ("np.sum({0})", "np.mean({0})",
                                                     "{0}.sum()", "{0}.mean()")],
    ("np.dot({0}, {1})", (V, V), S), ("({0} @ {1})", (V, V), S), ("{0}[1]", (V,), S),
    ("{0}[-1]", (V,), S), ("{0}[0, 2]", (M,), S), ("{0}[1]", (M,), V), ("{0}[::-1]", (V,), V),
    ("np.sum({0}, axis=0)", (M,), V), ("{0}.mean(axis=0)", (M,), V),
    ("(({0} @ {1}) @ {0})", (M, V), V), ("({0}.T @ ({0} @ {1}))", (M, V), V),
    ("np.sum({0} @ {1}.T)", (M, M), S), ("np.sum({0}[:, 1:] ** 2)", (M,), S),
    ("np.reshape({0}, (3, 2)).T", (M,), M), ("{0}.reshape(3, 2).T", (M,), M),
    ("np.transpose({0}.T)", (M,), M),
    # keepdims reductions broadcast back onto the array they reduce (or another)
    ("({0} - np.mean({0}, axis=1, keepdims=True))", (M,), M),
    ("({0} * np.sum({1}, axis=0, keepdims=True))", (M, M), M),
    ("(np.mean({0}, axis=1, keepdims=True) * np.sum({1}, axis=0, keepdims=True))", (M, M), M),
    ("np.sum({0} * np.sum({0}, keepdims=True))", (M,), S), feature="arrays")
KINKS = _templates(
    ("abs({0})", (S,), S, "_abs({0})"), ("max({0}, {1})", (S, S), S, "_max({0}, {1})"),
    ("min({0}, {1})", (S, S), S, "_min({0}, {1})"), ("np.abs({0})", ("s",), "s", "_abs({0})"),
    ("np.maximum({0}, {1})", ("s", "t"), "s", "_max({0}, {1})"),
    ("np.minimum({0}, {1})", ("t", "s"), "s", "_min({0}, {1})"),
    ("np.clip({0}, -1.0, 1.0)", ("s",), "s", "_clip({0})"),
    ("np.where({0} > {1}, {2}, {3})", ("s", "t", "s", "t"), "a",
     "np.where(_gt({0}, {1}), {2}, {3})"), feature="kinks")
CHOICES = _templates(("({2} if {0} > {1} else {3})", (S, S, "s", "s"), "s",
                      "({2} if _gt({0}, {1}) else {3})"), feature="branches")
CONDITIONS = _templates(
    ("{0} > {1}", (S, S), S, "_gt({0}, {1})"), ("{0} < {1}", (S, S), S, "_gt({1}, {0})"),
    ("{0} > {1} and {2} < {3}", (S, S, S, S), S, "_gt({0}, {1}) and _gt({3}, {2})"),
    ("{0} < {1} or {2} > {3}", (S, S, S, S), S, "_gt({1}, {0}) or _gt({2}, {3})"),
    ("{0} < {1} < {2}", (S, S, S), S, "(_gt({1}, {0}) and _gt({2}, {1}))"),
    ("not {0} > {1}", (S, S), S, "not _gt({0}, {1})"))
# lists and tuples: + and * are concatenation and repetition, `in` tests membership
SEQUENCES = _templates(
    ("sum([{0}] * 3)", ("s",)), ("sum([{0}] + [{1}, {0}])", ("s", "t")),
    ("([{0}] * 2 + [{1}])[2]", ("s", "s")), ("(({0},) + ({1}, {0}))[1]", ("t", "s")),
    ("sum(([{0}, {1}] * 2)[1:])", ("s", "s")), feature="sequences")
MEMBERSHIP = [
    ("{0} > {1} and 2 in [1, 2, 3]", (S, S), S, "_gt({0}, {1}) and 2 in [1, 2, 3]"),
    ("{0} > {1} or 'b' not in 'abc'", (S, S), S, "_gt({0}, {1}) or 'b' not in 'abc'"),
    ("'x' in 'abc' or {0} < {1}", (S, S), S, "'x' in 'abc' or _gt({1}, {0})")]
CONSTANTS = ("0.5", "1.5", "2.0", "(-1.25)", "3", "2")
EXPR_DEPTH, BLOCK_DEPTH = 3, 2


def broadcasts_to(shape):
    """The shapes whose values broadcast to `shape` (suffixes of it)."""
    return [shape[k:] for k in range(len(shape) + 1)]


def available(scope):
    """The shapes an expression may have here: the variables' and the scalar's."""
    return sorted({S, *scope.values()}, key=len)


class Generator:
    """Draws one program, choice by choice. Every choice is an integer index
    into a list whose first entry is the simplest, so hypothesis shrinks a
    failing program towards a short one."""

    def __init__(self, draw, features):
        self.draw, self.features = draw, features
        self.templates = [t for t in UNARY + BINARY + SCALAR + ARRAY + KINKS + CHOICES +
                          SEQUENCES if not t.feature or getattr(features, t.feature)]
        self.conditions = CONDITIONS + (_templates(*MEMBERSHIP) if features.sequences else [])
        self.calls = []  # templates calling the helper functions made so far
        self.count, self.locked, self.returns = 0, set(), S
        self.mutates = False

    def pick(self, options):
        return options[self.draw(st.integers(0, len(options) - 1))]

    def maybe(self):
        return self.draw(st.booleans())

    def fresh(self, stem):
        self.count += 1
        return f"{stem}{self.count}"

    # -- expressions ----------------------------------------------------------
    def expr(self, scope, shape, depth=EXPR_DEPTH):
        options = self.options(scope, shape) if depth > 0 else []
        if not options or self.draw(st.integers(0, 3)) == 0:
            return self.leaf(scope, shape)
        template = self.pick(options)
        args = tuple(self.expr(scope, self.operand_shape(scope, shape, spec), depth - 1)
                     for spec in template.args)
        return Expr(template.text, args, template.probe)

    def options(self, scope, shape):
        have = available(scope)
        fits = {"s": True, "a": shape != S}
        return [t for t in self.templates + self.calls
                if fits.get(t.result, t.result == shape)
                and all(a in ("s", "t") or a in have for a in t.args)]

    def operand_shape(self, scope, shape, spec):
        if spec == "s":
            return shape
        if spec == "t":
            return self.pick([s for s in broadcasts_to(shape) if s in available(scope)])
        return spec

    def leaf(self, scope, shape):
        names = sorted(name for name, s in scope.items() if s == shape)
        if shape == S and (not names or self.draw(st.integers(0, 3)) == 3):
            return Expr(self.pick(CONSTANTS))
        return Expr(self.pick(names))

    def condition(self, scope):
        template = self.pick(self.conditions)
        return Expr(template.text, tuple(self.expr(scope, S, 2) for _ in template.args),
                    template.probe)

    # -- statements -------------------------------------------------------------
    def block(self, scope, depth, can_return):
        return [self.statement(scope, depth, can_return)
                for _ in range(self.draw(st.integers(1, 4)))]

    def statement(self, scope, depth, can_return):
        kinds = [self.assign_new, self.reassign, self.augment, self.unpacked]
        if self.features.mutation:
            kinds += [self.alias_update, self.in_place]
        if self.features.sequences:
            kinds.append(self.list_built)
        if depth > 0 and self.features.branches:
            kinds.append(self.branch)
        if depth > 0 and self.features.loops:
            kinds.append(self.loop)
        return self.pick(kinds)(scope, depth, can_return)

    def assignable(self, scope, shape=None):
        return sorted(n for n, s in scope.items()
                      if n not in self.locked and (shape is None or s == shape))

    def assign_new(self, scope, depth, can_return):
        shape = self.pick(available(scope))
        value = self.expr(scope, shape)
        name = self.fresh("t")
        scope[name] = shape
        return Assign(name, value)

    def reassign(self, scope, depth, can_return):
        names = self.assignable(scope)
        if not names:
            return self.assign_new(scope, depth, can_return)
        name = self.pick(names)
        return Assign(name, self.expr(scope, scope[name]))

    def unpacked(self, scope, depth, can_return):
        """`a, t5 = e1, e2`: both values are computed before either name changes
        (they may read `a`)."""
        names = self.assignable(scope)
        if not names:
            return self.assign_new(scope, depth, can_return)
        old = self.pick(names)
        new, shape = self.fresh("t"), self.pick(available(scope))
        targets = [old, new] if self.maybe() else [new, old]
        values = tuple(self.expr(scope, scope[old] if t == old else shape, EXPR_DEPTH - 1)
                       for t in targets)
        scope[new] = shape
        return Line(f"{targets[0]}, {targets[1]} = {{0}}, {{1}}", values)

    def augment(self, scope, depth, can_return):
        """`x += e` on a scalar (on an array it would change the caller's array)."""
        names = self.assignable(scope, S)
        if not names:
            return self.assign_new(scope, depth, can_return)
        name = self.pick(names)
        return Assign(name, self.expr(scope, S, EXPR_DEPTH - 1), self.pick(["+", "-", "*"]))

    def alias_update(self, scope, depth, can_return):
        """`a = v; a += e`: on an array, v changes too (on a number, a is rebound)."""
        names = self.assignable(scope)
        if not names:
            return self.assign_new(scope, depth, can_return)
        source = self.pick(names)
        shape, alias = scope[source], self.fresh("a")
        self.mutates |= shape != S
        update = Assign(alias, self.expr(scope, shape, EXPR_DEPTH - 1), self.pick(["+", "-", "*"]))
        scope[alias] = shape
        return Block([Assign(alias, Expr(source)), update])

    def in_place(self, scope, depth, can_return):
        """An in-place operation on an array (maybe through an alias made first):
        `v.fill(e)`, `np.multiply(v, e, out=v)`, `np.copyto(v, e)`, `v[...] = e`,
        `v.sort()`."""
        names = [n for n in self.assignable(scope) if scope[n] != S]
        if not names:
            return self.augment(scope, depth, can_return)
        self.mutates = True
        name = self.pick(names)
        shape, stmts = scope[name], []
        if self.maybe():
            alias = self.fresh("a")
            stmts.append(Assign(alias, Expr(name)))
            scope[alias] = shape
            name = self.pick([name, alias])
        kind = self.draw(st.integers(0, 5))
        if kind == 0:
            stmts.append(Line(f"{name}.fill({{0}})", (self.expr(scope, S, 2),)))
        elif kind in (1, 2):
            fn = ("np.multiply", "np.add")[kind - 1]
            stmts.append(Line(f"{fn}({name}, {{0}}, out={name})", (self.expr(scope, shape, 2),)))
        elif kind == 3:
            stmts.append(Line(f"np.copyto({name}, {{0}})", (self.expr(scope, shape, 2),)))
        elif kind == 4:
            stmts.append(Line(f"{name}[...] = {{0}}", (self.expr(scope, shape, 2),)))
        else:
            stmts.append(Line(f"{name}.sort()", (), f"_sort({name})"))
        return Block(stmts)

    def list_built(self, scope, depth, can_return):
        """`l = [e]; l += [e2] (or l = l * 2); t = sum(l)`."""
        shape = self.pick(available(scope))
        items, total = self.fresh("l"), self.fresh("t")
        stmts = [Assign(items, Expr("[{0}]", (self.expr(scope, shape, 2),)))]
        if self.maybe():
            stmts.append(Assign(items, Expr("[{0}]", (self.expr(scope, shape, 2),)), "+"))
        else:
            stmts.append(Assign(items, Expr("2"), "*"))
        stmts.append(Assign(total, Expr(f"sum({items})")))
        scope[total] = shape
        return Block(stmts)

    def branch(self, scope, depth, can_return):
        styles = [self.joined, self.update]
        if can_return and self.features.early_return:
            styles.append(self.early_return)
        return self.pick(styles)(scope, depth, can_return)

    def joined(self, scope, depth, can_return, target=None):
        """if/else, or if/elif/else, where every branch assigns one new variable."""
        name, shape = target or (self.fresh("t"), self.pick(available(scope)))
        test = self.condition(scope)
        body = self.arm(scope, depth, can_return, name, shape)
        if depth > 1 and self.maybe():
            orelse = [self.joined(scope, depth - 1, can_return, (name, shape))]
        else:
            orelse = self.arm(scope, depth, can_return, name, shape)
        scope[name] = shape
        return If(test, body, orelse)

    def arm(self, scope, depth, can_return, name, shape):
        inner = dict(scope)
        stmts = self.block(inner, depth - 1, False) if self.maybe() else []
        return stmts + [Assign(name, self.expr(inner, shape))]

    def update(self, scope, depth, can_return):
        """`if c: ...; x = e` with no else: the old value of x flows around the branch."""
        names = self.assignable(scope)
        if not names:
            return self.joined(scope, depth, can_return)
        name, inner = self.pick(names), dict(scope)
        body = self.block(inner, depth - 1, False) if self.maybe() else []
        return If(self.condition(scope), body + [Assign(name, self.expr(inner, scope[name]))])

    def early_return(self, scope, depth, can_return):
        """`if c: ...; return e` (the compiler does not support a return nested
        in an if whose branches both go on, so branches pass can_return=False)."""
        inner = dict(scope)
        body = self.block(inner, depth - 1, False) if self.maybe() else []
        return If(self.condition(scope), body + [Return(self.expr(inner, self.returns))])

    def loop(self, scope, depth, can_return):
        """`for i in range(k)` updating a variable from before the loop."""
        names = self.assignable(scope)
        if not names:
            return self.assign_new(scope, depth, can_return)
        carried, index = self.pick(names), self.fresh("i")
        inner = dict(scope)
        inner[index] = S
        self.locked.add(index)
        body = self.block(inner, depth - 1, can_return) if self.maybe() else []
        body.append(Assign(carried, self.expr(inner, scope[carried])))
        if self.maybe():  # `if c: break`, before or after the update
            jump = If(self.condition(dict(scope, **{index: S})), [Line("break")])
            body.insert(self.draw(st.integers(0, len(body))), jump)
        orelse = [Assign(carried, self.expr(scope, scope[carried], 2))] if self.maybe() else []
        return For(index, self.pick([1, 2, 3]), body, orelse)

    # -- functions ------------------------------------------------------------
    def function(self, name, params, result, can_return):
        scope, self.returns = dict(params), result
        body = self.block(scope, BLOCK_DEPTH, can_return) if self.draw(st.integers(0, 3)) else []
        return Function(name, params, body + [Return(self.expr(scope, result))])

    def parameters(self, min_arrays):
        arrays = self.features.arrays
        counts = {S: self.draw(st.integers(1, 3)),
                  V: self.draw(st.integers(min_arrays, 2)) if arrays else 0,
                  M: self.draw(st.integers(0, 1)) if arrays else 0}
        return [(NAMES[shape][k], shape) for shape in (S, V, M) for k in range(counts[shape])]

    def helper(self, k, shapes):
        """A function `h<k>` the main function (and later helpers) may call."""
        arg_shapes = tuple(self.pick(shapes) for _ in range(self.draw(st.integers(1, 2))))
        params = [(f"p{j}", shape) for j, shape in enumerate(arg_shapes)]
        result = self.pick(available(dict(params)))
        # a helper that changes an argument in place changes its caller's array,
        # which calls do not follow yet (the compiler's limit, reported elsewhere)
        features, self.features = self.features, replace(self.features, mutation=False)
        fn = self.function(f"h{k}", params, result, True)
        self.features = features
        call = f"h{k}(" + ", ".join(f"{{{j}}}" for j in range(len(arg_shapes))) + ")"
        self.calls.append(Template(call, arg_shapes, result))
        return fn

    def program(self, min_arrays=0):
        params = self.parameters(min_arrays)
        shapes = available(dict(params))
        count = self.draw(st.integers(0, 2)) if self.features.calls else 0
        helpers = [self.helper(k, shapes) for k in range(count)]
        main = self.function("f", params, S, True)
        return Program(helpers, main, self.mutates)


def argument(shape):
    values = st.floats(-2.0, 2.0, allow_nan=False, allow_infinity=False)
    return values if shape == S else hnp.arrays(np.float64, shape, elements=values)


@st.composite
def programs(draw, features=Features(), min_arrays=0):
    """(Program, arguments for its main function `f`)."""
    program = Generator(draw, features).program(min_arrays)
    return program, tuple(draw(argument(shape)) for _, shape in program.main.params)


# ---- kinks -----------------------------------------------------------------

class KinkProbe:
    """The functions a probe rendering calls: each does what the operation does
    and records how far its operands are from the operation's kink."""

    def __init__(self):
        self.margin = math.inf

    def note(self, distance):
        self.margin = min(self.margin, float(np.min(np.abs(distance))))

    def namespace(self):
        return {"_gt": self.gt, "_abs": self.abs, "_max": self.max, "_min": self.min,
                "_clip": self.clip, "_sort": self.sort, "math": math, "np": np}

    def sort(self, a):
        """`a.sort()`: the kinks are where two items are equal."""
        ordered = np.sort(a, axis=-1)
        if ordered.shape[-1] > 1:
            self.note(np.diff(ordered, axis=-1))
        a.sort()

    def gt(self, a, b):
        self.note(a - b)
        return a > b

    def abs(self, a):
        self.note(a)
        return np.abs(a)

    def max(self, a, b):
        self.note(a - b)
        return np.maximum(a, b)

    def min(self, a, b):
        self.note(a - b)
        return np.minimum(a, b)

    def clip(self, a):
        self.note(np.minimum(np.abs(a - 1.0), np.abs(a + 1.0)))
        return np.clip(a, -1.0, 1.0)


def probe(program, args):
    """(distance of the run from the nearest kink, value of `f`) at `args`."""
    kinks = KinkProbe()
    namespace = kinks.namespace()
    exec(compile(program.source(probing=True), "<probe>", "exec"), namespace)  # noqa: S102
    with np.errstate(all="ignore"):  # on copies: the program may change its arguments
        value = namespace["f"](*(np.array(a) if isinstance(a, np.ndarray) else a for a in args))
    return kinks.margin, value
