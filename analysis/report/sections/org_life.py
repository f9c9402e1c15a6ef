"""组织生活: 三会一课 compliance and attendance, the branches with gaps, and the activities.

Findings: org_life.compliance (when some period has ended with records); org_life.attendance;
org_life.gaps (not for one branch); org_life.yearly (组织生活会 and 民主评议党员, when a year ended in
the period); org_life.activities. Tables: org_life_by_kind, org_life_missing, org_life_yearly,
org_life_activities. Everything is judged as of ``Context.as_of``.
"""

from __future__ import annotations

import datetime as dt

from analysis import config as config_mod
from analysis.formatting import date, fixed
from analysis.metrics import activities, annual_meetings, meetings
from analysis.palette import ATTENDANCE, ATTENTION, MEASURE
from analysis.report.model import Chart, Concern, Figure, Finding, Series, Table, table
from analysis.report.sections.common import (
    Built,
    Context,
    Part,
    column_values,
    gather,
    number_text,
    source_of,
)

GAPS_CHART_ROWS = 10  # branches with gaps shown in the chart
ABSENCE_CONCERN = 5.0  # percent of attendance records absent without leave that a meeting should hear about
SOURCE = source_of("meetings")


def build(ctx: Context) -> Built:
    """The 组织生活 findings, tables and notes (see the module notes)."""
    p = ctx.period
    summary = ctx.call(meetings.hospital_summary, first=p.first, last=p.last, unit=ctx.unit, as_of=ctx.as_of,
                       cfg=ctx.cfg)
    until = f"数据截至{date(summary.window.last_day)}" if summary.window.last_day else "暂无活动记录"
    method = _method(ctx.cfg)
    findings: list[Finding] = []
    notes: list[str] = []
    if summary.rate is None:
        notes.append(f"{p.label}尚无已结束且有记录的统计期（{until}），三会一课达标率不予计算。")
    else:
        findings.append(_compliance(ctx, summary, method, until))
    if summary.attendance_rate is not None:
        findings.append(_attendance(ctx, summary, method))
    elif summary.attendance_n:
        notes.append("出勤人数不足，出勤比例不予报告。")
    later_findings, later_tables = gather((_gaps(ctx, summary, method), _yearly(ctx), _activities(ctx, until)))
    return findings + later_findings, [_by_kind_table(ctx, summary), *later_tables], notes


def _method(cfg: config_mod.Config) -> str:
    rules = "；".join(f"{r.kind}每{'月' if r.per == 'month' else '季度'}至少{r.times}次" for r in cfg.meeting_rules)
    return (f"{rules}。只统计已结束、且全院有活动记录的月份或季度；达标率 = Σ按期达标次数 ÷ Σ应开次数；"
            f"出席率 = 出席 ÷（出席 + 请假 + 缺席）；党员少于{cfg.survey.min_cell}人的支部不报告出勤比例。")


def _compliance(ctx: Context, summary: meetings.MeetingSummary, method: str, until: str) -> Finding:
    """三会一课 held as required, by meeting kind."""
    by_kind = summary.by_kind
    spread = "" if ctx.level == "branch" else f"，涉及 {summary.branches_with_gaps} 个支部"
    concerns = ()
    if summary.missing:
        concerns = (Concern(f"{ctx.prefix}三会一课缺漏 {summary.missing} 期次{spread}",
                            "督促缺漏支部限期补开，把三会一课落实情况纳入支部季度考核，党办每月通报",
                            1.0 + min(summary.missing / 10, 1.5)),)
    return Finding(
        key="org_life.compliance", section="org_life",
        title=f"{ctx.period.label}{ctx.prefix}三会一课达标率 {fixed(summary.rate, 1)}%（{summary.counted:,}/{summary.required:,}），"
              f"缺漏 {summary.missing} 期次{spread}",
        source=SOURCE, method=method,
        n=f"{summary.branches}个支部、应开{summary.required:,}次（{until}）",
        figures=(Figure(f"{fixed(summary.rate, 1)}%", "三会一课达标率", f"缺漏 {summary.missing} 期次"),),
        chart=Chart("column", tuple(by_kind["kind"]), (Series("达标率", column_values(by_kind, "rate"), MEASURE),),
                    "达标率（%）", suffix="%", value_max=100),
        points=tuple(f"{r.kind}：{number_text(r.rate)}%（{int(r.counted):,}/{int(r.required):,}），缺漏 {int(r.missing)} 期次"
                     for r in by_kind.itertuples()),
        details=tuple(f"{r.kind}达标率 {number_text(r.rate)}%，95% CI {number_text(r.ci_low)}%–{number_text(r.ci_high)}%"
                      for r in by_kind.itertuples()),
        concerns=concerns,
        weight=0.8 + min(summary.missing / 10, 1.2),
    )


