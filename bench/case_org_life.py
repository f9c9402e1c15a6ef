"""组织生活 page functions on the 10x demo vs the same result as one raw DuckDB statement.

``run()`` times every analysis function the 组织生活 page calls against the fastest hand-written SQL
statement with literal values (default configuration, committee scope) that returns the same
rows, fetched into a DataFrame the same way. The shared columns are compared value by value
before anything is timed, so a baseline cannot be fast by being wrong. Each side runs
``REPEATS`` times after one warm-up (or, when slow, until ``BUDGET_S`` is used, at least three
times), the two sides in turns; the best time counts. The ratio is ours / baseline: what
the parameterised, documented, scope-checked layer costs over bare SQL.

The 10x demo (340 branches, 6,400 members, about 52,000 activities and 620,000 attendance
records) is built into a temporary directory (about a minute), unless ``PARTY_BENCH_DB`` names
an existing copy to read. ``python -m bench org_life`` runs it through the bench runner
(``--quick``: the 1x demo, a smoke test).
"""

from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd

from analysis import derived
from analysis.db import fetch_frame
from analysis.metrics import activities, meetings
from analysis.scope import Scope
from bench import best_of_each, rows_case, same_rows
from bench._versus import BUDGET_S

SCOPE = Scope.committee("bench")
FIRST, LAST = "2025Q1", "2025Q4"
AS_OF = dt.date(2026, 6, 30)  # fixed, so results do not depend on the day the bench runs
KIND = "支委会"

# --- baselines: one statement each, literal values ------------------------------------------------
# The default rules: 支部党员大会 and 党课 once a quarter, 支委会 and 党小组会 once a month.

RULES = """(VALUES ('支部党员大会', 1, 'quarter', 0), ('支委会', 1, 'month', 1), ('党小组会', 1, 'month', 2),
                   ('党课', 1, 'quarter', 3)) r(kind, times, grain, kind_order)"""

# Every branch × rule × period of 2025 with its status; the body of most baselines below.
CELLS = f"""
cells AS (
    WITH p AS (
        SELECT 'month' AS grain, m::DATE AS period_start, (m + INTERVAL 1 MONTH)::DATE - 1 AS period_end
        FROM range(DATE '2025-01-01', DATE '2026-01-01', INTERVAL 1 MONTH) t(m)
        UNION ALL
        SELECT 'quarter', m::DATE, (m + INTERVAL 3 MONTH)::DATE - 1
        FROM range(DATE '2025-01-01', DATE '2026-01-01', INTERVAL 3 MONTH) t(m)
    ), w AS (
        SELECT date_trunc('month', min(held_on))::DATE AS f, least(last_day(max(held_on)), DATE '2026-06-30') AS l
        FROM (SELECT * RENAME (unit_id AS branch_id) FROM activity) WHERE held_on <= DATE '2026-06-30'
    ), rec AS (   -- periods with any record in the hospital
        SELECT DISTINCT 'month' AS grain, date_trunc('month', held_on)::DATE AS period_start FROM activity
        WHERE held_on BETWEEN DATE '2025-01-01' AND DATE '2025-12-31'
        UNION
        SELECT DISTINCT 'quarter', date_trunc('quarter', held_on)::DATE FROM activity
        WHERE held_on BETWEEN DATE '2025-01-01' AND DATE '2025-12-31'
    ), h AS (
        SELECT a.branch_id, a.activity_type AS kind, date_trunc(r.grain, a.held_on)::DATE AS period_start,
               count(*) AS held, string_agg(strftime(a.held_on, '%-m月%-d日'), '、' ORDER BY a.held_on) AS dates
        FROM (SELECT * RENAME (unit_id AS branch_id) FROM activity) a JOIN {RULES} ON r.kind = a.activity_type
        WHERE a.held_on BETWEEN DATE '2025-01-01' AND DATE '2025-12-31'
        GROUP BY ALL
    )
    SELECT l.branch_id, l.branch_name, l.general_branch_id, l.general_branch_name, r.kind, r.kind_order, r.grain,
           p.period_start, p.period_end,
           CASE r.grain WHEN 'month' THEN strftime(p.period_start, '%Y-%m')
                ELSE year(p.period_start) || 'Q' || quarter(p.period_start) END AS period,
           CASE r.grain WHEN 'month' THEN year(p.period_start) || '年' || month(p.period_start) || '月'
                ELSE year(p.period_start) || '年第' || quarter(p.period_start) || '季度' END AS period_label,
           r.times AS required, coalesce(h.held, 0) AS held, h.dates,
           p.period_start >= w.f AND p.period_end <= w.l AND (u.founded_on IS NULL OR p.period_start >= u.founded_on)
               AND rec.grain IS NOT NULL AS observed,
           CASE WHEN coalesce(h.held, 0) >= r.times THEN '达标'
                WHEN u.founded_on IS NOT NULL AND p.period_start < u.founded_on THEN '未成立'
                WHEN p.period_end > DATE '2026-06-30' THEN '进行中'
                WHEN NOT observed THEN '无数据' ELSE '缺漏' END AS status,
           CASE WHEN observed THEN least(coalesce(h.held, 0), r.times) ELSE 0 END AS counted,
           CASE WHEN observed THEN greatest(r.times - coalesce(h.held, 0), 0) ELSE 0 END AS shortfall
    FROM branch_lineage l JOIN org_unit u ON u.unit_id = l.branch_id
    CROSS JOIN {RULES} JOIN p ON p.grain = r.grain CROSS JOIN w
    LEFT JOIN rec ON rec.grain = p.grain AND rec.period_start = p.period_start
    LEFT JOIN h ON h.branch_id = l.branch_id AND h.kind = r.kind AND h.period_start = p.period_start
)"""

