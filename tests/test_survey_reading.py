"""Tests of analysis.survey.reading: effect sizes and reliability in words (Cohen 1988; George &
Mallery 2003), numbers as text, the survey page's sentences and Chinese-headed tables.
"""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from analysis import survey
from analysis.survey import reading
from tests import survey_fixtures
from tests.survey_fixtures import SCOPE

# The fixture database and the configuration defaults, shared by name (pytest finds fixtures by name).
con = survey_fixtures.con
default_config = survey_fixtures.default_config


@pytest.mark.parametrize("v, df_star, label", [
    (0.05, 1, "极弱"), (0.1, 1, "弱"), (0.29, 1, "弱"), (0.3, 1, "中等"), (0.5, 1, "强"),
    (0.06, 3, "弱"), (0.2, 3, "中等"), (0.3, 3, "强"), (float("nan"), 1, ""),
])
def test_effect_size_label(v, df_star, label):
    # Cohen's w thresholds 0.1 / 0.3 / 0.5 divided by sqrt(df*): for df* = 3, 0.058 / 0.173 / 0.289.
    assert survey.effect_size_label(v, df_star=df_star) == label


@pytest.mark.parametrize("alpha, label", [(0.95, "很好"), (0.85, "良好"), (0.7, "可接受"), (0.65, "勉强"),
                                          (-0.1, "不足"), (float("nan"), "")])
def test_alpha_label(alpha, label):
    assert survey.alpha_label(alpha) == label


# ---------------------------------------------------------------------------------------------
# Sentences
# ---------------------------------------------------------------------------------------------

# The demo's calibrated headline: 1,030 of 1,107 members and 1,327 of 1,543 non-members.
HEADLINE = survey.GroupComparison(
    group1="党员", group2="非党员", n1=1107, n2=1543, effective1=1030, effective2=1327, pct1=93.043, pct2=86.001,
    diff=7.042, ci_low=4.71, ci_high=9.34, chi2=32.514, dof=1, p_chi2=1.2e-8, p_fisher=9e-9, odds_ratio=2.17,
    min_expected=105.2, test="chi2", p_val=1.2e-8, cramer_v=0.1108,
)


def test_comparison_sentence_chi2():
    assert reading.comparison_sentence(HEADLINE, "作用明显") == (
        "**党员** 中 93.0%（n=1,107）选择“作用明显”，**非党员** 中 86.0%（n=1,543）；"
        "党员比非党员高 7.0 个百分点（差值 95% CI 4.7–9.3 个百分点）。"
        "χ² 检验 χ²(1) = 32.51，p < 0.001，差异有统计学意义（p < 0.05）；Cramér's V = 0.11，关联强度弱。")


def test_comparison_sentence_fisher_equal_shares_and_escaping():
    cmp = dataclasses.replace(HEADLINE, group1="A*组", pct2=93.0, diff=0.043, test="fisher", p_val=0.4321,
                              cramer_v=0.01)
    text = reading.comparison_sentence(cmp, "有[帮助]")
    assert text.startswith(r"**A\*组** 中 93.0%（n=1,107）选择“有\[帮助\]”")
    assert "两组比例几乎相同" in text
    assert "Fisher 精确检验（有期望频数小于 5）p = 0.432，差异无统计学意义（p ≥ 0.05），不能认为两组不同" in text
    assert text.endswith("关联强度极弱。")


def test_comparison_sentence_when_suppressed_or_untested():
    hidden = dataclasses.replace(HEADLINE, suppressed=True, test="", note="有分组的人数或格子数小于 5，为保护受访者不报告比较结果")
    assert reading.comparison_sentence(hidden, "作用明显").startswith(
        "**党员** 与 **非党员** 的比较不予报告：有分组的人数或格子数小于 5，为保护受访者不报告比较结果。")
    untested = dataclasses.replace(HEADLINE, test="", note="某一行或列全为 0，无法做 χ² 检验")
    assert reading.comparison_sentence(untested, "作用明显").endswith("个百分点）。某一行或列全为 0，无法做 χ² 检验")


