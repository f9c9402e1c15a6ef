"""汇报材料: the report model behind the meeting deck, workbook, HTML report and presentation mode.

``build_report`` asks the analysis modules for a period (a quarter or a year), a unit (the
whole hospital, a 党总支 or a 党支部: the ``unit`` argument of every analysis function) and a
choice of sections, and turns their results into *findings*: one statement per finding whose
title carries its numbers ("2025年第4季度先锋指数均值 86.9，环比上升 1.0"), with the chart
data behind it, a headline figure, supporting points, and the source, period, n and method
for the speaker notes. ``render`` writes a report as .pptx, .xlsx, .html or a zip of PNG
charts; the 汇报材料 page and ``python -m analysis report`` both call these two functions, so
they produce the same file.

Nothing here computes a statistic: every number comes from an analysis function called with
the viewer's ``scope`` (recorded in ``Report.calls``), and the chart series hold that
function's values unrounded (display formats do the rounding). Small-cell suppression stays
the analysis functions' business; a suppressed value reaches a chart as an empty point and a
title as "不予报告".

Reports are aggregates over branches by design: no member's name appears in any format, since
meeting material travels further than the dashboard. Member-level lists stay on the pages,
where the viewer's member scope applies.

Sections (keys, Chinese names in ``SECTIONS``): overview 总览, vanguard 先锋指数, assessment
支部考核, four_have 四有工程, org_life 组织生活, tasks 办实事, survey 问卷分析. A section the
viewer may not see (researchers: everything but the hospital-level survey) or without data in
the period is left out with a line in ``Report.notes``.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import duckdb
import pandas as pd

from analysis import config as config_mod
from analysis import periods
from analysis import survey as survey_stats
from analysis.formatting import p_value
from analysis.metrics import activities, assessment, four_have, meetings, org, overview, tasks, vanguard
from analysis.scope import ROLES, Scope

SECTIONS: dict[str, str] = {
    "overview": "总览",
    "vanguard": "先锋指数",
    "assessment": "支部考核",
    "four_have": "四有工程",
    "org_life": "组织生活",
    "tasks": "办实事",
    "survey": "问卷分析",
}

FORMATS: dict[str, tuple[str, str, str]] = {
    # format: (file extension, MIME type, Chinese name)
    "pptx": ("pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation", "PowerPoint 演示文稿"),
    "xlsx": ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "Excel 工作簿"),
    "html": ("html", "text/html", "HTML 报告（单文件，可离线打开、打印为 PDF）"),
    "png": ("zip", "application/zip", "PNG 图表包（供 Word 插图）"),
}

# Column kinds of a report table: how the workbook formats them and how slides print them.
COLUMN_KINDS = ("text", "int", "score", "score2", "pct", "share", "date", "bool")

CHART_KINDS = ("line", "column", "bar", "stacked_bar", "radar")

TREND_QUARTERS = 8  # trend charts show this many quarters up to the period's last one

# Series colours (the dashboard's palette; kept here so that the model does not import plotly).
RED, BLUE, GOLD, GREEN, GREY, PURPLE = "#C8102E", "#1F5FA8", "#D4A017", "#2E8B57", "#8C8C8C", "#7B4FA0"
MUTED = "#6F8FB8"


# --------------------------------------------------------------------------- period


@dataclass(frozen=True)
class Period:
    """A reporting period: one quarter, or a year (its four quarters)."""

    kind: str  # "quarter" | "year"
    first: str
    last: str

    @property
    def year(self) -> int:
        return periods.split(self.last)[0]

    @property
    def code(self) -> str:
        """'2025Q4' or '2025': what the CLI and the URL take."""
        return self.last if self.kind == "quarter" else str(self.year)

    @property
    def label(self) -> str:
        """'2025年第4季度' or '2025年度'."""
        return periods.label(self.last) if self.kind == "quarter" else f"{self.year}年度"

    @property
    def start(self) -> dt.date:
        return periods.bounds(self.first)[0]

    @property
    def end(self) -> dt.date:
        return periods.bounds(self.last)[1]

    @property
    def trend_first(self) -> str:
        """First quarter of the trend window (``TREND_QUARTERS`` quarters up to ``last``)."""
        return periods.shift(self.last, -(TREND_QUARTERS - 1))

    @property
    def year_end(self) -> bool:
        """Whether the period closes a year (annual appraisal and awards belong in it)."""
        return self.last.endswith("Q4")


_YEAR = re.compile(r"((?:19|20)\d{2})\s*(?:年度?)?")


def parse_period(text: str | Period) -> Period:
    """'2025Q4', '2025年第4季度' (a quarter) or '2025', '2025年', '2025年度' (a year)."""
    if isinstance(text, Period):
        return text
    raw = str(text).strip()
    match = _YEAR.fullmatch(raw)
    if match:
        year = int(match.group(1))
        return Period("year", f"{year}Q1", f"{year}Q4")
    try:
        quarter = periods.parse_quarter(raw)
    except ValueError:
        raise ValueError(f"不是季度或年度：{raw!r}（例如 2025Q4、2025年第4季度、2025）") from None
    return Period("quarter", quarter, quarter)


def parse_sections(chosen: Iterable[str] | str | None) -> tuple[str, ...]:
    """Section keys in report order from keys or Chinese names ('vanguard', '先锋指数'); None: all."""
    if chosen is None:
        return tuple(SECTIONS)
    if isinstance(chosen, str):
        chosen = [part for part in re.split(r"[,，、\s]+", chosen) if part]
    by_name = {name: key for key, name in SECTIONS.items()}
    keys = set()
    for item in chosen:
        key = item if item in SECTIONS else by_name.get(item)
        if key is None:
            known = "、".join(f"{k}（{v}）" for k, v in SECTIONS.items())
            raise ValueError(f"未知的汇报部分：{item!r}；可选：{known}")
        keys.add(key)
    if not keys:
        raise ValueError("至少选择一个汇报部分")
    return tuple(k for k in SECTIONS if k in keys)


# --------------------------------------------------------------------------- the model


@dataclass(frozen=True)
class Series:
    """One data series of a chart: values in category order (None: no value / suppressed)."""

    name: str
    values: tuple[float | None, ...]
    color: str | None = None
    point_colors: tuple[str | None, ...] | None = None  # per-category colours (bars only)


@dataclass(frozen=True)
class Chart:
    """Chart data, independent of the output: a native PowerPoint chart, plotly in HTML/PNG.

    kind: 'line' (categories are quarters), 'column' (vertical bars), 'bar' (horizontal bars,
    first category on top), 'stacked_bar' (horizontal, 100% stacked) or 'radar'. Several series
    are drawn side by side (clustered). Values are shown with ``decimals`` and ``suffix``.
    """

    kind: str
    categories: tuple[str, ...]
    series: tuple[Series, ...]
    value_title: str = ""
    decimals: int = 1
    suffix: str = ""
    value_min: float | None = None
    value_max: float | None = None

    def __post_init__(self) -> None:
        if self.kind not in CHART_KINDS:
            raise ValueError(f"chart kind must be one of {CHART_KINDS}")
        for s in self.series:
            if len(s.values) != len(self.categories):
                raise ValueError(f"series {s.name!r} has {len(s.values)} values for {len(self.categories)} categories")

    @property
    def excel_format(self) -> str:
        """Number format code for the chart's labels and axis (Excel/PowerPoint)."""
        code = "#,##0" + ("." + "0" * self.decimals if self.decimals else "")
        return code + (f'"{self.suffix}"' if self.suffix else "")

    @property
    def d3_format(self) -> str:
        """The same for plotly (d3-format)."""
        return f",.{self.decimals}f"


@dataclass(frozen=True)
class Figure:
    """A headline figure: '86.9' labelled '先锋指数均值', with a detail line."""

    value: str
    label: str
    detail: str = ""


@dataclass(frozen=True, eq=False)
class Table:
    """A table for the workbook, the deck's appendix and the HTML report.

    ``frame`` has Chinese headers and values in the analysis functions' units; ``formats`` maps
    each column to one of ``COLUMN_KINDS``: 'pct' is a percentage 0-100 (shown 73.08%), 'share'
    a fraction 0-1 (shown 80.00%), 'score' one decimal, 'score2' two, 'int' whole numbers.
    """

    key: str
    title: str
    frame: pd.DataFrame
    formats: Mapping[str, str]
    source: str = ""
    note: str = ""
    in_deck: bool = True  # also in the deck's appendix (every table is in the workbook and HTML)


@dataclass(frozen=True, eq=False)
class Finding:
    """One slide / one screen: a statement with its numbers and the evidence behind it."""

    key: str  # stable id, e.g. 'vanguard.trend'
    section: str
    title: str
    source: str  # the analysis function(s), e.g. 'analysis.vanguard.hospital_trend'
    method: str
    n: str
    figures: tuple[Figure, ...] = ()
    chart: Chart | None = None
    points: tuple[str, ...] = ()
    table: Table | None = None  # shown in place of a chart (e.g. the watch list)
    period_label: str = ""  # when it differs from the report's period (trends, as-of dates)


@dataclass(frozen=True)
class Call:
    """One analysis call the report made (the bench replays them as its baseline)."""

    fn: Callable[..., Any]
    kwargs: Mapping[str, Any]

    @property
    def name(self) -> str:
        return f"{self.fn.__module__}.{self.fn.__qualname__}"


