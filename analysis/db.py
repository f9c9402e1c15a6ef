"""Opening the database: migrations, catalogue sync, derived tables, transactions.

DuckDB lets one process open a file read-write; every other process is then locked out. The
app therefore opens the file once per server process (``open_database``) and hands each
Streamlit session/thread its own ``cursor()``: DuckDB's MVCC gives every cursor a consistent
snapshot, so concurrent reads never block each other and an import running in one cursor
is invisible to reads in flight until it commits.

Opening read-write also rebuilds the derived tables (``analysis.derived``) that no longer match
the raw rows or the configuration, one small transaction per step, reporting progress.
"""

from __future__ import annotations

import atexit
import logging
import os
import re
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa

from analysis import config as config_mod
from analysis import derived

DB_ENV = "PARTY_DASHBOARD_DB"
MEMORY_LIMIT_ENV = "PARTY_DASHBOARD_MEMORY_LIMIT"
DEFAULT_MEMORY_LIMIT = "512MB"
"""DuckDB's memory for this process, unless $PARTY_DASHBOARD_MEMORY_LIMIT says otherwise. Beyond
it DuckDB spills to ``<database>.tmp``: a 512 MB import file then peaks under 1 GB of process
memory instead of several, and a page reading the derived tables needs far less (DuckDB's own
default is 80 % of the machine's memory). Not lower: the indexes of the rows one transaction
adds must fit in memory when it commits (a 100,000-response survey failed at 256 MB, and
DuckDB then closes the database until restart)."""

CHECKING_MEMORY_LIMIT = "192MB"
"""DuckDB's memory while the CLI, in a process of its own, stages and checks a file before it
writes (``importer.import_file``'s ``checking_memory``): the staged and typed copies of the rows
(about 300 bytes a row) then spill to ``<database>.tmp`` instead of filling the whole limit, so a
million-row import peaks near 420 MB of process memory instead of 520 MB, for about 0.3 s more.
Writing runs under the full limit again (see ``DEFAULT_MEMORY_LIMIT``). Not in the server: the
limit is the DuckDB instance's, and a viewer's query meanwhile (a province's compliance grid)
runs out of memory under it."""


def default_path() -> Path:
    """The database the app and every CLI command use: $PARTY_DASHBOARD_DB, else data/demo.duckdb."""
    return Path(os.environ.get(DB_ENV) or config_mod.DATA_DIR / "demo.duckdb")

MIGRATION_NAME = re.compile(r"(\d{3})_[a-z0-9_]+\.sql")


class SchemaError(RuntimeError):
    """The database file cannot be used by this version of the program."""


def migrations() -> list[tuple[int, str, str]]:
    """All shipped migrations as (version, file name, SQL), in order."""
    found = []
    for entry in resources.files("analysis.migrations").iterdir():
        match = MIGRATION_NAME.fullmatch(entry.name)
        if match:
            found.append((int(match.group(1)), entry.name, entry.read_text(encoding="utf-8")))
    found.sort()
    versions = [v for v, _, _ in found]
    if versions != list(range(1, len(found) + 1)):
        raise SchemaError(f"migration files must be numbered 001, 002, ... without gaps: {versions}")
    return found


def latest_version() -> int:
    return len(migrations())


def schema_version(con: duckdb.DuckDBPyConnection) -> int:
    """The database's schema version; 0 for an empty database."""
    exists = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'schema_version'"
    ).fetchone()[0]
    if not exists:
        return 0
    return con.execute("SELECT coalesce(max(version), 0) FROM schema_version").fetchone()[0]


