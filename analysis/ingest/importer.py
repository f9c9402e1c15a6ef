"""Importing Excel/CSV files and survey exports: check everything, then write in one transaction.

The pipeline, the same for a file typed by hand, a 1,000,000-row CSV and a DataFrame:

1. **Inspect** the file without trusting it: size limit; the content (not the name) decides
   the format; an .xlsx is a zip whose entries are counted, measured (declared and actual
   uncompressed size, compression ratio) and searched for macros (``vbaProject.bin``) before
   any spreadsheet parser sees it; a CSV's encoding is detected (UTF-8 with or without BOM,
   UTF-16, GBK/GB18030, else a guess) while its SHA-256 is computed in the same pass.
2. **Stage** the rows in a temporary DuckDB table, every cell as text with the row number
   Excel shows (header row 1, first data row 2). A regular CSV goes straight through DuckDB's
   ``read_csv``; spreadsheets, CSVs with blank lines or ragged rows, and DataFrames go through
   Python in chunks.
3. **Validate** with set-based SQL over the staged rows: required columns and values, types,
   ranges (a score within its indicator's max points), allowed values, references (branches,
   members, indicators, activities), duplicates inside the file and against the database.
   Every problem names file, sheet, row and column and says what is wrong in Chinese (and
   English for the CLI); all are collected, the first ``MAX_PROBLEMS`` kept.
4. **Write** (``import_*`` only, and only without problems) inside the same transaction: an
   ``import_batch`` row, the rows replaced by a re-import copied to ``replaced_*`` and deleted,
   the new rows inserted by ``INSERT … SELECT``, the audit row, the data-version bump. Any error
   rolls all of it back; ``validate_*`` always rolls back.

A batch is undone by ``rollback_batch``: its rows are deleted and the rows it replaced restored.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import hashlib
import json
import math
import re
import shutil
import tempfile
import time
import uuid
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from analysis import config as config_mod
from analysis import db, periods
from analysis.access import audit
from analysis.ingest import templates as tpl
from analysis.scope import Scope

MAX_FILE_BYTES = 512 * 2**20
MAX_XLSX_UNCOMPRESSED = 256 * 2**20
MAX_XLSX_RATIO = 100  # per zip entry larger than RATIO_MIN_BYTES
RATIO_MIN_BYTES = 2**20
MAX_ZIP_ENTRIES = 5000
MAX_PROBLEMS = 1000
HEADER_SEARCH_ROWS = 10
SAMPLE_ROWS = 20
CHUNK_ROWS = 100_000
EARLIEST_DATE = dt.date(1921, 7, 1)
MACRO_SUFFIXES = (".xlsm", ".xltm", ".xlsb", ".xlam", ".xla", ".xlm")
UPLOAD_SUFFIXES = (".csv", ".txt", ".xlsx", ".xls")
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
DATE_FORMATS = ["%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日", "%Y%m%d", "%Y-%m-%d %H:%M:%S",
                "%Y/%m/%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M"]
# Headers that mark a 问卷星 export (two of them are enough).
WJX_HEADERS = frozenset({"序号", "答卷序号", "提交答卷时间", "提交时间", "所用时间", "答题用时", "来源", "来源详情", "来自IP"})
BLANKS = " \t\r\n\u3000\u00a0"

Progress = Callable[[float, str], None]


# --- results ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an import file.

    ``row`` is the row number Excel shows (header row 1, first data row 2), ``column`` the
    column's header; both None when the problem concerns the whole file. ``sheet`` is None
    for a CSV file.
    """

    file: str
    sheet: str | None
    row: int | None
    column: str | None
    message_zh: str
    message_en: str

    def text_en(self) -> str:
        """'file.csv, sheet S, row 5, column 得分: message' (the CLI's line)."""
        where = [self.file]
        if self.sheet:
            where.append(f"sheet {self.sheet}")
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column:
            where.append(f"column {self.column}")
        return ", ".join(where) + ": " + self.message_en


@dataclass(frozen=True)
class Replacement:
    """Stored rows a re-import replaces, with the sentence shown before confirming."""

    table: str
    rows: int
    message_zh: str
    message_en: str


@dataclass
class Preview:
    """What an import would do: detection results, counts, problems (nothing written).

    counts: rows to insert per table. sample: the first rows as read (column 行 = Excel row).
    problems: at most MAX_PROBLEMS; problem_count: all of them.
    """

    file_name: str
    kind: str | None
    encoding: str | None
    sha256: str
    size_bytes: int
    sheet: str | None = None
    rows: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    replacements: list[Replacement] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    problem_count: int = 0
    warnings: list[str] = field(default_factory=list)
    sample: pd.DataFrame = field(default_factory=pd.DataFrame)
    duplicate_of: int | None = None

    @property
    def ok(self) -> bool:
        return self.problem_count == 0

    @property
    def kind_label(self) -> str:
        return tpl.KIND_LABELS.get(self.kind or "", "未识别")

    @property
    def replaced_rows(self) -> int:
        return sum(r.rows for r in self.replacements)

    @property
    def more_problems(self) -> int:
        """Problems found but not listed (beyond MAX_PROBLEMS)."""
        return max(0, self.problem_count - len(self.problems))

    def problems_frame(self) -> pd.DataFrame:
        """Problems as a table with Chinese headers: 文件, 工作表, 行, 列, 问题."""
        return pd.DataFrame(
            {
                "文件": [p.file for p in self.problems],
                "工作表": [p.sheet or "" for p in self.problems],
                "行": pd.array([p.row for p in self.problems], dtype="Int64"),
                "列": [p.column or "" for p in self.problems],
                "问题": [p.message_zh for p in self.problems],
            }
        )


@dataclass(frozen=True)
class ImportResult:
    batch_id: int
    kind: str
    file_name: str
    rows: int
    replaced: int
    seconds: float
    preview: Preview


@dataclass(frozen=True)
class RollbackResult:
    batch_id: int
    deleted: int
    restored: int


class ImportRejected(ValueError):
    """Raised by ``import_*`` when the file has problems; nothing was written."""

    def __init__(self, preview: Preview) -> None:
        self.preview = preview
        first = preview.problems[0].text_en() if preview.problems else "unknown problem"
        super().__init__(f"{preview.problem_count} problem(s) in {preview.file_name}; first: {first}")

    @property
    def problems(self) -> list[Problem]:
        return self.preview.problems


class RollbackRefused(ValueError):
    """A batch that cannot be rolled back (unknown, already rolled back, or depended upon)."""

    def __init__(self, message_zh: str, message_en: str) -> None:
        self.message_zh = message_zh
        self.message_en = message_en
        super().__init__(message_en)


class _FileProblem(Exception):
    """A problem with the whole file (or its structure) that stops reading it."""

    def __init__(self, message_zh: str, message_en: str, *, row: int | None = None, sheet: str | None = None,
                 column: str | None = None) -> None:
        super().__init__(message_en)
        self.message_zh, self.message_en, self.row, self.sheet, self.column = message_zh, message_en, row, sheet, column


# --- public API ---------------------------------------------------------------------------


def validate_file(
    con: duckdb.DuckDBPyConnection,
    path: str | Path,
    *,
    kind: str | None = None,
    file_name: str | None = None,
    twin: str | Path | None = None,
    progress: Progress | None = None,
    cfg: config_mod.Config | None = None,
) -> Preview:
    """Check a file as ``import_file`` would, and write nothing.

    Parameters
    ----------
    path : the file (.csv/.txt in UTF-8, UTF-8 with BOM, UTF-16, GBK/GB18030; .xlsx; .xls).
    kind : one of ``templates.KINDS``; None detects it from the headers.
    file_name : the name shown in messages and stored with the batch (an upload's original
        name); it is never used as a path. Default: the path's name.
    twin : for kind 'wjx', the other download of the same 问卷星 survey (see ``wjx.parse_wjx``).
    progress : called with (fraction 0..1, Chinese stage text).

    Returns
    -------
    Preview (``.ok`` is False when there are problems).
    """
    return _run(con, _FileInput(Path(path), file_name or Path(path).name, twin), kind, None, progress, cfg)[0]


def import_file(
    con: duckdb.DuckDBPyConnection,
    path: str | Path,
    *,
    user: str | Scope,
    kind: str | None = None,
    file_name: str | None = None,
    twin: str | Path | None = None,
    progress: Progress | None = None,
    cfg: config_mod.Config | None = None,
) -> ImportResult:
    """Validate and import a file as one batch, in one transaction.

    ``user`` is the importing user's name, or their Scope (which must be the committee's:
    PermissionError otherwise). Raises ImportRejected (with the preview and its problems) when
    anything is wrong; the database is then unchanged.
    """
    username = _username(user)
    return _run(con, _FileInput(Path(path), file_name or Path(path).name, twin), kind, username, progress, cfg)[1]


def validate_frame(
    con: duckdb.DuckDBPyConnection, frame: pd.DataFrame, *, kind: str | None = None, file_name: str = "DataFrame",
    progress: Progress | None = None, cfg: config_mod.Config | None = None,
) -> Preview:
    """``validate_file`` for a DataFrame whose columns are template headers or database columns.

    Row numbers in problems are the frame's position + 2, as if it were a sheet with a header.
    """
    return _run(con, _FrameInput(frame, file_name), kind, None, progress, cfg)[0]


def import_frame(
    con: duckdb.DuckDBPyConnection, frame: pd.DataFrame, *, user: str | Scope, kind: str | None = None,
    file_name: str = "DataFrame", progress: Progress | None = None, cfg: config_mod.Config | None = None,
) -> ImportResult:
    """``import_file`` for a DataFrame (values as template labels or stored codes)."""
    return _run(con, _FrameInput(frame, file_name), kind, _username(user), progress, cfg)[1]


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


def list_batches(con: duckdb.DuckDBPyConnection, *, limit: int = 500) -> pd.DataFrame:
    """Import batches, newest first.

    Returns: batch_id, kind, kind_label, file_name, row_count, replaced_count, imported_by,
    imported_at, status ('有效', '已撤销', '撤销未完成'), rolled_back_at, rolled_back_by, sha256,
    replacements (the Chinese replacement sentences shown at import, joined by '；').
    """
    df = con.execute(
        """
        SELECT batch_id, kind, file_name, row_count, coalesce(replaced_count, 0) AS replaced_count, imported_by, imported_at,
               CASE WHEN rolled_back_at IS NOT NULL THEN '已撤销'
                    WHEN rollback_started_at IS NOT NULL THEN '撤销未完成'
                    ELSE '有效' END AS status,
               rolled_back_at, rolled_back_by, sha256, detail
        FROM import_batch
        ORDER BY batch_id DESC
        LIMIT ?
        """,
        [limit],
    ).df()
    labels = {**tpl.KIND_LABELS, "demo": "演示数据"}
    df.insert(2, "kind_label", df["kind"].map(labels).fillna(df["kind"]))

    def sentences(detail: object) -> str:
        if not isinstance(detail, str):
            return ""
        try:
            return "；".join(json.loads(detail).get("replacements", []))
        except (ValueError, AttributeError):
            return ""

    df["replacements"] = df["detail"].map(sentences).astype("str")
    return df.drop(columns=["detail"])


