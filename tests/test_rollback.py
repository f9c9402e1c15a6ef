"""Re-imports that replace stored rows, and rollbacks that restore them."""

from __future__ import annotations

import datetime as dt

import pytest

from analysis import db
from analysis.ingest import importer, rollback
from analysis.ingest.rollback import RollbackRefused
from tests.import_files import branch_rows, hospital, rejected, snapshot, vanguard_rows, write_csv


@pytest.fixture()
def con(tmp_path):
    """Committee C00, general branch G01 with branches B01-B03 (named 'B0n支部'), 10 members each."""
    connection = hospital(tmp_path)
    yield connection
    connection.close()


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
