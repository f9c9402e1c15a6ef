"""What ``auth``, ``passwords`` and ``accounts`` share: account names, the answer to a sign-in
attempt (``LoginResult`` and its messages), the rows of ``app_user``, short write transactions
that are retried on a conflict, and ending a user's sessions. Private: callers use ``auth``.
"""

from __future__ import annotations

import re
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar

import duckdb

from analysis import db
from analysis.scope import Scope

ADMIN_USERNAME = "admin"

# Same pattern as the CHECK on app_user.username.
USERNAME_RE = re.compile(r"[A-Za-z0-9_.-]{2,64}")

MSG_BAD_CREDENTIALS = "用户名或密码错误。"
MSG_INACTIVE = "账号已停用，请联系党委办公室。"


@dataclass(frozen=True)
class LoginResult:
    """Outcome of ``authenticate``. On failure only ``message_zh`` (and ``locked_until``
    when locked) is set; the message never tells whether the name exists."""

    ok: bool
    message_zh: str
    scope: Scope | None = None
    display_name: str | None = None
    must_change_password: bool = False
    locked_until: datetime | None = None
    session_id: str | None = None
    retry_after: timedelta | None = None  # the client is throttled for this long


# --------------------------------------------------------------------------- helpers

T = TypeVar("T")


def _write(con: duckdb.DuckDBPyConnection, work: Callable[[], T], attempts: int = 10) -> T:
    """Run ``work`` in one transaction; retry it when a concurrent cursor wrote the same row.

    DuckDB is optimistic: two transactions updating one row (two sign-ins to one name at the
    same moment) make the later one fail with "Conflict on update", or at COMMIT with
    "Failed to commit". The work is re-run from a fresh snapshot, so counts stay exact.
    ``work`` must therefore read what it needs inside the transaction.
    """
    for attempt in range(attempts):
        try:
            with db.transaction(con):
                return work()
        except (duckdb.TransactionException, duckdb.ConstraintException) as exc:
            # A key inserted by a concurrent transaction (a name's first failed attempt, an
            # account created twice) shows as a duplicate key: the re-run sees the row.
            message = str(exc).lower()
            retryable = any(m in message for m in ("conflict", "failed to commit", "duplicate key"))
            if not retryable or attempt == attempts - 1:
                raise
            time.sleep(secrets.randbelow(20 * (attempt + 1)) / 1000)
    raise AssertionError("unreachable")


# The short transactions on a name's failure count (reserve, settle, sign in) take turns within the
# process: fifty attempts on one name at once would otherwise mostly end in DuckDB write conflicts
# and retries. The password checks between them run in parallel.
_LOGIN_STATE = threading.Lock()


def _login_write(con: duckdb.DuckDBPyConnection, work: Callable[[], T]) -> T:
    with _LOGIN_STATE:
        return _write(con, work)


def _iso(moment: datetime) -> str:
    return moment.isoformat(sep=" ", timespec="seconds")


_USER_COLUMNS = (
    "username, display_name, role, unit_id, password_hash, failed_logins, locked_until, "
    "active, must_change_password"
)


@dataclass(frozen=True)
class _User:
    username: str
    display_name: str
    role: str
    unit_id: str | None
    password_hash: str
    failed_logins: int
    locked_until: datetime | None
    active: bool
    must_change_password: bool

    @property
    def scope(self) -> Scope:
        return Scope(self.username, self.role, self.unit_id)


def _load_user(con: duckdb.DuckDBPyConnection, username: str) -> _User | None:
    row = con.execute(f"SELECT {_USER_COLUMNS} FROM app_user WHERE username = ?", [username]).fetchone()
    return _User(*row) if row else None


def _require_user(con: duckdb.DuckDBPyConnection, username: str) -> _User:
    user = _load_user(con, username)
    if user is None:
        raise ValueError(f"用户 {username} 不存在。")
    return user


def _end_user_sessions(
    con: duckdb.DuckDBPyConnection, username: str, reason: str, now: datetime,
    *, keep_key: str | None = None,
) -> int:
    """End the user's open sessions except ``keep_key``; the caller audits the cause."""
    ended = con.execute(
        "UPDATE app_session SET ended_at = ?, end_reason = ? "
        "WHERE username = ? AND ended_at IS NULL AND session_id IS DISTINCT FROM ? "
        "RETURNING session_id",
        [now, reason, username, keep_key],
    ).fetchall()
    return len(ended)
