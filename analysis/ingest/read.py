"""Reading an import file without trusting it: what it is, whether it is safe, and its rows as text.

``inspect_file`` decides the format from the content (never the name), refuses what is too
large, macro-enabled or a zip bomb, detects a text file's encoding and delimiter and hashes
the file, all before any spreadsheet parser sees it. ``header_rows`` and ``data_rows`` then
read rows as text cells (``cell_text``), numbered as Excel shows them. Every refusal is a
``FileProblem`` with a Chinese and an English message.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import hashlib
import math
import re
import shutil
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from charset_normalizer import from_path
from python_calamine import CalamineWorkbook, SheetTypeEnum, SheetVisibleEnum

from analysis.ingest.specs import INSTRUCTIONS_SHEET, LISTS_SHEET

MAX_FILE_BYTES = 512 * 2**20
MAX_XLSX_UNCOMPRESSED = 256 * 2**20
MAX_XLSX_RATIO = 100  # per zip entry larger than RATIO_MIN_BYTES
RATIO_MIN_BYTES = 2**20
MAX_ZIP_ENTRIES = 5000
HEADER_SEARCH_ROWS = 10
MACRO_SUFFIXES = (".xlsm", ".xltm", ".xlsb", ".xlam", ".xla", ".xlm")
UPLOAD_SUFFIXES = (".csv", ".txt", ".xlsx", ".xls")
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
BLANKS = " \t\r\n\u3000\u00a0"
CHUNK_BYTES = 1 << 20
DAMAGED_ZH = "文件已损坏或不完整，无法作为 Excel 文件打开（请重新保存或重新下载）"
MACROS_ZH = "文件包含宏（VBA），出于安全考虑拒绝导入；请另存为不含宏的 .xlsx"


class FileProblem(Exception):
    """A problem with the whole file (or its structure) that stops reading it."""

    def __init__(self, message_zh: str, message_en: str, *, row: int | None = None, sheet: str | None = None,
                 column: str | None = None) -> None:
        super().__init__(message_en)
        self.message_zh = message_zh
        self.message_en = message_en
        self.row = row
        self.sheet = sheet
        self.column = column


@dataclass(frozen=True)
class Source:
    """An inspected import: a file on disk (csv, xlsx, xls) or a DataFrame (format 'frame').

    ``path`` is the file to read, which for a text file not in UTF-8 is a UTF-8 copy. A text
    file has its Python ``encoding``, the encoding as shown (``encoding_label``) and its
    ``delimiter``; ``irregular`` marks blank lines or UTF-16, which DuckDB's CSV reader cannot
    number the way Excel does.
    """

    label: str
    format: str  # csv | xlsx | xls | frame
    sha256: str
    size: int
    path: Path | None = None
    frame: pd.DataFrame | None = None
    encoding: str | None = None
    encoding_label: str | None = None
    irregular: bool = False
    delimiter: str = ","


@dataclass(frozen=True)
class HeaderRow:
    """A row that may be the header: its sheet (None for CSV and frames), Excel row number and cells."""

    sheet: str | None
    number: int
    cells: tuple[str, ...]


# --- uploads --------------------------------------------------------------------------------


def safe_upload_name(file_name: str) -> str:
    """A file name reduced to a label: no directories, no control characters, at most 120 chars."""
    name = re.split(r"[\\/]", str(file_name))[-1]
    name = "".join(ch for ch in name if ch.isprintable()).strip() or "upload"
    return name[-120:]


@contextmanager
def spooled_upload(data: bytes, file_name: str) -> Iterator[Path]:
    """Write uploaded bytes to a private temporary file named by us (only the suffix is kept).

    The upload's own name is never used as a path; pass it as ``file_name`` to the import.
    """
    suffix = Path(safe_upload_name(file_name)).suffix.lower()
    if suffix not in UPLOAD_SUFFIXES + MACRO_SUFFIXES:
        suffix = ".bin"
    directory = Path(tempfile.mkdtemp(prefix="party-import-"))
    try:
        path = directory / f"upload{suffix}"
        path.write_bytes(data)
        yield path
    finally:
        shutil.rmtree(directory, ignore_errors=True)


# --- inspecting -----------------------------------------------------------------------------


def inspect_frame(frame: pd.DataFrame, label: str) -> Source:
    """A DataFrame as a source; its hash covers the column names and every cell."""
    if not isinstance(frame, pd.DataFrame):
        raise TypeError("import_frame needs a pandas DataFrame")
    digest = hashlib.sha256("\x1f".join(map(str, frame.columns)).encode("utf-8"))
    try:
        digest.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
    except TypeError:  # unhashable cells (lists, dicts): hash the CSV form instead
        digest.update(frame.to_csv(index=False).encode("utf-8"))
    return Source(label, "frame", digest.hexdigest(), int(frame.memory_usage(deep=False).sum()), frame=frame)


def inspect_file(path: Path, label: str, workdir: Path) -> Source:
    """Check a file's size, name and content and say what it is; FileProblem when refused.

    ``workdir`` receives the UTF-8 copy of a text file in another encoding.
    """
    if not path.is_file():
        raise FileProblem("找不到文件或不是普通文件", "file not found or not a regular file")
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise FileProblem(f"文件过大（{size / 2**20:.0f} MB），上限为 {MAX_FILE_BYTES // 2**20} MB",
                          f"file too large ({size / 2**20:.0f} MB; limit {MAX_FILE_BYTES // 2**20} MB)")
    if size == 0:
        raise FileProblem("文件是空的", "the file is empty")
    if label.lower().endswith(MACRO_SUFFIXES):
        raise FileProblem("不接受含宏的 Excel 文件（.xlsm 等），请另存为 .xlsx 后导入",
                          "macro-enabled workbooks (.xlsm etc.) are refused; save as .xlsx")
    with path.open("rb") as handle:
        head = handle.read(8)
    if head.startswith(ZIP_MAGIC):
        _check_zip(path)
        return Source(label, "xlsx", _sha256(path), size, path=path)
    if head.startswith(OLE2_MAGIC):
        return Source(label, "xls", _sha256(path), size, path=path)
    return _inspect_text(path, label, size, workdir)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()


def _check_zip(path: Path) -> None:
    """Refuse macros and zip bombs before any spreadsheet parser opens the archive.

    Declared sizes are checked first (cheap), then every entry is decompressed once with a
    running total, so an archive that understates its sizes is caught too (zipfile stops at
    the declared size and the CRC check then fails).
    """
    try:
        with zipfile.ZipFile(path) as archive:
            entries = archive.infolist()
            _check_zip_entries(archive, entries)
            total = 0
            for entry in entries:
                with archive.open(entry) as member:
                    while chunk := member.read(CHUNK_BYTES):
                        total += len(chunk)
                        if total > MAX_XLSX_UNCOMPRESSED:
                            raise FileProblem("Excel 文件解压后过大，拒绝读取", "workbook too large when uncompressed")
    except FileProblem:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, KeyError, NotImplementedError,
            RuntimeError, ValueError) as exc:
        raise FileProblem(DAMAGED_ZH, f"damaged or truncated workbook ({exc})") from None


def _check_zip_entries(archive: zipfile.ZipFile, entries: list[zipfile.ZipInfo]) -> None:
    """What the archive's directory declares: entry count, macros, workbook type, sizes, ratios."""
    if len(entries) > MAX_ZIP_ENTRIES:
        raise FileProblem(f"Excel 文件内部条目过多（{len(entries)} 个），拒绝读取",
                          f"too many entries in the workbook archive ({len(entries)})")
    names = {e.filename.lower() for e in entries}
    if any(name.endswith("vbaproject.bin") for name in names):
        raise FileProblem(MACROS_ZH, "the workbook contains macros (vbaProject.bin); refused")
    if "xl/workbook.xml" not in names and "xl/workbook.bin" not in names:
        raise FileProblem("不是有效的 Excel（.xlsx）文件", "not an .xlsx workbook (no xl/workbook.xml)")
    if "xl/workbook.bin" in names:
        raise FileProblem("不接受 .xlsb 二进制工作簿，请另存为 .xlsx", "binary .xlsb workbooks are refused")
    declared = sum(e.file_size for e in entries)
    if declared > MAX_XLSX_UNCOMPRESSED:
        raise FileProblem(
            f"Excel 文件解压后过大（{declared / 2**20:.0f} MB，上限 {MAX_XLSX_UNCOMPRESSED // 2**20} MB），拒绝读取",
            f"workbook too large when uncompressed ({declared / 2**20:.0f} MB)")
    for entry in entries:
        if entry.file_size > RATIO_MIN_BYTES and entry.file_size > MAX_XLSX_RATIO * max(entry.compress_size, 1):
            raise FileProblem("Excel 文件压缩比异常（疑似“压缩炸弹”），拒绝读取",
                              f"suspicious compression ratio in {entry.filename} (zip bomb?)")
    content_types = archive.read("[Content_Types].xml") if "[content_types].xml" in names else b""
    if b"macroEnabled" in content_types or b"vbaProject" in content_types:
        raise FileProblem(MACROS_ZH, "the workbook is macro-enabled; refused")


