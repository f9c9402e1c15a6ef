"""The audit log: who did what, when (等保2.0 安全审计).

The application only ever appends (``record``) and reads (``audit_entries``); there is
deliberately no function that updates or deletes a row. ``record`` opens no transaction of its
own: a caller that changes data calls it inside its ``db.transaction(con)`` block, so the
change and its audit row commit or roll back together.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

import duckdb
import pandas as pd

from analysis.db import fetch_frame
from analysis.scope import Scope

# Every action the application records, with its label for the audit page.
ACTIONS: dict[str, str] = {
    "login": "登录",
    "login_failed": "登录失败",
    "lockout": "账号锁定",
    "login_refused_locked": "锁定期间输入了正确密码（已拒绝）",
    "unlock": "解除锁定",
    "logout": "退出/会话结束",
    "password_change": "修改密码",
    "password_reset": "重置密码",
    "user_create": "创建账号",
    "user_update": "修改账号",
    "import": "导入数据",
    "import_rejected": "导入被拒绝",
    "rollback": "撤销导入",
    "export": "导出数据",
    "config_change": "修改配置",
    "survey_option_order": "调整问卷选项顺序",
    "survey_waves": "关联多期问卷",
    "template_change": "更换汇报模板",
}

MAX_LIMIT = 10_000


def local_now(now: datetime | None = None) -> datetime:
    """``now`` as a naive local timestamp (the convention of every TIMESTAMP column here).

    ``None`` means the current time; an aware datetime is converted to local time.
    """
    if now is None:
        return datetime.now()
    if now.tzinfo is not None:
        return now.astimezone().replace(tzinfo=None)
    return now


def encode_detail(detail: dict[str, Any] | str | None) -> str | None:
    """Detail as JSON text (UTF-8 kept readable): an object for a dict, a string for a str."""
    if detail is None:
        return None
    if not isinstance(detail, (dict, str)):
        raise TypeError(f"audit detail must be a dict, a str or None, not {type(detail).__name__}")
    return json.dumps(detail, ensure_ascii=False, default=str)


def record(
    con: duckdb.DuckDBPyConnection,
    username: str,
    action: str,
    detail: dict[str, Any] | str | None = None,
    *,
    now: datetime | None = None,
) -> int:
    """Append one audit row and return its ``audit_id``.

    Parameters
    ----------
    username : who acted (for failed sign-ins: the name that was typed).
    action : one of ``ACTIONS``; anything else raises ValueError so that typos cannot
        scatter one kind of event over several names.
    detail : a dict (stored as a JSON object) or a str (stored as a JSON string). Never put
        a password, a session token or a member's personal data in it.
    now : the event time (naive local); default the current time.

    Notes
    -----
    Runs one INSERT and no transaction: call it inside the caller's ``db.transaction``.
    """
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}; known: {', '.join(ACTIONS)}")
    if not isinstance(username, str) or not username.strip():
        raise ValueError("audit username must be a non-empty string")
    row = con.execute(
        "INSERT INTO audit_log (audit_id, logged_at, username, action, detail) "
        "VALUES (nextval('audit_seq'), ?, ?, ?, ?) RETURNING audit_id",
        [local_now(now), username, action, encode_detail(detail)],
    ).fetchone()
    return int(row[0])


def audit_entries(
    con: duckdb.DuckDBPyConnection,
    *,
    scope: Scope,
    since: datetime | date | None = None,
    action: str | None = None,
    username: str | None = None,
    limit: int = 500,
) -> pd.DataFrame:
    """The newest audit rows, for committee accounts only.

    Parameters
    ----------
    scope : the viewer; any role other than ``committee`` raises PermissionError.
    since : only rows logged at or after this time (a date means its midnight).
    action : only this action (one of ``ACTIONS``).
    username : only rows of this user.
    limit : at most this many rows (1 .. 10000), newest first.

    Returns
    -------
    DataFrame with columns audit_id, logged_at, username, action, action_zh (Chinese label),
    detail (JSON text or None), newest first.
    """
    if scope.role != "committee":
        raise PermissionError("仅党委/党办账号可以查看审计日志")
    if action is not None and action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
        raise ValueError(f"limit must be an integer between 1 and {MAX_LIMIT}")
    if isinstance(since, date) and not isinstance(since, datetime):
        since = datetime(since.year, since.month, since.day)
    elif since is not None:
        since = local_now(since)
    df = fetch_frame(
        con,
        """
        SELECT audit_id, logged_at, username, action, detail
        FROM audit_log
        WHERE ($since IS NULL OR logged_at >= $since)
          AND ($action IS NULL OR action = $action)
          AND ($username IS NULL OR username = $username)
        ORDER BY audit_id DESC
        LIMIT $limit
        """,
        {"since": since, "action": action, "username": username, "limit": limit},
    )
    df.insert(4, "action_zh", df["action"].map(ACTIONS).fillna(df["action"]))
    return df
