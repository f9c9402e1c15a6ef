"""Storing a parsed survey (``wjx.ParsedSurvey``) in the survey_* tables, and guessing which
questions describe the respondent.

``insert_survey`` writes inside the caller's transaction (the importer's, so that the
import batch and the survey commit or roll back together); ``store_survey`` is the same in a
transaction of its own, with the data-version bump.
"""

from __future__ import annotations

import re
import uuid

import duckdb
import pandas as pd

from analysis import db
from analysis.ingest.wjx import ParsedSurvey

SOURCES = ("wjx", "tencent", "template", "demo")

# Per table: the INSERT … SELECT, without the FROM of the registered frame; $sid is the new survey_id.
_INSERTS = {
    "question": "INSERT INTO survey_question (survey_id, question_no, text, qtype, required, attribute) "
    "SELECT $sid, question_no, text, qtype, required, attribute",
    "item": "INSERT INTO survey_item (survey_id, question_no, item_no, text) "
    "SELECT $sid, question_no, item_no, text",
    "option": "INSERT INTO survey_option (survey_id, question_no, option_no, text, value) "
    "SELECT $sid, question_no, option_no, text, value",
    "response": "INSERT INTO survey_response (survey_id, response_id, submitted_on, duration_s, channel) "
    "SELECT $sid, response_id, CAST(submitted_on AS DATE), duration_s, channel",
    "answer": "INSERT INTO survey_answer (survey_id, response_id, question_no, item_no, option_no, rank, text) "
    "SELECT $sid, response_id, question_no, item_no, option_no, rank, text",
}

# Checked in order; the first keyword found in a question names its attribute.
ATTRIBUTE_KEYWORDS = (
    (r"政治面貌|是否.{0,4}党员", "政治面貌"),
    (r"科室|部门|病区", "科室"),
    (r"职称", "职称"),
    (r"职务|职位", "职务"),
    (r"岗位", "岗位"),
    (r"性别", "性别"),
    (r"年龄|出生", "年龄"),
    (r"学历", "学历"),
    (r"工龄|工作年限|从业年限", "工龄"),
    (r"党龄", "党龄"),
)
# Words of opinion questions that mention an attribute without asking for it
# ("您认为党建对科室发展的作用如何?").
OPINION_WORDS = ("认为", "评价", "满意", "如何", "作用", "建议", "意见", "看法", "哪些")


def store_survey(
    con: duckdb.DuckDBPyConnection,
    parsed: ParsedSurvey,
    *,
    source: str = "wjx",
    batch_id: int | None = None,
    attributes: dict[int, str] | None = None,
) -> int:
    """Insert a parsed survey in one transaction and return its new survey_id (see ``insert_survey``)."""
    with db.transaction(con):
        survey_id = insert_survey(con, parsed, source=source, batch_id=batch_id, attributes=attributes)
        db.bump_data_version(con)
    return survey_id


def insert_survey(
    con: duckdb.DuckDBPyConnection,
    parsed: ParsedSurvey,
    *,
    source: str = "wjx",
    batch_id: int | None = None,
    attributes: dict[int, str] | None = None,
) -> int:
    """Insert a parsed survey inside the caller's transaction and return its new survey_id.

    ``attributes`` maps question numbers to respondent attributes (e.g. {1: "政治面貌"}).
    Rows go in by INSERT … SELECT from registered DataFrames: exports can be large.
    """
    if source not in SOURCES:
        raise ValueError(f"unknown survey source {source!r}; expected one of {', '.join(SOURCES)}")
    attributes = attributes or {}
    unknown = sorted(set(attributes) - set(parsed.questions["question_no"]))
    if unknown:
        raise ValueError(f"attributes name questions the survey does not have: {unknown}")
    frames = {
        "question": parsed.questions.assign(
            attribute=pd.Series(parsed.questions["question_no"].map(attributes), dtype="str")),
        "item": parsed.items,
        "option": parsed.options,
        "response": parsed.responses,
        "answer": parsed.answers,
    }
    dates = parsed.responses["submitted_on"].dropna()
    survey_id = int(con.execute("SELECT nextval('survey_seq')").fetchone()[0])
    con.execute(
        "INSERT INTO survey (survey_id, title, source, fielded_from, fielded_to, batch_id) VALUES (?, ?, ?, ?, ?, ?)",
        [survey_id, parsed.title, source, dates.min() if len(dates) else None,
         dates.max() if len(dates) else None, batch_id],
    )
    # Unique view names: several sessions may share one connection's catalogue.
    views = {table: f"wjx_{table}_{uuid.uuid4().hex}" for table in frames}
    try:
        for table, frame in frames.items():
            con.register(views[table], frame)
            con.execute(f"{_INSERTS[table]} FROM {views[table]}", {"sid": survey_id})
    finally:
        for view in views.values():
            con.unregister(view)
    return survey_id


def guess_attributes(parsed: ParsedSurvey) -> dict[int, str]:
    """Suggest which questions describe the respondent (question_no -> attribute name).

    Only single-choice and text questions that name an attribute and ask no opinion are
    suggested, each attribute once (the first such question); the user confirms the result.
    """
    guessed: dict[int, str] = {}
    for row in parsed.questions.itertuples(index=False):
        if row.qtype not in ("single", "text") or any(word in row.text for word in OPINION_WORDS):
            continue
        for pattern, attribute in ATTRIBUTE_KEYWORDS:
            if re.search(pattern, row.text) and attribute not in guessed.values():
                guessed[row.question_no] = attribute
                break
    return guessed
