"""Charts of many units (analysis/charts/): a fixed number of traces however many units there
are, WebGL above the configured number of points, and heatmap rows in rank order."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis import charts
from analysis.palette import ATTENTION, CHOSEN, GOOD

QUARTERS = ["2024Q1", "2024Q2", "2024Q3", "2024Q4"]


def unit_trend(units: int) -> pd.DataFrame:
    """``units`` units over four quarters; unit i's mean is 60 + i/10 + the quarter's number."""
    return pd.DataFrame([{"quarter": q, "unit_id": f"U{i:05d}", "unit_name": f"第{i}支部", "mean": 60 + i / 10 + k, "n": 10}
                         for i in range(units) for k, q in enumerate(QUARTERS)])


HOSPITAL = pd.DataFrame({"quarter": QUARTERS, "mean": [70.0, 71, 72, 73], "median": [70.0, 71, 72, 73],
                         "sd": [5.0] * 4, "n": [100] * 4})


@pytest.mark.parametrize("units", [20, 3000])
def test_trend_lines_stay_a_handful_of_traces(units):
    trend = unit_trend(units)
    fig = charts.unit_trend_lines(trend, HOSPITAL, chosen="U00010", title="t", y_title="y")
    lines = units * 4 <= 5000  # beyond charts.webgl_points points the field is drawn as bands
    fields = 1 if lines else 4
    # the field, band, hospital mean, 3 best, 3 worst, the chosen one
    assert len(fig.data) == fields + 2 + 3 + 3 + 1
    if lines:
        field = fig.data[0]
        assert field.name == "其他单位" and np.isnan(np.asarray(field.y, dtype=float)).sum() == units - 7
    else:
        rest = trend[~trend["unit_id"].isin({f"U{i:05d}" for i in (units - 1, units - 2, units - 3, 0, 1, 2, 10)})]
        expected = rest.groupby("quarter")["mean"].quantile([0.1, 0.9]).unstack()
        low, high = fig.data[0], fig.data[1]
        assert high.name == "其他单位（10%–90%）" and high.fill == "tonexty"
        assert list(low.y) == pytest.approx(list(expected[0.1])) and list(high.y) == pytest.approx(list(expected[0.9]))
        assert fig.data[3].name == "其他单位（25%–75%）"
    colours = {t.line.color for t in fig.data[fields + 2:]}
    assert colours == {GOOD, ATTENTION, CHOSEN}
    names = {a.text: a for a in fig.layout.annotations if a.showarrow}
    assert set(names) == {f"第{i}支部" for i in (units - 1, units - 2, units - 3, 0, 1, 2, 10)}
    top = names[f"第{units - 1}支部"]  # named at its line's end
    assert (top.x, top.y) == (3, 60 + (units - 1) / 10 + 3)
    # The best three end 0.1 apart: their names are pushed at least a line apart.
    heights = sorted(names[f"第{units - i}支部"].ay for i in (1, 2, 3))
    ys = np.concatenate([np.asarray(t.y, dtype=float) for t in fig.data])
    line = charts.END_LABEL_PX * (np.nanmax(ys) - np.nanmin(ys)) / (fig.layout.height - 200)
    assert line > 0.1 and all(b - a >= line - 1e-9 for a, b in zip(heights, heights[1:]))
    assert list(fig.layout.xaxis.ticktext) == ["2024年第1季度", "2024年第2季度", "2024年第3季度", "2024年第4季度"]


def test_gaps_keep_each_unit_its_own_line():
    fig = charts.unit_trend_lines(unit_trend(20), HOSPITAL, chosen=None, title="t", y_title="y")
    y = np.asarray(fig.data[0].y, dtype=float)
    runs = [len(run) for run in np.split(y, np.where(np.isnan(y))[0]) if len(run[~np.isnan(run)])]
    assert runs[0] == 4 and all(r == 5 for r in runs[1:])  # four points, then a gap, per unit


def test_webgl_threshold_comes_from_the_configuration(tmp_path, monkeypatch):
    toml = tmp_path / "hospital.toml"
    toml.write_text("[charts]\nwebgl_points = 50\n", encoding="utf-8")
    monkeypatch.setenv("PARTY_DASHBOARD_CONFIG", str(toml))
    # 14 grey units × 4 quarters = 56 points > 50: the trend shades its field as percentile bands,
    # and the rank chart draws its grey lines with WebGL.
    assert charts.unit_trend_lines(unit_trend(20), HOSPITAL, title="t", y_title="y").data[1].fill == "tonexty"
    ranking = unit_trend(20).rename(columns={"unit_id": "branch_id", "unit_name": "branch_name"})
    ranking["rank"] = ranking.groupby("quarter")["mean"].rank(ascending=False).astype(int)
    assert charts.rank_bump(ranking, title="t").data[0].type == "scattergl"


def test_rank_bump_marks_a_few_and_greys_the_rest():
    ranking = pd.DataFrame([{"quarter": q, "branch_id": f"B{i}", "branch_name": f"支部{i}", "rank": i}
                            for i in range(1, 101) for q in QUARTERS])
    fig = charts.rank_bump(ranking, commended={"B1", "B2"}, flagged={"B100"}, chosen={"B50"}, title="t")
    assert len(fig.data) == 5
    assert [t.name for t in fig.data[1:]] == ["表扬", "表扬", "需关注", "所选支部"]
    assert fig.layout.yaxis.dtick is None  # 100 branches: no tick every 5 ranks


def test_rank_bump_leaves_out_a_field_beyond_the_configured_lines(tmp_path, monkeypatch):
    toml = tmp_path / "hospital.toml"
    toml.write_text("[charts]\nfield_lines_max = 50\n", encoding="utf-8")
    monkeypatch.setenv("PARTY_DASHBOARD_CONFIG", str(toml))
    ranking = pd.DataFrame([{"quarter": q, "branch_id": f"B{i}", "branch_name": f"支部{i}", "rank": i}
                            for i in range(1, 101) for q in QUARTERS])
    fig = charts.rank_bump(ranking, commended={"B1"}, chosen={"B50"}, title="t")
    assert fig.data[0].name == "其余 98 个支部未画出" and list(fig.data[0].x) == [None]
    assert [t.name for t in fig.data[1:]] == ["表扬", "所选支部"] and len(fig.data[2].x) == len(QUARTERS)


def test_quarter_heatmap_rows_follow_the_latest_rank():
    ranking = pd.DataFrame({
        "quarter": ["2024Q3"] * 3 + ["2024Q4"] * 2,
        "branch_id": ["B1", "B2", "B3", "B2", "B1"], "branch_name": ["甲", "乙", "丙", "乙", "甲"],
        "rank": [1, 2, 3, 1, 2], "total": [90.0, 85, 80, 92, 88]})
    fig = charts.quarter_heatmap(ranking, value="total", title="t", colorbar="总分")
    assert list(fig.data[0].y) == ["乙", "甲", "丙"]  # 丙 has no latest rank: last
    assert fig.data[0].z[0][1] == 92


def test_boxes_are_drawn_from_their_figures():
    spread = pd.DataFrame({"group_id": ["G1", "G2"], "group_name": ["一总支", "二总支"], "n": [30, 40],
                           "mean": [85.0, 80], "q1": [82.0, 77], "median": [85.0, 80], "q3": [88.0, 83],
                           "lower_fence": [75.0, 70], "upper_fence": [95.0, 90]})
    fig = charts.distribution_box(spread, chosen="G2", title="t", x_title="x")
    assert [list(t.y) for t in fig.data] == [["一总支（n=30）"], ["二总支（n=40）"]]
    assert fig.data[1].marker.color == CHOSEN and list(fig.data[0].q1) == [82.0]
    assert "x" not in fig.data[0] or fig.data[0].x is None  # no member's value is sent


def test_word_cloud_draws_chinese_or_steps_aside(tmp_path):
    words = pd.DataFrame({"word": ["医疗质量", "人才培养"], "n": [30, 10]})
    assert charts.word_cloud(words, font=tmp_path / "missing.ttc") is None
    if charts.CJK_FONT.exists():
        png = charts.word_cloud(words)
        assert png[:8] == b"\x89PNG\r\n\x1a\n"


def test_ranking_bars_from_zero_with_threshold_and_mean():
    ranking = pd.DataFrame({"branch_id": ["B1", "B2"], "branch_name": ["甲", "乙"], "total": [95.0, 78.0], "rank": [1, 2]})
    fig = charts.ranked_bars(ranking, title="t", threshold=80, mean=86.5)
    assert fig.layout.xaxis.range[0] == 0
    lines = {shape.x0 for shape in fig.layout.shapes}
    assert lines == {80, 86.5}
    assert list(fig.data[0].customdata) == ["B1", "B2"]


def test_four_have_heat_map_and_ranking_cells_open_their_branch(demo_con):
    from analysis.metrics import four_have
    from analysis.scope import Scope
    from ui.profile import clicked_unit

    ev = four_have.evaluation(demo_con, scope=Scope.committee(), last="2025Q4")
    heat = charts.four_have_heatmap(ev.scores, title="t")
    ids = dict(zip(ev.scores["branch_name"], ev.scores["branch_id"]))
    rows = list(dict.fromkeys(ev.scores["branch_name"]))
    for name, line in zip(rows, heat.data[0].customdata):
        assert {cell[-1] for cell in line} == {ids[name]}
    last_row = rows[-1]
    assert clicked_unit({"selection": {"points": [{"customdata": heat.data[0].customdata[-1][0]}]}}) == ids[last_row]
    ranking = charts.four_have_ranking(ev.totals, title="t", candidate_ids=ev.candidate_ids)
    shown = [cell[-1] for trace in ranking.data for cell in trace.customdata]
    assert sorted(shown) == sorted(ev.totals.loc[ev.totals["complete"], "branch_id"])


def test_end_labels_keep_their_order_and_a_line_apart():
    values = [10.0, 10.1, 10.2, 30.0, 9.95]
    placed = charts.spread_positions(values, gap=1.0)
    ordered = sorted(range(len(values)), key=lambda i: values[i])
    steps = [placed[b] - placed[a] for a, b in zip(ordered, ordered[1:])]
    assert all(step >= 1.0 - 1e-9 for step in steps)
    assert placed[3] == 30.0  # alone: stays at its value
    # the close four are a block centred on their mean
    block = [placed[i] for i in (4, 0, 1, 2)]
    assert block == pytest.approx([10.0625 - 1.5, 10.0625 - 0.5, 10.0625 + 0.5, 10.0625 + 1.5])


def test_tooltips_print_what_the_tables_print():
    # The browser prints a template's %{x:.1f} from the float as it is (toFixed): 84.44999999999999,
    # an index of 84.45 by a float sum, would read 84.4 where the tables read 84.5.
    import plotly.graph_objects as go

    from analysis.formatting import fixed

    bars = go.Bar(x=[84.44999999999999, 84.25, None], y=["a", "b", "c"],
                  customdata=[[1, 2.675, "x", 3.14159], [2, 1.005, "y", 2.0], [3, None, "z", 1.0]],
                  hovertemplate="%{y} %{x:.1f} %{customdata[1]:.2f} %{customdata[2]} %{customdata[0]} "
                                "%{customdata[3]:.1f} %{customdata[3]:.3f}")
    heat = go.Heatmap(z=[[84.45, 1.25], [None, 2.5]], text=[["甲", "乙"], ["丙", "丁"]], texttemplate="%{text}",
                      hovertemplate="%{z:.1f}")
    percentiles = go.Scatter(x=[12.5, 40.4], y=[1, 2], hovertemplate="第 %{x:.0f} 百分位")
    fig = charts.hover_rounded(go.Figure([bars, heat, percentiles]))
    bars, heat, percentiles = fig.data
    assert [f"{v:.1f}" if v is not None else None for v in bars.x] == ["84.5", "84.3", None]
    assert [f"{v:.1f}" for v in bars.x[:2]] == [fixed(84.44999999999999, 1), fixed(84.25, 1)]
    assert [row[1] for row in bars.customdata] == [2.68, 1.01, None]  # 2.675 is stored as 2.67499...
    assert [row[2] for row in bars.customdata] == ["x", "y", "z"]  # text and raw values as they were
    assert [row[3] for row in bars.customdata] == [3.14159, 2.0, 1.0]  # two formats: left alone
    assert [list(r) for r in heat.z] == [[84.5, 1.3], [None, 2.5]] and heat.text[0][0] == "甲"
    assert list(percentiles.x) == [12.5, 40.4]  # a position printed whole would move: left alone


@pytest.mark.parametrize(("gaps", "low_room", "high_room"), [
    ([1.09, 1.06, 1.07], False, True),  # all above: room on the right only
    ([1.5, -2.0], True, True),
    ([-0.4, -0.1], True, False),
])
def test_gap_bars_leave_room_for_their_labels(gaps, low_room, high_room):
    fig = charts.gap_bars(pd.DataFrame({"name": [f"维度{i}" for i in range(len(gaps))], "gap": gaps}),
                          label="name", gap="gap", title="t", x_title="x")
    low, high = fig.layout.xaxis.range
    assert (low < min(0, min(gaps))) is low_room and low <= min(0, min(gaps))
    assert (high > max(0, max(gaps))) is high_room and high >= max(0, max(gaps))
    assert fig.data[0].text[0] == f"{gaps[0]:+.2f}"


def test_gap_bars_without_values_keep_the_automatic_range():
    fig = charts.gap_bars(pd.DataFrame({"name": ["甲"], "gap": [np.nan]}), label="name", gap="gap", title="t", x_title="x")
    assert fig.layout.xaxis.range is None
    assert fig.data[0].text == ("",)  # no "+nan" beside an empty bar
