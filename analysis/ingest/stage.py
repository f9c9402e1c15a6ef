"""Staging: which header row and spec fit a file, and its data rows in temporary DuckDB tables.

``choose_layout`` picks the header row, sheet and spec that fit best. ``stage`` then loads
the data rows into a raw table of text cells numbered as Excel shows them (header row 1,
first data row 2) and names the spec's fields in a view over it; the result is a ``Staged``.
A regular UTF-8 CSV goes straight through DuckDB's ``read_csv`` and a DataFrame through a
DuckDB scan; spreadsheets, CSVs with blank lines or ragged rows, and frames DuckDB cannot
scan go through Python in chunks.

Every temporary name comes from one attempt's ``TempTables``, which drops them all at the
end. Only names of our own making and fields of the spec ever become SQL identifiers.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field

import duckdb
import pandas as pd

from analysis.ingest import read
from analysis.ingest.specs import Spec, match_headers

SAMPLE_ROWS = 20
CHUNK_ROWS = 100_000
MAX_PROBLEMS = 1000
"""Problems listed for one file; the rest are only counted (a file of two million bad rows
would otherwise cost gigabytes of messages nobody reads)."""


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

    @classmethod
    def of_file(cls, file: str, exc: read.FileProblem) -> Problem:
        """The problem a FileProblem raised while reading ``file`` describes."""
        return cls(file, exc.sheet, exc.row, exc.column, exc.message_zh, exc.message_en)


class TempTables:
    """One attempt's temporary tables, views and registered DataFrames: named here, dropped here.

    Names start with a random prefix: sessions may share one connection's catalogue.
    """

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con
        self.prefix = f"imp_{uuid.uuid4().hex[:12]}_"
        self._created: list[str] = []
        self._registered: list[str] = []

    def name(self, what: str) -> str:
        """A new temporary name (``what`` must be an identifier of our code)."""
        table = self.prefix + what
        self._created.append(table)
        return table

    def register(self, frame: pd.DataFrame) -> str:
        """Register ``frame`` as a view and return its name."""
        # DuckDB refuses register() while a SELECT result is not completely fetched: every
        # query of the importer is read with fetchall().
        view = f"{self.prefix}df_{len(self._registered)}"
        self.con.register(view, frame)
        self._registered.append(view)
        return view

    def unregister(self, view: str) -> None:
        self.con.unregister(view)
        self._registered.remove(view)

    def unregister_all(self) -> None:
        for view in self._registered:
            try:
                self.con.unregister(view)
            except Exception:  # noqa: BLE001 - best effort: the view may be gone with its connection
                pass
        self._registered.clear()

    def drop(self, *names: str) -> None:
        """Drop tables or views made here before the end of the attempt, to free their memory."""
        for name in names:
            kind = self.con.execute("SELECT table_type FROM information_schema.tables WHERE table_name = ?",
                                    [name]).fetchall()
            if kind:
                self.con.execute(f"DROP {'VIEW' if kind[0][0] == 'VIEW' else 'TABLE'} {name}")

    def drop_all(self) -> None:
        """Unregister every frame and drop every table and view still there."""
        self.unregister_all()
        kinds = dict(self.con.execute(
            "SELECT table_name, table_type FROM information_schema.tables WHERE table_name LIKE ?",
            [self.prefix + "%"]).fetchall())
        for table in reversed(self._created):
            if table in kinds:
                self.con.execute(f"DROP {'VIEW' if kinds[table] == 'VIEW' else 'TABLE'} IF EXISTS {table}")
        self._created.clear()


def sql_literal(text: str) -> str:
    """A constant of our own code as a SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


# --- the layout -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Layout:
    """How a file's columns map onto a spec: the header row chosen, and each field's column position."""

    header: read.HeaderRow
    spec: Spec
    mapping: dict[str, int]  # field -> 0-based column position
    unknown: list[str]  # headers that match no column of the spec
    duplicates: list[tuple[str, str]]  # (header, column header) of a second column for one field

    @property
    def sheet(self) -> str | None:
        return self.header.sheet

    @property
    def header_row(self) -> int:
        return self.header.number

    @property
    def headers(self) -> tuple[str, ...]:
        return self.header.cells


