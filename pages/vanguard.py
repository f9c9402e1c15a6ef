import streamlit as st

from pages._shared import sidebar_filters

filters = sidebar_filters()
st.title("先锋指数")
st.info("本页面正在建设中。将提供：党员先锋指数的季度趋势、维度分解、分布、年度评定等级与星级，以及连续下降的党员名单。")
