"""Who sees what: every page walked as each role, plus the formula-safe export and escaping.

The demo's member names are unique, so finding a name in a page proves that member's row
was shown.
"""

from __future__ import annotations

import io
import json
import shutil

import duckdb
import openpyxl
import pandas as pd
import pytest

from analysis import db, exports
from analysis.access import auth
from analysis.metrics import vanguard
from analysis.scope import Scope, member_branch_ids
from tests.apptest import each_section, open_data_boxes, open_section, release, signed_in_app

PAGES_BY_ROLE = {
    "committee": ["overview", "vanguard", "assessment", "four_have", "org_life", "tasks", "profile", "registers", "business", "survey",
                  "report", "present", "data_import", "admin", "account"],
    "secretary": ["overview", "vanguard", "assessment", "four_have", "org_life", "tasks", "profile", "registers", "business", "survey",
                  "report", "present", "account"],
    "researcher": ["overview", "business", "survey", "account"],
}
ACCOUNTS = {"dangban": ("committee", None), "zongzhi": ("secretary", "G01"), "zhibu": ("secretary", "B01"),
            "yanjiu": ("researcher", None)}


def _strings(node) -> list[str]:
    """All strings inside a parsed plotly figure (labels, hover text, category names)."""
    if isinstance(node, str):
        return [node]
    if isinstance(node, dict):
        return [s for value in node.values() for s in _strings(value)]
    if isinstance(node, list):
        return [s for value in node for s in _strings(value)]
    return []


def rendered_text(app) -> set[str]:
    """Every table cell, chart string and whitespace/punctuation-separated token a page shows.

    Matching whole cells and tokens (not substrings) keeps a two-character name from being
    "found" inside a longer one.
    """
    import re

    shown: set[str] = set()
    for frame in app.dataframe:
        value = frame.value
        if isinstance(value, pd.DataFrame):
            shown.update(str(v) for v in value.to_numpy().ravel())
    texts = [str(e.value) for kind in ("markdown", "text", "caption", "title", "subheader", "header", "info", "warning",
                                       "success", "error") for e in getattr(app, kind)]
    texts += [f"{m.label} {m.value}" for m in app.metric]
    for chart in app.get("plotly_chart"):
        shown.update(_strings(json.loads(chart.proto.spec)))
    for text in texts:
        shown.update(t for t in re.split(r"[\s,，、:：;；()（）|·]+", text) if t)
    return shown


@pytest.fixture(scope="module")
def names(demo_path):
    con = duckdb.connect(str(demo_path), read_only=True)
    try:
        members = con.execute("SELECT name, branch_id FROM member").df()
        branches = con.execute("SELECT branch_id, branch_name, general_branch_id FROM branch_lineage").df()
    finally:
        con.close()
    assert members["name"].is_unique
    return members, branches


def walk(app, pages: list[str]) -> dict[str, set[str]]:
    shown = {}
    app.run()
    for page in pages:
        app.switch_page(f"pages/{page}.py")
        shown[page] = set()
        for section in each_section(app, page):
            assert not section.exception, (page, [e.value for e in section.exception])
            shown[page] |= rendered_text(section)
    return shown


