"""支部画像: how one 党支部 or 党总支 is doing, and why, against its 总支 and the hospital.

The 支部画像 page draws one section per question (rank and trend, lost points, members,
三会一课, activities, 办实事, 四有, flags); the sections that reuse another module's function
call it with ``unit``. What is only asked here lives here: the unit's totals beside its general
branch and the hospital, and the points it lost per indicator.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pandas as pd

from analysis.db import fetch_frame
from analysis.metrics.assessment import totals_sql
from analysis.metrics.org import branches_under
from analysis.scope import Scope, require_branch_detail


@dataclass(frozen=True)
class Subject:
    """The unit a profile is about."""

    unit_id: str
    name: str
    level: str  # 'branch' or 'general_branch'
    general_branch_id: str | None
    general_branch_name: str | None
    branches: int  # branches under it (1 for a branch)


def subject(con: duckdb.DuckDBPyConnection, *, scope: Scope, unit: str) -> Subject | None:
    """The branch or general branch ``unit``; None when no such unit exists (not for researchers).

    Returns
    -------
    A ``Subject``: unit_id, name, level ('branch' | 'general_branch'), general_branch_id and
    general_branch_name (a branch's general branch; a general branch's own), branches (count).
    """
    require_branch_detail(scope)
    row = con.execute(
        """
        SELECT branch_id, branch_name, 'branch', general_branch_id, general_branch_name, 1
        FROM branch_lineage WHERE branch_id = $unit
        UNION ALL
        SELECT general_branch_id, any_value(general_branch_name), 'general_branch', general_branch_id,
               any_value(general_branch_name), count(*)
        FROM branch_lineage WHERE general_branch_id = $unit GROUP BY general_branch_id
        """,
        {"unit": unit},
    ).fetchone()
    return Subject(*row) if row else None


def total_comparison(
    con: duckdb.DuckDBPyConnection, *, scope: Scope, unit: str, first: str, last: str
) -> pd.DataFrame:
    """The unit's quarterly assessment total beside its general branch's and the hospital's mean.

    Returns: quarter, unit_total (the branch's total; for a general branch the mean of its
    branches), general_branch_mean (mean total of the branches of the unit's general branch;
    NULL for a branch directly under the committee), hospital_mean (mean of every branch
    scored), rank (the branch's hospital rank, competition ranking; for a general branch the
    best rank among its branches), branches (branches scored in the hospital that quarter).
    One row per quarter in ``first``..``last`` with scores, ascending.
    """
    require_branch_detail(scope)
    return fetch_frame(
        con,
        f"""
        WITH t AS (
            SELECT s.quarter, s.branch_id, s.total, s.rank, l.general_branch_id
            FROM ({totals_sql(con)}) s JOIN branch_lineage l USING (branch_id)
            WHERE s.quarter BETWEEN $first AND $last
        ), mine AS (
            SELECT branch_id, general_branch_id FROM branch_lineage
            WHERE branch_id = $unit OR general_branch_id = $unit
        ), home AS (SELECT DISTINCT general_branch_id FROM mine)
        SELECT quarter,
               avg(total) FILTER (WHERE branch_id IN (SELECT branch_id FROM mine)) AS unit_total,
               avg(total) FILTER (WHERE general_branch_id IN (SELECT general_branch_id FROM home)) AS general_branch_mean,
               avg(total) AS hospital_mean,
               min(rank) FILTER (WHERE branch_id IN (SELECT branch_id FROM mine)) AS rank,
               count(*) AS branches
        FROM t GROUP BY quarter ORDER BY quarter
        """,
        {"unit": unit, "first": first, "last": last},
    )


def lost_points(con: duckdb.DuckDBPyConnection, *, scope: Scope, unit: str, quarter: str) -> pd.DataFrame:
    """Which of the 16 indicators cost the unit points in ``quarter``, most lost first.

    Returns: indicator_id, indicator, max_points, score (the branch's; for a general branch the
    mean of its branches), lost (max_points − score), hospital_mean (mean score of every
    branch), gap (score − hospital_mean), position (catalogue order). Indicators without a
    score that quarter have no row.
    """
    require_branch_detail(scope)
    return fetch_frame(
        con,
        """
        WITH s AS (
            SELECT branch_id, indicator_id, score::DOUBLE AS score, max_points::DOUBLE AS max_points
            FROM branch_score WHERE quarter = $quarter
        ), h AS (SELECT indicator_id, avg(score) AS hospital_mean FROM s GROUP BY indicator_id),
        u AS (
            SELECT indicator_id, avg(score) AS score, any_value(max_points) AS max_points FROM s
            WHERE list_contains($branches, branch_id) GROUP BY indicator_id
        )
        SELECT u.indicator_id, i.name AS indicator, u.max_points, u.score, u.max_points - u.score AS lost,
               h.hospital_mean, u.score - h.hospital_mean AS gap, i.position
        FROM u JOIN h USING (indicator_id) JOIN assessment_indicator i USING (indicator_id)
        ORDER BY lost DESC, i.position
        """,
        {"quarter": quarter, "branches": branches_under(con, unit)},
    )
