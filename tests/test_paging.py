"""Pages and windows (ui/paging.py): tables send one page of rows, charts of many units a window.

The page-level tests lower the limits in a real configuration file so that the 34-branch demo
counts as "many units", which is what a provincial organisation is with the default limits.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest

from analysis.metrics import org
from analysis.palette import CHOSEN
from analysis.scope import Scope
from tests.apptest import open_data_boxes, open_section, release, signed_in_app
from ui import paging

UNITS = pd.DataFrame({"branch_id": [f"B{i:02d}" for i in range(1, 31)], "branch_name": [f"第{i}支部" for i in range(1, 31)]})


def test_pages_and_extremes():
    assert [paging.page_count(n, 10) for n in (0, 1, 10, 11, 30)] == [1, 1, 1, 2, 3]
    assert list(paging.page_of(UNITS, 3, 10)["branch_id"]) == [f"B{i}" for i in range(21, 31)]
    assert list(paging.page_of(UNITS, 4, 10)["branch_id"]) == []
    assert list(paging.extremes(UNITS, 2)["branch_id"]) == ["B01", "B02", "B29", "B30"]
    assert len(paging.extremes(UNITS, 15)) == 30  # fewer than 2n: all of them


def test_kept_units_join_the_window_in_order():
    shown = paging.extremes(UNITS, 2)
    kept = paging.with_kept(UNITS, shown, id_column="branch_id", keep={"B15", "B01", "nobody"})
    assert list(kept["branch_id"]) == ["B01", "B02", "B15", "B29", "B30"]


@pytest.fixture()
def small_limits(tmp_path, monkeypatch):
    """Limits under which the demo's 34 branches are many: windows of 3 + 3, tables of 50 rows."""
    toml = tmp_path / "hospital.toml"
    toml.write_text("[charts]\nmax_units = 10\nextreme_n = 3\npage_rows = 8\ntable_rows = 50\n", encoding="utf-8")
    monkeypatch.setenv("PARTY_DASHBOARD_CONFIG", str(toml))


@pytest.fixture()
def app(demo_path, tmp_path, monkeypatch, small_limits):
    app = signed_in_app(demo_path, tmp_path, monkeypatch, "dangban")
    yield app
    release(app)


def chart(app, key: str) -> dict:
    return json.loads(next(c for c in app.get("plotly_chart") if c.proto.id.endswith(key) or key in c.proto.id).proto.spec)


def test_many_branches_show_the_best_the_worst_and_the_chosen(app, demo_con):
    app.run()
    app.switch_page("pages/assessment.py").run()
    assert not app.exception, [e.value for e in app.exception]
    bars = chart(app, "ranked")["data"][0]
    assert len(bars["y"]) == 6 and "前 3 个与后 3 个，共 34 个支部" in chart(app, "ranked")["layout"]["title"]["text"]
    ranks = [int(t.split("第")[1].rstrip("名）")) for t in bars["text"]]
    assert ranks == sorted(ranks) and ranks[:3] == [1, 2, 3] and ranks[-1] >= 32
    # A branch searched for joins the window, wherever it ranks, in its own colour.
    names = org.unit_names(demo_con, scope=Scope.committee())
    middle = next(b for b in sorted(names) if b.startswith("B") and names[b] not in bars["y"])
    app.selectbox(key="ranked_find").set_value(middle).run()
    bars = chart(app, "ranked")["data"][0]
    assert len(bars["y"]) == 7 and names[middle] in bars["y"]
    assert sum(c == CHOSEN for c in bars["marker"]["color"]) == 1
    # Paging instead: one page of 8 branches, then the next.
    app.segmented_control(key="ranked_mode").set_value("pages").run()
    first_page = chart(app, "ranked")["data"][0]["y"]
    app.number_input(key="ranked_page").set_value(2).run()
    second_page = chart(app, "ranked")["data"][0]["y"]
    assert len(first_page) == len(second_page) == 9 and set(first_page) & set(second_page) == {names[middle]}


def test_tables_send_one_page_and_offer_every_row_for_download(app):
    app.run()
    app.switch_page("pages/vanguard.py").run()
    open_section(app, "vanguard", "年度评定与星级").toggle(key="vanguard_appraisal").set_value(True).run()
    assert not app.exception, [e.value for e in app.exception]
    appraisal = next(d.value for d in app.dataframe if "年度指数" in d.value.columns)
    assert len(appraisal) == 50  # of 640 members
    page = app.number_input(key="appraisal_page")
    assert page.value == 1 and page.max == 13
    page.set_value(13).run()
    last = next(d.value for d in app.dataframe if "年度指数" in d.value.columns)
    assert len(last) == 640 - 12 * 50
    # A narrower filter leaves fewer pages: the remembered page is brought back into range.
    app.sidebar.selectbox(key="general_branch").set_value("G01").run()
    assert not app.exception, [e.value for e in app.exception]
    assert app.number_input(key="appraisal_page").value <= app.number_input(key="appraisal_page").max


