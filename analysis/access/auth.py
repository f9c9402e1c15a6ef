"""Local accounts: passwords, sign-in with lockout, server-side sessions, administration.

No Streamlit in here: the UI calls these functions and keeps only an opaque session token.

Security properties (what 等保2.0 assessors check, and how it is met):

- Passwords are hashed with argon2id (argon2-cffi ``PasswordHasher``, salted, slow); a hash
  made with older parameters is replaced at the next successful sign-in.
- There is no default password: ``ensure_admin`` creates the first account with a password
  from ``PARTY_DASHBOARD_ADMIN_PASSWORD`` or a random one that it returns once.
- Password rules (``PasswordPolicy``): length, character classes, not containing the name.
- Sign-in (``authenticate``) gives one message for an unknown name and a wrong password,
  spends the same hashing time on both, and locks a name after ``max_failures`` consecutive
  failures for ``lockout_minutes``: existing and unknown names alike (table
  ``login_throttle``), so the lockout does not reveal which names exist either.
- Sessions live in ``app_session`` and are checked on every request (``touch_session``):
  idle and absolute timeouts, logout, and ending on password change/reset or deactivation.
  The database stores only the SHA-256 of the token given to the browser session.
- Every change writes its ``audit_log`` row in the same transaction (``analysis.audit``).

Time: every function takes ``now`` (naive local time, or aware and converted; default the
current time) so that tests can move the clock. All timestamps in the tables are naive local
time, like the ``current_timestamp`` defaults of the schema.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar

import duckdb
import pandas as pd
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from analysis import db
from analysis.access.audit import local_now, record
from analysis.config import LoginPolicy, PasswordPolicy
from analysis.scope import ROLES, Scope

ADMIN_USERNAME = "admin"
ADMIN_DISPLAY_NAME = "系统管理员"
ADMIN_PASSWORD_ENV = "PARTY_DASHBOARD_ADMIN_PASSWORD"
SYSTEM_ACTOR = "system"

# Same pattern as the CHECK on app_user.username.
USERNAME_RE = re.compile(r"[A-Za-z0-9_.-]{2,64}")

# argon2id with argon2-cffi's defaults (RFC 9106 low-memory profile: t=3, m=64 MiB, p=4).
# Tests pass a cheap ``hasher=`` instead; production code should not.
DEFAULT_HASHER = PasswordHasher()

END_REASONS = {
    "logout": "已退出登录，请重新登录。",
    "idle_timeout": "长时间未操作，登录已超时，请重新登录。",
    "absolute_timeout": "登录时间已超过上限，请重新登录。",
    "password_changed": "密码已修改，请使用新密码重新登录。",
    "password_reset": "密码已被管理员重置，请重新登录。",
    "user_disabled": "账号已停用，请联系党委办公室。",
}

MSG_BAD_CREDENTIALS = "用户名或密码错误。"
MSG_INACTIVE = "账号已停用，请联系党委办公室。"
MSG_LOGIN_OK = "登录成功。"
MSG_NO_SESSION = "未登录或会话无效，请重新登录。"

# Used for generated passwords: no look-alikes (0/O, 1/l/I), symbols easy to type.
_GEN_ALPHABET = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789" + "!@#%+=-_?"


# --------------------------------------------------------------------------- policies, results


class PasswordRuleError(ValueError):
    """A new password breaks the rules; ``problems`` lists every rule broken, in Chinese."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        super().__init__("；".join(self.problems))


class AuthError(Exception):
    """A credential check inside an account operation failed; the message is Chinese."""


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


@dataclass(frozen=True)
class SessionState:
    """Outcome of ``touch_session``.

    status: 'ok' (session valid, last_seen updated), 'expired' (idle or absolute timeout: the
    session has just been ended), 'ended' (ended earlier: logout, password change/reset,
    deactivation) or 'invalid' (no such session).
    """

    status: str
    message_zh: str
    username: str | None = None
    scope: Scope | None = None
    display_name: str | None = None
    must_change_password: bool = False
    end_reason: str | None = None

    @property
    def ok(self) -> bool:
        return self.status == "ok"


