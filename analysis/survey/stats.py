"""Survey analyses: frequencies, shares with confidence intervals, group tests, cross tables,
Likert items, ranking scores, reliability, keywords, and small-cell suppression.

One statistic, one function, one tidy table (pingouin style). Counting happens in DuckDB with
every value a bound parameter; statistics come from SciPy / statsmodels. Respondent ids never
leave this module: every result is an aggregate, and free-text answers are returned without ids,
sorted by text rather than by response order.

Conventions shared by every function
------------------------------------
* Percentages (``pct``, ``valid_pct``, ``ci_low``, ``ci_high``, ``diff`` ...) are in percent
  (0-100; ``diff`` and its interval in percentage points), unrounded: rounding is the UI's job.
* Confidence intervals are 95 % two-sided: Wilson score intervals for one proportion, the
  Newcombe hybrid score interval for a difference of two proportions.
* ``scope`` is taken for uniformity with the other analysis modules. Survey results carry no
  names, so every role may call these functions; what protects respondents is that outputs are
  aggregates and that small cells are suppressed.
* ``min_cell``: ``None`` takes ``survey.min_cell`` from the hospital configuration (5 by
  default), ``0`` turns suppression off (tests, or a researcher's own unpublished work), any other
  value is the threshold. See :func:`suppress` for the rules.
* Bad input (unknown survey/question, a question of the wrong type, an unknown option text)
  raises ``ValueError`` with a Chinese message that the UI can show as is.
"""

from __future__ import annotations

import logging
import math
import re
import unicodedata
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import duckdb
import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy import stats
from statsmodels.stats.proportion import confint_proportions_2indep

from analysis import config as config_mod
from analysis.scope import Scope
from analysis.stats import wilson_interval

__all__ = [
    "COMPLEMENT",
    "MISSING_LABEL",
    "TOTAL_LABEL",
    "ALL_LABEL",
    "Crosstab",
    "GroupComparison",
    "Reliability",
    "alpha_label",
    "answers_containing",
    "compare_groups",
    "cronbach_alpha",
    "crosstab",
    "default_effective",
    "effect_size_label",
    "effective_share",
    "frequencies",
    "keywords",
    "likert_items",
    "likert_published",
    "member_groups",
    "question_options",
    "questions",
    "ranking_scores",
    "suppress",
    "suppression_mask",
    "surveys",
]

MISSING_LABEL = "未作答"
TOTAL_LABEL = "合计"
ALL_LABEL = "全部"
#: Shown instead of a count hidden only so that a small cell cannot be recovered by subtraction
#: (secondary suppression). Small cells themselves show ``"<{min_cell}"``.
COMPLEMENT = "*"

QTYPE_LABELS = {
    "single": "单选题",
    "multiple": "多选题",
    "matrix": "矩阵题",
    "ranking": "排序题",
    "text": "填空题",
}


# --------------------------------------------------------------------------------------------
# Shared helpers: question lookup, validation, parameters
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Question:
    survey_id: int
    question_no: int
    text: str
    qtype: str
    options: pd.DataFrame  # option_no, option, value (ordered by option_no)
    items: pd.DataFrame  # item_no, item (ordered by item_no)

    @property
    def label(self) -> str:
        return f"第 {self.question_no} 题（{QTYPE_LABELS[self.qtype]}）"


def _check_scope(scope: Scope) -> None:
    if not isinstance(scope, Scope):
        raise TypeError(f"scope must be an analysis.scope.Scope, got {type(scope).__name__}")


def _question(
    con: duckdb.DuckDBPyConnection,
    survey_id: int,
    question_no: int,
    *,
    allowed: Sequence[str],
    purpose: str,
) -> _Question:
    """Load a question with its options and items; refuse a question type ``purpose`` cannot use."""
    if con.execute("SELECT count(*) FROM survey WHERE survey_id = $s", {"s": survey_id}).fetchone()[0] == 0:
        raise ValueError(f"问卷 {survey_id} 不存在")
    row = con.execute(
        "SELECT text, qtype FROM survey_question WHERE survey_id = $s AND question_no = $q",
        {"s": survey_id, "q": question_no},
    ).fetchone()
    if row is None:
        raise ValueError(f"问卷 {survey_id} 没有第 {question_no} 题")
    text, qtype = row
    if qtype not in allowed:
        wanted = "、".join(f"{QTYPE_LABELS[t]}（{t}）" for t in allowed)
        raise ValueError(
            f"第 {question_no} 题是{QTYPE_LABELS[qtype]}（{qtype}），{purpose}只适用于{wanted}"
        )
    params = {"s": survey_id, "q": question_no}
    options = con.execute(
        """
        SELECT option_no, text AS option, value
        FROM survey_option
        WHERE survey_id = $s AND question_no = $q
        ORDER BY option_no
        """,
        params,
    ).df()
    items = con.execute(
        """
        SELECT item_no, text AS item
        FROM survey_item
        WHERE survey_id = $s AND question_no = $q
        ORDER BY item_no
        """,
        params,
    ).df()
    q = _Question(survey_id, question_no, text, qtype, options, items)
    _check_answers(con, q)
    return q


def _check_answers(con: duckdb.DuckDBPyConnection, q: _Question) -> None:
    """Refuse data no statistic can be trusted on (the schema cannot express these rules)."""
    params = {"s": q.survey_id, "q": q.question_no}
    unknown = con.execute(
        """
        SELECT DISTINCT a.option_no
        FROM survey_answer a
        WHERE a.survey_id = $s AND a.question_no = $q AND a.option_no IS NOT NULL
          AND NOT EXISTS (
              SELECT 1 FROM survey_option o
              WHERE o.survey_id = a.survey_id AND o.question_no = a.question_no
                AND o.option_no = a.option_no)
        ORDER BY 1
        """,
        params,
    ).fetchall()
    if unknown:
        raise ValueError(f"{q.label}的答案引用了不存在的选项编号：{[r[0] for r in unknown]}")
    if q.qtype in ("single", "matrix"):
        doubled = con.execute(
            """
            SELECT count(*) FROM (
                SELECT response_id, item_no
                FROM survey_answer
                WHERE survey_id = $s AND question_no = $q AND option_no IS NOT NULL
                GROUP BY ALL HAVING count(*) > 1)
            """,
            params,
        ).fetchone()[0]
        if doubled:
            raise ValueError(f"{q.label}有 {doubled} 处一份答卷选了多个选项，单选数据有误，请检查导入")
    if q.qtype == "ranking":
        k = len(q.options)
        bad = con.execute(
            """
            SELECT count(*) FROM survey_answer
            WHERE survey_id = $s AND question_no = $q AND option_no IS NOT NULL
              AND (rank IS NULL OR rank > $k)
            """,
            {**params, "k": k},
        ).fetchone()[0]
        if bad:
            raise ValueError(f"{q.label}有 {bad} 个答案缺少名次或名次大于选项数 {k}")


def _item(q: _Question, item_no: int) -> None:
    if q.qtype == "matrix":
        if item_no not in set(q.items["item_no"]) or item_no == 0:
            raise ValueError(f"{q.label}没有第 {item_no} 行；矩阵题请用 item_no 指定行（1 起）")
    elif item_no != 0:
        raise ValueError(f"{q.label}不是矩阵题，item_no 只能为 0")


def _respondents(con: duckdb.DuckDBPyConnection, survey_id: int) -> int:
    return con.execute(
        "SELECT count(*) FROM survey_response WHERE survey_id = $s", {"s": survey_id}
    ).fetchone()[0]


def _resolve_min_cell(min_cell: int | None) -> int:
    if min_cell is None:
        return config_mod.load().survey.min_cell
    if isinstance(min_cell, bool) or not isinstance(min_cell, (int, np.integer)) or min_cell < 0:
        raise ValueError(f"min_cell 必须是非负整数（0 表示不做小格抑制），收到 {min_cell!r}")
    return int(min_cell)