@dataclass(frozen=True)
class _TextScan:
    """What one pass over a text file's bytes found."""

    sha256: str
    first_bytes: bytes
    utf8: bool  # the whole file decodes as UTF-8
    nul: bool  # a NUL byte: binary, or UTF-16
    blank_line: bool  # a blank line followed by more text


def _scan_text(path: Path) -> _TextScan:
    """Hash, try UTF-8 and look for NUL bytes and blank lines in one pass over the file."""
    digest = hashlib.sha256()
    utf8 = codecs.getincrementaldecoder("utf-8")()
    utf8_ok = True
    first = b""
    blank = pending = False  # pending: blank lines seen at the end of the text read so far
    tail = b""
    nul = False
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK_BYTES):
            digest.update(chunk)
            if not first:
                first = chunk[:4]
            if utf8_ok:
                try:
                    utf8.decode(chunk)
                except UnicodeDecodeError:
                    utf8_ok = False
            nul = nul or b"\x00" in chunk
            if not blank:
                window = tail + chunk
                if pending and window.strip(b"\r\n"):
                    blank = True
                hits = [i for i in (window.find(b"\n\n"), window.find(b"\n\r\n")) if i >= 0]
                if hits and window[min(hits):].strip(b"\r\n"):
                    blank = True
                elif hits:
                    pending = True
                tail = chunk[-2:]
    if utf8_ok:
        try:
            utf8.decode(b"", final=True)
        except UnicodeDecodeError:
            utf8_ok = False
    return _TextScan(digest.hexdigest(), first, utf8_ok, nul, blank)


