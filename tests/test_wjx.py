"""Tests of the 问卷星 export parser on the shared sample exports and on synthetic exports."""

from __future__ import annotations

import csv
import functools
import io
import json
import os
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from analysis import db
from analysis.ingest.surveys import guess_attributes, store_survey
from analysis.ingest.wjx import ParsedSurvey, SurveyFormatError, parse_wjx

# A copy of the synthetic sample in the 问卷星 layout (shared/samples/wjx) ships with the repository.
SAMPLES = Path(os.environ.get("WJX_SAMPLES", Path(__file__).resolve().parent.parent / "data" / "samples" / "wjx"))
STEM = "党建引领科室发展调查_120_120"
READABLE = SAMPLES / f"{STEM}_0.xls"
READABLE_CSV = SAMPLES / f"{STEM}_0.csv"
NUMBERED = SAMPLES / f"{STEM}_2.xls"
ANSWER_KEY = ["response_id", "question_no", "item_no", "option_no", "rank"]


# --- helpers -----------------------------------------------------------------------------


@functools.cache
def sample(path: Path, twin: Path | None = None) -> ParsedSurvey:
    """A sample export parsed once per test session (callers must not modify it)."""
    return parse_wjx(path, twin=twin)


def write_xlsx(path: Path, rows: list[list[object]]) -> Path:
    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(row)
    workbook.save(path)
    return path


def write_csv(path: Path, rows: list[list[object]], encoding: str) -> Path:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def counts(con, survey_id: int, question_no: int) -> dict[str, int]:
    return dict(con.execute(
        "SELECT o.text, count(*) FROM survey_answer a "
        "JOIN survey_option o USING (survey_id, question_no, option_no) "
        "WHERE a.survey_id = ? AND a.question_no = ? GROUP BY o.text",
        [survey_id, question_no],
    ).fetchall())


def figures(con, survey_id: int) -> dict:
    """The figures of EXPECTED.json, computed by SQL over the stored tables."""
    def query(sql: str) -> list[tuple]:
        return con.execute(sql, [survey_id]).fetchall()

    by_member: dict[str, dict[str, int]] = {}
    for group, option, n in query(
        "SELECT CASE WHEN o1.text = '中共党员' THEN '中共党员' ELSE '非党员' END, o4.text, count(*) "
        "FROM survey_answer a1 JOIN survey_option o1 USING (survey_id, question_no, option_no) "
        "JOIN survey_answer a4 ON a4.survey_id = a1.survey_id AND a4.response_id = a1.response_id "
        "AND a4.question_no = 4 "
        "JOIN survey_option o4 ON o4.survey_id = a4.survey_id AND o4.question_no = 4 "
        "AND o4.option_no = a4.option_no "
        "WHERE a1.survey_id = ? AND a1.question_no = 1 GROUP BY ALL"
    ):
        by_member.setdefault(group, {})[option] = n
    return {
        "respondents": query("SELECT count(*) FROM survey_response WHERE survey_id = ?")[0][0],
        "q1": counts(con, survey_id, 1),
        "q4": counts(con, survey_id, 4),
        "q4_by_member": by_member,
        "q5_skipped": query(
            "SELECT count(*) FROM survey_response r WHERE survey_id = ? AND NOT EXISTS ("
            "SELECT 1 FROM survey_answer a WHERE a.survey_id = r.survey_id "
            "AND a.response_id = r.response_id AND a.question_no = 5)"
        )[0][0],
        "q5": counts(con, survey_id, 5),
        "q6_mean": dict(query(
            "SELECT i.text, avg(o.value) FROM survey_answer a "
            "JOIN survey_item i USING (survey_id, question_no, item_no) "
            "JOIN survey_option o USING (survey_id, question_no, option_no) "
            "WHERE a.survey_id = ? AND a.question_no = 6 GROUP BY i.text"
        )),
        "q7_mean_rank": dict(query(
            "SELECT o.text, avg(a.rank) FROM survey_answer a "
            "JOIN survey_option o USING (survey_id, question_no, option_no) "
            "WHERE a.survey_id = ? AND a.question_no = 7 GROUP BY o.text"
        )),
        "q8_answered": query(
            "SELECT count(*) FROM survey_answer WHERE survey_id = ? AND question_no = 8 AND text IS NOT NULL"
        )[0][0],
    }