# --- inputs -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _FileInput:
    path: Path
    label: str
    twin: Path | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "label", safe_upload_name(self.label))
        if self.twin is not None:
            object.__setattr__(self, "twin", Path(self.twin))


@dataclass(frozen=True)
class _FrameInput:
    frame: pd.DataFrame
    label: str


@dataclass
class _Grid:
    """A staged sheet: where its header is and how its columns map to the spec."""

    sheet: str | None
    header_row: int  # 1-based
    headers: list[str]
    spec: tpl.Spec | None = None
    mapping: dict[str, int] = field(default_factory=dict)  # field -> column position
    unknown: list[str] = field(default_factory=list)


@dataclass
class _Source:
    label: str
    format: str  # csv | xlsx | xls | frame
    sha256: str
    size: int
    path: Path | None = None
    frame: pd.DataFrame | None = None
    encoding: str | None = None  # Python codec of a text file
    encoding_label: str | None = None
    irregular: bool = False  # blank lines: DuckDB's reader would shift row numbers
    delimiter: str = ","


def _username(user: str | Scope) -> str:
    if isinstance(user, Scope):
        if user.role != "committee":
            raise PermissionError("仅党委/党办账号可以导入数据或撤销导入")
        return user.username
    if not isinstance(user, str) or not user.strip():
        raise ValueError("the importing user's name is required")
    return user.strip()


# --- the run ------------------------------------------------------------------------------


def _run(con, source_input, kind, username, progress, cfg) -> tuple[Preview, ImportResult | None]:
    """Inspect, stage, validate and (with a username) write; retried on a write-write conflict."""
    if kind is not None and kind not in tpl.KINDS:
        raise ValueError(f"unknown kind {kind!r}; expected one of {', '.join(tpl.KINDS)}")
    report = progress or (lambda fraction, text: None)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="party-import-") as workdir:
        report(0.02, "正在检查文件")
        try:
            source = _inspect(source_input, Path(workdir))
        except _FileProblem as exc:
            preview = _file_preview(source_input, exc)
            if username:
                raise ImportRejected(preview) from None
            return preview, None
        for attempt in range(3):
            job = _Job(con, source, kind, username, report, cfg or config_mod.load(), Path(workdir),
                       getattr(source_input, "twin", None))
            try:
                preview, batch_id = job.run()
            except duckdb.TransactionException:
                if attempt == 2:
                    raise
                time.sleep(0.2 * (attempt + 1))
                continue
            break
    if username is None:
        return preview, None
    if batch_id is None:
        raise ImportRejected(preview)
    report(1.0, "导入完成")
    result = ImportResult(batch_id, preview.kind or "", preview.file_name, preview.rows, preview.replaced_rows,
                          time.perf_counter() - started, preview)
    return preview, result


def _file_preview(source_input, exc: _FileProblem) -> Preview:
    label = source_input.label if isinstance(source_input, (_FileInput, _FrameInput)) else "?"
    problem = Problem(label, exc.sheet, exc.row, exc.column, exc.message_zh, exc.message_en)
    return Preview(file_name=label, kind=None, encoding=None, sha256="", size_bytes=0, problems=[problem],
                   problem_count=1)


# --- inspecting files ---------------------------------------------------------------------


def _inspect(source_input, workdir: Path) -> _Source:
    if isinstance(source_input, _FrameInput):
        frame = source_input.frame
        if not isinstance(frame, pd.DataFrame):
            raise TypeError("import_frame needs a pandas DataFrame")
        digest = hashlib.sha256("\x1f".join(map(str, frame.columns)).encode("utf-8"))
        try:
            digest.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
        except TypeError:  # unhashable cells (lists, dicts): hash the CSV form instead
            digest.update(frame.to_csv(index=False).encode("utf-8"))
        digest = digest.hexdigest()
        return _Source(source_input.label, "frame", digest, int(frame.memory_usage(deep=False).sum()), frame=frame)
    path, label = source_input.path, source_input.label
    if not path.is_file():
        raise _FileProblem("找不到文件或不是普通文件", "file not found or not a regular file")
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise _FileProblem(f"文件过大（{size / 2**20:.0f} MB），上限为 {MAX_FILE_BYTES // 2**20} MB",
                           f"file too large ({size / 2**20:.0f} MB; limit {MAX_FILE_BYTES // 2**20} MB)")
    if size == 0:
        raise _FileProblem("文件是空的", "the file is empty")
    if label.lower().endswith(MACRO_SUFFIXES):
        raise _FileProblem("不接受含宏的 Excel 文件（.xlsm 等），请另存为 .xlsx 后导入",
                           "macro-enabled workbooks (.xlsm etc.) are refused; save as .xlsx")
    with path.open("rb") as handle:
        head = handle.read(8)
    if head.startswith(ZIP_MAGIC):
        _check_zip(path)
        return _Source(label, "xlsx", _sha256(path), size, path=path)
    if head.startswith(OLE2_MAGIC):
        return _Source(label, "xls", _sha256(path), size, path=path)
    return _inspect_text(path, label, size, workdir)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
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
            if len(entries) > MAX_ZIP_ENTRIES:
                raise _FileProblem(f"Excel 文件内部条目过多（{len(entries)} 个），拒绝读取",
                                   f"too many entries in the workbook archive ({len(entries)})")
            names = {e.filename.lower() for e in entries}
            if any(name.endswith("vbaproject.bin") for name in names):
                raise _FileProblem("文件包含宏（VBA），出于安全考虑拒绝导入；请另存为不含宏的 .xlsx",
                                   "the workbook contains macros (vbaProject.bin); refused")
            if "xl/workbook.xml" not in names and "xl/workbook.bin" not in names:
                raise _FileProblem("不是有效的 Excel（.xlsx）文件", "not an .xlsx workbook (no xl/workbook.xml)")
            if "xl/workbook.bin" in names:
                raise _FileProblem("不接受 .xlsb 二进制工作簿，请另存为 .xlsx", "binary .xlsb workbooks are refused")
            declared = sum(e.file_size for e in entries)
            if declared > MAX_XLSX_UNCOMPRESSED:
                raise _FileProblem(
                    f"Excel 文件解压后过大（{declared / 2**20:.0f} MB，上限 {MAX_XLSX_UNCOMPRESSED // 2**20} MB），拒绝读取",
                    f"workbook too large when uncompressed ({declared / 2**20:.0f} MB)")
            for entry in entries:
                if entry.file_size > RATIO_MIN_BYTES and entry.file_size > MAX_XLSX_RATIO * max(entry.compress_size, 1):
                    raise _FileProblem("Excel 文件压缩比异常（疑似“压缩炸弹”），拒绝读取",
                                       f"suspicious compression ratio in {entry.filename} (zip bomb?)")
            content_types = archive.read("[Content_Types].xml") if "[content_types].xml" in names else b""
            if b"macroEnabled" in content_types or b"vbaProject" in content_types:
                raise _FileProblem("文件包含宏（VBA），出于安全考虑拒绝导入；请另存为不含宏的 .xlsx",
                                   "the workbook is macro-enabled; refused")
            total = 0
            for entry in entries:
                with archive.open(entry) as member:
                    while chunk := member.read(1 << 20):
                        total += len(chunk)
                        if total > MAX_XLSX_UNCOMPRESSED:
                            raise _FileProblem("Excel 文件解压后过大，拒绝读取", "workbook too large when uncompressed")
    except _FileProblem:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, KeyError, NotImplementedError,
            RuntimeError, ValueError) as exc:
        raise _FileProblem("文件已损坏或不完整，无法作为 Excel 文件打开（请重新保存或重新下载）",
                           f"damaged or truncated workbook ({exc})") from None


def _inspect_text(path: Path, label: str, size: int, workdir: Path) -> _Source:
    """Hash, detect the encoding and look for blank lines in one pass over a text file."""
    digest = hashlib.sha256()
    utf8 = codecs.getincrementaldecoder("utf-8")()
    utf8_ok = True
    first = b""
    blank = pending = False
    tail = b""
    nul = False
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
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
    sha = digest.hexdigest()
    if first.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding, shown = "utf-16", "UTF-16"
        blank = True  # line structure is checked after decoding, by the Python reader
    elif nul:
        raise _FileProblem("不是文本（CSV）文件，也不是 Excel 文件", "neither a text (CSV) file nor an Excel workbook")
    elif utf8_ok:
        encoding, shown = ("utf-8-sig", "UTF-8（带 BOM）") if first.startswith(codecs.BOM_UTF8) else ("utf-8", "UTF-8")
    elif _decodes(path, "gbk"):
        encoding, shown = "gb18030", "GBK"
    elif _decodes(path, "gb18030"):
        encoding, shown = "gb18030", "GB18030"
    else:
        from charset_normalizer import from_path

        best = from_path(path, steps=8, chunk_size=4096).best()
        if best is None or not _decodes(path, best.encoding):
            raise _FileProblem("无法识别文件编码，请另存为 UTF-8 或 GBK 编码的 CSV",
                               "cannot detect the text encoding; save the CSV as UTF-8 or GBK")
        encoding, shown = best.encoding, best.encoding.upper()
    with path.open(encoding=encoding, newline="") as handle:
        sample = handle.read(65536)
    delimiter = _sniff_delimiter(sample)
    source = _Source(label, "csv", sha, size, path=path, encoding=encoding, encoding_label=shown, irregular=blank,
                     delimiter=delimiter)
    if encoding not in ("utf-8", "utf-8-sig") and not blank:
        # DuckDB reads UTF-8; anything else is transcoded once, streaming.
        target = workdir / "transcoded.csv"
        with path.open(encoding=encoding, newline="") as src, target.open("w", encoding="utf-8", newline="") as dst:
            shutil.copyfileobj(src, dst, 1 << 20)
        source.path = target
        source.encoding = "utf-8"
    return source


def _decodes(path: Path, encoding: str) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)()
    try:
        with path.open("rb") as handle:
            while chunk := handle.read(1 << 20):
                decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except (UnicodeDecodeError, LookupError):
        return False
    return True


def _sniff_delimiter(sample: str) -> str:
    line = next((text for text in sample.splitlines() if text.strip()), "")
    counts = {d: line.count(d) for d in (",", "\t", ";", "|")}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


