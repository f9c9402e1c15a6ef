"""党员组织关系调动: the moves of members between branches, into and out of the hospital (issue #17
item 10). The history they build (``membership``, migration 009) is what every metric reads
through ``member_quarter_branch``; this module lists the moves themselves.

Scope: a move is named (member id and name) only when the member's current branch is in the
viewer's member scope, so the receiving branch sees whom it received and where from, and the
old branch keeps the count of its departures but not the name after the move.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from analysis.db import fetch_frame
from analysis.metrics.org import unit_filter
from analysis.scope import Scope, check_unit, member_branch_ids, require_branch_detail, visible_branch

# The moves touching a branch under $unit: into it from elsewhere (调入), out of it (调出), or
# between two of its branches (内部, e.g. within a 总支; every move of ours for the hospital).
_MOVES = f"""
SELECT t.*, {unit_filter('t.from_branch_id')} AS out_of_unit, {unit_filter('t.to_branch_id')} AS into_unit
FROM member_transfer t
WHERE {unit_filter('t.from_branch_id')} OR {unit_filter('t.to_branch_id')}
"""


def transfer_list(con: duckdb.DuckDBPyConnection, *, scope: Scope, unit: str | None = None) -> pd.DataFrame:
    """Every move into, out of or within ``unit`` (None: the hospital), newest first.

    Returns: effective_on, member_id and name (NULL unless the member's current branch is in the
    viewer's member scope), direction (调入, 调出 or 内部, seen from ``unit``), reason,
    from_branch_id, from_branch_name, to_branch_id, to_branch_name (NULL: outside the hospital).
    """
    require_branch_detail(scope)
    return fetch_frame(
        con,
        f"""
        SELECT t.effective_on,
               CASE WHEN {visible_branch('m.branch_id')} THEN t.member_id END AS member_id,
               CASE WHEN {visible_branch('m.branch_id')} THEN m.name END AS name,
               CASE WHEN t.out_of_unit AND t.into_unit THEN '内部' WHEN t.into_unit THEN '调入' ELSE '调出' END
                   AS direction,
               t.reason, t.from_branch_id, f.name AS from_branch_name, t.to_branch_id, d.name AS to_branch_name
        FROM ({_MOVES}) t JOIN member m USING (member_id)
        LEFT JOIN org_unit f ON f.unit_id = t.from_branch_id LEFT JOIN org_unit d ON d.unit_id = t.to_branch_id
        ORDER BY t.effective_on DESC, t.member_id
        """,
        {"unit": unit, "visible": member_branch_ids(con, scope)},
    )


def transfer_counts(con: duckdb.DuckDBPyConnection, *, scope: Scope, unit: str | None = None) -> pd.DataFrame:
    """Moves touching ``unit`` (None: the hospital) per year and reason: an aggregate.

    Returns: year, reason, transfers (moves that year for that reason). Ordered by year, reason.
    """
    check_unit(scope, unit)
    return fetch_frame(
        con,
        f"""
        SELECT year(effective_on) AS year, reason, count(*) AS transfers
        FROM ({_MOVES}) GROUP BY ALL ORDER BY year, reason
        """,
        {"unit": unit},
    )
