"""汇报材料, the Word report (analysis/report/render/docx.py): read back with python-docx, the 公文
headings and fonts, the 三线表 tables, the charts as images with captions, the page numbers, and
the numbers in the text equal to the analysis functions' output; converted with LibreOffice and
every page rendered (tests/screenshots/docx_*.png, for a person to look at).
"""

from __future__ import annotations

import io
import re

import pytest
from docx import Document
from docx.oxml.ns import qn

from analysis import report
from analysis.metrics import assessment, meetings, tasks, vanguard
from analysis.report.render import docx as report_docx
from tests.browser import SHOTS, requires_chromium
from tests.report_helpers import (
    END,
    FIRST,
    MEETING,
    PERIOD,
    SCOPE,
    hospital_report,
    is_blank,
    page_images,
    pdf_pages,
    read_only,
    requires_libreoffice,
    to_pdf,
)

pytestmark = requires_chromium  # the charts are drawn by kaleido (headless Chromium)


@pytest.fixture(scope="module")
def con(demo_path):
    with read_only(demo_path) as con:
        yield con


@pytest.fixture(scope="module")
def built(con):
    return hospital_report(con)


@pytest.fixture(scope="module")
def data(built):
    return report.render(built, "docx")


@pytest.fixture(scope="module")
def doc(data):
    return Document(io.BytesIO(data))


def paragraphs(doc, style: str | None = None) -> list[str]:
    return [p.text for p in doc.paragraphs if style is None or p.style.name == style]


def test_headings_follow_the_official_document_numbering(built, doc):
    first = paragraphs(doc, "Heading 1")
    assert first == ["一、总体情况", "二、主要工作情况", "三、存在的问题（初稿）", "四、下步打算（初稿）"]
    second = paragraphs(doc, "Heading 2")
    assert second[0] == "（一）先锋指数" and all(re.fullmatch(r"（[一二三四五六七八九十]+）\S+", h) for h in second)
    third = paragraphs(doc, "Heading 3")
    shown = [f for f in built.deck_findings if f.section != "overview"]
    assert len(third) == len(shown)
    assert all(re.match(r"\d+\. ", h) for h in third)
    assert [h.split(". ", 1)[1] for h in third] == [f"{f.title}。" for f in shown]
    assert report_docx.chinese_number(12) == "十二" and report_docx.chinese_number(20) == "二十"


def test_title_and_fonts_follow_the_conventions(built, doc):
    title = doc.paragraphs[0]
    assert title.text == built.title
    run = title.runs[0]
    assert run.font.size.pt == 22 and run._element.rPr.rFonts.get(qn("w:eastAsia")) == report_docx.TITLE_FONT[0]
    assert MEETING.name in doc.paragraphs[1].text and "2026年1月16日" in doc.paragraphs[1].text
    start = next(i for i, p in enumerate(doc.paragraphs) if p.style.name == "Heading 1")
    assert {p.runs[0]._element.rPr.rFonts.get(qn("w:eastAsia")) for p in doc.paragraphs[1:3]} == {
        report_docx.SUBHEADING_FONT}  # the meeting and the unit under the title, in 楷体
    body = [p for p in doc.paragraphs[start:] if p.style.name == "Normal" and p.runs and p.runs[0].font.size
            and p.runs[0].font.size.pt == report_docx.BODY_PT]
    assert body and {p.runs[0]._element.rPr.rFonts.get(qn("w:eastAsia")) for p in body} == {report_docx.BODY_FONT}
    assert {p.paragraph_format.line_spacing.pt for p in body} == {report_docx.LINE_PT}
    headings = {p.runs[0]._element.rPr.rFonts.get(qn("w:eastAsia")) for p in doc.paragraphs
                if p.style.name == "Heading 1"}
    assert headings == {report_docx.HEADING_FONT}
    section = doc.sections[0]
    assert round(section.page_width.cm, 1) == 21.0 and round(section.top_margin.cm, 1) == 3.7


