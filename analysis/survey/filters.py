"""Respondent filters: analyse only the respondents who meet every condition (题目 = 选项, a
numeric range of an answer, a range of submission dates), under the minimum reporting group.

A filter is a :class:`RespondentFilter`, a frozen (hashable) value the page keeps in its session
and its cache keys. :func:`respondent_ids` turns it into the matching respondents with one query
whose every value is bound. Every analysis of the package takes ``respondents=`` and calls
:func:`restrict`, which refuses a filter that would single people out and otherwise gives a
connection on which ``survey_answer`` and ``survey_response`` hold only the filtered
respondents of the survey: each statistic then runs unchanged on the smaller sample, so its
numbers under a filter are those of a survey holding only those respondents.

Differencing (issue #16 item 2): a filter is refused when it matches fewer than the minimum
reporting group, or when the rest of the survey (its complement) is under the minimum but not
empty, since the unfiltered results minus the filtered ones would be theirs. Breakdowns inside
a filter also compare each group with the same group unfiltered (see
:func:`analysis.survey._groups.attribute_blocks`): a group is hidden when the two differ by
fewer than the minimum but more than nobody.

Private helpers only; every message is Chinese.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass

import duckdb

from analysis.scope import Scope
from analysis.survey._common import check_scope, resolve_min_cell
from analysis.survey._question import load_questions, option_nos, require_survey, respondent_count

__all__ = ["FilterSummary", "OptionCondition", "RangeCondition", "RespondentFilter", "filter_summary",
           "respondent_ids", "restrict"]


@dataclass(frozen=True)
class OptionCondition:
    """题目 = 选项: the respondent chose one of ``options`` (texts) in ``question_no`` (row ``item_no``
    of a matrix question; 0 otherwise). For an ordinal question (年龄段) a range of levels is the
    options between its ends."""

    question_no: int
    options: tuple[str, ...]
    item_no: int = 0


@dataclass(frozen=True)
class RangeCondition:
    """The respondent's numeric answer to ``question_no`` lies in [low, high] (an open end is
    None): the value of the chosen option for a scored question, else the number typed into a
    填空题 (工龄 12). Answers that are not numbers never match."""

    question_no: int
    low: float | None = None
    high: float | None = None
    item_no: int = 0


@dataclass(frozen=True)
class RespondentFilter:
    """All of its conditions, combined with AND. Submission dates are inclusive; a respondent
    without a submission date fails any date condition."""

    options: tuple[OptionCondition, ...] = ()
    ranges: tuple[RangeCondition, ...] = ()
    submitted_from: dt.date | None = None
    submitted_to: dt.date | None = None

    @property
    def empty(self) -> bool:
        return not (self.options or self.ranges or self.submitted_from or self.submitted_to)


@dataclass(frozen=True)
class FilterSummary:
    """What a filter selects.

    Attributes
    ----------
    matched : int
        Respondents meeting every condition.
    total : int
        Respondents of the survey.
    description : str
        The filter in Chinese ("政治面貌 = 中共党员、预备党员；工龄 5–10"), for headers of
        pages, downloads and reports; "" for an empty filter.
    refusal : str or None
        Why the filter may not be used (Chinese), None when it may.
    """

    matched: int
    total: int
    description: str
    refusal: str | None


_CONDITION_TYPE = "STRUCT(k INTEGER, q INTEGER, i INTEGER, opts INTEGER[], lo DOUBLE, hi DOUBLE)[]"

# The respondents of survey $f_s meeting every condition of $f_conds (each matched answer counts
# its condition once; a respondent is kept when all $f_n conditions are met) and the date range.
# Tables are named with their schema so that the views below, which take their names, can use it.
_KEPT_SQL = f"""
    _filter_condition AS (SELECT unnest($f_conds::{_CONDITION_TYPE}, recursive := true)),
    _filter_met AS (
        SELECT a.response_id, count(DISTINCT c.k) AS met
        FROM main.survey_answer a
        JOIN _filter_condition c ON a.question_no = c.q AND a.item_no = c.i
        LEFT JOIN main.survey_option o
          ON o.survey_id = a.survey_id AND o.question_no = a.question_no AND o.option_no = a.option_no
        WHERE a.survey_id = $f_s
          AND CASE WHEN c.opts IS NOT NULL THEN list_contains(c.opts, a.option_no)
                   ELSE coalesce(o.value, TRY_CAST(trim(a.text) AS DOUBLE))
                        BETWEEN coalesce(c.lo, '-infinity'::DOUBLE) AND coalesce(c.hi, 'infinity'::DOUBLE) END
        GROUP BY a.response_id
    ),
    _filter_kept AS (
        SELECT r.response_id
        FROM main.survey_response r
        LEFT JOIN _filter_met m USING (response_id)
        WHERE r.survey_id = $f_s AND coalesce(m.met, 0) = $f_n
          AND ($f_from IS NULL OR r.submitted_on >= $f_from)
          AND ($f_to IS NULL OR r.submitted_on <= $f_to)
    )"""

# The two tables every survey statistic reads, narrowed to the kept respondents of survey $f_s.
_VIEWS_SQL = _KEPT_SQL + """,
    survey_response AS NOT MATERIALIZED (
        SELECT * FROM main.survey_response
        WHERE survey_id = $f_s AND response_id IN (SELECT response_id FROM _filter_kept)),
    survey_answer AS NOT MATERIALIZED (
        SELECT * FROM main.survey_answer
        WHERE survey_id = $f_s AND response_id IN (SELECT response_id FROM _filter_kept))"""


def _parameters(con: duckdb.DuckDBPyConnection, survey_id: int, respondents: RespondentFilter) -> dict:
    """The bound values of the filter SQL, after checking every condition against the survey."""
    require_survey(con, survey_id)
    conditions = []
    asked = [c.question_no for c in (*respondents.options, *respondents.ranges)]
    questions = {q.question_no: q for q in load_questions(
        con, survey_id, asked, allowed=("single", "multiple", "matrix", "text"), purpose="筛选")} if asked else {}
    for k, cond in enumerate(respondents.options):
        q = questions[cond.question_no]
        if q.qtype == "text":
            raise ValueError(f"{q.label}是填空题，只能按数值范围筛选")
        _check_item(q, cond.item_no)
        if not cond.options:
            raise ValueError(f"筛选条件“{q.text}”至少要选一个选项")
        conditions.append({"k": k, "q": cond.question_no, "i": cond.item_no,
                           "opts": option_nos(q, cond.options, "筛选选项"), "lo": None, "hi": None})
    for k, cond in enumerate(respondents.ranges, start=len(conditions)):
        q = questions[cond.question_no]
        _check_item(q, cond.item_no)
        if q.qtype in ("single", "matrix") and q.options["value"].isna().all():
            raise ValueError(f"{q.label}的选项没有分值，请按选项筛选")
        if q.qtype == "multiple":
            raise ValueError(f"{q.label}是多选题，请按选项筛选")
        low, high = (None if v is None or (isinstance(v, float) and math.isnan(v)) else float(v)
                     for v in (cond.low, cond.high))
        if low is None and high is None:
            raise ValueError(f"筛选条件“{q.text}”的范围至少要有一端")
        if low is not None and high is not None and low > high:
            raise ValueError(f"筛选条件“{q.text}”的下限 {low:g} 大于上限 {high:g}")
        conditions.append({"k": k, "q": cond.question_no, "i": cond.item_no, "opts": None, "lo": low, "hi": high})
    start, end = respondents.submitted_from, respondents.submitted_to
    if start is not None and end is not None and start > end:
        raise ValueError(f"提交日期的起点 {start} 晚于终点 {end}")
    return {"f_s": survey_id, "f_conds": conditions, "f_n": len(conditions), "f_from": start, "f_to": end}


def _check_item(q, item_no: int) -> None:
    if q.qtype == "matrix" and item_no not in set(q.items["item_no"]) - {0}:
        raise ValueError(f"{q.label}是矩阵题，筛选须指定其中一行")
    if q.qtype != "matrix" and item_no != 0:
        raise ValueError(f"{q.label}不是矩阵题，item_no 只能为 0")


def respondent_ids(
    con: duckdb.DuckDBPyConnection, *, survey_id: int, respondents: RespondentFilter, scope: Scope
) -> frozenset[int]:
    """The respondents of a survey meeting every condition of ``respondents``.

    Parameters
    ----------
    con : DuckDB connection
    survey_id : int
    respondents : RespondentFilter
        The conditions (an empty filter keeps everyone).
    scope : Scope

    Returns
    -------
    frozenset of int
        ``response_id`` of each matching respondent. For the package and its tests: pages see
        only :func:`filter_summary`, never ids.

    Notes
    -----
    One query over the answers joined to the conditions (a small bound list of structs); an
    answer meeting a condition counts it once, and a respondent is kept when every condition
    is met. Option conditions compare option numbers resolved from the texts; ranges compare
    the chosen option's value, else the typed text read as a number.
    """
    check_scope(scope)
    params = _parameters(con, survey_id, respondents)
    rows = con.execute(f"WITH {_KEPT_SQL} SELECT response_id FROM _filter_kept", params).fetchall()
    return frozenset(int(r[0]) for r in rows)


def filter_summary(
    con: duckdb.DuckDBPyConnection,
    *,
    survey_id: int,
    respondents: RespondentFilter,
    scope: Scope,
    min_cell: int | None = None,
) -> FilterSummary:
    """How many respondents a filter keeps, its description, and whether it may be used.

    Parameters
    ----------
    con : DuckDB connection
    survey_id : int
    respondents : RespondentFilter
    scope : Scope
    min_cell : int, optional
        The minimum reporting group; ``None`` = configuration, ``0`` = off.

    Returns
    -------
    FilterSummary
        matched, total, description, refusal.

    Notes
    -----
    Refused (with the reason in Chinese): a filter matching fewer than ``min_cell`` respondents
    (none included: there is nothing to analyse), and one whose complement, total - matched, is
    between 1 and ``min_cell`` - 1 (the unfiltered results minus the filtered ones would be
    theirs). A filter that keeps everyone is allowed: it hides nobody.
    """
    check_scope(scope)
    min_group = resolve_min_cell(min_cell)
    total = respondent_count(con, survey_id)
    matched = len(respondent_ids(con, survey_id=survey_id, respondents=respondents, scope=scope))
    description = _describe(con, survey_id=survey_id, respondents=respondents)
    refusal = None
    if matched == 0:
        refusal = "没有符合筛选条件的答卷。"
    elif matched < min_group:
        refusal = (f"符合筛选条件的答卷不足 {min_group} 份（最小报告单位），不予分析："
                   "人数太少时，结果可能让人认出是谁的回答。请放宽条件。")
    elif 0 < total - matched < min_group:
        refusal = (f"不符合筛选条件的答卷不足 {min_group} 份，不予分析：用全体结果减去筛选后的结果，"
                   "就能推出这几个人的回答。请收紧或换一个条件。")
    return FilterSummary(matched=matched, total=total, description=description, refusal=refusal)


def _describe(con: duckdb.DuckDBPyConnection, *, survey_id: int, respondents: RespondentFilter) -> str:
    """The filter in Chinese, conditions joined by "；" ("" when empty)."""
    texts = _question_texts(con, survey_id)
    parts = []
    for cond in respondents.options:
        parts.append(f"{_name(con, texts, survey_id, cond.question_no, cond.item_no)} = {'、'.join(cond.options)}")
    for cond in respondents.ranges:
        name = _name(con, texts, survey_id, cond.question_no, cond.item_no)
        if cond.low is not None and cond.high is not None:
            parts.append(f"{name} {cond.low:g}–{cond.high:g}")
        else:
            parts.append(f"{name} ≥ {cond.low:g}" if cond.low is not None else f"{name} ≤ {cond.high:g}")
    start, end = respondents.submitted_from, respondents.submitted_to
    if start or end:
        parts.append(f"提交日期 {start or '…'} 至 {end or '…'}")
    return "；".join(parts)


def _question_texts(con: duckdb.DuckDBPyConnection, survey_id: int) -> Mapping[int, str]:
    return dict(con.execute("SELECT question_no, text FROM survey_question WHERE survey_id = $s",
                            {"s": survey_id}).fetchall())


def _name(con: duckdb.DuckDBPyConnection, texts: Mapping[int, str], survey_id: int, question_no: int,
          item_no: int) -> str:
    name = texts.get(question_no, f"第 {question_no} 题")
    if item_no:
        item = con.execute("SELECT text FROM survey_item WHERE survey_id = $s AND question_no = $q AND item_no = $i",
                           {"s": survey_id, "q": question_no, "i": item_no}).fetchone()
        name += f"·{item[0]}" if item else ""
    return name


class FilteredConnection:
    """A connection on which the survey tables hold only a filter's respondents (see :func:`restrict`).

    ``execute`` puts the filter's views in front of every statement that reads
    ``survey_answer`` or ``survey_response`` and binds the filter's values with the statement's
    own (named parameters only); anything else goes to the connection as it is. ``unfiltered``
    is the connection itself, for comparing a group with its unfiltered size.
    """

    def __init__(self, con: duckdb.DuckDBPyConnection, params: dict):
        self.unfiltered = con
        self._params = params

    def execute(self, sql: str, parameters: dict | None = None):
        return self.unfiltered.execute(*self._filtered(sql, parameters))

    def sql(self, sql: str, params: dict | None = None):
        """``execute`` as a relation (what ``db.fetch_frame`` reads)."""
        query, parameters = self._filtered(sql, params)
        return self.unfiltered.sql(query, params=parameters)

    def complete(self) -> None:
        self.unfiltered.complete()

    def _filtered(self, sql: str, parameters: dict | None) -> tuple[str, dict | None]:
        if "survey_answer" not in sql and "survey_response" not in sql:
            return sql, parameters
        if parameters is not None and not isinstance(parameters, Mapping):
            raise TypeError("filtered survey queries take named parameters only")
        body = sql.lstrip()
        joined = f"WITH {_VIEWS_SQL},\n{body[4:]}" if body[:4].upper() == "WITH" else f"WITH {_VIEWS_SQL}\n{body}"
        return joined, {**(parameters or {}), **self._params}


def restrict(
    con: duckdb.DuckDBPyConnection, *, survey_id: int, respondents: RespondentFilter | None, scope: Scope,
    min_cell: int | None = None,
) -> duckdb.DuckDBPyConnection | FilteredConnection:
    """The connection an analysis runs on under a filter.

    Parameters
    ----------
    con : DuckDB connection
    survey_id : int
    respondents : RespondentFilter or None
    scope : Scope
    min_cell : int, optional
        The minimum reporting group; ``None`` = configuration, ``0`` = off.

    Returns
    -------
    DuckDB connection or FilteredConnection
        ``con`` itself without a filter (or with an empty one); else a
        :class:`FilteredConnection` on which the survey's tables hold only the matching
        respondents. A filter :func:`filter_summary` refuses raises ``ValueError`` with its
        reason (Chinese).
    """
    if respondents is None or respondents.empty:
        return con
    if isinstance(con, FilteredConnection):
        raise ValueError("筛选不能嵌套")
    summary = filter_summary(con, survey_id=survey_id, respondents=respondents, scope=scope, min_cell=min_cell)
    if summary.refusal is not None:
        raise ValueError(summary.refusal)
    return FilteredConnection(con, _parameters(con, survey_id, respondents))
