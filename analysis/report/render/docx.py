"""The Word 汇报材料: a .docx from a ``report.Report``, written with python-docx.

Most 党办 submit written reports in Word, laid out by the 公文 conventions: A4 with margins of
3.7 cm (top), 3.5 cm (bottom), 2.8 cm (left) and 2.6 cm (right); the title in 小标宋 (黑体
where a computer lacks it) 二号 (22 pt), centred; the body in 仿宋 三号 (16 pt) on a fixed 28 pt
line with a two-character first-line indent; headings numbered 一、 (黑体), （一） (楷体) and
1. (仿宋, bold); tables as 三线表 (a 1.5 pt rule above and below, a 0.75 pt rule under the
header, nothing else) captioned above ("表1　…"); charts as images 2000×1040 pixels captioned
below ("图1　…"); the page number centred at the foot as "— 1 —". Fonts are named for both the Latin
and the East Asian script; LibreOffice and WPS substitute what a computer lacks.

The content is the deck's (one report model): the same findings (``Report.deck_findings``)
with their titles and plain points, 存在问题 and 下步打算 marked as drafts, and, for the full
length, the tables as 附表. Each chart's caption is its finding's title; a note under it names
the data, period and n in plain Chinese and carries the method and any statistics.
"""

from __future__ import annotations

import io

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from analysis import charts
from analysis.report.model import SECTIONS, TEXT_KINDS, Finding, Report, Table, format_value, text_width

TITLE_FONT = ("方正小标宋简体", "黑体")  # (East Asian, fallback named as Latin)
HEADING_FONT = "黑体"
SUBHEADING_FONT = "楷体_GB2312"
BODY_FONT = "仿宋_GB2312"
TABLE_FONT = "宋体"
LATIN = "Times New Roman"
BODY_PT, LINE_PT = 16, 28
IMAGE_WIDTH, IMAGE_HEIGHT, IMAGE_SCALE = 1000, 520, 2  # a chart's figure, drawn at twice its pixels
TEXT_WIDTH = Cm(21.0 - 2.8 - 2.6)
DRAFT_INK = RGBColor(0xB3, 0x58, 0x06)
NUMERALS = "一二三四五六七八九十"


def to_docx(report: Report) -> bytes:
    """The Word report as .docx bytes."""
    doc = _Document(report)
    doc.build()
    buffer = io.BytesIO()
    doc.doc.save(buffer)
    return buffer.getvalue()


def chinese_number(n: int) -> str:
    """1 -> 一, 10 -> 十, 12 -> 十二 (headings run to a few dozen at most)."""
    if n <= 10:
        return NUMERALS[n - 1]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else NUMERALS[tens - 1]) + "十" + (NUMERALS[ones - 1] if ones else "")


