"""Entry point: ``streamlit run dashboard.py``. Signs the viewer in, then owns navigation.

Which pages a role sees is a convenience; what a role may read is enforced again inside
every analysis function (analysis/scope.py).
"""

import streamlit as st

from ui import chrome
from ui.login import account_box, login_page, remember_in_browser, signed_in_viewer
from ui.session import page_run_slot

st.set_page_config(page_title="医院党建数据看板", page_icon=":material/flag:", layout="wide")
chrome.apply()

EVERYONE = ("committee", "secretary", "researcher")
LEADERS = ("committee", "secretary")
COMMITTEE = ("committee",)

# (group, file, title, icon, roles)
PAGES = [
    ("领导驾驶舱", "overview", "总览", "dashboard", EVERYONE),
    ("指数与考核", "vanguard", "先锋指数", "military_tech", LEADERS),
    ("指数与考核", "assessment", "支部考核", "leaderboard", LEADERS),
    ("指数与考核", "four_have", "四有工程", "workspace_premium", LEADERS),
    ("指数与考核", "org_life", "组织生活", "groups", LEADERS),
    ("指数与考核", "tasks", "办实事", "task_alt", LEADERS),
    ("指数与考核", "profile", "支部画像", "account_tree", LEADERS),
    ("指数与考核", "registers", "党务台账", "assignment", LEADERS),
    ("问卷与研究", "business", "党建+业务", "monitoring", EVERYONE),
    ("问卷与研究", "survey", "问卷分析", "query_stats", EVERYONE),
    ("会议与汇报", "report", "汇报材料", "slideshow", LEADERS),
    ("会议与汇报", "present", "大屏展示", "tv", LEADERS),
    ("系统管理", "data_import", "数据导入", "upload_file", COMMITTEE),
    ("系统管理", "admin", "账户与审计", "admin_panel_settings", COMMITTEE),
    ("系统管理", "account", "我的账户", "key", EVERYONE),
]

# Viewers take turns computing their pages (see analysis.config.Serving).
with page_run_slot():
    scope = signed_in_viewer()
    if scope is None:
        # st.navigation must run on every path: a script that stops before calling it makes
        # Streamlit fall back to auto-discovering pages/ and running the requested file directly.
        # Every page's address opens the login form, so that a link such as
        # /present?period=2025Q4 lands on its page (with its query) after signing in.
        doors = [st.Page(login_page, title="登录", icon=":material/login:", default=True)]
        doors += [st.Page(login_page, title="登录", url_path=name) for _, name, _, _, _ in PAGES]
        st.navigation(doors, position="hidden").run()
        st.stop()
    if st.session_state.get("must_change_password"):
        # A password someone else chose (bootstrap, reset) must be replaced before anything else.
        navigation = {"系统管理": [st.Page("pages/account.py", title="我的账户", icon=":material/key:", default=True)]}
    else:
        navigation = {}
        for group, name, title, icon, roles in PAGES:
            if scope.role in roles:
                navigation.setdefault(group, []).append(
                    st.Page(f"pages/{name}.py", title=title, icon=f":material/{icon}:", default=name == "overview")
                )
    # Expanded: with more than twelve pages Streamlit would hide the last ones behind "View more".
    page = st.navigation(navigation, expanded=True)
    account_box(scope)
    with st.sidebar:  # out of the way of every page, also of 大屏展示's full screen (its sidebar is hidden)
        remember_in_browser()
    if page.url_path != "present":  # 大屏展示 says 数据截至 in its own header
        chrome.freshness_line()
    page.run()
