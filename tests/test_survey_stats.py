"""Tests of analysis.survey_stats against independent references.

References used: SciPy (chi2_contingency, fisher_exact, contingency.association), statsmodels
(proportion_confint, confint_proportions_2indep, contingency_tables.Table), NumPy variance
formulas, and hand calculations written out in comments.
"""

from __future__ import annotations

import ast
import doctest
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from scipy.stats.contingency import association
from statsmodels.stats.contingency_tables import Table
from statsmodels.stats.proportion import confint_proportions_2indep, proportion_confint

from analysis import db
from analysis.scope import Scope
from analysis.survey import stats as ss

SCOPE = Scope("researcher1", "researcher")


# ---------------------------------------------------------------------------------------------
# Fixture builder: a survey from a compact Python description
# ---------------------------------------------------------------------------------------------


def make_survey(con, survey_id: int, questions: dict, responses: list[dict]) -> None:
    """Insert one survey.

    questions: {question_no: (text, qtype, options, items)} where options is a list of option
    texts or (text, value) pairs and items a list of matrix row texts (None otherwise).
    responses: one dict per respondent, {question_no: answer}; the answer's shape follows the
    question type: single -> option_no, multiple -> [option_no, ...], matrix -> {item_no:
    option_no}, ranking -> [option_no in rank order], text -> str.
    """
    con.execute("INSERT INTO survey (survey_id, title, source) VALUES (?, ?, 'demo')", [survey_id, f"问卷{survey_id}"])
    tables: dict[str, list] = {"survey_question": [], "survey_item": [], "survey_option": [], "survey_response": [],
                               "survey_answer": []}
    qtypes = {}
    for qno, (text, qtype, options, items) in questions.items():
        qtypes[qno] = qtype
        tables["survey_question"].append([survey_id, qno, text, qtype, False, None])
        rows = [(0, "")] if qtype != "matrix" else list(enumerate(items, start=1))
        tables["survey_item"] += [[survey_id, qno, i, t] for i, t in rows]
        for no, opt in enumerate(options or [], start=1):
            text_, value = opt if isinstance(opt, tuple) else (opt, None)
            tables["survey_option"].append([survey_id, qno, no, text_, value])
    answers = tables["survey_answer"]
    for rid, response in enumerate(responses, start=1):
        tables["survey_response"].append([survey_id, rid, None, None, None])
        for qno, answer in response.items():
            qtype = qtypes[qno]
            if qtype == "single":
                answers.append([survey_id, rid, qno, 0, answer, None, None])
            elif qtype == "multiple":
                answers += [[survey_id, rid, qno, 0, o, None, None] for o in answer]
            elif qtype == "matrix":
                answers += [[survey_id, rid, qno, i, o, None, None] for i, o in answer.items()]
            elif qtype == "ranking":
                answers += [[survey_id, rid, qno, 0, o, r, None] for r, o in enumerate(answer, start=1)]
            else:
                answers.append([survey_id, rid, qno, 0, None, None, answer])
    for table, rows in tables.items():  # parents first: the order of the dict
        if rows:
            columns = [c[0] for c in con.execute(f"SELECT * FROM {table} LIMIT 0").description]
            frame = pd.DataFrame(rows, columns=columns, dtype=object)
            con.register("fixture_rows", frame)
            con.execute(f"INSERT INTO {table} SELECT * FROM fixture_rows")
            con.unregister("fixture_rows")


def repeat(*pairs: tuple[dict, int]) -> list[dict]:
    """[(response, times), ...] -> the responses repeated."""
    return [dict(r) for r, times in pairs for _ in range(times)]


# Survey 1: 政治面貌 (Q1) × 党建引领作用 (Q2) × 科室 (Q3). Counts, by Q1 and Q2:
#              作用明显  有一定作用  无明显作用  (skipped Q2)
#   中共党员      18          5          0          0       -> 23
#   预备党员       3          1          0          0       -> 4
#   群众          10          6          4          5       -> 25
#   其他党派       0          1          0          0       -> 1
# Q3 (科室): 临床 32, 医技 4, 行政 15, 后勤 0, skipped 2; 53 respondents in all.
PARTY = ["中共党员", "预备党员", "群众", "其他党派"]
EFFECT = ["作用明显", "有一定作用", "无明显作用"]
DEPT = ["临床", "医技", "行政", "后勤"]
SURVEY1 = {
    1: ("政治面貌", "single", PARTY, None),
    2: ("党建引领科室发展的作用", "single", EFFECT, None),
    3: ("科室类别", "single", DEPT, None),
}
RESPONSES1 = repeat(
    ({1: 1, 2: 1, 3: 1}, 12),
    ({1: 1, 2: 1, 3: 3}, 6),
    ({1: 1, 2: 2, 3: 1}, 5),
    ({1: 2, 2: 1, 3: 2}, 3),
    ({1: 2, 2: 2, 3: 2}, 1),
    ({1: 3, 2: 1, 3: 1}, 6),
    ({1: 3, 2: 1, 3: 3}, 4),
    ({1: 3, 2: 2, 3: 1}, 4),
    ({1: 3, 2: 2, 3: 3}, 2),
    ({1: 3, 2: 3, 3: 1}, 4),
    ({1: 3, 3: 3}, 3),
    ({1: 3}, 2),
    ({1: 4, 2: 2, 3: 1}, 1),
)

