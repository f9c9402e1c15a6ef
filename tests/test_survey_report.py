"""问卷默认报告 (issue #16): built on the demo survey, written as Word and HTML, and read back.

The Word file is opened with python-docx: one heading per question (matrix rows of an unscored
matrix apart), the tables numbered 表1.., the figures 图1.., and every count and percentage in a
table equal to what analysis.survey returns for that question.
"""

from __future__ import annotations

import io
import re

import pytest
from docx import Document
from scipy import stats

from analysis import survey
from analysis.report import survey_report as sr
from analysis.scope import Scope

SCOPE = Scope("test", "researcher")


@pytest.fixture(scope="module")
def report(demo_path):
    from analysis import db

    con = db.open_database(demo_path, read_only=True)
    try:
        built = sr.survey_report(con, survey_id=1, scope=SCOPE)
        qs = survey.questions(con, scope=SCOPE, survey_id=1)
        freqs = {int(q): survey.frequencies(con, survey_id=1, question_no=int(q), scope=SCOPE)
                 for q in qs.loc[qs["qtype"].isin(["single", "multiple"]), "question_no"]}
        yield built, qs, freqs
    finally:
        con.close()


def test_one_part_per_question_with_its_sentence(report):
    built, qs, freqs = report
    assert [p.question_no for p in built.parts] == list(qs["question_no"])  # the demo's matrices are scored
    single = next(p for p in built.parts if p.question_no in freqs and freqs[p.question_no].attrs["qtype"] == "single")
    options = freqs[single.question_no].dropna(subset=["option_no"])
    test = stats.chisquare(options["n"].to_numpy(dtype=float))  # the goodness-of-fit test, by SciPy
    assert f"χ²({len(options) - 1}) = {test.statistic:.2f}" in single.sentence
    assert f"本题作答 {freqs[single.question_no].attrs['answered']:,} 人" in single.sentence


def test_word_file_reads_back_with_the_functions_numbers(report):
    built, qs, freqs = report
    doc = Document(io.BytesIO(sr.survey_report_docx(built)))
    headings = [p.text for p in doc.paragraphs if p.style.name.startswith("Heading")]
    assert headings == [p.heading for p in built.parts]
    captions = [p.text for p in doc.paragraphs if p.style.name == "Caption"]
    tables = [c for c in captions if c.startswith("表")]
    figures = [c for c in captions if c.startswith("图")]
    assert [int(re.match(r"表(\d+)", c).group(1)) for c in tables] == list(range(1, len(doc.tables) + 1))
    assert len(figures) == sum(p.chart is not None for p in built.parts) and figures[0].startswith("图1　")
    assert len(doc.inline_shapes) == len(figures)
    for part, grid in zip([p for p in built.parts if len(p.table.frame)], doc.tables):
        rows = [[cell.text for cell in row.cells] for row in grid.rows]
        assert rows[0] == list(part.table.frame.columns)
        if part.question_no not in freqs:
            continue
        freq = freqs[part.question_no].dropna(subset=["option_no"])
        share = "case_pct" if freq.attrs["qtype"] == "multiple" else "valid_pct"
        assert [r[0] for r in rows[1:]] == list(freq["option"])
        assert [r[1] for r in rows[1:]] == [f"{n:,}" for n in freq["n"]]
        assert [r[2] for r in rows[1:]] == [f"{v:.2f}%" for v in freq[share]]
        assert [r[3] for r in rows[1:]] == [f"{v:.2f}%" for v in freq["ci_low"]]
    # 三线表: a rule above and below the table, none inside.
    borders = doc.tables[0]._tbl.tblPr.find("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}tblBorders")
    values = {child.tag.split("}")[1]: child.get("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}val")
              for child in borders}
    assert values["top"] == values["bottom"] == "single" and values["insideH"] == values["insideV"] == "nil"


def test_html_is_offline_and_carries_every_question(report):
    built, _, _ = report
    page = sr.survey_report_html(built)
    assert page.count("<section class=\"finding\">") == len(built.parts)
    assert not re.search(r"(src|href)=\"https?://", page)  # no external resource
    assert "表1　" in page and "图1　" in page