# --- cells --------------------------------------------------------------------------------


def cell_text(value: object) -> str | None:
    """A spreadsheet or DataFrame cell as the text the validator reads (None when empty).

    Integral numbers lose their '.0'; dates become ISO dates (with the time when not midnight).
    """
    if value is None or value is pd.NaT or value is pd.NA:
        return None
    if isinstance(value, str):
        text = value.strip(BLANKS)
        return text or None
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
    text = str(value).strip(BLANKS)
    return text or None


def _norm_header(text: object) -> str:
    out = str(text or "")
    for a, b in (("（", "("), ("）", ")"), ("＊", "*")):
        out = out.replace(a, b)
    return re.sub(r"[\s*]", "", out).lower()


def _match_headers(headers: list[str], spec: tpl.Spec) -> tuple[dict[str, int], list[str], list[tuple[str, str]]]:
    """Map spec fields to column positions. Returns (mapping, unknown headers, duplicates)."""
    names: dict[str, str] = {}
    for column in spec.columns:
        for name in (column.header, *column.aliases, column.field):
            names.setdefault(_norm_header(name), column.field)
    mapping: dict[str, int] = {}
    unknown: list[str] = []
    duplicates: list[tuple[str, str]] = []
    for position, header in enumerate(headers):
        key = _norm_header(header)
        if not key:
            continue
        target = names.get(key)
        if target is None:
            unknown.append(str(header))
        elif target in mapping:
            duplicates.append((str(header), spec.column(target).header))
        else:
            mapping[target] = position
    return mapping, unknown, duplicates


def _score(headers: list[str], spec: tpl.Spec) -> tuple[int, int, int]:
    mapping, unknown, _ = _match_headers(headers, spec)
    required = all(c.field in mapping for c in spec.required)
    return (int(required), len(mapping), -len(unknown))


def _looks_like_wjx(headers: list[str]) -> bool:
    return sum(1 for h in headers if re.sub(r"\s+", "", str(h or "")) in WJX_HEADERS) >= 2


# --- the job ------------------------------------------------------------------------------