@pytest.mark.parametrize("username", list(ACCOUNTS))
def test_no_out_of_scope_member_on_any_page(demo_path, tmp_path, monkeypatch, names, username):
    members, branches = names
    role, unit = ACCOUNTS[username]
    app = signed_in_app(demo_path, tmp_path, monkeypatch, username)
    try:
        shown = walk(app, PAGES_BY_ROLE[role])
        if role == "secretary":
            # Narrow the sidebar to a branch outside the secretary's unit: aggregates only.
            outside = branches.loc[(branches["branch_id"] != unit) & (branches["general_branch_id"] != unit)].iloc[0]
            app.switch_page("pages/vanguard.py").run()
            app.sidebar.selectbox(key="general_branch").set_value(outside["general_branch_id"]).run()
            app.sidebar.selectbox(key="branch").set_value(outside["branch_id"]).run()
            shown |= {f"{page}@{outside['branch_id']}": text for page, text in walk(app, ["vanguard", "org_life"]).items()}
            # The profile of a branch outside the unit, as a click or a shared URL opens it.
            app.query_params["id"] = outside["branch_id"]
            shown |= {f"profile@{outside['branch_id']}": walk(app, ["profile"])["profile"]}
    finally:
        release()
    con = duckdb.connect(str(demo_path), read_only=True)
    try:
        allowed = set(member_branch_ids(con, Scope(username, role, unit)))
    finally:
        con.close()
    forbidden = members.loc[~members["branch_id"].isin(allowed), "name"]
    for page, text in shown.items():
        leaked = sorted(set(forbidden) & text)
        assert not leaked, f"{username} saw {leaked[:5]} on {page}"
    if role == "researcher":
        for page, text in shown.items():
            assert not set(branches["branch_name"]) & text, f"researcher saw branch rows on {page}"
    if role != "researcher":
        visible = members.loc[members["branch_id"].isin(allowed), "name"]
        assert set(visible) & shown["vanguard"], "in-scope members are listed"


def test_shared_cache_never_serves_a_wider_scope(demo_path, tmp_path, monkeypatch, names):
    from streamlit.testing.v1 import AppTest

    from analysis.access import auth
    from tests.apptest import ROOT
    from ui import session

    members, _ = names
    committee = signed_in_app(demo_path, tmp_path, monkeypatch, "dangban")
    try:
        committee.run()
        committee.switch_page("pages/vanguard.py").run()
        open_section(committee, "vanguard", "年度评定与星级").toggle(key="vanguard_appraisal").set_value(True).run()  # every member's appraisal
        assert len(set(members["name"]) & rendered_text(committee)) >= 100  # a page of the appraisal
        # Same process, same database, cache not cleared: the secretary must not get the committee's rows.
        token = auth.start_session(session.cursor(), "zhibu")
        secretary = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
        secretary.session_state["session_token"] = token
        secretary.run()
        secretary.switch_page("pages/vanguard.py").run()
        text = rendered_text(open_data_boxes(open_section(secretary, "vanguard", "年度评定与星级")))
    finally:
        release()
    assert not set(members.loc[members["branch_id"] != "B01", "name"]) & text
    assert set(members.loc[members["branch_id"] == "B01", "name"]) & text


def test_formula_like_member_name_is_exported_as_text(demo_path, tmp_path):
    copy = tmp_path / "x.duckdb"
    shutil.copy(demo_path, copy)
    con = duckdb.connect(str(copy))
    evil = '=HYPERLINK("http://x","y")'
    con.execute("UPDATE member SET name = ? WHERE member_id = 'M0001'", [evil])
    con.close()
    from analysis import db

    con = db.open_database(copy, read_only=True)
    try:
        rows = vanguard.member_index(con, scope=Scope.committee(), first="2025Q4", last="2025Q4", unit="B01")
    finally:
        con.close()
    assert evil in set(rows["name"])
    book = openpyxl.load_workbook(io.BytesIO(exports.to_xlsx_bytes({"t": rows})))
    cells = [c for c in book["t"]["C"] if isinstance(c.value, str) and "HYPERLINK" in c.value]
    assert cells and all(c.data_type == "s" and c.value == "'" + evil for c in cells)
    csv_text = exports.to_csv_bytes(rows).decode("utf-8-sig")
    assert "'=HYPERLINK" in csv_text and "\n=HYPERLINK" not in csv_text and ",=HYPERLINK" not in csv_text


@pytest.mark.parametrize("value", ["=1+1", "+1", "-2", "@SUM(A1)", "\tx", "\rx", "\nx"])
def test_every_formula_trigger_is_neutralised(value):
    assert exports.neutralise(value) == "'" + value
    assert exports.neutralise("正常文本") == "正常文本" and exports.neutralise(5) == 5


