"""“四有”工程: branch scores on 班子有作为, 支部有方法, 党建有品牌, 单位有典型, and 示范点 candidates.

The evaluation is annual. Every function takes the ``year`` to evaluate; pages pass the year of
the selected period's end (see :func:`evaluation`). The dimensions, their names and order come
from the configuration (``cfg.four_have``); scores stored under a dimension id that is no longer
configured are ignored. Max points are taken from each score row (the database ties them to the
catalogue).

There are no member-level rows here. Per-branch results (scores, totals, ranks, candidates) are
for the committee and secretaries (``scope.require_branch_detail``); researchers get the
hospital-wide :func:`profile` only (``scope.check_unit``).
Hospital means and ranks are always computed over the whole hospital, also when ``unit``
narrows the rows returned, so that a branch is compared with the same yardstick on every view.
"""

from __future__ import annotations

from collections import namedtuple
from dataclasses import dataclass

import duckdb
import pandas as pd

from analysis import config as config_mod
from analysis.db import fetch_frame
from analysis.formatting import percent
from analysis.metrics.org import branch_unit_filter, unit_filter
from analysis.periods import split
from analysis.scope import Scope, check_unit, require_branch_detail

# Shares are compared with a small tolerance so that 20.0 / 25 counts as "at least 0.8" even
# when the division is not exact in binary floating point.
_EPS = 1e-9

# Configured dimensions as a relation: id, Chinese name, max points, display position.
_DIMS = """
    SELECT unnest($dim_ids) AS dimension_id, unnest($dim_names) AS dimension_name,
           unnest($dim_max)::DOUBLE AS dim_max, unnest($dim_positions) AS position
"""

def _scores_sql(years: str) -> str:
    """SQL of the score rows of configured dimensions in the years the condition ``years`` (on
    f.year; our own SQL) keeps.

    The importer books a sheet on a 党支部 only (see ``branch_unit_filter``: a branch stays a
    branch), so the rows need no semi-join with the lineage (2 ms of a 6 ms profile at 100x).
    """
    return f"""
    SELECT f.year, f.branch_id, f.dimension_id, d.dimension_name, d.position,
           f.max_points, f.score, f.self_score
    FROM four_have_score f
    JOIN ({_DIMS}) d USING (dimension_id)
    WHERE {years}
"""


# One row per branch and year (``year`` and the year before, for the rank change): the
# sheet's total and how complete it is. Only complete sheets are ranked: a branch missing a
# dimension would otherwise rank low for a gap in the records rather than in its work.
_SHEETS = f"""
    SELECT year, branch_id,
           count(*) AS dimensions_scored,
           count(*) = len($dim_ids) AS complete,
           sum(score) AS total,
           sum(max_points) AS max_total,
           CASE WHEN count(self_score) = count(*) THEN sum(self_score) END AS self_total,
           min(score / max_points)::DOUBLE AS min_share,
           arg_min(dimension_name, {{'share': score / max_points, 'position': position}}) AS weakest_dimension,
           CASE WHEN complete THEN rank() OVER (PARTITION BY year, complete ORDER BY total DESC) END AS rank
    FROM ({_scores_sql('f.year IN ($year, $year - 1)')})
    GROUP BY year, branch_id
"""

# The latest 示范点 title of every branch named in $year or earlier.
_SITES = """
    SELECT branch_id, arg_min(title, {'newest': -year, 'title': title}) AS site_title, max(year) AS site_year
    FROM demonstration_site WHERE year <= $year GROUP BY branch_id
"""


