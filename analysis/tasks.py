"""我为群众办实事: practical tasks and their completion."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import duckdb
import pandas as pd

from .org import unit_filter
from .scope import Scope


@dataclass(frozen=True)
class Completion:
    done: int
    total: int
    overdue: int

    @property
    def rate(self) -> float | None:
        """Completion in percent, two decimals as the office reports it (19/26 -> 73.08)."""
        return round(100 * self.done / self.total, 2) if self.total else None


def completion(
    con: duckdb.DuckDBPyConnection, *, scope: Scope, as_of: dt.date, unit: str | None = None
) -> Completion:
    """Tasks under ``unit`` done by ``as_of``, all tasks started by then, and open overdue ones."""
    row = con.execute(
        f"""
        SELECT count(*) FILTER (WHERE completed_on <= $as_of),
               count(*),
               count(*) FILTER (WHERE due_on < $as_of AND (completed_on IS NULL OR completed_on > $as_of))
        FROM service_task
        WHERE started_on <= $as_of AND {unit_filter()}
        """,
        {"as_of": as_of, "unit": unit},
    ).fetchone()
    return Completion(*row)


def completion_trend(
    con: duckdb.DuckDBPyConnection, *, scope: Scope, quarters: list[str], unit: str | None = None
) -> pd.DataFrame:
    """Completion at the end of each quarter.

    Returns: quarter, done, total, rate (percent, two decimals; NULL with no tasks yet).
    """
    from .periods import bounds

    rows = []
    for quarter in quarters:
        c = completion(con, scope=scope, as_of=bounds(quarter)[1], unit=unit)
        rows.append({"quarter": quarter, "done": c.done, "total": c.total, "rate": c.rate})
    return pd.DataFrame(rows, columns=["quarter", "done", "total", "rate"])