def test_a_transferred_member_is_named_by_the_receiving_branch_only(demo_path, tmp_path, monkeypatch):
    """The demo moves 医务部党支部 (B28)'s last 党员 to 党委办公室党支部 (B27) on 2025-07-01: B27's
    secretary sees the member's whole record (the B28 quarters too), B28's sees its own aggregates
    of those quarters but not the name (analysis/registers/transfers.py states the rule)."""
    con = duckdb.connect(str(demo_path), read_only=True)
    try:
        member, name = con.execute("SELECT t.member_id, m.name FROM member_transfer t JOIN member m USING (member_id) "
                                   "WHERE t.from_branch_id = 'B28'").fetchone()
        receiving = vanguard.member_index(con, scope=Scope("s27", "secretary", "B27"), first="2025Q1", last="2025Q4")
        record = receiving[receiving["member_id"] == member]
        assert list(zip(record["quarter"], record["branch_id"])) == [
            ("2025Q1", "B28"), ("2025Q2", "B28"), ("2025Q3", "B27"), ("2025Q4", "B27")]
        old = Scope("s28", "secretary", "B28")
        listed = vanguard.member_index(con, scope=old, first="2025Q1", last="2025Q4")
        assert member not in set(listed["member_id"]) and len(listed)
        # The old branch's aggregate of Q2 counts the member (B28's members now, plus the one who left).
        trend = vanguard.trend(con, scope=old, first="2025Q2", last="2025Q2", level="branch")
        now_in_b28 = con.execute("SELECT count(*) FROM member_quarter_index i JOIN member m USING (member_id) "
                                 "WHERE i.quarter = '2025Q2' AND m.branch_id = 'B28'").fetchone()[0]
        assert trend.set_index("unit_id").loc["B28", "n"] == now_in_b28 + 1
    finally:
        con.close()
    # B28's secretary walks the pages: the move is listed as 调出, the name nowhere.
    copy = tmp_path / "demo.duckdb"
    shutil.copy(demo_path, copy)
    writer = db.open_database(copy)
    try:
        auth.create_user(writer, username="s28", display_name="医务部书记", role="secretary", unit_id="B28",
                         password="Secret-B28-2026", actor=Scope.committee(), must_change_password=False)
    finally:
        writer.close()
    app = signed_in_app(copy, tmp_path, monkeypatch, "s28")
    try:
        shown = walk(app, ["registers", "profile", "vanguard", "org_life"])
        assert "调出" in shown["registers"] and "调出" in shown["profile"]
    finally:
        release()
    assert not any(name in text for text in shown.values())


def test_awards_and_yearly_meetings_follow_the_scope(demo_con):
    """The registers of issue #17 item 5 and 7: awardees and responsible members by name only within
    the member scope; researchers get the hospital's counts and shares, nothing per branch."""
    import datetime as dt

    from analysis.metrics import annual_meetings
    from analysis.registers import awards

    span = {"first": "2025Q1", "last": "2025Q4"}
    zongzhi = Scope("zongzhi", "secretary", "G01")
    allowed = set(member_branch_ids(demo_con, zongzhi))
    ranks = awards.awardee_ranks(demo_con, scope=zongzhi, **span)
    named = ranks["name"].notna()
    assert named.any() and (~named).any()
    assert set(ranks.loc[named, "branch_id"]) <= allowed and not set(ranks.loc[~named, "branch_id"]) & allowed
    zones = awards.duty_zones(demo_con, scope=zongzhi, **span)
    assert set(zones.loc[zones["member_name"].notna(), "branch_id"]) <= allowed
    researcher = Scope("yanjiu", "researcher")
    assert awards.award_counts(demo_con, scope=researcher, **span)["awards"].sum() > 0
    years = {"years": [2025], "as_of": dt.date(2026, 1, 31)}
    assert annual_meetings.lecturer_shares(demo_con, scope=researcher, **years)["general_branch_name"].tolist() == ["全院"]
    assert len(annual_meetings.annual_meeting_summary(demo_con, scope=researcher, **years)) == 2
    for call in (lambda: awards.awardee_ranks(demo_con, scope=researcher, **span),
                 lambda: awards.duty_zones(demo_con, scope=researcher, **span),
                 lambda: awards.awards_by_branch(demo_con, scope=researcher, **span),
                 lambda: annual_meetings.annual_meeting_compliance(demo_con, scope=researcher, **years)):
        with pytest.raises(PermissionError):
            call()