class _Document:
    """One Word report being written, with its figure and table counters."""

    def __init__(self, report: Report) -> None:
        self.report = report
        self.doc = Document()
        self.figures = 0
        self.tables = 0
        self._page()

    def build(self) -> None:
        report = self.report
        findings = report.deck_findings
        charted = [f for f in findings if f.chart is not None]
        self.images = dict(zip((f.key for f in charted), charts.report_images(
            [charts.report_figure(f.chart, theme="document", height=IMAGE_HEIGHT, width=IMAGE_WIDTH) for f in charted],
            width=IMAGE_WIDTH, height=IMAGE_HEIGHT, scale=IMAGE_SCALE)))
        self.title()
        heading = 0
        overview = [f for f in findings if f.section == "overview"]
        if overview:
            heading += 1
            self.heading(1, f"{chinese_number(heading)}、总体情况")
            self.paragraph(overview[0].title + "。")
            self.paragraph("；".join(overview[0].points) + "。")
        heading += 1
        self.heading(1, f"{chinese_number(heading)}、主要工作情况")
        sub = 0
        for section in SECTIONS:
            chosen = [f for f in findings if f.section == section and section != "overview"]
            if not chosen:
                continue
            sub += 1
            self.heading(2, f"（{chinese_number(sub)}）{SECTIONS[section]}")
            for number, finding in enumerate(chosen, start=1):
                self.finding(number, finding)
        heading += 1
        self.drafts(heading)
        if report.length == "full" and report.tables:
            self.appendix()
        props = self.doc.core_properties
        props.title, props.subject, props.author = report.title, report.subtitle, report.hospital
        props.keywords = "党建; 汇报材料"
        props.comments = "由党建数据看板生成" + ("（演示数据）" if report.is_demo else "")

    # ------------------------------------------------------------------ the page

    def _page(self) -> None:
        section = self.doc.sections[0]
        section.orientation = WD_ORIENT.PORTRAIT
        section.page_width, section.page_height = Cm(21.0), Cm(29.7)
        section.top_margin, section.bottom_margin = Cm(3.7), Cm(3.5)
        section.left_margin, section.right_margin = Cm(2.8), Cm(2.6)
        normal = self.doc.styles["Normal"]
        normal.font.name = LATIN
        normal.font.size = Pt(BODY_PT)
        normal.element.rPr.rFonts.set(qn("w:eastAsia"), BODY_FONT)
        footer = section.footer.paragraphs[0]
        footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
        self._run(footer, "— ", TABLE_FONT, 14)
        _page_field(self._run(footer, "", TABLE_FONT, 14))
        self._run(footer, " —", TABLE_FONT, 14)

    def _run(self, paragraph, text: str, east_asian: str, size: float, *, bold: bool = False, latin: str = LATIN,
             colour: RGBColor | None = None):
        run = paragraph.add_run(text)
        run.font.name = latin
        run.font.size = Pt(size)
        run.font.bold = bold
        run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), east_asian)
        if colour is not None:
            run.font.color.rgb = colour
        return run

    def _spacing(self, paragraph, *, line: float | None = LINE_PT, before: float = 0, after: float = 0,
                 indent: bool = False) -> None:
        fmt = paragraph.paragraph_format
        if line is not None:
            fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
            fmt.line_spacing = Pt(line)
        fmt.space_before, fmt.space_after = Pt(before), Pt(after)
        if indent:
            fmt.first_line_indent = Pt(2 * BODY_PT)

    # ------------------------------------------------------------------ blocks

    def title(self) -> None:
        report = self.report
        title = self.doc.add_paragraph()
        title.alignment = WD_ALIGN_PARAGRAPH.CENTER
        self._spacing(title, line=None, after=12)
        self._run(title, report.title, TITLE_FONT[0], 22, latin=TITLE_FONT[1])
        parts = [p for p in (report.meeting.name, report.meeting.presenter, report.date_label) if p]
        for line in ("　".join(parts), f"{report.hospital} · {report.unit_label} · {report.data_date_label}"):
            paragraph = self.doc.add_paragraph()
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
            self._spacing(paragraph)
            self._run(paragraph, line, SUBHEADING_FONT, BODY_PT)
        if report.is_demo:
            paragraph = self.doc.add_paragraph()
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
            self._spacing(paragraph, after=12)
            self._run(paragraph, "（演示数据：全部人员与数据均为程序合成，不涉及任何真实人员）", BODY_FONT, 12)

    def heading(self, level: int, text: str) -> None:
        """一、 (level 1, 黑体), （一） (level 2, 楷体), 1. (level 3, 仿宋 bold): each a Word heading
        level, so the navigation pane and a table of contents see them."""
        paragraph = self.doc.add_paragraph(style=f"Heading {level}")
        self._spacing(paragraph, indent=True)
        paragraph.paragraph_format.keep_with_next = True
        font = {1: HEADING_FONT, 2: SUBHEADING_FONT, 3: BODY_FONT}[level]
        self._run(paragraph, text, font, BODY_PT, bold=level == 3, colour=RGBColor(0, 0, 0))

    def paragraph(self, text: str, *, size: float = BODY_PT, colour: RGBColor | None = None):
        paragraph = self.doc.add_paragraph()
        self._spacing(paragraph, line=LINE_PT if size == BODY_PT else None, indent=size == BODY_PT)
        self._run(paragraph, text, BODY_FONT, size, colour=colour)
        return paragraph

    def finding(self, number: int, finding: Finding) -> None:
        self.heading(3, f"{number}. {finding.title}。")
        if finding.points:
            self.paragraph("；".join(finding.points) + "。")
        if finding.key in self.images:
            self.figure(finding)
        elif finding.table is not None:
            self.table(finding.table.title, finding.table)
        self.note(finding)

    def figure(self, finding: Finding) -> None:
        self.figures += 1
        picture = self.doc.add_paragraph()
        picture.alignment = WD_ALIGN_PARAGRAPH.CENTER
        picture.paragraph_format.keep_with_next = True
        picture.add_run().add_picture(io.BytesIO(self.images[finding.key]), width=TEXT_WIDTH)
        caption = self.doc.add_paragraph(style="Caption")
        caption.alignment = WD_ALIGN_PARAGRAPH.CENTER
        self._spacing(caption, line=None, after=6)
        self._run(caption, f"图{self.figures}　{finding.title}", HEADING_FONT, 10.5, colour=RGBColor(0, 0, 0))

    def note(self, finding: Finding) -> None:
        lines = [self.report.source_line(finding), f"口径：{finding.method}"] + [f"统计：{d}" for d in finding.details]
        paragraph = self.paragraph("注：" + "；".join(lines), size=9, colour=RGBColor(0x59, 0x59, 0x59))
        paragraph.paragraph_format.space_after = Pt(10)

    def drafts(self, heading: int) -> None:
        concerns = self.report.problems
        self.heading(1, f"{chinese_number(heading)}、存在的问题（初稿）")
        self.paragraph("（以下两部分由数据自动起草，请结合实际修改后使用。）", colour=DRAFT_INK)
        for number, concern in enumerate(concerns, start=1):
            self.paragraph(f"{number}. {concern.problem}。")
        if not concerns:
            self.paragraph("本期数据未显示需要重点关注的问题。")
        self.heading(1, f"{chinese_number(heading + 1)}、下步打算（初稿）")
        for number, concern in enumerate(concerns, start=1):
            self.paragraph(f"{number}. {concern.action}。")
        if not concerns:
            self.paragraph("巩固已有成效，持续抓好各项党建工作。")

    def appendix(self) -> None:
        paragraph = self.doc.add_paragraph()
        paragraph.paragraph_format.page_break_before = True
        self._run(paragraph, "附表", HEADING_FONT, BODY_PT)
        for tbl in self.report.tables:
            if len(tbl.frame):
                self.table(tbl.title, tbl)
                self.paragraph(f"数据来源：{tbl.source}" + (f"；{tbl.note}" if tbl.note else ""), size=9,
                               colour=RGBColor(0x59, 0x59, 0x59))

    def table(self, title: str, tbl: Table) -> None:
        """A 三线表 with its caption above it."""
        self.tables += 1
        caption = self.doc.add_paragraph(style="Caption")
        caption.alignment = WD_ALIGN_PARAGRAPH.CENTER
        caption.paragraph_format.keep_with_next = True
        self._spacing(caption, line=None, before=6, after=3)
        self._run(caption, f"表{self.tables}　{title}", HEADING_FONT, 10.5, colour=RGBColor(0, 0, 0))
        columns = list(tbl.frame.columns)
        grid = self.doc.add_table(rows=1 + len(tbl.frame), cols=len(columns))
        grid.alignment = WD_TABLE_ALIGNMENT.CENTER
        _three_line(grid)
        size = 10.5 if len(columns) <= 7 else 9
        texts = [[column] + [format_value(v, tbl.formats[column]) for v in tbl.frame[column]] for column in columns]
        widths = [max(text_width(t) for t in column) + 2 for column in texts]  # columns as wide as they need
        grid.autofit = False
        for c, column in enumerate(columns):
            numeric = tbl.formats[column] not in TEXT_KINDS
            width = int(TEXT_WIDTH * widths[c] / sum(widths))
            for r, text in enumerate(texts[c]):
                cell = grid.cell(r, c)
                cell.width = width
                paragraph = cell.paragraphs[0]
                paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER if r == 0 else \
                    WD_ALIGN_PARAGRAPH.RIGHT if numeric else WD_ALIGN_PARAGRAPH.LEFT
                self._run(paragraph, str(text), TABLE_FONT, size, bold=r == 0)
        _header_rule(grid.rows[0])
        _repeat_header(grid.rows[0])


