"""Survey results read out in plain Chinese: effect sizes and reliability as words, counts and
percentages as text, the sentences of the survey page, and tables with Chinese headers.

Data text (option and group names from an import) is Markdown-escaped wherever a sentence is
meant for ``st.markdown``. Imports :mod:`analysis.formatting` and the result types of this
package; no Streamlit.
"""

from __future__ import annotations

import math

import pandas as pd

from analysis.formatting import ci, count, fixed, markdown_escape, p_value, percent
from analysis.survey.crosstabs import Crosstab
from analysis.survey.group_tests import ScoreComparison
from analysis.survey.scales import Reliability
from analysis.survey.shares import GroupComparison

__all__ = [
    "NO_GROUP",
    "alpha_label",
    "comparison_sentence",
    "comparison_table",
    "crosstab_effect_size",
    "effect_size_label",
    "group_label",
    "independence_sentence",
    "plain_comparison",
    "reliability_sentence",
    "result_table",
    "scale_labels",
    "score_comparison_sentence",
    "sparse_table_warning",
    "survey_caption",
    "two_way_table",
    "wave_change_sentence",
    "weakest_items_sentence",
]

#: The 分组依据 choice meaning "everyone together" (no grouping question).
NO_GROUP = 0

#: A difference with p below this is reported as 有统计学意义.
SIGNIFICANCE = 0.05

#: Chinese headers of the result columns, for tables shown and downloaded.
COLUMNS = {
    "option_no": "选项编号", "option": "选项", "n": "人数", "pct": "占全部答卷(%)", "valid_pct": "有效百分比(%)",
    "response_pct": "占全部选择(%)", "case_pct": "占作答人数(%)", "ci_low": "95%CI下限(%)", "ci_high": "95%CI上限(%)",
    "group": "分组", "effective": "肯定回答人数", "not_effective": "其他回答人数", "item_no": "条目编号", "item": "条目",
    "mean": "均值", "sd": "标准差", "top2_pct": "前两项比例(%)", "rank": "名次(1=最弱)", "mean_rank": "平均名次",
    "score": "综合得分", "order": "得分排序", "item_total_r": "校正条目-总分相关", "alpha_if_deleted": "删除该条目后α",
    "word": "关键词", "text": "回答内容", "median": "中位数", "group1": "组1", "group2": "组2", "diff": "差值",
    "p_adj": "校正后p", "wave_label": "期次", "diff_ci_low": "变化95%CI下限", "diff_ci_high": "变化95%CI上限",
    "p_val": "p值", "kmo": "KMO", "communality": "共同度", "factor": "所属因子", "eigenvalue": "特征值",
    "simulated": "随机数据特征值(95%)", "variance_pct": "方差解释(%)", "cumulative_pct": "累计方差解释(%)",
    "retained": "平行分析保留", "question_no": "题号",
}

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


def crosstab_effect_size(ct: Crosstab) -> str:
    """Plain-Chinese size of a cross table's Cramér's V, for the table's own shape.

    Parameters
    ----------
    ct : Crosstab

    Returns
    -------
    str
        :func:`effect_size_label` of ``ct.cramer_v`` with ``df* = min(rows, columns) - 1``
        (at least 1).
    """
    df_star = min(len(ct.expected.index), len(ct.expected.columns)) - 1
    return effect_size_label(ct.cramer_v, df_star=max(1, df_star))


# --------------------------------------------------------------------------------------------
# Sentences of the survey page
# --------------------------------------------------------------------------------------------


def survey_caption(survey: pd.Series, *, questions: int, min_cell: int) -> str:
    """The line under the survey picker: fieldwork, size, and the minimum reporting group rule
    (groups, differencing, filters).

    Parameters
    ----------
    survey : Series
        One row of :func:`analysis.survey.surveys` (``fielded_from``, ``fielded_to``,
        ``respondents``).
    questions : int
        Number of questions.
    min_cell : int
        The minimum reporting group.

    Returns
    -------
    str
    """
    fielded = ""
    if pd.notna(survey["fielded_from"]) and pd.notna(survey["fielded_to"]):
        fielded = f"调查时间 {survey['fielded_from']:%Y年%m月%d日}—{survey['fielded_to']:%Y年%m月%d日} · "
    return (f"{fielded}答卷 {int(survey['respondents']):,} 份 · {questions} 道题 · 比例均附 95% 置信区间。"
            f"最小报告单位为 {min_cell} 人：按受访者特征（科室、职称、政治面貌等）分组时，每组至少 {min_cell} 人才显示，"
            f"显示的组给出全部人数；不足的组标为“<{min_cell}”，与其他结果相减会推出不足 {min_cell} 人回答的组标为“*”；"
            f"筛选受访者时，符合或不符合条件的答卷不足 {min_cell} 份的筛选不予分析。"
            "全体结果不隐藏。本页不显示任何可识别受访者的信息。")