class _Job:
    """One validation (and, with a username, the write) inside one transaction."""

    def __init__(self, con, source: _Source, kind: str | None, username: str | None, report: Progress,
                 cfg: config_mod.Config, workdir: Path, twin: Path | None) -> None:
        self.con = con
        self.source = source
        self.kind = kind
        self.username = username
        self.report = report
        self.cfg = cfg
        self.workdir = workdir
        self.twin = twin
        self.prefix = f"imp_{uuid.uuid4().hex[:12]}_"
        self.temp: list[str] = []
        self.registered: list[str] = []
        self.warnings: list[str] = []
        self.grid: _Grid | None = None
        self.today = dt.date.today()

    # -- plumbing
    def name(self, what: str) -> str:
        table = self.prefix + what
        self.temp.append(table)
        return table

    def register(self, frame: pd.DataFrame) -> str:
        # DuckDB 2 refuses register() while a SELECT result is not completely fetched: every
        # query here is read with fetchall().
        view = f"{self.prefix}df_{len(self.registered)}"
        self.con.register(view, frame)
        self.registered.append(view)
        return view

    def cleanup_registered(self) -> None:
        for view in self.registered:
            try:
                self.con.unregister(view)
            except Exception:  # noqa: BLE001 - best effort: the view may be gone with its connection
                pass
        self.registered.clear()

    def drop_temp(self) -> None:
        kinds = dict(self.con.execute(
            "SELECT table_name, table_type FROM information_schema.tables WHERE table_name LIKE ?",
            [self.prefix + "%"]).fetchall())
        for table in reversed(self.temp):
            if table in kinds:
                self.con.execute(f"DROP {'VIEW' if kinds[table] == 'VIEW' else 'TABLE'} IF EXISTS {table}")
        self.temp.clear()

    def preview(self, **values: Any) -> Preview:
        base = dict(file_name=self.source.label, kind=self.kind, encoding=self.source.encoding_label,
                    sha256=self.source.sha256, size_bytes=self.source.size,
                    sheet=self.grid.sheet if self.grid else None, warnings=self.warnings)
        base.update(values)
        return Preview(**base)

    def file_problem(self, exc: _FileProblem, **values: Any) -> Preview:
        problem = Problem(self.source.label, exc.sheet, exc.row, exc.column, exc.message_zh, exc.message_en)
        return self.preview(problems=[problem], problem_count=1, **values)

    # -- the transaction
    def run(self) -> tuple[Preview, int | None]:
        """Stage, then validate (and write) in one transaction; validation always rolls back.

        Staging fills connection-local temporary tables only, before the transaction: rows
        inserted inside a transaction carry provisional rowids, and the DuckDB CSV path takes
        row numbers from rowid.
        """
        try:
            try:
                grids = self._read_headers()
                if self.kind == "wjx" or (self.kind is None and any(_looks_like_wjx(g.headers) for g in grids)):
                    self.kind = "wjx"
                else:
                    self.grid = self._choose(grids)
                    self.report(0.08, "正在读取数据")
                    self._stage()
            except _FileProblem as exc:
                return self.file_problem(exc), None
            self.con.execute("BEGIN TRANSACTION")
            try:
                preview, batch_id = self._wjx() if self.kind == "wjx" else self._check_and_write()
            except BaseException:
                self.con.execute("ROLLBACK")
                raise
            # A failed COMMIT (write-write conflict) rolls back by itself and raises.
            self.con.execute("ROLLBACK" if batch_id is None else "COMMIT")
            return preview, batch_id
        finally:
            self.cleanup_registered()
            self.drop_temp()

    def _check_and_write(self) -> tuple[Preview, int | None]:
        self.report(0.4, "正在校验")
        self._validate()
        preview = self._summarise()
        duplicate = self._duplicate_file()
        if duplicate is not None:
            batch, when = duplicate
            problem = Problem(
                self.source.label, None, None, None,
                f"该文件已于 {when:%Y-%m-%d %H:%M} 导入（批次 #{batch}），不能重复导入；如需更正，请修改后导入新文件，或先撤销该批次",
                f"this file was already imported on {when:%Y-%m-%d %H:%M} (batch #{batch}); refused",
            )
            preview.problems.insert(0, problem)
            preview.problems = preview.problems[:MAX_PROBLEMS]
            preview.problem_count += 1
            preview.duplicate_of = batch
        if self.username is None or not preview.ok:
            return preview, None
        self.report(0.85, "正在写入")
        batch_id = self._write(preview)
        return preview, batch_id

    def _duplicate_file(self) -> tuple[int, dt.datetime] | None:
        row = self.con.execute(
            "SELECT f.batch_id, b.imported_at FROM import_file f JOIN import_batch b USING (batch_id) WHERE f.sha256 = ?",
            [self.source.sha256],
        ).fetchall()
        return (int(row[0][0]), row[0][1]) if row else None

    # -- reading
    def _read_headers(self) -> list[_Grid]:
        """Every candidate sheet's first rows, to find the header row and the kind."""
        fmt = self.source.format
        if fmt == "frame":
            headers = [str(c) for c in self.source.frame.columns]
            return [_Grid(None, 1, headers)]
        if fmt == "csv":
            rows = self._csv_head()
            return [_Grid(None, i + 1, [cell_text(v) or "" for v in row]) for i, row in enumerate(rows) if any(row)]
        grids = []
        for name, rows in self._workbook_heads():
            for i, row in enumerate(rows):
                if any(cell_text(v) for v in row):
                    grids.append(_Grid(name, i + 1, [cell_text(v) or "" for v in row]))
        if not grids:
            raise _FileProblem("工作簿中没有任何数据", "the workbook has no data")
        return grids

    def _csv_head(self) -> list[list[str]]:
        with self.source.path.open(encoding=self.source.encoding, newline="") as handle:
            reader = csv.reader(handle, delimiter=self.source.delimiter)
            rows = []
            try:
                for row in reader:
                    rows.append(row)
                    if len(rows) >= HEADER_SEARCH_ROWS:
                        break
            except csv.Error as exc:
                raise _FileProblem(f"CSV 格式错误（{exc}）", f"malformed CSV ({exc})", row=len(rows) + 1) from None
        return rows

    def _workbook(self):
        from python_calamine import CalamineWorkbook

        try:
            return CalamineWorkbook.from_path(str(self.source.path))
        except Exception as exc:  # noqa: BLE001 - the parser raises many types for damaged files
            raise _FileProblem("文件已损坏或不完整，无法作为 Excel 文件打开（请重新保存或重新下载）",
                               f"cannot open the workbook ({type(exc).__name__}: {exc})") from None

    def _visible_sheets(self, book) -> list[str]:
        from python_calamine import SheetTypeEnum, SheetVisibleEnum

        names = []
        for meta in book.sheets_metadata:
            if meta.visible != SheetVisibleEnum.Visible or meta.typ != SheetTypeEnum.WorkSheet:
                continue
            if meta.name in (tpl.INSTRUCTIONS_SHEET, tpl.LISTS_SHEET):
                continue
            names.append(meta.name)
        return names

    def _workbook_heads(self) -> list[tuple[str, list[list[object]]]]:
        book = self._workbook()
        try:
            out = []
            for name in self._visible_sheets(book):
                sheet = book.get_sheet_by_name(name)
                out.append((name, sheet.to_python(skip_empty_area=False, nrows=HEADER_SEARCH_ROWS)))
            return out
        except _FileProblem:
            raise
        except Exception as exc:  # noqa: BLE001
            raise _FileProblem("文件已损坏或不完整，无法读取工作表", f"cannot read the sheets ({exc})") from None
        finally:
            book.close()

    def _choose(self, grids: list[_Grid]) -> _Grid:
        """The header row, sheet and spec that fit best; header problems raise _FileProblem."""
        all_specs = tpl.specs(self.cfg)
        candidates = [all_specs[self.kind]] if self.kind else list(all_specs.values())
        best: tuple[tuple[int, int, int], _Grid, tpl.Spec] | None = None
        for grid in grids:
            for spec in candidates:
                score = _score(grid.headers, spec)
                if best is None or score > best[0]:
                    best = (score, grid, spec)
        if best is None or best[0][1] == 0:
            raise _FileProblem(
                "无法识别数据类型：表头与任何导入模板都不匹配（请使用“模板下载”中的模板，表头放在第 1 行）",
                "cannot detect the kind of data: the headers match no template", row=1,
                sheet=grids[0].sheet if grids else None)
        score, grid, spec = best
        grid.spec = spec
        self.kind = spec.kind
        grid.mapping, grid.unknown, duplicates = _match_headers(grid.headers, spec)
        missing = [c.header for c in spec.required if c.field not in grid.mapping]
        if duplicates:
            header, target = duplicates[0]
            raise _FileProblem(f"列“{header}”与另一列都对应“{target}”，请只保留一列",
                               f"column '{header}' duplicates another column for '{target}'",
                               row=grid.header_row, sheet=grid.sheet, column=header)
        if missing:
            self.grid = grid
            raise _FileProblem(
                f"缺少必填列：{'、'.join(missing)}（{spec.label}模板第 {grid.header_row} 行应有这些表头）",
                f"missing required column(s): {', '.join(missing)}",
                row=grid.header_row, sheet=grid.sheet, column="、".join(missing))
        if grid.unknown:
            self.warnings.append(f"已忽略无法识别的列：{'、'.join(grid.unknown[:20])}")
        return grid

    # -- staging
    def _stage(self) -> None:
        """Load the data rows into the raw table (c0..cN, all text, mapped cells trimmed, empty
        as NULL) and define the staged view over it: _row (the Excel row), f_<field>."""
        grid = self.grid
        self.raw = self.name("raw")
        width = len(grid.headers)
        self.columns = [f"c{i}" for i in range(width)]
        staged = False
        if self.source.format == "csv" and not self.source.irregular:
            try:
                self._stage_duckdb_csv(width)
                staged = True
            except duckdb.Error:
                # A ragged or malformed row: read it again in Python, which can say where.
                self.con.execute(f"DROP TABLE IF EXISTS {self.raw}")
        elif self.source.format == "frame":
            try:
                self._stage_duckdb_frame()
                staged = True
            except duckdb.Error:
                # Columns DuckDB cannot scan (mixed Python objects): convert cell by cell.
                self.con.execute(f"DROP TABLE IF EXISTS {self.raw}")
                self.cleanup_registered()
        if not staged:
            self._create_raw(width)
            if self.source.format == "csv":
                self._stage_rows(self._csv_rows(), width)
            elif self.source.format == "frame":
                self._stage_rows(self._frame_rows(), width)
            else:
                self._stage_rows(self._sheet_rows(), width)
        self.sample = self._sample()
        self.stg = self.name("stg")
        fields = []
        for column in grid.spec.columns:
            position = grid.mapping.get(column.field)
            fields.append((column.field, "NULL" if position is None else f"c{position}"))
        # A view over the raw table, whose mapped cells are already cleaned (see _clean, cell_text).
        self.con.execute(
            f"CREATE TEMP VIEW {self.stg} AS SELECT CAST({self.row_expr} AS INTEGER) AS _row, "
            + ", ".join(f"CAST({expr} AS VARCHAR) AS f_{name}" for name, expr in fields)
            + f" FROM {self.raw}"
        )

    def _stage_duckdb_csv(self, width: int) -> None:
        columns = "{" + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(width)) + "}"
        header_row = self.grid.header_row
        mapped = set(self.grid.mapping.values())
        select = ", ".join(_clean(f"c{i}") + f" AS c{i}" if i in mapped else f"c{i}" for i in range(width))
        self.con.execute(
            f"""
            CREATE TEMP TABLE {self.raw} AS
            SELECT {select} FROM read_csv(?, header = false, skip = ?, delim = ?, quote = '"', escape = '"',
                                   columns = {columns}, auto_detect = false, all_varchar = true)
            """,
            [str(self.source.path), header_row, self.source.delimiter],
        )
        # rowid follows the file order (insertion order is preserved), so the Excel row is
        # rowid + header row + 1.
        self.row_expr = f"(rowid + {header_row + 1})"

    def _create_raw(self, width: int) -> None:
        cols = ", ".join(f"c{i} VARCHAR" for i in range(width))
        self.con.execute(f"CREATE TEMP TABLE {self.raw} (_row INTEGER, {cols})")
        self.row_expr = "_row"

    def _stage_rows(self, rows: Iterator[tuple[int, list[str | None]]], width: int) -> None:
        buffer_rows: list[int] = []
        buffer: list[list[str | None]] = [[] for _ in range(width)]
        overflow: list[Problem] = []
        header_row = self.grid.header_row

        def flush() -> None:
            if not buffer_rows:
                return
            frame = pd.DataFrame({"_row": pd.array(buffer_rows, dtype="int64"),
                                  **{f"c{i}": pd.array(buffer[i], dtype="object") for i in range(width)}})
            view = self.register(frame)
            self.con.execute(f"INSERT INTO {self.raw} SELECT _row, {', '.join(self.columns)} FROM {view}")
            self.con.unregister(view)
            self.registered.remove(view)
            buffer_rows.clear()
            for column in buffer:
                column.clear()

        extra_columns_warned = False
        for number, cells in rows:
            if number <= header_row:
                continue
            if len(cells) > width:
                extra = [c for c in cells[width:] if c is not None]
                if extra:
                    if self.source.format == "csv":
                        overflow.append(Problem(
                            self.source.label, self.grid.sheet, number, None,
                            f"本行有 {width + len(cells[width:])} 个字段，多于表头的 {width} 列（可能是内容中含未加引号的分隔符）",
                            f"row has {len(cells)} fields but the header has {width} (unquoted delimiter?)"))
                    elif not extra_columns_warned:
                        self.warnings.append(f"第 {number} 行起有数据位于没有表头的列，已忽略")
                        extra_columns_warned = True
                cells = cells[:width]
            if not any(c is not None for c in cells):
                continue
            buffer_rows.append(number)
            for i in range(width):
                buffer[i].append(cells[i] if i < len(cells) else None)
            if len(buffer_rows) >= CHUNK_ROWS:
                flush()
        flush()
        self.overflow = overflow

    def _csv_rows(self) -> Iterator[tuple[int, list[str | None]]]:
        with self.source.path.open(encoding=self.source.encoding, newline="") as handle:
            reader = csv.reader(handle, delimiter=self.source.delimiter)
            number = 0
            try:
                for number, row in enumerate(reader, start=1):
                    yield number, [cell_text(v) for v in row]
            except csv.Error as exc:
                raise _FileProblem(f"CSV 格式错误（{exc}），请检查引号是否成对",
                                   f"malformed CSV ({exc}); check the quotes", row=number + 1) from None

    def _stage_duckdb_frame(self) -> None:
        """A DataFrame scanned by DuckDB, each column cast to text as cell_text would write it."""
        frame = self.source.frame
        positions = {f"c{i}": column for i, column in enumerate(frame.columns)}
        view = self.register(pd.DataFrame(
            {"_row": pd.RangeIndex(2, len(frame) + 2), **{name: frame[column].to_numpy()
                                                          for name, column in positions.items()}}))
        mapped = set(self.grid.mapping.values())
        select = []
        for i, (name, column) in enumerate(positions.items()):
            dtype = frame[column].dtype
            if pd.api.types.is_bool_dtype(dtype):
                expr = f"CASE WHEN {name} THEN 'true' WHEN NOT {name} THEN 'false' END"
            elif pd.api.types.is_float_dtype(dtype):
                expr = (f"CASE WHEN isnan({name}) THEN NULL WHEN {name} = round({name}) AND abs({name}) < 1e15 "
                        f"THEN CAST(CAST({name} AS BIGINT) AS VARCHAR) ELSE CAST({name} AS VARCHAR) END")
            else:
                expr = f"CAST({name} AS VARCHAR)"
            select.append((_clean(expr) if i in mapped else expr) + f" AS {name}")
        self.con.execute(f"CREATE TEMP TABLE {self.raw} AS SELECT _row, {', '.join(select)} FROM {view}")
        self.row_expr = "_row"

    def _frame_rows(self) -> Iterator[tuple[int, list[str | None]]]:
        frame = self.source.frame
        columns = [frame[c].tolist() for c in frame.columns]
        for index in range(len(frame)):
            yield index + 2, [cell_text(column[index]) for column in columns]

    def _sheet_rows(self) -> Iterator[tuple[int, list[str | None]]]:
        book = self._workbook()
        try:
            sheet = book.get_sheet_by_name(self.grid.sheet)
            try:
                data = sheet.to_python(skip_empty_area=False)
            except Exception as exc:  # noqa: BLE001
                raise _FileProblem("工作表已损坏，无法读取", f"cannot read the sheet ({exc})",
                                   sheet=self.grid.sheet) from None
            for index, row in enumerate(data, start=1):
                yield index, [cell_text(v) for v in row]
        finally:
            book.close()

    # -- validation
    def _validate(self) -> None:
        spec = self.grid.spec
        self.problems = self.name("problems")
        self.con.execute(
            f"CREATE TEMP TABLE {self.problems} (row INTEGER, pos INTEGER, col VARCHAR, zh VARCHAR, en VARCHAR)")
        example_row = self._example_row()
        self._build_typed(example_row)
        self.report(0.55, "正在校验")
        for problem in getattr(self, "overflow", []):
            self._add_problem(problem.row, None, None, problem.message_zh, problem.message_en)
        self._column_checks()
        self.report(0.7, "正在校验")
        getattr(self, f"_checks_{spec.kind}")()
        self._duplicate_checks()
        self.report(0.8, "正在校验")

    def _example_row(self) -> int | None:
        """The template's example row, if left unchanged: it is skipped with a warning."""
        spec, grid = self.grid.spec, self.grid
        first = grid.header_row + 1
        mapped = [c for c in spec.columns if c.field in grid.mapping]
        rows = self.con.execute(
            f"SELECT {', '.join('f_' + c.field for c in mapped)} FROM {self.stg} WHERE _row = ?", [first]
        ).fetchall()
        if not rows:
            return None
        row = rows[0]
        expected = [cell_text(c.example) for c in mapped]
        if list(row) == expected:
            self.warnings.append(f"第 {first} 行与模板示例行相同，已忽略")
            return first
        return None

    def _lookup(self, column: tpl.Column) -> tuple[str, list[str]]:
        """A temp table (key, value, extras...) resolving the column's text, and the extras' names."""
        table = self.name(f"lk_{column.field}")
        if column.type == "choice":
            keys = []
            for label, value in column.choices:
                keys += [(label.lower(), value), (value.lower(), value)]
            if column.field == "rater":
                keys += [(k.lower(), v) for k, v in tpl.RATER_ALIASES.items()]
            if column.field == "active":
                keys += [("1", "true"), ("0", "false"), ("y", "true"), ("n", "false")]
            frame = pd.DataFrame(keys, columns=["key", "value"]).drop_duplicates("key")
            view = self.register(frame)
            self.con.execute(f"CREATE TEMP TABLE {table} AS SELECT CAST(key AS VARCHAR) AS key, "
                             f"CAST(value AS VARCHAR) AS value FROM {view}")
            return table, []
        sources = {
            "branch": ("SELECT unit_id AS key, unit_id AS value, 1 AS pri FROM org_unit WHERE level = 'branch' "
                       "UNION ALL SELECT name, unit_id, 2 FROM org_unit WHERE level = 'branch'", []),
            "member": ("SELECT member_id AS key, member_id AS value, 1 AS pri, name AS x_name, branch_id AS x_branch "
                       "FROM member", ["name", "branch"]),
            "vanguard_dimension": ("SELECT dimension_id AS key, dimension_id AS value, 1 AS pri FROM vanguard_dimension "
                                   "UNION ALL SELECT name, dimension_id, 2 FROM vanguard_dimension", []),
            "indicator": ("SELECT indicator_id AS key, indicator_id AS value, 1 AS pri, "
                          "CAST(max_points AS DOUBLE) AS x_max FROM assessment_indicator UNION ALL "
                          "SELECT name, indicator_id, 2, CAST(max_points AS DOUBLE) FROM assessment_indicator", ["max"]),
            "four_have_dimension": ("SELECT dimension_id AS key, dimension_id AS value, 1 AS pri, "
                                    "CAST(max_points AS DOUBLE) AS x_max FROM four_have_dimension UNION ALL "
                                    "SELECT name, dimension_id, 2, CAST(max_points AS DOUBLE) FROM four_have_dimension",
                                    ["max"]),
            "activity": ("SELECT activity_id AS key, activity_id AS value, 1 AS pri FROM activity", []),
        }
        if column.ref == "unit":
            # Units of the database and of this file (a branch may name a general branch above it).
            levels = self.name("lk_levels")
            level = tpl.specs(self.cfg)["org_units"].column("level")
            pairs = [(label.lower(), value) for label, value in level.choices] + [(v, v) for _, v in level.choices]
            view = self.register(pd.DataFrame(pairs, columns=["key", "value"]))
            self.con.execute(f"CREATE TEMP TABLE {levels} AS SELECT CAST(key AS VARCHAR) AS key, "
                             f"CAST(value AS VARCHAR) AS value FROM {view}")
            sources["unit"] = (
                f"""SELECT unit_id AS key, unit_id AS value, 1 AS pri, level AS x_level FROM org_unit
                UNION ALL SELECT name, unit_id, 2, level FROM org_unit
                UNION ALL SELECT s.f_unit_id, s.f_unit_id, 3, l.value FROM {self.stg} s
                    LEFT JOIN {levels} l ON l.key = lower(s.f_level) WHERE s.f_unit_id IS NOT NULL
                UNION ALL SELECT s.f_name, s.f_unit_id, 4, l.value FROM {self.stg} s
                    LEFT JOIN {levels} l ON l.key = lower(s.f_level)
                    WHERE s.f_name IS NOT NULL AND s.f_unit_id IS NOT NULL""",
                ["level"],
            )
        sql, extras = sources[column.ref]
        self.con.execute(
            f"CREATE TEMP TABLE {table} AS SELECT * EXCLUDE (pri) FROM ({sql}) "
            "QUALIFY row_number() OVER (PARTITION BY key ORDER BY pri) = 1"
        )
        return table, extras

    def _build_typed(self, example_row: int | None) -> None:
        spec = self.grid.spec
        self.typed = self.name("typed")
        select = ["s._row"]
        joins = []
        for column in spec.columns:
            f = f"s.f_{column.field}"
            select.append(f"{f} AS r_{column.field}")
            if column.type in ("choice", "ref"):
                table, extras = self._lookup(column)
                alias = f"j_{column.field}"
                key = f"lower({f})" if column.type == "choice" else f
                joins.append(f"LEFT JOIN {table} {alias} ON {alias}.key = {key}")
                select.append(f"{alias}.value AS v_{column.field}")
                select += [f"{alias}.x_{extra} AS x_{column.field}_{extra}" for extra in extras]
            else:
                select.append(f"{_typed_expr(column.type, f)} AS v_{column.field}")
        present = [f"s.f_{c.field} IS NOT NULL" for c in spec.columns if c.field in self.grid.mapping]
        where = f"({' OR '.join(present)})"
        if example_row is not None:
            where += f" AND s._row <> {int(example_row)}"
        self.con.execute(
            f"CREATE TEMP TABLE {self.typed} AS SELECT {', '.join(select)} FROM {self.stg} s {' '.join(joins)} "
            f"WHERE {where}"
        )

    def _add_problem(self, row: int | None, column: tpl.Column | None, header: str | None, zh: str, en: str) -> None:
        pos = self._position(column)
        self.con.execute(f"INSERT INTO {self.problems} VALUES (?, ?, ?, ?, ?)",
                         [row, pos, header or (column.header if column else None), zh, en])

    def _position(self, column: tpl.Column | None) -> int:
        if column is None:
            return -1
        return [c.field for c in self.grid.spec.columns].index(column.field)

    def _check(self, where: str, column: tpl.Column | None, zh: str, en: str, *, params: list | None = None,
               source: str | None = None, header: str | None = None) -> None:
        """Record a problem for every typed row matching ``where``.

        ``zh``/``en`` are message templates whose {name} placeholders are SQL expressions over
        the typed row (``{raw}`` is the column's raw text); the literal parts are bound.
        """
        exprs_zh, params_zh = _concat(zh, column)
        exprs_en, params_en = _concat(en, column)
        header = header or (column.header if column else None)
        self.con.execute(
            f"INSERT INTO {self.problems} SELECT _row, ?, ?, {exprs_zh}, {exprs_en} "
            f"FROM {source or self.typed} WHERE {where}",
            [self._position(column), header, *params_zh, *params_en, *(params or [])],
        )

    def _column_checks(self) -> None:
        spec = self.grid.spec
        current_quarter = periods.quarter_of(self.today)
        for column in spec.columns:
            r, v = f"r_{column.field}", f"v_{column.field}"
            if column.field not in self.grid.mapping:
                continue
            if column.required:
                self._check(f"{r} IS NULL", column, f"“{column.header}”为必填项，不能为空",
                            f"required value '{column.header}' is empty")
            bad_zh, bad_en = _type_messages(column, self.cfg)
            self._check(f"{r} IS NOT NULL AND {v} IS NULL", column, bad_zh, bad_en)
            if column.max_length and column.type == "text":
                self._check(f"length({r}) > {int(column.max_length)}", column,
                            f"内容过长（最多 {column.max_length} 个字）", f"too long (at most {column.max_length} characters)")
            if column.type in ("int", "decimal", "year"):
                low = column.minimum if column.minimum is not None else (2000 if column.type == "year" else None)
                high = column.maximum if column.maximum is not None else (2100 if column.type == "year" else None)
                if low is not None and high is not None:
                    self._check(f"{v} < ? OR {v} > ?", column,
                                f"“{{raw}}”超出范围（{_num(low)} 至 {_num(high)}）",
                                f"'{{raw}}' out of range ({_num(low)} to {_num(high)})", params=[low, high])
                elif low is not None:
                    self._check(f"{v} < ?", column, f"“{{raw}}”不能小于 {_num(low)}",
                                f"'{{raw}}' must not be below {_num(low)}", params=[low])
                if column.max_ref:
                    maximum = f"x_{column.max_ref}_max"
                    ref_header = spec.column(column.max_ref).header
                    self._check(f"{v} > {maximum}", column,
                                f"“{{raw}}”超过该{ref_header}的满分 {{printf('%g', {maximum})}}",
                                f"'{{raw}}' exceeds the max points {{printf('%g', {maximum})}} of this {column.max_ref}")
                if column.decimals is not None:
                    self._check(f"{v} <> round({v}, {int(column.decimals)})", column,
                                f"“{{raw}}”最多保留 {column.decimals} 位小数",
                                f"'{{raw}}' has more than {column.decimals} decimals")
            if column.type == "date":
                self._check(f"{v} < ?", column, "日期“{raw}”早于 1921-07-01", "date '{raw}' is before 1921-07-01",
                            params=[EARLIEST_DATE])
            if column.not_future:
                if column.type == "quarter":
                    self._check(f"{v} > ?", column, f"季度 {{{v}}} 晚于当前季度 {current_quarter}",
                                f"quarter {{{v}}} is after the current quarter {current_quarter}",
                                params=[current_quarter])
                elif column.type == "date":
                    self._check(f"{v} > ?", column, "日期 {raw} 晚于今天", "date {raw} is in the future",
                                params=[self.today])
                elif column.type == "year":
                    self._check(f"{v} > ?", column, "年度 {raw} 晚于今年", "year {raw} is in the future",
                                params=[self.today.year])

    def _duplicate_checks(self) -> None:
        """Rows repeating the natural key of an earlier row of the file."""
        spec = self.grid.spec
        keys = [f"v_{k}" for k in spec.key]
        names = "、".join(spec.column(k).header for k in spec.key)
        first = self.name("dups")
        self.con.execute(
            f"CREATE TEMP TABLE {first} AS SELECT {', '.join(keys)}, min(_row) AS first_row FROM {self.typed} "
            f"WHERE {' AND '.join(k + ' IS NOT NULL' for k in keys)} GROUP BY ALL HAVING count(*) > 1"
        )
        self._check(
            "t._row > d.first_row", None,
            f"与第 {{d.first_row}} 行重复（{names}相同）",
            f"duplicates row {{d.first_row}} (same {', '.join(spec.key)})",
            source=f"{self.typed} t JOIN {first} d USING ({', '.join(keys)})", header=names,
        )

    def _db_duplicates(self, table: str, pairs: list[tuple[str, str]], header_field: str, what_zh: str,
                       what_en: str) -> None:
        """Rows whose key already exists in ``table`` (insert-only kinds)."""
        on = " AND ".join(f"d.{col} = t.v_{fld}" for fld, col in pairs)
        column = self.grid.spec.column(header_field)
        self._check(
            "TRUE", column,
            f"数据库中已有{what_zh}“{{raw}}”（批次 #{{coalesce(CAST(d.batch_id AS VARCHAR), '—')}}），不能重复导入",
            f"{what_en} '{{raw}}' already exists in the database (batch #{{coalesce(CAST(d.batch_id AS VARCHAR), '-')}})",
            source=f"{self.typed} t JOIN {table} d ON {on}",
        )

    # -- kind-specific checks
    def _checks_org_units(self) -> None:
        spec = self.grid.spec
        level, parent = spec.column("level"), spec.column("parent_id")
        self._check("v_level = 'committee' AND r_parent_id IS NOT NULL", parent, "党委不应填写上级单位",
                    "the committee has no parent unit")
        self._check("v_level <> 'committee' AND r_parent_id IS NULL", parent, "党总支、党支部必须填写上级单位",
                    "general branches and branches need a parent unit")
        self._check("v_level = 'general_branch' AND x_parent_id_level IS NOT NULL AND x_parent_id_level <> 'committee'",
                    parent, "党总支的上级单位必须是党委", "a general branch's parent must be the committee")
        self._check("v_level = 'branch' AND x_parent_id_level = 'branch'", parent,
                    "党支部的上级单位必须是党总支或党委，不能是党支部", "a branch's parent must be a general branch or the committee")
        self._check("v_parent_id = v_unit_id", parent, "上级单位不能是本单位", "a unit cannot be its own parent")
        self._check(
            "v_level = 'committee' AND (SELECT count(*) FROM org_unit WHERE level = 'committee') > 0", level,
            "系统中已有医院党委，不能再导入党委", "the database already has the committee")
        self._check(
            f"v_level = 'committee' AND _row > (SELECT min(_row) FROM {self.typed} WHERE v_level = 'committee')",
            level, "文件中只能有一个党委", "only one committee is allowed")
        self._db_duplicates("org_unit", [("unit_id", "unit_id")], "unit_id", "单位编号", "unit id")
        self._db_duplicates("org_unit", [("name", "name")], "name", "单位名称", "unit name")
        names = self.name("dup_names")
        self.con.execute(f"CREATE TEMP TABLE {names} AS SELECT v_name, min(_row) AS first_row FROM {self.typed} "
                         "WHERE v_name IS NOT NULL GROUP BY ALL HAVING count(*) > 1")
        self._check("t._row > d.first_row", spec.column("name"), "单位名称与第 {d.first_row} 行重复",
                    "unit name duplicates row {d.first_row}", source=f"{self.typed} t JOIN {names} d USING (v_name)")

    def _checks_members(self) -> None:
        self._db_duplicates("member", [("member_id", "member_id")], "member_id", "党员编号", "member id")

    def _checks_vanguard_scores(self) -> None:
        self._name_check()

    def _name_check(self) -> None:
        if "member_name" not in self.grid.mapping:
            return
        column = self.grid.spec.column("member_name")
        self._check("r_member_name IS NOT NULL AND v_member_id IS NOT NULL AND r_member_name <> x_member_id_name",
                    column, "姓名“{raw}”与党员编号 {v_member_id} 的姓名“{x_member_id_name}”不一致",
                    "name '{raw}' differs from the name stored for member {v_member_id}")

    def _checks_branch_scores(self) -> None:
        expected = len(self.cfg.assessment.indicators)
        rows = self.con.execute(
            f"""
            SELECT v_quarter, count(*) AS branches, min(n) AS fewest
            FROM (SELECT v_quarter, v_branch_id, count(DISTINCT v_indicator_id) AS n FROM {self.typed}
                  WHERE v_quarter IS NOT NULL AND v_branch_id IS NOT NULL GROUP BY ALL)
            WHERE n < ? GROUP BY ALL ORDER BY 1
            """,
            [expected],
        ).fetchall()
        for quarter, branches, fewest in rows:
            self.warnings.append(f"{quarter} 有 {branches} 个支部未填满 {expected} 项指标（最少的只有 {fewest} 项）")

    def _checks_four_have(self) -> None:
        pass

    def _checks_activities(self) -> None:
        self._db_duplicates("activity", [("activity_id", "activity_id")], "activity_id", "活动编号", "activity id")
        keys = ["v_branch_id", "v_activity_type", "v_held_on", "v_title"]
        column = self.grid.spec.column("title")
        dups = self.name("dup_activity")
        self.con.execute(f"CREATE TEMP TABLE {dups} AS SELECT {', '.join(keys)}, min(_row) AS first_row "
                         f"FROM {self.typed} WHERE {' AND '.join(k + ' IS NOT NULL' for k in keys)} "
                         "GROUP BY ALL HAVING count(*) > 1")
        self._check("t._row > d.first_row", column, "与第 {d.first_row} 行是同一活动（支部、类型、日期、主题均相同）",
                    "same branch, type, date and title as row {d.first_row}",
                    source=f"{self.typed} t JOIN {dups} d USING ({', '.join(keys)})")
        self._check(
            "TRUE", column,
            "数据库中已有同一支部、类型、日期、主题的活动（编号 {d.activity_id}）",
            "an activity with the same branch, type, date and title exists (id {d.activity_id})",
            source=f"{self.typed} t JOIN activity d ON d.branch_id = t.v_branch_id AND d.activity_type = t.v_activity_type "
                   "AND d.held_on = t.v_held_on AND d.title = t.v_title",
        )

    def _checks_attendance(self) -> None:
        self._name_check()

    def _checks_tasks(self) -> None:
        spec = self.grid.spec
        completed, due = spec.column("completed_on"), spec.column("due_on")
        if "completed_on" in self.grid.mapping:
            self._check("v_status = '已完成' AND r_completed_on IS NULL", completed, "状态为“已完成”时必须填写实际完成日期",
                        "a completed task needs its completion date")
            self._check("v_status <> '已完成' AND r_completed_on IS NOT NULL", completed,
                        "状态不是“已完成”时不应填写实际完成日期", "only completed tasks have a completion date")
            self._check("v_completed_on < v_started_on", completed, "实际完成日期早于开始日期",
                        "completed before it started")
        else:
            self._check("v_status = '已完成'", spec.column("status"), "状态为“已完成”时必须填写实际完成日期（缺少该列）",
                        "a completed task needs its completion date (column missing)")
        self._check("v_due_on < v_started_on", due, "计划完成日期早于开始日期", "due before it started")
        title = spec.column("title")
        dups = self.name("dup_titles")
        self.con.execute(f"CREATE TEMP TABLE {dups} AS SELECT v_title, min(_row) AS first_row FROM {self.typed} "
                         "WHERE v_title IS NOT NULL GROUP BY ALL HAVING count(*) > 1")
        self._check("t._row > d.first_row", title, "任务名称与第 {d.first_row} 行重复",
                    "task title duplicates row {d.first_row}", source=f"{self.typed} t JOIN {dups} d USING (v_title)")
        self._check(
            f"d.task_id NOT IN (SELECT v_task_id FROM {self.typed} WHERE v_task_id IS NOT NULL)", title,
            "任务名称已被任务 {d.task_id} 使用", "title already used by task {d.task_id}",
            source=f"{self.typed} t JOIN service_task d ON d.title = t.v_title AND d.task_id <> t.v_task_id",
        )

    # -- summary
    def _summarise(self) -> Preview:
        count = self.con.execute(f"SELECT count(*) FROM {self.problems}").fetchall()[0][0]
        listed = self.con.execute(
            f"SELECT row, col, zh, en FROM {self.problems} ORDER BY row NULLS FIRST, pos LIMIT ?", [MAX_PROBLEMS]
        ).fetchall()
        problems = [Problem(self.source.label, self.grid.sheet, row, col, zh, en) for row, col, zh, en in listed]
        data_rows = self.con.execute(f"SELECT count(*) FROM {self.typed}").fetchall()[0][0]
        if data_rows == 0 and count == 0:
            problems = [Problem(self.source.label, self.grid.sheet, None, None, "文件中没有数据行（表头之下为空）",
                                "the file has no data rows")]
            count = 1
        replacements = self._replacements() if count == 0 else []
        return self.preview(rows=data_rows, counts={self.grid.spec.table: data_rows}, replacements=replacements,
                            problems=problems, problem_count=count, sample=self.sample)

    def _sample(self) -> pd.DataFrame:
        headers = self.grid.headers
        columns = ", ".join(f"c{i}" for i in range(len(headers)))
        frame = self.con.execute(
            f"SELECT {self.row_expr} AS _row, {columns} FROM {self.raw} ORDER BY 1 LIMIT ?", [SAMPLE_ROWS]
        ).df()
        names = ["行"]
        for i, header in enumerate(headers):
            name = header or f"（第 {i + 1} 列）"
            while name in names:
                name += "'"
            names.append(name)
        frame.columns = names
        return frame

    # -- replacement
    def _replacements(self) -> list[Replacement]:
        """Stored rows this import replaces: kept in self.victims (the target's key columns)."""
        kind = self.grid.spec.kind
        self.victims: str | None = None
        self.victim_keys: list[str] = []
        t = self.typed
        if kind == "vanguard_scores":
            sql = f"""SELECT vs.member_id, vs.quarter, vs.dimension_id, vs.rater, m.branch_id
                FROM vanguard_score vs JOIN member m USING (member_id)
                JOIN (SELECT DISTINCT v_quarter AS quarter, x_member_id_branch AS branch_id FROM {t}) p
                  ON p.quarter = vs.quarter AND p.branch_id = m.branch_id"""
            keys = ["member_id", "quarter", "dimension_id", "rater"]
            summary = "SELECT quarter, count(DISTINCT branch_id), count(DISTINCT member_id), count(*) FROM {v} GROUP BY ALL ORDER BY 1"
        elif kind == "branch_scores":
            sql = f"SELECT branch_id, quarter, indicator_id FROM branch_score WHERE quarter IN (SELECT v_quarter FROM {t})"
            keys = ["branch_id", "quarter", "indicator_id"]
            summary = "SELECT quarter, count(DISTINCT branch_id), count(DISTINCT indicator_id), count(*) FROM {v} GROUP BY ALL ORDER BY 1"
        elif kind == "four_have":
            sql = f"SELECT branch_id, year, dimension_id FROM four_have_score WHERE year IN (SELECT v_year FROM {t})"
            keys = ["branch_id", "year", "dimension_id"]
            summary = "SELECT year, count(DISTINCT branch_id), count(DISTINCT dimension_id), count(*) FROM {v} GROUP BY ALL ORDER BY 1"
        elif kind == "attendance":
            sql = f"SELECT activity_id, member_id FROM attendance WHERE activity_id IN (SELECT v_activity_id FROM {t})"
            keys = ["activity_id", "member_id"]
            summary = "SELECT count(DISTINCT activity_id), count(*) FROM {v}"
        elif kind == "tasks":
            sql = f"SELECT task_id FROM service_task WHERE task_id IN (SELECT v_task_id FROM {t})"
            keys = ["task_id"]
            summary = "SELECT count(*) FROM {v}"
        else:
            return []
        victims = self.name("victims")
        self.con.execute(f"CREATE TEMP TABLE {victims} AS {sql}")
        rows = self.con.execute(summary.format(v=victims)).fetchall()
        self.victims, self.victim_keys = victims, keys
        table = self.grid.spec.table
        out = []
        if kind == "vanguard_scores":
            for quarter, branches, members, n in rows:
                out.append(Replacement(table, n, f"将替换 {quarter} 的 {branches} 个支部（{members} 名党员）已有的先锋指数评分 共 {n:,} 行",
                                       f"replaces {n:,} stored rows of {quarter} ({branches} branches, {members} members)"))
        elif kind in ("branch_scores", "four_have"):
            unit, what = ("项", "score") if kind == "branch_scores" else ("项", "evaluation")
            for period, branches, items, n in rows:
                when = period if kind == "branch_scores" else f"{period} 年度"
                shape = f"{branches} 个支部 × {items} {unit} = {n:,} 行" if branches * items == n else f"{branches} 个支部 共 {n:,} 行"
                out.append(Replacement(table, n, f"将替换 {when} 的 {shape}",
                                       f"replaces {n:,} stored {what} rows of {period} ({branches} branches x {items} items)"))
        elif kind == "attendance":
            activities, n = rows[0]
            if n:
                out.append(Replacement(table, n, f"将替换 {activities} 次活动已有的出勤记录 共 {n:,} 行",
                                       f"replaces {n:,} stored attendance rows of {activities} activities"))
        elif kind == "tasks":
            n = rows[0][0]
            if n:
                out.append(Replacement(table, n, f"将按任务编号更新 {n} 项已有任务（原内容被替换）",
                                       f"replaces {n} stored tasks with the same task id"))
        return out

    # -- writing
    def _write(self, preview: Preview) -> int:
        spec = self.grid.spec
        con = self.con
        batch_id = con.execute("SELECT nextval('import_batch_seq')").fetchall()[0][0]
        detail = {
            "encoding": self.source.encoding_label, "sheet": self.grid.sheet, "rows": preview.counts,
            "replacements": [r.message_zh for r in preview.replacements], "warnings": preview.warnings[:20],
        }
        _insert_batch(con, batch_id, spec.kind, self.source.label, self.source.sha256, preview.rows,
                      self.username, preview.replaced_rows, detail)
        if self.victims:
            table = spec.table
            keys = self.victim_keys
            shadow_cols = _shadow_columns(con, table)
            on = " AND ".join(f"{table}.{k} = v.{k}" for k in keys)
            con.execute(
                f"INSERT INTO replaced_{table} (replaced_by, {', '.join(shadow_cols)}) "
                f"SELECT ?, {', '.join(table + '.' + c for c in shadow_cols)} FROM {table} JOIN {self.victims} v ON {on}",
                [batch_id],
            )
            con.execute(f"DELETE FROM {table} USING {self.victims} v WHERE {on}")
        self._insert_rows(batch_id)
        audit.record(con, self.username, "import", {"batch_id": batch_id, "kind": spec.kind, "file_name": self.source.label,
                                                    "rows": preview.rows, "replaced": preview.replaced_rows})
        db.bump_data_version(con)
        return batch_id

    def _insert_rows(self, batch_id: int) -> None:
        spec = self.grid.spec
        values = {c.field: f"v_{c.field}" for c in spec.columns if c.stored}
        if spec.kind == "members":
            values["active"] = "coalesce(CAST(v_active AS BOOLEAN), TRUE)"
        elif spec.kind == "branch_scores":
            values["max_points"] = "x_indicator_id_max"
        elif spec.kind == "four_have":
            values["max_points"] = "x_dimension_id_max"
        elif spec.kind == "activities":
            values["people_served"] = "coalesce(v_people_served, 0)"
            values["hours"] = "coalesce(v_hours, 0)"
        # Optional columns absent from the file keep the table's defaults.
        for column in spec.columns:
            if column.stored and not column.required and column.field not in self.grid.mapping \
                    and values.get(column.field) == f"v_{column.field}":
                values.pop(column.field)
        columns = ", ".join([*values, "batch_id"])
        select = ", ".join([*values.values(), "?"])
        if spec.kind == "org_units":
            # Parents before children: DuckDB checks a self-reference against earlier statements.
            for level in ("committee", "general_branch", "branch"):
                self.con.execute(f"INSERT INTO {spec.table} ({columns}) SELECT {select} FROM {self.typed} "
                                 "WHERE v_level = ? ORDER BY _row", [batch_id, level])
            return
        self.con.execute(f"INSERT INTO {spec.table} ({columns}) SELECT {select} FROM {self.typed}",
                         [batch_id])

    # -- 问卷星 exports
    def _wjx(self) -> tuple[Preview, int | None]:
        from analysis.ingest import wjx

        if self.source.format == "frame":
            raise ValueError("wjx imports need the exported file, not a DataFrame")
        self.report(0.2, "正在解析问卷")
        try:
            parsed = wjx.parse_wjx(self.source.path, twin=self.twin, file_name=self.source.label)
        except wjx.SurveyFormatError as exc:
            problem = Problem(exc.file, None, exc.row, exc.column, exc.message_zh, exc.message_en)
            return self.preview(problems=[problem], problem_count=1), None
        attributes = wjx.guess_attributes(parsed)
        counts = {"survey_question": len(parsed.questions), "survey_response": len(parsed.responses),
                  "survey_answer": len(parsed.answers)}
        if attributes:
            self.warnings.append("识别到受访者属性（可用于分组比较）：" + "；".join(
                f"第 {no} 题 → {name}" for no, name in sorted(attributes.items())))
        sample = parsed.questions[["question_no", "text", "qtype"]].head(SAMPLE_ROWS).rename(
            columns={"question_no": "题号", "text": "题目", "qtype": "题型"})
        preview = self.preview(rows=len(parsed.responses), counts=counts, sample=sample)
        duplicate = self._duplicate_file()
        if duplicate is not None:
            batch, when = duplicate
            preview.problems = [Problem(self.source.label, None, None, None,
                                        f"该文件已于 {when:%Y-%m-%d %H:%M} 导入（批次 #{batch}），不能重复导入",
                                        f"this file was already imported (batch #{batch}); refused")]
            preview.problem_count = 1
            preview.duplicate_of = batch
        if self.username is None or not preview.ok:
            return preview, None
        self.report(0.7, "正在写入")
        batch_id = self.con.execute("SELECT nextval('import_batch_seq')").fetchall()[0][0]
        _insert_batch(self.con, batch_id, "wjx", self.source.label, self.source.sha256, len(parsed.responses),
                      self.username, 0, {"encoding": self.source.encoding_label, "rows": counts,
                                         "attributes": {str(k): v for k, v in attributes.items()}})
        # store_survey opens its own db.transaction; run it inside ours so that the batch row and
        # the survey commit or roll back together.
        wjx.store_survey(_InTransaction(self.con), parsed, source="wjx", batch_id=int(batch_id), attributes=attributes)
        audit.record(self.con, self.username, "import", {"batch_id": int(batch_id), "kind": "wjx",
                                                         "file_name": self.source.label, "rows": len(parsed.responses)})
        db.bump_data_version(self.con)
        return preview, int(batch_id)