def text_encoding(path: Path) -> tuple[str, str]:
    """(Python codec, encoding as shown) of a text file; FileProblem when it is not text or
    its encoding cannot be told. GBK is read as GB18030, the superset Excel on Chinese Windows
    may write."""
    return _encoding(path, _scan_text(path))


def _encoding(path: Path, scan: _TextScan) -> tuple[str, str]:
    """(Python codec, encoding as shown): UTF-16 by BOM, UTF-8, GBK, GB18030, else a guess."""
    if scan.first_bytes.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16", "UTF-16"
    if scan.nul:
        raise FileProblem("不是文本（CSV）文件，也不是 Excel 文件", "neither a text (CSV) file nor an Excel workbook")
    if scan.utf8:
        return ("utf-8-sig", "UTF-8（带 BOM）") if scan.first_bytes.startswith(codecs.BOM_UTF8) else ("utf-8", "UTF-8")
    if _decodes(path, "gbk"):
        return "gb18030", "GBK"
    if _decodes(path, "gb18030"):
        return "gb18030", "GB18030"
    best = from_path(path, steps=8, chunk_size=4096).best()
    if best is None or not _decodes(path, best.encoding):
        raise FileProblem("无法识别文件编码，请另存为 UTF-8 或 GBK 编码的 CSV",
                          "cannot detect the text encoding; save the CSV as UTF-8 or GBK")
    return best.encoding, best.encoding.upper()


def _inspect_text(path: Path, label: str, size: int, workdir: Path) -> Source:
    scan = _scan_text(path)
    encoding, shown = _encoding(path, scan)
    # Line structure of UTF-16 is checked after decoding, by the Python reader.
    irregular = scan.blank_line or encoding == "utf-16"
    with path.open(encoding=encoding, newline="") as handle:
        delimiter = _sniff_delimiter(handle.read(65536))
    if encoding not in ("utf-8", "utf-8-sig") and not irregular:
        # DuckDB reads UTF-8; anything else is transcoded once, streaming.
        target = workdir / "transcoded.csv"
        with path.open(encoding=encoding, newline="") as src, target.open("w", encoding="utf-8", newline="") as dst:
            shutil.copyfileobj(src, dst, CHUNK_BYTES)
        path, encoding = target, "utf-8"
    return Source(label, "csv", scan.sha256, size, path=path, encoding=encoding, encoding_label=shown,
                  irregular=irregular, delimiter=delimiter)


def _decodes(path: Path, encoding: str) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)()
    try:
        with path.open("rb") as handle:
            while chunk := handle.read(CHUNK_BYTES):
                decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except (UnicodeDecodeError, LookupError):
        return False
    return True


def _sniff_delimiter(sample: str) -> str:
    """The most frequent of , TAB ; | on the first non-blank line (',' if none)."""
    line = next((text for text in sample.splitlines() if text.strip()), "")
    counts = {d: line.count(d) for d in (",", "\t", ";", "|")}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


# --- rows -----------------------------------------------------------------------------------


