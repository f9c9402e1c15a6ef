"""汇报材料, the files (analysis/report/render/): the deck, the workbook, the HTML report and the PNG zip.

Every chart's numbers are checked against the analysis function that the finding names, called
here independently with the same period and scope; the deck is opened with python-pptx and,
when LibreOffice is installed, converted to PDF and a page rendered to PNG
(tests/screenshots/report_*.png, for a person to look at).
"""

from __future__ import annotations

import io
import math
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from pptx import Presentation
from pptx.enum.shapes import MSO_SHAPE_TYPE
from pptx.oxml.ns import qn

from analysis import db, periods, report
from analysis.exports import neutralise
from analysis.formatting import html_escape
from analysis.metrics import assessment, four_have, meetings, overview, tasks, vanguard
from analysis.report.render import html as report_html
from analysis.report.render import pptx as report_pptx
from analysis.report.render import xlsx as report_xlsx
from tests.report_helpers import (
    END,
    FIRST,
    NOW,
    PERIOD,
    SCOPE,
    chart_of,
    close,
    hospital_report,
    read_only,
    series_values,
    slides_by_name,
)

ROOT = Path(__file__).resolve().parent.parent
SHOTS = ROOT / "tests" / "screenshots"


@pytest.fixture(scope="module")
def con(demo_path):
    with read_only(demo_path) as con:
        yield con


@pytest.fixture(scope="module")
def built(con):
    return hospital_report(con)


@pytest.fixture(scope="module")
def deck(built):
    return Presentation(io.BytesIO(report.render(built, "pptx")))


@pytest.fixture(scope="module")
def book(built):
    return openpyxl.load_workbook(io.BytesIO(report.render(built, "xlsx")))


@pytest.fixture(scope="module")
def html_text(built):
    return report.render(built, "html").decode("utf-8")


# --------------------------------------------------------------------------- the deck


def test_deck_is_16_9_with_title_agenda_findings_and_appendix(built, deck):
    assert (deck.slide_width, deck.slide_height) == (report_pptx.SLIDE_WIDTH, report_pptx.SLIDE_HEIGHT)
    assert abs(deck.slide_width / deck.slide_height - 16 / 9) < 0.01
    appendix = sum(math.ceil(len(t.frame) / report_pptx.ROWS_PER_SLIDE) for t in built.tables
                   if t.in_deck and len(t.frame))
    assert len(deck.slides) == 2 + len(built.findings) + appendix == report_pptx.slide_count(built)
    names = [s._element.cSld.get("name") for s in deck.slides]
    assert names[:2] == ["title", "agenda"]
    assert names[2:2 + len(built.findings)] == [f.key for f in built.findings]
    assert all(n.startswith("appendix.") for n in names[2 + len(built.findings):])
    assert deck.slides[0].shapes.title.text == built.title


def test_charts_are_native_chart_parts_with_embedded_data(built, deck):
    slides = slides_by_name(deck)
    charted = [f for f in built.findings if f.chart is not None]
    assert len(charted) >= 15
    for finding in charted:
        chart = chart_of(slides[finding.key])
        assert chart.part.content_type == "application/vnd.openxmlformats-officedocument.drawingml.chart+xml"
        workbook = chart.part.chart_workbook.xlsx_part
        assert workbook is not None and len(workbook.blob) > 1000, "data embedded for editing in PowerPoint/WPS"
        assert list(chart.plots[0].categories) == list(finding.chart.categories)
        assert [s.name for s in chart.plots[0].series] == [s.name for s in finding.chart.series]
        for got, want in zip(series_values(chart), finding.chart.series):
            assert close(got, want.values), finding.key
    pictures = [s for slide in deck.slides for s in slide.shapes if s.shape_type == MSO_SHAPE_TYPE.PICTURE]
    assert pictures == [], "charts are never pictures"


