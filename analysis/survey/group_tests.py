"""Group comparison of a scale item or a scale score (SPSSAU's 差异分析): Welch's t-test or
Mann-Whitney for two groups, ANOVA or Kruskal-Wallis for more with Games-Howell or Dunn (Holm)
post-hoc pairs, each with its effect size.

The statistics are pingouin's and scikit-posthocs' (imported on first use: pingouin takes
seconds to import). Groups follow the minimum reporting group: a group that may not be shown is
left out of the test as well as the table, so that no statistic reflects it.

Imports the package's private helpers.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd

from analysis.db import fetch_frame
from analysis.scope import Scope
from analysis.survey._common import check_scope, resolve_min_cell
from analysis.survey._groups import attribute_blocks, grouping, membership, refused_groups
from analysis.survey._question import check_item, load_question
from analysis.survey.filters import RespondentFilter, restrict

__all__ = ["ScoreComparison", "compare_scores", "respondent_scores"]

METHODS = ("parametric", "rank")


@dataclass(frozen=True)
class ScoreComparison:
    """A scale item or score compared across groups.

    Attributes
    ----------
    groups : DataFrame
        One row per group in group order: ``group``, ``n``, ``mean``, ``sd``, ``median``. A group
        that may not be shown has ``"<5"`` or ``"*"`` in n and NaN statistics, and is not tested.
    test : DataFrame
        One row: ``method`` (welch_t, mann_whitney, anova, kruskal), ``statistic`` (t, U, F or
        H), ``dof1``, ``dof2`` (NaN where the test has none), ``p_val``, ``effect_name``
        (cohen_d, rank_biserial, eta2, epsilon2), ``effect_size``, ``groups`` (tested), ``n``
        (respondents tested). Empty when fewer than two groups can be tested.
    posthoc : DataFrame
        More than two groups: one row per pair, ``group1``, ``group2``, ``diff`` (mean of group1
        minus mean of group2), ``p_adj`` (Games-Howell, or Dunn with Holm's correction),
        ``adjustment`` (games_howell or holm). Empty otherwise.
    hidden : dict
        Each hidden group mapped to the reason, in Chinese.
    """

    groups: pd.DataFrame
    test: pd.DataFrame
    posthoc: pd.DataFrame
    hidden: dict


def respondent_scores(
    con: duckdb.DuckDBPyConnection, *, survey_id: int, question_no: int, item_no: int | None, scope: Scope,
    respondents: RespondentFilter | None = None,
) -> pd.DataFrame:
    """Each respondent's score on one scored question, matrix row or whole matrix scale.

    Parameters
    ----------
    survey_id, question_no : a single-choice or matrix question whose options carry values.
    item_no : a matrix row; ``None`` for a matrix question's scale score (the mean of its rows,
        over respondents who scored every row), 0 for a single-choice question.
    scope : any role (the result stays in the package's callers as an aggregate input).
    respondents : RespondentFilter, optional
        Only the respondents meeting it (:mod:`analysis.survey.filters`); a filter that would single
        people out raises ``ValueError`` with the reason.

    Returns
    -------
    DataFrame
        ``response_id``, ``score`` (float), respondents with a score only.
    """
    check_scope(scope)
    con = restrict(con, survey_id=survey_id, respondents=respondents, scope=scope, min_cell=None)
    q = load_question(con, survey_id, question_no, allowed=("single", "matrix"), purpose="差异分析")
    if q.options["value"].isna().all():
        raise ValueError(f"{q.label}的选项没有分值，不能做均值比较")
    if item_no is not None:
        check_item(q, item_no)
    return fetch_frame(con, _SCORES_SQL + " ORDER BY a.response_id", _score_params(q, item_no)).astype(
        {"response_id": "int64", "score": "float64"})


# Each respondent's mean value over row $i of question $q, or over every row ($i NULL: only those
# who scored all $rows rows).
_SCORES_SQL = """
    SELECT a.response_id, avg(o.value) AS score
    FROM survey_answer a
    JOIN survey_option o
      ON o.survey_id = a.survey_id AND o.question_no = a.question_no AND o.option_no = a.option_no
    WHERE a.survey_id = $s AND a.question_no = $q AND o.value IS NOT NULL
      AND ($i IS NULL OR a.item_no = $i)
    GROUP BY a.response_id
    HAVING $i IS NOT NULL OR count(DISTINCT a.item_no) = $rows
"""


def _score_params(q, item_no: int | None) -> dict:
    return {"s": q.survey_id, "q": q.question_no, "i": item_no, "rows": int((q.items["item_no"] > 0).sum())}


def compare_scores(
    con: duckdb.DuckDBPyConnection,
    *,
    survey_id: int,
    question_no: int,
    group_question_no: int,
    item_no: int | None = 0,
    groups: Mapping[str, Sequence[str]] | None = None,
    method: str = "parametric",
    scope: Scope,
    respondents: RespondentFilter | None = None,
    min_cell: int | None = None,
) -> ScoreComparison:
    """Compare a score across the groups of a single-choice question.

    Parameters
    ----------
    survey_id, question_no, item_no : the score, as in :func:`respondent_scores`.
    group_question_no : the single-choice question forming the groups (科室, 职称, 政治面貌 ...).
    groups : group label -> option texts; ``None``: one group per option.
    method : "parametric" (Welch's t / one-way ANOVA with Games-Howell) or "rank"
        (Mann-Whitney U / Kruskal-Wallis with Dunn-Holm).
    scope : Scope
    respondents : RespondentFilter, optional
        Only the respondents meeting it (:mod:`analysis.survey.filters`); a filter that would single
        people out raises ``ValueError`` with the reason.
    min_cell : the minimum reporting group (``None`` = configuration, ``0`` = off).

    Returns
    -------
    ScoreComparison
        groups, test, posthoc, hidden (see the class).

    Notes
    -----
    Effect sizes: Cohen's d with the pooled SD (pingouin), rank-biserial r = 1 - 2U/(n1 n2),
    η² = SS_between / SS_total, ε² = H / (n - 1) (Tomczak & Tomczak 2014). ANOVA assumes equal
    variances; the Games-Howell pairs do not.

    References
    ----------
    Vallat R (2018). Pingouin: statistics in Python. JOSS 3(31), 1026.
    """
    check_scope(scope)
    con = restrict(con, survey_id=survey_id, respondents=respondents, scope=scope, min_cell=min_cell)
    if method not in METHODS:
        raise ValueError(f"method 只能是 {METHODS}")
    min_group = resolve_min_cell(min_cell)
    split = grouping(con, survey_id, group_question_no, groups)
    scores = respondent_scores(con, survey_id=survey_id, question_no=question_no, item_no=item_no, scope=scope)
    members_sql, m_params = membership(split)
    member_rows = fetch_frame(con, members_sql, {"s": survey_id, **m_params})
    data = scores.merge(member_rows.rename(columns={"grp": "group"}), on="response_id")
    hidden_marks = _hidden_groups(con, survey_id, split, question_no, item_no, min_group)
    table = _describe(data, split.order, hidden_marks)
    tested = data[~data["group"].isin(list(hidden_marks))]
    present = [g for g in split.order if g in set(tested["group"]) and g not in hidden_marks]
    test, posthoc = _test(tested[tested["group"].isin(present)], present, method)
    return ScoreComparison(groups=table, test=test, posthoc=posthoc,
                           hidden={g: reason for g, (reason, _) in hidden_marks.items()})


def _hidden_groups(con, survey_id: int, split, question_no: int, item_no: int | None,
                   min_group: int) -> dict[str, tuple[str, str]]:
    """The groups that may not be shown over the respondents with a score: group -> (reason, mark)."""
    if min_group <= 1:
        return {}
    scored = load_question(con, survey_id, question_no, allowed=("single", "matrix"), purpose="差异分析")
    blocks = attribute_blocks(con, split.question, 0, f"SELECT response_id FROM ({_SCORES_SQL})",
                              _score_params(scored, item_no), min_group=min_group)
    return refused_groups(split, blocks)


def _describe(data: pd.DataFrame, order: list[str], hidden: dict[str, tuple[str, str]]) -> pd.DataFrame:
    stats = data.groupby("group")["score"].agg(n="count", mean="mean", sd="std", median="median")
    out = stats.reindex(order).rename_axis("group").reset_index()
    out["n"] = out["n"].fillna(0).astype("int64").astype(object)
    for group, (_, mark) in hidden.items():
        row = out["group"] == group
        out.loc[row, "n"] = mark
        out.loc[row, ["mean", "sd", "median"]] = np.nan
    return out


TEST_COLUMNS = ["method", "statistic", "dof1", "dof2", "p_val", "effect_name", "effect_size", "groups", "n"]
POSTHOC_COLUMNS = ["group1", "group2", "diff", "p_adj", "adjustment"]


def _test(data: pd.DataFrame, present: list[str], method: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    empty_posthoc = pd.DataFrame(columns=POSTHOC_COLUMNS)
    if len(present) < 2:
        return pd.DataFrame(columns=TEST_COLUMNS), empty_posthoc
    import pingouin  # slow import (seconds): only when a comparison is asked for

    n = len(data)
    samples = [data.loc[data["group"] == g, "score"].to_numpy() for g in present]
    if len(present) == 2:
        if method == "parametric":
            res = pingouin.ttest(samples[0], samples[1], correction=True).iloc[0]
            row = ("welch_t", res["T"], res["dof"], math.nan, res["p_val"], "cohen_d", res["cohen_d"])
        else:
            res = pingouin.mwu(samples[0], samples[1]).iloc[0]
            row = ("mann_whitney", res["U_val"], math.nan, math.nan, res["p_val"], "rank_biserial", res["RBC"])
        return pd.DataFrame([[*row, 2, n]], columns=TEST_COLUMNS), empty_posthoc
    if method == "parametric":
        res = pingouin.anova(data=data, dv="score", between="group", detailed=True)
        between, total = res.loc[0, "SS"], res["SS"].sum()
        row = ("anova", res.loc[0, "F"], res.loc[0, "DF"], res.loc[1, "DF"], res.loc[0, "p_unc"], "eta2",
               between / total if total > 0 else math.nan)
        pairs = pingouin.pairwise_gameshowell(data=data, dv="score", between="group")
        posthoc = pd.DataFrame({"group1": pairs["A"], "group2": pairs["B"], "diff": pairs["diff"],
                                "p_adj": pairs["pval"], "adjustment": "games_howell"})
    else:
        import scikit_posthocs

        res = pingouin.kruskal(data=data, dv="score", between="group").iloc[0]
        row = ("kruskal", res["H"], res["ddof1"], math.nan, res["p_unc"], "epsilon2", res["H"] / (n - 1))
        matrix = scikit_posthocs.posthoc_dunn(data, val_col="score", group_col="group", p_adjust="holm")
        means = data.groupby("group")["score"].mean()
        posthoc = pd.DataFrame([(a, b, means[a] - means[b], matrix.loc[a, b], "holm")
                                for a, b in itertools.combinations(present, 2)], columns=POSTHOC_COLUMNS)
    test = pd.DataFrame([[*row, len(present), n]], columns=TEST_COLUMNS)
    return test.astype({c: "float64" for c in ("statistic", "dof1", "dof2", "p_val", "effect_size")}), posthoc
