"""The meeting deck: a .pptx from a ``report.Report``, written with python-pptx into a template.

The template (``render.template``: the hospital's upload, or our red-and-white default) gives
the slide master, the layouts, the theme colours and the fonts; this module only places content
on the template's cover and title layouts and refers to the theme: decoration and headline
figures take the theme's first accent, text the theme's fonts (named on every run, Latin and
East Asian, so that WPS and LibreOffice pick a CJK face instead of drawing boxes). Data marks
keep ``analysis.palette``'s meanings on any template. Positions follow the template's slide
size and its title placeholder, so a 4:3 or differently laid-out template works too.

Slides of the short deck (``report.length == "short"``, at most ``SHORT_DECK_SLIDES``): the
cover (meeting, unit, presenter, date, data date), 总体情况 (the overview's figures), one slide
per key finding (``Report.key_findings``), 存在问题 and 下步打算 (drafted from the data, marked as
drafts, editable text). The full deck adds 目录 after the cover, every finding, and the
appendix: every table marked ``in_deck``, ``ROWS_PER_SLIDE`` rows per slide.

A finding's slide: its title is the finding with its numbers; its chart a native PowerPoint
chart with the data embedded (editable in PowerPoint or WPS), bars from 0, lines and dots on
the data's range; a headline figure and plain points beside it; the footer names the data in
plain Chinese ("数据来源：支部季度考核表，2025年第4季度，34个支部"); the speaker notes add the
method and the statistics. Each slide's ``cSld/@name`` holds the finding key
(``vanguard.trend``), ``cover``, ``agenda``, ``problems``, ``plans`` or
``appendix.<table>.<page>``, which the tests use to find a slide.
"""

from __future__ import annotations

import io
import math
from collections.abc import Iterable
from dataclasses import dataclass

from pptx.chart.data import CategoryChartData
from pptx.dml.color import RGBColor
from pptx.enum.chart import (
    XL_AXIS_CROSSES,
    XL_CHART_TYPE,
    XL_LABEL_POSITION,
    XL_LEGEND_POSITION,
    XL_MARKER_STYLE,
    XL_TICK_LABEL_POSITION,
)
from pptx.enum.dml import MSO_THEME_COLOR
from pptx.enum.shapes import MSO_SHAPE, PP_PLACEHOLDER
from pptx.enum.text import MSO_ANCHOR, PP_ALIGN
from pptx.oxml.ns import qn
from pptx.oxml.xmlchemy import OxmlElement
from pptx.util import Emu, Inches, Pt

from analysis.exports import neutralise
from analysis.report.model import (
    SECTIONS,
    TEXT_KINDS,
    Chart,
    Figure,
    Finding,
    Report,
    Series,
    Table,
    format_value,
    text_width,
)
from analysis.report.render import template as templates

ROWS_PER_SLIDE = 14
APPENDIX_MAX_COLUMNS = 9  # wider tables live in the workbook only
INSIDE_LABEL = 0.85  # a bar longer than this share of the axis carries its label inside its end

DARK = RGBColor(0x22, 0x22, 0x22)
GREY = RGBColor(0x66, 0x66, 0x66)
LIGHT = RGBColor(0xF4, 0xF4, 0xF4)
WHITE = RGBColor(0xFF, 0xFF, 0xFF)
GRID = RGBColor(0xDD, 0xDD, 0xDD)
DRAFT = RGBColor(0xFF, 0xF4, 0xE0)  # the draft banner: a light tint of palette.ATTENTION
DRAFT_INK = RGBColor(0xB3, 0x58, 0x06)
ACCENT = MSO_THEME_COLOR.ACCENT_1

CHART_TYPES = {
    "line": XL_CHART_TYPE.LINE_MARKERS,
    "dot": XL_CHART_TYPE.LINE_MARKERS,  # markers only: the line is hidden
    "column": XL_CHART_TYPE.COLUMN_CLUSTERED,
    "bar": XL_CHART_TYPE.BAR_CLUSTERED,
    "stacked_bar": XL_CHART_TYPE.BAR_STACKED_100,
}
DRAFT_NOTE = "初稿：由数据自动起草，请结合实际修改后使用"


