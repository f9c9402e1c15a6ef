"""Cross tables of two single-choice questions (or matrix rows) with the χ² test of
independence, adjusted residuals and Cramér's V; rows (the groups) that the minimum reporting
group does not allow hidden.

Imports the package's private helpers and :mod:`analysis.survey.privacy`.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field

import duckdb
import numpy as np
import pandas as pd

from analysis.db import fetch_frame
from analysis.scope import Scope
from analysis.survey._common import TOTAL_LABEL, check_scope, resolve_min_cell, unique_labels
from analysis.survey._groups import ANSWERED_SQL, attribute_blocks
from analysis.survey._question import Question, check_item, load_questions
from analysis.survey.filters import RespondentFilter, restrict
from analysis.survey.privacy import ReportingBlocks

__all__ = ["Crosstab", "crosstab", "linear_by_linear"]


@dataclass(frozen=True)
class Crosstab:
    """A two-way table of two single-choice questions (or matrix rows) with its χ² test.

    Attributes
    ----------
    counts : DataFrame
        Respondents by row option (index) × column option (columns), every option included,
        with a 合计 row and column. The cells of a hidden row hold ``"<{min_cell}"`` (the group
        has fewer respondents) or ``"*"`` (it would give such a group back by subtraction).
    row_pct : DataFrame
        Each row as percent of its row total (合计 column = 100); NaN where hidden.
    col_pct : DataFrame
        Each column as percent of its column total (合计 row = 100); NaN where hidden.
    expected : DataFrame
        Expected counts under independence (no margins).
    residuals : DataFrame
        Adjusted standardized residuals (no margins); |r| > 1.96 marks a cell that departs
        from independence at the 5 % level. NaN for empty rows/columns and hidden cells.
    n : int
        Respondents who answered both questions.
    chi2, dof, p_val : float, int, float
        Pearson χ² test of independence (no continuity correction) over the non-empty rows
        and columns.
    cramer_v : float
        sqrt(χ² / (n × (min(r, c) - 1))).
    min_expected : float
        Smallest expected count.
    expected_below_5_pct : float
        Percent of cells with an expected count below 5 (above 20 % the χ² test is unreliable).
    p_fisher : float
        Fisher's exact two-sided p for 2×2 tables; NaN otherwise.
    trend_chi2, trend_p : float
        Linear-by-linear association test (M², 1 df) when both questions are ordinal, or one is
        ordinal and the other has two options (then it is the Cochran-Armitage trend test);
        NaN otherwise.
    hidden_rows : dict
        Each hidden row label (合计 included) mapped to the reason, in Chinese.
    """

    counts: pd.DataFrame
    row_pct: pd.DataFrame
    col_pct: pd.DataFrame
    expected: pd.DataFrame
    residuals: pd.DataFrame
    n: int
    chi2: float
    dof: int
    p_val: float
    cramer_v: float
    min_expected: float
    expected_below_5_pct: float
    p_fisher: float
    trend_chi2: float = math.nan
    trend_p: float = math.nan
    hidden_rows: dict = field(default_factory=dict)

    def test_table(self) -> pd.DataFrame:
        """One-row DataFrame: n, chi2, dof, p_val, cramer_v, min_expected,
        expected_below_5_pct, p_fisher, trend_chi2, trend_p."""
        keys = ["n", "chi2", "dof", "p_val", "cramer_v", "min_expected", "expected_below_5_pct", "p_fisher",
                "trend_chi2", "trend_p"]
        return pd.DataFrame([{k: getattr(self, k) for k in keys}])


def _adjusted_residuals(observed: np.ndarray, expected: np.ndarray) -> np.ndarray:
    """(O - E) / sqrt(E (1 - row/N) (1 - col/N)) (Agresti 2013, section 2.4.5)."""
    n = observed.sum()
    row = observed.sum(axis=1, keepdims=True) / n
    col = observed.sum(axis=0, keepdims=True) / n
    return (observed - expected) / np.sqrt(expected * (1 - row) * (1 - col))


def crosstab(
    con: duckdb.DuckDBPyConnection,
    *,
    survey_id: int,
    row_question_no: int,
    col_question_no: int,
    row_item_no: int = 0,
    col_item_no: int = 0,
    scope: Scope,
    respondents: RespondentFilter | None = None,
    min_cell: int | None = None,
) -> Crosstab:
    """Cross-tabulate two questions and test their independence.

    Parameters
    ----------
    con : DuckDB connection
    survey_id : int
    row_question_no, col_question_no : int
        Single-choice questions, or matrix questions with ``row_item_no`` / ``col_item_no``.
        Multiple choice is refused: a respondent would count in several cells and the χ² test
        would be invalid.
    row_item_no, col_item_no : int
        Matrix rows; 0 for single-choice questions.
    scope : Scope
    respondents : RespondentFilter, optional
        Only the respondents meeting it (:mod:`analysis.survey.filters`); a filter that would single
        people out raises ``ValueError`` with the reason.
    min_cell : int, optional
        The minimum reporting group; ``None`` = configuration, ``0`` = off.

    Returns
    -------
    Crosstab
        counts, row_pct, col_pct, expected, residuals, n, chi2, dof, p_val, cramer_v,
        min_expected, expected_below_5_pct, p_fisher, trend_chi2, trend_p, hidden_rows (see
        :class:`Crosstab`).

    Notes
    -----
    χ² = Σ (O - E)² / E with E = row total × column total / n, dof = (r - 1)(c - 1), over
    rows and columns with at least one respondent (an empty option has no expected count).
    Adjusted residual = (O - E) / sqrt(E (1 - r_i / n)(1 - c_j / n)), approximately N(0, 1)
    under independence.

    Trend (linear-by-linear association): M² = (n - 1) r², r the Pearson correlation of the
    row and column scores over the respondents, χ²(1) under independence. Scores are the
    options' values when they have them (options without one, such as 不清楚, are left out),
    else their positions 1, 2, ... in the question's order.

    The rows are the breakdown: each row option is a group of :mod:`analysis.survey.privacy`
    over the respondents who answered the column question, as in :func:`effective_share` with
    the row question as the grouping. A row that may not be shown (too small, or giving a small
    one back by subtraction; the 合计 row too) is hidden whole: counts, percentages, expected
    counts and residuals. Every count of a shown row is shown. To protect the other question's
    groups, make it the rows. The test statistics are kept: they summarise the whole table.

    References
    ----------
    Agresti A (2013). Categorical Data Analysis, 3rd ed. Wiley.
    """
    check_scope(scope)
    con = restrict(con, survey_id=survey_id, respondents=respondents, scope=scope, min_cell=min_cell)
    min_cell = resolve_min_cell(min_cell)
    allowed = ("single", "matrix")
    rq, cq = load_questions(con, survey_id, [row_question_no, col_question_no], allowed=allowed, purpose="交叉分析")
    check_item(rq, row_item_no)
    check_item(cq, col_item_no)
    if (row_question_no, row_item_no) == (col_question_no, col_item_no):
        raise ValueError("交叉分析的行、列不能是同一道题")
    observed = _observed(con, rq, cq, row_item_no, col_item_no)
    row_labels = unique_labels(rq.options["option"], [int(x) for x in rq.options["option_no"]])
    col_labels = unique_labels(cq.options["option"], [int(x) for x in cq.options["option_no"]])
    if TOTAL_LABEL in row_labels or TOTAL_LABEL in col_labels:
        raise ValueError(f"选项名“{TOTAL_LABEL}”与合计行/列重名")
    test = _independence_test(observed)
    if _trend_applies(rq, cq):
        test["trend_chi2"], test["trend_p"] = linear_by_linear(observed, _scores(rq), _scores(cq))
    counts = pd.DataFrame(observed, index=row_labels, columns=col_labels)
    counts[TOTAL_LABEL] = counts.sum(axis=1)
    counts.loc[TOTAL_LABEL] = counts.sum(axis=0)
    expected = pd.DataFrame(test.pop("expected"), index=row_labels, columns=col_labels)
    residuals = pd.DataFrame(test.pop("residuals"), index=row_labels, columns=col_labels)
    for frame in (counts, expected, residuals):
        frame.index.name, frame.columns.name = rq.text, cq.text
    row_pct, col_pct = _shares_of_margins(counts)
    table = Crosstab(counts=counts, row_pct=row_pct, col_pct=col_pct, expected=expected, residuals=residuals,
                     n=int(observed.sum()), **test)
    if min_cell <= 1:
        return table
    blocks = attribute_blocks(con, rq, row_item_no, ANSWERED_SQL, {"q": cq.question_no, "i": col_item_no},
                              min_group=min_cell)
    return _hidden(table, _refused(rq, row_labels, blocks))


def _observed(
    con: duckdb.DuckDBPyConnection, rq: Question, cq: Question, row_item_no: int, col_item_no: int
) -> np.ndarray:
    """Respondents by row option × column option (every option, in option order)."""
    long = fetch_frame(
        con,
        """
        SELECT r.option_no AS row_option, c.option_no AS col_option, count(*) AS n
        FROM survey_answer r
        JOIN survey_answer c
          ON c.survey_id = r.survey_id AND c.response_id = r.response_id
        WHERE r.survey_id = $s
          AND r.question_no = $rq AND r.item_no = $ri AND r.option_no IS NOT NULL
          AND c.question_no = $cq AND c.item_no = $ci AND c.option_no IS NOT NULL
        GROUP BY ALL
        """,
        {"s": rq.survey_id, "rq": rq.question_no, "ri": row_item_no, "cq": cq.question_no, "ci": col_item_no},
    )
    r_at = {int(no): i for i, no in enumerate(rq.options["option_no"])}
    c_at = {int(no): j for j, no in enumerate(cq.options["option_no"])}
    observed = np.zeros((len(r_at), len(c_at)), dtype=np.int64)
    for r, c, n in long.itertuples(index=False):
        observed[r_at[int(r)], c_at[int(c)]] = int(n)
    return observed


def _independence_test(observed: np.ndarray) -> dict:
    """The χ² test over the non-empty rows and columns (an empty option has no expected count).

    Returns the test fields of :class:`Crosstab` plus ``expected`` and ``residuals`` arrays
    shaped like ``observed``, NaN in empty rows and columns (everywhere when there is no test).
    """
    from scipy import stats  # slow to import: only when needed
    keep_r = observed.sum(axis=1) > 0
    keep_c = observed.sum(axis=0) > 0
    sub = observed[np.ix_(keep_r, keep_c)]
    out = {
        "expected": np.full(observed.shape, np.nan), "residuals": np.full(observed.shape, np.nan),
        "chi2": math.nan, "dof": 0, "p_val": math.nan, "cramer_v": math.nan, "min_expected": math.nan,
        "expected_below_5_pct": math.nan, "p_fisher": math.nan,
    }
    if sub.shape[0] < 2 or sub.shape[1] < 2:
        return out
    res = stats.chi2_contingency(sub, correction=False)
    chi2 = float(res.statistic)
    out["chi2"], out["p_val"], out["dof"] = chi2, float(res.pvalue), int(res.dof)
    out["cramer_v"] = math.sqrt(chi2 / (int(observed.sum()) * (min(sub.shape) - 1)))
    out["expected"][np.ix_(keep_r, keep_c)] = res.expected_freq
    out["residuals"][np.ix_(keep_r, keep_c)] = _adjusted_residuals(sub, res.expected_freq)
    out["min_expected"] = float(res.expected_freq.min())
    out["expected_below_5_pct"] = float((res.expected_freq < 5).mean() * 100)
    if sub.shape == (2, 2):
        out["p_fisher"] = float(stats.fisher_exact(sub).pvalue)
    return out


def _trend_applies(rq: Question, cq: Question) -> bool:
    return (rq.ordinal and cq.ordinal) or (rq.ordinal and len(cq.options) == 2) or (cq.ordinal and len(rq.options) == 2)


def _scores(q: Question) -> np.ndarray:
    """Each option's score for the trend test: its value, else its position (NaN: left out)."""
    values = q.options["value"].to_numpy(dtype=float)
    return values if not np.isnan(values).all() else np.arange(1, len(values) + 1, dtype=float)


