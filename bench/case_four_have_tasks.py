"""四有工程 and 办实事 page functions on the 10x demo vs the same result as one raw DuckDB statement.

``run()`` times every analysis function the two pages call (and the two page bundles) against a
hand-written SQL statement with literal values that returns the same rows, fetched into a
DataFrame the same way (the shared columns are compared value by value first; a page bundle is
compared with the sum of its tables' statements). Each side runs ``REPEATS`` times after one warm-up; the best time counts.
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
from bench import best_of, rows_case, same_rows

SCOPE = Scope.committee("bench")
YEAR, LAST, FIRST = 2025, "2025Q4", "2025Q1"
AS_OF = dt.date(2025, 12, 31)

# --- baselines: one statement each, literal values, default configuration (4 × 25 points) ----------
# Each returns the rows of our function and the columns named in CASES, compared value by value.

DIM_ORDER = "list_position(['leadership', 'method', 'brand', 'model'], dimension_id)"

SCORES_SQL = f"""
SELECT s.branch_id, l.branch_name, s.dimension_id, s.score::DOUBLE AS score,
       avg(s.score) OVER (PARTITION BY s.dimension_id)::DOUBLE AS hospital_mean,
       s.score::DOUBLE - avg(s.score) OVER (PARTITION BY s.dimension_id) AS gap,
       rank() OVER (PARTITION BY s.dimension_id ORDER BY s.score DESC) AS dimension_rank
FROM four_have_score s JOIN branch_lineage l USING (branch_id)
WHERE s.year = 2025
ORDER BY l.general_branch_id NULLS LAST, s.branch_id, {DIM_ORDER}
"""

TOTALS_SQL = """
WITH t AS (
    SELECT year, branch_id, sum(score) AS total, count(*) AS n, min(score / max_points) AS min_share
    FROM four_have_score WHERE year IN (2024, 2025) GROUP BY ALL
), r AS (SELECT *, rank() OVER (PARTITION BY year ORDER BY total DESC) AS rk FROM t WHERE n = 4)
SELECT l.branch_id, l.branch_name, c.total::DOUBLE AS total, c.rk AS rank, p.rk - c.rk AS rank_change,
       c.min_share, s.title AS site_title,
       c.total::DOUBLE - avg(c.total::DOUBLE) OVER () AS gap
FROM branch_lineage l
LEFT JOIN r c ON c.branch_id = l.branch_id AND c.year = 2025
LEFT JOIN r p ON p.branch_id = l.branch_id AND p.year = 2024
LEFT JOIN (SELECT branch_id, arg_max(title, year) AS title FROM demonstration_site WHERE year <= 2025 GROUP BY ALL) s
       ON s.branch_id = l.branch_id
ORDER BY c.rk NULLS LAST, l.branch_id
"""

PROFILE_SQL = f"""
SELECT dimension_id, avg(score)::DOUBLE AS hospital_mean, count(*) AS hospital_n
FROM four_have_score WHERE year = 2025 GROUP BY dimension_id ORDER BY {DIM_ORDER}
"""

CANDIDATES_SQL = """
WITH t AS (
    SELECT branch_id, sum(score) AS total, min(score / max_points) AS min_share
    FROM four_have_score WHERE year = 2025 GROUP BY ALL HAVING count(*) = 4
), r AS (SELECT *, rank() OVER (ORDER BY total DESC) AS rk FROM t),
s AS (SELECT DISTINCT branch_id FROM demonstration_site WHERE year <= 2025)
SELECT r.branch_id, r.rk AS rank, r.total::DOUBLE AS total, r.rk <= 12 AND r.min_share >= 0.8 AS candidate,
       s.branch_id IS NOT NULL AS is_site
FROM r LEFT JOIN s USING (branch_id)
WHERE (r.rk <= 12 AND r.min_share >= 0.8) OR s.branch_id IS NOT NULL
ORDER BY candidate DESC, r.rk, r.branch_id
"""

BY_CATEGORY_SQL = """
SELECT category, count(*) FILTER (WHERE completed_on <= DATE '2025-12-31') AS done, count(*) AS total,
       count(*) FILTER (WHERE due_on < DATE '2025-12-31' AND (completed_on IS NULL OR completed_on > DATE '2025-12-31')) AS overdue,
       round(100 * done / total, 2) AS rate