# --------------------------------------------------------------------------- public


def to_pptx(report: Report, template: bytes | None = None) -> bytes:
    """The deck as .pptx bytes, in ``template`` (checked .pptx bytes; None: the default)."""
    deck = _Deck(report, template)
    deck.build()
    buffer = io.BytesIO()
    deck.prs.save(buffer)
    return buffer.getvalue()


def deck_tables(report: Report) -> list[Table]:
    """The tables of the full deck's appendix, in report order (the short deck has none)."""
    if report.length != "full":
        return []
    return [t for t in report.tables if t.in_deck and len(t.frame)]


def appendix_pages(tbl: Table) -> int:
    return max(1, math.ceil(len(tbl.frame) / ROWS_PER_SLIDE))


def slide_count(report: Report) -> int:
    """Slides of the deck: cover, (目录), the findings, 存在问题, 下步打算, (the appendix pages)."""
    agenda = 1 if report.length == "full" else 0
    return 1 + agenda + len(report.deck_findings) + 2 + sum(appendix_pages(t) for t in deck_tables(report))


# --------------------------------------------------------------------------- geometry and text


@dataclass(frozen=True)
class _Frame:
    """Where content goes on the template's content layout (EMU)."""

    width: int
    height: int
    margin: int
    top: int  # below the title placeholder
    bottom: int  # above the footer

    @property
    def inner(self) -> int:
        return self.width - 2 * self.margin