def migrate(con: duckdb.DuckDBPyConnection) -> int:
    """Bring the schema up to date; refuse a database made by a newer program."""
    current = schema_version(con)
    target = latest_version()
    if current > target:
        raise SchemaError(
            f"database schema version {current} is newer than this program supports ({target}); "
            "upgrade the program instead of opening the file with an old one"
        )
    for version, name, sql in migrations():
        if version <= current:
            continue
        with transaction(con):
            if version == 1:
                con.execute(
                    "CREATE TABLE schema_version (version INTEGER PRIMARY KEY, "
                    "file_name VARCHAR NOT NULL, applied_at TIMESTAMP NOT NULL DEFAULT current_timestamp)"
                )
            con.execute(sql)
            con.execute("INSERT INTO schema_version (version, file_name) VALUES (?, ?)", [version, name])
    return target


def sync_catalogues(con: duckdb.DuckDBPyConnection, cfg: config_mod.Config) -> None:
    """Mirror the configured catalogues into their tables (config is the source of truth).

    New entries are added and names and order updated. An entry already in the table keeps
    its max points: changing them would silently re-scale stored scores, so that is refused.
    """
    catalogues = (
        ("vanguard_dimension", "dimension_id", [(d.id, d.name, None) for d in cfg.vanguard.dimensions]),
        ("assessment_indicator", "indicator_id", [(i.id, i.name, i.max_points) for i in cfg.assessment.indicators]),
        ("four_have_dimension", "dimension_id", [(i.id, i.name, i.max_points) for i in cfg.four_have]),
    )
    with transaction(con):
        for table, key, entries in catalogues:
            has_points = entries[0][2] is not None
            points = "max_points" if has_points else "NULL"
            stored = {
                row[0]: row[1:]
                for row in con.execute(f"SELECT {key}, name, position, {points} FROM {table}").fetchall()
            }
            for position, (entry_id, name, max_points) in enumerate(entries, start=1):
                if entry_id not in stored:
                    values = [entry_id, name, max_points, position] if has_points else [entry_id, name, position]
                    con.execute(f"INSERT INTO {table} VALUES ({', '.join('?' * len(values))})", values)
                    continue
                old_name, old_position, old_points = stored[entry_id]
                if has_points and float(old_points) != float(max_points):
                    raise SchemaError(
                        f"{table} {entry_id}: configured max points {max_points:g} differ from the stored "
                        f"{float(old_points):g}; give the changed indicator a new id"
                    )
                # A plain UPDATE of non-key columns: DuckDB refuses upserts on rows that other
                # tables reference.
                if (old_name, old_position) != (name, position):
                    con.execute(f"UPDATE {table} SET name = ?, position = ? WHERE {key} = ?", [name, position, entry_id])


def open_database(
    path: str | Path, *, read_only: bool = False, cfg: config_mod.Config | None = None,
    progress: derived.Progress | None = None,
) -> duckdb.DuckDBPyConnection:
    """Open (creating if needed) and migrate a database file; sync catalogues from config and
    rebuild stale derived tables (``progress`` is called with the fraction done and a Chinese
    text while that runs; see :func:`rebuild_derived`).

    A read-only open never writes: it only checks that the schema is current (the analyses then
    compute from the raw tables whatever the derived tables cannot answer).
    """
    path = Path(path)
    if read_only:
        con = duckdb.connect(str(path), read_only=True)
        limit_memory(con)
        version = schema_version(con)
        if version != latest_version():
            con.close()
            raise SchemaError(
                f"{path}: schema version {version}, this program needs {latest_version()}; "
                "open it read-write once to upgrade"
            )
        return con
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path))
    try:
        # Upgrades and rebuilds rewrite whole tables in one transaction each, and the indexes of
        # the rows a transaction adds must fit in memory when it commits: at a province's size
        # (18M attendance rows) a migration failed under the cap. They run before it, with
        # DuckDB's own limit; the cap then holds for the server's reads and imports.
        migrate(con)
        cfg = cfg or config_mod.load()
        sync_catalogues(con, cfg)
        rebuild_derived(con, cfg, progress)
        limit_memory(con)
    except Exception:
        con.close()
        raise
    return con


def limit_memory(con: duckdb.DuckDBPyConnection) -> None:
    """Cap the memory of ``con``'s DuckDB instance (see ``DEFAULT_MEMORY_LIMIT``)."""
    con.execute(f"SET memory_limit = '{_memory_limit()}'")


