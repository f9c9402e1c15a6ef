"""The 党建+业务 page under AppTest: its figures are the analysis's, it follows the choices and the
sidebar, and each role sees what it may (researchers: no branch names, pseudonyms only)."""

from __future__ import annotations

import json

import duckdb
import pytest

from analysis import business
from analysis.scope import Scope
from tests.apptest import open_data_boxes, release, signed_in_app
from tests.test_access import ACCOUNTS, rendered_text

PAGE = "pages/business.py"


@pytest.fixture()
def open_page(demo_path, tmp_path, monkeypatch):
    def open_as(username: str = "dangban"):
        app = signed_in_app(demo_path, tmp_path, monkeypatch, username)
        app.run()
        app.switch_page(PAGE).run()
        assert not app.exception, [e.value for e in app.exception]
        return app

    yield open_as
    release()


def metrics(app) -> dict[str, str]:
    return {m.label: m.value for m in app.metric}


def chart_titles(app) -> list[str]:
    return [json.loads(c.proto.spec)["layout"]["title"]["text"] for c in app.get("plotly_chart")]


def test_committee_sees_the_counts_of_the_analysis(open_page, demo_con):
    app = open_page()
    assert app.title[0].value == "党建+业务"
    expected = business.analyse(demo_con, scope=Scope.committee(), first="2025Q1", last="2025Q4")
    m = metrics(app)
    assert m["支部"] == "34" and m["季度"] == "4"
    assert m["明确同向"] == f"{expected.counts['favourable']} 项"
    assert m["明确反向"] == f"{expected.counts['unfavourable']} 项" and m["未见明确关联"] == f"{expected.counts['none']} 项"
    assert m["数据不足"] == f"{expected.counts['cannot_tell'] + expected.counts['too_few']} 项"
    titles = chart_titles(app)
    assert any(t.startswith("支部考核总分与业务综合：") and "n=34个支部" in t for t in titles)
    assert any("与各科室业绩指标的关联" in t for t in titles)
    # The survey's belief is shown beside the data
    assert any("93%" in md.value and "党员" in md.value for md in app.markdown)
    readings = [md.value for md in app.markdown if "这是支部之间的关联" in md.value]
    assert len(readings) == expected.counts["favourable"] + expected.counts["unfavourable"]


def test_choices_and_the_sidebar_change_what_is_shown(open_page):
    app = open_page()
    app.selectbox(key="business_party").set_value("vanguard").run()
    assert not app.exception, [e.value for e in app.exception]
    assert any(t.startswith("先锋指数（支部均值）与业务综合：") for t in chart_titles(app))
    app.selectbox(key="business_indicator").set_value("staff_satisfaction").run()
    assert any(t.startswith("先锋指数（支部均值）与医务人员满意度：") for t in chart_titles(app))
    app.sidebar.selectbox(key="general_branch").set_value("G01").run()
    app.sidebar.selectbox(key="branch").set_value("B01").run()
    assert not app.exception, [e.value for e in app.exception]
    assert "象限" in metrics(app) and any(t.startswith("心血管内科党支部") for t in chart_titles(app))
    quadrant_rows = [d.value for d in app.dataframe if "象限" in d.value.columns][0]
    assert list(quadrant_rows["党支部"]) == ["心血管内科党支部"]


def test_secretary_lands_on_their_branch(open_page):
    app = open_page("zhibu")
    # The sidebar starts on the secretary's branch (issue #14), so the page needs no picker.
    assert app.sidebar.selectbox(key="branch").value == "B01"
    assert any("心血管内科党支部" in t and "与全院支部" in t for t in chart_titles(app))


@pytest.mark.parametrize("username", list(ACCOUNTS))
def test_scope_walk_no_member_names_and_no_branch_names_for_researchers(open_page, demo_path, username):
    app = open_data_boxes(open_page(username))
    shown = rendered_text(app)
    con = duckdb.connect(str(demo_path), read_only=True)
    try:
        members = {r[0] for r in con.execute("SELECT name FROM member").fetchall()}
        branches = {r[0] for r in con.execute("SELECT name FROM org_unit WHERE level = 'branch'").fetchall()}
    finally:
        con.close()
    assert not members & shown, "no member-level data on this page"
    if ACCOUNTS[username][0] == "researcher":
        assert not branches & shown, "researchers see no branch names"
        panel = [d.value for d in app.dataframe if "支部编号" in d.value.columns][-1]
        assert panel["支部编号"].str.fullmatch(r"R\d{3}").all()
    else:
        assert branches & shown