# Every branch under $unit with its sheet of $year (see ``branch_totals`` for the columns).
_TOTALS = f"""
WITH sheets AS ({_SHEETS}),
mean AS (
    SELECT avg(total)::DOUBLE AS hospital_mean, count(*) AS hospital_n
    FROM sheets WHERE year = $year AND complete
),
site AS ({_SITES})
SELECT $year::INTEGER AS year, l.branch_id, l.branch_name, l.general_branch_name,
       coalesce(c.dimensions_scored, 0) AS dimensions_scored,
       coalesce(c.complete, false) AS complete,
       c.total::DOUBLE AS total, c.max_total::DOUBLE AS max_total,
       (c.total / c.max_total)::DOUBLE AS share,
       c.self_total::DOUBLE AS self_total, (c.self_total - c.total)::DOUBLE AS self_gap,
       mean.hospital_mean, mean.hospital_n,
       CASE WHEN c.complete THEN c.total::DOUBLE - mean.hospital_mean END AS gap,
       c.rank, p.rank AS previous_rank, p.rank - c.rank AS rank_change,
       c.min_share, c.weakest_dimension,
       site.branch_id IS NOT NULL AS is_site, site.site_title, site.site_year
FROM branch_lineage l
CROSS JOIN mean
LEFT JOIN (SELECT * FROM sheets WHERE year = $year) c USING (branch_id)
LEFT JOIN (SELECT * FROM sheets WHERE year = $year - 1) p USING (branch_id)
LEFT JOIN site USING (branch_id)
WHERE {unit_filter('l.branch_id')}
"""


def _query(con: duckdb.DuckDBPyConnection, sql: str, cfg: config_mod.Config, year: int, unit: str | None,
           **params) -> pd.DataFrame:
    """Run ``sql`` with the configured dimensions, ``$year``, ``$unit`` and ``params`` bound."""
    dims = cfg.four_have
    return fetch_frame(con, sql, params | {
        "dim_ids": [d.id for d in dims],
        "dim_names": [d.name for d in dims],
        "dim_max": [float(d.max_points) for d in dims],
        "dim_positions": list(range(1, len(dims) + 1)),
        "year": year,
        "unit": unit,
    })


def years(con: duckdb.DuckDBPyConnection, *, scope: Scope) -> list[int]:
    """Every year that has 四有 scores.

    Returns
    -------
    The years, ascending.
    """
    return [r[0] for r in con.execute("SELECT DISTINCT year FROM four_have_score ORDER BY year").fetchall()]


def branch_scores(
    con: duckdb.DuckDBPyConnection,
    *,
    scope: Scope,
    year: int,
    unit: str | None = None,
    cfg: config_mod.Config | None = None,
) -> pd.DataFrame:
    """Score of every branch under ``unit`` on every 四有 dimension in ``year`` (long form).

    Parameters
    ----------
    year : the evaluation year.
    unit : branch id, general branch id, or None for the whole hospital.

    Returns
    -------
    One row per branch and scored dimension, ordered by general branch, branch id, dimension:

    year, branch_id, branch_name, general_branch_name, dimension_id, dimension_name,
    max_points, score (evaluated score), self_score (the branch's self-evaluation; NULL if not
    given), self_gap (self_score - score: positive when the branch rated itself higher),
    share (score / max_points, 0-1), hospital_mean (mean score of all branches scored on this
    dimension in the year), hospital_n (those branches), gap (score - hospital_mean),
    dimension_rank (competition rank on this dimension among all branches: 1, 2, 2, 4).

    Notes
    -----
    Branches without a score on a dimension have no row for it (see :func:`branch_totals`
    for every branch, scored or not).
    """
    require_branch_detail(scope)
    return _query(
        con,
        f"""
        WITH s AS ({_scores_sql('f.year = $year')}),
        r AS (
            SELECT *,
                   avg(score) OVER (PARTITION BY dimension_id)::DOUBLE AS hospital_mean,
                   count(*) OVER (PARTITION BY dimension_id) AS hospital_n,
                   rank() OVER (PARTITION BY dimension_id ORDER BY score DESC) AS dimension_rank
            FROM s
        )
        SELECT $year::INTEGER AS year, r.branch_id, l.branch_name, l.general_branch_name,
               r.dimension_id, r.dimension_name, r.max_points::DOUBLE AS max_points,
               r.score::DOUBLE AS score, r.self_score::DOUBLE AS self_score,
               (r.self_score - r.score)::DOUBLE AS self_gap,
               (r.score / r.max_points)::DOUBLE AS share,
               r.hospital_mean, r.hospital_n,
               r.score::DOUBLE - r.hospital_mean AS gap,
               r.dimension_rank
        FROM r JOIN branch_lineage l USING (branch_id)
        WHERE {branch_unit_filter('r.branch_id', unit)}
        ORDER BY l.general_branch_id NULLS LAST, r.branch_id, r.position
        """,
        cfg or config_mod.load(), year, unit,
    )