# --------------------------------------------------------------------------- passwords


def character_classes(password: str) -> int:
    """How many of lower-case, upper-case, digit and other characters the password uses."""
    return sum(
        (
            any("a" <= c <= "z" for c in password),
            any("A" <= c <= "Z" for c in password),
            any("0" <= c <= "9" for c in password),
            any(not ("a" <= c <= "z" or "A" <= c <= "Z" or "0" <= c <= "9") for c in password),
        )
    )


def password_problems(
    password: str, *, username: str | None = None, policy: PasswordPolicy = PasswordPolicy()
) -> list[str]:
    """Every rule the password breaks, as Chinese sentences; empty when acceptable."""
    if not isinstance(password, str):
        return ["密码必须是文本。"]
    problems = []
    if len(password) < policy.min_length:
        problems.append(f"密码长度至少为{policy.min_length}位。")
    if len(password) > policy.max_length:
        problems.append(f"密码长度不能超过{policy.max_length}位。")
    classes = character_classes(password)
    if classes < policy.min_classes:
        problems.append(
            f"密码须至少包含大写字母、小写字母、数字、特殊符号中的{policy.min_classes}类"
            f"（当前只有{classes}类）。"
        )
    if any(ord(c) < 32 or ord(c) == 127 for c in password):
        problems.append("密码不能包含控制字符。")
    if username and username.strip().lower() in password.lower():
        problems.append("密码不能与用户名相同，也不能包含用户名。")
    return problems


def check_password(
    password: str, *, username: str | None = None, policy: PasswordPolicy = PasswordPolicy()
) -> None:
    """Raise ``PasswordRuleError`` listing every broken rule."""
    problems = password_problems(password, username=username, policy=policy)
    if problems:
        raise PasswordRuleError(problems)


def generate_password(policy: PasswordPolicy = PasswordPolicy(), *, length: int = 20) -> str:
    """A random password (``secrets``) that satisfies the policy for the admin account."""
    length = min(max(length, policy.min_length), policy.max_length)
    while True:
        candidate = "".join(secrets.choice(_GEN_ALPHABET) for _ in range(length))
        if not password_problems(candidate, username=ADMIN_USERNAME, policy=policy):
            return candidate


def hash_password(password: str, *, hasher: PasswordHasher | None = None) -> str:
    return (hasher or DEFAULT_HASHER).hash(password)


_dummy_hashes: dict[tuple, str] = {}


def _dummy_hash(hasher: PasswordHasher) -> str:
    """A hash with the hasher's parameters, verified against for unknown names (same cost)."""
    key = (hasher.time_cost, hasher.memory_cost, hasher.parallelism, hasher.hash_len,
           hasher.salt_len, hasher.type)
    if key not in _dummy_hashes:
        _dummy_hashes[key] = hasher.hash(secrets.token_urlsafe(24))
    return _dummy_hashes[key]


MAX_PASSWORD_INPUT = 1024  # longer input is refused unhashed (hashing megabytes is a DoS)


def _verify(hasher: PasswordHasher, stored_hash: str, password: object) -> bool:
    if not isinstance(password, str) or len(password) > MAX_PASSWORD_INPUT:
        return False
    try:
        return hasher.verify(stored_hash, password)
    except (VerificationError, InvalidHashError, UnicodeError):
        return False


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


class _Abort(Exception):
    """Raised inside a transaction to roll it back and return ``result``."""

    def __init__(self, result: object) -> None:
        self.result = result