class _InTransaction:
    """A connection proxy on which ``db.transaction`` neither begins nor ends a transaction.

    Lets a function that wraps its writes in ``db.transaction(con)`` take part in the caller's
    transaction (DuckDB has no nested transactions). Errors still propagate, and the caller's
    transaction rolls everything back.
    """

    _IGNORED = frozenset({"BEGIN TRANSACTION", "COMMIT", "ROLLBACK"})

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self._con = con

    def execute(self, query: str, *args: Any, **kwargs: Any):
        if query.strip().upper() in self._IGNORED:
            return self._con
        return self._con.execute(query, *args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._con, name)


def _insert_batch(con, batch_id: int, kind: str, file_name: str, sha256: str, rows: int, username: str,
                  replaced: int, detail: dict) -> None:
    con.execute(
        "INSERT INTO import_batch (batch_id, kind, file_name, sha256, row_count, imported_by, imported_at, "
        "replaced_count, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [batch_id, kind, file_name, sha256, rows, username, dt.datetime.now(), replaced,
         json.dumps(detail, ensure_ascii=False, default=str)],
    )
    try:
        con.execute("INSERT INTO import_file (sha256, batch_id) VALUES (?, ?)", [sha256, batch_id])
    except duckdb.ConstraintException:
        # Another session imported the same file a moment ago.
        raise _Duplicate() from None


