"""四有工程 and 办实事 page functions on the 10x demo vs the same result as one raw DuckDB statement.

``run()`` times every analysis function the two pages call (and the two page bundles) against a
hand-written SQL statement with literal values that returns the same rows, fetched into a
DataFrame the same way (the shared columns are compared value by value first; a page bundle is
compared with the sum of its tables' statements). Each side runs ``REPEATS`` times after one warm-up, the two sides in turns; the best time counts.
The ratio is ours / baseline: what the parameterised, documented layer costs over bare SQL.

The 10x demo (340 branches, 6,400 members; the 26 tasks stay 26) is built into a temporary
directory (about a minute), unless ``PARTY_BENCH_DB`` names an existing copy to read.
"""

from __future__ import annotations

import datetime as dt

import duckdb

from analysis.db import fetch_frame
from analysis.metrics import four_have, tasks
from analysis.scope import Scope
from bench import best_of_each, rows_case, same_rows

SCOPE = Scope.committee("bench")
YEAR, LAST, FIRST = 2025, "2025Q4", "2025Q1"
AS_OF = dt.date(2025, 12, 31)

# --- baselines: one statement each, literal values, default configuration (4 × 25 points) ----------
# Each returns every column of our function's result (the Chinese notes of site_candidates, built
# in Python, aside), compared value by value.

DIMS = """(VALUES ('leadership', '班子有作为', 1), ('method', '支部有方法', 2), ('brand', '党建有品牌', 3),
               ('model', '单位有典型', 4)) d(dimension_id, dimension_name, position)"""

SCORES_SQL = f"""
SELECT 2025 AS year, s.branch_id, l.branch_name, l.general_branch_name, s.dimension_id, d.dimension_name,
       s.max_points::DOUBLE AS max_points, s.score::DOUBLE AS score, s.self_score::DOUBLE AS self_score,
       (s.self_score - s.score)::DOUBLE AS self_gap, (s.score / s.max_points)::DOUBLE AS share,
       avg(s.score) OVER (PARTITION BY s.dimension_id)::DOUBLE AS hospital_mean,
       count(*) OVER (PARTITION BY s.dimension_id) AS hospital_n,
       s.score::DOUBLE - avg(s.score) OVER (PARTITION BY s.dimension_id) AS gap,
       rank() OVER (PARTITION BY s.dimension_id ORDER BY s.score DESC) AS dimension_rank
FROM four_have_score s JOIN branch_lineage l USING (branch_id) JOIN {DIMS} USING (dimension_id)
WHERE s.year = 2025
ORDER BY l.general_branch_id NULLS LAST, s.branch_id, d.position
"""

# Every branch's sheet of 2025 and 2024; complete sheets ranked per year.
SHEETS = f"""
WITH t AS (
    SELECT year, branch_id, count(*) AS dimensions_scored, count(*) = 4 AS complete, sum(score) AS total,
           sum(max_points) AS max_total, CASE WHEN count(self_score) = count(*) THEN sum(self_score) END AS self_total,
           min(score / max_points)::DOUBLE AS min_share,
           arg_min(dimension_name, {{'share': score / max_points, 'position': position}}) AS weakest_dimension
    FROM four_have_score JOIN {DIMS} USING (dimension_id) WHERE year IN (2024, 2025) GROUP BY year, branch_id
)
SELECT *, CASE WHEN complete THEN rank() OVER (PARTITION BY year, complete ORDER BY total DESC) END AS rank FROM t
"""

TOTALS_COLUMNS = """
    2025 AS year, l.branch_id, l.branch_name, l.general_branch_name, coalesce(c.dimensions_scored, 0) AS dimensions_scored,
    coalesce(c.complete, false) AS complete, c.total::DOUBLE AS total, c.max_total::DOUBLE AS max_total,
    (c.total / c.max_total)::DOUBLE AS share, c.self_total::DOUBLE AS self_total,
    (c.self_total - c.total)::DOUBLE AS self_gap, m.hospital_mean, m.hospital_n,
    CASE WHEN c.complete THEN c.total::DOUBLE - m.hospital_mean END AS gap, c.rank, p.rank AS previous_rank,
    p.rank - c.rank AS rank_change, c.min_share, c.weakest_dimension, s.branch_id IS NOT NULL AS is_site,
    s.site_title, s.site_year
"""

