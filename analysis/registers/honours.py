"""荣誉表彰: branch and member honours by year and level, star levels, honours beside the ranking."""

from __future__ import annotations

import duckdb
import pandas as pd

from analysis import config as config_mod
from analysis.db import fetch_frame
from analysis.metrics import assessment
from analysis.metrics.org import unit_filter
from analysis.scope import Scope, check_unit, member_branch_ids, require_branch_detail, visible_branch

LEVELS = ("院级", "市级", "省级", "国家级")


def honour_counts(con: duckdb.DuckDBPyConnection, *, scope: Scope, unit: str | None = None) -> pd.DataFrame:
    """Honours per year and level.

    Returns: year, level, branch_honours (honours of a branch), member_honours (of a member),
    total. Ordered by year, then level from 院级 to 国家级.
    """
    require_branch_detail(scope)
    check_unit(scope, unit)
    return fetch_frame(
        con,
        f"""
        SELECT * FROM (
            SELECT year, level, count(*) FILTER (WHERE member_id IS NULL) AS branch_honours,
                   count(member_id) AS member_honours, count(*) AS total
            FROM honour WHERE {unit_filter()}
            GROUP BY ALL)
        ORDER BY year, list_position($levels, level)
        """,
        {"unit": unit, "levels": list(LEVELS)},
    )


def star_levels(con: duckdb.DuckDBPyConnection, *, scope: Scope, unit: str | None = None) -> pd.DataFrame:
    """星级党支部 over time: the highest star level each branch held each year.

    Returns: branch_id, branch_name, year, stars. Only branches and years with a star rating.
    """
    require_branch_detail(scope)
    check_unit(scope, unit)
    return fetch_frame(
        con,
        f"""
        SELECT h.branch_id, l.branch_name, h.year, max(h.stars) AS stars
        FROM honour h JOIN branch_lineage l USING (branch_id)
        WHERE h.stars IS NOT NULL AND {unit_filter('h.branch_id')}
        GROUP BY ALL ORDER BY h.branch_id, h.year
        """,
        {"unit": unit},
    )


def honours_and_ranking(
    con: duckdb.DuckDBPyConnection, *, scope: Scope, year: int, unit: str | None = None,
    cfg: config_mod.Config | None = None,
) -> pd.DataFrame:
    """Each branch's honours of ``year`` beside its annual assessment result of that year.

    Returns: branch_id, branch_name, honours (branch honours of the year, any level), titles
    (their names joined by '、'; empty without), mean (the year's mean quarterly total), rank
    (annual rank, hospital-wide). Branches assessed that year, by rank.
    """
    annual = assessment.annual_totals(con, scope=scope, year=year, unit=unit, cfg=cfg)
    got = fetch_frame(
        con,
        f"""
        SELECT branch_id, count(*) AS honours, string_agg(title, '、' ORDER BY title) AS titles
        FROM honour WHERE year = $year AND member_id IS NULL AND {unit_filter()}
        GROUP BY ALL
        """,
        {"year": year, "unit": unit},
    )
    out = annual[["branch_id", "branch_name", "mean", "rank"]].merge(got, on="branch_id", how="left")
    out["honours"] = out["honours"].fillna(0).astype(int)
    out["titles"] = out["titles"].fillna("")
    return out[["branch_id", "branch_name", "honours", "titles", "mean", "rank"]]


def model_evidence(
    con: duckdb.DuckDBPyConnection, *, scope: Scope, year: int, unit: str | None = None,
    cfg: config_mod.Config | None = None,
) -> pd.DataFrame:
    """四有 单位有典型 beside its evidence: each branch's score on the dimension
    ``cfg.four_have_honours_dimension`` in ``year`` and the honours the register holds for the
    branch and its members in that year (not for researchers; no names).

    Returns: branch_id, branch_name, general_branch_name, score (the dimension's 评定分; NULL
    when unscored or no dimension is configured), max_points, branch_honours, member_honours,
    titles (the distinct honour titles, '、'-joined; empty without). Branches under ``unit``
    with a score or an honour that year, by score (highest first), then branch id.
    """
    require_branch_detail(scope)
    check_unit(scope, unit)
    cfg = cfg or config_mod.load()
    frame = fetch_frame(
        con,
        f"""
        WITH scored AS (
            SELECT branch_id, score::DOUBLE AS score, max_points::DOUBLE AS max_points FROM four_have_score
            WHERE year = $year AND dimension_id = $dimension
        ), honoured AS (
            SELECT branch_id, count(*) FILTER (WHERE member_id IS NULL) AS branch_honours,
                   count(member_id) AS member_honours, string_agg(DISTINCT title, '、' ORDER BY title) AS titles
            FROM honour WHERE year = $year GROUP BY branch_id
        )
        SELECT l.branch_id, l.branch_name, l.general_branch_name, s.score, s.max_points,
               coalesce(h.branch_honours, 0) AS branch_honours, coalesce(h.member_honours, 0) AS member_honours,
               coalesce(h.titles, '') AS titles
        FROM branch_lineage l LEFT JOIN scored s USING (branch_id) LEFT JOIN honoured h USING (branch_id)
        WHERE (s.branch_id IS NOT NULL OR h.branch_id IS NOT NULL) AND {unit_filter('l.branch_id')}
        ORDER BY s.score DESC NULLS LAST, l.branch_id
        """,
        {"year": year, "dimension": cfg.four_have_honours_dimension, "unit": unit},
    )
    return frame


def honour_list(con: duckdb.DuckDBPyConnection, *, scope: Scope, unit: str | None = None,
                year: int | None = None) -> pd.DataFrame:
    """Every honour (of ``year`` only, when given); a member's name only within the viewer's
    member scope (NULL elsewhere).

    Returns: honour_id, year, title, level, branch_id, branch_name, member_id, name, stars.
    Newest first.
    """
    require_branch_detail(scope)
    check_unit(scope, unit)
    return fetch_frame(
        con,
        f"""
        SELECT h.honour_id, h.year, h.title, h.level, h.branch_id, l.branch_name,
               CASE WHEN {visible_branch('h.branch_id')} THEN h.member_id END AS member_id,
               CASE WHEN {visible_branch('h.branch_id')} THEN m.name END AS name, h.stars
        FROM honour h JOIN branch_lineage l USING (branch_id) LEFT JOIN member m USING (member_id)
        WHERE {unit_filter('h.branch_id')} AND ($year IS NULL OR h.year = $year)
        ORDER BY h.year DESC, list_position($levels, h.level) DESC, h.honour_id
        """,
        {"unit": unit, "visible": member_branch_ids(con, scope), "levels": list(LEVELS), "year": year},
    )
