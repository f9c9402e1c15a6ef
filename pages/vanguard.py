import streamlit as st

from analysis import charts, config, periods
from analysis.formatting import count, score, signed
from analysis.labels import headers
from analysis.metrics import spread, vanguard
from ui.cache import cached, figure
from ui.filters import sidebar_filters
from ui.paging import find_unit, unit_window
from ui.sections import kept_choice, section_tabs
from ui.tables import data_box, member_rows_wanted, table

filters = sidebar_filters()
cfg = config.load()
st.title("党员先锋指数")
st.caption(f"{filters.unit_label} · {filters.period_label} · 指数 = Σ 维度权重 × (自评 {cfg.vanguard.rater_weights['self']:g} "
           f"+ 互评 {cfg.vanguard.rater_weights['peer']:g} + 组织评定 {cfg.vanguard.rater_weights['org']:g})")

overall = cached(vanguard.hospital_trend, first=filters.first, last=filters.last, unit=filters.unit)
if overall.empty:
    st.info("所选范围内没有先锋指数评分。")
    st.stop()
latest = overall.iloc[-1]
cols = st.columns(4)
cols[0].metric(f"{periods.label(latest['quarter'])}均值", score(latest["mean"]),
               delta=signed(latest["qoq"], suffix="（环比）", missing=None))
cols[1].metric("同比", signed(latest["yoy"]))
cols[2].metric("中位数", score(latest["median"]))
cols[3].metric("参评党员", count(latest["n"]))


def trend_section() -> None:
    level = kept_choice(st.radio, "比较层级", ["branch", "general_branch"], horizontal=True,
                        format_func={"branch": "按党支部", "general_branch": "按党总支"}.get, key="vanguard_level")
    noun = "支部" if level == "branch" else "总支"
    hospital = cached(vanguard.hospital_trend, first=filters.first, last=filters.last)
    units = cached(vanguard.trend, first=filters.first, last=filters.last, level=level)
    chosen = filters.focus_branch if level == "branch" else filters.focus_general_branch
    if units["unit_id"].nunique() > cfg.charts.max_units:
        names = dict(zip(units["unit_id"].tolist(), units["unit_name"].tolist()))
        chosen = find_unit(names, key=f"vanguard_trend_{level}", noun=noun) or chosen
    st.plotly_chart(figure(
        charts.unit_trend_lines, units, hospital, chosen=chosen, y_title="先锋指数",
        title=f"各{noun}先锋指数季度均值与全院均值±1标准差<br>{filters.period_label} · n={count(units['unit_id'].nunique())}个{noun}"),
        key="unit_trend")
    if box := data_box("表格：各单位季度均值", key="trend_table"):
        with box:
            table(headers(units), name="先锋指数趋势", key="trend_table")


def spread_section() -> None:
    left, right = st.columns(2)
    with left:
        breakdown = cached(vanguard.dimension_breakdown, first=filters.last, last=filters.last, unit=filters.unit)
        st.plotly_chart(figure(charts.dimension_dots, breakdown,
                               title=f"各维度三方评分（{filters.unit_label}，{periods.label(filters.last)}）"), key="dimensions")
        gap = breakdown.loc[breakdown["self_gap"].idxmax()] if len(breakdown) else None
        if gap is not None:
            st.caption(f"自评与组织评定差距最大的维度：{gap['dimension']}（高 {score(gap['self_gap'])} 分）")
    with right:
        # Many branches: one box per general branch; a general branch or fewer: one per branch.
        by = "general_branch"
        boxes = cached(spread.index_spread, quarter=filters.last, unit=filters.unit, by=by)
        if len(boxes) <= 1:
            by = "branch"
            boxes = cached(spread.index_spread, quarter=filters.last, unit=filters.unit, by=by)
        if boxes.empty:
            st.info("您的权限范围内没有该季度的党员个人评分。")
        else:
            box_noun = "党总支" if by == "general_branch" else "支部"
            box_focus = filters.focus_general_branch if by == "general_branch" else filters.focus_branch
            shown = unit_window(boxes, key="spread", noun=box_noun, order="中位数", id_column="group_id",
                                name_column="group_name", keep=[box_focus])
            st.plotly_chart(figure(
                charts.distribution_box, shown.rows, chosen=box_focus, x_title="先锋指数",
                title=f"党员先锋指数分布（{periods.label(filters.last)}，按{box_noun}，您可查看的范围）"
                      + (f"<br>{shown.note}" if shown.note else "")), key="distribution")


def appraisal_section() -> None:
    year = kept_choice(st.selectbox, "年度", filters.years, format_func=lambda y: f"{y}年", key="appraisal_year")
    counts = cached(vanguard.appraisal_counts, year=year, unit=filters.unit)
    grades = [t.label for t in cfg.vanguard.grades]
    if counts.empty:
        st.info(f"{year}年没有评分。")
    else:
        # Most 优秀 first; among equal shares, fewest in the lower grades (基本合格, 不合格 by default)
        # first, so that the last rows are the weakest branches.
        weak = counts[grades[len(grades) // 2:]].sum(axis=1) / counts["n"]
        order = counts.assign(weak_share=weak).sort_values(["excellent_pct", "weak_share", "branch_id"],
                                                           ascending=[False, True, True])
        shown = unit_window(order, key="grades", order="优秀比例", keep=[filters.focus_branch])
        st.plotly_chart(figure(charts.grade_stacked, shown.rows, grades=grades,
                               title=f"{year}年各支部党员评定等级（按年度平均指数）" + (f"<br>{shown.note}" if shown.note else "")),
                        key="grades")
        table(headers(counts), name=f"{year}年评定等级统计", key="grade_counts")
        if member_rows_wanted("显示党员个人年度评定（仅限您的权限范围）", key="vanguard_appraisal", one_branch=filters.is_branch):
            if box := data_box("党员个人年度评定（仅限您的权限范围）", key="appraisal", expanded=not filters.is_branch):
                with box:
                    appraisal = cached(vanguard.appraisal, year=year, unit=filters.unit)
                    st.caption(f"共 {count(len(appraisal))} 人。")
                    table(headers(appraisal), name=f"{year}年党员评定", key="appraisal")


def falling_section() -> None:
    falling = cached(vanguard.falling_members, last=filters.last, unit=filters.unit)
    if falling.empty:
        st.success(f"截至{periods.label(filters.last)}，您的权限范围内没有连续两个季度下降的党员。")
    else:
        table(headers(falling.drop(columns="indices")), name="连续下降党员", key="falling")


section_tabs({"趋势": trend_section, "维度与分布": spread_section, "年度评定与星级": appraisal_section,
              "连续两个季度下降的党员": falling_section}, key="vanguard_section")