def _option_nos(q: _Question, texts: Iterable[str], what: str) -> list[int]:
    """Option numbers for option texts; unknown texts are an error listing the real options."""
    by_text = dict(zip(q.options["option"], q.options["option_no"]))
    nos = []
    for text in texts:
        if text not in by_text:
            raise ValueError(
                f"{what}“{text}”不是{q.label}的选项；可选：{'、'.join(q.options['option'])}"
            )
        nos.append(int(by_text[text]))
    return nos


def _wilson(count: ArrayLike, nobs: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """Wilson 95 % interval in percent; NaN where the base is 0."""
    low, high = wilson_interval(count, nobs)
    return low * 100, high * 100


def _pct(count: ArrayLike, base: ArrayLike) -> np.ndarray:
    count = np.asarray(count, dtype=float)
    base = np.asarray(base, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(base > 0, count / base * 100, np.nan)


def _unique_labels(labels: Sequence[str], numbers: Sequence[int]) -> list[str]:
    """Option texts as labels; duplicated texts get their number so columns stay unique."""
    labels = [str(x) for x in labels]
    dup = {x for x in labels if labels.count(x) > 1}
    return [f"{n}. {x}" if x in dup else x for x, n in zip(labels, numbers)]


# --------------------------------------------------------------------------------------------
# Small-cell suppression
# --------------------------------------------------------------------------------------------


def suppression_mask(
    table: pd.DataFrame,
    *,
    min_cell: int,
    count_cols: Sequence[str],
    total_col: str | None = None,
    total_row: Hashable | None = None,
    totals_known: bool = False,
) -> pd.DataFrame:
    """Which counts to hide: ``"primary"``, ``"secondary"`` or ``""`` for each count cell.

    Parameters
    ----------
    table : DataFrame
        Counts, one row per category (plus an optional totals row).
    min_cell : int
        Counts from 1 to ``min_cell - 1`` are small cells. ``0`` or ``1`` disables suppression.
    count_cols : list of str
        The count columns forming the cells of the table (not the total column).
    total_col : str, optional
        Column holding each row's total (e.g. ``n``); it is checked for small counts too.
    total_row : label, optional
        Index label of the row holding the column totals (e.g. ``"合计"``).
    totals_known : bool
        The column totals are published elsewhere even without ``total_row`` (e.g. the number of
        respondents who answered a question), so a column is treated as having a shown total.

    Returns
    -------
    DataFrame
        Same index as ``table``, columns ``count_cols`` (+ ``total_col``), values ``"primary"``
        (small count), ``"secondary"`` (hidden to protect a small count) or ``""``.

    Notes
    -----
    Primary suppression: every count ``c`` with ``1 <= c < min_cell``, totals included. Zeros are
    shown, except in a row or column whose total is itself small: "0 of a group of 3 chose
    作用明显" tells what each of the 3 answered, so such a line is hidden whole.

    Secondary suppression, repeated until nothing changes: a "line" is a row of cells with its
    row total, or a column of cells with its column total. When a line's total is shown (and
    not 0) and exactly one of its cells is hidden, that cell equals total minus the others, so
    the smallest other non-zero shown cell of the line is hidden too (else a zero, never one
    known to be 0 because its other line totals 0; else the line's total itself). This is the
    usual "no recovery by one subtraction" rule; it does not solve the full linear-programming
    attack on large tables.
    """
    cols = list(count_cols) + ([total_col] if total_col is not None else [])
    missing = [c for c in cols if c not in table.columns]
    if missing:
        raise ValueError(f"表中没有这些计数列：{missing}")
    if total_row is not None and total_row not in table.index:
        raise ValueError(f"表中没有合计行 {total_row!r}")
    if not table.index.is_unique:
        raise ValueError("表的行标签必须唯一")
    values = table[cols].apply(pd.to_numeric).astype(float)
    mask = pd.DataFrame("", index=table.index, columns=cols, dtype=object)
    if min_cell <= 1:
        return mask
    mask[(values >= 1) & (values < min_cell)] = "primary"

    cell_rows = [r for r in table.index if r != total_row]
    lines: list[tuple[list[tuple[Hashable, str]], tuple[Hashable, str] | None, bool]] = []
    if total_col is not None:
        for r in cell_rows:
            lines.append(([(r, c) for c in count_cols], (r, total_col), False))
        if total_row is not None:
            lines.append(([(total_row, c) for c in count_cols], (total_row, total_col), False))
    for c in cols:
        total = (total_row, c) if total_row is not None else None
        lines.append(([(r, c) for r in cell_rows], total, totals_known))

    # Cells of a line whose total is 0 are known to be 0 whatever is shown.
    known_zero = {cell for cells, total, _ in lines if total is not None and values.at[total] == 0 for cell in cells}
    for cells, total, _ in lines:
        if total is not None and mask.at[total] == "primary":
            for cell in cells:
                if values.at[cell] == 0 and cell not in known_zero:
                    mask.at[cell] = "primary"

    changed = True
    while changed:
        changed = False
        for cells, total, known in lines:
            if total is None and not known:
                continue
            if total is not None and (mask.at[total] or values.at[total] == 0):
                continue  # a hidden total protects the line; a zero total means every cell is 0
            hidden = [cell for cell in cells if mask.at[cell]]
            if len(hidden) != 1:
                continue
            shown = [cell for cell in cells if not mask.at[cell] and cell not in known_zero]
            if shown:
                pick = min(shown, key=lambda cell: (values.at[cell] == 0, values.at[cell]))
            elif total is not None:
                pick = total
            else:
                continue  # a one-cell column equal to a published total cannot be protected here
            mask.at[pick] = "secondary"
            changed = True
    return mask


def suppress(
    table: pd.DataFrame,
    *,
    min_cell: int,
    count_cols: Sequence[str],
    total_col: str | None = None,
    total_row: Hashable | None = None,
    totals_known: bool = False,
    hide: Mapping[str, Sequence[str]] | None = None,
) -> pd.DataFrame:
    """Hide small counts (and what would reveal them) in a table about to be shown.

    Parameters
    ----------
    table, min_cell, count_cols, total_col, total_row, totals_known
        As in :func:`suppression_mask`.
    hide : dict of str to list of str, optional
        For each count column, the columns derived from it (percentages, intervals) to blank in
        every row where that count is hidden, e.g. ``{"n": ["pct", "ci_low", "ci_high"]}``.

    Returns
    -------
    DataFrame
        A copy of ``table``: small counts replaced by the string ``"<{min_cell}"`` (e.g.
        ``"<5"``), counts hidden by secondary suppression by :data:`COMPLEMENT` (``"*"``), the
        dependent columns set to NaN. Count columns become object dtype when anything is hidden.
        ``attrs["suppressed"]`` lists ``(row, column, "primary" | "secondary")``.

    Notes
    -----
    See :func:`suppression_mask` for the rules. Secondary cells are marked differently from
    small ones because writing ``"<5"`` over a count of, say, 40 would be false.

    Examples
    --------
    >>> t = pd.DataFrame({"n": [40, 3, 57], "pct": [40.0, 3.0, 57.0]}, index=["甲", "乙", "丙"])
    >>> suppress(t, min_cell=5, count_cols=["n"], totals_known=True, hide={"n": ["pct"]})["n"].tolist()
    ['*', '<5', 57]
    """
    mask = suppression_mask(
        table,
        min_cell=min_cell,
        count_cols=count_cols,
        total_col=total_col,
        total_row=total_row,
        totals_known=totals_known,
    )
    out = table.copy()
    hidden_list = []
    for col in mask.columns:
        hit = mask[col] != ""
        if not hit.any():
            continue
        out[col] = out[col].astype(object)
        out.loc[mask[col] == "primary", col] = f"<{min_cell}"
        out.loc[mask[col] == "secondary", col] = COMPLEMENT
        for dep in (hide or {}).get(col, ()):
            out[dep] = out[dep].astype(float)
            out.loc[hit, dep] = np.nan
        hidden_list += [(r, col, mask.at[r, col]) for r in mask.index[hit]]
    out.attrs["suppressed"] = hidden_list
    return out


# --------------------------------------------------------------------------------------------
# 1. Frequencies
# --------------------------------------------------------------------------------------------


def frequencies(
    con: duckdb.DuckDBPyConnection,
    *,
    survey_id: int,
    question_no: int,
    item_no: int = 0,
    scope: Scope,
    min_cell: int | None = None,
) -> pd.DataFrame:
    """Frequency table of one single-choice, multiple-choice or matrix-row question.

    Parameters
    ----------
    con : DuckDB connection
    survey_id, question_no : int
    item_no : int
        Matrix row (1, 2, ...); 0 for every other question type.
    scope : Scope
    min_cell : int, optional
        Small-cell threshold; ``None`` = configuration, ``0`` = off.

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

        ``attrs``: ``respondents`` (all respondents), ``answered``, ``question``, ``qtype``,
        ``suppressed`` (as in :func:`suppress`).

    Notes
    -----
    Suppression treats the option counts as one column whose total (the number who answered,
    or of selections) is public. The 未作答 row is never suppressed: non-response says nothing
    about a respondent's views, and it is the base every percentage depends on.

    Examples
    --------
    >>> frequencies(con, survey_id=1, question_no=2, scope=Scope.committee())  # doctest: +SKIP
    """
    _check_scope(scope)
    q = _question(con, survey_id, question_no, allowed=("single", "multiple", "matrix"), purpose="频数分析")
    _item(q, item_no)
    min_cell = _resolve_min_cell(min_cell)
    params = {"s": survey_id, "q": question_no, "i": item_no}
    counts = con.execute(
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
        ORDER BY o.option_no
        """,
        params,
    ).df()
    answered = con.execute(
        """
        SELECT count(DISTINCT response_id)
        FROM survey_answer
        WHERE survey_id = $s AND question_no = $q AND item_no = $i AND option_no IS NOT NULL
        """,
        params,
    ).fetchone()[0]
    respondents = _respondents(con, survey_id)
    missing = respondents - answered
    counts["option_no"] = counts["option_no"].astype("Int64")
    counts["n"] = counts["n"].astype("int64")
    n = counts["n"].to_numpy()

    if q.qtype == "multiple":
        counts["response_pct"] = _pct(n, n.sum())
        counts["case_pct"] = _pct(n, answered)
        pct_cols = ["response_pct", "case_pct", "ci_low", "ci_high"]
    else:
        counts["pct"] = _pct(n, respondents)
        counts["valid_pct"] = _pct(n, answered)
        pct_cols = ["pct", "valid_pct", "ci_low", "ci_high"]
    counts["ci_low"], counts["ci_high"] = _wilson(n, np.full(n.shape, answered))
    if min_cell > 1:
        counts = suppress(counts, min_cell=min_cell, count_cols=["n"], totals_known=True, hide={"n": pct_cols})
    missing_row = {"option_no": pd.NA, "option": MISSING_LABEL, "n": missing}
    missing_row |= {c: np.nan for c in pct_cols}
    if q.qtype != "multiple":
        missing_row["pct"] = float(_pct(missing, respondents))
    suppressed = counts.attrs.get("suppressed", [])
    out = pd.concat([counts, pd.DataFrame([missing_row])], ignore_index=True)
    out["option_no"] = out["option_no"].astype("Int64")
    out.attrs = {
        "respondents": int(respondents),
        "answered": int(answered),
        "question": q.text,
        "qtype": q.qtype,
        "suppressed": suppressed,
    }
    return out


# --------------------------------------------------------------------------------------------
# 2. Share of "effective" answers by group, and the two-group comparison
# --------------------------------------------------------------------------------------------


def _group_map(
    con: duckdb.DuckDBPyConnection,
    survey_id: int,
    group_question_no: int | None,
    groups: Mapping[str, Sequence[str] | str] | None,
) -> tuple[list[int], list[str], list[str]] | None:
    """(option numbers, their group labels, group order) for a grouping question, or None."""
    if group_question_no is None:
        if groups is not None:
            raise ValueError("指定了 groups 却没有指定分组题 group_question_no")
        return None
    gq = _question(con, survey_id, group_question_no, allowed=("single",), purpose="分组")
    if groups is None:
        labels = _unique_labels(gq.options["option"], gq.options["option_no"])
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
            for no, text in zip(_option_nos(gq, texts, "分组选项"), texts):
                if no in seen:
                    raise ValueError(f"选项“{text}”同时出现在分组“{seen[no]}”和“{label}”中")
                seen[no] = label
                nos.append(no)
                labels.append(str(label))
        order = [str(g) for g in groups]
    if TOTAL_LABEL in order:
        raise ValueError(f"分组名不能是“{TOTAL_LABEL}”（合计行专用）")
    return nos, labels, order


# Respondents with their group: either everyone in one group, or via the grouping question.
_MEMBERSHIP_ALL = "SELECT response_id, $all_label AS grp FROM survey_response WHERE survey_id = $s"
_MEMBERSHIP_GROUPED = """
    SELECT a.response_id, m.grp
    FROM survey_answer a
    JOIN (SELECT unnest($g_options) AS option_no, unnest($g_labels) AS grp) m USING (option_no)
    WHERE a.survey_id = $s AND a.question_no = $gq AND a.item_no = 0
"""


def _membership(
    mapping: tuple[list[int], list[str], list[str]] | None, group_question_no: int | None
) -> tuple[str, dict]:
    if mapping is None:
        return _MEMBERSHIP_ALL, {"all_label": ALL_LABEL}
    nos, labels, _ = mapping
    return _MEMBERSHIP_GROUPED, {"g_options": nos, "g_labels": labels, "gq": group_question_no}


def _effective_counts(
    con: duckdb.DuckDBPyConnection,
    *,
    survey_id: int,
    question_no: int,
    item_no: int,
    group_question_no: int | None,
    groups: Mapping[str, Sequence[str] | str] | None,
    effective_options: Sequence[str] | None,
) -> tuple[pd.DataFrame, bool]:
    """Raw counts per group: group, n, effective, not_effective (group order kept)."""
    q = _question(con, survey_id, question_no, allowed=("single", "matrix"), purpose="有效比例分析")
    _item(q, item_no)
    if effective_options is None:
        effective_options = config_mod.load().survey.effective_options
    if isinstance(effective_options, str):
        effective_options = [effective_options]
    if not effective_options:
        raise ValueError("effective_options 不能为空")
    effective_nos = _option_nos(q, effective_options, "有效选项")
    mapping = _group_map(con, survey_id, group_question_no, groups)
    membership, m_params = _membership(mapping, group_question_no)
    counts = con.execute(
        f"""
        WITH membership AS ({membership}),
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
        {"s": survey_id, "q": question_no, "i": item_no, "effective": effective_nos, **m_params},
    ).df()
    order = [ALL_LABEL] if mapping is None else mapping[2]
    counts = (
        counts.set_index("group")
        .reindex(order, fill_value=0)
        .rename_axis("group")
        .reset_index()
        .astype({"n": "int64", "effective": "int64"})
    )
    counts["not_effective"] = counts["n"] - counts["effective"]
    return counts, mapping is not None


def _share_table(counts: pd.DataFrame, with_total: bool) -> pd.DataFrame:
    table = counts[["group", "n", "effective", "not_effective"]].copy()
    if with_total:
        total = {"group": TOTAL_LABEL, **{c: int(table[c].sum()) for c in ("n", "effective", "not_effective")}}
        table = pd.concat([table, pd.DataFrame([total])], ignore_index=True)
    table["pct"] = _pct(table["effective"], table["n"])
    table["ci_low"], table["ci_high"] = _wilson(table["effective"], table["n"])
    return table


def _suppress_share(table: pd.DataFrame, min_cell: int, with_total: bool) -> pd.DataFrame:
    derived = ["pct", "ci_low", "ci_high"]
    indexed = table.set_index("group")
    out = suppress(
        indexed,
        min_cell=min_cell,
        count_cols=["effective", "not_effective"],
        total_col="n",
        total_row=TOTAL_LABEL if with_total else None,
        hide={"n": derived, "effective": derived, "not_effective": derived},
    )
    suppressed = out.attrs.get("suppressed", [])
    out = out.reset_index()
    out.attrs = {"suppressed": suppressed}
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
    min_cell : int, optional
        Small-cell threshold; ``None`` = configuration, ``0`` = off.

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

        ``attrs["suppressed"]``: hidden cells as ``(group, column, kind)``.

    Notes
    -----
    Respondents who skipped the outcome question or the grouping question are left out.
    Suppression works on the table group × (effective, not_effective) with ``n`` as row totals
    and the 合计 row as column totals: a small count on either side of a group hides the
    group's percentage, because ``pct`` and ``n`` together give both counts back.

    Examples
    --------
    >>> effective_share(con, survey_id=1, question_no=5, group_question_no=1,
    ...                 groups={"党员": ["中共党员"], "非党员": ["群众"]},
    ...                 scope=Scope.committee())  # doctest: +SKIP
    """
    _check_scope(scope)
    min_cell = _resolve_min_cell(min_cell)
    counts, grouped = _effective_counts(
        con,
        survey_id=survey_id,
        question_no=question_no,
        item_no=item_no,
        group_question_no=group_question_no,
        groups=groups,
        effective_options=effective_options,
    )
    table = _share_table(counts, with_total=grouped)
    if min_cell > 1:
        table = _suppress_share(table, min_cell, with_total=grouped)
    else:
        table.attrs = {"suppressed": []}
    return table


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
        True when a cell of either group is hidden in :func:`effective_share`; every number
        above except the group names is then NaN (it would give the hidden counts back).
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


def _two_by_two(e1: int, n1: int, e2: int, n2: int) -> dict:
    """Difference, Newcombe interval, χ², Fisher and Cramér's V for a 2×2 table."""
    table = np.array([[e1, n1 - e1], [e2, n2 - e2]])
    out: dict = {"dof": 1, "note": ""}
    out["pct1"], out["pct2"] = float(_pct(e1, n1)), float(_pct(e2, n2))
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
    _check_scope(scope)
    min_cell = _resolve_min_cell(min_cell)
    counts, _ = _effective_counts(
        con,
        survey_id=survey_id,
        question_no=question_no,
        item_no=item_no,
        group_question_no=group_question_no,
        groups=groups,
        effective_options=effective_options,
    )
    labels = list(counts["group"])
    if compare is None:
        if len(labels) != 2:
            raise ValueError(f"分组有 {len(labels)} 个（{'、'.join(labels)}），请用 compare 指定要比较的两个")
        compare = (labels[0], labels[1])
    if len(compare) != 2 or compare[0] == compare[1]:
        raise ValueError("compare 需要两个不同的分组名")
    for label in compare:
        if label not in labels:
            raise ValueError(f"没有分组“{label}”；现有分组：{'、'.join(labels)}")
    rows = counts.set_index("group").loc[list(compare)]
    (n1, e1), (n2, e2) = rows[["n", "effective"]].to_numpy().tolist()
    result = _two_by_two(int(e1), int(n1), int(e2), int(n2))
    values = {"n1": n1, "n2": n2, "effective1": e1, "effective2": e2, **result}

    if min_cell > 1:
        shown = _suppress_share(_share_table(counts, with_total=True), min_cell, with_total=True)
        hidden_groups = {row for row, _, _ in shown.attrs["suppressed"]}
        if set(compare) & hidden_groups:
            for key in values:
                if key not in ("dof", "note", "test"):
                    values[key] = math.nan
            values["test"] = ""
            values["note"] = f"有分组的人数或格子数小于 {min_cell}，为保护受访者不报告比较结果"
            return GroupComparison(compare[0], compare[1], suppressed=True, **values)
    return GroupComparison(compare[0], compare[1], **values)


# --------------------------------------------------------------------------------------------
# 3. Cross tables
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Crosstab:
    """A two-way table of two single-choice questions (or matrix rows) with its χ² test.

    Attributes
    ----------
    counts : DataFrame
        Respondents by row option (index) × column option (columns), every option included,
        with a 合计 row and column. Hidden cells hold ``"<{min_cell}"`` or ``"*"``.
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
    suppressed : list
        ``(row, column, kind)`` of every hidden count.
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
    suppressed: list = field(default_factory=list)

    def test_table(self) -> pd.DataFrame:
        """One-row DataFrame: n, chi2, dof, p_val, cramer_v, min_expected,
        expected_below_5_pct, p_fisher."""
        keys = ["n", "chi2", "dof", "p_val", "cramer_v", "min_expected", "expected_below_5_pct", "p_fisher"]
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
    min_cell : int, optional
        Small-cell threshold; ``None`` = configuration, ``0`` = off.

    Returns
    -------
    Crosstab
        counts, row_pct, col_pct, expected, residuals, n, chi2, dof, p_val, cramer_v,
        min_expected, expected_below_5_pct, p_fisher, suppressed (see :class:`Crosstab`).

    Notes
    -----
    χ² = Σ (O - E)² / E with E = row total × column total / n, dof = (r - 1)(c - 1), over
    rows and columns with at least one respondent (an empty option has no expected count).
    Adjusted residual = (O - E) / sqrt(E (1 - r_i / n)(1 - c_j / n)), approximately N(0, 1)
    under independence.

    Suppression hides small counts and their complements in ``counts`` (rows and columns with
    their 合计), the percentages and residuals of hidden cells, and the row (column)
    percentages and residuals of a whole row (column) whose total is hidden. The test
    statistics are kept: they summarise the whole table.

    References
    ----------
    Agresti A (2013). Categorical Data Analysis, 3rd ed. Wiley.
    """
    _check_scope(scope)
    min_cell = _resolve_min_cell(min_cell)
    allowed = ("single", "matrix")
    rq = _question(con, survey_id, row_question_no, allowed=allowed, purpose="交叉分析")
    cq = _question(con, survey_id, col_question_no, allowed=allowed, purpose="交叉分析")
    _item(rq, row_item_no)
    _item(cq, col_item_no)
    if (row_question_no, row_item_no) == (col_question_no, col_item_no):
        raise ValueError("交叉分析的行、列不能是同一道题")
    long = con.execute(
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
        {"s": survey_id, "rq": row_question_no, "ri": row_item_no, "cq": col_question_no, "ci": col_item_no},
    ).df()
    row_nos = [int(x) for x in rq.options["option_no"]]
    col_nos = [int(x) for x in cq.options["option_no"]]
    observed = np.zeros((len(row_nos), len(col_nos)), dtype=np.int64)
    r_at = {no: i for i, no in enumerate(row_nos)}
    c_at = {no: j for j, no in enumerate(col_nos)}
    for r, c, n in long.itertuples(index=False):
        observed[r_at[int(r)], c_at[int(c)]] = int(n)
    row_labels = _unique_labels(rq.options["option"], row_nos)
    col_labels = _unique_labels(cq.options["option"], col_nos)
    if TOTAL_LABEL in row_labels or TOTAL_LABEL in col_labels:
        raise ValueError(f"选项名“{TOTAL_LABEL}”与合计行/列重名")
    total_n = int(observed.sum())

    # Tests over non-empty rows and columns.
    keep_r = observed.sum(axis=1) > 0
    keep_c = observed.sum(axis=0) > 0
    sub = observed[np.ix_(keep_r, keep_c)]
    expected = np.full(observed.shape, np.nan)
    residuals = np.full(observed.shape, np.nan)
    chi2 = p_val = cramer_v = p_fisher = math.nan
    dof = 0
    min_expected = below5 = math.nan
    if sub.shape[0] >= 2 and sub.shape[1] >= 2:
        res = stats.chi2_contingency(sub, correction=False)
        chi2, p_val, dof = float(res.statistic), float(res.pvalue), int(res.dof)
        cramer_v = math.sqrt(chi2 / (total_n * (min(sub.shape) - 1)))
        expected[np.ix_(keep_r, keep_c)] = res.expected_freq
        residuals[np.ix_(keep_r, keep_c)] = _adjusted_residuals(sub, res.expected_freq)
        min_expected = float(res.expected_freq.min())
        below5 = float((res.expected_freq < 5).mean() * 100)
        if sub.shape == (2, 2):
            p_fisher = float(stats.fisher_exact(sub).pvalue)

    counts = pd.DataFrame(observed, index=row_labels, columns=col_labels)
    counts[TOTAL_LABEL] = counts.sum(axis=1)
    counts.loc[TOTAL_LABEL] = counts.sum(axis=0)
    counts.index.name, counts.columns.name = rq.text, cq.text
    values = counts.to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        row_pct = pd.DataFrame(values / values[:, -1:] * 100, index=counts.index, columns=counts.columns)
        col_pct = pd.DataFrame(values / values[-1:, :] * 100, index=counts.index, columns=counts.columns)
    expected_df = pd.DataFrame(expected, index=row_labels, columns=col_labels)
    residual_df = pd.DataFrame(residuals, index=row_labels, columns=col_labels)
    for frame in (expected_df, residual_df):
        frame.index.name, frame.columns.name = rq.text, cq.text

    suppressed: list = []
    if min_cell > 1:
        mask = suppression_mask(
            counts, min_cell=min_cell, count_cols=col_labels, total_col=TOTAL_LABEL, total_row=TOTAL_LABEL
        )
        hidden = mask != ""
        row_total_hidden = hidden[TOTAL_LABEL]
        col_total_hidden = hidden.loc[TOTAL_LABEL]
        shown = counts.astype(object)
        shown[mask == "primary"] = f"<{min_cell}"
        shown[mask == "secondary"] = COMPLEMENT
        by_row = row_total_hidden.to_numpy()[:, None]  # a hidden row total hides its row's shares
        by_col = col_total_hidden.to_numpy()[None, :]
        row_pct = row_pct.mask(hidden.to_numpy() | by_row)
        col_pct = col_pct.mask(hidden.to_numpy() | by_col)
        margins = by_row[:-1, :] | by_col[:, :-1]  # without the 合计 row and column
        residual_df = residual_df.mask(hidden.loc[row_labels, col_labels].to_numpy() | margins)
        expected_df = expected_df.mask(margins)
        suppressed = [(r, c, mask.at[r, c]) for r in mask.index for c in mask.columns if mask.at[r, c]]
        counts = shown
    return Crosstab(
        counts=counts,
        row_pct=row_pct,
        col_pct=col_pct,
        expected=expected_df,
        residuals=residual_df,
        n=total_n,
        chi2=chi2,
        dof=dof,
        p_val=p_val,
        cramer_v=cramer_v,
        min_expected=min_expected,
        expected_below_5_pct=below5,
        p_fisher=p_fisher,
        suppressed=suppressed,
    )


# --------------------------------------------------------------------------------------------
# 4. Likert (matrix scale) items
# --------------------------------------------------------------------------------------------


def _scale(q: _Question) -> list[float]:
    values = sorted({float(v) for v in q.options["value"] if pd.notna(v)})
    if not values:
        raise ValueError(f"{q.label}的选项没有分值（如“5分”→5），不能当量表计算")
    return values


def likert_items(
    con: duckdb.DuckDBPyConnection,
    *,
    survey_id: int,
    question_no: int,
    scope: Scope,
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
    group_question_no : int, optional
        Single-choice question forming groups; ``groups`` maps labels to its option texts as in
        :func:`effective_share`.
    min_cell : int, optional
        Groups with fewer respondents than this are hidden (only when grouped); ``None`` =
        configuration, ``0`` = off.

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

        ``attrs``: ``question``, ``scale`` (the scale values, ascending).

    Notes
    -----
    Options without a value (e.g. 不了解) are not scored: such answers count neither in n nor in
    the distribution. When grouped, a group with ``n < min_cell`` on an item is hidden (``n``
    becomes ``"<5"``, statistics NaN), and if it is the only one hidden for that item the next
    smallest group is hidden too, because the ungrouped results are public. Distribution cells
    inside a shown group are not suppressed individually.
    """
    _check_scope(scope)
    min_cell = _resolve_min_cell(min_cell)
    q = _question(con, survey_id, question_no, allowed=("matrix",), purpose="量表分析")
    scale = _scale(q)
    mapping = _group_map(con, survey_id, group_question_no, groups)
    membership, m_params = _membership(mapping, group_question_no)
    params = {"s": survey_id, "q": question_no, **m_params}
    scored = f"""
        WITH membership AS ({membership}),
        scored AS (
            SELECT a.item_no, m.grp, o.value
            FROM survey_answer a
            JOIN survey_option o
              ON o.survey_id = a.survey_id AND o.question_no = a.question_no AND o.option_no = a.option_no
            JOIN membership m USING (response_id)
            WHERE a.survey_id = $s AND a.question_no = $q AND o.value IS NOT NULL
        )
    """
    summary = con.execute(
        scored
        + """
        SELECT item_no, grp AS "group", count(*) AS n, avg(value) AS mean, stddev_samp(value) AS sd
        FROM scored GROUP BY ALL
        """,
        params,
    ).df()
    dist = con.execute(
        scored + 'SELECT item_no, grp AS "group", value, count(*) AS k FROM scored GROUP BY ALL',
        params,
    ).df()
    order = [ALL_LABEL] if mapping is None else mapping[2]
    items = q.items[q.items["item_no"] > 0]
    grid = pd.MultiIndex.from_product([items["item_no"].tolist(), order], names=["item_no", "group"])
    out = summary.set_index(["item_no", "group"]).reindex(grid)
    out["n"] = out["n"].fillna(0).astype("int64")
    wide = dist.pivot_table(index=["item_no", "group"], columns="value", values="k", aggfunc="sum")
    wide = wide.reindex(index=grid, columns=scale).fillna(0)
    value_cols = [f"pct_{v:g}" for v in scale]
    for v, col in zip(scale, value_cols):
        out[col] = _pct(wide[v], out["n"])
    top = wide[scale[-2:]].sum(axis=1)
    out["top2_pct"] = _pct(top, out["n"])
    out = out.reset_index()
    out.insert(1, "item", out["item_no"].map(dict(zip(items["item_no"], items["item"]))))
    stat_cols = ["mean", "sd", *value_cols, "top2_pct"]

    if mapping is not None and min_cell > 1:
        parts = []
        for _, part in out.groupby("item_no", sort=False):
            part = suppress(
                part.set_index("group"),
                min_cell=min_cell,
                count_cols=["n"],
                totals_known=True,
                hide={"n": stat_cols},
            ).reset_index()
            parts.append(part)
        out = pd.concat(parts, ignore_index=True)
    out["rank"] = out.groupby("group", sort=False)["mean"].rank(method="min").astype("Int64")
    columns = ["item_no", "item", "group", "n", *stat_cols, "rank"]
    if mapping is None:
        columns.remove("group")
    out = out[columns]
    out.attrs = {"question": q.text, "scale": scale}
    return out


# --------------------------------------------------------------------------------------------
# 5. Ranking questions
# --------------------------------------------------------------------------------------------


def ranking_scores(
    con: duckdb.DuckDBPyConnection,
    *,
    survey_id: int,
    question_no: int,
    scope: Scope,
) -> pd.DataFrame:
    """Scores of a ranking question the way 问卷星 reports them (平均综合得分).

    Parameters
    ----------
    con : DuckDB connection
    survey_id, question_no : int
        A ranking question.
    scope : Scope

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
    _check_scope(scope)
    q = _question(con, survey_id, question_no, allowed=("ranking",), purpose="排序题得分")
    k = len(q.options)
    params = {"s": survey_id, "q": question_no, "k": k}
    out = con.execute(
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
        ORDER BY score DESC, o.option_no
        """,
        params,
    ).df()
    answered = int(out["answered"].iloc[0]) if len(out) else 0
    out = out.drop(columns="answered")
    out["n"] = out["n"].astype("int64")
    out["score"] = out["score"].astype(float)
    out["order"] = out["score"].rank(method="min", ascending=False).astype("Int64")
    out = out.reset_index(drop=True)
    out.attrs = {"question": q.text, "answered": answered}
    return out


# --------------------------------------------------------------------------------------------
# 6. Reliability
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
) -> Reliability:
    """Cronbach's alpha, item-total correlations and alpha-if-deleted of a matrix scale.

    Parameters
    ----------
    con : DuckDB connection
    survey_id, question_no : int
        A matrix question with at least two items and numeric option values.
    scope : Scope

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
    _check_scope(scope)
    q = _question(con, survey_id, question_no, allowed=("matrix",), purpose="信度分析（Cronbach α）")
    _scale(q)
    items = q.items[q.items["item_no"] > 0].reset_index(drop=True)
    k = len(items)
    if k < 2:
        raise ValueError(f"{q.label}只有 {k} 行，信度分析至少需要 2 个条目")
    long = con.execute(
        """
        SELECT a.response_id, a.item_no, o.value
        FROM survey_answer a
        JOIN survey_option o
          ON o.survey_id = a.survey_id AND o.question_no = a.question_no AND o.option_no = a.option_no
        WHERE a.survey_id = $s AND a.question_no = $q AND a.item_no > 0 AND o.value IS NOT NULL
        """,
        {"s": survey_id, "q": question_no},
    ).df()
    wide = long.pivot(index="response_id", columns="item_no", values="value").reindex(columns=items["item_no"])
    complete = wide.dropna()
    n = len(complete)
    if n < 2:
        raise ValueError(f"{q.label}只有 {n} 份完整作答，信度分析至少需要 2 份")
    x = complete.to_numpy(dtype=float)
    alpha = _alpha(x)
    df1, df2 = n - 1, (n - 1) * (k - 1)
    ci_low = 1 - (1 - alpha) * stats.f.isf(0.025, df1, df2)
    ci_high = 1 - (1 - alpha) * stats.f.isf(0.975, df1, df2)
    total = x.sum(axis=1)
    item_total, if_deleted = [], []
    for j in range(k):
        rest = total - x[:, j]
        if x[:, j].std() == 0 or rest.std() == 0:
            item_total.append(math.nan)
        else:
            item_total.append(float(np.corrcoef(x[:, j], rest)[0, 1]))
        if_deleted.append(_alpha(np.delete(x, j, axis=1)) if k > 2 else math.nan)
    table = pd.DataFrame(
        {
            "item_no": items["item_no"].astype("int64"),
            "item": items["item"],
            "mean": x.mean(axis=0),
            "sd": x.std(axis=0, ddof=1),
            "item_total_r": item_total,
            "alpha_if_deleted": if_deleted,
        }
    )
    return Reliability(
        alpha=float(alpha),
        ci_low=float(ci_low),
        ci_high=float(ci_high),
        n=n,
        k=k,
        n_incomplete=int(len(wide) - n),
        items=table,
    )


# --------------------------------------------------------------------------------------------
# 7. Free text
# --------------------------------------------------------------------------------------------

#: Common Chinese function words and survey filler ("建议", "希望" open most suggestions).
STOPWORDS: frozenset[str] = frozenset(
    """
    的 了 和 与 及 以及 或 或者 是 在 有 就 都 而 也 还 又 并 并且 但 但是 而且 因为 所以 如果 虽然
    然后 因此 这样 那样 这个 那个 这些 那些 这里 那里 这种 那种 一个 一些 一下 一点 一直 一定 一样
    我 你 他 她 它 我们 你们 他们 她们 自己 大家 本人 个人 什么 怎么 怎样 如何 为什么 哪些 哪里
    为 为了 对 对于 关于 把 被 让 给 从 到 向 以 由 按 按照 通过 根据 等 等等 之 其 其他 其它
    能 能够 可以 可能 会 要 需要 应 应该 应当 必须 希望 建议 意见 认为 觉得 感觉 没有 不是 不会
    不能 不要 已经 正在 目前 现在 今后 以后 之前 之后 方面 问题 情况 工作 进行 开展 做好 加强 提高
    非常 比较 更加 更 很 较 最 太 特别 十分 尤其 还是 只是 就是 还有 另外 此外 同时 其中 总之
    好 多 少 无 有关 相关 一些 一般 各种 各个 每个 所有 没 吗 呢 吧 啊 呀 哦 嗯 么
    """.split()
)

#: Answers that mean "nothing to say" (compared after trimming spaces and punctuation).
NON_ANSWERS: frozenset[str] = frozenset(
    {"", "空", "无", "没有", "暂无", "无意见", "无建议", "没有意见", "没有建议", "暂无意见", "暂无建议",
     "无无", "无。", "na", "n/a", "none", "nil", "no", "null", "略"}
)

#: Words kept whole when segmenting (jieba would otherwise split some of them).
DOMAIN_WORDS = (
    "党建", "党支部", "党总支", "支部书记", "三会一课", "主题党日", "组织生活", "民主评议", "党员示范岗",
    "先锋岗", "责任区", "党建引领", "医疗质量", "合理用药", "患者满意度", "绩效考核", "职称晋升",
    "人才培养", "医保", "DRG", "DRGs", "CMI", "义诊", "志愿服务", "我为群众办实事",
)


def _normalise(text: str) -> str:
    """Trim whitespace and surrounding punctuation, fold width and case."""
    text = unicodedata.normalize("NFKC", str(text)).strip().lower()
    return re.sub(r"^[\W_]+|[\W_]+$", "", text)


def _is_non_answer(text: str | None) -> bool:
    if text is None:
        return True
    raw = unicodedata.normalize("NFKC", str(text)).strip().lower()
    return raw in {"(空)", "(无)"} or _normalise(raw) in NON_ANSWERS


@lru_cache(maxsize=1)
def _tokenizer():
    import jieba  # slow to import and to load its dictionary: only when text is analysed

    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    for word in DOMAIN_WORDS:
        tokenizer.add_word(word)
    return tokenizer


def _texts(con: duckdb.DuckDBPyConnection, q: _Question) -> list[str]:
    rows = con.execute(
        """
        SELECT text FROM survey_answer
        WHERE survey_id = $s AND question_no = $q AND text IS NOT NULL
        ORDER BY text
        """,
        {"s": q.survey_id, "q": q.question_no},
    ).fetchall()
    return [r[0] for r in rows if not _is_non_answer(r[0])]


def keywords(
    con: duckdb.DuckDBPyConnection,
    *,
    survey_id: int,
    question_no: int,
    scope: Scope,
    top: int = 30,
    stopwords: Iterable[str] | None = None,
) -> pd.DataFrame:
    """Most frequent words of the free-text answers to a question.

    Parameters
    ----------
    con : DuckDB connection
    survey_id, question_no : int
        Any question with text answers: a 填空题, or the fill-ins of "其他〖…〗" options.
    scope : Scope
    top : int
        How many words to return.
    stopwords : iterable of str, optional
        Extra words to drop, on top of the built-in :data:`STOPWORDS`.

    Returns
    -------
    DataFrame
        ``word``, ``n`` (answers containing the word at least once), ``pct`` (n / substantive
        answers × 100), sorted by n descending then word. ``attrs["answers"]``: the number of
        substantive answers.

    Notes
    -----
    Answers meaning "nothing" ((空), 无, 没有, 暂无 ...; :data:`NON_ANSWERS`) are dropped before
    counting. Each answer is segmented with jieba (precise mode, with :data:`DOMAIN_WORDS` added)
    and each word counts once per answer. Dropped: stop words, single characters, numbers and
    tokens without a letter or CJK character.
    """
    _check_scope(scope)
    if top < 1:
        raise ValueError("top 至少为 1")
    q = _question(con, survey_id, question_no, allowed=tuple(QTYPE_LABELS), purpose="关键词分析")
    texts = _texts(con, q)
    drop = STOPWORDS | {_normalise(w) for w in (stopwords or ())}
    tokenizer = _tokenizer()
    counts: dict[str, int] = {}
    for text in texts:
        words = set()
        for token in tokenizer.lcut(unicodedata.normalize("NFKC", text)):
            word = token.strip().lower()
            if len(word) < 2 or word in drop or word.isdigit():
                continue
            if not any(ch.isalpha() for ch in word):
                continue
            words.add(word)
        for word in words:
            counts[word] = counts.get(word, 0) + 1
    out = pd.DataFrame(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:top], columns=["word", "n"])
    out["n"] = out["n"].astype("int64")
    out["pct"] = _pct(out["n"], len(texts))
    out.attrs = {"question": q.text, "answers": len(texts)}
    return out


def answers_containing(
    con: duckdb.DuckDBPyConnection,
    *,
    survey_id: int,
    question_no: int,
    keyword: str,
    scope: Scope,
) -> pd.DataFrame:
    """The free-text answers to a question that contain ``keyword`` (case-insensitive).

    Parameters
    ----------
    con : DuckDB connection
    survey_id, question_no : int
    keyword : str
        Matched literally as a substring (no wildcards).
    scope : Scope

    Returns
    -------
    DataFrame
        One column, ``text``, sorted by text: no respondent ids, and not in response order, so
        an answer cannot be linked to a respondent's other answers. Non-answers are left out.
    """
    _check_scope(scope)
    keyword = str(keyword).strip()
    if not keyword:
        raise ValueError("关键词不能为空")
    q = _question(con, survey_id, question_no, allowed=tuple(QTYPE_LABELS), purpose="文本检索")
    rows = con.execute(
        """
        SELECT text FROM survey_answer
        WHERE survey_id = $s AND question_no = $q AND text IS NOT NULL
          AND contains(lower(text), lower($kw))
        ORDER BY text
        """,
        {"s": q.survey_id, "q": q.question_no, "kw": keyword},
    ).fetchall()
    out = pd.DataFrame({"text": [r[0] for r in rows if not _is_non_answer(r[0])]}, dtype=object)
    out.attrs = {"question": q.text, "keyword": keyword}
    return out


# --------------------------------------------------------------------------------------------
# 8. Listings and reading aids for the survey page and the CLI
# --------------------------------------------------------------------------------------------


def surveys(con: duckdb.DuckDBPyConnection, *, scope: Scope) -> pd.DataFrame:
    """Every survey in the database, newest first.

    Parameters
    ----------
    con : DuckDB connection
    scope : Scope

    Returns
    -------
    DataFrame
        One row per survey, sorted by ``fielded_to`` descending (undated last), then id
        descending:

        * ``survey_id``, ``title``, ``source`` (wjx, tencent, template, demo)
        * ``fielded_from``, ``fielded_to``: fieldwork dates (days; may be NaT)
        * ``respondents``: number of responses
        * ``questions``: number of questions
    """
    _check_scope(scope)
    out = con.execute(
        """
        SELECT s.survey_id, s.title, s.source, s.fielded_from, s.fielded_to,
               (SELECT count(*) FROM survey_response r WHERE r.survey_id = s.survey_id) AS respondents,
               (SELECT count(*) FROM survey_question q WHERE q.survey_id = s.survey_id) AS questions
        FROM survey s
        ORDER BY s.fielded_to DESC NULLS LAST, s.survey_id DESC
        """
    ).df()
    return out.astype({"survey_id": "int64", "respondents": "int64", "questions": "int64"})


def questions(con: duckdb.DuckDBPyConnection, *, scope: Scope, survey_id: int) -> pd.DataFrame:
    """The questions of a survey with what each analysis needs to know about them.

    Parameters
    ----------
    con : DuckDB connection
    scope : Scope
    survey_id : int

    Returns
    -------
    DataFrame
        One row per question in question order:

        * ``question_no``, ``text``
        * ``qtype``: single, multiple, matrix, ranking or text; ``qtype_label``: 单选题 ...
        * ``attribute``: respondent attribute the question records (政治面貌, 科室类别 ...) or
          NA for opinion questions
        * ``options``: number of options; ``items``: number of matrix rows (0 otherwise)
        * ``scored``: True for a matrix question whose options carry numeric values (a scale;
          options such as 不了解 may lack one)
        * ``answered``: respondents with at least one answer to the question
        * ``text_answers``: answers carrying free text (填空题, or "其他〖…〗" fill-ins)
        * ``label``: ``"Q4 您认为…（单选题）"`` for pickers

    Raises ``ValueError`` (Chinese message) when the survey does not exist.
    """
    _check_scope(scope)
    if con.execute("SELECT count(*) FROM survey WHERE survey_id = $s", {"s": survey_id}).fetchone()[0] == 0:
        raise ValueError(f"问卷 {survey_id} 不存在")
    out = con.execute(
        """
        SELECT q.question_no, q.text, q.qtype, q.attribute,
               (SELECT count(*) FROM survey_option o
                WHERE o.survey_id = q.survey_id AND o.question_no = q.question_no) AS options,
               (SELECT count(*) FROM survey_item i
                WHERE i.survey_id = q.survey_id AND i.question_no = q.question_no AND i.item_no > 0) AS items,
               coalesce((SELECT bool_or(o.value IS NOT NULL) FROM survey_option o
                         WHERE o.survey_id = q.survey_id AND o.question_no = q.question_no), FALSE) AS scored,
               (SELECT count(DISTINCT a.response_id) FROM survey_answer a
                WHERE a.survey_id = q.survey_id AND a.question_no = q.question_no) AS answered,
               (SELECT count(*) FROM survey_answer a
                WHERE a.survey_id = q.survey_id AND a.question_no = q.question_no
                  AND a.text IS NOT NULL AND trim(a.text) <> '') AS text_answers
        FROM survey_question q
        WHERE q.survey_id = $s
        ORDER BY q.question_no
        """,
        {"s": survey_id},
    ).df()
    out = out.astype({c: "int64" for c in ("question_no", "options", "items", "answered", "text_answers")})
    out["scored"] = out["scored"].astype(bool) & (out["qtype"] == "matrix")
    out["qtype_label"] = out["qtype"].map(QTYPE_LABELS)
    out["label"] = [
        f"Q{no} {text}（{kind}）" for no, text, kind in zip(out["question_no"], out["text"], out["qtype_label"])
    ]
    columns = ["question_no", "text", "qtype", "qtype_label", "attribute", "options", "items", "scored", "answered",
               "text_answers", "label"]
    return out[columns]


def question_options(
    con: duckdb.DuckDBPyConnection, *, scope: Scope, survey_id: int, question_no: int
) -> pd.DataFrame:
    """Options and matrix rows of one question.

    Parameters
    ----------
    con : DuckDB connection
    scope : Scope
    survey_id, question_no : int

    Returns
    -------
    DataFrame
        One row per option in option order: ``option_no``, ``option``, ``value`` (the scale value,
        NaN for nominal options). ``attrs``: ``question`` (text), ``qtype``, ``items`` (list of
        ``(item_no, item)`` for matrix rows, empty otherwise).

    Raises ``ValueError`` (Chinese message) for an unknown survey or question.
    """
    _check_scope(scope)
    q = _question(con, survey_id, question_no, allowed=tuple(QTYPE_LABELS), purpose="查看选项")
    out = q.options.copy()
    out["option_no"] = out["option_no"].astype("int64")
    out["value"] = out["value"].astype(float)
    items = q.items[q.items["item_no"] > 0]
    out.attrs = {
        "question": q.text,
        "qtype": q.qtype,
        "items": [(int(i), str(t)) for i, t in zip(items["item_no"], items["item"])],
    }
    return out


def member_groups(
    con: duckdb.DuckDBPyConnection,
    *,
    scope: Scope,
    survey_id: int,
    question_no: int,
    cfg: config_mod.Config | None = None,
) -> dict[str, tuple[str, ...]] | None:
    """The default two-group split of a 政治面貌 question: 党员 vs 非党员.

    Parameters
    ----------
    con : DuckDB connection
    scope : Scope
    survey_id, question_no : int
        A single-choice question.
    cfg : Config, optional
        Configuration (``survey.member_options``); ``None`` loads it.

    Returns
    -------
    dict or None
        ``{"党员": options in survey.member_options, "非党员": every other option}`` (option
        texts in option order) when the question is marked with the attribute 政治面貌 and
        both groups get at least one option; otherwise ``None``. The same split as the
        overview's headline (:func:`analysis.overview.survey_headline`).
    """
    _check_scope(scope)
    cfg = cfg or config_mod.load()
    row = con.execute(
        "SELECT attribute, qtype FROM survey_question WHERE survey_id = $s AND question_no = $q",
        {"s": survey_id, "q": question_no},
    ).fetchone()
    if row is None or row[0] != "政治面貌" or row[1] != "single":
        return None
    options = [r[0] for r in con.execute(
        "SELECT text FROM survey_option WHERE survey_id = $s AND question_no = $q ORDER BY option_no",
        {"s": survey_id, "q": question_no},
    ).fetchall()]
    members = tuple(o for o in options if o in cfg.survey.member_options)
    others = tuple(o for o in options if o not in cfg.survey.member_options)
    if not members or not others:
        return None
    return {"党员": members, "非党员": others}


def likert_published(
    con: duckdb.DuckDBPyConnection,
    *,
    survey_id: int,
    question_no: int,
    scope: Scope,
    group_question_no: int | None = None,
    groups: Mapping[str, Sequence[str]] | None = None,
    min_cell: int | None = None,
) -> pd.DataFrame:
    """:func:`likert_items` as it may be shown or exported: small distribution cells hidden too.

    Parameters
    ----------
    con, survey_id, question_no, scope, group_question_no, groups, min_cell
        As in :func:`likert_items`.

    Returns
    -------
    DataFrame
        The columns of :func:`likert_items` (item_no, item, [group], n, mean, sd, pct_<value> ...,
        top2_pct, rank), with ``pct_<value>`` set to NaN where the count behind it is small
        (1 to min_cell - 1) or hidden to protect a small one, and ``top2_pct`` NaN when one of
        its two cells is hidden or its own count is small. ``attrs``: those of
        :func:`likert_items` plus ``suppressed``, a list of ``(item_no, group, column)``
        (``group`` is ``"全部"`` when ungrouped).

    Notes
    -----
    :func:`likert_items` hides whole groups that are too small but not single cells of the
    distribution, so "0.1 % chose 1分" would show a count of 3 that :func:`frequencies` of the
    same matrix row hides as "<5". Here each row's counts (pct × n / 100) go through
    :func:`suppression_mask` as one column whose total n is shown, the same rule as
    :func:`frequencies`. Means and standard deviations are kept (they summarise at least
    ``min_cell`` answers); together with the shown cells they narrow the hidden ones down but
    do not single out one respondent's answer.
    """
    _check_scope(scope)
    min_cell = _resolve_min_cell(min_cell)
    out = likert_items(con, survey_id=survey_id, question_no=question_no, scope=scope,
                       group_question_no=group_question_no, groups=groups, min_cell=min_cell)
    scale = out.attrs["scale"]
    value_cols = [f"pct_{v:g}" for v in scale]
    top_cols = value_cols[-2:]
    suppressed: list[tuple[int, str, str]] = []
    if min_cell > 1:
        for idx in out.index:
            n = out.at[idx, "n"]
            if isinstance(n, str) or n == 0:
                continue  # a hidden group (its statistics are NaN already) or an unanswered item
            counts = pd.DataFrame(
                {"k": [round(float(out.at[idx, c]) * int(n) / 100) for c in value_cols]}, index=value_cols
            )
            mask = suppression_mask(counts, min_cell=min_cell, count_cols=["k"], totals_known=True)["k"]
            hidden = [c for c in value_cols if mask[c]]
            top = int(counts.loc[top_cols, "k"].sum())
            if set(hidden) & set(top_cols) or 1 <= top < min_cell:
                hidden.append("top2_pct")
            group = out.at[idx, "group"] if "group" in out.columns else ALL_LABEL
            for col in hidden:
                out.at[idx, col] = np.nan
                suppressed.append((int(out.at[idx, "item_no"]), str(group), col))
    out.attrs = {**out.attrs, "suppressed": suppressed}
    return out


def default_effective(
    con: duckdb.DuckDBPyConnection,
    *,
    scope: Scope,
    survey_id: int,
    question_no: int,
    cfg: config_mod.Config | None = None,
) -> tuple[str, ...]:
    """The options counted as a "positive" answer when the user has not chosen any.

    Parameters
    ----------
    con : DuckDB connection
    scope : Scope
    survey_id, question_no : int
        A single-choice or matrix question.
    cfg : Config, optional
        Configuration (``survey.effective_options``); ``None`` loads it.

    Returns
    -------
    tuple of str
        The question's options that are configured effective options (e.g. 作用明显); else, for
        a scored matrix question, the options with the two highest values (top-2 box, as
        ``top2_pct`` of :func:`likert_items`); else the first option. Option order kept.
    """
    _check_scope(scope)
    cfg = cfg or config_mod.load()
    q = _question(con, survey_id, question_no, allowed=("single", "matrix"), purpose="有效比例分析")
    texts = list(q.options["option"])
    configured = tuple(t for t in texts if t in cfg.survey.effective_options)
    if configured:
        return configured
    scored = q.options.dropna(subset=["value"])
    if q.qtype == "matrix" and len(scored):
        top = scored.nlargest(2, "value")["option_no"]
        return tuple(q.options.loc[q.options["option_no"].isin(top), "option"])
    return tuple(texts[:1])


#: Cohen's (1988) conventions for w (= Cramér's V when min(r, c) = 2): small, medium, large.
_COHEN_W = (0.1, 0.3, 0.5)


def effect_size_label(cramer_v: float, *, df_star: int = 1) -> str:
    """Plain-Chinese size of a Cramér's V.

    Parameters
    ----------
    cramer_v : float
    df_star : int
        ``min(rows, columns) - 1`` of the table (1 for a 2×2 or any 2×c table).

    Returns
    -------
    str
        ``"极弱"`` (below small), ``"弱"`` (small), ``"中等"`` (medium) or ``"强"`` (large);
        ``""`` when V is NaN.

    Notes
    -----
    Cohen's thresholds 0.1 / 0.3 / 0.5 apply to w; since V = w / sqrt(df*), the thresholds for
    V are 0.1 / sqrt(df*), 0.3 / sqrt(df*), 0.5 / sqrt(df*).

    References
    ----------
    Cohen J (1988). Statistical Power Analysis for the Behavioral Sciences, 2nd ed., ch. 7.

    Examples
    --------
    >>> effect_size_label(0.11), effect_size_label(0.2, df_star=3), effect_size_label(0.05)
    ('弱', '中等', '极弱')
    """
    if cramer_v is None or not math.isfinite(cramer_v):
        return ""
    if df_star < 1:
        raise ValueError("df_star 至少为 1")
    small, medium, large = (w / math.sqrt(df_star) for w in _COHEN_W)
    if cramer_v >= large:
        return "强"
    if cramer_v >= medium:
        return "中等"
    if cramer_v >= small:
        return "弱"
    return "极弱"


def alpha_label(alpha: float) -> str:
    """Plain-Chinese reading of a Cronbach's alpha.

    Parameters
    ----------
    alpha : float

    Returns
    -------
    str
        ``"很好"`` (≥ 0.9), ``"良好"`` (≥ 0.8), ``"可接受"`` (≥ 0.7), ``"勉强"`` (≥ 0.6),
        ``"不足"`` (below 0.6); ``""`` when alpha is NaN.

    Notes
    -----
    The usual rule of thumb (George & Mallery 2003); a very high alpha (> 0.95) can also mean
    redundant items.

    Examples
    --------
    >>> alpha_label(0.88), alpha_label(0.55)
    ('良好', '不足')
    """
    if alpha is None or not math.isfinite(alpha):
        return ""
    for threshold, label in ((0.9, "很好"), (0.8, "良好"), (0.7, "可接受"), (0.6, "勉强")):
        if alpha >= threshold:
            return label
    return "不足"
