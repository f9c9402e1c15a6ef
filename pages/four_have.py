import streamlit as st

from analysis import charts, config
from analysis.formatting import count, score, signed
from analysis.labels import HEADERS, headers
from analysis.metrics import four_have
from analysis.registers import honours
from ui.cache import cached, figure
from ui.filters import sidebar_filters
from ui.paging import unit_window
from ui.profile import chart_opening_profile
from ui.tables import data_box, table

LISTED = 20  # unscored branches named in the warning; the rest are counted

filters = sidebar_filters()
ev = cached(four_have.evaluation, last=filters.last, unit=filters.unit)
year = f"{ev.year}年度"

st.title("四有工程")
st.caption(f"{filters.unit_label} · {year}（所选季度范围的截止年度）· 班子有作为、支部有方法、党建有品牌、单位有典型")

if not ev.has_data:
    have = "、".join(f"{y}年" for y in ev.years) or "无"
    st.info(f"{filters.unit_label}在{year}没有四有评分。已有评分的年度：{have}。请在侧栏调整季度范围。")
    st.stop()

totals = ev.totals
scored = ev.ranked
rule = f"总分前{ev.top_n}名（并列同计）且各维度得分均不低于满分的{ev.min_share * 100:g}%"
one_branch = filters.unit is not None and len(totals) == 1

cols = st.columns(4)
cols[0].metric("参评支部", count(len(scored)), help=f"四个维度均有评分的支部（全院 {count(ev.hospital_n)} 个）；评分不完整的支部不参与排名")
versus = signed(ev.gap_to_hospital, suffix="（与全院均值比）", missing=None)
if one_branch and len(scored) == 1:
    row = scored.iloc[0]
    cols[1].metric("本支部总分", score(row["total"]), delta=versus)
    change = None if row.isna()["rank_change"] else int(row["rank_change"])
    delta = None if change is None else "与上年持平" if change == 0 else f"{change:+d} 名（较上年）"
    cols[2].metric("全院排名", f"第{int(row['rank'])}名 / {count(ev.hospital_n)}", delta=delta,
                   delta_color="off" if change == 0 else "normal", delta_arrow="off" if change == 0 else "auto")
else:
    label = "全院平均总分" if filters.unit is None else "平均总分"
    cols[1].metric(label, score(ev.unit_mean),
                   delta=None if filters.unit is None else versus, help="参评支部总分的均值（满分100）")
    cols[2].metric("已命名示范点", count(totals["is_site"].sum()), help=f"{ev.year}年及以前命名")
cols[3].metric("示范点候选", count(len(ev.candidate_ids)), help=rule)

unscored = totals[~totals["complete"]]
if len(unscored):
    listed = "、".join(unscored["branch_name"].head(LISTED).tolist())
    more = f"等 {count(len(unscored))} 个" if len(unscored) > LISTED else ""
    st.warning(f"{year}未完成评分的支部（不参与排名）：{listed}{more}")

left, right = st.columns([1, 1])
with left, st.container(border=True):
    if filters.unit is not None:
        n = int(ev.profile["unit_n"].max())
        unit_label = filters.unit_label if one_branch else f"{filters.unit_label}（{count(n)}个支部均值）"
        st.plotly_chart(figure(charts.gap_bars, ev.profile, label="dimension_name", gap="gap", x_title="与全院均值之差（分）",
                               title=f"四有各维度：{unit_label}与全院均值之差（{year}）"), key="dimension_gaps")
    else:
        st.plotly_chart(figure(charts.gap_bars, ev.profile, label="dimension_name", gap="self_gap",
                               x_title="自评分 − 评定分（分）",
                               title=f"四有各维度：全院自评与评定之差（{year}，n={count(ev.hospital_n)}个支部）"),
                        key="dimension_gaps")
        st.caption("正数：自评高于评定。在侧栏选择党总支或党支部，可查看与全院均值之差。")
with right, st.container(border=True):
    st.subheader("各维度与全院均值")
    st.caption(f"{filters.unit_label} · {year} · 自评差 = 自评分 − 评定分（正数表示自评偏高）")
    profile = ev.profile[["dimension_name", "max_points", "unit_mean", "hospital_mean", "gap", "unit_self_mean",
                          "self_gap", "unit_n"]]
    table(headers(profile.round(2)), name=f"四有维度对比_{ev.year}", key="profile")

