"""汇报材料: choose period, scope, sections and the meeting, preview the deck, generate the file.

The file is made by ``report.build_report`` and ``report.render``, the same functions as
``python -m analysis report``; the viewer's scope applies to every analysis call. The meeting
settings (name, date, presenter, length) are remembered per user in the database
(``report.settings``) when a file is generated; the hospital's deck template is uploaded here by
the committee (checked, stored, audited) and used for every deck.
"""

import datetime as dt

import pandas as pd
import streamlit as st

from analysis import report
from analysis.metrics import org
from analysis.report import settings
from analysis.report.render.pptx import slide_count
from analysis.report.render.template import TemplateError
from ui.cache import cached
from ui.filters import ALL, sidebar_filters
from ui.login import viewer
from ui.session import cursor
from ui.tables import audited

filters = sidebar_filters()
scope = viewer()

st.title("汇报材料")
st.caption("为党委会、支部书记例会、年度述职生成会议材料：PowerPoint（医院模板、原生图表，可在 PowerPoint / WPS 中编辑）、"
           "Word 汇报材料（公文格式）、Excel 工作簿、可离线打开并打印为 PDF 的 HTML 报告，以及 PNG 图表包。"
           "材料只含支部及以上层级的汇总数据，不含党员个人信息。")

choices = cached(report.period_choices)
if not choices["quarter"]:
    st.info("数据库中还没有评分数据，无法生成汇报材料。")
    st.stop()

# The meeting settings this user saved last time, read once per session (per user: never cached).
if "report_meeting_name" not in st.session_state:
    saved = settings.meeting_settings(cursor(), scope=scope)
    st.session_state["report_meeting_name"] = saved.meeting.name
    st.session_state["report_meeting_date"] = saved.meeting.on or dt.date.today()
    st.session_state["report_presenter"] = saved.meeting.presenter
    st.session_state["report_length"] = saved.length

left, right = st.columns([1, 1])
with left:
    kind = st.radio("汇报周期", ["quarter", "year"], format_func={"quarter": "季度", "year": "年度"}.get,
                    horizontal=True, key="report_kind")
    options = choices[kind]
    wanted = filters.last if kind == "quarter" else filters.last[:4]
    period = st.selectbox("期间", options, index=options.index(wanted) if wanted in options else 0,
                          format_func=lambda code: report.parse_period(code).label, key=f"report_period_{kind}")
with right:
    units = cached(org.units)
    generals = units.dropna(subset=["general_branch_id"]).drop_duplicates("general_branch_id")
    names = {ALL: "全院"}
    names |= {g: f"{g} {n}" for g, n in zip(generals["general_branch_id"], generals["general_branch_name"])}
    names |= {b: f"{b} {n}" for b, n in zip(units["branch_id"], units["branch_name"])}
    default = filters.unit or scope.unit_id or ALL
    unit = st.selectbox("范围", list(names), index=list(names).index(default) if default in names else 0,
                        format_func=names.get, key="report_unit",
                        help="全院、某个党总支或某个党支部；各项数据按您的权限计算")
    fmt = st.radio("格式", list(report.FORMATS), format_func=lambda f: report.FORMATS[f][2], key="report_format")

with st.container(border=True):
    st.markdown("**会议信息**（写在封面上；生成文件时按账号记住，下次打开自动填入）")
    name_col, date_col, presenter_col = st.columns([2, 1, 1])
    meeting_name = name_col.text_input("会议名称", key="report_meeting_name", max_chars=60,
                                       placeholder=f"例如：{report.parse_period(period).label}支部书记例会")
    meeting_date = date_col.date_input("会议日期", key="report_meeting_date", format="YYYY-MM-DD")
    presenter = presenter_col.text_input("汇报单位", key="report_presenter", max_chars=60, placeholder="例如：党委办公室")
    length = st.radio("篇幅", list(report.LENGTHS), format_func=report.LENGTHS.get, horizontal=True, key="report_length")

sections = st.multiselect("内容", list(report.SECTIONS), default=list(report.SECTIONS), format_func=report.SECTIONS.get,
                          key="report_sections")
if not sections:
    st.warning("请至少选择一项内容。")
    st.stop()
try:
    meeting = report.Meeting(meeting_name, meeting_date, presenter)
except ValueError as exc:
    st.error(str(exc))
    st.stop()

chosen = {"period": period, "unit": unit or None, "sections": tuple(sections), "meeting": meeting, "length": length}
with st.spinner("正在汇总数据……"):
    built = cached(report.build_report, **chosen)

