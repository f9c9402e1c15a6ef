"""三会一课: whether branches hold their meetings as often as the rules require, and attendance.

The rules come from the configuration (``cfg.meeting_rules``: 支部党员大会 and 党课 at least
once a quarter, 支委会 and 党小组会 at least once a month by default). Every function here
compares the meetings recorded in ``activity`` with those rules, per branch and per period of
the rule's grain (month or quarter) inside the selected quarter range.

Observation window
------------------
A period only counts (``observed``) when the records can tell whether a meeting was held in
it. A period of a branch is observed when all of these hold:

1. it starts on or after the first day of the month of the first activity recorded in the
   database (any branch, any type): before that, nothing was being recorded;
2. it starts on or after the branch's founding date (``org_unit.founded_on``, when known);
3. it has ended: its last day is on or before ``as_of`` (today by default) and on or before
   the end of the month of the last activity recorded up to ``as_of`` (the data's end);
4. the hospital recorded at least one activity of any type, in any branch, during it: a
   month or quarter with no records at all is a gap in the data, not a hospital-wide failure.

An unobserved period is neither required nor missing; it keeps a status that says why
(未成立, 进行中, 无数据). Meetings held in a period that is not yet over still show as 达标 in
the grid, but they do not count until the period ends, so a half-finished period never flatters
the rate. The window is computed over the whole database, independent of the unit filter, so
narrowing the view never changes a branch's figures.

Access
------
Per-branch results (the grid, rates, gaps, attendance per branch, one branch's calendar) are
for the committee and secretaries; researchers get the hospital totals of ``hospital_summary``
only (``scope.require_branch_detail`` / ``check_unit``). An attendance aggregate covering
fewer than ``cfg.survey.min_cell`` members is suppressed (its counts and rates are NULL,
``suppressed`` is true) unless the viewer may see the member-level rows of every branch it
covers: a one-member branch's rate is that member's record. Member-level rows
(``member_attendance``) are limited in SQL to the branches of ``scope.member_branch_ids``;
researchers get none.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd

from analysis import config as config_mod
from analysis import derived, periods
from analysis.db import fetch_frame
from analysis.metrics.org import unit_filter
from analysis.scope import (
    Scope,
    check_unit,
    member_branch_ids,
    member_visibility,
    require_branch_detail,
    sees_members_of,
    visible_params,
)
from analysis.stats import wilson_interval

STATUSES = ("达标", "缺漏", "进行中", "无数据", "未成立")
"""Status of a branch's period, in display order.

达标: held at least as often as required. 缺漏: observed and held less often. 进行中: the
period has not ended by ``as_of``. 无数据: outside the data (before the first record, after the
last, or a period in which the hospital recorded nothing). 未成立: before the branch's founding.
"""

ATTENDANCE_STATUSES = ("出席", "请假", "缺席")


@dataclass(frozen=True)
class Window:
    """The data's observation window (see the module notes); both NULL with no activity."""

    first_day: dt.date | None
    last_day: dt.date | None


@dataclass(frozen=True)
class MeetingSummary:
    """三会一课 for the whole selected unit and period.

    ``by_kind`` has one row per configured meeting kind; the attributes total them.
    """

    by_kind: pd.DataFrame
    window: Window
    as_of: dt.date
    branches: int
    required: int
    counted: int
    missing: int
    branches_with_gaps: int
    attendance_n: int
    members: int
    present: int | None
    leave: int | None
    absent: int | None

    @property
    def rate(self) -> float | None:
        """Compliance in percent over every observed period of every kind (None when none)."""
        return 100 * self.counted / self.required if self.required else None

    @property
    def attendance_rate(self) -> float | None:
        """出席 / (出席 + 请假 + 缺席) in percent (None when suppressed or without records)."""
        return 100 * self.present / self.attendance_n if self.attendance_n and self.present is not None else None

    @property
    def leave_rate(self) -> float | None:
        return 100 * self.leave / self.attendance_n if self.attendance_n and self.leave is not None else None


# --------------------------------------------------------------------------- parameters


def _rules(cfg: config_mod.Config, kind: str | None) -> list[config_mod.MeetingRule]:
    rules = list(cfg.meeting_rules)
    # ``_rates_sql`` counts an observed period without meetings as short; ``config.load``
    # refuses such a rule, a configuration built in code is checked here.
    for rule in rules:
        if rule.times < 1:
            raise ValueError(f"meeting rule {rule.kind!r} must ask for at least one meeting, not {rule.times}")
    if kind is not None:
        rules = [r for r in rules if r.kind == kind]
        if not rules:
            known = "、".join(r.kind for r in cfg.meeting_rules)
            raise ValueError(f"unknown meeting kind {kind!r}; configured kinds: {known}")
    return rules


def _params(
    cfg: config_mod.Config, kind: str | None, first: str, last: str, unit: str | None, as_of: dt.date | None
) -> dict:
    periods.quarter_range(first, last)  # validates the order
    rules = _rules(cfg, kind)
    return {
        "kinds": [r.kind for r in rules],
        "times": [r.times for r in rules],
        "grains": [r.per for r in rules],
        "kind_orders": [[r.kind for r in cfg.meeting_rules].index(r.kind) for r in rules],
        "start": periods.bounds(first)[0],
        "end": periods.bounds(last)[1],
        "unit": unit,
        "as_of": as_of or dt.date.today(),
        "branches": None,
    }


