"""党员先锋指数: the member vanguard index and its aggregates."""

from __future__ import annotations

import duckdb
import pandas as pd

from analysis import config as config_mod
from analysis import derived
from analysis.db import fetch_frame
from analysis.metrics.org import branch_unit_filter
from analysis.periods import quarter_range, shift
from analysis.scope import Scope, check_unit, member_visibility, require_branch_detail


def _index(con: duckdb.DuckDBPyConnection, cfg: config_mod.Config, unit: str | None, first: str,
           last: str) -> tuple[str, dict]:
    """SQL of the member index (``derived.member_index_sql``'s columns) of the quarters
    ``first``..``last`` under ``unit``, and the parameters it binds: the derived table when it
    is current for ``cfg``, else the formula over the raw scores."""
    params = {"unit": unit, "first": first, "last": last}
    if derived.is_current(con, "vanguard", cfg):
        return (f"SELECT * FROM member_quarter_index WHERE quarter BETWEEN $first AND $last "
                f"AND {branch_unit_filter('branch_id', unit)}", params)
    where = f"s.quarter BETWEEN $first AND $last AND {branch_unit_filter('m.branch_id', unit)}"
    return derived.member_index_sql(where), params | derived.index_params(cfg)


def visible_index(con: duckdb.DuckDBPyConnection, *, scope: Scope, first: str, last: str, unit: str | None = None,
                  cfg: config_mod.Config | None = None) -> tuple[str, dict]:
    """The member index rows of the quarters ``first``..``last`` under ``unit`` of the members
    ``scope`` may see by their current branch (as :func:`member_index`): for aggregates over
    members that need no names, without bringing the rows into Python.

    Returns
    -------
    The SQL (``derived.member_index_sql``'s columns: quarter, branch_id, member_id, vindex,
    rank_in_branch) and the parameters it binds.
    """
    require_branch_detail(scope)
    index, params = _index(con, cfg or config_mod.load(), unit, first, last)
    visible, visibility = member_visibility(con, scope, "m.branch_id")
    return f"SELECT i.* FROM ({index}) i JOIN member m USING (member_id) WHERE {visible}", params | visibility


LEVELS = ("hospital", "general_branch", "branch")


def trend(
    con: duckdb.DuckDBPyConnection,
    *,
    scope: Scope,
    first: str,
    last: str,
    unit: str | None = None,
    level: str = "hospital",
    cfg: config_mod.Config | None = None,
) -> pd.DataFrame:
    """Quarterly vanguard index aggregated to the hospital, general branches or branches.

    Aggregates are visible to the committee and secretaries at every level; researchers get
    the hospital level only.

    Returns: quarter, unit_id, unit_name, mean, median, sd, n, qoq (环比: change against the
    unit's previous quarter), yoy (同比: against the same quarter a year earlier). qoq/yoy are
    NULL when that quarter has no data. The window is widened by a year internally so the
    first quarters shown still get their 同比.

    Notes: index = Σ_d w_d Σ_r w_r · score(d, r), weights from the configuration; members
    without a complete score sheet for a quarter are left out of that quarter (n says so).
    """
    if level not in LEVELS:
        raise ValueError(f"level must be one of {LEVELS}")
    check_unit(scope, unit)
    if level != "hospital":
        require_branch_detail(scope)
    index, params = _index(con, cfg or config_mod.load(), unit, shift(first, -4), last)
    return fetch_frame(
        con,
        f"""
        WITH idx AS ({index}),
        units AS (
            SELECT i.*,
                   CASE $level WHEN 'branch' THEN l.branch_id WHEN 'general_branch' THEN l.general_branch_id
                        ELSE 'ALL' END AS unit_id,
                   CASE $level WHEN 'branch' THEN l.branch_name WHEN 'general_branch' THEN l.general_branch_name
                        ELSE '全院' END AS unit_name
            FROM idx i JOIN branch_lineage l USING (branch_id)
        ),
        q AS (
            SELECT quarter, unit_id, unit_name, avg(vindex) AS mean, median(vindex) AS median,
                   stddev_samp(vindex) AS sd, count(*) AS n, quarter_index(quarter) AS qi
            FROM units GROUP BY ALL
        )
        SELECT cur.quarter, cur.unit_id, cur.unit_name, cur.mean, cur.median, cur.sd, cur.n,
               cur.mean - prev.mean AS qoq, cur.mean - year_ago.mean AS yoy
        FROM q cur
        LEFT JOIN q prev ON prev.unit_id = cur.unit_id AND prev.qi = cur.qi - 1
        LEFT JOIN q year_ago ON year_ago.unit_id = cur.unit_id AND year_ago.qi = cur.qi - 4
        WHERE cur.quarter >= $shown_from
        ORDER BY cur.quarter, cur.unit_id
        """,
        {**params, "shown_from": first, "level": level},
    )


