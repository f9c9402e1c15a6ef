"""组织生活: which branches are not holding their 三会一课, how well members attend, and activities."""

import datetime as dt

import pandas as pd
import streamlit as st

from analysis import charts, config, periods
from analysis.formatting import ci, count, percent
from analysis.labels import GRAINS, readable
from analysis.metrics import activities, annual_meetings, meetings
from ui.cache import cached, figure
from ui.filters import sidebar_filters
from ui.paging import unit_window
from ui.profile import chart_opening_profile
from ui.sections import kept_choice, section_tabs
from ui.tables import data_box, member_rows_wanted, table

filters = sidebar_filters()
today = dt.date.today()
common = {"first": filters.first, "last": filters.last, "unit": filters.unit, "as_of": today}
summary = cached(meetings.hospital_summary, **common)
window = summary.window
period = filters.period_label

st.title("组织生活")
end = f"{window.last_day:%Y年%m月%d日}" if window.last_day else "—"
st.caption(
    f"{filters.unit_label} · {period} · 数据截至 {end}。只统计已结束、且全院有活动记录的月份或季度："
    "记录开始前、尚未结束和全院无任何记录的期间不计为缺漏。"
)

cols = st.columns(5)
cols[0].metric("三会一课达标率", percent(summary.rate), help=f"按规定应开 {count(summary.required)} 次，按期达标 {count(summary.counted)} 次")
cols[1].metric("缺漏", f"{count(summary.missing)} 期次", help="已结束的统计期内未按规定召开的会议期次")
# The denominator in the help: "6748 / 10200" did not fit a fifth of the page at a province.
cols[2].metric("有缺漏的支部", f"{count(summary.branches_with_gaps)} 个",
               help=f"共 {count(summary.branches)} 个支部有可统计的期间，其中 {count(summary.branches_with_gaps)} 个至少缺漏一期")
cols[3].metric("党员出席率", percent(summary.attendance_rate),
               help="出席 ÷（出席 + 请假 + 缺席）" + (f"，n={count(summary.attendance_n)} 条出勤记录" if summary.attendance_n else ""))
cols[4].metric("请假率", percent(summary.leave_rate), help="请假 ÷ 全部出勤记录；请假不计为出席")

if box := data_box("各类会议汇总（数据表）", key="by_kind"):
    with box:
        table(readable(summary.by_kind), name=f"三会一课汇总_{filters.first}_{filters.last}", key="by_kind")


def choose_kind() -> str:
    """The meeting kind of the 三会一课 and 党员出勤 tabs, carried from one to the other."""
    return kept_choice(st.radio, "会议类型", list(summary.by_kind["kind"]), key="org_life_kind", horizontal=True)


def compliance_section() -> None:
    kind = choose_kind()
    rule = summary.by_kind.set_index("kind").loc[kind]
    st.caption(f"规定：{kind}每{GRAINS[rule['grain']]}至少召开 {int(rule['times'])} 次。")

    if filters.is_branch:
        # Drill-down: one branch's meetings month by month, every kind at once.
        with st.container(border=True):
            st.subheader(f"{filters.unit_label}会议日历")
            calendar = cached(meetings.branch_calendar, branch=filters.unit, first=filters.first, last=filters.last,
                              as_of=today)
            st.plotly_chart(figure(
                charts.meeting_calendar, calendar, title=f"{filters.unit_label}三会一课逐月记录<br>{period} · 格内为召开日期 · 季度会议的状态在该季度各月显示",
            ), key="calendar")
            meetings_held = cached(meetings.branch_meetings, branch=filters.unit, first=filters.first, last=filters.last,
                                   as_of=today)
            st.caption(f"共召开三会一课 {count(len(meetings_held))} 次。")
            if box := data_box("数据表：会议清单与出勤", key="branch_meetings"):
                with box:
                    table(readable(meetings_held, n="出勤记录数"), name=f"会议清单_{filters.unit}_{filters.first}_{filters.last}",
                          key="branch_meetings")
            if box := data_box("数据表：各类会议达标率", key="rates"):
                with box:
                    rates = cached(meetings.compliance_rates, **common)
                    table(readable(rates), name=f"达标率_{filters.unit}_{filters.first}_{filters.last}", key="rates")
    else:
        rates = cached(meetings.compliance_rates, kind=kind, **common)
        counted = rates[rates["required"] > 0]
        n_branches = len(counted)
        # With many branches both charts show the same window of them, weakest first, and the
        # heat map's cells are asked for that window only.
        shown = unit_window(counted, key="compliance", order="达标率", keep=[filters.focus_branch])
        note = f"<br>{shown.note}" if shown.note else ""
        left, right = st.columns([3, 2])
        with left, st.container(border=True):
            chart_opening_profile(figure(
                charts.compliance_heatmap,
                cached(meetings.meeting_compliance, kind=kind, **common,
                       branches=None if shown.complete else tuple(shown.rows["branch_id"])),
                branch_order=None if shown.complete else shown.rows["branch_name"].tolist(),
                title=f"{kind}召开情况：支部 × {GRAINS[rule['grain']]}<br>{filters.unit_label} · {period} · 格内数字为召开次数{note}",
            ), key="compliance_heatmap")
            if box := data_box("数据表：各支部各期召开情况", key="grid"):
                with box:
                    grid = cached(meetings.meeting_compliance, kind=kind, **common)
                    table(readable(grid, drop=("general_branch_id",)), name=f"{kind}召开情况_{filters.first}_{filters.last}",
                          key="grid")
        with right, st.container(border=True):
            chart_opening_profile(figure(
                charts.compliance_ranking, shown.rows, title=f"{kind}达标率排名（由低到高）<br>{period} · n={count(n_branches)}个支部{note}",
            ), key="compliance_ranking")
            st.caption("点击柱条或格子查看该支部画像。橙色：有缺漏；蓝色：全部按期召开；括号内为按期达标次数 / 应开次数；误差线为95%置信区间（Wilson）。")
            if box := data_box("数据表：达标率", key="rates"):
                with box:
                    table(readable(rates), name=f"{kind}达标率_{filters.first}_{filters.last}", key="rates")
        st.caption("在侧栏选择一个党支部，可查看该支部的逐月会议日历。")


