"""The standard sections of 支部画像, registered in page order (see ``ui.profile``).

Each draws one question about the unit from the analysis functions of its family, called with
``unit=context.unit_id``; member names appear only where ``vanguard.member_index`` returns
them (the viewer's own branch or general branch, or the committee).
"""

from __future__ import annotations

import streamlit as st

from analysis import charts, config, periods
from analysis.formatting import count, percent, score, signed
from analysis.labels import readable
from analysis.metrics import activities, annual_meetings, assessment, four_have, meetings, profile, tasks, vanguard
from analysis.registers import awards, transfers
from ui.cache import cached, figure
from ui.profile import Context, add_section
from ui.tables import table


def rank_and_trend(ctx: Context) -> None:
    totals = cached(profile.total_comparison, unit=ctx.unit_id, first=ctx.first, last=ctx.last)
    if totals["unit_total"].isna().all():
        st.info(f"{ctx.period_label}没有考核评分。")
        return
    latest = totals.dropna(subset=["unit_total"]).iloc[-1]
    before = totals.dropna(subset=["unit_total"]).iloc[-2] if totals["unit_total"].notna().sum() > 1 else None
    noun = "总分" if ctx.subject.level == "branch" else "所属支部平均分"
    cols = st.columns(4)
    cols[0].metric(f"{periods.label(latest['quarter'])}{noun}", score(latest["unit_total"]),
                   delta=None if before is None else signed(latest["unit_total"] - before["unit_total"], suffix="（环比）"))
    best = "全院排名" if ctx.subject.level == "branch" else "所属支部最好名次"
    cols[1].metric(best, f"第{int(latest['rank'])}名 / {count(latest['branches'])}",
                   delta=None if before is None else f"{int(before['rank']) - int(latest['rank']):+d} 名",
                   delta_color="normal")
    cols[2].metric("与全院均值之差", signed(latest["unit_total"] - latest["hospital_mean"]))
    if ctx.subject.level == "branch" and ctx.subject.general_branch_name:
        cols[3].metric("与本总支均值之差", signed(latest["unit_total"] - latest["general_branch_mean"]))
    threshold = config.load().assessment.flag_below
    st.plotly_chart(figure(
        charts.profile_trend, totals, unit_label=ctx.subject.name,
        general_label=ctx.subject.general_branch_name if ctx.subject.level == "branch" else None,
        threshold=threshold, title=f"{ctx.subject.name}考核总分与总支、全院均值<br>{ctx.period_label}"),
        key="profile_trend")


def lost_points(ctx: Context) -> None:
    lost = cached(profile.lost_points, unit=ctx.unit_id, quarter=ctx.last)
    if lost.empty:
        st.info(f"{periods.label(ctx.last)}没有指标评分。")
        return
    total_lost = lost["lost"].sum()
    worst = lost.iloc[0]
    st.caption(f"{periods.label(ctx.last)}共失 {score(total_lost)} 分（满分100）；失分最多：{worst['indicator']}"
               f"（{score(worst['lost'])} 分，全院平均失 {score(worst['max_points'] - worst['hospital_mean'])} 分）。"
               "橙色：失分多于全院平均。")
    st.plotly_chart(figure(charts.lost_points_bars, lost, title=f"{ctx.subject.name}各指标失分（{periods.label(ctx.last)}）"),
                    key="profile_lost")


