"""The Excel template of each import kind, written from its spec (``specs``).

A template has three sheets: the instructions (``specs.INSTRUCTIONS_SHEET``: the rules and
one line per column), the data sheet (headers, a grey example row, drop-down lists and
range checks on the first TEMPLATE_ROWS rows) and a hidden sheet of the lists the
drop-downs read (``specs.LISTS_SHEET``). Nothing here checks an import: the importer reads
the same spec.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import column_index_from_string, get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from analysis import config as config_mod
from analysis import periods
from analysis.ingest.specs import (
    CATALOGUE_REFS,
    INSTRUCTIONS_SHEET,
    KIND_LABELS,
    LISTS_SHEET,
    Column,
    Spec,
    catalogue_labels,
    catalogue_max_points,
    spec,
)

TEMPLATE_ROWS = 5000  # rows that get the drop-down lists and checks in the template
REF_FORMATS = {
    "unit": "单位编号或名称", "owner": "党委、党总支或党支部的编号或名称", "branch": "支部编号或支部名称", "member": "党员编号", "zone": "责任区编号或名称",
    "vanguard_dimension": "评价维度名称", "indicator": "考核指标名称",
    "four_have_dimension": "“四有”维度名称", "activity": "活动编号", "department": "科室编号或科室名称",
}
TYPE_FORMATS = {
    "text": "文本", "int": "整数", "decimal": "数字", "date": "日期，如 2025-03-31",
    "quarter": "季度，如 2025Q3 或 2025年第3季度", "year": "年份，如 2025", "choice": "从下拉列表选择",
}


def template_file_name(kind: str) -> str:
    """Download name of a template, e.g. '导入模板_党员先锋指数评分.xlsx'."""
    label = KIND_LABELS[kind].replace("“", "").replace("”", "")
    return f"导入模板_{label}.xlsx"


def template_bytes(kind: str, *, cfg: config_mod.Config | None = None, branches: list[str] | None = None) -> bytes:
    """The .xlsx template of ``kind``: instructions, a data sheet with drop-downs, an example row.

    ``branches`` (names of existing branches) become the drop-down list of the branch column;
    without it the column is free text (ids or names are both accepted on import).
    """
    cfg = cfg or config_mod.load()
    sp = spec(kind, cfg)
    book = Workbook()
    guide = book.active
    guide.title = INSTRUCTIONS_SHEET
    data = book.create_sheet(sp.sheet)
    lists = _Lists(book.create_sheet(LISTS_SHEET))
    _write_instructions(guide, sp, cfg)
    _write_data_sheet(data, sp)
    _add_validations(data, sp, lists, cfg, branches)
    book.active = book.sheetnames.index(sp.sheet)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def write_template(kind: str, path: str | Path, *, cfg: config_mod.Config | None = None,
                   branches: list[str] | None = None) -> Path:
    """Write the template of ``kind`` to ``path`` and return the path."""
    path = Path(path)
    path.write_bytes(template_bytes(kind, cfg=cfg, branches=branches))
    return path


# --- the column in words ------------------------------------------------------------------


def format_zh(column: Column) -> str:
    """The column's format in words, for the instructions sheet."""
    text = REF_FORMATS.get(column.ref or "", "编号") if column.type == "ref" else TYPE_FORMATS[column.type]
    if column.decimals is not None:
        text += f"，最多 {column.decimals} 位小数"
    return text


def range_zh(column: Column, cfg: config_mod.Config) -> str:
    """Allowed values or range, for the instructions sheet."""
    if column.type == "choice":
        return "、".join(column.labels)
    if column.type == "ref" and column.ref in CATALOGUE_REFS:
        return "、".join(catalogue_labels(column.ref, cfg))
    parts = []
    if column.max_ref:
        parts.append("0 至该指标（维度）满分")
    elif column.minimum is not None and column.maximum is not None:
        parts.append(f"{column.minimum:g} 至 {column.maximum:g}")
    elif column.minimum is not None:
        parts.append(f"不小于 {column.minimum:g}")
    if column.not_future:
        parts.append("不晚于今天（当前季度）")
    return "；".join(parts)


