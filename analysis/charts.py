"""Chart styling in one place: every plotly figure of the app and the reports is made here.

Figures take tidy DataFrames from the analysis functions and never compute statistics; they
only choose marks, labels and colours. Titles name the subject and the period.
"""

from __future__ import annotations

import tempfile
from collections.abc import Collection
from io import BytesIO
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from analysis import config as config_mod
from analysis.formatting import count, plotly_text
from analysis.labels import RATERS
from analysis.palette import (
    ATTENDANCE,
    ATTENTION,
    AXIS_LINE,
    BROWN,
    CHOSEN,
    DIVERGING_SCALE,
    GOOD,
    GOOD_LIGHT,
    GRADES,
    GRID,
    GRID_LIGHT,
    IN_PROGRESS,
    LABEL_INK,
    LIKERT_HIGH,
    LIKERT_LOW,
    LIKERT_MID,
    MAGENTA,
    MEASURE,
    MUTED,
    NEUTRAL,
    NO_DATA,
    NOT_FOUNDED,
    OLIVE,
    ON_DARK,
    OUTLINE_INK,
    PALETTE,
    PLUM,
    POLAR_GRID,
    PURPLE,
    RATING_SCALE,
    REFERENCE_INK,
    RESIDUAL_SCALE,
    SAND,
    SERIES,
    SLATE,
    SUBTITLE_INK,
    SWATCH_EDGE,
    TEAL,
    WHISKER,
    WHISKER_DARK,
    WHITE,
    ZERO_LINE,
    translucent,
)
from analysis.periods import label as quarter_label
from analysis.periods import short_label

FONT_FAMILY = "Noto Sans CJK SC, Source Han Sans SC, Microsoft YaHei, PingFang SC, SimHei, sans-serif"


def quarter_text(quarters) -> list[str]:
    """Axis labels of ``quarters``: '2025年第4季度' for up to four of them, '25Q4' beyond, where the
    long labels would overlap (1440 px wide, half-width cards)."""
    quarters = list(quarters)
    return [quarter_label(q) if len(quarters) <= 4 else short_label(q) for q in quarters]


def _style(fig: go.Figure, *, title: str, height: int, y_title: str | None = None, x_title: str | None = None) -> go.Figure:
    """House style. ``title`` is text (escaped: it may hold a unit's name); lines after a
    "<br>" are set as a smaller grey subtitle."""
    fig.update_layout(
        title={"text": _subtitle(title), "x": 0.0, "xanchor": "left", "font": {"size": 15}},
        font={"family": FONT_FAMILY, "size": 12},
        height=height,
        margin={"l": 48, "r": 16, "t": 48, "b": 40},
        colorway=PALETTE,
        plot_bgcolor=WHITE,
        legend={"orientation": "h", "y": -0.2},
        hoverlabel={"font_family": FONT_FAMILY},
    )
    fig.update_xaxes(title_text=x_title, showgrid=False, linecolor=AXIS_LINE)
    fig.update_yaxes(title_text=y_title, gridcolor=GRID, zeroline=False)
    return fig


def vanguard_trend(trend: pd.DataFrame, *, title: str, height: int = 260, x: list | None = None) -> go.Figure:
    """Hospital mean index per quarter with the interquartile-free ±1 sd band and n on hover.

    ``x``: the quarters' positions on the axis (default their labels, a category axis).
    """
    labels = quarter_text(trend["quarter"])
    x = labels if x is None else list(x)
    fig = go.Figure()
    fig.add_trace(go.Scatter(
        x=x + x[::-1],
        y=list(trend["mean"] + trend["sd"]) + list((trend["mean"] - trend["sd"])[::-1]),
        mode="lines", fill="toself", fillcolor=translucent(MEASURE, 0.10), line={"width": 0}, hoverinfo="skip", name="±1 标准差",
    ))
    fig.add_trace(go.Scatter(
        x=x, y=trend["mean"], mode="lines+markers", name="均值", line={"color": MEASURE, "width": 2.5},
        customdata=list(zip(trend["n"].tolist(), trend["median"].tolist(), labels)),
        hovertemplate="%{customdata[2]}<br>均值 %{y:.1f}<br>中位数 %{customdata[1]:.1f}<br>n=%{customdata[0]}<extra></extra>",
    ))
    return _style(fig, title=title, height=height, y_title="先锋指数")


def total_trend(trend: pd.DataFrame, *, title: str, height: int = 260) -> go.Figure:
    """Mean branch total per quarter with the range (lowest to highest branch)."""
    x = quarter_text(trend["quarter"])
    fig = go.Figure()
    fig.add_trace(go.Scatter(
        x=x + x[::-1], y=list(trend["max"]) + list(trend["min"][::-1]), mode="lines", fill="toself",
        fillcolor=translucent(MEASURE, 0.10), line={"width": 0}, hoverinfo="skip", name="最低—最高",
    ))
    fig.add_trace(go.Scatter(
        x=x, y=trend["mean"], mode="lines+markers", name="支部均分", line={"color": MEASURE, "width": 2.5},
        customdata=trend[["n"]], hovertemplate="%{x}<br>均分 %{y:.1f}<br>支部数 %{customdata[0]}<extra></extra>",
    ))
    return _style(fig, title=title, height=height, y_title="考核总分（百分制）")


def completion_trend(trend: pd.DataFrame, *, title: str, height: int = 260) -> go.Figure:
    x = quarter_text(trend["quarter"])
    fig = go.Figure(go.Bar(
        x=x, y=trend["rate"], marker_color=MEASURE, customdata=trend[["done", "total"]],
        text=[f"{r:.2f}%" if pd.notna(r) else "" for r in trend["rate"]], textposition="outside",
        hovertemplate="%{x}<br>完成率 %{y:.2f}%<br>%{customdata[0]}/%{customdata[1]} 项<extra></extra>",
    ))
    fig = _style(fig, title=title, height=height, y_title="完成率（%）")
    fig.update_yaxes(range=[0, 110])
    return fig


def share_by_group(shares: pd.DataFrame, *, title: str, height: int = 260) -> go.Figure:
    """Share per group with its 95% CI as error bars and n in the label."""
    fig = go.Figure(go.Bar(
        x=[f"{plotly_text(g)}（n={n:,}）" for g, n in zip(shares["group"], shares["n"])],
        y=shares["pct"],
        marker_color=SERIES[: len(shares)],
        error_y={"type": "data", "symmetric": False, "array": shares["ci_high"] - shares["pct"],
                 "arrayminus": shares["pct"] - shares["ci_low"], "color": REFERENCE_INK},
        text=[f"{p:.0f}%" for p in shares["pct"]], textposition="inside", insidetextfont={"color": WHITE, "size": 16},
        hovertemplate="%{x}<br>%{y:.1f}%<extra></extra>",
    ))
    fig = _style(fig, title=title, height=height, y_title="比例（%）")
    fig.update_yaxes(range=[0, 105])
    return fig


# --- 四有工程 and 办实事 (analysis/four_have.py, analysis/tasks.py) -----------------------------
def four_have_heatmap(scores: pd.DataFrame, *, title: str, branch_order: list[str] | None = None) -> go.Figure:
    """Branch × dimension: colour is the gap to the hospital mean of that dimension, text the score;
    each cell carries its branch id last in ``customdata``, so a click can open the branch.

    ``scores`` is ``four_have.branch_scores``; ``branch_order`` (branch names, top row first, e.g.
    by rank) may list branches without scores, which then show as an empty row.
    """
    dims = list(dict.fromkeys(scores["dimension_name"]))
    rows = branch_order if branch_order is not None else list(dict.fromkeys(scores["branch_name"]))
    grid = {(r.branch_name, r.dimension_name): r for r in scores.itertuples()}

    def cell(name: str, dim: str, column: str):
        row = grid.get((name, dim))
        return None if row is None else getattr(row, column)

    z = [[cell(b, d, "gap") for d in dims] for b in rows]
    text = [[("" if (v := cell(b, d, "score")) is None else f"{v:.1f}") for d in dims] for b in rows]
    ids = dict(zip(scores["branch_name"], scores["branch_id"]))  # the last item: a click opens the branch
    custom = [[[cell(b, d, "hospital_mean"), cell(b, d, "dimension_rank"), cell(b, d, "self_score"), ids.get(b)]
               for d in dims] for b in rows]
    limit = max([abs(v) for line in z for v in line if v is not None and pd.notna(v)] or [1.0])
    fig = go.Figure(go.Heatmap(
        z=z, x=dims, y=[plotly_text(b) for b in rows], text=text, texttemplate="%{text}", customdata=custom,
        colorscale=DIVERGING_SCALE, zmid=0, zmin=-limit, zmax=limit, xgap=2, ygap=2,
        colorbar={"title": {"text": "与全院<br>均值差"}, "thickness": 12},
        hovertemplate="%{y} · %{x}<br>得分 %{text}（自评 %{customdata[2]}）<br>全院均值 %{customdata[0]:.2f}"
                      "<br>与均值差 %{z:+.2f}<br>该维度第 %{customdata[1]} 名<extra></extra>",
    ))
    fig = _style(fig, title=title, height=max(220, 24 * len(rows) + 120), x_title="四有维度", y_title="党支部")
    fig.update_yaxes(autorange="reversed", gridcolor=None, showgrid=False)
    fig.update_xaxes(side="bottom")
    fig.update_layout(margin={"l": 160})
    return fig


def four_have_ranking(totals: pd.DataFrame, *, title: str, candidate_ids: Collection[str] = (),
                      highlight: Collection[str] = ()) -> go.Figure:
    """Ranked 四有 totals (complete sheets only): named 示范点 in GOOD, other candidates in
    GOOD_LIGHT, the rest MUTED; ★ marks every branch meeting the candidate rule; dashed line = hospital mean;
    the ``highlight`` branch ids are outlined and marked ▶; each bar carries its branch id last in
    ``customdata``.

    ``totals`` is ``four_have.branch_totals``; ``candidate_ids`` the branch ids of
    ``four_have.site_candidates`` with ``candidate`` true.
    """
    ranked = totals[totals["complete"]].sort_values(["rank", "branch_id"])
    candidates = set(candidate_ids)
    labels = [f"{'▶ ' if b in highlight else ''}{r}. {plotly_text(name)}"
              for b, r, name in zip(ranked["branch_id"], ranked["rank"], ranked["branch_name"])]
    groups = (
        ("已命名示范点", GOOD, ranked["is_site"].to_numpy()),
        ("候选（尚未命名）", GOOD_LIGHT, (~ranked["is_site"] & ranked["branch_id"].isin(candidates)).to_numpy()),
        ("其他支部", MUTED, (~ranked["is_site"] & ~ranked["branch_id"].isin(candidates)).to_numpy()),
    )
    fig = go.Figure()
    for name, colour, mask in groups:
        part = ranked[mask]
        fig.add_trace(go.Bar(
            y=[lab for lab, m in zip(labels, mask) if m], x=part["total"], orientation="h", name=name,
            marker={"color": colour, "line": {"color": OUTLINE_INK,
                                              "width": [2.5 if b in highlight else 0 for b in part["branch_id"]]}},
            text=[f"{'★ ' if b in candidates else ''}{t:.1f}" for b, t in zip(part["branch_id"], part["total"])],
            textposition="outside", cliponaxis=False,
            customdata=list(zip(part["gap"], [_rank_change_text(c) for c in part["rank_change"]], part["branch_id"])),
            hovertemplate="%{y}<br>总分 %{x:.1f}<br>与全院均值差 %{customdata[0]:+.1f}<br>%{customdata[1]}"
                          "<extra>%{fullData.name}</extra>",
        ))
    if len(ranked):
        mean = float(ranked["hospital_mean"].iloc[0])
        fig.add_vline(x=mean, layer="below", line={"color": REFERENCE_INK, "dash": "dash", "width": 1})
        fig.add_annotation(x=mean, y=1.0, yref="paper", yanchor="bottom", text=f"全院均值 {mean:.1f}",
                           showarrow=False, font={"size": 11, "color": REFERENCE_INK})
    top = float(ranked["max_total"].max()) if len(ranked) else 100.0
    height = max(320, 22 * len(ranked) + 170)
    fig = _style(fig, title=title, height=height, x_title=f"四有总分（满分{top:g}；★ 符合示范点候选条件）",
                 y_title="党支部（按总分排名）")
    fig.update_yaxes(categoryorder="array", categoryarray=labels, autorange="reversed", showgrid=False)
    fig.update_xaxes(range=[0, top * 1.08], showgrid=True, gridcolor=GRID)
    fig.update_layout(barmode="overlay", margin={"l": 190, "t": 72, "b": 96},
                      legend={"orientation": "h", "yref": "container", "y": 0, "yanchor": "bottom",
                              "x": 0.5, "xanchor": "center"})
    return fig


