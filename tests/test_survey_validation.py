"""What every survey analysis refuses: unknown surveys and questions, wrong question types, a
missing matrix row, a scope that is not a Scope, bad single-choice data, a bad min_cell.
"""

from __future__ import annotations

import pytest

from analysis import db, survey
from tests import survey_fixtures
from tests.survey_fixtures import SCOPE, make_survey

# The fixture database and the configuration defaults, shared by name (pytest finds fixtures by name).
con = survey_fixtures.con
default_config = survey_fixtures.default_config


@pytest.mark.parametrize(
    ("func", "survey_id", "question_no", "message"),
    [
        (survey.cronbach_alpha, 1, 2, "单选题（single），信度分析"),
        (survey.likert_items, 1, 2, "量表分析只适用于矩阵题"),
        (survey.ranking_scores, 1, 2, "排序题得分只适用于排序题"),
        (survey.frequencies, 4, 1, "频数分析"),
        (survey.frequencies, 9, 1, "问卷 9 不存在"),
    ],
)
def test_wrong_question_type(con, func, survey_id, question_no, message):
    with pytest.raises(ValueError, match=message):
        func(con, survey_id=survey_id, question_no=question_no, scope=SCOPE)


def test_matrix_needs_an_item(con):
    with pytest.raises(ValueError, match="item_no"):
        survey.frequencies(con, survey_id=2, question_no=1, scope=SCOPE)
    out = survey.frequencies(con, survey_id=2, question_no=1, item_no=2, scope=SCOPE)
    assert out.set_index("option").loc["不了解", "n"] == 1


def test_scope_must_be_a_scope(con):
    with pytest.raises(TypeError, match="Scope"):
        survey.ranking_scores(con, survey_id=3, question_no=1, scope="researcher")


def test_bad_single_choice_data_is_refused(tmp_path):
    con = db.open_database(str(tmp_path / "bad.duckdb"))
    make_survey(con, 1, {1: ("题", "single", ["是", "否"], None)}, [{1: 1}])
    con.execute("INSERT INTO survey_answer VALUES (1, 1, 1, 0, 2, NULL, NULL)")
    with pytest.raises(ValueError, match="选了多个选项"):
        survey.frequencies(con, survey_id=1, question_no=1, scope=SCOPE)
    con.close()


def test_min_cell_must_be_a_non_negative_integer(con):
    with pytest.raises(ValueError, match="min_cell"):
        survey.effective_share(con, survey_id=1, question_no=2, group_question_no=1, scope=SCOPE, min_cell=-1)
