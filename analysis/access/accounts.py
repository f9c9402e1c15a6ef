"""Administration of local accounts: the first admin account (``ensure_admin``), creating,
editing, deactivating and unlocking accounts, resetting passwords and listing users. Every
operation but ``ensure_admin`` takes the acting committee scope; every change is audited in
its own transaction.

``auth`` re-exports the public names.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import datetime

import duckdb
import pandas as pd
from argon2 import PasswordHasher

from analysis.access._common import ADMIN_USERNAME, USERNAME_RE, _end_user_sessions, _iso, _require_user, _write
from analysis.access.audit import local_now, record
from analysis.access.passwords import (
    DEFAULT_HASHER,
    PasswordRuleError,
    check_password,
    generate_password,
    password_problems,
)
from analysis.config import PasswordPolicy
from analysis.db import fetch_frame
from analysis.scope import ROLES, Scope

ADMIN_DISPLAY_NAME = "系统管理员"
ADMIN_PASSWORD_ENV = "PARTY_DASHBOARD_ADMIN_PASSWORD"
SYSTEM_ACTOR = "system"


def _require_admin(actor: Scope) -> None:
    if not isinstance(actor, Scope) or actor.role != "committee":
        raise PermissionError("仅党委/党办账号可以管理用户。")


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
    df = fetch_frame(
        con,
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
    )
    df.insert(3, "role_zh", df["role"].map(ROLES))
    return df
