"""Load one question with its options and matrix rows, and refuse what no statistic can use:
an unknown survey or question, a question of the wrong type, a matrix row that does not exist,
an unknown option text, answers the schema allows but the question type does not.

Private to :mod:`analysis.survey`; every message is Chinese so the UI can show it as is.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import duckdb
import pandas as pd

from analysis import derived
from analysis.survey._common import QTYPE_LABELS


@dataclass(frozen=True)
class Question:
    survey_id: int
    question_no: int
    text: str
    qtype: str
    options: pd.DataFrame  # option_no, option, value (in display order: survey_option.position)
    items: pd.DataFrame  # item_no, item (ordered by item_no)
    ordinal: bool = False  # options are ordered levels (trend tests apply)

    @property
    def label(self) -> str:
        return f"第 {self.question_no} 题（{QTYPE_LABELS[self.qtype]}）"


def require_survey(con: duckdb.DuckDBPyConnection, survey_id: int) -> None:
    if con.execute("SELECT count(*) FROM survey WHERE survey_id = $s", {"s": survey_id}).fetchone()[0] == 0:
        raise ValueError(f"问卷 {survey_id} 不存在")


def load_question(
    con: duckdb.DuckDBPyConnection,
    survey_id: int,
    question_no: int,
    *,
    allowed: Sequence[str],
    purpose: str,
) -> Question:
    """Load a question with its options and items; refuse a question type ``purpose`` cannot use."""
    return load_questions(con, survey_id, [question_no], allowed=allowed, purpose=purpose)[0]


def load_questions(
    con: duckdb.DuckDBPyConnection,
    survey_id: int,
    question_nos: Sequence[int],
    *,
    allowed: Sequence[str],
    purpose: str,
) -> list[Question]:
    """:func:`load_question` for several questions of one survey, in the order asked.

    Their rows, options and items come in three queries and their answers are checked in one
    scan, whatever the number of questions: a cross table costs one pass over the answers for
    its validation, not six.
    """
    params = {"s": survey_id, "qs": list(dict.fromkeys(int(q) for q in question_nos))}
    found = {no: (text, qtype, bool(ordinal)) for no, text, qtype, ordinal in con.execute(
        "SELECT question_no, text, qtype, coalesce(ordinal, FALSE) FROM survey_question "
        "WHERE survey_id = $s AND list_contains($qs, question_no)",
        params).fetchall()}
    for question_no in question_nos:
        if question_no not in found:
            require_survey(con, survey_id)
            raise ValueError(f"问卷 {survey_id} 没有第 {question_no} 题")
        qtype = found[question_no][1]
        if qtype not in allowed:
            wanted = "、".join(f"{QTYPE_LABELS[t]}（{t}）" for t in allowed)
            raise ValueError(
                f"第 {question_no} 题是{QTYPE_LABELS[qtype]}（{qtype}），{purpose}只适用于{wanted}"
            )
    # Rows fetched as tuples and grouped here: a few dozen options, where a DataFrame per query
    # and per filter would cost more than the queries.
    options: dict[int, list[tuple]] = {no: [] for no in found}
    for no, *row in con.execute(
        "SELECT question_no, option_no, text, value FROM survey_option "
        "WHERE survey_id = $s AND list_contains($qs, question_no) ORDER BY question_no, position, option_no",
        params,
    ).fetchall():
        options[no].append(row)
    items: dict[int, list[tuple]] = {no: [] for no in found}
    for no, *row in con.execute(
        "SELECT question_no, item_no, text FROM survey_item "
        "WHERE survey_id = $s AND list_contains($qs, question_no) ORDER BY question_no, item_no",
        params,
    ).fetchall():
        items[no].append(row)
    questions = {
        no: Question(survey_id, no, text, qtype, _frame(options[no], OPTION_COLUMNS), _frame(items[no], ITEM_COLUMNS),
                     ordinal)
        for no, (text, qtype, ordinal) in found.items()
    }
    _check_answers(con, list(questions.values()))
    return [questions[no] for no in question_nos]


# Dtypes resolved once: pandas looks a dtype named by a string up in its registry every time.
_INT, _TEXT, _FLOAT = (pd.api.types.pandas_dtype(name) for name in ("int32", "str", "float64"))
OPTION_COLUMNS = {"option_no": _INT, "option": _TEXT, "value": _FLOAT}
ITEM_COLUMNS = {"item_no": _INT, "item": _TEXT}


def _frame(rows: list[tuple], columns: dict) -> pd.DataFrame:
    """Rows as a frame with the columns and dtypes DuckDB's ``.df()`` would give them."""
    return pd.DataFrame({name: pd.Series([r[i] for r in rows], dtype=dtype)
                         for i, (name, dtype) in enumerate(columns.items())})