def branch_totals(
    con: duckdb.DuckDBPyConnection,
    *,
    scope: Scope,
    year: int,
    unit: str | None = None,
    cfg: config_mod.Config | None = None,
) -> pd.DataFrame:
    """Total 四有 score of every branch under ``unit`` in ``year``, its rank and its site status.

    Parameters
    ----------
    year : the evaluation year; ranks are compared with ``year - 1`` for ``rank_change``.
    unit : branch id, general branch id, or None for the whole hospital.

    Returns
    -------
    One row per branch under ``unit`` (scored or not), ordered by rank (unranked last), then
    branch id:

    year, branch_id, branch_name, general_branch_name,
    dimensions_scored (configured dimensions with a score; 0 = not evaluated),
    complete (every configured dimension scored),
    total (sum of the scores; NULL when nothing is scored), max_total (sum of the max points of
    the scored dimensions), share (total / max_total, 0-1),
    self_total (sum of the self-evaluation; NULL unless every scored dimension has one),
    self_gap (self_total - total),
    hospital_mean (mean total of the branches with a complete sheet, whole hospital),
    hospital_n (those branches), gap (total - hospital_mean; NULL unless complete),
    rank (competition rank by total among complete sheets in the hospital: 1, 2, 2, 4; NULL
    for an incomplete sheet), previous_rank (rank in ``year - 1``), rank_change
    (previous_rank - rank: positive = moved up; NULL without a previous rank),
    min_share (lowest dimension share), weakest_dimension (name of that dimension; the first
    in catalogue order on a tie),
    is_site (named 示范点 in ``year`` or earlier), site_title, site_year (latest naming).

    Notes
    -----
    Only complete sheets are ranked (see ``_SHEETS``). Ties are broken by nothing: equal
    totals share a rank (computed on the exact decimal sums).
    """
    require_branch_detail(scope)
    return _query(
        con,
        f"""
        SELECT * FROM ({_TOTALS}) ORDER BY rank NULLS LAST, branch_id
        """,
        cfg or config_mod.load(), year, unit,
    )


def profile(
    con: duckdb.DuckDBPyConnection,
    *,
    scope: Scope,
    year: int,
    unit: str | None = None,
    cfg: config_mod.Config | None = None,
) -> pd.DataFrame:
    """Mean score per dimension of the branches under ``unit`` against the hospital mean (radar).

    Parameters
    ----------
    year : the evaluation year.
    unit : branch id (its own scores), general branch id (mean of its branches) or None (then
        the unit columns equal the hospital columns).

    Returns
    -------
    One row per configured dimension, in catalogue order (also when nothing is scored):

    dimension_id, dimension_name, max_points (configured), unit_mean, unit_self_mean (mean
    self-evaluation), unit_n (branches scored under ``unit``), hospital_mean, hospital_n
    (branches scored in the hospital), gap (unit_mean - hospital_mean), self_gap (mean of
    self_score - score over the unit's rows that have both).
    Means are NULL and counts 0 when no branch is scored.
    """
    check_unit(scope, unit)
    return _query(
        con,
        f"""
        WITH s AS (
            SELECT f.dimension_id, f.score, f.self_score, {branch_unit_filter('f.branch_id', unit)} AS in_unit
            FROM ({_scores_sql('f.year = $year')}) f
        ), g AS (
            SELECT dimension_id, avg(score)::DOUBLE AS hospital_mean, count(*) AS hospital_n,
                   avg(score) FILTER (in_unit)::DOUBLE AS unit_mean,
                   avg(self_score) FILTER (in_unit)::DOUBLE AS unit_self_mean,
                   count(*) FILTER (in_unit) AS unit_n,
                   avg(self_score - score) FILTER (in_unit)::DOUBLE AS self_gap
            FROM s GROUP BY dimension_id
        )
        SELECT d.dimension_id, d.dimension_name, d.dim_max AS max_points,
               g.unit_mean, g.unit_self_mean, coalesce(g.unit_n, 0) AS unit_n,
               g.hospital_mean, coalesce(g.hospital_n, 0) AS hospital_n,
               g.unit_mean - g.hospital_mean AS gap, g.self_gap
        FROM ({_DIMS}) d
        LEFT JOIN g USING (dimension_id)
        ORDER BY d.position
        """,
        cfg or config_mod.load(), year, unit,
    )


