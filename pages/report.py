import streamlit as st

from pages._shared import sidebar_filters

filters = sidebar_filters()
st.title("汇报材料")
st.info("本页面正在建设中。将提供：生成会议用 PowerPoint（可编辑原生图表）、Excel 工作簿和离线 HTML 报告。")
