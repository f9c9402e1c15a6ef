import streamlit as st

from pages._shared import sidebar_filters

filters = sidebar_filters()
st.title("四有工程")
st.info("本页面正在建设中。将提供：班子有作为、支部有方法、党建有品牌、单位有典型四个维度的评分与示范点候选。")