def _rank_change_text(change) -> str:
    if change is None or pd.isna(change):
        return "上年无排名"
    change = int(change)
    return "名次与上年持平" if change == 0 else f"较上年上升 {change} 名" if change > 0 else f"较上年下降 {-change} 名"


def task_completion_bars(frame: pd.DataFrame, *, label: str, title: str, y_title: str,
                         overall: float | None = None) -> go.Figure:
    """Completion rate per group (category or branch) as horizontal bars labelled rate (done/total).

    ``frame`` is ``tasks.by_category`` or ``tasks.by_branch``; ``label`` the column naming the
    group; ``overall`` (percent) draws the rate of all tasks as a dashed line.
    """
    labels = [plotly_text(v) for v in frame[label].tolist()]
    fig = go.Figure(go.Bar(
        y=labels, x=frame["rate"], orientation="h", marker_color=MEASURE,
        text=[f"{r:.2f}%（{d}/{t}）" for r, d, t in zip(frame["rate"], frame["done"], frame["total"])],
        textposition="outside", cliponaxis=False,
        customdata=frame[["done", "total", "overdue"]],
        hovertemplate="%{y}<br>完成率 %{x:.2f}%<br>已完成 %{customdata[0]} / %{customdata[1]} 项"
                      "<br>逾期未完成 %{customdata[2]} 项<extra></extra>",
    ))
    if overall is not None:
        fig.add_vline(x=overall, line={"color": REFERENCE_INK, "dash": "dash", "width": 1})
        fig.add_annotation(x=overall, y=1.0, yref="paper", yanchor="bottom", text=f"总体 {overall:.2f}%",
                           showarrow=False, font={"size": 11, "color": REFERENCE_INK})
    fig = _style(fig, title=title, height=max(260, 28 * len(frame) + 120), x_title="完成率（%）", y_title=y_title)
    fig.update_yaxes(categoryorder="array", categoryarray=labels, autorange="reversed", showgrid=False)
    fig.update_xaxes(range=[0, 135], showgrid=True, gridcolor=GRID, tickvals=[0, 20, 40, 60, 80, 100])
    fig.update_layout(margin={"l": 150, "t": 64})
    return fig


def unit_trend_lines(trend: pd.DataFrame, hospital: pd.DataFrame, *, title: str, y_title: str,
                     chosen: str | None = None, extremes: int = 3, height: int = 420) -> go.Figure:
    """Each unit's quarterly mean (``trend``: quarter, unit_id, unit_name, mean, n) over the
    hospital mean ± 1 sd band: the ``chosen`` unit (an id) and, with more than ``4 * extremes``
    units, the best and the worst ``extremes`` of the last quarter in colour with their names
    at the line's end; every other unit in grey, all of them one trace, or, above
    ``charts.webgl_points`` points, their 10–90 % and 25–75 % percentile bands per quarter.
    """
    quarters = sorted(set(trend["quarter"]) | set(hospital["quarter"]))
    position = {q: i for i, q in enumerate(quarters)}
    fig = go.Figure()
    if len(hospital):
        fig = vanguard_trend(hospital, title=title, height=height, x=[position[q] for q in hospital["quarter"]])
    for trace in fig.data:
        if trace.name == "均值":
            trace.update(name="全院均值", line={"color": REFERENCE_INK, "width": 2, "dash": "dash"})
    last = trend[trend["quarter"] == trend["quarter"].max()].sort_values(["mean", "unit_id"], ascending=[False, True])
    marked: dict[str, tuple[str, str]] = {}  # unit id -> (colour, legend group)
    if len(last) > 4 * extremes:
        marked |= {u: (GOOD, f"最新季度前{extremes}名") for u in last["unit_id"].head(extremes).tolist()}
        marked |= {u: (ATTENTION, f"最新季度后{extremes}名") for u in last["unit_id"].tail(extremes).tolist()}
    if chosen is not None:
        marked[chosen] = (CHOSEN, "所选单位")
    rest = trend[~trend["unit_id"].isin(set(marked))]
    # The field goes underneath the band and the marked units: faint lines that shade by
    # density; above ``charts.webgl_points`` points, the shading itself (percentile bands),
    # which a browser draws at once where ten thousand lines took it seconds.
    if len(rest) > config_mod.load().charts.webgl_points:
        field = _field_bands(rest, x="quarter", y="mean", position=position, legend_name="其他单位")
    else:
        field = [_gapped_lines(rest, x="quarter", y="mean", unit="unit_id", name="unit_name", position=position,
                               legend_name="其他单位",
                               colour=translucent(NEUTRAL, _field_alpha(rest["unit_id"].nunique())),
                               hover="%{text}<br>均值 %{y:.1f}<extra></extra>")]
    fig.add_traces(field)
    fig.data = (*fig.data[-len(field):], *fig.data[:-len(field)])
    ends = _named_lines(fig, trend, marked, x="quarter", y="mean", unit="unit_id", name="unit_name",
                        position=position, hover="均值 %{y:.1f}<br>n=%{customdata[1]}", extra="n", chosen=chosen)
    fig = _style(fig, title=title, height=height, y_title=y_title)
    _end_labels(fig, ends, height=height)
    _quarter_axis(fig, quarters)
    # Room on the right for the names at the lines' ends.
    fig.update_layout(margin={"r": 170 if marked else 16})
    return fig


def _field_alpha(lines: int) -> float:
    """Opacity of each grey line of a field of ``lines`` lines: about ten overlapping make full grey."""
    return max(0.03, min(0.5, 10 / max(lines, 1)))


def _quarter_axis(fig: go.Figure, quarters: list[str]) -> None:
    """An x axis of quarter positions 0, 1, ... labelled with the quarters' Chinese labels."""
    fig.update_xaxes(tickvals=list(range(len(quarters))), ticktext=quarter_text(quarters),
                     range=[-0.3, len(quarters) - 0.7], zeroline=False)


def _named_lines(fig: go.Figure, frame: pd.DataFrame, marked: dict[str, tuple[str, str]], *, x: str, y: str,
                 unit: str, name: str, position: dict[str, int], hover: str, extra: str | None = None,
                 chosen: str | None = None) -> list[tuple[float, float, str, str]]:
    """One line per ``marked`` unit (id -> (colour, legend group)); one legend entry per group.
    Returns each line's last point and name (x, y, name, colour) for ``_end_labels``. ``hover`` follows the unit's name and the quarter and may use
    ``%{customdata[1]}``, the ``extra`` column."""
    shown_groups: set[str] = set()
    ends: list[tuple[float, float, str, str]] = []  # (x, y, name, colour) of each line's last point
    for unit_id, (colour, group) in marked.items():
        series = frame[frame[unit] == unit_id].sort_values(x)
        if series.empty:
            continue
        label = plotly_text(series[name].iloc[0])
        quarters = series[x].tolist()
        fig.add_trace(go.Scatter(
            x=[position[q] for q in quarters], y=series[y], mode="lines+markers", name=group, legendgroup=group,
            showlegend=group not in shown_groups, line={"color": colour, "width": 3 if unit_id == chosen else 2},
            customdata=list(zip([quarter_label(q) for q in quarters], *([series[extra].tolist()] if extra else []))),
            hovertemplate=f"{label}<br>%{{customdata[0]}}<br>{hover}<extra></extra>",
        ))
        shown_groups.add(group)
        ends.append((position[quarters[-1]], float(series[y].iloc[-1]), label, colour))
    return ends


END_LABEL_PX = 15  # a name's line height at the lines' ends


def spread_positions(values: list[float], gap: float) -> list[float]:
    """Positions for labels at ``values`` (any order), at least ``gap`` apart and each as near its
    value as the others allow: labels that would overlap are set as a block centred on their values."""
    order = sorted(range(len(values)), key=lambda i: values[i])
    blocks: list[list[int]] = []  # runs of labels (indices, ascending) set as one evenly spaced block

    def start(block: list[int]) -> float:
        return sum(values[i] for i in block) / len(block) - gap * (len(block) - 1) / 2

    for index in order:
        blocks.append([index])
        while len(blocks) > 1 and start(blocks[-2]) + gap * len(blocks[-2]) > start(blocks[-1]):
            blocks[-2:] = [blocks[-2] + blocks[-1]]
    placed = [0.0] * len(values)
    for block in blocks:
        for k, index in enumerate(block):
            placed[index] = start(block) + gap * k
    return placed


def _end_labels(fig: go.Figure, ends: list[tuple[float, float, str, str]], *, height: int) -> None:
    """Each marked line's name right of its last point, pushed apart where values are close (a
    thin leader line joins a moved name to its point)."""
    if not ends:
        return
    # The field trace holds tens of thousands of points at a large hospital: one array, not a loop.
    values = np.concatenate([np.asarray(trace.y, dtype=float) for trace in fig.data if trace.y is not None])
    low, high = float(np.nanmin(values)), float(np.nanmax(values))
    # The plot's height without title, axis and legend; on the small side, so that names end
    # up at least END_LABEL_PX apart however plotly sizes the margins.
    plot_px = max(height - 200, 120)
    gap = (high - low or 1.0) * END_LABEL_PX / plot_px
    placed = spread_positions([y for _, y, _, _ in ends], gap)
    for (x, y, label, colour), label_y in zip(ends, placed):
        fig.add_annotation(x=x, y=y, ax=x + 0.12, ay=label_y, axref="x", ayref="y", text=label, xanchor="left",
                           showarrow=True, arrowhead=0, arrowwidth=0.8, arrowcolor=colour, standoff=4,
                           font={"color": colour, "size": 11})


def _field_bands(frame: pd.DataFrame, *, x: str, y: str, position: dict[str, int], legend_name: str) -> list[go.Scatter]:
    """Many units' values per ``x`` as two grey bands, the 10th–90th and the 25th–75th percentile
    of the units (each band a lower edge and an upper edge filled down to it)."""
    quantiles = frame.groupby(x)[y].quantile([0.1, 0.25, 0.75, 0.9]).unstack().sort_index()
    xs = [position[q] for q in quantiles.index]
    traces = []
    for low, high, alpha, label in ((0.1, 0.9, 0.22, "10%–90%"), (0.25, 0.75, 0.4, "25%–75%")):
        traces.append(go.Scatter(x=xs, y=quantiles[low], mode="lines", line={"width": 0}, showlegend=False,
                                 hoverinfo="skip"))
        traces.append(go.Scatter(
            x=xs, y=quantiles[high], mode="lines", line={"width": 0}, fill="tonexty",
            fillcolor=translucent(NEUTRAL, alpha), name=f"{legend_name}（{label}）",
            customdata=quantiles[low], hovertemplate=f"{legend_name}{label}：%{{customdata:.1f}}–%{{y:.1f}}<extra></extra>"))
    return traces