def answers_by_text(parsed: ParsedSurvey) -> set[tuple]:
    """Answers keyed by option text, so exports numbering options differently compare."""
    merged = parsed.answers.merge(parsed.options, on=["question_no", "option_no"], how="left", suffixes=("", "_option"))
    return set(merged[["response_id", "question_no", "item_no", "text_option", "rank"]].itertuples(index=False))


# --- the sample exports ------------------------------------------------------------------


@pytest.fixture(scope="module")
def stored(tmp_path_factory):
    """The three sample parses stored in one database: name -> (connection, survey_id)."""
    con = db.open_database(tmp_path_factory.mktemp("wjx") / "survey.duckdb")
    surveys = {
        "readable": sample(READABLE),
        "csv": sample(READABLE_CSV),
        "numbered": sample(NUMBERED, READABLE),
    }
    ids = {name: store_survey(con, parsed, attributes=guess_attributes(parsed)) for name, parsed in surveys.items()}
    yield con, ids
    con.close()


@pytest.mark.parametrize("name", ["readable", "csv", "numbered"])
def test_sample_figures_match_expected(stored, name):
    con, ids = stored
    expected = json.loads((SAMPLES / "EXPECTED.json").read_text(encoding="utf-8"))
    got = figures(con, ids[name])
    assert got.keys() == expected.keys()
    for key, value in expected.items():
        if key.endswith(("_mean", "_mean_rank")):
            assert got[key] == pytest.approx(value, abs=1e-4), key
        else:
            assert got[key] == value, key


@pytest.mark.parametrize("name, fill_ins", [("readable", 47), ("csv", 47), ("numbered", 0)])
def test_other_option_keeps_its_fill_in(stored, name, fill_ins):
    con, ids = stored
    rows = con.execute(
        "SELECT a.text, count(*) FROM survey_answer a JOIN survey_option o USING (survey_id, question_no, option_no) "
        "WHERE a.survey_id = ? AND a.question_no = 5 AND o.text = '其他【请注明】' GROUP BY a.text",
        [ids[name]],
    ).fetchall()
    assert dict(rows) == ({"党员示范岗": 47} if fill_ins else {None: 47})


def test_sample_survey_rows(stored):
    con, ids = stored
    sid = ids["readable"]
    dates = sample(READABLE).responses.submitted_on
    assert con.execute("SELECT title, source, fielded_from, fielded_to FROM survey WHERE survey_id = ?", [sid]).fetchone() == (
        "党建引领科室发展调查", "wjx", min(dates), max(dates)
    )
    questions = con.execute(
        "SELECT question_no, qtype, required, attribute FROM survey_question WHERE survey_id = ? ORDER BY 1", [sid]
    ).fetchall()
    assert questions == [
        (1, "single", True, "政治面貌"), (2, "single", True, "科室"), (3, "single", False, "职称"),
        (4, "single", True, None), (5, "multiple", True, None), (6, "matrix", True, None),
        (7, "ranking", True, None), (8, "text", False, None),
    ]
    # Privacy: only the date, the duration in seconds and the channel survive of the metadata.
    assert con.execute(
        "SELECT submitted_on, duration_s, channel FROM survey_response WHERE survey_id = ? AND response_id = 1", [sid]
    ).fetchone() == (pd.Timestamp("2025-11-01").date(), 331, "手机提交")
    assert con.execute(
        "SELECT count(*) FROM survey_answer WHERE survey_id = ? AND text LIKE '%内网%'", [sid]
    ).fetchone()[0] == 0
    # Scale options are ordered by their number and carry it as their value.
    assert con.execute(
        "SELECT list(text ORDER BY option_no), list(value ORDER BY option_no) FROM survey_option "
        "WHERE survey_id = ? AND question_no = 6", [sid]
    ).fetchone() == (["1分", "2分", "3分", "4分", "5分"], [1.0, 2.0, 3.0, 4.0, 5.0])


