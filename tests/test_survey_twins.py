"""The readable and numbered downloads of one 问卷星 survey imported one after the other (issue #16,
item 3): the second is attached to the first as its twin (codes, order, texts), counts stay
the same, the same responses under another file name are refused, and rollbacks undo twins.

The sample exports (data/samples/wjx, 120 respondents) with their expected counts in
EXPECTED.json are the reference.
"""

from __future__ import annotations

import json
import shutil

import pytest

from analysis import config, db, survey
from analysis.ingest import importer, rollback
from tests.survey_fixtures import SCOPE
from tests.test_wjx import NUMBERED, READABLE, READABLE_CSV, SAMPLES

EXPECTED = json.loads((SAMPLES / "EXPECTED.json").read_text(encoding="utf-8"))
CFG = config.DEFAULT


def load(con, path, name=None):
    return importer.import_file(con, path, user="tester", kind="wjx", file_name=name, cfg=CFG)


def survey_counts(con) -> dict:
    row = con.execute("SELECT (SELECT count(*) FROM survey), (SELECT count(*) FROM survey_response), "
                      "(SELECT count(*) FROM survey_answer)").fetchone()
    return dict(zip(("surveys", "responses", "answers"), row))


def frequencies(con, survey_id: int, question_no: int) -> dict[str, int]:
    freq = survey.frequencies(con, survey_id=survey_id, question_no=question_no, scope=SCOPE)
    return {o: int(n) for o, n in zip(freq["option"], freq["n"]) if o != survey.MISSING_LABEL and n}


@pytest.fixture()
def con(tmp_path):
    connection = db.open_database(tmp_path / "twins.duckdb")
    yield connection
    connection.close()


def test_numbered_after_readable_is_attached_not_counted_twice(con):
    first = load(con, READABLE)
    before = survey_counts(con)
    assert before["responses"] == EXPECTED["respondents"]
    # Readable only: 1..4 in the order the rules found (政治面貌 by first appearance).
    order_before = list(survey.question_options(con, scope=SCOPE, survey_id=1, question_no=1)["option"])
    second = load(con, NUMBERED)
    assert second.preview.rows == 0 and any("另一种下载" in w for w in second.preview.warnings)
    assert survey_counts(con) == before  # no second survey, no response or answer more
    assert frequencies(con, 1, 1) == EXPECTED["q1"] and frequencies(con, 1, 4) == EXPECTED["q4"]
    # The questionnaire's own numbers and order now: 中共党员 is option 1 of the numbered export.
    options = survey.question_options(con, scope=SCOPE, survey_id=1, question_no=1)
    assert list(options["option"]) == ["中共党员", "共青团员", "民主党派", "群众"] != order_before
    codes = dict(con.execute("SELECT text, code FROM survey_option WHERE survey_id = 1 AND question_no = 1").fetchall())
    assert codes == {"中共党员": 1, "共青团员": 2, "民主党派": 3, "群众": 4}
    rules = dict(con.execute("SELECT question_no, order_rule FROM survey_question WHERE survey_id = 1").fetchall())
    assert rules[1] == rules[4] == rules[5] == "codes"
    assert con.execute("SELECT survey_id, variant, responses FROM survey_twin WHERE batch_id = ?",
                       [second.batch_id]).fetchone() == (1, "numbered", 120)
    # The original cannot be rolled back while its twin hangs on it; the twin can, restoring the order.
    with pytest.raises(rollback.RollbackRefused):
        rollback.rollback_batch(con, first.batch_id, user="tester")
    undone = rollback.rollback_batch(con, second.batch_id, user="tester")
    assert undone.restored > 0
    assert list(survey.question_options(con, scope=SCOPE, survey_id=1, question_no=1)["option"]) == order_before
    assert con.execute("SELECT count(*) FROM survey_twin").fetchone()[0] == 0
    assert survey_counts(con) == before
    rollback.rollback_batch(con, first.batch_id, user="tester")
    assert survey_counts(con)["surveys"] == 0


def test_readable_after_numbered_names_the_options(con):
    load(con, NUMBERED)
    assert list(survey.question_options(con, scope=SCOPE, survey_id=1, question_no=1)["option"]) == [
        "选项1", "选项2", "选项3", "选项4"]
    load(con, READABLE)
    assert survey_counts(con)["surveys"] == 1
    assert frequencies(con, 1, 1) == EXPECTED["q1"] and frequencies(con, 1, 4) == EXPECTED["q4"]
    assert list(survey.question_options(con, scope=SCOPE, survey_id=1, question_no=1)["option"]) == [
        "中共党员", "共青团员", "民主党派", "群众"]
    # The matrix options get their texts and scores; 引领作用 its words, ordered levels: ordinal.
    q = survey.questions(con, scope=SCOPE, survey_id=1).set_index("question_no")
    assert bool(q.loc[4, "ordinal"]) and q.loc[4, "order_rule"] == "codes"
    assert q.loc[5, "text"] != "第5题"  # the numbered export names an option-column question only by number
    scale = survey.question_options(con, scope=SCOPE, survey_id=1, question_no=6)
    assert list(scale["option"]) == ["1分", "2分", "3分", "4分", "5分"] and list(scale["value"]) == [1, 2, 3, 4, 5]


def test_same_responses_under_another_name_are_refused(con, tmp_path):
    load(con, READABLE)
    before = survey_counts(con)
    # The very same file renamed: refused by its content (the SHA-256), as before.
    renamed = tmp_path / "另一个名字.xls"
    shutil.copy(READABLE, renamed)
    with pytest.raises(importer.ImportRejected, match="already imported"):
        load(con, renamed)
    # The same answers in another file (the GBK CSV of the same download): refused by its responses.
    with pytest.raises(importer.ImportRejected) as refused:
        load(con, READABLE_CSV, name="调查导出.csv")
    assert "120 份答卷已在问卷 1" in refused.value.problems[0].message_zh
    assert survey_counts(con) == before
    # The numbered twin, once attached, cannot come again under another name either.
    load(con, NUMBERED)
    copy = tmp_path / "numbered_copy.xlsx"
    shutil.copy(NUMBERED, copy)
    with pytest.raises(importer.ImportRejected):
        load(con, copy)
    assert survey_counts(con) == before
