"""Ranking questions: mean rank and the 问卷星 综合得分 of each option.

Imports the package's private helpers only.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from analysis.db import fetch_frame
from analysis.scope import Scope
from analysis.survey._common import check_scope
from analysis.survey._question import load_question
from analysis.survey.filters import RespondentFilter, restrict

__all__ = ["ranking_scores"]


def ranking_scores(
    con: duckdb.DuckDBPyConnection,
    *,
    survey_id: int,
    question_no: int,
    scope: Scope,
    respondents: RespondentFilter | None = None,
) -> pd.DataFrame:
    """Scores of a ranking question the way 问卷星 reports them (平均综合得分).

    Parameters
    ----------
    con : DuckDB connection
    survey_id, question_no : int
        A ranking question.
    scope : Scope
    respondents : RespondentFilter, optional
        Only the respondents meeting it (:mod:`analysis.survey.filters`); a filter that would single
        people out raises ``ValueError`` with the reason.

    Returns
    -------
    DataFrame
        One row per option, sorted by ``score`` descending (ties by option order):

        * ``option_no``, ``option``
        * ``n``: respondents who ranked the option
        * ``mean_rank``: mean position among those respondents (1 = first)
        * ``score``: 综合得分, see Notes
        * ``order``: 1 for the highest score (ties share the lower number)

        ``attrs["answered"]``: respondents who answered the question.

    Notes
    -----
    With k options, position p carries the weight ``k - p + 1`` (first place k, last place 1);
    ``score = Σ_p count(option at p) × (k - p + 1) / respondents who answered the question``.
    An option a respondent left unranked adds 0 but the respondent still counts in the
    denominator, so options ranked by few people score low. ``mean_rank`` equals 问卷星's
    optional 综合排名 (Σ share at rank × rank, shares of those who ranked the option).
    """
    check_scope(scope)
    con = restrict(con, survey_id=survey_id, respondents=respondents, scope=scope, min_cell=None)
    q = load_question(con, survey_id, question_no, allowed=("ranking",), purpose="排序题得分")
    k = len(q.options)
    params = {"s": survey_id, "q": question_no, "k": k}
    out = fetch_frame(
        con,
        """
        WITH ranked AS (
            SELECT response_id, option_no, rank
            FROM survey_answer
            WHERE survey_id = $s AND question_no = $q AND option_no IS NOT NULL
        ),
        answered AS (SELECT count(DISTINCT response_id) AS m FROM ranked),
        per_option AS (
            SELECT option_no, count(*) AS n, avg(rank) AS mean_rank, sum($k - rank + 1) AS weighted
            FROM ranked GROUP BY option_no
        )
        SELECT o.option_no, o.text AS option, coalesce(p.n, 0) AS n, p.mean_rank,
               CASE WHEN a.m > 0 THEN coalesce(p.weighted, 0) / a.m END AS score,
               a.m AS answered
        FROM survey_option o
        CROSS JOIN answered a
        LEFT JOIN per_option p USING (option_no)
        WHERE o.survey_id = $s AND o.question_no = $q
        ORDER BY score DESC, o.position, o.option_no
        """,
        params,
    )
    answered = int(out["answered"].iloc[0]) if len(out) else 0
    out = out.drop(columns="answered")
    out["n"] = out["n"].astype("int64")
    out["score"] = out["score"].astype(float)
    out["order"] = out["score"].rank(method="min", ascending=False).astype("Int64")
    out = out.reset_index(drop=True)
    out.attrs = {"question": q.text, "answered": answered}
    return out