def hospital_trend(
    con: duckdb.DuckDBPyConnection,
    *,
    scope: Scope,
    first: str,
    last: str,
    unit: str | None = None,
    cfg: config_mod.Config | None = None,
) -> pd.DataFrame:
    """:func:`trend` over everyone under ``unit`` as one series.

    Returns: quarter, mean, median, sd, n, qoq, yoy (as :func:`trend`).
    """
    rows = trend(con, scope=scope, first=first, last=last, unit=unit, level="hospital", cfg=cfg)
    return rows.drop(columns=["unit_id", "unit_name"])


def dimension_breakdown(
    con: duckdb.DuckDBPyConnection,
    *,
    scope: Scope,
    first: str,
    last: str,
    unit: str | None = None,
    cfg: config_mod.Config | None = None,
) -> pd.DataFrame:
    """Mean score per quarter, dimension and rater, with the weighted combination.

    Returns: quarter, dimension_id, dimension, self, peer, org (mean score by each rater),
    combined (Σ_r w_r · mean_r), self_gap (self − org: how much members rate themselves
    above the organisation), n (members scored).
    """
    check_unit(scope, unit)
    cfg = cfg or config_mod.load()
    params = {"unit": unit, "first": first, "last": last, "dims": [d.id for d in cfg.vanguard.dimensions],
              "rater_weights": derived.index_params(cfg)["rater_weights"]}
    if derived.is_current(con, "vanguard", cfg):
        sums = ("SELECT * FROM branch_quarter_dimension WHERE quarter BETWEEN $first AND $last "
                f"AND {branch_unit_filter('branch_id', unit)}")
    else:
        sums = derived.dimension_sums_sql(
            f"s.quarter BETWEEN $first AND $last AND {branch_unit_filter('m.branch_id', unit)}")
    means = ",\n".join(f"sum({r}_sum)::DOUBLE / nullif(sum({r}_n), 0) AS {r}" for r in derived.RATERS)
    return fetch_frame(
        con,
        f"""
        WITH means AS (
            SELECT quarter, dimension_id, {means}, sum(members)::BIGINT AS n
            FROM ({sums}) GROUP BY ALL
        )
        SELECT m.quarter, m.dimension_id, d.name AS dimension, m.self, m.peer, m.org,
               $rater_weights[1] * m.self + $rater_weights[2] * m.peer + $rater_weights[3] * m.org AS combined,
               m.self - m.org AS self_gap, m.n
        FROM means m JOIN vanguard_dimension d USING (dimension_id)
        WHERE list_contains($dims, m.dimension_id)
        ORDER BY m.quarter, d.position
        """,
        params,
    )


def member_index(
    con: duckdb.DuckDBPyConnection,
    *,
    scope: Scope,
    first: str,
    last: str,
    unit: str | None = None,
    cfg: config_mod.Config | None = None,
) -> pd.DataFrame:
    """Each visible member's index per quarter (亮分公示), with names: member-level data.

    Only members of branches in the viewer's member scope appear (committee: all; secretary:
    their own branch or general branch; researcher: refused), by their current branch: a
    branch that received a member sees the member's earlier quarters in the old branch too,
    and the old branch no longer sees the name (its aggregates keep the quarters).

    Returns: quarter, member_id, name, branch_id, branch_name, general_branch_name, vindex,
    rank_in_branch (competition ranking within the branch and quarter).
    """
    require_branch_detail(scope)
    index, params = _index(con, cfg or config_mod.load(), unit, first, last)
    visible, visibility = member_visibility(con, scope, "m.branch_id")
    return fetch_frame(
        con,
        f"""
        WITH idx AS ({index})
        SELECT i.quarter, i.member_id, m.name, i.branch_id, l.branch_name, l.general_branch_name, i.vindex,
               i.rank_in_branch
        FROM idx i JOIN member m USING (member_id) JOIN branch_lineage l ON l.branch_id = i.branch_id
        WHERE {visible}
        ORDER BY i.quarter, i.branch_id, rank_in_branch, i.member_id
        """,
        params | visibility,
    )