# Survey 2: a 3-item matrix scale (1-5 分 plus an unscored 不了解) and a grouping question.
SCALE = [("1分", 1.0), ("2分", 2.0), ("3分", 3.0), ("4分", 4.0), ("5分", 5.0), ("不了解", None)]
SURVEY2 = {
    1: ("满意度", "matrix", SCALE, ["医疗质量", "合理用药", "人才培养"]),
    2: ("政治面貌", "single", ["党员", "群众"], None),
}
RESPONSES2 = [
    {1: {1: 5, 2: 4, 3: 5}, 2: 1},
    {1: {1: 4, 2: 4, 3: 4}, 2: 1},
    {1: {1: 3, 2: 2, 3: 3}, 2: 2},
    {1: {1: 2, 2: 3, 3: 2}, 2: 2},
    {1: {1: 5, 2: 5, 3: 4}, 2: 1},
    {1: {1: 5, 2: 6, 3: 4}, 2: 2},  # 不了解 on item 2: incomplete for alpha
    {2: 2},  # skipped the matrix
]

# Survey 3: ranking of 4 options; survey 4: free text; survey 5: multiple choice.
SURVEY3 = {1: ("最需要加强的工作", "ranking", ["党员教育", "业务融合", "志愿服务", "阵地建设"], None)}
RESPONSES3 = [{1: [1, 2, 3]}, {1: [2, 1, 4, 3]}, {1: [1, 3]}, {}]
SURVEY4 = {
    1: ("意见和建议", "text", None, None),
    2: ("政治面貌", "single", ["党员", "群众"], None),
}
RESPONSES4 = [
    {1: "加强党员培训，提高服务质量", 2: 1},
    {1: "希望多组织义诊活动"},
    {1: "(空)"},
    {1: "无"},
    {1: "党员培训要常态化"},
    {1: "义诊活动很好！"},
    {1: "  暂无。 "},
]
SURVEY5 = {1: ("参加过的活动", "multiple", ["主题党日", "义诊", "志愿服务"], None)}
RESPONSES5 = [{1: [1, 2]}, {1: [2]}, {1: [1, 2, 3]}, {}]
SURVEY6 = {1: ("是否党员", "single", ["是", "否"], None), 2: ("义诊", "single", ["参加", "未参加"], None)}
RESPONSES6 = repeat(({1: 1, 2: 1}, 3), ({1: 1, 2: 2}, 1), ({1: 2, 2: 1}, 1), ({1: 2, 2: 2}, 3))


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    connection = db.open_database(str(tmp_path_factory.mktemp("survey") / "t.duckdb"))
    for sid, (questions, responses) in enumerate(
        [(SURVEY1, RESPONSES1), (SURVEY2, RESPONSES2), (SURVEY3, RESPONSES3), (SURVEY4, RESPONSES4), (SURVEY5, RESPONSES5),
         (SURVEY6, RESPONSES6)],
        start=1,
    ):
        make_survey(connection, sid, questions, responses)
    yield connection
    connection.close()


@pytest.fixture(autouse=True)
def default_config(tmp_path, monkeypatch):
    """Defaults only (min_cell 5, effective option 作用明显), whatever data/hospital.toml says."""
    empty = tmp_path / "defaults.toml"
    empty.write_text("", encoding="utf-8")
    monkeypatch.setenv("PARTY_DASHBOARD_CONFIG", str(empty))


def wilson_pct(count, nobs):
    low, high = proportion_confint(count, nobs, alpha=0.05, method="wilson")
    return low * 100, high * 100


# ---------------------------------------------------------------------------------------------
# 1. Frequencies
# ---------------------------------------------------------------------------------------------


def test_frequencies_single_choice(con):
    out = ss.frequencies(con, survey_id=1, question_no=2, scope=SCOPE, min_cell=0)
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
    out = ss.frequencies(con, survey_id=5, question_no=1, scope=SCOPE, min_cell=0)
    assert list(out.columns) == ["option_no", "option", "n", "response_pct", "case_pct", "ci_low", "ci_high"]
    assert out["n"].tolist() == [2, 3, 1, 1]
    np.testing.assert_allclose(out["response_pct"].iloc[:3], [2 / 6 * 100, 3 / 6 * 100, 1 / 6 * 100])
    np.testing.assert_allclose(out["case_pct"].iloc[:3], [2 / 3 * 100, 100, 1 / 3 * 100])
    low, _ = wilson_pct(np.array([2, 3, 1]), 3)
    np.testing.assert_allclose(out["ci_low"].iloc[:3], low)


def test_frequencies_suppresses_group_of_four_and_its_complement(con):
    # 科室: 临床 32, 医技 4, 行政 15, 后勤 0, 未作答 2. 医技 (4) is a small cell; the number who
    # answered (51) is public, so 医技 = 51 - 32 - 15 unless another cell is hidden too: the
    # smallest other non-zero count, 行政, is hidden as well. 后勤's 0 and 未作答 stay shown.
    out = ss.frequencies(con, survey_id=1, question_no=3, scope=SCOPE, min_cell=5)
    assert out["n"].tolist() == [32, "<5", "*", 0, 2]
    assert out.loc[1, ["pct", "valid_pct", "ci_low", "ci_high"]].isna().all()
    assert out.loc[2, ["pct", "valid_pct", "ci_low", "ci_high"]].isna().all()
    assert out.loc[0, "valid_pct"] == pytest.approx(32 / 51 * 100)
    assert [(r, kind) for r, _, kind in out.attrs["suppressed"]] == [(1, "primary"), (2, "secondary")]


