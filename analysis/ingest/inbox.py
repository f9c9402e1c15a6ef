"""The import spool: how the command line imports while the app holds the database file.

DuckDB lets one process open a file read-write and then no other process can open it at all.
The Streamlit server is that process. So ``python -m analysis import`` first tries to open the
database itself; when the file is locked it hands the request to the server instead:

1. The CLI writes ``<db>.inbox/.tmp-<id>/`` with a copy of the file (under a fixed name,
   ``upload`` plus a known suffix) and ``request.json``, then renames the directory to
   ``<db>.inbox/<id>/`` (a 32-hex-digit id), so the server never sees half a request.
2. A background thread of the server (``start_worker``) calls ``process_pending`` every
   second: it claims a request by renaming ``request.json`` to ``claimed.json`` (atomic, so a
   request is processed once), runs it with the server's connection (``handle``), writes
   ``result.json`` (atomically) and deletes the uploaded copy.
3. The CLI waits for ``result.json``, prints it and removes the directory. On timeout it
   withdraws the request by renaming ``request.json`` to ``cancelled.json``; if the server
   already claimed it, the CLI keeps waiting for the result instead.

Every write bumps the data version, so the app's caches miss and the next page view shows the
new data. Nothing in a request is used as a path: the server only opens the fixed file names in
directories whose names are ids, refuses symbolic links, and takes the user's file name as a
label. Whoever can write the inbox can also write the database file, so the user name in a
request is trusted exactly as far as the file system trusts that person.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import re
import shutil
import stat
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import duckdb

from analysis.ingest import importer, read, rollback
from analysis.ingest.specs import KINDS

REQUEST, CLAIMED, RESULT, CANCELLED = "request.json", "claimed.json", "result.json", "cancelled.json"
ACTIONS = ("import", "validate", "rollback", "batches")
REQUEST_ID = re.compile(r"[0-9a-f]{32}")
UPLOAD_NAME = re.compile(r"(upload|twin)(\.(csv|txt|xlsx|xls|bin))")
USER_NAME = re.compile(r"[^\x00-\x1f\x7f]{1,64}")
MAX_REQUEST_BYTES = 64 * 1024
STALE_SECONDS = 3600
POLL_SECONDS = 0.2
DEFAULT_TIMEOUT = 120.0

log = logging.getLogger(__name__)


def inbox_dir(db_path: str | Path) -> Path:
    """The spool directory of a database file: ``<db>.inbox`` next to it."""
    return Path(str(db_path) + ".inbox")


def is_locked(exc: BaseException) -> bool:
    """True for DuckDB's error when another process holds the database file."""
    return isinstance(exc, duckdb.IOException) and "lock" in str(exc).lower()


# --- running a request (the server, and the CLI when it can open the file itself) --------


def handle(
    con: duckdb.DuckDBPyConnection,
    request: dict[str, Any],
    directory: Path | None = None,
    *,
    files: dict[str, Path] | None = None,
) -> dict[str, Any]:
    """Run one request and return its result (a JSON-ready dict).

    Request keys: action ('import' | 'validate' | 'rollback' | 'batches'); for import and
    validate: upload (file name inside ``directory``), file_name (label), kind (or None),
    twin (optional second file); for import and rollback: user; for rollback: batch_id; for
    batches: limit. ``files`` (the CLI working on the database itself) gives the paths of
    'upload' and 'twin' directly instead.

    Result keys: ok, action, message_en, message_zh and, by action: batch_id, kind, rows,
    replaced, encoding, replacements_en, replacements_zh, warnings_zh, problems (list of
    dicts: file, sheet, row, column, message_zh, message_en), problem_count; batches (list).
    """
    action = request.get("action")
    try:
        if action in ("import", "validate"):
            return _import(con, request, directory, files)
        if action == "rollback":
            outcome = rollback.rollback_batch(con, int(request["batch_id"]), user=str(request["user"]))
            return {
                "ok": True, "action": action, "batch_id": outcome.batch_id, "deleted": outcome.deleted,
                "restored": outcome.restored,
                "message_en": f"batch #{outcome.batch_id} rolled back: {outcome.deleted:,} rows deleted, "
                              f"{outcome.restored:,} replaced rows restored",
                "message_zh": f"已撤销批次 #{outcome.batch_id}：删除 {outcome.deleted:,} 行，恢复被替换的 {outcome.restored:,} 行",
            }
        if action == "batches":
            frame = importer.list_batches(con, limit=int(request.get("limit") or 500))
            rows = json.loads(frame.to_json(orient="records", date_format="iso", force_ascii=False))
            return {"ok": True, "action": action, "batches": rows, "message_en": f"{len(rows)} batches",
                    "message_zh": f"共 {len(rows)} 个批次"}
        raise ValueError(f"unknown action {action!r}")
    except rollback.RollbackRefused as exc:
        return {"ok": False, "action": action, "message_en": exc.message_en, "message_zh": exc.message_zh}
    except (ValueError, KeyError, TypeError, PermissionError, OSError) as exc:
        return {"ok": False, "action": action, "message_en": f"{type(exc).__name__}: {exc}",
                "message_zh": f"请求无法执行：{exc}"}


