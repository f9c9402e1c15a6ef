"""总览, 先锋指数 and 办实事 over the quarters: the hospital trend with its band, completion
trends, shares by group, and the lines of many units (``unit_trend_lines``) with the helpers
that draw a large field cheaply (one gapped trace or percentile bands) and set the names at
the lines' ends (``spread_positions``). ``branches.rank_bump`` draws its lines with the same
helpers.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from analysis import config as config_mod
from analysis.charts.base import _quarter_axis, _style, quarter_text, range_band
from analysis.formatting import fixed, plotly_text
from analysis.palette import ATTENTION, CHOSEN, GOOD, MEASURE, NEUTRAL, REFERENCE_INK, SERIES, WHITE, translucent
from analysis.periods import label as quarter_label


def vanguard_trend(trend: pd.DataFrame, *, title: str, height: int = 260, x: list | None = None) -> go.Figure:
    """Hospital mean index per quarter with the interquartile-free ±1 sd band and n on hover.

    ``x``: the quarters' positions on the axis (default their labels, a category axis).
    """
    labels = quarter_text(trend["quarter"])
    x = labels if x is None else list(x)
    fig = go.Figure()
    fig.add_trace(range_band(x, trend["mean"] + trend["sd"], trend["mean"] - trend["sd"],
                             colour=translucent(MEASURE, 0.10), name="±1 标准差"))
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
    fig.add_trace(range_band(x, trend["max"], trend["min"], colour=translucent(MEASURE, 0.10), name="最低—最高"))
    fig.add_trace(go.Scatter(
        x=x, y=trend["mean"], mode="lines+markers", name="支部均分", line={"color": MEASURE, "width": 2.5},
        customdata=trend[["n"]], hovertemplate="%{x}<br>均分 %{y:.1f}<br>支部数 %{customdata[0]}<extra></extra>",
    ))
    return _style(fig, title=title, height=height, y_title="考核总分（百分制）")


def completion_trend(trend: pd.DataFrame, *, title: str, height: int = 260) -> go.Figure:
    x = quarter_text(trend["quarter"])
    fig = go.Figure(go.Bar(
        x=x, y=trend["rate"], marker_color=MEASURE, customdata=trend[["done", "total"]],
        text=[f"{fixed(r, 2)}%" if pd.notna(r) else "" for r in trend["rate"]], textposition="outside",
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
        text=[f"{fixed(p, 0)}%" for p in shares["pct"]], textposition="inside", insidetextfont={"color": WHITE, "size": 16},
        hovertemplate="%{x}<br>%{y:.1f}%<extra></extra>",
    ))
    fig = _style(fig, title=title, height=height, y_title="比例（%）")
    fig.update_yaxes(range=[0, 105])
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
