import streamlit as st

from pages._shared import sidebar_filters

filters = sidebar_filters()
st.title("办实事")
st.info("本页面正在建设中。将提供：办实事项目的完成率（按支部、类别）、逾期项目清单。")