def _run(con: duckdb.DuckDBPyConnection, sql: str, params: dict) -> pd.DataFrame:
    """The rows of ``sql`` with the subset of ``params`` it names (DuckDB refuses unused names)."""
    used = set(re.findall(r"\$([A-Za-z_]\w*)", sql))
    return fetch_frame(con, sql, {k: v for k, v in params.items() if k in used})


def _wilson(count: pd.Series, n: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """95% Wilson score interval for count/n, in percent; NaN where n is 0 or missing."""
    low, high = wilson_interval(pd.to_numeric(count, errors="coerce"), pd.to_numeric(n, errors="coerce"))
    return 100 * low, 100 * high


# --------------------------------------------------------------------------- SQL

WINDOW_SQL = """
SELECT date_trunc('month', min(held_on))::DATE AS first_day,
       -- least() skips NULLs: without any activity the window must stay empty
       CASE WHEN max(held_on) IS NOT NULL THEN least(last_day(max(held_on)), $as_of::DATE) END AS last_day
FROM activity
WHERE held_on <= $as_of::DATE
"""

# The configured rules asked for ($kinds): how many meetings per month or quarter, and the
# kind's place in the configuration (the display order).
RULES_SQL = """
SELECT unnest($kinds::VARCHAR[]) AS kind, unnest($times::INTEGER[]) AS times,
       unnest($grains::VARCHAR[]) AS grain, unnest($kind_orders::INTEGER[]) AS kind_order
"""


# $branches: None for every branch under $unit, or a list of some of them.
ONLY_BRANCHES = "($branches::VARCHAR[] IS NULL OR list_contains($branches::VARCHAR[], {column}))"


def _held_ctes(months: str, *, with_dates: bool = False) -> str:
    """The CTEs both the grid and the rates start from: ``rules``, ``branches`` (under $unit),
    ``grid`` (every period of each grain in [$start, $end]), ``observable`` (the periods that
    count for a branch founded by then: inside the data's window and with records somewhere in
    the hospital) and ``held`` (meetings per branch, kind and period, from ``months``,
    ``derived.activity_months_sql``). Every identifier is fixed; every value a bound parameter.
    ``dates`` (the days held, joined as text) only ``with_dates``: only the grid shown cell by
    cell needs it, and joining it per quarter was a third of the grid's time at 3,400 branches.
    ``branches`` and ``ruled`` keep the branches of $branches only (``ONLY_BRANCHES``)."""
    dates, quarter_dates = ("m.dates", "string_agg(dates, '、' ORDER BY month)") if with_dates else ("NULL", "NULL")
    return f"""
rules AS ({RULES_SQL}
), branches AS (
    SELECT l.branch_id, l.branch_name, l.general_branch_id, l.general_branch_name, u.founded_on
    FROM branch_lineage l JOIN org_unit u ON u.unit_id = l.branch_id
    WHERE {unit_filter('l.branch_id')} AND {ONLY_BRANCHES.format(column='l.branch_id')}
), grid AS (
    -- the labels once per period, not once per branch and period
    SELECT grain, period_start, period_end,
           CASE grain WHEN 'month' THEN strftime(period_start, '%Y-%m')
                      ELSE year(period_start) || 'Q' || quarter(period_start) END AS period,
           CASE grain WHEN 'month' THEN year(period_start) || '年' || month(period_start) || '月'
                      ELSE year(period_start) || '年第' || quarter(period_start) || '季度' END AS period_label
    FROM (
        SELECT 'month' AS grain, d::DATE AS period_start, (d + INTERVAL 1 MONTH)::DATE - 1 AS period_end
        FROM generate_series($start::DATE, $end::DATE, INTERVAL 1 MONTH) g(d)
        UNION ALL
        SELECT 'quarter', d::DATE, (d + INTERVAL 3 MONTH)::DATE - 1
        FROM generate_series($start::DATE, $end::DATE, INTERVAL 3 MONTH) g(d)
    )
), monthly AS ({months}
), recorded AS (   -- months in which the hospital recorded anything at all
    SELECT DISTINCT month FROM monthly
), data_window AS ({WINDOW_SQL}
), observable AS (
    SELECT g.grain, g.period_start
    FROM grid g CROSS JOIN data_window w
    WHERE g.period_start >= w.first_day AND g.period_end <= w.last_day
      AND EXISTS (SELECT 1 FROM recorded r WHERE r.month BETWEEN g.period_start AND g.period_end)
), ruled AS (
    SELECT m.unit_id AS branch_id, m.activity_type AS kind, r.grain, m.month, m.held, {dates}::VARCHAR AS dates
    FROM monthly m JOIN rules r ON r.kind = m.activity_type
    WHERE {unit_filter('m.unit_id')} AND {ONLY_BRANCHES.format(column='m.unit_id')}
), held AS (
    -- A month is its own period (``monthly`` has one row per month, branch and type): only the
    -- quarterly kinds are grouped. Grouping every monthly row too, with its string_agg, was
    -- most of the grid's time at 3,400 branches.
    SELECT branch_id, kind, month AS period_start, held, dates FROM ruled WHERE grain = 'month'
    UNION ALL
    SELECT branch_id, kind, date_trunc('quarter', month)::DATE, sum(held)::BIGINT, {quarter_dates}
    FROM ruled WHERE grain = 'quarter'
    GROUP BY branch_id, kind, date_trunc('quarter', month)
)"""


def _grid_sql(months: str, *, with_dates: bool = False) -> str:
    """SQL of one row per branch under $unit, configured kind and period of the kind's grain in
    [$start, $end] (see ``_held_ctes``)."""
    return f"""
WITH {_held_ctes(months, with_dates=with_dates)}, cells AS (
    SELECT b.branch_id, b.branch_name, b.general_branch_id, b.general_branch_name, b.founded_on,
           r.kind, r.kind_order, r.grain, r.times AS required, g.period, g.period_label, g.period_start, g.period_end,
           coalesce(h.held, 0) AS held, h.dates,
           o.period_start IS NOT NULL AND (b.founded_on IS NULL OR g.period_start >= b.founded_on) AS observed,
           g.period_end > $as_of::DATE AS open
    FROM branches b
    CROSS JOIN rules r
    JOIN grid g ON g.grain = r.grain
    LEFT JOIN observable o ON o.grain = g.grain AND o.period_start = g.period_start
    LEFT JOIN held h ON h.branch_id = b.branch_id AND h.kind = r.kind AND h.period_start = g.period_start
)
SELECT branch_id, branch_name, general_branch_id, general_branch_name, kind, kind_order, grain,
       period, period_label, period_start, period_end, required, held, dates, observed,
       CASE WHEN held >= required THEN '达标'
            WHEN founded_on IS NOT NULL AND period_start < founded_on THEN '未成立'
            WHEN open THEN '进行中'
            WHEN NOT observed THEN '无数据'
            ELSE '缺漏' END AS status,
       CASE WHEN observed THEN least(held, required) ELSE 0 END AS counted,
       CASE WHEN observed THEN greatest(required - held, 0) ELSE 0 END AS shortfall
FROM cells
"""


def _rates_sql(months: str) -> str:
    """SQL of the compliance of every branch and kind over the range (``compliance_rates``).

    The same sums as over ``_grid_sql``'s cells, without making the cells: a branch's observed
    periods are counted per grain, and only the periods with meetings are joined. (Making
    every cell of 10,200 branches and joining the meetings to them took 90 ms of the 160.)
    Every rule asks for at least one meeting (``config.load`` and ``_rules`` refuse others), so
    an observed period without meetings is always short.
    """
    return f"""
WITH {_held_ctes(months)}, branch_periods AS (
    SELECT b.branch_id, o.grain, count(*) AS periods
    FROM branches b JOIN observable o ON b.founded_on IS NULL OR o.period_start >= b.founded_on
    GROUP BY ALL
), met AS (
    SELECT h.branch_id, h.kind, sum(h.held)::BIGINT AS held, sum(least(h.held, r.times))::BIGINT AS counted,
           count(*) FILTER (WHERE h.held >= r.times) AS met
    FROM held h
    JOIN rules r USING (kind)
    JOIN observable o ON o.grain = r.grain AND o.period_start = h.period_start
    JOIN branches b ON b.branch_id = h.branch_id
    WHERE b.founded_on IS NULL OR h.period_start >= b.founded_on
    GROUP BY ALL
), totals AS (
    SELECT b.branch_id, b.branch_name, b.general_branch_name, r.kind, r.grain, r.times,
           coalesce(p.periods, 0) AS periods, (r.times * coalesce(p.periods, 0))::BIGINT AS required,
           coalesce(m.held, 0)::BIGINT AS held, coalesce(m.counted, 0)::BIGINT AS counted,
           coalesce(p.periods, 0) - coalesce(m.met, 0) AS missing, r.kind_order, b.general_branch_id
    FROM branches b
    CROSS JOIN rules r
    LEFT JOIN branch_periods p ON p.branch_id = b.branch_id AND p.grain = r.grain
    LEFT JOIN met m ON m.branch_id = b.branch_id AND m.kind = r.kind
)
SELECT branch_id, branch_name, general_branch_name, kind, grain, times, periods, required, held, counted, missing,
       required - counted AS shortfall, 100.0 * counted / nullif(required, 0) AS rate, kind_order, general_branch_id
FROM totals
"""

# The 三会一课 of the configured kinds ($kinds) under $unit, of rows with the owner unit_id and
# activity_type of the per-quarter attendance tables (``derived.stored_periods_sql``: meetings
# held in the range and by $as_of).
KIND_AND_UNIT = f"list_contains($kinds::VARCHAR[], q.activity_type) AND {unit_filter('q.unit_id')}"


def _attendance_rows_sql(con: duckdb.DuckDBPyConnection, scope: Scope) -> str:
    """SQL of the attendance at those meetings per branch (the meeting's), kind, member and quarter
    (member_quarter_attendance through ``derived.stored_periods_sql``: about half as many rows
    as the records): every attendance figure is a sum or a distinct count over these rows.
    ``visible``: the viewer may see this branch's members (the committee every branch; anyone
    else those of $visible, joined rather than searched row by row)."""
    visible, join = ("TRUE", "") if scope.sees_every_branch else (
        "v.branch_id IS NOT NULL",
        "LEFT JOIN (SELECT DISTINCT unnest($visible::VARCHAR[]) AS branch_id) v ON v.branch_id = q.unit_id")
    return f"""
SELECT q.unit_id AS branch_id, q.activity_type AS kind, q.member_id, q.n, q.present, q.leave, q.absent,
       {visible} AS visible
FROM ({derived.stored_periods_sql(con, "member_quarter_attendance")}) q
{join}
WHERE {KIND_AND_UNIT}
"""


def _meetings_recorded_sql(con: duckdb.DuckDBPyConnection) -> str:
    """SQL of the meetings with attendance records per branch and kind: a meeting belongs to one
    branch and one kind, so these add up to the meetings of any larger group."""
    return f"""
SELECT q.unit_id AS branch_id, q.activity_type AS kind, sum(q.meetings)::BIGINT AS meetings
FROM ({derived.stored_periods_sql(con, "unit_quarter_meetings")}) q
WHERE {KIND_AND_UNIT}
GROUP BY q.unit_id, q.activity_type
"""

def _attendance_columns(members: str, total: Callable[[str], str], all_visible: str) -> str:
    """The attendance columns of a group: members, n, suppressed, and the counts and rates
    suppression hides (when the group covers fewer than $min_cell members and the viewer may
    not see every branch in it). ``members`` and ``all_visible`` are the group's expressions,
    ``total(column)`` its sum of one of n, present, leave, absent."""
    n, present, leave, absent = (total(column) for column in ("n", "present", "leave", "absent"))
    return f"""
{members} AS members,
{n}::BIGINT AS n,
({members} < $min_cell AND NOT {all_visible}) AS suppressed,
CASE WHEN NOT suppressed THEN {present}::BIGINT END AS present,
CASE WHEN NOT suppressed THEN {leave}::BIGINT END AS leave,
CASE WHEN NOT suppressed THEN {absent}::BIGINT END AS absent,
CASE WHEN NOT suppressed THEN 100.0 * {present} / {n} END AS attendance_rate,
CASE WHEN NOT suppressed THEN 100.0 * {leave} / {n} END AS leave_rate,
CASE WHEN NOT suppressed THEN 100.0 * {absent} / {n} END AS absence_rate
"""


# The attendance columns of one group of ``_attendance_rows_sql`` rows. (The sums are spelt out:
# inside the group, ``present`` and ``n`` name the rows' counts, not these.)
ATTENDANCE_AGGREGATES = _attendance_columns("count(DISTINCT member_id)", "sum({})".format, "bool_and(visible)")

# ``_attendance_summary_sql``'s rows for the whole hospital over complete quarters inside one era
# of member_kind_quarters ($era, the range's quarters as the bits $bits), when only branches own
# meetings of the kinds in the range (``_hospital_quarters``): the sums from
# unit_quarter_attendance and the members from their quarters' bits (migration 013), where the
# rows of every member took 0.3 s to group at a province.
HOSPITAL_ATTENDANCE_SQL = f"""
WITH visible AS (
    SELECT DISTINCT unnest($visible::VARCHAR[]) AS branch_id
), sums AS (
    SELECT q.activity_type AS kind, sum(q.n) AS n, sum(q.present) AS present, sum(q.leave) AS leave,
           sum(q.absent) AS absent, bool_and(v.branch_id IS NOT NULL) AS all_visible
    FROM unit_quarter_attendance q LEFT JOIN visible v ON v.branch_id = q.unit_id
    WHERE q.quarter_start BETWEEN $start::DATE AND $end::DATE AND list_contains($kinds::VARCHAR[], q.activity_type)
    GROUP BY GROUPING SETS ((q.activity_type), ())
), attended AS (
    SELECT activity_type, member_id FROM member_kind_quarters
    WHERE era = $era AND quarters & $bits::UBIGINT != 0 AND list_contains($kinds::VARCHAR[], activity_type)
), members AS (
    SELECT activity_type AS kind, count(*) AS members FROM attended GROUP BY activity_type
    UNION ALL
    SELECT NULL, count(DISTINCT member_id) FROM attended
)
SELECT s.kind, {_attendance_columns("coalesce(m.members, 0)", "s.{}".format, "s.all_visible")}
FROM sums s LEFT JOIN members m ON m.kind IS NOT DISTINCT FROM s.kind
"""

# Records of the kinds in the range at meetings a 党总支 or the 党委 ran: the attendance of
# 三会一课 counts the branches' meetings only, and member_kind_quarters holds every owner's.
OTHER_OWNERS_SQL = """
SELECT count(*) FROM unit_quarter_attendance q
WHERE q.quarter_start BETWEEN $start::DATE AND $end::DATE AND list_contains($kinds::VARCHAR[], q.activity_type)
  AND q.unit_id NOT IN (SELECT branch_id FROM branch_lineage)
"""


def _hospital_quarters(con: duckdb.DuckDBPyConnection, params: dict) -> dict | None:
    """$era and $bits of ``HOSPITAL_ATTENDANCE_SQL`` for the range of ``params``, or None when
    that SQL cannot answer: the meetings family is stale, a unit is chosen, the range ends after
    $as_of (its last quarter is counted from the activities), it spans two eras, or a 党总支 or
    the 党委 ran meetings of the kinds with records in it."""
    first, last = derived.quarter_number(params["start"]), derived.quarter_number(params["end"])
    era = first // derived.QUARTERS_PER_ERA
    if (params["unit"] is not None or params["end"] > params["as_of"] or last // derived.QUARTERS_PER_ERA != era
            or not derived.is_current(con, "meetings")
            or _run(con, OTHER_OWNERS_SQL, params).iloc[0, 0]):
        return None
    return {"era": era, "bits": ((1 << (last - first + 1)) - 1) << (first % derived.QUARTERS_PER_ERA)}


# --------------------------------------------------------------------------- functions


def observation_window(con: duckdb.DuckDBPyConnection, *, scope: Scope, as_of: dt.date | None = None) -> Window:
    """The data's window: first day of the first recorded month to the data's end.

    Returns a ``Window`` with ``first_day`` (first day of the month of the earliest activity)
    and ``last_day`` (the end of the month of the latest activity on or before ``as_of``,
    capped at ``as_of``, today by default). Both are None for a database without activities.
    """
    row = con.execute(WINDOW_SQL, {"as_of": as_of or dt.date.today()}).fetchone()
    return Window(*row)


def meeting_compliance(
    con: duckdb.DuckDBPyConnection,
    *,
    scope: Scope,
    first: str,
    last: str,
    unit: str | None = None,
    kind: str | None = None,
    as_of: dt.date | None = None,
    branches: tuple[str, ...] | None = None,
    cfg: config_mod.Config | None = None,
) -> pd.DataFrame:
    """Required vs held for every branch, meeting kind and period (not for researchers).

    Parameters
    ----------
    first, last : quarters 'YYYYQn'; the periods are every month (or quarter, by the kind's
        rule) from the start of ``first`` to the end of ``last``.
    unit : a branch id, a general branch id, or None for the whole hospital.
    kind : one configured meeting kind (e.g. '支委会'), or None for all.
    branches : only these branch ids under ``unit`` (a chart's window of a province's
        branches: the grid of all 10,200 is 122,400 rows a kind), or None for all.
    as_of : the day the data is judged on (today by default); periods ending after it are
        进行中, meetings dated after it are ignored.

    Returns
    -------
    One row per branch × kind × period, ordered by general branch, branch, kind (config
    order), period: branch_id, branch_name, general_branch_id, general_branch_name, kind,
    grain ('month' | 'quarter'), period ('2024-03' or '2024Q1'), period_label ('2024年3月',
    '2024年第1季度'), period_start, period_end, required (meetings the rule asks for in the
    period), held (meetings recorded), dates (days held, '3月5日、3月19日'; NULL if none),
    observed (the period counts, see the module notes), status (one of ``STATUSES``),
    counted (min(held, required) when observed, else 0), shortfall (required - held when
    observed and short, else 0).

    Notes
    -----
    A branch's compliance rate is Σ counted / Σ required over its observed periods; extra
    meetings in one period do not make up for a missing one in another.
    """
    require_branch_detail(scope)
    cfg = cfg or config_mod.load()
    frame = _run(
        con,
        f"SELECT * FROM ({_grid_sql(derived.activity_months_sql(con), with_dates=True)}) "
        "ORDER BY general_branch_id NULLS LAST, branch_id, kind_order, period_start",
        _params(cfg, kind, first, last, unit, as_of) | {"branches": None if branches is None else list(branches)},
    )
    return frame.drop(columns="kind_order")


def missing_meetings(
    con: duckdb.DuckDBPyConnection,
    *,
    scope: Scope,
    first: str,
    last: str,
    unit: str | None = None,
    kind: str | None = None,
    as_of: dt.date | None = None,
    cfg: config_mod.Config | None = None,
) -> pd.DataFrame:
    """Every observed period in which a branch held fewer meetings of a kind than required.

    Parameters are those of ``meeting_compliance``.

    Returns
    -------
    branch_id, branch_name, general_branch_name, kind, period, period_label, period_start,
    period_end, required, held, shortfall (required - held), ordered by branch, kind (config
    order) and period. Periods that are not observed (进行中, 无数据, 未成立) are never listed.
    """
    require_branch_detail(scope)
    cfg = cfg or config_mod.load()
    return _run(
        con,
        f"""
        SELECT branch_id, branch_name, general_branch_name, kind, period, period_label, period_start,
               period_end, required, held, shortfall
        FROM ({_grid_sql(derived.activity_months_sql(con))})
        WHERE shortfall > 0
        ORDER BY general_branch_id NULLS LAST, branch_id, kind_order, period_start
        """,
        _params(cfg, kind, first, last, unit, as_of),
    )


def compliance_rates(
    con: duckdb.DuckDBPyConnection,
    *,
    scope: Scope,
    first: str,
    last: str,
    unit: str | None = None,
    kind: str | None = None,
    as_of: dt.date | None = None,
    cfg: config_mod.Config | None = None,
) -> pd.DataFrame:
    """Compliance rate per branch and meeting kind over the selected range (not for researchers).

    Parameters are those of ``meeting_compliance``.

    Returns
    -------
    One row per branch × kind, ordered by kind (config order), rate ascending (weakest
    first; NULL last), branch id: branch_id, branch_name, general_branch_name, kind, grain,
    times (meetings required per period), periods (observed periods), required (Σ required
    over them; the rate's n), held (Σ held in them, extra meetings included), counted
    (Σ min(held, required)), missing (observed periods short of the rule), shortfall
    (meetings missing in total), rate (percent; NULL without observed periods), ci_low,
    ci_high (95% Wilson interval of the rate, percent).

    Notes
    -----
    rate = 100 · Σ counted / Σ required. The interval treats each required meeting as an
    independent trial, which it is not quite; read it as a guide to how much n supports the rate.
    """
    require_branch_detail(scope)
    cfg = cfg or config_mod.load()
    frame = _run(
        con,
        f"SELECT * FROM ({_rates_sql(derived.activity_months_sql(con))}) "
        "ORDER BY kind_order, rate ASC NULLS LAST, general_branch_id NULLS LAST, branch_id",
        _params(cfg, kind, first, last, unit, as_of),
    )
    frame["ci_low"], frame["ci_high"] = _wilson(frame["counted"], frame["required"])
    return frame.drop(columns=["kind_order", "general_branch_id"]).reset_index(drop=True)


def attendance_rates(
    con: duckdb.DuckDBPyConnection,
    *,
    scope: Scope,
    first: str,
    last: str,
    unit: str | None = None,
    kind: str | None = None,
    as_of: dt.date | None = None,
    cfg: config_mod.Config | None = None,
) -> pd.DataFrame:
    """Member attendance at 三会一课 per branch and meeting kind (aggregate; not for researchers).

    Parameters are those of ``meeting_compliance``; only meetings held in the range and by
    ``as_of`` count.

    Returns
    -------
    One row per branch × kind with attendance records, ordered by kind (config order),
    attendance rate ascending, branch id: branch_id, branch_name, general_branch_name, kind,
    meetings (meetings with records), members (distinct members recorded), n (records:
    出席 + 请假 + 缺席), suppressed (fewer than ``cfg.survey.min_cell`` members and the viewer
    may not see this branch's members: the counts and rates below are then NULL), present
    (出席), leave (请假), absent (缺席), attendance_rate, leave_rate, absence_rate (percent of
    n), ci_low, ci_high (95% Wilson interval of attendance_rate).

    Notes
    -----
    attendance_rate = 100 · 出席 / (出席 + 请假 + 缺席): leave counts as not attending, and is
    shown separately so an excused absence can be told apart from an unexcused one.
    """
    require_branch_detail(scope)
    cfg = cfg or config_mod.load()
    params = _params(cfg, kind, first, last, unit, as_of) | visible_params(con, scope) | {
        "min_cell": cfg.survey.min_cell,
    }
    frame = _run(
        con,
        f"""
        WITH attendance_rows AS ({_attendance_rows_sql(con, scope)}), kinds AS ({RULES_SQL}), grouped AS (
            SELECT branch_id, kind, {ATTENDANCE_AGGREGATES}
            FROM attendance_rows GROUP BY branch_id, kind
        )
        SELECT g.branch_id, l.branch_name, l.general_branch_name, g.kind, r.meetings, g.* EXCLUDE (branch_id, kind)
        FROM grouped g JOIN ({_meetings_recorded_sql(con)}) r USING (branch_id, kind)
        JOIN branch_lineage l USING (branch_id) JOIN kinds k USING (kind)
        ORDER BY k.kind_order, g.attendance_rate ASC NULLS LAST, g.branch_id
        """,
        params,
    )
    frame["ci_low"], frame["ci_high"] = _wilson(frame["present"], frame["n"])
    return frame


def member_attendance(
    con: duckdb.DuckDBPyConnection,
    *,
    scope: Scope,
    first: str,
    last: str,
    unit: str | None = None,
    kind: str | None = None,
    as_of: dt.date | None = None,
    cfg: config_mod.Config | None = None,
) -> pd.DataFrame:
    """Each member's attendance at 三会一课, only for branches whose members the viewer may see.

    Parameters are those of ``meeting_compliance``. The scope is applied in SQL: committee
    members see every branch, a secretary their branch (or their general branch's
    branches), researchers nothing (an empty frame with these columns).

    Returns
    -------
    One row per member × branch × kind with records, ordered by branch, attendance rate
    ascending, member id, kind: branch_id, branch_name, member_id, name, party_role, kind, n
    (records), present, leave, absent, attendance_rate, leave_rate (percent of n). The branch
    is the meeting's branch, so a member who moved appears under each branch they attended;
    whether the viewer sees the member goes by the member's current branch (as for
    ``vanguard.member_index``).
    """
    cfg = cfg or config_mod.load()
    visible, visibility = member_visibility(con, scope, "m.branch_id")
    params = _params(cfg, kind, first, last, unit, as_of) | visibility
    return _run(
        con,
        f"""
        WITH member_counts AS (
            SELECT branch_id, kind, member_id, sum(n)::BIGINT AS n, sum(present)::BIGINT AS present,
                   sum(leave)::BIGINT AS leave, sum(absent)::BIGINT AS absent
            FROM ({_attendance_rows_sql(con, scope)}) GROUP BY branch_id, kind, member_id
        ), kinds AS ({RULES_SQL})
        SELECT c.branch_id, l.branch_name, c.member_id, m.name, m.party_role, c.kind, c.n, c.present, c.leave,
               c.absent, 100.0 * c.present / c.n AS attendance_rate, 100.0 * c.leave / c.n AS leave_rate
        FROM member_counts c
        JOIN member m USING (member_id)
        JOIN branch_lineage l ON l.branch_id = c.branch_id
        JOIN kinds k USING (kind)
        WHERE {visible}
        ORDER BY c.branch_id, attendance_rate, c.member_id, k.kind_order
        """,
        params,
    )


def _require_branch(con: duckdb.DuckDBPyConnection, branch: str) -> None:
    # org_unit alone: the importer gives every branch a parent, so this is branch_lineage's test
    # without its join (0.4 against 0.75 ms a call at 100x).
    found = con.execute("SELECT count(*) FROM org_unit WHERE unit_id = $b AND level = 'branch'",
                        {"b": branch}).fetchone()[0]
    if not found:
        raise ValueError(f"not a branch: {branch!r}")


def branch_calendar(
    con: duckdb.DuckDBPyConnection,
    *,
    scope: Scope,
    branch: str,
    first: str,
    last: str,
    as_of: dt.date | None = None,
    cfg: config_mod.Config | None = None,
) -> pd.DataFrame:
    """One branch's 三会一课 as a calendar: every month of the range × every meeting kind.

    A quarterly kind's status (of its quarter) is repeated in each of the quarter's months,
    so a row of the calendar reads left to right; the days held are given in the month they
    fell in. Raises ValueError when ``branch`` is not a branch id.

    Returns
    -------
    One row per month × kind, ordered by kind (config order) and month: month (first day),
    month_label ('2024年3月'), kind, grain, period, period_label (the rule's period containing
    the month), status (of that period, one of ``STATUSES``), observed, required, held
    (meetings in the period), held_in_month, days (days held in the month, '5日、19日'; NULL
    if none).
    """
    require_branch_detail(scope)
    cfg = cfg or config_mod.load()
    _require_branch(con, branch)
    params = _params(cfg, None, first, last, branch, as_of)
    activity_months = derived.activity_months_sql(con)
    return _run(
        con,
        f"""
        WITH cells AS ({_grid_sql(activity_months)}), months AS (
            SELECT d::DATE AS month FROM generate_series($start::DATE, $end::DATE, INTERVAL 1 MONTH) g(d)
        ), per_month AS (
            SELECT activity_type AS kind, month, held AS held_in_month, days
            FROM ({activity_months}) WHERE unit_id = $unit
        )
        SELECT m.month, year(m.month) || '年' || month(m.month) || '月' AS month_label,
               c.kind, c.grain, c.period, c.period_label, c.status, c.observed, c.required, c.held,
               coalesce(p.held_in_month, 0) AS held_in_month, p.days
        FROM cells c
        JOIN months m ON m.month BETWEEN c.period_start AND c.period_end
        LEFT JOIN per_month p ON p.kind = c.kind AND p.month = m.month
        ORDER BY c.kind_order, m.month
        """,
        params,
    )


def branch_meetings(
    con: duckdb.DuckDBPyConnection,
    *,
    scope: Scope,
    branch: str,
    first: str,
    last: str,
    as_of: dt.date | None = None,
    cfg: config_mod.Config | None = None,
) -> pd.DataFrame:
    """One branch's 三会一课 meetings in the range, with attendance counts per meeting.

    Raises ValueError when ``branch`` is not a branch id. Attendance counts are aggregates;
    they are suppressed like ``attendance_rates`` when the branch has fewer than
    ``cfg.survey.min_cell`` members recorded and the viewer may not see its members.

    Returns
    -------
    One row per meeting, ordered by date: held_on, kind, title, activity_id, n (attendance
    records), suppressed, present, leave, absent, attendance_rate (percent of n; NULL
    without records or when suppressed).
    """
    require_branch_detail(scope)
    cfg = cfg or config_mod.load()
    _require_branch(con, branch)
    params = _params(cfg, None, first, last, branch, as_of) | {
        "sees_members": sees_members_of(con, scope, branch), "min_cell": cfg.survey.min_cell,
    }
    return _run(
        con,
        f"""
        WITH meetings AS (
            SELECT activity_id, held_on, activity_type AS kind, title FROM activity
            WHERE unit_id = $unit AND list_contains($kinds::VARCHAR[], activity_type)
              AND held_on BETWEEN $start::DATE AND least($end::DATE, $as_of::DATE)
        ), records AS (
            -- read once for both uses below (a CTE used twice is materialised)
            SELECT activity_id, member_id, status FROM meetings JOIN attendance USING (activity_id)
        ), counts AS (
            SELECT activity_id, {derived.ATTENDANCE_COUNTS} FROM records GROUP BY activity_id
        ), flags AS (
            SELECT count(DISTINCT member_id) < $min_cell AND NOT $sees_members AS suppressed FROM records
        )
        SELECT m.held_on, m.kind, m.title, m.activity_id, coalesce(c.n, 0) AS n, f.suppressed,
               CASE WHEN NOT f.suppressed THEN c.present END AS present,
               CASE WHEN NOT f.suppressed THEN c.leave END AS leave,
               CASE WHEN NOT f.suppressed THEN c.absent END AS absent,
               CASE WHEN NOT f.suppressed THEN 100.0 * c.present / c.n END AS attendance_rate
        FROM meetings m LEFT JOIN counts c USING (activity_id) CROSS JOIN flags f
        ORDER BY m.held_on, m.activity_id
        """,
        params,
    )


# 三会一课 under $unit per configured kind and (kind NULL) for all kinds together: compliance
# summed from the branches' rates and the observation window on every row. The attendance
# figures are a statement of their own (``_attendance_summary_sql`` or, for the whole hospital,
# ``HOSPITAL_ATTENDANCE_SQL``): inside this one, DuckDB probed all 19M attendance records of a
# province against the year's meetings without the filter it builds for the statement alone
# (2.0 s instead of 0.4 s).
def _summary_sql(months: str) -> str:
    """SQL of ``hospital_summary``'s compliance rows (see the comment above)."""
    return f"""
WITH rates AS ({_rates_sql(months)}), kinds AS ({RULES_SQL}), compliance AS (
    SELECT kind,
           count(DISTINCT branch_id) FILTER (WHERE periods > 0) AS branches,
           sum(required)::BIGINT AS required,
           sum(counted)::BIGINT AS counted,
           sum(missing)::BIGINT AS missing,
           sum(shortfall)::BIGINT AS shortfall,
           count(DISTINCT branch_id) FILTER (WHERE missing > 0) AS branches_with_gaps
    FROM rates GROUP BY GROUPING SETS ((kind), ())
), rows AS (
    SELECT kind, grain, times, kind_order FROM kinds UNION ALL SELECT NULL, NULL, NULL, NULL
), data_window AS ({WINDOW_SQL})
SELECT k.kind, k.grain, k.times, w.first_day AS window_first, w.last_day AS window_last,
       coalesce(c.branches, 0) AS branches, coalesce(c.required, 0) AS required,
       coalesce(c.counted, 0) AS counted,
       100.0 * c.counted / nullif(c.required, 0) AS rate,
       coalesce(c.missing, 0) AS missing, coalesce(c.shortfall, 0) AS shortfall,
       coalesce(c.branches_with_gaps, 0) AS branches_with_gaps
FROM rows k
CROSS JOIN data_window w
LEFT JOIN compliance c ON c.kind IS NOT DISTINCT FROM k.kind
ORDER BY k.kind_order NULLS LAST
"""


def _attendance_summary_sql(con: duckdb.DuckDBPyConnection, scope: Scope) -> str:
    """SQL of the attendance per kind and (kind NULL) for all kinds together, suppressed as
    ATTENDANCE_AGGREGATES says."""
    return f"""
WITH attendance_rows AS ({_attendance_rows_sql(con, scope)})
SELECT kind, {ATTENDANCE_AGGREGATES}
FROM attendance_rows GROUP BY GROUPING SETS ((kind), ())
"""


def _with_attendance(compliance: pd.DataFrame, attendance: pd.DataFrame) -> pd.DataFrame:
    """``compliance`` with the attendance columns of its kind (zero records where none); the
    all-kinds rows (kind missing) match each other, as pandas matches missing keys."""
    merged = compliance.merge(attendance.rename(columns={"n": "attendance_n"}), on="kind", how="left")
    return merged.fillna({"attendance_n": 0, "members": 0, "suppressed": False}).astype(
        {"attendance_n": "int64", "members": "int64", "suppressed": "bool"})


BY_KIND_COLUMNS = ["kind", "grain", "times", "branches", "required", "counted", "rate", "ci_low", "ci_high",
                   "missing", "shortfall", "branches_with_gaps", "attendance_n", "members", "suppressed",
                   "present", "leave", "absent", "attendance_rate", "leave_rate", "absence_rate"]


def hospital_summary(
    con: duckdb.DuckDBPyConnection,
    *,
    scope: Scope,
    first: str,
    last: str,
    unit: str | None = None,
    as_of: dt.date | None = None,
    cfg: config_mod.Config | None = None,
) -> MeetingSummary:
    """三会一课 compliance and attendance for all branches under ``unit``.

    Every role may call it for the whole hospital; narrowing to a unit needs branch-level
    access (researchers: hospital only).

    Returns
    -------
    A ``MeetingSummary`` whose ``by_kind`` has one row per configured kind (config order):
    kind, grain, times, branches (branches with at least one observed period), required,
    counted, rate (percent; NULL without observed periods), ci_low, ci_high (95% Wilson),
    missing (observed periods short of the rule), shortfall (meetings missing),
    branches_with_gaps, attendance_n (records), members (distinct members recorded),
    suppressed, present, leave, absent, attendance_rate, leave_rate, absence_rate (percent;
    NULL when suppressed, see the module notes). The attributes total the kinds: branches,
    required, counted, missing, branches_with_gaps (distinct branches with any gap),
    attendance_n, members (distinct members recorded), present, leave, absent (None when the
    total would be suppressed), plus the
    observation ``window`` and ``as_of``; ``rate``, ``attendance_rate`` and ``leave_rate``
    are properties.
    """
    check_unit(scope, unit)
    cfg = cfg or config_mod.load()
    params = _params(cfg, None, first, last, unit, as_of) | {
        "visible": member_branch_ids(con, scope), "min_cell": cfg.survey.min_cell,
    }
    quarters = _hospital_quarters(con, params)
    attendance = (_run(con, _attendance_summary_sql(con, scope), params) if quarters is None
                  else _run(con, HOSPITAL_ATTENDANCE_SQL, params | quarters))
    frame = _with_attendance(_run(con, _summary_sql(derived.activity_months_sql(con)), params), attendance)
    frame["ci_low"], frame["ci_high"] = _wilson(frame["counted"], frame["required"])
    by_kind = frame[frame["kind"].notna()].reset_index(drop=True)[BY_KIND_COLUMNS]
    return _summary(by_kind, frame[frame["kind"].isna()].iloc[0], params["as_of"])


def _summary(by_kind: pd.DataFrame, total: pd.Series, as_of: dt.date) -> MeetingSummary:
    """A ``MeetingSummary`` from the rows of ``_summary_sql``: the kinds, and the all-kinds row."""

    def count(column: str) -> int | None:
        return None if pd.isna(total[column]) else int(total[column])

    return MeetingSummary(
        by_kind=by_kind,
        window=Window(*(None if pd.isna(total[c]) else pd.Timestamp(total[c]).date()
                        for c in ("window_first", "window_last"))),
        as_of=as_of,
        branches=count("branches"),
        required=count("required"),
        counted=count("counted"),
        missing=count("missing"),
        branches_with_gaps=count("branches_with_gaps"),
        attendance_n=count("attendance_n"),
        members=count("members"),
        present=count("present"),
        leave=count("leave"),
        absent=count("absent"),
    )
