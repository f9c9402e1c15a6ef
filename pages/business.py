"""党建+业务: does stronger Party work go with better department results? The association across
all branches (the sidebar's unit only picks which branches are listed and highlighted)."""

import streamlit as st

from analysis import business, charts, config, periods
from analysis.business import PARTY_MEASURES, QUADRANTS, VERDICTS
from analysis.business.panel import column_headers
from analysis.formatting import count, percent, score
from analysis.labels import headers
from analysis.metrics import org, overview
from ui.cache import cached, figure
from ui.filters import sidebar_filters
from ui.login import viewer
from ui.tables import data_box, table

filters = sidebar_filters()
scope = viewer()
cfg = config.load()
names = {i.id: i.name for i in cfg.business.indicators}
st.title("党建+业务")
st.caption(f"全院全部支部 · {filters.period_label} · 每个结论都是支部之间的关联，不是因果；"
           f"支部少于 {cfg.business.clear_branches} 个或区间过宽时只说“数据不足以判断”")

left, right = st.columns(2)
party = left.selectbox("党建得分", list(PARTY_MEASURES), format_func=PARTY_MEASURES.get, key="business_party")
indicator = right.selectbox("象限图的业务维度", [None, *names], key="business_indicator",
                            format_func=lambda i: "业务综合（各指标百分位的平均）" if i is None else names[i])
result = cached(business.analyse, first=filters.first, last=filters.last, party=party, indicator=indicator)
party_label = PARTY_MEASURES[party]
if result.association["n"].max() == 0:
    st.info("所选范围内没有可与党建得分对照的科室业绩数据。请在“数据导入”中先导入“科室与支部对应”，再导入“科室业绩指标”。")
    st.stop()

counts = result.counts
cols = st.columns(6)
cols[0].metric("支部", count(result.branches), help=f"有{party_label}的支部数")
cols[1].metric("季度", result.quarters)
cols[2].metric("明确同向", f"{counts['favourable']} 项", help="党建得分高的支部业务也更好（Holm 校正后显著）")
cols[3].metric("明确反向", f"{counts['unfavourable']} 项", help="党建得分高的支部业务反而更差（Holm 校正后显著）")
cols[4].metric("未见明确关联", f"{counts['none']} 项", help="支部足够、区间够窄，但没有显著关联")
cols[5].metric("数据不足", f"{counts['cannot_tell'] + counts['too_few']} 项",
               help=f"支部少于 {cfg.business.clear_branches} 个或区间过宽，或少于 {cfg.business.min_branches} 个支部未计算")

with st.container(border=True):
    st.subheader("问卷看法与数据")
    believe, data_says = st.columns(2)
    headline = cached(overview.survey_headline)
    with believe:
        if headline is None:
            st.info("尚未导入含“政治面貌”分组的问卷。")
        else:
            shares = headline.shares[headline.shares["group"] != "合计"]
            st.markdown(f"**问卷：{headline.question}**")
            for row in shares.itertuples():
                st.markdown(f"- {row.group}：{percent(row.pct, 0)} 认为“作用明显”（n={count(row.n)}）")
    with data_says:
        st.markdown(f"**数据：{party_label}与 {len(result.association)} 项科室业绩指标**")
        st.markdown(
            f"- 明确同向（党建强的支部业务也好）：{counts['favourable']} 项\n"
            f"- 明确反向：{counts['unfavourable']} 项\n"
            f"- 未见明确关联：{counts['none']} 项\n"
            f"- 数据不足以判断或未计算：{counts['cannot_tell'] + counts['too_few']} 项")
        st.caption("相信党建有用与数据显示有关联是两回事；关联也不说明因果。")

st.subheader("象限图")
quadrant = result.quadrant
highlight = filters.unit if filters.is_branch else None
dimension = "业务综合" if indicator is None else names[indicator]
st.plotly_chart(figure(
    charts.business_quadrant, quadrant, names=QUADRANTS, highlight=highlight, x_title=f"{party_label}（全院百分位）",
    y_title=f"{dimension}（全院百分位，越高越好）",
    title=f"{party_label}与{dimension}：各支部{filters.period_label}均值（n={len(quadrant)}个支部）"), key="quadrant")
shown = quadrant
if filters.unit is not None and scope.role != "researcher":
    units = cached(org.units)
    under = set(units.loc[(units["branch_id"] == filters.unit) | (units["general_branch_id"] == filters.unit), "branch_id"])
    shown = quadrant[quadrant["branch_id"].isin(under)]
if box := data_box(f"各象限支部（{filters.unit_label}）", key="business_quadrant_table", expanded=scope.role != "researcher"):
    with box:
        table(headers(shown[["quadrant_name", "branch_name", "general_branch_name", "department_type", "party",
                             "party_pct", "business", "business_pct", "suggestion"]].round(2),
                      business="业务得分（指标均值或综合百分位）"),
              name=f"党建业务象限{filters.last}", key="business_quadrant_table")

