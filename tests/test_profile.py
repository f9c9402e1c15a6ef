"""支部画像 (analysis/metrics/profile.py, pages/profile.py) and what issue #14 asks of every page:
bars from zero (or a declared line/dot chart), Chinese quarter labels, no "None"/"nan" cell."""

from __future__ import annotations

import base64
import json
import math
import re

import numpy as np
import pandas as pd
import pytest

from analysis.metrics import profile
from analysis.scope import Scope
from tests.apptest import each_section, release, signed_in_app

COMMITTEE = Scope.committee()
PAGES = ["overview", "vanguard", "assessment", "four_have", "org_life", "tasks", "profile", "business", "survey",
         "report", "data_import", "admin", "account"]


def branch_totals(con) -> pd.DataFrame:
    """Every branch's quarterly total straight from the scores (independent of derived tables)."""
    return con.execute(
        "SELECT s.quarter, s.branch_id, l.general_branch_id, sum(s.score)::DOUBLE AS total "
        "FROM branch_score s JOIN branch_lineage l USING (branch_id) GROUP BY ALL").df()


def test_total_comparison_against_pandas(demo_con):
    got = profile.total_comparison(demo_con, scope=COMMITTEE, unit="B01", first="2025Q1", last="2025Q4")
    totals = branch_totals(demo_con)
    totals = totals[totals["quarter"].between("2025Q1", "2025Q4")]
    assert list(got["quarter"]) == ["2025Q1", "2025Q2", "2025Q3", "2025Q4"]
    for row in got.itertuples():
        q = totals[totals["quarter"] == row.quarter]
        mine = q.loc[q["branch_id"] == "B01", "total"].iloc[0]
        assert row.unit_total == pytest.approx(mine)
        assert row.general_branch_mean == pytest.approx(q.loc[q["general_branch_id"] == "G01", "total"].mean())
        assert row.hospital_mean == pytest.approx(q["total"].mean())
        # competition ranking: 1 + the branches with a strictly higher total
        assert row.rank == 1 + int((q["total"].round(9) > round(mine, 9)).sum())
        assert row.branches == len(q)
    general = profile.total_comparison(demo_con, scope=COMMITTEE, unit="G01", first="2025Q4", last="2025Q4").iloc[0]
    q4 = totals[(totals["quarter"] == "2025Q4") & (totals["general_branch_id"] == "G01")]
    assert general.unit_total == pytest.approx(q4["total"].mean())


def test_lost_points_sum_to_what_the_total_misses(demo_con):
    lost = profile.lost_points(demo_con, scope=COMMITTEE, unit="B01", quarter="2025Q4")
    totals = branch_totals(demo_con)
    total = totals[(totals["quarter"] == "2025Q4") & (totals["branch_id"] == "B01")]["total"].iloc[0]
    assert len(lost) == 16
    assert lost["max_points"].sum() == pytest.approx(100)
    assert lost["lost"].sum() == pytest.approx(100 - total)
    assert list(lost["lost"]) == sorted(lost["lost"], reverse=True)
    assert (lost["gap"] == lost["score"] - lost["hospital_mean"]).all()


def test_subject_and_researchers(demo_con):
    branch = profile.subject(demo_con, scope=COMMITTEE, unit="B01")
    assert (branch.level, branch.general_branch_id, branch.branches) == ("branch", "G01", 1)
    general = profile.subject(demo_con, scope=COMMITTEE, unit="G01")
    assert (general.level, general.branches) == ("general_branch", 6)
    assert profile.subject(demo_con, scope=COMMITTEE, unit="X99") is None
    with pytest.raises(PermissionError):
        profile.subject(demo_con, scope=Scope("r", "researcher"), unit="B01")


@pytest.fixture()
def app_as(demo_path, tmp_path, monkeypatch):
    def open_as(username: str):
        return signed_in_app(demo_path, tmp_path, monkeypatch, username)

    yield open_as
    release()


def test_profile_by_url_and_scope(app_as):
    app = app_as("zhibu")
    app.query_params["id"] = "B20"
    app.run()
    app.switch_page("pages/profile.py").run()
    assert not app.exception, [e.value for e in app.exception]
    assert app.title[0].value.startswith("支部画像：")
    # Another general branch's branch: its aggregates, but no member of it by name.
    assert any("不在您的查看范围内" in i.value for i in app.info)
    sections = [s.value for s in app.subheader]
    assert sections[:3] == ["排名与趋势", "失分指标", "党员先锋指数"] and "表扬与需关注" in sections
    app = app_as("zhibu")
    app.run()
    app.switch_page("pages/profile.py").run()
    assert "心血管内科党支部" in app.title[0].value  # the secretary's own branch by default
    assert not any("不在您的查看范围内" in i.value for i in app.info)