def site_candidates(
    con: duckdb.DuckDBPyConnection,
    *,
    scope: Scope,
    year: int,
    unit: str | None = None,
    top_n: int | None = None,
    min_share: float | None = None,
    cfg: config_mod.Config | None = None,
) -> pd.DataFrame:
    """Branches proposed as 四有 示范点 for ``year``, and the branches already named.

    Parameters
    ----------
    year : the evaluation year.
    unit : branch id, general branch id, or None for the whole hospital (ranks stay
        hospital-wide).
    top_n : a candidate ranks within the top ``top_n`` by total (ties at the boundary all
        count: ranks 1..11, 12, 12 give 13). None: ``site_rule.top_n`` of the configuration.
    min_share : and no dimension scores below ``min_share`` of its max points (0-1). None:
        ``site_rule.min_share`` of the configuration.

    Returns
    -------
    Candidates first, then named sites that are not candidates, each by rank (unranked last):

    rank, branch_id, branch_name, general_branch_name, total, min_share, weakest_dimension,
    candidate (meets the rule), is_site (named in ``year`` or earlier), site_title, site_year,
    note (Chinese: why the branch is or is not a candidate).

    Notes
    -----
    candidate = complete sheet AND rank <= top_n AND min_share >= ``min_share``.
    """
    require_branch_detail(scope)
    cfg = cfg or config_mod.load()
    top_n, min_share = _rule(cfg, top_n, min_share)
    # A branch outside the top_n can only be listed as a named site: the rest of a province's
    # 10,000 branches are left in the database, and _candidates applies the rule to these.
    listable = _query(con, f"SELECT * FROM ({_TOTALS}) WHERE rank <= $top_n OR is_site", cfg, year, unit, top_n=top_n)
    return _candidates(listable, top_n, min_share)


def _rule(cfg: config_mod.Config, top_n: int | None, min_share: float | None) -> tuple[int, float]:
    """The candidate rule: explicit values, else the configuration's; checked."""
    top_n = cfg.site_rule.top_n if top_n is None else top_n
    min_share = cfg.site_rule.min_share if min_share is None else min_share
    if top_n < 1:
        raise ValueError(f"top_n must be at least 1, got {top_n}")
    if not 0 <= min_share <= 1:
        raise ValueError(f"min_share is a share of max points between 0 and 1, got {min_share}")
    return top_n, min_share


# What a 示范点 candidate's note reads of its row of branch_totals.
_NoteFields = namedtuple("_NoteFields", ["candidate", "is_site", "site_year", "rank", "dimensions_scored", "complete",
                                         "min_share", "weakest_dimension"])


def _candidates(totals: pd.DataFrame, top_n: int, min_share: float) -> pd.DataFrame:
    """The rule of :func:`site_candidates` applied to rows of :func:`branch_totals`."""
    candidate = (
        totals["complete"]
        & (totals["rank"] <= top_n).fillna(False)
        & (totals["min_share"] >= min_share - _EPS).fillna(False)
    ).astype(bool)
    out = totals.assign(candidate=candidate)
    out = out[out["candidate"] | out["is_site"]]
    # Only the columns a note reads, as Python lists (itertuples iterates each column slowly:
    # 2.1 against 0.8 ms for 1,200 rows).
    rows = zip(*(out[field].tolist() for field in _NoteFields._fields))
    out = out.assign(note=[_note(_NoteFields(*row), top_n, min_share) for row in rows])
    out = out.sort_values(["candidate", "rank", "branch_id"], ascending=[False, True, True], na_position="last")
    columns = ["rank", "branch_id", "branch_name", "general_branch_name", "total", "min_share", "weakest_dimension",
               "candidate", "is_site", "site_title", "site_year", "note"]
    return out[columns].reset_index(drop=True)


