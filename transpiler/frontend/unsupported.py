"""The constructs the normalizer refuses, each with what it is, why, and the fix:
the table docs/supported-python.md is generated from (transpiler/support.py).
"""

UNSUPPORTED = {
    "Try": ("a `try` statement", "exceptions make which operations ran depend on run-time "
            "failures, which the reverse sweep cannot replay",
            "move the try/except outside the differentiated function"),
    "TryStar": ("a `try` statement", "exception groups cannot be replayed in reverse",
                "move the try/except outside the differentiated function"),
    "With": ("a `with` statement", "context managers run code on exit that the reverse "
             "sweep cannot see", "move the with block outside the differentiated function"),
    "AsyncWith": ("an `async with` statement", "coroutines cannot be differentiated",
                  "differentiate a plain synchronous function"),
    "AsyncFor": ("an `async for` loop", "coroutines cannot be differentiated",
                 "differentiate a plain synchronous function"),
    "AsyncFunctionDef": ("an `async def`", "coroutines cannot be differentiated",
                         "differentiate a plain synchronous function"),
    "Global": ("a `global` statement", "writes to module state are side effects the "
               "gradient cannot account for", "pass the value in as an argument and return it"),
    "Nonlocal": ("a `nonlocal` statement", "writes to an enclosing function's variables are "
                 "side effects the gradient cannot account for",
                 "pass the value in as an argument and return it"),
    "Delete": ("a `del` statement", "deleting names or items would remove values the "
               "reverse sweep needs", "drop the del; values are freed when the function returns"),
    "ClassDef": ("a class definition", "classes cannot be defined inside a differentiated "
                 "function", "define the class at module level"),
    "Import": ("an `import` statement", "imports inside a differentiated function are not "
               "supported", "import at module level"),
    "ImportFrom": ("an `import` statement", "imports inside a differentiated function are "
                   "not supported", "import at module level"),
    "Yield": ("a `yield` expression", "generators suspend and resume, so there is no single "
              "sweep to reverse", "return a list or array instead of yielding values"),
    "YieldFrom": ("a `yield from` expression", "generators cannot be differentiated",
                  "return a list or array instead of yielding values"),
    "Await": ("an `await` expression", "coroutines cannot be differentiated",
              "differentiate a plain synchronous function"),
    "Raise": ("a bare `raise` statement", "re-raising needs an `except` block, which is not "
              "supported", "raise the exception itself: `raise ValueError(...)`"),
    "Match": ("a `match` statement", "structural pattern matching is not supported yet",
              "rewrite it with if/elif/else"),
    "NamedExpr": ("an assignment expression (:=)", "assignment expressions are not "
                  "supported", "assign on a separate line"),
    "SetComp": ("a set comprehension", "sets are not differentiable containers",
                "use a list or an array"),
    "GeneratorExp": ("a generator expression", "generators cannot be differentiated",
                     "use a list or a NumPy expression"),
    "Starred": ("a starred expression here", "`*xs` is supported in calls, in list and tuple "
                "displays and in assignment targets (`a, *rest = t`)",
                "build the list or tuple first: `items = [*xs]`"),
    "Set": ("a set display", "sets are not differentiable containers", "use a list or an array"),
}