def group_label(qs: pd.DataFrame, question_no: int) -> str:
    """How a grouping choice is named in pickers and chart titles.

    Parameters
    ----------
    qs : DataFrame
        :func:`analysis.survey.questions` of the survey.
    question_no : int
        The grouping question, or :data:`NO_GROUP`.

    Returns
    -------
    str
        ``"不分组"``; ``"政治面貌（Q1）"`` for an attribute question; else the question's label.
    """
    if question_no == NO_GROUP:
        return "不分组"
    question = qs.set_index("question_no").loc[question_no]
    attribute = question["attribute"]
    return f"{attribute}（Q{question_no}）" if pd.notna(attribute) else question["label"]


def comparison_sentence(cmp: GroupComparison, outcome: str) -> str:
    """The two-group comparison in plain Chinese (Markdown): shares, difference with its CI,
    test, effect size.

    Parameters
    ----------
    cmp : GroupComparison
    outcome : str
        The options counted as positive, e.g. ``"作用明显"``.

    Returns
    -------
    str
        Markdown, group names and ``outcome`` escaped; when the comparison is suppressed, why it
        is not reported.
    """
    group1, group2 = markdown_escape(cmp.group1), markdown_escape(cmp.group2)
    if cmp.suppressed:
        return (f"**{group1}** 与 **{group2}** 的比较不予报告：{cmp.note}。"
                "被隐藏的分组人数或格子太少，报告百分比或检验结果就可能推算出个别受访者的回答。")
    empty = [name for name, n in ((group1, cmp.n1), (group2, cmp.n2)) if n == 0]
    if empty:  # e.g. a respondent filter on the grouping question itself
        return f"**{'**、**'.join(empty)}** 没有作答本题的受访者，无法比较两组。"
    if round(abs(cmp.diff), 1) == 0:
        gap = "两组比例几乎相同"
    else:
        gap = f"{group1}比{group2}{'高' if cmp.diff > 0 else '低'} {fixed(abs(cmp.diff), 1)} 个百分点"
    text = (f"**{group1}** 中 {percent(cmp.pct1)}（n={count(cmp.n1)}）选择“{markdown_escape(outcome)}”，"
            f"**{group2}** 中 {percent(cmp.pct2)}（n={count(cmp.n2)}）；"
            f"{gap}（差值 {ci(cmp.ci_low, cmp.ci_high, unit='')} 个百分点）。")
    if cmp.test == "fisher":
        test = f"Fisher 精确检验（有期望频数小于 5）{p_value(cmp.p_val, missing='p 无法计算')}"
    elif cmp.test == "chi2":
        test = f"χ² 检验 χ²({cmp.dof}) = {fixed(cmp.chi2, 2)}，{p_value(cmp.p_val, missing='p 无法计算')}"
    else:
        return text + (cmp.note or "")
    verdict = "差异有统计学意义（p < 0.05）" if cmp.p_val < SIGNIFICANCE else "差异无统计学意义（p ≥ 0.05），不能认为两组不同"
    size = effect_size_label(cmp.cramer_v)
    return text + f"{test}，{verdict}；Cramér's V = {fixed(cmp.cramer_v, 2)}，关联强度{size}。"


