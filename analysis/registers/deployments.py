"""援派 and 抗疫 deployments: person-days, the share of Party members, how fast people volunteered."""

from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd

from analysis.db import fetch_frame
from analysis.metrics.org import unit_filter
from analysis.registers._common import with_share
from analysis.scope import Scope, check_unit, member_branch_ids, require_branch_detail, visible_branch

# A deployment's days in a year: its days from departure to return (or to $as_of while away),
# both counted, that fall in the year.
_SPELLS = f"""
    SELECT d.*, least(coalesce(d.ended_on, $as_of), $as_of) AS last_day
    FROM deployment d WHERE d.started_on <= $as_of AND {unit_filter('d.branch_id')}
"""


def person_days(
    con: duckdb.DuckDBPyConnection, *, scope: Scope, as_of: dt.date, unit: str | None = None
) -> pd.DataFrame:
    """Person-days deployed per calendar year and mission, up to ``as_of``.

    Returns: year, mission, people (deployed some day of the year), person_days.
    Notes: a deployment spanning new year counts in both years with its days in each.
    """
    require_branch_detail(scope)
    check_unit(scope, unit)
    return fetch_frame(
        con,
        f"""
        WITH s AS ({_SPELLS}),
        y AS (SELECT s.*, unnest(range(year(started_on), year(last_day) + 1)) AS year FROM s)
        SELECT year, mission, count(DISTINCT coalesce(member_id, deployment_id)) AS people,
               sum(date_diff('day', greatest(started_on, make_date(year, 1, 1)),
                             least(last_day, make_date(year, 12, 31))) + 1) AS person_days
        FROM y GROUP BY ALL ORDER BY year, person_days DESC, mission
        """,
        {"as_of": as_of, "unit": unit},
    )


def member_share(
    con: duckdb.DuckDBPyConnection, *, scope: Scope, as_of: dt.date, unit: str | None = None
) -> pd.DataFrame:
    """Of the deployments started by ``as_of``, how many were of Party members, per mission and in all.

    Returns: mission ('合计' last), deployments, members, pct (members / deployments, percent),
    ci_low, ci_high (95 % Wilson).
    """
    require_branch_detail(scope)
    check_unit(scope, unit)
    frame = fetch_frame(
        con,
        f"""
        WITH s AS ({_SPELLS})
        SELECT coalesce(mission, '合计') AS mission, count(*) AS deployments, count(member_id) AS members
        FROM s GROUP BY ROLLUP (mission) ORDER BY mission IS NULL, deployments DESC, mission
        """,
        {"as_of": as_of, "unit": unit},
    )
    return with_share(frame, count="members", n="deployments")


def response_times(
    con: duckdb.DuckDBPyConnection, *, scope: Scope, as_of: dt.date, unit: str | None = None
) -> pd.DataFrame:
    """How fast volunteers came forward: days from the call to the 请战, per mission.

    Returns: mission, n (deployments with both dates), median_days, within_1_day (请战 on the
    day of the call or the next), members_median_days and others_median_days (Party members
    and the rest; NULL without any).
    """
    require_branch_detail(scope)
    check_unit(scope, unit)
    return fetch_frame(
        con,
        f"""
        WITH s AS (SELECT *, date_diff('day', called_on, volunteered_on) AS days FROM ({_SPELLS})
                   WHERE called_on IS NOT NULL AND volunteered_on IS NOT NULL)
        SELECT mission, count(*) AS n, median(days) AS median_days, count(*) FILTER (WHERE days <= 1) AS within_1_day,
               median(days) FILTER (WHERE member_id IS NOT NULL) AS members_median_days,
               median(days) FILTER (WHERE member_id IS NULL) AS others_median_days
        FROM s GROUP BY ALL ORDER BY n DESC, mission
        """,
        {"as_of": as_of, "unit": unit},
    )


def deployment_list(
    con: duckdb.DuckDBPyConnection, *, scope: Scope, as_of: dt.date, unit: str | None = None
) -> pd.DataFrame:
    """Deployments started by ``as_of`` within the viewer's member scope (the rows name people).

    Returns: deployment_id, name, branch_id, branch_name, is_member, mission, destination, role,
    called_on, volunteered_on, started_on, ended_on (NULL while away on ``as_of``), days (to
    return, or to ``as_of``). Newest first.
    """
    require_branch_detail(scope)
    return fetch_frame(
        con,
        f"""
        SELECT s.deployment_id, s.name, s.branch_id, l.branch_name, s.member_id IS NOT NULL AS is_member, s.mission,
               s.destination, s.role, s.called_on, s.volunteered_on, s.started_on,
               CASE WHEN s.ended_on <= $as_of THEN s.ended_on END AS ended_on,
               date_diff('day', s.started_on, s.last_day) + 1 AS days
        FROM ({_SPELLS}) s JOIN branch_lineage l USING (branch_id)
        WHERE {visible_branch('s.branch_id')}
        ORDER BY s.started_on DESC, s.deployment_id
        """,
        {"as_of": as_of, "unit": unit, "visible": member_branch_ids(con, scope)},
    )