@contextmanager
def lowered_memory_limit(con: duckdb.DuckDBPyConnection, limit: str) -> Iterator[None]:
    """Run a block under ``limit`` when it is below the configured cap, then cap the instance
    as :func:`limit_memory` does (DuckDB reports the limit rounded, so the previous value
    could not be put back exactly). The limit is the instance's: readers sharing it meanwhile
    spill sooner too."""
    if _bytes(_checked(limit)) >= _bytes(_memory_limit()):
        yield
        return
    con.execute(f"SET memory_limit = '{limit}'")
    try:
        yield
    finally:
        limit_memory(con)


_AMOUNT = re.compile(r"(\d+(?:\.\d+)?)\s*([KMGT])(i?)B", flags=re.IGNORECASE)


def _checked(limit: str) -> str:
    """``limit`` if it is an amount DuckDB reads (digits and a unit, e.g. '256MB', '488.2 MiB')."""
    if not _AMOUNT.fullmatch(limit):
        raise ValueError(f"memory limit {limit!r}: expected an amount such as 256MB or 2GB")
    return limit


def _bytes(amount: str) -> float:
    number, unit, binary = _AMOUNT.fullmatch(amount).groups()
    return float(number) * (1024 if binary else 1000) ** ("KMGT".index(unit.upper()) + 1)


def _memory_limit() -> str:
    """The configured limit, checked: digits and a unit (e.g. '256MB', '2GB')."""
    limit = os.environ.get(MEMORY_LIMIT_ENV) or DEFAULT_MEMORY_LIMIT
    try:
        return _checked(limit)
    except ValueError:
        raise ValueError(f"{MEMORY_LIMIT_ENV}={limit!r}: expected an amount such as 256MB or 2GB") from None


def rebuild_derived(con: duckdb.DuckDBPyConnection, cfg: config_mod.Config,
                    progress: derived.Progress | None = None, *, force: bool = False) -> int:
    """Rebuild the derived tables that are stale for ``cfg`` (a changed weight or threshold, or
    rows inserted or deleted other than by the importer), one transaction per step; with
    ``force``, all of them (after rows were changed in place behind the importer's back, which
    row counts cannot reveal).

    Returns
    -------
    The number of steps run (0 when everything was current).
    """
    if force:
        con.execute("DELETE FROM derived_state")
    steps = list(derived.rebuild_steps(con, cfg))
    for done, step in enumerate(steps):
        if progress is not None:
            progress(done / len(steps), step.text)
        with transaction(con):
            step.run(con)
    if steps and progress is not None:
        progress(1.0, "派生数据已更新")
    return len(steps)


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """All-or-nothing block: COMMIT on success, ROLLBACK on any exception.

    DuckDB accepts a COMMIT after a failed statement without error and persists nothing, so
    relying on COMMIT alone would hide the failure; we roll back and re-raise instead.
    """
    con.execute("BEGIN TRANSACTION")
    try:
        yield con
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")


# DuckDB's ``.df()`` types: a nullable integer or boolean column (one holding NULLs) becomes a
# pandas nullable column of its width, a DATE a datetime64, a DECIMAL (and HUGEINT) a float.
_NULLABLE = {pa.int8(): pd.Int8Dtype(), pa.int16(): pd.Int16Dtype(), pa.int32(): pd.Int32Dtype(),
             pa.int64(): pd.Int64Dtype(), pa.uint8(): pd.UInt8Dtype(), pa.uint16(): pd.UInt16Dtype(),
             pa.uint32(): pd.UInt32Dtype(), pa.uint64(): pd.UInt64Dtype(), pa.bool_(): pd.BooleanDtype()}


