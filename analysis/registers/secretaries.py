"""支部书记: 双带头人 (secretary also department head or discipline leader) and 换届 (term renewal)."""

from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd

from analysis.db import fetch_frame
from analysis.metrics.org import unit_filter
from analysis.registers._common import with_share
from analysis.scope import Scope, check_unit, member_branch_ids, require_branch_detail, visible_branch

DUE_SOON_MONTHS = 6
TERM_STATUSES = ("逾期未换届", f"{DUE_SOON_MONTHS}个月内届满", "任期内", "未登记")

# Every branch under $unit with its current term on $as_of (the latest started by then).
_CURRENT = f"""
    SELECT l.branch_id, l.branch_name, l.general_branch_id, l.general_branch_name,
           s.name, s.term_start, s.term_due, s.department_head, s.discipline_leader
    FROM branch_lineage l
    LEFT JOIN (SELECT * FROM branch_secretary WHERE term_start <= $as_of
               QUALIFY row_number() OVER (PARTITION BY branch_id ORDER BY term_start DESC) = 1) s USING (branch_id)
    WHERE {unit_filter('l.branch_id')}
"""


def current_secretaries(
    con: duckdb.DuckDBPyConnection, *, scope: Scope, as_of: dt.date, unit: str | None = None
) -> pd.DataFrame:
    """Every branch's secretary on ``as_of`` and the state of the term.

    The secretary's name is shown only for branches in the viewer's member scope (NULL elsewhere).

    Returns: branch_id, branch_name, general_branch_name, name, term_start, term_due,
    department_head, discipline_leader, double_leader (either of the two), status (逾期未换届:
    term_due before ``as_of``; 6个月内届满: due within six months; 任期内; 未登记: no term
    recorded), days_to_due (negative when overdue). Overdue first, then by due date.
    """
    require_branch_detail(scope)
    check_unit(scope, unit)
    return fetch_frame(
        con,
        f"""
        SELECT branch_id, branch_name, general_branch_name,
               CASE WHEN {visible_branch('branch_id')} THEN name END AS name,
               term_start, term_due, department_head, discipline_leader,
               department_head OR discipline_leader AS double_leader,
               CASE WHEN term_due IS NULL THEN '未登记' WHEN term_due < $as_of THEN '逾期未换届'
                    WHEN term_due <= $as_of + INTERVAL {DUE_SOON_MONTHS} MONTH THEN '{DUE_SOON_MONTHS}个月内届满'
                    ELSE '任期内' END AS status,
               date_diff('day', $as_of, term_due) AS days_to_due
        FROM ({_CURRENT})
        ORDER BY list_position($statuses, status), term_due NULLS LAST, branch_id
        """,
        {"as_of": as_of, "unit": unit, "visible": member_branch_ids(con, scope), "statuses": list(TERM_STATUSES)},
    )


def double_leader_coverage(
    con: duckdb.DuckDBPyConnection, *, scope: Scope, as_of: dt.date, unit: str | None = None
) -> pd.DataFrame:
    """双带头人 coverage on ``as_of``: the unit as a whole, then each 党总支 under it.

    Returns: unit_id (NULL for the hospital), unit_name, branches, registered (branches with a
    current secretary), double_leaders, pct (double_leaders / branches, percent: a branch
    without a registered secretary counts as not covered), ci_low, ci_high (95 % Wilson).
    """
    require_branch_detail(scope)
    check_unit(scope, unit)
    frame = fetch_frame(
        con,
        f"""
        WITH c AS ({_CURRENT})
        SELECT unit_id, unit_name, branches, registered, double_leaders FROM (
            SELECT 0 AS level, $unit AS unit_id, NULL AS unit_name, count(*) AS branches,
                   count(term_start) AS registered,
                   count(*) FILTER (WHERE department_head OR discipline_leader) AS double_leaders
            FROM c
            UNION ALL
            SELECT 1, general_branch_id, general_branch_name, count(*), count(term_start),
                   count(*) FILTER (WHERE department_head OR discipline_leader)
            FROM c WHERE general_branch_id IS NOT NULL AND general_branch_id IS DISTINCT FROM $unit
            GROUP BY ALL
        ) ORDER BY level, unit_id
        """,
        {"as_of": as_of, "unit": unit},
    )
    names = dict(con.execute("SELECT unit_id, name FROM org_unit WHERE unit_id = $unit", {"unit": unit}).fetchall())
    frame.loc[0, "unit_name"] = names.get(unit, "全院")
    return with_share(frame, count="double_leaders", n="branches")