FROM service_task WHERE started_on <= DATE '2025-12-31' GROUP BY ALL ORDER BY rate DESC, category
"""

BY_OWNER_SQL = """
SELECT t.unit_id, l.unit_name, l.general_branch_name, count(*) FILTER (WHERE completed_on <= DATE '2025-12-31') AS done,
       count(*) AS total, round(100 * done / total, 2) AS rate
FROM service_task t JOIN unit_lineage l USING (unit_id)
WHERE started_on <= DATE '2025-12-31' GROUP BY ALL ORDER BY rate DESC, total DESC, t.unit_id
"""

OVERDUE_SQL = """
SELECT task_id, title, l.unit_name, due_on, date_diff('day', due_on, DATE '2025-12-31') AS days_overdue
FROM service_task t JOIN unit_lineage l USING (unit_id)
WHERE started_on <= DATE '2025-12-31' AND due_on < DATE '2025-12-31'
  AND (completed_on IS NULL OR completed_on > DATE '2025-12-31')
ORDER BY days_overdue DESC, task_id
"""

TASK_LIST_SQL = """
SELECT t.task_id, t.title, t.status, l.unit_name FROM service_task t JOIN unit_lineage l USING (unit_id)
ORDER BY task_id
"""

COMPLETION_SQL = """
SELECT count(*) FILTER (WHERE completed_on <= DATE '2025-12-31') AS done, count(*) AS total
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
    # (case, our call, baseline statements, columns compared with the single baseline)
    cases = [
        ("four_have.branch_scores", lambda: four_have.branch_scores(con, **year), ["scores"],
         ["branch_id", "branch_name", "dimension_id", "score", "hospital_mean", "gap", "dimension_rank"]),
        ("four_have.branch_totals", lambda: four_have.branch_totals(con, **year), ["totals"],
         ["branch_id", "branch_name", "total", "rank", "rank_change", "min_share", "site_title", "gap"]),
        ("four_have.profile", lambda: four_have.profile(con, **year), ["profile"],
         ["dimension_id", "hospital_mean", "hospital_n"]),
        ("four_have.site_candidates", lambda: four_have.site_candidates(con, **year), ["candidates"],
         ["branch_id", "rank", "total", "candidate", "is_site"]),
        ("four_have.evaluation (page)", lambda: four_have.evaluation(con, scope=SCOPE, last=LAST),
         ["scores", "totals", "profile", "candidates"], []),
        ("tasks.by_category", lambda: tasks.by_category(con, **day), ["by_category"],
         ["category", "done", "total", "overdue", "rate"]),
        ("tasks.by_owner", lambda: tasks.by_owner(con, **day), ["by_owner"],
         ["unit_id", "unit_name", "general_branch_name", "done", "total", "rate"]),
        ("tasks.overdue_tasks", lambda: tasks.overdue_tasks(con, **day), ["overdue"],
         ["task_id", "title", "unit_name", "due_on", "days_overdue"]),
        ("tasks.task_list", lambda: tasks.task_list(con, **day), ["task_list"],
         ["task_id", "title", "status", "unit_name"]),
        ("tasks.task_report (page)", lambda: tasks.task_report(con, scope=SCOPE, first=FIRST, last=LAST),
         ["completion", "trend", "by_category", "by_owner", "overdue", "task_list"], []),
    ]
    baseline_times, baseline_results = {}, {}
    for name, sql in BASELINES.items():
        baseline_times[name], baseline_results[name] = best_of(lambda sql=sql: fetch_frame(con, sql))
    out = []
    for case, fn, baselines, columns in cases:
        ours, result = best_of(fn)
        if columns and not same_rows(result, baseline_results[baselines[0]], columns):
            raise AssertionError(f"{case}: result differs from its baseline statement")
        # A page bundle's baseline is the sum of its tables' statements (one statement each).
        base = sum(baseline_times[b] for b in baselines)
        out.append({"case": case, "ours_s": round(ours, 5), "baseline_s": round(base, 5),
                    "ratio": round(ours / base, 2) if base else float("inf")})
    return out

