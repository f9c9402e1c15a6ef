"""The meeting deck: a 16:9 .pptx from a ``report.Report``, written with python-pptx.

Slides, in order: a title slide; 目录 (sections and what was left out); one slide per finding
(its title is the finding with its numbers, its chart a native PowerPoint chart with the data
embedded, so the office can restyle or edit it in PowerPoint or WPS; a headline figure and
supporting points beside it; speaker notes with source, period, n and method); then the
appendix: every table marked ``in_deck``, ``ROWS_PER_SLIDE`` rows per slide.

Fonts: every run, every chart text and the theme name ``FONT`` for both the Latin and the East
Asian script (``a:latin`` and ``a:ea``), so that WPS and LibreOffice pick a CJK font instead of
drawing boxes; where Microsoft YaHei is missing they substitute a CJK face (LibreOffice on Linux:
Noto Sans CJK from fonts-noto-cjk). Runs are marked ``lang="zh-CN"`` for proofing.

Only what python-pptx writes is used (shapes, charts, tables, notes); the slide master and its
layouts are widened to 16:9 so that slides the office adds later line up too. Each slide's
``cSld/@name`` holds the finding key (``vanguard.trend``) or ``appendix.<table>.<page>``, which
the tests use to find a finding's slide.
"""

from __future__ import annotations

import io
import math
from collections.abc import Iterable

from lxml import etree
from pptx import Presentation
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
from pptx.enum.shapes import MSO_SHAPE
from pptx.enum.text import MSO_ANCHOR, PP_ALIGN
from pptx.opc.constants import RELATIONSHIP_TYPE as RT
from pptx.oxml.ns import qn
from pptx.oxml.xmlchemy import OxmlElement
from pptx.util import Emu, Inches, Pt

from analysis.exports import neutralise
from analysis.report.model import TEXT_KINDS, Chart, Figure, Finding, Report, Series, Table, format_value, text_width

FONT = "Microsoft YaHei"
SLIDE_WIDTH = Inches(13.333)
SLIDE_HEIGHT = Inches(7.5)
ROWS_PER_SLIDE = 14
APPENDIX_MAX_COLUMNS = 9  # wider tables live in the workbook only

RED = RGBColor(0xC8, 0x10, 0x2E)
DARK = RGBColor(0x22, 0x22, 0x22)
GREY = RGBColor(0x66, 0x66, 0x66)
LIGHT = RGBColor(0xF4, 0xF4, 0xF4)
RULE = RGBColor(0xE6, 0xB8, 0xBF)
WHITE = RGBColor(0xFF, 0xFF, 0xFF)
GRID = RGBColor(0xDD, 0xDD, 0xDD)

CHART_TYPES = {
    "line": XL_CHART_TYPE.LINE_MARKERS,
    "column": XL_CHART_TYPE.COLUMN_CLUSTERED,
    "bar": XL_CHART_TYPE.BAR_CLUSTERED,
    "stacked_bar": XL_CHART_TYPE.BAR_STACKED_100,
    "radar": XL_CHART_TYPE.RADAR_MARKERS,
}

# Layout indices of python-pptx's default template.
LAYOUT_TITLE, LAYOUT_TITLE_ONLY = 0, 5

MARGIN = Inches(0.45)
BODY_TOP = Inches(1.5)
BODY_BOTTOM = Inches(6.9)


# --------------------------------------------------------------------------- public


def to_pptx(report: Report) -> bytes:
    """The deck as .pptx bytes."""
    prs = _presentation()
    _title_slide(prs, report)
    _agenda_slide(prs, report)
    total = slide_count(report)
    number = 2
    for finding in report.findings:
        number += 1
        _finding_slide(prs, report, finding, number, total)
    for index, tbl in enumerate(deck_tables(report), start=1):
        for page in range(appendix_pages(tbl)):
            number += 1
            _appendix_slide(prs, report, tbl, index, page, number, total)
    prs.core_properties.title = report.title
    prs.core_properties.subject = report.subtitle
    prs.core_properties.author = report.hospital
    prs.core_properties.keywords = "党建; 汇报材料"
    prs.core_properties.comments = "由党建数据看板生成" + ("（演示数据）" if report.is_demo else "")
    buffer = io.BytesIO()
    prs.save(buffer)
    return buffer.getvalue()