TOTALS_FROM = """
FROM branch_lineage l
CROSS JOIN (SELECT avg(total)::DOUBLE AS hospital_mean, count(*) AS hospital_n FROM sheets WHERE year = 2025 AND complete) m
LEFT JOIN sheets c ON c.branch_id = l.branch_id AND c.year = 2025
LEFT JOIN sheets p ON p.branch_id = l.branch_id AND p.year = 2024
LEFT JOIN (SELECT branch_id, arg_min(title, {'newest': -year, 'title': title}) AS site_title, max(year) AS site_year
           FROM demonstration_site WHERE year <= 2025 GROUP BY ALL) s ON s.branch_id = l.branch_id
"""

TOTALS_SQL = f"WITH sheets AS ({SHEETS}) SELECT {TOTALS_COLUMNS} {TOTALS_FROM} ORDER BY c.rank NULLS LAST, l.branch_id"

PROFILE_SQL = f"""
SELECT d.dimension_id, d.dimension_name, 25.0::DOUBLE AS max_points, avg(s.score)::DOUBLE AS unit_mean,
       avg(s.self_score)::DOUBLE AS unit_self_mean, count(s.score) AS unit_n, avg(s.score)::DOUBLE AS hospital_mean,
       count(s.score) AS hospital_n, 0.0::DOUBLE AS gap, avg(s.self_score - s.score)::DOUBLE AS self_gap
FROM {DIMS} LEFT JOIN four_have_score s ON s.dimension_id = d.dimension_id AND s.year = 2025
GROUP BY d.dimension_id, d.dimension_name, d.position ORDER BY d.position
"""

CANDIDATES_SQL = f"""
WITH sheets AS ({SHEETS}), totals AS (
    SELECT {TOTALS_COLUMNS}, c.complete AND c.rank <= 12 AND c.min_share >= 0.8 - 1e-9 AS candidate {TOTALS_FROM}
)
SELECT rank, branch_id, branch_name, general_branch_name, total, min_share, weakest_dimension,
       coalesce(candidate, false) AS candidate, is_site, site_title, site_year
FROM totals WHERE candidate OR is_site
ORDER BY candidate DESC, rank NULLS LAST, branch_id
"""

BY_CATEGORY_SQL = """
SELECT category, count(*) FILTER (WHERE completed_on <= DATE '2025-12-31') AS done, count(*) AS total,
       count(*) FILTER (WHERE completed_on IS NULL OR completed_on > DATE '2025-12-31') AS open,
       count(*) FILTER (WHERE due_on < DATE '2025-12-31' AND (completed_on IS NULL OR completed_on > DATE '2025-12-31')) AS overdue,
       round(100 * done / total, 2) AS rate
FROM service_task WHERE started_on <= DATE '2025-12-31' GROUP BY ALL ORDER BY rate DESC, category
"""

BY_OWNER_SQL = """
SELECT t.unit_id, l.unit_name, l.general_branch_name, count(*) FILTER (WHERE completed_on <= DATE '2025-12-31') AS done,
       count(*) AS total, count(*) FILTER (WHERE completed_on IS NULL OR completed_on > DATE '2025-12-31') AS open,
       count(*) FILTER (WHERE due_on < DATE '2025-12-31' AND (completed_on IS NULL OR completed_on > DATE '2025-12-31')) AS overdue,
       round(100 * done / total, 2) AS rate
FROM service_task t JOIN unit_lineage l USING (unit_id)
WHERE started_on <= DATE '2025-12-31' GROUP BY ALL ORDER BY rate DESC, total DESC, t.unit_id
"""

TASK_ROWS = """
SELECT t.task_id, t.title, t.category, t.unit_id, l.unit_name, l.general_branch_name, t.status,
       CASE WHEN t.completed_on <= DATE '2025-12-31' THEN '已完成' WHEN t.started_on > DATE '2025-12-31' THEN '未开始'
            WHEN t.status = '已完成' THEN '进行中' ELSE t.status END AS status_as_of,
       t.started_on, t.due_on, t.completed_on, t.started_on <= DATE '2025-12-31' AS counted,
       t.started_on <= DATE '2025-12-31' AND t.due_on < DATE '2025-12-31'
           AND (t.completed_on IS NULL OR t.completed_on > DATE '2025-12-31') AS overdue,
       CASE WHEN overdue THEN date_diff('day', t.due_on, DATE '2025-12-31') END AS days_overdue
FROM service_task t JOIN unit_lineage l USING (unit_id)
"""

