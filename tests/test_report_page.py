"""AppTest of the 汇报材料 page: options, the deck's preview, generation, the same file as the CLI,
meeting settings remembered per user, and the hospital's template (committee only, audited)."""

from __future__ import annotations

import datetime as dt
import io
import json
import shutil

import openpyxl
import pytest
from pptx import Presentation
from streamlit.testing.v1 import AppTest

from analysis import db, report
from analysis.access import audit
from analysis.cli import report as report_cli
from analysis.report import settings
from analysis.report.model import SHORT_DECK_SLIDES
from analysis.scope import Scope
from tests.apptest import ROOT, release, signed_in_app
from tests.report_helpers import LOGO, hospital_template, slide_text
from ui.session import cursor


def _open(app: AppTest) -> AppTest:
    app.run()
    app.switch_page("pages/report.py").run()
    assert not app.exception, [e.value for e in app.exception]
    return app


@pytest.fixture()
def app(demo_path, tmp_path, monkeypatch):
    app = _open(signed_in_app(demo_path, tmp_path, monkeypatch, "dangban"))
    yield app
    release(app)


def _finding_slides(prs) -> dict:
    out = {}
    for slide in prs.slides:
        name = slide._element.cSld.get("name")
        charts = [s.chart for s in slide.shapes if s.has_chart]
        # Rounded: DuckDB may sum in a different order run to run (last-digit float noise).
        values = [[None if v is None else round(v, 9) for v in s.values] for s in charts[0].plots[0].series] \
            if charts else None
        out[name] = (slide.shapes.title.text, values)
    return out


def _meeting(app, name="2025年第4季度支部书记例会", day=dt.date(2026, 1, 16), presenter="党委办公室"):
    app.text_input(key="report_meeting_name").set_value(name)
    app.date_input(key="report_meeting_date").set_value(day)
    app.text_input(key="report_presenter").set_value(presenter).run()
    assert not app.exception, [e.value for e in app.exception]


def test_page_previews_the_short_deck(app):
    assert app.title[0].value == "汇报材料"
    outline = app.dataframe[0].value
    assert list(outline.columns) == ["页", "内容"]
    assert len(outline) <= SHORT_DECK_SLIDES
    assert outline["内容"].iloc[0].startswith("封面：") and outline["内容"].str.contains("先锋指数均值").any()
    assert outline["内容"].iloc[-2].startswith("存在问题（初稿）") and outline["内容"].iloc[-1].startswith("下步打算（初稿）")
    caption = next(c.value for c in app.caption if "PowerPoint 共" in c.value)
    assert f"PowerPoint 共 {len(outline)} 页" in caption
    assert app.radio(key="report_length").value == "short"


def test_page_and_cli_make_the_same_deck(app, demo_path, tmp_path):
    _meeting(app)
    app.button(key="report_generate").click().run()
    assert not app.exception, [e.value for e in app.exception]
    made = app.session_state["report_file"]
    assert made["name"] == "汇报材料_全院_2025Q4.pptx"
    page_deck = Presentation(io.BytesIO(made["data"]))
    assert "2025年第4季度支部书记例会" in slide_text(page_deck.slides[0])

    copy = tmp_path / "cli.duckdb"
    shutil.copy(demo_path, copy)
    output = tmp_path / "cli.pptx"
    assert report_cli.main(["--period", "2025Q4", "--scope", "hospital", "--format", "pptx", "-o", str(output),
                            "--meeting", "2025年第4季度支部书记例会", "--date", "2026-01-16", "--presenter", "党委办公室",
                            "--db", str(copy)]) == 0
    cli_deck = Presentation(str(output))
    assert len(page_deck.slides) == len(cli_deck.slides) <= SHORT_DECK_SLIDES
    assert _finding_slides(page_deck) == _finding_slides(cli_deck)