def deck_tables(report: Report) -> list[Table]:
    """The tables of the appendix, in report order."""
    return [t for t in report.tables if t.in_deck and len(t.frame)]


def appendix_pages(tbl: Table) -> int:
    return max(1, math.ceil(len(tbl.frame) / ROWS_PER_SLIDE))


def slide_count(report: Report) -> int:
    """Slides of the deck: title, 目录, one per finding, the appendix pages."""
    return 2 + len(report.findings) + sum(appendix_pages(t) for t in deck_tables(report))


# --------------------------------------------------------------------------- template


def _presentation() -> Presentation:
    """python-pptx's default template widened to 16:9, with the CJK font in its theme."""
    prs = Presentation()
    factor = SLIDE_WIDTH / prs.slide_width
    prs.slide_width, prs.slide_height = SLIDE_WIDTH, SLIDE_HEIGHT
    shapes = list(prs.slide_master.shapes) + [s for layout in prs.slide_layouts for s in layout.shapes]
    for shape in shapes:
        # Only positions written on the shape itself: inherited ones follow the (scaled) master.
        if getattr(shape._element, "xfrm", None) is not None:
            shape.left, shape.width = Emu(round(shape.left * factor)), Emu(round(shape.width * factor))
    theme = prs.slide_master.part.part_related_by(RT.THEME)
    root = etree.fromstring(theme.blob)
    for font in root.iter(qn("a:majorFont"), qn("a:minorFont")):
        font.find(qn("a:latin")).set("typeface", FONT)
        font.find(qn("a:ea")).set("typeface", FONT)
        for script in font.findall(qn("a:font")):
            if script.get("script") == "Hans":
                script.set("typeface", FONT)
    theme._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
    return prs


def _cjk(rpr) -> None:
    """Name ``FONT`` for the Latin, East Asian and complex scripts of a run/paragraph default."""
    rpr.set("lang", "zh-CN")  # proofing language: no red squiggles under Chinese in PowerPoint/WPS
    latin = rpr.get_or_add_latin()
    latin.set("typeface", FONT)
    for tag in ("a:ea", "a:cs"):
        old = rpr.find(qn(tag))
        if old is not None:
            rpr.remove(old)
    ea, cs = OxmlElement("a:ea"), OxmlElement("a:cs")
    ea.set("typeface", FONT)
    cs.set("typeface", FONT)
    latin.addnext(ea)  # schema order: ... latin, ea, cs, sym ...
    ea.addnext(cs)


def _style_font(font, *, size: float | None = None, bold: bool | None = None, color: RGBColor | None = None) -> None:
    font.name = FONT
    _cjk(font._rPr)
    if size is not None:
        font.size = Pt(size)
    if bold is not None:
        font.bold = bold
    if color is not None:
        font.color.rgb = color


def _write(frame, lines: Iterable[str] | str, *, size: float, bold: bool = False, color: RGBColor = DARK,
           align=None, space_after: float = 0, bullet: bool = False) -> None:
    """Replace a text frame's text with ``lines`` (one paragraph each), fonts set on every run."""
    lines = [lines] if isinstance(lines, str) else list(lines)
    frame.clear()
    for index, line in enumerate(lines):
        paragraph = frame.paragraphs[0] if index == 0 else frame.add_paragraph()
        run = paragraph.add_run()
        run.text = ("• " if bullet else "") + line
        _style_font(run.font, size=size, bold=bold, color=color)
        if align is not None:
            paragraph.alignment = align
        if space_after:
            paragraph.space_after = Pt(space_after)


def _textbox(slide, x, y, cx, cy, lines, *, size: float, bold: bool = False, color: RGBColor = DARK, align=None,
             anchor=MSO_ANCHOR.TOP, space_after: float = 0, bullet: bool = False):
    box = slide.shapes.add_textbox(x, y, cx, cy)
    frame = box.text_frame
    frame.word_wrap = True
    frame.vertical_anchor = anchor
    frame.margin_left = frame.margin_right = Inches(0.05)
    _write(frame, lines, size=size, bold=bold, color=color, align=align, space_after=space_after, bullet=bullet)
    return box