OVERDUE_SQL = f"SELECT * FROM ({TASK_ROWS}) WHERE overdue ORDER BY days_overdue DESC, task_id"

TASK_LIST_SQL = f"{TASK_ROWS} ORDER BY task_id"

COMPLETION_SQL = """
SELECT count(*) FILTER (WHERE completed_on <= DATE '2025-12-31') AS done, count(*) AS total,
       count(*) FILTER (WHERE due_on < DATE '2025-12-31' AND (completed_on IS NULL OR completed_on > DATE '2025-12-31')) AS overdue
FROM service_task WHERE started_on <= DATE '2025-12-31'
"""

TREND_SQL = """
SELECT q.quarter, count(t.task_id) FILTER (WHERE t.completed_on <= q.end_day) AS done, count(t.task_id) AS total,
       round(100 * done / total, 2) AS rate
FROM (VALUES ('2025Q1', DATE '2025-03-31'), ('2025Q2', DATE '2025-06-30'), ('2025Q3', DATE '2025-09-30'),
             ('2025Q4', DATE '2025-12-31')) q(quarter, end_day)
LEFT JOIN service_task t ON t.started_on <= q.end_day
GROUP BY ALL ORDER BY q.quarter
"""

BASELINES = {
    "scores": SCORES_SQL, "totals": TOTALS_SQL, "profile": PROFILE_SQL, "candidates": CANDIDATES_SQL,
    "by_category": BY_CATEGORY_SQL, "by_owner": BY_OWNER_SQL, "overdue": OVERDUE_SQL, "task_list": TASK_LIST_SQL,
    "completion": COMPLETION_SQL, "trend": TREND_SQL,
}


@rows_case("four_have_tasks", "四有 and 办实事 page functions on the 10x demo vs one raw SQL statement each",
           "one raw DuckDB statement per table, literal values")
def measure(con: duckdb.DuckDBPyConnection) -> list[dict]:
    year = {"scope": SCOPE, "year": YEAR}
    day = {"scope": SCOPE, "as_of": AS_OF}
    # (case, our call, baseline statements, compared with the single baseline: every column of
    # ours but the Chinese note; a page bundle is timed against the sum of its tables' statements)
    cases = [
        ("four_have.branch_scores", lambda: four_have.branch_scores(con, **year), ["scores"]),
        ("four_have.branch_totals", lambda: four_have.branch_totals(con, **year), ["totals"]),
        ("four_have.profile", lambda: four_have.profile(con, **year), ["profile"]),
        ("four_have.site_candidates", lambda: four_have.site_candidates(con, **year), ["candidates"]),
        ("four_have.evaluation (page)", lambda: four_have.evaluation(con, scope=SCOPE, last=LAST),
         ["scores", "totals", "profile", "candidates"]),
        ("tasks.by_category", lambda: tasks.by_category(con, **day), ["by_category"]),
        ("tasks.by_owner", lambda: tasks.by_owner(con, **day), ["by_owner"]),
        ("tasks.overdue_tasks", lambda: tasks.overdue_tasks(con, **day), ["overdue"]),
        ("tasks.task_list", lambda: tasks.task_list(con, **day), ["task_list"]),
        ("tasks.task_report (page)", lambda: tasks.task_report(con, scope=SCOPE, first=FIRST, last=LAST),
         ["completion", "trend", "by_category", "by_owner", "overdue", "task_list"]),
    ]
    out = []
    for case, fn, baselines in cases:
        # Timed in turns with its own statements (a page bundle: all of its tables' statements).
        timed = best_of_each({"ours": fn} | {b: (lambda sql=BASELINES[b]: fetch_frame(con, sql)) for b in baselines})
        ours, result = timed["ours"]
        if len(baselines) == 1:
            expected = timed[baselines[0]][1]
            columns = [c for c in result.columns if c != "note"]
            if list(expected.columns) != columns or not same_rows(result, expected, columns):
                raise AssertionError(f"{case}: result differs from its baseline statement")
        # A page bundle's baseline is the sum of its tables' statements (one statement each).
        base = sum(timed[b][0] for b in baselines)
        out.append({"case": case, "ours_s": round(ours, 5), "baseline_s": round(base, 5),
                    "ratio": round(ours / base, 2) if base else float("inf")})
    return out

