"""The layering rules and the documentation rule, read from the source with ``ast``.

analysis/ is the library (no Streamlit); ui/ is the only Streamlit code besides pages/ and
dashboard.py; pages never import each other; nothing that ships imports bench/ or tests/.
Every public analysis function says what it returns (for a frame: every column).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

def sources(*places: str) -> list[Path]:
    found = []
    for place in places:
        path = ROOT / place
        found += sorted(path.rglob("*.py")) if path.is_dir() else [path]
    return found


def imported_modules(path: Path) -> set[str]:
    """Every module ``path`` imports, at any depth (also inside functions), as dotted names."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
            names |= {f"{node.module}.{alias.name}" for alias in node.names}
    return names


def breaks(path: Path, forbidden: tuple[str, ...]) -> list[str]:
    return sorted(m for m in imported_modules(path) if any(m == f or m.startswith(f"{f}.") for f in forbidden))


def relative(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


BASICS = ("config", "db", "derived", "scope", "periods", "stats", "formatting", "labels", "palette", "exports", "calls")
SUB_PACKAGES = ("analysis.metrics", "analysis.survey", "analysis.access", "analysis.ingest", "analysis.report",
                "analysis.cli", "analysis.charts", "analysis.demo", "analysis.business", "analysis.demo_business",
                "analysis.registers", "analysis.demo_registers")


@pytest.mark.parametrize(("places", "forbidden"), [
    # Streamlit lives in ui/, pages/ and dashboard.py only; the library never reaches up.
    (("analysis",), ("streamlit", "ui", "pages")),
    # Benchmarks time the app from outside (AppTest, a server, a browser), never through its code.
    (("bench",), ("ui", "pages")),
    (("ui",), ("pages",)),
    (("analysis", "ui", "pages", "dashboard.py"), ("bench", "tests")),
    # Inside the library: the basics stand alone, the measures and accounts below what uses them.
    (tuple(f"analysis/{m}.py" for m in BASICS), SUB_PACKAGES),
    (("analysis/metrics",), ("analysis.report", "analysis.cli", "analysis.ingest", "analysis.charts", "analysis.demo",
                             "analysis.business")),
    (("analysis/business",), ("analysis.report", "analysis.cli", "analysis.ingest", "analysis.charts", "analysis.demo",
                              "analysis.demo_business")),
    (("analysis/registers",), ("analysis.report", "analysis.cli", "analysis.ingest", "analysis.charts", "analysis.demo",
                               "analysis.business", "analysis.demo_business", "analysis.demo_registers")),
    (("analysis/access",), ("analysis.metrics", "analysis.survey", "analysis.report", "analysis.cli", "analysis.ingest",
                            "analysis.charts", "analysis.demo")),
])
def test_dependency_rule(places, forbidden):
    assert {relative(p): found for p in sources(*places) if (found := breaks(p, forbidden))} == {}


def test_benchmarks_use_streamlit_only_through_its_test_harness():
    found = {relative(p): sorted(m for m in imported_modules(p) if m.split(".")[0] == "streamlit"
                                 and not m.startswith("streamlit.testing")) for p in sources("bench")}
    assert {path: modules for path, modules in found.items() if modules} == {}


def test_pages_never_import_each_other():
    assert {relative(p): found for p in sources("pages") if (found := breaks(p, ("pages",)))} == {}


def test_the_rule_reads_imports_inside_functions(tmp_path):
    module = tmp_path / "m.py"
    module.write_text("def f():\n    import streamlit as st\n    from ui.cache import cached\n", encoding="utf-8")
    assert breaks(module, ("streamlit", "ui")) == ["streamlit", "ui.cache", "ui.cache.cached"]


class ImportTimeCalls(ast.NodeVisitor):
    """Calls that run when the module is imported: at module level, in class bodies, in
    decorators and default values; not inside a function body."""

    def __init__(self) -> None:
        self.calls: list[ast.Call] = []

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        for evaluated_now in [*node.decorator_list, *node.args.defaults, *node.args.kw_defaults]:
            if evaluated_now is not None:
                self.visit(evaluated_now)

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Lambda(self, node: ast.Lambda) -> None:
        pass

    def visit_Call(self, node: ast.Call) -> None:
        self.calls.append(node)
        self.generic_visit(node)


def test_no_configuration_is_read_when_analysis_is_imported():
    # A load() at import time would fix one file's settings into the module for good.
    found = []
    for path in sources("analysis"):
        visitor = ImportTimeCalls()
        visitor.visit(ast.parse(path.read_text(encoding="utf-8")))
        found += [f"{relative(path)}:{c.lineno}" for c in visitor.calls
                  if isinstance(c.func, ast.Attribute) and c.func.attr == "load"]
    assert found == []


def public_functions(path: Path) -> list[ast.FunctionDef]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [n for n in tree.body if isinstance(n, ast.FunctionDef) and not n.name.startswith("_")]


def returns_a_frame(function: ast.FunctionDef) -> bool:
    return function.returns is not None and "DataFrame" in ast.unparse(function.returns)


def test_every_public_analysis_function_documents_its_returns():
    # metrics/, survey/, business/ and registers/ are the analyses: every function. Elsewhere, those returning a frame.
    missing = []
    for path in sources("analysis"):
        name = relative(path)
        if path.name.startswith("_") and path.name != "__init__.py":
            continue  # a private module (survey/_common.py): its helpers are not the public API
        analyses = name.startswith(("analysis/metrics/", "analysis/survey/", "analysis/business/", "analysis/registers/"))
        for function in public_functions(path):
            if (analyses or returns_a_frame(function)) and "Returns" not in (ast.get_docstring(function) or ""):
                missing.append(f"{name}: {function.name}")
    assert missing == []