def test_frequencies_threshold_string_follows_min_cell(con):
    out = ss.frequencies(con, survey_id=1, question_no=3, scope=SCOPE, min_cell=16)
    assert out["n"].tolist() == [32, "<16", "<16", 0, 2]


def test_frequencies_default_min_cell_comes_from_config(con, tmp_path, monkeypatch):
    toml = tmp_path / "hospital.toml"
    toml.write_text("[survey]\nmin_cell = 16\n", encoding="utf-8")
    monkeypatch.setenv("PARTY_DASHBOARD_CONFIG", str(toml))
    out = ss.frequencies(con, survey_id=1, question_no=3, scope=SCOPE)
    assert out["n"].tolist() == [32, "<16", "<16", 0, 2]


# ---------------------------------------------------------------------------------------------
# 2. Effective share and group comparison
# ---------------------------------------------------------------------------------------------

PARTY_GROUPS = {"党员": ["中共党员", "预备党员"], "非党员": ["群众", "其他党派"]}


def test_effective_share_overall(con):
    out = ss.effective_share(con, survey_id=1, question_no=2, scope=SCOPE, min_cell=0)
    assert out[["group", "n", "effective", "not_effective"]].values.tolist() == [["全部", 48, 31, 17]]
    low, high = wilson_pct(31, 48)
    assert out.loc[0, "pct"] == pytest.approx(31 / 48 * 100)
    assert (out.loc[0, "ci_low"], out.loc[0, "ci_high"]) == pytest.approx((low, high))


def test_effective_share_by_mapped_groups(con):
    # 党员 = 中共党员 23 (18 effective) + 预备党员 4 (3) = 27 (21);
    # 非党员 = 群众 20 answered (10) + 其他党派 1 (0) = 21 (10); the 5 who skipped Q2 are out.
    out = ss.effective_share(
        con, survey_id=1, question_no=2, group_question_no=1, groups=PARTY_GROUPS, scope=SCOPE, min_cell=5
    )
    assert out[["group", "n", "effective", "not_effective"]].values.tolist() == [
        ["党员", 27, 21, 6],
        ["非党员", 21, 10, 11],
        ["合计", 48, 31, 17],
    ]
    assert out["pct"].tolist() == pytest.approx([21 / 27 * 100, 10 / 21 * 100, 31 / 48 * 100])
    assert out.attrs["suppressed"] == []