@dataclass(frozen=True, eq=False)
class Report:
    hospital: str
    period: Period
    unit: str | None
    unit_label: str
    scope: Scope
    sections: tuple[str, ...]
    findings: tuple[Finding, ...]
    tables: tuple[Table, ...]
    notes: tuple[str, ...]
    generated_at: dt.datetime
    is_demo: bool
    calls: tuple[Call, ...] = field(default=(), repr=False)

    @property
    def title(self) -> str:
        return f"{self.period.label}党建工作数据汇报"

    @property
    def subtitle(self) -> str:
        return f"{self.hospital} · {self.unit_label}"

    @property
    def scope_label(self) -> str:
        unit = f"（{self.scope.unit_id}）" if self.scope.unit_id else ""
        return f"{ROLES[self.scope.role]}{unit} · {self.scope.username}"

    @property
    def generated_label(self) -> str:
        return f"{self.generated_at:%Y年%m月%d日 %H:%M}"

    def section_findings(self, section: str) -> list[Finding]:
        return [f for f in self.findings if f.section == section]

    def outline(self) -> list[tuple[str, list[str]]]:
        """(section name, finding titles) in order: the preview before generating."""
        return [(SECTIONS[s], [f.title for f in self.section_findings(s)])
                for s in SECTIONS if self.section_findings(s)]

    def file_name(self, fmt: str) -> str:
        """'汇报材料_全院_2025Q4.pptx' (unit id rather than name: names may hold anything)."""
        ext = FORMATS[fmt][0]
        return f"汇报材料_{self.unit or '全院'}_{self.period.code}.{ext}"

    def speaker_notes(self, finding: Finding) -> str:
        """Data source, period, n and method, for the speaker notes and the HTML details."""
        lines = [
            f"结论：{finding.title}",
            f"数据来源：{finding.source}（{self.hospital}党建数据看板）",
            f"统计期：{finding.period_label or self.period.label}；范围：{self.unit_label}",
            f"样本量：{finding.n}",
            f"口径：{finding.method}",
        ]
        lines += [f"要点：{p}" for p in finding.points]
        if self.is_demo:
            lines.append("注意：演示数据，全部人员与数据均为程序合成。")
        return "\n".join(lines)


# --------------------------------------------------------------------------- formatting helpers


def number(value: Any) -> float | None:
    """A float, or None for missing, NaN and suppressed cells ('<5', '*')."""
    if value is None or isinstance(value, str):
        return None
    try:
        out = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(out) else out


def _fmt(value: Any, decimals: int = 1, suffix: str = "") -> str:
    v = number(value)
    return "—" if v is None else f"{v:,.{decimals}f}{suffix}"


def _change(value: Any, decimals: int = 1, unit: str = "") -> str:
    """'上升 1.0' / '下降 0.3' / '持平' (rounded as shown); '' without a value."""
    v = number(value)
    if v is None:
        return ""
    shown = round(v, decimals)
    if shown == 0:
        return "持平"
    return f"{'上升' if shown > 0 else '下降'} {abs(shown):.{decimals}f}{unit}"


def _signed(value: Any, decimals: int = 1) -> str:
    v = number(value)
    return "—" if v is None else f"{v:+.{decimals}f}"


def _short(quarter: str) -> str:
    """Chart category for a quarter: '2025Q4' (the compact convention; titles use 2025年第4季度)."""
    return quarter


def _date_label(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _values(frame: pd.DataFrame, column: str) -> tuple[float | None, ...]:
    return tuple(number(v) for v in frame[column])


def _floor(value: float, step: float = 5) -> float:
    return math.floor(value / step) * step


def _axis_from(frames: Iterable[Iterable[float | None]], *, pad: float = 3, step: float = 5,
               lowest: float = 0) -> float:
    """A value-axis minimum below the data (scores of 80-99 drawn from 0 would all look alike)."""
    values = [v for frame in frames for v in frame if v is not None]
    return max(lowest, _floor(min(values) - pad, step)) if values else lowest


def format_value(value: Any, kind: str) -> str:
    """A table cell as text for slides and HTML ('—' when missing; suppressed cells as given)."""
    if isinstance(value, str):
        return value
    if value is None or (not isinstance(value, (list, tuple)) and pd.isna(value)):
        return "—"
    if kind == "bool":
        return "是" if bool(value) else "否"
    if kind == "date":
        return f"{pd.Timestamp(value):%Y-%m-%d}"
    v = number(value)
    if v is None:
        return str(value)
    if kind == "int":
        return f"{v:,.0f}"
    if kind == "score":
        return f"{v:,.1f}"
    if kind == "score2":
        return f"{v:,.2f}"
    if kind == "pct":
        return f"{v:.2f}%"
    if kind == "share":
        return f"{100 * v:.2f}%"
    return str(value)


def text_width(text: object) -> int:
    """Display width of text: CJK and full-width characters count two."""
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in str(text))


def table(key: str, title: str, frame: pd.DataFrame, columns: Mapping[str, tuple[str, str]], *, source: str = "",
          note: str = "", in_deck: bool = True) -> Table:
    """A ``Table`` from the columns of ``frame`` named in ``columns`` (source -> (header, kind))."""
    for header, kind in columns.values():
        if kind not in COLUMN_KINDS:
            raise ValueError(f"column kind {kind!r} of {header!r} is not one of {COLUMN_KINDS}")
    out = frame[list(columns)].rename(columns={src: header for src, (header, _) in columns.items()})
    out = out.reset_index(drop=True)
    return Table(key, title, out, {header: kind for header, kind in columns.values()}, source, note, in_deck)


# --------------------------------------------------------------------------- building


class _Context:
    """What every section builder needs, and a memo of the analysis calls made."""

    def __init__(self, con, scope: Scope, period: Period, unit: str | None, unit_label: str, level: str,
                 cfg: config_mod.Config, today: dt.date) -> None:
        self.con, self.scope, self.period, self.unit = con, scope, period, unit
        self.unit_label, self.level, self.cfg = unit_label, level, cfg
        self.today = today
        # 组织生活 is judged as of the period's end, or today while the period is still running.
        self.as_of = min(today, period.end)
        self.calls: list[Call] = []
        self._memo: dict[tuple, Any] = {}

    def call(self, fn: Callable[..., Any], **kwargs: Any) -> Any:
        key = (fn.__module__, fn.__qualname__, repr(sorted(kwargs.items())))
        if key not in self._memo:
            self._memo[key] = fn(self.con, scope=self.scope, **kwargs)
            self.calls.append(Call(fn, dict(kwargs)))  # only calls that returned
        return self._memo[key]

    @property
    def prefix(self) -> str:
        """The unit's name before a statement, empty for the whole hospital."""
        return "" if self.unit is None else self.unit_label

    @property
    def last(self) -> str:
        return self.period.last


def _source(*fns: Callable[..., Any]) -> str:
    return "、".join(f"{fn.__module__}.{fn.__qualname__}" for fn in fns)


def unit_label(con: duckdb.DuckDBPyConnection, *, scope: Scope, unit: str | None) -> tuple[str, str]:
    """(Chinese name, level) of a unit id: ('全院', 'hospital'), ('内科党总支', 'general_branch') ..."""
    if unit is None:
        return "全院", "hospital"
    units = org.units(con, scope=scope)
    branch = units[units["branch_id"] == unit]
    if len(branch):
        return str(branch["branch_name"].iloc[0]), "branch"
    general = units[units["general_branch_id"] == unit]
    if len(general):
        return str(general["general_branch_name"].iloc[0]), "general_branch"
    raise ValueError(f"未知的单位编号：{unit!r}（全院用 hospital，党总支如 G01，党支部如 B01）")


def build_report(
    con: duckdb.DuckDBPyConnection,
    *,
    scope: Scope,
    period: str | Period,
    unit: str | None = None,
    sections: Iterable[str] | str | None = None,
    cfg: config_mod.Config | None = None,
    now: dt.datetime | None = None,
) -> Report:
    """The report for ``period`` under ``unit`` with ``sections``, as ``scope`` may see it.

    Parameters
    ----------
    period : '2025Q4' (a quarter) or '2025' (a year), or a ``Period``.
    unit : None or 'hospital' for the whole hospital, a general branch id ('G01') or a branch id
        ('B01'): passed as ``unit`` to every analysis function.
    sections : section keys or Chinese names (see ``SECTIONS``); None for all.
    now : the generation time shown on the title slide and cover sheet (default: now); 组织生活
        is judged as of ``min(now, period end)``.

    Returns
    -------
    Report
        findings (in section order), tables, notes (sections left out and why), calls.
    """
    cfg = cfg or config_mod.load()
    period = parse_period(period)
    unit = None if unit in (None, "", "hospital", "全院") else str(unit)
    chosen = parse_sections(sections)
    now = now or dt.datetime.now()
    label, level = unit_label(con, scope=scope, unit=unit)
    ctx = _Context(con, scope, period, unit, label, level, cfg, now.date())
    findings: list[Finding] = []
    tables: list[Table] = []
    notes: list[str] = []
    for key in chosen:
        try:
            found, found_tables, found_notes = BUILDERS[key](ctx)
        except PermissionError as exc:
            notes.append(f"{SECTIONS[key]}：未纳入（{exc}）")
            continue
        findings += found
        tables += found_tables
        notes += [f"{SECTIONS[key]}：{n}" for n in found_notes]
        if not found and not found_notes:
            notes.append(f"{SECTIONS[key]}：{label}在{period.label}没有数据，未纳入。")
    return Report(
        hospital=cfg.hospital_name,
        period=period,
        unit=unit,
        unit_label=label,
        scope=scope,
        sections=tuple(k for k in chosen if any(f.section == k for f in findings)),
        findings=tuple(findings),
        tables=tuple(tables),
        notes=tuple(notes),
        generated_at=now.replace(microsecond=0),
        is_demo=bool(org.is_demo(con, scope=scope)),
        calls=tuple(ctx.calls),
    )


