"""AppTest of the 汇报材料 page: options, outline preview, generation, and the same file as the CLI."""

from __future__ import annotations

import io
import shutil

import openpyxl
import pytest
from pptx import Presentation

from analysis import report
from analysis.cli import report as report_cli
from analysis.report.render import pptx as report_pptx
from tests.apptest import release, signed_in_app


@pytest.fixture()
def app(demo_path, tmp_path, monkeypatch):
    app = signed_in_app(demo_path, tmp_path, monkeypatch, "dangban")
    app.run()
    app.switch_page("pages/report.py").run()
    yield app
    release(app)


def _finding_slides(prs) -> dict:
    out = {}
    for slide in prs.slides:
        name = slide._element.cSld.get("name")
        if name in ("title", "agenda") or name.startswith("appendix."):
            continue
        charts = [s.chart for s in slide.shapes if s.has_chart]
        # Rounded: DuckDB may sum in a different order run to run (last-digit float noise).
        values = [[None if v is None else round(v, 9) for v in s.values] for s in charts[0].plots[0].series] \
            if charts else None
        out[name] = (slide.shapes.title.text, values)
    return out


def test_page_previews_the_outline(app):
    assert not app.exception, [e.value for e in app.exception]
    assert app.title[0].value == "汇报材料"
    outline = app.dataframe[0].value
    assert list(outline.columns) == ["页", "部分", "结论（幻灯片标题）"]
    assert outline["页"].iloc[0] == 3
    assert outline["结论（幻灯片标题）"].str.contains("先锋指数均值").any()
    assert set(outline["部分"]) == set(report.SECTIONS.values())
    assert any("PowerPoint 共" in c.value for c in app.caption)


def test_page_and_cli_make_the_same_deck(app, demo_path, tmp_path):
    app.button(key="report_generate").click().run()
    assert not app.exception, [e.value for e in app.exception]
    made = app.session_state["report_file"]
    assert made["name"] == "汇报材料_全院_2025Q4.pptx"
    page_deck = Presentation(io.BytesIO(made["data"]))

    copy = tmp_path / "cli.duckdb"
    shutil.copy(demo_path, copy)
    output = tmp_path / "cli.pptx"
    assert report_cli.main(["--period", "2025Q4", "--scope", "hospital", "--format", "pptx", "-o", str(output),
                            "--db", str(copy)]) == 0
    cli_deck = Presentation(str(output))
    assert len(page_deck.slides) == len(cli_deck.slides)
    assert _finding_slides(page_deck) == _finding_slides(cli_deck)


def test_page_makes_each_format_for_a_unit(app):
    app.selectbox(key="report_unit").set_value("G01").run()
    app.radio(key="report_kind").set_value("year").run()
    app.multiselect(key="report_sections").set_value(["vanguard", "tasks"]).run()
    assert not app.exception, [e.value for e in app.exception]
    outline = app.dataframe[0].value
    assert set(outline["部分"]) == {"先锋指数", "办实事"}
    for fmt in ("xlsx", "html"):
        app.radio(key="report_format").set_value(fmt).run()
        app.button(key="report_generate").click().run()
        assert not app.exception, [e.value for e in app.exception]
        made = app.session_state["report_file"]
        assert made["name"] == f"汇报材料_G01_2025.{fmt}"
        if fmt == "xlsx":
            book = openpyxl.load_workbook(io.BytesIO(made["data"]))
            assert book.sheetnames[0] == "封面"
            assert any("内科党总支" in str(c) for row in book["封面"].iter_rows(values_only=True) for c in row)
        else:
            assert made["data"].startswith(b"<!DOCTYPE html>") and "内科党总支".encode() in made["data"]


def test_changing_an_option_withdraws_the_old_file(app):
    app.button(key="report_generate").click().run()
    assert app.session_state["report_file"]["request"]["format"] == "pptx"
    app.radio(key="report_format").set_value("xlsx").run()
    # The pptx made before no longer matches the request: no download button for it.
    labels = [getattr(e, "label", "") for e in app.get("download_button")]
    assert not any(".pptx" in str(label) for label in labels)


def test_secretary_defaults_to_own_unit(demo_path, tmp_path, monkeypatch):
    app = signed_in_app(demo_path, tmp_path, monkeypatch, "zhibu")
    try:
        app.run()
        app.switch_page("pages/report.py").run()
        assert not app.exception, [e.value for e in app.exception]
        assert app.selectbox(key="report_unit").value == "B01"
        assert "心血管内科党支部" in " ".join(c.value for c in app.caption)
    finally:
        release(app)


def test_slide_count_in_the_preview_matches_the_deck(app):
    app.button(key="report_generate").click().run()
    prs = Presentation(io.BytesIO(app.session_state["report_file"]["data"]))
    caption = next(c.value for c in app.caption if "PowerPoint 共" in c.value)
    assert f"PowerPoint 共 {len(prs.slides)} 页" in caption
    assert report_pptx.ROWS_PER_SLIDE > 0
