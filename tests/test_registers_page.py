"""党务台账 (pages/registers.py) under AppTest on the demo: each section's figures match the
analysis functions, and a branch secretary sees names of their own branch only."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from analysis.registers import composition, development, secretaries
from analysis.scope import Scope
from tests.apptest import release, signed_in_app
from tests.test_pages import chart_titles, metrics, opened

YEAR_END = dt.date(2025, 12, 31)


@pytest.fixture()
def page(demo_path, tmp_path, monkeypatch):
    def open_as(username: str = "dangban"):
        return opened(signed_in_app(demo_path, tmp_path, monkeypatch, username), "pages/registers.py")

    yield open_as
    release()


def test_sections_show_the_demo_registers(page, demo_con):
    app = page()
    shown = metrics(app)
    # The demo: two rectifications open past their deadline, one within it, two closed (analysis/demo_registers).
    assert (shown["整改中"], shown["已逾期"], shown["已销号"]) == ("1", "2", "2")
    # 35 received as 预备党员 in 2025 (发展党员35人).
    assert shown["2025年发展党员"] == "35 人"
    coverage = secretaries.double_leader_coverage(demo_con, scope=Scope.committee(), as_of=YEAR_END).iloc[0]
    assert shown["双带头人覆盖率"] == f"{coverage['pct']:.1f}%"
    assert shown["逾期未换届"] == "3"
    mix = composition.composition(demo_con, scope=Scope.committee(), as_of=YEAR_END).set_index("group")
    hospital = mix[mix["unit_id"].isna()]
    assert shown["一线党员"] == f"{hospital.loc['一线党员', 'pct']:.1f}%"
    titles = " ".join(chart_titles(app))
    for words in ("各年度到达各阶段的人数", "双培养", "双带头人覆盖率", "各年度荣誉表彰", "各年度派出人·天", "党员的比例",
                  "党员结构"):
        assert words in titles
    # 13 支部工作法 (seed 002) and 5 brands.
    assert (shown["支部工作法"], shown["党建品牌"]) == ("13 项", "5 个")
    tables = [frame.value for frame in app.dataframe]
    overdue = next(t for t in tables if "预备期满" in t.columns)
    expected = development.overdue_probation(demo_con, scope=Scope.committee(), as_of=YEAR_END)
    assert sorted(overdue["姓名"]) == sorted(expected["name"]) and len(expected) == 3
    # 亮分公示 of the first branch in scope for the last quarter, with its printable download.
    assert "心血管内科党支部2025年第4季度党员先锋指数亮分公示" in [h.value for h in app.subheader]
    notice = next(t for t in tables if "先锋指数" in t.columns and "名次" in t.columns)
    assert notice["名次"].iloc[0] == 1 and notice["先锋指数"].is_monotonic_decreasing
    # 党员调动: the demo's five moves in 2025, listed with names for the committee.
    moves = next(t for t in tables if "调入支部" in t.columns)
    expected = demo_con.execute("SELECT m.name FROM member_transfer t JOIN member m USING (member_id)").fetchall()
    assert sorted(moves["姓名"]) == sorted(n for (n,) in expected) and len(expected) == 5
    assert set(moves["方向"]) == {"内部"} and set(moves["生效日期"].astype(str)) == {"2025-07-01", "2025-08-15"}
    counts = next(t for t in tables if "调动人次" in t.columns)
    assert counts[["年度", "调动原因", "调动人次"]].values.tolist() == [[2025, "调动", 5]]


def test_a_branch_secretary_sees_names_of_their_branch_only(page, demo_path):
    app = page("zhibu")  # the secretary of B01 (心血管内科党支部)
    con = duckdb.connect(str(demo_path), read_only=True)
    try:
        others = {r[0] for r in con.execute(
            "SELECT name FROM branch_secretary WHERE branch_id <> 'B01' UNION SELECT name FROM party_development "
            "WHERE branch_id <> 'B01' UNION SELECT name FROM deployment WHERE branch_id <> 'B01'").fetchall()}
        mine = {r[0] for r in con.execute("SELECT name FROM branch_secretary WHERE branch_id = 'B01' "
                                          "QUALIFY term_start = max(term_start) OVER ()").fetchall()}
    finally:
        con.close()
    cells = {str(v) for frame in app.dataframe for v in frame.value.to_numpy().ravel()}
    assert not others & cells
    assert mine <= cells


def test_awards_tab_shows_the_quarterly_awards_and_zones(page, demo_con):
    from analysis.registers import awards

    app = page()
    counts = awards.award_counts(demo_con, scope=Scope.committee(), first="2025Q1", last="2025Q4")
    posts = int(counts.loc[counts["kind"] != "red_flag", "awards"].sum())
    shown = metrics(app)
    # Every quarter: seven 总支 posts and a 领航先锋岗 (32 in 2025), two 红旗责任区 (8).
    assert (shown["先锋岗（人次）"], shown["红旗责任区（次）"]) == (str(posts), "8") and posts == 32
    assert shown["党员责任区"] == "20"  # one or two wards of each inpatient department
    assert any(t.startswith("各季度先锋岗与红旗责任区评选") for t in chart_titles(app))
    ranks = next(frame.value for frame in app.dataframe if "支部内名次" in frame.value.columns)
    assert len(ranks) == 32 and set(ranks["类别"]) <= {"服务领跑先锋岗", "技能领跑先锋岗", "创新领跑先锋岗",
                                                      "绩效领跑先锋岗", "管理领跑先锋岗", "领航先锋岗"}