def render(report: Report, fmt: str) -> bytes:
    """The report as a file: 'pptx', 'xlsx', 'html' (UTF-8) or 'png' (a zip of PNG charts)."""
    if fmt == "pptx":
        from analysis.report.render.pptx import to_pptx

        return to_pptx(report)
    if fmt == "xlsx":
        from analysis.report.render.xlsx import to_xlsx

        return to_xlsx(report)
    if fmt == "html":
        from analysis.report.render.html import to_html

        return to_html(report).encode("utf-8")
    if fmt == "png":
        from analysis.report.render.html import to_png_zip

        return to_png_zip(report)
    raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")


# --------------------------------------------------------------------------- sections
# Each builder returns (findings, tables, notes). Tables are listed once, in the section that
# first needs them.

Built = tuple[list[Finding], list[Table], list[str]]


def _vanguard_method(cfg: config_mod.Config) -> str:
    w = cfg.vanguard.rater_weights
    dims = "、".join(f"{d.name}{d.weight:g}" for d in cfg.vanguard.dimensions)
    return (f"先锋指数 = Σ 维度权重 ×（个人自评×{w['self']:g} + 党员互评×{w['peer']:g} + 组织评定×{w['org']:g}）；"
            f"维度权重：{dims}；只计各维度三方评分齐全的党员。")


def _assessment_method(cfg: config_mod.Config) -> str:
    a = cfg.assessment
    return (f"{len(a.indicators)}项指标百分制；排名为全院范围，并列同名次；前{a.commend_top_n}名表扬；"
            f"总分低于{a.flag_below:g}分、位列后{a.flag_bottom_n}名或连续{a.flag_falling_quarters}个季度下降列为需关注。")


def _overview(ctx: _Context) -> Built:
    p, cfg = ctx.period, ctx.cfg
    hc = ctx.call(org.headcount, unit=ctx.unit, as_of=p.end)
    findings: list[Finding] = []
    if ctx.level == "branch":
        title = f"{ctx.unit_label}共有党员{hc.members}名（含预备党员{hc.probationary}名）"
    else:
        title = f"{ctx.unit_label}共有党总支{hc.general_branches}个、党支部{hc.branches}个、党员{hc.members:,}名"
    findings.append(Finding(
        key="overview.headcount", section="overview", title=title,
        source=_source(org.headcount), method="在册党员：截至期末已入党且在册；党员示范岗为持有示范岗（先锋岗）的党员。",
        n=f"截至{_date_label(hc.as_of)}",
        figures=(
            Figure(f"{hc.members:,}", "党员", f"含预备党员 {hc.probationary} 名"),
            Figure(f"{hc.branches}", "党支部", f"党总支 {hc.general_branches} 个"),
            Figure(f"{hc.honour_posts}", "党员示范岗", ""),
        ),
        points=(f"党总支 {hc.general_branches} 个，党支部 {hc.branches} 个",
                f"党员 {hc.members:,} 名，其中预备党员 {hc.probationary} 名",
                f"党员示范岗（先锋岗）{hc.honour_posts} 个"),
        period_label=f"截至{_date_label(hc.as_of)}",
    ))

    # Key figures of the period, each from the function its section uses.
    figures: list[Figure] = []
    parts: list[str] = []
    points: list[str] = []
    sources: list[Callable[..., Any]] = []
    trend = ctx.call(vanguard.hospital_trend, first=p.trend_first, last=p.last, unit=ctx.unit, cfg=cfg)
    latest = trend[trend["quarter"] == p.last]
    if len(latest):
        row = latest.iloc[0]
        figures.append(Figure(_fmt(row["mean"]), "先锋指数均值", f"环比 {_signed(row['qoq'])}"))
        parts.append(f"先锋指数 {_fmt(row['mean'])}")
        points.append(f"{periods.label(p.last)}先锋指数均值 {_fmt(row['mean'])}，环比{_change(row['qoq']) or '无上期数据'}"
                      f"（n={int(row['n']):,}）")
        sources.append(vanguard.hospital_trend)
    totals = ctx.call(assessment.total_trend, first=p.trend_first, last=p.last, unit=ctx.unit)
    latest_total = totals[totals["quarter"] == p.last]
    if len(latest_total):
        row = latest_total.iloc[0]
        figures.append(Figure(_fmt(row["mean"]), "支部考核平均分", f"{int(row['n'])} 个支部"))
        parts.append(f"支部考核均分 {_fmt(row['mean'])}")
        points.append(f"{periods.label(p.last)}支部考核平均分 {_fmt(row['mean'])}（{int(row['n'])}个支部，"
                      f"最高 {_fmt(row['max'])}、最低 {_fmt(row['min'])}）")
        sources.append(assessment.total_trend)
    done = ctx.call(tasks.completion, as_of=p.end, unit=ctx.unit)
    if done.rate is not None:
        figures.append(Figure(f"{done.rate:.2f}%", "办实事完成率", f"{done.done}/{done.total} 项"))
        parts.append(f"办实事完成率 {done.rate:.2f}%")
        points.append(f"截至{_date_label(p.end)}办实事完成 {done.done}/{done.total} 项（{done.rate:.2f}%），"
                      f"逾期未完成 {done.overdue} 项")
        sources.append(tasks.completion)
    summary = ctx.call(meetings.hospital_summary, first=p.first, last=p.last, unit=ctx.unit, as_of=ctx.as_of, cfg=cfg)
    if summary.rate is not None:
        figures.append(Figure(f"{summary.rate:.1f}%", "三会一课达标率", f"缺漏 {summary.missing} 期次"))
        parts.append(f"三会一课达标率 {summary.rate:.1f}%")
        points.append(f"{p.label}三会一课达标率 {summary.rate:.1f}%（{summary.counted:,}/{summary.required:,}），"
                      f"缺漏 {summary.missing} 期次")
        sources.append(meetings.hospital_summary)
    if parts:
        findings.append(Finding(
            key="overview.summary", section="overview", title=f"{p.label}{ctx.prefix}要点：" + "、".join(parts),
            source=_source(*sources), method="各项口径见对应章节。", n="见各章节",
            figures=tuple(figures[:4]), points=tuple(points),
        ))
    return findings, [], []


