import streamlit as st

from analysis import charts, config, periods
from analysis.formatting import count, score
from analysis.labels import headers
from analysis.metrics import assessment
from analysis.registers import development
from ui.cache import cached, figure
from ui.filters import sidebar_filters
from ui.paging import find_unit, unit_window
from ui.profile import chart_opening_profile
from ui.sections import kept_choice, section_tabs
from ui.tables import data_box, table

filters = sidebar_filters()
cfg = config.load().assessment
cfg_charts = config.load().charts
st.title("党支部季度量化考核")
st.caption(f"{filters.unit_label} · {filters.period_label} · 16 项指标百分制；排名为全院范围（并列同名次）")

ranking = cached(assessment.branch_ranking, first=filters.first, last=filters.last, unit=filters.unit)
if ranking.empty:
    st.info("所选范围内没有考核评分。")
    st.stop()
review = cached(assessment.quarter_review, quarter=filters.last, unit=filters.unit)
latest = ranking[ranking["quarter"] == filters.last].sort_values(["rank", "branch_id"])
chosen = filters.unit if filters.unit in set(ranking["branch_id"]) else None
names = dict(zip(latest["branch_id"].tolist(), latest["branch_name"].tolist()))
flagged = set(review.loc[review["flagged"], "branch_id"])
commended = set(review.loc[review["commended"], "branch_id"])

cols = st.columns(4)
cols[0].metric("参评支部", count(len(latest)))
cols[1].metric("平均分", score(latest["total"].mean()))
cols[2].metric("表扬", count(review["commended"].sum()))
cols[3].metric("需关注", count(review["flagged"].sum()))

shown = unit_window(latest, key="ranked", keep=[filters.focus_branch])
hospital_mean = cached(assessment.total_trend, first=filters.last, last=filters.last)["mean"]
chart_opening_profile(figure(
    charts.ranked_bars, shown.rows, flagged=flagged, commended=commended, highlight=shown.highlight,
    threshold=cfg.flag_below, mean=float(hospital_mean.iloc[-1]) if len(hospital_mean) else None,
    title=f"{periods.label(filters.last)}各支部考核总分排名（蓝色：表扬；橙色：需关注；紫色：所选支部）"
          "<br>点击柱条查看该支部画像" + (f" · {shown.note}" if shown.note else "")),
    key="ranked")
st.markdown(f"**表扬与需关注**（规则：前 {cfg.commend_top_n} 名表扬；低于 {cfg.flag_below:g} 分、后 {cfg.flag_bottom_n} 名或连续 "
            f"{cfg.flag_falling_quarters} 个季度下降需关注）")
table(headers(review[["rank", "branch_name", "general_branch_name", "total", "rank_change", "reason"]])
      .assign(unit_id=review["branch_id"]), name=f"{filters.last}表扬与需关注", key="review", opens="unit_id")

if box := data_box("表格：各季度总分与名次", key="ranking_table"):
    with box:
        table(headers(ranking), name="考核总分与名次", key="ranking_table")


def heatmap_section() -> None:
    rows = unit_window(latest, key="heat", keep=[filters.focus_branch])
    chart_opening_profile(figure(
        charts.quarter_heatmap, ranking[ranking["branch_id"].isin(set(rows.rows["branch_id"]))], value="total",
        colorbar="总分", title=f"各支部季度考核总分（{filters.period_label}，按最新名次排序）" + (f"<br>{rows.note}" if rows.note else "")),
        key="heat")


def bump_section() -> None:
    found = find_unit(names, key="bump", noun="支部") if len(names) > cfg_charts.max_units else None
    st.plotly_chart(figure(
        charts.rank_bump, ranking, commended=set(latest["branch_id"].head(3)), flagged=set(latest["branch_id"].tail(3)),
        chosen={b for b in (filters.focus_branch, found) if b},
        title=f"支部名次变化（{filters.period_label}）<br>蓝色：最新前三名；橙色：最新后三名；紫色：所选或查找的支部"), key="bump")


def indicator_section() -> None:
    options = list(names)
    if len(options) > cfg_charts.find_list_max:
        branch = find_unit(names, key="assessment_branch", noun="支部") or chosen or options[0]
        st.caption(f"当前：{names[branch]}（未查找时为侧栏所选支部或第 1 名）")
    else:
        branch = kept_choice(st.selectbox, "选择支部（或在侧栏选择）", options, default=chosen, format_func=names.get,
                             key="assessment_branch")
    indicators = cached(assessment.indicator_scores, quarter=filters.last, unit=branch)
    left, right = st.columns(2)
    with left:
        st.plotly_chart(figure(
            charts.radar, list(indicators["indicator"]),
            {"全院均值": list(indicators["hospital_pct"]), names[branch]: list(indicators["pct"])},
            r_max=100, axis_title="得分率（%）", title=f"{names[branch]}各指标得分率与全院均值（{periods.label(filters.last)}）"),
            key="radar")
    with right:
        st.plotly_chart(figure(charts.gap_bars, indicators, label="indicator", gap="gap", x_title="与全院均值之差（分）",
                               title=f"{names[branch]}各指标与全院均值的差距（{periods.label(filters.last)}）"), key="gaps")
    table(headers(indicators[["indicator", "max_points", "score", "pct", "hospital_mean", "gap"]], pct="得分率（%）"),
          name=f"{names[branch]}{filters.last}指标得分", key="indicators")

    if config.load().assessment.development_indicator is not None:
        reference = cached(development.indicator_reference, quarter=filters.last, unit=filters.unit)
        mine = reference[reference["branch_id"] == branch]
        if len(mine):
            r = mine.iloc[0]
            st.info(f"{r['indicator']}指标参考（党员发展台账，{periods.label(filters.last)}）：导入得分 {score(r['score'])} / "
                    f"{score(r['max_points'])}；本季度接收预备党员 {r['received']} 人、转正 {r['converted']} 人、"
                    f"新确定发展对象 {r['candidates']} 人；季末培养中 {r['in_pipeline']} 人，超期未转正 {r['overdue']} 人。"
                    + (f"{r['check']}。" if r["check"] else "") + "台账数据只作参考，不改变导入的得分。")
        if box := data_box(f"数据表：各支部党员发展台账与“党员发展”得分（{periods.label(filters.last)}）",
                           key="development_reference"):
            with box:
                table(headers(reference.drop(columns=["branch_id"]), score="导入得分", overdue="超期未转正"),
                      name=f"{filters.last}党员发展参考", key="development_reference")


def annual_section() -> None:
    year = kept_choice(st.selectbox, "年度", filters.years, format_func=lambda y: f"{y}年", key="assessment_year")
    annual = cached(assessment.annual_totals, year=year, unit=filters.unit)
    # A year's columns sum or average its quarters, which the headers say.
    table(headers(annual, quarters="考核季度数", total="累计总分", mean="季度平均", rank="年度名次"),
          name=f"{year}年考核累计", key="annual")


section_tabs({"季度总分热力图": heatmap_section, "名次变化": bump_section, "支部指标分析": indicator_section,
              "年度累计（年度评优依据）": annual_section}, key="assessment_section")
