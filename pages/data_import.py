"""数据导入: template downloads, upload → check → preview → confirm, batch history with rollback.

Committee accounts only. Every check and write happens in analysis/ingest/; this page only
spools the upload to a private temporary file, shows the preview and asks for confirmation.
"""

import functools
import hashlib

import streamlit as st

from analysis.ingest import importer, read, rollback, specs, templates
from analysis.metrics import org
from ui.cache import cached
from ui.login import viewer
from ui.session import cursor
from ui.tables import table

scope = viewer()
st.title("数据导入")
if scope.role != "committee":
    st.warning("数据导入仅限党委/党办账号使用。")
    st.stop()
st.caption("Excel（.xlsx）、CSV（UTF-8 或 GBK 编码均可）与问卷星导出文件。导入前检查全部数据，"
           "有任何问题都不会写入；每次导入是一个可撤销的批次。")

state = st.session_state
state.setdefault("import_generation", 0)
KIND_OPTIONS = [""] + list(specs.KINDS)


def _progress_bar(text: str):
    bar = st.progress(0.0, text=text)
    return bar, (lambda fraction, label: bar.progress(min(max(fraction, 0.0), 1.0), text=label))


def _show_preview(preview: importer.Preview) -> None:
    cols = st.columns([2, 1, 1, 1])
    cols[0].metric("数据类型", preview.kind_label)
    cols[1].metric("文件编码", preview.encoding or ("Excel" if preview.sheet else "—"))
    cols[2].metric("数据行数", f"{preview.rows:,}")
    cols[3].metric("问题", f"{preview.problem_count:,}")
    if preview.sheet:
        st.caption(f"工作表：{preview.sheet}")
    for replacement in preview.replacements:
        st.warning(replacement.message_zh + "（撤销本次导入时会恢复被替换的数据）", icon=":material/swap_horiz:")
    for note in preview.warnings:
        st.info(note, icon=":material/info:")
    if preview.problem_count:
        st.error(f"发现 {preview.problem_count:,} 处问题，整个文件都不会写入。请按下表修改后重新上传。"
                 "行号与 Excel 中显示的一致（表头为第 1 行）。", icon=":material/error:")
        table(preview.problems_frame(), name="导入问题清单", key="import_problems")
        if preview.more_problems:
            st.caption(f"仅列出前 {len(preview.problems):,} 处，另有 {preview.more_problems:,} 处未列出。")
    if len(preview.sample):
        with st.expander(f"文件前 {len(preview.sample)} 行（原样显示）", expanded=not preview.problem_count):
            st.dataframe(preview.sample, hide_index=True)


tab_import, tab_history, tab_templates = st.tabs(["导入数据", "导入记录与撤销", "模板下载"])

with tab_import:
    kind = st.selectbox("数据类型", KIND_OPTIONS, format_func=lambda k: specs.KIND_LABELS.get(k, "自动识别（按表头）"),
                        key="import_kind")
    upload = st.file_uploader("选择文件", type=["xlsx", "xls", "csv", "txt"], key=f"import_file_{state.import_generation}",
                              help=f"网页上传单个文件不超过 {st.get_option('server.maxUploadSize')} MB；"
                                   "更大的文件请在服务器上用命令行 python -m analysis import 导入。")
    twin = None
    if kind == "wjx":
        twin = st.file_uploader("同一问卷的另一种下载（可选：“按选项文本”与“按选项序号”各一份时更准确）",
                                type=["xlsx", "xls", "csv"], key=f"import_twin_{state.import_generation}")
    done = state.pop("import_done", None)
    if done:
        st.success(done, icon=":material/check_circle:")
    if upload is not None:
        data = upload.getvalue()
        twin_data = twin.getvalue() if twin is not None else b""
        key = (hashlib.sha256(data).hexdigest(), hashlib.sha256(twin_data).hexdigest(), kind, upload.name)
        if state.get("import_preview_key") != key:
            bar, report = _progress_bar("正在检查文件")
            with read.spooled_upload(data, upload.name) as path, \
                    read.spooled_upload(twin_data, twin.name if twin else "twin.bin") as twin_path:
                preview = importer.validate_file(cursor(), path, kind=kind or None, file_name=upload.name,
                                                 twin=twin_path if twin is not None else None, progress=report)
            bar.empty()
            if not preview.ok:
                importer.record_rejection(cursor(), preview, user=scope.username)
            state["import_preview"], state["import_preview_key"] = preview, key
        preview = state["import_preview"]
        _show_preview(preview)
        if preview.ok:
            if st.button(f"确认导入 {preview.rows:,} 行{preview.kind_label}数据", type="primary", key="import_confirm"):
                bar, report = _progress_bar("正在导入")
                try:
                    with read.spooled_upload(data, upload.name) as path, \
                            read.spooled_upload(twin_data, twin.name if twin else "twin.bin") as twin_path:
                        result = importer.import_file(cursor(), path, kind=preview.kind, file_name=upload.name,
                                                      twin=twin_path if twin is not None else None, user=scope,
                                                      progress=report)
                except importer.ImportRejected as exc:
                    # The database changed since the check (e.g. another import): show the new problems.
                    bar.empty()
                    importer.record_rejection(cursor(), exc.preview, user=scope.username)
                    state["import_preview"] = exc.preview
                    st.rerun()
                else:
                    bar.empty()
                    replaced = f"，替换原有 {result.replaced:,} 行" if result.replaced else ""
                    state["import_done"] = (f"已导入 {result.file_name}：{result.rows:,} 行{preview.kind_label}数据"
                                            f"（批次 #{result.batch_id}，用时 {result.seconds:.1f} 秒）{replaced}。")
                    state.pop("import_preview", None)
                    state.pop("import_preview_key", None)
                    state.import_generation += 1
                    st.rerun()