def linear_by_linear(observed: np.ndarray, row_scores: np.ndarray, col_scores: np.ndarray) -> tuple[float, float]:
    """The linear-by-linear association test of an ordered two-way table.

    Parameters
    ----------
    observed : counts, rows × columns.
    row_scores, col_scores : the score of each row and column; NaN leaves it out (不清楚).

    Returns
    -------
    (m2, p_val)
        M² = (n - 1) r², r the Pearson correlation of the scores over the respondents, and its
        χ²(1) p-value; NaN when fewer than three respondents or either score is constant.

    References
    ----------
    Agresti A (2013). Categorical Data Analysis, 3rd ed., section 3.4.1.
    """
    from scipy import stats  # slow to import: only when needed
    keep_r, keep_c = ~np.isnan(row_scores), ~np.isnan(col_scores)
    table = observed[np.ix_(keep_r, keep_c)].astype(float)
    u, v = row_scores[keep_r], col_scores[keep_c]
    n = table.sum()
    if n < 3:
        return math.nan, math.nan
    u_mean = (table.sum(axis=1) @ u) / n
    v_mean = (table.sum(axis=0) @ v) / n
    cov = ((u - u_mean)[:, None] * (v - v_mean)[None, :] * table).sum()
    var_u = table.sum(axis=1) @ (u - u_mean) ** 2
    var_v = table.sum(axis=0) @ (v - v_mean) ** 2
    if var_u == 0 or var_v == 0:
        return math.nan, math.nan
    m2 = float((n - 1) * cov**2 / (var_u * var_v))
    return m2, float(stats.chi2.sf(m2, 1))


