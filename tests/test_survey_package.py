"""The analysis.survey package as a whole: every public function documents what it returns,
docstring examples run, and the package imports only what its docstring allows.
"""

from __future__ import annotations

import ast
import doctest
import importlib
import inspect
import pkgutil
from pathlib import Path

import pandas as pd

from analysis import survey


def submodules():
    """Every module of the package, private helpers included."""
    return [importlib.import_module(f"{survey.__name__}.{m.name}") for m in pkgutil.iter_modules(survey.__path__)]


def public_functions():
    """(module, name, function) for every public function the package defines, in any public module."""
    for module in submodules():
        if module.__name__.rsplit(".", 1)[1].startswith("_"):
            continue
        for name, obj in inspect.getmembers(module, inspect.isfunction):
            if not name.startswith("_") and obj.__module__ == module.__name__:
                yield module, name, obj


def test_every_public_function_documents_its_returns():
    found = list(public_functions())
    assert {name for _, name, _ in found} >= {n for n in survey.__all__ if inspect.isfunction(getattr(survey, n))}
    for module, name, obj in found:
        doc = obj.__doc__ or ""
        assert "Parameters" in doc and "Returns" in doc, f"{module.__name__}.{name}"


def test_docstring_examples_run():
    attempted = 0
    for module in [survey, *submodules()]:
        result = doctest.testmod(module, extraglobs={"pd": pd}, optionflags=doctest.ELLIPSIS)
        assert result.failed == 0, module.__name__
        attempted += result.attempted
    assert attempted >= 4  # suppress, effect_size_label and alpha_label carry examples


FORBIDDEN = ("streamlit", "ui", "pages", "analysis.metrics", "analysis.report", "analysis.cli")


def test_package_imports_only_what_its_docstring_allows():
    for module in submodules():
        tree = ast.parse(Path(module.__file__).read_text(encoding="utf-8"))
        imported = {a.name for node in ast.walk(tree) if isinstance(node, ast.Import) for a in node.names}
        imported |= {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}
        bad = {name for name in imported for root in FORBIDDEN if name == root or name.startswith(root + ".")}
        assert not bad, (module.__name__, bad)