def test_independence_sentence_and_warning(con):
    # [[3, 1], [1, 3]]: every expected count is 2, χ² = 4 × 1² / 2 = 2.00 (dof 1), p = 0.157 (SciPy),
    # V = sqrt(2 / 8) = 0.50 (强); Fisher two-sided p = (16 + 1 + 16 + 1) / 70 = 0.486.
    ct = survey.crosstab(con, survey_id=6, row_question_no=1, col_question_no=2, scope=SCOPE, min_cell=0)
    assert reading.independence_sentence(ct) == (
        "χ² 独立性检验：χ²(1) = 2.00，p = 0.157，n=8；没有证据表明两题的回答有关联（p ≥ 0.05）；"
        "Cramér's V = 0.50，关联强度强。2×2 表 Fisher 精确检验 p = 0.486。")
    assert reading.crosstab_effect_size(ct) == "强"
    assert reading.sparse_table_warning(ct) == (
        "100% 的格子期望频数小于 5（最小 2.0），χ² 检验结果不可靠，可合并选项后再分析。")
    assert reading.sparse_table_warning(dataclasses.replace(ct, expected_below_5_pct=20.0)) == ""


def test_crosstab_effect_size_uses_the_table_shape(con):
    # 4 × 3 party × effect table: df* = min(4, 3) - 1 = 2, so V is read against 0.1 / 0.3 / 0.5 ÷ sqrt(2).
    ct = survey.crosstab(con, survey_id=1, row_question_no=1, col_question_no=2, scope=SCOPE, min_cell=0)
    assert reading.crosstab_effect_size(ct) == survey.effect_size_label(ct.cramer_v, df_star=2)


def test_weakest_items_and_reliability_sentences():
    weakest = pd.DataFrame({"item": ["合理用药", "人才_培养", "医疗质量", "义诊"], "mean": [3.6, 3.6667, 4.0, 4.5]})
    assert reading.weakest_items_sentence(weakest) == (
        r"均值最低的条目：合理用药（3.60）、人才\_培养（3.67）、医疗质量（4.00）。前两项比例 = 选择最高两个分值的人数占比。")
    items = pd.DataFrame({"item": ["甲", "乙*"], "alpha_if_deleted": [0.5, 0.95]})
    rel = survey.Reliability(alpha=0.9, ci_low=0.8, ci_high=0.95, n=50, k=2, n_incomplete=0, items=items)
    assert reading.reliability_sentence(rel) == (
        r"内部一致性**很好**（α ≥ 0.9 很好，≥ 0.8 良好，≥ 0.7 可接受）。删除 乙\* 后 α 会升高，可检查这些条目是否测量同一内容。")
    steady = dataclasses.replace(rel, alpha=0.72, items=items.assign(alpha_if_deleted=[0.5, 0.6]))
    assert reading.reliability_sentence(steady).endswith("可接受**（α ≥ 0.9 很好，≥ 0.8 良好，≥ 0.7 可接受）。删除任何一个条目都不会使 α 升高。")


def test_survey_caption():
    row = pd.Series({"fielded_from": pd.Timestamp("2024-03-01"), "fielded_to": pd.Timestamp("2024-03-15"),
                     "respondents": 2650})
    assert reading.survey_caption(row, questions=30, min_cell=5) == (
        "调查时间 2024年03月01日—2024年03月15日 · 答卷 2,650 份 · 30 道题 · 比例均附 95% 置信区间。"
        "最小报告单位为 5 人：按受访者特征（科室、职称、政治面貌等）分组时，每组至少 5 人才显示，显示的组给出全部人数；"
        "不足的组标为“<5”，与其他结果相减会推出不足 5 人回答的组标为“*”；"
        "筛选受访者时，符合或不符合条件的答卷不足 5 份的筛选不予分析。全体结果不隐藏。本页不显示任何可识别受访者的信息。")
    assert "最小报告单位为 30 人" in reading.survey_caption(row, questions=30, min_cell=30)
    undated = row.copy()
    undated["fielded_to"] = pd.NaT
    assert reading.survey_caption(undated, questions=30, min_cell=5).startswith("答卷 2,650 份")