def _import(con, request: dict[str, Any], directory: Path | None, files: dict[str, Path] | None) -> dict[str, Any]:
    if files is not None:
        path, twin = files["upload"], files.get("twin")
    elif directory is None:
        raise ValueError("an import request needs its directory")
    else:
        path = _upload_path(directory, request.get("upload"))
        twin = _upload_path(directory, request["twin"]) if request.get("twin") else None
    kind = request.get("kind") or None
    label = read.safe_upload_name(str(request.get("file_name") or path.name))
    action = request["action"]
    if action == "validate":
        preview = importer.validate_file(con, path, kind=kind, file_name=label, twin=twin)
        batch_id = None
    else:
        try:
            result = importer.import_file(con, path, kind=kind, file_name=label, twin=twin, user=str(request["user"]))
        except importer.ImportRejected as exc:
            preview, batch_id = exc.preview, None
        else:
            preview, batch_id = result.preview, result.batch_id
    out = {
        "ok": preview.ok, "action": action, "batch_id": batch_id, "kind": preview.kind, "file_name": preview.file_name,
        "rows": preview.rows, "replaced": preview.replaced_rows, "encoding": preview.encoding, "sheet": preview.sheet,
        "replacements_en": [r.message_en for r in preview.replacements],
        "replacements_zh": [r.message_zh for r in preview.replacements],
        "warnings_zh": list(preview.warnings),
        "problems": [
            {"file": p.file, "sheet": p.sheet, "row": p.row, "column": p.column, "message_zh": p.message_zh,
             "message_en": p.message_en}
            for p in preview.problems
        ],
        "problem_count": preview.problem_count,
    }
    if not preview.ok:
        out["message_en"] = f"{preview.problem_count:,} problem(s) in {preview.file_name}; nothing was written"
        out["message_zh"] = f"{preview.file_name} 有 {preview.problem_count:,} 处问题，未写入任何数据"
    elif batch_id is None:
        out["message_en"] = f"{preview.file_name}: {preview.rows:,} rows of {preview.kind} are valid (nothing written)"
        out["message_zh"] = f"{preview.file_name}：{preview.rows:,} 行{preview.kind_label}数据校验通过（未写入）"
    else:
        out["message_en"] = (f"imported {preview.rows:,} rows of {preview.kind} from {preview.file_name} as batch "
                             f"#{batch_id}" + (f"; replaced {preview.replaced_rows:,} stored rows" if preview.replaced_rows else ""))
        out["message_zh"] = (f"已导入 {preview.file_name} 的 {preview.rows:,} 行{preview.kind_label}数据（批次 #{batch_id}）"
                             + (f"，替换原有 {preview.replaced_rows:,} 行" if preview.replaced_rows else ""))
    return out


