"""Downloads: formula-safe CSV and Excel files from analysis tables.

Any text cell that a spreadsheet could read as a formula (OWASP CSV injection: a leading
= + - @, tab, carriage return or line feed) is prefixed with an apostrophe-free guard, a
single quote, so it shows as the same text and never runs. Numbers stay numbers.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Mapping

import pandas as pd

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")


def neutralise(value: object) -> object:
    """Return ``value`` with a leading ' if it is text that a spreadsheet would evaluate."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def sanitise(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` with every text cell and column name neutralised.

    Returns
    -------
    The columns of ``frame``, their names and text cells passed through :func:`neutralise`.
    """
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].map(neutralise)
    out.columns = [neutralise(str(c)) for c in out.columns]
    return out


def to_csv_bytes(frame: pd.DataFrame) -> bytes:
    """UTF-8 with BOM, so that Excel on Chinese Windows opens it without mojibake."""
    return sanitise(frame).to_csv(index=False).encode("utf-8-sig")


def to_xlsx_bytes(sheets: Mapping[str, pd.DataFrame] | pd.DataFrame, *, title: str | None = None) -> bytes:
    """An .xlsx with one sheet per table: frozen header row, fitted widths, text kept as text.

    Written cell by cell with openpyxl and ``data_type`` forced to string for text, so even a
    value that slipped past ``neutralise`` is stored as text, not as a formula.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    if isinstance(sheets, pd.DataFrame):
        sheets = {title or "数据": sheets}
    book = Workbook()
    book.remove(book.active)
    for name, frame in sheets.items():
        sheet = book.create_sheet(_sheet_name(name, book.sheetnames))
        clean = sanitise(frame)
        sheet.append(list(clean.columns))
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in clean.itertuples(index=False):
            sheet.append([_plain(v) for v in row])
        for row in sheet.iter_rows(min_row=1):
            for cell in row:
                if isinstance(cell.value, str):
                    cell.data_type = "s"
        sheet.freeze_panes = "A2"
        for index, column in enumerate(clean.columns, start=1):
            width = max([_display_width(column)] + [_display_width(v) for v in clean.iloc[:200, index - 1]])
            sheet.column_dimensions[get_column_letter(index)].width = min(60, width + 2)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _plain(value: object) -> object:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if hasattr(value, "item"):  # numpy scalar
        return value.item()
    if isinstance(value, (dt.date, int, float, str, bool)):
        return value
    return str(value)


def _display_width(value: object) -> int:
    text = "" if value is None else str(value)
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def _sheet_name(name: str, taken: list[str]) -> str:
    base = "".join("_" if ch in '[]:*?/\\' else ch for ch in str(name))[:31] or "Sheet"
    candidate, n = base, 2
    while candidate in taken:
        candidate = f"{base[:28]}_{n}"
        n += 1
    return candidate