def test_effective_share_group_of_four_is_suppressed_with_complements(con):
    # 中共党员 23 (18 / 5) vs 预备党员 4 (3 / 1), total 27 (21 / 6). 预备党员's n and both
    # cells are small. Secondary: the n column (23, <5, total 27) would give 4 = 27 - 23, so 23
    # is hidden too; the effective column (18, <5, total 21) likewise hides 18; then
    # 中共党员's not_effective 5 = 23 - 18 is the only shown cell left in its row → hidden,
    # and so on until no single subtraction recovers a small cell. Only the totals remain.
    out = ss.effective_share(
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
    assert rows.loc["中共党员", ["n", "effective", "not_effective"]].tolist() == ["*", "*", "*"]
    assert rows.loc["合计", ["n", "effective", "not_effective"]].tolist() == [27, 21, 6]
    assert rows.loc[["中共党员", "预备党员"], ["pct", "ci_low", "ci_high"]].isna().all().all()
    assert rows.loc["合计", "pct"] == pytest.approx(21 / 27 * 100)


def test_effective_share_hides_zero_in_a_tiny_group(con):
    # 其他党派 has one respondent, who did not choose 作用明显: "0 of 1" would tell their answer.
    out = ss.effective_share(con, survey_id=1, question_no=2, group_question_no=1, scope=SCOPE, min_cell=5)
    rows = out.set_index("group")
    assert rows.loc["其他党派", ["n", "effective", "not_effective"]].tolist() == ["<5", "<5", "<5"]
    assert rows.loc["群众", ["n", "effective", "not_effective"]].tolist() == [20, 10, 10]


def test_compare_groups_chi2(con):
    # 2×2 table [[21, 6], [10, 11]]; every expected count ≥ 5 (smallest 21 × 17 / 48 = 7.44).
    res = ss.compare_groups(
        con, survey_id=1, question_no=2, group_question_no=1, groups=PARTY_GROUPS, scope=SCOPE, min_cell=5
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
    res = ss.compare_groups(
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
    res = ss.compare_groups(con, **kwargs, min_cell=0)
    ref = stats.fisher_exact(np.array([[18, 5], [3, 1]]))
    assert res.test == "fisher"
    assert res.p_val == pytest.approx(ref.pvalue) and res.odds_ratio == pytest.approx(ref.statistic)
    # With suppression on, the group of 4 makes the whole comparison unreportable.
    hidden = ss.compare_groups(con, **kwargs, min_cell=5)
    assert hidden.suppressed and "小于 5" in hidden.note
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
        ss.compare_groups(con, survey_id=1, question_no=2, scope=SCOPE, min_cell=0, **kwargs)


# ---------------------------------------------------------------------------------------------
# 3. Cross tables
# ---------------------------------------------------------------------------------------------

OBSERVED_PARTY_EFFECT = np.array([[18, 5, 0], [3, 1, 0], [10, 6, 4], [0, 1, 0]])


def test_crosstab_statistics(con):
    res = ss.crosstab(con, survey_id=1, row_question_no=1, col_question_no=2, scope=SCOPE, min_cell=0)
    counts = res.counts
    assert counts.loc[PARTY, EFFECT].to_numpy().tolist() == OBSERVED_PARTY_EFFECT.tolist()
    assert counts.loc["合计", "合计"] == res.n == 48
    ref = stats.chi2_contingency(OBSERVED_PARTY_EFFECT, correction=False)
    assert (res.chi2, res.dof, res.p_val) == pytest.approx((ref.statistic, ref.dof, ref.pvalue))
    assert res.cramer_v == pytest.approx(association(OBSERVED_PARTY_EFFECT, method="cramer", correction=False))
    np.testing.assert_allclose(res.expected.to_numpy(), ref.expected_freq)
    np.testing.assert_allclose(res.residuals.to_numpy(), Table(OBSERVED_PARTY_EFFECT, shift_zeros=False).standardized_resids)
    assert res.row_pct.loc["中共党员", "作用明显"] == pytest.approx(18 / 23 * 100)
    assert res.col_pct.loc["中共党员", "作用明显"] == pytest.approx(18 / 31 * 100)
    assert res.row_pct["合计"].tolist() == pytest.approx([100.0] * 5)
    assert res.min_expected == pytest.approx(ref.expected_freq.min())
    assert res.expected_below_5_pct == pytest.approx((ref.expected_freq < 5).mean() * 100)
    assert math.isnan(res.p_fisher)
    assert res.test_table().loc[0, "chi2"] == res.chi2


def test_crosstab_ignores_empty_option_in_the_test(con):
    # 后勤 was chosen by nobody: it stays in the counts (all 0) but not in the test.
    res = ss.crosstab(con, survey_id=1, row_question_no=3, col_question_no=2, scope=SCOPE, min_cell=0)
    assert res.counts.loc["后勤"].tolist() == [0, 0, 0, 0]
    sub = res.counts.loc[["临床", "医技", "行政"], EFFECT].to_numpy(dtype=int)
    ref = stats.chi2_contingency(sub, correction=False)
    assert res.dof == 4 and res.chi2 == pytest.approx(ref.statistic)
    assert res.residuals.loc["后勤"].isna().all()


def test_crosstab_with_a_matrix_row(con):
    res = ss.crosstab(con, survey_id=2, row_question_no=2, col_question_no=1, col_item_no=2, scope=SCOPE, min_cell=0)
    # Item 2 by 政治面貌: 党员 4, 4, 5; 群众 2, 3, 不了解 (an option like any other here); 1分 empty.
    assert res.counts.loc["党员", "4分"] == 2 and res.counts.loc["群众", "不了解"] == 1
    sub = np.array([[0, 0, 2, 1, 0], [1, 1, 0, 0, 1]])
    ref = stats.chi2_contingency(sub, correction=False)
    assert (res.chi2, res.dof) == pytest.approx((ref.statistic, 4))


def test_crosstab_2x2_reports_fisher(con):
    res = ss.crosstab(con, survey_id=6, row_question_no=1, col_question_no=2, scope=SCOPE, min_cell=0)
    table = np.array([[3, 1], [1, 3]])
    assert res.counts.loc[["是", "否"], ["参加", "未参加"]].to_numpy().tolist() == table.tolist()
    assert res.p_fisher == pytest.approx(stats.fisher_exact(table).pvalue)


def _check_no_single_hidden_cell(counts: pd.DataFrame) -> None:
    """Invariant: no row or column with a shown total has exactly one hidden cell."""
    hidden = counts.map(lambda v: isinstance(v, str))
    inner = hidden.drop(index="合计", columns="合计")
    for r in inner.index:
        if not hidden.at[r, "合计"]:
            assert inner.loc[r].sum() != 1, r
    for c in inner.columns:
        if not hidden.at["合计", c]:
            assert inner[c].sum() != 1, c


@pytest.mark.parametrize("row_question_no", [1, 3])
def test_crosstab_suppression_leaves_no_single_hidden_cell(con, row_question_no):
    res = ss.crosstab(con, survey_id=1, row_question_no=row_question_no, col_question_no=2, scope=SCOPE, min_cell=5)
    _check_no_single_hidden_cell(res.counts)


def test_crosstab_suppression_never_uses_an_empty_row_as_complement(con):
    # 后勤 has no respondents: its 0s are known from its 0 total and protect nothing, so the
    # small 医技/作用明显 (3) must be covered by a non-zero cell of its column (行政, 10).
    res = ss.crosstab(con, survey_id=1, row_question_no=3, col_question_no=2, scope=SCOPE, min_cell=5)
    assert res.counts.loc["后勤", ["作用明显", "合计"]].tolist() == [0, 0]
    assert res.counts.loc["行政", "作用明显"] == "*"


def test_crosstab_suppression(con):
    res = ss.crosstab(con, survey_id=1, row_question_no=1, col_question_no=2, scope=SCOPE, min_cell=5)
    counts = res.counts
    raw = pd.DataFrame(OBSERVED_PARTY_EFFECT, index=PARTY, columns=EFFECT)
    small = (raw >= 1) & (raw < 5)
    assert (counts.loc[PARTY, EFFECT][small] == "<5").sum().sum() == small.sum().sum()
    # 预备党员 (4) and 其他党派 (1) are small groups: their whole rows are hidden, zeros too.
    assert counts.loc["预备党员"].tolist() == ["<5"] * 4
    assert counts.loc["其他党派"].tolist() == ["<5"] * 4
    _check_no_single_hidden_cell(counts)
    is_hidden = counts.loc[PARTY, EFFECT].map(lambda v: isinstance(v, str))
    assert res.residuals[is_hidden].isna().all().all()
    assert res.row_pct.loc["预备党员"].isna().all()
    assert res.chi2 > 0 and res.suppressed


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"row_question_no": 1, "col_question_no": 1}, "同一道题"),
        ({"row_question_no": 1, "col_question_no": 9}, "没有第 9 题"),
    ],
)
def test_crosstab_errors(con, kwargs, message):
    with pytest.raises(ValueError, match=message):
        ss.crosstab(con, survey_id=1, scope=SCOPE, min_cell=0, **kwargs)


