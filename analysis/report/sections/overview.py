"""总览 (总体情况): the unit's size and the period's key figures on one slide, each from the
function its section uses; a unit's figures stand against the hospital (its rank, the
hospital's mean), never "共有党总支1个".

Findings: overview.summary. No tables.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from analysis import periods
from analysis.formatting import date, fixed, signed
from analysis.metrics import assessment, meetings, org, tasks, vanguard
from analysis.report.model import Figure, Finding, number
from analysis.report.sections.common import Built, Context, change_text, number_text, source_of


def build(ctx: Context) -> Built:
    """The 总览 finding (see the module notes)."""
    return [_summary(ctx)], [], []


@dataclass(frozen=True)
class _KeyFigure:
    """One key figure of the period: its card, its words in the title, its supporting point, its data."""

    figure: Figure
    in_title: str
    point: str
    source: str


def _summary(ctx: Context) -> Finding:
    """The unit's size, then the key figures that have data in the period."""
    hc = ctx.call(org.headcount, unit=ctx.unit, as_of=ctx.period.end)
    if ctx.level == "hospital":
        size = f"全院{hc.general_branches}个党总支、{hc.branches}个党支部、{hc.members:,}名党员"
        size_figure = Figure(f"{hc.members:,}", "党员", f"{hc.branches} 个党支部 · {hc.general_branches} 个党总支")
    elif ctx.level == "general_branch":
        size = f"{ctx.unit_label}{hc.branches}个党支部、{hc.members:,}名党员"
        size_figure = Figure(f"{hc.members:,}", "党员", f"{hc.branches} 个党支部")
    else:
        size = f"{ctx.unit_label}{hc.members}名党员"
        size_figure = Figure(f"{hc.members}", "党员", f"含预备党员 {hc.probationary} 名")
    candidates = (_vanguard_figure(ctx), _assessment_figure(ctx), _org_life_figure(ctx), _tasks_figure(ctx))
    key_figures = [k for k in candidates if k is not None]
    title = f"{ctx.period.label}{size}"
    if key_figures:
        title += "：" + "，".join(k.in_title for k in key_figures)
    size_point = (f"党员 {hc.members:,} 名，其中预备党员 {hc.probationary} 名；党员示范岗（先锋岗）{hc.honour_posts} 个"
                  f"（截至{date(hc.as_of)}）")
    return Finding(
        key="overview.summary", section="overview", title=title,
        source=source_of("org") + (f"及{len(key_figures)}项工作台账（见各页）" if key_figures else ""),
        method="在册党员：截至期末已入党且在册；其余各项口径见对应章节。各项数据："
               + "、".join(dict.fromkeys([source_of("org"), *(k.source for k in key_figures)])) + "。",
        n=f"{hc.branches}个党支部、{hc.members:,}名党员",
        figures=(size_figure, *(k.figure for k in key_figures)),
        points=(size_point, *(k.point for k in key_figures)),
        weight=0.0,  # the short deck always has it, as 总体情况
    )


def _quarter_row(trend: pd.DataFrame, quarter: str) -> pd.Series | None:
    """The row of ``quarter`` in a quarterly trend, None when the quarter has no data."""
    rows = trend[trend["quarter"] == quarter]
    return None if rows.empty else rows.iloc[0]


def _rank_among(ctx: Context, frame: pd.DataFrame, value: str) -> str:
    """'7个党总支中第2' for the unit in ``frame`` (one row per unit of its level; ties share a rank)."""
    mine = frame[frame["unit_id"] == ctx.unit]
    if mine.empty:
        return ""
    rank = int((frame[value] > mine[value].iloc[0]).sum()) + 1
    what = "党总支" if ctx.level == "general_branch" else "党支部"
    return f"{len(frame)}个{what}中第{rank}"


