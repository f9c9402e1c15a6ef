"""Running the real app under AppTest, signed in as a given demo account."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import streamlit as st
from streamlit.testing.v1 import AppTest

from analysis import db
from analysis.access import auth
from ui import cache

ROOT = Path(__file__).resolve().parent.parent


def signed_in_app(demo_path: Path, tmp_path: Path, monkeypatch, username: str = "dangban") -> AppTest:
    """An AppTest of dashboard.py on a private copy of the demo, with a live session for ``username``."""
    # A fresh file for every app of a test: copying over a file that an earlier app's cached
    # handle still holds open would let DuckDB reuse that handle's stale in-memory state.
    copy = next(tmp_path / f"app{n or ''}.duckdb" for n in range(100) if not (tmp_path / f"app{n or ''}.duckdb").exists())
    shutil.copy(demo_path, copy)
    con = db.open_database(copy)
    try:
        token = auth.start_session(con, username)
    finally:
        con.close()
    monkeypatch.setenv("PARTY_DASHBOARD_DB", str(copy))
    st.cache_data.clear()
    st.cache_resource.clear()
    cache.clear()
    app = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    app.session_state["session_token"] = token
    return app


def release(app: AppTest | None = None) -> None:
    """Drop cached results and the cached database handle so the next test starts clean."""
    st.cache_data.clear()
    st.cache_resource.clear()
    cache.clear()


def open_data_boxes(app: AppTest) -> AppTest:
    """``app`` rerun with every data box (``ui.tables.data_box``) open, as a viewer clicking each
    would see it; opened boxes can draw further ones, so until none is left closed."""
    for _ in range(5):
        closed = [key for key in (e.proto.id.rpartition("-")[2] for e in app.expander)
                  if key.endswith("_open") and not app.session_state[key]]
        if not closed:
            return app
        for key in closed:
            app.session_state[key] = True
        app.run()
    raise AssertionError("data boxes kept appearing")


# The pages' tabs that run only while open (key, labels): a walk over everything a page shows
# visits each. The survey's toolbox tabs (差异分析 and after) have tests of their own.
SECTION_TABS = {
    "vanguard": ("vanguard_section", ["趋势", "维度与分布", "年度评定与星级", "连续两个季度下降的党员"]),
    "assessment": ("assessment_section", ["季度总分热力图", "名次变化", "支部指标分析", "年度累计（年度评优依据）"]),
    "org_life": ("org_life_section", ["三会一课", "缺漏清单", "组织生活会与党课", "党员出勤", "活动统计"]),
    "survey": ("survey_tab", ["分组比较", "频数分布", "交叉分析", "量表题", "排序题", "信度分析", "开放题"]),
}


def each_section(app: AppTest, page: str) -> Iterator[AppTest]:
    """``app`` (already on ``page``) run once per section tab of the page, once for a page
    without them, each time with every data box open."""
    if page not in SECTION_TABS:
        app.run()
        yield open_data_boxes(app)
        return
    for label in SECTION_TABS[page][1]:
        yield open_data_boxes(open_section(app, page, label))


def open_section(app: AppTest, page: str, label: str) -> AppTest:
    """``app`` (already on ``page``) rerun with its section tab ``label`` open."""
    key, labels = SECTION_TABS[page]
    assert label in labels, (page, label)
    app.session_state[key] = label
    app.run()
    assert not app.exception, (page, label, [e.value for e in app.exception])
    # Streamlit opens the first tab, without an error, for a label it does not offer.
    assert label in [t.label for t in app.tabs] and app.session_state[key] == label, (page, label)
    return app
