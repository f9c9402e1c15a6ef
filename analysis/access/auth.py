"""Local accounts: passwords, sign-in with lockout, server-side sessions, administration.

No Streamlit in here: the UI calls these functions and keeps only an opaque session token.

Security properties (what 等保2.0 assessors check, and how it is met):

- Passwords are hashed with argon2id (argon2-cffi ``PasswordHasher``, salted, slow); a hash
  made with older parameters is replaced at the next successful sign-in.
- There is no default password: ``ensure_admin`` creates the first account with a password
  from ``PARTY_DASHBOARD_ADMIN_PASSWORD`` or a random one that it returns once.
- Password rules (``PasswordPolicy``): length, character classes, not containing the name,
  not in the common-password list (data/common-passwords.txt.gz).
- Sign-in (``authenticate``) gives one message for an unknown name and a wrong password,
  spends the same hashing time on both, and locks a name after ``max_failures`` consecutive
  failures for ``lockout_minutes``: existing and unknown names alike (table
  ``login_throttle``), so the lockout does not reveal which names exist either. Attempts are
  counted before their password is checked, so parallel attempts cannot outrun the lock; the
  number of passwords verified at once is bounded; a client that keeps failing is made to
  wait (``analysis.access.throttle``), so nobody can keep every name locked.
- Sessions live in ``app_session`` and are checked on every request (``touch_session``):
  idle and absolute timeouts, logout, and ending on password change/reset or deactivation.
  The database stores only the SHA-256 of the token given to the browser session.
- Every change writes its ``audit_log`` row in the same transaction (``analysis.audit``).

Time: every function takes ``now`` (naive local time, or aware and converted; default the
current time) so that tests can move the clock. All timestamps in the tables are naive local
time, like the ``current_timestamp`` defaults of the schema.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import math
import os
import re
import secrets
import threading
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
from analysis.access.throttle import CLIENTS, ClientThrottle
from analysis.config import DATA_DIR, LoginPolicy, PasswordPolicy
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
MSG_BUSY = "登录请求较多，请稍后再试。"

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
    retry_after: timedelta | None = None  # the client is throttled for this long


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
    if policy.refuse_common and password.lower() in common_passwords():
        problems.append("该密码是常见密码（在公开的常用密码表中），很容易被猜中，请换一个。")
    return problems


COMMON_PASSWORDS_FILE = DATA_DIR / "common-passwords.txt.gz"


@functools.cache
def common_passwords() -> frozenset[str]:
    """The common-password list (lower case): Django's 20,000, see data/common-passwords.NOTICE."""
    with gzip.open(COMMON_PASSWORDS_FILE, "rt", encoding="utf-8") as lines:
        return frozenset(line.strip() for line in lines if line.strip())


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


# The short transactions on a name's failure count (reserve, settle, sign in) take turns within the
# process: fifty attempts on one name at once would otherwise mostly end in DuckDB write conflicts
# and retries. The password checks between them run in parallel.
_LOGIN_STATE = threading.Lock()


def _login_write(con: duckdb.DuckDBPyConnection, work: Callable[[], T]) -> T:
    with _LOGIN_STATE:
        return _write(con, work)