def _check_answers(con: duckdb.DuckDBPyConnection, questions: list[Question]) -> None:
    """Refuse data no statistic can be trusted on (the schema cannot express these rules):
    answers naming an option the question lacks, two options in one answer to a single-choice
    question or matrix row, ranks missing or beyond the options of a ranking question.

    The facts come from ``survey_answer_check`` when it is current (computed at import), else
    from one scan of the answers (``derived.answer_checks_sql``).
    """
    # The data as imported, whatever respondent filter the analysis runs under: the facts stored
    # at import are kept current by row counts, which a filter's views would change.
    con = getattr(con, "unfiltered", con)
    params = {"s": questions[0].survey_id, "qs": [q.question_no for q in questions]}
    if derived.is_current(con, "surveys"):
        facts_sql = ("SELECT * FROM survey_answer_check WHERE survey_id = $s AND list_contains($qs, question_no)")
    else:
        facts_sql = derived.answer_checks_sql("a.survey_id = $s AND list_contains($qs, a.question_no)")
    facts = {row[1]: row[2:] for row in con.execute(facts_sql, params).fetchall()}
    for q in questions:
        unknown, extra, bad_ranks = facts.get(q.question_no, (None, 0, 0))
        if unknown:
            raise ValueError(f"{q.label}的答案引用了不存在的选项编号：{unknown}")
        if extra and q.qtype in ("single", "matrix"):
            raise ValueError(f"{q.label}有 {_doubled(con, q)} 处一份答卷选了多个选项，单选数据有误，请检查导入")
        if q.qtype == "ranking" and bad_ranks:
            raise ValueError(f"{q.label}有 {bad_ranks} 个答案缺少名次或名次大于选项数 {len(q.options)}")


def _doubled(con: duckdb.DuckDBPyConnection, q: Question) -> int:
    """How many (response, row) pairs of ``q`` have more than one option (for the message)."""
    return con.execute(
        """
        SELECT count(*) FROM (
            SELECT response_id, item_no
            FROM survey_answer
            WHERE survey_id = $s AND question_no = $q AND option_no IS NOT NULL
            GROUP BY ALL HAVING count(*) > 1)
        """,
        {"s": q.survey_id, "q": q.question_no},
    ).fetchone()[0]


def check_item(q: Question, item_no: int) -> None:
    """A matrix question needs one of its rows (1, 2, ...); every other type takes 0."""
    if q.qtype == "matrix":
        if item_no not in set(q.items["item_no"]) or item_no == 0:
            raise ValueError(f"{q.label}没有第 {item_no} 行；矩阵题请用 item_no 指定行（1 起）")
    elif item_no != 0:
        raise ValueError(f"{q.label}不是矩阵题，item_no 只能为 0")


def option_nos(q: Question, texts: Iterable[str], what: str) -> list[int]:
    """Option numbers for option texts; unknown texts are an error listing the real options."""
    by_text = dict(zip(q.options["option"], q.options["option_no"]))
    nos = []
    for text in texts:
        if text not in by_text:
            raise ValueError(
                f"{what}“{text}”不是{q.label}的选项；可选：{'、'.join(q.options['option'])}"
            )
        nos.append(int(by_text[text]))
    return nos


def respondent_count(con: duckdb.DuckDBPyConnection, survey_id: int) -> int:
    return con.execute(
        "SELECT count(*) FROM survey_response WHERE survey_id = $s", {"s": survey_id}
    ).fetchone()[0]