def plain_comparison(cmp: GroupComparison, outcome: str) -> str:
    """The two-group comparison in one sentence without statistics, for a slide or a written report.

    Parameters
    ----------
    cmp : GroupComparison
    outcome : str
        What the share counts, e.g. ``"认为作用明显"``.

    Returns
    -------
    str
        Plain text (not Markdown): "党员认为作用明显的比例高于非党员，差异有统计学意义"; "…与非党员
        接近，差异无统计学意义" when p ≥ 0.05; why not reported when the comparison is suppressed.
        The test, p, interval and effect size belong in the notes (``comparison_sentence``).
    """
    if cmp.suppressed:
        return f"{cmp.group1}与{cmp.group2}的比较不予报告：{cmp.note}"
    if cmp.test not in ("chi2", "fisher") or cmp.p_val is None or math.isnan(cmp.p_val):
        return f"{cmp.group1}与{cmp.group2}{outcome}的比例相差 {fixed(abs(cmp.diff), 1)} 个百分点，未作检验"
    if cmp.p_val < SIGNIFICANCE:
        return f"{cmp.group1}{outcome}的比例{'高' if cmp.diff > 0 else '低'}于{cmp.group2}，差异有统计学意义"
    return f"{cmp.group1}{outcome}的比例与{cmp.group2}接近，差异无统计学意义"


def independence_sentence(ct: Crosstab) -> str:
    """The χ² test of a cross table in plain Chinese (Markdown).

    Parameters
    ----------
    ct : Crosstab
        With a test (``chi2`` not NaN).

    Returns
    -------
    str
        Statistic, p, n, the verdict at 5 %, Cramér's V with its size, and Fisher's p for a
        2×2 table.
    """
    verdict = "两题的回答有关联（p < 0.05）" if ct.p_val < SIGNIFICANCE else "没有证据表明两题的回答有关联（p ≥ 0.05）"
    sentence = (f"χ² 独立性检验：χ²({ct.dof}) = {fixed(ct.chi2, 2)}，{p_value(ct.p_val, missing='p 无法计算')}，n={ct.n:,}；"
                f"{verdict}；Cramér's V = {fixed(ct.cramer_v, 2)}，关联强度{crosstab_effect_size(ct)}。")
    if not pd.isna(ct.p_fisher):
        sentence += f"2×2 表 Fisher 精确检验 {p_value(ct.p_fisher, missing='p 无法计算')}。"
    if not pd.isna(ct.trend_chi2):
        trend = "有线性趋势（p < 0.05）" if ct.trend_p < SIGNIFICANCE else "没有证据表明存在线性趋势（p ≥ 0.05）"
        sentence += (f"按选项顺序的趋势检验（线性-线性关联）：M² = {fixed(ct.trend_chi2, 2)}，"
                     f"{p_value(ct.trend_p, missing='p 无法计算')}，{trend}。")
    return sentence


METHOD_LABELS = {"welch_t": "Welch t 检验", "mann_whitney": "Mann-Whitney U 检验", "anova": "单因素方差分析",
                 "kruskal": "Kruskal-Wallis 检验"}
EFFECT_LABELS = {"cohen_d": "Cohen's d", "rank_biserial": "秩二列相关 r", "eta2": "η²", "epsilon2": "ε²"}


def score_comparison_sentence(cmp: ScoreComparison, subject: str) -> str:
    """A group comparison of scores in plain Chinese (Markdown).

    Parameters
    ----------
    cmp : ScoreComparison
    subject : what was scored (question text), escaped here.

    Returns
    -------
    str
        The test, its statistic and p, the verdict at 5 %, the effect size, and the pairs that
        differ after adjustment; a note when fewer than two groups can be tested.
    """
    if cmp.test.empty:
        return "可以显示的分组不足两组，无法做差异检验。"
    t = cmp.test.iloc[0]
    dof = (f"({fixed(t['dof1'], 0)}, {fixed(t['dof2'], 0)})" if not pd.isna(t["dof2"])
           else f"({fixed(t['dof1'], 1)})" if not pd.isna(t["dof1"]) else "")
    symbol = {"welch_t": "t", "mann_whitney": "U", "anova": "F", "kruskal": "H"}[t["method"]]
    verdict = "各组得分有差异（p < 0.05）" if t["p_val"] < SIGNIFICANCE else "没有证据表明各组得分不同（p ≥ 0.05）"
    sentence = (f"{markdown_escape(subject)}：{METHOD_LABELS[t['method']]} {symbol}{dof} = {fixed(t['statistic'], 2)}，"
                f"{p_value(t['p_val'])}，{int(t['groups'])} 组共 n={int(t['n']):,}；{verdict}；"
                f"效应量 {EFFECT_LABELS[t['effect_name']]} = {fixed(t['effect_size'], 2)}。")
    differing = cmp.posthoc[cmp.posthoc["p_adj"] < SIGNIFICANCE]
    if len(differing):
        pairs = "、".join(f"{markdown_escape(a)}与{markdown_escape(b)}" for a, b in zip(differing["group1"], differing["group2"]))
        sentence += f"两两比较（校正后 p < 0.05）：{pairs}。"
    elif not cmp.posthoc.empty:
        sentence += "两两比较校正后没有差异显著的组对。"
    return sentence