def test_crosstab_refuses_multiple_choice(con):
    with pytest.raises(ValueError, match="多选题"):
        ss.crosstab(con, survey_id=5, row_question_no=1, col_question_no=1, scope=SCOPE)


# ---------------------------------------------------------------------------------------------
# 4. Likert items
# ---------------------------------------------------------------------------------------------


def test_likert_items(con):
    out = ss.likert_items(con, survey_id=2, question_no=1, scope=SCOPE)
    assert list(out.columns) == [
        "item_no", "item", "n", "mean", "sd", "pct_1", "pct_2", "pct_3", "pct_4", "pct_5", "top2_pct", "rank",
    ]
    # Scored answers (不了解 and the skipped respondent are not scored):
    item_values = {1: [5, 4, 3, 2, 5, 5], 2: [4, 4, 2, 3, 5], 3: [5, 4, 3, 2, 4, 4]}
    for _, row in out.iterrows():
        values = np.array(item_values[row["item_no"]], dtype=float)
        assert row["n"] == len(values)
        assert row["mean"] == pytest.approx(values.mean())
        assert row["sd"] == pytest.approx(values.std(ddof=1))
        assert row["top2_pct"] == pytest.approx((values >= 4).mean() * 100)
        assert row["pct_5"] == pytest.approx((values == 5).mean() * 100)
    # Means 4.0, 3.6, 3.667: weakest first.
    assert out.set_index("item")["rank"].to_dict() == {"医疗质量": 3, "合理用药": 1, "人才培养": 2}


def test_likert_items_grouped_and_suppressed(con):
    out = ss.likert_items(con, survey_id=2, question_no=1, group_question_no=2, scope=SCOPE, min_cell=0)
    first = out[out["item_no"] == 1].set_index("group")
    assert first.loc["党员", "mean"] == pytest.approx((5 + 4 + 5) / 3)
    assert first.loc["群众", "mean"] == pytest.approx((3 + 2 + 5) / 3)
    hidden = ss.likert_items(con, survey_id=2, question_no=1, group_question_no=2, scope=SCOPE, min_cell=5)
    assert set(hidden["n"]) == {"<5"}
    assert hidden[["mean", "sd", "top2_pct"]].isna().all().all()


# ---------------------------------------------------------------------------------------------
# 5. Ranking
# ---------------------------------------------------------------------------------------------


def test_ranking_scores_by_hand(con):
    # 4 options → weights 4, 3, 2, 1 for positions 1-4; 3 respondents answered (the 4th did not).
    # 党员教育: 1st, 2nd, 1st → (4 + 3 + 4) / 3 = 3.667; mean rank (1 + 2 + 1) / 3 = 1.333
    # 业务融合: 2nd, 1st      → (3 + 4) / 3     = 2.333; mean rank 1.5
    # 志愿服务: 3rd, 4th, 2nd → (2 + 1 + 3) / 3 = 2.000; mean rank 3
    # 阵地建设: 3rd           → 2 / 3           = 0.667; mean rank 3
    out = ss.ranking_scores(con, survey_id=3, question_no=1, scope=SCOPE)
    assert out["option"].tolist() == ["党员教育", "业务融合", "志愿服务", "阵地建设"]
    assert out["score"].tolist() == pytest.approx([11 / 3, 7 / 3, 2.0, 2 / 3])
    assert out["mean_rank"].tolist() == pytest.approx([4 / 3, 1.5, 3.0, 3.0])
    assert out["n"].tolist() == [3, 2, 3, 1]
    assert out["order"].tolist() == [1, 2, 3, 4]
    assert out.attrs["answered"] == 3


# ---------------------------------------------------------------------------------------------
# 6. Reliability
# ---------------------------------------------------------------------------------------------


