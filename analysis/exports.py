"""Downloads: formula-safe CSV and Excel files from analysis tables.

Any text cell that a spreadsheet could read as a formula (OWASP CSV injection: a leading
= + - @, tab, carriage return or line feed) is prefixed with an apostrophe-free guard, a
single quote, so it shows as the same text and never runs. Numbers stay numbers.
"""

from __future__ import annotations

import datetime as dt
import io
import math
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
    out = frame.copy(deep=False)  # copy-on-write: replacing columns below leaves ``frame`` as it was
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].map(neutralise)
    out.columns = [neutralise(str(c)) for c in frame.columns]
    return out


#: The first column of a download restricted to some rows (a survey's respondent filter).
NOTE_COLUMN = "筛选条件"


def with_note(frame: pd.DataFrame, note: str) -> pd.DataFrame:
    """What a download of ``frame`` restricted to some rows holds.

    Parameters
    ----------
    frame : DataFrame
    note : str
        What the rows are restricted to (a survey's respondent filter); "" for none.

    Returns
    -------
    DataFrame
        ``frame`` with ``note`` as a first column, 筛选条件, on every row, so that the file says
        it however it is read; ``frame`` itself without a note.
    """
    if not note:
        return frame
    return pd.concat([pd.DataFrame({NOTE_COLUMN: [note] * len(frame)}, index=frame.index), frame], axis=1)


def to_csv_bytes(frame: pd.DataFrame) -> bytes:
    """UTF-8 with BOM, so that Excel on Chinese Windows opens it without mojibake."""
    return sanitise(frame).to_csv(index=False).encode("utf-8-sig")


def to_xlsx_bytes(sheets: Mapping[str, pd.DataFrame] | pd.DataFrame, *, title: str | None = None) -> bytes:
    """An .xlsx with one sheet per table: bold frozen header row, fitted widths, text kept as text.

    Rows are streamed to the file as they are written (xlsxwriter's constant-memory mode), so a
    table of a provincial organisation's members costs seconds and little memory. Every text
    cell is written as a string, never parsed as a formula or a link, so even a value that
    slipped past ``neutralise`` stays text.
    """
    import xlsxwriter

    if isinstance(sheets, pd.DataFrame):
        sheets = {title or "数据": sheets}
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"constant_memory": True, "strings_to_formulas": False,
                                        "strings_to_urls": False, "strings_to_numbers": False})
    bold = book.add_format({"bold": True})
    formats = {"date": book.add_format({"num_format": "yyyy-mm-dd"}),
               "datetime": book.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})}
    taken: list[str] = []
    for name, frame in sheets.items():
        taken.append(_sheet_name(name, taken))
        sheet = book.add_worksheet(taken[-1])
        clean = sanitise(frame)
        for column, header in enumerate(clean.columns):
            width = max([_display_width(header)] + [_display_width(v) for v in clean.iloc[:200, column]])
            sheet.set_column(column, column, min(60, width + 2))
        sheet.freeze_panes(1, 0)
        sheet.write_row(0, 0, [str(c) for c in clean.columns], bold)
        columns = [clean.iloc[:, i].tolist() for i in range(clean.shape[1])]
        for row, values in enumerate(zip(*columns), start=1):
            for column, value in enumerate(values):
                _write_cell(sheet, row, column, value, formats)
    book.close()
    return buffer.getvalue()


def _write_cell(sheet, row: int, column: int, value: object, formats: dict) -> None:
    """One cell by the type of its value: text as a string, numbers, dates with a date format."""
    if isinstance(value, str):
        sheet.write_string(row, column, value)
    elif value is None or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
        return  # an empty cell
    elif isinstance(value, bool):
        sheet.write_boolean(row, column, value)
    elif isinstance(value, (int, float)):
        sheet.write_number(row, column, value)
    elif isinstance(value, dt.datetime):
        sheet.write_datetime(row, column, value.replace(tzinfo=None), formats["datetime"])
    elif isinstance(value, dt.date):
        sheet.write_datetime(row, column, value, formats["date"])
    elif hasattr(value, "item"):  # a numpy scalar
        _write_cell(sheet, row, column, value.item(), formats)
    elif pd.isna(value) is True:
        return
    else:
        sheet.write_string(row, column, str(value))


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