class _Duplicate(duckdb.TransactionException):
    """The same file was committed by another session meanwhile: the retry reports it."""


def _shadow_columns(con, table: str) -> list[str]:
    """Columns of replaced_<table> that the live table has (all but replaced_by)."""
    rows = con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = ? AND column_name <> 'replaced_by' "
        "AND column_name IN (SELECT column_name FROM information_schema.columns WHERE table_name = ?) "
        "ORDER BY ordinal_position",
        [f"replaced_{table}", table],
    ).fetchall()
    return [r[0] for r in rows]


def _clean(column: str) -> str:
    """SQL: the cell without surrounding blanks (incl. full-width and no-break spaces), NULL if empty.

    trim() with a character list is slow on millions of cells, so it only runs on the few cells
    that start or end with a blank.
    """
    edge = _literal("^[\\s\u3000\u00a0]|[\\s\u3000\u00a0]$")
    strip = _literal("^[\\s\u3000\u00a0]+|[\\s\u3000\u00a0]+$")
    return (f"nullif(CASE WHEN regexp_matches({column}, {edge}) THEN regexp_replace({column}, {strip}, '', 'g') "
            f"ELSE {column} END, '')")


def _typed_expr(kind: str, f: str) -> str:
    number = f"TRY_CAST(replace({f}, ',', '') AS DOUBLE)"
    if kind == "text":
        return f
    if kind == "decimal":
        return f"CASE WHEN isfinite({number}) THEN {number} END"
    if kind in ("int", "year"):
        return f"CASE WHEN isfinite({number}) AND {number} = round({number}) THEN TRY_CAST({number} AS BIGINT) END"
    if kind == "date":
        formats = "[" + ", ".join(_literal(x) for x in DATE_FORMATS) + "]"
        return f"coalesce(TRY_CAST({f} AS DATE), CAST(try_strptime({f}, {formats}) AS DATE))"
    if kind == "quarter":
        pattern = _literal(periods.QUARTER.pattern)
        return (f"CASE WHEN regexp_full_match({f}, {pattern}) THEN regexp_extract({f}, {pattern}, 1) || 'Q' || "
                f"regexp_extract({f}, {pattern}, 2) END")
    raise ValueError(kind)


