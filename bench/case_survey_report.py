"""问卷默认报告 of a 100,000-respondent, 40-question survey against the same counts in raw SQL.

The survey is generated in DuckDB (seeded): 30 single-choice questions of 5 options, 5 multiple-
choice questions of 6 options (each chosen with probability 0.35) and 5 scored matrix questions
of 5 rows (1-5 分), 100,000 respondents, about 6.6 million answers. Ours: building the report
(every question's frequencies or item statistics, intervals and tests; no rendering). Baseline:
one GROUP BY giving every (question, row, option) count and every (question, row) base, the
numbers the report's tables are made of.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import duckdb

from analysis import config as config_mod
from analysis import db, derived
from analysis.report import survey_report
from analysis.scope import Scope
from bench import Measurement, best_of, case

SCOPE = Scope("bench", "researcher")
RESPONDENTS = 100_000
SINGLE, MULTIPLE, MATRIX = 30, 5, 5

# The counts the report needs, as one statement: per question, row and option, and the base.
BASELINE_SQL = """
WITH a AS (SELECT question_no, item_no, option_no, response_id FROM survey_answer WHERE survey_id = 1)
SELECT c.question_no, c.item_no, c.option_no, c.n, b.answered
FROM (SELECT question_no, item_no, option_no, count(*) AS n FROM a GROUP BY ALL) c
JOIN (SELECT question_no, item_no, count(DISTINCT response_id) AS answered FROM a GROUP BY ALL) b
  USING (question_no, item_no)
ORDER BY 1, 2, 3
"""


def build(path: Path, respondents: int) -> None:
    """The survey of the module notes, written straight into the survey tables."""
    con = db.open_database(path)
    try:
        con.execute("SELECT setseed(0.16)")
        con.execute("INSERT INTO survey (survey_id, title, source) VALUES (1, '基准问卷', 'demo')")
        questions = ([(q, "single") for q in range(1, SINGLE + 1)]
                     + [(q, "multiple") for q in range(SINGLE + 1, SINGLE + MULTIPLE + 1)]
                     + [(q, "matrix") for q in range(SINGLE + MULTIPLE + 1, SINGLE + MULTIPLE + MATRIX + 1)])
        con.executemany("INSERT INTO survey_question (survey_id, question_no, text, qtype, required, ordinal, order_rule) "
                        "VALUES (1, ?, ?, ?, FALSE, ?, 'appearance')",
                        [[q, f"第{q}题的题目", t, t == "matrix"] for q, t in questions])
        items = [[q, 0, ""] for q, t in questions if t != "matrix"] + \
                [[q, i, f"条目{i}"] for q, t in questions if t == "matrix" for i in range(1, 6)]
        con.executemany("INSERT INTO survey_item VALUES (1, ?, ?, ?)", items)
        options = [[q, o, f"选项{o}", None, o] for q, t in questions if t == "single" for o in range(1, 6)] + \
                  [[q, o, f"选项{o}", None, o] for q, t in questions if t == "multiple" for o in range(1, 7)] + \
                  [[q, o, f"{o}分", float(o), o] for q, t in questions if t == "matrix" for o in range(1, 6)]
        con.executemany("INSERT INTO survey_option (survey_id, question_no, option_no, text, value, position) "
                        "VALUES (1, ?, ?, ?, ?, ?)", options)
        con.execute("INSERT INTO survey_response (survey_id, response_id) SELECT 1, range FROM range(1, $n + 1)",
                    {"n": respondents})
        # One statement per question: the database's memory limit holds one question's answers at a time.
        draws = {"single": "SELECT 1, r.range, $q, 0, 1 + floor(random() * random() * 5)::INTEGER FROM range(1, $n + 1) r",
                 "multiple": "SELECT 1, r.range, $q, 0, o.range FROM range(1, $n + 1) r, range(1, 7) o "
                             "WHERE random() < 0.35",
                 "matrix": "SELECT 1, r.range, $q, i.range, 5 - floor(random() * random() * 5)::INTEGER "
                           "FROM range(1, $n + 1) r, range(1, 6) i"}
        for question_no, qtype in questions:
            con.execute("INSERT INTO survey_answer (survey_id, response_id, question_no, item_no, option_no) "
                        + draws[qtype], {"n": respondents, "q": question_no})
        derived.refresh_surveys(con, [1])  # what an import does: the answer checks computed once
        derived._record(con, "surveys", config_mod.load())
    finally:
        con.close()


@case("survey_report", "问卷默认报告 of 100,000 respondents x 40 questions vs the same counts in one raw SQL statement")
def survey_report_case(quick: bool = False) -> Measurement:
    respondents = 5_000 if quick else RESPONDENTS
    with tempfile.TemporaryDirectory(prefix="bench-survey-report-") as tmp:
        path = Path(tmp) / "report.duckdb"
        build(path, respondents)
        con = duckdb.connect(str(path), read_only=True)
        try:
            answers = con.execute("SELECT count(*) FROM survey_answer").fetchone()[0]
            base_s, counts = best_of(lambda: db.fetch_frame(con, BASELINE_SQL), repeats=5)
            ours_s, report = best_of(lambda: survey_report.survey_report(con, survey_id=1, scope=SCOPE), repeats=3)
        finally:
            con.close()
    # The report's single-choice counts are the statement's.
    first = report.parts[0].table.frame
    expected = counts[(counts["question_no"] == 1)].sort_values("option_no")
    assert first["人数"].tolist() == expected["n"].tolist(), "report counts differ from the raw statement"
    assert len(report.parts) == SINGLE + MULTIPLE + MATRIX
    return Measurement(
        case="survey_report", seconds=ours_s, baseline="the same counts in one raw GROUP BY statement",
        baseline_seconds=base_s,
        detail={"respondents": respondents, "questions": len(report.parts), "answers": int(answers),
                "report": f"{ours_s * 1000:.0f} ms", "raw counts": f"{base_s * 1000:.0f} ms",
                "ratio": f"{ours_s / base_s:.1f}x"},
    )
