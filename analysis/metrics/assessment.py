"""党支部季度量化考核: branch totals, rankings, commendations and flags."""

from __future__ import annotations

import duckdb
import pandas as pd

from analysis import config as config_mod
from analysis import derived
from analysis.db import fetch_frame
from analysis.formatting import fixed, half_up
from analysis.metrics.org import branch_unit_filter, branches_under
from analysis.scope import Scope, check_unit, require_branch_detail


def branch_ranking(
    con: duckdb.DuckDBPyConnection, *, scope: Scope, first: str, last: str, unit: str | None = None
) -> pd.DataFrame:
    """Total score (of 100) per branch and quarter with its rank among all branches.

    Rankings are public inside the hospital, so every role gets them. Branches are ranked
    against the whole hospital even when ``unit`` narrows the rows shown.

    Returns: quarter, branch_id, branch_name, general_branch_name, total, indicators (number
    of indicators scored), rank (competition ranking: 1, 2, 2, 4), rank_change (positive =
    moved up since the previous quarter; NULL without a previous quarter), falling_streak
    (quarters in a row, up to this one, in which the total fell). Not for researchers.
    """
    require_branch_detail(scope)
    return fetch_frame(
        con,
        f"""
        SELECT s.quarter, s.branch_id, l.branch_name, l.general_branch_name, s.total, s.indicators, s.rank,
               s.rank_change, s.falling_streak
        FROM ({totals_sql(con)}) s JOIN branch_lineage l USING (branch_id)
        WHERE s.quarter BETWEEN $first AND $last AND {branch_unit_filter('s.branch_id', unit)}
        ORDER BY s.quarter, s.rank, s.branch_id
        """,
        {"first": first, "last": last, "unit": unit},
    )


def totals_sql(con: duckdb.DuckDBPyConnection) -> str:
    """SQL of every branch's quarterly totals with ranks: the derived table when current, else
    computed from the scores.

    Returns
    -------
    SQL text of a query with ``derived.BRANCH_TOTAL_SQL``'s columns (quarter, branch_id, total,
    indicators, rank, rank_change, falling_streak).
    """
    return "SELECT * FROM branch_quarter_total" if derived.is_current(con, "assessment") else derived.BRANCH_TOTAL_SQL


def quarter_review(
    con: duckdb.DuckDBPyConnection,
    *,
    scope: Scope,
    quarter: str,
    unit: str | None = None,
    cfg: config_mod.Config | None = None,
) -> pd.DataFrame:
    """The committee's quarterly verdict: branches to commend and branches to watch.

    Returns the rows of ``branch_ranking`` for ``quarter`` that are commended or flagged,
    with: commended (rank within the configured top N), flagged, reason (all reasons in
    Chinese, joined by '；').

    Notes: a branch is flagged when its total is below ``flag_below``, when it ranks in the
    bottom ``flag_bottom_n`` (ties included), or when its total fell ``flag_falling_quarters``
    quarters running. All three come from the configuration.
    """
    require_branch_detail(scope)
    a = (cfg or config_mod.load()).assessment
    ranks = branch_ranking(con, scope=scope, first=quarter, last=quarter)
    worst_counted = ranks["rank"].nlargest(a.flag_bottom_n).min() if a.flag_bottom_n else float("inf")
    commended = ranks["rank"] <= a.commend_top_n
    flagged = (ranks["total"] < a.flag_below) | (ranks["rank"] >= worst_counted)
    if a.flag_falling_quarters:
        flagged |= ranks["falling_streak"] >= a.flag_falling_quarters
    ranks = ranks.assign(commended=commended, flagged=flagged)
    kept = ranks["commended"] | ranks["flagged"]
    if unit is not None:
        kept &= ranks["branch_id"].isin(branches_under(con, unit))
    # Reasons are worded for the kept rows only: a province has 10,000 branches and keeps a few hundred.
    kept = ranks[kept].reset_index(drop=True)
    fields = kept[["rank", "total", "falling_streak"]].itertuples(index=False)
    return kept.assign(reason=pd.Series([_review_reasons(row, a, worst_counted) for row in fields],
                                        index=kept.index, dtype=str))


def _review_reasons(row, a: config_mod.AssessmentConfig, worst_counted: float) -> str:
    """Why ``row`` of :func:`quarter_review` is commended or flagged, in Chinese, joined by '；'."""
    found = []
    if row.rank <= a.commend_top_n:
        found.append(f"第{row.rank}名，予以表扬")
    if row.total < a.flag_below:
        # two decimals (the scores' precision) where one would round up to the line: 79.96, not 80.0
        shown = fixed(row.total, 1 if half_up(row.total, 1) < a.flag_below else 2)
        found.append(f"总分{shown}低于{a.flag_below:g}分")
    if row.rank >= worst_counted:
        found.append(f"位列后{a.flag_bottom_n}名")
    if a.flag_falling_quarters and row.falling_streak >= a.flag_falling_quarters:
        found.append(f"连续{row.falling_streak}个季度下降")
    return "；".join(found)