GRID_SQL = f"""
WITH {CELLS}
SELECT branch_id, branch_name, kind, period, period_label, required, held, dates, observed, status, counted, shortfall
FROM cells
WHERE kind = '支委会' ORDER BY general_branch_id NULLS LAST, branch_id, period_start
"""

def _wilson(count: str, n: str) -> str:
    """The 95% Wilson interval of count / n in percent, as two columns ci_low, ci_high (the formula of
    ``stats.wilson_interval``)."""
    p, z2 = f"({count})::DOUBLE / ({n})", "1.959963984540054 ^ 2"
    centre, half = f"({p} + {z2} / (2 * ({n})))", f"1.959963984540054 * sqrt({p} * (1 - {p}) / ({n}) + {z2} / (4 * ({n}) ^ 2))"
    return (f"100 * ({centre} - {half}) / (1 + {z2} / ({n})) AS ci_low, "
            f"100 * ({centre} + {half}) / (1 + {z2} / ({n})) AS ci_high")


RATES_SQL = f"""
WITH {CELLS}
SELECT branch_id, any_value(branch_name) AS branch_name, any_value(general_branch_name) AS general_branch_name,
       any_value(grain) AS grain, any_value(required) AS times, count(*) FILTER (WHERE observed) AS periods,
       sum(required) FILTER (WHERE observed) AS required, sum(held) FILTER (WHERE observed) AS held,
       sum(counted) AS counted, count(*) FILTER (WHERE shortfall > 0) AS missing, sum(shortfall) AS shortfall,
       100.0 * sum(counted) / sum(required) FILTER (WHERE observed) AS rate,
       {_wilson("sum(counted)", "sum(required) FILTER (WHERE observed)")}, '支委会' AS kind
FROM cells WHERE kind = '支委会'
GROUP BY branch_id, general_branch_id ORDER BY rate, general_branch_id NULLS LAST, branch_id
"""

MISSING_SQL = f"""
WITH {CELLS}
SELECT branch_id, branch_name, general_branch_name, kind, period, period_label, period_start, period_end,
       required, held, shortfall
FROM cells WHERE shortfall > 0
ORDER BY general_branch_id NULLS LAST, branch_id, kind_order, period_start
"""