def _upload_path(directory: Path, name: object) -> Path:
    """The uploaded copy inside a request directory: a fixed name, a regular file, no link."""
    if not isinstance(name, str) or not UPLOAD_NAME.fullmatch(name):
        raise ValueError("the request names no valid upload file")
    path = directory / name
    info = os.lstat(path)
    if not stat.S_ISREG(info.st_mode):
        raise ValueError("the upload is not a regular file")
    return path


# --- the server side ------------------------------------------------------------------------


def process_pending(con: duckdb.DuckDBPyConnection, inbox: str | Path) -> list[dict[str, Any]]:
    """Process every waiting request in ``inbox`` (oldest first); return their results.

    Call it from one background thread of the process that holds the database (see
    ``start_worker``), with a cursor made in that thread. Also removes abandoned requests
    older than an hour.
    """
    inbox = Path(inbox)
    if not inbox.is_dir():
        return []
    results = []
    entries = []
    for entry in os.scandir(inbox):
        if REQUEST_ID.fullmatch(entry.name) and entry.is_dir(follow_symlinks=False):
            entries.append(entry)
        else:
            _remove_if_stale(entry)
    entries.sort(key=lambda e: e.stat(follow_symlinks=False).st_mtime)
    for entry in entries:
        directory = Path(entry.path)
        if (directory / RESULT).exists() or (directory / CANCELLED).exists():
            _remove_if_stale(entry)
            continue
        try:
            os.rename(directory / REQUEST, directory / CLAIMED)  # atomic claim
        except FileNotFoundError:
            _remove_if_stale(entry)  # claimed by a process that died, or half-cancelled
            continue
        result = _process(con, directory)
        _write_json(directory / RESULT, result)
        for name in os.listdir(directory):
            if UPLOAD_NAME.fullmatch(name):
                (directory / name).unlink(missing_ok=True)
        results.append(result)
    return results


def _process(con, directory: Path) -> dict[str, Any]:
    try:
        claimed = directory / CLAIMED
        if os.lstat(claimed).st_size > MAX_REQUEST_BYTES or not stat.S_ISREG(os.lstat(claimed).st_mode):
            raise ValueError("request.json is too large or not a regular file")
        request = json.loads(claimed.read_text(encoding="utf-8"))
        _check_request(request)
    except (OSError, ValueError) as exc:
        return {"ok": False, "action": None, "message_en": f"invalid request: {exc}", "message_zh": f"请求无效：{exc}"}
    try:
        return handle(con, request, directory)
    except Exception as exc:  # noqa: BLE001 - the CLI must get an answer whatever happened
        log.exception("inbox request failed")
        return {"ok": False, "action": request.get("action"), "message_en": f"the app failed: {type(exc).__name__}: {exc}",
                "message_zh": f"处理失败：{exc}"}


def _check_request(request: object) -> None:
    if not isinstance(request, dict):
        raise ValueError("request.json must hold an object")
    action = request.get("action")
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    if action in ("import", "rollback") and not (isinstance(request.get("user"), str)
                                                 and USER_NAME.fullmatch(request["user"])):
        raise ValueError("the request needs a user name (1-64 printable characters)")
    if request.get("kind") not in (None, *KINDS):
        raise ValueError(f"unknown kind {request.get('kind')!r}")
    if action == "rollback" and not isinstance(request.get("batch_id"), int):
        raise ValueError("rollback needs an integer batch_id")


def _remove_if_stale(entry: os.DirEntry) -> None:
    try:
        if time.time() - entry.stat(follow_symlinks=False).st_mtime < STALE_SECONDS:
            return
        if entry.is_dir(follow_symlinks=False):
            shutil.rmtree(entry.path, ignore_errors=True)
        else:
            os.unlink(entry.path)
    except OSError:
        pass


