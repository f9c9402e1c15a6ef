import streamlit as st

from pages._shared import sidebar_filters

filters = sidebar_filters()
st.title("账户与审计")
st.info("本页面正在建设中。将提供：账户管理、密码策略与审计日志。")