ATTENDANCE_SQL = f"""
SELECT a.branch_id, l.branch_name, l.general_branch_name, count(DISTINCT a.activity_id) AS meetings,
       count(DISTINCT t.member_id) AS members, count(*) AS n,
       count(*) FILTER (WHERE t.status = '出席') AS present, count(*) FILTER (WHERE t.status = '请假') AS leave,
       count(*) FILTER (WHERE t.status = '缺席') AS absent, 100.0 * present / n AS attendance_rate,
       100.0 * leave / n AS leave_rate, 100.0 * absent / n AS absence_rate, {_wilson("present", "n")},
       '支委会' AS kind, false AS suppressed  -- a committee viewer sees every branch's members
FROM (SELECT * RENAME (unit_id AS branch_id) FROM activity) a JOIN attendance t USING (activity_id) JOIN branch_lineage l ON l.branch_id = a.branch_id
WHERE a.activity_type = '支委会' AND a.held_on BETWEEN DATE '2025-01-01' AND DATE '2025-12-31'
GROUP BY ALL ORDER BY attendance_rate, a.branch_id
"""

MEMBERS_SQL = """
SELECT a.branch_id, l.branch_name, t.member_id, m.name, m.party_role, count(*) AS n,
       count(*) FILTER (WHERE t.status = '出席') AS present, count(*) FILTER (WHERE t.status = '请假') AS leave,
       count(*) FILTER (WHERE t.status = '缺席') AS absent,
       100.0 * present / n AS attendance_rate, 100.0 * leave / n AS leave_rate
FROM (SELECT * RENAME (unit_id AS branch_id) FROM activity) a JOIN attendance t USING (activity_id) JOIN member m USING (member_id)
JOIN branch_lineage l ON l.branch_id = a.branch_id
WHERE a.activity_type = '支委会' AND a.held_on BETWEEN DATE '2025-01-01' AND DATE '2025-12-31'
GROUP BY ALL ORDER BY a.branch_id, attendance_rate, t.member_id
"""

KINDS_2025 = """held_on BETWEEN DATE '2025-01-01' AND DATE '2025-12-31'
      AND activity_type IN ('支部党员大会', '支委会', '党小组会', '党课')"""


def _summary_sql(attendance: str) -> str:
    """The hospital summary: compliance from the cells, attendance per kind and in all from ``attendance``."""
    return f"""
WITH {CELLS}, c AS (
    SELECT kind, count(DISTINCT branch_id) FILTER (WHERE observed) AS branches,
           sum(required) FILTER (WHERE observed) AS required, sum(counted) AS counted,
           count(*) FILTER (WHERE shortfall > 0) AS missing, sum(shortfall) AS shortfall,
           count(DISTINCT branch_id) FILTER (WHERE shortfall > 0) AS branches_with_gaps
    FROM cells GROUP BY GROUPING SETS ((kind), ())
), att AS ({attendance})
SELECT c.*, 100.0 * c.counted / c.required AS rate, att.* EXCLUDE (kind),
       100.0 * att.present / att.attendance_n AS attendance_rate, 100.0 * att.leave / att.attendance_n AS leave_rate
FROM c LEFT JOIN att ON att.kind IS NOT DISTINCT FROM c.kind
ORDER BY list_position(['支部党员大会', '支委会', '党小组会', '党课'], c.kind) NULLS LAST
"""


SUMMARY_SQL = _summary_sql(f"""
    SELECT a.activity_type AS kind, count(*) AS attendance_n, count(DISTINCT t.member_id) AS members,
           count(*) FILTER (WHERE t.status = '出席') AS present, count(*) FILTER (WHERE t.status = '请假') AS leave,
           count(*) FILTER (WHERE t.status = '缺席') AS absent
    FROM activity a JOIN attendance t USING (activity_id)
    WHERE a.{KINDS_2025}
    GROUP BY GROUPING SETS ((a.activity_type), ())""")

# The attendance over the per-quarter counts (analysis.derived, migration 012).
SUMMARY_DERIVED_SQL = _summary_sql(f"""
    SELECT activity_type AS kind, sum(n)::BIGINT AS attendance_n, count(DISTINCT member_id) AS members,
           sum(present)::BIGINT AS present, sum(leave)::BIGINT AS leave, sum(absent)::BIGINT AS absent
    FROM member_quarter_attendance
    WHERE {KINDS_2025.replace("held_on", "quarter_start")}
    GROUP BY GROUPING SETS ((activity_type), ())""")

