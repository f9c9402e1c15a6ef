"""The researcher's edits (option order, waves) and the comparison of waves (issue #16, items 1 and 4).

Two waves of one questionnaire, 2024 and 2025, with the counts written out:

  2024 (survey 1): Q1 政治面貌, Q2 党建引领作用 (作用明显 / 有一定作用 / 作用不明显)
      中共党员 20: 作用明显 12, 有一定作用 8          群众 30: 作用明显 12, 有一定作用 12, 作用不明显 6
      民主党派 3: 作用明显 1, 有一定作用 2
  2025 (survey 2): Q1 您认为党建引领作用如何？ (reworded, now first), Q2 政治面貌, Q3 a new question
      中共党员 25: 作用明显 20, 有一定作用 5          群众 30: 作用明显 18, 有一定作用 10, 作用不明显 2
      民主党派 3: 作用明显 3
"""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pytest
from statsmodels.stats.proportion import confint_proportions_2indep

from analysis import db, survey
from analysis.access import audit
from analysis.scope import Scope
from analysis.survey import OptionCondition, RespondentFilter, edits
from tests import survey_fixtures
from tests.survey_fixtures import SCOPE, make_survey, repeat

default_config = survey_fixtures.default_config
COMMITTEE = Scope("dangban", "committee")
EFFECT = ["作用明显", "有一定作用", "作用不明显"]
PARTY = ["中共党员", "群众", "民主党派"]


@pytest.fixture()
def con(tmp_path):
    connection = db.open_database(tmp_path / "waves.duckdb")
    make_survey(connection, 1, {
        1: ("您的政治面貌", "single", PARTY, None),
        2: ("您认为党建对科室发展的引领作用如何", "single", EFFECT, None),
    }, repeat(({1: 1, 2: 1}, 12), ({1: 1, 2: 2}, 8), ({1: 2, 2: 1}, 12), ({1: 2, 2: 2}, 12), ({1: 2, 2: 3}, 6),
              ({1: 3, 2: 1}, 1), ({1: 3, 2: 2}, 2)))
    make_survey(connection, 2, {
        1: ("您认为党建对科室发展的引领作用如何？", "single", EFFECT, None),
        2: ("您的政治面貌：", "single", PARTY, None),
        3: ("您对今年的活动是否满意", "single", ["满意", "不满意"], None),
    }, repeat(({2: 1, 1: 1}, 20), ({2: 1, 1: 2}, 5), ({2: 2, 1: 1}, 18), ({2: 2, 1: 2}, 10), ({2: 2, 1: 3}, 2),
              ({2: 3, 1: 1}, 3)))
    yield connection
    connection.close()


def link(con):
    matches = survey.propose_matches(con, base_survey_id=1, survey_id=2, scope=SCOPE)
    pairs = {int(q): int(k) for q, k in zip(matches["question_no"], matches["key_no"]) if not pd.isna(k)}
    edits.link_waves(con, instrument="党建引领调查", waves=[(1, "2024年"), (2, "2025年")], matches={2: pairs},
                     scope=SCOPE)
    return matches


def test_questions_matched_by_text_one_to_one(con):
    matches = link(con).set_index("question_no")
    assert matches.loc[1, "key_no"] == 2 and matches.loc[2, "key_no"] == 1
    assert matches.loc[2, "similarity"] == pytest.approx(1.0)  # punctuation ignored
    assert pd.isna(matches.loc[3, "key_no"])  # the new question has no counterpart
    listed = survey.waves(con, scope=SCOPE)
    assert list(listed["wave_label"]) == ["2024年", "2025年"] and list(listed["matched"]) == [2, 2]
    assert list(listed["respondents"]) == [53, 58]


def test_change_between_waves_with_newcombe_interval(con):
    link(con)
    change = survey.wave_change(con, instrument="党建引领调查", key_no=2, effective_options=["作用明显"], scope=SCOPE)
    assert list(change["wave_label"]) == ["2024年", "2025年"]
    assert list(change["effective"]) == [25, 41] and list(change["n"]) == [53, 58]
    assert change.loc[1, "diff"] == pytest.approx(41 / 58 * 100 - 25 / 53 * 100)
    low, high = confint_proportions_2indep(41, 58, 25, 53, method="newcomb", compare="diff")  # reference
    assert (change.loc[1, "diff_ci_low"], change.loc[1, "diff_ci_high"]) == pytest.approx((low * 100, high * 100))
    assert change.loc[1, "test"] == "chi2" and 0 < change.loc[1, "p_val"] < 0.05


def test_change_per_group_hides_groups_under_the_minimum(con):
    link(con)
    change = survey.wave_change(con, instrument="党建引领调查", key_no=2, group_key_no=1,
                                effective_options=["作用明显"], scope=SCOPE)
    by = change.set_index(["group", "wave_label"])
    assert by.loc[("群众", "2025年"), "diff"] == pytest.approx(18 / 30 * 100 - 12 / 30 * 100)
    assert by.loc[("群众", "2025年"), "effective"] == 18 and pd.isna(by.loc[("群众", "2024年"), "diff"])
    # 民主党派 has 3 respondents in each wave: never shown, no change computed.
    assert by.loc[("民主党派", "2024年"), "n"] == "<5" and by.loc[("民主党派", "2025年"), "n"] == "<5"
    assert by.loc[("民主党派", "2025年"), ["pct", "diff"]].isna().all()
    # The smallest other group (中共党员) joins 民主党派's reporting block, so it is hidden too (*).
    assert by.loc[("中共党员", "2025年"), "n"] == "*" and pd.isna(by.loc[("中共党员", "2025年"), "diff"])


