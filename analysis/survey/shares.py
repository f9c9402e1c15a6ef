"""Shares with confidence intervals: the frequency table of one question, the share of
"effective" answers (e.g. 作用明显) by group, and the comparison of two groups' shares.

Counting happens in DuckDB with every value a bound parameter; intervals and tests come from
:mod:`analysis.stats` (Wilson), statsmodels (Newcombe) and SciPy (χ², Fisher). Groups follow the
minimum reporting group of :mod:`analysis.survey.privacy`; whole-sample frequencies are never
hidden. Imports the package's private helpers and :mod:`analysis.survey.privacy`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd

from analysis import config as config_mod
from analysis.db import fetch_frame
from analysis.scope import Scope
from analysis.survey._common import MISSING_LABEL, TOTAL_LABEL, check_scope, pct, resolve_min_cell, wilson_pct
from analysis.survey._groups import (
    ANSWERED_SQL,
    Grouping,
    attribute_blocks,
    group_order,
    grouping,
    membership,
    refused_groups,
)
from analysis.survey._question import Question, check_item, load_question, option_nos, respondent_count
from analysis.survey.filters import RespondentFilter, restrict

__all__ = ["GroupComparison", "compare_groups", "effective_share", "frequencies"]


# --------------------------------------------------------------------------------------------
# Frequencies
# --------------------------------------------------------------------------------------------


def frequencies(
    con: duckdb.DuckDBPyConnection,
    *,
    survey_id: int,
    question_no: int,
    item_no: int = 0,
    scope: Scope,
    respondents: RespondentFilter | None = None,
) -> pd.DataFrame:
    """Frequency table of one single-choice, multiple-choice or matrix-row question.

    Parameters
    ----------
    con : DuckDB connection
    survey_id, question_no : int
    item_no : int
        Matrix row (1, 2, ...); 0 for every other question type.
    scope : Scope
    respondents : RespondentFilter, optional
        Only the respondents meeting it (:mod:`analysis.survey.filters`); a filter that would single
        people out raises ``ValueError`` with the reason.

    Returns
    -------
    DataFrame
        One row per option in option order (options nobody chose included, with ``n = 0``),
        then a final row ``option = "未作答"`` (``option_no`` NA) counting respondents of the
        survey who gave no answer. Single choice and matrix rows:

        * ``option_no``, ``option``
        * ``n``: respondents choosing the option
        * ``pct``: n / all respondents of the survey (missing included) × 100
        * ``valid_pct``: n / respondents who answered × 100 (NaN on the missing row)
        * ``ci_low``, ``ci_high``: Wilson 95 % interval of ``valid_pct``

        Multiple choice (each option is a yes/no for every respondent who answered):

        * ``option_no``, ``option``, ``n``
        * ``response_pct``: n / all selections × 100 (sums to 100)
        * ``case_pct``: n / respondents who answered × 100 (sums to more than 100)
        * ``ci_low``, ``ci_high``: Wilson 95 % interval of ``case_pct``

        ``attrs``: ``respondents`` (all respondents), ``answered``, ``question``, ``qtype``.

    Notes
    -----
    Nothing is hidden: these are whole-sample counts, which break no group of respondents down
    (see :mod:`analysis.survey.privacy`).

    Examples
    --------
    >>> frequencies(con, survey_id=1, question_no=2, scope=Scope.committee())  # doctest: +SKIP
    """
    check_scope(scope)
    con = restrict(con, survey_id=survey_id, respondents=respondents, scope=scope, min_cell=None)
    q = load_question(con, survey_id, question_no, allowed=("single", "multiple", "matrix"), purpose="频数分析")
    check_item(q, item_no)
    counts, answered = _option_counts(con, q, item_no)
    respondents = respondent_count(con, survey_id)
    pct_cols = _add_percentages(counts, q.qtype, answered=answered, respondents=respondents)
    out = _with_missing_row(counts, q.qtype, pct_cols, missing=respondents - answered, respondents=respondents)
    out.attrs = {"respondents": int(respondents), "answered": int(answered), "question": q.text, "qtype": q.qtype}
    return out


def _option_counts(con: duckdb.DuckDBPyConnection, q: Question, item_no: int) -> tuple[pd.DataFrame, int]:
    """(option_no, option, n for every option, respondents who answered) of one question or matrix row."""
    params = {"s": q.survey_id, "q": q.question_no, "i": item_no}
    counts = fetch_frame(
        con,
        """
        WITH chosen AS (
            SELECT option_no, count(DISTINCT response_id) AS n
            FROM survey_answer
            WHERE survey_id = $s AND question_no = $q AND item_no = $i AND option_no IS NOT NULL
            GROUP BY option_no
        )
        SELECT o.option_no, o.text AS option, coalesce(c.n, 0) AS n
        FROM survey_option o
        LEFT JOIN chosen c USING (option_no)
        WHERE o.survey_id = $s AND o.question_no = $q
        ORDER BY o.position, o.option_no
        """,
        params,
    )
    answered = con.execute(
        """
        SELECT count(DISTINCT response_id)
        FROM survey_answer
        WHERE survey_id = $s AND question_no = $q AND item_no = $i AND option_no IS NOT NULL
        """,
        params,
    ).fetchone()[0]
    counts["option_no"] = counts["option_no"].astype("Int64")
    counts["n"] = counts["n"].astype("int64")
    return counts, answered


def _add_percentages(counts: pd.DataFrame, qtype: str, *, answered: int, respondents: int) -> list[str]:
    """Add the percentage and interval columns of ``qtype`` to ``counts``; return their names."""
    n = counts["n"].to_numpy()
    if qtype == "multiple":
        counts["response_pct"] = pct(n, n.sum())
        counts["case_pct"] = pct(n, answered)
        pct_cols = ["response_pct", "case_pct", "ci_low", "ci_high"]
    else:
        counts["pct"] = pct(n, respondents)
        counts["valid_pct"] = pct(n, answered)
        pct_cols = ["pct", "valid_pct", "ci_low", "ci_high"]
    counts["ci_low"], counts["ci_high"] = wilson_pct(n, np.full(n.shape, answered))
    return pct_cols


def _with_missing_row(
    counts: pd.DataFrame, qtype: str, pct_cols: list[str], *, missing: int, respondents: int
) -> pd.DataFrame:
    """``counts`` with the 未作答 row appended."""
    missing_row = {"option_no": pd.NA, "option": MISSING_LABEL, "n": missing}
    missing_row |= {c: np.nan for c in pct_cols}
    if qtype != "multiple":
        missing_row["pct"] = float(pct(missing, respondents))
    out = pd.concat([counts, pd.DataFrame([missing_row])], ignore_index=True)
    out["option_no"] = out["option_no"].astype("Int64")
    return out


# --------------------------------------------------------------------------------------------
# Share of "effective" answers by group
# --------------------------------------------------------------------------------------------


def _effective_counts(
    con: duckdb.DuckDBPyConnection,
    *,
    survey_id: int,
    question_no: int,
    item_no: int,
    group_question_no: int | None,
    groups: Mapping[str, Sequence[str] | str] | None,
    effective_options: Sequence[str] | None,
    min_group: int,
) -> tuple[pd.DataFrame, Grouping | None, dict[str, tuple[str, str]]]:
    """Raw counts per group: group, n, effective, not_effective (group order kept); the
    grouping; and the groups (and 合计) that may not be shown, each with its reason and mark."""
    q = load_question(con, survey_id, question_no, allowed=("single", "matrix"), purpose="有效比例分析")
    check_item(q, item_no)
    effective_nos = _effective_option_nos(q, effective_options)
    split = grouping(con, survey_id, group_question_no, groups)
    members, m_params = membership(split)
    params = {"s": survey_id, "q": question_no, "i": item_no}
    counts = fetch_frame(
        con,
        f"""
        WITH membership AS ({members}),
        outcome AS (
            SELECT response_id, bool_or(list_contains($effective, option_no)) AS effective
            FROM survey_answer
            WHERE survey_id = $s AND question_no = $q AND item_no = $i AND option_no IS NOT NULL
            GROUP BY response_id
        )
        SELECT m.grp AS "group", count(*) AS n, count(*) FILTER (WHERE o.effective) AS effective
        FROM outcome o
        JOIN membership m USING (response_id)
        GROUP BY m.grp
        """,
        {**params, "effective": effective_nos, **m_params},
    )
    counts = (
        counts.set_index("group")
        .reindex(group_order(split), fill_value=0)
        .rename_axis("group")
        .reset_index()
        .astype({"n": "int64", "effective": "int64"})
    )
    counts["not_effective"] = counts["n"] - counts["effective"]
    if split is None or min_group <= 1:
        return counts, split, {}
    blocks = attribute_blocks(con, split.question, 0, ANSWERED_SQL, params, min_group=min_group)
    return counts, split, refused_groups(split, blocks, with_total=True)




def _effective_option_nos(q: Question, effective_options: Sequence[str] | str | None) -> list[int]:
    """Option numbers of the effective options; ``None`` takes the configured ones."""
    if effective_options is None:
        effective_options = config_mod.load().survey.effective_options
    if isinstance(effective_options, str):
        effective_options = [effective_options]
    if not effective_options:
        raise ValueError("effective_options 不能为空")
    return option_nos(q, effective_options, "有效选项")


def _share_table(counts: pd.DataFrame, with_total: bool) -> pd.DataFrame:
    table = counts[["group", "n", "effective", "not_effective"]].copy()
    if with_total:
        total = {"group": TOTAL_LABEL, **{c: int(table[c].sum()) for c in ("n", "effective", "not_effective")}}
        table = pd.concat([table, pd.DataFrame([total])], ignore_index=True)
    table["pct"] = pct(table["effective"], table["n"])
    table["ci_low"], table["ci_high"] = wilson_pct(table["effective"], table["n"])
    return table


def _hide_groups(table: pd.DataFrame, refused: dict[str, tuple[str, str]]) -> pd.DataFrame:
    """``table`` with the counts of each refused group replaced by its mark and its shares
    blanked; ``attrs["hidden"]`` maps each hidden group to the reason (Chinese)."""
    out = table.copy()
    hit = out["group"].isin(list(refused))
    if hit.any():
        for col in ("n", "effective", "not_effective"):
            out[col] = out[col].astype(object)
            out.loc[hit, col] = out.loc[hit, "group"].map(lambda g: refused[g][1])
        out.loc[hit, ["pct", "ci_low", "ci_high"]] = np.nan
    out.attrs = {"hidden": {group: reason for group, (reason, _) in refused.items() if group in set(out["group"])}}
    return out


def effective_share(
    con: duckdb.DuckDBPyConnection,
    *,
    survey_id: int,
    question_no: int,
    item_no: int = 0,
    group_question_no: int | None = None,
    groups: Mapping[str, Sequence[str]] | None = None,
    effective_options: Sequence[str] | None = None,
    scope: Scope,
    respondents: RespondentFilter | None = None,
    min_cell: int | None = None,
) -> pd.DataFrame:
    """Share of respondents choosing an "effective" answer (e.g. 作用明显), by group.

    Parameters
    ----------
    con : DuckDB connection
    survey_id, question_no : int
        The outcome question: single choice, or a matrix question with ``item_no``.
    item_no : int
        Matrix row of the outcome question; 0 otherwise.
    group_question_no : int, optional
        A single-choice question forming the groups (e.g. 政治面貌). ``None``: one row, 全部.
    groups : dict of str to list of str, optional
        Group label -> option texts of the grouping question, e.g.
        ``{"党员": ["中共党员", "预备党员"], "非党员": ["群众", "其他党派"]}``. Options not
        listed are left out. ``None``: one group per option, labelled with its text.
    effective_options : list of str, optional
        Option texts of the outcome question counted as effective; ``None`` takes
        ``survey.effective_options`` from the configuration (default ``["作用明显"]``).
    scope : Scope
    respondents : RespondentFilter, optional
        Only the respondents meeting it (:mod:`analysis.survey.filters`); a filter that would single
        people out raises ``ValueError`` with the reason.
    min_cell : int, optional
        The minimum reporting group; ``None`` = configuration, ``0`` = off.

    Returns
    -------
    DataFrame
        One row per group in group order, then (when grouped) a ``合计`` row over all groups:

        * ``group``
        * ``n``: respondents in the group who answered the outcome question
        * ``effective``: of whom chose an effective option
        * ``not_effective``: n - effective
        * ``pct``: effective / n × 100
        * ``ci_low``, ``ci_high``: Wilson 95 % interval of ``pct``

        A group that may not be shown has ``"<5"`` (under the minimum) or ``"*"`` (would give a
        small one back by subtraction) in n, effective and not_effective and NaN shares;
        ``attrs["hidden"]`` maps each such group to the reason, in Chinese.

    Notes
    -----
    Respondents who skipped the outcome question or the grouping question are left out. Which
    groups are shown follows :mod:`analysis.survey.privacy` over the respondents who answered
    the outcome question: a group must have at least ``min_cell`` of them and be a union of
    whole reporting blocks of the grouping question, so that neither it nor its difference
    from another grouping or from the whole sample isolates a smaller group. Ungrouped, the
    one row 全部 is never hidden.

    Examples
    --------
    >>> effective_share(con, survey_id=1, question_no=5, group_question_no=1,
    ...                 groups={"党员": ["中共党员"], "非党员": ["群众"]},
    ...                 scope=Scope.committee())  # doctest: +SKIP
    """
    check_scope(scope)
    con = restrict(con, survey_id=survey_id, respondents=respondents, scope=scope, min_cell=min_cell)
    counts, split, refused = _effective_counts(
        con,
        survey_id=survey_id,
        question_no=question_no,
        item_no=item_no,
        group_question_no=group_question_no,
        groups=groups,
        effective_options=effective_options,
        min_group=resolve_min_cell(min_cell),
    )
    return _hide_groups(_share_table(counts, with_total=split is not None), refused)


# --------------------------------------------------------------------------------------------
# Two groups compared
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GroupComparison:
    """Two groups' effective shares compared.

    Attributes
    ----------
    group1, group2 : str
    n1, n2, effective1, effective2 : int
    pct1, pct2 : float
        effective / n × 100.
    diff, ci_low, ci_high : float
        pct1 - pct2 in percentage points, with the Newcombe hybrid score 95 % interval.
    chi2, dof, p_chi2 : float, int, float
        Pearson χ² test of the 2×2 table without Yates' continuity correction.
    p_fisher, odds_ratio : float
        Fisher's exact test (two-sided) and the sample odds ratio.
    min_expected : float
        Smallest expected count of the 2×2 table.
    test : str
        ``"chi2"``, or ``"fisher"`` when any expected count is below 5.
    p_val : float
        The p-value of ``test``: the one to report.
    cramer_v : float
        Cramér's V (for 2×2 tables = |φ|).
    suppressed : bool
        True when either group is hidden in :func:`effective_share`; every number above except
        the group names is then NaN (it would give the hidden counts back).
    note : str
        Why numbers are missing, in Chinese; empty when everything is shown.
    """

    group1: str
    group2: str
    n1: float
    n2: float
    effective1: float
    effective2: float
    pct1: float
    pct2: float
    diff: float
    ci_low: float
    ci_high: float
    chi2: float
    dof: int
    p_chi2: float
    p_fisher: float
    odds_ratio: float
    min_expected: float
    test: str
    p_val: float
    cramer_v: float
    suppressed: bool = False
    note: str = ""

    def to_frame(self) -> pd.DataFrame:
        """One-row tidy DataFrame with the attributes above as columns."""
        return pd.DataFrame([self.__dict__])


def two_proportions(e1: int, n1: int, e2: int, n2: int) -> dict:
    """Difference, Newcombe interval, χ², Fisher and Cramér's V of two independent proportions.

    Parameters
    ----------
    e1, n1 : "effective" respondents and respondents of the first group (or the later wave).
    e2, n2 : the same of the second group (or the earlier wave).

    Returns
    -------
    dict: pct1, pct2, diff (pct1 - pct2, percentage points), ci_low, ci_high (Newcombe
    95 %), chi2, p_chi2, dof, min_expected, cramer_v, odds_ratio, p_fisher, test ("chi2", or
    "fisher" when an expected count is below 5), p_val (of that test), note.
    """
    from scipy import stats  # slow to import: only when needed
    from statsmodels.stats.proportion import confint_proportions_2indep  # slow to import: only when needed
    table = np.array([[e1, n1 - e1], [e2, n2 - e2]])
    out: dict = {"dof": 1, "note": ""}
    out["pct1"], out["pct2"] = float(pct(e1, n1)), float(pct(e2, n2))
    out["diff"] = out["pct1"] - out["pct2"]
    if n1 > 0 and n2 > 0:
        low, high = confint_proportions_2indep(e1, n1, e2, n2, method="newcomb", compare="diff")
        out["ci_low"], out["ci_high"] = float(low) * 100, float(high) * 100
    else:
        out["ci_low"] = out["ci_high"] = math.nan
    if (table.sum(axis=0) > 0).all() and (table.sum(axis=1) > 0).all():
        res = stats.chi2_contingency(table, correction=False)
        out["chi2"], out["p_chi2"] = float(res.statistic), float(res.pvalue)
        out["min_expected"] = float(res.expected_freq.min())
        out["cramer_v"] = math.sqrt(out["chi2"] / table.sum())
    else:
        out["chi2"] = out["p_chi2"] = out["cramer_v"] = math.nan
        out["min_expected"] = 0.0
        out["note"] = "某一行或列全为 0，无法做 χ² 检验"
    fisher = stats.fisher_exact(table)
    out["odds_ratio"], out["p_fisher"] = float(fisher.statistic), float(fisher.pvalue)
    out["test"] = "fisher" if out["min_expected"] < 5 else "chi2"
    out["p_val"] = out["p_fisher"] if out["test"] == "fisher" else out["p_chi2"]
    return out


def compare_groups(
    con: duckdb.DuckDBPyConnection,
    *,
    survey_id: int,
    question_no: int,
    group_question_no: int,
    item_no: int = 0,
    groups: Mapping[str, Sequence[str]] | None = None,
    compare: tuple[str, str] | None = None,
    effective_options: Sequence[str] | None = None,
    scope: Scope,
    respondents: RespondentFilter | None = None,
    min_cell: int | None = None,
) -> GroupComparison:
    """Compare the effective share of two groups: difference, its CI, χ² / Fisher, Cramér's V.

    Parameters
    ----------
    con, survey_id, question_no, item_no, group_question_no, groups, effective_options, min_cell
        As in :func:`effective_share`.
    compare : (str, str), optional
        The two group labels to compare, in this order; required when the grouping gives more
        than two groups.
    scope : Scope
    respondents : RespondentFilter, optional
        Only the respondents meeting it (:mod:`analysis.survey.filters`); a filter that would single
        people out raises ``ValueError`` with the reason.

    Returns
    -------
    GroupComparison
        See its attributes; ``.to_frame()`` gives a one-row DataFrame with columns group1,
        group2, n1, n2, effective1, effective2, pct1, pct2, diff, ci_low, ci_high, chi2, dof,
        p_chi2, p_fisher, odds_ratio, min_expected, test, p_val, cramer_v, suppressed, note.

    Notes
    -----
    * diff = p1 - p2; its interval is Newcombe's hybrid score interval (method 10 of Newcombe
      1998): with Wilson limits (l1, u1), (l2, u2),
      ``[diff - sqrt((p1-l1)² + (u2-p2)²), diff + sqrt((u1-p1)² + (p2-l2)²)]``
      (statsmodels ``confint_proportions_2indep(method="newcomb")``).
    * χ² = Σ (O - E)² / E over the 2×2 table, **without** Yates' correction
      (``scipy.stats.chi2_contingency(correction=False)``), so that it agrees with Cramér's V
      = sqrt(χ² / N) and with the r×c tests of :func:`crosstab`.
    * When any expected count is below 5 the χ² approximation is poor: ``test`` is then
      ``"fisher"`` and ``p_val`` is Fisher's exact two-sided p (``scipy.stats.fisher_exact``).

    References
    ----------
    Newcombe RG (1998). Interval estimation for the difference between independent
    proportions: comparison of eleven methods. Statistics in Medicine 17:873-890.
    """
    check_scope(scope)
    con = restrict(con, survey_id=survey_id, respondents=respondents, scope=scope, min_cell=min_cell)
    counts, _, refused = _effective_counts(
        con,
        survey_id=survey_id,
        question_no=question_no,
        item_no=item_no,
        group_question_no=group_question_no,
        groups=groups,
        effective_options=effective_options,
        min_group=resolve_min_cell(min_cell),
    )
    compare = _pair(list(counts["group"]), compare)
    rows = counts.set_index("group").loc[list(compare)]
    (n1, e1), (n2, e2) = rows[["n", "effective"]].to_numpy().tolist()
    result = two_proportions(int(e1), int(n1), int(e2), int(n2))
    values = {"n1": n1, "n2": n2, "effective1": e1, "effective2": e2, **result}
    reasons = [refused[group][0] for group in compare if group in refused]
    if reasons:
        return _unreported(compare, values, reasons)
    return GroupComparison(compare[0], compare[1], **values)


def _pair(labels: list[str], compare: tuple[str, str] | None) -> tuple[str, str]:
    """The two groups to compare: ``compare`` checked against the groups, or the only two."""
    if compare is None:
        if len(labels) != 2:
            raise ValueError(f"分组有 {len(labels)} 个（{'、'.join(labels)}），请用 compare 指定要比较的两个")
        compare = (labels[0], labels[1])
    if len(compare) != 2 or compare[0] == compare[1]:
        raise ValueError("compare 需要两个不同的分组名")
    for label in compare:
        if label not in labels:
            raise ValueError(f"没有分组“{label}”；现有分组：{'、'.join(labels)}")
    return compare


def _unreported(compare: tuple[str, str], values: dict, reasons: list[str]) -> GroupComparison:
    """The comparison with every number blanked: they would give a hidden group's counts back."""
    for key in values:
        if key not in ("dof", "note", "test"):
            values[key] = math.nan
    values["test"] = ""
    values["note"] = "不报告比较结果：" + "".join(reasons)
    return GroupComparison(compare[0], compare[1], suppressed=True, **values)
