"""Matrix scale questions (e.g. 1-5 分 per row): item means, distributions and top-2 box,
optionally by group (groups under the minimum reporting group hidden); and their reliability
(Cronbach's alpha).

Imports the package's private helpers and :mod:`analysis.survey.privacy`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd

from analysis.db import fetch_frame
from analysis.scope import Scope
from analysis.survey._common import check_scope, pct, resolve_min_cell
from analysis.survey._groups import Grouping, attribute_blocks, group_order, grouping, membership
from analysis.survey._question import Question, load_question
from analysis.survey.filters import RespondentFilter, restrict

__all__ = ["Reliability", "cronbach_alpha", "likert_items"]


def _scale_values(q: Question) -> list[float]:
    """The values the options carry, ascending; options without one (不了解) are not scored."""
    values = sorted({float(v) for v in q.options["value"] if pd.notna(v)})
    if not values:
        raise ValueError(f"{q.label}的选项没有分值（如“5分”→5），不能当量表计算")
    return values


# --------------------------------------------------------------------------------------------
# Likert items
# --------------------------------------------------------------------------------------------


def likert_items(
    con: duckdb.DuckDBPyConnection,
    *,
    survey_id: int,
    question_no: int,
    scope: Scope,
    respondents: RespondentFilter | None = None,
    group_question_no: int | None = None,
    groups: Mapping[str, Sequence[str]] | None = None,
    min_cell: int | None = None,
) -> pd.DataFrame:
    """Describe each row of a matrix scale question (e.g. 1-5 分), optionally by group.

    Parameters
    ----------
    con : DuckDB connection
    survey_id, question_no : int
        A matrix question whose options carry numeric values.
    scope : Scope
    respondents : RespondentFilter, optional
        Only the respondents meeting it (:mod:`analysis.survey.filters`); a filter that would single
        people out raises ``ValueError`` with the reason.
    group_question_no : int, optional
        Single-choice question forming groups; ``groups`` maps labels to its option texts as in
        :func:`effective_share`.
    min_cell : int, optional
        The minimum reporting group (only when grouped); ``None`` = configuration, ``0`` = off.

    Returns
    -------
    DataFrame
        One row per item (× group when grouped), items in item order:

        * ``item_no``, ``item``, (``group`` when grouped)
        * ``n``: respondents who gave the item a scored answer
        * ``mean``, ``sd`` (sample standard deviation, ddof = 1)
        * ``pct_<value>`` for every scale value (e.g. ``pct_1`` ... ``pct_5``): percent of n
        * ``top2_pct``: percent choosing one of the two highest scale values
        * ``rank``: items ranked by mean ascending within the group, 1 = weakest (ties share
          the lower rank)

        ``attrs``: ``question``, ``scale`` (the scale values, ascending), ``hidden`` (when
        grouped: ``(item_no, group)`` -> the reason it is hidden, in Chinese).

    Notes
    -----
    Options without a value (e.g. 不了解) are not scored: such answers count neither in n nor in
    the distribution. When grouped, each item's groups follow :mod:`analysis.survey.privacy`
    over the respondents who scored that item: a group that may not be shown has ``n`` = ``"<5"``
    or ``"*"`` and NaN statistics; a shown group shows its whole distribution. Ungrouped results
    are never hidden.
    """
    check_scope(scope)
    con = restrict(con, survey_id=survey_id, respondents=respondents, scope=scope, min_cell=min_cell)
    min_cell = resolve_min_cell(min_cell)
    q = load_question(con, survey_id, question_no, allowed=("matrix",), purpose="量表分析")
    scale = _scale_values(q)
    split = grouping(con, survey_id, group_question_no, groups)
    summary, dist = _scored_answers(con, q, split)
    out = _describe_items(summary, dist, q.items[q.items["item_no"] > 0], group_order(split), scale)
    stat_cols = ["mean", "sd", *[f"pct_{v:g}" for v in scale], "top2_pct"]
    hidden = {}
    if split is not None and min_cell > 1:
        out, hidden = _hide_groups(con, q, split, out, min_cell, stat_cols)
    out["rank"] = out.groupby("group", sort=False)["mean"].rank(method="min").astype("Int64")
    columns = ["item_no", "item", "group", "n", *stat_cols, "rank"]
    if split is None:
        columns.remove("group")
    out = out[columns]
    out.attrs = {"question": q.text, "scale": scale, "hidden": hidden}
    return out


def _scored_answers(
    con: duckdb.DuckDBPyConnection, q: Question, split: Grouping | None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per item and group: (item_no, group, n, mean, sd) and the distribution (item_no, group, value, k)."""
    members, m_params = membership(split)
    params = {"s": q.survey_id, "q": q.question_no, **m_params}
    scored = f"""
        WITH membership AS ({members}),
        scored AS (
            SELECT a.item_no, m.grp, o.value
            FROM survey_answer a
            JOIN survey_option o
              ON o.survey_id = a.survey_id AND o.question_no = a.question_no AND o.option_no = a.option_no
            JOIN membership m USING (response_id)
            WHERE a.survey_id = $s AND a.question_no = $q AND o.value IS NOT NULL
        )
    """
    summary = fetch_frame(
        con,
        scored
        + """
        SELECT item_no, grp AS "group", count(*) AS n, avg(value) AS mean, stddev_samp(value) AS sd
        FROM scored GROUP BY ALL
        """,
        params,
    )
    dist = fetch_frame(
        con,
        scored + 'SELECT item_no, grp AS "group", value, count(*) AS k FROM scored GROUP BY ALL',
        params,
    )
    return summary, dist


