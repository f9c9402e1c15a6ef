"""Tests of analysis.survey.shares: frequencies, the effective share by group, two groups compared.

References: statsmodels (proportion_confint, confint_proportions_2indep), SciPy (chi2_contingency,
fisher_exact, contingency.association) and hand calculations written out in comments.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from scipy.stats.contingency import association
from statsmodels.stats.proportion import confint_proportions_2indep, proportion_confint

from analysis import survey
from tests import survey_fixtures
from tests.survey_fixtures import EFFECT, SCOPE, wilson_pct

# The fixture database and the configuration defaults, shared by name (pytest finds fixtures by name).
con = survey_fixtures.con
default_config = survey_fixtures.default_config


# ---------------------------------------------------------------------------------------------
# Frequencies
# ---------------------------------------------------------------------------------------------


def test_frequencies_single_choice(con):
    out = survey.frequencies(con, survey_id=1, question_no=2, scope=SCOPE)
    assert out["option"].tolist() == [*EFFECT, "未作答"]
    assert out["n"].tolist() == [31, 13, 4, 5]
    assert out.attrs["respondents"] == 53 and out.attrs["answered"] == 48
    options = out.iloc[:3]
    np.testing.assert_allclose(options["pct"], np.array([31, 13, 4]) / 53 * 100)
    np.testing.assert_allclose(options["valid_pct"], np.array([31, 13, 4]) / 48 * 100)
    low, high = wilson_pct(np.array([31, 13, 4]), 48)  # statsmodels reference
    np.testing.assert_allclose(options["ci_low"], low)
    np.testing.assert_allclose(options["ci_high"], high)
    missing = out.iloc[3]
    assert pd.isna(missing["option_no"]) and missing["pct"] == pytest.approx(5 / 53 * 100)
    assert pd.isna(missing["valid_pct"]) and pd.isna(missing["ci_low"])


def test_frequencies_multiple_choice(con):
    # 3 of 4 respondents answered; selections: 主题党日 2, 义诊 3, 志愿服务 1 (6 in all).
    out = survey.frequencies(con, survey_id=5, question_no=1, scope=SCOPE)
    assert list(out.columns) == ["option_no", "option", "n", "response_pct", "case_pct", "ci_low", "ci_high"]
    assert out["n"].tolist() == [2, 3, 1, 1]
    np.testing.assert_allclose(out["response_pct"].iloc[:3], [2 / 6 * 100, 3 / 6 * 100, 1 / 6 * 100])
    np.testing.assert_allclose(out["case_pct"].iloc[:3], [2 / 3 * 100, 100, 1 / 3 * 100])
    low, _ = wilson_pct(np.array([2, 3, 1]), 3)
    np.testing.assert_allclose(out["ci_low"].iloc[:3], low)


def test_whole_sample_frequencies_are_never_hidden(con):
    # 科室: 临床 32, 医技 4, 行政 15, 后勤 0, 未作答 2. Counting the whole sample breaks no group
    # down, so 医技's 4 is shown, and so is 行政 (the old cell rule hid it as a complement).
    out = survey.frequencies(con, survey_id=1, question_no=3, scope=SCOPE)
    assert out["n"].tolist() == [32, 4, 15, 0, 2]
    assert out.loc[1, "valid_pct"] == pytest.approx(4 / 51 * 100)
    # Multiple choice: 志愿服务 chosen once, the others still all shown.
    multiple = survey.frequencies(con, survey_id=5, question_no=1, scope=SCOPE)
    assert multiple["n"].tolist() == [2, 3, 1, 1] and multiple["case_pct"].iloc[:3].notna().all()


# ---------------------------------------------------------------------------------------------
# Effective share and group comparison
# ---------------------------------------------------------------------------------------------

PARTY_GROUPS = {"党员": ["中共党员", "预备党员"], "非党员": ["群众", "其他党派"]}


def test_effective_share_overall(con):
    out = survey.effective_share(con, survey_id=1, question_no=2, scope=SCOPE, min_cell=0)
    assert out[["group", "n", "effective", "not_effective"]].values.tolist() == [["全部", 48, 31, 17]]
    low, high = wilson_pct(31, 48)
    assert out.loc[0, "pct"] == pytest.approx(31 / 48 * 100)
    assert (out.loc[0, "ci_low"], out.loc[0, "ci_high"]) == pytest.approx((low, high))


def test_effective_share_by_mapped_groups(con):
    # 党员 = 中共党员 23 (18 effective) + 预备党员 4 (3) = 27 (21);
    # 非党员 = 群众 20 answered (10) + 其他党派 1 (0) = 21 (10); the 5 who skipped Q2 are out.
    out = survey.effective_share(
        con, survey_id=1, question_no=2, group_question_no=1, groups=PARTY_GROUPS, scope=SCOPE, min_cell=0
    )
    assert out[["group", "n", "effective", "not_effective"]].values.tolist() == [
        ["党员", 27, 21, 6],
        ["非党员", 21, 10, 11],
        ["合计", 48, 31, 17],
    ]
    assert out["pct"].tolist() == pytest.approx([21 / 27 * 100, 10 / 21 * 100, 31 / 48 * 100])
    assert out.attrs["hidden"] == {}


def test_mapped_groups_that_split_the_small_options_are_hidden(con):
    # Among the 48 who answered Q2: 中共党员 23, 预备党员 4, 群众 20, 其他党派 1. The small options
    # 预备党员 and 其他党派 (5 together) must be reported together: 党员 (27) minus 中共党员 (23,
    # shown on its own by the one-group-per-option breakdown) would give 预备党员's 4 back.
    out = survey.effective_share(
        con, survey_id=1, question_no=2, group_question_no=1, groups=PARTY_GROUPS, scope=SCOPE, min_cell=5
    )
    rows = out.set_index("group")
    assert rows.loc["党员", ["n", "effective", "not_effective"]].tolist() == ["*", "*", "*"]
    assert rows.loc["非党员", ["n", "effective", "not_effective"]].tolist() == ["*", "*", "*"]
    assert rows.loc[["党员", "非党员"], ["pct", "ci_low", "ci_high"]].isna().all().all()
    assert rows.loc["合计", ["n", "effective", "not_effective"]].tolist() == [48, 31, 17]
    assert "“预备党员”、“其他党派”不足 5 人" in out.attrs["hidden"]["党员"]
    # Grouped as the rule asks, both groups are shown.
    together = survey.effective_share(
        con, survey_id=1, question_no=2, group_question_no=1, scope=SCOPE, min_cell=5,
        groups={"中共党员": ["中共党员"], "其他": ["预备党员", "群众", "其他党派"]},
    )
    assert together[["group", "n", "effective"]].values.tolist() == [["中共党员", 23, 18], ["其他", 25, 13], ["合计", 48, 31]]


def test_effective_share_group_of_four_and_the_total_that_gives_it_back(con):
    # 中共党员 23 (18 / 5) vs 预备党员 4 (3 / 1). 中共党员 is a group of 23: all its counts are
    # shown, its 5 not-effective answers included. 预备党员 (4) is under the minimum, and the
    # 合计 (27) minus 中共党员 would give it back, so the 合计 is hidden too.
    out = survey.effective_share(
        con,
        survey_id=1,
        question_no=2,
        group_question_no=1,
        groups={"中共党员": ["中共党员"], "预备党员": ["预备党员"]},
        scope=SCOPE,
        min_cell=5,
    )
    rows = out.set_index("group")
    assert rows.loc["预备党员", ["n", "effective", "not_effective"]].tolist() == ["<5", "<5", "<5"]
    assert rows.loc["中共党员", ["n", "effective", "not_effective"]].tolist() == [23, 18, 5]
    assert rows.loc["合计", ["n", "effective", "not_effective"]].tolist() == ["*", "*", "*"]
    assert rows.loc[["预备党员", "合计"], ["pct", "ci_low", "ci_high"]].isna().all().all()
    assert rows.loc["中共党员", "pct"] == pytest.approx(18 / 23 * 100)
    assert set(out.attrs["hidden"]) == {"预备党员", "合计"}


def test_effective_share_mark_and_minimum_follow_min_cell(con, tmp_path, monkeypatch):
    # Minimum 16: the small options 预备党员 (4) and 其他党派 (1) make 5, under 16, so the
    # smallest larger option, 群众 (20), joins their block and is hidden with them ("*").
    toml = tmp_path / "hospital.toml"
    toml.write_text("[survey]\nmin_cell = 16\n", encoding="utf-8")
    monkeypatch.setenv("PARTY_DASHBOARD_CONFIG", str(toml))
    out = survey.effective_share(con, survey_id=1, question_no=2, group_question_no=1, scope=SCOPE)
    assert out["n"].tolist() == [23, "<16", "*", "<16", 48]


def test_effective_share_hides_zero_in_a_tiny_group(con):
    # 其他党派 has one respondent, who did not choose 作用明显: "0 of 1" would tell their answer.
    out = survey.effective_share(con, survey_id=1, question_no=2, group_question_no=1, scope=SCOPE, min_cell=5)
    rows = out.set_index("group")
    assert rows.loc["其他党派", ["n", "effective", "not_effective"]].tolist() == ["<5", "<5", "<5"]
    assert rows.loc["群众", ["n", "effective", "not_effective"]].tolist() == [20, 10, 10]


def test_compare_groups_chi2(con):
    # 2×2 table [[21, 6], [10, 11]]; every expected count ≥ 5 (smallest 21 × 17 / 48 = 7.44).
    res = survey.compare_groups(
        con, survey_id=1, question_no=2, group_question_no=1, groups=PARTY_GROUPS, scope=SCOPE, min_cell=0
    )
    table = np.array([[21, 6], [10, 11]])
    ref = stats.chi2_contingency(table, correction=False)
    assert (res.group1, res.group2, res.n1, res.n2) == ("党员", "非党员", 27, 21)
    assert res.diff == pytest.approx((21 / 27 - 10 / 21) * 100)
    low, high = confint_proportions_2indep(21, 27, 10, 21, method="newcomb", compare="diff")
    assert (res.ci_low, res.ci_high) == pytest.approx((low * 100, high * 100))
    assert res.chi2 == pytest.approx(ref.statistic) and res.p_chi2 == pytest.approx(ref.pvalue)
    assert res.min_expected == pytest.approx(21 * 17 / 48)
    assert res.test == "chi2" and res.p_val == res.p_chi2
    assert res.p_fisher == pytest.approx(stats.fisher_exact(table).pvalue)
    assert res.cramer_v == pytest.approx(association(table, method="cramer", correction=False))
    assert not res.suppressed
    frame = res.to_frame()
    assert frame.loc[0, "diff"] == res.diff and "p_val" in frame


def test_compare_groups_newcombe_by_hand(con):
    # Newcombe (1998) method 10 from the Wilson limits of each proportion:
    # lower = d - sqrt((p1 - l1)² + (u2 - p2)²), upper = d + sqrt((u1 - p1)² + (p2 - l2)²).
    res = survey.compare_groups(
        con, survey_id=1, question_no=2, group_question_no=1, groups=PARTY_GROUPS, scope=SCOPE, min_cell=0
    )
    p1, p2 = 21 / 27, 10 / 21
    l1, u1 = proportion_confint(21, 27, method="wilson")
    l2, u2 = proportion_confint(10, 21, method="wilson")
    d = p1 - p2
    lower = d - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    upper = d + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    assert (res.ci_low, res.ci_high) == pytest.approx((lower * 100, upper * 100))


def test_compare_groups_uses_fisher_when_expected_below_5(con):
    # 中共党员 [18, 5] vs 预备党员 [3, 1]: expected not-effective for 预备党员 = 4 × 6 / 27 = 0.89.
    kwargs = dict(survey_id=1, question_no=2, group_question_no=1, compare=("中共党员", "预备党员"), scope=SCOPE)
    res = survey.compare_groups(con, **kwargs, min_cell=0)
    ref = stats.fisher_exact(np.array([[18, 5], [3, 1]]))
    assert res.test == "fisher"
    assert res.p_val == pytest.approx(ref.pvalue) and res.odds_ratio == pytest.approx(ref.statistic)
    # With the minimum reporting group on, the group of 4 makes the whole comparison unreportable.
    hidden = survey.compare_groups(con, **kwargs, min_cell=5)
    assert hidden.suppressed and "“预备党员”不足 5 人" in hidden.note
    assert math.isnan(hidden.pct2) and math.isnan(hidden.diff) and math.isnan(hidden.p_val)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"group_question_no": 1}, "compare 指定"),  # four groups, none chosen
        ({"group_question_no": 1, "compare": ("中共党员", "团员")}, "没有分组“团员”"),
        ({"group_question_no": 1, "groups": {"甲": ["中共党员"], "乙": ["中共党员"]}}, "同时出现"),
        ({"group_question_no": 1, "groups": {"甲": ["党员"]}}, "不是第 1 题"),
        ({"group_question_no": 1, "effective_options": ["非常明显"]}, "有效选项“非常明显”"),
        ({"group_question_no": 3, "groups": {"合计": ["临床"], "其他": ["医技"]}}, "合计"),
    ],
)
def test_compare_groups_argument_errors(con, kwargs, message):
    with pytest.raises(ValueError, match=message):
        survey.compare_groups(con, survey_id=1, question_no=2, scope=SCOPE, min_cell=0, **kwargs)