def _axis_values(trace: dict, axis: str) -> list:
    values = trace.get(axis)
    if isinstance(values, dict) and "bdata" in values:  # plotly's typed-array encoding
        values = np.frombuffer(base64.b64decode(values["bdata"]), dtype=values["dtype"]).tolist()
    return [v for v in values or [] if v is not None]


def check_figure(spec: dict, where: str) -> None:
    """Bars from zero (an explicit value range starts at or below 0); quarters in Chinese."""
    layout = spec.get("layout", {})
    for trace in spec.get("data", []):
        for axis in ("x", "y"):
            assert not [v for v in _axis_values(trace, axis) if isinstance(v, str) and re.fullmatch(r"\d{4}Q\d", v)], where
        if trace.get("type") != "bar":
            continue  # lines, dots, heat maps and boxes are declared charts: their range is the point
        value_axis = "xaxis" if trace.get("orientation") == "h" else "yaxis"
        span = (layout.get(value_axis) or {}).get("range")
        if span and span[0] is not None:
            values = [v for v in _axis_values(trace, value_axis[0]) if isinstance(v, int | float)]
            # below zero only for values that can be negative (gaps, correlations)
            assert span[0] <= 0 or min(values, default=0) < 0, (where, span)


def check_tables(app, where: str) -> None:
    for frame in app.dataframe:
        value = frame.value
        if not isinstance(value, pd.DataFrame):
            continue
        for column in value.columns:
            for cell in value[column].tolist():
                assert cell is not None and not (isinstance(cell, float) and math.isnan(cell)), (where, column)
                assert str(cell) not in ("None", "nan", "NaN", "<NA>", "NaT"), (where, column)


@pytest.mark.parametrize("unit", [None, "B18"])
def test_every_chart_from_zero_and_no_empty_cells(app_as, unit):
    app = app_as("dangban")
    app.run()
    if unit:
        app.sidebar.selectbox(key="general_branch").set_value("G04").run()
        app.sidebar.selectbox(key="branch").set_value(unit).run()
    charts = 0
    for page in PAGES:
        app.switch_page(f"pages/{page}.py")
        for section in each_section(app, page):
            assert not section.exception, (page, [e.value for e in section.exception])
            for chart in section.get("plotly_chart"):
                check_figure(json.loads(chart.proto.spec), page)
                charts += 1
            check_tables(section, page)
    assert charts > 20


def test_profile_shows_the_yearly_meetings_of_a_branch_and_the_gaps_of_a_general_branch(app_as):
    app = app_as("dangban")
    app.query_params["id"] = "B06"   # 肾内科党支部 missed its 2025 组织生活会 in the demo
    app.run()
    app.switch_page("pages/profile.py").run()
    assert not app.exception, [e.value for e in app.exception]
    assert "组织生活会与民主评议" in [s.value for s in app.subheader]
    yearly = next(d.value for d in app.dataframe if {"会议类型", "状态", "召开日期"} <= set(d.value.columns))
    status = dict(zip(yearly["会议类型"], yearly["状态"]))
    assert status == {"组织生活会": "缺漏", "民主评议党员": "达标"}
    assert any(c.value.startswith("委员带头讲党课：2025年") for c in app.caption)
    app.query_params["id"] = "G01"
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    gaps = next(d.value for d in app.dataframe if {"会议类型", "状态", "党支部"} <= set(d.value.columns))
    assert gaps["党支部"].tolist() == ["肾内科党支部"]


def test_profile_lists_the_awards_of_the_branch(app_as, demo_con):
    from analysis.registers import awards

    app = app_as("zhibu")  # the secretary of B01: its awardees by name
    app.run()
    app.switch_page("pages/profile.py").run()
    assert not app.exception, [e.value for e in app.exception]
    assert "先锋岗与责任区" in [s.value for s in app.subheader]
    expected = awards.awardee_ranks(demo_con, scope=Scope.committee(), first="2025Q1", last="2025Q4", unit="B01")
    shown = next(d.value for d in app.dataframe if "支部内名次" in d.value.columns)
    assert sorted(shown["姓名"]) == sorted(expected["name"]) and len(shown) > 0