def choose_layout(rows: list[read.HeaderRow], candidates: list[Spec]) -> Layout:
    """The header row and spec that fit best: all required columns found, then most columns
    matched, then fewest unknown headers. FileProblem when no header matches any spec."""
    best: tuple[tuple[int, int, int], Layout] | None = None
    for row in rows:
        for spec in candidates:
            layout = Layout(row, spec, *match_headers(list(row.cells), spec))
            required = all(c.field in layout.mapping for c in spec.required)
            score = (int(required), len(layout.mapping), -len(layout.unknown))
            if best is None or score > best[0]:
                best = (score, layout)
    if best is None or not best[1].mapping:
        raise read.FileProblem(
            "无法识别数据类型：表头与任何导入模板都不匹配（请使用“模板下载”中的模板，表头放在第 1 行）",
            "cannot detect the kind of data: the headers match no template", row=1,
            sheet=rows[0].sheet if rows else None)
    return best[1]


def refuse_duplicated_columns(layout: Layout) -> None:
    """FileProblem when two columns of the header row stand for the same field."""
    if layout.duplicates:
        header, target = layout.duplicates[0]
        raise read.FileProblem(f"列“{header}”与另一列都对应“{target}”，请只保留一列",
                               f"column '{header}' duplicates another column for '{target}'",
                               row=layout.header_row, sheet=layout.sheet, column=header)


def refuse_missing_columns(layout: Layout) -> None:
    """FileProblem when a required column is missing from the header row."""
    missing = [c.header for c in layout.spec.required if c.field not in layout.mapping]
    if missing:
        raise read.FileProblem(
            f"缺少必填列：{'、'.join(missing)}（{layout.spec.label}模板第 {layout.header_row} 行应有这些表头）",
            f"missing required column(s): {', '.join(missing)}",
            row=layout.header_row, sheet=layout.sheet, column="、".join(missing))


def unknown_columns_warning(layout: Layout) -> list[str]:
    if not layout.unknown:
        return []
    return [f"已忽略无法识别的列：{'、'.join(layout.unknown[:20])}"]


# --- the staged rows ------------------------------------------------------------------------


@dataclass(frozen=True)
class Staged:
    """A file's data rows in a temporary view, and what reading them found.

    view: _row (the Excel row), then f_<field> for every column of the spec: the cell's text
        without surrounding blanks, NULL when empty or when the file lacks the column.
    raw: the table under the view (dropped once the rows are typed).
    sample: the first SAMPLE_ROWS rows as read, column 行 the Excel row.
    problems: the first MAX_PROBLEMS rows with more fields than the header (CSV only);
        problem_count: all of them.
    """

    source: read.Source
    layout: Layout
    view: str
    raw: str
    sample: pd.DataFrame
    problems: list[Problem] = field(default_factory=list)
    problem_count: int = 0
    warnings: list[str] = field(default_factory=list)