def test_cronbach_alpha_by_hand(con):
    # Complete cases (respondent 6 answered 不了解 on item 2 and is dropped listwise):
    #   item 1: 5 4 3 2 5   mean 3.8  Σd² = 1.44+0.04+0.64+3.24+1.44 = 6.8  var = 1.7
    #   item 2: 4 4 2 3 5   mean 3.6  Σd² = 0.16+0.16+2.56+0.36+1.96 = 5.2  var = 1.3
    #   item 3: 5 4 3 2 4   mean 3.6  Σd² = 1.96+0.16+0.36+2.56+0.16 = 5.2  var = 1.3
    #   total: 14 12 8 7 14 mean 11   Σd² = 9+1+9+16+9 = 44                 var = 11
    #   alpha = 3/2 × (1 - (1.7 + 1.3 + 1.3) / 11) = 1.5 × 6.7 / 11 = 0.913636...
    # Without item 1: totals 9 8 5 5 9, var 16.8 / 4 = 4.2 → alpha = 2 × (1 - 2.6 / 4.2) = 0.761905
    # Item 1 vs the rest: Σ(d1·dr) = 2.16+0.16+1.76+3.96+2.16 = 10.2 → r = 10.2 / sqrt(6.8 × 16.8) = 0.954314
    rel = ss.cronbach_alpha(con, survey_id=2, question_no=1, scope=SCOPE)
    assert rel.alpha == pytest.approx(10.05 / 11)
    assert (rel.n, rel.k, rel.n_incomplete) == (5, 3, 1)
    first = rel.items.iloc[0]
    assert first["alpha_if_deleted"] == pytest.approx(2 * (1 - 2.6 / 4.2))
    assert first["item_total_r"] == pytest.approx(10.2 / math.sqrt(6.8 * 16.8))
    # Feldt interval as pingouin computes it.
    f_hi, f_lo = stats.f.isf(0.025, 4, 8), stats.f.isf(0.975, 4, 8)
    assert (rel.ci_low, rel.ci_high) == pytest.approx((1 - (1 - rel.alpha) * f_hi, 1 - (1 - rel.alpha) * f_lo))
    assert rel.to_frame().loc[0, "alpha"] == rel.alpha


def test_cronbach_alpha_matches_numpy_variance_formula(con):
    x = np.array([[5, 4, 5], [4, 4, 4], [3, 2, 3], [2, 3, 2], [5, 5, 4]], dtype=float)
    k = x.shape[1]
    expected = k / (k - 1) * (1 - np.var(x, axis=0, ddof=1).sum() / np.var(x.sum(axis=1), ddof=1))
    rel = ss.cronbach_alpha(con, survey_id=2, question_no=1, scope=SCOPE)
    assert rel.alpha == pytest.approx(expected)
    for j in range(k):
        rest = np.delete(x, j, axis=1)
        a = 2 * (1 - np.var(rest, axis=0, ddof=1).sum() / np.var(rest.sum(axis=1), ddof=1))
        assert rel.items.loc[j, "alpha_if_deleted"] == pytest.approx(a)


@pytest.mark.parametrize(
    ("func", "survey_id", "question_no", "message"),
    [
        (ss.cronbach_alpha, 1, 2, "单选题（single），信度分析"),
        (ss.likert_items, 1, 2, "量表分析只适用于矩阵题"),
        (ss.ranking_scores, 1, 2, "排序题得分只适用于排序题"),
        (ss.frequencies, 4, 1, "频数分析"),
        (ss.frequencies, 9, 1, "问卷 9 不存在"),
    ],
)
def test_wrong_question_type(con, func, survey_id, question_no, message):
    with pytest.raises(ValueError, match=message):
        func(con, survey_id=survey_id, question_no=question_no, scope=SCOPE)


def test_matrix_needs_an_item(con):
    with pytest.raises(ValueError, match="item_no"):
        ss.frequencies(con, survey_id=2, question_no=1, scope=SCOPE)
    out = ss.frequencies(con, survey_id=2, question_no=1, item_no=2, scope=SCOPE, min_cell=0)
    assert out.set_index("option").loc["不了解", "n"] == 1


def test_scope_must_be_a_scope(con):
    with pytest.raises(TypeError, match="Scope"):
        ss.ranking_scores(con, survey_id=3, question_no=1, scope="researcher")


def test_bad_single_choice_data_is_refused(tmp_path):
    con = db.open_database(str(tmp_path / "bad.duckdb"))
    make_survey(con, 1, {1: ("题", "single", ["是", "否"], None)}, [{1: 1}])
    con.execute("INSERT INTO survey_answer VALUES (1, 1, 1, 0, 2, NULL, NULL)")
    with pytest.raises(ValueError, match="选了多个选项"):
        ss.frequencies(con, survey_id=1, question_no=1, scope=SCOPE)
    con.close()


# ---------------------------------------------------------------------------------------------
# 7. Free text
# ---------------------------------------------------------------------------------------------


def test_keywords(con):
    out = ss.keywords(con, survey_id=4, question_no=1, scope=SCOPE)
    counts = dict(zip(out["word"], out["n"]))
    assert out.attrs["answers"] == 4  # (空), 无 and 暂无 are not answers
    assert counts["义诊"] == 2 and counts["培训"] == 2 and counts["党员"] == 2
    assert all(len(w) >= 2 for w in out["word"])
    assert not {"希望", "空", "无", "暂无", "，"} & set(out["word"])
    assert out["pct"].iloc[0] == pytest.approx(out["n"].iloc[0] / 4 * 100)
    assert out["n"].is_monotonic_decreasing
    fewer = ss.keywords(con, survey_id=4, question_no=1, scope=SCOPE, top=2, stopwords=["义诊"])
    assert len(fewer) == 2 and "义诊" not in set(fewer["word"])


