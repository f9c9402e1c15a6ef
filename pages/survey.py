import streamlit as st

from pages._shared import sidebar_filters

filters = sidebar_filters()
st.title("问卷分析")
st.info("本页面正在建设中。将提供：问卷频数与置信区间、分组比较与检验、交叉表、量表信度、开放题关键词。")