def members(ctx: Context) -> None:
    rows = cached(vanguard.member_index, first=ctx.last, last=ctx.last, unit=ctx.unit_id)
    level = "branch" if ctx.subject.level == "branch" else "general_branch"
    trend = cached(vanguard.trend, first=ctx.last, last=ctx.last, level=level)
    mine = trend[trend["unit_id"] == ctx.unit_id]
    hospital = cached(vanguard.hospital_trend, first=ctx.last, last=ctx.last)
    mean = float(hospital["mean"].iloc[-1]) if len(hospital) else None
    if len(mine):
        st.caption(f"{periods.label(ctx.last)}：均值 {score(mine['mean'].iloc[0])}，中位数 {score(mine['median'].iloc[0])}，"
                   f"n={count(mine['n'].iloc[0])} 名党员；全院均值 {score(mean)}。")
    if rows.empty:
        st.info("该单位党员的个人评分不在您的查看范围内（仅党委及本支部、本总支书记可查看），上方为汇总数据。")
        return
    st.plotly_chart(figure(charts.member_dots, rows, mean=mean,
                           title=f"{ctx.subject.name}党员先锋指数（{periods.label(ctx.last)}，每点一名党员，悬停显示姓名）"),
                    key="profile_members")


def moves(ctx: Context) -> None:
    listed = cached(transfers.transfer_list, unit=ctx.unit_id)
    if listed.empty:
        st.info("没有党员调入或调出本单位的记录。")
        return
    counts = listed["direction"].value_counts()
    st.caption("调入 {} 人次，调出 {} 人次；调动前的季度计入原支部，调动后计入新支部。姓名只在本人可查看的范围内显示。".format(
        int(counts.get("调入", 0)), int(counts.get("调出", 0))))
    table(readable(listed, drop=("from_branch_id", "to_branch_id"), reason="调动原因"),
          name=f"{ctx.subject.name}党员调动", key="profile_moves",
          column_config={"生效日期": st.column_config.DateColumn(format="YYYY-MM-DD")})


def meeting_gaps(ctx: Context) -> None:
    common = {"first": ctx.first, "last": ctx.last, "unit": ctx.unit_id, "as_of": ctx.as_of}
    rates = cached(meetings.compliance_rates, **common)
    if rates.empty or rates["required"].sum() == 0:
        st.info("所选范围内没有可统计的三会一课期间。")
        return
    by_kind = rates.groupby("kind", sort=False)[["required", "counted", "shortfall"]].sum().reset_index()
    cols = st.columns(len(by_kind))
    for col, row in zip(cols, by_kind.itertuples()):
        col.metric(f"{row.kind}达标率", percent(100 * row.counted / row.required if row.required else None),
                   help=f"按期达标 {row.counted} / 应开 {row.required} 次，缺 {row.shortfall} 次")
    missing = cached(meetings.missing_meetings, **common)
    if missing.empty:
        st.success("所选范围内没有缺漏。")
    else:
        table(readable(missing, drop=("branch_id", "period", "period_start", "period_end")),
              name=f"{ctx.subject.name}三会一课缺漏", key="profile_missing")


def yearly_meetings(ctx: Context) -> None:
    years = periods.years_of(ctx.first, ctx.last)
    rows = cached(annual_meetings.annual_meeting_compliance, years=years, unit=ctx.unit_id, as_of=ctx.as_of)
    if rows.empty:
        st.info("该单位下没有党支部。")
        return
    not_held = rows[rows["status"].isin(["缺漏", "进行中"])]
    if ctx.subject.level == "branch":
        st.caption("每年至少召开一次组织生活会和民主评议党员。")
        table(readable(rows.drop(columns=["branch_id", "branch_name", "general_branch_name"])),
              name=f"{ctx.subject.name}组织生活会", key="profile_yearly")
    elif not_held.empty:
        st.success(f"{periods.years_label(years)}各党支部均已召开组织生活会和民主评议党员。")
    else:
        st.caption(f"{periods.years_label(years)}尚未召开的支部（当年未结束的记为“进行中”）：")
        table(readable(not_held.drop(columns=["branch_id", "dates"])), name=f"{ctx.subject.name}组织生活会未召开",
              key="profile_yearly")
    lecturers = cached(annual_meetings.lecturer_shares, years=years, unit=ctx.unit_id, as_of=ctx.as_of)
    whole = lecturers[lecturers["general_branch_id"].isna()]
    if len(whole):
        latest = whole.iloc[-1]
        st.caption(f"委员带头讲党课：{int(latest['year'])}年 {int(latest['lectures'])} 次党课中登记授课人 "
                   f"{int(latest['with_lecturer'])} 次，由支委（含书记）讲授 {int(latest['by_committee'])} 次"
                   f"（{percent(latest['pct'])}）。")