# The attendance over the per-unit sums and the members' quarter bits (migration 013).
_ERA, _BITS = divmod(derived.quarter_number(dt.date(2025, 1, 1)), derived.QUARTERS_PER_ERA)
SUMMARY_QUARTER_BITS_SQL = _summary_sql(f"""
    WITH sums AS (
        SELECT activity_type AS kind, sum(n)::BIGINT AS attendance_n, sum(present)::BIGINT AS present,
               sum(leave)::BIGINT AS leave, sum(absent)::BIGINT AS absent
        FROM unit_quarter_attendance
        WHERE {KINDS_2025.replace("held_on", "quarter_start")}
        GROUP BY GROUPING SETS ((activity_type), ())
    ), attended AS (
        SELECT activity_type, member_id FROM member_kind_quarters
        WHERE era = {_ERA} AND quarters & {0b1111 << _BITS}::UBIGINT != 0
          AND activity_type IN ('支部党员大会', '支委会', '党小组会', '党课')
    ), members AS (
        SELECT activity_type AS kind, count(*) AS members FROM attended GROUP BY activity_type
        UNION ALL SELECT NULL, count(DISTINCT member_id) FROM attended
    )
    SELECT s.kind, s.attendance_n, m.members, s.present, s.leave, s.absent
    FROM sums s LEFT JOIN members m ON m.kind IS NOT DISTINCT FROM s.kind""")

ATTENDANCE_DERIVED_SQL = f"""
WITH q AS (
    SELECT * FROM member_quarter_attendance
    WHERE activity_type = '支委会' AND quarter_start BETWEEN DATE '2025-01-01' AND DATE '2025-12-31'
), r AS (
    SELECT unit_id, sum(meetings)::BIGINT AS meetings FROM unit_quarter_meetings
    WHERE activity_type = '支委会' AND quarter_start BETWEEN DATE '2025-01-01' AND DATE '2025-12-31' GROUP BY unit_id
)
SELECT q.unit_id AS branch_id, l.branch_name, l.general_branch_name, any_value(r.meetings) AS meetings,
       count(DISTINCT q.member_id) AS members, sum(q.n)::BIGINT AS n, sum(q.present)::BIGINT AS present,
       sum(q.leave)::BIGINT AS leave, sum(q.absent)::BIGINT AS absent, 100.0 * sum(q.present) / sum(q.n) AS attendance_rate,
       100.0 * sum(q.leave) / sum(q.n) AS leave_rate, 100.0 * sum(q.absent) / sum(q.n) AS absence_rate,
       {_wilson("sum(q.present)", "sum(q.n)")}, '支委会' AS kind, false AS suppressed
FROM q JOIN r USING (unit_id) JOIN branch_lineage l ON l.branch_id = q.unit_id
GROUP BY q.unit_id, l.branch_name, l.general_branch_name ORDER BY attendance_rate, branch_id
"""

MEMBERS_DERIVED_SQL = """
SELECT q.unit_id AS branch_id, l.branch_name, q.member_id, m.name, m.party_role, sum(q.n)::BIGINT AS n,
       sum(q.present)::BIGINT AS present, sum(q.leave)::BIGINT AS leave, sum(q.absent)::BIGINT AS absent,
       100.0 * sum(q.present) / sum(q.n) AS attendance_rate, 100.0 * sum(q.leave) / sum(q.n) AS leave_rate
FROM member_quarter_attendance q JOIN member m USING (member_id) JOIN branch_lineage l ON l.branch_id = q.unit_id
WHERE q.activity_type = '支委会' AND q.quarter_start BETWEEN DATE '2025-01-01' AND DATE '2025-12-31'
GROUP BY ALL ORDER BY branch_id, attendance_rate, q.member_id
"""

