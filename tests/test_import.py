"""The import pipeline end to end: files in, batches written, the page and the benchmark.

Every rejected import is checked to leave the database exactly as it was (``rejected``).
The stages have their own tests: test_read, test_stage, test_checks, test_rollback.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from analysis import db
from analysis.access import audit
from analysis.ingest import importer, inbox, rollback
from analysis.scope import Scope
from tests.import_files import WJX_SAMPLE, branch_rows, hospital, rejected, snapshot, write_csv, write_xlsx


@pytest.fixture()
def con(tmp_path):
    """Committee C00, general branch G01 with branches B01-B03 (named 'B0n支部'), 10 members each."""
    connection = hospital(tmp_path)
    yield connection
    connection.close()


def test_duplicate_file_refused(con, tmp_path):
    path = write_csv(tmp_path / "b.csv", branch_rows("2025Q1", ["B01", "B02", "B03"], 0.9))
    first = importer.import_file(con, path, user="tester")
    copy = path.with_name("same_content.csv")
    copy.write_bytes(path.read_bytes())
    preview = rejected(con, copy)
    assert preview.duplicate_of == first.batch_id
    assert f"批次 #{first.batch_id}" in preview.problems[0].message_zh and "不能重复导入" in preview.problems[0].message_zh
    # After a rollback the same file may come in again.
    rollback.rollback_batch(con, first.batch_id, user="tester")
    assert importer.import_file(con, path, user="tester").rows == 48


def test_activities_then_attendance(con, tmp_path):
    activities = write_xlsx(tmp_path / "a.xlsx", [
        ["活动编号", "所在支部", "活动类型", "活动主题", "活动日期", "服务人次", "时长（小时）"],
        ["A1", "B01", "义诊", "社区义诊", dt.date(2025, 5, 1), 320, 4],
        ["A2", "B01", "支部党员大会", "第二季度党员大会", dt.datetime(2025, 6, 20), None, None]])
    importer.import_file(con, activities, user="t")
    assert con.execute("SELECT people_served, hours FROM activity ORDER BY activity_id").fetchall() == [(320, 4), (0, 0)]
    header = ["活动编号", "党员编号", "姓名", "出勤情况"]
    preview = rejected(con, write_csv(tmp_path / "bad.csv", [header, ["A1", "M0001", "党员1", "出席"],
                                                             ["A3", "M0002", "", "出席"], ["A1", "M0003", "张三", "迟到"]]))
    assert [(p.row, p.column) for p in preview.problems] == [(3, "活动编号"), (4, "姓名"), (4, "出勤情况")]
    assert preview.problems[1].message_zh == "姓名“张三”与党员编号 M0003 的姓名“党员3”不一致"
    rows = [header] + [["A1", f"M{i:04d}", "", "出席"] for i in range(10)]
    importer.import_file(con, write_csv(tmp_path / "att.csv", rows), user="t")
    again = importer.validate_file(con, write_csv(tmp_path / "att2.csv", rows[:6]))
    assert [r.message_zh for r in again.replacements] == ["将替换 1 次活动已有的出勤记录 共 10 行"]


def test_dataframe_import_with_stored_codes(con):
    frame = pd.DataFrame({
        "quarter": ["2025Q1"] * 3, "member_id": ["M0001"] * 3, "dimension_id": ["study"] * 3,
        "rater": ["self", "peer", "org"], "score": [90.0, 85.5, 88],
    })
    result = importer.import_frame(con, frame, kind="vanguard_scores", user="demo", file_name="demo-vanguard")
    assert result.rows == 3 and result.preview.encoding is None
    bad = importer.validate_frame(con, frame.assign(score=[90.0, 85.555, None]), kind="vanguard_scores")
    assert [(p.row, p.column, p.message_zh) for p in bad.problems] == [
        (3, "得分", "“85.555”最多保留 2 位小数"), (4, "得分", "“得分”为必填项，不能为空")]


def test_only_the_committee_imports(con, tmp_path):
    path = write_csv(tmp_path / "b.csv", branch_rows("2025Q1", ["B01"], 0.9))
    with pytest.raises(PermissionError):
        importer.import_file(con, path, user=Scope("li", "researcher"))
    with pytest.raises(PermissionError):
        rollback.rollback_batch(con, 1, user=Scope("wang", "secretary", "B01"))
    assert importer.import_file(con, path, user=Scope.committee("dangban")).rows == 16
    assert con.execute("SELECT imported_by FROM import_batch").fetchone()[0] == "dangban"


def test_a_failing_write_leaves_the_database_unchanged(con, tmp_path, monkeypatch):
    importer.import_file(con, write_csv(tmp_path / "q1.csv", branch_rows("2025Q1", ["B01", "B02"], 0.9)), user="t")
    before = snapshot(con)

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(audit, "record", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        importer.import_file(con, write_csv(tmp_path / "q1b.csv", branch_rows("2025Q1", ["B01", "B02"], 0.5)), user="t")
    assert snapshot(con) == before


@pytest.mark.skipif(not WJX_SAMPLE.exists(), reason="wjx sample export not present")
def test_wjx_export_import_and_rollback(con, tmp_path, monkeypatch):
    preview = importer.validate_file(con, WJX_SAMPLE)
    assert (preview.kind, preview.ok, preview.rows) == ("wjx", True, 120)
    # A failure after the survey rows were written leaves neither batch nor survey behind.
    before = snapshot(con)
    monkeypatch.setattr(audit, "record", lambda *a, **k: (_ for _ in ()).throw(RuntimeError("boom")))
    with pytest.raises(RuntimeError):
        importer.import_file(con, WJX_SAMPLE, user="t")
    assert snapshot(con) == before
    monkeypatch.undo()
    result = importer.import_file(con, WJX_SAMPLE, user="t")
    assert con.execute("SELECT count(*) FROM survey_response r JOIN survey s USING (survey_id) WHERE s.batch_id = ?",
                       [result.batch_id]).fetchone()[0] == 120
    assert rejected(con, WJX_SAMPLE).duplicate_of == result.batch_id
    rollback.rollback_batch(con, result.batch_id, user="t")
    for table in ("survey", "survey_question", "survey_item", "survey_option", "survey_response", "survey_answer"):
        assert con.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == 0, table


class FakeUpload:
    """What st.file_uploader returns, for AppTest (which cannot upload files)."""

    def __init__(self, path: Path) -> None:
        self.name, self._data = path.name, path.read_bytes()

    def getvalue(self) -> bytes:
        return self._data


def test_import_page_upload_preview_confirm_rollback(demo_path, tmp_path, monkeypatch):
    import streamlit

    from tests.apptest import release, signed_in_app

    upload = {"file": None}
    real_uploader = streamlit.file_uploader
    monkeypatch.setattr(streamlit, "file_uploader", lambda label, *a, key=None, **k: (
        upload["file"] if key and key.startswith("import_file_") else real_uploader(label, *a, key=key, **k)))
    app = signed_in_app(demo_path, tmp_path, monkeypatch, "dangban")
    try:
        app.run()
        app.switch_page("pages/data_import.py")
        app.run()
        assert not app.exception, [e.stack_trace for e in app.exception]
        assert app.title[0].value == "数据导入"
        assert [t.label for t in app.tabs] == ["导入数据", "导入记录与撤销", "模板下载"]
        # The demo arrives as ordinary import batches (its marker batch itself cannot be undone).
        choices = app.selectbox(key="rollback_batch").options
        assert len(choices) == 21 and any("问卷星问卷导出" in c for c in choices)  # 11 kinds and 10 registers

        # A corrected 2025Q4 for the demo's 34 branches: the preview states what it replaces.
        branches = [f"B{i:02d}" for i in range(1, 35)]
        upload["file"] = FakeUpload(write_csv(tmp_path / "q4.csv", branch_rows("2025Q4", branches, 0.95), "gbk"))
        app.run()
        assert not app.exception, [e.stack_trace for e in app.exception]
        metrics = {m.label: m.value for m in app.metric}
        assert metrics == {"数据类型": "支部季度考核得分", "文件编码": "GBK", "数据行数": "544", "问题": "0"}
        assert any("将替换 2025Q4 的 34 个支部 × 16 项 = 544 行" in w.value for w in app.warning)
        app.button(key="import_confirm").click().run()
        assert not app.exception, [e.stack_trace for e in app.exception]
        assert any("已导入 q4.csv：544 行" in s.value for s in app.success)

        # Rollback from the history tab restores the demo's scores.
        upload["file"] = None
        app.run()
        app.selectbox(key="rollback_batch").set_value(max(int(c.split()[0][1:]) for c in app.selectbox(key="rollback_batch").options)).run()
        app.checkbox(key="rollback_sure").check().run()
        app.button(key="rollback_go").click().run()
        assert any("恢复被替换的 544 行" in s.value for s in app.success)

        # A file with problems: the table of problems, no confirm button.
        rows = branch_rows("2025Q4", ["B01", "B77"], 0.5)
        upload["file"] = FakeUpload(write_csv(tmp_path / "bad.csv", rows))
        app.run()
        assert any("整个文件都不会写入" in e.value for e in app.error)
        assert not [b for b in app.button if b.key == "import_confirm"]
    finally:
        release(app)


def test_import_benchmark_smoke():
    """The bench case runs end to end on a small file (``python -m bench`` measures 1,000,000 rows)."""
    from bench import CASES, import_throughput

    assert CASES["import_vanguard_csv"].run is import_throughput.import_vanguard_csv
    result = import_throughput.import_vanguard_csv(quick=True)
    assert result.detail["rows"] == 20_000 and result.seconds > 0 and result.baseline_seconds > 0


def limits_while_checking(con, path, **kwargs) -> set[str]:
    """The DuckDB memory limits seen while ``path`` was staged and checked."""
    seen = set()

    def progress(fraction, text):
        if text == "正在校验":
            seen.add(con.execute("SELECT current_setting('memory_limit')").fetchone()[0].replace(" ", ""))

    importer.validate_file(con, path, progress=progress, **kwargs)
    return seen


def test_only_a_process_of_its_own_checks_a_file_under_the_lower_limit(con, tmp_path):
    path = write_csv(tmp_path / "b.csv", branch_rows("2025Q1", ["B01", "B02", "B03"], 0.9))
    configured = con.execute("SELECT current_setting('memory_limit')").fetchone()[0].replace(" ", "")
    assert limits_while_checking(con, path) == {configured}  # the server's imports: viewers share the limit
    assert limits_while_checking(con, path, checking_memory=db.CHECKING_MEMORY_LIMIT) == {"183.1MiB"}  # 192 MB
    assert con.execute("SELECT current_setting('memory_limit')").fetchone()[0].replace(" ", "") == configured


def test_the_cli_on_its_own_database_checks_under_the_lower_limit_and_the_inbox_does_not(con, tmp_path, monkeypatch):
    path = write_csv(tmp_path / "b.csv", branch_rows("2025Q1", ["B01", "B02", "B03"], 0.9))
    asked = []
    real = importer.validate_file

    def recorded(*args, **kwargs):
        asked.append(kwargs.get("checking_memory"))
        return real(*args, **kwargs)

    monkeypatch.setattr(importer, "validate_file", recorded)
    request = {"action": "validate", "upload": "upload.csv", "file_name": "b.csv"}
    assert inbox.handle(con, request, files={"upload": path}, user="os:tester")["ok"]
    spool = tmp_path / "spool"
    spool.mkdir()
    (spool / "upload.csv").write_bytes(path.read_bytes())
    assert inbox.handle(con, request, spool, user="os:tester")["ok"]
    assert asked == [db.CHECKING_MEMORY_LIMIT, None]
