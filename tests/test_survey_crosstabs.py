"""Tests of analysis.survey.crosstabs against SciPy (chi2_contingency, fisher_exact,
contingency.association) and statsmodels (Table.standardized_resids).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from scipy.stats.contingency import association
from statsmodels.stats.contingency_tables import Table

from analysis import db, survey
from tests import survey_fixtures
from tests.survey_fixtures import EFFECT, PARTY, SCOPE

# The fixture database and the configuration defaults, shared by name (pytest finds fixtures by name).
con = survey_fixtures.con
default_config = survey_fixtures.default_config


OBSERVED_PARTY_EFFECT = np.array([[18, 5, 0], [3, 1, 0], [10, 6, 4], [0, 1, 0]])


def test_crosstab_statistics(con):
    res = survey.crosstab(con, survey_id=1, row_question_no=1, col_question_no=2, scope=SCOPE, min_cell=0)
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
    res = survey.crosstab(con, survey_id=1, row_question_no=3, col_question_no=2, scope=SCOPE, min_cell=0)
    assert res.counts.loc["后勤"].tolist() == [0, 0, 0, 0]
    sub = res.counts.loc[["临床", "医技", "行政"], EFFECT].to_numpy(dtype=int)
    ref = stats.chi2_contingency(sub, correction=False)
    assert res.dof == 4 and res.chi2 == pytest.approx(ref.statistic)
    assert res.residuals.loc["后勤"].isna().all()


def test_crosstab_with_a_matrix_row(con):
    res = survey.crosstab(con, survey_id=2, row_question_no=2, col_question_no=1, col_item_no=2, scope=SCOPE, min_cell=0)
    # Item 2 by 政治面貌: 党员 4, 4, 5; 群众 2, 3, 不了解 (an option like any other here); 1分 empty.
    assert res.counts.loc["党员", "4分"] == 2 and res.counts.loc["群众", "不了解"] == 1
    sub = np.array([[0, 0, 2, 1, 0], [1, 1, 0, 0, 1]])
    ref = stats.chi2_contingency(sub, correction=False)
    assert (res.chi2, res.dof) == pytest.approx((ref.statistic, 4))


def test_crosstab_2x2_reports_fisher(con):
    res = survey.crosstab(con, survey_id=6, row_question_no=1, col_question_no=2, scope=SCOPE, min_cell=0)
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
    res = survey.crosstab(con, survey_id=1, row_question_no=row_question_no, col_question_no=2, scope=SCOPE, min_cell=5)
    _check_no_single_hidden_cell(res.counts)


def test_crosstab_hides_a_small_row_and_the_row_that_would_give_it_back(con):
    # Rows are groups over the 48 who answered Q2: 临床 32, 医技 4, 行政 12, 后勤 0. 医技 is under
    # 5, and the 合计 minus the other rows would give it back, so the smallest larger row, 行政,
    # is hidden with it. 临床 shows every count, its 4 无明显作用 included; 后勤's zeros say nothing.
    res = survey.crosstab(con, survey_id=1, row_question_no=3, col_question_no=2, scope=SCOPE, min_cell=5)
    assert res.counts.loc["临床"].tolist() == [18, 10, 4, 32]
    assert res.counts.loc["医技"].tolist() == ["<5"] * 4
    assert res.counts.loc["行政"].tolist() == ["*"] * 4
    assert res.counts.loc["后勤"].tolist() == [0, 0, 0, 0]
    assert res.counts.loc["合计"].tolist() == [31, 13, 4, 48]
    assert set(res.hidden_rows) == {"医技", "行政"} and "须与“医技”合并" in res.hidden_rows["行政"]


def test_crosstab_rows_under_the_minimum(con):
    res = survey.crosstab(con, survey_id=1, row_question_no=1, col_question_no=2, scope=SCOPE, min_cell=5)
    counts = res.counts
    # 预备党员 (4) and 其他党派 (1) are small groups: their whole rows are hidden, zeros too; together
    # they make 5, so no other row has to go. 中共党员 (23) shows all its counts, its 0 included.
    assert counts.loc["预备党员"].tolist() == ["<5"] * 4
    assert counts.loc["其他党派"].tolist() == ["<5"] * 4
    assert counts.loc["中共党员"].tolist() == [18, 5, 0, 23]
    _check_no_single_hidden_cell(counts)
    assert res.residuals.loc[["预备党员", "其他党派"]].isna().all().all()
    assert res.row_pct.loc["预备党员"].isna().all() and res.col_pct.loc["其他党派"].isna().all()
    assert res.residuals.loc["中共党员"].notna().all()
    assert res.chi2 > 0 and set(res.hidden_rows) == {"预备党员", "其他党派"}


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"row_question_no": 1, "col_question_no": 1}, "同一道题"),
        ({"row_question_no": 1, "col_question_no": 9}, "没有第 9 题"),
    ],
)
def test_crosstab_errors(con, kwargs, message):
    with pytest.raises(ValueError, match=message):
        survey.crosstab(con, survey_id=1, scope=SCOPE, min_cell=0, **kwargs)


def test_crosstab_refuses_multiple_choice(con):
    with pytest.raises(ValueError, match="多选题"):
        survey.crosstab(con, survey_id=5, row_question_no=1, col_question_no=1, scope=SCOPE)


# Age band (ordinal by position) × satisfaction (scored 1-3, plus 不清楚 without a score):
#              不满意  一般  满意  不清楚
#   30岁以下      6      4     2      1
#   30-45岁       3      5     5      2
#   45岁以上      1      3     8      0
TREND_OBSERVED = np.array([[6, 4, 2, 1], [3, 5, 5, 2], [1, 3, 8, 0]])


@pytest.fixture(scope="module")
def trend_con(tmp_path_factory):
    connection = db.open_database(str(tmp_path_factory.mktemp("trend") / "t.duckdb"))
    survey_fixtures.make_survey(connection, 1, {
        1: ("年龄段", "single", ["30岁以下", "30-45岁", "45岁以上"], None),
        2: ("满意度", "single", [("不满意", 1), ("一般", 2), ("满意", 3), "不清楚"], None),
        3: ("性别", "single", ["男", "女"], None),
    }, [{1: r + 1, 2: c + 1, 3: 1 + (r + c) % 2}
        for r in range(3) for c in range(4) for _ in range(int(TREND_OBSERVED[r, c]))])
    connection.execute("UPDATE survey_question SET ordinal = TRUE WHERE question_no = 1")
    yield connection
    connection.close()


def test_crosstab_trend_is_the_linear_by_linear_test_of_statsmodels(trend_con):
    res = survey.crosstab(trend_con, survey_id=1, row_question_no=1, col_question_no=2, scope=SCOPE, min_cell=0)
    # Reference: statsmodels' ordinal association test over the scored columns (不清楚 left out);
    # its z² is the linear-by-linear M² = (n - 1) r².
    ref = Table(TREND_OBSERVED[:, :3]).test_ordinal_association(row_scores=np.arange(1.0, 4), col_scores=np.arange(1.0, 4))
    assert res.trend_chi2 == pytest.approx(ref.zscore**2)
    assert res.trend_p == pytest.approx(ref.pvalue)
    # By hand: the same statistic from the respondents' scores.
    rows, cols = np.nonzero(TREND_OBSERVED[:, :3])
    weights = TREND_OBSERVED[:, :3][rows, cols]
    u, v = np.repeat(rows + 1, weights), np.repeat(cols + 1, weights)
    assert res.trend_chi2 == pytest.approx((len(u) - 1) * np.corrcoef(u, v)[0, 1] ** 2)
    assert res.test_table().loc[0, "trend_p"] == res.trend_p


def test_crosstab_trend_needs_order(trend_con):
    # 性别 (two options) × 年龄段 (ordinal): the Cochran-Armitage case is tested ...
    binary = survey.crosstab(trend_con, survey_id=1, row_question_no=3, col_question_no=1, scope=SCOPE, min_cell=0)
    assert binary.trend_p > 0
    trend_con.execute("UPDATE survey_question SET ordinal = FALSE WHERE question_no = 1")
    try:  # ... but two nominal questions get no trend test.
        nominal = survey.crosstab(trend_con, survey_id=1, row_question_no=1, col_question_no=3, scope=SCOPE, min_cell=0)
        assert math.isnan(nominal.trend_chi2) and math.isnan(nominal.trend_p)
    finally:
        trend_con.execute("UPDATE survey_question SET ordinal = TRUE WHERE question_no = 1")