def total_trend(
    con: duckdb.DuckDBPyConnection, *, scope: Scope, first: str, last: str, unit: str | None = None
) -> pd.DataFrame:
    """Distribution of branch totals per quarter.

    Returns: quarter, mean, median, min, max, n (branches scored).
    """
    check_unit(scope, unit)
    return fetch_frame(
        con,
        f"""
        SELECT quarter, avg(total) AS mean, median(total) AS median, min(total) AS min, max(total) AS max,
               count(*) AS n
        FROM ({totals_sql(con)})
        WHERE quarter BETWEEN $first AND $last AND {branch_unit_filter('branch_id', unit)}
        GROUP BY quarter ORDER BY quarter
        """,
        {"first": first, "last": last, "unit": unit},
    )


def indicator_scores(
    con: duckdb.DuckDBPyConnection, *, scope: Scope, quarter: str, unit: str | None = None
) -> pd.DataFrame:
    """Every branch's score on every indicator in ``quarter``, against the hospital mean.

    Returns: branch_id, branch_name, indicator_id, indicator, max_points, score, pct (score
    as % of the indicator's max), hospital_mean (mean score of all branches scored),
    hospital_pct, gap (score − hospital_mean, in points), position (catalogue order).
    The hospital mean is over every branch even when ``unit`` narrows the rows.
    """
    require_branch_detail(scope)
    return fetch_frame(
        con,
        f"""
        WITH scores AS (
            SELECT s.branch_id, s.indicator_id, s.score::DOUBLE AS score, s.max_points::DOUBLE AS max_points
            FROM branch_score s WHERE s.quarter = $quarter
        ), means AS (
            SELECT indicator_id, avg(score) AS hospital_mean FROM scores GROUP BY indicator_id
        )
        SELECT s.branch_id, l.branch_name, s.indicator_id, i.name AS indicator, s.max_points, s.score,
               100 * s.score / s.max_points AS pct, m.hospital_mean, 100 * m.hospital_mean / s.max_points AS hospital_pct,
               s.score - m.hospital_mean AS gap, i.position
        FROM scores s JOIN means m USING (indicator_id)
        JOIN assessment_indicator i USING (indicator_id)
        JOIN branch_lineage l ON l.branch_id = s.branch_id
        WHERE {branch_unit_filter('s.branch_id', unit)}
        ORDER BY s.branch_id, i.position
        """,
        {"quarter": quarter, "unit": unit},
    )


def annual_totals(
    con: duckdb.DuckDBPyConnection, *, scope: Scope, year: int, unit: str | None = None,
    cfg: config_mod.Config | None = None,
) -> pd.DataFrame:
    """Accumulated quarterly results of ``year`` per branch, the basis of the annual awards.

    Returns: branch_id, branch_name, general_branch_name, quarters (quarters assessed), total
    (sum of the quarterly totals), mean (per assessed quarter), commended_quarters (quarters ranked
    within the configured ``commend_top_n``, the quarterly commendation),
    rank (competition ranking by mean, so a branch missing a quarter is not penalised by the
    sum; ``quarters`` shows it).
    """
    require_branch_detail(scope)
    return fetch_frame(
        con,
        f"""
        WITH y AS (
            -- the totals hold one row per quarter and branch, so count(*) counts the quarters
            SELECT t.branch_id, count(*) AS quarters, sum(t.total) AS total, avg(t.total) AS mean,
                   count(*) FILTER (WHERE t.rank <= $top_n) AS commended_quarters
            FROM ({totals_sql(con)}) t
            WHERE t.quarter BETWEEN $first AND $last
            GROUP BY t.branch_id
        ), ranked AS (
            -- means to 9 decimals: two branches with equal totals must tie whatever the float sum
            SELECT *, rank() OVER (ORDER BY round(mean, 9) DESC) AS rank FROM y
        )
        SELECT r.branch_id, l.branch_name, l.general_branch_name, r.quarters, r.total, r.mean, r.commended_quarters, r.rank
        FROM ranked r JOIN branch_lineage l USING (branch_id)
        WHERE {branch_unit_filter('r.branch_id', unit)}
        ORDER BY r.rank, r.branch_id
        """,
        {"first": f"{year}Q1", "last": f"{year}Q4", "unit": unit,
         "top_n": (cfg or config_mod.load()).assessment.commend_top_n},
    )