def _shares_of_margins(counts: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Row and column percentages of a table whose last row and column are the totals."""
    values = counts.to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        row_pct = pd.DataFrame(values / values[:, -1:] * 100, index=counts.index, columns=counts.columns)
        col_pct = pd.DataFrame(values / values[-1:, :] * 100, index=counts.index, columns=counts.columns)
    return row_pct, col_pct


def _refused(q: Question, labels: list[str], blocks: ReportingBlocks) -> dict[str, tuple[str, str]]:
    """The options of ``q`` (by label) and its 合计 that may not be shown: label -> (reason, mark)."""
    options = dict(zip(labels, (int(no) for no in q.options["option_no"])))
    refused = {}
    for label, members in [*((label, [no]) for label, no in options.items()), (TOTAL_LABEL, list(options.values()))]:
        reason = blocks.refusal(label, members)
        if reason is not None:
            refused[label] = (reason, blocks.mark(members))
    return refused


def _hidden(table: Crosstab, rows: dict[str, tuple[str, str]]) -> Crosstab:
    """``table`` with the refused rows hidden whole (their mark in the counts, NaN elsewhere)."""
    counts = table.counts
    hidden = np.repeat(counts.index.isin(list(rows))[:, None], counts.shape[1], axis=1)
    marks = pd.DataFrame({c: [rows.get(r, ("", ""))[1] for r in counts.index] for c in counts.columns},
                         index=counts.index)
    inner = hidden[:-1, :-1]  # without the 合计 row and column
    return dataclasses.replace(
        table,
        counts=counts.astype(object).mask(hidden, marks),
        row_pct=table.row_pct.mask(hidden),
        col_pct=table.col_pct.mask(hidden),
        expected=table.expected.mask(inner),
        residuals=table.residuals.mask(inner),
        hidden_rows={label: reason for label, (reason, _) in rows.items()},
    )