def test_chart_values_equal_the_analysis_functions(con, deck):
    slides = slides_by_name(deck)

    def values(key):
        return series_values(chart_of(slides[key]))

    trend = vanguard.hospital_trend(con, scope=SCOPE, first=FIRST, last=PERIOD)
    assert close(values("vanguard.trend")[0], trend["mean"])
    units = vanguard.trend(con, scope=SCOPE, first=PERIOD, last=PERIOD, level="general_branch")
    units = units.sort_values(["mean", "unit_id"], ascending=[False, True])
    assert close(values("vanguard.units")[0], units["mean"])
    assert list(chart_of(slides["vanguard.units"]).plots[0].categories) == list(units["unit_name"])
    dims = vanguard.dimension_breakdown(con, scope=SCOPE, first=PERIOD, last=PERIOD)
    assert [close(v, dims[c]) for v, c in zip(values("vanguard.dimensions"), ("self", "peer", "org"))] == [True] * 3

    totals = assessment.total_trend(con, scope=SCOPE, first=FIRST, last=PERIOD)
    assert [close(v, totals[c]) for v, c in zip(values("assessment.trend"), ("mean", "max", "min"))] == [True] * 3
    indicators = assessment.indicator_scores(con, scope=SCOPE, quarter=PERIOD)
    by = (indicators.groupby(["indicator", "position"], as_index=False)["pct"].mean()
          .sort_values(["pct", "position"]))
    assert close(values("assessment.indicators")[0], by["pct"])

    profile = four_have.profile(con, scope=SCOPE, year=2025)
    got = values("four_have.profile")
    assert close(got[0], profile["hospital_mean"]) and close(got[1], profile["unit_self_mean"])

    summary = meetings.hospital_summary(con, scope=SCOPE, first=PERIOD, last=PERIOD, as_of=END)
    assert close(values("org_life.compliance")[0], summary.by_kind["rate"])
    assert close(values("org_life.attendance")[0], summary.by_kind["attendance_rate"])

    rates = tasks.completion_trend(con, scope=SCOPE, quarters=periods.quarter_range(FIRST, PERIOD))
    assert close(values("tasks.completion")[0], rates["rate"])

    shares = overview.survey_headline(con, scope=SCOPE).shares
    assert close(values("survey.effective")[0], shares.loc[shares["group"] != "合计", "pct"])


def test_slide_titles_and_speaker_notes(built, deck):
    slides = slides_by_name(deck)
    for finding in built.findings:
        slide = slides[finding.key]
        assert slide.shapes.title.text == finding.title
        notes = slide.notes_slide.notes_text_frame.text
        for label in ("数据来源：", "统计期：", "样本量：", "口径："):
            assert label in notes, (finding.key, label)
        assert finding.source.split("、")[0] in notes


def test_every_run_names_a_cjk_font_for_east_asian_text(deck):
    font = report_pptx.FONT
    checked = 0
    parts = [slide.part for slide in deck.slides]
    parts += [shape.chart.part for slide in deck.slides for shape in slide.shapes if shape.has_chart]
    for part in parts:
        for rpr in part._element.iter(qn("a:rPr"), qn("a:defRPr")):
            latin, ea = rpr.find(qn("a:latin")), rpr.find(qn("a:ea"))
            if latin is None:
                continue
            checked += 1
            assert ea is not None and ea.get("typeface") == font
            # schema order inside a:rPr: latin, then ea, then cs
            assert rpr.index(ea) == rpr.index(latin) + 1
    assert checked > 500
    theme = deck.slide_master.part.part_related_by(
        "http://schemas.openxmlformats.org/officeDocument/2006/relationships/theme")
    assert f'<a:ea typeface="{font}"/>' in theme.blob.decode("utf-8")


def test_deck_reopens_and_saves_unchanged_by_python_pptx(deck):
    # A round trip through python-pptx's own parser is a cheap stand-in for "opens without repair".
    buffer = io.BytesIO()
    deck.save(buffer)
    again = Presentation(io.BytesIO(buffer.getvalue()))
    assert len(again.slides) == len(deck.slides)


SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")


@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed: .ci/run must install "
                                            "libreoffice-impress and poppler-utils for this test")
