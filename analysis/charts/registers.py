"""党务台账 (analysis/registers): stacked counts and shares with their intervals (``share_bars``
is also drawn by 组织生活)."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from analysis.charts.base import _style
from analysis.formatting import plotly_text
from analysis.palette import MEASURE, SERIES, WHISKER


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
