"""The yearly branch meetings and the 党课's lecturers.

Every 党支部 holds a 组织生活会 and a 民主评议党员 at least once a year (``cfg.annual_meeting_rules``);
the compliance view lists, per year, the branches that have not. A 党课 records who gave it
(书记, 委员, 党员, or 其他: a hospital leader or an outside teacher); 委员带头讲党课 is measured as
the share of 党课 given by the branch committee (书记 or 委员) among those whose lecturer is
recorded. Only activities owned by a 党支部 count: these are a branch's own meetings.

Results are branch-level or aggregate; no member name appears (a lecturer's name is not
returned).
"""

from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd

from analysis import config as config_mod
from analysis.db import fetch_frame
from analysis.metrics.org import unit_filter
from analysis.registers._common import with_share
from analysis.scope import Scope, check_unit, require_branch_detail

COMMITTEE_ROLES = ("书记", "委员")
"""Lecturer roles that count as the branch committee (委员带头讲党课)."""


def _rules(cfg: config_mod.Config, kinds: tuple[str, ...] | None) -> dict:
    rules = [r for r in cfg.annual_meeting_rules if kinds is None or r.kind in kinds]
    unknown = set(kinds or ()) - {r.kind for r in cfg.annual_meeting_rules}
    if unknown:
        raise ValueError(f"no yearly rule for: {'、'.join(sorted(unknown))}")
    return {"kinds": [r.kind for r in rules], "times": [r.times for r in rules],
            "kind_orders": list(range(len(rules)))}


# One row per branch under $unit, configured kind ($kinds, $times) and year in $years. A year is
# observed when the hospital recorded any activity in it; a branch founded after a year's end
# has no duty in it; a year not over on $as_of is still open.
COMPLIANCE_SQL = f"""
WITH rules AS (
    SELECT unnest($kinds::VARCHAR[]) AS kind, unnest($times::INTEGER[]) AS required,
           unnest($kind_orders::INTEGER[]) AS kind_order
), years AS (
    SELECT unnest($years::INTEGER[]) AS year
), recorded AS (
    SELECT DISTINCT year(held_on) AS year FROM activity WHERE held_on <= $as_of::DATE
), held AS (
    SELECT unit_id AS branch_id, activity_type AS kind, year(held_on) AS year, count(*) AS held,
           string_agg(strftime(held_on, '%-m月%-d日'), '、' ORDER BY held_on) AS dates
    FROM activity
    WHERE list_contains($kinds::VARCHAR[], activity_type) AND held_on <= $as_of::DATE
      AND list_contains($years::INTEGER[], year(held_on))
    GROUP BY ALL
)
SELECT l.branch_id, l.branch_name, l.general_branch_id, l.general_branch_name, y.year, r.kind, r.kind_order,
       r.required, coalesce(h.held, 0) AS held, h.dates,
       CASE WHEN coalesce(h.held, 0) >= r.required THEN '达标'
            WHEN u.founded_on > make_date(y.year, 12, 31) THEN '未成立'
            WHEN make_date(y.year, 12, 31) > $as_of::DATE THEN '进行中'
            WHEN y.year NOT IN (SELECT year FROM recorded) THEN '无数据'
            ELSE '缺漏' END AS status
FROM branch_lineage l
JOIN org_unit u ON u.unit_id = l.branch_id
CROSS JOIN years y
CROSS JOIN rules r
LEFT JOIN held h ON h.branch_id = l.branch_id AND h.kind = r.kind AND h.year = y.year
WHERE {unit_filter('l.branch_id')}
"""


def _params(cfg, years, unit, kinds, as_of) -> dict:
    if not years:
        raise ValueError("years: at least one year")
    return {**_rules(cfg, kinds), "years": [int(y) for y in years], "unit": unit,
            "as_of": as_of or dt.date.today()}


def annual_meeting_compliance(
    con: duckdb.DuckDBPyConnection,
    *,
    scope: Scope,
    years: list[int],
    unit: str | None = None,
    kinds: tuple[str, ...] | None = None,
    as_of: dt.date | None = None,
    cfg: config_mod.Config | None = None,
) -> pd.DataFrame:
    """Whether every branch under ``unit`` held its yearly meetings in each of ``years``
    (branch-level, so not for researchers).

    Parameters
    ----------
    years : calendar years.
    unit : a branch, a general branch, or None for the whole hospital.
    kinds : meeting kinds with a yearly rule (default: every ``cfg.annual_meeting_rules`` kind).
    as_of : meetings dated after it do not count, and a year not over on it is open (default today).

    Returns
    -------
    One row per branch × year × kind, ordered by year, kind, general branch and branch:
    branch_id, branch_name, general_branch_name, year, kind, required (times a year), held
    (meetings held), dates ('3月5日、11月2日'; NULL when none), status (达标: held at least
    ``required`` times; 未成立: the branch was founded after the year; 进行中: the year is not
    over; 无数据: the hospital recorded no activity that year; 缺漏: missed).
    """
    require_branch_detail(scope)
    cfg = cfg or config_mod.load()
    return fetch_frame(
        con,
        f"""
        SELECT branch_id, branch_name, general_branch_name, year, kind, required, held, dates, status
        FROM ({COMPLIANCE_SQL})
        ORDER BY year, kind_order, general_branch_id NULLS LAST, branch_id
        """,
        _params(cfg, years, unit, kinds, as_of),
    )


