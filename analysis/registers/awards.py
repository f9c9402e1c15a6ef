"""先锋岗 and 红旗责任区: the quarterly awards by quarter, branch and kind, each member award beside
the awardee's 先锋指数 rank in that quarter, and the 党员责任区 by ward with their responsible member.

The kinds come from the configuration (``cfg.award_kinds``: five 领跑先锋岗 for staff, 领航先锋岗
for students, 红旗责任区). A person's name (awardee, responsible member) appears only within the
viewer's member scope.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from analysis import config as config_mod
from analysis import derived, periods
from analysis.db import fetch_frame
from analysis.metrics.org import unit_filter
from analysis.scope import Scope, check_unit, member_branch_ids, require_branch_detail, visible_branch

TOP_SHARE = 0.2
"""An awardee ranked within the best fifth of the branch that quarter counts as 'in the top fifth'."""


def _kinds(cfg: config_mod.Config) -> dict:
    return {"kind_ids": [k.id for k in cfg.award_kinds], "kind_names": [k.name for k in cfg.award_kinds]}


# The configured kinds with their display order ($kind_ids, $kind_names).
KINDS_SQL = """SELECT unnest($kind_ids::VARCHAR[]) AS kind, unnest($kind_names::VARCHAR[]) AS kind_name,
                      generate_subscripts($kind_ids::VARCHAR[], 1) AS kind_order"""


def award_counts(
    con: duckdb.DuckDBPyConnection, *, scope: Scope, first: str, last: str, unit: str | None = None,
    cfg: config_mod.Config | None = None,
) -> pd.DataFrame:
    """Awards per quarter and kind under ``unit`` (aggregate; researchers: the hospital only).

    Returns
    -------
    One row per quarter × kind with an award, ordered by quarter and the catalogue's order:
    quarter, quarter_label ('2025年第3季度'), kind (id), kind_name, awards, branches (distinct
    branches awarded).
    """
    check_unit(scope, unit)
    periods.quarter_range(first, last)
    cfg = cfg or config_mod.load()
    frame = fetch_frame(
        con,
        f"""
        WITH kinds AS ({KINDS_SQL})
        SELECT a.quarter, a.kind, k.kind_name, count(*) AS awards, count(DISTINCT a.branch_id) AS branches
        FROM award a JOIN kinds k USING (kind)
        WHERE a.quarter BETWEEN $first AND $last AND {unit_filter('a.branch_id')}
        GROUP BY a.quarter, a.kind, k.kind_name, k.kind_order
        ORDER BY a.quarter, k.kind_order
        """,
        {"first": first, "last": last, "unit": unit, **_kinds(cfg)},
    )
    frame.insert(1, "quarter_label", [periods.label(q) for q in frame["quarter"]])
    return frame


def awards_by_branch(
    con: duckdb.DuckDBPyConnection, *, scope: Scope, first: str, last: str, unit: str | None = None,
    cfg: config_mod.Config | None = None,
) -> pd.DataFrame:
    """Awards per branch over quarters ``first``..``last`` (not for researchers).

    Returns
    -------
    One row per branch under ``unit`` with an award: branch_id, branch_name, general_branch_name,
    vanguard_posts (先锋岗 awarded to its members), red_flags (红旗责任区 awarded to its zones),
    awards (both), quarters (distinct quarters with an award). Ordered by awards (most first),
    then branch id.
    """
    require_branch_detail(scope)
    periods.quarter_range(first, last)
    return fetch_frame(
        con,
        f"""
        SELECT a.branch_id, l.branch_name, l.general_branch_name,
               count(a.member_id) AS vanguard_posts, count(a.zone_id) AS red_flags, count(*) AS awards,
               count(DISTINCT a.quarter) AS quarters
        FROM award a JOIN branch_lineage l USING (branch_id)
        WHERE a.quarter BETWEEN $first AND $last AND {unit_filter('a.branch_id')}
        GROUP BY ALL
        ORDER BY awards DESC, a.branch_id
        """,
        {"first": first, "last": last, "unit": unit},
    )


def awardee_ranks(
    con: duckdb.DuckDBPyConnection, *, scope: Scope, first: str, last: str, unit: str | None = None,
    cfg: config_mod.Config | None = None,
) -> pd.DataFrame:
    """Every 先锋岗 awarded to a member in quarters ``first``..``last`` beside the awardee's 党员先锋指数
    rank in their branch that quarter (not for researchers; names only within the viewer's
    member scope, NULL elsewhere).

    Returns
    -------
    One row per member award, ordered by quarter, branch and rank: award_id, quarter, kind,
    kind_name, branch_id, branch_name, member_id, name (both NULL outside the member scope),
    vindex (the index that quarter; NULL without a complete score sheet), rank_in_branch,
    branch_scored (members of the branch with an index that quarter), rank_share (rank_in_branch
    / branch_scored: 0.05 is the top 5 %), top_fifth (rank_share <= ``TOP_SHARE``).

    Notes
    -----
    The index and rank are those of ``vanguard.member_index`` (competition ranking within the
    branch and quarter); an award is a committee's decision, so an awardee outside the top fifth
    is a question to ask, not an error.
    """
    require_branch_detail(scope)
    periods.quarter_range(first, last)
    cfg = cfg or config_mod.load()
    where = "s.quarter BETWEEN $first AND $last AND s.quarter IN (SELECT quarter FROM award WHERE member_id IS NOT NULL)"
    current = derived.is_current(con, "vanguard", cfg)
    index = ("SELECT quarter, branch_id, member_id, vindex, rank_in_branch FROM member_quarter_index "
             "WHERE quarter BETWEEN $first AND $last" if current else derived.member_index_sql(where))
    in_scope = visible_branch("a.branch_id")
    return fetch_frame(
        con,
        f"""
        WITH kinds AS ({KINDS_SQL}), idx AS ({index}), scored AS (
            SELECT quarter, branch_id, count(*) AS branch_scored FROM idx GROUP BY ALL
        )
        SELECT a.award_id, a.quarter, a.kind, k.kind_name, a.branch_id, l.branch_name,
               CASE WHEN {in_scope} THEN a.member_id END AS member_id,
               CASE WHEN {in_scope} THEN m.name END AS name,
               i.vindex, i.rank_in_branch, s.branch_scored,
               i.rank_in_branch / s.branch_scored AS rank_share,
               i.rank_in_branch / s.branch_scored <= $top AS top_fifth
        FROM award a
        JOIN kinds k USING (kind)
        JOIN branch_lineage l USING (branch_id)
        LEFT JOIN member m ON m.member_id = a.member_id
        LEFT JOIN idx i ON i.quarter = a.quarter AND i.member_id = a.member_id
        LEFT JOIN scored s ON s.quarter = a.quarter AND s.branch_id = a.branch_id
        WHERE a.member_id IS NOT NULL AND a.quarter BETWEEN $first AND $last AND {unit_filter('a.branch_id')}
        ORDER BY a.quarter, a.branch_id, i.rank_in_branch NULLS LAST, a.award_id
        """,
        {"first": first, "last": last, "unit": unit, "visible": member_branch_ids(con, scope), "top": TOP_SHARE,
         **_kinds(cfg), **({} if current else derived.index_params(cfg))},
    )


def duty_zones(
    con: duckdb.DuckDBPyConnection, *, scope: Scope, first: str, last: str, unit: str | None = None,
) -> pd.DataFrame:
    """The 党员责任区 under ``unit`` with their ward, responsible member and 红旗责任区 awards in
    quarters ``first``..``last`` (not for researchers; the member only within the member scope).

    Returns
    -------
    One row per zone, ordered by branch and zone id: zone_id, name (the zone's), ward, branch_id,
    branch_name, member_id, member_name (both NULL outside the member scope), established_on,
    red_flags (红旗责任区 awards in the range), last_red_flag (latest quarter awarded; NULL if none).
    """
    require_branch_detail(scope)
    periods.quarter_range(first, last)
    in_scope = visible_branch("z.branch_id")
    return fetch_frame(
        con,
        f"""
        SELECT z.zone_id, z.name, z.ward, z.branch_id, l.branch_name,
               CASE WHEN {in_scope} THEN z.member_id END AS member_id,
               CASE WHEN {in_scope} THEN m.name END AS member_name, z.established_on,
               count(a.award_id) AS red_flags, max(a.quarter) AS last_red_flag
        FROM duty_zone z
        JOIN branch_lineage l USING (branch_id)
        LEFT JOIN member m ON m.member_id = z.member_id
        LEFT JOIN award a ON a.zone_id = z.zone_id AND a.quarter BETWEEN $first AND $last
        WHERE {unit_filter('z.branch_id')}
        GROUP BY ALL
        ORDER BY z.branch_id, z.zone_id
        """,
        {"first": first, "last": last, "unit": unit, "visible": member_branch_ids(con, scope)},
    )
