"""四有工程, 办实事, 先锋指数 and 考核 by branch or unit (analysis/metrics/four_have.py,
tasks.py, vanguard.py, assessment.py, profile.py): rankings, heatmaps, the rank bump chart
(drawn with the line helpers of ``trends``), the radar, the distribution of units and the
profile of one unit.
"""

from __future__ import annotations

from collections.abc import Collection

import pandas as pd
import plotly.graph_objects as go

from analysis import config as config_mod
from analysis.charts.base import _quarter_axis, _reference_lines, _style, quarter_text
from analysis.charts.trends import _end_labels, _field_alpha, _gapped_lines, _named_lines
from analysis.formatting import count, fixed, plotly_text, signed
from analysis.labels import RATERS
from analysis.palette import (
    ATTENTION,
    CHOSEN,
    DIVERGING_SCALE,
    GOOD,
    GOOD_LIGHT,
    GRADES,
    GRID,
    GRID_LIGHT,
    MEASURE,
    MUTED,
    NEUTRAL,
    OUTLINE_INK,
    POLAR_GRID,
    RATING_SCALE,
    REFERENCE_INK,
    SERIES,
    SLATE,
    WHITE,
    translucent,
)


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
    text = [[("" if (v := cell(b, d, "score")) is None else fixed(v, 1)) for d in dims] for b in rows]
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
            text=[f"{'★ ' if b in candidates else ''}{fixed(t, 1)}" for b, t in zip(part["branch_id"], part["total"])],
            textposition="outside", cliponaxis=False,
            customdata=list(zip(part["gap"], [_rank_change_text(c) for c in part["rank_change"]], part["branch_id"])),
            hovertemplate="%{y}<br>总分 %{x:.1f}<br>与全院均值差 %{customdata[0]:+.1f}<br>%{customdata[1]}"
                          "<extra>%{fullData.name}</extra>",
        ))
    if len(ranked):
        mean = float(ranked["hospital_mean"].iloc[0])
        fig.add_vline(x=mean, layer="below", line={"color": REFERENCE_INK, "dash": "dash", "width": 1})
        fig.add_annotation(x=mean, y=1.0, yref="paper", yanchor="bottom", text=f"全院均值 {fixed(mean, 1)}",
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
        text=[f"{fixed(r, 2)}%（{d}/{t}）" for r, d, t in zip(frame["rate"], frame["done"], frame["total"])],
        textposition="outside", cliponaxis=False,
        customdata=frame[["done", "total", "overdue"]],
        hovertemplate="%{y}<br>完成率 %{x:.2f}%<br>已完成 %{customdata[0]} / %{customdata[1]} 项"
                      "<br>逾期未完成 %{customdata[2]} 项<extra></extra>",
    ))
    if overall is not None:
        fig.add_vline(x=overall, line={"color": REFERENCE_INK, "dash": "dash", "width": 1})
        fig.add_annotation(x=overall, y=1.0, yref="paper", yanchor="bottom", text=f"总体 {fixed(overall, 2)}%",
                           showarrow=False, font={"size": 11, "color": REFERENCE_INK})
    fig = _style(fig, title=title, height=max(260, 28 * len(frame) + 120), x_title="完成率（%）", y_title=y_title)
    fig.update_yaxes(categoryorder="array", categoryarray=labels, autorange="reversed", showgrid=False)
    fig.update_xaxes(range=[0, 135], showgrid=True, gridcolor=GRID, tickvals=[0, 20, 40, 60, 80, 100])
    fig.update_layout(margin={"l": 150, "t": 64})
    return fig


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
        text=[f"{fixed(t, 1)}（第{r}名）" for t, r in zip(ranking["total"], ranking["rank"])], textposition="outside",
        textfont={"size": 12}, cliponaxis=False, hovertemplate="%{y}<br>总分 %{x:.1f}<br>点击查看支部画像<extra></extra>",
    ))
    fig = _style(fig, title=title, height=height or max(360, 22 * len(ranking) + 120), x_title="总分（百分制）")
    fig.update_xaxes(range=[0, 112])
    fig.update_yaxes(autorange="reversed", showgrid=False)
    fig.update_layout(margin={"l": 170})
    _reference_lines(fig, threshold=threshold, mean=mean, axis="x")
    return fig


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
        line={"color": CHOSEN, "width": 3}, text=[fixed(v, 1) if pd.notna(v) else "" for v in totals["unit_total"]],
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
        text=[fixed(v, 1) for v in lost["lost"]], textposition="outside", cliponaxis=False,
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
    branch in grey, all of them one trace, up to ``charts.field_lines_max`` of them (beyond, the
    legend says how many are not drawn)."""
    marked = {b: (GOOD, "表扬") for b in commended} | {b: (ATTENTION, "需关注") for b in flagged}
    marked |= {b: (CHOSEN, "所选支部") for b in chosen}
    quarters = sorted(set(ranking["quarter"]))
    position = {q: i for i, q in enumerate(quarters)}
    rest = ranking[~ranking["branch_id"].isin(set(marked))]
    others = rest["branch_id"].nunique()
    if others <= config_mod.load().charts.field_lines_max:
        field = _gapped_lines(rest, x="quarter", y="rank", unit="branch_id", name="branch_name", position=position,
                              legend_name="其他支部", colour=translucent(NEUTRAL, _field_alpha(others)), width=1,
                              hover="%{text}<br>第 %{y} 名<extra></extra>")
    else:
        field = go.Scatter(x=[None], y=[None], mode="lines", line={"color": NEUTRAL, "width": 1},
                           name=f"其余 {count(others)} 个支部未画出", hoverinfo="skip")
    fig = go.Figure(field)
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
        text=[signed(v, 2, missing="") for v in scores[gap]], textposition="outside", cliponaxis=False,
        hovertemplate="%{y}<br>%{x:+.2f}<extra></extra>",
    ))
    fig = _style(fig, title=title, height=height or max(300, 24 * len(scores) + 100), x_title=x_title)
    fig.update_yaxes(autorange="reversed", showgrid=False)
    fig.update_layout(margin={"l": 150})
    gaps = pd.to_numeric(scores[gap], errors="coerce").dropna()
    if len(gaps):
        # Room for the labels outside the bars' ends: the axis' own range ends at the longest bar,
        # and its label ran past the chart's edge ("+1.0" of "+1.09" in a half-width column).
        low, high = min(0.0, gaps.min()), max(0.0, gaps.max())
        room = 0.22 * ((high - low) or 1.0)
        fig.update_xaxes(range=[low - room if low < 0 else low, high + room if high > 0 else high])
    return fig
