"""汇报材料, the files besides the deck and the Word report (analysis/report/render/): the workbook,
the HTML report and the PNG zip (the deck: test_report_deck.py; Word: test_report_docx.py).
"""

from __future__ import annotations

import dataclasses
import io
import math
import re
import shutil
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from pptx import Presentation

from analysis import db, report
from analysis.exports import neutralise
from analysis.formatting import html_escape
from analysis.report.render import html as report_html
from analysis.report.render import xlsx as report_xlsx
from tests.report_helpers import (
    NOW,
    PERIOD,
    SCOPE,
    hospital_report,
    read_only,
    slide_text,
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
    prs = Presentation(io.BytesIO(report.render(dataclasses.replace(hostile, length="full"), "pptx")))
    watch = slides_by_name(prs)["assessment.watch"]
    assert "=1+1" in watch.shapes.title.text
    # The short deck names the watched branches among its drafted problems, as plain text.
    short = Presentation(io.BytesIO(report.render(hostile, "pptx")))
    assert "=1+1" in slide_text(slides_by_name(short)["problems"])


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


def test_html_names_the_unit_meeting_and_data_date_and_no_system_words(built, html_text):
    cover = html_text[html_text.index('<header class="cover">'):html_text.index("</header>")]
    for expected in (built.unit_label, built.meeting.name, built.meeting.presenter, "数据截至2025年12月31日"):
        assert expected in cover
    for system in ("生成者权限", SCOPE.username, "各部分均有数据", "analysis."):
        assert system not in html_text[html_text.index("<body>"):], system
    assert 'id="problems"' in html_text and "存在问题与下步打算（初稿）" in html_text


@pytest.mark.skipif(not Path("/usr/bin/chromium").exists(), reason="kaleido needs Chromium (.ci/run installs it)")
def test_chart_images_get_a_second_chromium_when_the_first_fails(monkeypatch, caplog):
    import kaleido
    import plotly.graph_objects as go

    from analysis.charts import report as chart_report

    real, calls = kaleido.write_fig_from_object_sync, []

    def failing_once(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("ReferenceError: kaleido_scopes is not defined")  # as seen under load
        return real(*args, **kwargs)

    monkeypatch.setattr(kaleido, "write_fig_from_object_sync", failing_once)
    [image] = chart_report.report_images([go.Figure(go.Bar(x=[1], y=[2]))], width=200, height=150)
    assert image[:8] == b"\x89PNG\r\n\x1a\n" and len(calls) == 2
    assert "Chromium failed (attempt 1)" in caplog.text

    def failing(*args, **kwargs):
        raise RuntimeError("Chromium is gone")

    monkeypatch.setattr(kaleido, "write_fig_from_object_sync", failing)
    with pytest.raises(RuntimeError, match="Chromium is gone"):  # a second failure is the caller's
        chart_report.report_images([go.Figure(go.Bar(x=[1], y=[2]))], width=200, height=150)
