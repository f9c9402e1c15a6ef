"""Entry point: ``streamlit run dashboard.py``. Owns navigation; pages draw."""

import streamlit as st

st.set_page_config(page_title="医院党建数据看板", page_icon=":material/flag:", layout="wide")

PAGES = {
    "领导驾驶舱": [
        st.Page("pages/overview.py", title="总览", icon=":material/dashboard:", default=True),
    ],
    "指数与考核": [
        st.Page("pages/vanguard.py", title="先锋指数", icon=":material/military_tech:"),
        st.Page("pages/assessment.py", title="支部考核", icon=":material/leaderboard:"),
        st.Page("pages/four_have.py", title="四有工程", icon=":material/workspace_premium:"),
        st.Page("pages/org_life.py", title="组织生活", icon=":material/groups:"),
        st.Page("pages/tasks.py", title="办实事", icon=":material/task_alt:"),
    ],
    "问卷与研究": [
        st.Page("pages/survey.py", title="问卷分析", icon=":material/query_stats:"),
    ],
    "会议与汇报": [
        st.Page("pages/report.py", title="汇报材料", icon=":material/slideshow:"),
        st.Page("pages/present.py", title="大屏展示", icon=":material/tv:"),
    ],
    "系统管理": [
        st.Page("pages/data_import.py", title="数据导入", icon=":material/upload_file:"),
        st.Page("pages/admin.py", title="账户与审计", icon=":material/admin_panel_settings:"),
    ],
}

st.navigation(PAGES).run()