def _gapped_lines(frame: pd.DataFrame, *, x: str, y: str, unit: str, name: str, position: dict[str, int],
                  legend_name: str, colour: str, hover: str, width: float = 1.2) -> go.Scatter | go.Scattergl:
    """Many units' lines as one grey trace: each unit's points in ``x`` order and a gap after
    each unit, so no line joins two of them. Above ``charts.webgl_points`` points the trace is
    WebGL and names are left out of the hover (a search box finds a unit instead).

    ``x`` holds quarter codes, placed at ``position[quarter]``; ``name`` is the hover text.
    """
    frame = frame.sort_values([unit, x])
    n = len(frame)
    # Point i of the frame goes to slot i + (units before it): one empty slot after each unit.
    unit_ends = frame[unit].ne(frame[unit].shift(-1)).to_numpy()
    slots = np.arange(n) + np.concatenate([[0], np.cumsum(unit_ends)[:-1]]).astype(int)
    size = n + int(unit_ends.sum())
    xs, ys = np.full(size, np.nan), np.full(size, np.nan)
    xs[slots] = frame[x].map(position).to_numpy(dtype=float)
    ys[slots] = frame[y].to_numpy(dtype=float)
    many = n > config_mod.load().charts.webgl_points
    trace = (go.Scattergl if many else go.Scatter)(
        x=xs, y=ys, mode="lines", name=legend_name, connectgaps=False, line={"color": colour, "width": width})
    if many:
        return trace.update(hoverinfo="skip")
    texts = np.full(size, "", dtype=object)
    texts[slots] = [plotly_text(v) for v in frame[name].tolist()]
    return trace.update(text=texts, hovertemplate=hover)


def dimension_dots(breakdown: pd.DataFrame, *, title: str, height: int = 340) -> go.Figure:
    """A dot plot (declared: the gap between raters is the point, not the distance from zero) of
    the self / peer / organisation mean per dimension, one row per dimension."""
    fig = go.Figure()
    symbols = ("circle-open", "diamond", "circle")
    for (rater, label), colour, symbol in zip(RATERS.items(), SERIES, symbols):
        fig.add_trace(go.Scatter(y=breakdown["dimension"], x=breakdown[rater], name=label, mode="markers",
                                 marker={"color": colour, "size": 12, "symbol": symbol, "line": {"width": 2, "color": colour}},
                                 hovertemplate=f"%{{y}}<br>{label} %{{x:.1f}}<extra></extra>"))
    fig = _style(fig, title=title, height=height, x_title="平均分")
    fig.update_yaxes(autorange="reversed", showgrid=True, gridcolor=GRID_LIGHT)
    fig.update_layout(margin={"l": 120})
    return fig


def distribution_box(spread: pd.DataFrame, *, title: str, x_title: str, chosen: str | None = None,
                     height: int | None = None) -> go.Figure:
    """One horizontal box per group, in the given order from the top, from precomputed figures
    (``metrics.spread.index_spread``): quartiles, Tukey whiskers and the mean (dashed); the
    ``chosen`` group id in its own colour; n in the label.
    """
    labels = [f"{plotly_text(g)}（n={count(n)}）" for g, n in zip(spread["group_name"].tolist(), spread["n"].tolist())]
    fig = go.Figure()
    for is_chosen, colour in ((False, MEASURE), (True, CHOSEN)):
        part = (spread["group_id"] == chosen) if is_chosen else (spread["group_id"] != chosen)
        if not part.any():
            continue
        rows = spread[part]
        fig.add_trace(go.Box(
            y=[lab for lab, p in zip(labels, part.tolist()) if p], q1=rows["q1"], median=rows["median"], q3=rows["q3"],
            lowerfence=rows["lower_fence"], upperfence=rows["upper_fence"], mean=rows["mean"], boxmean=True,
            orientation="h", marker_color=colour, line={"width": 1.2}, showlegend=False,
            name="所选单位" if is_chosen else "",
        ))
    fig = _style(fig, title=title, height=height or max(300, 24 * len(labels) + 130), x_title=x_title)
    fig.update_yaxes(categoryorder="array", categoryarray=labels, autorange="reversed", showgrid=False)
    fig.update_layout(margin={"l": 190})
    return fig


def grade_stacked(counts: pd.DataFrame, *, grades: list[str], title: str, height: int | None = None) -> go.Figure:
    """Members per grade, stacked per branch (horizontal), best grade first."""
    colours = GRADES
    fig = go.Figure()
    for grade, colour in zip(grades, colours):
        fig.add_trace(go.Bar(y=counts["branch_name"].map(plotly_text), x=counts[grade], name=grade, orientation="h", marker_color=colour,
                             hovertemplate=f"%{{y}}<br>{grade} %{{x}} 人<extra></extra>"))
    fig = _style(fig, title=title, height=height or max(320, 22 * len(counts) + 120), x_title="党员人数")
    fig.update_layout(barmode="stack", margin={"l": 170})
    fig.update_yaxes(autorange="reversed", showgrid=False)
    return fig


def ranked_bars(ranking: pd.DataFrame, *, title: str, flagged: Collection[str] = frozenset(),
                commended: Collection[str] = frozenset(), highlight: Collection[str] = frozenset(),
                threshold: float | None = None, mean: float | None = None,
                height: int | None = None) -> go.Figure:
    """Branch totals, best first, from zero: commended in GOOD, flagged in ATTENTION, the
    ``highlight`` ids (the chosen branch, one searched for) in CHOSEN, the rest MUTED; rank in
    the label; the 需关注 ``threshold`` and the hospital ``mean`` as reference lines. Each bar
    carries its branch id (``customdata``) so a click can open the branch."""
    def colour(branch_id: str) -> str:
        if branch_id in highlight:
            return CHOSEN
        return GOOD if branch_id in commended else ATTENTION if branch_id in flagged else MUTED

    fig = go.Figure(go.Bar(
        y=ranking["branch_name"].map(plotly_text), x=ranking["total"], orientation="h",
        marker_color=[colour(b) for b in ranking["branch_id"]], customdata=ranking["branch_id"].tolist(),
        text=[f"{t:.1f}（第{r}名）" for t, r in zip(ranking["total"], ranking["rank"])], textposition="outside",
        textfont={"size": 12}, cliponaxis=False, hovertemplate="%{y}<br>总分 %{x:.1f}<br>点击查看支部画像<extra></extra>",
    ))
    fig = _style(fig, title=title, height=height or max(360, 22 * len(ranking) + 120), x_title="总分（百分制）")
    fig.update_xaxes(range=[0, 112])
    fig.update_yaxes(autorange="reversed", showgrid=False)
    fig.update_layout(margin={"l": 170})
    _reference_lines(fig, threshold=threshold, mean=mean, axis="x")
    return fig


def _reference_lines(fig: go.Figure, *, threshold: float | None = None, mean: float | None = None,
                     target: float | None = None, axis: str = "y", unit: str = "分") -> None:
    """The lines a reader judges a value by: the 需关注 threshold, a target (100% 三会一课) and the
    hospital mean, each labelled at its end."""
    lines = [(threshold, f"需关注线 {threshold:g}{unit}" if threshold is not None else "", ATTENTION, "dash"),
             (target, f"目标 {target:g}{unit}" if target is not None else "", GOOD, "dot"),
             (mean, f"全院均值 {mean:.1f}{unit}" if mean is not None else "", NEUTRAL, "dot")]
    for value, text, colour, dash in lines:
        if value is None or pd.isna(value):
            continue
        add = fig.add_vline if axis == "x" else fig.add_hline
        # The threshold labelled below its line, the others above: close lines keep their labels apart.
        low = value == threshold
        where = {"annotation_position": ("bottom" if low else "top")} if axis == "x" else \
            {"annotation_position": ("bottom left" if low else "top left")}
        add(value, line={"color": colour, "dash": dash, "width": 1.5}, annotation_text=text,
            annotation_font={"size": 11, "color": colour}, **where)


def profile_trend(totals: pd.DataFrame, *, unit_label: str, general_label: str | None, title: str,
                  threshold: float | None = None, height: int = 340) -> go.Figure:
    """A line chart (declared: lines need no zero) of the unit's total beside its 总支's and the
    hospital's mean per quarter, with the 需关注 threshold; rank in the unit's hover."""
    x = quarter_text(totals["quarter"])
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=x, y=totals["hospital_mean"], name="全院均值", mode="lines",
                             line={"color": NEUTRAL, "width": 2, "dash": "dot"},
                             hovertemplate="%{x}<br>全院均值 %{y:.1f}<extra></extra>"))
    if general_label and totals["general_branch_mean"].notna().any():
        fig.add_trace(go.Scatter(x=x, y=totals["general_branch_mean"], name=plotly_text(general_label) + "均值",
                                 mode="lines", line={"color": SLATE, "width": 2},
                                 hovertemplate="%{x}<br>总支均值 %{y:.1f}<extra></extra>"))
    fig.add_trace(go.Scatter(
        x=x, y=totals["unit_total"], name=plotly_text(unit_label), mode="lines+markers+text",
        line={"color": CHOSEN, "width": 3}, text=[f"{v:.1f}" if pd.notna(v) else "" for v in totals["unit_total"]],
        textposition="top center", customdata=totals[["rank", "branches"]].to_numpy(),
        hovertemplate="%{x}<br>%{y:.1f}分 · 全院第%{customdata[0]}名/%{customdata[1]}<extra></extra>",
    ))
    fig = _style(fig, title=title, height=height, y_title="考核总分（百分制）")
    fig.update_layout(legend={"orientation": "h", "y": -0.25})
    _reference_lines(fig, threshold=threshold)
    return fig


def lost_points_bars(lost: pd.DataFrame, *, title: str, height: int | None = None) -> go.Figure:
    """Points lost per indicator (max − score), from zero, most first; the hospital's mean loss
    as a grey tick beside each bar."""
    labels = [f"{plotly_text(n)}（满分{m:g}）" for n, m in zip(lost["indicator"], lost["max_points"])]
    fig = go.Figure(go.Bar(
        y=labels, x=lost["lost"], orientation="h", name="本单位失分",
        marker_color=[ATTENTION if v > h else MEASURE for v, h in zip(lost["lost"], lost["max_points"] - lost["hospital_mean"])],
        text=[f"{v:.1f}" for v in lost["lost"]], textposition="outside", cliponaxis=False,
        hovertemplate="%{y}<br>失分 %{x:.1f}<extra></extra>",
    ))
    fig.add_trace(go.Scatter(y=labels, x=lost["max_points"] - lost["hospital_mean"], mode="markers", name="全院平均失分",
                             marker={"symbol": "line-ns-open", "size": 16, "color": NEUTRAL, "line": {"width": 2}},
                             hovertemplate="%{y}<br>全院平均失分 %{x:.1f}<extra></extra>"))
    fig = _style(fig, title=title, height=height or max(300, 26 * len(lost) + 110), x_title="失分（分）")
    fig.update_xaxes(rangemode="tozero")
    fig.update_yaxes(autorange="reversed", showgrid=False)
    fig.update_layout(margin={"l": 190}, legend={"orientation": "h", "y": -0.15})
    return fig


