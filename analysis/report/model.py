"""The report model: what a meeting report holds, independent of the file it becomes.

A ``Report`` is a tuple of ``Finding``s (one slide / one screen each: a statement with its
numbers, a ``Chart`` or a ``Table``, headline ``Figure``s, plain supporting points, the
statistics behind them for the notes, and the ``Concern``s it raises) and the ``Table``s of the
workbook and appendix, for one ``Period``, one unit and one ``Meeting``. It also carries the
short deck's choice (``key_findings``) and the drafted 存在问题 and 下步打算. The section
builders (``analysis.report.sections``) and ``analysis.report.brief`` fill it; the renderers
(``analysis.report.render``) read it.

Also here: the small value helpers both sides share (``number``, ``is_missing``,
``format_value``, ``text_width``, ``table``) and the vocabularies (``SECTIONS``, ``FORMATS``,
``LENGTHS``, ``COLUMN_KINDS``, ``CHART_KINDS``). Nothing in this module imports the rest of the
report package.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import pandas as pd

from analysis import periods
from analysis.formatting import fixed
from analysis.scope import ROLES, Scope

SECTIONS: dict[str, str] = {
    "overview": "总览",
    "vanguard": "先锋指数",
    "assessment": "支部考核",
    "four_have": "四有工程",
    "org_life": "组织生活",
    "tasks": "办实事",
    "survey": "问卷分析",
    "business": "党建+业务",
}

FORMATS: dict[str, tuple[str, str, str]] = {
    # format: (file extension, MIME type, Chinese name)
    "pptx": ("pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation", "PowerPoint 演示文稿"),
    "xlsx": ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "Excel 工作簿"),
    "docx": ("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "Word 汇报材料"),
    "html": ("html", "text/html", "HTML 报告（单文件，可离线打开、打印为 PDF）"),
    "png": ("zip", "application/zip", "PNG 图表包（供 Word 插图）"),
}

LENGTHS: dict[str, str] = {
    "short": "会议版（不超过12页：总体情况、重点结论、问题与打算）",
    "full": "完整版（全部结论与附表）",
}
SHORT_DECK_SLIDES = 12  # a 党委 agenda item: cover, 总体情况, key findings, 存在问题, 下步打算

# Column kinds of a report table: how the workbook formats them and how slides print them.
COLUMN_KINDS = ("text", "int", "score", "score2", "pct", "share", "date", "bool")
TEXT_KINDS = ("text", "date", "bool")  # left-aligned; every other kind is a number

CHART_KINDS = ("line", "dot", "column", "bar", "stacked_bar")

TREND_QUARTERS = 8  # trend charts show this many quarters up to the period's last one


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

    kind: 'line' (categories are quarters), 'dot' (markers without lines: values compared within
    a category, on an axis that need not start at 0), 'column' (vertical bars), 'bar'
    (horizontal bars, first category on top) or 'stacked_bar' (horizontal, 100% stacked). Bars
    start at 0 (a bar's length is its value); several series are drawn side by side. Values are
    shown with ``decimals`` and ``suffix``; ``value_max`` caps the axis (100 for a rate: never a
    120% tick).
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
        if self.is_bars and self.value_min is not None and self.value_min > 0:
            raise ValueError(f"a {self.kind} chart starts at 0 (a truncated bar exaggerates); use a dot chart")
        for s in self.series:
            if len(s.values) != len(self.categories):
                raise ValueError(f"series {s.name!r} has {len(s.values)} values for {len(self.categories)} categories")

    @property
    def is_bars(self) -> bool:
        return self.kind in ("column", "bar", "stacked_bar")

    @property
    def bar_base(self) -> float:
        """Where a bar chart's value axis starts: 0, or below it when bars may be negative (a
        correlation from -1 to 1): either way every bar grows from zero."""
        return min(0.0, self.value_min or 0.0)

    @property
    def excel_format(self) -> str:
        """Number format code for the chart's value labels (Excel/PowerPoint)."""
        return _excel_format(self.decimals, self.suffix)

    @property
    def tick_decimals(self) -> int:
        """Decimals of the axis ticks: whole numbers for counts and whenever the axis spans 5 units
        or more (a tick of 10.00% says nothing 10% does not)."""
        values = [v for s in self.series for v in s.values if v is not None]
        low = self.bar_base if self.is_bars else min(values, default=0.0) if self.value_min is None else self.value_min
        high = self.value_max if self.value_max is not None else max(values, default=0.0)
        return 0 if self.decimals == 0 or high - low >= 5 else 1

    @property
    def tick_format(self) -> str:
        """Number format code for the value axis ticks: '0"%"', never '10.00%'."""
        return _excel_format(self.tick_decimals, self.suffix)

    @property
    def d3_format(self) -> str:
        """The value labels' format for plotly (d3-format)."""
        return f",.{self.decimals}f"


