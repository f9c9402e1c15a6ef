"""Storing a parsed survey (``wjx.ParsedSurvey``) in the survey_* tables, recognising the same
answers imported again, and guessing which questions describe the respondent.

``insert_survey`` writes inside the caller's transaction (the importer's, so that the
import batch and the survey commit or roll back together); ``store_survey`` is the same in a
transaction of its own, with the data-version bump.

问卷星 offers two downloads of one survey (readable ``_0``, numbered ``_2``). Imported one after
the other they would be two surveys and every count doubled, so before storing a file the
importer asks :func:`same_answers` whether a stored survey of the same questions already holds
its responses (same 序号, submission date and time taken). If it is the other download with
exactly those responses, it is the survey's *twin*: :func:`attach_twin` gives the survey the
questionnaire's option numbers and order (a numbered twin) or the option texts (a readable twin
of a numbered import), adds no response, and keeps the options as they were for a rollback.
Any other overlap is the same responses imported twice, which the importer refuses.
"""

from __future__ import annotations

import re
import uuid
from contextlib import contextmanager
from dataclasses import dataclass

import duckdb
import pandas as pd

from analysis import db
from analysis.ingest import option_order
from analysis.ingest.wjx import ParsedSurvey

SOURCES = ("wjx", "tencent", "template", "demo")

# Per table: the INSERT … SELECT, without the FROM of the registered frame; $sid is the new survey_id.
_INSERTS = {
    "question": "INSERT INTO survey_question (survey_id, question_no, text, qtype, required, attribute, ordinal, "
    "order_rule) SELECT $sid, question_no, text, qtype, required, attribute, ordinal, order_rule",
    "item": "INSERT INTO survey_item (survey_id, question_no, item_no, text) "
    "SELECT $sid, question_no, item_no, text",
    "option": "INSERT INTO survey_option (survey_id, question_no, option_no, text, value, position, code) "
    "SELECT $sid, question_no, option_no, text, value, position, code",
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
        "INSERT INTO survey (survey_id, title, source, fielded_from, fielded_to, batch_id, variant) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        [survey_id, parsed.title, source, dates.min() if len(dates) else None,
         dates.max() if len(dates) else None, batch_id, parsed.variant],
    )
    with _registered(con, frames) as views:
        for table, view in views.items():
            con.execute(f"{_INSERTS[table]} FROM {view}", {"sid": survey_id})
    return survey_id


@contextmanager
def _registered(con: duckdb.DuckDBPyConnection, frames: dict[str, pd.DataFrame]):
    """The frames as views of the connection, by name; unregistered afterwards."""
    # Unique view names: several sessions may share one connection's catalogue.
    views = {name: f"wjx_{name}_{uuid.uuid4().hex}" for name in frames}
    try:
        for name, frame in frames.items():
            con.register(views[name], frame)
        yield views
    finally:
        for view in views.values():
            con.unregister(view)


# --- the same answers again ----------------------------------------------------------------


@dataclass(frozen=True)
class SameAnswers:
    """A stored survey of the same questions that holds responses of the file being imported.

    ``overlap``: responses of the file already stored there (same 序号, submission date and
    time taken); ``stored``: the survey's responses; ``variant``: the download it came from.
    """

    survey_id: int
    title: str
    batch_id: int | None
    variant: str | None
    overlap: int
    stored: int

    def is_twin(self, parsed: ParsedSurvey) -> bool:
        """The other download of exactly the stored responses."""
        return (self.variant is not None and self.variant != parsed.variant
                and self.overlap == len(parsed.responses) == self.stored)


def _placeholder(no: int, text: str) -> bool:
    """A numbered export without its twin names option-column questions "第N题"."""
    return text == f"第{no}题"


def _same_questions(stored: pd.DataFrame, parsed: ParsedSurvey) -> bool:
    """Same question numbers, types, matrix rows and (where both exports name it) texts."""
    mine = parsed.questions.set_index("question_no")
    items = parsed.items[parsed.items["item_no"] > 0].groupby("question_no")["text"].apply(list)
    if sorted(stored["question_no"]) != sorted(mine.index):
        return False
    for row in stored.itertuples(index=False):
        other = mine.loc[row.question_no]
        if other["qtype"] != row.qtype or list(row.items) != list(items.get(row.question_no, [])):
            return False
        a, b = re.sub(r"\s+", "", row.text), re.sub(r"\s+", "", other["text"])
        if a != b and not _placeholder(row.question_no, a) and not _placeholder(row.question_no, b):
            return False
    return True


