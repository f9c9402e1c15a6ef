"""亮分公示: a branch's members with their dimension scores, index and rank for one quarter, the
sheet pinned to the branch notice board (names: only within the viewer's member scope)."""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pandas as pd

from analysis import config as config_mod
from analysis import derived, periods
from analysis.db import fetch_frame
from analysis.scope import Scope, member_branch_ids, require_branch_detail, visible_branch


@dataclass(frozen=True)
class Notice:
    """One branch's 亮分公示 of one quarter.

    ``rows``: rank, member_id, name, one column per configured dimension (its name: the
    rater-weighted score of that dimension, 0-100), vindex. ``dimensions``: those column names in
    catalogue order with their weights; ``rater_weights``: self, peer, org.
    """

    branch_id: str
    branch_name: str
    quarter: str
    dimensions: tuple[tuple[str, float], ...]
    rater_weights: tuple[float, float, float]
    rows: pd.DataFrame

    @property
    def title(self) -> str:
        return f"{self.branch_name}{periods.label(self.quarter)}党员先锋指数亮分公示"


def score_notice(
    con: duckdb.DuckDBPyConnection, *, scope: Scope, branch: str, quarter: str, cfg: config_mod.Config | None = None
) -> Notice:
    """The 亮分公示 of ``branch`` in ``quarter``: every member of the branch in that quarter (the
    branch of the quarter's last day) with a complete score sheet. The sheet is the one posted on
    the branch's board then, so a member who has moved away since is on it by name.

    PermissionError when the branch is outside the viewer's member scope (the sheet names
    everyone); ValueError for an unknown branch.

    Returns
    -------
    A ``Notice`` whose ``rows`` are: rank (competition ranking by index within the branch, 1 =
    best), member_id, name, one column per dimension name (Σ_r w_r · score, the raters
    weighted as configured), vindex (Σ_d w_d · dimension score, as ``vanguard.member_index``).
    Ordered by rank, then member id.
    """
    require_branch_detail(scope)
    cfg = cfg or config_mod.load()
    names = dict(con.execute("SELECT branch_id, branch_name FROM branch_lineage WHERE branch_id = ?", [branch]).fetchall())
    if branch not in names:
        raise ValueError(f"支部“{branch}”不存在")
    if branch not in member_branch_ids(con, scope):
        raise PermissionError("亮分公示列出党员姓名，只能查看本人所在支部或总支的公示")
    params = derived.index_params(cfg)
    sheet = fetch_frame(
        con,
        f"""
        WITH raters AS (
            SELECT unnest({list(derived.RATERS)}) AS rater, unnest($rater_weights::DOUBLE[]) AS rater_weight
        ), dims AS (
            SELECT unnest($dims::VARCHAR[]) AS dimension_id, unnest($dim_weights::DOUBLE[]) AS dim_weight
        ), per_dimension AS (
            SELECT s.member_id, s.dimension_id, d.dim_weight, sum(r.rater_weight * s.score) AS score, count(*) AS n
            FROM vanguard_score s JOIN {derived.BRANCH_OF_QUARTER} JOIN raters r USING (rater) JOIN dims d USING (dimension_id)
            WHERE s.quarter = $quarter AND m.branch_id = $branch
            GROUP BY ALL
        ), complete AS (
            -- every dimension by every rater, as the index requires
            SELECT member_id FROM per_dimension GROUP BY member_id
            HAVING count(*) = len($dims::VARCHAR[]) AND min(n) = 3
        )
        SELECT p.member_id, m.name, p.dimension_id, CAST(p.score AS DOUBLE) AS score,
               sum(p.dim_weight * p.score) OVER (PARTITION BY p.member_id) AS vindex
        FROM per_dimension p JOIN complete USING (member_id) JOIN member m USING (member_id)
        """,
        params | {"quarter": quarter, "branch": branch},
    )
    labels = {d.id: d.name for d in cfg.vanguard.dimensions}
    wide = sheet.pivot_table(index=["member_id", "name", "vindex"], columns="dimension_id", values="score").reset_index()
    wide = wide.rename(columns=labels)
    dimension_names = [d.name for d in cfg.vanguard.dimensions]
    wide["rank"] = wide["vindex"].round(9).rank(method="min", ascending=False).astype(int)
    rows = wide[["rank", "member_id", "name", *dimension_names, "vindex"]].sort_values(["rank", "member_id"])
    rows.columns.name = None
    return Notice(branch, names[branch], quarter, tuple((d.name, d.weight) for d in cfg.vanguard.dimensions),
                  tuple(cfg.vanguard.rater_weights[r] for r in derived.RATERS), rows.reset_index(drop=True))


def notice_branches(con: duckdb.DuckDBPyConnection, *, scope: Scope) -> pd.DataFrame:
    """The branches whose 亮分公示 the viewer may print (their member scope).

    Returns: branch_id, branch_name (by branch id).
    """
    return fetch_frame(
        con,
        f"SELECT branch_id, branch_name FROM branch_lineage WHERE {visible_branch('branch_id')} ORDER BY branch_id",
        {"visible": member_branch_ids(con, scope)},
    )
