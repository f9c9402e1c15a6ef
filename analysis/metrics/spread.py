"""How widely members' vanguard indices spread within each unit: the figures of a box plot.

A box per unit drawn from every member's value sends every value to the browser (64,000 at a
provincial scale) and leaves plotly to compute the quartiles; these five numbers per unit are
all a box needs.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from analysis import config as config_mod
from analysis.db import fetch_frame
from analysis.metrics import vanguard
from analysis.scope import Scope

GROUPINGS = ("general_branch", "branch")

# Quartiles by linear interpolation (quantile_cont: numpy's default); the whiskers end at the
# most extreme values within 1.5 IQR of the box (Tukey), as plotly draws them from raw values.
# The CTEs after ``members`` (the index rows of the members the viewer may see).
SPREAD_SQL = """
v AS (
    SELECT CASE $by WHEN 'branch' THEN l.branch_id ELSE l.general_branch_id END AS group_id,
           CASE $by WHEN 'branch' THEN l.branch_name ELSE l.general_branch_name END AS group_name,
           m.vindex
    FROM members m JOIN branch_lineage l USING (branch_id)
),
q AS (
    SELECT group_id, group_name, count(*) AS n, avg(vindex) AS mean, min(vindex) AS min,
           quantile_cont(vindex, 0.25) AS q1, quantile_cont(vindex, 0.5) AS median,
           quantile_cont(vindex, 0.75) AS q3, max(vindex) AS max
    FROM v GROUP BY ALL
)
SELECT q.group_id, q.group_name, q.n, q.mean, q.min, q.q1, q.median, q.q3, q.max,
       min(v.vindex) FILTER (WHERE v.vindex >= q.q1 - 1.5 * (q.q3 - q.q1)) AS lower_fence,
       max(v.vindex) FILTER (WHERE v.vindex <= q.q3 + 1.5 * (q.q3 - q.q1)) AS upper_fence
FROM q JOIN v USING (group_id)
GROUP BY ALL
ORDER BY q.median DESC, q.group_id
"""


def index_spread(
    con: duckdb.DuckDBPyConnection,
    *,
    scope: Scope,
    quarter: str,
    unit: str | None = None,
    by: str = "general_branch",
    cfg: config_mod.Config | None = None,
) -> pd.DataFrame:
    """Box-plot figures of the members' vanguard index in ``quarter``, per general branch or branch.

    Computed over the members the viewer may see (as :func:`vanguard.member_index`: committee
    all, a secretary their branch or general branch, a researcher nothing), optionally within
    ``unit``.

    Returns: group_id, group_name, n (members scored), mean, min, q1, median, q3, max,
    lower_fence and upper_fence (the whisker ends: the lowest value at or above
    q1 − 1.5·IQR and the highest at or below q3 + 1.5·IQR); highest median first.

    Notes: quartiles interpolate linearly between order statistics (numpy's default method).
    """
    if by not in GROUPINGS:
        raise ValueError(f"by must be one of {GROUPINGS}")
    members, params = vanguard.visible_index(con, scope=scope, first=quarter, last=quarter, unit=unit, cfg=cfg)
    return fetch_frame(con, f"WITH members AS ({members}), {SPREAD_SQL}", params | {"by": by})