def stage(con: duckdb.DuckDBPyConnection, tables: TempTables, source: read.Source, layout: Layout) -> Staged:
    """Load the data rows below the header into temporary tables (see ``Staged``).

    The rows land in a table of text cells c0..cN (mapped cells trimmed, empty as NULL), whose
    Excel row number is the column _row or, from DuckDB's CSV reader, follows from rowid.
    """
    raw = tables.name("raw")
    width = len(layout.headers)
    row_expr = _load_with_duckdb(con, tables, source, layout, raw)
    problems: list[Problem] = []
    warnings: list[str] = []
    ragged = [0]
    if row_expr is None:
        row_expr = "_row"
        cols = ", ".join(f"c{i} VARCHAR" for i in range(width))
        con.execute(f"CREATE TEMP TABLE {raw} (_row INTEGER, {cols})")
        rows = _data_rows_below_header(read.data_rows(source, layout.sheet), source, layout, problems, warnings,
                                       ragged)
        _insert_in_chunks(con, tables, raw, rows, width)
    view = tables.name("stg")
    fields = []
    for column in layout.spec.columns:
        position = layout.mapping.get(column.field)
        fields.append((column.field, "NULL" if position is None else f"c{position}"))
    # The mapped cells are already clean (see _trimmed, read.cell_text).
    con.execute(
        f"CREATE TEMP VIEW {view} AS SELECT CAST({row_expr} AS INTEGER) AS _row, "
        + ", ".join(f"CAST({expr} AS VARCHAR) AS f_{name}" for name, expr in fields)
        + f" FROM {raw}"
    )
    sample = _sample(con, raw, row_expr, layout.headers)
    return Staged(source, layout, view, raw, sample, problems, ragged[0], warnings)


def _load_with_duckdb(con, tables: TempTables, source: read.Source, layout: Layout, raw: str) -> str | None:
    """Load a regular CSV or a DataFrame by DuckDB alone; the row expression, or None when it cannot."""
    if source.format == "csv" and not source.irregular:
        try:
            return _load_csv(con, source, layout, raw)
        except duckdb.Error:
            # A ragged or malformed row: read it again in Python, which can say where.
            con.execute(f"DROP TABLE IF EXISTS {raw}")
    elif source.format == "frame":
        try:
            return _load_frame(con, tables, source.frame, layout, raw)
        except duckdb.Error:
            # Columns DuckDB cannot scan (mixed Python objects): convert cell by cell.
            con.execute(f"DROP TABLE IF EXISTS {raw}")
            tables.unregister_all()
    return None


def _load_csv(con, source: read.Source, layout: Layout, raw: str) -> str:
    width = len(layout.headers)
    columns = "{" + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(width)) + "}"
    mapped = set(layout.mapping.values())
    select = ", ".join(_trimmed(f"c{i}") + f" AS c{i}" if i in mapped else f"c{i}" for i in range(width))
    con.execute(
        f"""
        CREATE TEMP TABLE {raw} AS
        SELECT {select} FROM read_csv(?, header = false, skip = ?, delim = ?, quote = '"', escape = '"',
                               columns = {columns}, auto_detect = false, all_varchar = true)
        """,
        [str(source.path), layout.header_row, source.delimiter],
    )
    # rowid follows the file order (insertion order is preserved), so the Excel row is
    # rowid + header row + 1.
    return f"(rowid + {layout.header_row + 1})"


def _load_frame(con, tables: TempTables, frame: pd.DataFrame, layout: Layout, raw: str) -> str:
    """A DataFrame scanned by DuckDB, each column cast to text as read.cell_text would write it."""
    # The columns as they are (no copy into Python objects: DuckDB scans Arrow-backed text).
    columns = {f"c{i}": frame.iloc[:, i].reset_index(drop=True) for i in range(frame.shape[1])}
    view = tables.register(pd.DataFrame({"_row": pd.RangeIndex(2, len(frame) + 2), **columns}))
    mapped = set(layout.mapping.values())
    select = []
    for i, (name, column) in enumerate(columns.items()):
        dtype = column.dtype
        if pd.api.types.is_bool_dtype(dtype):
            expr = f"CASE WHEN {name} THEN 'true' WHEN NOT {name} THEN 'false' END"
        elif pd.api.types.is_float_dtype(dtype):
            expr = (f"CASE WHEN isnan({name}) THEN NULL WHEN {name} = round({name}) AND abs({name}) < 1e15 "
                    f"THEN CAST(CAST({name} AS BIGINT) AS VARCHAR) ELSE CAST({name} AS VARCHAR) END")
        else:
            expr = f"CAST({name} AS VARCHAR)"
        select.append((_trimmed(expr) if i in mapped else expr) + f" AS {name}")
    con.execute(f"CREATE TEMP TABLE {raw} AS SELECT _row, {', '.join(select)} FROM {view}")
    return "_row"


