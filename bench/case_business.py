"""党建+业务 on a scaled demo: the panel build, and the panel with all models (``business.analyse``),
against the same joins written as one raw DuckDB statement with literal weights and periods.

The panel is compared with the raw statement's rows value by value before anything is timed.
``measure_at(path)`` runs the comparison on any database holding the demo's department data (every
demo does); the registered case uses the demo of ``--scale`` (1x with --quick).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb

from analysis import business, config, periods
from analysis.db import fetch_frame
from analysis.scope import Scope
from bench import Measurement, best_of, case, demo_database, same_rows, settings
from bench.case_indices import _index_sql

SCOPE = Scope.committee("bench")
FIRST, LAST = "2024Q1", "2025Q4"
AS_OF = dt.date(2026, 1, 31)
REPEATS = 3
COMPARED = ["branch_id", "quarter", "department_type", "departments", "staff", "vanguard", "vanguard_n", "assessment",
            "compliance", "assess_A01", "assess_A14", "perf_cmi", "perf_inpatient_satisfaction", "perf_disputes",
            "perf_research"]


def baseline_sql(cfg: config.Config) -> str:
    """The panel as one statement: every join of ``business.panel`` with literal periods and weights.

    三会一课 is counted as the demo's data allows (every month and quarter of the range is
    observed): per branch, kind and period min(held, required), per quarter Σ counted / Σ required.
    """
    quarters = ", ".join(f"'{q}'" for q in periods.quarter_range(FIRST, LAST))
    start, end = periods.bounds(FIRST)[0], periods.bounds(LAST)[1]
    monthly = [r.kind for r in cfg.meeting_rules if r.per == "month"]
    quarterly = [r.kind for r in cfg.meeting_rules if r.per == "quarter"]
    shares = ", ".join(f"max(score::DOUBLE / max_points::DOUBLE) FILTER (WHERE indicator_id = '{i.id}') AS assess_{i.id}"
                       for i in cfg.assessment.indicators)
    values = ", ".join(
        (f"100 * sum(value) FILTER (WHERE indicator_id = '{i.id}') / sum(staff) FILTER (WHERE indicator_id = '{i.id}')"
         if i.per_staff else
         f"sum(value * staff) FILTER (WHERE indicator_id = '{i.id}') / sum(staff) FILTER (WHERE indicator_id = '{i.id}')")
        + f" AS perf_{i.id}" for i in cfg.business.indicators)
    kinds = ", ".join(f"'{k}'" for k in monthly + quarterly)
    return f"""
    WITH idx AS ({_index_sql(FIRST, LAST)}),
    van AS (SELECT branch_id, quarter, avg(vindex) AS vanguard, count(*) AS vanguard_n FROM idx GROUP BY ALL),
    tot AS (SELECT branch_id, quarter, sum(score)::DOUBLE AS assessment, {shares}
            FROM branch_score WHERE quarter BETWEEN '{FIRST}' AND '{LAST}' GROUP BY ALL),
    held AS (SELECT branch_id, activity_type AS kind,
                    CASE WHEN activity_type IN ({", ".join(f"'{k}'" for k in monthly)})
                         THEN date_trunc('month', held_on) ELSE date_trunc('quarter', held_on) END AS period, count(*) AS n
             FROM (SELECT * RENAME (unit_id AS branch_id) FROM activity) WHERE activity_type IN ({kinds}) AND held_on BETWEEN DATE '{start}' AND DATE '{end}'
             GROUP BY ALL),
    periods AS (SELECT unnest([{", ".join(f"'{k}'" for k in monthly)}]) AS kind, m AS period
                FROM generate_series(DATE '{start}', DATE '{end}', INTERVAL 1 MONTH) g(m)
                UNION ALL
                SELECT unnest([{", ".join(f"'{k}'" for k in quarterly)}]), q
                FROM generate_series(DATE '{start}', DATE '{end}', INTERVAL 3 MONTH) g(q)),
    comp AS (SELECT b.branch_id, year(p.period) || 'Q' || quarter(p.period) AS quarter,
                    100.0 * sum(least(coalesce(h.n, 0), 1)) / count(*) AS compliance
             FROM branch_lineage b CROSS JOIN periods p
             LEFT JOIN held h ON h.branch_id = b.branch_id AND h.kind = p.kind AND h.period = p.period
             GROUP BY ALL),
    mapped AS (SELECT q.quarter, m.* FROM (SELECT unnest([{quarters}]) AS quarter) q
               JOIN (SELECT *, lead(from_quarter) OVER (PARTITION BY department_id ORDER BY from_quarter) AS until
                     FROM department_branch) m
                 ON m.from_quarter <= q.quarter AND (m.until IS NULL OR q.quarter < m.until)),
    attributes AS (SELECT branch_id, quarter, arg_max(department_type, type_staff * 100 - type_order) AS department_type,
                          sum(n)::INTEGER AS departments, sum(type_staff)::INTEGER AS staff
                   FROM (SELECT branch_id, quarter, department_type, sum(staff) AS type_staff, count(*) AS n,
                                list_position(['内科', '外科', '医技', '护理', '行政'], department_type) AS type_order
                         FROM mapped GROUP BY ALL) GROUP BY ALL),
    perf AS (SELECT m.branch_id, p.quarter, {values}
             FROM department_performance p JOIN mapped m USING (department_id, quarter) GROUP BY ALL),
    keys AS (SELECT branch_id, quarter FROM van UNION SELECT branch_id, quarter FROM tot
             UNION SELECT branch_id, quarter FROM comp UNION SELECT branch_id, quarter FROM perf
             UNION SELECT branch_id, quarter FROM attributes)
    SELECT k.branch_id, k.quarter, a.department_type, a.departments, a.staff, v.vanguard, v.vanguard_n, t.* EXCLUDE
           (branch_id, quarter), c.compliance, p.* EXCLUDE (branch_id, quarter)
    FROM keys k LEFT JOIN van v USING (branch_id, quarter) LEFT JOIN tot t USING (branch_id, quarter)
    LEFT JOIN comp c USING (branch_id, quarter) LEFT JOIN perf p USING (branch_id, quarter)
    LEFT JOIN attributes a USING (branch_id, quarter)
    ORDER BY k.branch_id, k.quarter
    """


def measure_at(path: str | Path, repeats: int = REPEATS) -> list[dict]:
    """Panel and analyse against the raw statement on the database at ``path`` (opened read-only)."""
    cfg = config.DEFAULT
    con = duckdb.connect(str(path), read_only=True)
    try:
        sql = baseline_sql(cfg)
        base_s, expected = best_of(lambda: fetch_frame(con, sql), repeats)
        panel_s, panel = best_of(lambda: business.panel(con, scope=SCOPE, first=FIRST, last=LAST, as_of=AS_OF, cfg=cfg),
                                 repeats)
        if not same_rows(panel, expected, COMPARED):
            raise AssertionError("business.panel differs from the raw statement")
        analyse_s, result = best_of(lambda: business.analyse(con, scope=SCOPE, first=FIRST, last=LAST, as_of=AS_OF,
                                                             cfg=cfg), repeats)
    finally:
        con.close()
    detail = {"rows": len(panel), "branches": int(panel["branch_id"].nunique())}
    return [
        {"case": "business.panel", "ours_s": panel_s, "baseline_s": base_s, "ratio": panel_s / base_s, **detail},
        {"case": "business.analyse (panel + 4 views × 14 indicators + quadrant)", "ours_s": analyse_s,
         "baseline_s": base_s, "ratio": analyse_s / base_s, "favourable": result.counts["favourable"], **detail},
    ]


@case("business", "党建+业务 panel and all models on the scaled demo vs the same joins in one raw DuckDB statement")
def measure(quick: bool = False) -> Measurement:
    rows = measure_at(demo_database(1 if quick else settings.scale))
    return Measurement(
        case="business", seconds=rows[1]["ours_s"], baseline="one raw DuckDB statement of the panel's joins",
        baseline_seconds=rows[1]["baseline_s"],
        detail={r["case"]: f"{r['ours_s'] * 1000:.1f} ms vs {r['baseline_s'] * 1000:.1f} ms ({r['ratio']:.2f}x)"
                for r in rows},
    )
