"""Member composition: young, front-line and 高级职称 members, 离退休, and the Party share of staff."""

from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd

from analysis.db import fetch_frame
from analysis.metrics.org import membership_on, unit_filter
from analysis.periods import quarter_of
from analysis.registers._common import with_share
from analysis.scope import Scope, check_unit, require_branch_detail

YOUNG_MAX_AGE = 35  # 青年党员: 35 or younger in the year
SENIOR_TITLES = ("副高级", "正高级")
GROUPS = ("青年党员", "一线党员", "高级职称", "以上任一", "离退休")

# Active members who had joined by $as_of and were in a branch under $unit that day, with their
# profile (a member without a profile row counts as unknown: neither young nor front-line nor
# senior, and not retired).
_MEMBERS = f"""
    SELECT m.member_id, h.branch_id, l.general_branch_id, l.general_branch_name,
           $year - m.birth_year <= {YOUNG_MAX_AGE} AS young, coalesce(p.front_line, FALSE) AS front_line,
           coalesce(list_contains({list(SENIOR_TITLES)}, p.title), FALSE) AS senior, coalesce(p.retired, FALSE) AS retired
    FROM member m {membership_on('$as_of')} JOIN branch_lineage l ON l.branch_id = h.branch_id
    LEFT JOIN member_profile p ON p.member_id = m.member_id
    WHERE m.active AND m.joined_on <= $as_of AND {unit_filter('h.branch_id')}
"""


def composition(
    con: duckdb.DuckDBPyConnection, *, scope: Scope, as_of: dt.date, unit: str | None = None
) -> pd.DataFrame:
    """Shares of 青年 (35 or younger), 一线 and 高级职称 members among those in service, of any of
    the three (the "优秀人才、一线和青年党员" share), and of 离退休 among all members: the unit as a
    whole, then each 党总支 under it.

    Returns: unit_id (NULL for the hospital), unit_name, group (青年党员, 一线党员, 高级职称,
    以上任一: among members in service; 离退休: among all members), count, n, pct, ci_low,
    ci_high (95 % Wilson). Researchers get the hospital rows only.
    """
    if unit is not None or scope.role != "researcher":
        check_unit(scope, unit)
    frame = fetch_frame(
        con,
        f"""
        WITH m AS ({_MEMBERS}),
        units AS (
            SELECT 0 AS level, $unit AS unit_id, * EXCLUDE (general_branch_id, general_branch_name) FROM m
            UNION ALL
            SELECT 1, general_branch_id, * EXCLUDE (general_branch_id, general_branch_name) FROM m
            WHERE $detail AND general_branch_id IS NOT NULL AND general_branch_id IS DISTINCT FROM $unit
        ),
        counted AS (
            SELECT level, unit_id,
                   count(*) FILTER (WHERE NOT retired AND young) AS "青年党员",
                   count(*) FILTER (WHERE NOT retired AND front_line) AS "一线党员",
                   count(*) FILTER (WHERE NOT retired AND senior) AS "高级职称",
                   count(*) FILTER (WHERE NOT retired AND (young OR front_line OR senior)) AS "以上任一",
                   count(*) FILTER (WHERE retired) AS "离退休",
                   count(*) FILTER (WHERE NOT retired) AS in_service, count(*) AS everyone
            FROM units GROUP BY ALL
        )
        SELECT level, unit_id, "group", count, CASE WHEN "group" = '离退休' THEN everyone ELSE in_service END AS n
        FROM counted UNPIVOT (count FOR "group" IN ("青年党员", "一线党员", "高级职称", "以上任一", "离退休"))
        ORDER BY level, unit_id NULLS FIRST, list_position($groups, "group")
        """,
        {"as_of": as_of, "year": as_of.year, "unit": unit, "detail": scope.role != "researcher",
         "groups": list(GROUPS)},
    )
    names = dict(con.execute("SELECT unit_id, name FROM org_unit WHERE level = 'general_branch'").fetchall())
    frame.insert(2, "unit_name", [names.get(u, "全院") if u is not None and u == u else "全院" for u in frame["unit_id"]])
    return with_share(frame.drop(columns="level"), count="count", n="n")


def party_share_of_staff(
    con: duckdb.DuckDBPyConnection, *, scope: Scope, as_of: dt.date, unit: str | None = None
) -> pd.DataFrame:
    """Party members in service as a share of the staff of the departments each branch covers
    (the staff counts of 科室与支部对应, the mapping in force in the quarter of ``as_of``).

    Returns: branch_id, branch_name, staff, members, exceeds (more members than staff: a staff
    count to check, with no share), pct, ci_low, ci_high (95 % Wilson); only branches with
    mapped departments, by pct descending (those that exceed last).
    Not for researchers.
    """
    require_branch_detail(scope)
    frame = fetch_frame(
        con,
        f"""
        WITH mapping AS (
            SELECT * FROM department_branch WHERE from_quarter <= $quarter
            QUALIFY row_number() OVER (PARTITION BY department_id ORDER BY from_quarter DESC) = 1
        ), staff AS (SELECT branch_id, sum(staff) AS staff FROM mapping GROUP BY ALL),
        m AS (SELECT branch_id, count(*) FILTER (WHERE NOT retired) AS members FROM ({_MEMBERS}) GROUP BY ALL)
        SELECT s.branch_id, l.branch_name, s.staff, coalesce(m.members, 0) AS members
        FROM staff s JOIN branch_lineage l USING (branch_id) LEFT JOIN m USING (branch_id)
        WHERE {unit_filter('s.branch_id')}
        """,
        {"as_of": as_of, "year": as_of.year, "unit": unit, "quarter": quarter_of(as_of)},
    )
    exceeds = frame["members"] > frame["staff"]
    shares = with_share(frame.assign(staff=frame["staff"].where(~exceeds, 0)), count="members", n="staff")
    shares = shares.assign(staff=frame["staff"])
    shares.insert(4, "exceeds", exceeds)
    return shares.sort_values(["exceeds", "pct", "branch_id"], ascending=[True, False, True], ignore_index=True)