def header_rows(source: Source) -> list[HeaderRow]:
    """Every candidate header row: the first non-empty rows of each visible data sheet."""
    if source.format == "frame":
        return [HeaderRow(None, 1, tuple(str(c) for c in source.frame.columns))]
    if source.format == "csv":
        return [HeaderRow(None, i + 1, tuple(cell_text(v) or "" for v in row))
                for i, row in enumerate(_csv_head(source)) if any(row)]
    rows = []
    for name, head in _workbook_heads(source.path):
        for i, row in enumerate(head):
            if any(cell_text(v) for v in row):
                rows.append(HeaderRow(name, i + 1, tuple(cell_text(v) or "" for v in row)))
    if not rows:
        raise FileProblem("工作簿中没有任何数据", "the workbook has no data")
    return rows


def data_rows(source: Source, sheet: str | None) -> Iterator[tuple[int, list[str | None]]]:
    """Every row of the file (or of ``sheet``) as (Excel row number, cell texts), header included."""
    if source.format == "csv":
        return _csv_rows(source)
    if source.format == "frame":
        return _frame_rows(source.frame)
    return _sheet_rows(source.path, sheet)


def _csv_head(source: Source) -> list[list[str]]:
    with source.path.open(encoding=source.encoding, newline="") as handle:
        reader = csv.reader(handle, delimiter=source.delimiter)
        rows = []
        try:
            for row in reader:
                rows.append(row)
                if len(rows) >= HEADER_SEARCH_ROWS:
                    break
        except csv.Error as exc:
            raise FileProblem(f"CSV 格式错误（{exc}）", f"malformed CSV ({exc})", row=len(rows) + 1) from None
    return rows


def _csv_rows(source: Source) -> Iterator[tuple[int, list[str | None]]]:
    with source.path.open(encoding=source.encoding, newline="") as handle:
        reader = csv.reader(handle, delimiter=source.delimiter)
        number = 0
        try:
            for number, row in enumerate(reader, start=1):
                yield number, [cell_text(v) for v in row]
        except csv.Error as exc:
            raise FileProblem(f"CSV 格式错误（{exc}），请检查引号是否成对",
                              f"malformed CSV ({exc}); check the quotes", row=number + 1) from None


def _frame_rows(frame: pd.DataFrame) -> Iterator[tuple[int, list[str | None]]]:
    """Rows numbered as if the frame were a sheet whose header is row 1."""
    columns = [frame[c].tolist() for c in frame.columns]
    for index in range(len(frame)):
        yield index + 2, [cell_text(column[index]) for column in columns]


def _open_workbook(path: Path) -> CalamineWorkbook:
    try:
        return CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # noqa: BLE001 - the parser raises many types for damaged files
        raise FileProblem(DAMAGED_ZH, f"cannot open the workbook ({type(exc).__name__}: {exc})") from None


def _data_sheets(book: CalamineWorkbook) -> list[str]:
    """Visible worksheets, without a template's instructions and lists."""
    return [meta.name for meta in book.sheets_metadata
            if meta.visible == SheetVisibleEnum.Visible and meta.typ == SheetTypeEnum.WorkSheet
            and meta.name not in (INSTRUCTIONS_SHEET, LISTS_SHEET)]


def _workbook_heads(path: Path) -> list[tuple[str, list[list[object]]]]:
    book = _open_workbook(path)
    try:
        return [(name, book.get_sheet_by_name(name).to_python(skip_empty_area=False, nrows=HEADER_SEARCH_ROWS))
                for name in _data_sheets(book)]
    except Exception as exc:  # noqa: BLE001
        raise FileProblem("文件已损坏或不完整，无法读取工作表", f"cannot read the sheets ({exc})") from None
    finally:
        book.close()


def _sheet_rows(path: Path, sheet: str) -> Iterator[tuple[int, list[str | None]]]:
    book = _open_workbook(path)
    try:
        try:
            data = book.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
        except Exception as exc:  # noqa: BLE001
            raise FileProblem("工作表已损坏，无法读取", f"cannot read the sheet ({exc})", sheet=sheet) from None
        for index, row in enumerate(data, start=1):
            yield index, [cell_text(v) for v in row]
    finally:
        book.close()


def cell_text(value: object) -> str | None:
    """A spreadsheet or DataFrame cell as the text the validator reads (None when empty).

    Integral numbers lose their '.0'; dates become ISO dates (with the time when not midnight).
    """
    if value is None or value is pd.NaT or value is pd.NA:
        return None
    if isinstance(value, str):
        return value.strip(BLANKS) or None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isnan(value):
            return None
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, pd.Timestamp):
        if pd.isna(value):
            return None
        value = value.to_pydatetime()
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time(0) else value.isoformat(sep=" ")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return str(value)
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    if hasattr(value, "item"):
        return cell_text(value.item())
    return str(value).strip(BLANKS) or None