def test_wave_errors(con):
    with pytest.raises(ValueError, match="没有名为"):
        survey.wave_change(con, instrument="不存在", key_no=1, scope=SCOPE)
    link(con)
    with pytest.raises(ValueError, match="少于两期"):
        survey.wave_change(con, instrument="党建引领调查", key_no=99, scope=SCOPE)
    with pytest.raises(ValueError, match="已是"):
        edits.link_waves(con, instrument="另一个", waves=[(1, "a"), (2, "b")], matches={}, scope=SCOPE)
    with pytest.raises(ValueError, match="同一道题"):
        edits.link_waves(con, instrument="党建引领调查", waves=[(1, "a"), (2, "b")], matches={2: {1: 2, 2: 2}},
                         scope=SCOPE)
    with pytest.raises(PermissionError):
        edits.link_waves(con, instrument="x", waves=[(1, "a"), (2, "b")], matches={},
                         scope=Scope("sec", "secretary", unit_id="B01"))


def test_researcher_reorders_options_audited(con):
    freq = survey.frequencies(con, survey_id=1, question_no=2, scope=SCOPE)
    assert list(freq["option"])[:3] == EFFECT
    result = edits.set_option_order(con, survey_id=1, question_no=2, options=EFFECT[::-1], ordinal=True, scope=SCOPE)
    assert result == {"before": EFFECT, "after": EFFECT[::-1], "ordinal": True}
    freq = survey.frequencies(con, survey_id=1, question_no=2, scope=SCOPE)
    assert list(freq["option"])[:3] == EFFECT[::-1] and list(freq["n"])[:3] == [6, 22, 25]
    row = survey.questions(con, scope=SCOPE, survey_id=1).set_index("question_no").loc[2]
    assert row["ordinal"] and row["order_rule"] == "researcher" and row["order_label"] == "研究人员手动调整"
    logged = audit.audit_entries(con, scope=COMMITTEE, action="survey_option_order")
    assert len(logged) == 1 and json.loads(logged.loc[0, "detail"])["after"] == EFFECT[::-1]


def test_reorder_refuses_what_is_not_a_reordering(con):
    with pytest.raises(ValueError, match="恰好包含"):
        edits.set_option_order(con, survey_id=1, question_no=2, options=EFFECT[:2], ordinal=False, scope=SCOPE)
    with pytest.raises(ValueError, match="恰好包含"):
        edits.set_option_order(con, survey_id=1, question_no=2, options=[*EFFECT[:2], EFFECT[0]], ordinal=False,
                               scope=SCOPE)
    with pytest.raises(PermissionError):
        edits.set_option_order(con, survey_id=1, question_no=2, options=EFFECT, ordinal=False,
                               scope=Scope("sec", "secretary", unit_id="B01"))
    assert con.execute("SELECT list(position ORDER BY option_no) FROM survey_option WHERE survey_id = 1 "
                       "AND question_no = 2").fetchone()[0] == [1, 2, 3]


def test_a_respondent_filter_applies_to_the_matching_question_of_every_wave(con):
    link(con)
    # Stated in the 2025 wave's numbers: its 政治面貌 is question 2, the 2024 wave's question 1.
    masses = RespondentFilter(options=(OptionCondition(2, (PARTY[1],)),))
    change = survey.wave_change(con, instrument="党建引领调查", key_no=2, effective_options=(EFFECT[0],),
                                respondents=masses, respondents_survey_id=2, scope=SCOPE)
    for survey_id, question_no, party_no in [(1, 2, 1), (2, 1, 2)]:
        alone = survey.effective_share(con, survey_id=survey_id, question_no=question_no, effective_options=(EFFECT[0],),
                                       respondents=RespondentFilter(options=(OptionCondition(party_no, (PARTY[1],)),)),
                                       scope=SCOPE)
        row = change[change["survey_id"] == survey_id].iloc[0]
        assert (row["n"], row["effective"], row["pct"]) == (alone["n"][0], alone["effective"][0], alone["pct"][0])
    assert change["n"].tolist() == [30, 30]  # 群众: 12 + 12 + 6 in 2024, 18 + 10 + 2 in 2025
    with pytest.raises(ValueError, match="不能按提交日期"):
        survey.wave_change(con, instrument="党建引领调查", key_no=2, respondents=RespondentFilter(
            submitted_from=dt.date(2025, 1, 1)), respondents_survey_id=2, scope=SCOPE)
    unmatched = RespondentFilter(options=(OptionCondition(3, ("满意",)),))  # only the 2025 wave asks it
    with pytest.raises(ValueError, match="第 3 题没有与“党建引领调查”的其他各期对应"):
        survey.wave_change(con, instrument="党建引领调查", key_no=2, respondents=unmatched, respondents_survey_id=2,
                           scope=SCOPE)