class _Deck:
    """One deck being written: the presentation, its layouts, fonts and geometry, the slide counter."""

    def __init__(self, report: Report, template: bytes | None) -> None:
        self.report = report
        self.prs = templates.open_deck(template)
        self.layouts = templates.Layouts(self.prs)
        self.fonts = templates.fonts(self.prs)
        width, height = self.prs.slide_width, self.prs.slide_height
        scale = height / Inches(7.5)
        title = _title_placeholder(self.layouts.content)
        top = title.top + title.height + Emu(round(Inches(0.2) * scale)) if title is not None else Inches(1.5) * scale
        self.frame = _Frame(width, height, Emu(round(Inches(0.45) * scale)), int(top),
                            int(height - Inches(0.6) * scale))
        self.scale = scale
        self.number = 0
        self.total = slide_count(report)

    # ------------------------------------------------------------------ the slides in order

    def build(self) -> None:
        report = self.report
        self.cover()
        if report.length == "full":
            self.agenda()
        for finding in report.deck_findings:
            self.finding(finding)
        self.problems()
        self.plans()
        for index, tbl in enumerate(deck_tables(report), start=1):
            for page in range(appendix_pages(tbl)):
                self.appendix(tbl, index, page)
        props = self.prs.core_properties
        props.title, props.subject, props.author = report.title, report.subtitle, report.hospital
        props.keywords = "党建; 汇报材料"
        props.comments = "由党建数据看板生成" + ("（演示数据）" if report.is_demo else "")

    def _slide(self, layout, name: str):
        slide = self.prs.slides.add_slide(layout)
        slide._element.cSld.set("name", name)
        self.number += 1
        return slide

    def cover(self) -> None:
        report = self.report
        slide = self._slide(self.layouts.cover, "cover")
        title = slide.shapes.title
        width = text_width(report.title)
        self.write(title.text_frame, report.title, size=40 if width <= 32 else 34 if width <= 42 else 28, bold=True,
                   heading=True, colour=None)
        lines = [line for line in (report.meeting.name,
                                   "　".join(part for part in (report.meeting.presenter, report.date_label) if part),
                                   f"{report.hospital} · {report.unit_label} · {report.data_date_label}") if line]
        if report.is_demo:
            lines.append("演示数据：全部人员与数据均为程序合成，不涉及任何真实人员")
        subtitle = next((p for p in slide.placeholders if p.placeholder_format.type == PP_PLACEHOLDER.SUBTITLE), None)
        if subtitle is None:
            f = self.frame
            subtitle = slide.shapes.add_textbox(f.margin, int(f.height * 0.62), f.inner, int(f.height * 0.3))
        self.write(subtitle.text_frame, lines, size=20, colour=None, space_after=6, sizes=(22, 18, 14, 12))
        _drop_empty_placeholders(slide)
        notes = [report.title, *lines, f"材料生成：{report.generated_label}，{report.scope_label}"]
        self.notes(slide, notes)

    def agenda(self) -> None:
        report = self.report
        slide = self.content_slide("agenda", "目录")
        sections = [SECTIONS[s] for s in SECTIONS if any(f.section == s for f in report.deck_findings)]
        lines = [f"{i}. {name}" for i, name in enumerate([*sections, "存在问题与下步打算（初稿）"], start=1)]
        if deck_tables(report):
            lines.append(f"{len(lines) + 1}. 附表（{len(deck_tables(report))} 张）")
        f = self.frame
        self.textbox(slide, f.margin + Inches(0.3), f.top, int(f.inner * 0.5), f.bottom - f.top, lines, size=22,
                     space_after=10)
        notes = [f"说明：{n}" for n in report.notes] + ["本材料只含支部及以上层级的汇总数据，不含党员个人信息。"]
        self.textbox(slide, f.margin + int(f.inner * 0.55), f.top, int(f.inner * 0.45), f.bottom - f.top, notes, size=12,
                     colour=GREY, space_after=6)
        self.footer(slide, "")
        self.notes(slide, lines + notes)

    def finding(self, finding: Finding) -> None:
        slide = self.content_slide(finding.key, finding.title)
        f = self.frame
        body = f.bottom - f.top
        if finding.chart is not None:
            chart_width = int(f.inner * 0.68)
            self.chart(slide, finding.chart, f.margin, f.top, chart_width, body)
            side = f.margin + chart_width + Inches(0.25) * self.scale
            self.side_panel(slide, finding, int(side), f.top, int(f.width - f.margin - side), body)
        elif finding.table is not None:
            rows = finding.table.frame.head(ROWS_PER_SLIDE)
            if finding.figures:
                self.figure_cards(slide, finding.figures[:1], f.top, width=int(f.inner * 0.25))
                x = f.margin + int(f.inner * 0.28)
                self.table(slide, finding.table, rows, x, f.top, f.width - f.margin - x)
            else:
                self.table(slide, finding.table, rows, f.margin, f.top, f.inner)
            if len(finding.table.frame) > ROWS_PER_SLIDE:
                self.textbox(slide, f.margin, f.bottom - Inches(0.35), f.inner, Inches(0.3),
                             [f"另有 {len(finding.table.frame) - ROWS_PER_SLIDE} 项见 Excel 工作簿"], size=11, colour=GREY)
        else:
            cards_height = self.figure_cards(slide, finding.figures, f.top)
            top = f.top + cards_height + Inches(0.3) * self.scale
            self.textbox(slide, f.margin + Inches(0.2), int(top), f.inner - Inches(0.4), int(f.bottom - top),
                         finding.points, size=16, space_after=8, bullet=True)
        self.footer(slide, self.report.source_line(finding))
        self.notes(slide, self.report.speaker_notes(finding).split("\n"))

    def problems(self) -> None:
        concerns = self.report.problems
        title = (f"存在问题：本期有 {len(concerns)} 个方面需要重视（初稿）" if concerns
                 else "存在问题：本期数据未显示需要重点关注的问题（初稿）")
        lines = [f"{i}. {c.problem}。" for i, c in enumerate(concerns, start=1)] or ["（请根据实际情况填写）"]
        self.draft_slide("problems", title, lines)

    def plans(self) -> None:
        concerns = self.report.problems
        title = (f"下步打算：针对 {len(concerns)} 个问题抓好整改落实（初稿）" if concerns
                 else "下步打算：巩固成效、持续提升（初稿）")
        lines = [f"{i}. {c.action}。" for i, c in enumerate(concerns, start=1)] or ["（请根据实际情况填写）"]
        self.draft_slide("plans", title, lines)

    def draft_slide(self, name: str, title: str, lines: list[str]) -> None:
        slide = self.content_slide(name, title)
        f = self.frame
        banner = Inches(0.42) * self.scale
        box = slide.shapes.add_shape(MSO_SHAPE.RECTANGLE, f.margin, f.top, f.inner, int(banner))
        box.fill.solid()
        box.fill.fore_color.rgb = DRAFT
        box.line.fill.background()
        box.shadow.inherit = False
        self.write(box.text_frame, DRAFT_NOTE, size=13, colour=DRAFT_INK, align=PP_ALIGN.LEFT)
        size = 20 if len(lines) <= 4 else 17 if len(lines) <= 6 else 15
        top = f.top + int(banner) + Inches(0.2) * self.scale
        self.textbox(slide, f.margin + Inches(0.1), int(top), f.inner - Inches(0.2), int(f.bottom - top), lines,
                     size=size, space_after=12)
        self.footer(slide, f"依据：本材料各页数据（{self.report.period.label}，{self.report.unit_label}）")
        self.notes(slide, [DRAFT_NOTE, *lines])

    def appendix(self, tbl: Table, index: int, page: int) -> None:
        pages = appendix_pages(tbl)
        suffix = f"（{page + 1}/{pages}）" if pages > 1 else ""
        slide = self.content_slide(f"appendix.{tbl.key}.{page + 1}", f"附表{index}　{tbl.title}{suffix}")
        f = self.frame
        rows = tbl.frame.iloc[page * ROWS_PER_SLIDE:(page + 1) * ROWS_PER_SLIDE]
        self.table(slide, tbl, rows, f.margin, f.top, f.inner)
        if len(tbl.frame.columns) > APPENDIX_MAX_COLUMNS:
            self.textbox(slide, f.margin, f.bottom - Inches(0.3), f.inner, Inches(0.3),
                         [f"只列出前 {APPENDIX_MAX_COLUMNS} 列，完整表格见 Excel 工作簿"], size=10, colour=GREY)
        self.footer(slide, f"数据来源：{tbl.source}，{self.report.period.label}")
        self.notes(slide, [f"附表：{tbl.title}", f"数据来源：{tbl.source}",
                           f"范围：{self.report.unit_label}；统计期：{self.report.period.label}"]
                   + ([f"说明：{tbl.note}"] if tbl.note else []))

    # ------------------------------------------------------------------ parts of slides

    def content_slide(self, name: str, title: str):
        slide = self._slide(self.layouts.content, name)
        for placeholder in list(slide.placeholders):
            if placeholder.placeholder_format.type not in (PP_PLACEHOLDER.TITLE, PP_PLACEHOLDER.CENTER_TITLE):
                placeholder._element.getparent().remove(placeholder._element)
        width = text_width(title)
        size = 26 if width <= 64 else 22 if width <= 96 else 19 if width <= 140 else 16
        frame = slide.shapes.title.text_frame
        frame.word_wrap = True
        self.write(frame, title, size=size * min(1.0, self.scale), bold=True, heading=True, colour=None)
        return slide

    def footer(self, slide, source: str) -> None:
        f = self.frame
        y, height = f.bottom + Inches(0.12) * self.scale, Inches(0.35) * self.scale
        left = source + (" · 演示数据（程序合成）" if self.report.is_demo else "")
        self.textbox(slide, f.margin, int(y), int(f.inner * 0.75), int(height), [left], size=10, colour=GREY)
        self.textbox(slide, f.margin + int(f.inner * 0.75), int(y), int(f.inner * 0.25), int(height),
                     [f"{self.report.hospital}　{self.number} / {self.total}"], size=10, colour=GREY, align=PP_ALIGN.RIGHT)

    def notes(self, slide, lines: list[str]) -> None:
        self.write(slide.notes_slide.notes_text_frame, lines, size=12)

    def side_panel(self, slide, finding: Finding, x, y, cx, cy) -> None:
        top = y
        if finding.figures:
            figure = finding.figures[0]
            card = Inches(1.8) * self.scale
            _rect(slide, x, top, cx, int(card), LIGHT)
            self.textbox(slide, x + Inches(0.1), top + Inches(0.08), cx - Inches(0.2), Inches(0.85), [figure.value],
                         size=_fitting_size(figure.value, cx - Inches(0.2), 34), bold=True, colour=ACCENT)
            self.textbox(slide, x + Inches(0.1), top + Inches(0.9), cx - Inches(0.2), Inches(0.4), [figure.label],
                         size=14, bold=True)
            if figure.detail:
                self.textbox(slide, x + Inches(0.1), top + Inches(1.25), cx - Inches(0.2), Inches(0.5), [figure.detail],
                             size=11, colour=GREY)
            top += int(card) + Inches(0.2)
        points = list(finding.points[:5])
        if points:
            self.textbox(slide, x, top, cx, y + cy - top, points, size=13, space_after=6, bullet=True)

    def figure_cards(self, slide, figures: tuple[Figure, ...], y, width: int | None = None) -> int:
        """Up to six headline figures in a row; returns the cards' height."""
        figures = figures[:6]
        if not figures:
            return 0
        f = self.frame
        gap = int(Inches(0.2) * self.scale)
        width = width or int((f.inner - gap * (len(figures) - 1)) / len(figures))
        height = int(Inches(2.0) * self.scale)
        inset = Inches(0.12)
        for index, figure in enumerate(figures):
            x = f.margin + index * (width + gap)
            _rect(slide, x, y, width, height, LIGHT)
            self.textbox(slide, x + inset, y + Inches(0.1), width - 2 * inset, Inches(0.9), [figure.value],
                         size=_fitting_size(figure.value, width - 2 * inset, 40), bold=True, colour=ACCENT)
            self.textbox(slide, x + inset, y + Inches(1.0), width - 2 * inset, Inches(0.4), [figure.label], size=15,
                         bold=True)
            if figure.detail:
                self.textbox(slide, x + inset, y + Inches(1.4), width - 2 * inset, Inches(0.55), [figure.detail],
                             size=11, colour=GREY)
        return height

    def table(self, slide, tbl: Table, rows, x, y, cx) -> None:
        columns = list(tbl.frame.columns)[:APPENDIX_MAX_COLUMNS]
        cells = [[format_value(v, tbl.formats[c]) for c, v in zip(columns, row)]
                 for row in rows[columns].itertuples(index=False)]
        widths = [max([text_width(c)] + [text_width(r[i]) for r in cells]) + 2 for i, c in enumerate(columns)]
        size = 12 if len(columns) <= 6 else 11
        row_height = int(Inches(0.34) * self.scale)
        shape = slide.shapes.add_table(len(cells) + 1, len(columns), x, y, cx, row_height * (len(cells) + 1))
        grid = shape.table
        total, used = sum(widths), 0
        for i, w in enumerate(widths):
            width = int(cx * w / total) if i < len(widths) - 1 else cx - used
            grid.columns[i].width = width
            used += width
        for r in range(len(cells) + 1):
            grid.rows[r].height = row_height
            for c, column in enumerate(columns):
                cell = grid.cell(r, c)
                cell.margin_left = cell.margin_right = Inches(0.06)
                cell.margin_top = cell.margin_bottom = Inches(0.03)
                cell.vertical_anchor = MSO_ANCHOR.MIDDLE
                numeric = tbl.formats[column] not in TEXT_KINDS
                text = column if r == 0 else cells[r - 1][c]
                self.write(cell.text_frame, text, size=size, bold=r == 0, colour=WHITE if r == 0 else DARK,
                           align=PP_ALIGN.RIGHT if numeric and r else PP_ALIGN.LEFT)
                cell.fill.solid()
                if r == 0:
                    cell.fill.fore_color.theme_color = ACCENT
                else:
                    cell.fill.fore_color.rgb = LIGHT if r % 2 == 0 else WHITE

    # ------------------------------------------------------------------ text

    def textbox(self, slide, x, y, cx, cy, lines, *, size: float, bold: bool = False, colour=DARK, align=None,
                space_after: float = 0, bullet: bool = False):
        box = slide.shapes.add_textbox(int(x), int(y), int(cx), int(cy))
        frame = box.text_frame
        frame.word_wrap = True
        frame.vertical_anchor = MSO_ANCHOR.TOP
        frame.margin_left = frame.margin_right = Inches(0.05)
        self.write(frame, lines, size=size, bold=bold, colour=colour, align=align, space_after=space_after,
                   bullet=bullet)
        return box

    def write(self, frame, lines: Iterable[str] | str, *, size: float, bold: bool = False, colour=DARK, align=None,
              space_after: float = 0, bullet: bool = False, heading: bool = False,
              sizes: tuple[float, ...] = ()) -> None:
        """Replace a text frame's text with ``lines`` (one paragraph each), the theme's fonts named on
        every run. ``colour``: an RGBColor, a theme colour, or None to inherit the layout's;
        ``sizes``: per-line sizes (the rest ``size``)."""
        lines = [lines] if isinstance(lines, str) else list(lines)
        frame.clear()
        for index, line in enumerate(lines):
            paragraph = frame.paragraphs[0] if index == 0 else frame.add_paragraph()
            if bullet:
                _bullet(paragraph)
            run = paragraph.add_run()
            run.text = line
            self.style(run.font, size=sizes[index] if index < len(sizes) else size, bold=bold, colour=colour,
                       heading=heading)
            if align is not None:
                paragraph.alignment = align
            if space_after:
                paragraph.space_after = Pt(space_after)

    def style(self, font, *, size: float | None = None, bold: bool | None = None, colour=DARK,
              heading: bool = False) -> None:
        latin, ea = (self.fonts.heading_latin, self.fonts.heading_ea) if heading else \
            (self.fonts.body_latin, self.fonts.body_ea)
        font.name = latin
        _east_asian(font._rPr, ea)
        if size is not None:
            font.size = Pt(size)
        if bold is not None:
            font.bold = bold
        if isinstance(colour, RGBColor):
            font.color.rgb = colour
        elif colour is not None:
            font.color.theme_color = colour

    # ------------------------------------------------------------------ native charts

    def chart(self, slide, spec: Chart, x, y, cx, cy):
        """A native chart of ``spec`` with its data embedded (editable in PowerPoint and WPS)."""
        data = CategoryChartData(number_format=spec.excel_format)
        # python-pptx writes the embedded workbook with xlsxwriter, which stores text starting with
        # "=" as a formula: category and series names come from the data, so they are neutralised
        # as in every export (a task category "=HYPERLINK(...)" would be live on "Edit Data").
        data.categories = [neutralise(c) for c in spec.categories]
        for s in spec.series:
            data.add_series(neutralise(s.name), list(s.values))
        frame = slide.shapes.add_chart(CHART_TYPES[spec.kind], int(x), int(y), int(cx), int(cy), data)
        chart = frame.chart
        self.style(chart.font, size=12, colour=DARK)
        chart.has_title = False  # the slide title states the finding
        multi = len(spec.series) > 1
        chart.has_legend = multi
        if multi:
            chart.legend.position = XL_LEGEND_POSITION.BOTTOM
            chart.legend.include_in_layout = False
            self.style(chart.legend.font, size=12)
        plot = chart.plots[0]
        if spec.kind in ("column", "bar"):
            plot.gap_width = 60 if not multi else 80
            if multi:
                plot.overlap = -10
        if spec.kind == "stacked_bar":
            plot.gap_width = 50
        plot.vary_by_categories = False
        for series, s in zip(plot.series, spec.series):
            if spec.kind in ("line", "dot"):
                _colour_line(series, s, dots=spec.kind == "dot")
            else:
                _colour_bars(series, s)
        self.label_values(plot, spec)
        self.value_axis(chart.value_axis, spec)
        self.category_axis(chart.category_axis, spec)
        return frame

    def label_values(self, plot, spec: Chart) -> None:
        """Data labels: every series of side-by-side bars and of dots; only the first series of a
        line chart or of stacked shares (more would collide; the side panel lists them all). A bar
        reaching near the end of the axis carries its label inside, in white."""
        labelled = list(plot.series) if spec.kind in ("column", "bar", "dot") else list(plot.series)[:1]
        top = spec.value_max
        for series, s in zip(labelled, spec.series):
            labels = series.data_labels
            labels.show_value = True
            labels.number_format = spec.excel_format
            labels.number_format_is_linked = False
            self.style(labels.font, size=11 if len(spec.categories) <= 12 else 9,
                       colour=WHITE if spec.kind == "stacked_bar" else DARK)
            labels.position = {"line": XL_LABEL_POSITION.ABOVE, "dot": XL_LABEL_POSITION.RIGHT,
                               "stacked_bar": XL_LABEL_POSITION.CENTER}.get(spec.kind, XL_LABEL_POSITION.OUTSIDE_END)
            if spec.kind in ("column", "bar") and top:
                for index, value in enumerate(s.values):
                    if value is not None and value > INSIDE_LABEL * top:
                        bar = (s.point_colors[index] if s.point_colors else None) or s.color or "#3A3A3A"
                        label = series.points[index].data_label
                        label.position = XL_LABEL_POSITION.INSIDE_END
                        self.style(label.font, size=11 if len(spec.categories) <= 12 else 9,
                                   colour=WHITE if _is_dark(bar) else DARK, bold=True)
                        _label_shows_value(label)

    def value_axis(self, value_axis, spec: Chart) -> None:
        value_axis.has_major_gridlines = spec.kind != "stacked_bar"
        value_axis.major_gridlines.format.line.color.rgb = GRID
        value_axis.format.line.fill.background()
        value_axis.tick_labels.number_format = spec.tick_format if spec.kind != "stacked_bar" else '0"%"'
        value_axis.tick_labels.number_format_is_linked = False
        self.style(value_axis.tick_labels.font, size=11, colour=GREY)
        if spec.kind == "stacked_bar":
            value_axis.tick_label_position = XL_TICK_LABEL_POSITION.NONE  # shares: the labels carry them
            return
        if spec.is_bars:
            value_axis.minimum_scale = spec.bar_base  # a bar's length is its value
        elif spec.value_min is not None:
            value_axis.minimum_scale = spec.value_min
        if spec.value_max is not None and (spec.is_bars or max(_numbers(spec), default=0) <= spec.value_max):
            value_axis.maximum_scale = spec.value_max
        if spec.value_title:
            value_axis.has_title = True
            self.write(value_axis.axis_title.text_frame, spec.value_title, size=11, colour=GREY)

    def category_axis(self, category_axis, spec: Chart) -> None:
        self.style(category_axis.tick_labels.font, size=12 if len(spec.categories) <= 10 else 10, colour=DARK)
        category_axis.format.line.color.rgb = GRID
        category_axis.has_major_gridlines = False
        if spec.kind in ("bar", "stacked_bar"):
            # First category on top, as read; the value axis then belongs at the bottom.
            category_axis.reverse_order = True
            category_axis.crosses = XL_AXIS_CROSSES.MAXIMUM
        if min(_numbers(spec), default=0) < 0:
            # Negative bars (a correlation) would run over labels drawn at zero: labels at the low end.
            category_axis.tick_label_position = XL_TICK_LABEL_POSITION.LOW


