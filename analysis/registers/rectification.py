"""软弱涣散党支部 rectification: designation, deadline, 销号, and whether the branch recovered."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import duckdb
import pandas as pd

from analysis import config as config_mod
from analysis import periods
from analysis.db import fetch_frame
from analysis.metrics import assessment
from analysis.metrics.org import unit_filter
from analysis.scope import Scope, check_unit, member_branch_ids, require_branch_detail, visible_branch

STATUSES = ("整改中", "已逾期", "已销号")

# A rectification's state on $as_of: closed once closed_on <= as_of; overdue when still open
# after its deadline (the deadline day itself is not overdue yet); open otherwise.
_STATUS = """CASE WHEN closed_on <= $as_of THEN '已销号' WHEN deadline < $as_of THEN '已逾期' ELSE '整改中' END"""


def rectifications(
    con: duckdb.DuckDBPyConnection, *, scope: Scope, as_of: dt.date, unit: str | None = None
) -> pd.DataFrame:
    """The register as it stood on ``as_of``: every rectification designated by then.

    Only the viewer's member scope is listed (the rows name the responsible person).

    Returns: rectification_id, branch_id, branch_name, general_branch_name, year, designated_on,
    designated_by, reasons, measures, responsible, deadline, progress, closed_on (NULL until
    ``as_of``), reassessment_score, status (整改中 / 已逾期 / 已销号), days_open (designation to
    销号, or to ``as_of`` while open), days_overdue (open past the deadline; 0 otherwise).
    Ordered: overdue first, then open, then closed; by deadline.
    """
    require_branch_detail(scope)
    return fetch_frame(
        con,
        f"""
        SELECT r.rectification_id, r.branch_id, l.branch_name, l.general_branch_name, r.year, r.designated_on,
               r.designated_by, r.reasons, r.measures, r.responsible, r.deadline, r.progress,
               CASE WHEN r.closed_on <= $as_of THEN r.closed_on END AS closed_on,
               CASE WHEN r.closed_on <= $as_of THEN CAST(r.reassessment_score AS DOUBLE) END AS reassessment_score,
               {_STATUS} AS status,
               date_diff('day', r.designated_on, CASE WHEN r.closed_on <= $as_of THEN r.closed_on ELSE $as_of END)
                   AS days_open,
               CASE WHEN {_STATUS} = '已逾期' THEN date_diff('day', r.deadline, $as_of) ELSE 0 END AS days_overdue
        FROM rectification r JOIN branch_lineage l USING (branch_id)
        WHERE r.designated_on <= $as_of AND {unit_filter('r.branch_id')} AND {visible_branch('r.branch_id')}
        ORDER BY list_position(['已逾期', '整改中', '已销号'], status), r.deadline, r.rectification_id
        """,
        {"as_of": as_of, "unit": unit, "visible": member_branch_ids(con, scope)},
    )


@dataclass(frozen=True)
class RectificationSummary:
    """Counts of the register on a day (every branch under the unit, not only the viewer's)."""

    open: int  # designated, not closed, deadline not passed
    overdue: int  # not closed after the deadline
    closed: int  # 销号 by the day
    median_days_to_close: float | None  # designation to 销号, over the closed ones

    @property
    def total(self) -> int:
        return self.open + self.overdue + self.closed


def summary(
    con: duckdb.DuckDBPyConnection, *, scope: Scope, as_of: dt.date, unit: str | None = None
) -> RectificationSummary:
    """Open, overdue and closed rectifications on ``as_of`` and the median time to close.

    Returns
    -------
    A ``RectificationSummary``: open, overdue, closed, median_days_to_close (None when none closed).
    """
    require_branch_detail(scope)
    check_unit(scope, unit)
    row = con.execute(
        f"""
        SELECT count(*) FILTER (WHERE status = '整改中'), count(*) FILTER (WHERE status = '已逾期'),
               count(*) FILTER (WHERE status = '已销号'),
               median(date_diff('day', designated_on, closed_on)) FILTER (WHERE status = '已销号')
        FROM (SELECT *, {_STATUS} AS status FROM rectification
              WHERE designated_on <= $as_of AND {unit_filter()})
        """,
        {"as_of": as_of, "unit": unit},
    ).fetchone()
    return RectificationSummary(int(row[0]), int(row[1]), int(row[2]), None if row[3] is None else float(row[3]))


def recovery(
    con: duckdb.DuckDBPyConnection, *, scope: Scope, unit: str | None = None, quarters: int = 2
) -> pd.DataFrame:
    """Did the branch's quarterly assessment recover after 销号? Every closed rectification.

    Returns: rectification_id, branch_id, branch_name, designated_quarter, closed_quarter,
    before_mean (mean total of the ``quarters`` assessed quarters before the quarter of
    designation), before_n, after_mean (of the first ``quarters`` assessed quarters after the
    quarter of 销号), after_n, change (after - before; NULL without both), recovered (change > 0).

    Notes: a comparison of the same branch before and after, not a cause: the whole hospital may
    have moved meanwhile (compare with the hospital's trend).
    """
    require_branch_detail(scope)
    check_unit(scope, unit)
    closed = fetch_frame(
        con,
        f"""
        SELECT r.rectification_id, r.branch_id, l.branch_name, r.designated_on, r.closed_on
        FROM rectification r JOIN branch_lineage l USING (branch_id)
        WHERE r.closed_on IS NOT NULL AND {unit_filter('r.branch_id')}
        ORDER BY r.closed_on, r.rectification_id
        """,
        {"unit": unit},
    )
    columns = ["rectification_id", "branch_id", "branch_name", "designated_quarter", "closed_quarter", "before_mean",
               "before_n", "after_mean", "after_n", "change", "recovered"]
    if closed.empty:
        return pd.DataFrame(columns=columns)
    totals = fetch_frame(
        con,
        "SELECT branch_id, quarter, sum(score)::DOUBLE AS total FROM branch_score "
        "WHERE list_contains($branches, branch_id) GROUP BY ALL",
        {"branches": sorted(set(closed["branch_id"]))},
    )
    rows = []
    for r in closed.itertuples():
        mine = totals[totals["branch_id"] == r.branch_id].sort_values("quarter")
        designated, done = periods.quarter_of(r.designated_on), periods.quarter_of(r.closed_on)
        before = mine[mine["quarter"] < designated].tail(quarters)["total"]
        after = mine[mine["quarter"] > done].head(quarters)["total"]
        b = before.mean() if len(before) else None
        a = after.mean() if len(after) else None
        change = None if a is None or b is None else a - b
        rows.append((r.rectification_id, r.branch_id, r.branch_name, designated, done, b, len(before), a, len(after),
                     change, None if change is None else bool(change > 0)))
    return pd.DataFrame(rows, columns=columns)


def flagged_without_record(
    con: duckdb.DuckDBPyConnection, *, scope: Scope, quarter: str, unit: str | None = None,
    cfg: config_mod.Config | None = None,
) -> pd.DataFrame:
    """Branches the quarterly review flags (需关注) with no rectification open at the quarter's end
    nor designated in its year: a prompt to look, not a verdict.

    Returns: branch_id, branch_name, general_branch_name, total, rank, reason (the review's).
    """
    review = assessment.quarter_review(con, scope=scope, quarter=quarter, unit=unit, cfg=cfg)
    flagged = review[review["flagged"]]
    end = periods.bounds(quarter)[1]
    recorded = {r[0] for r in con.execute(
        "SELECT DISTINCT branch_id FROM rectification WHERE year = $year "
        "OR (designated_on <= $end AND (closed_on IS NULL OR closed_on > $end))",
        {"year": periods.split(quarter)[0], "end": end},
    ).fetchall()}
    out = flagged[~flagged["branch_id"].isin(recorded)]
    return out[["branch_id", "branch_name", "general_branch_name", "total", "rank", "reason"]].reset_index(drop=True)