def test_readable_and_numbered_give_the_same_answers():
    readable = sample(READABLE, NUMBERED)
    numbered = sample(NUMBERED, READABLE)
    assert readable.variant == "text" and numbered.variant == "numbered"
    assert set(readable.answers[ANSWER_KEY].itertuples(index=False)) == set(numbered.answers[ANSWER_KEY].itertuples(index=False))
    pd.testing.assert_frame_equal(readable.options, numbered.options)
    pd.testing.assert_frame_equal(readable.questions, numbered.questions)
    # Without a twin the readable export numbers options itself; the answers still agree by text.
    assert answers_by_text(sample(READABLE)) == answers_by_text(numbered)


def test_readable_multiple_choice_options_in_questionnaire_order():
    # Recovered from the order of options inside the "┋" cells; the numbered export has the truth.
    readable = sample(READABLE).options
    numbered = sample(NUMBERED).options
    assert readable[readable.question_no == 5].text.tolist() == numbered[numbered.question_no == 5].text.tolist()


def test_numbered_without_twin_names_options_by_number():
    parsed = sample(NUMBERED)
    options = parsed.options
    assert options[options.question_no == 1].text.tolist() == ["选项1", "选项2", "选项3", "选项4"]
    assert options[options.question_no == 6].value.tolist() == [1.0, 2.0, 3.0, 4.0, 5.0]
    assert options[options.question_no == 7].text.tolist() == ["政治建设", "业务融合", "人才培养", "作风建设"]
    assert parsed.questions.set_index("question_no").loc[5, "text"] == "第5题"


def test_store_is_all_or_nothing(tmp_path):
    con = db.open_database(tmp_path / "survey.duckdb")
    parsed = sample(READABLE)
    version = db.data_version(con)
    with pytest.raises(Exception):  # noqa: B017 (whichever constraint DuckDB reports)
        store_survey(con, parsed, batch_id=999)  # no such import batch: the last insert fails
    assert con.execute("SELECT count(*) FROM survey").fetchone()[0] == 0
    assert con.execute("SELECT count(*) FROM survey_answer").fetchone()[0] == 0
    assert db.data_version(con) == version
    survey_id = store_survey(con, parsed)
    assert db.data_version(con) == version + 1
    assert con.execute("SELECT count(*) FROM survey_answer WHERE survey_id = ?", [survey_id]).fetchone()[0] == len(parsed.answers)
    with pytest.raises(ValueError):
        store_survey(con, parsed, attributes={99: "科室"})


def test_twin_must_be_the_other_variant():
    with pytest.raises(SurveyFormatError) as error:
        parse_wjx(READABLE, twin=READABLE_CSV)
    assert error.value.file == READABLE_CSV.name


# --- synthetic exports -------------------------------------------------------------------

READABLE_ROWS = [
    ["提交答卷时间", "来自IP", "序号", "总分", "所用时间", "用户ID", "来源", "来源详情",
     "1、您的政治面貌 (单选题 *必答)", "2、您所在的科室 ", "3、您参加过哪些活动 (多选题)",
     "4、您的意见和建议 (填空题)", "5、请评价 (矩阵量表题 *必答)—学习教育", "组织生活", "请选择省份城市与地区:"],
    ["2025/3/1 09:10:11", "183.192.16.69(上海-上海)", 11, 0, "136秒", "u001", "微信", "群聊",
     "中共党员", "内科", "义诊┋志愿服务", "无", "5分", "4分", "上海-上海-浦东新区"],
    ["2025/3/2 10:00:00", "183.192.16.70(上海-上海)", 12, 0, "2分16秒", "u002", "链接", "直接访问",
     "群众", "外科", "志愿服务", "(空)", "3分", "(跳过)", "江苏-南京-玄武区"],
    ["2025/3/2 11:00:00", "183.192.16.71(上海-上海)", 13, 0, "95秒", "u003", "微信", "群聊",
     "中共党员", "内科", "主题党日┋义诊┋其他〖读书会〗", "多组织活动", "4分", "4分", "(跳过)"],
    ["2025/3/3 12:00:00", "183.192.16.72(上海-上海)", 14, 0, "60秒", "u004", "微信", "群聊",
     "共青团员", "内科", "(跳过)", "(空)", "2分", "5分", "上海-上海-徐汇区"],
    ["2025/3/4 13:00:00", "183.192.16.73(上海-上海)", 15, 0, "300秒", "u005", "手机提交", "微信",
     "中共党员", "外科", "主题党日", "加强学习", "5分", "3分", "浙江-杭州-西湖区"],
]


