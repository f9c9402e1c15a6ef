"""先锋指数 and 支部考核 page functions on the 10x demo against one raw DuckDB SQL statement each.

Each baseline is the same result written as a single statement with literal weights and
periods (what a hand-written query in the DuckDB shell would be); results are compared value
by value before timing, so a fast but wrong function cannot pass.
"""

from __future__ import annotations

import duckdb

from analysis import config
from analysis.metrics import assessment, vanguard
from analysis.scope import Scope
from bench import best_of, rows_case, same_rows

SCOPE = Scope.committee("bench")
FIRST, LAST, YEAR = "2025Q1", "2025Q4", 2025


def _index_sql(first: str, last: str) -> str:
    cfg = config.DEFAULT.vanguard
    dims = " + ".join(f"{d.weight} * avg(score) FILTER (WHERE dimension_id = '{d.id}' AND rater = '{r}') * {w}"
                      for d in cfg.dimensions for r, w in cfg.rater_weights.items())
    return f"""
        SELECT member_id, any_value(m.branch_id) AS branch_id, quarter, {dims} AS vindex
        FROM vanguard_score JOIN member m USING (member_id)
        WHERE quarter BETWEEN '{first}' AND '{last}'
        GROUP BY member_id, quarter HAVING count(*) = {len(cfg.dimensions) * 3}"""


BASELINES = {
    "trend_branch": f"""
        WITH i AS ({_index_sql('2024Q1', LAST)}), q AS (
            SELECT quarter, branch_id, avg(vindex) AS mean FROM i GROUP BY ALL)
        SELECT cur.quarter, cur.branch_id AS unit_id, cur.mean, cur.mean - p.mean AS qoq, cur.mean - y.mean AS yoy
        FROM q cur
        LEFT JOIN q p ON p.branch_id = cur.branch_id AND quarter_index(p.quarter) = quarter_index(cur.quarter) - 1
        LEFT JOIN q y ON y.branch_id = cur.branch_id AND quarter_index(y.quarter) = quarter_index(cur.quarter) - 4
        WHERE cur.quarter >= '{FIRST}' ORDER BY cur.quarter, cur.branch_id""",
    "member_index": f"""
        SELECT quarter, member_id, vindex FROM ({_index_sql(LAST, LAST)}) ORDER BY quarter, branch_id, vindex DESC, member_id""",
    "appraisal": f"""
        SELECT member_id, avg(vindex) AS annual_index,
               CASE WHEN avg(vindex) >= 90 THEN '优秀' WHEN avg(vindex) >= 75 THEN '合格'
                    WHEN avg(vindex) >= 60 THEN '基本合格' ELSE '不合格' END AS grade
        FROM ({_index_sql(f'{YEAR}Q1', f'{YEAR}Q4')}) GROUP BY member_id, branch_id ORDER BY branch_id, annual_index DESC, member_id""",
    "branch_ranking": f"""
        SELECT quarter, branch_id, sum(score)::DOUBLE AS total,
               rank() OVER (PARTITION BY quarter ORDER BY sum(score) DESC) AS rank
        FROM branch_score WHERE quarter BETWEEN '{FIRST}' AND '{LAST}'
        GROUP BY quarter, branch_id ORDER BY quarter, rank, branch_id""",
    "indicator_scores": f"""
        SELECT branch_id, indicator_id, score::DOUBLE AS score,
               score - avg(score) OVER (PARTITION BY indicator_id) AS gap
        FROM branch_score WHERE quarter = '{LAST}' ORDER BY branch_id, indicator_id""",
}


@rows_case("indices", "先锋指数 and 支部考核 page functions on the 10x demo vs one raw SQL statement each",
           "one raw DuckDB statement per function, literal weights")
def measure(con: duckdb.DuckDBPyConnection) -> list[dict]:
    period = {"scope": SCOPE, "first": FIRST, "last": LAST}
    cases = [
        ("vanguard.trend (branch)", lambda: vanguard.trend(con, level="branch", **period), "trend_branch",
         ["quarter", "unit_id", "mean", "qoq", "yoy"]),
        ("vanguard.member_index", lambda: vanguard.member_index(con, scope=SCOPE, first=LAST, last=LAST), "member_index",
         ["quarter", "member_id", "vindex"]),
        ("vanguard.appraisal", lambda: vanguard.appraisal(con, scope=SCOPE, year=YEAR), "appraisal",
         ["member_id", "annual_index", "grade"]),
        ("assessment.branch_ranking", lambda: assessment.branch_ranking(con, **period), "branch_ranking",
         ["quarter", "branch_id", "total", "rank"]),
        ("assessment.indicator_scores", lambda: assessment.indicator_scores(con, scope=SCOPE, quarter=LAST),
         "indicator_scores", ["branch_id", "indicator_id", "score", "gap"]),
    ]
    rows = []
    for name, fn, baseline, columns in cases:
        base_s, expected = best_of(lambda sql=BASELINES[baseline]: con.execute(sql).df())
        ours_s, result = best_of(fn)
        # Members with equal indices may come in either order: compare on a stable key.
        key = [c for c in ("quarter", "member_id", "branch_id", "indicator_id", "unit_id") if c in columns]
        if not same_rows(result.sort_values(key, ignore_index=True), expected.sort_values(key, ignore_index=True), columns):
            raise AssertionError(f"{name}: result differs from its baseline")
        rows.append({"case": name, "ours_s": ours_s, "baseline_s": base_s, "ratio": ours_s / base_s, "rows": len(result)})
    return rows
