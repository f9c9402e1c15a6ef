import streamlit as st

from pages._shared import sidebar_filters

filters = sidebar_filters()
st.title("支部考核")
st.info("本页面正在建设中。将提供：16 项指标的季度总分、排名与名次变化、指标差距、表扬与需关注支部、年度累计。")
