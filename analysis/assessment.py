"""党支部季度量化考核: branch totals, rankings, commendations and flags."""

from __future__ import annotations

import duckdb
import pandas as pd

from . import config as config_mod
from .org import unit_filter
from .scope import Scope


def branch_ranking(
    con: duckdb.DuckDBPyConnection, *, scope: Scope, first: str, last: str, unit: str | None = None
) -> pd.DataFrame:
    """Total score (of 100) per branch and quarter with its rank among all branches.

    Rankings are public inside the hospital, so every role gets them. Branches are ranked
    against the whole hospital even when ``unit`` narrows the rows shown.

    Returns: quarter, branch_id, branch_name, general_branch_name, total, indicators (number
    of indicators scored), rank (competition ranking: 1, 2, 2, 4), rank_change (positive =
    moved up since the previous quarter; NULL without a previous quarter), falling_streak
    (quarters in a row, up to this one, in which the total fell).
    """
    return con.execute(
        f"""
        WITH totals AS (
            SELECT quarter, branch_id, sum(score)::DOUBLE AS total, count(*) AS indicators
            FROM branch_score WHERE quarter <= $last GROUP BY ALL
        ), ranked AS (
            SELECT *, rank() OVER (PARTITION BY quarter ORDER BY total DESC) AS rank FROM totals
        ), lagged AS (
            SELECT *,
                   lag(rank) OVER w AS previous_rank,
                   lag(quarter) OVER w AS previous_quarter,
                   total < lag(total) OVER w AS fell
            FROM ranked WINDOW w AS (PARTITION BY branch_id ORDER BY quarter)
        ), streaks AS (
            -- A run starts at every quarter whose total did not fall; the streak is the
            -- number of falling quarters after that start.
            SELECT *, row_number() OVER (PARTITION BY branch_id, run ORDER BY quarter) - 1 AS falling_streak
            FROM (SELECT *, sum(CASE WHEN fell THEN 0 ELSE 1 END) OVER (PARTITION BY branch_id ORDER BY quarter) AS run
                  FROM lagged)
        )
        SELECT s.quarter, s.branch_id, l.branch_name, l.general_branch_name, s.total, s.indicators, s.rank,
               CASE WHEN quarter_index(s.previous_quarter) = quarter_index(s.quarter) - 1
                    THEN s.previous_rank - s.rank END AS rank_change,
               s.falling_streak
        FROM streaks s JOIN branch_lineage l USING (branch_id)
        WHERE s.quarter BETWEEN $first AND $last AND {unit_filter('s.branch_id')}
        ORDER BY s.quarter, s.rank, s.branch_id
        """,
        {"first": first, "last": last, "unit": unit},
    ).df()


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
    a = (cfg or config_mod.load()).assessment
    ranks = branch_ranking(con, scope=scope, first=quarter, last=quarter)
    if ranks.empty:
        return ranks.assign(commended=pd.Series(dtype=bool), flagged=pd.Series(dtype=bool), reason=pd.Series(dtype=str))
    worst_counted = ranks["rank"].nlargest(a.flag_bottom_n).min() if a.flag_bottom_n else float("inf")
    reasons = []
    for row in ranks.itertuples():
        found = []
        if row.rank <= a.commend_top_n:
            found.append(f"第{row.rank}名，予以表扬")
        if row.total < a.flag_below:
            found.append(f"总分{row.total:.1f}低于{a.flag_below:g}分")
        if row.rank >= worst_counted:
            found.append(f"位列后{a.flag_bottom_n}名")
        if a.flag_falling_quarters and row.falling_streak >= a.flag_falling_quarters:
            found.append(f"连续{row.falling_streak}个季度下降")
        reasons.append(found)
    ranks = ranks.assign(
        commended=ranks["rank"] <= a.commend_top_n,
        flagged=[len(r) > (rank <= a.commend_top_n) for r, rank in zip(reasons, ranks["rank"])],
        reason=["；".join(r) for r in reasons],
    )
    if unit is not None:
        visible = set(con.execute(f"SELECT branch_id FROM branch_lineage WHERE {unit_filter()}", {"unit": unit}).df()["branch_id"])
        ranks = ranks[ranks["branch_id"].isin(visible)]
    return ranks[ranks["commended"] | ranks["flagged"]].reset_index(drop=True)


def total_trend(
    con: duckdb.DuckDBPyConnection, *, scope: Scope, first: str, last: str, unit: str | None = None
) -> pd.DataFrame:
    """Distribution of branch totals per quarter.

    Returns: quarter, mean, median, min, max, n (branches scored).
    """
    return con.execute(
        f"""
        SELECT quarter, avg(total) AS mean, median(total) AS median, min(total) AS min, max(total) AS max,
               count(*) AS n
        FROM (SELECT quarter, branch_id, sum(score)::DOUBLE AS total FROM branch_score
              WHERE quarter BETWEEN $first AND $last AND {unit_filter()} GROUP BY ALL)
        GROUP BY quarter ORDER BY quarter
        """,
        {"first": first, "last": last, "unit": unit},
    ).df()
