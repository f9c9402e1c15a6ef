"""Every page runs through Streamlit's AppTest without an exception, for every role."""

from __future__ import annotations

import pytest

from tests.apptest import release, signed_in_app

COMMITTEE_PAGES = ["pages/overview.py", "pages/vanguard.py", "pages/assessment.py", "pages/four_have.py",
                   "pages/org_life.py", "pages/tasks.py", "pages/survey.py", "pages/report.py", "pages/present.py",
                   "pages/data_import.py", "pages/admin.py", "pages/account.py"]


@pytest.fixture()
def app(demo_path, tmp_path, monkeypatch):
    app = signed_in_app(demo_path, tmp_path, monkeypatch, "dangban")
    yield app
    release(app)


@pytest.mark.parametrize("page", COMMITTEE_PAGES)
def test_page_runs(app, page):
    app.run()
    if page != COMMITTEE_PAGES[0]:
        app.switch_page(page)
        app.run()
    assert not app.exception, [e.value for e in app.exception]
    assert app.title, "every page has a title"


def test_overview_shows_calibrated_figures(app):
    app.run()
    metrics = {m.label: m.value for m in app.metric}
    assert metrics["党员"] == "640"
    assert metrics["党支部"] == "34"
    assert metrics["完成率"] == "73.08%"
    assert any("演示数据" in c.value for c in app.sidebar.caption)


def test_overview_follows_unit_filter(app):
    app.run()
    app.sidebar.selectbox(key="general_branch").set_value("G01").run()
    metrics = {m.label: m.value for m in app.metric}
    assert metrics["党总支"] == "1" and metrics["党支部"] == "6"
    assert int(metrics["党员"]) < 640
    app.sidebar.selectbox(key="branch").set_value("B01").run()
    assert {m.label: m.value for m in app.metric}["党支部"] == "1"
    assert not app.exception