def test_deck_converts_to_pdf_with_libreoffice(built, tmp_path):
    pptx = tmp_path / "deck.pptx"
    pptx.write_bytes(report.render(built, "pptx"))
    profile = tmp_path / "lo-profile"  # a private profile: parallel workers must not share one
    result = subprocess.run(
        [SOFFICE, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--convert-to", "pdf",
         "--outdir", str(tmp_path), str(pptx)],
        capture_output=True, text=True, timeout=300,
    )
    pdf = tmp_path / "deck.pdf"
    assert result.returncode == 0 and pdf.exists(), result.stdout + result.stderr
    pages = _pdf_pages(pdf)
    assert pages == report_pptx.slide_count(built)
    if shutil.which("pdftoppm"):
        SHOTS.mkdir(parents=True, exist_ok=True)
        for page, name in ((1, "report_slide_title"), (5, "report_slide_vanguard")):
            subprocess.run(["pdftoppm", "-r", "60", "-png", "-singlefile", "-f", str(page), "-l", str(page), str(pdf),
                            str(SHOTS / name)], check=True, timeout=120)
            image = SHOTS / f"{name}.png"
            from PIL import Image

            with Image.open(image) as im:
                assert im.size[0] > im.size[1]  # landscape
                colours = im.convert("RGB").getcolors(maxcolors=1 << 20)
                assert colours is None or len(colours) > 20, "the page is not blank"


def _pdf_pages(pdf: Path) -> int:
    if shutil.which("pdfinfo"):
        out = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
        return int(re.search(r"Pages:\s+(\d+)", out).group(1))
    return len(re.findall(rb"/Type\s*/Page(?!s)", pdf.read_bytes()))


# --------------------------------------------------------------------------- the workbook


def test_workbook_has_a_cover_and_one_sheet_per_table(built, book):
    assert book.sheetnames[0] == report_xlsx.COVER
    assert len(book.sheetnames) == 1 + len(built.tables)
    cover = [[c for c in row if c is not None] for row in book[report_xlsx.COVER].iter_rows(values_only=True)]
    text = "\n".join(" ".join(map(str, row)) for row in cover)
    for expected in (built.title, "统计期", "2025年第4季度", "范围", "全院", "数据来源", "生成时间",
                     "2026-01-15 09:30:00", "生成者权限", "演示数据"):
        assert expected in text
    for _tbl, name in zip(built.tables, book.sheetnames[1:]):
        assert [r[0] for r in cover if r and r[0] == name], f"{name} is listed on the cover"


def test_workbook_sheets_read_back_equal_the_tables(built, book):
    for tbl, name in zip(built.tables, book.sheetnames[1:]):
        sheet = book[name]
        assert sheet.freeze_panes == "A2"
        rows = list(sheet.iter_rows(values_only=True))
        assert list(rows[0]) == list(tbl.frame.columns)
        assert len(rows) == 1 + len(tbl.frame)
        for got_row, want_row in zip(rows[1:], tbl.frame.itertuples(index=False)):
            for column, got, want in zip(tbl.frame.columns, got_row, want_row):
                _assert_cell(tbl.formats[column], got, want, (tbl.key, column))
        for column, cell in zip(tbl.frame.columns, sheet[2] if len(tbl.frame) else []):
            kind = tbl.formats[column]
            if kind in report_xlsx.NUMBER_FORMATS and isinstance(cell.value, (int, float)):
                assert cell.number_format == report_xlsx.NUMBER_FORMATS[kind]


def _assert_cell(kind, got, want, where):
    if isinstance(want, str):
        assert got == neutralise(want), where
    elif want is None or (not isinstance(want, (list, tuple)) and pd.isna(want)):
        assert got is None, where
    elif kind == "bool":
        assert got == ("是" if want else "否"), where
    elif kind == "date":
        assert pd.Timestamp(got) == pd.Timestamp(want), where
    elif kind == "pct":
        assert math.isclose(got * 100, float(want), rel_tol=1e-9, abs_tol=1e-9), where
    else:
        assert math.isclose(float(got), float(want), rel_tol=1e-9, abs_tol=1e-9), where


def test_percent_and_score_formats(book):
    sheet = book["办实事各季度末完成率"]
    header = [c.value for c in sheet[1]]
    rate = sheet.cell(9, header.index("完成率") + 1)
    assert rate.number_format == "0.00%" and math.isclose(rate.value, 0.7308)  # 73.08% = 19/26
    trend = book["先锋指数季度趋势"]
    assert trend.cell(2, 2).number_format == "0.0"
    assert trend.column_dimensions["A"].width >= 8