def test_answers_containing_returns_text_only(con):
    out = ss.answers_containing(con, survey_id=4, question_no=1, keyword="义诊", scope=SCOPE)
    assert list(out.columns) == ["text"]
    assert out["text"].tolist() == sorted(["希望多组织义诊活动", "义诊活动很好！"])
    assert ss.answers_containing(con, survey_id=4, question_no=1, keyword="无", scope=SCOPE).empty
    with pytest.raises(ValueError, match="关键词不能为空"):
        ss.answers_containing(con, survey_id=4, question_no=1, keyword=" ", scope=SCOPE)


# ---------------------------------------------------------------------------------------------
# 8. Suppression rules, on plain tables
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("counts", "kwargs", "expected"),
    [
        # One column whose total is public: the small cell and the smallest non-zero other.
        ([40, 3, 57], {"totals_known": True}, ["secondary", "primary", ""]),
        ([40, 3, 0, 57], {"totals_known": True}, ["secondary", "primary", "", ""]),
        # Two small cells already protect each other.
        ([40, 3, 2, 57], {"totals_known": True}, ["", "primary", "primary", ""]),
        # No published total: nothing to subtract from.
        ([40, 3, 57], {}, ["", "primary", ""]),
        # Off.
        ([40, 3, 57], {"totals_known": True, "min_cell": 0}, ["", "", ""]),
    ],
)
def test_suppression_mask_one_column(counts, kwargs, expected):
    table = pd.DataFrame({"n": counts})
    kwargs = {"min_cell": 5, **kwargs}
    assert ss.suppression_mask(table, count_cols=["n"], **kwargs)["n"].tolist() == expected


def test_suppression_mask_two_way_with_margins():
    table = pd.DataFrame(
        {"是": [20, 3, 12, 35], "否": [10, 9, 8, 27], "合计": [30, 12, 20, 62]},
        index=["甲", "乙", "丙", "合计"],
    )
    mask = ss.suppression_mask(table, min_cell=5, count_cols=["是", "否"], total_col="合计", total_row="合计")
    # 乙/是 = 3 is small. Row 乙 (total 12) → hide 乙/否 (9). Column 是 (total 35) → hide 丙/是 (12,
    # the smallest other). Column 否 now has one hidden cell (乙) → hide 丙/否 (8). Row 丙 has two.
    assert mask.loc["乙", "是"] == "primary"
    assert {(r, c) for r in mask.index for c in mask.columns if mask.at[r, c] == "secondary"} == {
        ("乙", "否"), ("丙", "是"), ("丙", "否"),
    }


def test_suppress_replaces_counts_and_hides_dependents():
    table = pd.DataFrame({"n": [40, 3, 57], "pct": [40.0, 3.0, 57.0]}, index=["甲", "乙", "丙"])
    out = ss.suppress(table, min_cell=5, count_cols=["n"], totals_known=True, hide={"n": ["pct"]})
    assert out["n"].tolist() == ["*", "<5", 57]
    assert out["pct"].isna().tolist() == [True, True, False]
    assert out.attrs["suppressed"] == [("甲", "n", "secondary"), ("乙", "n", "primary")]
    assert table["n"].tolist() == [40, 3, 57]  # input untouched


def test_min_cell_must_be_a_non_negative_integer(con):
    with pytest.raises(ValueError, match="min_cell"):
        ss.frequencies(con, survey_id=1, question_no=2, scope=SCOPE, min_cell=-1)


# ---------------------------------------------------------------------------------------------
# Documentation
# ---------------------------------------------------------------------------------------------


def test_every_public_function_documents_its_returns():
    for name in ss.__all__:
        obj = getattr(ss, name)
        if callable(obj) and not isinstance(obj, type):
            doc = obj.__doc__ or ""
            assert "Parameters" in doc and "Returns" in doc, name


def test_jieba_is_imported_lazily():
    # Importing jieba (and loading its dictionary) is slow: only keywords() may do it.
    tree = ast.parse(Path(ss.__file__).read_text(encoding="utf-8"))
    top_level = {a.name for node in tree.body if isinstance(node, ast.Import) for a in node.names}
    top_level |= {node.module for node in tree.body if isinstance(node, ast.ImportFrom)}
    assert "jieba" not in top_level


