"""Tests of analysis.survey.scales: Likert items (as computed and as published) and Cronbach's
alpha, against NumPy variance formulas, SciPy's F distribution and hand calculations.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from analysis import survey
from tests import survey_fixtures
from tests.survey_fixtures import SCOPE

# The fixture database and the configuration defaults, shared by name (pytest finds fixtures by name).
con = survey_fixtures.con
default_config = survey_fixtures.default_config


# ---------------------------------------------------------------------------------------------
# Likert items
# ---------------------------------------------------------------------------------------------


def test_item_numbers_keep_one_type_whatever_order_duckdb_groups_them_in():
    # DuckDB's grouping order varies from run to run; in the grid's order, pandas' reindex kept
    # the summary's int32 item numbers (a filtered and an unfiltered run then differed in CI).
    from analysis.survey.scales import _describe_items

    summary = pd.DataFrame({"item_no": np.array([1, 2], dtype="int32"), "group": ["全部", "全部"], "n": [2, 1],
                            "mean": [4.5, 3.0], "sd": [0.7, None]})
    dist = pd.DataFrame({"item_no": np.array([1, 1, 2], dtype="int32"), "group": "全部", "value": [4.0, 5.0, 3.0],
                         "k": [1, 1, 1]})
    items = pd.DataFrame({"item_no": [0, 1, 2], "item": ["", "甲", "乙"]})[lambda f: f["item_no"] > 0]
    shapes = [_describe_items(frame, dist, items, ["全部"], [1.0, 2.0, 3.0, 4.0, 5.0])
              for frame in (summary, summary.iloc[::-1])]
    assert [str(out["item_no"].dtype) for out in shapes] == ["int64", "int64"]
    pd.testing.assert_frame_equal(*shapes)


def test_likert_items(con):
    out = survey.likert_items(con, survey_id=2, question_no=1, scope=SCOPE)
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
    out = survey.likert_items(con, survey_id=2, question_no=1, group_question_no=2, scope=SCOPE, min_cell=0)
    first = out[out["item_no"] == 1].set_index("group")
    assert first.loc["党员", "mean"] == pytest.approx((5 + 4 + 5) / 3)
    assert first.loc["群众", "mean"] == pytest.approx((3 + 2 + 5) / 3)
    hidden = survey.likert_items(con, survey_id=2, question_no=1, group_question_no=2, scope=SCOPE, min_cell=5)
    assert set(hidden["n"]) == {"<5"}
    assert hidden[["mean", "sd", "top2_pct"]].isna().all().all()


def test_likert_items_grouped_hides_small_groups_with_their_reason(con):
    # Item 1 was scored by 党员 3 and 群众 3 respondents: both groups are under 5, on every item.
    hidden = survey.likert_items(con, survey_id=2, question_no=1, group_question_no=2, scope=SCOPE, min_cell=5)
    assert hidden.attrs["hidden"][(1, "党员")] == "“党员”不足 5 人，不予显示。"
    assert len(hidden.attrs["hidden"]) == 6
    # A minimum of 3: items 1 and 3 (3 + 3 scored) show both groups with their whole
    # distributions; on item 2 群众 scored only 2 (one answered 不了解), and 党员 would give them
    # back from the whole-sample item, so both go.
    shown = survey.likert_items(con, survey_id=2, question_no=1, group_question_no=2, scope=SCOPE, min_cell=3)
    assert set(shown.attrs["hidden"]) == {(2, "党员"), (2, "群众")}
    assert shown.loc[shown["item_no"] == 2, "n"].tolist() == ["*", "<3"]
    assert shown.loc[shown["item_no"] != 2, "mean"].notna().all()


def test_likert_items_whole_sample_shows_every_share(con):
    # Item 1 scores 5, 4, 3, 2, 5, 5: counts 1分 0, 2分 1, 3分 1, 4分 1, 5分 3 (n = 6). Whole-sample
    # results break no group down: the shares of single answers are shown, as in frequencies.
    first = survey.likert_items(con, survey_id=2, question_no=1, scope=SCOPE).set_index("item_no").loc[1]
    assert first[["pct_1", "pct_2", "pct_3", "pct_4", "pct_5"]].tolist() == pytest.approx([0, 100 / 6, 100 / 6, 100 / 6, 50])
    assert first["top2_pct"] == pytest.approx(4 / 6 * 100) and first["n"] == 6
    freq = survey.frequencies(con, survey_id=2, question_no=1, item_no=1, scope=SCOPE)
    assert freq["n"].iloc[:5].tolist() == [0, 1, 1, 1, 3]


# ---------------------------------------------------------------------------------------------
# Reliability
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
    rel = survey.cronbach_alpha(con, survey_id=2, question_no=1, scope=SCOPE)
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
    rel = survey.cronbach_alpha(con, survey_id=2, question_no=1, scope=SCOPE)
    assert rel.alpha == pytest.approx(expected)
    for j in range(k):
        rest = np.delete(x, j, axis=1)
        a = 2 * (1 - np.var(rest, axis=0, ddof=1).sum() / np.var(rest.sum(axis=1), ddof=1))
        assert rel.items.loc[j, "alpha_if_deleted"] == pytest.approx(a)