def wave_change_sentence(change: pd.DataFrame, outcome: str) -> str:
    """The change of the effective share between the last two waves shown, per group (Markdown).

    Parameters
    ----------
    change : :func:`analysis.survey.wave_change`.
    outcome : the effective options, as text.

    Returns
    -------
    str
        One clause per group with a change: the two shares, the change in percentage points
        with its 95 % CI and p, and the verdict.
    """
    clauses = []
    for group, rows in change.groupby("group", sort=False):
        compared = rows.dropna(subset=["diff"])
        if compared.empty:
            continue
        last = compared.iloc[-1]
        before = rows.loc[:last.name].dropna(subset=["pct"]).iloc[-2]
        verdict = "变化有统计学意义" if last["p_val"] < SIGNIFICANCE else "变化无统计学意义"
        clauses.append(f"{markdown_escape(group)}从{markdown_escape(before['wave_label'])}的 {percent(before['pct'])}"
                       f"到{markdown_escape(last['wave_label'])}的 {percent(last['pct'])}，"
                       f"变化 {fixed(last['diff'], 1, sign=True)} 个百分点（95% CI {fixed(last['diff_ci_low'], 1, sign=True)}～{fixed(last['diff_ci_high'], 1, sign=True)}，"
                       f"{p_value(last['p_val'])}），{verdict}")
    if not clauses:
        return "没有可以比较的两期数据。"
    return f"选择“{markdown_escape(outcome)}”的比例：" + "；".join(clauses) + "。"


def sparse_table_warning(ct: Crosstab) -> str:
    """A warning when too many expected counts are small for the χ² approximation.

    Parameters
    ----------
    ct : Crosstab

    Returns
    -------
    str
        The warning when more than 20 % of the cells expect fewer than 5; else ``""``.
    """
    if not ct.expected_below_5_pct > 20:
        return ""
    return (f"{fixed(ct.expected_below_5_pct, 0)}% 的格子期望频数小于 5（最小 {fixed(ct.min_expected, 1)}），"
            "χ² 检验结果不可靠，可合并选项后再分析。")


def weakest_items_sentence(weakest: pd.DataFrame) -> str:
    """The three scale items with the lowest means (Markdown).

    Parameters
    ----------
    weakest : DataFrame
        :func:`analysis.survey.likert_items` rows sorted weakest first (``item``, ``mean``).

    Returns
    -------
    str
    """
    low3 = "、".join(f"{markdown_escape(r.item)}（{fixed(r.mean, 2)}）" for r in weakest.head(3).itertuples())
    return f"均值最低的条目：{low3}。前两项比例 = 选择最高两个分值的人数占比。"


def reliability_sentence(rel: Reliability) -> str:
    """Cronbach's alpha in words, and which items lower it (Markdown).

    Parameters
    ----------
    rel : Reliability

    Returns
    -------
    str
        The :func:`alpha_label` with the thresholds, and the items whose removal would raise
        alpha (names escaped).
    """
    raisers = rel.items[rel.items["alpha_if_deleted"] > rel.alpha]["item"].tolist()
    note = (f"删除 {'、'.join(markdown_escape(r) for r in raisers)} 后 α 会升高，可检查这些条目是否测量同一内容。" if raisers
            else "删除任何一个条目都不会使 α 升高。")
    return f"内部一致性**{alpha_label(rel.alpha)}**（α ≥ 0.9 很好，≥ 0.8 良好，≥ 0.7 可接受）。{note}"


def scale_labels(options: pd.DataFrame) -> dict[float, str]:
    """The option text of each scale value, for chart legends.

    Parameters
    ----------
    options : DataFrame
        :func:`analysis.survey.question_options` of a scale question.

    Returns
    -------
    dict of float to str
        Scale value -> option text (e.g. 5.0 -> "5分"); unscored options left out.
    """
    return {float(v): str(o) for o, v in zip(options["option"], options["value"]) if pd.notna(v)}