def _vanguard_figure(ctx: Context) -> _KeyFigure | None:
    p = ctx.period
    trend = ctx.call(vanguard.hospital_trend, first=p.trend_first, last=p.last, unit=ctx.unit, cfg=ctx.cfg)
    row = _quarter_row(trend, p.last)
    if row is None:
        return None
    standing = ""
    if ctx.unit is not None:
        peers = ctx.call(vanguard.trend, first=p.last, last=p.last, unit=None, level=ctx.level, cfg=ctx.cfg)
        standing = _rank_among(ctx, peers.dropna(subset=["unit_id"]), "mean")
    return _KeyFigure(
        Figure(number_text(row["mean"]), "先锋指数均值", f"环比 {signed(row['qoq'])}" + (f" · {standing}" if standing else "")),
        f"先锋指数 {number_text(row['mean'])}" + (f"（{standing}）" if standing else ""),
        f"{periods.label(p.last)}先锋指数均值 {number_text(row['mean'])}，环比{change_text(row['qoq']) or '无上期数据'}"
        f"（参评党员 {int(row['n']):,} 名" + (f"，{standing}" if standing else "") + "）",
        source_of("vanguard"),
    )


def _assessment_figure(ctx: Context) -> _KeyFigure | None:
    p = ctx.period
    if ctx.level == "branch":
        ranking = ctx.call(assessment.branch_ranking, first=p.last, last=p.last, unit=ctx.unit)
        if ranking.empty:
            return None
        row = ranking.iloc[0]
        hospital = _quarter_row(ctx.call(assessment.total_trend, first=p.trend_first, last=p.last, unit=None), p.last)
        n_all = int(hospital["n"]) if hospital is not None else len(ranking)
        return _KeyFigure(
            Figure(number_text(row["total"]), "支部考核总分", f"全院第 {int(row['rank'])} 名（共 {n_all} 个）"),
            f"考核总分 {number_text(row['total'])}（全院第{int(row['rank'])}名）",
            f"{periods.label(p.last)}支部考核总分 {number_text(row['total'])}，全院第{int(row['rank'])}名（共{n_all}个支部）",
            source_of("assessment"),
        )
    totals = ctx.call(assessment.total_trend, first=p.trend_first, last=p.last, unit=ctx.unit)
    row = _quarter_row(totals, p.last)
    if row is None:
        return None
    versus = ""
    if ctx.unit is not None:
        hospital = _quarter_row(ctx.call(assessment.total_trend, first=p.trend_first, last=p.last, unit=None), p.last)
        gap = None if hospital is None else number(row["mean"] - hospital["mean"])
        if gap is not None:
            versus = f"比全院{'高' if gap >= 0 else '低'} {fixed(abs(gap), 1)}"
    return _KeyFigure(
        Figure(number_text(row["mean"]), "支部考核平均分", f"{int(row['n'])} 个支部" + (f" · {versus}" if versus else "")),
        f"支部考核均分 {number_text(row['mean'])}" + (f"（{versus}）" if versus else ""),
        f"{periods.label(p.last)}支部考核平均分 {number_text(row['mean'])}（{int(row['n'])}个支部，"
        f"最高 {number_text(row['max'])}、最低 {number_text(row['min'])}" + (f"；{versus}" if versus else "") + "）",
        source_of("assessment"),
    )


def _tasks_figure(ctx: Context) -> _KeyFigure | None:
    end = ctx.period.end
    done = ctx.call(tasks.completion, as_of=end, unit=ctx.unit)
    if done.rate is None:
        return None
    return _KeyFigure(
        Figure(f"{fixed(done.rate, 2)}%", "办实事完成率", f"{done.done}/{done.total} 项 · 逾期 {done.overdue} 项"),
        f"办实事完成率 {fixed(done.rate, 2)}%",
        f"截至{date(end)}办实事完成 {done.done}/{done.total} 项（{fixed(done.rate, 2)}%），逾期未完成 {done.overdue} 项",
        source_of("tasks"),
    )


def _org_life_figure(ctx: Context) -> _KeyFigure | None:
    p = ctx.period
    summary = ctx.call(meetings.hospital_summary, first=p.first, last=p.last, unit=ctx.unit, as_of=ctx.as_of, cfg=ctx.cfg)
    if summary.rate is None:
        return None
    return _KeyFigure(
        Figure(f"{fixed(summary.rate, 1)}%", "三会一课达标率", f"缺漏 {summary.missing} 期次"),
        f"三会一课达标率 {fixed(summary.rate, 1)}%",
        f"{p.label}三会一课达标率 {fixed(summary.rate, 1)}%（{summary.counted:,}/{summary.required:,}），缺漏 {summary.missing} 期次",
        source_of("meetings"),
    )