def member_dots(members: pd.DataFrame, *, title: str, mean: float | None = None, height: int = 260) -> go.Figure:
    """A dot plot (declared: the index's range matters, not its distance from zero) of every
    member's index, names on hover only, with the hospital mean."""
    fig = go.Figure(go.Scatter(
        x=members["vindex"], y=[""] * len(members), mode="markers", name="党员",
        marker={"color": translucent(MEASURE, 0.55), "size": 11, "line": {"color": WHITE, "width": 1}},
        text=members["name"].map(plotly_text), hovertemplate="%{text}<br>先锋指数 %{x:.1f}<extra></extra>",
    ))
    fig = _style(fig, title=title, height=height, x_title="先锋指数")
    fig.update_yaxes(showticklabels=False, showgrid=False)
    _reference_lines(fig, mean=mean, axis="x")
    return fig


def quarter_heatmap(ranking: pd.DataFrame, *, value: str, title: str, colorbar: str, reverse: bool = False) -> go.Figure:
    """Branch × quarter grid of ``value`` (e.g. total or rank) from ``branch_ranking`` rows,
    branches by their rank in the latest quarter (branches without one last); every cell
    carries its branch id (``customdata``) so a click can open the branch."""
    grid = ranking.pivot(index="branch_name", columns="quarter", values=value)
    ids = dict(zip(ranking["branch_name"], ranking["branch_id"]))
    latest = ranking[ranking["quarter"] == ranking["quarter"].max()].sort_values(["rank", "branch_name"])
    ranked = list(dict.fromkeys(latest["branch_name"]))
    placed = set(ranked)
    grid = grid.reindex(ranked + [b for b in grid.index if b not in placed])
    fig = go.Figure(go.Heatmap(
        z=grid.to_numpy(), x=quarter_text(grid.columns), y=[plotly_text(b) for b in grid.index],
        colorscale=RATING_SCALE, reversescale=reverse, xgap=1, ygap=1,
        text=grid.to_numpy(), texttemplate="%{text:.0f}" if value == "rank" else "%{text:.1f}",
        colorbar={"title": {"text": colorbar}, "thickness": 12},
        customdata=[[ids[b]] * len(grid.columns) for b in grid.index],
        hovertemplate="%{y}<br>%{x}<br>%{z:.1f}<br>点击查看支部画像<extra></extra>",
    ))
    fig = _style(fig, title=title, height=max(360, 22 * len(grid) + 120))
    fig.update_yaxes(autorange="reversed", showgrid=False, type="category")
    fig.update_layout(margin={"l": 170})
    return fig


def rank_bump(ranking: pd.DataFrame, *, title: str, commended: Collection[str] = frozenset(),
              flagged: Collection[str] = frozenset(), chosen: Collection[str] = frozenset(),
              height: int = 460) -> go.Figure:
    """Rank per quarter for each branch (1 at the top): ``commended`` ids in GOOD, ``flagged``
    in ATTENTION and ``chosen`` in their own colour, each named at its line's end; every other
    branch in grey, all of them one trace."""
    marked = {b: (GOOD, "表扬") for b in commended} | {b: (ATTENTION, "需关注") for b in flagged}
    marked |= {b: (CHOSEN, "所选支部") for b in chosen}
    quarters = sorted(set(ranking["quarter"]))
    position = {q: i for i, q in enumerate(quarters)}
    rest = ranking[~ranking["branch_id"].isin(set(marked))]
    fig = go.Figure(_gapped_lines(rest, x="quarter", y="rank", unit="branch_id", name="branch_name", position=position,
                                  legend_name="其他支部", colour=translucent(NEUTRAL, _field_alpha(rest["branch_id"].nunique())),
                                  width=1,
                                  hover="%{text}<br>第 %{y} 名<extra></extra>"))
    ends = _named_lines(fig, ranking, marked, x="quarter", y="rank", unit="branch_id", name="branch_name",
                        position=position, hover="第 %{y} 名")
    fig = _style(fig, title=title, height=height, y_title="名次")
    _end_labels(fig, ends, height=height)
    _quarter_axis(fig, quarters)
    many = ranking["branch_id"].nunique() > config_mod.load().charts.max_units
    fig.update_yaxes(autorange="reversed", dtick=None if many else 5)
    fig.update_layout(margin={"r": 170})
    return fig


def radar(categories: list[str], series: dict[str, list[float]], *, title: str, r_max: float, axis_title: str,
          height: int = 420) -> go.Figure:
    """Profiles over the same categories; the first series is the reference (dashed grey), the rest charcoal."""
    fig = go.Figure()
    closed = [plotly_text(c) for c in categories + categories[:1]]
    for index, (name, values) in enumerate(series.items()):
        reference = index == 0
        name = plotly_text(name)
        fig.add_trace(go.Scatterpolar(
            r=list(values) + list(values[:1]), theta=closed, name=name, mode="lines+markers",
            fill=None if reference else "toself", fillcolor=None if reference else translucent(MEASURE, 0.12),
            line={"color": NEUTRAL if reference else MEASURE, "dash": "dash" if reference else "solid", "width": 2},
            hovertemplate="%{theta}<br>%{r:.1f}<extra>%{fullData.name}</extra>",
        ))
    fig = _style(fig, title=title, height=height)
    fig.update_layout(polar={"radialaxis": {"range": [0, r_max], "title": {"text": axis_title}, "gridcolor": POLAR_GRID},
                             "angularaxis": {"direction": "clockwise", "gridcolor": POLAR_GRID}},
                      legend={"orientation": "h", "y": -0.1})
    return fig


def gap_bars(scores: pd.DataFrame, *, label: str, gap: str, title: str, x_title: str, height: int | None = None) -> go.Figure:
    """Signed gaps against a reference (e.g. hospital mean): above in GOOD, below in ATTENTION."""
    fig = go.Figure(go.Bar(
        y=scores[label].map(plotly_text), x=scores[gap], orientation="h",
        marker_color=[ATTENTION if v < 0 else GOOD for v in scores[gap]],
        text=[f"{v:+.2f}" for v in scores[gap]], textposition="outside", cliponaxis=False,
        hovertemplate="%{y}<br>%{x:+.2f}<extra></extra>",
    ))
    fig = _style(fig, title=title, height=height or max(300, 24 * len(scores) + 100), x_title=x_title)
    fig.update_yaxes(autorange="reversed", showgrid=False)
    fig.update_layout(margin={"l": 150})
    return fig


# --- 组织生活: 三会一课 and activities (analysis/meetings.py, analysis/activities.py) ----------
# Status colours: green held, red missing; the three "not counted" states in greys/blue so
# that only red draws the eye.
MEETING_STATUS_COLOURS = {
    "达标": GOOD,
    "缺漏": ATTENTION,
    "进行中": IN_PROGRESS,
    "无数据": NO_DATA,
    "未成立": NOT_FOUNDED,
}
ATTENDANCE_COLOURS = ATTENDANCE
ACTIVITY_COLOURS = {
    "主题党日": MEASURE, "义诊": TEAL, "志愿服务": OLIVE, "健康扶贫": BROWN, "培训": PURPLE,
    "讲党课比赛": MAGENTA, "援派": SLATE, "其他": NEUTRAL,
    "支部党员大会": PLUM, "支委会": SAND, "党小组会": GOOD_LIGHT, "党课": CHOSEN,
}


def _status_heatmap(z_status: list[list[str | None]], *, x: list[str], y: list[str], text: list[list[str]],
                    custom: list[list[list]], hover: str) -> list:
    """A heatmap whose cells are coloured by meeting status, plus one legend entry per status shown."""
    names = list(MEETING_STATUS_COLOURS)
    codes = {s: i for i, s in enumerate(names)}
    n = len(names)
    scale = []
    for i, name in enumerate(names):
        scale += [[i / n, MEETING_STATUS_COLOURS[name]], [(i + 1) / n, MEETING_STATUS_COLOURS[name]]]
    z = [[codes.get(s) if s is not None else None for s in row] for row in z_status]
    heatmap = go.Heatmap(
        z=z, x=x, y=y, text=text, texttemplate="%{text}", textfont={"size": 10}, customdata=custom,
        colorscale=scale, zmin=-0.5, zmax=n - 0.5, xgap=2, ygap=2, hovertemplate=hover, showscale=False,
    )
    present = {s for row in z_status for s in row}
    legend = [
        go.Scatter(x=[None], y=[None], mode="markers", name=name, showlegend=True, hoverinfo="skip",
                   marker={"symbol": "square", "size": 12, "color": MEETING_STATUS_COLOURS[name],
                           "line": {"color": SWATCH_EDGE, "width": 1}})
        for name in names if name in present
    ]
    return [heatmap, *legend]


STATUS_LEGEND = {"orientation": "h", "x": 1.0, "xanchor": "right", "y": 1.0, "yanchor": "bottom"}


def _subtitle(title: str) -> str:
    """Lines (split at <br>) after the first are set smaller and grey: subject first, then period and n.

    Everything else in ``title`` is text (it may hold a unit's name), so it is escaped.
    """
    head, *rest = [plotly_text(line) for line in title.split("<br>")]
    return head + "".join(f"<br><span style='font-size:12px;color:{SUBTITLE_INK}'>{line}</span>" for line in rest)


def compliance_heatmap(grid: pd.DataFrame, *, title: str, branch_order: list[str] | None = None) -> go.Figure:
    """Branch × period for one meeting kind: colour = status, text = meetings held.

    ``grid`` is ``meetings.meeting_compliance`` for one kind; rows in ``branch_order`` (branch
    names, top first), by default in the grid's order.
    """
    x = list(dict.fromkeys(grid["period_label"]))
    y = [plotly_text(b) for b in (branch_order if branch_order is not None else dict.fromkeys(grid["branch_name"]))]
    cells = {(plotly_text(r.branch_name), r.period_label): r for r in grid.itertuples()}

    def cell(b: str, p: str):
        return cells.get((b, p))

    status = [[getattr(cell(b, p), "status", None) for p in x] for b in y]
    text = [[("" if (c := cell(b, p)) is None or c.held == 0 else str(c.held)) for p in x] for b in y]
    # The branch id last: a click on a cell opens the branch (ui.profile.clicked_unit).
    custom = [[[c.status, c.held, c.required, c.dates if isinstance(c.dates, str) else "—", c.branch_id]
               if (c := cell(b, p)) is not None else ["", 0, 0, "", ""] for p in x] for b in y]
    fig = go.Figure(_status_heatmap(
        status, x=x, y=y, text=text, custom=custom,
        hover="%{y}<br>%{x}：%{customdata[0]}<br>召开 %{customdata[1]} 次 / 应开 %{customdata[2]} 次"
              "<br>日期：%{customdata[3]}<extra></extra>",
    ))
    fig = _style(fig, title=title, height=max(300, 22 * len(y) + 190), x_title="期间", y_title="党支部")
    fig.update_yaxes(autorange="reversed", showgrid=False, type="category")
    fig.update_xaxes(type="category")
    fig.update_layout(margin={"l": 160, "r": 16, "t": 96, "b": 60}, legend=STATUS_LEGEND)
    return fig


