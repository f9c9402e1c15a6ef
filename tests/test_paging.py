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
from tests.apptest import release, signed_in_app
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
    app.toggle(key="vanguard_appraisal").set_value(True).run()
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