def _rect(slide, x, y, cx, cy, color: RGBColor):
    shape = slide.shapes.add_shape(MSO_SHAPE.RECTANGLE, x, y, cx, cy)
    shape.fill.solid()
    shape.fill.fore_color.rgb = color
    shape.line.fill.background()
    shape.shadow.inherit = False
    return shape


def _name(slide, name: str) -> None:
    slide._element.cSld.set("name", name)


def _notes(slide, text: str) -> None:
    _write(slide.notes_slide.notes_text_frame, text.split("\n"), size=12)


def _title(slide, text: str) -> None:
    title = slide.shapes.title
    title.left, title.top, title.width, title.height = MARGIN, Inches(0.22), SLIDE_WIDTH - 2 * MARGIN, Inches(1.1)
    frame = title.text_frame
    frame.word_wrap = True
    frame.vertical_anchor = MSO_ANCHOR.MIDDLE
    width = text_width(text)
    size = 26 if width <= 70 else 22 if width <= 100 else 18
    _write(frame, text, size=size, bold=True, color=DARK, align=PP_ALIGN.LEFT)
    _rect(slide, MARGIN, Inches(1.34), SLIDE_WIDTH - 2 * MARGIN, Inches(0.045), RED)


def _footer(slide, report: Report, source: str, number: int, total: int) -> None:
    left = f"{report.hospital} · {report.unit_label} · {report.period.label}"
    if report.is_demo:
        left += " · 演示数据（程序合成）"
    _textbox(slide, MARGIN, Inches(7.0), Inches(9.8), Inches(0.35), [left + (f"　来源：{source}" if source else "")],
             size=9, color=GREY)
    _textbox(slide, SLIDE_WIDTH - MARGIN - Inches(1.6), Inches(7.0), Inches(1.6), Inches(0.35), [f"{number} / {total}"],
             size=9, color=GREY, align=PP_ALIGN.RIGHT)


# --------------------------------------------------------------------------- slides


def _title_slide(prs, report: Report) -> None:
    slide = prs.slides.add_slide(prs.slide_layouts[LAYOUT_TITLE])
    _name(slide, "title")
    _rect(slide, 0, 0, SLIDE_WIDTH, Inches(0.35), RED)
    _rect(slide, 0, SLIDE_HEIGHT - Inches(0.35), SLIDE_WIDTH, Inches(0.35), RED)
    title, subtitle = slide.shapes.title, slide.placeholders[1]
    title.left, title.top, title.width, title.height = Inches(1), Inches(2.0), SLIDE_WIDTH - Inches(2), Inches(1.5)
    _write(title.text_frame, report.title, size=40, bold=True, color=RED, align=PP_ALIGN.CENTER)
    subtitle.left, subtitle.top, subtitle.width, subtitle.height = Inches(1), Inches(3.7), SLIDE_WIDTH - Inches(2), Inches(1.6)
    lines = [report.subtitle, f"生成于 {report.generated_label} · 党建数据看板"]
    if report.is_demo:
        lines.append("演示数据：全部人员与数据均为程序合成，不涉及任何真实人员")
    _write(subtitle.text_frame, lines, size=18, color=GREY, align=PP_ALIGN.CENTER, space_after=6)
    _notes(slide, f"{report.title}\n{report.subtitle}\n生成者权限：{report.scope_label}\n生成时间：{report.generated_label}")


def _agenda_slide(prs, report: Report) -> None:
    slide = prs.slides.add_slide(prs.slide_layouts[LAYOUT_TITLE_ONLY])
    _name(slide, "agenda")
    _title(slide, "目录")
    lines = [f"{i}. {name}（{len(titles)} 项）" for i, (name, titles) in enumerate(report.outline(), start=1)]
    if deck_tables(report):
        lines.append(f"{len(lines) + 1}. 附表（{len(deck_tables(report))} 张）")
    _textbox(slide, MARGIN + Inches(0.3), BODY_TOP + Inches(0.1), Inches(6.5), Inches(5), lines, size=22, space_after=10)
    notes = [f"说明：{n}" for n in report.notes] or ["各部分均有数据。"]
    notes.append("本材料只含支部及以上层级的汇总数据，不含党员个人信息。")
    _textbox(slide, Inches(7.6), BODY_TOP + Inches(0.1), SLIDE_WIDTH - Inches(7.6) - MARGIN, Inches(5), notes, size=12,
             color=GREY, space_after=6)
    _notes(slide, "\n".join(lines + notes))
    _footer(slide, report, "", 2, slide_count(report))