def compliance_ranking(rates: pd.DataFrame, *, title: str) -> go.Figure:
    """Compliance rate per branch, weakest first, with the 95% CI and counted/required as text.

    ``rates`` is ``meetings.compliance_rates`` for one kind; branches with gaps in ATTENTION, the
    rest in GOOD; the 100% target as a line; the branch id last in each bar's ``customdata``.
    """
    shown = rates[rates["required"] > 0]
    labels = [plotly_text(b) for b in shown["branch_name"]]
    fig = go.Figure(go.Bar(
        y=labels, x=shown["rate"], orientation="h",
        marker_color=[ATTENTION if m > 0 else GOOD for m in shown["missing"]],
        error_x={"type": "data", "symmetric": False, "array": shown["ci_high"] - shown["rate"],
                 "arrayminus": shown["rate"] - shown["ci_low"], "color": WHISKER, "thickness": 1},
        text=[f"{r:.0f}%（{c}/{n}）" for r, c, n in zip(shown["rate"], shown["counted"], shown["required"])],
        textposition="inside", insidetextanchor="start", textfont={"color": WHITE, "size": 12},
        customdata=shown[["counted", "required", "missing", "ci_low", "ci_high", "branch_id"]],
        hovertemplate="%{y}<br>达标率 %{x:.1f}%（95% CI %{customdata[3]:.0f}–%{customdata[4]:.0f}%）"
                      "<br>已开 %{customdata[0]} / 应开 %{customdata[1]} 次<br>缺漏 %{customdata[2]} 期<extra></extra>",
    ))
    fig = _style(fig, title=title, height=max(260, 20 * len(labels) + 160), x_title="达标率（%）",
                 y_title="党支部（由低到高）")
    fig.update_yaxes(categoryorder="array", categoryarray=labels, autorange="reversed", showgrid=False)
    fig.update_xaxes(range=[0, 112], showgrid=True, gridcolor=GRID)
    fig.update_layout(margin={"l": 160, "r": 16, "t": 80, "b": 48}, showlegend=False)
    _reference_lines(fig, target=100, axis="x", unit="%")
    return fig


def meeting_calendar(calendar: pd.DataFrame, *, title: str) -> go.Figure:
    """One branch's 三会一课 by month: colour = status of the rule's period, text = days held.

    ``calendar`` is ``meetings.branch_calendar``.
    """
    x = list(dict.fromkeys(calendar["month_label"]))
    y = list(dict.fromkeys(calendar["kind"]))
    cells = {(r.kind, r.month_label): r for r in calendar.itertuples()}
    status = [[getattr(cells.get((k, m)), "status", None) for m in x] for k in y]
    text = [[("" if (c := cells.get((k, m))) is None or not isinstance(c.days, str) else c.days.replace("、", "<br>"))
             for m in x] for k in y]
    custom = [[[c.status, c.period_label, c.held, c.required] if (c := cells.get((k, m))) is not None else ["", "", 0, 0]
               for m in x] for k in y]
    fig = go.Figure(_status_heatmap(
        status, x=x, y=y, text=text, custom=custom,
        hover="%{y} · %{x}<br>%{customdata[1]}：%{customdata[0]}<br>本期召开 %{customdata[2]} 次 / 应开 %{customdata[3]} 次"
              "<extra></extra>",
    ))
    fig = _style(fig, title=title, height=max(300, 44 * len(y) + 170), x_title="月份", y_title="会议类型")
    fig.update_yaxes(autorange="reversed", showgrid=False, type="category")
    fig.update_xaxes(type="category")
    fig.update_layout(margin={"l": 100, "r": 16, "t": 96, "b": 60}, legend=STATUS_LEGEND)
    return fig


def attendance_bars(rates: pd.DataFrame, *, title: str) -> go.Figure:
    """出席 / 请假 / 缺席 shares per branch as 100% stacked bars, lowest attendance first.

    ``rates`` is ``meetings.attendance_rates`` for one kind; suppressed branches are labelled
    and left empty.
    """
    labels = [f"{plotly_text(b)}（n={n:,}）" for b, n in zip(rates["branch_name"], rates["n"])]
    fig = go.Figure()
    for status, column in (("出席", "attendance_rate"), ("请假", "leave_rate"), ("缺席", "absence_rate")):
        fig.add_trace(go.Bar(
            y=labels, x=rates[column], orientation="h", name=status, marker_color=ATTENDANCE_COLOURS[status],
            text=[f"{v:.0f}%" if pd.notna(v) and (status == "出席" or v >= 8) else "" for v in rates[column]],
            textposition="inside", textfont={"color": WHITE, "size": 10},
            customdata=rates[["members", "meetings"]],
            hovertemplate=f"%{{y}}<br>{status} %{{x:.1f}}%<br>党员 %{{customdata[0]}} 人 · 会议 %{{customdata[1]}} 次"
                          "<extra></extra>",
        ))
    hidden = [lab for lab, s in zip(labels, rates["suppressed"]) if s]
    for lab in hidden:
        fig.add_annotation(x=2, y=lab, text="人数不足，不予显示", showarrow=False, xanchor="left",
                           font={"size": 10, "color": NEUTRAL})
    fig = _style(fig, title=title, height=max(220, 20 * len(labels) + 170), x_title="占出勤记录的比例（%）",
                 y_title="党支部（出席率由低到高）")
    fig.update_yaxes(categoryorder="array", categoryarray=labels, autorange="reversed", showgrid=False)
    fig.update_xaxes(range=[0, 100], showgrid=True, gridcolor=GRID)
    fig.update_layout(barmode="stack", margin={"l": 200, "r": 16, "t": 96, "b": 48},
                      legend={**STATUS_LEGEND, "traceorder": "normal"})
    return fig


def activity_stacked(monthly: pd.DataFrame, *, value: str, title: str, y_title: str) -> go.Figure:
    """Monthly stacked bars by activity type of ``value`` ('activities' or 'people_served').

    ``monthly`` is ``activities.activity_monthly``; every type keeps its colour on every chart,
    types without people served are left out of the people-served chart, and the month axis
    spans the data's first to last month, so the two charts of one frame line up.
    """
    present = set(monthly["activity_type"])
    fig = go.Figure()
    for kind in [k for k in ACTIVITY_COLOURS if k in present] + sorted(present - set(ACTIVITY_COLOURS)):
        part = monthly[monthly["activity_type"] == kind]
        if value == "people_served" and not part[value].any():
            continue
        fig.add_trace(go.Bar(
            x=part["month"], y=part[value], name=kind, marker_color=ACTIVITY_COLOURS.get(kind, NEUTRAL),
            xperiod="M1", xperiodalignment="middle",
            customdata=part[["month_label", "activities", "people_served", "hours", "branches"]],
            hovertemplate=f"%{{customdata[0]}} · {kind}<br>%{{customdata[1]}} 场 · 服务 %{{customdata[2]:,}} 人次"
                          "<br>%{customdata[3]:,.0f} 小时 · %{customdata[4]} 个支部<extra></extra>",
        ))
    fig = _style(fig, title=title, height=400, x_title="月份", y_title=y_title)
    if len(monthly):
        first, last = pd.Timestamp(monthly["month"].min()), pd.Timestamp(monthly["month"].max())
        months = (last.year - first.year) * 12 + last.month - first.month + 1
        fig.update_xaxes(range=[first, last + pd.DateOffset(months=1)], tickformat="%-m月\n%Y年", tickangle=0,
                         dtick="M1" if months <= 12 else "M3" if months <= 36 else "M6", ticklabelmode="period")
    fig.update_layout(barmode="stack", legend={"orientation": "h", "y": -0.32}, margin={"t": 80, "b": 60})
    return fig


# --- 党务台账 (analysis/registers) --------------------------------------------------------


def stacked_counts(frame: pd.DataFrame, *, x: str, stack: str, value: str, order: list[str], title: str,
                   x_title: str, y_title: str, height: int = 340) -> go.Figure:
    """Bars of ``value`` by ``x``, stacked by ``stack`` in ``order`` (one colour per stack value
    from the series palette, so a stage or level keeps its colour on every chart)."""
    fig = go.Figure()
    for position, part_name in enumerate(order):
        part = frame[frame[stack] == part_name]
        if part.empty:
            continue
        fig.add_trace(go.Bar(
            x=[plotly_text(v) for v in part[x]], y=part[value], name=plotly_text(part_name),
            marker_color=SERIES[position % len(SERIES)],
            hovertemplate=f"%{{x}} · {plotly_text(part_name)}：%{{y:,}}<extra></extra>",
        ))
    fig = _style(fig, title=title, height=height, x_title=x_title, y_title=y_title)
    fig.update_xaxes(type="category")
    fig.update_layout(barmode="stack")
    return fig


def share_bars(shares: pd.DataFrame, *, label: str, count: str, n: str, title: str, x_title: str = "比例（%）",
               height: int | None = None) -> go.Figure:
    """Horizontal bars of ``pct`` per ``label`` with the 95 % interval (``ci_low``, ``ci_high``) as
    error bars and "count/n" beside each bar: a proportion never without its n and interval."""
    rows = shares.iloc[::-1]
    fig = go.Figure(go.Bar(
        y=[plotly_text(v) for v in rows[label]], x=rows["pct"], orientation="h", marker_color=MEASURE,
        error_x={"type": "data", "symmetric": False, "array": rows["ci_high"] - rows["pct"],
                 "arrayminus": rows["pct"] - rows["ci_low"], "color": WHISKER},
        text=[f"{c:g}/{m:g}" for c, m in zip(rows[count], rows[n])], textposition="inside",
        hovertemplate="%{y}：%{x:.1f}%（%{text}）<extra></extra>",
    ))
    fig = _style(fig, title=title, height=height or max(220, 60 + 34 * len(rows)), x_title=x_title)
    fig.update_xaxes(range=[0, 100])
    return fig


# --- 问卷分析 (analysis/survey) ------------------------------------------------------
# Counts hidden by small-cell suppression arrive as text ("<5", "*") with their percentages NaN:
# such bars are not drawn but labelled, so the reader sees that something was withheld.
SURVEY_HIDDEN_NOTE = "人数过少，不予显示"


def _survey_hidden(value: object) -> bool:
    return isinstance(value, str)


def survey_option_bars(freq: pd.DataFrame, *, title: str, pct: str = "valid_pct", x_title: str = "比例（%）",
                       height: int | None = None) -> go.Figure:
    """Options of one question as horizontal bars with Wilson 95% CI whiskers; share and n as labels.

    ``freq`` is ``survey.frequencies`` (its 未作答 row is left out); ``pct`` is ``valid_pct``
    for single choice and matrix rows, ``case_pct`` for multiple choice. Labels sit just beyond
    each whisker so that they never cover it.
    """
    rows = freq[freq["option_no"].notna()]
    labels = [plotly_text(o) for o in rows["option"]]
    values = rows[pct].astype(float)
    low, high = rows["ci_low"].astype(float), rows["ci_high"].astype(float)
    fig = go.Figure(go.Bar(
        y=labels, x=values, orientation="h", marker_color=MEASURE,
        error_x={"type": "data", "symmetric": False, "array": high - values, "arrayminus": values - low,
                 "color": WHISKER_DARK, "thickness": 1.2},
        customdata=list(zip([count(n) for n in rows["n"]], low, high)),
        hovertemplate="%{y}<br>%{x:.1f}%（95% CI %{customdata[1]:.1f}–%{customdata[2]:.1f}%）"
                      "<br>n=%{customdata[0]}<extra></extra>",
    ))
    for label, v, hi, n in zip(labels, values, high, rows["n"]):
        hidden = _survey_hidden(n) or pd.isna(v)
        fig.add_annotation(
            x=0 if hidden else (hi if pd.notna(hi) else v), y=label, xanchor="left", xshift=6, showarrow=False,
            text=SURVEY_HIDDEN_NOTE if hidden else f"{v:.1f}%（n={count(n)}）",
            font={"size": 11, "color": NEUTRAL if hidden else LABEL_INK},
        )
    fig = _style(fig, title=title, height=height or max(240, 34 * len(labels) + 130), x_title=x_title,
                 y_title="选项")
    fig.update_yaxes(categoryorder="array", categoryarray=labels, autorange="reversed", showgrid=False)
    top = float(high.max()) if high.notna().any() else 100.0
    fig.update_xaxes(range=[0, min(135.0, max(20.0, top * 1.3))], showgrid=True, gridcolor=GRID)
    fig.update_layout(margin={"l": 160, "r": 24, "t": 80, "b": 48}, showlegend=False)
    return fig