def _type_messages(column: tpl.Column, cfg: config_mod.Config) -> tuple[str, str]:
    if column.type == "choice":
        return (f"“{{raw}}”不是可选的值（可选：{'、'.join(column.labels)}）",
                f"'{{raw}}' is not allowed (allowed: {', '.join(column.labels)})")
    if column.type == "ref":
        if column.ref in ("vanguard_dimension", "indicator", "four_have_dimension"):
            names = "、".join(tpl.catalogue_labels(column.ref, cfg))
            return (f"“{{raw}}”不在配置的{column.header}中（可选：{names}）",
                    f"'{{raw}}' is not a configured {column.ref.replace('_', ' ')}")
        return {
            "branch": ("支部“{raw}”不存在（请填写已有支部的编号或全称，或先导入组织架构）",
                       "unknown branch '{raw}' (use an existing branch id or name)"),
            "unit": ("上级单位“{raw}”不存在（应为系统中或本文件中已有单位的编号或名称）",
                     "unknown parent unit '{raw}'"),
            "member": ("党员编号“{raw}”不存在（请先导入党员名单）", "unknown member id '{raw}'"),
            "activity": ("活动编号“{raw}”不存在（请先导入支部活动）", "unknown activity id '{raw}'"),
        }[column.ref]
    return {
        "text": ("", ""),
        "int": ("“{raw}”不是整数", "'{raw}' is not a whole number"),
        "decimal": ("“{raw}”不是数字", "'{raw}' is not a number"),
        "date": ("“{raw}”不是有效日期（应如 2025-03-31）", "'{raw}' is not a valid date (e.g. 2025-03-31)"),
        "quarter": ("“{raw}”不是有效季度（应如 2025Q3 或 2025年第3季度）", "'{raw}' is not a quarter (e.g. 2025Q3)"),
        "year": ("“{raw}”不是有效年份（应如 2025）", "'{raw}' is not a year (e.g. 2025)"),
    }[column.type]


