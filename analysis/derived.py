"""Derived tables: results the pages read again and again, kept beside the raw rows they come from.

At provincial scale (200,000 members, 43M vanguard score rows) a page cannot afford to group
millions of rows on every call, so three families of small tables are kept up to date by every
import and rollback, inside its transaction, for the quarters, branches and months it touched
(``before_write`` / ``after_write``); see migration 004 for the tables:

* ``vanguard``: member_quarter_index (党员先锋指数 of every complete sheet, with the rank in the
  branch), member_year_index (the annual appraisal) and branch_quarter_dimension (score sums);
* ``assessment``: branch_quarter_total (支部季度考核 totals, ranks, rank changes, falling runs);
* ``meetings``: branch_month_activity (activities per owner unit, type and month, with their days),
  member_quarter_attendance (each member's attendance records per owner unit, type and quarter),
  unit_quarter_meetings (activities with attendance records per owner unit, type and quarter),
  unit_quarter_attendance (the records per owner unit, type and quarter) and member_kind_quarters
  (the quarters in which a member has records of a type, as bits: migration 013);
* ``surveys``: survey_answer_check (what every analysis checks a question's answers for before
  trusting them: a scan of millions of answers, done once when the survey is imported).

``derived_state`` records, per family, the digest of the configuration and formulas the rows
were computed with and the row counts of the source tables. :func:`is_current` compares both
with the present ones; the analyses read a family only when it is current and otherwise
compute from the raw tables, so a changed weight, a caller's own configuration or rows written
by something other than the importer never give a wrong answer, only a slower one.
:func:`rebuild_steps` recomputes stale families in small steps that ``db.open_database`` runs
one transaction each, with progress.

Every formula is here once: the analyses in ``analysis.metrics`` read either the derived table
or the same SQL over the raw rows. Imports the basics ``config`` and ``periods`` only.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import duckdb

from analysis import config as config_mod

Progress = Callable[[float, str], None]  # (fraction done 0..1, Chinese stage text)

# Bumped whenever a formula below changes, so that stored rows are recomputed.
FORMULA_VERSION = 3

# Family -> the raw tables its rows are computed from (their row counts are its fingerprint).
SOURCES: dict[str, tuple[str, ...]] = {
    "vanguard": ("vanguard_score", "membership"),
    "assessment": ("branch_score",),
    "meetings": ("activity", "attendance"),
    "surveys": ("survey_answer",),
}
# Import kind -> the families its rows feed (a transfer moves members' quarters between branches;
# attendance and activities belong to the meeting's branch, which a transfer does not change).
FAMILIES_OF_KIND: dict[str, tuple[str, ...]] = {
    "vanguard_scores": ("vanguard",),
    "transfers": ("vanguard",),
    "members": ("vanguard",),  # only their first membership rows, no scores: marked current again
    "branch_scores": ("assessment",),
    "activities": ("meetings",),
    "attendance": ("meetings",),
    "wjx": ("surveys",),
}
RATERS = ("self", "peer", "org")

# The branch ``m`` a score ``s`` counts for: the member's branch in the score's quarter (the
# membership row in force on the quarter's last day; migration 009's member_quarter_branch).
BRANCH_OF_QUARTER = ("member_quarter_branch m ON m.member_id = s.member_id "
                     "AND s.quarter >= m.from_quarter AND s.quarter < m.to_quarter")


# --- the formulas -------------------------------------------------------------------------


def member_index_sql(where: str) -> str:
    """SQL of the 党员先锋指数 of the members and quarters selected by ``where``.

    ``where`` is a condition of our own code over ``s`` (vanguard_score) and ``m`` (the member's
    membership in the score's quarter: ``m.branch_id`` is the branch of that quarter).
    Binds $dims, $dim_weights and $rater_weights (:func:`index_params`).

    Returns
    -------
    SQL whose rows are quarter, branch_id, member_id, vindex, rank_in_branch (competition
    ranking by vindex within the branch and quarter).

    Notes
    -----
    index = Σ_d w_d Σ_r w_r · score(d, r). Only complete score sheets count (every dimension by
    every rater): a sheet without the organisation's score would be biased upwards by the
    higher self-evaluation. Ranks and thresholds compare the index to 9 decimals: a float sum
    of equal sheets may differ in its last bit (91.9475 and 91.94749999999999), which must
    neither break a tie nor drop a 90.0 below the 优秀 threshold.
    """
    return f"""
        WITH weights AS (
            SELECT unnest($dims::VARCHAR[]) AS dimension_id, unnest($dim_weights::DOUBLE[]) AS dim_weight
        ), raters AS (
            SELECT unnest({list(RATERS)}) AS rater, unnest($rater_weights::DOUBLE[]) AS rater_weight
        )
        SELECT s.quarter, m.branch_id, s.member_id, sum(w.dim_weight * r.rater_weight * s.score) AS vindex,
               rank() OVER (PARTITION BY s.quarter, m.branch_id ORDER BY round(vindex, 9) DESC) AS rank_in_branch
        FROM vanguard_score s
        JOIN weights w USING (dimension_id)
        JOIN raters r USING (rater)
        JOIN {BRANCH_OF_QUARTER}
        WHERE {where}
        GROUP BY s.quarter, m.branch_id, s.member_id
        HAVING count(*) = len($dims::VARCHAR[]) * 3
    """


def index_params(cfg: config_mod.Config) -> dict:
    """The weights :func:`member_index_sql` binds.

    Returns
    -------
    dims (dimension ids), dim_weights, rater_weights (self, peer, org).
    """
    v = cfg.vanguard
    return {
        "dims": [d.id for d in v.dimensions],
        "dim_weights": [d.weight for d in v.dimensions],
        "rater_weights": [v.rater_weights[r] for r in RATERS],
    }


def appraisal_sql(index: str) -> str:
    """SQL of the annual appraisal of the member-quarter rows of ``index`` (SQL with the columns
    of :func:`member_index_sql`, one year's quarters). Binds $grade_labels, $grade_minima,
    $star_labels and $star_minima (:func:`appraisal_params`).

    Returns
    -------
    SQL whose rows are year, branch_id (the branch of the member's last scored quarter of the
    year: a member who moved is appraised once, by the branch they ended the year in),
    member_id, quarters (quarters scored), annual_index (mean of the quarterly indices), grade (the highest configured grade whose minimum it
    reaches), stars (likewise, as an integer).
    """
    return f"""
        WITH grades AS (SELECT unnest($grade_labels::VARCHAR[]) AS label, unnest($grade_minima::DOUBLE[]) AS minimum),
        stars AS (SELECT unnest($star_labels::VARCHAR[]) AS label, unnest($star_minima::DOUBLE[]) AS minimum),
        annual AS (
            SELECT CAST(left(quarter, 4) AS INTEGER) AS year, arg_max(branch_id, quarter) AS branch_id, member_id,
                   count(*) AS quarters, avg(vindex) AS annual_index
            FROM ({index}) GROUP BY year, member_id
        )
        SELECT a.*,
               (SELECT arg_max(label, minimum) FROM grades WHERE round(a.annual_index, 9) >= minimum) AS grade,
               (SELECT CAST(arg_max(label, minimum) AS INTEGER) FROM stars WHERE round(a.annual_index, 9) >= minimum) AS stars
        FROM annual a
    """


def appraisal_params(cfg: config_mod.Config) -> dict:
    """The thresholds :func:`appraisal_sql` binds.

    Returns
    -------
    grade_labels, grade_minima, star_labels, star_minima (configured order, highest first).
    """
    v = cfg.vanguard
    return {
        "grade_labels": [t.label for t in v.grades], "grade_minima": [t.minimum for t in v.grades],
        "star_labels": [t.label for t in v.stars], "star_minima": [t.minimum for t in v.stars],
    }


def dimension_sums_sql(where: str) -> str:
    """SQL of score sums and counts per quarter, branch, dimension and rater of the rows of
    vanguard_score ``s`` (joined with the member's membership of the quarter ``m``) selected by ``where``.

    Returns
    -------
    SQL whose rows are quarter, branch_id, dimension_id, self_sum, self_n, peer_sum, peer_n,
    org_sum, org_n (sum and count of the scores by each rater; the sum NULL without scores),
    members (members scored).
    """
    raters = ",\n".join(f"sum(s.score) FILTER (WHERE s.rater = '{r}')::DECIMAL(18, 2) AS {r}_sum, "
                        f"count(*) FILTER (WHERE s.rater = '{r}') AS {r}_n" for r in RATERS)
    return f"""
        SELECT s.quarter, m.branch_id, s.dimension_id, {raters}, count(DISTINCT s.member_id) AS members
        FROM vanguard_score s JOIN {BRANCH_OF_QUARTER}
        WHERE {where}
        GROUP BY s.quarter, m.branch_id, s.dimension_id
    """


# Every branch's quarterly total, ranked against all branches of the quarter; rank_change and
# falling_streak look back along the branch's own quarters.
BRANCH_TOTAL_SQL = """
WITH totals AS (
    SELECT quarter, branch_id, sum(score)::DOUBLE AS total, count(*) AS indicators
    FROM branch_score GROUP BY ALL
), ranked AS (
    SELECT *, rank() OVER (PARTITION BY quarter ORDER BY total DESC) AS rank FROM totals
), lagged AS (
    SELECT *,
           lag(rank) OVER w AS previous_rank,
           lag(quarter) OVER w AS previous_quarter,
           total < lag(total) OVER w AS fell
    FROM ranked WINDOW w AS (PARTITION BY branch_id ORDER BY quarter)
), streaks AS (
    -- A run starts at every quarter whose total did not fall; the streak is the number of
    -- falling quarters after that start.
    SELECT *, row_number() OVER (PARTITION BY branch_id, run ORDER BY quarter) - 1 AS falling_streak
    FROM (SELECT *, sum(CASE WHEN fell THEN 0 ELSE 1 END) OVER (PARTITION BY branch_id ORDER BY quarter) AS run
          FROM lagged)
)
SELECT quarter, branch_id, total, indicators, rank,
       CASE WHEN quarter_index(previous_quarter) = quarter_index(quarter) - 1 THEN previous_rank - rank END AS rank_change,
       falling_streak
FROM streaks
"""
"""SQL of branch_quarter_total's rows from branch_score: quarter, branch_id, total (of 100),
indicators (scored), rank (competition ranking: 1, 2, 2, 4), rank_change (positive = moved up
since the previous quarter; NULL without a score in it), falling_streak."""


def month_activity_sql(where: str) -> str:
    """SQL of activities per month, branch and type, of the rows of activity ``a`` selected by ``where``.

    Returns
    -------
    SQL whose rows are month (first day), unit_id (the owner), activity_type, held (activities), dates
    (days held, '3月5日、3月19日'), days ('5日、19日'), first_held, last_held, people_served
    (Σ 人次), hours (Σ, exact decimal).
    """
    return f"""
        SELECT date_trunc('month', a.held_on)::DATE AS month, a.unit_id, a.activity_type, count(*) AS held,
               string_agg(strftime(a.held_on, '%-m月%-d日'), '、' ORDER BY a.held_on) AS dates,
               string_agg(day(a.held_on) || '日', '、' ORDER BY a.held_on) AS days,
               min(a.held_on) AS first_held, max(a.held_on) AS last_held,
               sum(a.people_served)::BIGINT AS people_served, sum(a.hours)::DECIMAL(18, 1) AS hours
        FROM activity a
        WHERE {where}
        GROUP BY ALL
    """


# Attendance records of one group by status; n counts all three.
ATTENDANCE_COUNTS = """
count(*) AS n,
count(*) FILTER (WHERE status = '出席') AS present,
count(*) FILTER (WHERE status = '请假') AS leave,
count(*) FILTER (WHERE status = '缺席') AS absent
"""


def quarter_attendance_sql(where: str) -> str:
    """SQL of attendance records per quarter, owner unit, meeting type and member, of the
    activities ``a`` (joined with their records ``t``) selected by ``where``.

    Returns
    -------
    SQL whose rows are quarter_start (first day), unit_id, activity_type, member_id, n
    (records), present (出席), leave (请假), absent (缺席).
    """
    return f"""
        SELECT date_trunc('quarter', a.held_on)::DATE AS quarter_start, a.unit_id, a.activity_type, t.member_id,
               {ATTENDANCE_COUNTS}
        FROM activity a JOIN attendance t USING (activity_id)
        WHERE {where}
        GROUP BY ALL
    """


def quarter_meetings_sql(where: str) -> str:
    """SQL of the activities ``a`` selected by ``where`` that have attendance records, counted
    per quarter, owner unit and type. (The records are named ``t``: a caller's CTE called
    attendance would otherwise stand in for the table, and an unqualified activity_id would bind
    to ``a``, making every activity "recorded".)

    Returns
    -------
    SQL whose rows are quarter_start (first day), unit_id, activity_type, meetings.
    """
    return f"""
        SELECT date_trunc('quarter', a.held_on)::DATE AS quarter_start, a.unit_id, a.activity_type, count(*) AS meetings
        FROM activity a
        WHERE a.activity_id IN (SELECT t.activity_id FROM attendance t) AND {where}
        GROUP BY ALL
    """


def quarter_unit_attendance_sql(where: str) -> str:
    """SQL of attendance records per quarter, owner unit and meeting type, of the activities
    ``a`` (joined with their records ``t``) selected by ``where``.

    Returns
    -------
    SQL whose rows are quarter_start (first day), unit_id, activity_type, n, present, leave, absent.
    """
    return f"""
        SELECT date_trunc('quarter', a.held_on)::DATE AS quarter_start, a.unit_id, a.activity_type,
               {ATTENDANCE_COUNTS}
        FROM activity a JOIN attendance t USING (activity_id)
        WHERE {where}
        GROUP BY ALL
    """


# A quarter as a number (year 0's first quarter is 0), and its era and bit in member_kind_quarters
# (migration 013): 64 quarters, 16 years, to an era.
QUARTERS_PER_ERA = 64


def quarter_number(day: dt.date) -> int:
    """The number of ``day``'s quarter: 4 · year + quarter − 1."""
    return 4 * day.year + (day.month - 1) // 3


def member_quarters_sql(where: str) -> str:
    """SQL of member_kind_quarters' rows from member_quarter_attendance ``q``, for the rows
    selected by ``where``.

    Returns
    -------
    SQL whose rows are activity_type, member_id, era, quarters (see migration 013).
    """
    number = "(4 * year(q.quarter_start) + quarter(q.quarter_start) - 1)"
    return f"""
        SELECT q.activity_type, q.member_id, ({number} // {QUARTERS_PER_ERA})::INTEGER AS era,
               bit_or((1::UBIGINT) << ({number} % {QUARTERS_PER_ERA})::UBIGINT) AS quarters
        FROM member_quarter_attendance q
        WHERE {where}
        GROUP BY ALL
    """


# The meetings family's tables that hold rows per period, with the formula of their rows over
# the activities and their period ('month': a column month; 'quarter': quarter_start).
PERIOD_TABLES: dict[str, tuple[Callable[[str], str], str]] = {
    "branch_month_activity": (month_activity_sql, "month"),
    "member_quarter_attendance": (quarter_attendance_sql, "quarter"),
    "unit_quarter_meetings": (quarter_meetings_sql, "quarter"),
    "unit_quarter_attendance": (quarter_unit_attendance_sql, "quarter"),
}


def stored_periods_sql(con: duckdb.DuckDBPyConnection, table: str) -> str:
    """SQL of the rows of ``table`` (one of ``PERIOD_TABLES``) for the activities held in
    [$start, $end] and by $as_of ($start the first day of the table's period: a month, or a
    quarter).

    Complete periods come from ``table`` when the meetings family is current; the period of
    $as_of, if it is in the range and not yet over, is computed by the table's formula from the
    activities up to $as_of; with a stale family everything is computed from the activities.

    Returns
    -------
    The SQL (it binds $start, $end and $as_of).
    """
    formula, grain = PERIOD_TABLES[table]
    if not is_current(con, "meetings"):
        return formula("a.held_on BETWEEN $start::DATE AND least($end::DATE, $as_of::DATE)")
    months = {"month": 1, "quarter": 3}[grain]
    column = {"month": "month", "quarter": "quarter_start"}[grain]
    period_end = f"(date_trunc('{grain}', $as_of::DATE) + INTERVAL {months} MONTH)::DATE - 1"
    partial = formula(
        f"a.held_on BETWEEN greatest($start::DATE, date_trunc('{grain}', $as_of::DATE)) "
        f"AND least($end::DATE, $as_of::DATE) AND $as_of::DATE < {period_end}")
    return (f"SELECT * FROM {table} WHERE {column} BETWEEN $start::DATE AND $end::DATE "
            f"AND ({column} + INTERVAL {months} MONTH)::DATE - 1 <= $as_of::DATE UNION ALL BY NAME ({partial})")


def activity_months_sql(con: duckdb.DuckDBPyConnection) -> str:
    """:func:`stored_periods_sql` of branch_month_activity: activities per month, owner and type."""
    return stored_periods_sql(con, "branch_month_activity")


def answer_checks_sql(where: str) -> str:
    """SQL of the facts about the answers ``a`` (survey_answer) selected by ``where`` that the
    schema cannot refuse, per question (only answers naming an option count).

    Returns
    -------
    SQL whose rows are survey_id, question_no, unknown_options (option numbers the question
    does not have, ascending; NULL if none), extra_answers (answers beyond one per response
    and matrix row: two options in one single choice), bad_ranks (answers without a rank or
    ranked beyond the question's number of options; meaningful for ranking questions).
    """
    return f"""
        WITH options AS (
            SELECT survey_id, question_no, list(option_no) AS options, count(*) AS k
            FROM survey_option GROUP BY ALL
        )
        SELECT a.survey_id, a.question_no,
               list(DISTINCT a.option_no ORDER BY a.option_no)
                   FILTER (WHERE NOT list_contains(coalesce(o.options, []), a.option_no)) AS unknown_options,
               count(*) - count(DISTINCT (a.response_id, a.item_no)) AS extra_answers,
               count(*) FILTER (WHERE a.rank IS NULL OR a.rank > coalesce(o.k, 0)) AS bad_ranks
        FROM survey_answer a LEFT JOIN options o USING (survey_id, question_no)
        WHERE a.option_no IS NOT NULL AND {where}
        GROUP BY a.survey_id, a.question_no
    """


# --- freshness ----------------------------------------------------------------------------


def digest(family: str, cfg: config_mod.Config | None) -> str:
    """The digest of the formulas and configuration values a family's rows depend on (only the
    vanguard family depends on the configuration; the others take ``cfg`` None).

    Returns
    -------
    16 hex digits; equal digests mean equal derived rows for equal raw rows.
    """
    values: dict = {"formula": FORMULA_VERSION, "family": family}
    if family == "vanguard":
        if cfg is None:
            raise ValueError("the vanguard family depends on the configuration: pass cfg")
        v = cfg.vanguard
        values |= {"dimensions": [[d.id, d.weight] for d in v.dimensions],
                   "raters": [v.rater_weights[r] for r in RATERS],
                   "grades": [[t.label, t.minimum] for t in v.grades],
                   "stars": [[t.label, t.minimum] for t in v.stars]}
    return hashlib.sha256(json.dumps(values, sort_keys=True).encode()).hexdigest()[:16]


def _counts_sql(family: str) -> str:
    """SQL of the source tables' row counts as one text ('43000000' or '5000000,20000000')."""
    return " || ',' || ".join(f"(SELECT count(*) FROM {table})::VARCHAR" for table in SOURCES[family])


def is_current(con: duckdb.DuckDBPyConnection, family: str, cfg: config_mod.Config | None = None) -> bool:
    """Whether ``family``'s tables hold what its formulas give for the raw rows and ``cfg``.

    Counting rows is metadata for DuckDB, so this costs about a millisecond.

    Returns
    -------
    True when the stored digest is ``cfg``'s and the source tables have the row counts the
    family was last refreshed at.
    """
    row = con.execute(
        f"SELECT digest = $digest AND source_rows = {_counts_sql(family)} FROM derived_state WHERE family = $family",
        {"digest": digest(family, cfg), "family": family},
    ).fetchall()
    return bool(row and row[0][0])


def _record(con: duckdb.DuckDBPyConnection, family: str, cfg: config_mod.Config) -> None:
    """Mark ``family`` current for ``cfg`` and the present row counts."""
    con.execute("DELETE FROM derived_state WHERE family = ?", [family])
    con.execute(
        f"INSERT INTO derived_state VALUES ($family, $digest, {_counts_sql(family)}, $now)",
        {"family": family, "digest": digest(family, cfg), "now": dt.datetime.now()},
    )


# --- refreshing ---------------------------------------------------------------------------
# Each refresh deletes the derived rows of some keys and inserts them again from the raw rows.
# Keys travel as parallel lists of bound values, unnested into a relation joined on.

VANGUARD_KEYS = "(SELECT unnest($key_quarters::VARCHAR[]) AS quarter, unnest($key_branches::VARCHAR[]) AS branch_id)"
YEAR_KEYS = f"(SELECT DISTINCT CAST(left(quarter, 4) AS INTEGER) AS year, branch_id FROM {VANGUARD_KEYS})"
# Every member who ever belonged to a keyed branch, with the keyed year: whose appraisal a change
# of the keyed quarters can move (a member who moved is appraised by another branch).
YEAR_MEMBERS = f"(SELECT DISTINCT k.year, h.member_id FROM {YEAR_KEYS} k JOIN member_quarter_branch h USING (branch_id))"
MONTH_KEYS = "(SELECT unnest($key_months::DATE[]) AS month, unnest($key_units::VARCHAR[]) AS unit_id)"
# The quarters of those months, for the attendance counted per quarter.
QUARTER_KEYS = f"(SELECT DISTINCT date_trunc('quarter', month)::DATE AS quarter_start, unit_id FROM {MONTH_KEYS})"


def refresh_vanguard(con: duckdb.DuckDBPyConnection, cfg: config_mod.Config, pairs: list[tuple[str, str]]) -> None:
    """Recompute the vanguard family for (quarter, branch_id) ``pairs`` (and those branches' years)."""
    if not pairs:
        return
    keys = {"key_quarters": [q for q, _ in pairs], "key_branches": [b for _, b in pairs]}
    # The quarters and the members of the branches first (whoever belonged to them at any time):
    # scores are stored by quarter and member, so DuckDB skips the row groups of other quarters
    # and members before matching each score to the member's branch of its quarter (five times
    # less work for a few hundred branches of a province).
    in_keys = (f"s.quarter IN (SELECT quarter FROM {VANGUARD_KEYS}) "
               f"AND s.member_id IN (SELECT member_id FROM member_quarter_branch "
               f"WHERE branch_id IN (SELECT branch_id FROM {VANGUARD_KEYS})) "
               f"AND EXISTS (SELECT 1 FROM {VANGUARD_KEYS} k WHERE k.quarter = s.quarter AND k.branch_id = m.branch_id)")
    for table in ("member_quarter_index", "branch_quarter_dimension"):
        con.execute(f"DELETE FROM {table} t USING {VANGUARD_KEYS} k "
                    "WHERE t.quarter = k.quarter AND t.branch_id = k.branch_id", keys)
    con.execute(f"INSERT INTO member_quarter_index BY NAME ({member_index_sql(in_keys)})", keys | index_params(cfg))
    con.execute(f"INSERT INTO branch_quarter_dimension BY NAME ({dimension_sums_sql(in_keys)})", keys)
    con.execute(f"DELETE FROM member_year_index t USING {YEAR_KEYS} k "
                "WHERE t.year = k.year AND t.branch_id = k.branch_id", keys)
    con.execute(f"DELETE FROM member_year_index t USING {YEAR_MEMBERS} k "
                "WHERE t.year = k.year AND t.member_id = k.member_id", keys)
    index = (f"SELECT i.* FROM member_quarter_index i JOIN {YEAR_MEMBERS} k "
             "ON CAST(left(i.quarter, 4) AS INTEGER) = k.year AND i.member_id = k.member_id")
    con.execute(f"INSERT INTO member_year_index BY NAME ({appraisal_sql(index)})", keys | appraisal_params(cfg))


def refresh_assessment(con: duckdb.DuckDBPyConnection, quarters: list[str]) -> None:
    """Recompute branch_quarter_total from the earliest of ``quarters`` on (later ranks and runs
    depend on it)."""
    if not quarters:
        return
    since = {"since": min(quarters)}
    con.execute("DELETE FROM branch_quarter_total WHERE quarter >= $since", since)
    con.execute(f"INSERT INTO branch_quarter_total BY NAME (SELECT * FROM ({BRANCH_TOTAL_SQL}) WHERE quarter >= $since)",
                since)


def refresh_surveys(con: duckdb.DuckDBPyConnection, survey_ids: list[int]) -> None:
    """Recompute survey_answer_check for ``survey_ids``."""
    if not survey_ids:
        return
    keys = {"surveys": list(survey_ids)}
    con.execute("DELETE FROM survey_answer_check WHERE list_contains($surveys, survey_id)", keys)
    con.execute(f"INSERT INTO survey_answer_check BY NAME ({answer_checks_sql('list_contains($surveys, a.survey_id)')})",
                keys)


def refresh_meetings(con: duckdb.DuckDBPyConnection, pairs: list[tuple[dt.date, str]], *, members: bool = True) -> None:
    """Recompute branch_month_activity for (month, unit_id) ``pairs``, the attendance tables
    for those months' quarters and units, and (``members``) the quarters of the members
    recorded in them (a rebuild fills those once at its end: year by year, each year would
    recompute the members of every year before it)."""
    if not pairs:
        return
    keys = {"key_months": [m for m, _ in pairs], "key_units": [u for _, u in pairs]}
    con.execute(f"DELETE FROM branch_month_activity t USING {MONTH_KEYS} k "
                "WHERE t.month = k.month AND t.unit_id = k.unit_id", keys)
    where = (f"EXISTS (SELECT 1 FROM {MONTH_KEYS} k "
             "WHERE k.month = date_trunc('month', a.held_on)::DATE AND k.unit_id = a.unit_id)")
    con.execute(f"INSERT INTO branch_month_activity BY NAME ({month_activity_sql(where)})", keys)
    # The keyed activities by id: DuckDB then joins a handful of activities to the attendance
    # records (0.02 s for a campus's quarter at 300x) where a condition on the activity's quarter
    # and unit took 2.5 s.
    in_quarters = (f"a.activity_id IN (SELECT k_a.activity_id FROM activity k_a JOIN {QUARTER_KEYS} k "
                   "ON k.quarter_start = date_trunc('quarter', k_a.held_on)::DATE AND k.unit_id = k_a.unit_id)")
    # The members whose quarters of a type the keys can change: those with records in them
    # before the write and after it.
    keyed_members = (f"SELECT DISTINCT q.activity_type, q.member_id FROM member_quarter_attendance q "
                     f"JOIN {QUARTER_KEYS} k ON k.quarter_start = q.quarter_start AND k.unit_id = q.unit_id")
    if members:
        con.execute(f"CREATE OR REPLACE TEMP TABLE refreshed_members AS {keyed_members}", keys)
    for table, (formula, grain) in PERIOD_TABLES.items():
        if grain != "quarter":
            continue
        con.execute(f"DELETE FROM {table} t USING {QUARTER_KEYS} k "
                    "WHERE t.quarter_start = k.quarter_start AND t.unit_id = k.unit_id", keys)
        con.execute(f"INSERT INTO {table} BY NAME ({formula(in_quarters)})", keys)
    if not members:
        return
    con.execute(f"INSERT INTO refreshed_members {keyed_members} EXCEPT SELECT * FROM refreshed_members", keys)
    con.execute("DELETE FROM member_kind_quarters t USING refreshed_members r "
                "WHERE t.activity_type = r.activity_type AND t.member_id = r.member_id")
    con.execute("INSERT INTO member_kind_quarters BY NAME (" + member_quarters_sql(
        "EXISTS (SELECT 1 FROM refreshed_members r WHERE r.activity_type = q.activity_type AND r.member_id = q.member_id)") + ")")
    con.execute("DROP TABLE refreshed_members")


# --- around an import or a rollback -------------------------------------------------------
# The keys a batch touches are read from its own rows and from the rows it replaced, once
# before the write (a rollback deletes both) and once after it (an import creates both).

TOUCHED_SQL = {
    # A transfer touches every quarter from its own on of its members' scores, in every branch of
    # their history (before the write the old branch, after it the new one; a rollback deletes
    # the new rows, so its first look must already name every branch).
    "vanguard": f"""
        SELECT DISTINCT s.quarter, m.branch_id FROM vanguard_score s JOIN {BRANCH_OF_QUARTER} WHERE s.batch_id = $b
        UNION SELECT DISTINCT s.quarter, m.branch_id FROM replaced_vanguard_score s JOIN {BRANCH_OF_QUARTER}
        WHERE s.replaced_by = $b
        UNION SELECT DISTINCT s.quarter, h.branch_id FROM vanguard_score s JOIN member_quarter_branch h USING (member_id)
        JOIN (SELECT member_id, min(effective_on) AS first_on FROM member_transfer WHERE batch_id = $b GROUP BY ALL) t
          USING (member_id)
        WHERE s.quarter >= strftime(t.first_on, '%Y') || 'Q' || quarter(t.first_on)""",
    "assessment": """
        SELECT DISTINCT quarter FROM branch_score WHERE batch_id = $b
        UNION SELECT DISTINCT quarter FROM replaced_branch_score WHERE replaced_by = $b""",
    # An activity batch touches its activities' months; an attendance batch those of the
    # activities whose records it writes or replaces.
    "meetings": """
        SELECT DISTINCT date_trunc('month', held_on)::DATE, unit_id FROM activity WHERE batch_id = $b
        UNION SELECT DISTINCT date_trunc('month', a.held_on)::DATE, a.unit_id FROM activity a
        WHERE a.activity_id IN (SELECT t.activity_id FROM attendance t WHERE t.batch_id = $b
                                UNION SELECT r.activity_id FROM replaced_attendance r WHERE r.replaced_by = $b)""",
    "surveys": "SELECT survey_id FROM survey WHERE batch_id = $b",
}


@dataclass
class Pending:
    """The derived families a write feeds: which were current before it, and the keys it touches."""

    cfg: config_mod.Config
    batch_id: int
    current: dict[str, bool]
    touched: dict[str, set] = field(default_factory=dict)

    def note_touched(self, con: duckdb.DuckDBPyConnection) -> None:
        for family in self.current:
            rows = con.execute(TOUCHED_SQL[family], {"b": self.batch_id}).fetchall()
            self.touched.setdefault(family, set()).update(row if len(row) > 1 else row[0] for row in rows)


def before_write(con: duckdb.DuckDBPyConnection, cfg: config_mod.Config, *, kind: str, batch_id: int) -> Pending:
    """Call inside the transaction of an import (after its batch row) or a rollback, before
    rows are written or deleted; pass the result to :func:`after_write` in the same transaction.

    Returns
    -------
    A ``Pending`` for the families fed by ``kind`` (none for most kinds).
    """
    pending = Pending(cfg, batch_id, {f: is_current(con, f, cfg) for f in FAMILIES_OF_KIND.get(kind, ())})
    pending.note_touched(con)
    return pending


def after_write(con: duckdb.DuckDBPyConnection, pending: Pending) -> None:
    """Bring the families of ``pending`` up to date after the write (same transaction).

    A family that was current is refreshed for the keys the write touched; one that was
    already stale (rows written behind the importer's back, another configuration) is
    recomputed whole, since its other rows cannot be trusted either.
    """
    pending.note_touched(con)
    for family, was_current in pending.current.items():
        if was_current:
            _refresh(con, family, pending.cfg, sorted(pending.touched.get(family, ())))
        else:
            for step in _family_steps(con, family, pending.cfg):
                step.run(con)
        _record(con, family, pending.cfg)


def _refresh(con, family: str, cfg: config_mod.Config, keys: list) -> None:
    if family == "vanguard":
        refresh_vanguard(con, cfg, keys)
    elif family == "assessment":
        refresh_assessment(con, keys)
    elif family == "surveys":
        refresh_surveys(con, keys)
    else:
        refresh_meetings(con, keys)


# --- rebuilding ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """One unit of a rebuild, small enough for one transaction; ``text`` says what it does (Chinese)."""

    text: str
    run: Callable[[duckdb.DuckDBPyConnection], None]


FAMILY_LABELS = {"vanguard": "党员先锋指数", "assessment": "支部考核", "meetings": "支部活动", "surveys": "问卷答案检查"}


def stale_families(con: duckdb.DuckDBPyConnection, cfg: config_mod.Config) -> list[str]:
    """The families whose tables do not match the raw rows and ``cfg``.

    Returns
    -------
    Family names, in ``SOURCES`` order.
    """
    return [family for family in SOURCES if not is_current(con, family, cfg)]


def rebuild_steps(con: duckdb.DuckDBPyConnection, cfg: config_mod.Config) -> Iterator[Step]:
    """The steps that rebuild every stale family, each to run in a transaction of its own.

    A family is first marked stale (so a reader never trusts it half-built), then recomputed
    quarter by quarter (or month by month), then marked current.
    """
    for family in stale_families(con, cfg):
        yield Step(f"正在重新计算{FAMILY_LABELS[family]}", lambda c, f=family: c.execute(
            "DELETE FROM derived_state WHERE family = ?", [f]))
        yield from _family_steps(con, family, cfg)
        yield Step(f"{FAMILY_LABELS[family]}已更新", lambda c, f=family: _record(c, f, cfg))


def _family_steps(con: duckdb.DuckDBPyConnection, family: str, cfg: config_mod.Config) -> Iterator[Step]:
    """Empty the family's tables, then recompute them in parts (quarters, or years of months)."""
    label = FAMILY_LABELS[family]
    if family == "vanguard":
        yield Step(label, lambda c: [c.execute(f"DELETE FROM {t}") for t in
                                     ("member_quarter_index", "member_year_index", "branch_quarter_dimension")])
        branches = [r[0] for r in con.execute("SELECT unit_id FROM org_unit WHERE level = 'branch'").fetchall()]
        quarters = [r[0] for r in con.execute("SELECT DISTINCT quarter FROM vanguard_score ORDER BY 1").fetchall()]
        # Whole years at a time, so that every annual appraisal sees its four quarters.
        for year in sorted({q[:4] for q in quarters}):
            pairs = [(q, b) for q in quarters if q.startswith(year) for b in branches]
            yield Step(f"{label}：{year}年", lambda c, p=pairs: refresh_vanguard(c, cfg, p))
    elif family == "assessment":
        yield Step(label, lambda c: c.execute("DELETE FROM branch_quarter_total"))
        first = con.execute("SELECT min(quarter) FROM branch_score").fetchall()[0][0]
        if first is not None:
            yield Step(label, lambda c: refresh_assessment(c, [first]))
    elif family == "surveys":
        yield Step(label, lambda c: c.execute("DELETE FROM survey_answer_check"))
        for (survey_id,) in con.execute("SELECT survey_id FROM survey ORDER BY 1").fetchall():
            yield Step(f"{label}：问卷 {survey_id}", lambda c, s=survey_id: refresh_surveys(c, [s]))
    else:
        yield Step(label, lambda c: [c.execute(f"DELETE FROM {t}") for t in (*PERIOD_TABLES, "member_kind_quarters")])
        owners = [r[0] for r in con.execute("SELECT DISTINCT unit_id FROM activity").fetchall()]
        months = [r[0] for r in con.execute(
            "SELECT DISTINCT date_trunc('month', held_on)::DATE FROM activity ORDER BY 1").fetchall()]
        for year in sorted({m.year for m in months}):
            pairs = [(m, u) for m in months if m.year == year for u in owners]
            yield Step(f"{label}：{year}年", lambda c, p=pairs: refresh_meetings(c, p, members=False))
        yield Step(f"{label}：党员参加的季度", lambda c: c.execute(
            f"INSERT INTO member_kind_quarters BY NAME ({member_quarters_sql('TRUE')})"))
