import streamlit as st

from analysis import charts, periods
from analysis.formatting import ci, count, fixed, p_value, percent, score, signed
from analysis.metrics import assessment, org, overview
from ui.cache import cached, figure
from ui.filters import sidebar_filters

filters = sidebar_filters()
data = cached(overview.overview, first=filters.first, last=filters.last, unit=filters.unit)

st.title("总览")
st.caption(f"{filters.unit_label} · {filters.period_label}")

hc = data.headcount
cols = st.columns(4)
review = data.review
if filters.is_branch:
    # One branch: its place in the hospital instead of "1 general branch, 1 branch".
    ranking = cached(assessment.branch_ranking, first=filters.last, last=filters.last, unit=filters.unit)
    rank = f"第{int(ranking['rank'].iloc[0])}名" if len(ranking) else "—"
    cols[0].metric(f"全院排名（{periods.short_label(filters.last)}）", rank,
                   help="支部季度量化考核总分在全院党支部中的名次（并列同名次）")
    cols[1].metric(f"考核总分（{periods.short_label(filters.last)}）", score(ranking["total"].iloc[0]) if len(ranking) else "—")
else:
    cols[0].metric("党总支", count(hc.general_branches))
    cols[1].metric("党支部", count(hc.branches))
cols[2].metric("党员", count(hc.members), help=f"截至{hc.as_of:%Y年%m月%d日}，含预备党员 {count(hc.probationary)} 名")
cols[3].metric("党员示范岗", count(hc.honour_posts))

left, right = st.columns(2)
with left, st.container(border=True):
    st.subheader("党员先锋指数")
    latest = data.latest_vanguard
    if latest is None:
        st.info("所选范围内没有先锋指数评分。")
    else:
        st.metric(f"{periods.label(latest['quarter'])}均值", score(latest["mean"]),
                  delta=signed(latest["qoq"], suffix="（环比）", missing=None))
        yoy = "无上年同期数据" if latest.isna()["yoy"] else f"同比 {signed(latest['yoy'])}"
        st.caption(f"{yoy} · 参评党员 n={count(latest['n'])}")
        st.plotly_chart(
            figure(charts.vanguard_trend, data.vanguard_trend, title=f"先锋指数季度均值（{filters.period_label}）"),
            key="vanguard_trend",
        )

with right, st.container(border=True):
    st.subheader("党支部季度量化考核")
    if review is not None:
        st.caption(f"{periods.label(data.period_end)} · 表扬前列与需关注的支部")
        commended = review[review["commended"]]
        flagged = review[review["flagged"]]
        c1, c2 = st.columns(2)
        c1.markdown("**表扬**")
        for row in commended.itertuples():
            c1.text(f"第{row.rank}名  {row.branch_name}  {score(row.total)}分")
        if commended.empty:
            c1.text("无")
        c2.markdown("**需关注**")
        for row in flagged.itertuples():
            c2.text(f"{row.branch_name}  {score(row.total)}分：{row.reason}")
        if flagged.empty:
            c2.text("无")
    st.plotly_chart(
        figure(charts.total_trend, data.assessment_trend, title=f"支部考核总分（{filters.period_label}）"),
        key="assessment_trend",
    )

left, right = st.columns(2)
with left, st.container(border=True):
    st.subheader("我为群众办实事")
    c = data.completion
    if c.rate is None:
        st.info("所选范围内没有办实事项目。")
    else:
        st.metric("完成率", percent(c.rate, 2), help="已完成项目数 ÷ 已启动项目数")
        st.caption(f"已完成 {c.done} / {c.total} 项 · 逾期未完成 {c.overdue} 项")
    st.plotly_chart(
        figure(charts.completion_trend, data.completion_trend, title=f"办实事完成率（各季度末，{filters.period_label}）"),
        key="completion_trend",
    )

with right, st.container(border=True):
    st.subheader("问卷：党建引领作用评价")
    headline = cached(overview.survey_headline)
    if headline is None:
        st.info("尚未导入含“政治面貌”分组的问卷。")
    else:
        shares = headline.shares[headline.shares["group"] != "合计"]
        st.caption(f"{headline.title} · {headline.question}（选择“作用明显”的比例，95% 置信区间）")
        respondents = count(int(shares["n"].sum()))
        # The hospital's roster: the overview's own headcount when it is the hospital's.
        roster = hc if filters.unit is None else cached(org.headcount, as_of=filters.period_end)
        st.caption(f"问卷答卷人共 {respondents} 人，按答卷时自报的政治面貌分组：统计对象是答卷人，不是党员名册"
                   f"（名册党员 {count(roster.members)} 名）。问卷不区分支部，始终为全院口径"
                   + ("，不随侧栏所选单位变化。" if filters.unit else "。"))
        cols = st.columns(len(shares))
        for col, row in zip(cols, shares.itertuples()):
            col.metric(f"{row.group}（n={count(row.n)}）", percent(row.pct, 0),
                       help=f"{percent(row.pct, 2)}，{ci(row.ci_low, row.ci_high)}")
        cmp = headline.comparison
        if not cmp.suppressed:
            test = "χ² 检验" if cmp.test == "chi2" else "Fisher 精确检验"
            st.caption(f"差值 {fixed(cmp.diff, 1)} 个百分点（{ci(cmp.ci_low, cmp.ci_high, unit='')}），"
                       f"{test} {p_value(cmp.p_val)}，Cramér's V = {fixed(cmp.cramer_v, 2)}")
        else:
            st.caption(cmp.note)
        st.plotly_chart(figure(charts.share_by_group, shares, title=f"认为“作用明显”的比例（{headline.title}）"),
                        key="survey_headline")