def _appraisal(con: duckdb.DuckDBPyConnection, cfg: config_mod.Config, unit: str | None,
               year: int) -> tuple[str, dict]:
    """SQL of the annual appraisal (``derived.appraisal_sql``'s columns) of ``year`` under
    ``unit``, and its parameters: the derived table when current for ``cfg``, else computed."""
    if derived.is_current(con, "vanguard", cfg):
        return (f"SELECT * FROM member_year_index WHERE year = $year AND {branch_unit_filter('branch_id', unit)}",
                {"year": year, "unit": unit})
    index, params = _index(con, cfg, unit, f"{year}Q1", f"{year}Q4")
    return derived.appraisal_sql(index), params | derived.appraisal_params(cfg)


def appraisal(
    con: duckdb.DuckDBPyConnection,
    *,
    scope: Scope,
    year: int,
    unit: str | None = None,
    cfg: config_mod.Config | None = None,
) -> pd.DataFrame:
    """Annual appraisal (民主评议) of each visible member from the year's quarterly indices.

    Returns: member_id, name, branch_id, branch_name, quarters (quarters scored in the year),
    annual_index (mean of the year's quarterly indices), grade (优秀/合格/基本合格/不合格 by
    the configured thresholds), stars (1-5). Member-level: scoped like ``member_index``.
    """
    require_branch_detail(scope)
    annual, params = _appraisal(con, cfg or config_mod.load(), unit, year)
    visible, visibility = member_visibility(con, scope, "m.branch_id")
    return fetch_frame(
        con,
        f"""
        SELECT a.member_id, m.name, a.branch_id, l.branch_name, a.quarters, a.annual_index, a.grade, a.stars
        FROM ({annual}) a JOIN member m USING (member_id) JOIN branch_lineage l ON l.branch_id = a.branch_id
        WHERE {visible}
        ORDER BY a.branch_id, a.annual_index DESC, a.member_id
        """,
        params | visibility,
    )


def appraisal_counts(
    con: duckdb.DuckDBPyConnection,
    *,
    scope: Scope,
    year: int,
    unit: str | None = None,
    cfg: config_mod.Config | None = None,
) -> pd.DataFrame:
    """How many members of each branch reach each grade and star level in ``year``.

    Aggregate counts for every branch (committee and secretaries; not researchers).

    Returns: branch_id, branch_name, n, one column per configured grade label (优秀, 合格,
    基本合格, 不合格), one column per star level ("5星" ... "1星"), excellent_pct (share 优秀).
    """
    require_branch_detail(scope)
    cfg = cfg or config_mod.load()
    annual, params = _appraisal(con, cfg, unit, year)
    rows = fetch_frame(
        con,
        f"""
        SELECT a.branch_id, l.branch_name, a.grade, a.stars, count(*) AS n
        FROM ({annual}) a JOIN branch_lineage l ON l.branch_id = a.branch_id
        GROUP BY ALL
        """,
        params,
    )
    grades = [t.label for t in cfg.vanguard.grades]
    star_levels = [int(t.label) for t in cfg.vanguard.stars]
    by_grade = rows.pivot_table(index=["branch_id", "branch_name"], columns="grade", values="n", aggfunc="sum")
    by_star = rows.pivot_table(index=["branch_id", "branch_name"], columns="stars", values="n", aggfunc="sum")
    table = (
        by_grade.reindex(columns=grades).join(by_star.reindex(columns=star_levels).rename(columns=lambda s: f"{s}星"))
        .fillna(0).astype(int).reset_index()
    )
    table.insert(2, "n", table[grades].sum(axis=1))
    table["excellent_pct"] = 100 * table[grades[0]] / table["n"]
    return table.sort_values("branch_id", ignore_index=True)