def _token_key(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _locked_message(locked_until: datetime) -> str:
    # Round up to the minute so that the time shown is never still inside the lockout.
    shown = locked_until.replace(second=0, microsecond=0)
    if shown < locked_until:
        shown += timedelta(minutes=1)
    return f"连续登录失败次数过多，账号已锁定，请于{shown:%Y-%m-%d %H:%M}后再试。"


def _iso(moment: datetime) -> str:
    return moment.isoformat(sep=" ", timespec="seconds")


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


@dataclass(frozen=True)
class _Ticket:
    """A sign-in attempt reserved before its password is checked (see ``_reserve``)."""

    user: _User | None
    number: int = 0  # its place in the name's current series of failures
    lock: datetime | None = None  # it reached max_failures and locked the name until then
    refused_until: datetime | None = None  # refused unchecked: the name was locked until then


def _throttle_table(known: bool) -> str:
    # Unknown names count in login_throttle exactly as accounts do in app_user (see 002_sessions.sql).
    return "app_user" if known else "login_throttle"


def _reserve(con: duckdb.DuckDBPyConnection, name: str, *, now: datetime, policy: LoginPolicy) -> _Ticket:
    """Count an attempt on ``name`` as a failure before its password is checked (caller's
    transaction), or refuse it unchecked while the name is locked.

    Counting first is what bounds guesses: attempts that arrive together each take the next
    number, and the one reaching ``max_failures`` locks the name at once, so however many
    arrive, at most ``max_failures`` passwords are checked per lockout. A success clears the
    count (``_sign_in``); a failure only needs auditing (``_settle``).
    """
    user = _load_user(con, name)
    table = _throttle_table(user is not None)
    row = con.execute(f"SELECT failed_logins, locked_until FROM {table} WHERE username = ?", [name]).fetchone()
    failures, locked_until = row if row else (0, None)
    if locked_until is not None and locked_until > now:
        record(con, name, "login_failed", {"reason": "locked"}, now=now)
        return _Ticket(user, refused_until=locked_until)
    if locked_until is not None:
        failures = 0  # the lockout has passed: a new series of attempts starts
    failures += 1
    new_lock = now + policy.lockout if failures >= policy.max_failures else None
    if user is not None:
        con.execute("UPDATE app_user SET failed_logins = ?, locked_until = ? WHERE username = ?",
                    [failures, new_lock, name])
    else:
        con.execute(
            "INSERT INTO login_throttle (username, failed_logins, locked_until, last_failed_at) "
            "VALUES (?, ?, ?, ?) ON CONFLICT (username) DO UPDATE SET "
            "failed_logins = excluded.failed_logins, locked_until = excluded.locked_until, "
            "last_failed_at = excluded.last_failed_at",
            [name, failures, new_lock, now],
        )
    return _Ticket(user, failures, new_lock)


def _lock_of_another(con: duckdb.DuckDBPyConnection, name: str, ticket: _Ticket, now: datetime) -> datetime | None:
    """When the lock set by another attempt since ``ticket`` was reserved ends (None: no such lock)."""
    if ticket.lock is not None:
        return None
    table = _throttle_table(ticket.user is not None)
    row = con.execute(f"SELECT locked_until FROM {table} WHERE username = ?", [name]).fetchone()
    locked_until = row[0] if row else None
    return locked_until if locked_until is not None and locked_until > now else None


def _settle(
    con: duckdb.DuckDBPyConnection, name: str, ticket: _Ticket, *, outcome: str, now: datetime
) -> LoginResult:
    """Audit a checked attempt that does not sign in and give its answer (caller's transaction).

    ``outcome``: 'bad_password', 'unknown_user', 'password_change' (a wrong old password),
    'inactive' or 'right_password' (right, but the name was locked meanwhile). While another
    attempt's lock holds, the answer is that lock's whatever the password was, so that the
    answers during a lock tell nothing; a right password refused so is audited as
    'login_refused_locked' (the committee learns that the password is known).
    """
    other_lock = _lock_of_another(con, name, ticket, now)
    if other_lock is not None:
        if outcome in ("right_password", "inactive"):
            record(con, name, "login_refused_locked", {"locked_until": _iso(other_lock)}, now=now)
        else:
            record(con, name, "login_failed", {"reason": "locked", "failures": ticket.number}, now=now)
        return LoginResult(False, _locked_message(other_lock), locked_until=other_lock)
    if outcome == "inactive":
        record(con, name, "login_failed", {"reason": "inactive"}, now=now)
        return LoginResult(False, MSG_INACTIVE)
    record(con, name, "login_failed", {"reason": outcome, "failures": ticket.number}, now=now)
    if ticket.lock is None:
        return LoginResult(False, MSG_BAD_CREDENTIALS)
    record(con, name, "lockout",
           {"failures": ticket.number, "locked_until": _iso(ticket.lock), "known_user": ticket.user is not None},
           now=now)
    return LoginResult(False, _locked_message(ticket.lock), locked_until=ticket.lock)


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
    client: str | None = None,
    throttle: ClientThrottle = CLIENTS,
) -> LoginResult:
    """Check a name and password, with lockout and client throttling; optionally start a session.

    Unknown name and wrong password give the same message and cost one hash verification each.
    Every attempt is counted before its password is checked (``_reserve``): after
    ``policy.max_failures`` consecutive failures the name is locked for
    ``policy.lockout_minutes``, and every attempt until then is refused unchecked with a message
    saying when it unlocks, the right password included (the same message whether it is right
    or not). ``client`` (the remote address or browser session; None: not throttled, for the
    command line and tests) counts every attempt in ``throttle``, which refuses a client's
    attempts for a while once it has failed too often (``analysis.access.throttle``). At most
    ``policy.concurrent_checks`` passwords are verified at once in this process; an attempt
    that finds no free slot in ``policy.check_wait_seconds`` is answered "稍后再试" unchecked
    and uncounted. Success resets the counters, upgrades an outdated hash and
    (``create_session=True``) returns a session token in ``session_id``. An inactive account is
    told so only when the password is right. Audit: 'login', 'login_failed', 'lockout',
    'login_refused_locked'.
    """
    now = local_now(now)
    hasher = hasher or DEFAULT_HASHER
    name = username.strip() if isinstance(username, str) else ""
    if client is not None:
        refusal = throttle.reserve(client, now=now, policy=policy)
        if refusal is not None:
            if refusal.first:
                _write(con, lambda: record(con, _audit_name(name), "login_failed",
                                           {"reason": "client_throttled", "client": client[:64],
                                            "wait_seconds": math.ceil(refusal.wait.total_seconds())}, now=now))
            return LoginResult(False, _throttled_message(refusal.wait), retry_after=refusal.wait)
    slots = _verification_slots(policy.concurrent_checks)
    if not slots.acquire(timeout=policy.check_wait_seconds):
        if client is not None:
            throttle.cancel(client)
        return LoginResult(False, MSG_BUSY)
    try:
        result = _check(con, name, password, now=now, policy=policy, hasher=hasher, create_session=create_session)
    finally:
        slots.release()
    if result.ok and client is not None:
        throttle.succeeded(client)
    return result


