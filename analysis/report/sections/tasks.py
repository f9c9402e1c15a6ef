"""办实事: completion as of the period's end, the weakest category, and the overdue projects.

Findings: tasks.completion; tasks.categories (two or more categories); tasks.overdue. Tables:
tasks_trend, tasks_categories, tasks_overdue (when any), tasks_list.
"""

from __future__ import annotations

from analysis import periods
from analysis.formatting import date, fixed
from analysis.metrics import tasks
from analysis.palette import MEASURE
from analysis.report.model import Chart, Concern, Figure, Finding, Series, Table, table
from analysis.report.sections.common import Built, Context, Part, column_values, quarter_axis, source_of

METHOD = "完成率 = 截至期末已完成项目数 ÷ 已启动项目数（两位小数）；逾期 = 计划完成日已过而期末仍未完成（到期当天不算）。"
SOURCE = source_of("tasks")


def build(ctx: Context) -> Built:
    """The 办实事 findings and tables (see the module notes); nothing without started projects."""
    p = ctx.period
    rep = ctx.call(tasks.task_report, first=p.trend_first, last=p.last, unit=ctx.unit)
    if rep.completion.rate is None:
        return [], [], []
    findings = [_completion(ctx, rep)]
    tables = [table("tasks_trend", "办实事各季度末完成率", rep.trend.assign(quarter=rep.trend["quarter"].map(periods.label)), {
        "quarter": ("季度", "text"), "done": ("已完成", "int"), "total": ("项目数", "int"), "rate": ("完成率", "pct")},
        source=SOURCE)]
    categories = _categories(ctx, rep)
    if categories is not None:
        findings.append(categories[0])
        tables.append(categories[1])
    overdue, overdue_table = _overdue(ctx, rep)
    findings.append(overdue)
    if len(rep.overdue):
        tables.append(overdue_table)
    tables.append(table("tasks_list", f"办实事项目清单（截至{rep.as_of:%Y-%m-%d}）", rep.tasks, {
        "task_id": ("编号", "text"), "title": ("项目", "text"), "category": ("类别", "text"),
        "unit_name": ("责任单位", "text"), "status_as_of": ("期末状态", "text"), "started_on": ("开始日期", "date"),
        "due_on": ("计划完成", "date"), "completed_on": ("实际完成", "date"), "counted": ("计入完成率", "bool")},
        source=SOURCE, in_deck=False))
    return findings, tables, []


def _completion(ctx: Context, rep: tasks.TaskReport) -> Finding:
    """The completion rate as of the period's end, with the rate at each quarter's end since the
    first project started (quarters before it have no rate: they are left off the axis)."""
    c, as_of = rep.completion, date(rep.as_of)
    trend = rep.trend[rep.trend["total"].cumsum() > 0]
    return Finding(
        key="tasks.completion", section="tasks",
        title=f"截至{as_of}{ctx.prefix}办实事完成率 {fixed(c.rate, 2)}%（{c.done}/{c.total}），逾期未完成 {c.overdue} 项",
        source=SOURCE, method=METHOD, n=f"已启动项目{c.total}项",
        figures=(Figure(f"{fixed(c.rate, 2)}%", "办实事完成率", f"{c.done}/{c.total} 项 · 逾期 {c.overdue} 项"),),
        chart=Chart("column", quarter_axis(trend["quarter"]), (Series("完成率", column_values(trend, "rate"), MEASURE),),
                    "完成率（%）", decimals=2, suffix="%", value_max=100),
        points=(f"已完成 {c.done} 项，未完成 {c.total - c.done} 项", f"逾期未完成 {c.overdue} 项"),
        period_label=f"截至{as_of}（各季度末）",
        weight=0.9 + min(c.overdue / 5, 0.8),
    )


def _categories(ctx: Context, rep: tasks.TaskReport) -> Part:
    """Completion by category, titled with the lowest (only with two categories or more)."""
    cats, as_of = rep.by_category, date(rep.as_of)
    if len(cats) < 2:
        return None
    low = cats.sort_values(["rate", "category"]).iloc[0]
    finding = Finding(
        key="tasks.categories", section="tasks",
        title=f"截至{as_of}{ctx.prefix}完成率最低的类别：{low['category']} {fixed(low['rate'], 2)}%"
              f"（{int(low['done'])}/{int(low['total'])}）",
        source=SOURCE, method=METHOD, n=f"{len(cats)}个类别、{rep.completion.total}项",
        figures=(Figure(f"{fixed(low['rate'], 2)}%", f"{low['category']}完成率", f"{int(low['done'])}/{int(low['total'])} 项"),),
        chart=Chart("bar", tuple(cats["category"]), (Series("完成率", column_values(cats, "rate"), MEASURE),), "完成率（%）",
                    decimals=2, suffix="%", value_max=100),
        weight=0.3,
        points=tuple(f"{r.category}：{fixed(r.rate, 2)}%（{int(r.done)}/{int(r.total)}），逾期 {int(r.overdue)} 项"
                     for r in cats.itertuples()),
        period_label=f"截至{as_of}",
    )
    return finding, table("tasks_categories", "办实事按类别", cats, {
        "category": ("类别", "text"), "done": ("已完成", "int"), "total": ("项目数", "int"), "open": ("未完成", "int"),
        "overdue": ("逾期未完成", "int"), "rate": ("完成率", "pct")}, source=SOURCE)


def _overdue(ctx: Context, rep: tasks.TaskReport) -> tuple[Finding, Table]:
    """The overdue projects, longest overdue first; their table is on the slide only when there are any."""
    overdue, total, as_of = rep.overdue, rep.completion.total, date(rep.as_of)
    overdue_table = table("tasks_overdue", f"逾期未完成项目（截至{rep.as_of:%Y-%m-%d}）", overdue, {
        "task_id": ("编号", "text"), "title": ("项目", "text"), "category": ("类别", "text"),
        "unit_name": ("责任单位", "text"), "due_on": ("计划完成", "date"), "days_overdue": ("逾期天数", "int")},
        source=SOURCE, in_deck=False)
    if len(overdue):
        longest = overdue.iloc[0]
        title = (f"截至{as_of}{ctx.prefix}逾期未完成项目 {len(overdue)} 项，最长逾期 {int(longest['days_overdue'])} 天"
                 f"（{longest['title']}）")
    else:
        title = f"截至{as_of}{ctx.prefix}没有逾期未完成的项目"
    concerns = ()
    if len(overdue):
        concerns = (Concern(f"{ctx.prefix}办实事逾期未完成 {len(overdue)} 项，最长逾期 {int(overdue['days_overdue'].iloc[0])} 天"
                            f"（{overdue['title'].iloc[0]}）",
                            "逐项明确责任支部和完成时限，党办每月督办，逾期项目在下次例会上说明进展",
                            1.0 + min(len(overdue) / 3, 1.5)),)
    finding = Finding(
        key="tasks.overdue", section="tasks", title=title,
        source=SOURCE, method=METHOD, n=f"已启动项目{total}项",
        figures=(Figure(f"{len(overdue)}", "逾期未完成项目", f"共 {total} 项"),),
        table=overdue_table if len(overdue) else None,
        points=tuple(f"{r.title}（{r.unit_name}）：逾期 {int(r.days_overdue)} 天" for r in overdue.head(5).itertuples()),
        period_label=f"截至{as_of}",
        concerns=concerns,
        # The completion slide counts them and 存在问题 names the longest: a list slide of its own
        # only in the full deck.
        weight=0.2 + min(len(overdue) / 10, 0.4),
    )
    return finding, overdue_table
