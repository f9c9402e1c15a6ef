import streamlit as st

from pages._shared import sidebar_filters

filters = sidebar_filters()
st.title("大屏展示")
st.info("本页面正在建设中。将提供：会议室投屏的全屏演示模式。")