CALENDAR_SQL = f"""
WITH {CELLS}, months AS (
    SELECT m::DATE AS month FROM range(DATE '2025-01-01', DATE '2026-01-01', INTERVAL 1 MONTH) t(m)
), pm AS (
    SELECT activity_type AS kind, date_trunc('month', held_on)::DATE AS month, count(*) AS held_in_month,
           string_agg(day(held_on) || '日', '、' ORDER BY held_on) AS days
    FROM (SELECT * RENAME (unit_id AS branch_id) FROM activity) WHERE branch_id = 'B0001' AND held_on BETWEEN DATE '2025-01-01' AND DATE '2025-12-31' GROUP BY ALL
)
SELECT m.month, c.kind, c.grain, c.period, c.period_label, c.status, c.observed, c.required, c.held,
       coalesce(pm.held_in_month, 0) AS held_in_month, pm.days
FROM cells c
JOIN months m ON m.month >= c.period_start AND m.month < c.period_start + CASE c.grain WHEN 'month' THEN 1 ELSE 3 END * INTERVAL 1 MONTH
LEFT JOIN pm ON pm.kind = c.kind AND pm.month = m.month
WHERE c.branch_id = 'B0001' ORDER BY c.kind_order, m.month
"""

BRANCH_MEETINGS_SQL = """
SELECT a.activity_id, a.held_on, a.activity_type AS kind, a.title, count(t.member_id) AS n,
       count(*) FILTER (WHERE t.status = '出席') AS present, count(*) FILTER (WHERE t.status = '请假') AS leave,
       count(*) FILTER (WHERE t.status = '缺席') AS absent, 100.0 * present / nullif(n, 0) AS attendance_rate
FROM (SELECT * RENAME (unit_id AS branch_id) FROM activity) a LEFT JOIN attendance t USING (activity_id)
WHERE a.branch_id = 'B0001' AND a.activity_type IN ('支部党员大会', '支委会', '党小组会', '党课')
  AND a.held_on BETWEEN DATE '2025-01-01' AND DATE '2025-12-31'
GROUP BY ALL ORDER BY a.held_on, a.activity_id
"""

EVENT_FILTER = "activity_type IN ('主题党日', '义诊', '志愿服务', '健康扶贫', '培训', '讲党课比赛', '援派', '其他')"
TYPE_ORDER = ("list_position(['支部党员大会', '支委会', '党小组会', '党课', '组织生活会', '民主评议党员', '主题党日', "
              "'义诊', '志愿服务', '健康扶贫', '培训', '讲党课比赛', '援派', '其他'], activity_type)")

TOTALS_SQL = f"""
SELECT activity_type, count(*) AS activities, sum(people_served) AS people_served, sum(hours)::DOUBLE AS hours,
       count(DISTINCT branch_id) FILTER (WHERE branch_id IN (SELECT unit_id FROM org_unit WHERE level = 'branch')) AS branches, count(DISTINCT date_trunc('month', held_on)) AS months
FROM (SELECT * RENAME (unit_id AS branch_id) FROM activity) WHERE held_on BETWEEN DATE '2025-01-01' AND DATE '2025-12-31'
GROUP BY activity_type ORDER BY {TYPE_ORDER}
"""

SERVICE_SQL = """
SELECT activity_type, count(*) AS activities, sum(people_served) AS people_served, sum(hours)::DOUBLE AS hours,
       count(DISTINCT branch_id) FILTER (WHERE branch_id IN (SELECT unit_id FROM org_unit WHERE level = 'branch')) AS branches, count(DISTINCT date_trunc('month', held_on)) AS months
FROM (SELECT * RENAME (unit_id AS branch_id) FROM activity) WHERE held_on BETWEEN DATE '2025-01-01' AND DATE '2025-12-31' AND activity_type IN ('义诊', '志愿服务')
GROUP BY activity_type ORDER BY activity_type  -- 义 (U+4E49) sorts before 志 (U+5FD7)
"""

