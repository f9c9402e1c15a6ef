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
    require_survey(con, survey_id)
    row = con.execute(
        "SELECT text, qtype, coalesce(ordinal, FALSE) FROM survey_question WHERE survey_id = $s AND question_no = $q",
        {"s": survey_id, "q": question_no},
    ).fetchone()
    if row is None:
        raise ValueError(f"问卷 {survey_id} 没有第 {question_no} 题")
    text, qtype, ordinal = row
    if qtype not in allowed:
        wanted = "、".join(f"{QTYPE_LABELS[t]}（{t}）" for t in allowed)
        raise ValueError(
            f"第 {question_no} 题是{QTYPE_LABELS[qtype]}（{qtype}），{purpose}只适用于{wanted}"
        )
    params = {"s": survey_id, "q": question_no}
    options = con.execute(
        """
        SELECT option_no, text AS option, value
        FROM survey_option
        WHERE survey_id = $s AND question_no = $q
        ORDER BY position, option_no
        """,
        params,
    ).df()
    items = con.execute(
        """
        SELECT item_no, text AS item
        FROM survey_item
        WHERE survey_id = $s AND question_no = $q
        ORDER BY item_no
        """,
        params,
    ).df()
    q = Question(survey_id, question_no, text, qtype, options, items, bool(ordinal))
    _check_answers(con, q)
    return q


def _check_answers(con: duckdb.DuckDBPyConnection, q: Question) -> None:
    """Refuse data no statistic can be trusted on (the schema cannot express these rules)."""
    params = {"s": q.survey_id, "q": q.question_no}
    unknown = con.execute(
        """
        SELECT DISTINCT a.option_no
        FROM survey_answer a
        WHERE a.survey_id = $s AND a.question_no = $q AND a.option_no IS NOT NULL
          AND NOT EXISTS (
              SELECT 1 FROM survey_option o
              WHERE o.survey_id = a.survey_id AND o.question_no = a.question_no
                AND o.option_no = a.option_no)
        ORDER BY 1
        """,
        params,
    ).fetchall()
    if unknown:
        raise ValueError(f"{q.label}的答案引用了不存在的选项编号：{[r[0] for r in unknown]}")
    if q.qtype in ("single", "matrix"):
        doubled = con.execute(
            """
            SELECT count(*) FROM (
                SELECT response_id, item_no
                FROM survey_answer
                WHERE survey_id = $s AND question_no = $q AND option_no IS NOT NULL
                GROUP BY ALL HAVING count(*) > 1)
            """,
            params,
        ).fetchone()[0]
        if doubled:
            raise ValueError(f"{q.label}有 {doubled} 处一份答卷选了多个选项，单选数据有误，请检查导入")
    if q.qtype == "ranking":
        k = len(q.options)
        bad = con.execute(
            """
            SELECT count(*) FROM survey_answer
            WHERE survey_id = $s AND question_no = $q AND option_no IS NOT NULL
              AND (rank IS NULL OR rank > $k)
            """,
            {**params, "k": k},
        ).fetchone()[0]
        if bad:
            raise ValueError(f"{q.label}有 {bad} 个答案缺少名次或名次大于选项数 {k}")


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

