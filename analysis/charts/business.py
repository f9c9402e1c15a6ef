"""党建+业务 (analysis/business): the quadrant of Party and business percentiles, the forest
of associations and one branch's trend on both sides.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from analysis.charts.base import _style, quarter_text, range_band
from analysis.formatting import plotly_text
from analysis.palette import (
    ATTENTION,
    CHOSEN,
    GOOD,
    GRID_LIGHT,
    MUTED,
    NEUTRAL,
    REFERENCE_INK,
    SAND,
    SLATE,
    WHITE,
    ZERO_LINE,
    translucent,
)

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
    fig.add_trace(range_band(x, trend["hospital_p75"], trend["hospital_p25"], colour=translucent(NEUTRAL, 0.15),
                             name="全院支部中间 50%"))
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