def missing_section() -> None:
    missing = cached(meetings.missing_meetings, **common)
    st.caption(f"{filters.unit_label} · {period} · 全部会议类型 · 共 {count(len(missing))} 期次未按规定召开")
    if summary.required == 0:
        st.info("所选范围内没有可统计的期间：没有活动记录，或期间尚未结束。")
    elif missing.empty:
        st.success("所选范围内没有缺漏：各支部均按规定召开了三会一课。")
    else:
        table(readable(missing, drop=("period", "period_start", "period_end")),
              name=f"三会一课缺漏清单_{filters.first}_{filters.last}", key="missing")


def yearly_section() -> None:
    years = periods.years_of(filters.first, filters.last)
    yearly = cached(annual_meetings.annual_meeting_summary, years=years, unit=filters.unit, as_of=today)
    st.caption(f"{filters.unit_label} · {periods.years_label(years)} · 规定："
               + "；".join(f"每个党支部每年至少召开{r.times}次{r.kind}" for r in config.load().annual_meeting_rules)
               + "。当年未结束的记为“进行中”。")
    latest = yearly[yearly["year"] == years[-1]]
    cols = st.columns(max(len(latest), 1) + 1)
    for col, row in zip(cols, latest.itertuples()):
        col.metric(f"{row.year}年{row.kind}", f"{count(row.held)} / {count(row.branches)}",
                   help=f"已召开的支部 / 应召开的支部；{percent(row.pct)}，{ci(row.ci_low, row.ci_high)}；"
                        f"缺漏 {count(row.missing)} 个，进行中 {count(row.open)} 个")
    with st.container(border=True):
        compliance = cached(annual_meetings.annual_meeting_compliance, years=years, unit=filters.unit, as_of=today)
        not_held = compliance[compliance["status"].isin(["缺漏", "进行中"])]
        st.subheader(f"未召开的支部（{count(len(not_held))}项）")
        if not_held.empty:
            st.success("所选年度各党支部均已召开组织生活会和民主评议党员。")
        else:
            table(readable(not_held.drop(columns=["dates"])), name=f"组织生活会未召开_{years[0]}_{years[-1]}",
                  key="annual_missing")
        if box := data_box("数据表：各年度汇总与各支部召开日期", key="annual_summary"):
            with box:
                table(readable(yearly, held="已召开支部", branches="应召开支部", missing="缺漏支部", open="进行中支部",
                               pct="召开率（%）"), name=f"组织生活会汇总_{years[0]}_{years[-1]}", key="annual_summary")
                table(readable(compliance), name=f"组织生活会各支部_{years[0]}_{years[-1]}", key="annual_branches")

    with st.container(border=True):
        lecturers = cached(annual_meetings.lecturer_shares, years=years, unit=filters.unit, as_of=today)
        st.subheader("委员带头讲党课")
        shown = lecturers[lecturers["year"] == years[-1]]
        if lecturers.empty:
            st.info("所选年度没有党课记录。")
        elif shown["with_lecturer"].sum() == 0:
            st.info(f"{years[-1]}年的党课都没有登记授课人：导入活动时填写“授课人”和“授课人身份”，即可统计委员带头讲党课的比例。")
        else:
            # The unit's own row first, then its 总支 (a window of them, lowest share first, when many).
            generals = shown[shown["general_branch_id"].notna()].sort_values(["pct", "general_branch_id"])
            drawn = unit_window(generals, key="lecturers", noun="党总支", order="支委讲授比例（由低到高）",
                                id_column="general_branch_id", name_column="general_branch_name",
                                keep=[filters.focus_general_branch])
            note = f" · {drawn.note}" if drawn.note else ""
            st.plotly_chart(figure(
                charts.share_bars, pd.concat([shown[shown["general_branch_id"].isna()], drawn.rows]),
                label="general_branch_name", count="by_committee", n="with_lecturer",
                title=f"{years[-1]}年党课由支委（含书记）讲授的比例<br>{filters.unit_label} · 按党总支 · 分母为登记了授课人的党课{note}",
            ), key="lecturer_shares")
            if box := data_box("数据表：各年度党课授课人构成", key="lecturers"):
                with box:
                    table(readable(lecturers.drop(columns=["general_branch_id"]), general_branch_name="单位",
                                   pct="支委讲授比例（%）"), name=f"党课授课人_{years[0]}_{years[-1]}", key="lecturers")