def fetch_frame(con: duckdb.DuckDBPyConnection, sql: str, params: dict | list | None = None) -> pd.DataFrame:
    """The rows of ``sql`` (with its bound ``params``) on ``con``.

    Returns
    -------
    A DataFrame typed as DuckDB's ``.df()`` types it.

    Notes
    -----
    Through Arrow: ``.df()`` builds a Python object per text cell, and a result of 54,400 rows
    with four text columns took 60 ms that way against 15 ms through Arrow (tests/test_schema.py
    checks the types match).
    """
    con.complete()  # a result left unread by an earlier execute() (a fetchone) would block sql()
    table = con.sql(sql, params=params).to_arrow_table()
    # Kinds .df() converts otherwise (it renames a repeated name to name_1): refused, so that a
    # query that starts returning one fails here rather than somewhere downstream.
    if len(set(table.column_names)) < len(table.column_names):
        raise ValueError(f"fetch_frame: repeated column names in {table.column_names}")
    if unsupported := [f.name for f in table.schema if pa.types.is_interval(f.type) or pa.types.is_map(f.type)]:
        raise TypeError(f"fetch_frame: INTERVAL or MAP columns are not converted: {unsupported}")
    schema = pa.schema([field.with_type(pa.timestamp("us")) if pa.types.is_date32(field.type)
                        else field.with_type(pa.float64()) if pa.types.is_decimal(field.type)
                        else field for field in table.schema])
    if schema != table.schema:
        table = table.cast(schema)
    result = table.to_pandas()
    for position, column in enumerate(table.columns):
        if column.null_count and column.type in _NULLABLE:
            result.isetitem(position, column.to_pandas(types_mapper=_NULLABLE.get))
        elif pa.types.is_string(column.type) and column.null_count == len(column):
            # .df() gives a text column without values ``object`` dtype; pandas 3.1 cannot merge
            # two empty Arrow-backed text columns (it concatenates their zero chunks).
            result.isetitem(position, pd.Series([None] * len(column), index=result.index, dtype=object))
    return result


def data_version(con: duckdb.DuckDBPyConnection) -> int:
    """Counter bumped by every data-changing write; cache keys include it."""
    return con.execute("SELECT version FROM data_state WHERE id = 1").fetchone()[0]


def bump_data_version(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("UPDATE data_state SET version = version + 1 WHERE id = 1")


class Periodic(threading.Thread):
    """A daemon thread running ``job(cursor)`` every ``interval`` seconds on a cursor of its own.

    The server's background work on its one database handle (the import inbox, the sweep of
    abandoned sessions). A run that fails is logged and the next one runs; the thread stops on
    ``stop()``, or by itself once the connection has been closed.
    """

    def __init__(self, con: duckdb.DuckDBPyConnection, name: str, job: Callable[[duckdb.DuckDBPyConnection], object],
                 interval: float) -> None:
        super().__init__(name=name, daemon=True)
        self.con = con
        self.job = job
        self.interval = interval
        self._stop_event = threading.Event()

    def run(self) -> None:
        try:
            cursor = self.con.cursor()
        except duckdb.Error:
            return
        _running.add(self)
        while not self._stop_event.is_set():
            try:
                self.job(cursor)
            except duckdb.ConnectionException:
                return  # the database was closed: this thread's process or cache entry is gone
            except Exception:  # noqa: BLE001 - keep serving; the failure is logged
                logging.getLogger(__name__).exception("%s: run failed", self.name)
            self._stop_event.wait(self.interval)

    def stop(self, timeout: float | None = 5.0) -> None:
        self._stop_event.set()
        if self.is_alive() and threading.current_thread() is not self:
            self.join(timeout)


_running: weakref.WeakSet[Periodic] = weakref.WeakSet()


EXIT_WAIT_SECONDS = 5.0


@atexit.register
def _stop_running() -> None:
    # A daemon thread still inside DuckDB while the interpreter finalises aborts the process
    # ("terminate called after throwing ..."): at exit, tell every one to stop, then give them
    # EXIT_WAIT_SECONDS together to finish the run they are in.
    threads = list(_running)
    for thread in threads:
        thread._stop_event.set()
    deadline = time.monotonic() + EXIT_WAIT_SECONDS
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
