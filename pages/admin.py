import pandas as pd
import streamlit as st

from analysis import config
from analysis.access import audit, auth
from analysis.formatting import count
from analysis.labels import headers
from analysis.metrics import org
from analysis.scope import ROLES
from ui.accounts import refusal_shown
from ui.cache import cached
from ui.login import viewer
from ui.session import cursor
from ui.tables import table

scope = viewer()
policy = config.load().password
st.title("账户与审计")
users_tab, audit_tab = st.tabs(["账户管理", "审计日志"])

with users_tab:
    users = auth.list_users(cursor(), scope=scope)
    table(headers(users.drop(columns=["role", "unit_id"]), unit_name="所在单位"), name="账户列表", key="users")

    unit_names = cached(org.unit_names)
    with st.form("create_user", clear_on_submit=True):
        st.subheader("新建账户")
        c1, c2 = st.columns(2)
        username = c1.text_input("用户名（字母、数字、._-）")
        display_name = c2.text_input("姓名")
        role = c1.selectbox("角色", list(ROLES), format_func=ROLES.get)
        unit = c2.selectbox("所在单位（书记必选）", [None, *unit_names],
                            format_func=lambda u: "（无）" if u is None else unit_names[u])
        password = st.text_input("初始密码", type="password", help="用户首次登录后须修改。")
        if st.form_submit_button("创建", type="primary"):
            with refusal_shown():
                auth.create_user(cursor(), username=username, display_name=display_name, role=role,
                                 unit_id=unit if role == "secretary" else None, password=password, actor=scope,
                                 policy=policy)
                st.success(f"已创建账户 {username}。")

    st.subheader("重置密码 / 停用与启用")
    target = st.selectbox("账户", users["username"].tolist(), key="target_user")
    c1, c2 = st.columns(2)
    with c1.form("reset_password", clear_on_submit=True):
        new_password = st.text_input("新密码", type="password")
        if st.form_submit_button("重置密码"):
            with refusal_shown():
                ended = auth.reset_password(cursor(), target, new_password, scope, policy=policy)
                st.success(f"已重置 {target} 的密码，结束其 {ended} 个会话；该用户下次登录须修改密码。")
    chosen = users.set_index("username").loc[target] if target else None
    active = bool(chosen["active"]) if chosen is not None else False
    if c2.button("停用该账户" if active else "启用该账户", disabled=not target):
        with refusal_shown():
            auth.set_active(cursor(), target, not active, scope)
            st.rerun()
    if chosen is not None and (chosen["failed_logins"] or pd.notna(chosen["locked_until"])):
        c2.caption(f"连续登录失败 {int(chosen['failed_logins'])} 次"
                   + (f"，锁定至 {chosen['locked_until']:%Y-%m-%d %H:%M}" if pd.notna(chosen["locked_until"]) else ""))
        if c2.button("解除锁定", key="unlock_user", help="清除失败次数并解除锁定；记入审计日志。"):
            with refusal_shown():
                auth.unlock(cursor(), target, scope)
                st.rerun()

with audit_tab:
    c1, c2 = st.columns(2)
    action = c1.selectbox("操作类型", [None, *audit.ACTIONS], format_func=lambda a: "全部" if a is None else audit.ACTIONS[a])
    who = c2.text_input("用户名（可留空）") or None
    entries = audit.audit_entries(cursor(), scope=scope, action=action, username=who, limit=1000)
    st.caption(f"最近 {count(len(entries))} 条（最多 1,000 条）。审计日志只增不改。")
    table(headers(entries), name="审计日志", key="audit")