def _describe_items(
    summary: pd.DataFrame, dist: pd.DataFrame, items: pd.DataFrame, order: list[str], scale: list[float]
) -> pd.DataFrame:
    """One row per item × group (every one, unanswered included): n, mean, sd, pct_<value>, top2_pct."""
    grid = pd.MultiIndex.from_product([items["item_no"].tolist(), order], names=["item_no", "group"])
    # set_axis: reindex keeps the summary's own index when its rows come in the grid's order
    # (DuckDB's grouping order varies), and with it item_no as INTEGER (int32) instead of int64.
    out = summary.set_index(["item_no", "group"]).reindex(grid).set_axis(grid)
    out["n"] = out["n"].fillna(0).astype("int64")
    wide = dist.pivot_table(index=["item_no", "group"], columns="value", values="k", aggfunc="sum")
    wide = wide.reindex(index=grid, columns=scale).fillna(0)
    for v in scale:
        out[f"pct_{v:g}"] = pct(wide[v], out["n"])
    top = wide[scale[-2:]].sum(axis=1)
    out["top2_pct"] = pct(top, out["n"])
    out = out.reset_index()
    out.insert(1, "item", out["item_no"].map(dict(zip(items["item_no"], items["item"]))))
    return out


# Respondents who scored row $i of question $q: the base of an item's groups.
SCORED_SQL = """
    SELECT DISTINCT a.response_id FROM survey_answer a
    JOIN survey_option o ON o.survey_id = a.survey_id AND o.question_no = a.question_no AND o.option_no = a.option_no
    WHERE a.survey_id = $s AND a.question_no = $q AND a.item_no = $i AND o.value IS NOT NULL
"""


def _hide_groups(
    con: duckdb.DuckDBPyConnection, q: Question, split: Grouping, out: pd.DataFrame, min_group: int,
    stat_cols: list[str],
) -> tuple[pd.DataFrame, dict[tuple[int, str], str]]:
    """Per item, the groups that may not be shown hidden (mark in n, NaN statistics), and why."""
    members = {group: [no for no, label in zip(split.option_nos, split.labels) if label == group]
               for group in split.order}
    out = out.astype({"n": object})
    hidden = {}
    for item_no in out["item_no"].unique():
        blocks = attribute_blocks(con, split.question, 0, SCORED_SQL, {"q": q.question_no, "i": int(item_no)},
                                  min_group=min_group)
        for group, options in members.items():
            reason = blocks.refusal(group, options)
            if reason is None:
                continue
            row = (out["item_no"] == item_no) & (out["group"] == group)
            out.loc[row, "n"] = blocks.mark(options)
            out.loc[row, stat_cols] = np.nan
            hidden[(int(item_no), group)] = reason
    return out, hidden


# --------------------------------------------------------------------------------------------
# Reliability
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reliability:
    """Cronbach's alpha of a matrix scale question.

    Attributes
    ----------
    alpha : float
    ci_low, ci_high : float
        95 % confidence interval (Feldt 1965, as pingouin).
    n : int
        Complete cases used (respondents who scored every item: listwise deletion).
    k : int
        Number of items.
    n_incomplete : int
        Respondents who answered some items but not all, left out.
    items : DataFrame
        item_no, item, mean, sd, item_total_r (corrected item-total correlation: Pearson r of the
        item with the sum of the other items), alpha_if_deleted (NaN when k = 2).
    """

    alpha: float
    ci_low: float
    ci_high: float
    n: int
    k: int
    n_incomplete: int
    items: pd.DataFrame

    def to_frame(self) -> pd.DataFrame:
        """One-row DataFrame: alpha, ci_low, ci_high, n, k, n_incomplete."""
        keys = ["alpha", "ci_low", "ci_high", "n", "k", "n_incomplete"]
        return pd.DataFrame([{key: getattr(self, key) for key in keys}])


def _alpha(x: np.ndarray) -> float:
    k = x.shape[1]
    total_var = x.sum(axis=1).var(ddof=1)
    if k < 2 or total_var == 0:
        return math.nan
    return k / (k - 1) * (1 - x.var(axis=0, ddof=1).sum() / total_var)