def grade_distribution(
    con: duckdb.DuckDBPyConnection,
    *,
    scope: Scope,
    quarter: str,
    unit: str | None = None,
    cfg: config_mod.Config | None = None,
) -> pd.DataFrame:
    """Members of ``unit`` and of the whole hospital in each grade band of one quarter's index.

    The bands are the appraisal's thresholds (优秀/合格/基本合格/不合格) applied to the quarter's
    index: where a unit's members stand now, against everyone, before the year's 民主评议.
    Aggregate counts, for the committee and secretaries (not researchers).

    Returns: grade (the configured labels, best first; every band, also when empty), members
    (the unit's members in the band), pct (percent of the unit's scored members; NaN when none
    was scored), hospital_members, hospital_pct.

    Notes: band = the highest grade whose minimum the quarter's index reaches; members without a
    complete score sheet in the quarter are not counted (as in ``trend``).
    """
    require_branch_detail(scope)
    check_unit(scope, unit)
    cfg = cfg or config_mod.load()
    index, params = _index(con, cfg, None, quarter, quarter)
    params |= {"target": unit, "grade_labels": [t.label for t in cfg.vanguard.grades],
               "grade_minima": [t.minimum for t in cfg.vanguard.grades]}
    return fetch_frame(
        con,
        f"""
        WITH idx AS ({index}),
        grades AS (SELECT unnest($grade_labels) AS label, unnest($grade_minima) AS minimum,
                          generate_subscripts($grade_labels, 1) AS position),
        banded AS (
            SELECT i.member_id, (SELECT arg_max(label, minimum) FROM grades WHERE i.vindex >= minimum) AS grade,
                   $target IS NULL OR l.branch_id = $target OR l.general_branch_id = $target AS in_unit
            FROM idx i JOIN branch_lineage l USING (branch_id)
        ),
        counts AS (
            SELECT g.label AS grade, g.position,
                   count(b.member_id) FILTER (WHERE b.in_unit) AS members, count(b.member_id) AS hospital_members
            FROM grades g LEFT JOIN banded b ON b.grade = g.label
            GROUP BY ALL
        )
        SELECT grade, members, 100.0 * members / nullif(sum(members) OVER (), 0) AS pct,
               hospital_members, 100.0 * hospital_members / nullif(sum(hospital_members) OVER (), 0) AS hospital_pct
        FROM counts ORDER BY position
        """,
        params,
    )


def falling_members(
    con: duckdb.DuckDBPyConnection,
    *,
    scope: Scope,
    last: str,
    unit: str | None = None,
    quarters: int = 2,
    cfg: config_mod.Config | None = None,
) -> pd.DataFrame:
    """Visible members whose index fell in each of the ``quarters`` quarters up to ``last``.

    A fall needs scores in consecutive quarters: a member missing a quarter in the window is
    not listed (nothing to compare).

    Returns: member_id, name, branch_id, branch_name, start_index (``quarters`` quarters
    before ``last``), last_index, total_drop (start − last, positive), indices (list, oldest
    first), index_path (the indices as shown: "87.1 → 85.2 → 83.0").
    """
    require_branch_detail(scope)
    if quarters < 1:
        raise ValueError("quarters must be at least 1")
    window = quarter_range(shift(last, -quarters), last)
    index, params = _index(con, cfg or config_mod.load(), unit, window[0], last)
    visible, visibility = member_visibility(con, scope, "m.branch_id")
    params |= visibility | {"window": len(window)}
    params |= {f"q{i}": quarter for i, quarter in enumerate(window)}
    # The window's indices as one list, a filtered max per quarter (a member has one index a
    # quarter) rather than an ordered list() aggregate: at a province 109 instead of 154 ms.
    indices = ", ".join(f"max(vindex) FILTER (WHERE quarter = $q{i})" for i in range(len(window)))
    return fetch_frame(
        con,
        f"""
        WITH idx AS ({index}),
        series AS (
            SELECT member_id, branch_id, [{indices}] AS indices, count(*) AS scored
            FROM idx GROUP BY ALL
        )
        SELECT s.member_id, m.name, s.branch_id, l.branch_name, s.indices[1] AS start_index,
               s.indices[-1] AS last_index, s.indices[1] - s.indices[-1] AS total_drop, s.indices,
               -- formatted here, once per result, not by every page run (16,500 rows of a province),
               -- rounded as formatting.score rounds (half_up: to 9 decimals, then half away from
               -- zero, which DuckDB's round of a DECIMAL does)
               array_to_string(list_transform(s.indices, lambda x: round(round(x, 9)::DECIMAL(18, 9), 1)::VARCHAR),
                               ' → ') AS index_path
        FROM series s JOIN member m USING (member_id) JOIN branch_lineage l ON l.branch_id = s.branch_id
        WHERE s.scored = $window AND {visible}
          AND list_bool_and(list_transform(range(1, $window), lambda i: s.indices[i + 1] < s.indices[i]))
        ORDER BY total_drop DESC, s.member_id
        """,
        params,
    )