# --------------------------------------------------------------------------- helpers


def _title_placeholder(layout):
    if layout is None:
        return None
    return next((p for p in layout.placeholders if p.placeholder_format.type in
                 (PP_PLACEHOLDER.TITLE, PP_PLACEHOLDER.CENTER_TITLE)), None)


def _drop_empty_placeholders(slide) -> None:
    """Remove placeholders left empty (date, footer, a body the deck does not use): an empty
    placeholder shows its prompt text in the editor."""
    for placeholder in list(slide.placeholders):
        if placeholder.has_text_frame and not placeholder.text_frame.text.strip():
            placeholder._element.getparent().remove(placeholder._element)


def _east_asian(rpr, typeface: str) -> None:
    """Name ``typeface`` for the East Asian and complex scripts of a run (after ``a:latin``, as
    the schema orders them), and mark the run Chinese for proofing."""
    rpr.set("lang", "zh-CN")  # no red squiggles under Chinese in PowerPoint/WPS
    latin = rpr.get_or_add_latin()
    for tag in ("a:ea", "a:cs"):
        old = rpr.find(qn(tag))
        if old is not None:
            rpr.remove(old)
    ea, cs = OxmlElement("a:ea"), OxmlElement("a:cs")
    ea.set("typeface", typeface)
    cs.set("typeface", typeface)
    latin.addnext(ea)
    ea.addnext(cs)