def test_meeting_settings_are_remembered_per_user(demo_path, tmp_path, monkeypatch):
    app = _open(signed_in_app(demo_path, tmp_path, monkeypatch, "dangban"))
    try:
        _meeting(app)
        app.radio(key="report_length").set_value("full").run()
        app.button(key="report_generate").click().run()
        assert not app.exception
    finally:
        release(app)
    database = tmp_path / "app.duckdb"
    con = db.open_database(database)
    try:
        saved = settings.meeting_settings(con, scope=Scope.committee("dangban"))
        others = settings.meeting_settings(con, scope=Scope("zhibu", "secretary", "B01"))
    finally:
        con.close()
    assert saved.meeting == report.Meeting("2025年第4季度支部书记例会", dt.date(2026, 1, 16), "党委办公室")
    assert saved.length == "full" and others.meeting == report.Meeting()
    # A new session of the same user opens with them (same database file: no fresh copy).
    again = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    con = db.open_database(database)
    try:
        from analysis.access import auth

        again.session_state["session_token"] = auth.start_session(con, "dangban")
    finally:
        con.close()
    release(again)
    _open(again)
    try:
        assert again.text_input(key="report_meeting_name").value == "2025年第4季度支部书记例会"
        assert again.text_input(key="report_presenter").value == "党委办公室"
        assert again.date_input(key="report_meeting_date").value == dt.date(2026, 1, 16)
        assert again.radio(key="report_length").value == "full"
    finally:
        release(again)


def test_a_meeting_name_on_two_lines_is_refused_on_the_page(app):
    app.text_input(key="report_meeting_name").set_value("例会\n第二行").run()
    assert [e.value for e in app.error] == ["会议名称须为一行文字"]
    assert not app.get("dataframe"), "nothing is previewed or generated from a refused setting"


def test_page_makes_each_format_for_a_unit(app):
    app.selectbox(key="report_unit").set_value("G01").run()
    app.radio(key="report_kind").set_value("year").run()
    app.multiselect(key="report_sections").set_value(["vanguard", "tasks"]).run()
    assert not app.exception, [e.value for e in app.exception]
    outline = app.dataframe[0].value
    assert outline["内容"].str.contains("内科党总支").any()
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
    labels = [getattr(e, "label", "") for e in app.get("download_button")]
    assert not any(".pptx" in str(label) for label in labels)


def test_secretary_defaults_to_own_unit_and_cannot_change_the_template(demo_path, tmp_path, monkeypatch):
    app = _open(signed_in_app(demo_path, tmp_path, monkeypatch, "zhibu"))
    try:
        assert app.selectbox(key="report_unit").value == "B01"
        assert "心血管内科党支部" in " ".join(c.value for c in app.caption)
        assert not [u for u in app.get("file_uploader") if getattr(u, "key", "") == "report_template_upload"]
        assert not [b for b in app.button if b.key in ("report_template_store", "report_template_reset")]
    finally:
        release(app)


def test_the_committee_uploads_the_hospital_template_and_decks_use_it(app):
    # AppTest cannot drive a file uploader: the upload is stored as the page stores it (through
    # the page's own database handle: AppTest runs in this process), then the page is rerun.
    settings.store_template(cursor(), scope=Scope.committee("dangban"), data=hospital_template(),
                            file_name="医院模板.potx")
    app.run()
    assert any("医院模板.potx" in e.label for e in app.get("expander"))
    app.button(key="report_generate").click().run()
    assert not app.exception, [e.value for e in app.exception]
    deck = Presentation(io.BytesIO(app.session_state["report_file"]["data"]))
    assert [s.name for s in deck.slide_master.shapes if s.name == LOGO] == [LOGO]
    # Back to the default from the page: audited.
    app.button(key="report_template_reset").click().run()
    assert not app.exception, [e.value for e in app.exception]
    log = audit.audit_entries(cursor(), scope=Scope.committee("dangban"), action="template_change")
    assert [json.loads(d)["change"] for d in log["detail"]] == ["withdraw", "upload"]
    app.button(key="report_generate").click().run()
    deck = Presentation(io.BytesIO(app.session_state["report_file"]["data"]))
    assert not [s for s in deck.slide_master.shapes if s.name == LOGO]
