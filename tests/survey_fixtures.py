"""The survey tests' fixture database: six small surveys described in Python, with their counts
written out, and the references those tests share.

Test modules take the fixtures by assignment (``con = survey_fixtures.con``): pytest finds
fixtures by name, and an assignment (unlike an import) does not read as an unused name.
"""

from __future__ import annotations

import pandas as pd
import pytest
from statsmodels.stats.proportion import proportion_confint

from analysis import db
from analysis.scope import Scope

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
        scored = any(isinstance(opt, tuple) and opt[1] is not None for opt in options or [])
        tables["survey_question"].append([survey_id, qno, text, qtype, False, None, scored,
                                          None if qtype == "text" else "appearance"])
        rows = [(0, "")] if qtype != "matrix" else list(enumerate(items, start=1))
        tables["survey_item"] += [[survey_id, qno, i, t] for i, t in rows]
        for no, opt in enumerate(options or [], start=1):
            text_, value = opt if isinstance(opt, tuple) else (opt, None)
            tables["survey_option"].append([survey_id, qno, no, text_, value, no, None])
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
