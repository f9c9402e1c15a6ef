"""Tests of analysis.survey.catalog: surveys, questions, options and the pickers' defaults.
"""

from __future__ import annotations

import numpy as np
import pytest

from analysis import db, survey
from tests import survey_fixtures
from tests.survey_fixtures import SCOPE, make_survey

# The fixture database and the configuration defaults, shared by name (pytest finds fixtures by name).
con = survey_fixtures.con
default_config = survey_fixtures.default_config


def test_surveys_and_questions(con):
    listed = survey.surveys(con, scope=SCOPE).set_index("survey_id")
    assert set(listed.index) == {1, 2, 3, 4, 5, 6}
    assert listed.at[1, "respondents"] == 53 and listed.at[1, "questions"] == 3  # 23 + 4 + 25 + 1
    qs = survey.questions(con, scope=SCOPE, survey_id=2).set_index("question_no")
    assert qs.at[1, "qtype"] == "matrix" and qs.at[1, "qtype_label"] == "矩阵题"
    assert (qs.at[1, "options"], qs.at[1, "items"], bool(qs.at[1, "scored"])) == (6, 3, True)
    assert qs.at[1, "answered"] == 6  # the 7th respondent skipped the matrix
    assert qs.at[2, "label"] == "Q2 政治面貌（单选题）" and not qs.at[2, "scored"]
    text = survey.questions(con, scope=SCOPE, survey_id=4).set_index("question_no")
    assert text.at[1, "text_answers"] == 7 and text.at[2, "text_answers"] == 0
    with pytest.raises(ValueError, match="问卷 99 不存在"):
        survey.questions(con, scope=SCOPE, survey_id=99)


def test_question_options(con):
    out = survey.question_options(con, scope=SCOPE, survey_id=2, question_no=1)
    assert list(out["option"]) == ["1分", "2分", "3分", "4分", "5分", "不了解"]
    assert out["value"].iloc[:5].tolist() == [1.0, 2.0, 3.0, 4.0, 5.0] and np.isnan(out["value"].iloc[5])
    assert out.attrs["items"] == [(1, "医疗质量"), (2, "合理用药"), (3, "人才培养")]
    with pytest.raises(ValueError, match="没有第 9 题"):
        survey.question_options(con, scope=SCOPE, survey_id=2, question_no=9)


def test_member_groups_follow_the_configuration(tmp_path):
    connection = db.open_database(tmp_path / "m.duckdb")
    try:
        make_survey(connection, 1, {1: ("您的政治面貌", "single", ["群众", "中共党员", "共青团员", "中共预备党员"], None),
                                    2: ("科室", "single", ["临床", "医技"], None)}, [{1: 1, 2: 1}])
        assert survey.member_groups(connection, scope=SCOPE, survey_id=1, question_no=1) is None  # no attribute yet
        connection.execute("UPDATE survey_question SET attribute = '政治面貌' WHERE question_no = 1")
        assert survey.member_groups(connection, scope=SCOPE, survey_id=1, question_no=1) == {
            "党员": ("中共党员", "中共预备党员"), "非党员": ("群众", "共青团员")}
        assert survey.member_groups(connection, scope=SCOPE, survey_id=1, question_no=2) is None
    finally:
        connection.close()


def test_default_effective(con):
    assert survey.default_effective(con, scope=SCOPE, survey_id=1, question_no=2) == ("作用明显",)  # configured
    assert survey.default_effective(con, scope=SCOPE, survey_id=2, question_no=1) == ("4分", "5分")  # top-2 box
    assert survey.default_effective(con, scope=SCOPE, survey_id=6, question_no=2) == ("参加",)  # first option


def test_default_outcome(con):
    # Survey 1: Q2 is the first single-choice question offering 作用明显 (Q1 offers party options).
    assert survey.default_outcome(con, scope=SCOPE, survey_id=1) == 2
    assert survey.default_outcome(con, scope=SCOPE, survey_id=1, effective_options=("群众",)) == 1
    # Survey 2 offers no effective option: the first choice question (the matrix); survey 4: its only one.
    assert survey.default_outcome(con, scope=SCOPE, survey_id=2) == 1
    assert survey.default_outcome(con, scope=SCOPE, survey_id=4) == 2
    with pytest.raises(ValueError, match="没有选择题"):
        survey.default_outcome(con, scope=SCOPE, survey_id=3)  # a ranking question only


def test_grouping_and_attribute_questions(con):
    qs = survey.questions(con, scope=SCOPE, survey_id=1)
    assert survey.grouping_questions(qs) == [1, 2, 3]
    assert survey.attribute_question(qs, "政治面貌") is None
    qs.loc[qs["question_no"] == 3, "attribute"] = "科室类别"
    assert survey.grouping_questions(qs) == [3, 1, 2]  # attribute questions first
    assert survey.attribute_question(qs, "科室类别") == 3
    assert survey.grouping_questions(survey.questions(con, scope=SCOPE, survey_id=2)) == [2]  # not the matrix


def test_default_crosstab(con):
    qs = survey.questions(con, scope=SCOPE, survey_id=1)
    assert survey.default_crosstab(qs, question_no=2) == (1, 2)  # no 政治面貌 question: the first grouping one
    assert survey.default_crosstab(qs, question_no=1) == (1, 2)  # the outcome cannot be crossed with itself
    qs.loc[qs["question_no"] == 3, "attribute"] = "政治面貌"
    assert survey.default_crosstab(qs, question_no=2) == (3, 2)
    with pytest.raises(ValueError, match="至少两道单选题"):
        survey.default_crosstab(survey.questions(con, scope=SCOPE, survey_id=2), question_no=1)