def test_synthetic_readable_export(tmp_path):
    parsed = parse_wjx(write_xlsx(tmp_path / "支部调查_3_5_0.xlsx", READABLE_ROWS))
    assert parsed.title == "支部调查" and parsed.variant == "text"
    questions = parsed.questions.set_index("question_no")
    assert questions.qtype.to_dict() == {1: "single", 2: "single", 3: "multiple", 4: "text", 5: "matrix", 6: "text"}
    assert questions.loc[2, "text"] == "您所在的科室" and not questions.loc[2, "required"]
    assert questions.loc[6, "text"] == "请选择省份城市与地区:"
    assert parsed.items[parsed.items.question_no == 5].text.tolist() == ["学习教育", "组织生活"]
    # The trailing unnumbered column is kept, skipped cell excepted.
    trailing = parsed.answers[parsed.answers.question_no == 6]
    assert trailing.text.tolist() == ["上海-上海-浦东新区", "江苏-南京-玄武区", "上海-上海-徐汇区", "浙江-杭州-西湖区"]
    # Options of the multiple choice in questionnaire order, fill-in kept apart from the option.
    options = parsed.options[parsed.options.question_no == 3]
    assert options.text.tolist() == ["主题党日", "义诊", "志愿服务", "其他"]
    other = parsed.answers[(parsed.answers.question_no == 3) & (parsed.answers.option_no == 4)]
    assert other.text.tolist() == ["读书会"]
    responses = parsed.responses
    assert responses.response_id.tolist() == [11, 12, 13, 14, 15]
    assert responses.duration_s.tolist() == [136, 136, 95, 60, 300]
    assert responses.channel.tolist() == ["微信", "链接", "微信", "微信", "手机提交"]
    assert [str(d) for d in responses.submitted_on] == ["2025-03-01", "2025-03-02", "2025-03-02", "2025-03-03", "2025-03-04"]
    # Neither IP addresses nor user ids are carried anywhere.
    frames = [parsed.questions, parsed.items, parsed.options, parsed.responses, parsed.answers]
    flat = " ".join(frame.astype(str).to_csv() for frame in frames)
    assert "183.192" not in flat and "u001" not in flat
    assert guess_attributes(parsed) == {1: "政治面貌", 2: "科室"}


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gbk"])
def test_synthetic_csv_matches_xlsx(tmp_path, encoding):
    from_xlsx = parse_wjx(write_xlsx(tmp_path / "调查.xlsx", READABLE_ROWS))
    from_csv = parse_wjx(write_csv(tmp_path / "upload.tmp", READABLE_ROWS, encoding), file_name="调查.csv")
    assert from_csv.title == "调查"
    for field in ("questions", "items", "options", "responses", "answers"):
        pd.testing.assert_frame_equal(getattr(from_csv, field), getattr(from_xlsx, field), obj=field)


NUMBERED_ROWS = [
    ["序号", "来源", "所用时间", "1、您的性别 (单选题 *必答)", "第2题(义诊)", "第2题(志愿服务)", "第2题(其他)",
     "3(政治建设)", "3(业务融合)", "4、请评价 (矩阵单选题)—学习教育", "组织生活"],
    [1, "微信", "10秒", 1, 1, 0, "1〖读书会〗", 1, 2, 5, 4],
    [2, "微信", "11秒", 2, -2, -2, -2, 2, 1, -3, -3],
    [3, "微信", "12秒", -3, 0, 1, 0, -3, -3, 3, 4],
    [4, "微信", "13秒", 2, 1, 1, 0, 1, 2, 2, 5],
]