def _finding_slide(prs, report: Report, finding: Finding, number: int, total: int) -> None:
    slide = prs.slides.add_slide(prs.slide_layouts[LAYOUT_TITLE_ONLY])
    _name(slide, finding.key)
    _title(slide, finding.title)
    body_height = BODY_BOTTOM - BODY_TOP
    if finding.chart is not None:
        chart_width = Inches(8.7)
        _chart(slide, finding.chart, MARGIN, BODY_TOP, chart_width, body_height)
        side_x = MARGIN + chart_width + Inches(0.25)
        _side_panel(slide, finding, side_x, BODY_TOP, SLIDE_WIDTH - side_x - MARGIN, body_height)
    elif finding.table is not None:
        _table(slide, finding.table, finding.table.frame.head(ROWS_PER_SLIDE), MARGIN, BODY_TOP + Inches(0.1),
               SLIDE_WIDTH - 2 * MARGIN)
        if len(finding.table.frame) > ROWS_PER_SLIDE:
            _textbox(slide, MARGIN, BODY_BOTTOM - Inches(0.35), Inches(8), Inches(0.3),
                     [f"另有 {len(finding.table.frame) - ROWS_PER_SLIDE} 项见 Excel 工作簿"], size=11, color=GREY)
    else:
        _figure_cards(slide, finding.figures, BODY_TOP + Inches(0.2))
        _textbox(slide, MARGIN + Inches(0.2), BODY_TOP + Inches(2.5), SLIDE_WIDTH - 2 * MARGIN - Inches(0.4),
                 Inches(2.8), finding.points, size=16, space_after=8, bullet=True)
    _footer(slide, report, finding.source.split("、")[0], number, total)
    _notes(slide, report.speaker_notes(finding))


def _side_panel(slide, finding: Finding, x, y, cx, cy) -> None:
    top = y
    if finding.figures:
        figure = finding.figures[0]
        _rect(slide, x, top, cx, Inches(1.75), LIGHT)
        _textbox(slide, x + Inches(0.1), top + Inches(0.08), cx - Inches(0.2), Inches(0.85), [figure.value],
                 size=36, bold=True, color=RED)
        _textbox(slide, x + Inches(0.1), top + Inches(0.9), cx - Inches(0.2), Inches(0.4), [figure.label], size=14,
                 bold=True)
        if figure.detail:
            _textbox(slide, x + Inches(0.1), top + Inches(1.25), cx - Inches(0.2), Inches(0.45), [figure.detail], size=11,
                     color=GREY)
        top += Inches(1.95)
    points = list(finding.points[:6])
    if points:
        _textbox(slide, x, top, cx, y + cy - top, points, size=12, space_after=5, bullet=True)


def _figure_cards(slide, figures: tuple[Figure, ...], y) -> None:
    figures = figures[:4]
    if not figures:
        return
    gap = Inches(0.25)
    width = (SLIDE_WIDTH - 2 * MARGIN - gap * (len(figures) - 1)) / len(figures)
    for index, figure in enumerate(figures):
        x = MARGIN + int(index * (width + gap))
        _rect(slide, x, y, int(width), Inches(2.0), LIGHT)
        _textbox(slide, x + Inches(0.15), y + Inches(0.1), int(width) - Inches(0.3), Inches(0.95), [figure.value], size=40,
                 bold=True, color=RED)
        _textbox(slide, x + Inches(0.15), y + Inches(1.05), int(width) - Inches(0.3), Inches(0.4), [figure.label],
                 size=16, bold=True)
        if figure.detail:
            _textbox(slide, x + Inches(0.15), y + Inches(1.45), int(width) - Inches(0.3), Inches(0.45), [figure.detail],
                     size=12, color=GREY)


