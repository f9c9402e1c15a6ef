"""我为群众办实事: practical tasks and their completion.

A task's owner (unit_id) is the hospital (党委: the hospital-level list the 党办 reports), a 党总支
or a 党支部. Under a unit count the tasks of that unit and of the units below it; the whole
hospital counts every task.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import duckdb
import pandas as pd

from analysis.db import fetch_frame
from analysis.metrics.org import owner_filter
from analysis.periods import bounds, quarter_range
from analysis.scope import Scope, check_unit, require_branch_detail


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
    """Tasks under ``unit`` done by ``as_of``, all tasks started by then, and open overdue ones.

    Returns
    -------
    A ``Completion``: done, total (started by ``as_of``), overdue (open on ``as_of`` after
    the due date); its ``rate`` is done / total in percent, two decimals.
    """
    check_unit(scope, unit)
    row = con.execute(
        f"""
        SELECT count(*) FILTER (WHERE completed_on <= $as_of),
               count(*),
               count(*) FILTER (WHERE due_on < $as_of AND (completed_on IS NULL OR completed_on > $as_of))
        FROM service_task
        WHERE started_on <= $as_of AND {owner_filter('unit_id', unit)}
        """,
        {"as_of": as_of, "unit": unit},
    ).fetchone()
    return Completion(*row)


def completion_trend(
    con: duckdb.DuckDBPyConnection, *, scope: Scope, quarters: list[str], unit: str | None = None
) -> pd.DataFrame:
    """Completion at the end of each quarter, counted as :func:`completion` counts it.

    Returns: quarter (in the order given), done, total, rate (percent, two decimals; NaN with
    no tasks yet).
    """
    check_unit(scope, unit)
    frame = fetch_frame(
        con,
        f"""
        WITH quarter_end AS (SELECT unnest($quarters::VARCHAR[]) AS quarter, unnest($ends::DATE[]) AS end_day),
        owned AS (SELECT started_on, completed_on FROM service_task WHERE {owner_filter('unit_id', unit)})
        SELECT q.quarter, count(t.started_on) FILTER (WHERE t.completed_on <= q.end_day) AS done,
               count(t.started_on) AS total
        FROM quarter_end q LEFT JOIN owned t ON t.started_on <= q.end_day
        GROUP BY q.quarter, q.end_day
        ORDER BY list_position($quarters::VARCHAR[], q.quarter)
        """,
        {"quarters": list(quarters), "ends": [bounds(q)[1] for q in quarters], "unit": unit},
    )
    return _with_rate(frame)


# --- Breakdowns for the 办实事 page ---------------------------------------------------------
# Every count follows ``completion``: a task counts once started (started_on <= as_of), is done
# when completed_on <= as_of, and is overdue when still open on as_of after its due date (a task
# due on as_of itself is not overdue yet).

_COUNTS = """
    count(*) FILTER (WHERE completed_on <= $as_of) AS done,
    count(*) AS total,
    count(*) FILTER (WHERE completed_on IS NULL OR completed_on > $as_of) AS open,
    count(*) FILTER (WHERE due_on < $as_of AND (completed_on IS NULL OR completed_on > $as_of)) AS overdue
"""


def _rate(done: int, total: int) -> float | None:
    """Completion in percent, rounded exactly as ``Completion.rate`` (so tables match the metric)."""
    return Completion(int(done), int(total), 0).rate


def _with_rate(frame: pd.DataFrame) -> pd.DataFrame:
    rate = pd.Series([_rate(d, t) for d, t in zip(frame["done"], frame["total"])], index=frame.index, dtype="float64")
    return frame.assign(rate=rate)


def by_category(
    con: duckdb.DuckDBPyConnection, *, scope: Scope, as_of: dt.date, unit: str | None = None
) -> pd.DataFrame:
    """Completion per task category under ``unit`` as of ``as_of`` (aggregate; researchers: hospital only).

    Returns: category, done, total (tasks started by ``as_of``), open (total - done), overdue,
    rate (percent, two decimals as ``Completion.rate``). Ordered by rate (highest first), then
    category. Categories with no task started by ``as_of`` have no row.

    Notes: the sums of ``done`` and ``total`` equal ``completion(...).done`` and ``.total``.
    """
    check_unit(scope, unit)
    frame = fetch_frame(
        con,
        f"""
        SELECT category, {_COUNTS}
        FROM service_task
        WHERE started_on <= $as_of AND {owner_filter('unit_id', unit)}
        GROUP BY category
        """,
        {"as_of": as_of, "unit": unit},
    )
    frame = _with_rate(frame)
    return frame.sort_values(["rate", "category"], ascending=[False, True]).reset_index(drop=True)[
        ["category", "done", "total", "open", "overdue", "rate"]
    ]


def by_owner(
    con: duckdb.DuckDBPyConnection, *, scope: Scope, as_of: dt.date, unit: str | None = None
) -> pd.DataFrame:
    """Completion per owner (党委, 党总支 or 党支部) under ``unit`` as of ``as_of`` (not for researchers).

    Returns: unit_id, unit_name, general_branch_name (the owner's 总支; a 总支's own), done,
    total (tasks started by ``as_of``), open, overdue, rate (percent, two decimals). Only units
    owning a started task have a row. Ordered by rate (highest first), then total (more
    first), then unit id.
    """
    require_branch_detail(scope)
    frame = fetch_frame(
        con,
        f"""
        SELECT t.unit_id, l.unit_name, l.general_branch_name, {_COUNTS}
        FROM service_task t JOIN unit_lineage l USING (unit_id)
        WHERE t.started_on <= $as_of AND {owner_filter('t.unit_id', unit)}
        GROUP BY ALL
        """,
        {"as_of": as_of, "unit": unit},
    )
    frame = _with_rate(frame)
    return frame.sort_values(["rate", "total", "unit_id"], ascending=[False, False, True]).reset_index(drop=True)[
        ["unit_id", "unit_name", "general_branch_name", "done", "total", "open", "overdue", "rate"]
    ]


_TASK_ROWS = """
    SELECT t.task_id, t.title, t.category, t.unit_id, l.unit_name, l.general_branch_name,
           t.status,
           CASE WHEN t.completed_on <= $as_of THEN '已完成'
                WHEN t.started_on > $as_of THEN '未开始'
                WHEN t.status = '已完成' THEN '进行中'
                ELSE t.status END AS status_as_of,
           t.started_on, t.due_on, t.completed_on,
           t.started_on <= $as_of AS counted,
           t.started_on <= $as_of AND t.due_on < $as_of
               AND (t.completed_on IS NULL OR t.completed_on > $as_of) AS overdue,
           CASE WHEN t.started_on <= $as_of AND t.due_on < $as_of
                     AND (t.completed_on IS NULL OR t.completed_on > $as_of)
                THEN date_diff('day', t.due_on, $as_of) END AS days_overdue
    FROM service_task t JOIN unit_lineage l USING (unit_id)
