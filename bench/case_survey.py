"""Survey analyses at 100,000 responses: the cross table against its counts as one raw statement,
and the keyword list against the same jieba segmentation of every answer done once.

The survey is the demo questionnaire repeated to 100,700 responses and imported as a 问卷星
export. Two versions of the free-text question: the demo's (few distinct suggestions, given
again and again, as short answers are) and one where every answer is different (each ends in
its own number), where segmenting each distinct answer once saves nothing.
"""

from __future__ import annotations

import collections
import tempfile
import unicodedata
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from analysis import db, demo, survey
from analysis.ingest import importer
from analysis.scope import Scope
from analysis.survey import free_text
from bench import Measurement, best_of, case

SCOPE = Scope("bench", "researcher")
COPIES = 38  # 38 x 2,650 = 100,700 responses
TEXT_QUESTION, ROW_QUESTION, COL_QUESTION = 8, 1, 4

OBSERVED_SQL = f"""
SELECT r.option_no AS row_option, c.option_no AS col_option, count(*) AS n
FROM survey_answer r JOIN survey_answer c ON c.survey_id = r.survey_id AND c.response_id = r.response_id
WHERE r.survey_id = 1 AND r.question_no = {ROW_QUESTION} AND r.item_no = 0 AND r.option_no IS NOT NULL
  AND c.question_no = {COL_QUESTION} AND c.item_no = 0 AND c.option_no IS NOT NULL
GROUP BY ALL ORDER BY 1, 2
"""


def export(copies: int, distinct_texts: bool) -> pd.DataFrame:
    """The demo questionnaire's 问卷星 export repeated ``copies`` times, numbered anew."""
    one = demo._survey(np.random.default_rng(demo.SEED))
    frame = pd.concat([one] * copies, ignore_index=True)
    frame["序号"] = np.arange(1, len(frame) + 1)
    text = frame.columns[-1]
    if distinct_texts:
        given = frame[text] != "(空)"
        frame.loc[given, text] = frame.loc[given, text] + "，编号" + frame.loc[given, "序号"].astype(str)
    return frame


def database(workdir: Path, copies: int, distinct_texts: bool) -> Path:
    path = workdir / f"survey_{int(distinct_texts)}.duckdb"
    frame = export(copies, distinct_texts)
    csv_path = workdir / f"{demo.SURVEY_TITLE}_{len(frame)}_{len(frame)}_0.csv"
    frame.to_csv(csv_path, index=False, encoding="utf-8-sig")
    con = db.open_database(path)
    try:
        importer.import_file(con, csv_path, user="bench", kind="wjx")
    finally:
        con.close()
    return path


def keywords_once(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The same keyword list with every answer segmented once: fetch, drop non-answers, jieba, count."""
    texts = [t for (t,) in con.execute("SELECT text FROM survey_answer WHERE survey_id = 1 AND question_no = ? "
                                       "AND text IS NOT NULL", [TEXT_QUESTION]).fetchall()
             if not free_text._is_non_answer(t)]
    tokenizer = free_text._tokenizer()
    counts: collections.Counter = collections.Counter()
    for text in texts:
        words = {w.strip().lower() for w in tokenizer.lcut(unicodedata.normalize("NFKC", text))}
        counts.update(w for w in words if len(w) >= 2 and w not in free_text.STOPWORDS and not w.isdigit()
                      and any(ch.isalpha() for ch in w))
    return pd.DataFrame(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:30], columns=["word", "n"])


def _measure(con: duckdb.DuckDBPyConnection, distinct: bool, responses: int) -> list[tuple[str, float, float, str]]:
    """(name, ours_s, baseline_s, note) of the cross table (demo answers only) and the keywords."""
    out = []
    if not distinct:
        base_s, counts = best_of(lambda: db.fetch_frame(con, OBSERVED_SQL))
        ours_s, table = best_of(lambda: survey.crosstab(con, survey_id=1, row_question_no=ROW_QUESTION,
                                                        col_question_no=COL_QUESTION, scope=SCOPE, min_cell=0))
        assert int(counts["n"].sum()) == table.n == responses
        out.append(("crosstab", ours_s, base_s, f"{responses:,} respondents"))
    base_s, expected = best_of(lambda: keywords_once(con), repeats=3)
    ours_s, words = best_of(lambda: survey.keywords(con, survey_id=1, question_no=TEXT_QUESTION, scope=SCOPE),
                            repeats=3)
    assert words[["word", "n"]].values.tolist() == expected.values.tolist()
    label = "distinct answers" if distinct else "demo answers"
    out.append((f"keywords ({label})", ours_s, base_s, f"{words.attrs['answers']:,} answers"))
    return out


@case("survey", "crosstab and keywords at 100,700 responses vs the raw count statement and jieba over every answer once")
def survey_case(quick: bool = False) -> Measurement:
    copies = 2 if quick else COPIES
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-survey-") as tmp:
        for distinct in (False, True):
            con = duckdb.connect(str(database(Path(tmp), copies, distinct)), read_only=True)
            try:
                rows += _measure(con, distinct, copies * 2650)
            finally:
                con.close()
    return Measurement(
        case="survey", seconds=sum(r[1] for r in rows), baseline="raw count statement; jieba over every answer once",
        baseline_seconds=sum(r[2] for r in rows),
        detail={"responses": copies * 2650, **{name: f"{ours * 1000:.1f} ms vs {base * 1000:.1f} ms "
                                                     f"({ours / base:.2f}x), {note}" for name, ours, base, note in rows}})