def _appendix_slide(prs, report: Report, tbl: Table, index: int, page: int, number: int, total: int) -> None:
    slide = prs.slides.add_slide(prs.slide_layouts[LAYOUT_TITLE_ONLY])
    _name(slide, f"appendix.{tbl.key}.{page + 1}")
    pages = appendix_pages(tbl)
    suffix = f"（{page + 1}/{pages}）" if pages > 1 else ""
    _title(slide, f"附表{index}　{tbl.title}{suffix}")
    rows = tbl.frame.iloc[page * ROWS_PER_SLIDE:(page + 1) * ROWS_PER_SLIDE]
    _table(slide, tbl, rows, MARGIN, BODY_TOP + Inches(0.1), SLIDE_WIDTH - 2 * MARGIN)
    if len(tbl.frame.columns) > APPENDIX_MAX_COLUMNS:
        _textbox(slide, MARGIN, BODY_BOTTOM - Inches(0.3), Inches(10), Inches(0.3),
                 [f"只列出前 {APPENDIX_MAX_COLUMNS} 列，完整表格见 Excel 工作簿"], size=10, color=GREY)
    _footer(slide, report, tbl.source.split("、")[0], number, total)
    _notes(slide, f"附表：{tbl.title}\n数据来源：{tbl.source}\n范围：{report.unit_label}；统计期：{report.period.label}"
                  + (f"\n说明：{tbl.note}" if tbl.note else ""))


def _table(slide, tbl: Table, rows, x, y, cx) -> None:
    columns = list(tbl.frame.columns)[:APPENDIX_MAX_COLUMNS]
    cells = [[format_value(v, tbl.formats[c]) for c, v in zip(columns, row)] for row in rows[columns].itertuples(index=False)]
    widths = [max([text_width(c)] + [text_width(r[i]) for r in cells]) + 2 for i, c in enumerate(columns)]
    size = 12 if len(columns) <= 6 else 11
    row_height = Inches(0.34)
    shape = slide.shapes.add_table(len(cells) + 1, len(columns), x, y, cx, row_height * (len(cells) + 1))
    grid = shape.table
    total = sum(widths)
    used = 0
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
            _write(cell.text_frame, text, size=size, bold=r == 0, color=WHITE if r == 0 else DARK,
                   align=PP_ALIGN.RIGHT if numeric and r else PP_ALIGN.LEFT)
            cell.fill.solid()
            cell.fill.fore_color.rgb = RED if r == 0 else (LIGHT if r % 2 == 0 else WHITE)


# --------------------------------------------------------------------------- native charts


def _rgb(hex_colour: str) -> RGBColor:
    return RGBColor.from_string(hex_colour.lstrip("#").upper())


def _chart(slide, spec: Chart, x, y, cx, cy):
    """A native chart of ``spec`` with its data embedded (editable in PowerPoint and WPS)."""
    # python-pptx writes the embedded workbook with xlsxwriter, which stores text starting with
    # "=" as a formula: category and series names come from the data, so they are neutralised
    # as in every export (a task category "=HYPERLINK(...)" would be live on "Edit Data").
    data = CategoryChartData(number_format=spec.excel_format)
    data.categories = [neutralise(c) for c in spec.categories]
    for s in spec.series:
        data.add_series(neutralise(s.name), list(s.values))
    frame = slide.shapes.add_chart(CHART_TYPES[spec.kind], x, y, cx, cy, data)
    chart = frame.chart
    _style_font(chart.font, size=12, color=DARK)
    chart.has_title = False  # the slide title states the finding
    multi = len(spec.series) > 1
    chart.has_legend = multi or spec.kind == "radar"
    if chart.has_legend:
        chart.legend.position = XL_LEGEND_POSITION.BOTTOM
        chart.legend.include_in_layout = False
        _style_font(chart.legend.font, size=12)
    plot = chart.plots[0]
    if spec.kind in ("column", "bar"):
        plot.gap_width = 60 if not multi else 80
        if multi:
            plot.overlap = -10
    if spec.kind == "stacked_bar":
        plot.gap_width = 50
    plot.vary_by_categories = False
    for series, s in zip(plot.series, spec.series):
        if spec.kind in ("line", "radar"):
            _colour_line(series, s)
        else:
            _colour_bars(series, s)
    if spec.kind != "radar":
        _label_values(plot, spec)
    _value_axis(chart.value_axis, spec)
    _category_axis(chart.category_axis, spec)
    return frame