def attendance_section() -> None:
    kind = choose_kind()
    attendance = cached(meetings.attendance_rates, kind=kind, **common)
    with st.container(border=True):
        if attendance.empty:
            st.info(f"所选范围内没有{kind}的出勤记录。")
        else:
            n_records = int(attendance["n"].sum())
            present = unit_window(attendance, key="attendance", order="出席率", keep=[filters.focus_branch])
            st.plotly_chart(figure(
                charts.attendance_bars, present.rows,
                title=f"{kind}出勤构成：出席 / 请假 / 缺席<br>{filters.unit_label} · {period} · n={count(n_records)}条出勤记录"
                      + (f"<br>{present.note}" if present.note else ""),
            ), key="attendance")
            if attendance["suppressed"].any():
                st.caption("党员人数不足的支部不显示出勤比例，以免推知个人情况。")
            if box := data_box("数据表：各支部出勤率", key="attendance_table"):
                with box:
                    table(readable(attendance, n="出勤记录数"), name=f"{kind}出勤率_{filters.first}_{filters.last}",
                          key="attendance_table")

    with st.container(border=True):
        st.subheader("党员个人出勤")
        wanted = member_rows_wanted("显示党员个人出勤明细", key="org_life_members", one_branch=filters.is_branch)
        members = cached(meetings.member_attendance, kind=kind, **common) if wanted else None
        if members is None:
            st.caption("在侧栏选择一个党支部，或打开上方开关，查看党员个人出勤明细。")
        elif members.empty:
            st.info("您的权限范围内没有所选单位的党员个人出勤明细（仅党委及本支部、本总支书记可查看）。")
        else:
            st.caption(f"{kind} · {period} · {members['member_id'].nunique()} 名党员，按出席率由低到高")
            table(readable(members, n="出勤记录数"), name=f"{kind}党员出勤_{filters.first}_{filters.last}", key="member_attendance")


def activities_section() -> None:
    service = cached(activities.service_totals, **common)
    cols = st.columns(4)
    for col, total in ((cols[0], service.free_clinic), (cols[2], service.volunteering)):
        col.metric(f"{total.activity_type}（场）", count(total.activities), help=f"{total.branches} 个支部开展")
    cols[1].metric("义诊服务人次", count(service.free_clinic.people_served), help=f"累计 {service.free_clinic.hours:,.0f} 小时")
    cols[3].metric("志愿服务人次", count(service.volunteering.people_served), help=f"累计 {service.volunteering.hours:,.0f} 小时")
    st.caption(f"{filters.unit_label} · {period}：{service.free_clinic.headline}；{service.volunteering.headline}。")

    monthly = cached(activities.activity_monthly, types=activities.EVENT_TYPES, **common)
    if monthly.empty:
        st.info("所选范围内没有活动记录。")
    else:
        left, right = st.columns(2)
        total_n = int(monthly["activities"].sum())
        total_people = int(monthly["people_served"].sum())
        with left, st.container(border=True):
            st.plotly_chart(figure(
                charts.activity_stacked, monthly, value="activities", y_title="场次",
                title=f"各月活动场次（按类型）<br>{filters.unit_label} · {period} · 共{count(total_n)}场",
            ), key="activity_counts")
        with right, st.container(border=True):
            st.plotly_chart(figure(
                charts.activity_stacked, monthly, value="people_served", y_title="服务人次",
                title=f"各月服务人次（按类型）<br>{filters.unit_label} · {period} · 共{count(total_people)}人次",
            ), key="activity_people")
        if box := data_box("数据表：各月各类活动", key="monthly"):
            with box:
                table(readable(monthly, drop=("month",)), name=f"活动月度统计_{filters.first}_{filters.last}", key="monthly")
        if box := data_box("数据表：各类活动合计（含三会一课）", key="activity_totals"):
            with box:
                totals = cached(activities.activity_totals, **common)
                table(readable(totals), name=f"活动合计_{filters.first}_{filters.last}", key="activity_totals")
        if box := data_box("数据表：各支部活动", key="activity_branches"):
            with box:
                by_branch = cached(activities.activity_by_branch, types=activities.EVENT_TYPES, **common)
                table(readable(by_branch), name=f"支部活动统计_{filters.first}_{filters.last}", key="activity_branches")


section_tabs({"三会一课": compliance_section, "缺漏清单": missing_section, "组织生活会与党课": yearly_section,
              "党员出勤": attendance_section, "活动统计": activities_section}, key="org_life_section")
