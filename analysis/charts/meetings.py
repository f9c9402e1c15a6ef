"""组织生活: 三会一课 and activities (analysis/metrics/meetings.py, activities.py):
compliance heatmap and ranking, the meeting calendar, attendance and activities by month.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from analysis.charts.base import _reference_lines, _style
from analysis.formatting import fixed, plotly_text
from analysis.palette import (
    ATTENDANCE,
    ATTENTION,
    BROWN,
    CHOSEN,
    GOOD,
    GOOD_LIGHT,
    GRID,
    IN_PROGRESS,
    MAGENTA,
    MEASURE,
    NEUTRAL,
    NO_DATA,
    NOT_FOUNDED,
    OLIVE,
    PLUM,
    PURPLE,
    SAND,
    SLATE,
    SWATCH_EDGE,
    TEAL,
    WHISKER,
    WHITE,
)

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


STATUS_LEGEND = {"orientation": "h", "x": 1.0, "xanchor": "right", "y": 1.0, "yanchor": "bottom"}


def _status_figure(z_status: list[list[str | None]], *, x: list[str], y: list[str], text: list[list[str]],
                   custom: list[list[list]], hover: str, title: str, height: int, x_title: str, y_title: str,
                   left: int) -> go.Figure:
    """A heatmap whose cells are coloured by meeting status, with one legend entry per status
    shown, rows top-down and both axes categories (``left``: the row labels' margin)."""
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
    fig = _style(go.Figure([heatmap, *legend]), title=title, height=height, x_title=x_title, y_title=y_title)
    fig.update_yaxes(autorange="reversed", showgrid=False, type="category")
    fig.update_xaxes(type="category")
    fig.update_layout(margin={"l": left, "r": 16, "t": 96, "b": 60}, legend=STATUS_LEGEND)
    return fig


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
    return _status_figure(
        status, x=x, y=y, text=text, custom=custom,
        hover="%{y}<br>%{x}：%{customdata[0]}<br>召开 %{customdata[1]} 次 / 应开 %{customdata[2]} 次"
              "<br>日期：%{customdata[3]}<extra></extra>",
        title=title, height=max(300, 22 * len(y) + 190), x_title="期间", y_title="党支部", left=160)


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
        text=[f"{fixed(r, 0)}%（{c}/{n}）" for r, c, n in zip(shown["rate"], shown["counted"], shown["required"])],
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
    return _status_figure(
        status, x=x, y=y, text=text, custom=custom,
        hover="%{y} · %{x}<br>%{customdata[1]}：%{customdata[0]}<br>本期召开 %{customdata[2]} 次 / 应开 %{customdata[3]} 次"
              "<extra></extra>",
        title=title, height=max(300, 44 * len(y) + 170), x_title="月份", y_title="会议类型", left=100)


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
            text=[f"{fixed(v, 0)}%" if pd.notna(v) and (status == "出席" or v >= 8) else "" for v in rates[column]],
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
