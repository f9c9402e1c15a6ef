import streamlit as st

from analysis import config
from analysis.access import auth
from ui.accounts import refusal_shown
from ui.login import TOKEN, viewer
from ui.session import cursor

scope = viewer()
st.title("我的账户")
if st.session_state.get("must_change_password"):
    st.warning("当前密码由他人设置（初始密码或管理员重置），请先修改密码后再使用系统。")

with st.form("change_password", clear_on_submit=True):
    old = st.text_input("当前密码", type="password", autocomplete="current-password")
    new = st.text_input("新密码", type="password", autocomplete="new-password",
                        help="至少 8 位，且包含大写字母、小写字母、数字、符号中的至少 3 类；不得包含用户名。")
    again = st.text_input("再次输入新密码", type="password", autocomplete="new-password")
    submitted = st.form_submit_button("修改密码", type="primary")

if submitted:
    if new != again:
        st.error("两次输入的新密码不一致。")
    else:
        with refusal_shown("新密码不符合要求："):
            cfg = config.load()
            ended = auth.change_password(cursor(), scope.username, old, new, current_session_id=st.session_state[TOKEN],
                                         password_policy=cfg.password, login_policy=cfg.login)
            st.session_state["must_change_password"] = False
            st.success(f"密码已修改。您在其他设备上的 {ended} 个会话已退出。")
            if st.button("进入系统"):
                st.rerun()
