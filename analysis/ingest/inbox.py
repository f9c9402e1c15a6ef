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
label.

Who may ask: the inbox is a directory of mode 0700 owned by the user the app runs as
(``prepare``); the server refuses to start on one with another owner or writable by group or
others, and the CLI refuses to hand a file to an inbox not owned by the database file's owner
(the same user). So only that user and root can put a request in. The user recorded for an
import or a rollback (batch, audit log) is the operating-system user who owns the request's
files, ``os:<name>``: never a name written in the request.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import pwd
import re
import shutil
import stat
import time
import uuid
from pathlib import Path
from typing import Any

import duckdb

from analysis import db
from analysis.ingest import importer, read, rollback
from analysis.ingest.specs import KINDS

REQUEST, CLAIMED, RESULT, CANCELLED = "request.json", "claimed.json", "result.json", "cancelled.json"
ACTIONS = ("import", "validate", "rollback", "batches")
REQUEST_ID = re.compile(r"[0-9a-f]{32}")
UPLOAD_NAME = re.compile(r"(upload|twin)(\.(csv|txt|xlsx|xls|bin))")
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


class UnsafeInbox(PermissionError):
    """The inbox is not a private directory of the app's user: requests in it cannot be trusted."""


def os_user(uid: int) -> str:
    """How an operating-system user is recorded as the importing user: ``os:<login name>``."""
    try:
        return f"os:{pwd.getpwuid(uid).pw_name}"
    except KeyError:
        return f"os:uid{uid}"


def check_inbox(inbox: str | Path, owner: int) -> None:
    """Refuse (``UnsafeInbox``) an inbox that is not a real directory owned by ``owner`` and
    closed to group and others' writes; a missing one raises FileNotFoundError."""
    info = os.lstat(inbox)
    if not stat.S_ISDIR(info.st_mode):
        raise UnsafeInbox(f"{inbox} is not a directory (a symbolic link or a file): refusing to use it as the inbox")
    if info.st_uid != owner:
        raise UnsafeInbox(f"{inbox} belongs to {os_user(info.st_uid)}, not to {os_user(owner)}; "
                          "someone else may have created it to pose as this app's inbox. Remove it and restart the app.")
    if info.st_mode & 0o022:
        raise UnsafeInbox(f"{inbox} is writable by group or others (mode {stat.S_IMODE(info.st_mode):o}); "
                          "anyone could queue imports there. Run chmod 700 on it, or remove it and restart the app.")


def prepare(inbox: str | Path) -> Path:
    """The server's inbox, created private (0700) for this process's user, or refused as unsafe."""
    inbox = Path(inbox)
    try:
        inbox.mkdir(mode=0o700)
    except FileExistsError:
        pass
    check_inbox(inbox, os.geteuid())
    return inbox


def _requester(directory: Path) -> str:
    """The OS user who made a request: the owner of its claimed request file, which must also own
    its directory (a request assembled by two users is refused)."""
    owners = {os.lstat(directory).st_uid, os.lstat(directory / CLAIMED).st_uid}
    if len(owners) != 1:
        raise ValueError("the request's directory and request file belong to different users")
    return os_user(owners.pop())


# --- running a request (the server, and the CLI when it can open the file itself) --------


def handle(
    con: duckdb.DuckDBPyConnection,
    request: dict[str, Any],
    directory: Path | None = None,
    *,
    user: str,
    files: dict[str, Path] | None = None,
) -> dict[str, Any]:
    """Run one request for ``user`` (``os_user`` of whoever made it) and return its result (a
    JSON-ready dict).

    Request keys: action ('import' | 'validate' | 'rollback' | 'batches'); for import and
    validate: upload (file name inside ``directory``), file_name (label), kind (or None),
    twin (optional second file); for rollback: batch_id; for batches: limit. A 'user' key is
    ignored. ``files`` (the CLI working on the database itself) gives the paths of 'upload'
    and 'twin' directly instead. An import refused for its problems is audited
    ('import_rejected').

    Result keys: ok, action, message_en, message_zh and, by action: batch_id, kind, rows,
    replaced, encoding, replacements_en, replacements_zh, warnings_zh, problems (list of
    dicts: file, sheet, row, column, message_zh, message_en), problem_count; batches (list).
    """
    action = request.get("action")
    try:
        if action in ("import", "validate"):
            return _import(con, request, directory, files, user)
        if action == "rollback":
            outcome = rollback.rollback_batch(con, int(request["batch_id"]), user=user)
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


def _import(con, request: dict[str, Any], directory: Path | None, files: dict[str, Path] | None,
            user: str) -> dict[str, Any]:
    if files is not None:
        path, twin = files["upload"], files.get("twin")
    elif directory is None:
        raise ValueError("an import request needs its directory")
    else:
        path = _upload_path(directory, request.get("upload"))
        twin = _upload_path(directory, request["twin"]) if request.get("twin") else None
    kind = request.get("kind") or None
    label = read.safe_upload_name(str(request.get("file_name") or path.name))
    # The CLI in a process of its own may stage under a lower limit; the server may not (its
    # viewers share the limit).
    checking = {"checking_memory": db.CHECKING_MEMORY_LIMIT} if files is not None else {}
    action = request["action"]
    if action == "validate":
        preview = importer.validate_file(con, path, kind=kind, file_name=label, twin=twin, **checking)
        batch_id = None
    else:
        try:
            result = importer.import_file(con, path, kind=kind, file_name=label, twin=twin, user=user, **checking)
        except importer.ImportRejected as exc:
            preview, batch_id = exc.preview, None
            importer.record_rejection(con, preview, user=user)
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
    older than an hour. Raises ``UnsafeInbox`` (and processes nothing) once the inbox is no
    longer private to this process's user.
    """
    inbox = Path(inbox)
    if not inbox.is_dir():
        return []
    check_inbox(inbox, os.geteuid())
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
        user = _requester(directory)
    except (OSError, ValueError) as exc:
        return {"ok": False, "action": None, "message_en": f"invalid request: {exc}", "message_zh": f"请求无效：{exc}"}
    try:
        return handle(con, request, directory, user=user)
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


def start_worker(con: duckdb.DuckDBPyConnection, inbox: str | Path, *, interval: float = 1.0) -> db.Periodic:
    """Create (or check) the private inbox directory and start a thread serving it; return it.

    Raises ``UnsafeInbox`` for an inbox of another user or writable by others: the app must not
    start on it (see the module notes).
    """
    inbox = prepare(inbox)
    worker = db.Periodic(con, f"import-inbox:{inbox}", lambda cursor: process_pending(cursor, inbox), interval)
    worker.start()
    return worker


# --- the client side (CLI) ----------------------------------------------------------------


def submit(inbox: str | Path, request: dict[str, Any], *, owner: int, upload: Path | None = None,
           twin: Path | None = None) -> Path:
    """Spool a request (and copies of its files) into ``inbox``; return its directory.

    ``owner``: the user the app runs as (the database file's owner). The inbox must exist and
    be that user's private directory (``check_inbox``): a file is never handed to a directory
    someone else could read or pose as the app in. FileNotFoundError when there is none (the
    process holding the database serves no inbox).
    """
    inbox = Path(inbox)
    try:
        check_inbox(inbox, owner)
    except FileNotFoundError:
        raise FileNotFoundError(
            f"{inbox} does not exist: the process holding the database is not the app (or not serving imports); "
            "nothing was imported") from None
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