MONTHLY_SQL = f"""
SELECT date_trunc('month', held_on)::DATE AS month, strftime(date_trunc('month', held_on), '%Y年%-m月') AS month_label, activity_type,
       count(*) AS activities, sum(people_served) AS people_served, sum(hours)::DOUBLE AS hours,
       count(DISTINCT branch_id) FILTER (WHERE branch_id IN (SELECT unit_id FROM org_unit WHERE level = 'branch')) AS branches
FROM (SELECT * RENAME (unit_id AS branch_id) FROM activity) WHERE held_on BETWEEN DATE '2025-01-01' AND DATE '2025-12-31' AND {EVENT_FILTER}
GROUP BY 1, 2, 3 ORDER BY month, {TYPE_ORDER}
"""

BY_BRANCH_SQL = f"""
SELECT a.unit_id AS branch_id, l.unit_name AS branch_name, l.general_branch_name, a.activity_type, count(*) AS activities,
       sum(a.people_served) AS people_served, sum(a.hours)::DOUBLE AS hours, min(a.held_on) AS first_held,
       max(a.held_on) AS last_held
FROM activity a JOIN unit_lineage l USING (unit_id)
WHERE a.held_on BETWEEN DATE '2025-01-01' AND DATE '2025-12-31' AND a.{EVENT_FILTER}
GROUP BY a.unit_id, l.unit_name, l.level, l.general_branch_id, l.general_branch_name, a.activity_type
ORDER BY l.general_branch_id NULLS LAST, l.level <> 'general_branch', a.unit_id, {TYPE_ORDER.replace('activity_type)', 'a.activity_type)')}
"""

# Each function's statements: over the raw tables and, where a derived table holds the same
# counts, over it; the fastest is the baseline.
BASELINES = {
    "grid": (GRID_SQL,), "rates": (RATES_SQL,), "missing": (MISSING_SQL,),
    "attendance": (ATTENDANCE_SQL, ATTENDANCE_DERIVED_SQL), "members": (MEMBERS_SQL, MEMBERS_DERIVED_SQL),
    "summary": (SUMMARY_SQL, SUMMARY_DERIVED_SQL, SUMMARY_QUARTER_BITS_SQL), "calendar": (CALENDAR_SQL,), "branch_meetings": (BRANCH_MEETINGS_SQL,),
    "totals": (TOTALS_SQL,), "service": (SERVICE_SQL,), "monthly": (MONTHLY_SQL,), "by_branch": (BY_BRANCH_SQL,),
}


def _service_frame(totals: activities.ServiceTotals) -> pd.DataFrame:
    return pd.DataFrame([(t.activity_type, t.activities, t.people_served, t.hours, t.branches)
                         for t in (totals.free_clinic, totals.volunteering)],
                        columns=["activity_type", "activities", "people_served", "hours", "branches"])


def _summary_frame(summary: meetings.MeetingSummary) -> pd.DataFrame:
    """The per-kind rows plus the total row (kind None), as the baseline returns them."""
    total = {"kind": None, "branches": summary.branches, "required": summary.required, "counted": summary.counted,
             "rate": summary.rate, "missing": summary.missing, "branches_with_gaps": summary.branches_with_gaps,
             "shortfall": int(summary.by_kind["shortfall"].sum()), "attendance_n": summary.attendance_n,
             "members": summary.members, "present": summary.present, "leave": summary.leave, "absent": summary.absent,
             "attendance_rate": summary.attendance_rate, "leave_rate": summary.leave_rate}
    return pd.concat([summary.by_kind, pd.DataFrame([total])], ignore_index=True)


@rows_case("org_life", "组织生活 page functions (三会一课, attendance, activities) on the 10x demo vs one raw SQL statement each",
           "the fastest raw DuckDB statement per function (over raw or derived tables), literal values")