@pytest.fixture()
def short_lists(demo_path, tmp_path, monkeypatch):
    """The app under limits for which the demo's 34 branches are too many to list (5)."""
    toml = tmp_path / "hospital.toml"
    toml.write_text("[charts]\nmax_units = 10\nextreme_n = 3\nfind_list_max = 5\n", encoding="utf-8")
    monkeypatch.setenv("PARTY_DASHBOARD_CONFIG", str(toml))
    app = signed_in_app(demo_path, tmp_path, monkeypatch, "dangban")
    yield app
    release(app)


def test_above_the_list_limit_the_search_starts_from_typed_text(short_lists, demo_con):
    app = short_lists
    app.run()
    app.switch_page("pages/assessment.py").run()
    # No list of every branch is sent: only a text box until something is typed (the
    # indicator section shows the first-ranked branch meanwhile).
    open_section(app, "assessment", "支部指标分析")
    assert not [s for s in app.selectbox if s.key in ("ranked_find", "assessment_branch", "assessment_branch_find")]
    assert app.text_input(key="assessment_branch_query") is not None
    assert any(c.value.startswith("当前：") for c in app.caption)
    names = org.unit_names(demo_con, scope=Scope.committee())
    bars = chart(app, "ranked")["data"][0]
    middle = next(b for b in sorted(names) if b.startswith("B") and names[b] not in bars["y"])
    app.text_input(key="ranked_query").set_value(names[middle]).run()
    found = app.selectbox(key="ranked_find")
    assert found.options == [names[middle]] and found.value == middle
    assert names[middle] in chart(app, "ranked")["data"][0]["y"]
    # A common character matches many: at most find_list_max are listed, and the count is said.
    app.text_input(key="ranked_query").set_value("党支部").run()
    found = app.selectbox(key="ranked_find")
    assert len(found.options) == 5 and "列出前 5 个" in found.label
    app.text_input(key="ranked_query").set_value("没有这个").run()
    assert not [s for s in app.selectbox if s.key == "ranked_find"]
    assert any("没有名称含" in c.value for c in app.caption)


def test_above_the_list_limit_a_branch_is_chosen_within_its_general_branch(short_lists):
    app = short_lists
    app.run()
    branch = app.sidebar.selectbox(key="branch")
    assert branch.options == ["全部支部"] and "先选择党总支" in branch.help  # not all 34 branches
    app.sidebar.selectbox(key="general_branch").set_value("G01").run()
    assert len(app.sidebar.selectbox(key="branch").options) == 1 + 6
    app.sidebar.selectbox(key="branch").set_value("B01").run()
    assert app.sidebar.selectbox(key="branch").value == "B01"
    # Back to every 总支: the chosen branch stays chosen (as with a short list) and listed alone.
    app.sidebar.selectbox(key="general_branch").set_value("").run()
    branch = app.sidebar.selectbox(key="branch")
    assert branch.value == "B01" and len(branch.options) == 2
    branch.set_value("").run()
    assert app.sidebar.selectbox(key="branch").options == ["全部支部"]


def test_the_meeting_heat_map_gets_the_cells_of_the_ranked_window_and_the_box_every_branch(app):
    app.run()
    app.switch_page("pages/org_life.py").run()
    assert not app.exception, [e.value for e in app.exception]
    heat, ranked = chart(app, "compliance_heatmap"), chart(app, "compliance_ranking")
    assert "前 3 个与后 3 个" in heat["layout"]["title"]["text"] and len(ranked["data"][0]["y"]) == 6
    # Six branches, and every cell of each drawn: the last of a cell's data is its branch id, empty
    # for a branch whose cells were not asked for.
    cells = [cell for trace in heat["data"] if trace.get("customdata") for line in trace["customdata"] for cell in line]
    assert len({cell[-1] for cell in cells}) == 6 and all(cell[-1] for cell in cells)
    # The data box under it has every branch's cells: 34 branches x 4 quarters of 支部党员大会,
    # 50 rows a page.
    open_data_boxes(app)
    assert not app.exception, [e.value for e in app.exception]
    assert app.number_input(key="grid_page").max == 3