def _bullet(paragraph) -> None:
    """A real bullet (editable as one in PowerPoint/WPS), hanging, whatever script the line starts with."""
    ppr = paragraph._p.get_or_add_pPr()
    ppr.set("marL", str(Inches(0.25)))
    ppr.set("indent", str(-Inches(0.25)))
    for tag in ("a:buNone", "a:buChar", "a:buAutoNum", "a:buFont"):
        for old in ppr.findall(qn(tag)):
            ppr.remove(old)
    font, char = OxmlElement("a:buFont"), OxmlElement("a:buChar")
    font.set("typeface", "Arial")
    char.set("char", "•")
    ppr.append(font)
    ppr.append(char)


def _rect(slide, x, y, cx, cy, colour: RGBColor):
    shape = slide.shapes.add_shape(MSO_SHAPE.RECTANGLE, int(x), int(y), int(cx), int(cy))
    shape.fill.solid()
    shape.fill.fore_color.rgb = colour
    shape.line.fill.background()
    shape.shadow.inherit = False
    return shape


def _fitting_size(text: str, width: int, largest: float) -> float:
    """The largest type size up to ``largest`` at which ``text`` (a bold headline figure) fits on
    one line of ``width`` EMU: a bold digit or % is at most about 0.72 em wide, a CJK character 1 em."""
    ems = sum(1.0 if ord(ch) > 0x2E80 else 0.72 for ch in text) + 0.4  # the text box's insets
    return max(12.0, min(largest, Emu(width).pt / ems))