def _note(row: _NoteFields, top_n: int, min_share: float) -> str:
    threshold = f"{min_share * 100:g}%"
    site = f"已命名示范点（{row.site_year}年）" if row.is_site else ""
    if row.candidate:
        text = f"符合条件：总分第{row.rank}名，各维度得分率均不低于{threshold}"
        return f"{text}；{site}" if site else text
    if row.dimensions_scored == 0:
        reasons = ["本年度未评分"]
    elif not row.complete:
        reasons = [f"评分不完整（{row.dimensions_scored}个维度）"]
    else:
        reasons = []
        if row.rank > top_n:
            reasons.append(f"总分第{row.rank}名，未进前{top_n}名")
        if row.min_share < min_share - _EPS:
            reasons.append(f"{row.weakest_dimension}得分率{percent(row.min_share * 100)}，低于{threshold}")
    return f"{site}；本年度不符合候选条件：{'，'.join(reasons)}"


@dataclass(frozen=True)
class Evaluation:
    """Everything the 四有工程 page shows for one year and unit (see :func:`evaluation`)."""

    year: int
    years: tuple[int, ...]
    top_n: int
    min_share: float
    scores: pd.DataFrame
    totals: pd.DataFrame
    profile: pd.DataFrame
    candidates: pd.DataFrame

    @property
    def has_data(self) -> bool:
        """True when some branch under the unit is scored in the year."""
        return bool((self.totals["dimensions_scored"] > 0).any())

    @property
    def ranked(self) -> pd.DataFrame:
        """Rows of ``totals`` with a complete sheet (the branches that are ranked)."""
        return self.totals[self.totals["complete"]]

    @property
    def unit_mean(self) -> float | None:
        """Mean total of the unit's complete sheets (equals the branch's total for one branch)."""
        return float(self.ranked["total"].mean()) if len(self.ranked) else None

    @property
    def gap_to_hospital(self) -> float | None:
        """``unit_mean`` - ``hospital_mean``; None when either is missing."""
        if self.unit_mean is None or self.hospital_mean is None:
            return None
        return self.unit_mean - self.hospital_mean

    @property
    def candidate_ids(self) -> list[str]:
        """Branch ids meeting the 示范点 rule."""
        return list(self.candidates.loc[self.candidates["candidate"], "branch_id"])

    @property
    def hospital_mean(self) -> float | None:
        """Mean total of the hospital's complete sheets in the year."""
        value = self.totals["hospital_mean"].iloc[0] if len(self.totals) else None
        return None if value is None or pd.isna(value) else float(value)

    @property
    def hospital_n(self) -> int:
        """Branches of the hospital with a complete sheet (the base of every rank)."""
        return int(self.totals["hospital_n"].iloc[0]) if len(self.totals) else 0


def evaluation(
    con: duckdb.DuckDBPyConnection,
    *,
    scope: Scope,
    last: str,
    unit: str | None = None,
    year: int | None = None,
    top_n: int | None = None,
    min_share: float | None = None,
    cfg: config_mod.Config | None = None,
) -> Evaluation:
    """The 四有 evaluation of the year of quarter ``last`` (or of ``year``) under ``unit``.

    Branch-level, so not for researchers.

    Returns
    -------
    An ``Evaluation``: year, years (every year with scores), top_n and min_share (the 示范点
    rule applied), scores (:func:`branch_scores`), totals (:func:`branch_totals`), profile
    (:func:`profile`) and candidates (:func:`site_candidates`), each with those functions'
    columns; its properties summarise them (has_data, ranked, unit_mean, hospital_mean,
    hospital_n, gap_to_hospital, candidate_ids).
    """
    require_branch_detail(scope)
    cfg = cfg or config_mod.load()
    top_n, min_share = _rule(cfg, top_n, min_share)
    year = split(last)[0] if year is None else year
    common = {"scope": scope, "year": year, "unit": unit, "cfg": cfg}
    totals = branch_totals(con, **common)
    return Evaluation(
        year=year,
        years=tuple(years(con, scope=scope)),
        top_n=top_n,
        min_share=min_share,
        scores=branch_scores(con, **common),
        totals=totals,
        profile=profile(con, **common),
        candidates=_candidates(totals, top_n, min_share),
    )