def _vanguard(ctx: _Context) -> Built:
    p, cfg = ctx.period, ctx.cfg
    trend = ctx.call(vanguard.hospital_trend, first=p.trend_first, last=p.last, unit=ctx.unit, cfg=cfg)
    latest = trend[trend["quarter"] == p.last]
    if latest.empty:
        return [], [], []
    row = latest.iloc[0]
    findings: list[Finding] = []
    tables: list[Table] = []
    method = _vanguard_method(cfg)
    head = f"{periods.label(p.last)}{ctx.prefix}先锋指数均值 {_fmt(row['mean'])}"
    if p.kind == "year":
        year_rows = trend[trend["quarter"].between(p.first, p.last)]
        title = f"{head}，同比{_change(row['yoy']) or '无上年数据'}（{p.year}年各季度 {_fmt(year_rows['mean'].min())}–" \
                f"{_fmt(year_rows['mean'].max())}）"
    else:
        title = f"{head}，环比{_change(row['qoq']) or '无上期数据'}"
    series = [Series(ctx.unit_label if ctx.unit else "全院均值", _values(trend, "mean"), RED)]
    categories = tuple(_short(q) for q in trend["quarter"])
    if ctx.unit is not None:
        hospital = ctx.call(vanguard.hospital_trend, first=p.trend_first, last=p.last, unit=None, cfg=cfg)
        hospital = hospital.set_index("quarter").reindex(trend["quarter"]).reset_index()
        series.append(Series("全院均值", _values(hospital, "mean"), GREY))
    findings.append(Finding(
        key="vanguard.trend", section="vanguard", title=title, source=_source(vanguard.hospital_trend), method=method,
        n=f"{periods.label(p.last)}参评党员 n={int(row['n']):,}",
        figures=(Figure(_fmt(row["mean"]), "先锋指数均值",
                        f"环比 {_signed(row['qoq'])} · 同比 {_signed(row['yoy'])} · n={int(row['n']):,}"),),
        chart=Chart("line", categories, tuple(series), "先锋指数",
                    value_min=_axis_from([s.values for s in series])),
        points=(f"中位数 {_fmt(row['median'])}，标准差 {_fmt(row['sd'], 2)}",
                f"环比{_change(row['qoq']) or '—'}，同比{_change(row['yoy']) or '—'}",
                f"参评党员 {int(row['n']):,} 名"),
        period_label=f"{periods.label(p.trend_first)}—{periods.label(p.last)}",
    ))
    tables.append(table("vanguard_trend", "先锋指数季度趋势", trend, {
        "quarter": ("季度", "text"), "mean": ("均值", "score"), "median": ("中位数", "score"), "sd": ("标准差", "score2"),
        "n": ("参评人数", "int"), "qoq": ("环比", "score"), "yoy": ("同比", "score")}, source=_source(vanguard.hospital_trend)))

    # Units compared in the last quarter (not for one branch: the trend above compares it).
    if ctx.level != "branch":
        level = "general_branch" if ctx.level == "hospital" else "branch"
        units = ctx.call(vanguard.trend, first=p.last, last=p.last, unit=ctx.unit, level=level, cfg=cfg)
        units = units.dropna(subset=["unit_id"]).sort_values(["mean", "unit_id"], ascending=[False, True])
        if len(units) >= 2:
            what = "党总支" if level == "general_branch" else "党支部"
            top, low = units.iloc[0], units.iloc[-1]
            findings.append(Finding(
                key="vanguard.units", section="vanguard",
                title=f"{periods.label(p.last)}{ctx.prefix}各{what}先锋指数：{top['unit_name']}最高 {_fmt(top['mean'])}，"
                      f"{low['unit_name']}最低 {_fmt(low['mean'])}",
                source=_source(vanguard.trend), method=method,
                n=f"{len(units)}个{what}，参评党员 n={int(units['n'].sum()):,}",
                figures=(Figure(_fmt(top["mean"] - low["mean"]), "最高与最低之差", f"{len(units)} 个{what}"),),
                chart=Chart("bar", tuple(units["unit_name"]), (Series("均值", _values(units, "mean"), RED),), "先锋指数",
                            value_min=_axis_from([_values(units, "mean")])),
                points=tuple(f"{r.unit_name} {_fmt(r.mean)}（环比 {_signed(r.qoq)}，n={int(r.n)}）"
                             for r in units.head(3).itertuples()),
                period_label=periods.label(p.last),
            ))
            tables.append(table("vanguard_units", f"各{what}先锋指数（{p.last}）", units, {
                "unit_id": ("编号", "text"), "unit_name": (what, "text"), "mean": ("均值", "score"),
                "median": ("中位数", "score"), "sd": ("标准差", "score2"), "n": ("参评人数", "int"),
                "qoq": ("环比", "score"), "yoy": ("同比", "score")}, source=_source(vanguard.trend)))

    dims = ctx.call(vanguard.dimension_breakdown, first=p.last, last=p.last, unit=ctx.unit, cfg=cfg)
    if len(dims):
        widest = dims.loc[dims["self_gap"].idxmax()]
        raters = (("self", "个人自评", GOLD), ("peer", "党员互评", BLUE), ("org", "组织评定", RED))
        series = tuple(Series(name, _values(dims, col), colour) for col, name, colour in raters)
        findings.append(Finding(
            key="vanguard.dimensions", section="vanguard",
            title=f"{periods.label(p.last)}自评与组织评定差距最大的维度是“{widest['dimension']}”，自评高 {_fmt(widest['self_gap'])} 分",
            source=_source(vanguard.dimension_breakdown), method=method + " 自评差 = 自评均分 − 组织评定均分。",
            n=f"参评党员 n={int(dims['n'].max()):,}",
            figures=(Figure(_fmt(widest["self_gap"]), "最大自评差（分）", str(widest["dimension"])),),
            chart=Chart("column", tuple(dims["dimension"]), series, "平均分",
                        value_min=_axis_from([s.values for s in series])),
            points=tuple(f"{r.dimension}：自评 {_fmt(r.self)}，互评 {_fmt(r.peer)}，组织评定 {_fmt(r.org)}"
                         for r in dims.itertuples()),
            period_label=periods.label(p.last),
        ))
        tables.append(table("vanguard_dimensions", f"先锋指数各维度三方评分（{p.last}）", dims, {
            "dimension": ("维度", "text"), "self": ("个人自评", "score"), "peer": ("党员互评", "score"),
            "org": ("组织评定", "score"), "combined": ("加权", "score"), "self_gap": ("自评差", "score"),
            "n": ("人数", "int")}, source=_source(vanguard.dimension_breakdown)))

    if p.year_end:
        counts = ctx.call(vanguard.appraisal_counts, year=p.year, unit=ctx.unit, cfg=cfg)
        grades = [t.label for t in cfg.vanguard.grades]
        if len(counts):
            totals = {g: int(counts[g].sum()) for g in grades}
            n = sum(totals.values())
            best, worst = grades[0], grades[-1]
            findings.append(Finding(
                key="vanguard.appraisal", section="vanguard",
                title=f"{p.year}年度民主评议参考：{best} {totals[best]} 人（{100 * totals[best] / n:.1f}%），"
                      f"{worst} {totals[worst]} 人",
                source=_source(vanguard.appraisal_counts),
                method=method + " 年度指数 = 全年各季度指数的平均；等级阈值：" + "、".join(
                    f"{t.label}≥{t.minimum:g}" for t in cfg.vanguard.grades) + "。",
                n=f"{p.year}年有评分的党员 n={n:,}",
                figures=(Figure(f"{totals[best]}", f"{best}（人）", f"占 {100 * totals[best] / n:.1f}%"),),
                chart=Chart("column", tuple(grades), (Series("人数", tuple(float(totals[g]) for g in grades), RED,
                                                             (RED, BLUE, GOLD, GREY)[:len(grades)]),),
                            "人数", decimals=0),
                points=tuple(f"{g} {totals[g]} 人（{100 * totals[g] / n:.1f}%）" for g in grades),
                period_label=f"{p.year}年度",
            ))
            columns = {"branch_id": ("编号", "text"), "branch_name": ("党支部", "text"), "n": ("人数", "int")}
            columns |= {g: (g, "int") for g in grades}
            columns |= {"excellent_pct": (f"{best}比例", "pct")}
            tables.append(table("vanguard_appraisal", f"{p.year}年各支部评定等级", counts, columns,
                                source=_source(vanguard.appraisal_counts), in_deck=False))
    return findings, tables, []