def cronbach_alpha(
    con: duckdb.DuckDBPyConnection,
    *,
    survey_id: int,
    question_no: int,
    scope: Scope,
    respondents: RespondentFilter | None = None,
) -> Reliability:
    """Cronbach's alpha, item-total correlations and alpha-if-deleted of a matrix scale.

    Parameters
    ----------
    con : DuckDB connection
    survey_id, question_no : int
        A matrix question with at least two items and numeric option values.
    scope : Scope
    respondents : RespondentFilter, optional
        Only the respondents meeting it (:mod:`analysis.survey.filters`); a filter that would single
        people out raises ``ValueError`` with the reason.

    Returns
    -------
    Reliability
        alpha, ci_low, ci_high, n, k, n_incomplete, items (item_no, item, mean, sd,
        item_total_r, alpha_if_deleted).

    Notes
    -----
    ``alpha = k / (k - 1) × (1 - Σ var(item_i) / var(Σ items))`` with sample variances
    (ddof = 1) over complete cases. The interval follows Feldt: with df1 = n - 1 and
    df2 = (n - 1)(k - 1), ``[1 - (1 - alpha) F(0.975; df1, df2), 1 - (1 - alpha) F(0.025; df1, df2)]``.
    alpha is NaN when the total score does not vary.

    References
    ----------
    Cronbach LJ (1951). Coefficient alpha and the internal structure of tests. Psychometrika 16.
    Feldt LS (1965). The approximate sampling distribution of Kuder-Richardson reliability
    coefficient twenty. Psychometrika 30.
    """
    from scipy import stats  # slow to import: only when needed
    check_scope(scope)
    con = restrict(con, survey_id=survey_id, respondents=respondents, scope=scope, min_cell=None)
    q = load_question(con, survey_id, question_no, allowed=("matrix",), purpose="信度分析（Cronbach α）")
    _scale_values(q)
    items = q.items[q.items["item_no"] > 0].reset_index(drop=True)
    k = len(items)
    if k < 2:
        raise ValueError(f"{q.label}只有 {k} 行，信度分析至少需要 2 个条目")
    scores = _scores_by_respondent(con, q, items["item_no"])
    complete = scores.dropna()
    n = len(complete)
    if n < 2:
        raise ValueError(f"{q.label}只有 {n} 份完整作答，信度分析至少需要 2 份")
    x = complete.to_numpy(dtype=float)
    alpha = _alpha(x)
    df1, df2 = n - 1, (n - 1) * (k - 1)
    ci_low = 1 - (1 - alpha) * stats.f.isf(0.025, df1, df2)
    ci_high = 1 - (1 - alpha) * stats.f.isf(0.975, df1, df2)
    return Reliability(
        alpha=float(alpha),
        ci_low=float(ci_low),
        ci_high=float(ci_high),
        n=n,
        k=k,
        n_incomplete=int(len(scores) - n),
        items=_item_statistics(x, items),
    )


def _scores_by_respondent(con: duckdb.DuckDBPyConnection, q: Question, item_nos: pd.Series) -> pd.DataFrame:
    """Scored answers, one row per respondent with any, one column per item (NaN: not scored)."""
    long = fetch_frame(
        con,
        """
        SELECT a.response_id, a.item_no, o.value
        FROM survey_answer a
        JOIN survey_option o
          ON o.survey_id = a.survey_id AND o.question_no = a.question_no AND o.option_no = a.option_no
        WHERE a.survey_id = $s AND a.question_no = $q AND a.item_no > 0 AND o.value IS NOT NULL
        """,
        {"s": q.survey_id, "q": q.question_no},
    )
    return long.pivot(index="response_id", columns="item_no", values="value").reindex(columns=item_nos)


def _item_statistics(x: np.ndarray, items: pd.DataFrame) -> pd.DataFrame:
    """item_no, item, mean, sd, item_total_r and alpha_if_deleted of complete cases ``x``."""
    k = x.shape[1]
    total = x.sum(axis=1)
    item_total, if_deleted = [], []
    for j in range(k):
        rest = total - x[:, j]
        if x[:, j].std() == 0 or rest.std() == 0:
            item_total.append(math.nan)
        else:
            item_total.append(float(np.corrcoef(x[:, j], rest)[0, 1]))
        if_deleted.append(_alpha(np.delete(x, j, axis=1)) if k > 2 else math.nan)
    return pd.DataFrame(
        {
            "item_no": items["item_no"].astype("int64"),
            "item": items["item"],
            "mean": x.mean(axis=0),
            "sd": x.std(axis=0, ddof=1),
            "item_total_r": item_total,
            "alpha_if_deleted": if_deleted,
        }
    )