def test_charts_are_images_with_numbered_captions(built, doc):
    charted = [f for f in built.deck_findings if f.chart is not None]
    images = [s for s in doc.inline_shapes]
    assert len(images) == len(charted)
    captions = [p.text for p in doc.paragraphs if p.text.startswith("图")]
    assert captions == [f"图{i}　{f.title}" for i, f in enumerate(charted, start=1)]
    blob = images[0]._inline.graphic.graphicData.pic.blipFill.blip.embed
    png = doc.part.related_parts[blob].blob
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width = int.from_bytes(png[16:20], "big")
    assert width >= 2000, "high resolution for printing"


def test_tables_are_three_line_tables(con, doc):
    full = Document(io.BytesIO(report.render(hospital_report(con, length="full"), "docx")))
    built_full = hospital_report(con, length="full")
    in_findings = [f for f in built_full.deck_findings if f.chart is None and f.table is not None]
    appendix = [t for t in built_full.tables if len(t.frame)]
    assert len(full.tables) == len(in_findings) + len(appendix)
    assert len(doc.tables) == len([f for f in hospital_report(con).deck_findings if f.chart is None and f.table is not None])
    for table in full.tables:
        borders = table._tbl.tblPr.find(qn("w:tblBorders"))
        values = {edge: borders.find(qn(f"w:{edge}")).get(qn("w:val")) for edge in
                  ("top", "bottom", "left", "right", "insideH", "insideV")}
        assert values == {"top": "single", "bottom": "single", "left": "nil", "right": "nil", "insideH": "nil",
                          "insideV": "nil"}
        header = table.rows[0].cells[0]._tc.tcPr.find(qn("w:tcBorders")).find(qn("w:bottom"))
        assert header.get(qn("w:val")) == "single" and header.get(qn("w:sz")) == "6"
    captions = [p.text for p in full.paragraphs if re.match(r"表\d+　", p.text)]
    assert len(captions) == len(full.tables)


def test_the_numbers_in_the_text_equal_the_analysis_functions(con, doc):
    text = "\n".join(paragraphs(doc))
    trend = vanguard.hospital_trend(con, scope=SCOPE, first=FIRST, last=PERIOD).iloc[-1]
    assert f"先锋指数均值 {trend['mean']:.1f}" in text
    totals = assessment.total_trend(con, scope=SCOPE, first=FIRST, last=PERIOD).iloc[-1]
    assert f"支部考核平均分 {totals['mean']:.1f}" in text and f"最低 {totals['min']:.1f}" in text
    done = tasks.completion(con, scope=SCOPE, as_of=END)
    assert f"办实事完成率 {done.rate:.2f}%（{done.done}/{done.total}）" in text
    summary = meetings.hospital_summary(con, scope=SCOPE, first=PERIOD, last=PERIOD, as_of=END)
    assert f"三会一课达标率 {summary.rate:.1f}%（{summary.counted}/{summary.required}）" in text
    flagged = assessment.quarter_review(con, scope=SCOPE, quarter=PERIOD)
    for name in flagged.loc[flagged["flagged"], "branch_name"]:
        assert name in text  # 存在的问题 names them


def test_page_numbers_in_the_footer(doc):
    footer = doc.sections[0].footer.paragraphs[0]
    assert footer.text.startswith("— ") and footer.text.endswith(" —")
    instructions = [e.text for e in footer._p.iter(qn("w:instrText"))]
    assert instructions == [" PAGE "]


def test_word_and_deck_say_the_same(built, doc):
    text = "\n".join(paragraphs(doc))
    for finding in built.deck_findings:
        assert finding.title in text
    for concern in built.problems:
        assert concern.problem in text and concern.action in text
    assert "analysis." not in text


@requires_libreoffice
def test_word_report_converts_with_libreoffice_and_every_page_has_content(data, tmp_path):
    path = tmp_path / "report.docx"
    path.write_bytes(data)
    pdf = to_pdf(path)
    pages = pdf_pages(pdf)
    assert 5 <= pages <= 30
    images = page_images(pdf, SHOTS / "docx_short")
    assert len(images) == pages and not [image.name for image in images if is_blank(image)]
