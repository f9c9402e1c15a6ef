"""Activities: 主题党日, 义诊, 志愿服务, 健康扶贫, trainings and the rest, counted per type,
owner and month, with people served (人次) and hours. An activity's owner is usually a 党支部,
but a 党总支 (a 总支-run 义诊) or the committee may run one: it counts under that unit and
the hospital, not under the branches below it.

All results are aggregates over branches; no member appears. Activities dated after
``as_of`` (today by default) are planned, not held, and are left out.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import duckdb
import pandas as pd

from analysis import derived, periods
from analysis.db import fetch_frame
from analysis.metrics.org import owner_filter
from analysis.scope import Scope, check_unit, require_branch_detail

ACTIVITY_TYPES = (
    "支部党员大会", "支委会", "党小组会", "党课", "组织生活会", "民主评议党员", "主题党日", "义诊",
    "志愿服务", "健康扶贫", "培训", "讲党课比赛", "援派", "其他",
)
"""Every activity type the schema accepts, in display order."""

MEETING_TYPES = ACTIVITY_TYPES[:4]
"""The 三会一课 meetings (analysed by ``analysis.meetings``)."""

YEARLY_MEETING_TYPES = ACTIVITY_TYPES[4:6]
"""The yearly meetings of every branch: 组织生活会 and 民主评议党员 (``analysis.metrics.yearly``)."""

EVENT_TYPES = ACTIVITY_TYPES[6:]
"""Every type that is not a branch meeting: what the activities view shows by default."""

LECTURER_ROLES = (("支部书记", "书记"), ("支部委员", "委员"), ("普通党员", "党员"), ("院领导或外请", "其他"))
"""Who gave a 党课, as (label, stored value): the stored values are the schema's."""


@dataclass(frozen=True)
class TypeTotal:
    """Totals of one activity type: the headline '义诊 N 场，服务 M 人次'."""

    activity_type: str
    activities: int
    people_served: int
    hours: float
    branches: int

    @property
    def headline(self) -> str:
        return f"{self.activity_type} {self.activities:,} 场，服务 {self.people_served:,} 人次"


@dataclass(frozen=True)
class ServiceTotals:
    """义诊 and 志愿服务 totals for the selected unit and period."""

    free_clinic: TypeTotal
    volunteering: TypeTotal


def _params(first: str, last: str, unit: str | None, types: tuple[str, ...] | list[str] | None,
            as_of: dt.date | None) -> dict:
    periods.quarter_range(first, last)  # validates the order
    chosen = list(ACTIVITY_TYPES if types is None else types)
    unknown = [t for t in chosen if t not in ACTIVITY_TYPES]
    if unknown:
        raise ValueError(f"unknown activity type(s): {'、'.join(unknown)}")
    return {
        "types": chosen,
        "catalogue": list(ACTIVITY_TYPES),
        "start": periods.bounds(first)[0],
        "end": periods.bounds(last)[1],
        "unit": unit,
        "as_of": as_of or dt.date.today(),
    }


def _activities(con: duckdb.DuckDBPyConnection, unit: str | None) -> str:
    """SQL of the activities of the chosen types ($types) under $unit held in [$start, $end] and
    by $as_of, per month, owner and type (``derived.activity_months_sql``'s columns), with
    type_order (the type's place in ``ACTIVITY_TYPES``), is_branch (the owner is a 党支部) and the
    owner's ``unit_lineage`` columns (unit_name, level, general_branch_id, general_branch_name)."""
    return f"""
        SELECT a.*, list_position($catalogue::VARCHAR[], a.activity_type) AS type_order,
               o.level = 'branch' AS is_branch, o.unit_name, o.level, o.general_branch_id, o.general_branch_name
        FROM ({derived.activity_months_sql(con)}) a JOIN unit_lineage o USING (unit_id)
        WHERE list_contains($types::VARCHAR[], a.activity_type) AND {owner_filter('a.unit_id', unit)}
    """


