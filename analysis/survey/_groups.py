"""Respondents split into groups by a single-choice question (政治面貌, 科室类别 ...), for the
effective share by group and the Likert items by group; and the reporting blocks of such a
question (:mod:`analysis.survey.privacy`), counted in DuckDB.

Private to :mod:`analysis.survey`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import duckdb

from analysis.survey._common import ALL_LABEL, TOTAL_LABEL, unique_labels
from analysis.survey._question import Question, load_question, option_nos
from analysis.survey.filters import FilteredConnection
from analysis.survey.privacy import UNANSWERED, ReportingBlocks, reporting_blocks


@dataclass(frozen=True)
class Grouping:
    """Which option of the grouping question falls in which group."""

    question_no: int
    option_nos: list[int]
    labels: list[str]  # the group of each option in option_nos
    order: list[str]  # the groups, in the order results list them
    question: Question  # the grouping question, loaded and checked once for the whole analysis


def grouping(
    con: duckdb.DuckDBPyConnection,
    survey_id: int,
    group_question_no: int | None,
    groups: Mapping[str, Sequence[str] | str] | None,
) -> Grouping | None:
    """The grouping asked for, or None when results are not grouped (``group_question_no`` None).

    ``groups`` maps a label to option texts; ``None`` makes one group per option.
    """
    if group_question_no is None:
        if groups is not None:
            raise ValueError("指定了 groups 却没有指定分组题 group_question_no")
        return None
    gq = load_question(con, survey_id, group_question_no, allowed=("single",), purpose="分组")
    if groups is None:
        labels = unique_labels(gq.options["option"], gq.options["option_no"])
        nos = [int(x) for x in gq.options["option_no"]]
        order = labels
    else:
        if not groups:
            raise ValueError("groups 不能为空")
        nos, labels, seen = [], [], {}
        for label, texts in groups.items():
            texts = [texts] if isinstance(texts, str) else list(texts)
            if not texts:
                raise ValueError(f"分组“{label}”没有任何选项")
            for no, text in zip(option_nos(gq, texts, "分组选项"), texts):
                if no in seen:
                    raise ValueError(f"选项“{text}”同时出现在分组“{seen[no]}”和“{label}”中")
                seen[no] = label
                nos.append(no)
                labels.append(str(label))
        order = [str(g) for g in groups]
    if TOTAL_LABEL in order:
        raise ValueError(f"分组名不能是“{TOTAL_LABEL}”（合计行专用）")
    return Grouping(group_question_no, nos, labels, order, gq)


def group_order(grouping: Grouping | None) -> list[str]:
    """The groups results list: the grouping's, or the one group 全部."""
    return [ALL_LABEL] if grouping is None else grouping.order


# Respondents with their group: either everyone in one group, or via the grouping question.
_MEMBERSHIP_ALL = "SELECT response_id, $all_label AS grp FROM survey_response WHERE survey_id = $s"
_MEMBERSHIP_GROUPED = """
    SELECT a.response_id, m.grp
    FROM survey_answer a
    JOIN (SELECT unnest($g_options) AS option_no, unnest($g_labels) AS grp) m USING (option_no)
    WHERE a.survey_id = $s AND a.question_no = $gq AND a.item_no = 0
"""


def membership(grouping: Grouping | None) -> tuple[str, dict]:
    """SQL selecting ``response_id, grp`` for every grouped respondent, with its parameters
    (besides ``$s``, the survey)."""
    if grouping is None:
        return _MEMBERSHIP_ALL, {"all_label": ALL_LABEL}
    params = {"g_options": grouping.option_nos, "g_labels": grouping.labels, "gq": grouping.question_no}
    return _MEMBERSHIP_GROUPED, params


# Respondents who answered question $q (row $i): the base over which an attribute's options form
# groups, for a share of that question's answers or a cross table with it.
ANSWERED_SQL = """
    SELECT DISTINCT response_id FROM survey_answer
    WHERE survey_id = $s AND question_no = $q AND item_no = $i AND option_no IS NOT NULL
"""


def refused_groups(split: Grouping, blocks: ReportingBlocks, *, with_total: bool = False) -> dict[str, tuple[str, str]]:
    """The groups of ``split`` (and its 合计 with ``with_total``) that the minimum reporting group
    does not let a breakdown show: group -> (reason in Chinese, mark for its cells)."""
    members = {group: [no for no, label in zip(split.option_nos, split.labels) if label == group]
               for group in split.order}
    if with_total:
        members[TOTAL_LABEL] = list(split.option_nos)
    refused = {}
    for group, options in members.items():
        reason = blocks.refusal(group, options)
        if reason is not None:
            refused[group] = (reason, blocks.mark(options))
    return refused


def attribute_blocks(
    con: duckdb.DuckDBPyConnection, q: Question, item_no: int, base: str, params: dict, *, min_group: int
) -> ReportingBlocks:
    """The reporting blocks of question ``q`` (row ``item_no``) over the respondents ``base``
    selects (SQL returning ``response_id``; ``params`` bound, ``$s`` the survey).

    On a respondent filter's connection each option's respondents left out by the filter are
    counted too (the same ``base`` unfiltered), for the differencing rule of
    :mod:`analysis.survey.privacy`.
    """
    counted = _attribute_counts(con, q, item_no, base, params)
    outside = None
    if isinstance(con, FilteredConnection):
        whole = _attribute_counts(con.unfiltered, q, item_no, base, params)
        outside = {no: n - counted.get(no, 0) for no, n in whole.items()}
        outside[UNANSWERED] = outside.pop(None, 0)
    options = [int(no) for no in q.options["option_no"]]
    labels = dict(zip(options, unique_labels(q.options["option"], options)))
    return reporting_blocks({no: int(counted.get(no, 0)) for no in options}, unanswered=int(counted.get(None, 0)),
                            min_group=min_group, labels=labels, outside=outside)


def _attribute_counts(con, q: Question, item_no: int, base: str, params: dict) -> dict:
    """Respondents of ``base`` per option of ``q`` (None: skipped it)."""
    rows = con.execute(
        f"""
        WITH base AS ({base}),
        chosen AS (
            SELECT response_id, option_no FROM survey_answer
            WHERE survey_id = $s AND question_no = $attribute_q AND item_no = $attribute_i AND option_no IS NOT NULL
        )
        SELECT c.option_no, count(DISTINCT b.response_id) AS n
        FROM base b LEFT JOIN chosen c USING (response_id)
        GROUP BY ALL
        """,
        {**params, "s": q.survey_id, "attribute_q": q.question_no, "attribute_i": item_no},
    ).fetchall()
    return {option: n for option, n in rows}
