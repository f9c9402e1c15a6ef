"""Organisation: the units for the filters and labels, the one unit filter of every query, headcounts."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import duckdb
import pandas as pd

from analysis import config as config_mod
from analysis import derived
from analysis.db import fetch_frame
from analysis.scope import Scope, check_unit


def unit_filter(column: str = "branch_id") -> str:
    """SQL condition keeping rows whose ``column`` is a branch under the chosen unit.

    The unit (a branch, a general branch, or NULL for the whole hospital) is always the bound
    parameter ``$unit``; ``column`` is a fixed identifier chosen by our code, never user input.

    Returns
    -------
    The condition, to put in a WHERE clause of a query that binds ``$unit``.
    """
    return (
        f"{column} IN (SELECT branch_id FROM branch_lineage "
        "WHERE $unit IS NULL OR branch_id = $unit OR general_branch_id = $unit)"
    )


def branch_unit_filter(column: str, unit: str | None) -> str:
    """:func:`unit_filter` for a ``column`` that holds only branches: a branch reference the
    importer checked (scores, indices, totals, a member's branch; org units are never replaced,
    so a branch stays a branch with its parent) or a ``branch_lineage`` column.

    With no unit chosen every row passes, so the condition is ``$unit IS NULL`` (true, and the
    bound parameter stays used) instead of the semi-join with the lineage, which costs 1–3 ms
    a call at 100x on the small analyses.

    Returns
    -------
    The condition, to put in a WHERE clause of a query that binds ``$unit`` (= ``unit``).
    """
    return "$unit IS NULL" if unit is None else unit_filter(column)


def membership_on(day: str) -> str:
    """SQL to join after ``FROM member m``: ``h``, the member's history row in force on ``day``
    (a SQL date expression of our own code, e.g. ``$as_of``), so that ``h.branch_id`` is the
    branch the member belonged to that day (migration 009; the first row also covers the days
    before it). A member out of the hospital that day (转出, not yet 转入) has no row: inner
    joins leave them out.

    Returns
    -------
    The join, ``JOIN member_quarter_branch h ON ...``.
    """
    return (f"JOIN member_quarter_branch h ON h.member_id = m.member_id "
            f"AND (h.valid_from <= {day} OR h.from_quarter = '0000Q1') AND coalesce(h.valid_to > {day}, TRUE)")


def owner_filter(column: str, unit: str | None) -> str:
    """SQL condition keeping rows owned by the chosen ``unit`` or a unit under it: every owner for
    the whole hospital (``unit`` None, the committee's own rows included); a 党总支 and its
    branches for a 总支; the branch alone for a branch. For the registers whose rows may belong
    to a unit of any level (activities, 办实事 tasks: their owner column references org_unit, so
    every owner is in ``unit_lineage``); ``column`` is a fixed identifier, as in
    :func:`unit_filter`.

    Returns
    -------
    The condition, to put in a WHERE clause of a query that binds ``$unit`` (= ``unit``): for
    the whole hospital ``$unit IS NULL``, which keeps every row without a join (see
    :func:`branch_unit_filter`).
    """
    if unit is None:
        return "$unit IS NULL"
    return (
        f"{column} IN (SELECT unit_id FROM unit_lineage "
        "WHERE unit_id = $unit OR general_branch_id = $unit)"
    )


def branches_under(con: duckdb.DuckDBPyConnection, unit: str | None) -> list[str]:
    """The branches under ``unit`` (a branch, a general branch, or None for all).

    Returns
    -------
    Their branch ids, in database order.
    """
    return [r[0] for r in con.execute(f"SELECT branch_id FROM branch_lineage WHERE {unit_filter()}", {"unit": unit}).fetchall()]


def units(con: duckdb.DuckDBPyConnection, *, scope: Scope) -> pd.DataFrame:
    """All branches with their general branch, for filters and labels (public to every role).

    Returns: branch_id, branch_name, department, general_branch_id, general_branch_name
    (ordered by general branch, then branch id).
    """
    return fetch_frame(
        con,
        "SELECT * FROM branch_lineage ORDER BY general_branch_id NULLS LAST, branch_id"
    )


def unit_names(con: duckdb.DuckDBPyConnection, *, scope: Scope) -> dict[str, str]:
    """The name of every 党总支 and 党支部 by unit id (public to every role, like :func:`units`).

    Returns
    -------
    unit_id -> name: the general branches first, then the branches, each in :func:`units` order.
    """
    frame = units(con, scope=scope)
    names = {**dict(zip(frame["general_branch_id"], frame["general_branch_name"])),
             **dict(zip(frame["branch_id"], frame["branch_name"]))}
    names.pop(None, None)  # a branch directly under the committee has no general branch
    return names


@dataclass(frozen=True)
class Headcount:
    general_branches: int
    branches: int
    members: int
    probationary: int
    honour_posts: int
    as_of: dt.date


def headcount(con: duckdb.DuckDBPyConnection, *, scope: Scope, unit: str | None = None, as_of: dt.date) -> Headcount:
    """Units and members under ``unit`` on ``as_of`` (members who had joined by then).

    Counts are aggregates, visible to every role (researchers: hospital level only).

    Returns
    -------
    A ``Headcount``: general_branches, branches, members (active, joined by ``as_of``, in a
    branch under ``unit`` on ``as_of``),
    probationary (of them 预备党员), honour_posts (of them holding a 党员示范岗), as_of.
    """
    check_unit(scope, unit)
    row = con.execute(
        f"""
        WITH b AS (SELECT * FROM branch_lineage WHERE {unit_filter()})
        SELECT
            (SELECT count(DISTINCT general_branch_id) FROM b),
            (SELECT count(*) FROM b),
            count(*),
            count(*) FILTER (WHERE m.party_role = '预备党员'),
            count(m.honour_post)
        FROM member m {membership_on('$as_of')}
        WHERE m.active AND m.joined_on <= $as_of AND h.branch_id IN (SELECT branch_id FROM b)
        """,
        {"unit": unit, "as_of": as_of},
    ).fetchone()
    return Headcount(*row, as_of=as_of)


def quarters_with_data(con: duckdb.DuckDBPyConnection, *, scope: Scope) -> list[str]:
    """The quarters that have vanguard scores of members in one of our branches that quarter (the
    scores every analysis counts) or branch-assessment scores.

    Returns
    -------
    Quarters 'YYYYQn', ascending.
    """
    # Read from the derived sums when current: every page's sidebar asks, and a distinct over a
    # province's 43M raw scores took 0.19 s at a server's start (12 ms from the sums).
    vanguard = ("SELECT quarter FROM branch_quarter_dimension" if derived.is_current(con, "vanguard", config_mod.load())
                else f"SELECT s.quarter FROM vanguard_score s JOIN {derived.BRANCH_OF_QUARTER}")
    assessment = ("SELECT quarter FROM branch_quarter_total" if derived.is_current(con, "assessment")
                  else "SELECT quarter FROM branch_score")
    rows = con.execute(f"SELECT DISTINCT quarter FROM ({vanguard} UNION ALL {assessment}) ORDER BY 1").fetchall()
    return [r[0] for r in rows]


def is_demo(con: duckdb.DuckDBPyConnection, *, scope: Scope) -> bool:
    """Whether the database holds the synthetic demo hospital (the UI must say so).

    Returns
    -------
    True when a demo import batch is recorded.
    """
    return con.execute("SELECT count(*) > 0 FROM import_batch WHERE kind = 'demo'").fetchone()[0]


@dataclass(frozen=True)
class Freshness:
    data_until: dt.date | None
    last_import: dt.datetime | None


def freshness(con: duckdb.DuckDBPyConnection, *, scope: Scope) -> Freshness:
    """How current the data is, for the "数据截至 … / 最近导入 …" line of every page.

    Returns
    -------
    A ``Freshness``: data_until (the later of the end of the last quarter with scores and the
    last activity day, never after today; None with no data), last_import (when the newest
    import batch landed; None without one).
    """
    row = con.execute(
        """
        SELECT least(current_date, greatest(
                   (SELECT max(held_on) FROM activity),
                   (SELECT max(CAST(make_date(CAST(left(quarter, 4) AS INTEGER), 3 * CAST(right(quarter, 1) AS INTEGER), 1)
                                    + INTERVAL 1 MONTH - INTERVAL 1 DAY AS DATE))
                    FROM (SELECT quarter FROM vanguard_score UNION SELECT quarter FROM branch_score)))),
               (SELECT max(imported_at) FROM import_batch)
        """
    ).fetchone()
    return Freshness(*row)
