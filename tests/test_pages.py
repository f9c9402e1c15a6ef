"""Every page runs through Streamlit's AppTest without an exception."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent
PAGES = ["pages/overview.py", "pages/vanguard.py", "pages/assessment.py", "pages/four_have.py",
         "pages/org_life.py", "pages/tasks.py", "pages/survey.py", "pages/report.py", "pages/present.py",
         "pages/data_import.py", "pages/admin.py"]


@pytest.fixture()
def app(demo_path, tmp_path, monkeypatch):
    copy = tmp_path / "app.duckdb"
    shutil.copy(demo_path, copy)
    monkeypatch.setenv("PARTY_DASHBOARD_DB", str(copy))
    st.cache_data.clear()
    st.cache_resource.clear()
    yield AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    st.cache_data.clear()
    st.cache_resource.clear()


@pytest.mark.parametrize("page", PAGES)
def test_page_runs(app, page):
    app.run()
    if page != PAGES[0]:
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
