"""Group comparison of scale scores (issue #16 toolbox): each statistic against SciPy / statsmodels,
Games-Howell against pingouin's own function, Dunn by hand, and the minimum reporting group.

The fixture: 4 科室 (内科 12, 外科 10, 医技 9, 行政 3 respondents) answering a 2-row matrix scored
1-5 (plus 不了解, not scored) and a single-choice 1-5 satisfaction; the scores come from a seeded
generator with group means 4.2, 3.6, 3.0 and 3.5.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pingouin
import pytest
from scipy import stats
from statsmodels.stats.multitest import multipletests

from analysis import db, survey
from tests import survey_fixtures
from tests.survey_fixtures import SCOPE, make_survey

default_config = survey_fixtures.default_config
DEPARTMENTS = ["内科", "外科", "医技", "行政"]
SIZES = [12, 10, 9, 3]
MEANS = [4.2, 3.6, 3.0, 3.5]
SCALE = [("1分", 1), ("2分", 2), ("3分", 3), ("4分", 4), ("5分", 5), "不了解"]


def _responses() -> list[dict]:
    rng = np.random.default_rng(16)
    out = []
    for dept, (size, mean) in enumerate(zip(SIZES, MEANS), start=1):
        for _ in range(size):
            a, b, c = (int(np.clip(round(rng.normal(mean, 0.9)), 1, 5)) for _ in range(3))
            out.append({1: dept, 2: {1: a, 2: b}, 3: c})
    out[0][2] = {1: 6, 2: 5}  # 不了解 on row 1: no scale score for this respondent
    return out


RESPONSES = _responses()


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    connection = db.open_database(tmp_path_factory.mktemp("groups") / "g.duckdb")
    make_survey(connection, 1, {
        1: ("您所在的科室类别", "single", DEPARTMENTS, None),
        2: ("请评价党建工作", "matrix", SCALE, ["学习教育", "组织生活"]),
        3: ("总体满意度", "single", SCALE[:5], None),
    }, RESPONSES)
    yield connection
    connection.close()


def samples(question: int, groups: list[int]) -> list[np.ndarray]:
    """Scores by department (1-based), from the responses themselves (the reference)."""
    out = []
    for dept in groups:
        values = []
        for r in RESPONSES:
            if r[1] != dept:
                continue
            if question == 3:
                values.append(r[3])
            elif all(v <= 5 for v in r[2].values()):
                values.append(np.mean(list(r[2].values())))
        out.append(np.array(values, dtype=float))
    return out


def test_scale_score_is_the_mean_of_complete_rows(con):
    scores = survey.respondent_scores(con, survey_id=1, question_no=2, item_no=None, scope=SCOPE)
    assert len(scores) == sum(SIZES) - 1 and 1 not in set(scores["response_id"])  # 不了解 left out
    assert scores.loc[scores["response_id"] == 2, "score"].item() == np.mean(list(RESPONSES[1][2].values()))


def test_two_groups_welch_and_mann_whitney(con):
    groups = {"内科": ["内科"], "外科": ["外科"]}
    x, y = samples(3, [1, 2])
    welch = survey.compare_scores(con, survey_id=1, question_no=3, group_question_no=1, groups=groups, scope=SCOPE)
    row = welch.test.iloc[0]
    ref = stats.ttest_ind(x, y, equal_var=False)  # SciPy's Welch test
    assert row["method"] == "welch_t"
    assert (row["statistic"], row["p_val"]) == pytest.approx((ref.statistic, ref.pvalue))
    pooled = np.sqrt(((len(x) - 1) * x.var(ddof=1) + (len(y) - 1) * y.var(ddof=1)) / (len(x) + len(y) - 2))
    assert row["effect_size"] == pytest.approx((x.mean() - y.mean()) / pooled)  # Cohen's d by hand
    ranks = survey.compare_scores(con, survey_id=1, question_no=3, group_question_no=1, groups=groups,
                                  method="rank", scope=SCOPE).test.iloc[0]
    mw = stats.mannwhitneyu(x, y, alternative="two-sided")
    assert ranks["p_val"] == pytest.approx(mw.pvalue)
    # rank-biserial r = 1 - 2U/(n1 n2) with U of the second sample (pingouin's sign: positive when x > y)
    assert abs(ranks["effect_size"]) == pytest.approx(abs(1 - 2 * mw.statistic / (len(x) * len(y))))
    assert welch.posthoc.empty


def test_anova_and_games_howell(con):
    res = survey.compare_scores(con, survey_id=1, question_no=2, item_no=None, group_question_no=1, scope=SCOPE)
    # 行政 (3) is under the minimum; the smallest other option joins its block: 医技 (9) hidden too.
    assert list(res.groups["n"]) == [11, 10, "*", "<5"] and set(res.hidden) == {"医技", "行政"}
    x, y = samples(2, [1, 2])
    row = res.test.iloc[0]  # the hidden groups are not tested: two groups left, Welch's t-test
    assert row["method"] == "welch_t" and row["groups"] == 2 and row["n"] == len(x) + len(y)
    assert row["p_val"] == pytest.approx(stats.ttest_ind(x, y, equal_var=False).pvalue)
    full = survey.compare_scores(con, survey_id=1, question_no=2, item_no=None, group_question_no=1, scope=SCOPE,
                                 min_cell=0)
    x, y, z, w = samples(2, [1, 2, 3, 4])
    row = full.test.iloc[0]
    ref = stats.f_oneway(x, y, z, w)
    assert row["method"] == "anova" and (row["statistic"], row["p_val"]) == pytest.approx((ref.statistic, ref.pvalue))
    allv = np.concatenate([x, y, z, w])
    between = sum(len(s) * (s.mean() - allv.mean()) ** 2 for s in (x, y, z, w))
    assert row["effect_size"] == pytest.approx(between / ((allv - allv.mean()) ** 2).sum())  # η² by hand
    data = pd.DataFrame({"g": np.repeat(DEPARTMENTS, [len(s) for s in (x, y, z, w)]), "v": allv})
    gh = pingouin.pairwise_gameshowell(data=data, dv="v", between="g")
    merged = full.posthoc.merge(gh, left_on=["group1", "group2"], right_on=["A", "B"])
    assert len(merged) == 6
    np.testing.assert_allclose(merged["p_adj"], merged["pval"])
    np.testing.assert_allclose(merged["diff_x"], merged["mean_A"] - merged["mean_B"])


def test_kruskal_and_dunn_holm_by_hand(con):
    res = survey.compare_scores(con, survey_id=1, question_no=3, group_question_no=1, method="rank", scope=SCOPE,
                                min_cell=0)
    groups = samples(3, [1, 2, 3, 4])
    ref = stats.kruskal(*groups)
    row = res.test.iloc[0]
    n = sum(len(g) for g in groups)
    assert (row["statistic"], row["p_val"], row["effect_size"]) == pytest.approx((ref.statistic, ref.pvalue,
                                                                                  ref.statistic / (n - 1)))
    # Dunn's z with the tie correction, then Holm over the 6 pairs (statsmodels).
    allv = np.concatenate(groups)
    ranks = stats.rankdata(allv)
    bounds = np.cumsum([0, *[len(g) for g in groups]])
    mean_rank = [ranks[bounds[i]:bounds[i + 1]].mean() for i in range(4)]
    _, ties = np.unique(allv, return_counts=True)
    sigma2 = (n * (n + 1) / 12) - ((ties**3 - ties).sum() / (12 * (n - 1)))
    raw = []
    for i in range(4):
        for j in range(i + 1, 4):
            z = (mean_rank[i] - mean_rank[j]) / np.sqrt(sigma2 * (1 / len(groups[i]) + 1 / len(groups[j])))
            raw.append(2 * stats.norm.sf(abs(z)))
    holm = multipletests(raw, method="holm")[1]
    np.testing.assert_allclose(res.posthoc["p_adj"], holm)
    assert list(res.posthoc["adjustment"].unique()) == ["holm"]


def test_compare_scores_errors(con):
    with pytest.raises(ValueError, match="method"):
        survey.compare_scores(con, survey_id=1, question_no=3, group_question_no=1, method="t", scope=SCOPE)
    with pytest.raises(ValueError, match="没有分值"):
        survey.compare_scores(con, survey_id=1, question_no=1, group_question_no=1, scope=SCOPE)
