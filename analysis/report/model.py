"""The report model: what a meeting report holds, independent of the file it becomes.

A ``Report`` is a tuple of ``Finding``s (one slide / one screen each: a statement with its
numbers, a ``Chart`` or a ``Table``, headline ``Figure``s and supporting points) and the
``Table``s of the workbook and appendix, for one ``Period`` and one unit. The section builders
(``analysis.report.sections``) fill it; the renderers (``analysis.report.render``) read it.

Also here: the small value helpers both sides share (``number``, ``is_missing``,
``format_value``, ``text_width``, ``table``) and the vocabularies (``SECTIONS``, ``FORMATS``,
``COLUMN_KINDS``, ``CHART_KINDS``). Nothing in this module imports the rest of the report
package.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import pandas as pd

from analysis import periods
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
    "html": ("html", "text/html", "HTML 报告（单文件，可离线打开、打印为 PDF）"),
    "png": ("zip", "application/zip", "PNG 图表包（供 Word 插图）"),
}

# Column kinds of a report table: how the workbook formats them and how slides print them.
COLUMN_KINDS = ("text", "int", "score", "score2", "pct", "share", "date", "bool")
TEXT_KINDS = ("text", "date", "bool")  # left-aligned; every other kind is a number

CHART_KINDS = ("line", "column", "bar", "stacked_bar", "radar")

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
    source: str  # the analysis function(s), e.g. 'analysis.metrics.vanguard.hospital_trend'
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
    """A built report: its findings and tables in section order, and what was left out (``notes``)."""

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
    "SECTIONS", "FORMATS", "COLUMN_KINDS", "TEXT_KINDS", "CHART_KINDS", "TREND_QUARTERS",
    "Period", "Series", "Chart", "Figure", "Table", "Finding", "Call", "Report",
    "outline_text", "number", "is_missing", "format_value", "text_width", "table",
]
