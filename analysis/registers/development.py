"""党员发展: the pipeline from 入党申请人 to 正式党员, time in stage, overdue 预备期, 双培养."""

from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd

from analysis import config as config_mod
from analysis import periods
from analysis.db import fetch_frame
from analysis.metrics.org import unit_filter
from analysis.registers._common import with_share
from analysis.scope import Scope, check_unit, member_branch_ids, require_branch_detail, visible_branch

# (date column, stage reached on that date), in order.
STAGES = (("applied_on", "入党申请人"), ("activist_on", "积极分子"), ("candidate_on", "发展对象"),
          ("probationary_on", "预备党员"), ("full_on", "正式党员"))
STAGE_NAMES = tuple(name for _, name in STAGES)
PROBATION_MONTHS = 12

# A person's stage on $as_of: the last stage whose date is on or before it (NULL: not yet applied).
_STAGE_ON = ("CASE " + " ".join(f"WHEN {col} <= $as_of THEN '{name}'" for col, name in reversed(STAGES))
             + " END")


def pipeline(
    con: duckdb.DuckDBPyConnection, *, scope: Scope, as_of: dt.date, unit: str | None = None
) -> pd.DataFrame:
    """People in each stage on ``as_of`` by branch (those already 正式党员 have left the pipeline).

    Returns: branch_id, branch_name, stage (入党申请人, 积极分子, 发展对象, 预备党员), n;
    only stages with people, ordered by branch then stage.
    """
    require_branch_detail(scope)
    check_unit(scope, unit)
    return fetch_frame(
        con,
        f"""
        SELECT * FROM (
            SELECT d.branch_id, l.branch_name, d.stage, count(*) AS n
            FROM (SELECT branch_id, {_STAGE_ON} AS stage FROM party_development WHERE {unit_filter()}) d
            JOIN branch_lineage l USING (branch_id)
            WHERE d.stage IS NOT NULL AND d.stage <> '正式党员'
            GROUP BY ALL)
        ORDER BY branch_id, list_position($stages, stage)
        """,
        {"as_of": as_of, "unit": unit, "stages": list(STAGE_NAMES)},
    )


def time_in_stage(
    con: duckdb.DuckDBPyConnection, *, scope: Scope, as_of: dt.date, unit: str | None = None
) -> pd.DataFrame:
    """How long people stay in each stage before the next (the last stage has no next).

    Returns: stage, moved (people who reached the next stage by ``as_of``), median_days and
    mean_days (of those moves), waiting (people in the stage on ``as_of``), waiting_median_days
    (how long they have waited so far).
    """
    require_branch_detail(scope)
    check_unit(scope, unit)
    parts = []
    for (start, name), (end, _) in zip(STAGES, STAGES[1:]):
        parts.append(f"""
            SELECT '{name}' AS stage, {len(parts)} AS position,
                   count(*) FILTER (WHERE {end} <= $as_of) AS moved,
                   median(date_diff('day', {start}, {end})) FILTER (WHERE {end} <= $as_of) AS median_days,
                   avg(date_diff('day', {start}, {end})) FILTER (WHERE {end} <= $as_of) AS mean_days,
                   count(*) FILTER (WHERE {start} <= $as_of AND ({end} IS NULL OR {end} > $as_of)) AS waiting,
                   median(date_diff('day', {start}, $as_of))
                       FILTER (WHERE {start} <= $as_of AND ({end} IS NULL OR {end} > $as_of)) AS waiting_median_days
            FROM party_development WHERE {unit_filter()}""")
    return fetch_frame(
        con,
        f"SELECT * EXCLUDE (position) FROM ({' UNION ALL '.join(parts)}) ORDER BY position",
        {"as_of": as_of, "unit": unit},
    )