@functools.cache
def _verification_slots(size: int) -> threading.BoundedSemaphore:
    """The process's slots for password verification (argon2id takes 64 MiB and tens of ms each)."""
    return threading.BoundedSemaphore(size)


def _throttled_message(wait: timedelta) -> str:
    seconds = math.ceil(wait.total_seconds())
    shown = f"{seconds} 秒" if seconds < 120 else f"{math.ceil(seconds / 60)} 分钟"
    return f"登录尝试过于频繁，请 {shown}后再试。"


def _check(
    con: duckdb.DuckDBPyConnection, name: str, password: str, *, now: datetime, policy: LoginPolicy,
    hasher: PasswordHasher, create_session: bool,
) -> LoginResult:
    """``authenticate`` inside its verification slot: reserve, verify, settle."""
    if not USERNAME_RE.fullmatch(name):
        # Cannot be an account name: no counter (nothing to protect), same cost and message.
        _verify(hasher, _dummy_hash(hasher), password)
        _write(con, lambda: record(con, _audit_name(name), "login_failed",
                                   {"reason": "invalid_name"}, now=now))
        return LoginResult(False, MSG_BAD_CREDENTIALS)
    ticket = _login_write(con, lambda: _reserve(con, name, now=now, policy=policy))
    if ticket.refused_until is not None:
        return LoginResult(False, _locked_message(ticket.refused_until), locked_until=ticket.refused_until)
    user = ticket.user
    stored = user.password_hash if user is not None else _dummy_hash(hasher)
    matched = _verify(hasher, stored, password) and user is not None
    if matched and user.active:
        return _sign_in(con, user, password, ticket, now=now, hasher=hasher, create_session=create_session)
    outcome = "inactive" if matched else "bad_password" if user is not None else "unknown_user"
    return _login_write(con, lambda: _settle(con, name, ticket, outcome=outcome, now=now))