PLACEHOLDER = re.compile(r"\{([^{}]+)\}")


def _concat(template: str, column: tpl.Column | None) -> tuple[str, list[str]]:
    """A message template as SQL: literal parts bound as parameters, {expr} parts as SQL.

    ``{raw}`` is the column's raw text. Expressions come from our code, never from a file.
    """
    parts: list[str] = []
    params: list[str] = []
    position = 0
    for match in PLACEHOLDER.finditer(template):
        if match.start() > position:
            parts.append("?")
            params.append(template[position:match.start()])
        expr = match.group(1)
        if expr == "raw":
            expr = f"r_{column.field}" if column else "NULL"
        parts.append(f"coalesce(CAST({expr} AS VARCHAR), '')")
        position = match.end()
    if position < len(template) or not parts:
        parts.append("?")
        params.append(template[position:])
    return " || ".join(parts), params


def _literal(text: str) -> str:
    """A constant of our own code as a SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def _num(value: float) -> str:
    return f"{value:g}"


# --- rollback ----------------------------------------------------------------------------

# Foreign keys into tables that batches fill: (parent table, key, child table, child column).
_DEPENDENTS = (
    ("org_unit", "unit_id", "org_unit", "parent_id"),
    ("org_unit", "unit_id", "member", "branch_id"),
    ("org_unit", "unit_id", "branch_score", "branch_id"),
    ("org_unit", "unit_id", "four_have_score", "branch_id"),
    ("org_unit", "unit_id", "demonstration_site", "branch_id"),
    ("org_unit", "unit_id", "activity", "branch_id"),
    ("org_unit", "unit_id", "service_task", "branch_id"),
    ("member", "member_id", "vanguard_score", "member_id"),
    ("member", "member_id", "attendance", "member_id"),
    ("activity", "activity_id", "attendance", "activity_id"),
)
_SHADOWED = ("vanguard_score", "branch_score", "four_have_score", "attendance", "service_task")
# Delete steps per kind; each inner tuple is one transaction (DuckDB cannot delete a parent
# row in the transaction that deleted the rows referencing it).
_SURVEY_STEPS = (
    ("DELETE FROM survey_answer WHERE survey_id IN (SELECT survey_id FROM survey WHERE batch_id = $b)",),
    ("DELETE FROM survey_response WHERE survey_id IN (SELECT survey_id FROM survey WHERE batch_id = $b)",
     "DELETE FROM survey_option WHERE survey_id IN (SELECT survey_id FROM survey WHERE batch_id = $b)",
     "DELETE FROM survey_item WHERE survey_id IN (SELECT survey_id FROM survey WHERE batch_id = $b)"),
    ("DELETE FROM survey_question WHERE survey_id IN (SELECT survey_id FROM survey WHERE batch_id = $b)",),
    ("DELETE FROM survey WHERE batch_id = $b",),
)
_STEPS = {
    "org_units": (("DELETE FROM org_unit WHERE batch_id = $b AND level = 'branch'",),
                  ("DELETE FROM org_unit WHERE batch_id = $b AND level = 'general_branch'",),
                  ("DELETE FROM org_unit WHERE batch_id = $b AND level = 'committee'",)),
    "members": (("DELETE FROM member WHERE batch_id = $b",),),
    "vanguard_scores": (("DELETE FROM vanguard_score WHERE batch_id = $b",),),
    "branch_scores": (("DELETE FROM branch_score WHERE batch_id = $b",),),
    "four_have": (("DELETE FROM four_have_score WHERE batch_id = $b",),),
    "activities": (("DELETE FROM activity WHERE batch_id = $b",),),
    "attendance": (("DELETE FROM attendance WHERE batch_id = $b",),),
    "tasks": (("DELETE FROM service_task WHERE batch_id = $b",),),
    "wjx": _SURVEY_STEPS,
}


def rollback_batch(con: duckdb.DuckDBPyConnection, batch_id: int, *, user: str | Scope) -> RollbackResult:
    """Undo an import batch: delete its rows and restore the rows it replaced.

    Refused (RollbackRefused, nothing changed) when the batch is unknown, already rolled back,
    the demo data, replaced in turn by a later batch (roll that one back first), or referenced
    by rows of other batches (e.g. members that later scores refer to).

    Batches of one table level roll back in one transaction. Org units and surveys span
    several foreign-key levels, which DuckDB can only delete one level per transaction: the
    batch is marked as started, the levels are deleted in turn, then it is marked done; an
    interrupted rollback is finished by calling this again.
    """
    username = _username(user)
    rows = con.execute(
        "SELECT kind, rollback_started_at, rolled_back_at FROM import_batch WHERE batch_id = ?", [batch_id]
    ).fetchall()
    row = rows[0] if rows else None
    if row is None:
        raise RollbackRefused(f"批次 #{batch_id} 不存在", f"batch #{batch_id} does not exist")
    kind, started, done = row
    if done is not None:
        raise RollbackRefused(f"批次 #{batch_id} 已于 {done:%Y-%m-%d %H:%M} 撤销", f"batch #{batch_id} was already rolled back")
    if kind not in _STEPS:
        raise RollbackRefused(f"批次 #{batch_id}（{kind}）不能撤销：演示数据请重新生成数据库",
                              f"batch #{batch_id} of kind {kind!r} cannot be rolled back")
    steps = _STEPS[kind]
    deleted = restored = 0
    with db.transaction(con):
        if started is None:
            _check_rollback(con, batch_id)
        first = steps[0] if len(steps) == 1 else steps[0] if started is None else ()
        for statement in first:
            deleted += _rowcount(con.execute(statement, {"b": batch_id}))
        if len(steps) == 1:
            restored = _restore(con, batch_id)
            con.execute("UPDATE import_batch SET rollback_started_at = coalesce(rollback_started_at, ?), "
                        "rolled_back_at = ?, rolled_back_by = ? WHERE batch_id = ?",
                        [dt.datetime.now(), dt.datetime.now(), username, batch_id])
        else:
            con.execute("UPDATE import_batch SET rollback_started_at = coalesce(rollback_started_at, ?), "
                        "rolled_back_by = ? WHERE batch_id = ?", [dt.datetime.now(), username, batch_id])
        con.execute("DELETE FROM import_file WHERE batch_id = ?", [batch_id])
        if started is None:
            audit.record(con, username, "rollback", {"batch_id": batch_id, "kind": kind})
        db.bump_data_version(con)
    if len(steps) > 1:
        for step in steps[1:] if started is None else steps:
            with db.transaction(con):
                for statement in step:
                    deleted += _rowcount(con.execute(statement, {"b": batch_id}))
                db.bump_data_version(con)
        with db.transaction(con):
            con.execute("UPDATE import_batch SET rolled_back_at = ? WHERE batch_id = ?", [dt.datetime.now(), batch_id])
            db.bump_data_version(con)
    return RollbackResult(batch_id, deleted, restored)


def _rowcount(cursor) -> int:
    """The row count a DML statement returns (fetched completely: see Job.register)."""
    rows = cursor.fetchall()
    return int(rows[0][0]) if rows and rows[0][0] is not None else 0


def _check_rollback(con, batch_id: int) -> None:
    later = set()
    for table in _SHADOWED:
        later |= {r[0] for r in con.execute(
            f"SELECT DISTINCT replaced_by FROM replaced_{table} WHERE batch_id = ?", [batch_id]).fetchall()}
    if later:
        ids = "、".join(f"#{b}" for b in sorted(later))
        raise RollbackRefused(
            f"批次 #{batch_id} 的部分数据已被批次 {ids} 重新导入替换，请先撤销批次 {ids}",
            f"rows of batch #{batch_id} were replaced by batch(es) {', '.join(map(str, sorted(later)))}; roll those back first")
    blocking: set[int] = set()
    for parent, key, child, column in _DEPENDENTS:
        rows = con.execute(
            f"SELECT DISTINCT c.batch_id FROM {child} c JOIN {parent} p ON c.{column} = p.{key} "
            "WHERE p.batch_id = ? AND c.batch_id IS DISTINCT FROM ?",
            [batch_id, batch_id],
        ).fetchall()
        blocking |= {r[0] for r in rows}
    if blocking:
        named = sorted(b for b in blocking if b is not None)
        ids = "、".join(f"#{b}" for b in named) or "（无批次的数据）"
        raise RollbackRefused(
            f"批次 #{batch_id} 的数据正被其他数据引用（批次 {ids}），请先撤销那些批次",
            f"rows of batch #{batch_id} are referenced by other data (batches {', '.join(map(str, named)) or 'none'})")
    users = con.execute(
        "SELECT count(*) FROM app_user WHERE unit_id IN (SELECT unit_id FROM org_unit WHERE batch_id = ?)", [batch_id]
    ).fetchall()[0][0]
    if users:
        raise RollbackRefused(f"批次 #{batch_id} 中的单位有 {users} 个账号在使用，请先修改这些账号的单位",
                              f"{users} user account(s) belong to units of batch #{batch_id}")


def _restore(con, batch_id: int) -> int:
    """Put back the rows this batch replaced; returns how many."""
    restored = 0
    for table in _SHADOWED:
        columns = _shadow_columns(con, table)
        restored += _rowcount(con.execute(
            f"INSERT INTO {table} ({', '.join(columns)}) SELECT {', '.join(columns)} FROM replaced_{table} "
            "WHERE replaced_by = ?", [batch_id]))
        con.execute(f"DELETE FROM replaced_{table} WHERE replaced_by = ?", [batch_id])
    return restored