# --------------------------------------------------------------------------------------------
# Tables with Chinese headers
# --------------------------------------------------------------------------------------------


def _rounded(frame: pd.DataFrame, digits: int) -> pd.DataFrame:
    floats = frame.select_dtypes("float").columns
    return _marks_as_text(frame.assign(**{c: frame[c].round(digits) for c in floats}))


def _marks_as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Count columns holding a hidden group's mark ("<5", "*") as text throughout: a column of
    numbers and strings cannot be sent to the browser as one Arrow column."""
    mixed = [c for c in frame.columns if frame[c].dtype == object
             and frame[c].map(lambda v: isinstance(v, str)).any() and not frame[c].map(lambda v: isinstance(v, str)).all()]
    return frame.assign(**{c: frame[c].map(count) for c in mixed})


def result_table(frame: pd.DataFrame, drop: tuple[str, ...] = (), rename: dict | None = None) -> pd.DataFrame:
    """Chinese headers and numbers rounded to 2 decimals, for a result table shown and downloaded.

    Parameters
    ----------
    frame : DataFrame
        A result of this package (frequencies, shares, Likert items, ...).
    drop : tuple of str
        Columns to leave out (those absent are ignored).
    rename : dict, optional
        Headers replacing those of :data:`COLUMNS`.

    Returns
    -------
    DataFrame
        The same rows; every column renamed by ``rename``, then :data:`COLUMNS`, ``pct_<value>``
        as ``"<value>分比例(%)"``, others kept. A count column with a hidden group's mark holds
        text throughout (counts as "1,107").
    """
    out = _rounded(frame.drop(columns=[c for c in drop if c in frame.columns]), 2)
    renames = {c: (rename or {}).get(c, COLUMNS.get(c, c)) for c in out.columns}
    renames.update({c: f"{c[4:]}分比例(%)" for c in out.columns if str(c).startswith("pct_")})
    return out.rename(columns=renames)


def two_way_table(frame: pd.DataFrame, digits: int | None = None) -> pd.DataFrame:
    """A cross table with its row labels as the first column (tables keep no index).

    Parameters
    ----------
    frame : DataFrame
        One of :class:`Crosstab`'s tables.
    digits : int, optional
        Round every cell (the table becomes float); ``None`` keeps the cells as they are.

    Returns
    -------
    DataFrame
        A first column named after the row question (``"行"`` when unnamed), then one column per
        column option, headers as text. A column with a hidden group's mark ("<5", "*") holds
        text throughout (counts as "1,107").
    """
    out = frame.copy() if digits is None else frame.astype(float).round(digits)
    out.columns = [str(c) for c in out.columns]
    return _marks_as_text(out.rename_axis(frame.index.name or "行").reset_index())


def comparison_table(cmp: GroupComparison) -> pd.DataFrame:
    """The two-group comparison as a one-row table with Chinese headers, rounded to 4 decimals.

    Parameters
    ----------
    cmp : GroupComparison

    Returns
    -------
    DataFrame
        Columns 比较, n1, n2, 肯定回答1, 肯定回答2, 比例1(%), 比例2(%), 差值(百分点), 差值95%CI下限,
        差值95%CI上限, χ², 自由度, χ²检验p值, Fisher精确检验p值, 采用的检验, 报告的p值, Cramér's V,
        比值比OR, 最小期望频数, 说明.
    """
    row = {
        "比较": f"{cmp.group1} − {cmp.group2}", "n1": cmp.n1, "n2": cmp.n2, "肯定回答1": cmp.effective1,
        "肯定回答2": cmp.effective2, "比例1(%)": cmp.pct1, "比例2(%)": cmp.pct2, "差值(百分点)": cmp.diff,
        "差值95%CI下限": cmp.ci_low, "差值95%CI上限": cmp.ci_high, "χ²": cmp.chi2, "自由度": cmp.dof,
        "χ²检验p值": cmp.p_chi2, "Fisher精确检验p值": cmp.p_fisher,
        "采用的检验": {"chi2": "χ²检验", "fisher": "Fisher精确检验"}.get(cmp.test, "不予报告"),
        "报告的p值": cmp.p_val, "Cramér's V": cmp.cramer_v, "比值比OR": cmp.odds_ratio,
        "最小期望频数": cmp.min_expected, "说明": cmp.note,
    }
    return _rounded(pd.DataFrame([row]), 4)