st.subheader("预览")
pages = slide_count(built)
st.caption(f"{built.title} · {built.subtitle} · PowerPoint 共 {pages} 页："
           + ("封面、总体情况、重点结论、存在问题、下步打算" if length == "short" else "封面、目录、全部结论、存在问题、下步打算、附表")
           + f"；Word 与 PowerPoint 内容相同。重点结论按变化大小和需关注程度选出（共 {len(built.findings)} 项结论）。")
rows = [{"页": 1, "内容": f"封面：{built.title}"}]
rows += [{"页": index, "内容": f.title} for index, f in enumerate(built.deck_findings, start=2 + (length == "full"))]
after = rows[-1]["页"]
rows += [{"页": after + 1, "内容": f"存在问题（初稿）：{len(built.problems)} 条"},
         {"页": after + 2, "内容": f"下步打算（初稿）：{len(built.problems)} 条"}]
st.dataframe(pd.DataFrame(rows), hide_index=True, key="report_outline",
             column_config={"内容": st.column_config.TextColumn(width="large")})
with st.expander("存在问题与下步打算（由数据起草，生成后请修改）"):
    for number, concern in enumerate(built.problems, start=1):
        st.markdown(f"{number}. {concern.problem}；**打算**：{concern.action}")
for note in built.notes:
    st.caption(f"说明：{note}")

stored = settings.active_template(cursor(), scope=scope)
wanted_file = {**chosen, "format": fmt, "template": stored.sha256 if stored else None}
clicked = st.button(f"生成{report.FORMATS[fmt][2].split('（')[0]}", type="primary", key="report_generate")
if clicked:
    wait = "（图表需启动浏览器渲染，约需十几秒）" if fmt in ("png", "docx") else ""
    with st.spinner("正在生成文件……" + wait):
        fresh = built.issued_to(scope, dt.datetime.now().replace(microsecond=0))  # the cached report names its maker
        data = report.render(fresh, fmt, template=stored.content if stored and fmt == "pptx" else None)
        st.session_state["report_file"] = {"request": wanted_file, "data": data, "name": fresh.file_name(fmt),
                                           "mime": report.FORMATS[fmt][1]}
    settings.save_meeting_settings(cursor(), scope=scope, settings=settings.MeetingSettings(meeting, length))
made = st.session_state.get("report_file")
if made and made["request"] == wanted_file:
    detail = {"report": made["name"], "format": fmt, "period": period, "unit": unit or "hospital",
              "sections": list(sections), "length": length}
    # The file reaches Streamlit's media store (served to anyone with its URL) only on the
    # audited click, not when the page is drawn.
    st.download_button(f"下载 {made['name']}（{len(made['data']) / 1024:,.0f} KB）",
                       data=audited(lambda: made["data"], detail=detail), file_name=made["name"], mime=made["mime"],
                       key="report_download", on_click="ignore")

with st.expander("汇报模板" + (f"：{stored.file_name}" if stored else "：默认模板（红白，微软雅黑）")):
    if stored:
        st.caption(f"当前使用医院模板 {stored.file_name}（{stored.uploaded_by} 于 {stored.uploaded_at:%Y-%m-%d %H:%M} 上传）；"
                   "幻灯片使用其母版、版式、主题颜色和字体，图表颜色含义保持不变。")
    else:
        st.caption("当前使用默认模板。医院有统一模板（党徽、配色、字体）时，由党委/党办上传一次，所有账号生成的幻灯片都会使用。")
    if scope.role == "committee":
        upload = st.file_uploader("上传医院模板（.pptx 或 .potx）", type=["pptx", "potx"], key="report_template_upload")
        use_col, reset_col = st.columns(2)
        if upload is not None and use_col.button("设为医院模板", key="report_template_store"):
            try:
                settings.store_template(cursor(), scope=scope, data=upload.getvalue(), file_name=upload.name)
            except TemplateError as exc:
                st.error(str(exc))
            else:
                st.session_state.pop("report_file", None)
                st.rerun()
        if stored and reset_col.button("恢复默认模板", key="report_template_reset"):
            settings.withdraw_template(cursor(), scope=scope)
            st.session_state.pop("report_file", None)
            st.rerun()

st.divider()
st.page_link("pages/present.py", label="在会议室投屏：打开大屏展示（同一期间与范围）", icon=":material/tv:",
             query_params={"period": period, "scope": unit or "hospital"})
st.caption("命令行：`python -m analysis report --period 2025Q4 --scope hospital --format pptx --meeting 2025年第4季度支部书记例会 "
           "-o 汇报.pptx`（以党委权限读取数据库）")
