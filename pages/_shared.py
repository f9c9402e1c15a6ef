"""What every page shares: the database handle, the viewer's scope, sidebar filters, caching.

This is the only UI module that touches the connection; pages call ``cached`` with an
analysis function and draw what it returns.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import duckdb
import streamlit as st

from analysis import config as config_mod
from analysis import audit, auth, db, inbox, org, periods
from analysis.scope import Scope

DB_ENV = "PARTY_DASHBOARD_DB"
# Selectbox value meaning "no narrowing" (None would show as an empty placeholder).
ALL = ""


def database_path() -> Path:
    return Path(os.environ.get(DB_ENV) or config_mod.DATA_DIR / "demo.duckdb")


@st.cache_resource(show_spinner=False)
def _database(path: str) -> duckdb.DuckDBPyConnection:
    # One read-write handle per server process; sessions get cursors from it (see README).
    con = db.open_database(path)
    # CLI imports cannot open the file while this process holds it: they queue the file in
    # the inbox beside the database and this thread imports it (see analysis/inbox.py).
    inbox.start_worker(con, inbox.inbox_dir(path))
    password = auth.ensure_admin(con, policy=config_mod.load().password)
    if password:
        # Shown once, on the server console only; the administrator must change it at first login.
        print(f"首次启动：已创建管理员账号 admin，初始密码 {password}（仅显示一次，登录后须修改）", flush=True)
    return con


def cursor() -> duckdb.DuckDBPyConnection:
    """A cursor of the shared database for this script run (DuckDB cursors are per thread)."""
    return _database(str(database_path())).cursor()


def viewer() -> Scope:
    """The signed-in viewer's scope, set on every run by ``signed_in_viewer`` in dashboard.py.

    A page can also be run without dashboard.py: Streamlit runs a requested file from
    pages/ directly when a server process has not yet executed st.navigation. Such a run
    checks the session itself and shows the login form instead of the page.
    """
    scope = st.session_state.get("scope") or signed_in_viewer()
    if scope is None:
        login_page()
        st.stop()
    return scope


@st.cache_data(ttl=900, max_entries=512, show_spinner=False)
def _cached_call(name: str, database: str, version: int, scope_key: tuple, kwargs: dict, _fn: Callable, _con,
                 _scope: Scope) -> Any:
    return _fn(_con, scope=_scope, **kwargs)


def cached(fn: Callable, **kwargs: Any) -> Any:
    """Call ``fn(con, scope=viewer, **kwargs)`` through the shared cache.

    The cache key holds the data version (bumped by every import, from the app or the CLI)
    and the viewer's scope, so no one is served a stale result or one computed for a wider
    scope.
    """
    con = cursor()
    scope = viewer()
    return _cached_call(f"{fn.__module__}.{fn.__qualname__}", str(database_path()), db.data_version(con),
                        scope.cache_key, kwargs, _fn=fn, _con=con, _scope=scope)


@dataclass(frozen=True)
class Filters:
    first: str
    last: str
    unit: str | None
    unit_label: str

    @property
    def period_label(self) -> str:
        if self.first == self.last:
            return periods.label(self.last)
        return f"{periods.label(self.first)}—{periods.label(self.last)}"

    @property
    def period_end(self) -> dt.date:
        return periods.bounds(self.last)[1]


def sidebar_filters() -> Filters:
    """The global filters (quarter range, 总支, 支部), kept in session state across pages."""
    quarters = cached(org.quarters_with_data) or [periods.quarter_of(dt.date.today())]
    units = cached(org.units)
    with st.sidebar:
        st.subheader("筛选")
        default = (quarters[max(0, len(quarters) - 4)], quarters[-1])
        first, last = st.select_slider(
            "季度范围", options=quarters, value=st.session_state.get("quarter_range", default),
            format_func=periods.label, key="quarter_range",
        )
        if viewer().role == "researcher":
            # Researchers see hospital-level aggregates only (enforced again in analysis/).
            return Filters(first=first, last=last, unit=None, unit_label="全院")
        generals = units.dropna(subset=["general_branch_id"]).drop_duplicates("general_branch_id")
        general_names = {ALL: "全院", **dict(zip(generals["general_branch_id"], generals["general_branch_name"]))}
        general = st.selectbox("党总支", options=list(general_names), format_func=general_names.get, key="general_branch")
        branches = units if general == ALL else units[units["general_branch_id"] == general]
        branch_names = {ALL: "全部支部", **dict(zip(branches["branch_id"], branches["branch_name"]))}
        if st.session_state.get("branch") not in branch_names:
            st.session_state["branch"] = ALL
        branch = st.selectbox("党支部", options=list(branch_names), format_func=branch_names.get, key="branch")
    unit = branch if branch != ALL else general if general != ALL else None
    label = branch_names[branch] if branch != ALL else general_names[general]
    return Filters(first=first, last=last, unit=unit, unit_label=label)


def table(frame, *, name: str, column_config: dict | None = None, key: str | None = None) -> None:
    """A table with our own CSV/Excel downloads (formula-safe, audited; built-in export off)."""
    from analysis import exports

    st.dataframe(frame, hide_index=True, column_config=column_config, key=key)
    buttons = st.container(horizontal=True)
    detail = {"table": name, "rows": len(frame)}
    buttons.download_button("下载 CSV", exports.to_csv_bytes(frame), file_name=f"{name}.csv", mime="text/csv",
                         key=f"{key or name}_csv", on_click=record_audit, args=("export", {**detail, "format": "csv"}))
    buttons.download_button("下载 Excel", exports.to_xlsx_bytes({name: frame}), file_name=f"{name}.xlsx",
                          mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                          key=f"{key or name}_xlsx", on_click=record_audit, args=("export", {**detail, "format": "xlsx"}))


def record_audit(action: str, detail: dict | None = None) -> None:
    """Append an audit row for the viewer (its own small transaction)."""
    con = cursor()
    with db.transaction(con):
        audit.record(con, viewer().username, action, detail)


# --------------------------------------------------------------------------- sign-in

TOKEN = "session_token"


def _sign_out_locally(notice: str | None = None) -> None:
    for key in (TOKEN, "scope", "display_name", "must_change_password"):
        st.session_state.pop(key, None)
    if notice:
        st.session_state["login_notice"] = notice


def signed_in_viewer() -> Scope | None:
    """The viewer's scope if their server-side session is alive, else None.

    The session lives on the server (``app_session``): every run touches it, so the idle and
    absolute timeouts, logout and password changes take effect on the next request, and a
    role change reaches an open session.
    """
    con = cursor()
    token = st.session_state.get(TOKEN)
    if token:
        state = auth.touch_session(con, token, policy=config_mod.load().login)
        if state.ok:
            st.session_state["scope"] = state.scope
            st.session_state["display_name"] = state.display_name
            st.session_state["must_change_password"] = state.must_change_password
            return state.scope
        _sign_out_locally(state.message_zh)
        if _sso_configured() and getattr(st.user, "is_logged_in", False):
            st.logout()
    if _sso_configured() and getattr(st.user, "is_logged_in", False):
        _start_sso_session(con)
    return None


def login_page() -> None:
    """The only page an anonymous visitor can reach (every other URL lands here)."""
    _login_form(cursor())


def _login_form(con) -> None:
    _, middle, _ = st.columns([1, 1.2, 1])
    with middle:
        st.title("医院党建数据看板")
        st.caption("请使用党委办公室分配的账号登录。")
        notice = st.session_state.pop("login_notice", None)
        if notice:
            st.warning(notice)
        with st.form("login"):
            username = st.text_input("用户名", autocomplete="username")
            password = st.text_input("密码", type="password", autocomplete="current-password")
            submitted = st.form_submit_button("登录", type="primary", width="stretch")
        if submitted:
            result = auth.authenticate(con, username, password, create_session=True, policy=config_mod.load().login)
            if result.ok:
                st.session_state[TOKEN] = result.session_id
                st.rerun()
            st.error(result.message_zh)
        if _sso_configured():
            st.button("使用单点登录（SSO）", on_click=st.login, width="stretch")
        if org.is_demo(con, scope=Scope.committee()):
            st.caption("当前为演示库：全部人员与数据均为程序合成。演示账号见 `python -m analysis demo` 的输出。")


def _sso_configured() -> bool:
    try:
        return "auth" in st.secrets
    except FileNotFoundError:
        return False


def _start_sso_session(con) -> None:
    """Map an OIDC identity onto a local account and open our own server-side session.

    Streamlit's identity cookie lives 30 days and is not checked for expiry, so it only
    proves who the user is; the session with our idle/absolute timeouts decides whether they
    are still signed in. The account must exist locally (it carries the role and unit).
    """
    claims = st.user.to_dict() if hasattr(st.user, "to_dict") else dict(st.user)
    username = str(claims.get("preferred_username") or claims.get("email", "")).split("@")[0]
    try:
        st.session_state[TOKEN] = auth.start_session(con, username)
    except (ValueError, LookupError):
        st.session_state["login_notice"] = f"单点登录账号 {username} 未在本系统开通或已停用，请联系党委办公室。"
        st.logout()
        return
    st.rerun()


def sign_out() -> None:
    token = st.session_state.get(TOKEN)
    if token:
        auth.end_session(cursor(), token)
    _sign_out_locally("您已退出登录。")
    if _sso_configured() and getattr(st.user, "is_logged_in", False):
        st.logout()


def account_box(scope: Scope) -> None:
    """Who is signed in, with logout, at the bottom of the sidebar."""
    from analysis.scope import ROLES

    with st.sidebar:
        st.divider()
        if cached(org.is_demo):
            st.caption("演示数据：示例医院的全部人员、评分与问卷均为程序合成，不涉及任何真实人员。")
        st.caption(f"{st.session_state.get('display_name', scope.username)} · {ROLES[scope.role]}")
        st.button("退出登录", on_click=sign_out, key="sign_out")
