import streamlit as st

from analysis import charts
from analysis.formatting import date, percent
from analysis.labels import HEADERS, headers
from analysis.metrics import tasks
from ui.cache import cached, figure
from ui.filters import sidebar_filters
from ui.paging import unit_window
from ui.tables import data_box, table

filters = sidebar_filters()
report = cached(tasks.task_report, first=filters.first, last=filters.last, unit=filters.unit)
as_of = f"截至{date(report.as_of)}"

st.title("办实事")
st.caption(f"{filters.unit_label} · {as_of}（{filters.period_label}末）· 我为群众办实事项目的完成情况")

# Here a unit (党委, 党总支 or 党支部) owns a task, "total" counts tasks and "rate" is their
# completion; a task's "status" is today's, beside the status at the period's end.
TASK_HEADERS = {"unit_name": "责任单位", "title": "项目", "status": "当前状态", "counted": "计入完成率",
                "total": "项目数", "rate": "完成率（%）"}
DATES = {HEADERS[c]: st.column_config.DateColumn(format="YYYY-MM-DD") for c in ("started_on", "due_on", "completed_on")}

c = report.completion
if c.rate is None:
    st.info(f"{filters.unit_label}{as_of}没有已启动的办实事项目。")
    st.stop()

cols = st.columns(4)
cols[0].metric("完成率", percent(c.rate, 2), help="已完成项目数 ÷ 已启动项目数（两位小数）")
cols[1].metric("已完成 / 项目数", f"{c.done} / {c.total}")
cols[2].metric("逾期未完成", c.overdue, help="到期日已过、期末仍未完成的项目（到期当天不算逾期）")
cols[3].metric("未完成", c.total - c.done)

left, right = st.columns(2)
with left:
    with st.container(border=True):
        st.plotly_chart(figure(
            charts.task_completion_bars, report.by_category, label="category", y_title="项目类别", overall=c.rate,
            title=f"各类别完成率（{filters.unit_label}，{as_of}，n={c.total}项）",
        ), key="by_category")
        if box := data_box("数据表：按类别", key="category"):
            with box:
                table(headers(report.by_category, **TASK_HEADERS), name="办实事_按类别", key="category")
    with st.container(border=True):
        st.plotly_chart(figure(
            charts.completion_trend, report.trend, title=f"各季度末完成率（{filters.unit_label}，{filters.period_label}）",
        ), key="trend")
        if box := data_box("数据表：各季度末完成率", key="trend_table"):
            with box:
                table(headers(report.trend, **TASK_HEADERS), name="办实事_季度完成率", key="trend_table")
with right, st.container(border=True):
    owners = unit_window(report.by_owner, key="task_branches", noun="单位", order="完成率",
                         id_column="unit_id", name_column="unit_name", keep=[filters.focus_branch])
    st.plotly_chart(figure(
        charts.task_completion_bars, owners.rows, label="unit_name", y_title="责任单位", overall=c.rate,
        title=f"各责任单位完成率（{filters.unit_label}，{as_of}，{len(report.by_owner)}个单位共{c.total}项）"
              + (f"<br>{owners.note}" if owners.note else ""),
    ), key="by_branch")
    if box := data_box("数据表：按责任单位", key="branch"):
        with box:
            table(headers(report.by_owner, **TASK_HEADERS), name="办实事_按责任单位", key="branch")

with st.container(border=True):
    st.subheader(f"逾期未完成项目（{len(report.overdue)}项）")
    st.caption(f"{filters.unit_label} · {as_of} · 按逾期天数从长到短")
    if report.overdue.empty:
        st.success("没有逾期未完成的项目。")
    else:
        overdue = report.overdue.drop(columns=["unit_id", "counted", "overdue", "completed_on"])
        table(headers(overdue, **TASK_HEADERS), name="办实事_逾期项目", key="overdue", column_config=DATES)

with st.container(border=True):
    st.subheader(f"全部项目（{len(report.tasks)}项）")
    st.caption(f"{filters.unit_label} · 期末状态按{as_of}计；开始日期晚于期末的项目不计入完成率；选中一行可查看责任单位的画像")
    table(headers(report.tasks, **TASK_HEADERS).assign(unit_id=report.tasks["unit_id"]), name="办实事_项目清单",
          key="tasks", column_config=DATES, opens="unit_id")
