"""The import pipeline on real files written here (CSV in several encodings, .xlsx by openpyxl).

Every rejected import is checked to leave the database exactly as it was (``snapshot``).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from analysis import config as config_mod
from analysis import db, periods
from analysis.access import audit
from analysis.ingest import importer, read, rollback, templates
from analysis.ingest.importer import ImportRejected
from analysis.ingest.rollback import RollbackRefused
from analysis.scope import Scope
from tests import builders

ROOT = Path(__file__).resolve().parent.parent
WJX_SAMPLE = ROOT / "data" / "samples" / "wjx" / "党建引领科室发展调查_120_120_0.xls"
CFG_INDICATORS = [(i.id, i.name, float(i.max_points)) for i in config_mod.DEFAULT.assessment.indicators]
DIMENSIONS = [d.name for d in config_mod.DEFAULT.vanguard.dimensions]
RATERS = ["自评", "互评", "组织评定"]
VANGUARD_HEADER = ["季度", "党员编号", "评价维度", "评价主体", "得分"]
BRANCH_HEADER = ["季度", "所在支部", "考核指标", "得分"]
TABLES = ["org_unit", "member", "vanguard_score", "branch_score", "four_have_score", "activity", "attendance",
          "service_task", "survey", "survey_answer", "import_batch", "import_file", "audit_log", "data_state",
          "replaced_branch_score", "replaced_vanguard_score", "replaced_service_task"]


# --- helpers ------------------------------------------------------------------------------


@pytest.fixture()
def con(tmp_path):
    """Committee C00, general branch G01 with branches B01-B03 (named 'B0n支部'), 10 members each."""
    connection = db.open_database(tmp_path / "hospital.duckdb")
    with db.transaction(connection):
        builders.add_org(connection, {"G01": ["B01", "B02", "B03"]})
        for i in range(30):
            builders.add_member(connection, f"M{i:04d}", f"B0{i // 10 + 1}", name=f"党员{i}")
    yield connection
    connection.close()


def snapshot(con) -> dict[str, list[tuple]]:
    """Every row of every table an import or rollback may touch."""
    return {t: con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall() for t in TABLES}


def write_csv(path: Path, rows: list[list[object]], encoding: str = "utf-8", delimiter: str = ",") -> Path:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def write_xlsx(path: Path, rows: list[list[object]], sheet: str = "数据") -> Path:
    book = openpyxl.Workbook()
    book.active.title = sheet
    for row in rows:
        book.active.append(row)
    book.save(path)
    return path


def vanguard_rows(members: list[str], quarters: list[str], score: float = 88.5) -> list[list[object]]:
    rows = [VANGUARD_HEADER]
    for quarter in quarters:
        for member in members:
            for dimension in DIMENSIONS:
                for rater in RATERS:
                    rows.append([quarter, member, dimension, rater, score])
    return rows


def branch_rows(quarter: str, branches: list[str], fraction: float) -> list[list[object]]:
    """Every indicator at ``fraction`` of its max points (one decimal)."""
    rows = [BRANCH_HEADER]
    for branch in branches:
        for _, name, points in CFG_INDICATORS:
            rows.append([quarter, branch, name, round(points * fraction, 1)])
    return rows


def rejected(con, path: Path, **kwargs) -> importer.Preview:
    """Import ``path``, expect it refused, check nothing changed; return the preview."""
    before = snapshot(con)
    with pytest.raises(ImportRejected) as info:
        importer.import_file(con, path, user="tester", **kwargs)
    assert snapshot(con) == before
    return info.value.preview


# --- the cases --------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_bad_value_at_row_5000_of_10000(con, tmp_path, fmt):
    # 30 members x 6 dimensions x 3 raters x 19 quarters = 10,260 rows; the first 10,000 are kept.
    rows = vanguard_rows([f"M{i:04d}" for i in range(30)], periods.quarter_range("2021Q1", "2025Q3"))[:10_001]
    rows[4999] = rows[4999][:4] + ["9O"]  # Excel row 5000: a letter O instead of a zero
    path = write_csv(tmp_path / "v.csv", rows) if fmt == "csv" else write_xlsx(tmp_path / "v.xlsx", rows)
    preview = rejected(con, path)
    assert preview.kind == "vanguard_scores" and preview.rows == 10_000
    assert preview.problem_count == 1
    problem = preview.problems[0]
    assert (problem.row, problem.column) == (5000, "得分")
    assert problem.message_zh == "“9O”不是数字"
    assert problem.sheet == (None if fmt == "csv" else "数据")
    assert problem.text_en().endswith("row 5000, column 得分: '9O' is not a number")


def test_all_problems_at_once_capped(con, tmp_path):
    rows = vanguard_rows([f"M{i:04d}" for i in range(30)], ["2025Q1", "2025Q2", "2025Q3"])  # 1,620 rows
    for row in rows[1:1501]:
        row[4] = 101  # 1,500 scores out of range
    rows[1600][1] = "M9999"
    preview = rejected(con, write_csv(tmp_path / "v.csv", rows))
    assert preview.problem_count == 1501
    assert len(preview.problems) == importer.MAX_PROBLEMS and preview.more_problems == 501
    assert [p.row for p in preview.problems[:3]] == [2, 3, 4]
    assert preview.problems[0].message_zh == "“101”超出范围（0 至 100）"
    frame = preview.problems_frame()
    assert list(frame.columns) == ["文件", "工作表", "行", "列", "问题"] and len(frame) == 1000


def test_missing_column(con, tmp_path):
    rows = [r[:4] for r in vanguard_rows(["M0001"], ["2025Q1"])]
    preview = rejected(con, write_csv(tmp_path / "no_score.csv", rows), kind="vanguard_scores")
    assert preview.problem_count == 1
    problem = preview.problems[0]
    assert problem.row == 1 and problem.column == "得分"
    assert "缺少必填列：得分" in problem.message_zh


def test_unknown_branch(con, tmp_path):
    rows = branch_rows("2025Q1", ["B01", "B99", "B03支部"], 0.9)
    preview = rejected(con, write_csv(tmp_path / "b.csv", rows))
    assert preview.kind == "branch_scores"
    assert {p.row for p in preview.problems} == set(range(18, 34))  # the 16 rows of B99 (rows 18-33)
    assert {p.column for p in preview.problems} == {"所在支部"}
    assert preview.problems[0].message_zh.startswith("支部“B99”不存在")


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


def test_gbk_and_other_encodings(con, tmp_path):
    rows = [["单位编号", "单位名称", "层级", "上级单位", "所在科室"],
            ["B10", "眼科党支部", "党支部", "G01", "眼科"],
            ["B11", "耳鼻咽喉头颈外科党支部", "党支部", "G01总支", "耳鼻咽喉头颈外科"]]
    expected = {"utf-8": "UTF-8", "utf-8-sig": "UTF-8（带 BOM）", "gbk": "GBK", "utf-16": "UTF-16"}
    for encoding, label in expected.items():
        delimiter = "\t" if encoding == "utf-16" else ","
        preview = importer.validate_file(con, write_csv(tmp_path / f"{encoding}.csv", rows, encoding, delimiter))
        assert (preview.encoding, preview.kind, preview.ok, preview.rows) == (label, "org_units", True, 2), encoding
    result = importer.import_file(con, tmp_path / "gbk.csv", user="tester")
    assert result.preview.encoding == "GBK"
    assert con.execute("SELECT name, parent_id FROM org_unit WHERE unit_id = 'B11'").fetchone() == (
        "耳鼻咽喉头颈外科党支部", "G01")


def test_gb18030_only_character(con, tmp_path):
    rows = [["党员编号", "姓名", "所在支部", "党内职务", "职业类别", "入党日期"],
            ["M0100", "吉𠮷", "B01支部", "党员", "护士", "2015/7/1"]]
    path = write_csv(tmp_path / "m.csv", rows, "gb18030")
    result = importer.import_file(con, path, user="tester")
    assert result.preview.encoding == "GB18030"
    assert con.execute("SELECT name, branch_id, joined_on FROM member WHERE member_id = 'M0100'").fetchone() == (
        "吉𠮷", "B01", dt.date(2015, 7, 1))


def test_truncated_xlsx(con, tmp_path):
    path = write_xlsx(tmp_path / "ok.xlsx", branch_rows("2025Q1", ["B01"], 0.9))
    data = path.read_bytes()
    truncated = tmp_path / "truncated.xlsx"
    truncated.write_bytes(data[: len(data) // 2])
    preview = rejected(con, truncated)
    assert preview.problem_count == 1 and "损坏或不完整" in preview.problems[0].message_zh


def test_zip_bomb_like_xlsx_refused(con, tmp_path):
    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * (20 * 2**20))  # 20 MB of one byte: ratio ~1000
    assert bomb.stat().st_size < 100_000
    preview = rejected(con, bomb)
    assert "压缩炸弹" in preview.problems[0].message_zh


def test_macro_workbooks_refused(con, tmp_path):
    path = write_xlsx(tmp_path / "ok.xlsx", branch_rows("2025Q1", ["B01"], 0.9))
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr("xl/vbaProject.bin", b"\x00macro")
    assert "宏" in rejected(con, path).problems[0].message_zh
    renamed = tmp_path / "scores.xlsm"
    renamed.write_bytes(write_xlsx(tmp_path / "b.xlsx", branch_rows("2025Q1", ["B01"], 0.9)).read_bytes())
    assert ".xlsm" in rejected(con, renamed).problems[0].message_zh


def test_size_limit(con, tmp_path, monkeypatch):
    monkeypatch.setattr(read, "MAX_FILE_BYTES", 100)
    path = write_csv(tmp_path / "b.csv", branch_rows("2025Q1", ["B01"], 0.9))
    assert "文件过大" in rejected(con, path).problems[0].message_zh


def test_reimport_replaces_the_quarter_and_rollback_restores_it(con, tmp_path):
    first = importer.import_file(con, write_csv(tmp_path / "q3.csv", branch_rows("2025Q3", ["B01", "B02", "B03"], 0.9)),
                                 user="tester")
    original = snapshot(con)["branch_score"]
    corrected = write_csv(tmp_path / "q3_fixed.csv", branch_rows("2025年第3季度", ["B01", "B02", "B03"], 0.8))
    preview = importer.validate_file(con, corrected)
    assert [r.message_zh for r in preview.replacements] == ["将替换 2025Q3 的 3 个支部 × 16 项 = 48 行"]
    second = importer.import_file(con, corrected, user="tester")
    assert second.replaced == 48
    # 16 indicators summing to 100 points, each at 80% (one decimal): 80 per branch.
    assert con.execute("SELECT sum(score) / 3, min(batch_id), count(*) FROM branch_score").fetchone() == (80, second.batch_id, 48)
    with pytest.raises(RollbackRefused, match="replaced by batch"):
        rollback.rollback_batch(con, first.batch_id, user="tester")
    outcome = rollback.rollback_batch(con, second.batch_id, user="tester")
    assert (outcome.deleted, outcome.restored) == (48, 48)
    assert snapshot(con)["branch_score"] == original
    assert con.execute("SELECT count(*) FROM replaced_branch_score").fetchone()[0] == 0
    rollback.rollback_batch(con, first.batch_id, user="tester")
    assert con.execute("SELECT count(*) FROM branch_score").fetchone()[0] == 0
    actions = [r[0] for r in con.execute("SELECT action FROM audit_log ORDER BY audit_id").fetchall()]
    assert actions == ["import", "import", "rollback", "rollback"]
    batches = importer.list_batches(con)
    assert batches["status"].tolist() == ["已撤销", "已撤销"]
    assert batches.loc[batches["batch_id"] == second.batch_id, "replacements"].item() == "将替换 2025Q3 的 3 个支部 × 16 项 = 48 行"
    with pytest.raises(RollbackRefused, match="already rolled back"):
        rollback.rollback_batch(con, second.batch_id, user="tester")


def test_vanguard_reimport_replaces_only_the_branches_in_the_file(con, tmp_path):
    b01, b02 = [f"M{i:04d}" for i in range(10)], [f"M{i:04d}" for i in range(10, 20)]
    importer.import_file(con, write_csv(tmp_path / "all.csv", vanguard_rows(b01 + b02, ["2025Q2"], 80)), user="t")
    preview = importer.validate_file(con, write_csv(tmp_path / "b01.csv", vanguard_rows(b01[:9], ["2025Q2"], 90)))
    # Ten members of B01 have 6 dimensions x 3 raters = 180 stored rows; B02 is not touched.
    assert [r.message_zh for r in preview.replacements] == ["将替换 2025Q2 的 1 个支部（10 名党员）已有的先锋指数评分 共 180 行"]
    importer.import_file(con, tmp_path / "b01.csv", user="t")
    by_branch = dict(con.execute("SELECT m.branch_id, avg(score) FROM vanguard_score JOIN member m USING (member_id) "
                                 "GROUP BY ALL").fetchall())
    assert by_branch == {"B01": 90, "B02": 80}
    assert con.execute("SELECT count(*) FROM vanguard_score WHERE member_id = 'M0009'").fetchone()[0] == 0


def test_rollback_refused_while_other_batches_use_the_rows(con, tmp_path):
    members = write_csv(tmp_path / "m.csv", [["党员编号", "姓名", "所在支部", "党内职务", "职业类别", "入党日期"],
                                             ["M0200", "新党员", "B02", "预备党员", "学生", "2025-06-30"]])
    added = importer.import_file(con, members, user="t")
    scores = importer.import_file(con, write_csv(tmp_path / "v.csv", vanguard_rows(["M0200"], ["2025Q3"])), user="t")
    before = snapshot(con)
    with pytest.raises(RollbackRefused) as info:
        rollback.rollback_batch(con, added.batch_id, user="t")
    assert f"#{scores.batch_id}" in info.value.message_zh
    assert snapshot(con) == before
    rollback.rollback_batch(con, scores.batch_id, user="t")
    rollback.rollback_batch(con, added.batch_id, user="t")
    assert con.execute("SELECT count(*) FROM member WHERE member_id = 'M0200'").fetchone()[0] == 0


def test_org_units_import_and_multi_level_rollback(tmp_path):
    con = db.open_database(tmp_path / "new.duckdb")
    rows = [["单位编号", "单位名称", "层级", "上级单位", "所在科室", "成立日期"],
            ["C00", "医院党委", "党委", "", "", ""],
            ["G01", "内科党总支", "党总支", "医院党委", "", "2001-07-01"],
            ["B01", "心内科党支部", "党支部", "内科党总支", "心内科", "2005年3月1日"],
            ["B02", "药学部党支部", "党支部", "C00", "药学部", ""],
            ["B03", "错误党支部", "党支部", "B01", "", ""]]
    preview = rejected(con, write_csv(tmp_path / "org.csv", rows))
    assert [(p.row, p.column) for p in preview.problems] == [(6, "上级单位")]
    batch = importer.import_file(con, write_csv(tmp_path / "org_ok.csv", rows[:-1]), user="t")
    assert con.execute("SELECT count(*) FROM branch_lineage").fetchone()[0] == 2
    assert con.execute("SELECT founded_on FROM org_unit WHERE unit_id = 'B01'").fetchone()[0] == dt.date(2005, 3, 1)
    again = rejected(con, write_csv(tmp_path / "again.csv", rows[:2])).problems
    assert [p.message_zh for p in again] == ["数据库中已有单位编号“C00”（批次 #1），不能重复导入",
                                             "数据库中已有单位名称“医院党委”（批次 #1），不能重复导入",
                                             "系统中已有医院党委，不能再导入党委"]
    rollback.rollback_batch(con, batch.batch_id, user="t")
    assert con.execute("SELECT count(*) FROM org_unit").fetchone()[0] == 0
    assert importer.list_batches(con)["status"].tolist() == ["已撤销"]
    con.close()


def test_tasks_update_by_id_and_rollback(con, tmp_path):
    header = ["任务编号", "任务名称", "责任支部", "类别", "状态", "开始日期", "计划完成日期", "实际完成日期"]
    first = importer.import_file(con, write_csv(tmp_path / "t1.csv", [
        header,
        ["T01", "优化门诊预约", "B01", "便民服务", "进行中", "2025-03-01", "2025-12-31", ""],
        ["T02", "社区义诊", "B02", "健康服务", "已完成", "2025-03-01", "2025-06-30", "2025-06-01"]]), user="t")
    bad = rejected(con, write_csv(tmp_path / "bad.csv", [
        header,
        ["T01", "优化门诊预约", "B01", "便民服务", "已完成", "2025-03-01", "2025-12-31", ""],
        ["T03", "社区义诊", "B03", "健康服务", "未开始", "2025-09-01", "2025-08-01", ""]]))
    assert [(p.row, p.column) for p in bad.problems] == [(2, "实际完成日期"), (3, "任务名称"), (3, "计划完成日期")]
    update = write_csv(tmp_path / "t2.csv", [header, ["T01", "优化门诊预约", "B01", "便民服务", "已完成", "2025-03-01",
                                                      "2025-12-31", "2025-10-15"]])
    preview = importer.validate_file(con, update)
    assert [r.message_zh for r in preview.replacements] == ["将按任务编号更新 1 项已有任务（原内容被替换）"]
    second = importer.import_file(con, update, user="t")
    assert con.execute("SELECT status, completed_on FROM service_task WHERE task_id = 'T01'").fetchone() == (
        "已完成", dt.date(2025, 10, 15))
    rollback.rollback_batch(con, second.batch_id, user="t")
    assert con.execute("SELECT status, completed_on, batch_id FROM service_task WHERE task_id = 'T01'").fetchone() == (
        "进行中", None, first.batch_id)


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


def test_four_have_scores_bounded_by_dimension_points(con, tmp_path):
    rows = [["年度", "所在支部", "评价维度", "自评得分", "评定得分"],
            [2024, "B01", "班子有作为", 24, 23.5],
            [2024, "B01", "支部有方法", 26, 20],
            [2024, "B01", "党建有品牌", "", 30]]
    preview = rejected(con, write_xlsx(tmp_path / "f.xlsx", rows))
    assert [(p.row, p.column, p.message_zh) for p in preview.problems] == [
        (3, "自评得分", "“26”超过该评价维度的满分 25"), (4, "评定得分", "“30”超过该评价维度的满分 25")]


def test_ragged_and_blank_lines_keep_excel_row_numbers(con, tmp_path):
    rows = branch_rows("2025Q1", ["B01"], 0.9)
    text = "\r\n".join(",".join(str(v) for v in row) for row in rows[:4]) + "\r\n\r\n"  # blank Excel row 5
    text += "2025Q1,B01,党员发展,5,多余\r\n"  # Excel row 6: a fifth field
    text += "2025Q1,B01,党费收缴,x\r\n"  # row 7
    path = tmp_path / "ragged.csv"
    path.write_text(text, encoding="utf-8")
    preview = rejected(con, path)
    assert [(p.row, p.column) for p in preview.problems] == [(6, None), (7, "得分")]


def test_template_example_row_is_skipped(con, tmp_path):
    path = tmp_path / "template.xlsx"
    templates.write_template("branch_scores", path)
    book = openpyxl.load_workbook(path)
    sheet = book["支部考核得分"]
    for _, name, points in CFG_INDICATORS:
        sheet.append(["2025Q2", "B02支部", name, points])
    book.save(path)
    result = importer.import_file(con, path, user="t")
    assert result.rows == 16 and result.preview.sheet == "支部考核得分"
    assert "第 2 行与模板示例行相同，已忽略" in result.preview.warnings
    assert con.execute("SELECT sum(score), count(DISTINCT branch_id) FROM branch_score").fetchone() == (100, 1)


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


def test_unrecognised_headers(con, tmp_path):
    preview = rejected(con, write_csv(tmp_path / "x.csv", [["甲", "乙"], ["1", "2"]]))
    assert preview.kind is None and "无法识别数据类型" in preview.problems[0].message_zh


def test_upload_names_are_labels_only(tmp_path):
    assert read.safe_upload_name("../../etc/passwd") == "passwd"
    assert read.safe_upload_name("C:\\Users\\x\\得分.xlsx") == "得分.xlsx"
    with read.spooled_upload(b"a,b\n", "../../evil.csv") as path:
        assert path.name == "upload.csv" and path.read_bytes() == b"a,b\n"
    assert not path.exists()


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
        assert len(choices) == 9 and any("问卷星问卷导出" in c for c in choices)

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