def _data_rows_below_header(rows: Iterator[tuple[int, list[str | None]]], source: read.Source, layout: Layout,
                            problems: list[Problem], warnings: list[str],
                            ragged: list[int]) -> Iterator[tuple[int, list[str | None]]]:
    """Non-empty rows below the header, cut to the header's width.

    Cells beyond the header are a problem in a CSV (an unquoted delimiter, most likely) and
    a warning, once, in a spreadsheet; they are appended to ``problems`` (the first
    MAX_PROBLEMS; ``ragged[0]`` counts them all) and ``warnings``.
    """
    width = len(layout.headers)
    warned = False
    for number, cells in rows:
        if number <= layout.header_row:
            continue
        if len(cells) > width:
            if any(c is not None for c in cells[width:]):
                if source.format == "csv":
                    ragged[0] += 1
                    if len(problems) < MAX_PROBLEMS:
                        problems.append(Problem(
                            source.label, layout.sheet, number, None,
                            f"本行有 {len(cells)} 个字段，多于表头的 {width} 列（可能是内容中含未加引号的分隔符）",
                            f"row has {len(cells)} fields but the header has {width} (unquoted delimiter?)"))
                elif not warned:
                    warnings.append(f"第 {number} 行起有数据位于没有表头的列，已忽略")
                    warned = True
            cells = cells[:width]
        if any(c is not None for c in cells):
            yield number, cells


def _insert_in_chunks(con, tables: TempTables, raw: str, rows: Iterator[tuple[int, list[str | None]]],
                      width: int) -> None:
    """Insert (row number, cells) into ``raw``, CHUNK_ROWS at a time through a registered frame."""
    columns = ", ".join(f"c{i}" for i in range(width))
    numbers: list[int] = []
    cells_by_column: list[list[str | None]] = [[] for _ in range(width)]

    def flush() -> None:
        if not numbers:
            return
        frame = pd.DataFrame({"_row": pd.array(numbers, dtype="int64"),
                              **{f"c{i}": pd.array(cells_by_column[i], dtype="object") for i in range(width)}})
        view = tables.register(frame)
        con.execute(f"INSERT INTO {raw} SELECT _row, {columns} FROM {view}")
        tables.unregister(view)
        numbers.clear()
        for column in cells_by_column:
            column.clear()

    for number, cells in rows:
        numbers.append(number)
        for i in range(width):
            cells_by_column[i].append(cells[i] if i < len(cells) else None)
        if len(numbers) >= CHUNK_ROWS:
            flush()
    flush()


def _sample(con, raw: str, row_expr: str, headers: tuple[str, ...]) -> pd.DataFrame:
    """The first rows as read, headed 行 and the file's headers (blank or repeated ones made unique)."""
    columns = ", ".join(f"c{i}" for i in range(len(headers)))
    frame = con.execute(f"SELECT {row_expr} AS _row, {columns} FROM {raw} ORDER BY 1 LIMIT ?", [SAMPLE_ROWS]).df()
    names = ["行"]
    for i, header in enumerate(headers):
        name = header or f"（第 {i + 1} 列）"
        while name in names:
            name += "'"
        names.append(name)
    frame.columns = names
    return frame


def _trimmed(column: str) -> str:
    """SQL: the cell without surrounding blanks (incl. full-width and no-break spaces), NULL if empty.

    trim() with a character list is slow on millions of cells, so it only runs on the few cells
    that start or end with a blank.
    """
    edge = sql_literal("^[\\s\u3000\u00a0]|[\\s\u3000\u00a0]$")
    strip = sql_literal("^[\\s\u3000\u00a0]+|[\\s\u3000\u00a0]+$")
    return (f"nullif(CASE WHEN regexp_matches({column}, {edge}) THEN regexp_replace({column}, {strip}, '', 'g') "
            f"ELSE {column} END, '')")