def _attendance(ctx: Context, summary: meetings.MeetingSummary, method: str) -> Finding:
    """Members present, on leave and absent, by meeting kind."""
    by_kind = summary.by_kind
    series = (Series("出席", column_values(by_kind, "attendance_rate"), ATTENDANCE["出席"]),
              Series("请假", column_values(by_kind, "leave_rate"), ATTENDANCE["请假"]),
              Series("缺席", column_values(by_kind, "absence_rate"), ATTENDANCE["缺席"]))
    absence = 100 * summary.absent / summary.attendance_n if summary.absent is not None else 0.0
    concerns = ()
    if absence >= ABSENCE_CONCERN:
        concerns = (Concern(f"{ctx.prefix}党员参加组织生活缺席率 {fixed(absence, 1)}%",
                            "对无故缺席的党员由支部书记谈心谈话，组织生活时间提前公布、合理安排", absence / 5),)
    return Finding(
        key="org_life.attendance", section="org_life",
        title=f"{ctx.period.label}{ctx.prefix}党员出席率 {fixed(summary.attendance_rate, 1)}%，请假率 {fixed(summary.leave_rate, 1)}%"
              f"（{summary.attendance_n:,}条出勤记录）",
        source=SOURCE, method=method,
        n=f"{summary.members:,}名党员、{summary.attendance_n:,}条出勤记录",
        figures=(Figure(f"{fixed(summary.attendance_rate, 1)}%", "党员出席率", f"请假率 {fixed(summary.leave_rate, 1)}%"),),
        chart=Chart("stacked_bar", tuple(by_kind["kind"]), series, "占出勤记录的比例（%）", suffix="%",
                    value_max=100),
        points=tuple(f"{r.kind}：出席 {number_text(r.attendance_rate)}%，请假 {number_text(r.leave_rate)}%，"
                     f"缺席 {number_text(r.absence_rate)}%" for r in by_kind.itertuples()),
        concerns=concerns,
        weight=0.3 + min(absence / 10, 1.0),
    )


def _by_kind_table(ctx: Context, summary: meetings.MeetingSummary) -> Table:
    by_kind = summary.by_kind
    return table("org_life_by_kind", f"三会一课汇总（{ctx.period.label}）", by_kind.assign(
        grain=by_kind["grain"].map({"month": "月", "quarter": "季度"})), {
        "kind": ("会议类型", "text"), "grain": ("频次单位", "text"), "times": ("每期应开", "int"),
        "branches": ("支部数", "int"), "required": ("应开次数", "int"), "counted": ("达标次数", "int"),
        "rate": ("达标率", "pct"), "ci_low": ("95%CI下限", "pct"), "ci_high": ("95%CI上限", "pct"),
        "missing": ("缺漏期数", "int"), "branches_with_gaps": ("有缺漏支部数", "int"),
        "attendance_n": ("出勤记录数", "int"), "attendance_rate": ("出席率", "pct"), "leave_rate": ("请假率", "pct"),
        "absence_rate": ("缺席率", "pct")}, source=SOURCE)


def _gaps(ctx: Context, summary: meetings.MeetingSummary, method: str) -> Part:
    """The branches with missing meetings, most periods first (not for one branch)."""
    if not summary.missing or ctx.level == "branch":
        return None
    p = ctx.period
    missing = ctx.call(meetings.missing_meetings, first=p.first, last=p.last, unit=ctx.unit, as_of=ctx.as_of,
                       cfg=ctx.cfg)
    per_branch = (missing.groupby(["branch_id", "branch_name"], as_index=False)
                  .agg(periods=("period", "count"), shortfall=("shortfall", "sum"))
                  .sort_values(["periods", "branch_id"], ascending=[False, True]).reset_index(drop=True))
    shown = per_branch.head(GAPS_CHART_ROWS)
    total_periods = int(per_branch["periods"].sum())
    # Bars of equal length say nothing a list does not: a chart only when the branches differ.
    chart = Chart("bar", tuple(shown["branch_name"]), (Series("缺漏期次", column_values(shown, "periods"), ATTENTION),),
                  "缺漏期次", decimals=0) if shown["periods"].nunique() > 1 else None
    finding = Finding(
        key="org_life.gaps", section="org_life",
        title=f"{p.label}{ctx.prefix}三会一课缺漏涉及 {len(per_branch)} 个支部：" + "、".join(
            f"{r.branch_name}（{int(r.periods)}期次）" for r in per_branch.head(3).itertuples())
        + ("等" if len(per_branch) > 3 else ""),
        source=SOURCE, method=method,
        n=f"{len(per_branch)}个支部有缺漏、共{total_periods}期次",
        figures=(Figure(f"{len(per_branch)}", "有缺漏的支部", f"共 {total_periods} 期次"),),
        chart=chart,
        points=tuple(f"{r.branch_name}：缺漏 {int(r.periods)} 期次，少开 {int(r.shortfall)} 次"
                     for r in shown.head(8 if chart is None else 5).itertuples()),
        # 三会一课's own slide counts the gaps and 存在问题 names them.
        weight=0.3 + min(0.05 * len(per_branch), 0.5),
    )
    return finding, table("org_life_missing", f"三会一课缺漏清单（{p.label}）", missing, {
        "branch_name": ("党支部", "text"), "general_branch_name": ("党总支", "text"), "kind": ("会议类型", "text"),
        "period_label": ("期间", "text"), "required": ("应开", "int"), "held": ("召开", "int"),
        "shortfall": ("缺少", "int")}, source=SOURCE, in_deck=False)


