"""Passwords and the lockout: the password rules (``PasswordPolicy``: length, character
classes, not the name, not in the common-password list), hashing and verification with
argon2id (the same cost for unknown names; a bounded number verified at once), and the
per-name failure count that locks a name (``_reserve`` counts an attempt before its password
is checked, ``_settle`` answers a failed one).

``auth`` re-exports the public names; see its docstring for the security properties.
"""

from __future__ import annotations

import functools
import gzip
import math
import secrets
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

import duckdb
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from analysis.access._common import (
    ADMIN_USERNAME,
    MSG_BAD_CREDENTIALS,
    MSG_INACTIVE,
    LoginResult,
    _iso,
    _load_user,
    _User,
)
from analysis.access.audit import record
from analysis.config import DATA_DIR, LoginPolicy, PasswordPolicy

# argon2id with argon2-cffi's defaults (RFC 9106 low-memory profile: t=3, m=64 MiB, p=4).
# Tests pass a cheap ``hasher=`` instead; production code should not.
DEFAULT_HASHER = PasswordHasher()


# Used for generated passwords: no look-alikes (0/O, 1/l/I), symbols easy to type.
_GEN_ALPHABET = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789" + "!@#%+=-_?"


class PasswordRuleError(ValueError):
    """A new password breaks the rules; ``problems`` lists every rule broken, in Chinese."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        super().__init__("；".join(self.problems))


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


# --------------------------------------------------------------------------- lockout


def _locked_message(locked_until: datetime) -> str:
    # Round up to the minute so that the time shown is never still inside the lockout.
    shown = locked_until.replace(second=0, microsecond=0)
    if shown < locked_until:
        shown += timedelta(minutes=1)
    return f"连续登录失败次数过多，账号已锁定，请于{shown:%Y-%m-%d %H:%M}后再试。"


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


@functools.cache
def _verification_slots(size: int) -> threading.BoundedSemaphore:
    """The process's slots for password verification (argon2id takes 64 MiB and tens of ms each)."""
    return threading.BoundedSemaphore(size)


def _throttled_message(wait: timedelta) -> str:
    seconds = math.ceil(wait.total_seconds())
    shown = f"{seconds} 秒" if seconds < 120 else f"{math.ceil(seconds / 60)} 分钟"
    return f"登录尝试过于频繁，请 {shown}后再试。"