def survey_group_shares(shares: pd.DataFrame, *, title: str, y_title: str, height: int = 340) -> go.Figure:
    """Share per group with its Wilson 95% CI as whiskers and n under the name; 合计 in grey.

    ``shares`` is ``survey.effective_share``; suppressed groups are labelled, not drawn.
    """
    groups = [str(g) for g in shares["group"]]
    labels = [f"{plotly_text(g)}<br>n={count(n)}" for g, n in zip(groups, shares["n"])]
    values = shares["pct"].astype(float)
    colours = [NEUTRAL if g == "合计" else PALETTE[i % (len(PALETTE) - 1)] for i, g in enumerate(groups)]
    fig = go.Figure(go.Bar(
        x=labels, y=values, marker_color=colours,
        error_y={"type": "data", "symmetric": False, "array": shares["ci_high"].astype(float) - values,
                 "arrayminus": values - shares["ci_low"].astype(float), "color": REFERENCE_INK, "thickness": 1.2},
        text=[f"{v:.1f}%" if pd.notna(v) else "" for v in values], textposition="inside",
        insidetextanchor="middle", insidetextfont={"color": WHITE, "size": 15},
        customdata=list(zip(shares["ci_low"], shares["ci_high"])),
        hovertemplate="%{x}<br>%{y:.1f}%（95% CI %{customdata[0]:.1f}–%{customdata[1]:.1f}%）<extra></extra>",
    ))
    for label, v in zip(labels, values):
        if pd.isna(v):
            fig.add_annotation(x=label, y=4, text=SURVEY_HIDDEN_NOTE, showarrow=False, yanchor="bottom",
                               font={"size": 11, "color": NEUTRAL})
    fig = _style(fig, title=title, height=height, y_title=y_title, x_title="分组")
    fig.update_yaxes(range=[0, 105])
    fig.update_layout(margin={"t": 80, "b": 64}, showlegend=False)
    return fig


def crosstab_heatmap(counts: pd.DataFrame, shares: pd.DataFrame, residuals: pd.DataFrame, *, title: str,
                     height: int | None = None) -> go.Figure:
    """Cross table as a grid: text = count and share, colour = adjusted residual where |r| > 1.96.

    ``counts``, ``shares`` (row or column percentages) and ``residuals`` come from
    ``survey.crosstab``; the 合计 row and column are left out. Blue: more respondents than
    independence predicts, red: fewer, white: no significant departure or hidden.
    """
    rows = [r for r in counts.index if r != "合计"]
    cols = [c for c in counts.columns if c != "合计"]
    res = residuals.reindex(index=rows, columns=cols).astype(float)
    z = res.where(res.abs() > 1.96, 0.0).clip(-4, 4).fillna(0.0)
    text = []
    for r in rows:
        line = []
        for c in cols:
            n = counts.at[r, c]
            share = shares.at[r, c]
            line.append(plotly_text(count(n)) + ("" if pd.isna(share) else f"<br>{share:.1f}%"))
        text.append(line)
    custom = [[[plotly_text(count(counts.at[r, c])), res.at[r, c]] for c in cols] for r in rows]
    fig = go.Figure(go.Heatmap(
        z=z.to_numpy(), x=[plotly_text(c) for c in cols], y=[plotly_text(r) for r in rows], text=text, texttemplate="%{text}",
        textfont={"size": 12}, customdata=custom, colorscale=RESIDUAL_SCALE, zmin=-4, zmax=4, zmid=0, xgap=2, ygap=2,
        colorbar={"title": {"text": "调整残差"}, "tickvals": [-4, -1.96, 0, 1.96, 4],
                  "ticktext": ["≤-4 少于期望", "-1.96", "0", "1.96", "≥4 多于期望"], "len": 0.8},
        hovertemplate="%{y} × %{x}<br>人数 %{customdata[0]}<br>调整残差 %{customdata[1]:.2f}<extra></extra>",
    ))
    fig = _style(fig, title=title, height=height or max(300, 46 * len(rows) + 170),
                 x_title=plotly_text(counts.columns.name or ""), y_title=plotly_text(counts.index.name or ""))
    fig.update_yaxes(autorange="reversed", showgrid=False)
    fig.update_xaxes(side="bottom")
    fig.update_layout(margin={"l": 120, "r": 16, "t": 80, "b": 64}, plot_bgcolor=WHITE)
    return fig


def _likert_colours(k: int) -> list[str]:
    """k colours from dark red (lowest) through grey (middle, odd k) to dark blue (highest)."""
    h = k // 2
    low = ([LIKERT_LOW[0]] * (h - len(LIKERT_LOW)) + LIKERT_LOW)[:h] if h > len(LIKERT_LOW) else LIKERT_LOW[:h]
    high = (LIKERT_HIGH + [LIKERT_HIGH[-1]] * (h - len(LIKERT_HIGH)))[-h:] if h > len(LIKERT_HIGH) else LIKERT_HIGH[-h:]
    return low + ([LIKERT_MID] if k % 2 else []) + (high if h else [])