def _excel_format(decimals: int, suffix: str) -> str:
    code = "#,##0" + ("." + "0" * decimals if decimals else "")
    return code + (f'"{suffix}"' if suffix else "")


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


@dataclass(frozen=True)
class Concern:
    """A problem a finding shows, drafted for 存在问题, with the step that answers it for 下步打算.

    Both are drafts from the data for the 党办 to revise; ``weight`` orders them (larger first).
    """

    problem: str
    action: str
    weight: float = 1.0


@dataclass(frozen=True, eq=False)
class Finding:
    """One slide / one screen: a statement with its numbers and the evidence behind it.

    ``points`` are plain sentences for the slide body; ``details`` the statistics behind them
    (tests, intervals, effect sizes, spreads) for the speaker notes and the appendix, never the
    body. ``weight`` says how much changed or is flagged (0: a routine figure); the short deck
    picks its key findings by it. ``source`` names the data in plain Chinese (支部季度考核表).
    """

    key: str  # stable id, e.g. 'vanguard.trend'
    section: str
    title: str
    source: str  # the data in plain Chinese, e.g. '党员先锋指数季度评分'
    method: str
    n: str  # who or what was counted, e.g. '34个支部'
    figures: tuple[Figure, ...] = ()
    chart: Chart | None = None
    points: tuple[str, ...] = ()
    table: Table | None = None  # shown in place of a chart (e.g. the watch list)
    period_label: str = ""  # when it differs from the report's period (trends, as-of dates)
    details: tuple[str, ...] = ()
    concerns: tuple[Concern, ...] = ()
    weight: float = 0.0


@dataclass(frozen=True)
class Call:
    """One analysis call the report made (the bench replays them as its baseline)."""

    fn: Callable[..., Any]
    kwargs: Mapping[str, Any]

    @property
    def name(self) -> str:
        return f"{self.fn.__module__}.{self.fn.__qualname__}"


MEETING_TEXT_MAX = 60  # characters of a meeting name or presenter: one line on the cover


@dataclass(frozen=True)
class Meeting:
    """The meeting the material is for: its name, its date and the unit that presents.

    name: '2025年第4季度支部书记例会' ('' : none given); on: the meeting's date (None: the date of
    generation); presenter: '党委办公室' ('' : none given).
    """

    name: str = ""
    on: dt.date | None = None
    presenter: str = ""

    def __post_init__(self) -> None:
        for label, text in (("会议名称", self.name), ("汇报单位", self.presenter)):
            if not isinstance(text, str) or "\n" in text or "\r" in text:
                raise ValueError(f"{label}须为一行文字")
            if len(text) > MEETING_TEXT_MAX:
                raise ValueError(f"{label}不超过{MEETING_TEXT_MAX}个字（现为{len(text)}个字）")
        object.__setattr__(self, "name", self.name.strip())
        object.__setattr__(self, "presenter", self.presenter.strip())


