import streamlit as st

from pages._shared import sidebar_filters

filters = sidebar_filters()
st.title("数据导入")
st.info("本页面正在建设中。将提供：Excel/CSV 模板与问卷星导出的导入、校验、批次记录与回滚。")
