"""总览: the unit's headcount, and the period's key figures from the other sections' functions.

Findings: overview.headcount; overview.summary (when any key figure has data). No tables.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd

from analysis import periods
from analysis.formatting import date, signed
from analysis.metrics import assessment, meetings, org, tasks, vanguard
from analysis.report.model import Figure, Finding
from analysis.report.sections.common import Built, Context, change_text, number_text, source_of


def build(ctx: Context) -> Built:
    """The 总览 findings (see the module notes)."""
    findings = [_headcount(ctx)]
    summary = _summary(ctx)
    if summary is not None:
        findings.append(summary)
    return findings, [], []


def _headcount(ctx: Context) -> Finding:
    hc = ctx.call(org.headcount, unit=ctx.unit, as_of=ctx.period.end)
    if ctx.level == "branch":
        title = f"{ctx.unit_label}共有党员{hc.members}名（含预备党员{hc.probationary}名）"
    else:
        title = f"{ctx.unit_label}共有党总支{hc.general_branches}个、党支部{hc.branches}个、党员{hc.members:,}名"
    return Finding(
        key="overview.headcount", section="overview", title=title,
        source=source_of(org.headcount), method="在册党员：截至期末已入党且在册；党员示范岗为持有示范岗（先锋岗）的党员。",
        n=f"截至{date(hc.as_of)}",
        figures=(
            Figure(f"{hc.members:,}", "党员", f"含预备党员 {hc.probationary} 名"),
            Figure(f"{hc.branches}", "党支部", f"党总支 {hc.general_branches} 个"),
            Figure(f"{hc.honour_posts}", "党员示范岗", ""),
        ),
        points=(f"党总支 {hc.general_branches} 个，党支部 {hc.branches} 个",
                f"党员 {hc.members:,} 名，其中预备党员 {hc.probationary} 名",
                f"党员示范岗（先锋岗）{hc.honour_posts} 个"),
        period_label=f"截至{date(hc.as_of)}",
    )


@dataclass(frozen=True)
class _KeyFigure:
    """One key figure of the period: its card, its words in the title, its supporting point."""

    figure: Figure
    in_title: str
    point: str
    source: Callable[..., Any]


def _summary(ctx: Context) -> Finding | None:
    """Key figures of the period, each from the function its section uses; None without any."""
    candidates = (_vanguard_figure(ctx), _assessment_figure(ctx), _tasks_figure(ctx), _org_life_figure(ctx))
    key_figures = [k for k in candidates if k is not None]
    if not key_figures:
        return None
    return Finding(
        key="overview.summary", section="overview",
        title=f"{ctx.period.label}{ctx.prefix}要点：" + "、".join(k.in_title for k in key_figures),
        source=source_of(*(k.source for k in key_figures)), method="各项口径见对应章节。", n="见各章节",
        figures=tuple(k.figure for k in key_figures[:4]), points=tuple(k.point for k in key_figures),
    )


def _quarter_row(trend: pd.DataFrame, quarter: str) -> pd.Series | None:
    """The row of ``quarter`` in a quarterly trend, None when the quarter has no data."""
    rows = trend[trend["quarter"] == quarter]
    return None if rows.empty else rows.iloc[0]


def _vanguard_figure(ctx: Context) -> _KeyFigure | None:
    p = ctx.period
    trend = ctx.call(vanguard.hospital_trend, first=p.trend_first, last=p.last, unit=ctx.unit, cfg=ctx.cfg)
    row = _quarter_row(trend, p.last)
    if row is None:
        return None
    return _KeyFigure(
        Figure(number_text(row["mean"]), "先锋指数均值", f"环比 {signed(row['qoq'])}"),
        f"先锋指数 {number_text(row['mean'])}",
        f"{periods.label(p.last)}先锋指数均值 {number_text(row['mean'])}，环比{change_text(row['qoq']) or '无上期数据'}"
        f"（n={int(row['n']):,}）",
        vanguard.hospital_trend,
    )


def _assessment_figure(ctx: Context) -> _KeyFigure | None:
    p = ctx.period
    totals = ctx.call(assessment.total_trend, first=p.trend_first, last=p.last, unit=ctx.unit)
    row = _quarter_row(totals, p.last)
    if row is None:
        return None
    return _KeyFigure(
        Figure(number_text(row["mean"]), "支部考核平均分", f"{int(row['n'])} 个支部"),
        f"支部考核均分 {number_text(row['mean'])}",
        f"{periods.label(p.last)}支部考核平均分 {number_text(row['mean'])}（{int(row['n'])}个支部，"
        f"最高 {number_text(row['max'])}、最低 {number_text(row['min'])}）",
        assessment.total_trend,
    )


def _tasks_figure(ctx: Context) -> _KeyFigure | None:
    end = ctx.period.end
    done = ctx.call(tasks.completion, as_of=end, unit=ctx.unit)
    if done.rate is None:
        return None
    return _KeyFigure(
        Figure(f"{done.rate:.2f}%", "办实事完成率", f"{done.done}/{done.total} 项"),
        f"办实事完成率 {done.rate:.2f}%",
        f"截至{date(end)}办实事完成 {done.done}/{done.total} 项（{done.rate:.2f}%），逾期未完成 {done.overdue} 项",
        tasks.completion,
    )


def _org_life_figure(ctx: Context) -> _KeyFigure | None:
    p = ctx.period
    summary = ctx.call(meetings.hospital_summary, first=p.first, last=p.last, unit=ctx.unit, as_of=ctx.as_of, cfg=ctx.cfg)
    if summary.rate is None:
        return None
    return _KeyFigure(
        Figure(f"{summary.rate:.1f}%", "三会一课达标率", f"缺漏 {summary.missing} 期次"),
        f"三会一课达标率 {summary.rate:.1f}%",
        f"{p.label}三会一课达标率 {summary.rate:.1f}%（{summary.counted:,}/{summary.required:,}），缺漏 {summary.missing} 期次",
        meetings.hospital_summary,
    )