def _colour_line(series, spec: Series) -> None:
    colour = _rgb(spec.color) if spec.color else None
    if colour is not None:
        series.format.line.color.rgb = colour
    series.format.line.width = Pt(2.75)
    series.smooth = False
    series.marker.style = XL_MARKER_STYLE.CIRCLE
    series.marker.size = 7
    if colour is not None:
        series.marker.format.fill.solid()
        series.marker.format.fill.fore_color.rgb = colour
        series.marker.format.line.color.rgb = colour


def _colour_bars(series, spec: Series) -> None:
    if spec.color:
        series.format.fill.solid()
        series.format.fill.fore_color.rgb = _rgb(spec.color)
    for index, point_colour in enumerate(spec.point_colors or ()):
        if point_colour:
            point = series.points[index]
            point.format.fill.solid()
            point.format.fill.fore_color.rgb = _rgb(point_colour)


def _label_values(plot, spec: Chart) -> None:
    """Data labels: every series of side-by-side bars; only the first series of a line chart or of
    stacked shares (more would collide; the side panel lists them all)."""
    labelled = list(plot.series) if spec.kind in ("column", "bar") else list(plot.series)[:1]
    for series in labelled:
        labels = series.data_labels
        labels.show_value = True
        labels.number_format = spec.excel_format
        labels.number_format_is_linked = False
        _style_font(labels.font, size=11 if len(spec.categories) <= 12 else 9,
                    color=WHITE if spec.kind == "stacked_bar" else DARK)
        labels.position = {"line": XL_LABEL_POSITION.ABOVE, "stacked_bar": XL_LABEL_POSITION.CENTER}.get(
            spec.kind, XL_LABEL_POSITION.OUTSIDE_END)


def _value_axis(value_axis, spec: Chart) -> None:
    value_axis.has_major_gridlines = spec.kind != "stacked_bar"
    value_axis.major_gridlines.format.line.color.rgb = GRID
    value_axis.format.line.fill.background()
    value_axis.tick_labels.number_format = spec.excel_format if spec.kind != "stacked_bar" else '0"%"'
    value_axis.tick_labels.number_format_is_linked = False
    _style_font(value_axis.tick_labels.font, size=11, color=GREY)
    if spec.kind == "stacked_bar":
        value_axis.tick_label_position = XL_TICK_LABEL_POSITION.NONE  # shares: the labels carry them
    else:
        if spec.value_min is not None:
            value_axis.minimum_scale = spec.value_min
        top = _value_max(spec)
        if top is not None:
            value_axis.maximum_scale = top
    if spec.kind == "radar":
        value_axis.major_unit = 5 if (spec.value_max or 0) <= 30 else None
        value_axis.tick_labels.number_format = "0"
    if spec.value_title and spec.kind not in ("radar", "stacked_bar"):
        value_axis.has_title = True
        _write(value_axis.axis_title.text_frame, spec.value_title, size=11, color=GREY)


def _value_max(spec: Chart) -> float | None:
    """The value axis's maximum, None (automatic) when the longest bar's outside label would not fit."""
    top = spec.value_max
    if top is not None and spec.kind in ("column", "bar"):
        values = [v for s in spec.series for v in s.values if v is not None]
        if values and max(values) > top - (top - (spec.value_min or 0)) * 0.08:
            return None
    return top


def _category_axis(category_axis, spec: Chart) -> None:
    _style_font(category_axis.tick_labels.font, size=12 if len(spec.categories) <= 10 else 10, color=DARK)
    category_axis.format.line.color.rgb = GRID
    category_axis.has_major_gridlines = False
    if spec.kind in ("bar", "stacked_bar"):
        # First category on top, as read; the value axis then belongs at the bottom.
        # (PowerPoint and WPS then draw the value axis at the bottom; LibreOffice keeps it on top.)
        category_axis.reverse_order = True
        category_axis.crosses = XL_AXIS_CROSSES.MAXIMUM
    if any(v is not None and v < 0 for s in spec.series for v in s.values):
        # Negative bars (a correlation) would run over labels drawn at zero: labels at the low end.
        category_axis.tick_label_position = XL_TICK_LABEL_POSITION.LOW