def test_group_label(con):
    qs = survey.questions(con, scope=SCOPE, survey_id=1)
    assert reading.group_label(qs, reading.NO_GROUP) == "不分组"
    assert reading.group_label(qs, 3) == "Q3 科室类别（单选题）"
    qs.loc[qs["question_no"] == 1, "attribute"] = "政治面貌"
    assert reading.group_label(qs, 1) == "政治面貌（Q1）"


def test_scale_labels(con):
    options = survey.question_options(con, scope=SCOPE, survey_id=2, question_no=1)
    assert reading.scale_labels(options) == {1.0: "1分", 2.0: "2分", 3.0: "3分", 4.0: "4分", 5.0: "5分"}  # 不了解 unscored


# ---------------------------------------------------------------------------------------------
# Tables with Chinese headers
# ---------------------------------------------------------------------------------------------


def test_result_table_renames_and_rounds():
    frame = pd.DataFrame({"option_no": [1], "option": ["作用明显"], "n": [31], "pct": [64.58333], "pct_5": [50.0],
                          "extra": [1.23456]})
    out = reading.result_table(frame, drop=("option_no", "absent"), rename={"pct": "肯定回答比例(%)"})
    assert list(out.columns) == ["选项", "人数", "肯定回答比例(%)", "5分比例(%)", "extra"]
    assert out.iloc[0].tolist() == ["作用明显", 31, 64.58, 50.0, 1.23]


def test_two_way_table():
    frame = pd.DataFrame([[1.234, 2.0], [3.0, 4.5678]], index=pd.Index(["甲", "乙"], name="科室"), columns=["是", 5])
    out = reading.two_way_table(frame, 2)
    assert list(out.columns) == ["科室", "是", "5"]
    assert out.values.tolist() == [["甲", 1.23, 2.0], ["乙", 3.0, 4.57]]
    assert list(reading.two_way_table(frame.rename_axis(None)).columns)[0] == "行"


def test_comparison_table():
    out = reading.comparison_table(HEADLINE)
    assert list(out.columns) == [
        "比较", "n1", "n2", "肯定回答1", "肯定回答2", "比例1(%)", "比例2(%)", "差值(百分点)", "差值95%CI下限",
        "差值95%CI上限", "χ²", "自由度", "χ²检验p值", "Fisher精确检验p值", "采用的检验", "报告的p值", "Cramér's V",
        "比值比OR", "最小期望频数", "说明"]
    row = out.iloc[0]
    assert (row["比较"], row["采用的检验"], row["Cramér's V"], row["比例1(%)"]) == ("党员 − 非党员", "χ²检验", 0.1108, 93.043)
    assert reading.comparison_table(dataclasses.replace(HEADLINE, test="")).iloc[0]["采用的检验"] == "不予报告"


def test_plain_comparison_has_no_statistics():
    assert reading.plain_comparison(HEADLINE, "认为作用明显") == "党员认为作用明显的比例高于非党员，差异有统计学意义"
    lower = dataclasses.replace(HEADLINE, group1="非党员", group2="党员", diff=-7.042)
    assert reading.plain_comparison(lower, "认为作用明显") == "非党员认为作用明显的比例低于党员，差异有统计学意义"
    alike = dataclasses.replace(HEADLINE, test="fisher", p_val=0.4321)
    assert reading.plain_comparison(alike, "认为作用明显") == "党员认为作用明显的比例与非党员接近，差异无统计学意义"
    hidden = dataclasses.replace(HEADLINE, suppressed=True, test="", note="有分组的人数小于 5")
    assert reading.plain_comparison(hidden, "认为作用明显") == "党员与非党员的比较不予报告：有分组的人数小于 5"
    for cmp in (HEADLINE, alike):
        text = reading.plain_comparison(cmp, "认为作用明显")
        assert not [w for w in ("χ²", "p ", "CI", "Cramér") if w in text]
