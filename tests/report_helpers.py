"""What the report tests share: the hospital report's period and scope, and reading a deck back."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from analysis import db, periods, report
from analysis.report.model import TREND_QUARTERS
from analysis.scope import Scope

SCOPE = Scope.committee("test")
PERIOD = "2025Q4"
FIRST = periods.shift(PERIOD, -(TREND_QUARTERS - 1))
# After the period: 组织生活 is judged as of the period's end (2025-12-31), so results are fixed.
NOW = dt.datetime(2026, 1, 15, 9, 30)
END = dt.date(2025, 12, 31)


@contextmanager
def read_only(path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    con = db.open_database(path, read_only=True)
    try:
        yield con
    finally:
        con.close()


def hospital_report(con: duckdb.DuckDBPyConnection) -> report.Report:
    """The whole hospital's report for ``PERIOD``, every section, generated at ``NOW``."""
    return report.build_report(con, scope=SCOPE, period=PERIOD, now=NOW)


def slides_by_name(prs) -> dict:
    return {slide._element.cSld.get("name"): slide for slide in prs.slides}


def chart_of(slide):
    charts = [shape.chart for shape in slide.shapes if shape.has_chart]
    assert len(charts) == 1, "one native chart per finding slide"
    return charts[0]


def series_values(chart) -> list[list[float | None]]:
    return [list(s.values) for s in chart.plots[0].series]


def close(actual, expected) -> bool:
    """Equal as numbers, None matching NaN/None (a suppressed or missing value)."""
    if len(actual) != len(expected):
        return False
    for a, e in zip(actual, expected):
        e = None if e is None or (isinstance(e, float) and math.isnan(e)) else float(e)
        if (a is None) != (e is None) or (a is not None and not math.isclose(a, e, rel_tol=1e-9, abs_tol=1e-9)):
            return False
    return True
