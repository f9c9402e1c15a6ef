"""The workbook: a cover sheet and one sheet per table of a ``report.Report``.

The cover sheet (封面) says what the workbook is: title, hospital, scope (unit), period, the
data source, the generation time, who generated it (role), the notes on sections left out,
and a contents list naming each sheet with its table and its data source.

Every table sheet has the Chinese headers in row 1 (bold, frozen), one row per table row, and
the column kinds of ``report.Table.formats`` as number formats: 'pct' (percent values 0-100)
and 'share' (fractions) are stored as fractions formatted ``0.00%`` so that Excel computes
with them; 'score' ``0.0``; 'score2' ``0.00``; 'int' ``#,##0``; 'date' ``yyyy-mm-dd``; 'bool'
as 是/否. Column widths fit the longest shown value (CJK counted double, capped at 60).

Text is formula-safe as in ``exports``: a cell that a spreadsheet could evaluate (leading = +
- @, tab, CR, LF) is neutralised with a leading ' and every text cell is stored as a string,
never as a formula. Suppressed survey cells ('<5', '*') stay text.
"""

from __future__ import annotations

import io

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from analysis.exports import neutralise
from analysis.report.model import Report, Table, format_value, is_missing, number, text_width

NUMBER_FORMATS = {
    "int": "#,##0",
    "score": "0.0",
    "score2": "0.00",
    "pct": "0.00%",
    "share": "0.00%",
    "date": "yyyy-mm-dd",
}
HEADER_FONT = Font(name="Microsoft YaHei", bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="C8102E")
BODY_FONT = Font(name="Microsoft YaHei")
TITLE_FONT = Font(name="Microsoft YaHei", bold=True, size=16, color="C8102E")
LABEL_FONT = Font(name="Microsoft YaHei", bold=True)
MAX_WIDTH = 60
COVER = "封面"


def to_xlsx(report: Report) -> bytes:
    """The workbook as .xlsx bytes."""
    book = Workbook()
    cover = book.active
    cover.title = COVER
    names = {}
    for tbl in report.tables:
        sheet = book.create_sheet(sheet_name(tbl.title, book.sheetnames))
        names[tbl.key] = sheet.title
        write_table(sheet, tbl)
    _cover(cover, report, names)
    book.properties.title = report.title
    book.properties.subject = report.subtitle
    book.properties.creator = "党建数据看板"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def sheet_name(title: str, taken: list[str]) -> str:
    """A valid, unique sheet name (31 characters, none of []:*?/\\) from a table title."""
    base = "".join("_" if ch in '[]:*?/\\' else ch for ch in str(title)).strip("'")[:31] or "表"
    candidate, n = base, 2
    while candidate in taken:
        candidate = f"{base[:28]}_{n}"
        n += 1
    return candidate


def cell_value(value: object, kind: str) -> object:
    """What a workbook cell holds for a table value of ``kind`` (see the module notes)."""
    if isinstance(value, str):
        return neutralise(value)
    if is_missing(value):
        return None
    if kind == "bool":
        return "是" if bool(value) else "否"
    if kind == "date":
        day = pd.Timestamp(value)
        return day.date() if day == day.normalize() else day.to_pydatetime()
    if kind == "text":
        return neutralise(str(value))
    v = number(value)
    if v is None:
        return neutralise(str(value))
    if kind == "pct":
        return v / 100
    if kind == "int" and float(v).is_integer():
        return int(v)
    return v


def write_table(sheet, tbl: Table) -> None:
    columns = list(tbl.frame.columns)
    sheet.append([neutralise(str(c)) for c in columns])
    for cell in sheet[1]:
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
        cell.alignment = Alignment(vertical="center")
        cell.data_type = "s"
    kinds = [tbl.formats[c] for c in columns]
    widths = [text_width(c) for c in columns]
    for row in tbl.frame.itertuples(index=False):
        values = [cell_value(v, kind) for v, kind in zip(row, kinds)]
        sheet.append(values)
        for index, (cell, kind, raw) in enumerate(zip(sheet[sheet.max_row], kinds, row)):
            cell.font = BODY_FONT
            if isinstance(cell.value, str):
                cell.data_type = "s"  # text stays text, whatever it looks like
            elif kind in NUMBER_FORMATS and cell.value is not None:
                cell.number_format = NUMBER_FORMATS[kind]
            widths[index] = max(widths[index], text_width(format_value(raw, kind)))
    sheet.freeze_panes = "A2"
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = min(MAX_WIDTH, width + 3)
    if len(tbl.frame):
        sheet.auto_filter.ref = sheet.dimensions


def _cover(sheet, report: Report, names: dict[str, str]) -> None:
    sheet.append([neutralise(report.title)])
    sheet["A1"].font = TITLE_FONT
    sheet.append([])
    rows = [
        ("医院", report.hospital),
        ("范围", f"{report.unit_label}" + (f"（{report.unit}）" if report.unit else "")),
        ("统计期", f"{report.period.label}（{report.period.first}—{report.period.last}）"
         if report.period.kind == "year" else report.period.label),
        ("数据来源", "党建数据看板数据库；各表的数据来源见下方目录"),
        ("生成时间", report.generated_at.strftime("%Y-%m-%d %H:%M:%S")),
        ("生成者权限", report.scope_label),
        ("内容", "支部及以上层级的汇总数据，不含党员个人信息"),
    ]
    if report.is_demo:
        rows.append(("演示数据", "全部人员与数据均为程序合成，不涉及任何真实人员"))
    for note in report.notes:
        rows.append(("说明", note))
    for label, value in rows:
        sheet.append([label, neutralise(value)])
        sheet.cell(sheet.max_row, 1).font = LABEL_FONT
    sheet.append([])
    sheet.append(["工作表", "内容", "数据来源"])
    for cell in sheet[sheet.max_row]:
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
    for tbl in report.tables:
        sheet.append([names[tbl.key], neutralise(tbl.title), neutralise(tbl.source)])
    for row in sheet.iter_rows():
        for cell in row:
            if isinstance(cell.value, str):
                cell.data_type = "s"
            if cell.font != TITLE_FONT and not cell.font.b:
                cell.font = BODY_FONT
    sheet.column_dimensions["A"].width = 14
    sheet.column_dimensions["B"].width = 70
    sheet.column_dimensions["C"].width = 60


__all__ = ["to_xlsx", "sheet_name", "cell_value", "write_table", "NUMBER_FORMATS", "COVER"]