def likert_diverging(items: pd.DataFrame, *, scale: list[float], scale_labels: dict[float, str], title: str,
                     height: int | None = None) -> go.Figure:
    """Diverging stacked bars per item: low scores left of 0, high right, the middle split across 0.

    ``items`` is ungrouped ``survey.likert_items`` (columns ``pct_<value>``); items are drawn
    in the given row order from the top (pass them weakest first). The mean and n are in each
    row's label.
    """
    values = sorted(scale)
    k = len(values)
    colours = _likert_colours(k)
    labels = [f"{plotly_text(i)}（{m:.2f}）" if pd.notna(m) else plotly_text(i) for i, m in zip(items["item"], items["mean"])]
    fig = go.Figure()
    mid = values[k // 2] if k % 2 else None
    lows = [v for v in values if (mid is None and v < values[k // 2]) or (mid is not None and v < mid)]
    highs = [v for v in values if v not in lows and v != mid]
    n_text = [count(n) for n in items["n"]]

    def bar(v: float, share: pd.Series, sign: int, colour: str, show: bool) -> None:
        fig.add_trace(go.Bar(
            y=labels, x=sign * share, orientation="h", name=plotly_text(scale_labels.get(v, f"{v:g}")), marker_color=colour,
            legendgroup=str(v), showlegend=show, customdata=list(zip(items[f"pct_{v:g}"], n_text)),
            hovertemplate="%{y}<br>" + plotly_text(scale_labels.get(v, f"{v:g}"))
                          + "：%{customdata[0]:.1f}%<br>n=%{customdata[1]}<extra></extra>",
        ))

    # Stacking goes outwards in trace order: the middle halves first, the extremes last.
    if mid is not None:
        half = items[f"pct_{mid:g}"].astype(float) / 2
        bar(mid, half, -1, LIKERT_MID, True)
        bar(mid, half, 1, LIKERT_MID, False)
    for v in reversed(lows):
        bar(v, items[f"pct_{v:g}"].astype(float), -1, colours[values.index(v)], True)
    for v in highs:
        bar(v, items[f"pct_{v:g}"].astype(float), 1, colours[values.index(v)], True)
    fig = _style(fig, title=title, height=height or max(300, 28 * len(labels) + 190),
                 x_title="占作答人数的比例（%）：左为低分，右为高分", y_title="条目（均值）")
    # The axis spans the data (rounded out to 25 %), not a fixed ±100, so short sides do not waste room.
    import math
    left = sum(items[f"pct_{v:g}"].astype(float) for v in lows)
    right = sum(items[f"pct_{v:g}"].astype(float) for v in highs)
    if mid is not None:
        left, right = left + half, right + half
    lo = -25 * math.ceil(max(5.0, float(pd.Series(left).max(skipna=True) if len(items) else 0) + 2) / 25)
    hi = 25 * math.ceil(max(5.0, float(pd.Series(right).max(skipna=True) if len(items) else 0) + 2) / 25)
    ticks = list(range(lo, hi + 1, 25))
    fig.update_xaxes(range=[lo, hi], tickvals=ticks, ticktext=[f"{abs(t)}" for t in ticks], showgrid=True,
                     gridcolor=GRID, zeroline=True, zerolinecolor=ZERO_LINE)
    fig.update_yaxes(categoryorder="array", categoryarray=labels, autorange="reversed", showgrid=False)
    # Legend in scale order (1分 ... 5分) whatever the drawing order.
    order = {str(v): i for i, v in enumerate(values)}
    for trace in fig.data:
        trace.legendrank = order[trace.legendgroup]
    fig.update_layout(barmode="relative", bargap=0.25, margin={"l": 170, "r": 16, "t": 96, "b": 56},
                      legend={"orientation": "h", "x": 1.0, "xanchor": "right", "y": 1.0, "yanchor": "bottom",
                              "traceorder": "normal"})
    return fig


def likert_group_means(items: pd.DataFrame, *, order: list[str], title: str, height: int | None = None) -> go.Figure:
    """Item means per group as dots on one line per item (grouped ``survey.likert_items``).

    ``order`` gives the items from the top (e.g. weakest overall first); hidden groups (too few
    respondents) have no dot.
    """
    fig = go.Figure()
    labels = {i: plotly_text(i) for i in order}
    for index, (group, part) in enumerate(items.groupby("group", sort=False)):
        part = part.set_index("item").reindex(order)
        fig.add_trace(go.Scatter(
            x=part["mean"].astype(float), y=[labels[i] for i in order], mode="markers", name=plotly_text(group),
            marker={"size": 11, "color": PALETTE[index % len(PALETTE)], "line": {"color": WHITE, "width": 1}},
            customdata=list(zip([count(n) for n in part["n"]], part["top2_pct"])),
            hovertemplate="%{y}<br>" + plotly_text(group) + "：均值 %{x:.2f}<br>前两项 %{customdata[1]:.1f}%"
                          "<br>n=%{customdata[0]}<extra></extra>",
        ))
    fig = _style(fig, title=title, height=height or max(300, 28 * len(order) + 190), x_title="均值（分）",
                 y_title="条目")
    fig.update_yaxes(categoryorder="array", categoryarray=[labels[i] for i in order], autorange="reversed",
                     showgrid=True, gridcolor=GRID_LIGHT)
    fig.update_xaxes(showgrid=True, gridcolor=GRID)
    fig.update_layout(margin={"l": 140, "r": 16, "t": 96, "b": 56},
                      legend={"orientation": "h", "x": 1.0, "xanchor": "right", "y": 1.0, "yanchor": "bottom"})
    return fig


def ranking_score_bars(scores: pd.DataFrame, *, title: str, height: int | None = None) -> go.Figure:
    """问卷星 综合得分 per option, highest on top, with mean rank and n in the label.

    ``scores`` is ``survey.ranking_scores`` (already sorted by score).
    """
    labels = [plotly_text(o) for o in scores["option"]]
    fig = go.Figure(go.Bar(
        y=labels, x=scores["score"], orientation="h", marker_color=MEASURE,
        text=[f"{s:.2f}（平均名次 {m:.2f}，n={int(n):,}）" if pd.notna(m) else f"{s:.2f}（n=0）"
              for s, m, n in zip(scores["score"], scores["mean_rank"], scores["n"])],
        textposition="outside", cliponaxis=False,
        hovertemplate="%{y}<br>综合得分 %{x:.2f}<extra></extra>",
    ))
    fig = _style(fig, title=title, height=height or max(240, 36 * len(labels) + 130),
                 x_title="综合得分（越高越靠前）", y_title="选项")
    fig.update_yaxes(categoryorder="array", categoryarray=labels, autorange="reversed", showgrid=False)
    top = float(scores["score"].max()) if len(scores) else 1.0
    fig.update_xaxes(range=[0, top * 1.55 if top > 0 else 1], showgrid=True, gridcolor=GRID)
    fig.update_layout(margin={"l": 140, "r": 24, "t": 80, "b": 48}, showlegend=False)
    return fig


def item_total_bars(items: pd.DataFrame, *, alpha: float, title: str, height: int | None = None) -> go.Figure:
    """Corrected item-total correlation per item; red where deleting the item would raise alpha.

    ``items`` is ``survey.Reliability.items``. The dashed line at 0.3 is the usual floor
    for an item that belongs to the scale.
    """
    labels = [plotly_text(i) for i in items["item"]]
    raises = [pd.notna(a) and a > alpha for a in items["alpha_if_deleted"]]
    fig = go.Figure(go.Bar(
        y=labels, x=items["item_total_r"], orientation="h",
        marker_color=[ATTENTION if r else MEASURE for r in raises],
        text=[f"{r:.2f}" if pd.notna(r) else "" for r in items["item_total_r"]], textposition="outside",
        cliponaxis=False, customdata=list(zip(items["alpha_if_deleted"], items["mean"])),
        hovertemplate="%{y}<br>校正条目-总分相关 r=%{x:.3f}<br>删除该条目后 α=%{customdata[0]:.3f}"
                      "<br>均值 %{customdata[1]:.2f}<extra></extra>",
    ))
    fig.add_vline(x=0.3, line_dash="dash", line_color=NEUTRAL, annotation_text="0.3", annotation_position="top")
    fig = _style(fig, title=title, height=height or max(260, 26 * len(labels) + 150),
                 x_title="校正条目-总分相关系数 r（红色：删除后 α 升高）", y_title="条目")
    fig.update_yaxes(categoryorder="array", categoryarray=labels, autorange="reversed", showgrid=False)
    fig.update_xaxes(range=[min(0.0, float(items["item_total_r"].min()) - 0.05) if items["item_total_r"].notna().any()
                            else 0.0, 1.0], showgrid=True, gridcolor=GRID)
    fig.update_layout(margin={"l": 140, "r": 24, "t": 80, "b": 48}, showlegend=False)
    return fig


def scree_parallel(eigen: pd.DataFrame, *, title: str, height: int = 320) -> go.Figure:
    """Scree plot: observed eigenvalues against those of random data (parallel analysis).

    ``eigen`` is ``survey.FactorAnalysis.eigen``; the factors parallel analysis retains are drawn
    in the measure colour, the rest grey.
    """
    factors = [f"因子{int(f)}" for f in eigen["factor"]]
    fig = go.Figure()
    fig.add_trace(go.Scatter(
        x=factors, y=eigen["eigenvalue"], mode="lines+markers", name="实际数据特征值",
        line={"color": MEASURE, "width": 2},
        marker={"size": 9, "color": [MEASURE if r else NEUTRAL for r in eigen["retained"]]},
        hovertemplate="%{x}<br>特征值 %{y:.3f}<extra></extra>",
    ))
    fig.add_trace(go.Scatter(
        x=factors, y=eigen["simulated"], mode="lines", name="随机数据特征值（第95百分位）",
        line={"color": REFERENCE_INK, "dash": "dash", "width": 1.5},
        hovertemplate="%{x}<br>随机数据 %{y:.3f}<extra></extra>",
    ))
    fig = _style(fig, title=title, height=height, y_title="特征值", x_title="因子")
    fig.update_layout(margin={"t": 80, "b": 48}, legend={"orientation": "h", "y": -0.25})
    return fig


def wave_share_lines(change: pd.DataFrame, *, title: str, y_title: str, height: int = 340) -> go.Figure:
    """Effective share per wave, one line per group with its Wilson 95% CI as whiskers.

    ``change`` is ``survey.wave_change``; waves where a group may not be shown leave a gap.
    """
    fig = go.Figure()
    for index, (group, rows) in enumerate(change.groupby("group", sort=False)):
        values = rows["pct"].astype(float)
        fig.add_trace(go.Scatter(
            x=[plotly_text(w) for w in rows["wave_label"]], y=values, mode="lines+markers+text",
            name=plotly_text(group), line={"color": PALETTE[index % len(PALETTE)], "width": 2},
            text=[f"{v:.1f}%" if pd.notna(v) else "" for v in values], textposition="top center",
            error_y={"type": "data", "symmetric": False, "array": rows["ci_high"].astype(float) - values,
                     "arrayminus": values - rows["ci_low"].astype(float), "thickness": 1.2},
            hovertemplate="%{x}<br>%{y:.1f}%<extra>" + plotly_text(group) + "</extra>",
        ))
    fig = _style(fig, title=title, height=height, y_title=y_title, x_title="期次")
    fig.update_yaxes(range=[0, 105])
    fig.update_layout(margin={"t": 80, "b": 48})
    return fig


def keyword_bars(words: pd.DataFrame, *, title: str, height: int | None = None) -> go.Figure:
    """Most frequent words of free-text answers (``survey.keywords``), most frequent on top."""
    labels = [plotly_text(w) for w in words["word"]]
    fig = go.Figure(go.Bar(
        y=labels, x=words["n"], orientation="h", marker_color=MEASURE,
        text=[f"{n:,}（{p:.1f}%）" for n, p in zip(words["n"], words["pct"])], textposition="outside",
        cliponaxis=False, hovertemplate="%{y}<br>%{x} 条回答提到<extra></extra>",
    ))
    fig = _style(fig, title=title, height=height or max(260, 22 * len(labels) + 140),
                 x_title="提到该词的回答数（占有效回答的比例）", y_title="关键词")
    fig.update_yaxes(categoryorder="array", categoryarray=labels, autorange="reversed", showgrid=False)
    top = int(words["n"].max()) if len(words) else 1
    fig.update_xaxes(range=[0, top * 1.3], showgrid=True, gridcolor=GRID)
    fig.update_layout(margin={"l": 110, "r": 24, "t": 80, "b": 48}, showlegend=False)
    return fig


CJK_FONT = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")


def word_cloud(words: pd.DataFrame, *, width: int = 900, height: int = 420, font: Path = CJK_FONT) -> bytes | None:
    """A PNG word cloud of ``survey.keywords`` (size = answers mentioning the word) in the
    measure colour; None when the CJK font is missing (Chinese would draw as boxes)."""
    if words.empty or not font.exists():
        return None
    from wordcloud import WordCloud  # slow to import; only the 开放题 tab needs it

    cloud = WordCloud(font_path=str(font), width=width, height=height, background_color=WHITE, prefer_horizontal=1.0,
                      color_func=lambda *args, **kwargs: MEASURE, random_state=0, margin=6)
    image = cloud.generate_from_frequencies(dict(zip(words["word"], words["n"].astype(int)))).to_image()
    buffer = BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


# --- 党建+业务 (analysis/business) -------------------------------------------------------------
# Strong on one side only is neither good nor a concern: two colours without a meaning.
QUADRANT_COLOURS = {"both_strong": GOOD, "party_strong": SLATE, "business_strong": SAND, "both_weak": ATTENTION}
VERDICT_COLOURS = {"favourable": GOOD, "unfavourable": ATTENTION, "none": NEUTRAL, "cannot_tell": MUTED}
MANY_POINTS = 1000  # above this, scatter plots use WebGL (Scattergl)


def business_quadrant(table: pd.DataFrame, *, names: dict[str, tuple[str, str]], title: str, x_title: str,
                      y_title: str, highlight: str | None = None, height: int = 520) -> go.Figure:
    """Branches by Party percentile (x) and business percentile (y), one colour per quadrant.

    ``table`` has the columns of ``business.quadrant``; ``names`` maps quadrant keys to (name,
    suggestion), drawn in the corners. ``highlight`` (a branch id) is ringed and labelled.
    """
    fig = go.Figure()
    scatter = go.Scattergl if len(table) > MANY_POINTS else go.Scatter
    for key, (name, _) in names.items():
        rows = table[table["quadrant"] == key]
        fig.add_trace(scatter(
            x=rows["party_pct"], y=rows["business_pct"], mode="markers", name=f"{name}（{len(rows)}）",
            marker={"color": QUADRANT_COLOURS[key], "size": 9 if len(table) <= MANY_POINTS else 5, "opacity": 0.85,
                    "line": {"width": 0.5, "color": WHITE}},
            customdata=list(zip(rows["branch_name"].map(plotly_text), rows["party"], rows["business"])),
            hovertemplate="%{customdata[0]}<br>党建 %{customdata[1]:.1f}（第 %{x:.0f} 百分位）"
                          "<br>业务 %{customdata[2]:.2f}（第 %{y:.0f} 百分位）<extra></extra>",
        ))
    chosen = table[table["branch_id"] == highlight] if highlight else table.iloc[0:0]
    if len(chosen):
        fig.add_trace(go.Scatter(
            x=chosen["party_pct"], y=chosen["business_pct"], mode="markers+text", name="所选支部",
            text=chosen["branch_name"].map(plotly_text), textposition="top center",
            marker={"size": 18, "color": "rgba(0,0,0,0)", "line": {"width": 3, "color": CHOSEN}}, hoverinfo="skip",
        ))
    for value, axis in ((50, "x"), (50, "y")):
        line = {"type": "line", "line": {"color": REFERENCE_INK, "width": 1, "dash": "dot"}}
        fig.add_shape(**line, **({"x0": value, "x1": value, "y0": 0, "y1": 100} if axis == "x"
                                 else {"x0": 0, "x1": 100, "y0": value, "y1": value}))
    corners = {"both_strong": (99, 99, "right", "top"), "party_strong": (99, 1, "right", "bottom"),
               "business_strong": (1, 99, "left", "top"), "both_weak": (1, 1, "left", "bottom")}
    for key, (name, suggestion) in names.items():
        x, y, xanchor, yanchor = corners[key]
        fig.add_annotation(x=x, y=y, xanchor=xanchor, yanchor=yanchor, showarrow=False, align=xanchor,
                           text=f"<b>{plotly_text(name)}</b><br>{plotly_text(suggestion)}",
                           font={"color": QUADRANT_COLOURS[key], "size": 12})
    fig = _style(fig, title=title, height=height, x_title=x_title, y_title=y_title)
    fig.update_xaxes(range=[0, 100], showgrid=True, gridcolor=GRID_LIGHT, zeroline=False)
    fig.update_yaxes(range=[0, 100])
    return fig


def association_forest(results: pd.DataFrame, *, labels: dict[str, str], title: str, x_title: str,
                       height: int | None = None) -> go.Figure:
    """Each indicator's estimate with its 95% interval, turned so that right = better results.

    ``results`` has the columns of a ``business`` view (indicator, favourable, ci_low, ci_high,
    higher_is_better, verdict, verdict_label, n); indicators without an estimate are listed at
    the bottom without a mark. ``labels`` names the verdicts in the legend.
    """
    shown = results.assign(
        low=results["ci_low"].where(results["higher_is_better"], -results["ci_high"]),
        high=results["ci_high"].where(results["higher_is_better"], -results["ci_low"]),
        label=[f"{plotly_text(i)}（n={n}）" for i, n in zip(results["indicator"], results["n"])])
    fig = go.Figure()
    for key, colour in VERDICT_COLOURS.items():
        rows = shown[(shown["verdict"] == key) & shown["favourable"].notna()]
        if rows.empty:
            continue
        fig.add_trace(go.Scatter(
            x=rows["favourable"], y=rows["label"], mode="markers", name=labels[key],
            marker={"color": colour, "size": 10, "symbol": "diamond"},
            error_x={"type": "data", "symmetric": False, "array": rows["high"] - rows["favourable"],
                     "arrayminus": rows["favourable"] - rows["low"], "color": colour, "thickness": 1.5},
            customdata=rows[["low", "high"]],
            hovertemplate="%{y}<br>%{x:.2f}（95% CI %{customdata[0]:.2f} 至 %{customdata[1]:.2f}）<extra></extra>",
        ))
    fig = _style(fig, title=title, height=height or max(320, 26 * len(shown) + 140), x_title=x_title)
    fig.update_yaxes(categoryorder="array", categoryarray=list(shown["label"]), autorange="reversed", showgrid=False)
    fig.add_vline(x=0, line={"color": ZERO_LINE, "width": 1})
    fig.update_layout(margin={"l": 200})
    return fig


def business_branch_trend(trend: pd.DataFrame, *, branch_label: str, title: str, y_title: str,
                          height: int = 320) -> go.Figure:
    """One indicator of one branch per quarter over the branches' median and interquartile band.

    ``trend`` has the columns of ``business.branch_trend`` for one indicator.
    """
    x = quarter_text(trend["quarter"])
    fig = go.Figure()
    fig.add_trace(go.Scatter(
        x=x + x[::-1], y=list(trend["hospital_p75"]) + list(trend["hospital_p25"][::-1]), mode="lines", fill="toself",
        fillcolor=translucent(NEUTRAL, 0.15), line={"width": 0}, hoverinfo="skip", name="全院支部中间 50%",
    ))
    fig.add_trace(go.Scatter(
        x=x, y=trend["hospital_median"], mode="lines", name="全院支部中位数",
        line={"color": REFERENCE_INK, "width": 2, "dash": "dash"}, hovertemplate="%{x}<br>中位数 %{y:.2f}<extra></extra>",
    ))
    fig.add_trace(go.Scatter(
        x=x, y=trend["value"], mode="lines+markers", name=plotly_text(branch_label),
        line={"color": CHOSEN, "width": 2.5}, customdata=trend[["percentile", "branches"]],
        hovertemplate="%{x}<br>%{y:.2f}<br>第 %{customdata[0]:.0f} 百分位（共 %{customdata[1]} 个支部）<extra></extra>",
    ))
    return _style(fig, title=title, height=height, y_title=y_title)


# --- 汇报材料 and 大屏展示 (analysis/report): one figure from a report ``Chart`` --------------
# The report model holds chart data independent of the output (a native PowerPoint chart is
# drawn from the same data by analysis/report/render/pptx.py). "light" is for the HTML report
# and the PNGs; "document" for the Word report, whose charts are printed 15.5 cm wide from a
# 1000 px figure (type of 20 px comes out at 9 pt); "present" is the high-contrast black theme of 大屏展示 and
# "present_light" its red-and-white variant, both with type sized for a 1920×1080 stage (the
# page scales the stage to the screen). Colours keep their meaning on every theme: on black
# they are brightened (palette.ON_DARK), never swapped.
REPORT_THEMES = {
    "light": {"paper": "#FFFFFF", "plot": "#FFFFFF", "text": "#222222", "muted": "#666666", "grid": "#E6E6E6",
              "size": 14, "label_size": 13, "line_width": 2.5, "marker_size": 7, "dot_size": 12, "colours": {}},
    "document": {"paper": "#FFFFFF", "plot": "#FFFFFF", "text": "#222222", "muted": "#555555", "grid": "#E0E0E0",
                 "size": 20, "label_size": 19, "line_width": 3, "marker_size": 9, "dot_size": 15, "colours": {}},
    "present": {"paper": "#000000", "plot": "#000000", "text": "#FFFFFF", "muted": "#D0D0D0", "grid": "#3A3A3A",
                "size": 26, "label_size": 26, "line_width": 5, "marker_size": 14, "dot_size": 24, "colours": ON_DARK},
    "present_light": {"paper": "#FFFFFF", "plot": "#FFFFFF", "text": "#1A1A1A", "muted": "#555555", "grid": "#E0E0E0",
                      "size": 26, "label_size": 26, "line_width": 5, "marker_size": 14, "dot_size": 24, "colours": {}},
}


def report_figure(chart, *, title: str | None = None, theme: str = "light", height: int = 440,
                  width: int | None = None, type_scale: float = 1.0) -> go.Figure:
    """A plotly figure of a ``report.Chart`` (kinds line, dot, column, bar, stacked_bar).

    Values are labelled with the chart's decimals and suffix; suppressed (None) values leave a
    gap. ``bar`` and ``stacked_bar`` are horizontal with the first category on top. Bars start at
    0; categories are placed by position, so repeated labels (第1季度 of two years) stay apart,
    and a line break in a label ("第1季度\\n2025年") is kept. ``type_scale`` shrinks the theme's
    type and marks (a small tile of 大屏展示's dashboard).
    """
    base = REPORT_THEMES[theme]
    style = {**base, **{k: base[k] * type_scale for k in ("size", "label_size", "line_width", "marker_size", "dot_size")}}
    fig = go.Figure()
    for index, series in enumerate(chart.series):
        fig.add_trace(_report_trace(chart, series, index, style))
    fig.update_layout(
        title=None if title is None else {"text": plotly_text(title), "x": 0.0, "xanchor": "left",
                                          "font": {"size": style["size"] + 4, "color": style["text"]}},
        font={"family": FONT_FAMILY, "size": style["size"], "color": style["text"]},
        paper_bgcolor=style["paper"], plot_bgcolor=style["plot"], height=height, width=width,
        margin={"l": 24, "r": 72 if chart.kind == "bar" else 24, "t": 64 if title else 24, "b": 24},
        showlegend=len(chart.series) > 1,
        legend={"orientation": "h", "x": 0.5, "xanchor": "center", "y": -0.12, "font": {"size": style["size"]},
                "traceorder": "normal"},
        barmode="stack" if chart.kind == "stacked_bar" else "group", bargap=0.3,
        uniformtext={"minsize": 10, "mode": "hide"} if chart.kind == "stacked_bar" else None,
        hoverlabel={"font_family": FONT_FAMILY},
    )
    _report_axes(fig, chart, style)
    return fig


def _report_colour(style: dict, colour: str | None) -> str | None:
    """A series colour in the theme (brighter on the dark theme, the same meaning)."""
    return style["colours"].get(colour, colour) if colour else None


def _report_numbers(chart) -> list[float]:
    return [v for s in chart.series for v in s.values if v is not None]


def _report_positions(chart) -> list[int]:
    return list(range(len(chart.categories)))


def _report_trace(chart, s, index: int, style: dict) -> go.Scatter | go.Bar:
    """One series as a line (the first one labelled), dots, or bars."""
    fmt, suffix, values = chart.d3_format, chart.suffix, list(s.values)
    labels = ["" if v is None else f"{v:,.{chart.decimals}f}{suffix}" for v in values]
    colour = _report_colour(style, s.color)
    name = plotly_text(s.name)
    hover_category = [plotly_text(c).replace("\n", " ") for c in chart.categories]
    if chart.kind in ("line", "dot"):
        dots = chart.kind == "dot"
        return go.Scatter(
            x=_report_positions(chart), y=values, name=name, customdata=hover_category,
            mode="markers" if dots else "lines+markers+text" if index == 0 else "lines+markers",
            text=labels if index == 0 and not dots else None, textposition="top center",
            textfont={"size": style["label_size"], "color": style["text"]},
            line={"color": colour, "width": style["line_width"]},
            marker={"size": style["dot_size"] if dots else style["marker_size"], "color": colour},
            connectgaps=False, hovertemplate=f"%{{customdata}}<br>{name} %{{y:{fmt}}}{suffix}<extra></extra>",
        )
    stacked = chart.kind == "stacked_bar"
    bar = go.Bar(
        name=name, text=labels, textposition="inside" if stacked else "outside", cliponaxis=False,
        marker_color=[_report_colour(style, c) or colour for c in s.point_colors] if s.point_colors else colour,
        textfont={"size": style["label_size"], "color": "#FFFFFF" if stacked else style["text"]},
        insidetextanchor="middle" if stacked else None, textangle=0, customdata=hover_category,
    )
    if chart.kind in ("bar", "stacked_bar"):
        return bar.update(y=_report_positions(chart), x=values, orientation="h",
                          hovertemplate=f"%{{customdata}}<br>{name} %{{x:{fmt}}}{suffix}<extra></extra>")
    return bar.update(x=_report_positions(chart), y=values,
                      hovertemplate=f"%{{customdata}}<br>{name} %{{y:{fmt}}}{suffix}<extra></extra>")


def _report_value_range(chart) -> list[float] | None:
    """[low, high] of the value axis, None: automatic. Bars start at 0 and end at ``value_max``
    (a rate's 100%); lines and dots get room above the highest value for its label."""
    numbers = _report_numbers(chart)
    if chart.kind == "stacked_bar":
        return [0, 100]
    low = chart.bar_base if chart.is_bars else chart.value_min if chart.value_min is not None else min(numbers, default=0.0)
    high = chart.value_max
    if high is None or (numbers and not chart.is_bars and max(numbers) > high):
        if not numbers:
            return None
        top = max(numbers)
        high = top + ((top - low) or 1.0) * (0.15 if chart.kind == "bar" else 0.12)
    return [low, high]


def _report_axes(fig: go.Figure, chart, style: dict) -> None:
    """The value axis (shares of a stacked bar: 0-100, unlabelled; ticks in whole units unless the
    axis spans fewer than five) and the category axis, swapped for horizontal bars, whose first
    category goes on top."""
    value_axis = {"range": _report_value_range(chart), "gridcolor": style["grid"], "zeroline": False,
                  "title": {"text": chart.value_title, "standoff": 12,
                            "font": {"color": style["muted"], "size": style["size"] - 2}},
                  "tickfont": {"color": style["muted"], "size": style["size"] - 2}, "ticksuffix": chart.suffix,
                  "tickformat": f",.{chart.tick_decimals}f", "showticklabels": chart.kind != "stacked_bar",
                  "automargin": True}
    labels = [plotly_text(c).replace("\n", "<br>") for c in chart.categories]
    category_axis = {"showgrid": False, "zeroline": False, "linecolor": style["grid"], "tickfont": {"color": style["text"], "size": style["size"]},
                     "tickmode": "array", "tickvals": _report_positions(chart), "ticktext": labels,
                     "range": [-0.5, len(labels) - 0.5], "automargin": True}
    if chart.kind in ("bar", "stacked_bar"):
        fig.update_xaxes(**value_axis)
        fig.update_yaxes(**category_axis)
        fig.update_yaxes(range=[len(labels) - 0.5, -0.5])  # first category on top
    else:
        fig.update_yaxes(**value_axis)
        fig.update_xaxes(**category_axis)


def report_images(figures: list[go.Figure], *, width: int, height: int, scale: float = 1) -> list[bytes]:
    """PNG images of ``figures``, all in one kaleido (headless Chromium) session.

    plotly.js comes from the plotly package, and MathJax is off, which kaleido would otherwise
    load from a CDN (a wait on an offline intranet). ``scale`` multiplies the pixels (2 for print).

    Returns
    -------
    list of bytes
        One PNG per figure, in order.
    """
    import kaleido  # starts Chromium: imported only when images are wanted

    if not figures:
        return []
    with tempfile.TemporaryDirectory() as workdir:
        paths = [Path(workdir) / f"{index:03d}.png" for index in range(len(figures))]
        specs = [{"fig": fig.to_dict(), "path": path,
                  "opts": {"format": "png", "width": width, "height": height, "scale": scale}}
                 for fig, path in zip(figures, paths)]
        kaleido.write_fig_from_object_sync(specs, kopts={"mathjax": False})
        return [path.read_bytes() for path in paths]
