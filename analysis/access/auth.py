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
Layout: this module signs in (``authenticate``) and keeps sessions and one's own password;
``analysis.access.passwords`` holds the password rules, hashing and the lockout,
``analysis.access.accounts`` the administration of accounts, and ``analysis.access._common``
what they share. Every public name of those is re-exported here, so callers write
``from analysis.access import auth`` and ``auth.<name>``.
"""

from __future__ import annotations

import hashlib
import math
import secrets
from dataclasses import dataclass
from datetime import datetime

import duckdb
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError

from analysis import db
from analysis.access._common import (
    ADMIN_USERNAME,
    MSG_BAD_CREDENTIALS,
    MSG_INACTIVE,
    USERNAME_RE,
    LoginResult,
    _end_user_sessions,
    _load_user,
    _login_write,
    _require_user,
    _User,
    _write,
)
from analysis.access.accounts import (
    ADMIN_DISPLAY_NAME,
    ADMIN_PASSWORD_ENV,
    SYSTEM_ACTOR,
    create_user,
    ensure_admin,
    list_users,
    reset_password,
    set_active,
    unlock,
    update_user,
)
from analysis.access.audit import local_now, record
from analysis.access.passwords import (
    COMMON_PASSWORDS_FILE,
    DEFAULT_HASHER,
    MAX_PASSWORD_INPUT,
    PasswordRuleError,
    _dummy_hash,
    _lock_of_another,
    _locked_message,
    _reserve,
    _settle,
    _throttled_message,
    _Ticket,
    _verification_slots,
    _verify,
    character_classes,
    check_password,
    common_passwords,
    generate_password,
    hash_password,
    password_problems,
)
from analysis.access.throttle import CLIENTS, ClientThrottle
from analysis.config import LoginPolicy, PasswordPolicy
from analysis.scope import Scope

# Also every public name of passwords, accounts and _common: callers write ``auth.<name>``.
__all__ = [
    # sign-in and sessions (here)
    "END_REASONS",
    "MSG_BUSY",
    "MSG_LOGIN_OK",
    "MSG_NO_SESSION",
    "AuthError",
    "SessionState",
    "authenticate",
    "change_password",
    "end_idle_sessions",
    "end_session",
    "start_session",
    "touch_session",
    # shared (_common)
    "ADMIN_USERNAME",
    "MSG_BAD_CREDENTIALS",
    "MSG_INACTIVE",
    "USERNAME_RE",
    "LoginResult",
    # passwords and lockout (passwords)
    "COMMON_PASSWORDS_FILE",
    "DEFAULT_HASHER",
    "MAX_PASSWORD_INPUT",
    "PasswordRuleError",
    "character_classes",
    "check_password",
    "common_passwords",
    "generate_password",
    "hash_password",
    "password_problems",
    # administration (accounts)
    "ADMIN_DISPLAY_NAME",
    "ADMIN_PASSWORD_ENV",
    "SYSTEM_ACTOR",
    "create_user",
    "ensure_admin",
    "list_users",
    "reset_password",
    "set_active",
    "unlock",
    "update_user",
]

END_REASONS = {
    "logout": "已退出登录，请重新登录。",
    "idle_timeout": "长时间未操作，登录已超时，请重新登录。",
    "absolute_timeout": "登录时间已超过上限，请重新登录。",
    "password_changed": "密码已修改，请使用新密码重新登录。",
    "password_reset": "密码已被管理员重置，请重新登录。",
    "user_disabled": "账号已停用，请联系党委办公室。",
}

MSG_LOGIN_OK = "登录成功。"
MSG_NO_SESSION = "未登录或会话无效，请重新登录。"
MSG_BUSY = "登录请求较多，请稍后再试。"


class AuthError(Exception):
    """A credential check inside an account operation failed; the message is Chinese."""


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


def _token_key(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _audit_name(typed: str) -> str:
    return typed[:64] if typed else "(空)"


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