def _yearly(ctx: Context) -> Part:
    """组织生活会 and 民主评议党员 of the years that ended in the period (a branch's year-end
    meetings; 民主生活会 is the leadership team's, not a branch's)."""
    p = ctx.period
    first_year, last_year = int(p.first[:4]), int(p.last[:4])
    years = [y for y in range(first_year, last_year + 1) if dt.date(y, 12, 31) <= ctx.as_of and f"{y}Q4" <= p.last]
    if not years:
        return None
    summary = ctx.call(annual_meetings.annual_meeting_summary, years=years, unit=ctx.unit, as_of=ctx.as_of,
                       cfg=ctx.cfg)
    if summary["branches"].sum() == 0:
        return None
    latest = summary[summary["year"] == years[-1]]
    missing = int(latest["missing"].sum())
    rules = "；".join(f"每个党支部每年至少召开{r.times}次{r.kind}" for r in ctx.cfg.annual_meeting_rules)
    finding = Finding(
        key="org_life.yearly", section="org_life",
        title=f"{years[-1]}年{ctx.prefix}" + "，".join(
            f"{r.kind} {int(r.held)}/{int(r.branches)} 个支部已召开" for r in latest.itertuples())
        + ("" if missing == 0 else f"，{missing} 项未召开"),
        source=SOURCE, method=f"{rules}；按活动记录中的会议日期所在年度统计；当年成立晚于年末的支部不计。",
        n=f"{int(latest['branches'].max())}个支部",
        figures=tuple(Figure(f"{fixed(r.pct, 0)}%", f"{r.kind}召开率", f"{int(r.held)}/{int(r.branches)}")
                      for r in latest.itertuples()),
        points=tuple(f"{int(r.year)}年{r.kind}：{int(r.held)}/{int(r.branches)} 个支部已召开，缺漏 {int(r.missing)} 个"
                     for r in summary.itertuples()),
        weight=0.1 + min(0.1 * missing, 0.4),
    )
    return finding, table("org_life_yearly", f"组织生活会与民主评议党员（{years[0]}—{years[-1]}年）", summary, {
        "year": ("年度", "int"), "kind": ("会议类型", "text"), "branches": ("应召开支部", "int"),
        "held": ("已召开支部", "int"), "missing": ("缺漏支部", "int"), "pct": ("召开率", "pct"),
        "ci_low": ("95%CI下限", "pct"), "ci_high": ("95%CI上限", "pct")}, source=SOURCE, in_deck=False)


def _activities(ctx: Context, until: str) -> Part:
    """Activities other than 三会一课 by type; the title counts 义诊 and 志愿服务."""
    p = ctx.period
    totals = ctx.call(activities.activity_totals, first=p.first, last=p.last, unit=ctx.unit,
                      types=activities.EVENT_TYPES, as_of=ctx.as_of)
    if totals.empty:
        return None
    service = ctx.call(activities.service_totals, first=p.first, last=p.last, unit=ctx.unit, as_of=ctx.as_of)
    clinic, volunteer = service.free_clinic, service.volunteering
    finding = Finding(
        key="org_life.activities", section="org_life",
        title=f"{p.label}{ctx.prefix}开展义诊 {clinic.activities:,} 场、服务 {clinic.people_served:,} 人次，"
              f"志愿服务 {volunteer.activities:,} 场、{volunteer.people_served:,} 人次",
        source=source_of("activities"),
        method="按活动记录统计：场次、服务人次、时长；不含三会一课；日期晚于统计日的活动不计。",
        n=f"活动{int(totals['activities'].sum()):,}场（{until}）",
        figures=(Figure(f"{clinic.people_served + volunteer.people_served:,}", "义诊与志愿服务人次",
                        f"{clinic.activities + volunteer.activities:,} 场"),),
        chart=Chart("column", tuple(totals["activity_type"]),
                    (Series("场次", column_values(totals, "activities"), MEASURE),), "场次", decimals=0),
        weight=0.7,
        points=tuple(f"{r.activity_type}：{int(r.activities):,} 场，服务 {int(r.people_served):,} 人次，"
                     f"{number_text(r.hours, 0)} 小时，{int(r.branches)} 个支部" for r in totals.itertuples()),
    )
    return finding, table("org_life_activities", f"活动统计（{p.label}）", totals, {
        "activity_type": ("活动类型", "text"), "activities": ("场次", "int"), "people_served": ("服务人次", "int"),
        "hours": ("时长（小时）", "score"), "branches": ("支部数", "int"), "months": ("活跃月数", "int")},
        source=source_of("activities"))