def _sign_in(
    con: duckdb.DuckDBPyConnection, user: _User, password: str, ticket: _Ticket, *, now: datetime,
    hasher: PasswordHasher, create_session: bool,
) -> LoginResult:
    """Finish a sign-in whose password matched: in one transaction reset the failure count,
    upgrade an outdated hash, open a session if asked, and audit 'login'; unless another
    attempt has locked the name since this one was reserved (then ``_settle`` answers)."""
    try:
        new_hash = hasher.hash(password) if hasher.check_needs_rehash(user.password_hash) else None
    except InvalidHashError:
        new_hash = None

    def succeed() -> LoginResult:
        # Re-check inside the transaction: password, activity and lock may have changed since.
        unchanged = con.execute(
            "SELECT count(*) FROM app_user WHERE username = ? AND password_hash = ? AND active",
            [user.username, user.password_hash],
        ).fetchone()[0]
        if not unchanged:
            return LoginResult(False, MSG_BAD_CREDENTIALS)
        if _lock_of_another(con, user.username, ticket, now) is not None:
            return _settle(con, user.username, ticket, outcome="right_password", now=now)
        con.execute(
            "UPDATE app_user SET failed_logins = 0, locked_until = NULL, "
            "password_hash = coalesce(?, password_hash) WHERE username = ?",
            [new_hash, user.username],
        )
        token = key = None
        if create_session:
            token, key = _insert_session(con, user.username, now)
        detail = {"session": key[:12]} if key else None
        if new_hash:
            detail = {**(detail or {}), "rehashed": True}
        record(con, user.username, "login", detail, now=now)
        return LoginResult(
            True, MSG_LOGIN_OK, scope=user.scope, display_name=user.display_name,
            must_change_password=bool(user.must_change_password), session_id=token,
        )

    return _login_write(con, succeed)


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
        if now - last_seen >= policy.activity_write:
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


def end_idle_sessions(
    con: duckdb.DuckDBPyConnection,
    *,
    now: datetime | None = None,
    policy: LoginPolicy = LoginPolicy(),
) -> int:
    """End every open session past its idle or absolute timeout; return how many.

    ``touch_session`` ends an expired session at its next request, but a tab that was closed
    sends none, so its session would stay open (and count in 账户与审计) for ever. The app runs
    this every minute (``ui.session``). Audit: 'logout' per session, with the reason.
    """
    now = local_now(now)

    def work() -> int:
        ended = con.execute(
            """
            UPDATE app_session
            SET ended_at = $now,
                end_reason = CASE WHEN created_at < $absolute THEN 'absolute_timeout' ELSE 'idle_timeout' END
            WHERE ended_at IS NULL AND (created_at < $absolute OR last_seen < $idle)
            RETURNING session_id, username, end_reason
            """,
            {"now": now, "absolute": now - policy.absolute, "idle": now - policy.idle},
        ).fetchall()
        for key, username, reason in ended:
            record(con, username, "logout", {"reason": reason, "session": key[:12], "swept": True}, now=now)
        return len(ended)

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
    ticket = _login_write(con, lambda: _reserve(con, username, now=now, policy=login_policy))
    if ticket.refused_until is not None:
        raise AuthError(_locked_message(ticket.refused_until))
    if not _verify(hasher, user.password_hash, old):
        answer = _login_write(con, lambda: _settle(con, username, ticket, outcome="password_change", now=now))
        raise AuthError("原密码不正确。" + (_locked_message(answer.locked_until) if answer.locked_until else ""))
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


def unlock(
    con: duckdb.DuckDBPyConnection,
    username: str,
    actor: Scope,
    *,
    now: datetime | None = None,
) -> None:
    """Lift a lockout early and clear the failure count (committee actors only).

    For an account, or for a name without one that collected failures (``login_throttle``).
    Raises ValueError when the name is neither. Audit: 'unlock' with the lock it lifted.
    """
    _require_admin(actor)
    now = local_now(now)

    def work() -> None:
        before = [row for table in ("app_user", "login_throttle")
                  for row in con.execute(f"SELECT failed_logins, locked_until FROM {table} WHERE username = ?",
                                         [username]).fetchall()]
        if not before:
            raise ValueError(f"用户 {username} 不存在，也没有登录失败记录。")
        for table in ("app_user", "login_throttle"):
            con.execute(f"UPDATE {table} SET failed_logins = 0, locked_until = NULL WHERE username = ?", [username])
        failures, locked_until = before[0]
        record(con, actor.username, "unlock",
               {"username": username, "failures": failures, "locked_until": _iso(locked_until) if locked_until else None},
               now=now)

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