def test_synthetic_numbered_export(tmp_path):
    parsed = parse_wjx(write_xlsx(tmp_path / "调查_1_4_2.xlsx", NUMBERED_ROWS))
    assert parsed.variant == "numbered"
    assert parsed.questions.set_index("question_no").qtype.to_dict() == {1: "single", 2: "multiple", 3: "ranking", 4: "matrix"}
    answers = parsed.answers
    # -2 / -3 are "skipped": no answer row, never an option or a zero.
    assert set(answers[answers.response_id == 2].question_no) == {1, 3}
    chosen = answers[answers.question_no == 2].groupby("option_no").size().to_dict()
    assert chosen == {1: 2, 2: 2, 3: 1}
    assert answers[(answers.question_no == 2) & (answers.option_no == 3)].text.tolist() == ["读书会"]
    assert answers[answers.question_no == 1].option_no.tolist() == [1, 2, 2]
    ranks = answers[answers.question_no == 3].groupby("response_id")["rank"].apply(list).to_dict()
    assert ranks == {1: [1, 2], 2: [2, 1], 4: [1, 2]}
    assert parsed.options[parsed.options.question_no == 4].value.tolist() == [2.0, 3.0, 4.0, 5.0]


def test_unplaceable_column_is_refused_by_name(tmp_path):
    rows = [
        ["序号", "1、您的性别 (单选题)", "备注", "2、您的科室 (单选题)"],
        [1, "男", "x", "内科"],
        [2, "女", "y", "外科"],
    ]
    with pytest.raises(SurveyFormatError) as error:
        parse_wjx(write_xlsx(tmp_path / "调查_1_2_0.xlsx", rows))
    assert error.value.column == "备注" and error.value.row is None
    assert error.value.file == "调查_1_2_0.xlsx"
    assert "备注" in error.value.message_zh and "unrecognised column" in str(error.value)


def test_non_numeric_code_is_refused_with_row_and_column(tmp_path):
    rows = [row[:] for row in NUMBERED_ROWS]
    rows[2][3] = "女"
    with pytest.raises(SurveyFormatError) as error:
        parse_wjx(write_xlsx(tmp_path / "upload.tmp", rows), file_name="调查_1_4_2.xlsx")
    assert (error.value.file, error.value.row, error.value.column) == ("调查_1_4_2.xlsx", 3, "1、您的性别 (单选题 *必答)")
    assert "第 3 行" in error.value.message_zh and "row 3" in str(error.value)


def test_response_ids_fall_back_to_row_order(tmp_path):
    rows = [["序号", "1、您的性别 (单选题)"], [7, "男"], [7, "女"], [9, "女"]]
    parsed = parse_wjx(write_xlsx(tmp_path / "调查.xlsx", rows))
    assert parsed.responses.response_id.tolist() == [1, 2, 3]


def test_title_line_above_headers_and_matrix_without_suffix(tmp_path):
    rows = [
        ["党建调查（导出）"],
        ["序号", "1、请评价—学习教育", "组织生活", "2、您的意见"],
        [1, "5分", "4分", "很好"],
        [2, "3分", "(跳过)", "一般"],
        [3, "4分", "2分", "无"],
    ]
    parsed = parse_wjx(write_xlsx(tmp_path / "党建调查_7_3_0 (1).xlsx", rows))
    assert parsed.title == "党建调查"
    assert parsed.questions.qtype.tolist() == ["matrix", "text"]
    assert parsed.questions.text.tolist() == ["请评价", "您的意见"]
    assert parsed.items.text.tolist() == ["学习教育", "组织生活", "您的意见"]
    assert len(parsed.answers) == 5 + 3