def _is_dark(hex_colour: str) -> bool:
    """Whether white text reads better than dark on this fill (relative luminance below 0.4)."""
    red, green, blue = (int(hex_colour.lstrip("#")[i:i + 2], 16) / 255 for i in (0, 2, 4))
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue < 0.4


def _numbers(spec: Chart) -> list[float]:
    return [v for s in spec.series for v in s.values if v is not None]


def _label_shows_value(label) -> None:
    """A point's own label must say again what to show (its settings replace the series')."""
    dlbl = label._dLbl
    for tag in ("c:showLegendKey", "c:showVal", "c:showCatName", "c:showSerName", "c:showPercent", "c:showBubbleSize"):
        element = dlbl.find(qn(tag))
        if element is None:
            element = OxmlElement(tag)
            dlbl.append(element)
        element.set("val", "1" if tag == "c:showVal" else "0")


def _colour_line(series, spec: Series, *, dots: bool) -> None:
    colour = templates.rgb(spec.color) if spec.color else None
    if dots:
        series.format.line.fill.background()
    else:
        if colour is not None:
            series.format.line.color.rgb = colour
        series.format.line.width = Pt(2.75)
    series.smooth = False
    series.marker.style = XL_MARKER_STYLE.CIRCLE
    series.marker.size = 11 if dots else 7
    if colour is not None:
        series.marker.format.fill.solid()
        series.marker.format.fill.fore_color.rgb = colour
        series.marker.format.line.color.rgb = colour


def _colour_bars(series, spec: Series) -> None:
    if spec.color:
        series.format.fill.solid()
        series.format.fill.fore_color.rgb = templates.rgb(spec.color)
    for index, point_colour in enumerate(spec.point_colors or ()):
        if point_colour:
            point = series.points[index]
            point.format.fill.solid()
            point.format.fill.fore_color.rgb = templates.rgb(point_colour)