def _assessment(ctx: _Context) -> Built:
    p, cfg = ctx.period, ctx.cfg
    a = cfg.assessment
    method = _assessment_method(cfg)
    findings: list[Finding] = []
    tables: list[Table] = []
    ranking = ctx.call(assessment.branch_ranking, first=p.last, last=p.last, unit=ctx.unit)
    if ranking.empty:
        return [], [], []
    totals = ctx.call(assessment.total_trend, first=p.trend_first, last=p.last, unit=ctx.unit)
    hospital = ctx.call(assessment.total_trend, first=p.trend_first, last=p.last, unit=None)
    label = periods.label(p.last)

    if ctx.level == "branch":
        row = ranking.iloc[0]
        n_all = int(hospital.loc[hospital["quarter"] == p.last, "n"].iloc[0])
        mine = ctx.call(assessment.branch_ranking, first=p.trend_first, last=p.last, unit=ctx.unit)
        mine = mine.set_index("quarter").reindex(hospital["quarter"]).reset_index()
        change = number(row["rank_change"])
        moved = "" if change is None else "，名次持平" if change == 0 else \
            f"，较上季度{'上升' if change > 0 else '下降'} {abs(int(change))} 名"
        series = (Series(ctx.unit_label, _values(mine, "total"), RED), Series("全院平均", _values(hospital, "mean"), GREY))
        findings.append(Finding(
            key="assessment.trend", section="assessment",
            title=f"{label}{ctx.unit_label}考核总分 {_fmt(row['total'])}，全院第{int(row['rank'])}名（共{n_all}个支部）{moved}",
            source=_source(assessment.branch_ranking, assessment.total_trend), method=method, n=f"全院 {n_all} 个支部",
            figures=(Figure(f"第{int(row['rank'])}名", "全院排名", f"总分 {_fmt(row['total'])}"),),
            chart=Chart("line", tuple(_short(q) for q in hospital["quarter"]), series, "考核总分",
                        value_min=_axis_from([s.values for s in series])),
            points=(f"总分 {_fmt(row['total'])}（百分制）", f"全院平均 {_fmt(hospital['mean'].iloc[-1])}"),
            period_label=f"{periods.label(p.trend_first)}—{label}",
        ))
    else:
        row = totals.iloc[-1]
        previous = totals[totals["quarter"] == periods.shift(p.last, -1)]
        qoq = number(row["mean"] - previous["mean"].iloc[0]) if len(previous) else None
        series = (Series("平均分", _values(totals, "mean"), BLUE), Series("最高", _values(totals, "max"), GOLD),
                  Series("最低", _values(totals, "min"), RED))
        findings.append(Finding(
            key="assessment.trend", section="assessment",
            title=f"{label}{ctx.prefix}支部考核平均分 {_fmt(row['mean'])}，环比{_change(qoq) or '无上期数据'}；"
                  f"最高 {_fmt(row['max'])}、最低 {_fmt(row['min'])}（{int(row['n'])}个支部）",
            source=_source(assessment.total_trend), method=method, n=f"{int(row['n'])}个支部",
            figures=(Figure(_fmt(row["mean"]), "支部考核平均分", f"环比 {_signed(qoq)} · {int(row['n'])} 个支部"),),
            chart=Chart("line", tuple(_short(q) for q in totals["quarter"]), series, "考核总分（百分制）",
                        value_min=_axis_from([s.values for s in series])),
            points=(f"中位数 {_fmt(row['median'])}", f"最高 {_fmt(row['max'])}，最低 {_fmt(row['min'])}"),
            period_label=f"{periods.label(p.trend_first)}—{label}",
        ))
    tables.append(table("assessment_trend", "支部考核总分季度分布", totals, {
        "quarter": ("季度", "text"), "mean": ("平均分", "score"), "median": ("中位数", "score"), "min": ("最低", "score"),
        "max": ("最高", "score"), "n": ("支部数", "int")}, source=_source(assessment.total_trend)))

    review = ctx.call(assessment.quarter_review, quarter=p.last, unit=ctx.unit, cfg=cfg)
    commended = review[review["commended"]].sort_values(["rank", "branch_id"])
    flagged = review[review["flagged"]].sort_values(["rank", "branch_id"], ascending=[False, True])
    if ctx.level != "branch":
        ordered = ranking.sort_values(["rank", "branch_id"]).reset_index(drop=True)
        if len(ordered) > 20:
            shown = pd.concat([ordered.head(10), ordered.tail(5)])
            shown_note = f"图示前10名与后5名（共{len(ordered)}个支部），完整名次见附表"
        else:
            shown, shown_note = ordered, f"共{len(ordered)}个支部"
        good, bad = set(commended["branch_id"]), set(flagged["branch_id"])
        colours = tuple(GOLD if b in good else RED if b in bad else MUTED for b in shown["branch_id"])
        names = "、".join(f"{r.branch_name} {_fmt(r.total)}" for r in commended.itertuples())
        findings.append(Finding(
            key="assessment.ranking", section="assessment",
            title=f"{label}{ctx.prefix}考核表扬：{names}" if names else f"{label}{ctx.prefix}没有进入全院前{a.commend_top_n}名的支部",
            source=_source(assessment.branch_ranking, assessment.quarter_review), method=method,
            n=shown_note,
            figures=(Figure(f"{len(commended)}", "表扬支部", f"前 {a.commend_top_n} 名（并列同计）"),),
            chart=Chart("bar", tuple(f"{int(r.rank)}. {r.branch_name}" for r in shown.itertuples()),
                        (Series("总分", _values(shown, "total"), MUTED, colours),), "考核总分",
                        value_min=_axis_from([_values(shown, "total")])),
            points=(f"金色：表扬；红色：需关注；{shown_note}",) + tuple(
                f"第{int(r.rank)}名 {r.branch_name} {_fmt(r.total)}" for r in commended.itertuples()),
            period_label=label,
        ))
    watch = flagged[["branch_name", "general_branch_name", "total", "rank", "reason"]]
    watch_table = table("assessment_watch", f"需关注支部（{p.last}）", flagged, {
        "branch_name": ("党支部", "text"), "general_branch_name": ("党总支", "text"), "total": ("总分", "score"),
        "rank": ("名次", "int"), "reason": ("原因", "text")}, source=_source(assessment.quarter_review), in_deck=False)
    if ctx.level == "branch":
        watch_title = (f"{label}{ctx.unit_label}列为需关注：{watch['reason'].iloc[0]}" if len(watch)
                       else f"{label}{ctx.unit_label}未列入需关注名单")
    elif len(watch):
        watch_title = f"{label}{ctx.prefix}需关注支部 {len(watch)} 个：" + "、".join(watch["branch_name"])
    else:
        watch_title = f"{label}{ctx.prefix}没有需关注的支部"
    findings.append(Finding(
        key="assessment.watch", section="assessment", title=watch_title,
        source=_source(assessment.quarter_review), method=method, n=f"{len(ranking)}个支部",
        figures=(Figure("是" if len(watch) else "否", "列为需关注", "；".join(watch["reason"])),) if ctx.level == "branch"
        else (Figure(f"{len(watch)}", "需关注支部", f"共 {len(ranking)} 个支部"),),
        table=watch_table if len(watch) else None,
        points=tuple(f"{r.branch_name}（{_fmt(r.total)}分）：{r.reason}" for r in flagged.itertuples()),
        period_label=label,
    ))
    tables.append(table("assessment_review", f"表扬与需关注（{p.last}）", review, {
        "rank": ("名次", "int"), "branch_name": ("党支部", "text"), "general_branch_name": ("党总支", "text"),
        "total": ("总分", "score"), "rank_change": ("名次变化", "int"), "reason": ("说明", "text")},
        source=_source(assessment.quarter_review)))
    tables.append(table("assessment_ranking", f"各支部考核总分与名次（{p.last}）", ranking, {
        "rank": ("名次", "int"), "branch_id": ("编号", "text"), "branch_name": ("党支部", "text"),
        "general_branch_name": ("党总支", "text"), "total": ("总分", "score"), "rank_change": ("名次变化", "int"),
        "falling_streak": ("连续下降季度", "int")}, source=_source(assessment.branch_ranking), in_deck=False))

    indicators = ctx.call(assessment.indicator_scores, quarter=p.last, unit=ctx.unit)
    if len(indicators):
        by = (indicators.groupby(["indicator_id", "indicator", "position"], as_index=False)
              .agg(pct=("pct", "mean"), hospital_pct=("hospital_pct", "first"), max_points=("max_points", "first"),
                   score=("score", "mean"), hospital_mean=("hospital_mean", "first"), n=("branch_id", "nunique"))
              .sort_values(["pct", "position"]).reset_index(drop=True))
        series = [Series(ctx.unit_label if ctx.unit else "全院", _values(by, "pct"), BLUE)]
        if ctx.unit is not None:
            series.append(Series("全院", _values(by, "hospital_pct"), GREY))
        weakest = "、".join(f"{r.indicator} {r.pct:.1f}%" for r in by.head(3).itertuples())
        findings.append(Finding(
            key="assessment.indicators", section="assessment",
            title=f"{label}{ctx.prefix}得分率最低的指标：{weakest}",
            source=_source(assessment.indicator_scores),
            method=method + " 得分率 = 得分 ÷ 该指标满分；多个支部时取各支部得分率的平均。",
            n=f"{int(by['n'].max())}个支部 × {len(by)}项指标",
            figures=(Figure(f"{by['pct'].iloc[0]:.1f}%", "最低指标得分率", str(by["indicator"].iloc[0])),),
            chart=Chart("bar", tuple(by["indicator"]), tuple(series), "得分率（%）", suffix="%",
                        value_min=_axis_from([s.values for s in series]), value_max=100),
            points=tuple(f"{r.indicator}：{r.pct:.1f}%（满分 {r.max_points:g}）" for r in by.head(5).itertuples()),
            period_label=label,
        ))
        tables.append(table("assessment_indicators", f"各指标得分率（{p.last}）", by, {
            "indicator": ("指标", "text"), "max_points": ("满分", "score"), "score": ("平均得分", "score2"),
            "pct": ("得分率", "pct"), "hospital_mean": ("全院平均得分", "score2"), "hospital_pct": ("全院得分率", "pct"),
            "n": ("支部数", "int")}, source=_source(assessment.indicator_scores), in_deck=False))

    if p.year_end and ctx.level != "branch":
        annual = ctx.call(assessment.annual_totals, year=p.year, unit=ctx.unit)
        if len(annual):
            top = annual.head(3)
            shown = annual.head(10)
            findings.append(Finding(
                key="assessment.annual", section="assessment",
                title=f"{p.year}年度{ctx.prefix}考核累计前三名（按季度平均分）："
                      + "、".join(f"{r.branch_name} {_fmt(r.mean)}" for r in top.itertuples()),
                source=_source(assessment.annual_totals),
                method=method + " 年度名次按各季度总分的平均排列，缺季度不因总和吃亏。",
                n=f"{len(annual)}个支部", figures=(Figure(_fmt(top["mean"].iloc[0]), "年度第一名季度平均分",
                                                      str(top["branch_name"].iloc[0])),),
                chart=Chart("bar", tuple(f"{int(r.rank)}. {r.branch_name}" for r in shown.itertuples()),
                            (Series("季度平均分", _values(shown, "mean"), GOLD),), "季度平均分",
                            value_min=_axis_from([_values(shown, "mean")])),
                points=tuple(f"第{int(r.rank)}名 {r.branch_name}：季度平均 {_fmt(r.mean)}，进入前三 {int(r.top3)} 次"
                             for r in top.itertuples()),
                period_label=f"{p.year}年度",
            ))
            tables.append(table("assessment_annual", f"{p.year}年度考核累计", annual, {
                "rank": ("年度名次", "int"), "branch_name": ("党支部", "text"), "general_branch_name": ("党总支", "text"),
                "quarters": ("考核季度数", "int"), "total": ("累计总分", "score"), "mean": ("季度平均", "score"),
                "top3": ("进入前三次数", "int")}, source=_source(assessment.annual_totals), in_deck=False))
    return findings, tables, []