def annual_meeting_summary(
    con: duckdb.DuckDBPyConnection,
    *,
    scope: Scope,
    years: list[int],
    unit: str | None = None,
    as_of: dt.date | None = None,
    cfg: config_mod.Config | None = None,
) -> pd.DataFrame:
    """How many branches under ``unit`` held each yearly meeting, per year (aggregate;
    researchers: hospital only). Parameters as :func:`annual_meeting_compliance`.

    Returns
    -------
    One row per year × kind, ordered by year and kind: year, kind, branches (branches with the
    duty: founded by the year's end), held (of them 达标), missing (缺漏), open (进行中: the year
    is not over and the branch has not held it yet), pct (100 × held / branches), ci_low,
    ci_high (95 % Wilson interval of pct).
    """
    check_unit(scope, unit)
    cfg = cfg or config_mod.load()
    frame = fetch_frame(
        con,
        f"""
        SELECT year, kind, count(*) FILTER (WHERE status <> '未成立') AS branches,
               count(*) FILTER (WHERE status = '达标') AS held,
               count(*) FILTER (WHERE status = '缺漏') AS missing,
               count(*) FILTER (WHERE status = '进行中') AS open
        FROM ({COMPLIANCE_SQL})
        GROUP BY year, kind, kind_order
        ORDER BY year, kind_order
        """,
        _params(cfg, years, unit, None, as_of),
    )
    return with_share(frame, count="held", n="branches")


def lecturer_shares(
    con: duckdb.DuckDBPyConnection,
    *,
    scope: Scope,
    years: list[int],
    unit: str | None = None,
    as_of: dt.date | None = None,
) -> pd.DataFrame:
    """委员带头讲党课: who gave the branches' 党课, per year, for the whole of ``unit`` and per
    党总支 under it (aggregate; researchers: the hospital row only).

    Returns
    -------
    Per year, first the row of ``unit`` itself (general_branch_id NULL; general_branch_name
    '全院' for the hospital, else the unit's name), then one row per 党总支 under ``unit`` with
    a 党课 that year (for researchers none): year, general_branch_id, general_branch_name,
    lectures (党课 held), with_lecturer (of them with the lecturer recorded), by_secretary (given
    by the branch secretary), by_committee (by the secretary or a committee member), by_member,
    by_other, pct (100 × by_committee / with_lecturer), ci_low, ci_high (95 % Wilson interval).

    Notes
    -----
    A 党课 without a recorded lecturer is left out of the share's denominator (it is counted in
    ``lectures``), so that a register kept only in part does not read as lectures by others.
    """
    check_unit(scope, unit)
    if not years:
        raise ValueError("years: at least one year")
    per_general_branch = scope.role != "researcher"
    frame = fetch_frame(
        con,
        f"""
        WITH lectures AS (
            SELECT year(a.held_on) AS year, l.general_branch_id, l.general_branch_name, a.lecturer_role
            FROM activity a JOIN branch_lineage l ON l.branch_id = a.unit_id
            WHERE a.activity_type = '党课' AND a.held_on <= $as_of::DATE
              AND list_contains($years::INTEGER[], year(a.held_on)) AND {unit_filter('a.unit_id')}
        ), grouped AS (
            SELECT year,
                   CASE WHEN GROUPING(general_branch_id) = 0 THEN general_branch_id END AS general_branch_id,
                   CASE WHEN GROUPING(general_branch_id) = 0 THEN any_value(general_branch_name) END AS name,
                   GROUPING(general_branch_id) AS whole,
                   count(*) AS lectures,
                   count(lecturer_role) AS with_lecturer,
                   count(*) FILTER (WHERE lecturer_role = '书记') AS by_secretary,
                   count(*) FILTER (WHERE list_contains($committee::VARCHAR[], lecturer_role)) AS by_committee,
                   count(*) FILTER (WHERE lecturer_role = '党员') AS by_member,
                   count(*) FILTER (WHERE lecturer_role = '其他') AS by_other
            FROM lectures
            GROUP BY GROUPING SETS ((year), (year, general_branch_id))
        )
        SELECT year, general_branch_id,
               CASE WHEN whole = 1 THEN coalesce((SELECT name FROM org_unit WHERE unit_id = $unit), '全院')
                    ELSE name END AS general_branch_name,
               lectures, with_lecturer, by_secretary, by_committee, by_member, by_other
        FROM grouped
        WHERE whole = 1 OR (general_branch_id IS NOT NULL AND $per_general_branch)
        ORDER BY year, whole DESC, general_branch_id
        """,
        {"years": [int(y) for y in years], "unit": unit, "as_of": as_of or dt.date.today(),
         "committee": list(COMMITTEE_ROLES), "per_general_branch": per_general_branch},
    )
    return with_share(frame, count="by_committee", n="with_lecturer")