def _token_key(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _locked_message(locked_until: datetime) -> str:
    # Round up to the minute so that the time shown is never still inside the lockout.
    shown = locked_until.replace(second=0, microsecond=0)
    if shown < locked_until:
        shown += timedelta(minutes=1)
    return f"连续登录失败次数过多，账号已锁定，请于{shown:%Y-%m-%d %H:%M}后再试。"


def _audit_name(typed: str) -> str:
    return typed[:64] if typed else "(空)"


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


def _require_admin(actor: Scope) -> None:
    if not isinstance(actor, Scope) or actor.role != "committee":
        raise PermissionError("仅党委/党办账号可以管理用户。")


def _record_failure(
    con: duckdb.DuckDBPyConnection, username: str, *, known: bool, reason: str,
    now: datetime, policy: LoginPolicy,
) -> datetime | None:
    """Count one failed password check (caller's transaction); return the lock end if locked."""
    table = "app_user" if known else "login_throttle"
    row = con.execute(
        f"SELECT failed_logins, locked_until FROM {table} WHERE username = ?", [username]
    ).fetchone()
    failures, locked_until = row if row else (0, None)
    if locked_until is not None and locked_until > now:
        # Locked meanwhile by a concurrent attempt.
        record(con, username, "login_failed", {"reason": "locked"}, now=now)
        return locked_until
    if locked_until is not None:
        failures = 0  # the lockout has passed: a new series of attempts starts
    failures += 1
    new_lock = now + policy.lockout if failures >= policy.max_failures else None
    if known:
        con.execute(
            "UPDATE app_user SET failed_logins = ?, locked_until = ? WHERE username = ?",
            [failures, new_lock, username],
        )
    else:
        con.execute(
            "INSERT INTO login_throttle (username, failed_logins, locked_until, last_failed_at) "
            "VALUES (?, ?, ?, ?) ON CONFLICT (username) DO UPDATE SET "
            "failed_logins = excluded.failed_logins, locked_until = excluded.locked_until, "
            "last_failed_at = excluded.last_failed_at",
            [username, failures, new_lock, now],
        )
    record(con, username, "login_failed", {"reason": reason, "failures": failures}, now=now)
    if new_lock is not None:
        record(
            con, username, "lockout",
            {"failures": failures, "locked_until": new_lock.isoformat(sep=" ", timespec="seconds"),
             "known_user": known},
            now=now,
        )
    return new_lock


def _insert_session(con: duckdb.DuckDBPyConnection, username: str, now: datetime) -> tuple[str, str]:
    token = secrets.token_urlsafe(32)
    key = _token_key(token)
    con.execute(
        "INSERT INTO app_session (session_id, username, created_at, last_seen) VALUES (?, ?, ?, ?)",
        [key, username, now, now],
    )
    return token, key


def _end_session_row(
    con: duckdb.DuckDBPyConnection, key: str, username: str, reason: str, now: datetime
) -> bool:
    ended = con.execute(
        "UPDATE app_session SET ended_at = ?, end_reason = ? "
        "WHERE session_id = ? AND ended_at IS NULL RETURNING session_id",
        [now, reason, key],
    ).fetchall()
    if ended:
        record(con, username, "logout", {"reason": reason, "session": key[:12]}, now=now)
    return bool(ended)


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


def _active_committee_count(con: duckdb.DuckDBPyConnection) -> int:
    return con.execute(
        "SELECT count(*) FROM app_user WHERE role = 'committee' AND active"
    ).fetchone()[0]


def _validate_account(
    con: duckdb.DuckDBPyConnection, *, display_name: str, role: str, unit_id: str | None
) -> None:
    if not isinstance(display_name, str) or not display_name.strip():
        raise ValueError("姓名不能为空。")
    if role not in ROLES:
        raise ValueError(f"未知角色 {role!r}，可选：{'、'.join(f'{k}（{v}）' for k, v in ROLES.items())}。")
    if role == "secretary":
        if not unit_id:
            raise ValueError("书记账号须指定所在的党支部或党总支。")
        level = con.execute("SELECT level FROM org_unit WHERE unit_id = ?", [unit_id]).fetchone()
        if level is None or level[0] not in ("branch", "general_branch"):
            raise ValueError(f"单位 {unit_id} 不存在，或不是党支部/党总支。")
    elif unit_id is not None:
        raise ValueError("只有书记账号可以指定单位。")


# --------------------------------------------------------------------------- sign-in


def authenticate(
    con: duckdb.DuckDBPyConnection,
    username: str,
    password: str,
    *,
    now: datetime | None = None,
    policy: LoginPolicy = LoginPolicy(),
    hasher: PasswordHasher | None = None,
    create_session: bool = False,
) -> LoginResult:
    """Check a name and password, with lockout; optionally start a session in the same step.

    Unknown name and wrong password give the same message and cost one hash verification each.
    After ``policy.max_failures`` consecutive failures the name is locked for
    ``policy.lockout_minutes``: every attempt then fails, the right password included, with a
    message saying when it unlocks. Success resets the counter, upgrades an outdated hash and
    (``create_session=True``) returns a session token in ``session_id``. An inactive account
    is told so only when the password is right. Audit: 'login', 'login_failed', 'lockout'.
    """
    now = local_now(now)
    hasher = hasher or DEFAULT_HASHER
    name = username.strip() if isinstance(username, str) else ""

    if not USERNAME_RE.fullmatch(name):
        # Cannot be an account name: no counter (nothing to protect), same cost and message.
        _verify(hasher, _dummy_hash(hasher), password)
        _write(con, lambda: record(con, _audit_name(name), "login_failed",
                                   {"reason": "invalid_name"}, now=now))
        return LoginResult(False, MSG_BAD_CREDENTIALS)

    user = _load_user(con, name)
    locked_until = _locked_until(con, name, user)
    if locked_until is not None and locked_until > now:
        _write(con, lambda: record(con, name, "login_failed", {"reason": "locked"}, now=now))
        return LoginResult(False, _locked_message(locked_until), locked_until=locked_until)

    stored = user.password_hash if user is not None else _dummy_hash(hasher)
    matched = _verify(hasher, stored, password) and user is not None

    if matched and not user.active:
        _write(con, lambda: record(con, name, "login_failed", {"reason": "inactive"}, now=now))
        return LoginResult(False, MSG_INACTIVE)

    if not matched:
        reason = "bad_password" if user is not None else "unknown_user"
        new_lock = _write(con, lambda: _record_failure(
            con, name, known=user is not None, reason=reason, now=now, policy=policy))
        if new_lock is not None:
            return LoginResult(False, _locked_message(new_lock), locked_until=new_lock)
        return LoginResult(False, MSG_BAD_CREDENTIALS)

    return _sign_in(con, user, password, now=now, hasher=hasher, create_session=create_session)


def _locked_until(con: duckdb.DuckDBPyConnection, name: str, user: _User | None) -> datetime | None:
    """When the lock on ``name`` ends (None: never locked); unknown names lock in ``login_throttle``."""
    if user is not None:
        return user.locked_until
    row = con.execute("SELECT locked_until FROM login_throttle WHERE username = ?", [name]).fetchone()
    return row[0] if row else None


def _sign_in(
    con: duckdb.DuckDBPyConnection, user: _User, password: str, *, now: datetime, hasher: PasswordHasher,
    create_session: bool,
) -> LoginResult:
    """Finish a sign-in whose password matched: in one transaction reset the failure count,
    upgrade an outdated hash, open a session if asked, and audit 'login'."""
    try:
        new_hash = hasher.hash(password) if hasher.check_needs_rehash(user.password_hash) else None
    except InvalidHashError:
        new_hash = None

    def succeed() -> str | None:
        # Re-check inside the transaction: password, activity and lock may have changed since.
        still = con.execute(
            "UPDATE app_user SET failed_logins = 0, locked_until = NULL, "
            "password_hash = coalesce(?, password_hash) "
            "WHERE username = ? AND password_hash = ? AND active "
            "AND (locked_until IS NULL OR locked_until <= ?) RETURNING username",
            [new_hash, user.username, user.password_hash, now],
        ).fetchall()
        if not still:
            raise _Abort(LoginResult(False, MSG_BAD_CREDENTIALS))
        token = key = None
        if create_session:
            token, key = _insert_session(con, user.username, now)
        detail = {"session": key[:12]} if key else None
        if new_hash:
            detail = {**(detail or {}), "rehashed": True}
        record(con, user.username, "login", detail, now=now)
        return token

    try:
        token = _write(con, succeed)
    except _Abort as abort:
        return abort.result  # type: ignore[return-value]
    return LoginResult(
        True, MSG_LOGIN_OK, scope=user.scope, display_name=user.display_name,
        must_change_password=bool(user.must_change_password), session_id=token,
    )


# --------------------------------------------------------------------------- sessions


def start_session(
    con: duckdb.DuckDBPyConnection, username: str, now: datetime | None = None
) -> str:
    """Open a session for an active user (after ``authenticate`` succeeded); return its token.

    Keep the token in the browser session only (e.g. ``st.session_state``); the database
    keeps its SHA-256.
    """
    now = local_now(now)
    user = _require_user(con, username)
    if not user.active:
        raise ValueError(MSG_INACTIVE)
    with db.transaction(con):
        token, _ = _insert_session(con, username, now)
    return token


def touch_session(
    con: duckdb.DuckDBPyConnection,
    session_id: str | None,
    now: datetime | None = None,
    policy: LoginPolicy = LoginPolicy(),
) -> SessionState:
    """Validate a session token on a request and record the activity.

    Ends the session (audit 'logout' with the reason) when it has been idle longer than
    ``policy.idle_minutes`` or open longer than ``policy.absolute_hours``, or when the user has
    been deactivated. The scope in the result is read from ``app_user`` on every call, so a
    changed role or unit applies at the next request.
    """
    now = local_now(now)
    if not isinstance(session_id, str) or not session_id:
        return SessionState("invalid", MSG_NO_SESSION)
    key = _token_key(session_id)

    def work() -> SessionState:
        row = con.execute(
            """
            SELECT s.username, s.created_at, s.last_seen, s.end_reason,
                   u.role, u.unit_id, u.display_name, u.active, u.must_change_password
            FROM app_session s JOIN app_user u ON u.username = s.username
            WHERE s.session_id = ?
            """,
            [key],
        ).fetchone()
        if row is None:
            return SessionState("invalid", MSG_NO_SESSION)
        username, created_at, last_seen, end_reason, role, unit_id, display_name, active, must = row
        if end_reason is not None:
            return SessionState("ended", END_REASONS[end_reason], username, end_reason=end_reason)
        if not active:
            _end_session_row(con, key, username, "user_disabled", now)
            return SessionState("ended", END_REASONS["user_disabled"], username, end_reason="user_disabled")
        for reason, over in (
            ("absolute_timeout", now - created_at > policy.absolute),
            ("idle_timeout", now - last_seen > policy.idle),
        ):
            if over:
                _end_session_row(con, key, username, reason, now)
                return SessionState("expired", END_REASONS[reason], username, end_reason=reason)
        con.execute(
            "UPDATE app_session SET last_seen = greatest(last_seen, ?) WHERE session_id = ?",
            [now, key],
        )
        return SessionState(
            "ok", "", username, Scope(username, role, unit_id), display_name, bool(must)
        )

    return _write(con, work)


def end_session(
    con: duckdb.DuckDBPyConnection,
    session_id: str,
    reason: str = "logout",
    *,
    now: datetime | None = None,
) -> bool:
    """End a session (default: the user logged out); audit 'logout'. False if already ended."""
    if reason not in END_REASONS:
        raise ValueError(f"unknown end reason {reason!r}; known: {', '.join(END_REASONS)}")
    now = local_now(now)
    if not isinstance(session_id, str) or not session_id:
        return False
    key = _token_key(session_id)

    def work() -> bool:
        row = con.execute("SELECT username FROM app_session WHERE session_id = ?", [key]).fetchone()
        return bool(row) and _end_session_row(con, key, row[0], reason, now)

    return _write(con, work)


# --------------------------------------------------------------------------- own password


def change_password(
    con: duckdb.DuckDBPyConnection,
    username: str,
    old: str,
    new: str,
    *,
    current_session_id: str,
    now: datetime | None = None,
    password_policy: PasswordPolicy = PasswordPolicy(),
    login_policy: LoginPolicy = LoginPolicy(),
    hasher: PasswordHasher | None = None,
) -> int:
    """The user changes their own password; returns how many OTHER sessions were ended.

    Raises PasswordRuleError (new password breaks the rules or equals the old one) or
    AuthError (current session not this user's open session, account locked, or wrong old
    password: counted as a failed sign-in towards lockout). The current session stays open;
    all others end with reason 'password_changed'. Audit: 'password_change'.
    """
    now = local_now(now)
    hasher = hasher or DEFAULT_HASHER
    check_password(new, username=username, policy=password_policy)
    if new == old:
        raise PasswordRuleError(["新密码不能与原密码相同。"])
    if not isinstance(current_session_id, str) or not current_session_id:
        raise AuthError(MSG_NO_SESSION)
    keep_key = _token_key(current_session_id)
    session = con.execute(
        "SELECT username FROM app_session WHERE session_id = ? AND ended_at IS NULL", [keep_key]
    ).fetchone()
    user = _load_user(con, username)
    if session is None or user is None or session[0] != username or not user.active:
        raise AuthError(MSG_NO_SESSION)
    if user.locked_until is not None and user.locked_until > now:
        raise AuthError(_locked_message(user.locked_until))
    if not _verify(hasher, user.password_hash, old):
        new_lock = _write(con, lambda: _record_failure(
            con, username, known=True, reason="password_change", now=now, policy=login_policy))
        raise AuthError("原密码不正确。" + (_locked_message(new_lock) if new_lock else ""))
    new_hash = hasher.hash(new)

    def work() -> int:
        changed = con.execute(
            "UPDATE app_user SET password_hash = ?, password_changed_at = ?, "
            "must_change_password = FALSE, failed_logins = 0, locked_until = NULL "
            "WHERE username = ? AND password_hash = ? RETURNING username",
            [new_hash, now, username, user.password_hash],
        ).fetchall()
        if not changed:
            raise AuthError("密码刚被修改过，请重新登录后再试。")
        ended = _end_user_sessions(con, username, "password_changed", now, keep_key=keep_key)
        record(con, username, "password_change", {"ended_sessions": ended}, now=now)
        return ended

    return _write(con, work)


# --------------------------------------------------------------------------- administration


def _insert_user(
    con: duckdb.DuckDBPyConnection, *, username: str, display_name: str, role: str,
    unit_id: str | None, password_hash: str, must_change_password: bool, now: datetime,
) -> None:
    con.execute(
        "INSERT INTO app_user (username, display_name, role, unit_id, password_hash, "
        "password_changed_at, created_at, must_change_password) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [username, display_name.strip(), role, unit_id, password_hash, now, now, must_change_password],
    )
    # A name that collected failed attempts before it existed starts clean.
    con.execute("DELETE FROM login_throttle WHERE username = ?", [username])


def ensure_admin(
    con: duckdb.DuckDBPyConnection,
    *,
    env: Mapping[str, str] = os.environ,
    now: datetime | None = None,
    policy: PasswordPolicy = PasswordPolicy(),
    hasher: PasswordHasher | None = None,
) -> str | None:
    """Create the first account ('admin', committee) when there is none.

    Password: ``env['PARTY_DASHBOARD_ADMIN_PASSWORD']`` if set and non-empty (must satisfy
    the rules, else PasswordRuleError and nothing is created), otherwise a random one that is
    returned, to be shown once. Returns the generated password, or None (env password used, or
    accounts already exist). The admin must change the password at first sign-in
    (``must_change_password``). Audit: 'user_create' by 'system'.
    """
    now = local_now(now)
    hasher = hasher or DEFAULT_HASHER
    if con.execute("SELECT count(*) FROM app_user").fetchone()[0]:
        return None
    supplied = env.get(ADMIN_PASSWORD_ENV) or None
    if supplied is not None:
        problems = password_problems(supplied, username=ADMIN_USERNAME, policy=policy)
        if problems:
            raise PasswordRuleError([f"环境变量 {ADMIN_PASSWORD_ENV} 中的密码不符合要求：{p}" for p in problems])
    password = supplied or generate_password(policy)
    password_hash = hasher.hash(password)

    def work() -> bool:
        if con.execute("SELECT count(*) FROM app_user").fetchone()[0]:
            return False  # another thread got there first
        _insert_user(
            con, username=ADMIN_USERNAME, display_name=ADMIN_DISPLAY_NAME, role="committee",
            unit_id=None, password_hash=password_hash, must_change_password=True, now=now,
        )
        record(
            con, SYSTEM_ACTOR, "user_create",
            {"username": ADMIN_USERNAME, "role": "committee", "bootstrap": True,
             "password_source": "env" if supplied else "generated"},
            now=now,
        )
        return True

    created = _write(con, work)
    return password if created and supplied is None else None


def create_user(
    con: duckdb.DuckDBPyConnection,
    *,
    username: str,
    display_name: str,
    role: str,
    unit_id: str | None = None,
    password: str,
    actor: Scope,
    must_change_password: bool = True,
    now: datetime | None = None,
    policy: PasswordPolicy = PasswordPolicy(),
    hasher: PasswordHasher | None = None,
) -> None:
    """Create an account (committee actors only: PermissionError otherwise).

    ``unit_id`` is required for role 'secretary' (a branch or general branch) and must be None
    otherwise. Raises ValueError (Chinese) for a bad or taken name (names differing only in
    case count as taken), bad role/unit, and PasswordRuleError for the password. The user must
    change the password at first sign-in unless ``must_change_password=False``.
    Audit: 'user_create' by the actor.
    """
    _require_admin(actor)
    now = local_now(now)
    hasher = hasher or DEFAULT_HASHER
    if not isinstance(username, str) or not USERNAME_RE.fullmatch(username):
        raise ValueError("用户名须为2-64位英文字母、数字、下划线、点或连字符。")
    _validate_account(con, display_name=display_name, role=role, unit_id=unit_id)
    check_password(password, username=username, policy=policy)
    password_hash = hasher.hash(password)

    def work() -> None:
        taken = con.execute(
            "SELECT count(*) FROM app_user WHERE lower(username) = lower(?)", [username]
        ).fetchone()[0]
        if taken:
            raise ValueError(f"用户名 {username} 已存在。")
        _insert_user(
            con, username=username, display_name=display_name, role=role, unit_id=unit_id,
            password_hash=password_hash, must_change_password=must_change_password, now=now,
        )
        record(
            con, actor.username, "user_create",
            {"username": username, "display_name": display_name.strip(), "role": role,
             "unit_id": unit_id},
            now=now,
        )

    _write(con, work)


def update_user(
    con: duckdb.DuckDBPyConnection,
    username: str,
    *,
    display_name: str,
    role: str,
    unit_id: str | None,
    actor: Scope,
    now: datetime | None = None,
) -> None:
    """Change an account's name, role and unit (all three given, as an edit form submits them).

    Refuses to leave no active committee account. Open sessions pick the new scope up at their
    next ``touch_session``. Audit: 'user_update' with before/after.
    """
    _require_admin(actor)
    now = local_now(now)
    _validate_account(con, display_name=display_name, role=role, unit_id=unit_id)

    def work() -> None:
        user = _require_user(con, username)
        if (user.role == "committee" and role != "committee" and user.active
                and _active_committee_count(con) <= 1):
            raise ValueError("至少需要保留一个启用的党委/党办账号。")
        con.execute(
            "UPDATE app_user SET display_name = ?, role = ?, unit_id = ? WHERE username = ?",
            [display_name.strip(), role, unit_id, username],
        )
        record(
            con, actor.username, "user_update",
            {"username": username,
             "before": {"display_name": user.display_name, "role": user.role, "unit_id": user.unit_id},
             "after": {"display_name": display_name.strip(), "role": role, "unit_id": unit_id}},
            now=now,
        )

    _write(con, work)


def set_active(
    con: duckdb.DuckDBPyConnection,
    username: str,
    active: bool,
    actor: Scope,
    *,
    now: datetime | None = None,
) -> None:
    """Enable or disable an account (committee actors only).

    Disabling ends all the user's sessions (reason 'user_disabled'); it is refused for the
    actor's own account and for the last active committee account. Enabling also clears a
    lockout (the administrator's way to unlock early). Audit: 'user_update'.
    """
    _require_admin(actor)
    now = local_now(now)
    active = bool(active)

    def work() -> None:
        user = _require_user(con, username)
        ended = 0
        if not active:
            if username == actor.username:
                raise ValueError("不能停用自己的账号。")
            if user.role == "committee" and user.active and _active_committee_count(con) <= 1:
                raise ValueError("至少需要保留一个启用的党委/党办账号。")
            con.execute("UPDATE app_user SET active = FALSE WHERE username = ?", [username])
            ended = _end_user_sessions(con, username, "user_disabled", now)
        else:
            con.execute(
                "UPDATE app_user SET active = TRUE, failed_logins = 0, locked_until = NULL "
                "WHERE username = ?",
                [username],
            )
        record(
            con, actor.username, "user_update",
            {"username": username, "active": active, "ended_sessions": ended},
            now=now,
        )

    _write(con, work)


def reset_password(
    con: duckdb.DuckDBPyConnection,
    username: str,
    new: str,
    actor: Scope,
    *,
    now: datetime | None = None,
    policy: PasswordPolicy = PasswordPolicy(),
    hasher: PasswordHasher | None = None,
) -> int:
    """An administrator sets a new password; returns the number of sessions ended.

    Ends ALL the user's sessions (reason 'password_reset'), clears any lockout and makes the
    user change the password at next sign-in. Audit: 'password_reset' by the actor.
    """
    _require_admin(actor)
    now = local_now(now)
    hasher = hasher or DEFAULT_HASHER
    _require_user(con, username)
    check_password(new, username=username, policy=policy)
    new_hash = hasher.hash(new)

    def work() -> int:
        con.execute(
            "UPDATE app_user SET password_hash = ?, password_changed_at = ?, "
            "must_change_password = TRUE, failed_logins = 0, locked_until = NULL "
            "WHERE username = ?",
            [new_hash, now, username],
        )
        ended = _end_user_sessions(con, username, "password_reset", now)
        record(con, actor.username, "password_reset",
               {"username": username, "ended_sessions": ended}, now=now)
        return ended

    return _write(con, work)


def list_users(con: duckdb.DuckDBPyConnection, *, scope: Scope) -> pd.DataFrame:
    """All accounts for the administration page (never the password hashes); committee only.

    Returns
    -------
    DataFrame with columns username, display_name, role, role_zh, unit_id, unit_name, active,
    must_change_password, failed_logins, locked_until, password_changed_at, created_at,
    last_seen (latest session activity, NaT if never), open_sessions (sessions not ended yet;
    an expired one is ended at its next request); ordered by username.
    """
    _require_admin(scope)
    df = con.execute(
        """
        SELECT u.username, u.display_name, u.role, u.unit_id, o.name AS unit_name, u.active,
               u.must_change_password, u.failed_logins, u.locked_until, u.password_changed_at,
               u.created_at, s.last_seen, coalesce(s.open_sessions, 0) AS open_sessions
        FROM app_user u
        LEFT JOIN org_unit o ON o.unit_id = u.unit_id
        LEFT JOIN (
            SELECT username, max(last_seen) AS last_seen,
                   count(*) FILTER (WHERE ended_at IS NULL) AS open_sessions
            FROM app_session GROUP BY username
        ) s ON s.username = u.username
        ORDER BY u.username
        """
    ).df()
    df.insert(3, "role_zh", df["role"].map(ROLES))
    return df