# --- the sheets ---------------------------------------------------------------------------


def _write_instructions(guide: Worksheet, sp: Spec, cfg: config_mod.Config) -> None:
    rows: list[list[object]] = [
        [f"{sp.label} 导入模板"],
        [sp.description],
        [f"在工作表“{sp.sheet}”中填写，每行一条记录。请勿修改、删除或移动第 1 行表头；可以删除不需要的选填列。"],
        ["第 2 行是示例行（灰色斜体），导入前请删除或覆盖；若原样保留，导入时会被忽略。"],
        ["带“*”的列为必填。也可以另存为 CSV（UTF-8 或 GBK 编码均可）后导入。"],
        ["导入前系统会检查全部数据，任何一处错误都会列出行号与列名，整个文件不会写入，修正后重新导入即可。"],
        [("重新导入规则：" + sp.replaces + "；导入前会在预览中说明将替换的行数。") if sp.replaces
         else "重新导入规则：已存在的记录会被报告为重复，不会覆盖。"],
        ["同一文件不能重复导入；导入批次可以在“数据导入”页面整体撤销。"],
        [],
        ["列名", "是否必填", "格式", "可选值或范围", "说明"],
    ]
    for column in sp.columns:
        rows.append([column.header, "必填" if column.required else "选填", format_zh(column),
                     range_zh(column, cfg), column.note])
    for row in rows:
        guide.append(row)
    guide["A1"].font = Font(bold=True, size=14)
    for cell in guide[len(rows) - len(sp.columns)]:
        cell.font = Font(bold=True)
    for letter, width in zip("ABCDE", (18, 10, 30, 50, 60)):
        guide.column_dimensions[letter].width = width
    for row in guide.iter_rows():
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            if isinstance(cell.value, str):
                cell.data_type = "s"  # text starting with '=' stays text, not a formula


def _write_data_sheet(data: Worksheet, sp: Spec) -> None:
    """Header (required columns marked '*', each with a comment) and the example row."""
    required_fill = PatternFill("solid", fgColor="FDE9E7")
    optional_fill = PatternFill("solid", fgColor="EEF3F8")
    data.append([c.header + ("*" if c.required else "") for c in sp.columns])
    data.append([c.example for c in sp.columns])
    for index, column in enumerate(sp.columns, start=1):
        head = data.cell(row=1, column=index)
        head.font = Font(bold=True)
        head.fill = required_fill if column.required else optional_fill
        head.comment = Comment(f"{format_zh(column)}。{column.note}".strip("。") + "。", "模板")
        cell = data.cell(row=2, column=index)
        cell.font = Font(italic=True, color="808080")
        if isinstance(cell.value, str):
            cell.data_type = "s"
        if column.type == "date":
            cell.number_format = "yyyy-mm-dd"
        data.column_dimensions[get_column_letter(index)].width = max(len(column.header) * 2 + 4, 12)
    data.freeze_panes = "A2"


class _Lists:
    """The hidden sheet of drop-down lists, filled one column (or two, with max points) at a time."""

    def __init__(self, sheet: Worksheet) -> None:
        sheet.sheet_state = "hidden"
        self.sheet = sheet
        self.used = 0  # columns filled so far

    def add(self, title: str, values: tuple[str, ...] | list[str], points: tuple[float, ...] | None = None) -> str:
        """Write ``values`` under ``title`` (and ``points`` in the next column); return the values' range."""
        self.used += 1
        column = self.used
        self.sheet.cell(row=1, column=column, value=title)
        for row, value in enumerate(values, start=2):
            self.sheet.cell(row=row, column=column, value=value).data_type = "s"
        if points is not None:
            self.used += 1
            for row, value in enumerate(points, start=2):
                self.sheet.cell(row=row, column=self.used, value=value)
        letter = get_column_letter(column)
        return f"'{LISTS_SHEET}'!${letter}$2:${letter}${len(values) + 1}"