def test_docstring_examples_run():
    result = doctest.testmod(ss, extraglobs={"pd": pd}, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0


# ---------------------------------------------------------------------------------------------
# 8. Listings and reading aids (the survey page and CLI)
# ---------------------------------------------------------------------------------------------


def test_surveys_and_questions(con):
    listed = ss.surveys(con, scope=SCOPE).set_index("survey_id")
    assert set(listed.index) == {1, 2, 3, 4, 5, 6}
    assert listed.at[1, "respondents"] == 53 and listed.at[1, "questions"] == 3  # 23 + 4 + 25 + 1
    qs = ss.questions(con, scope=SCOPE, survey_id=2).set_index("question_no")
    assert qs.at[1, "qtype"] == "matrix" and qs.at[1, "qtype_label"] == "矩阵题"
    assert (qs.at[1, "options"], qs.at[1, "items"], bool(qs.at[1, "scored"])) == (6, 3, True)
    assert qs.at[1, "answered"] == 6  # the 7th respondent skipped the matrix
    assert qs.at[2, "label"] == "Q2 政治面貌（单选题）" and not qs.at[2, "scored"]
    text = ss.questions(con, scope=SCOPE, survey_id=4).set_index("question_no")
    assert text.at[1, "text_answers"] == 7 and text.at[2, "text_answers"] == 0
    with pytest.raises(ValueError, match="问卷 99 不存在"):
        ss.questions(con, scope=SCOPE, survey_id=99)


def test_question_options(con):
    out = ss.question_options(con, scope=SCOPE, survey_id=2, question_no=1)
    assert list(out["option"]) == ["1分", "2分", "3分", "4分", "5分", "不了解"]
    assert out["value"].iloc[:5].tolist() == [1.0, 2.0, 3.0, 4.0, 5.0] and np.isnan(out["value"].iloc[5])
    assert out.attrs["items"] == [(1, "医疗质量"), (2, "合理用药"), (3, "人才培养")]
    with pytest.raises(ValueError, match="没有第 9 题"):
        ss.question_options(con, scope=SCOPE, survey_id=2, question_no=9)


def test_member_groups_follow_the_configuration(tmp_path):
    connection = db.open_database(tmp_path / "m.duckdb")
    try:
        make_survey(connection, 1, {1: ("您的政治面貌", "single", ["群众", "中共党员", "共青团员", "中共预备党员"], None),
                                    2: ("科室", "single", ["临床", "医技"], None)}, [{1: 1, 2: 1}])
        assert ss.member_groups(connection, scope=SCOPE, survey_id=1, question_no=1) is None  # no attribute yet
        connection.execute("UPDATE survey_question SET attribute = '政治面貌' WHERE question_no = 1")
        assert ss.member_groups(connection, scope=SCOPE, survey_id=1, question_no=1) == {
            "党员": ("中共党员", "中共预备党员"), "非党员": ("群众", "共青团员")}
        assert ss.member_groups(connection, scope=SCOPE, survey_id=1, question_no=2) is None
    finally:
        connection.close()


def test_default_effective(con):
    assert ss.default_effective(con, scope=SCOPE, survey_id=1, question_no=2) == ("作用明显",)  # configured
    assert ss.default_effective(con, scope=SCOPE, survey_id=2, question_no=1) == ("4分", "5分")  # top-2 box
    assert ss.default_effective(con, scope=SCOPE, survey_id=6, question_no=2) == ("参加",)  # first option


def test_likert_published_hides_what_frequencies_hides(con):
    # Item 1 scores 5, 4, 3, 2, 5, 5: counts 1分 0, 2分 1, 3分 1, 4分 1, 5分 3 (n = 6).
    out = ss.likert_published(con, survey_id=2, question_no=1, scope=SCOPE, min_cell=2).set_index("item_no")
    first = out.loc[1]
    assert first["pct_1"] == 0 and first["pct_5"] == pytest.approx(50.0)
    assert first[["pct_2", "pct_3", "pct_4", "top2_pct"]].isna().all()  # counts of 1, and 4分 inside top-2
    assert first["mean"] == pytest.approx(24 / 6) and first["n"] == 6
    freq = ss.frequencies(con, survey_id=2, question_no=1, item_no=1, scope=SCOPE, min_cell=2)
    hidden_freq = {f"pct_{int(v):g}" for v, n in zip([1, 2, 3, 4, 5], freq["n"].iloc[:5]) if isinstance(n, str)}
    hidden_here = {col for item, _, col in out.attrs["suppressed"] if item == 1 and col != "top2_pct"}
    assert hidden_here == hidden_freq == {"pct_2", "pct_3", "pct_4"}
    # min_cell 0 leaves likert_items as it is.
    plain = ss.likert_items(con, survey_id=2, question_no=1, scope=SCOPE)
    pd.testing.assert_frame_equal(ss.likert_published(con, survey_id=2, question_no=1, scope=SCOPE, min_cell=0), plain)


@pytest.mark.parametrize("v, df_star, label", [
    (0.05, 1, "极弱"), (0.1, 1, "弱"), (0.29, 1, "弱"), (0.3, 1, "中等"), (0.5, 1, "强"),
    (0.06, 3, "弱"), (0.2, 3, "中等"), (0.3, 3, "强"), (float("nan"), 1, ""),
])
def test_effect_size_label(v, df_star, label):
    # Cohen's w thresholds 0.1 / 0.3 / 0.5 divided by sqrt(df*): for df* = 3, 0.058 / 0.173 / 0.289.
    assert ss.effect_size_label(v, df_star=df_star) == label


@pytest.mark.parametrize("alpha, label", [(0.95, "很好"), (0.85, "良好"), (0.7, "可接受"), (0.65, "勉强"),
                                          (-0.1, "不足"), (float("nan"), "")])
def test_alpha_label(alpha, label):
    assert ss.alpha_label(alpha) == label