@dataclass(frozen=True, eq=False)
class Report:
    """A built report: its findings and tables in section order, what was left out (``notes``), the
    meeting it is for, and the short deck's choice: ``key_findings`` (keys, in report order) with
    the drafted ``problems`` (存在问题) and ``plans`` (下步打算)."""

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
    meeting: Meeting = Meeting()
    length: str = "short"
    data_date: dt.date | None = None  # the data reach up to this day (the period's end, or today)
    key_findings: tuple[str, ...] = ()
    problems: tuple[Concern, ...] = ()

    def __post_init__(self) -> None:
        if self.length not in LENGTHS:
            raise ValueError(f"length must be one of {', '.join(LENGTHS)}")

    @property
    def title(self) -> str:
        """'2025年第4季度党建工作情况汇报', '2025年度内科党总支党建工作情况汇报'."""
        unit = self.unit_label if self.unit else ""
        return f"{self.period.label}{unit}党建工作情况汇报"

    @property
    def subtitle(self) -> str:
        return f"{self.hospital} · {self.unit_label}"

    @property
    def meeting_date(self) -> dt.date:
        return self.meeting.on or self.generated_at.date()

    @property
    def date_label(self) -> str:
        """The meeting's date as written on a cover: '2026年1月15日'."""
        day = self.meeting_date
        return f"{day.year}年{day.month}月{day.day}日"

    @property
    def data_date_label(self) -> str:
        """'数据截至2025年12月31日'."""
        day = self.data_date or self.period.end
        return f"数据截至{day.year}年{day.month}月{day.day}日"

    @property
    def deck_findings(self) -> tuple[Finding, ...]:
        """The findings a deck or Word report shows: the short deck's choice, or every finding."""
        if self.length == "full" or not self.key_findings:
            return self.findings
        chosen = set(self.key_findings)
        return tuple(f for f in self.findings if f.key in chosen)

    @property
    def scope_label(self) -> str:
        unit = f"（{self.scope.unit_id}）" if self.scope.unit_id else ""
        return f"{ROLES[self.scope.role]}{unit} · {self.scope.username}"

    @property
    def generated_label(self) -> str:
        return f"{self.generated_at:%Y年%m月%d日 %H:%M}"

    def issued_to(self, viewer: Scope, at: dt.datetime) -> Report:
        """This report as the file ``viewer`` generates at ``at``, naming them on the cover.

        A built report is shared by every viewer with the same scope (the app caches it by role
        and unit, not by name), so the name and time are set when a file is made. ValueError for
        a viewer whose scope differs: the numbers were computed for someone else's view.
        """
        if viewer.cache_key != self.scope.cache_key:
            raise ValueError("该汇报材料按其他权限范围生成，不能以当前账号导出。")
        return replace(self, scope=viewer, generated_at=at)

    def section_findings(self, section: str) -> list[Finding]:
        return [f for f in self.findings if f.section == section]

    def outline(self) -> list[tuple[str, list[str]]]:
        """(section name, finding titles) of the deck in order, then the drafted 存在问题 and
        下步打算: the preview before generating."""
        shown = self.deck_findings
        parts = [(SECTIONS[s], [f.title for f in shown if f.section == s]) for s in SECTIONS
                 if any(f.section == s for f in shown)]
        parts.append(("存在问题（初稿）", [c.problem for c in self.problems]))
        parts.append(("下步打算（初稿）", [c.action for c in self.problems]))
        return parts

    def file_name(self, fmt: str) -> str:
        """'汇报材料_全院_2025Q4.pptx' (unit id rather than name: names may hold anything)."""
        ext = FORMATS[fmt][0]
        return f"汇报材料_{self.unit or '全院'}_{self.period.code}.{ext}"

    def source_line(self, finding: Finding) -> str:
        """The footer of a finding in plain Chinese: '数据来源：支部季度考核表，2025年第4季度，34个支部'."""
        return f"数据来源：{finding.source}，{finding.period_label or self.period.label}，{finding.n}"

    def speaker_notes(self, finding: Finding) -> str:
        """Data source, period, n, method and the statistics, for the speaker notes and the HTML details."""
        lines = [
            f"结论：{finding.title}",
            f"数据来源：{finding.source}（{self.hospital}）",
            f"统计期：{finding.period_label or self.period.label}；范围：{self.unit_label}",
            f"样本量：{finding.n}",
            f"口径：{finding.method}",
        ]
        lines += [f"统计：{d}" for d in finding.details]
        lines += [f"要点：{p}" for p in finding.points]
        if self.is_demo:
            lines.append("注意：演示数据，全部人员与数据均为程序合成。")
        return "\n".join(lines)