def conversions(con: duckdb.DuckDBPyConnection, *, scope: Scope, unit: str | None = None) -> pd.DataFrame:
    """People reaching each stage per calendar year (the yearly 发展党员 figure is 预备党员).

    Returns: year, stage, n (every stage of STAGES for every year with any entry; 0 where none).
    """
    require_branch_detail(scope)
    check_unit(scope, unit)
    unpivot = " UNION ALL ".join(f"SELECT year({col}) AS year, '{name}' AS stage FROM party_development "
                                 f"WHERE {col} IS NOT NULL AND {unit_filter()}" for col, name in STAGES)
    return fetch_frame(
        con,
        f"""
        WITH e AS ({unpivot})
        SELECT * FROM (
            SELECT y.year, s.stage, count(e.stage) AS n
            FROM (SELECT DISTINCT year FROM e) y CROSS JOIN (SELECT unnest($stages) AS stage) s
            LEFT JOIN e ON e.year = y.year AND e.stage = s.stage
            GROUP BY ALL)
        ORDER BY year, list_position($stages, stage)
        """,
        {"unit": unit, "stages": list(STAGE_NAMES)},
    )


def overdue_probation(
    con: duckdb.DuckDBPyConnection, *, scope: Scope, as_of: dt.date, unit: str | None = None
) -> pd.DataFrame:
    """预备党员 more than 12 months after 接收 without 转正 on ``as_of`` (within the member scope).

    Returns: person_id, name, branch_id, branch_name, probationary_on, due_on (a year after),
    days_overdue (``as_of`` - due_on, > 0). Longest overdue first.
    """
    require_branch_detail(scope)
    return fetch_frame(
        con,
        f"""
        SELECT d.person_id, d.name, d.branch_id, l.branch_name, d.probationary_on,
               CAST(d.probationary_on + INTERVAL {PROBATION_MONTHS} MONTH AS DATE) AS due_on,
               date_diff('day', CAST(d.probationary_on + INTERVAL {PROBATION_MONTHS} MONTH AS DATE), $as_of)
                   AS days_overdue
        FROM party_development d JOIN branch_lineage l USING (branch_id)
        WHERE d.probationary_on + INTERVAL {PROBATION_MONTHS} MONTH < $as_of
          AND (d.full_on IS NULL OR d.full_on > $as_of)
          AND {unit_filter('d.branch_id')} AND {visible_branch('d.branch_id')}
        ORDER BY days_overdue DESC, d.person_id
        """,
        {"as_of": as_of, "unit": unit, "visible": member_branch_ids(con, scope)},
    )


def backbone_share(con: duckdb.DuckDBPyConnection, *, scope: Scope, unit: str | None = None) -> pd.DataFrame:
    """双培养: of the people received as 预备党员 each year, how many were 业务骨干 and 高知.

    Returns: year, n (received as 预备党员), backbone, high_talent, pct (backbone / n, percent),
    ci_low, ci_high (95 % Wilson interval of pct).
    """
    require_branch_detail(scope)
    check_unit(scope, unit)
    frame = fetch_frame(
        con,
        f"""
        SELECT year(probationary_on) AS year, count(*) AS n, count(*) FILTER (WHERE backbone) AS backbone,
               count(*) FILTER (WHERE high_talent) AS high_talent
        FROM party_development WHERE probationary_on IS NOT NULL AND {unit_filter()}
        GROUP BY ALL ORDER BY year
        """,
        {"unit": unit},
    )
    return with_share(frame, count="backbone", n="n")


def people(con: duckdb.DuckDBPyConnection, *, scope: Scope, as_of: dt.date, unit: str | None = None) -> pd.DataFrame:
    """The register within the viewer's member scope, with each person's stage on ``as_of``.

    Returns: person_id, name, branch_id, branch_name, profession, backbone, high_talent, stage,
    applied_on, activist_on, candidate_on, probationary_on, full_on (dates after ``as_of`` blank).
    """
    require_branch_detail(scope)
    dates = ", ".join(f"CASE WHEN d.{col} <= $as_of THEN d.{col} END AS {col}" for col, _ in STAGES)
    return fetch_frame(
        con,
        f"""
        SELECT d.person_id, d.name, d.branch_id, l.branch_name, d.profession, d.backbone, d.high_talent,
               {_STAGE_ON.replace('WHEN ', 'WHEN d.')} AS stage, {dates}
        FROM party_development d JOIN branch_lineage l USING (branch_id)
        WHERE d.applied_on <= $as_of AND {unit_filter('d.branch_id')} AND {visible_branch('d.branch_id')}
        ORDER BY d.branch_id, d.applied_on, d.person_id
        """,
        {"as_of": as_of, "unit": unit, "visible": member_branch_ids(con, scope)},
    )


