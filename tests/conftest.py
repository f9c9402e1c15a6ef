"""Shared fixtures: the demo hospital built once per test session into a temporary file."""

from __future__ import annotations

from pathlib import Path

import pytest

from analysis import db, demo
from tests.builders import small_hospital


@pytest.fixture(scope="session")
def demo_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    demo.build(path)
    return path


@pytest.fixture()
def demo_con(demo_path: Path):
    """A read-only connection to the shared demo database (tests must not change it)."""
    con = db.open_database(demo_path, read_only=True)
    yield con
    con.close()


@pytest.fixture()
def empty_con(tmp_path: Path):
    """A fresh, migrated, empty database file."""
    con = db.open_database(tmp_path / "empty.duckdb")
    yield con
    con.close()


@pytest.fixture()
def small(empty_con):
    """The three-branch, four-member hospital of ``builders.small_hospital``."""
    return small_hospital(empty_con)