def same_answers(con: duckdb.DuckDBPyConnection, parsed: ParsedSurvey) -> SameAnswers | None:
    """The stored survey of the same questions holding the most responses of ``parsed``, or None.

    A response is the same when its 序号, submission date and time taken agree (NULLs agree
    with NULLs): 序号 alone repeats across surveys, and the date and duration come with the
    answers in both downloads.
    """
    candidates = con.execute(
        """
        SELECT q.survey_id, list(q.question_no ORDER BY q.question_no) AS nos
        FROM survey_question q GROUP BY q.survey_id HAVING count(*) = $n
        """,
        {"n": len(parsed.questions)},
    ).fetchall()
    same = []
    for survey_id, _ in candidates:
        stored = con.execute(
            """
            SELECT q.question_no, q.qtype, q.text,
                   coalesce(list(i.text ORDER BY i.item_no) FILTER (WHERE i.item_no > 0), []) AS items
            FROM survey_question q LEFT JOIN survey_item i USING (survey_id, question_no)
            WHERE q.survey_id = $s GROUP BY ALL
            """,
            {"s": survey_id},
        ).df()
        if _same_questions(stored, parsed):
            same.append(survey_id)
    if not same:
        return None
    with _registered(con, {"responses": parsed.responses[["response_id", "submitted_on", "duration_s"]]}) as views:
        rows = con.execute(
            f"""
            SELECT s.survey_id, s.title, s.batch_id, s.variant,
                   count(*) FILTER (WHERE f.response_id IS NOT NULL) AS overlap,
                   count(*) AS stored
            FROM survey s
            JOIN survey_response r USING (survey_id)
            LEFT JOIN {views["responses"]} f
              ON f.response_id = r.response_id
             AND CAST(f.submitted_on AS DATE) IS NOT DISTINCT FROM r.submitted_on
             AND f.duration_s IS NOT DISTINCT FROM r.duration_s
            WHERE list_contains($ids, s.survey_id)
            GROUP BY ALL
            HAVING overlap > 0
            ORDER BY overlap DESC, s.survey_id
            """,
            {"ids": same},
        ).fetchall()
    return SameAnswers(*rows[0]) if rows else None


def attach_twin(
    con: duckdb.DuckDBPyConnection, parsed: ParsedSurvey, twin: SameAnswers, *, batch_id: int,
    scales: tuple[tuple[str, ...], ...], unscaled: tuple[str, ...],
) -> dict[str, int]:
    """Give the stored survey what its other download knows, inside the caller's transaction.

    A numbered file gives a readable import the questionnaire's option numbers (``code``) and
    order (``position``, order_rule ``codes``); a readable file gives a numbered import its
    option texts, scores and question texts (ordinal when the texts are ordered levels). Options
    are paired answer by answer (same response, same matrix row) for single choice and matrix
    rows, by text for multiple choice and ranking (both downloads name those). Every option and
    question as it was is copied to replaced_survey_* first, so rolling ``batch_id`` back
    restores it. No response or answer is added.

    Returns ``{"options": options changed, "questions": question texts filled in}``; raises
    ValueError (Chinese) when the files pair one option with two (not the same answers).
    """
    sid = twin.survey_id
    con.execute("INSERT INTO replaced_survey_option SELECT $b, survey_id, question_no, option_no, text, value, position, "
                "code FROM survey_option WHERE survey_id = $s", {"b": batch_id, "s": sid})
    con.execute("INSERT INTO replaced_survey_question SELECT $b, survey_id, question_no, text, ordinal, order_rule "
                "FROM survey_question WHERE survey_id = $s", {"b": batch_id, "s": sid})
    pairs = _option_pairs(con, parsed, sid)
    if parsed.variant == "numbered":
        for (question_no, stored_no), new in pairs.items():
            _update_option(con, sid, question_no, stored_no, code=new["option_no"])
        con.execute(
            """
            UPDATE survey_option o SET position = r.position FROM (
                SELECT question_no, option_no,
                       row_number() OVER (PARTITION BY question_no ORDER BY code NULLS LAST, position) AS position
                FROM survey_option WHERE survey_id = $s) r
            WHERE o.survey_id = $s AND o.question_no = r.question_no AND o.option_no = r.option_no
            """,
            {"s": sid},
        )
        con.execute("UPDATE survey_question SET order_rule = 'codes' WHERE survey_id = $s AND qtype <> 'text'",
                    {"s": sid})
        named = 0
    else:
        for (question_no, stored_no), new in pairs.items():
            _update_option(con, sid, question_no, stored_no, text=new["text"], value=new["value"])
        named = _name_questions(con, parsed, sid)
        _mark_ordinal(con, sid, scales, unscaled)
    con.execute("INSERT INTO survey_twin (batch_id, survey_id, variant, responses) VALUES (?, ?, ?, ?)",
                [batch_id, sid, parsed.variant, len(parsed.responses)])
    return {"options": len(pairs), "questions": named}


