"""The report package's layering, read from its source with ``ast`` (imports inside functions count):
no import cycle, render reads the model only (and its template helper, which reads nothing of the
package), the short deck's choice (brief) reads the model only, model/sections/build never import
render."""

from __future__ import annotations

import ast
import graphlib
from pathlib import Path

import pytest

from analysis.report.model import SECTIONS
from analysis.report.sections import BUILDERS

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "analysis.report"


def module_names(root: Path, package: str) -> dict[str, Path]:
    """Dotted module name -> file, for every .py file of ``package`` under ``root``."""
    base = root.joinpath(*package.split("."))
    out = {}
    for path in sorted(base.rglob("*.py")):
        parts = list(path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


def imported(module: str, path: Path, known: set[str]) -> set[str]:
    """The modules of ``known`` that ``module`` imports anywhere in its file (top level or in functions).

    ``from a.b import c`` is an import of ``a.b.c`` when that is a module, else of ``a.b``;
    relative imports are resolved against the module's package.
    """
    is_package = path.name == "__init__.py"
    package = module if is_package else module.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                found.add(alias.name)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                anchor = package.split(".")[:len(package.split(".")) - (node.level - 1)]
                base = ".".join(anchor + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            for alias in node.names:
                found.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base)
    return {name for name in found if name in known and name != module}


def import_graph(root: Path, package: str) -> dict[str, set[str]]:
    modules = module_names(root, package)
    return {name: imported(name, path, set(modules)) for name, path in modules.items()}


def import_cycle(graph: dict[str, set[str]]) -> list[str]:
    """A cycle of the graph as a list of modules, [] when it is acyclic."""
    try:
        tuple(graphlib.TopologicalSorter(graph).static_order())
    except graphlib.CycleError as exc:
        return list(exc.args[1])
    return []


def test_the_checker_finds_a_cycle_hidden_in_a_function(tmp_path):
    # The old shape: build imported render inside a function, render imported build at the top.
    pkg = tmp_path / "pkg"
    (pkg / "render").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "render" / "__init__.py").write_text("")
    (pkg / "build.py").write_text("def render():\n    from pkg.render.pptx import to_pptx\n    return to_pptx\n")
    (pkg / "render" / "pptx.py").write_text("from pkg.build import render\n\nto_pptx = render\n")
    graph = import_graph(tmp_path, "pkg")
    assert graph["pkg.build"] == {"pkg.render.pptx"} and graph["pkg.render.pptx"] == {"pkg.build"}
    assert set(import_cycle(graph)) == {"pkg.build", "pkg.render.pptx"}


def test_relative_and_package_imports_resolve_to_modules(tmp_path):
    pkg = tmp_path / "pkg"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("from pkg.model import X\n")
    (pkg / "model.py").write_text("X = 1\n")
    (pkg / "sub" / "__init__.py").write_text("from . import a\n")
    (pkg / "sub" / "a.py").write_text("from .. import model\nfrom ..model import X\nimport pkg.sub\n")
    graph = import_graph(tmp_path, "pkg")
    assert graph == {"pkg": {"pkg.model"}, "pkg.model": set(), "pkg.sub": {"pkg.sub.a"},
                     "pkg.sub.a": {"pkg.model", "pkg.sub"}}


def test_report_package_has_no_import_cycle():
    graph = import_graph(ROOT, PACKAGE)
    assert len(graph) >= 15 and "analysis.report.sections.vanguard" in graph
    assert import_cycle(graph) == []


@pytest.mark.parametrize("layer", ["analysis.report.model", "analysis.report.sections", "analysis.report.build"])
def test_model_sections_and_build_never_import_render(layer):
    graph = import_graph(ROOT, PACKAGE)
    for module, targets in graph.items():
        if module == layer or module.startswith(layer + "."):
            assert not [t for t in targets if t.startswith("analysis.report.render")], module


TEMPLATE = "analysis.report.render.template"  # the deck's template: a render helper reading nothing of the package


def test_renderers_read_the_model_only():
    graph = import_graph(ROOT, PACKAGE)
    assert graph["analysis.report.model"] == set()
    assert graph[TEMPLATE] == set()
    for module, targets in graph.items():
        if module.startswith("analysis.report.render.") and module != TEMPLATE:
            assert targets in ({"analysis.report.model"}, {"analysis.report.model", TEMPLATE}), module
    assert TEMPLATE in graph["analysis.report.render.pptx"]


def test_the_short_deck_choice_reads_the_model_only():
    graph = import_graph(ROOT, PACKAGE)
    assert graph["analysis.report.brief"] == {"analysis.report.model"}
    assert "analysis.report.brief" in graph["analysis.report.build"]


def test_every_section_has_a_builder_in_report_order():
    assert list(BUILDERS) == list(SECTIONS)


def test_report_package_never_imports_the_ui():
    for module, path in module_names(ROOT, PACKAGE).items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) and not node.level else []
            assert not [n for n in names if n.split(".")[0] in ("streamlit", "ui", "pages")], module