with tab_history:
    batches = importer.list_batches(cursor())
    if batches.empty:
        st.info("还没有导入记录。")
    else:
        columns = {
            "batch_id": "批次", "status": "状态", "kind_label": "数据类型", "file_name": "文件", "row_count": "行数",
            "replaced_count": "替换行数", "replacements": "替换说明", "imported_by": "导入人", "imported_at": "导入时间",
            "rolled_back_at": "撤销时间", "rolled_back_by": "撤销人", "sha256": "SHA-256",
        }
        shown = batches[list(columns)].rename(columns=columns)
        table(shown, name="导入批次", key="import_batches")
        live = batches[(batches["status"] != "已撤销") & (batches["kind"] != "demo")]
        st.subheader("撤销导入")
        st.caption("撤销会删除该批次写入的全部数据；若该批次是重新导入并替换了旧数据，旧数据会被恢复。"
                   "被后续批次替换或引用的批次，需先撤销后续批次。")
        if live.empty:
            st.caption("没有可撤销的批次。")
        else:
            labels = {int(r.batch_id): f"#{r.batch_id} {r.kind_label} · {r.file_name} · {r.row_count:,} 行 · {r.status}"
                      for r in live.itertuples()}
            chosen = st.selectbox("选择批次", list(labels), format_func=labels.get, key="rollback_batch")
            sure = st.checkbox("我已确认要撤销这个批次", key="rollback_sure")
            if st.button("撤销该批次", disabled=not sure, key="rollback_go"):
                try:
                    outcome = rollback.rollback_batch(cursor(), chosen, user=scope)
                except rollback.RollbackRefused as exc:
                    st.error(exc.message_zh)
                else:
                    st.success(f"已撤销批次 #{outcome.batch_id}：删除 {outcome.deleted:,} 行"
                               + (f"，恢复被替换的 {outcome.restored:,} 行" if outcome.restored else "") + "。")

with tab_templates:
    st.caption("每类数据一个模板：第 1 行为表头，带下拉选项与示例行，另有“填写说明”工作表。"
               "支部可以填编号或全称。也可以另存为 CSV 后导入。")
    branches = cached(org.units)["branch_name"].tolist()
    kind_specs = specs.by_kind()
    for kind_name in specs.TABLE_KINDS:
        spec = kind_specs[kind_name]
        left, right = st.columns([3, 1])
        left.markdown(f"**{spec.label}** — {spec.description}")
        if spec.replaces:
            left.caption(spec.replaces + "。")
        # Built on click (the button's callable), so drawing the page stores nothing in the media store.
        right.download_button("下载模板", functools.partial(templates.template_bytes, kind_name, branches=branches),
                              file_name=templates.template_file_name(kind_name),
                              mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                              key=f"template_{kind_name}", on_click="ignore")
    st.markdown("**问卷星问卷导出** — 在问卷星“分析&下载 → 查看下载答卷 → 下载答卷数据”中选择“按选项文本”"
                "（.xls），直接上传即可；若同时下载了“按选项序号”，可在数据类型选“问卷星问卷导出”后一并上传。")