def indicator_reference(
    con: duckdb.DuckDBPyConnection, *, scope: Scope, quarter: str, unit: str | None = None,
    cfg: config_mod.Config | None = None,
) -> pd.DataFrame:
    """The 党员发展 register of ``quarter`` beside the imported score of the assessment's 党员发展
    indicator (``cfg.assessment.development_indicator``): a reference for whoever checks the
    score, never a score itself (not for researchers; no names).

    Returns: branch_id, branch_name, indicator (its name), max_points, score (the imported
    score; NULL when not scored), applied, activists, candidates, received, converted (people
    who reached 入党申请人, 积极分子, 发展对象, 预备党员 and 正式党员 within the quarter),
    in_pipeline (people between application and 转正 at the quarter's end), overdue (预备党员
    past their 12 months without 转正 at the quarter's end), check (需核对 when the score is full
    although a 转正 is overdue, or nothing while the register shows someone received or converted;
    else empty). One row per branch under ``unit`` with a score or a register entry, by branch.
    Empty when no indicator is configured.
    """
    require_branch_detail(scope)
    check_unit(scope, unit)
    cfg = cfg or config_mod.load()
    indicator = cfg.assessment.development_indicator
    start, end = periods.bounds(quarter)
    reached = ", ".join(f"count(*) FILTER (WHERE {col} BETWEEN $start AND $end) AS {name}" for (col, _), name in zip(
        STAGES, ("applied", "activists", "candidates", "received", "converted")))
    return fetch_frame(
        con,
        f"""
        WITH register AS (
            SELECT branch_id, {reached},
                   count(*) FILTER (WHERE applied_on <= $end AND (full_on IS NULL OR full_on > $end)) AS in_pipeline,
                   count(*) FILTER (WHERE probationary_on + INTERVAL {PROBATION_MONTHS} MONTH < $end
                                    AND (full_on IS NULL OR full_on > $end)) AS overdue
            FROM party_development GROUP BY branch_id
        ), scored AS (
            SELECT branch_id, score::DOUBLE AS score FROM branch_score WHERE quarter = $quarter AND indicator_id = $indicator
        )
        SELECT l.branch_id, l.branch_name, i.name AS indicator, i.max_points::DOUBLE AS max_points, s.score,
               coalesce(r.applied, 0) AS applied, coalesce(r.activists, 0) AS activists,
               coalesce(r.candidates, 0) AS candidates, coalesce(r.received, 0) AS received,
               coalesce(r.converted, 0) AS converted, coalesce(r.in_pipeline, 0) AS in_pipeline,
               coalesce(r.overdue, 0) AS overdue,
               CASE WHEN s.score >= i.max_points AND r.overdue > 0 THEN '需核对：满分但有超期未转正'
                    WHEN s.score = 0 AND r.received + r.converted > 0 THEN '需核对：零分但本季度有发展或转正'
                    ELSE '' END AS check
        FROM branch_lineage l
        JOIN assessment_indicator i ON i.indicator_id = $indicator
        LEFT JOIN register r USING (branch_id)
        LEFT JOIN scored s USING (branch_id)
        WHERE (r.branch_id IS NOT NULL OR s.branch_id IS NOT NULL) AND {unit_filter('l.branch_id')}
        ORDER BY l.branch_id
        """,
        {"quarter": quarter, "start": start, "end": end, "indicator": indicator, "unit": unit},
    )