def _four_have(ctx: _Context) -> Built:
    p, cfg = ctx.period, ctx.cfg
    ev = ctx.call(four_have.evaluation, last=p.last, unit=ctx.unit, cfg=cfg)
    if not ev.has_data:
        return [], [], [f"{ev.year}年度没有四有评分（已有评分的年度：{'、'.join(map(str, ev.years)) or '无'}）。"]
    findings: list[Finding] = []
    tables: list[Table] = []
    year = f"{ev.year}年度"
    max_total = sum(d.max_points for d in cfg.four_have)
    method = (f"四个维度（{'、'.join(d.name for d in cfg.four_have)}）合计满分{max_total:g}；只对评分完整的支部排名；"
              f"示范点候选：总分前{ev.top_n}名（并列同计）且各维度得分率不低于{ev.min_share:.0%}。")
    profile = ev.profile
    share = profile["unit_mean"] / profile["max_points"]
    weakest = profile.loc[share.idxmin()]
    if ctx.unit is None:
        series = (Series("评定均值", _values(profile, "hospital_mean"), RED),
                  Series("自评均值", _values(profile, "unit_self_mean"), GOLD))
    else:
        series = (Series(ctx.unit_label, _values(profile, "unit_mean"), RED),
                  Series("全院均值", _values(profile, "hospital_mean"), GREY))
    unit_mean = ev.unit_mean
    head = f"{year}{ctx.prefix}四有{'总分' if ctx.level == 'branch' else '平均总分'} {_fmt(unit_mean)}（满分{max_total:g}）"
    findings.append(Finding(
        key="four_have.profile", section="four_have",
        title=f"{head}，最弱维度“{weakest['dimension_name']}” {_fmt(weakest['unit_mean'])} 分",
        source=_source(four_have.profile, four_have.branch_totals), method=method,
        n=f"{len(ev.ranked)}个支部评分完整（全院 {ev.hospital_n} 个）",
        figures=(Figure(_fmt(unit_mean), "四有平均总分" if ctx.level != "branch" else "四有总分",
                        f"全院平均 {_fmt(ev.hospital_mean)}"),),
        chart=Chart("radar", tuple(profile["dimension_name"]), series, "得分", value_min=0,
                    value_max=float(profile["max_points"].max())),
        points=tuple(f"{r.dimension_name}：{_fmt(r.unit_mean, 2)} 分（全院 {_fmt(r.hospital_mean, 2)}，自评 {_fmt(r.unit_self_mean, 2)}）"
                     for r in profile.itertuples()),
        period_label=year,
    ))
    tables.append(table("four_have_profile", f"四有各维度得分（{ev.year}）", profile, {
        "dimension_name": ("维度", "text"), "max_points": ("满分", "score"), "unit_mean": ("得分", "score2"),
        "unit_self_mean": ("自评分", "score2"), "unit_n": ("支部数", "int"), "hospital_mean": ("全院均值", "score2"),
        "gap": ("与全院差", "score2"), "self_gap": ("自评差", "score2")}, source=_source(four_have.profile)))

    ranked = ev.ranked.sort_values(["rank", "branch_id"])
    candidates = ev.candidates
    n_candidates, n_sites = len(ev.candidate_ids), int(ev.totals["is_site"].sum())
    if ctx.level == "branch":
        row = ev.totals.iloc[0]
        is_candidate = ctx.unit in ev.candidate_ids
        rank = f"全院第{int(row['rank'])}名" if number(row["rank"]) is not None else "评分不完整，未排名"
        findings.append(Finding(
            key="four_have.sites", section="four_have",
            title=f"{year}{ctx.unit_label}四有{rank}，{'符合' if is_candidate else '不符合'}示范点候选条件"
                  + ("（已命名示范点）" if bool(row["is_site"]) else ""),
            source=_source(four_have.site_candidates), method=method, n=f"全院 {ev.hospital_n} 个支部评分完整",
            figures=(Figure(rank.replace("全院", ""), "全院排名", f"总分 {_fmt(row['total'])}"),),
            points=tuple(candidates.loc[candidates["branch_id"] == ctx.unit, "note"]) or
            (f"最弱维度：{row['weakest_dimension']}（得分率 {_fmt(100 * (number(row['min_share']) or 0))}%）",),
            period_label=year,
        ))
    elif len(ranked):
        shown = ranked.head(15)
        sites, picks = set(ev.totals.loc[ev.totals["is_site"], "branch_id"]), set(ev.candidate_ids)
        colours = tuple(GOLD if b in sites else RED if b in picks else MUTED for b in shown["branch_id"])
        names = "、".join(candidates.loc[candidates["candidate"] & ~candidates["is_site"], "branch_name"])
        findings.append(Finding(
            key="four_have.sites", section="four_have",
            title=f"{year}{ctx.prefix}符合示范点候选条件的支部 {n_candidates} 个，已命名示范点 {n_sites} 个",
            source=_source(four_have.branch_totals, four_have.site_candidates), method=method,
            n=f"{len(ranked)}个支部评分完整",
            figures=(Figure(f"{n_candidates}", "示范点候选", f"已命名 {n_sites} 个"),),
            chart=Chart("bar", tuple(f"{int(r.rank)}. {r.branch_name}" for r in shown.itertuples()),
                        (Series("四有总分", _values(shown, "total"), MUTED, colours),), "四有总分",
                        value_min=_axis_from([_values(shown, "total")]), value_max=max_total),
            points=(f"金色：已命名示范点；红色：符合条件、尚未命名；图示前{len(shown)}名",)
            + ((f"尚未命名的候选：{names}",) if names else ()),
            period_label=year,
        ))
    tables.append(table("four_have_totals", f"四有总分与排名（{ev.year}）", ev.totals, {
        "rank": ("名次", "int"), "branch_name": ("党支部", "text"), "general_branch_name": ("党总支", "text"),
        "total": ("总分", "score"), "share": ("得分率", "share"), "rank_change": ("名次变化", "int"),
        "weakest_dimension": ("最弱维度", "text"), "min_share": ("最弱维度得分率", "share"),
        "is_site": ("已命名示范点", "bool")}, source=_source(four_have.branch_totals), in_deck=False))
    if len(candidates):
        tables.append(table("four_have_candidates", f"四有示范点候选（{ev.year}）", candidates, {
            "rank": ("名次", "int"), "branch_name": ("党支部", "text"), "total": ("总分", "score"),
            "min_share": ("最弱维度得分率", "share"), "candidate": ("符合候选条件", "bool"),
            "is_site": ("已命名示范点", "bool"), "note": ("说明", "text")}, source=_source(four_have.site_candidates), in_deck=False))
    return findings, tables, []


def _org_life(ctx: _Context) -> Built:
    p, cfg = ctx.period, ctx.cfg
    common = {"first": p.first, "last": p.last, "unit": ctx.unit, "as_of": ctx.as_of}
    summary = ctx.call(meetings.hospital_summary, **common, cfg=cfg)
    findings: list[Finding] = []
    tables: list[Table] = []
    notes: list[str] = []
    until = f"数据截至{_date_label(summary.window.last_day)}" if summary.window.last_day else "暂无活动记录"
    rules = "；".join(f"{r.kind}每{'月' if r.per == 'month' else '季度'}至少{r.times}次" for r in cfg.meeting_rules)
    method = (f"{rules}。只统计已结束、且全院有活动记录的月份或季度；达标率 = Σ按期达标次数 ÷ Σ应开次数；"
              f"出席率 = 出席 ÷（出席 + 请假 + 缺席）；党员少于{cfg.survey.min_cell}人的支部不报告出勤比例。")
    by_kind = summary.by_kind
    if summary.rate is None:
        notes.append(f"{p.label}尚无已结束且有记录的统计期（{until}），三会一课达标率不予计算。")
    else:
        findings.append(Finding(
            key="org_life.compliance", section="org_life",
            title=f"{p.label}{ctx.prefix}三会一课达标率 {summary.rate:.1f}%（{summary.counted:,}/{summary.required:,}），"
                  f"缺漏 {summary.missing} 期次，涉及 {summary.branches_with_gaps} 个支部",
            source=_source(meetings.hospital_summary), method=method,
            n=f"应开 {summary.required:,} 次，{summary.branches} 个支部；{until}",
            figures=(Figure(f"{summary.rate:.1f}%", "三会一课达标率", f"缺漏 {summary.missing} 期次"),),
            chart=Chart("column", tuple(by_kind["kind"]), (Series("达标率", _values(by_kind, "rate"), GREEN),),
                        "达标率（%）", suffix="%", value_min=_axis_from([_values(by_kind, "rate")], pad=5, step=10),
                        value_max=100),
            points=tuple(f"{r.kind}：{_fmt(r.rate)}%（{int(r.counted):,}/{int(r.required):,}），缺漏 {int(r.missing)} 期次"
                         for r in by_kind.itertuples()),
        ))
    if summary.attendance_rate is not None:
        series = (Series("出席", _values(by_kind, "attendance_rate"), GREEN),
                  Series("请假", _values(by_kind, "leave_rate"), GOLD),
                  Series("缺席", _values(by_kind, "absence_rate"), RED))
        findings.append(Finding(
            key="org_life.attendance", section="org_life",
            title=f"{p.label}{ctx.prefix}党员出席率 {summary.attendance_rate:.1f}%，请假率 {summary.leave_rate:.1f}%"
                  f"（n={summary.attendance_n:,}条出勤记录）",
            source=_source(meetings.hospital_summary), method=method,
            n=f"{summary.attendance_n:,}条出勤记录，{summary.members:,}名党员",
            figures=(Figure(f"{summary.attendance_rate:.1f}%", "党员出席率", f"请假率 {summary.leave_rate:.1f}%"),),
            chart=Chart("stacked_bar", tuple(by_kind["kind"]), series, "占出勤记录的比例（%）", suffix="%",
                        value_min=0, value_max=100),
            points=tuple(f"{r.kind}：出席 {_fmt(r.attendance_rate)}%，请假 {_fmt(r.leave_rate)}%，缺席 {_fmt(r.absence_rate)}%"
                         for r in by_kind.itertuples()),
        ))
    elif summary.attendance_n:
        notes.append("出勤人数不足，出勤比例不予报告。")
    tables.append(table("org_life_by_kind", f"三会一课汇总（{p.code}）", by_kind.assign(
        grain=by_kind["grain"].map({"month": "月", "quarter": "季度"})), {
        "kind": ("会议类型", "text"), "grain": ("频次单位", "text"), "times": ("每期应开", "int"),
        "branches": ("支部数", "int"), "required": ("应开次数", "int"), "counted": ("达标次数", "int"),
        "rate": ("达标率", "pct"), "ci_low": ("95%CI下限", "pct"), "ci_high": ("95%CI上限", "pct"),
        "missing": ("缺漏期数", "int"), "branches_with_gaps": ("有缺漏支部数", "int"),
        "attendance_n": ("出勤记录数", "int"), "attendance_rate": ("出席率", "pct"), "leave_rate": ("请假率", "pct"),
        "absence_rate": ("缺席率", "pct")}, source=_source(meetings.hospital_summary)))

    if summary.missing and ctx.level != "branch":
        missing = ctx.call(meetings.missing_meetings, **common, cfg=cfg)
        per_branch = (missing.groupby(["branch_id", "branch_name"], as_index=False)
                      .agg(periods=("period", "count"), shortfall=("shortfall", "sum"))
                      .sort_values(["periods", "branch_id"], ascending=[False, True]).reset_index(drop=True))
        shown = per_branch.head(10)
        findings.append(Finding(
            key="org_life.gaps", section="org_life",
            title=f"{p.label}{ctx.prefix}三会一课缺漏涉及 {len(per_branch)} 个支部：" + "、".join(
                f"{r.branch_name}（{int(r.periods)}期次）" for r in per_branch.head(3).itertuples())
            + ("等" if len(per_branch) > 3 else ""),
            source=_source(meetings.missing_meetings), method=method,
            n=f"{len(per_branch)}个支部有缺漏，共 {int(per_branch['periods'].sum())} 期次",
            figures=(Figure(f"{len(per_branch)}", "有缺漏的支部", f"共 {int(per_branch['periods'].sum())} 期次"),),
            chart=Chart("bar", tuple(shown["branch_name"]), (Series("缺漏期次", _values(shown, "periods"), RED),),
                        "缺漏期次", decimals=0, value_min=0),
            points=tuple(f"{r.branch_name}：缺漏 {int(r.periods)} 期次，少开 {int(r.shortfall)} 次" for r in shown.head(5).itertuples()),
        ))
        tables.append(table("org_life_missing", f"三会一课缺漏清单（{p.code}）", missing, {
            "branch_name": ("党支部", "text"), "general_branch_name": ("党总支", "text"), "kind": ("会议类型", "text"),
            "period_label": ("期间", "text"), "required": ("应开", "int"), "held": ("召开", "int"),
            "shortfall": ("缺少", "int")}, source=_source(meetings.missing_meetings), in_deck=False))

    totals = ctx.call(activities.activity_totals, first=p.first, last=p.last, unit=ctx.unit,
                      types=activities.EVENT_TYPES, as_of=ctx.as_of)
    if len(totals):
        service = ctx.call(activities.service_totals, **common)
        clinic, volunteer = service.free_clinic, service.volunteering
        findings.append(Finding(
            key="org_life.activities", section="org_life",
            title=f"{p.label}{ctx.prefix}开展义诊 {clinic.activities:,} 场、服务 {clinic.people_served:,} 人次，"
                  f"志愿服务 {volunteer.activities:,} 场、{volunteer.people_served:,} 人次",
            source=_source(activities.activity_totals, activities.service_totals),
            method="按活动记录统计：场次、服务人次、时长；不含三会一课；日期晚于统计日的活动不计。",
            n=f"活动 {int(totals['activities'].sum()):,} 场，{until}",
            figures=(Figure(f"{clinic.people_served + volunteer.people_served:,}", "义诊与志愿服务人次",
                            f"{clinic.activities + volunteer.activities:,} 场"),),
            chart=Chart("column", tuple(totals["activity_type"]), (Series("场次", _values(totals, "activities"), RED),),
                        "场次", decimals=0, value_min=0),
            points=tuple(f"{r.activity_type}：{int(r.activities):,} 场，服务 {int(r.people_served):,} 人次，"
                         f"{_fmt(r.hours, 0)} 小时，{int(r.branches)} 个支部" for r in totals.itertuples()),
        ))
        tables.append(table("org_life_activities", f"活动统计（{p.code}）", totals, {
            "activity_type": ("活动类型", "text"), "activities": ("场次", "int"), "people_served": ("服务人次", "int"),
            "hours": ("时长（小时）", "score"), "branches": ("支部数", "int"), "months": ("活跃月数", "int")},
            source=_source(activities.activity_totals)))
    return findings, tables, notes