def awards_and_zones(ctx: Context) -> None:
    span = {"first": ctx.first, "last": ctx.last, "unit": ctx.unit_id}
    ranks = cached(awards.awardee_ranks, **span)
    zones = cached(awards.duty_zones, **span)
    if ranks.empty and zones.empty:
        st.info("所选范围内没有先锋岗评选，也没有党员责任区。")
        return
    red_flags = int(zones["red_flags"].sum())
    st.caption(f"{ctx.period_label}：先锋岗 {len(ranks)} 人次，党员责任区 {len(zones)} 个，获评红旗责任区 {red_flags} 次。"
               "姓名只在本人可查看的支部范围内显示。")
    if len(ranks):
        table(readable(ranks.drop(columns=["award_id", "kind", "branch_id", "branch_name"])),
              name=f"{ctx.subject.name}先锋岗", key="profile_awards")
    if len(zones):
        table(readable(zones.drop(columns=["branch_id", "branch_name"])), name=f"{ctx.subject.name}党员责任区",
              key="profile_zones")


def activity_totals(ctx: Context) -> None:
    totals = cached(activities.activity_totals, first=ctx.first, last=ctx.last, unit=ctx.unit_id, as_of=ctx.as_of)
    if totals.empty:
        st.info("所选范围内没有活动记录。")
        return
    table(readable(totals.drop(columns=["branches"]) if ctx.subject.level == "branch" else totals),
          name=f"{ctx.subject.name}活动合计", key="profile_activities")


def service_tasks(ctx: Context) -> None:
    done = cached(tasks.completion, as_of=ctx.as_of, unit=ctx.unit_id)
    if done.rate is None:
        st.info("没有已启动的办实事项目。")
        return
    st.caption(f"完成率 {percent(done.rate, 2)}（{done.done}/{done.total}），逾期未完成 {done.overdue} 项。")
    rows = cached(tasks.task_list, as_of=ctx.as_of, unit=ctx.unit_id)
    table(readable(rows[["title", "category", "unit_name", "status_as_of", "due_on", "days_overdue"]]),
          name=f"{ctx.subject.name}办实事", key="profile_tasks")


def four_have_gaps(ctx: Context) -> None:
    year = periods.split(ctx.last)[0]
    dims = cached(four_have.profile, year=year, unit=ctx.unit_id)
    if dims["unit_mean"].isna().all():
        st.info(f"{year}年没有四有评分。")
        return
    st.plotly_chart(figure(charts.gap_bars, dims, label="dimension_name", gap="gap", x_title="与全院均值之差（分）",
                           title=f"{ctx.subject.name}四有各维度与全院均值之差（{year}年）"), key="profile_four_have")


def flags(ctx: Context) -> None:
    review = cached(assessment.quarter_review, quarter=ctx.last, unit=ctx.unit_id)
    if review.empty:
        st.success(f"{periods.label(ctx.last)}没有表扬或需关注的标记。")
        return
    for row in review.itertuples():
        mark = "表扬" if row.commended and not row.flagged else "需关注"
        (st.success if mark == "表扬" else st.warning)(f"{row.branch_name}：{mark}（{row.reason}）")


for title, draw in (("排名与趋势", rank_and_trend), ("失分指标", lost_points), ("党员先锋指数", members),
                    ("党员调动", moves),
                    ("三会一课", meeting_gaps), ("组织生活会与民主评议", yearly_meetings), ("活动", activity_totals),
                    ("我为群众办实事", service_tasks), ("先锋岗与责任区", awards_and_zones), ("四有工程", four_have_gaps),
                    ("表扬与需关注", flags)):
    add_section(title, draw)