"""

_TASK_COLUMNS = """task_id, title, category, unit_id, unit_name, general_branch_name, status, status_as_of,
started_on, due_on, completed_on, counted, overdue, days_overdue"""


def task_list(
    con: duckdb.DuckDBPyConnection, *, scope: Scope, as_of: dt.date, unit: str | None = None
) -> pd.DataFrame:
    """Every task owned by ``unit`` or a unit under it, with its state on ``as_of``.

    Task owners are units, not members; the list is branch-level, so not for researchers.

    Returns: task_id, title, category, unit_id, unit_name (the owner), general_branch_name,
    status (as recorded now), status_as_of (已完成 if completed by ``as_of``; 未开始 if its
    start date is later; otherwise the recorded status, 进行中 for a task completed only after
    ``as_of``), started_on, due_on, completed_on (dates), counted (started by ``as_of``: in the
    denominator of the completion rate), overdue (open on ``as_of`` after its due date),
    days_overdue (``as_of`` - due_on in days when overdue, else NULL). Ordered by task id.
    """
    require_branch_detail(scope)
    return fetch_frame(
        con,
        f"SELECT {_TASK_COLUMNS} FROM ({_TASK_ROWS} WHERE {owner_filter('t.unit_id', unit)}) ORDER BY task_id",
        {"as_of": as_of, "unit": unit},
    )


def overdue_tasks(
    con: duckdb.DuckDBPyConnection, *, scope: Scope, as_of: dt.date, unit: str | None = None
) -> pd.DataFrame:
    """Tasks under ``unit`` still open on ``as_of`` after their due date (a task due on
    ``as_of`` is not overdue yet).

    Returns the columns of :func:`task_list` for the overdue rows, ordered by days_overdue
    (longest first), then task id. Their number equals ``completion(...).overdue``.
    """
    require_branch_detail(scope)
    return fetch_frame(
        con,
        f"""
        SELECT {_TASK_COLUMNS} FROM ({_TASK_ROWS} WHERE {owner_filter('t.unit_id', unit)})
        WHERE overdue ORDER BY days_overdue DESC, task_id
        """,
        {"as_of": as_of, "unit": unit},
    )


@dataclass(frozen=True)
class TaskReport:
    """Everything the 办实事 page shows for a period and unit (see :func:`task_report`)."""

    as_of: dt.date
    completion: Completion
    trend: pd.DataFrame
    by_category: pd.DataFrame
    by_owner: pd.DataFrame
    overdue: pd.DataFrame
    tasks: pd.DataFrame


def task_report(
    con: duckdb.DuckDBPyConnection, *, scope: Scope, first: str, last: str, unit: str | None = None
) -> TaskReport:
    """办实事 for quarters ``first``..``last`` under ``unit``: state at the end of ``last``
    (:func:`completion`, :func:`by_category`, :func:`by_owner`, :func:`overdue_tasks`,
    :func:`task_list`) and the completion at the end of each quarter (:func:`completion_trend`).
    Branch-level, so not for researchers.

    Returns
    -------
    A ``TaskReport``: as_of (the last day of ``last``), completion, trend, by_category,
    by_owner, overdue and tasks, each with the columns of the function named above.
    """
    require_branch_detail(scope)
    as_of = bounds(last)[1]
    common = {"scope": scope, "as_of": as_of, "unit": unit}
    return TaskReport(
        as_of=as_of,
        completion=completion(con, **common),
        trend=completion_trend(con, scope=scope, quarters=quarter_range(first, last), unit=unit),
        by_category=by_category(con, **common),
        by_owner=by_owner(con, **common),
        overdue=overdue_tasks(con, **common),
        tasks=task_list(con, **common),
    )
