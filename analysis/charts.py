"""Chart styling in one place: every plotly figure of the app and the reports is made here.

Figures take tidy DataFrames from the analysis functions and never compute statistics; they
only choose marks, labels and colours. Titles name the subject and the period.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from .periods import label as quarter_label

FONT_FAMILY = "Noto Sans CJK SC, Source Han Sans SC, Microsoft YaHei, PingFang SC, SimHei, sans-serif"
PARTY_RED = "#C8102E"
GOLD = "#D4A017"
GREY = "#8C8C8C"
PALETTE = [PARTY_RED, "#1F5FA8", GOLD, "#2E8B57", "#7B4FA0", "#E07B39", "#3A9BB8", GREY]


def _style(fig: go.Figure, *, title: str, height: int, y_title: str | None = None, x_title: str | None = None) -> go.Figure:
    fig.update_layout(
        title={"text": title, "x": 0.0, "xanchor": "left", "font": {"size": 15}},
        font={"family": FONT_FAMILY, "size": 12},
        height=height,
        margin={"l": 48, "r": 16, "t": 48, "b": 40},
        colorway=PALETTE,
        plot_bgcolor="white",
        legend={"orientation": "h", "y": -0.2},
        hoverlabel={"font_family": FONT_FAMILY},
    )
    fig.update_xaxes(title_text=x_title, showgrid=False, linecolor="#ccc")
    fig.update_yaxes(title_text=y_title, gridcolor="#eee", zeroline=False)
    return fig


def vanguard_trend(trend: pd.DataFrame, *, title: str, height: int = 260) -> go.Figure:
    """Hospital mean index per quarter with the interquartile-free ±1 sd band and n on hover."""
    x = [quarter_label(q) for q in trend["quarter"]]
    fig = go.Figure()
    fig.add_trace(go.Scatter(
        x=x + x[::-1],
        y=list(trend["mean"] + trend["sd"]) + list((trend["mean"] - trend["sd"])[::-1]),
        mode="lines", fill="toself", fillcolor="rgba(200,16,46,0.10)", line={"width": 0}, hoverinfo="skip", name="±1 标准差",
    ))
    fig.add_trace(go.Scatter(
        x=x, y=trend["mean"], mode="lines+markers", name="均值", line={"color": PARTY_RED, "width": 2.5},
        customdata=trend[["n", "median"]], hovertemplate="%{x}<br>均值 %{y:.1f}<br>中位数 %{customdata[1]:.1f}<br>n=%{customdata[0]}<extra></extra>",
    ))
    return _style(fig, title=title, height=height, y_title="先锋指数")


def total_trend(trend: pd.DataFrame, *, title: str, height: int = 260) -> go.Figure:
    """Mean branch total per quarter with the range (lowest to highest branch)."""
    x = [quarter_label(q) for q in trend["quarter"]]
    fig = go.Figure()
    fig.add_trace(go.Scatter(
        x=x + x[::-1], y=list(trend["max"]) + list(trend["min"][::-1]), mode="lines", fill="toself",
        fillcolor="rgba(31,95,168,0.10)", line={"width": 0}, hoverinfo="skip", name="最低—最高",
    ))
    fig.add_trace(go.Scatter(
        x=x, y=trend["mean"], mode="lines+markers", name="支部均分", line={"color": "#1F5FA8", "width": 2.5},
        customdata=trend[["n"]], hovertemplate="%{x}<br>均分 %{y:.1f}<br>支部数 %{customdata[0]}<extra></extra>",
    ))
    return _style(fig, title=title, height=height, y_title="考核总分（百分制）")


def completion_trend(trend: pd.DataFrame, *, title: str, height: int = 260) -> go.Figure:
    x = [quarter_label(q) for q in trend["quarter"]]
    fig = go.Figure(go.Bar(
        x=x, y=trend["rate"], marker_color=GOLD, customdata=trend[["done", "total"]],
        text=[f"{r:.2f}%" if pd.notna(r) else "" for r in trend["rate"]], textposition="outside",
        hovertemplate="%{x}<br>完成率 %{y:.2f}%<br>%{customdata[0]}/%{customdata[1]} 项<extra></extra>",
    ))
    fig = _style(fig, title=title, height=height, y_title="完成率（%）")
    fig.update_yaxes(range=[0, 110])
    return fig


def share_by_group(shares: pd.DataFrame, *, title: str, height: int = 260) -> go.Figure:
    """Share per group with its 95% CI as error bars and n in the label."""
    fig = go.Figure(go.Bar(
        x=[f"{g}（n={n:,}）" for g, n in zip(shares["group"], shares["n"])],
        y=shares["pct"],
        marker_color=[PARTY_RED, "#1F5FA8", GOLD, GREY][: len(shares)],
        error_y={"type": "data", "symmetric": False, "array": shares["ci_high"] - shares["pct"],
                 "arrayminus": shares["pct"] - shares["ci_low"], "color": "#444"},
        text=[f"{p:.0f}%" for p in shares["pct"]], textposition="inside", insidetextfont={"color": "white", "size": 16},
        hovertemplate="%{x}<br>%{y:.1f}%<extra></extra>",
    ))
    fig = _style(fig, title=title, height=height, y_title="比例（%）")
    fig.update_yaxes(range=[0, 105])
    return fig