def outline_text(report: Report) -> str:
    """The outline as plain text (the CLI prints it; the page shows the same lines).

    Parameters
    ----------
    report : a built report.

    Returns
    -------
    str
        The title line, then each section's name with its finding titles indented, then the notes.
    """
    lines = [f"{report.title}（{report.subtitle}）"]
    for section, titles in report.outline():
        lines.append(f"{section}")
        lines += [f"  - {t}" for t in titles]
    lines += [f"注：{n}" for n in report.notes]
    return "\n".join(lines)


# --------------------------------------------------------------------------- value helpers


def number(value: Any) -> float | None:
    """A float, or None for missing, NaN and suppressed cells ('<5', '*').

    Parameters
    ----------
    value : a table cell or an analysis result.

    Returns
    -------
    float or None
    """
    if value is None or isinstance(value, str):
        return None
    try:
        out = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(out) else out


def is_missing(value: Any) -> bool:
    """Whether a table cell holds no value (None, NaN, NaT); strings and sequences never do.

    Parameters
    ----------
    value : a table cell.

    Returns
    -------
    bool
    """
    return value is None or (not isinstance(value, (str, list, tuple)) and bool(pd.isna(value)))


def format_value(value: Any, kind: str) -> str:
    """A table cell as text for slides and HTML ('—' when missing; suppressed cells as given).

    Parameters
    ----------
    value : the cell, in the analysis function's unit.
    kind : one of ``COLUMN_KINDS``.

    Returns
    -------
    str
        'pct' 73.08%, 'share' 80.00%, 'score' 86.9, 'score2' 1.96, 'int' 1,107, 'date'
        2025-12-31, 'bool' 是/否; text as it is.
    """
    if isinstance(value, str):
        return value
    if is_missing(value):
        return "—"
    if kind == "bool":
        return "是" if bool(value) else "否"
    if kind == "date":
        return f"{pd.Timestamp(value):%Y-%m-%d}"
    v = number(value)
    if v is None:
        return str(value)
    if kind == "int":
        return fixed(v, 0, grouping=True)
    if kind == "score":
        return fixed(v, 1, grouping=True)
    if kind == "score2":
        return fixed(v, 2, grouping=True)
    if kind == "pct":
        return f"{fixed(v, 2)}%"
    if kind == "share":
        return f"{fixed(100 * v, 2)}%"
    return str(value)


def text_width(text: object) -> int:
    """Display width of text: CJK and full-width characters count two.

    Parameters
    ----------
    text : anything; its ``str``.

    Returns
    -------
    int
    """
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in str(text))


def table(key: str, title: str, frame: pd.DataFrame, columns: Mapping[str, tuple[str, str]], *, source: str = "",
          note: str = "", in_deck: bool = True) -> Table:
    """A ``Table`` from the columns of ``frame`` named in ``columns``.

    Parameters
    ----------
    key, title, source, note, in_deck : as in ``Table``.
    frame : an analysis function's result.
    columns : source column -> (Chinese header, kind); the table keeps these columns in this order.

    Returns
    -------
    Table
        ``frame``'s chosen columns renamed to their headers, index reset; formats header -> kind.
    """
    for header, kind in columns.values():
        if kind not in COLUMN_KINDS:
            raise ValueError(f"column kind {kind!r} of {header!r} is not one of {COLUMN_KINDS}")
    out = frame[list(columns)].rename(columns={src: header for src, (header, _) in columns.items()})
    out = out.reset_index(drop=True)
    return Table(key, title, out, {header: kind for header, kind in columns.values()}, source, note, in_deck)


__all__ = [
    "SECTIONS", "FORMATS", "LENGTHS", "SHORT_DECK_SLIDES", "COLUMN_KINDS", "TEXT_KINDS", "CHART_KINDS", "TREND_QUARTERS",
    "Period", "Series", "Chart", "Figure", "Table", "Concern", "Finding", "Call", "Meeting", "Report",
    "outline_text", "number", "is_missing", "format_value", "text_width", "table",
]