def _option_pairs(con: duckdb.DuckDBPyConnection, parsed: ParsedSurvey, survey_id: int) -> dict[tuple[int, int], dict]:
    """(question_no, stored option_no) -> the file's option (option_no, text, value) that is the same option."""
    new = {(int(r.question_no), int(r.option_no)): {"option_no": int(r.option_no), "text": str(r.text),
                                                     "value": None if pd.isna(r.value) else float(r.value)}
           for r in parsed.options.itertuples(index=False)}
    by_text = {(question_no, option["text"]): option for (question_no, _), option in new.items()}
    with _registered(con, {"answers": parsed.answers[["response_id", "question_no", "item_no", "option_no"]]}) as views:
        answered = con.execute(
            f"""
            SELECT DISTINCT a.question_no, a.option_no AS stored_no, f.option_no AS new_no
            FROM survey_answer a
            JOIN survey_question q USING (survey_id, question_no)
            JOIN {views["answers"]} f
              ON f.response_id = a.response_id AND f.question_no = a.question_no AND f.item_no = a.item_no
            WHERE a.survey_id = $s AND q.qtype IN ('single', 'matrix')
              AND a.option_no IS NOT NULL AND f.option_no IS NOT NULL
            """,
            {"s": survey_id},
        ).fetchall()
    pairs: dict[tuple[int, int], dict] = {}
    for question_no, stored_no, new_no in answered:
        key = (int(question_no), int(stored_no))
        if key in pairs and pairs[key]["option_no"] != int(new_no):
            raise ValueError(f"第 {question_no} 题的同一个选项在两份文件中对应了不同的选项，两份文件不是同一批答卷")
        pairs[key] = new[(int(question_no), int(new_no))]
    listed = con.execute(
        "SELECT o.question_no, o.option_no, o.text FROM survey_option o JOIN survey_question q "
        "USING (survey_id, question_no) WHERE o.survey_id = $s AND q.qtype IN ('multiple', 'ranking')",
        {"s": survey_id}).fetchall()
    for question_no, option_no, text in listed:
        if (question_no, text) in by_text:
            pairs[(int(question_no), int(option_no))] = by_text[(question_no, text)]
    return pairs


def _update_option(con: duckdb.DuckDBPyConnection, survey_id: int, question_no: int, option_no: int,
                   **values: object) -> None:
    """Set the given columns (code, text, value: fixed names, never user input) of one option."""
    assignments = ", ".join(f"{column} = ${column}" for column in values)
    con.execute(f"UPDATE survey_option SET {assignments} WHERE survey_id = $s AND question_no = $q AND option_no = $o",
                {**values, "s": survey_id, "q": question_no, "o": option_no})


def _name_questions(con: duckdb.DuckDBPyConnection, parsed: ParsedSurvey, survey_id: int) -> int:
    """Question texts the numbered import lacked ("第5题"), from the readable file; how many."""
    named = 0
    for row in parsed.questions.itertuples(index=False):
        stored = con.execute("SELECT text FROM survey_question WHERE survey_id = ? AND question_no = ?",
                             [survey_id, row.question_no]).fetchone()[0]
        if _placeholder(row.question_no, stored) and not _placeholder(row.question_no, row.text):
            con.execute("UPDATE survey_question SET text = ? WHERE survey_id = ? AND question_no = ?",
                        [row.text, survey_id, row.question_no])
            named += 1
    return named


def _mark_ordinal(con: duckdb.DuckDBPyConnection, survey_id: int, scales, unscaled) -> None:
    """Questions whose (now named) options are ordered levels become ordinal; the order stays the codes'."""
    texts = con.execute(
        "SELECT question_no, list(text ORDER BY position) FROM survey_option WHERE survey_id = ? GROUP BY question_no",
        [survey_id]).fetchall()
    for question_no, options in texts:
        ordered = option_order.content_order(options, scales=scales, unscaled=unscaled)
        if ordered is not None:
            con.execute("UPDATE survey_question SET ordinal = TRUE WHERE survey_id = ? AND question_no = ?",
                        [survey_id, question_no])


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
