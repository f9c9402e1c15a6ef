import streamlit as st

from analysis import charts, overview, periods
from pages._shared import cached, sidebar_filters

filters = sidebar_filters()
data = cached(overview.overview, first=filters.first, last=filters.last, unit=filters.unit)

st.title("总览")
st.caption(f"{filters.unit_label} · {filters.period_label}")

hc = data.headcount
cols = st.columns(4)
cols[0].metric("党总支", hc.general_branches)
cols[1].metric("党支部", hc.branches)
cols[2].metric("党员", f"{hc.members:,}", help=f"截至{hc.as_of:%Y年%m月%d日}，含预备党员 {hc.probationary} 名")
cols[3].metric("党员示范岗", hc.honour_posts)

left, right = st.columns(2)
with left, st.container(border=True):
    st.subheader("党员先锋指数")
    latest = data.latest_vanguard
    if latest is None:
        st.info("所选范围内没有先锋指数评分。")
    else:
        qoq = None if latest.isna()["qoq"] else f"{latest['qoq']:+.1f}（环比）"
        st.metric(f"{periods.label(latest['quarter'])}均值", f"{latest['mean']:.1f}", delta=qoq)
        yoy = "无上年同期数据" if latest.isna()["yoy"] else f"同比 {latest['yoy']:+.1f}"
        st.caption(f"{yoy} · 参评党员 n={int(latest['n']):,}")
        st.plotly_chart(
            charts.vanguard_trend(data.vanguard_trend, title=f"先锋指数季度均值（{filters.period_label}）"),
            key="vanguard_trend",
        )

with right, st.container(border=True):
    st.subheader("党支部季度量化考核")
    review = data.review
    st.caption(f"{periods.label(data.period_end)} · 表扬前列与需关注的支部")
    commended = review[review["commended"]]
    flagged = review[review["flagged"]]
    c1, c2 = st.columns(2)
    c1.markdown("**表扬**")
    for row in commended.itertuples():
        c1.text(f"第{row.rank}名  {row.branch_name}  {row.total:.1f}分")
    c2.markdown("**需关注**")
    for row in flagged.itertuples():
        c2.text(f"{row.branch_name}  {row.total:.1f}分：{row.reason}")
    if flagged.empty:
        c2.text("无")
    st.plotly_chart(
        charts.total_trend(data.assessment_trend, title=f"支部考核总分（{filters.period_label}）"),
        key="assessment_trend",
    )

left, right = st.columns(2)
with left, st.container(border=True):
    st.subheader("我为群众办实事")
    c = data.completion
    if c.rate is None:
        st.info("所选范围内没有办实事项目。")
    else:
        st.metric("完成率", f"{c.rate:.2f}%", help="已完成项目数 ÷ 已启动项目数")
        st.caption(f"已完成 {c.done} / {c.total} 项 · 逾期未完成 {c.overdue} 项")
    st.plotly_chart(
        charts.completion_trend(data.completion_trend, title=f"办实事完成率（各季度末，{filters.period_label}）"),
        key="completion_trend",
    )
