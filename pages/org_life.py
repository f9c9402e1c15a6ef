import streamlit as st

from pages._shared import sidebar_filters

filters = sidebar_filters()
st.title("组织生活")
st.info("本页面正在建设中。将提供：三会一课按规定频次的完成情况、缺漏清单、出勤率，以及义诊、志愿服务等活动统计。")
