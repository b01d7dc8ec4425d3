"""The tree shows the pipeline (issue 19): stage packages, imports that point only
to the same stage or an earlier one, no import circle (module- or function-level),
small modules and functions, and docs/architecture.md current."""
import os

from transpiler import layout, pipeline
from transpiler.support import architecture_page

ROOT = layout.ROOT

def test_no_import_circle():
    assert layout.cycles(layout.import_graph()) == []


def test_imports_point_only_to_the_same_or_an_earlier_stage():
    assert layout.upward_imports(layout.import_graph()) == []


def test_at_least_four_stage_packages():
    packages = [name for name in layout.SUBPACKAGES
                if os.path.exists(os.path.join(ROOT, "transpiler", name, "__init__.py"))]
    assert len(packages) >= 4
    grouped = layout.stage_modules()
    assert all(grouped[name] for name in packages)


def test_every_module_belongs_to_a_known_stage():
    assert set(map(layout.stage_of, layout.modules())) <= set(layout.ORDER)


def test_every_pipeline_stage_is_produced_by_a_stage_package():
    assert set(pipeline.STAGES) == set(layout.PRODUCED_BY)
    assert set(layout.PRODUCED_BY.values()) <= set(layout.SUBPACKAGES)


def test_no_oversized_module_except_rule_tables():
    assert layout.oversized() == []


def test_median_function_is_under_ten_lines():
    assert layout.median_function_length() < 10


def test_the_graph_finds_a_planted_circle(tmp_path):
    for package, body in (("runtime", "from transpiler import b\n"),
                          ("transpiler", "def f():\n    from runtime import a\n")):
        os.makedirs(tmp_path / package)
        (tmp_path / package / "__init__.py").write_text("")
        (tmp_path / package / ("a.py" if package == "runtime" else "b.py")).write_text(body)
    graph = layout.import_graph(str(tmp_path))
    assert layout.cycles(graph) == [["runtime.a", "transpiler.b"]]
    assert layout.upward_imports(graph) == [("runtime.a", "transpiler.b")]


def test_architecture_page_matches_the_tree():
    with open(os.path.join(ROOT, "docs", "architecture.md")) as fh:
        assert fh.read() == architecture_page(), "run python docs/refresh.py"