with st.container(border=True):
    rows = unit_window(totals.sort_values(["rank", "branch_id"], na_position="last"), key="four_have_heat",
                       order="总分名次", keep=[filters.focus_branch])
    chart_opening_profile(figure(
        charts.four_have_heatmap, ev.scores[ev.scores["branch_id"].isin(set(rows.rows["branch_id"]))],
        branch_order=rows.rows["branch_name"].tolist(),
        title=f"各支部四有得分与全院均值之差（{filters.unit_label}，{year}，n={count(len(scored))}个支部）"
              + (f"<br>{rows.note}" if rows.note else ""),
    ), key="heatmap")
    st.caption("点击格子查看该支部画像。")
    if box := data_box("数据表：各支部各维度得分", key="scores"):
        with box:
            # The score the branch was given, beside the one it gave itself.
            table(headers(ev.scores.round(3), score="评定分"), name=f"四有维度得分_{ev.year}", key="scores")

with st.container(border=True):
    # One branch is ranked among the whole hospital (rankings are public inside the hospital).
    among = cached(four_have.evaluation, last=filters.last, unit=None) if one_branch else ev
    scope_label = "全院" if one_branch else filters.unit_label
    marked = f"；▶ {filters.unit_label}" if one_branch else ""
    ranked = unit_window(among.totals[among.totals["complete"]].sort_values(["rank", "branch_id"]), key="four_have_rank",
                         order="总分名次", keep=[filters.unit if one_branch else filters.focus_branch])
    chart_opening_profile(figure(
        charts.four_have_ranking, ranked.rows, candidate_ids=among.candidate_ids, highlight=ranked.highlight,
        title=f"四有总分排名与示范点（{scope_label}，{year}，n={count(len(among.ranked))}个支部{marked}）"
              + (f"<br>{ranked.note}" if ranked.note else ""),
    ), key="ranking")
    st.caption("点击柱条查看该支部画像。")
    if box := data_box("数据表：总分与排名", key="totals"):
        with box:
            ranking = among.totals.drop(columns=["year", "hospital_n"])
            table(headers(ranking.round(3)), name=f"四有总分排名_{ev.year}", key="totals")

with st.container(border=True):
    st.subheader("示范点候选")
    st.caption(f"{filters.unit_label} · {year} · 规则：{rule}；同时列出已命名的示范点。")
    if ev.candidates.empty:
        st.info("所选范围内没有符合条件的候选支部，也没有已命名的示范点。")
    else:
        shown = ev.candidates[["rank", "branch_name", "general_branch_name", "note", "total", "min_share",
                               "weakest_dimension", "candidate", "is_site", "site_title", "site_year"]]
        table(headers(shown.fillna({"site_title": ""})), name=f"四有示范点候选_{ev.year}", key="candidates",
              column_config={HEADERS["min_share"]: st.column_config.NumberColumn(format="percent")})

dimension = config.load().four_have_honours_dimension
if dimension is not None:
    with st.container(border=True):
        name = next(d.name for d in config.load().four_have if d.id == dimension)
        evidence = cached(honours.model_evidence, year=ev.year, unit=filters.unit)
        st.subheader(f"{name}：荣誉表彰佐证（{year}）")
        st.caption(f"{filters.unit_label} · 各支部“{name}”评定分与荣誉表彰台账中该年度支部及其党员获得的表彰；"
                   "供核对评分依据，不改变评分")
        if evidence.empty:
            st.info(f"{year}没有该维度的评分，也没有荣誉表彰记录。")
        else:
            table(headers(evidence.drop(columns=["branch_id"]), score="评定分"), name=f"单位有典型佐证_{ev.year}",
                  key="model_evidence")
            if box := data_box(f"数据表：{year}荣誉表彰清单（其他支部的党员不显示姓名）", key="model_honours"):
                with box:
                    listed = cached(honours.honour_list, unit=filters.unit, year=ev.year)
                    st.caption(f"共 {count(len(listed))} 项。")
                    table(headers(listed.drop(columns=["branch_id"])), name=f"荣誉表彰_{ev.year}", key="model_honours")
