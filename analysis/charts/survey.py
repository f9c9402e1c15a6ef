"""问卷分析 (analysis/survey): option shares, group shares, crosstabs, Likert items, rankings,
reliability, waves and free text (keywords, word cloud; ``wordcloud`` is imported only when a
cloud is drawn).
"""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go

from analysis.charts.base import _style
from analysis.formatting import count, fixed, plotly_text
from analysis.palette import (
    ATTENTION,
    GRID,
    GRID_LIGHT,
    LABEL_INK,
    LIKERT_HIGH,
    LIKERT_LOW,
    LIKERT_MID,
    MEASURE,
    NEUTRAL,
    PALETTE,
    REFERENCE_INK,
    RESIDUAL_SCALE,
    WHISKER_DARK,
    WHITE,
    ZERO_LINE,
)

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
            text=SURVEY_HIDDEN_NOTE if hidden else f"{fixed(v, 1)}%（n={count(n)}）",
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
        text=[f"{fixed(v, 1)}%" if pd.notna(v) else "" for v in values], textposition="inside",
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
            line.append(plotly_text(count(n)) + ("" if pd.isna(share) else f"<br>{fixed(share, 1)}%"))
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
    labels = [f"{plotly_text(i)}（{fixed(m, 2)}）" if pd.notna(m) else plotly_text(i) for i, m in zip(items["item"], items["mean"])]
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
        text=[f"{fixed(s, 2)}（平均名次 {fixed(m, 2)}，n={int(n):,}）" if pd.notna(m) else f"{fixed(s, 2)}（n=0）"
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
        text=[fixed(r, 2) if pd.notna(r) else "" for r in items["item_total_r"]], textposition="outside",
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
            text=[f"{fixed(v, 1)}%" if pd.notna(v) else "" for v in values], textposition="top center",
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
        text=[f"{n:,}（{fixed(p, 1)}%）" for n, p in zip(words["n"], words["pct"])], textposition="outside",
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