# --------------------------------------------------------------------------- hostile names


@pytest.fixture(scope="module")
def hostile(demo_path, tmp_path_factory):
    copy = tmp_path_factory.mktemp("hostile") / "hostile.duckdb"
    shutil.copy(demo_path, copy)
    con = db.open_database(copy)
    # The weakest branch (always on the watch list) and an overdue task get hostile names.
    con.execute("UPDATE org_unit SET name = '=1+1' WHERE unit_id = 'B18'")
    con.execute("UPDATE org_unit SET name = '<script>window.__xss=1</script>' WHERE unit_id = 'B06'")
    con.execute("UPDATE service_task SET title = '=HYPERLINK(\"http://evil.example\",\"x\")' WHERE task_id = 'T20'")
    built = report.build_report(con, scope=SCOPE, period=PERIOD, now=NOW)
    con.close()
    return built


def test_formula_like_names_stay_text_in_the_workbook(hostile):
    book = openpyxl.load_workbook(io.BytesIO(report.render(hostile, "xlsx")))
    found = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str) and "=1+1" in cell.value:
                    found.append(cell)
                    assert cell.value == "'=1+1" and cell.data_type == "s"
    assert len(found) >= 3  # 需关注, 名次, 项目清单 ...


def test_hostile_names_are_escaped_in_html_and_plain_text_in_the_deck(hostile):
    document = report.render(hostile, "html").decode("utf-8")
    body = document[document.index("<body>"):]
    assert "<script>window.__xss" not in body
    assert "&lt;script&gt;window.__xss=1&lt;/script&gt;" in body
    # A URL typed into the data is shown as text, and the file still holds no literal URL.
    assert "=HYPERLINK(&quot;http&#58;//evil.example&quot;" in body
    assert report_html.external_urls(document) == []
    prs = Presentation(io.BytesIO(report.render(hostile, "pptx")))
    watch = slides_by_name(prs)["assessment.watch"]
    assert "=1+1" in watch.shapes.title.text


# --------------------------------------------------------------------------- HTML and PNG


def test_html_is_self_contained_without_any_url(built, html_text):
    assert report_html.external_urls(html_text) == []
    assert re.findall(r"https?://", html_text, flags=re.IGNORECASE) == []
    assert "<script src" not in html_text and "<link" not in html_text and "@import" not in html_text
    charted = [f for f in built.findings if f.chart is not None]
    assert html_text.count("Plotly.newPlot(") == len(charted)
    assert len(html_text) > 4_000_000, "plotly.js is inlined"
    assert html_text.count("<script>") == 1 + len(charted)


def test_html_prints_with_sensible_page_breaks(built, html_text):
    assert "@media print" in html_text and "@page { size: A4 landscape" in html_text
    assert "page-break-inside: avoid" in html_text and "break-inside: avoid" in html_text
    for finding in built.findings:
        assert f'<h3>{html_escape(finding.title)}</h3>' in html_text
    assert html_text.count('class="keep"') == len(built.sections)


def test_member_names_never_reach_a_report(con, built, book, html_text):
    names = {r[0] for r in con.execute("SELECT DISTINCT name FROM member").fetchall()}
    body = html_text[html_text.index("<body>"):]
    cells = {str(c) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True) for c in row if c}
    assert not [n for n in names if n in body]
    assert not [n for n in names if any(n in c for c in cells)]


@pytest.mark.skipif(not Path("/usr/bin/chromium").exists(), reason="kaleido needs Chromium (.ci/run installs it)")
def test_png_zip_has_one_image_per_chart_and_an_index(con):
    built = report.build_report(con, scope=SCOPE, period=PERIOD, sections=["tasks"], now=NOW)
    archive = zipfile.ZipFile(io.BytesIO(report.render(built, "png")))
    charted = [f for f in built.findings if f.chart is not None]
    names = sorted(n for n in archive.namelist() if n.endswith(".png"))
    assert names == [report_html.png_name(i, f) for i, f in enumerate(charted, start=1)]
    for name in names:
        assert archive.read(name)[:8] == b"\x89PNG\r\n\x1a\n"
    index = archive.read("说明.txt").decode("utf-8-sig")
    assert all(f.title in index for f in charted)