def measure(con: duckdb.DuckDBPyConnection) -> list[dict]:
    # The calendar's branch: the first one (B0001 in the 10x demo, B01 in the 1x demo); an id
    # from the database, spliced into the two baselines that name it.
    first_branch = con.execute("SELECT min(branch_id) FROM branch_lineage").fetchone()[0]
    baselines = {name: [sql.replace("'B0001'", f"'{first_branch}'") for sql in sqls] for name, sqls in BASELINES.items()}
    common = {"scope": SCOPE, "first": FIRST, "last": LAST, "as_of": AS_OF}
    branch = {"scope": SCOPE, "branch": first_branch, "first": FIRST, "last": LAST, "as_of": AS_OF}
    events = {**common, "types": activities.EVENT_TYPES}
    # (case, our call, baseline, columns compared, adapter from our result to a frame)
    cases = [
        ("meetings.hospital_summary", lambda: meetings.hospital_summary(con, **common), "summary",
         ["kind", "branches", "required", "counted", "rate", "missing", "shortfall", "branches_with_gaps",
          "attendance_n", "members", "present", "leave", "absent", "attendance_rate", "leave_rate"], _summary_frame),
        ("meetings.meeting_compliance", lambda: meetings.meeting_compliance(con, kind=KIND, **common), "grid",
         ["branch_id", "branch_name", "kind", "period", "period_label", "required", "held", "dates", "observed",
          "status", "counted", "shortfall"], None),
        ("meetings.compliance_rates", lambda: meetings.compliance_rates(con, kind=KIND, **common), "rates",
         ["branch_id", "branch_name", "general_branch_name", "grain", "times", "periods", "required", "held",
          "counted", "missing", "shortfall", "rate", "ci_low", "ci_high", "kind"], None),
        ("meetings.missing_meetings", lambda: meetings.missing_meetings(con, **common), "missing",
         ["branch_id", "branch_name", "general_branch_name", "kind", "period", "period_label", "period_start",
          "period_end", "required", "held", "shortfall"], None),
        ("meetings.attendance_rates", lambda: meetings.attendance_rates(con, kind=KIND, **common), "attendance",
         ["branch_id", "branch_name", "general_branch_name", "kind", "meetings", "members", "n", "suppressed",
          "present", "leave", "absent", "attendance_rate", "leave_rate", "absence_rate", "ci_low", "ci_high"], None),
        ("meetings.member_attendance", lambda: meetings.member_attendance(con, kind=KIND, **common), "members",
         ["branch_id", "branch_name", "member_id", "name", "party_role", "n", "present", "leave", "absent",
          "attendance_rate", "leave_rate"], None),
        ("meetings.branch_calendar", lambda: meetings.branch_calendar(con, **branch), "calendar",
         ["month", "kind", "grain", "period", "period_label", "status", "observed", "required", "held",
          "held_in_month", "days"], None),
        ("meetings.branch_meetings", lambda: meetings.branch_meetings(con, **branch), "branch_meetings",
         ["activity_id", "held_on", "kind", "title", "n", "present", "leave", "absent", "attendance_rate"], None),
        ("activities.service_totals", lambda: activities.service_totals(con, **common), "service",
         ["activity_type", "activities", "people_served", "hours", "branches"], _service_frame),
        ("activities.activity_monthly", lambda: activities.activity_monthly(con, **events), "monthly",
         ["month", "month_label", "activity_type", "activities", "people_served", "hours", "branches"], None),
        ("activities.activity_totals", lambda: activities.activity_totals(con, **common), "totals",
         ["activity_type", "activities", "people_served", "hours", "branches", "months"], None),
        ("activities.activity_by_branch", lambda: activities.activity_by_branch(con, **events), "by_branch",
         ["branch_id", "branch_name", "general_branch_name", "activity_type", "activities", "people_served",
          "hours", "first_held", "last_held"], None),
    ]
    out = []
    for name, fn, baseline, columns, adapt in cases:
        statements = baselines[baseline]
        timed = best_of_each({"ours": fn} | {str(i): (lambda sql=sql: fetch_frame(con, sql)) for i, sql in enumerate(statements)},
                             budget_s=BUDGET_S)
        ours_s, result = timed["ours"]
        got = adapt(result) if adapt else result
        timings = []
        for i in range(len(statements)):
            seconds, expected = timed[str(i)]
            if not same_rows(got, expected, columns):
                raise AssertionError(f"{name}: result differs from its baseline statement")
            timings.append(seconds)
        base_s = min(timings)
        out.append({"case": name, "ours_s": round(ours_s, 5), "baseline_s": round(base_s, 5),
                    "ratio": round(ours_s / base_s, 2) if base_s else float("inf"), "rows": len(expected)})
    return out