class InboxWorker(threading.Thread):
    """Daemon thread calling ``process_pending`` every ``interval`` seconds with its own cursor.

    Stops on ``stop()``, or by itself once its connection has been closed.
    """

    def __init__(self, con: duckdb.DuckDBPyConnection, inbox: str | Path, interval: float = 1.0) -> None:
        super().__init__(name=f"import-inbox:{inbox}", daemon=True)
        self.con = con
        self.inbox = Path(inbox)
        self.interval = interval
        self._stop_event = threading.Event()
        self.processed = 0

    def run(self) -> None:
        try:
            cursor = self.con.cursor()
        except duckdb.Error:
            return
        while not self._stop_event.is_set():
            try:
                self.processed += len(process_pending(cursor, self.inbox))
            except duckdb.ConnectionException:
                return  # the database was closed: this worker's process or cache entry is gone
            except Exception:  # noqa: BLE001 - keep serving; the failure is logged
                log.exception("import inbox: processing failed")
            self._stop_event.wait(self.interval)

    def stop(self, timeout: float | None = 5.0) -> None:
        self._stop_event.set()
        if self.is_alive() and threading.current_thread() is not self:
            self.join(timeout)


def start_worker(con: duckdb.DuckDBPyConnection, inbox: str | Path, *, interval: float = 1.0) -> InboxWorker:
    """Create the inbox directory and start a worker thread serving it; return the thread."""
    Path(inbox).mkdir(parents=True, exist_ok=True)
    worker = InboxWorker(con, inbox, interval)
    worker.start()
    return worker


# --- the client side (CLI) ----------------------------------------------------------------


def submit(inbox: str | Path, request: dict[str, Any], *, upload: Path | None = None, twin: Path | None = None) -> Path:
    """Spool a request (and copies of its files) into ``inbox``; return its directory."""
    inbox = Path(inbox)
    inbox.mkdir(parents=True, exist_ok=True)
    request_id = uuid.uuid4().hex
    staging = inbox / f".tmp-{request_id}"
    staging.mkdir()
    try:
        request = dict(request)
        for key, path in (("upload", upload), ("twin", twin)):
            if path is None:
                continue
            suffix = Path(path).suffix.lower()
            name = f"{key}{suffix if UPLOAD_NAME.fullmatch(key + suffix) else '.bin'}"
            shutil.copyfile(path, staging / name)
            request[key] = name
        request["submitted_at"] = dt.datetime.now().isoformat(timespec="seconds")
        _write_json(staging / REQUEST, request)
        final = inbox / request_id
        os.rename(staging, final)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return final


class InboxTimeout(TimeoutError):
    """The app did not answer in time (see ``cancelled``: whether the request was withdrawn)."""

    def __init__(self, message: str, cancelled: bool) -> None:
        super().__init__(message)
        self.cancelled = cancelled


def wait(directory: Path, *, timeout: float = DEFAULT_TIMEOUT) -> dict[str, Any]:
    """Wait for the result of a spooled request, then remove its directory.

    If nobody claims the request within ``timeout`` seconds it is withdrawn (InboxTimeout with
    cancelled=True). A request already being processed is waited for up to ``timeout`` more.
    """
    deadline = time.monotonic() + timeout
    extended = False
    while True:
        result = directory / RESULT
        if result.exists():
            try:
                data = json.loads(result.read_text(encoding="utf-8"))
            except ValueError:
                time.sleep(POLL_SECONDS)  # not completely written yet (should not happen: atomic)
                continue
            shutil.rmtree(directory, ignore_errors=True)
            return data
        if time.monotonic() > deadline:
            try:
                os.rename(directory / REQUEST, directory / CANCELLED)
            except FileNotFoundError:
                if not extended:
                    extended = True
                    deadline = time.monotonic() + timeout
                    continue
                raise InboxTimeout(
                    f"the app is still processing the request after {2 * timeout:.0f} s; check "
                    "`python -m analysis batches` later", cancelled=False) from None
            shutil.rmtree(directory, ignore_errors=True)
            raise InboxTimeout(
                f"the database is in use by another process (the app?) that did not pick up the request within "
                f"{timeout:.0f} s; is the app running with the import inbox enabled? The request was withdrawn, "
                "nothing was imported.", cancelled=True)
        time.sleep(POLL_SECONDS)


def _write_json(path: Path, data: dict[str, Any]) -> None:
    """Write JSON atomically (temporary file, then rename)."""
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(json.dumps(data, ensure_ascii=False, default=str, indent=1), encoding="utf-8")
    os.replace(temporary, path)