def _tasks(ctx: _Context) -> Built:
    p = ctx.period
    rep = ctx.call(tasks.task_report, first=p.trend_first, last=p.last, unit=ctx.unit)
    c = rep.completion
    if c.rate is None:
        return [], [], []
    as_of = _date_label(rep.as_of)
    method = "完成率 = 截至期末已完成项目数 ÷ 已启动项目数（两位小数）；逾期 = 计划完成日已过而期末仍未完成（到期当天不算）。"
    findings: list[Finding] = []
    tables: list[Table] = []
    trend = rep.trend
    findings.append(Finding(
        key="tasks.completion", section="tasks",
        title=f"截至{as_of}{ctx.prefix}办实事完成率 {c.rate:.2f}%（{c.done}/{c.total}），逾期未完成 {c.overdue} 项",
        source=_source(tasks.task_report, tasks.completion_trend), method=method, n=f"已启动项目 {c.total} 项",
        figures=(Figure(f"{c.rate:.2f}%", "办实事完成率", f"{c.done}/{c.total} 项 · 逾期 {c.overdue} 项"),),
        chart=Chart("column", tuple(_short(q) for q in trend["quarter"]), (Series("完成率", _values(trend, "rate"), GOLD),),
                    "完成率（%）", decimals=2, suffix="%", value_min=0, value_max=100),
        points=(f"已完成 {c.done} 项，未完成 {c.total - c.done} 项", f"逾期未完成 {c.overdue} 项"),
        period_label=f"截至{as_of}（各季度末）",
    ))
    tables.append(table("tasks_trend", "办实事各季度末完成率", trend, {
        "quarter": ("季度", "text"), "done": ("已完成", "int"), "total": ("项目数", "int"), "rate": ("完成率", "pct")},
        source=_source(tasks.completion_trend)))
    cats = rep.by_category
    if len(cats) >= 2:
        low = cats.sort_values(["rate", "category"]).iloc[0]
        findings.append(Finding(
            key="tasks.categories", section="tasks",
            title=f"截至{as_of}{ctx.prefix}完成率最低的类别：{low['category']} {low['rate']:.2f}%（{int(low['done'])}/{int(low['total'])}）",
            source=_source(tasks.by_category), method=method, n=f"{len(cats)}个类别，{c.total} 项",
            figures=(Figure(f"{low['rate']:.2f}%", f"{low['category']}完成率", f"{int(low['done'])}/{int(low['total'])} 项"),),
            chart=Chart("bar", tuple(cats["category"]), (Series("完成率", _values(cats, "rate"), GOLD),), "完成率（%）",
                        decimals=2, suffix="%", value_min=0, value_max=100),
            points=tuple(f"{r.category}：{r.rate:.2f}%（{int(r.done)}/{int(r.total)}），逾期 {int(r.overdue)} 项"
                         for r in cats.itertuples()),
            period_label=f"截至{as_of}",
        ))
        tables.append(table("tasks_categories", "办实事按类别", cats, {
            "category": ("类别", "text"), "done": ("已完成", "int"), "total": ("项目数", "int"), "open": ("未完成", "int"),
            "overdue": ("逾期未完成", "int"), "rate": ("完成率", "pct")}, source=_source(tasks.by_category)))
    overdue = rep.overdue
    overdue_table = table("tasks_overdue", f"逾期未完成项目（截至{rep.as_of:%Y-%m-%d}）", overdue, {
        "task_id": ("编号", "text"), "title": ("项目", "text"), "category": ("类别", "text"),
        "branch_name": ("责任支部", "text"), "due_on": ("计划完成", "date"), "days_overdue": ("逾期天数", "int")},
        source=_source(tasks.overdue_tasks), in_deck=False)
    longest = overdue.iloc[0] if len(overdue) else None
    findings.append(Finding(
        key="tasks.overdue", section="tasks",
        title=(f"截至{as_of}{ctx.prefix}逾期未完成项目 {len(overdue)} 项，最长逾期 {int(longest['days_overdue'])} 天"
               f"（{longest['title']}）") if longest is not None else f"截至{as_of}{ctx.prefix}没有逾期未完成的项目",
        source=_source(tasks.overdue_tasks), method=method, n=f"已启动项目 {c.total} 项",
        figures=(Figure(f"{len(overdue)}", "逾期未完成项目", f"共 {c.total} 项"),),
        table=overdue_table if len(overdue) else None,
        points=tuple(f"{r.title}（{r.branch_name}）：逾期 {int(r.days_overdue)} 天" for r in overdue.head(5).itertuples()),
        period_label=f"截至{as_of}",
    ))
    if len(overdue):
        tables.append(overdue_table)
    tables.append(table("tasks_list", f"办实事项目清单（截至{rep.as_of:%Y-%m-%d}）", rep.tasks, {
        "task_id": ("编号", "text"), "title": ("项目", "text"), "category": ("类别", "text"),
        "branch_name": ("责任支部", "text"), "status_as_of": ("期末状态", "text"), "started_on": ("开始日期", "date"),
        "due_on": ("计划完成", "date"), "completed_on": ("实际完成", "date"), "counted": ("计入完成率", "bool")},
        source=_source(tasks.task_list), in_deck=False))
    return findings, tables, []


SURVEY_FIELDS_SQL = """
SELECT fielded_from, fielded_to,
       (SELECT min(question_no) FROM survey_question q
        WHERE q.survey_id = s.survey_id AND q.qtype = 'matrix'
          AND EXISTS (SELECT 1 FROM survey_option o WHERE o.survey_id = q.survey_id
                      AND o.question_no = q.question_no AND o.value IS NOT NULL)) AS scale_question,
       (SELECT min(question_no) FROM survey_question q
        WHERE q.survey_id = s.survey_id AND q.qtype = 'ranking') AS ranking_question
FROM survey s WHERE survey_id = $survey
"""