def _add_validations(data: Worksheet, sp: Spec, lists: _Lists, cfg: config_mod.Config,
                     branches: list[str] | None) -> None:
    """A drop-down or range check on every column that has one, with its prompt and error text."""
    catalogue_ranges: dict[str, str] = {}  # field -> range of its catalogue names in the lists sheet
    for index, column in enumerate(sp.columns, start=1):
        letter = get_column_letter(index)
        strict = True
        if column.type == "ref" and column.ref in CATALOGUE_REFS:
            points = catalogue_max_points(column.ref, cfg) if column.ref != "vanguard_dimension" else None
            catalogue_ranges[column.field] = lists.add(column.header, catalogue_labels(column.ref, cfg), points)
            validation = DataValidation(type="list", formula1=catalogue_ranges[column.field], allow_blank=True)
        elif column.type == "ref" and column.ref == "branch" and branches:
            validation = DataValidation(type="list", formula1=lists.add(column.header, branches), allow_blank=True)
            strict = False  # ids are accepted as well as the listed names
        elif column.type == "decimal" and column.max_ref in catalogue_ranges:
            validation = _score_within_max_points(sp, column, letter, catalogue_ranges[column.max_ref])
        else:
            validation = _plain_validation(column, lists)
        if validation is None:
            continue
        validation.error = f"“{column.header}”的值不符合要求：{range_zh(column, cfg) or format_zh(column)}"
        validation.errorTitle = "输入有误"
        validation.prompt = column.note or format_zh(column)
        validation.promptTitle = column.header
        validation.showInputMessage = True
        validation.showErrorMessage = strict
        validation.add(f"{letter}2:{letter}{TEMPLATE_ROWS + 1}")
        data.add_data_validation(validation)


def _plain_validation(column: Column, lists: _Lists) -> DataValidation | None:
    """The check of a column that depends on nothing but itself (None: no check)."""
    if column.type == "choice":
        return DataValidation(type="list", formula1=lists.add(column.header, column.labels), allow_blank=True)
    if column.type == "quarter":
        current = periods.quarter_of(dt.date.today())
        quarters = periods.quarter_range(periods.shift(current, -40), current)[::-1]
        return DataValidation(type="list", formula1=lists.add(column.header, quarters), allow_blank=True,
                              errorStyle="warning")
    if column.type == "date":
        return DataValidation(type="date", operator="between", formula1="DATE(1921,7,1)",
                              formula2="DATE(2100,12,31)", allow_blank=True)
    if column.type in ("int", "year"):
        low, high = column.bounds
        return DataValidation(type="whole", operator="between", formula1=f"{0 if low is None else low:g}",
                              formula2=f"{10**9 if high is None else high:g}", allow_blank=True)
    if column.type == "decimal" and column.minimum is not None and column.maximum is not None:
        return DataValidation(type="decimal", operator="between", formula1=f"{column.minimum:g}",
                              formula2=f"{column.maximum:g}", allow_blank=True)
    return None


def _score_within_max_points(sp: Spec, column: Column, letter: str, names: str) -> DataValidation:
    """A score bounded by the max points of the indicator chosen in the same row (VLOOKUP in the lists).

    ``names`` is the range of the catalogue names; their max points sit in the next column.
    """
    ref_letter = get_column_letter(sp.position(column.max_ref) + 1)
    sheet_part, cells = names.split("!")
    names_letter = cells.split("$")[1]
    points_letter = get_column_letter(column_index_from_string(names_letter) + 1)
    last_row = int(cells.rsplit("$", 1)[1])
    table = f"{sheet_part}!${names_letter}$2:${points_letter}${last_row}"
    return DataValidation(
        type="custom", allow_blank=True,
        formula1=f"AND(ISNUMBER({letter}2),{letter}2>=0,{letter}2<=VLOOKUP({ref_letter}2,{table},2,FALSE))",
    )