st.subheader("哪些指标有明确关联")
association = result.association
st.plotly_chart(figure(
    charts.association_forest, association, labels=VERDICTS, x_title="Spearman ρ（已按指标方向调整：右侧 = 党建强的支部业务更好）",
    title=f"{party_label}与各科室业绩指标的关联（各支部{filters.period_label}均值，95% 置信区间）"), key="forest")
clear = association[association["verdict"].isin(["favourable", "unfavourable"])]
for line in clear["reading"]:
    st.markdown(f"- {line}")
if clear.empty:
    st.markdown("- 没有指标与党建得分有明确关联。")
with st.expander("其余指标：未见明确关联或数据不足以判断"):
    for line in association.loc[~association.index.isin(clear.index), "reading"]:
        st.markdown(f"- {line}")

st.subheader("四种看法")
st.caption("同一问题的四个角度：支部之间、同类科室之间、先后、同一支部内。Holm 校正跨指标进行。")
views = {
    "association": ("支部之间", result.association, "rho", "各支部在所选季度的均值，Spearman 等级相关；95% CI 用 Fisher z。"),
    "partial": ("同类科室之间", result.partial, "rho",
                "控制科室类型（内科/外科/医技/护理/行政）的偏 Spearman 相关；"
                f"支部数少于 {cfg.business.min_type_branches} 个的类型不参与。"),
    "lagged": ("先后（滞后）", result.lagged, "beta",
               "本季度党建得分与该指标下季度变化的回归，含季度固定效应，按支部聚类稳健标准误；β 为标准化系数。"),
    "within": ("同一支部内（固定效应）", result.within, "beta",
               "支部与季度双向固定效应，按支部聚类稳健标准误：同一支部在党建得分较高的季度，业务是否更好。"),
}
for tab, (key, (title, frame, estimate, method)) in zip(st.tabs([v[0] for v in views.values()]), views.items()):
    with tab:
        st.caption(method)
        columns = ["indicator", "n", "k" if key in ("association", "partial") else "n_obs", estimate, "ci_low", "ci_high",
                   "p_holm", "verdict_label", "reading"]
        if key == "partial":
            columns.insert(4, "rho_raw")
        table(headers(frame[columns].round(3), n="支部数", ci_low="95%CI下限", ci_high="95%CI上限"),
              name=f"党建业务_{title}_{filters.last}", key=f"business_{key}")

if box := data_box("数据覆盖：各指标有多少科室、支部和季度", key="business_coverage"):
    with box:
        coverage = cached(business.department_coverage, first=filters.first, last=filters.last)
        st.caption("未对应支部的科室季度不进入分析（该季度科室尚未导入所属支部）。")
        table(headers(coverage, departments="科室数", branches="支部数", quarters="季度数"),
              name=f"党建业务数据覆盖_{filters.last}", key="business_coverage")

if scope.role != "researcher":
    st.subheader("支部的位置与业绩走势")
    branches = dict(zip(quadrant["branch_id"], quadrant["branch_name"]))
    if highlight in branches:
        branch = highlight  # the branch chosen in the sidebar
    else:
        options = list(branches) or [None]
        mine = options.index(scope.unit_id) if scope.unit_id in options else 0
        branch = st.selectbox("支部（或在侧栏选择）", options, index=mine, format_func=lambda b: branches.get(b, "—"),
                              key="business_branch")
    if branch is not None:
        row = quadrant[quadrant["branch_id"] == branch].iloc[0]
        cols = st.columns(3)
        cols[0].metric("象限", row["quadrant_name"], help=row["suggestion"])
        cols[1].metric(f"{party_label}百分位", score(row["party_pct"], 0))
        cols[2].metric(f"{dimension}百分位", score(row["business_pct"], 0))
        trend = cached(business.branch_trend, branch=branch, first=filters.first, last=filters.last)
        if trend.empty:
            st.info("该支部所对应的科室在所选季度没有业绩数据。")
        else:
            reported = list(dict.fromkeys(trend["indicator_id"]))
            chosen = st.selectbox("指标", reported, format_func=names.get, key="business_trend_indicator")
            one = trend[trend["indicator_id"] == chosen]
            unit = one["unit"].iloc[0]
            st.plotly_chart(figure(
                charts.business_branch_trend, one, branch_label=branches[branch], y_title=f"{names[chosen]}{f'（{unit}）' if unit else ''}",
                title=f"{branches[branch]}{names[chosen]}与全院支部（{filters.period_label}）"), key="branch_trend")

if box := data_box("研究数据：支部季度面板（无党员个人数据）" + ("，支部编号已匿名" if scope.role == "researcher" else ""),
                  key="business_panel"):
    with box:
        st.caption(f"每行一个支部一个季度，{periods.label(filters.first)}至{periods.label(filters.last)}；"
                   "科室指标按职工人数加权（计数类为每百名职工）。")
        table(headers(result.panel.round(4), **column_headers(cfg)), name=f"党建业务面板_{filters.first}_{filters.last}",
              key="business_panel")
