"""Sign-in, sign-out, SSO and the viewer of the current run.

Sessions live on the server (``app_session``); the browser holds only the opaque token, in
Streamlit's session state and, when the app is served by ``app.py``, in an HttpOnly cookie that
carries it to the next page load (``remember_in_browser``; see ui/cookie_routes.py). Whichever
way the token comes, ``auth.touch_session`` decides whether it still signs anyone in.
``viewer()`` is the one way a page learns who is looking.
"""

from __future__ import annotations

import json
import secrets

import streamlit as st

from analysis import config as config_mod
from analysis.access import auth, binding
from analysis.config import LoginPolicy
from analysis.metrics import org
from analysis.scope import ROLES, Scope
from ui.session import cursor

# Key of the opaque server-session token in Streamlit's session state.
TOKEN = "session_token"
# The single-use code the next run hands to the page (``remember_in_browser``); a flag that
# the page should drop its cookie; whether this Streamlit session has read the cookie yet.
BIND, FORGET, COOKIE_READ = "cookie_bind_code", "cookie_forget", "cookie_read"


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
    from_cookie = not st.session_state.get(TOKEN)
    token = st.session_state.get(TOKEN) or _token_from_cookie()
    if token:
        state = auth.touch_session(con, token, policy=config_mod.load().login)
        if state.ok:
            st.session_state[TOKEN] = token
            st.session_state["scope"] = state.scope
            st.session_state["display_name"] = state.display_name
            st.session_state["must_change_password"] = state.must_change_password
            return state.scope
        # A cookie left by a logged-out or unknown session needs no notice; a timed-out one does.
        quiet = from_cookie and state.end_reason in (None, "logout")
        _sign_out_locally(None if quiet else state.message_zh)
        if from_cookie:
            st.session_state[FORGET] = True
        if _sso_configured() and getattr(st.user, "is_logged_in", False):
            st.logout()
    if _sso_configured() and getattr(st.user, "is_logged_in", False):
        _start_sso_session(con)
    return None


def _signed_in(token: str) -> None:
    st.session_state[TOKEN] = token
    st.session_state[BIND] = binding.issue(token)


def _token_from_cookie() -> str | None:
    """The token a previous page load left in the cookie, read once per Streamlit session.

    The cookies are those of the page load that opened this session, so after a logout in this
    session the cookie (ended server-side anyway) is not offered again.
    """
    if st.session_state.get(COOKIE_READ):
        return None
    st.session_state[COOKIE_READ] = True
    token = st.context.cookies.get(binding.COOKIE)
    return token if isinstance(token, str) and token else None


def _post(route: str, body: str) -> None:
    # A same-origin frame (st.iframe of our own HTML) may fetch the app's own routes; nothing is
    # shown. ``route`` and ``body`` are ours (a fixed path, a code of URL-safe characters).
    st.iframe(
        f"<script>fetch({json.dumps(route)}, {{method: 'POST', credentials: 'same-origin', "
        f"headers: {{'Content-Type': 'text/plain'}}, body: {json.dumps(body)}}});</script>",
        height=1,
    )


def remember_in_browser() -> None:
    """After a sign-in, have the page fetch its session cookie with the single-use code; after a
    logout, have it drop the cookie. Call once per run, wherever an invisible element may go."""
    code = st.session_state.get(BIND)
    # Offered on every run until redeemed: a rerun right after the sign-in may replace the
    # frame before its request has gone out.
    if code and binding.pending(code):
        _post("/api/session/bind", code)
    else:
        st.session_state.pop(BIND, None)
    if st.session_state.pop(FORGET, None):
        _post("/api/session/clear", "")


def login_page() -> None:
    """The only page an anonymous visitor can reach (every other URL lands here)."""
    _login_form(cursor())


def _login_form(con) -> None:
    remember_in_browser()
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
            policy = config_mod.load().login
            result = auth.authenticate(con, username, password, create_session=True, policy=policy,
                                       client=client_key(policy))
            if result.ok:
                _signed_in(result.session_id)
                st.rerun()
            st.error(result.message_zh)
        if _sso_configured():
            st.button("使用单点登录（SSO）", on_click=st.login, width="stretch")
        if org.is_demo(con, scope=Scope.committee()):
            st.caption("当前为演示库：全部人员与数据均为程序合成。演示账号见 `python -m analysis demo` 的输出。")


def client_key(policy: LoginPolicy) -> str:
    """Who is signing in, for the per-client throttle: the remote address; for a connection from
    the loopback address (the reverse proxy, see README) the address the proxy forwards in
    ``policy.trusted_proxy_header``; without either (local use) this browser session."""
    address = st.context.ip_address
    if address:
        return address
    forwarded = (st.context.headers.get(policy.trusted_proxy_header) or "").strip()
    if forwarded:
        return forwarded[:64]
    return "session:" + st.session_state.setdefault("client_id", secrets.token_hex(8))


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
        _signed_in(auth.start_session(con, username))
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
    st.session_state[FORGET] = True
    if _sso_configured() and getattr(st.user, "is_logged_in", False):
        st.logout()


def account_box(scope: Scope) -> None:
    """Who is signed in, with logout, at the bottom of the sidebar (ui.chrome puts it last)."""
    with st.sidebar, st.container(key="account_box"):
        st.divider()
        if org.is_demo(cursor(), scope=scope):
            st.caption("演示数据：示例医院的全部人员、评分与问卷均为程序合成，不涉及任何真实人员。")
        st.caption(f"{st.session_state.get('display_name', scope.username)} · {ROLES[scope.role]}")
        st.button("退出登录", on_click=sign_out, key="sign_out")