def activity_totals(
    con: duckdb.DuckDBPyConnection,
    *,
    scope: Scope,
    first: str,
    last: str,
    unit: str | None = None,
    types: tuple[str, ...] | None = None,
    as_of: dt.date | None = None,
) -> pd.DataFrame:
    """Totals per activity type over quarters ``first``..``last`` under ``unit``.

    Parameters
    ----------
    first, last : quarters 'YYYYQn'.
    unit : a branch id, a general branch id, or None for the whole hospital (narrowing to a
        unit needs branch-level access; researchers get the hospital only).
    types : activity types to count (default: all of ``ACTIVITY_TYPES``).
    as_of : activities dated after it are left out (default today).

    Returns
    -------
    One row per type with at least one activity, in ``ACTIVITY_TYPES`` order: activity_type,
    activities (count, the activities of a 总支 or the committee under ``unit`` included),
    people_served (Σ 人次), hours (Σ hours), branches (distinct 党支部 holding the type),
    months (distinct months with the type).
    """
    check_unit(scope, unit)
    # Counted from the activities themselves: the monthly table (``_activities``) holds about one
    # row per activity, so it saves no rows here, and reading it costs its freshness check.
    return fetch_frame(
        con,
        f"""
        SELECT a.activity_type, count(*) AS activities, sum(a.people_served)::BIGINT AS people_served,
               sum(a.hours)::DOUBLE AS hours,
               count(DISTINCT a.unit_id) FILTER (WHERE a.unit_id IN (SELECT unit_id FROM org_unit WHERE level = 'branch'))
                   AS branches,
               count(DISTINCT date_trunc('month', a.held_on)) AS months
        FROM activity a
        WHERE a.held_on BETWEEN $start::DATE AND least($end::DATE, $as_of::DATE)
          AND list_contains($types::VARCHAR[], a.activity_type) AND {owner_filter('a.unit_id', unit)}
        GROUP BY a.activity_type
        ORDER BY list_position($catalogue::VARCHAR[], a.activity_type)
        """,
        _params(first, last, unit, types, as_of),
    )


def activity_monthly(
    con: duckdb.DuckDBPyConnection,
    *,
    scope: Scope,
    first: str,
    last: str,
    unit: str | None = None,
    types: tuple[str, ...] | None = None,
    as_of: dt.date | None = None,
) -> pd.DataFrame:
    """Activities per month and type (parameters as ``activity_totals``).

    Returns
    -------
    One row per month × type with at least one activity, ordered by month and type:
    month (first day of the month), month_label ('2024年3月'), activity_type, activities,
    people_served, hours, branches (distinct 党支部 active).
    """
    check_unit(scope, unit)
    return fetch_frame(
        con,
        f"""
        SELECT month, year(month) || '年' || month(month) || '月' AS month_label,
               activity_type, sum(held)::BIGINT AS activities, sum(people_served)::BIGINT AS people_served,
               sum(hours)::DOUBLE AS hours, count(DISTINCT unit_id) FILTER (WHERE is_branch) AS branches
        FROM ({_activities(con, unit)})
        GROUP BY month, activity_type, type_order
        ORDER BY month, type_order
        """,
        _params(first, last, unit, types, as_of),
    )


def activity_by_branch(
    con: duckdb.DuckDBPyConnection,
    *,
    scope: Scope,
    first: str,
    last: str,
    unit: str | None = None,
    types: tuple[str, ...] | None = None,
    as_of: dt.date | None = None,
) -> pd.DataFrame:
    """Activities per owner and type (parameters as ``activity_totals``; not for researchers).

    Returns
    -------
    One row per owner × type with at least one activity, ordered by general branch (a 总支's
    own rows before its branches'), owner and type: branch_id and branch_name (the owner: a
    branch, or a 总支 or the committee for their own activities), general_branch_name,
    activity_type, activities, people_served, hours, first_held, last_held (dates of the first
    and last one).
    """
    require_branch_detail(scope)
    return fetch_frame(
        con,
        f"""
        SELECT unit_id AS branch_id, unit_name AS branch_name, general_branch_name, activity_type,
               sum(held)::BIGINT AS activities, sum(people_served)::BIGINT AS people_served,
               sum(hours)::DOUBLE AS hours, min(first_held) AS first_held, max(last_held) AS last_held
        FROM ({_activities(con, unit)})
        GROUP BY unit_id, unit_name, level, general_branch_id, general_branch_name, activity_type, type_order
        ORDER BY general_branch_id NULLS LAST, level <> 'general_branch', unit_id, type_order
        """,
        _params(first, last, unit, types, as_of),
    )


def service_totals(
    con: duckdb.DuckDBPyConnection,
    *,
    scope: Scope,
    first: str,
    last: str,
    unit: str | None = None,
    as_of: dt.date | None = None,
) -> ServiceTotals:
    """The 义诊 and 志愿服务 headline figures (parameters as ``activity_totals``).

    Returns a ``ServiceTotals`` whose ``free_clinic`` and ``volunteering`` are ``TypeTotal``
    (activity_type, activities, people_served, hours, branches; zeros when none were held),
    each with a ``headline`` such as '义诊 12 场，服务 1,830 人次'.
    """
    totals = activity_totals(con, scope=scope, first=first, last=last, unit=unit, types=("义诊", "志愿服务"),
                             as_of=as_of).set_index("activity_type")

    def total(kind: str) -> TypeTotal:
        if kind not in totals.index:
            return TypeTotal(kind, 0, 0, 0.0, 0)
        row = totals.loc[kind]
        return TypeTotal(kind, int(row["activities"]), int(row["people_served"]), float(row["hours"]),
                         int(row["branches"]))

    return ServiceTotals(free_clinic=total("义诊"), volunteering=total("志愿服务"))
