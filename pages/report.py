"""汇报材料: choose period, scope and sections, preview the outline, generate the file.

The file is made by ``report.build_report`` and ``report.render``, the same functions as
``python -m analysis report``; the viewer's scope applies to every analysis call.
"""

import datetime as dt

import pandas as pd
import streamlit as st

from analysis import report
from analysis.metrics import org
from analysis.report.render.pptx import slide_count
from ui.cache import cached
from ui.filters import ALL, sidebar_filters
from ui.login import viewer
from ui.tables import audited

filters = sidebar_filters()
scope = viewer()

st.title("汇报材料")
st.caption("为党委会、民主生活会、年度述职生成会议材料：PowerPoint（原生图表，可在 PowerPoint / WPS 中编辑）、"
           "Excel 工作簿、可离线打开并打印为 PDF 的 HTML 报告，以及供 Word 插图的 PNG 图表包。"
           "材料只含支部及以上层级的汇总数据，不含党员个人信息。")

choices = cached(report.period_choices)
if not choices["quarter"]:
    st.info("数据库中还没有评分数据，无法生成汇报材料。")
    st.stop()

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

sections = st.multiselect("内容", list(report.SECTIONS), default=list(report.SECTIONS), format_func=report.SECTIONS.get,
                          key="report_sections")
if not sections:
    st.warning("请至少选择一项内容。")
    st.stop()

chosen = {"period": period, "unit": unit or None, "sections": tuple(sections)}
with st.spinner("正在汇总数据……"):
    built = cached(report.build_report, **chosen)

st.subheader("预览")
st.caption(f"{built.title} · {built.subtitle} · {len(built.findings)} 项结论，{len(built.tables)} 张表；"
           f"PowerPoint 共 {slide_count(built)} 页（封面、目录、每项结论一页、附表）")
rows = [{"页": index, "部分": report.SECTIONS[f.section], "结论（幻灯片标题）": f.title}
        for index, f in enumerate(built.findings, start=3)]
st.dataframe(pd.DataFrame(rows), hide_index=True, key="report_outline",
             column_config={"结论（幻灯片标题）": st.column_config.TextColumn(width="large")})
for note in built.notes:
    st.caption(f"说明：{note}")

wanted_file = {**chosen, "format": fmt}
clicked = st.button(f"生成{report.FORMATS[fmt][2].split('（')[0]}", type="primary", key="report_generate")
if clicked:
    with st.spinner("正在生成文件……" + ("（PNG 图表需启动浏览器渲染，约需十几秒）" if fmt == "png" else "")):
        fresh = built.issued_to(scope, dt.datetime.now().replace(microsecond=0))  # the cached report names its maker
        st.session_state["report_file"] = {"request": wanted_file, "data": report.render(fresh, fmt),
                                           "name": fresh.file_name(fmt), "mime": report.FORMATS[fmt][1]}
made = st.session_state.get("report_file")
if made and made["request"] == wanted_file:
    detail = {"report": made["name"], "format": fmt, "period": period, "unit": unit or "hospital",
              "sections": list(sections)}
    # The file reaches Streamlit's media store (served to anyone with its URL) only on the
    # audited click, not when the page is drawn.
    st.download_button(f"下载 {made['name']}（{len(made['data']) / 1024:,.0f} KB）",
                       data=audited(lambda: made["data"], detail=detail), file_name=made["name"], mime=made["mime"],
                       key="report_download", on_click="ignore")

st.divider()
st.page_link("pages/present.py", label="在会议室投屏：打开大屏展示（同一期间与范围）", icon=":material/tv:",
             query_params={"period": period, "scope": unit or "hospital"})
st.caption("命令行：`python -m analysis report --period 2025Q4 --scope hospital --format pptx -o 汇报.pptx`"
           "（以党委权限读取数据库）")
