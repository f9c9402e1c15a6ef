"""总览: the home page's figures for a period, gathered from the analysis modules."""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pandas as pd

from analysis import config as config_mod
from analysis import periods, survey
from analysis.metrics import assessment, org, tasks, vanguard
from analysis.scope import Scope


@dataclass(frozen=True)
class Overview:
    period_end: str
    headcount: org.Headcount
    vanguard_trend: pd.DataFrame
    assessment_trend: pd.DataFrame
    review: pd.DataFrame | None  # None for researchers (no branch-level results)
    completion: tasks.Completion
    completion_trend: pd.DataFrame

    @property
    def latest_vanguard(self) -> pd.Series | None:
        """The last quarter of the period with index data (qoq/yoy may be NaN)."""
        return None if self.vanguard_trend.empty else self.vanguard_trend.iloc[-1]


def overview(
    con: duckdb.DuckDBPyConnection,
    *,
    scope: Scope,
    first: str,
    last: str,
    unit: str | None = None,
    cfg: config_mod.Config | None = None,
) -> Overview:
    """Everything the 总览 page shows for quarters ``first``..``last`` under ``unit``.

    Returns
    -------
    An ``Overview``: period_end (``last``), headcount (:func:`org.headcount` at the end of
    ``last``), vanguard_trend (:func:`vanguard.hospital_trend`), assessment_trend
    (:func:`assessment.total_trend`), review (:func:`assessment.quarter_review` of ``last``;
    None for researchers), completion and completion_trend (:func:`tasks.completion` and
    :func:`tasks.completion_trend`), each with those functions' columns.
    """
    cfg = cfg or config_mod.load()
    end = periods.bounds(last)[1]
    quarters = periods.quarter_range(first, last)
    return Overview(
        period_end=last,
        headcount=org.headcount(con, scope=scope, unit=unit, as_of=end),
        vanguard_trend=vanguard.hospital_trend(con, scope=scope, first=first, last=last, unit=unit, cfg=cfg),
        assessment_trend=assessment.total_trend(con, scope=scope, first=first, last=last, unit=unit),
        review=None if scope.role == "researcher" else assessment.quarter_review(
            con, scope=scope, quarter=last, unit=unit, cfg=cfg),
        completion=tasks.completion(con, scope=scope, as_of=end, unit=unit),
        completion_trend=tasks.completion_trend(con, scope=scope, quarters=quarters, unit=unit),
    )


@dataclass(frozen=True)
class SurveyHeadline:
    survey_id: int
    title: str
    question: str
    shares: pd.DataFrame  # columns of effective_share: group, n, effective, pct, ci_low, ci_high (+ 合计)
    comparison: survey.GroupComparison


def survey_headline(
    con: duckdb.DuckDBPyConnection, *, scope: Scope, cfg: config_mod.Config | None = None
) -> SurveyHeadline | None:
    """The latest survey's "clearly effective" share for members and non-members.

    The outcome is the first single-choice question offering one of the configured effective
    options; groups come from the question marked as the 政治面貌 attribute, members being
    the configured member options.

    Returns
    -------
    A ``SurveyHeadline`` (survey_id, title, question, shares: the columns of
    ``effective_share``, comparison: ``compare_groups`` of 党员 and 非党员), or None when no
    survey has both questions.
    """
    cfg = cfg or config_mod.load()
    found = con.execute(
        """
        SELECT s.survey_id, s.title, outcome.question_no, outcome.text, grouping.question_no
        FROM survey s
        JOIN survey_question grouping ON grouping.survey_id = s.survey_id AND grouping.attribute = '政治面貌'
        JOIN survey_question outcome ON outcome.survey_id = s.survey_id AND outcome.qtype = 'single'
        WHERE EXISTS (SELECT 1 FROM survey_option o WHERE o.survey_id = s.survey_id
                      AND o.question_no = outcome.question_no AND list_contains($effective, o.text))
        ORDER BY s.fielded_to DESC NULLS LAST, s.survey_id DESC, outcome.question_no
        LIMIT 1
        """,
        {"effective": list(cfg.survey.effective_options)},
    ).fetchone()
    if found is None:
        return None
    survey_id, title, question_no, question, group_no = found
    groups = survey.member_groups(con, scope=scope, survey_id=survey_id, question_no=group_no, cfg=cfg)
    if groups is None:
        return None
    common = dict(survey_id=survey_id, question_no=question_no, group_question_no=group_no, groups=groups, scope=scope)
    return SurveyHeadline(
        survey_id=survey_id,
        title=title,
        question=question,
        shares=survey.effective_share(con, **common),
        comparison=survey.compare_groups(con, compare=("党员", "非党员"), **common),
    )