def _survey(ctx: _Context) -> Built:
    p, cfg = ctx.period, ctx.cfg
    headline = ctx.call(overview.survey_headline, cfg=cfg)
    if headline is None:
        return [], [], ["尚未导入含“政治面貌”分组的问卷。"]
    fielded_from, fielded_to, scale_q, ranking_q = ctx.con.execute(
        SURVEY_FIELDS_SQL, {"survey": headline.survey_id}).fetchone()
    started = fielded_from or fielded_to
    if started is not None and started > p.end:
        return [], [], [f"最近一次问卷（{headline.title}）在{p.label}之后开展，未纳入。"]
    findings: list[Finding] = []
    tables: list[Table] = []
    notes: list[str] = []
    where = "全院问卷，不按支部区分" if ctx.unit is not None else "全院问卷"
    when = f"{fielded_from:%Y-%m-%d}—{fielded_to:%Y-%m-%d}" if fielded_from and fielded_to else "日期未记录"
    method = (f"选择“{'、'.join(cfg.survey.effective_options)}”的比例及 Wilson 95% 置信区间；两组比较用 χ² 检验"
              f"（期望频数小于5时用 Fisher 精确检验），效应量 Cramér's V；人数少于{cfg.survey.min_cell}的格子不予报告。")
    shares = headline.shares[headline.shares["group"] != survey_stats.TOTAL_LABEL].reset_index(drop=True)
    cmp = headline.comparison
    parts = [f"{r.group} {_fmt(r.pct)}%（n={_fmt(r.n, 0)}）" if number(r.pct) is not None else f"{r.group} 不予报告"
             for r in shares.itertuples()]
    if cmp.suppressed:
        compared = cmp.note
    else:
        test = "χ² 检验" if cmp.test == "chi2" else "Fisher 精确检验"
        compared = f"相差 {_fmt(cmp.diff)} 个百分点（95% CI {_fmt(cmp.ci_low)}–{_fmt(cmp.ci_high)}，{test} {p_value(number(cmp.p_val))}，" \
                   f"Cramér's V = {_fmt(cmp.cramer_v, 2)}）"
    total = headline.shares[headline.shares["group"] == survey_stats.TOTAL_LABEL]
    findings.append(Finding(
        key="survey.effective", section="survey",
        title="、".join(parts) + "认为党建引领作用明显" + ("" if cmp.suppressed else f"，相差 {_fmt(cmp.diff)} 个百分点"),
        source=_source(overview.survey_headline, survey_stats.effective_share, survey_stats.compare_groups), method=method,
        n=f"{headline.title}：" + "，".join(f"{r.group} n={_fmt(r.n, 0)}" for r in shares.itertuples()),
        figures=tuple(Figure(f"{_fmt(r.pct, 0)}%", f"{r.group}认为作用明显", f"n={_fmt(r.n, 0)}") for r in shares.itertuples()),
        chart=Chart("column", tuple(shares["group"]), (Series("认为作用明显的比例", _values(shares, "pct"), RED,
                                                            (RED, BLUE, GOLD, GREY)[:len(shares)]),),
                    "比例（%）", suffix="%", value_min=0, value_max=100),
        points=(f"问卷：{headline.title}（{when}，{where}）", f"题目：{headline.question}", compared)
        + tuple(f"{r.group}：{_fmt(r.pct, 2)}%，95% CI {_fmt(r.ci_low)}%–{_fmt(r.ci_high)}%" for r in shares.itertuples()),
        period_label=f"问卷开展 {when}",
    ))
    tables.append(table("survey_effective", "问卷：认为党建引领作用明显的比例", headline.shares, {
        "group": ("分组", "text"), "n": ("人数", "int"), "effective": ("作用明显", "int"), "pct": ("比例", "pct"),
        "ci_low": ("95%CI下限", "pct"), "ci_high": ("95%CI上限", "pct")}, source=_source(survey_stats.effective_share)))
    if len(total) and number(total["pct"].iloc[0]) is None:
        notes.append("部分人数较少的分组不予报告。")

    if scale_q is not None:
        items = ctx.call(survey_stats.likert_items, survey_id=headline.survey_id, question_no=int(scale_q))
        items = items.sort_values(["mean", "item_no"]).reset_index(drop=True)
        scale = items.attrs.get("scale") or []
        scored = items.dropna(subset=["mean"])
        if len(scored):
            lo, hi = scored.iloc[0], scored.iloc[-1]
            span = f"{min(scale):g}–{max(scale):g}分" if scale else "量表"
            findings.append(Finding(
                key="survey.scale", section="survey",
                title=f"党建促进作用评分（{span}）：最高“{hi['item']}” {_fmt(hi['mean'], 2)}，最低“{lo['item']}” {_fmt(lo['mean'], 2)}",
                source=_source(survey_stats.likert_items),
                method=f"各方面评分的均值与标准差；高分比例 = 选择最高两档的比例。{method}",
                n=f"{headline.title}，每项 n={int(scored['n'].min()):,}–{int(scored['n'].max()):,}",
                figures=(Figure(_fmt(lo["mean"], 2), f"最低：{lo['item']}", f"高分比例 {_fmt(lo['top2_pct'])}%"),),
                chart=Chart("bar", tuple(items["item"]), (Series("均值", _values(items, "mean"), BLUE),), "平均分",
                            decimals=2, value_min=_axis_from([_values(items, "mean")], pad=0.3, step=0.5, lowest=0),
                            value_max=max(scale) if scale else None),
                points=tuple(f"{r.item}：{_fmt(r.mean, 2)} 分，高分比例 {_fmt(r.top2_pct)}%" for r in items.head(5).itertuples()),
                period_label=f"问卷开展 {when}",
            ))
            tables.append(table("survey_scale", "问卷：党建对各方面的促进作用评分", items, {
                "item": ("方面", "text"), "n": ("人数", "int"), "mean": ("均值", "score2"), "sd": ("标准差", "score2"),
                "top2_pct": ("高分比例", "pct"), "rank": ("由低到高", "int")}, source=_source(survey_stats.likert_items)))
    if ranking_q is not None:
        ranks = ctx.call(survey_stats.ranking_scores, survey_id=headline.survey_id, question_no=int(ranking_q))
        if len(ranks) and ranks.attrs.get("answered"):
            top = ranks.iloc[0]
            findings.append(Finding(
                key="survey.ranking", section="survey",
                title=f"最受重视的党建工作：“{top['option']}”（综合得分 {_fmt(top['score'], 2)}，平均排第 {_fmt(top['mean_rank'], 1)} 位）",
                source=_source(survey_stats.ranking_scores),
                method="综合得分 = Σ 排在第 p 位的人数 ×（选项数 − p + 1）÷ 作答人数（问卷星口径）。",
                n=f"作答 n={int(ranks.attrs['answered']):,}",
                figures=(Figure(_fmt(top["score"], 2), f"“{top['option']}”综合得分", ""),),
                chart=Chart("bar", tuple(ranks["option"]), (Series("综合得分", _values(ranks, "score"), RED),), "综合得分",
                            decimals=2, value_min=0),
                points=tuple(f"第{int(r.order)}位 {r.option}：综合得分 {_fmt(r.score, 2)}" for r in ranks.itertuples()),
                period_label=f"问卷开展 {when}",
            ))
            tables.append(table("survey_ranking", "问卷：党建工作重要性排序", ranks, {
                "order": ("位次", "int"), "option": ("工作", "text"), "n": ("排序人数", "int"),
                "mean_rank": ("平均位次", "score2"), "score": ("综合得分", "score2")},
                source=_source(survey_stats.ranking_scores)))
    return findings, tables, notes


BUILDERS: dict[str, Callable[[_Context], Built]] = {
    "overview": _overview,
    "vanguard": _vanguard,
    "assessment": _assessment,
    "four_have": _four_have,
    "org_life": _org_life,
    "tasks": _tasks,
    "survey": _survey,
}


def latest_quarter(con: duckdb.DuckDBPyConnection, *, scope: Scope) -> str:
    """The latest quarter with scores (the default period), or the current quarter."""
    quarters = org.quarters_with_data(con, scope=scope)
    return quarters[-1] if quarters else periods.quarter_of(dt.date.today())


def period_choices(con: duckdb.DuckDBPyConnection, *, scope: Scope) -> dict[str, list[str]]:
    """Quarters (latest first) and years with data, for the page's selectors."""
    quarters = org.quarters_with_data(con, scope=scope)[::-1]
    years = sorted({q[:4] for q in quarters}, reverse=True)
    return {"quarter": quarters, "year": years}


def outline_text(report: Report) -> str:
    """The outline as plain text (the CLI prints it; the page shows the same lines)."""
    lines = [f"{report.title}（{report.subtitle}）"]
    for section, titles in report.outline():
        lines.append(f"{section}")
        lines += [f"  - {t}" for t in titles]
    lines += [f"注：{n}" for n in report.notes]
    return "\n".join(lines)


__all__ = [
    "SECTIONS", "FORMATS", "Period", "Series", "Chart", "Figure", "Table", "Finding", "Call", "Report",
    "parse_period", "parse_sections", "build_report", "render", "unit_label", "latest_quarter", "period_choices",
    "outline_text", "number", "table", "format_value", "text_width",
]