def _border(parent, edge: str, size: int) -> None:
    """A single rule of ``size`` eighths of a point on ``edge`` (``size`` 0: none)."""
    element = parent.find(qn(f"w:{edge}"))
    if element is None:
        element = OxmlElement(f"w:{edge}")
        parent.append(element)
    element.set(qn("w:val"), "single" if size else "nil")
    if size:
        element.set(qn("w:sz"), str(size))
        element.set(qn("w:space"), "0")
        element.set(qn("w:color"), "000000")


def _three_line(grid) -> None:
    """The table's own borders: 1.5 pt above and below, nothing between rows or columns."""
    properties = grid._tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    properties.append(borders)
    for edge, size in (("top", 12), ("left", 0), ("bottom", 12), ("right", 0), ("insideH", 0), ("insideV", 0)):
        _border(borders, edge, size)


def _header_rule(row) -> None:
    """The 0.75 pt rule under the header row."""
    for cell in row.cells:
        properties = cell._tc.get_or_add_tcPr()
        borders = properties.find(qn("w:tcBorders"))
        if borders is None:
            borders = OxmlElement("w:tcBorders")
            properties.append(borders)
        _border(borders, "bottom", 6)


def _repeat_header(row) -> None:
    """Repeat the header row on every page a long table runs over."""
    properties = row._tr.get_or_add_trPr()
    if properties.find(qn("w:tblHeader")) is None:
        properties.append(OxmlElement("w:tblHeader"))


def _page_field(run) -> None:
    """A PAGE field in ``run`` (Word and LibreOffice show the page's number)."""
    begin, instruction, end = OxmlElement("w:fldChar"), OxmlElement("w:instrText"), OxmlElement("w:fldChar")
    begin.set(qn("w:fldCharType"), "begin")
    instruction.set(qn("xml:space"), "preserve")
    instruction.text = " PAGE "
    end.set(qn("w:fldCharType"), "end")
    separate, shown = OxmlElement("w:fldChar"), OxmlElement("w:t")
    separate.set(qn("w:fldCharType"), "separate")
    shown.text = "1"
    for element in (begin, instruction, separate, shown, end):
        run._element.append(element)


__all__ = ["to_docx", "chinese_number"]
