"""Activities and 办实事 tasks owned by a unit of any level (migration 010, issue #17 item 7):
the upgrade of a version-9 file, the schema, the import and what the analyses count."""

from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd
import pytest

from analysis import db
from analysis.ingest import importer
from analysis.metrics import activities, meetings, tasks
from analysis.scope import Scope
from tests.builders import add_member, add_org

ALL = Scope.committee()
OWNER_MIGRATION = 10


def _version_9(path) -> duckdb.DuckDBPyConnection:
    """A file at schema version 9 (what main built before 010), with rows in the old shape."""
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE schema_version (version INTEGER PRIMARY KEY, file_name VARCHAR NOT NULL, "
                "applied_at TIMESTAMP NOT NULL DEFAULT current_timestamp)")
    for version, name, sql in db.migrations()[:OWNER_MIGRATION - 1]:
        con.execute(sql)
        con.execute("INSERT INTO schema_version (version, file_name) VALUES (?, ?)", [version, name])
    add_org(con, {"G1": ["B1", "B2"]})
    add_member(con, "M1", "B1")
    con.execute("INSERT INTO activity (activity_id, branch_id, activity_type, title, held_on, people_served, hours) "
                "VALUES ('A1', 'B1', '义诊', '社区义诊', DATE '2025-03-01', 120, 4), "
                "('A2', 'B2', '党课', '专题党课', DATE '2025-03-05', 0, 2)")
    con.execute("INSERT INTO attendance VALUES ('A2', 'M1', '出席', NULL)")
    con.execute("INSERT INTO service_task VALUES ('T1', '门诊一站式服务', 'B1', '便民', '已完成', "
                "DATE '2025-01-01', DATE '2025-06-01', DATE '2025-05-01', NULL)")
    con.execute("INSERT INTO replaced_service_task VALUES (7, 'T1', '门诊一站式服务', 'B1', '便民', '进行中', "
                "DATE '2025-01-01', DATE '2025-06-01', NULL, NULL)")
    con.execute("INSERT INTO branch_month_activity (month, branch_id, activity_type, held, dates, days, first_held, "
                "last_held, people_served, hours) VALUES (DATE '2025-03-01', 'B1', '义诊', 1, '3月1日', '1日', "
                "DATE '2025-03-01', DATE '2025-03-01', 120, 4)")
    return con


def test_a_version_9_file_is_upgraded_with_every_row_and_constraint(tmp_path):
    path = tmp_path / "v8.duckdb"
    _version_9(path).close()
    con = db.open_database(path)
    assert db.schema_version(con) == db.latest_version()
    assert con.execute("SELECT activity_id, unit_id, people_served, lecturer FROM activity ORDER BY 1").fetchall() == [
        ("A1", "B1", 120, None), ("A2", "B2", 0, None)]
    assert con.execute("SELECT * FROM attendance").fetchall() == [("A2", "M1", "出席", None)]
    assert con.execute("SELECT task_id, unit_id, completed_on FROM service_task").fetchall() == [
        ("T1", "B1", dt.date(2025, 5, 1))]
    assert con.execute("SELECT unit_id, status FROM replaced_service_task").fetchall() == [("B1", "进行中")]
    assert con.execute("SELECT unit_id, held FROM branch_month_activity WHERE activity_type = '义诊'").fetchall() == [
        ("B1", 1)]
    # The keys survive the rebuild: attendance still needs its activity, an activity its unit,
    # and a unit or activity still referenced cannot go.
    for sql in ("INSERT INTO attendance VALUES ('A404', 'M1', '出席', NULL)",
                "INSERT INTO activity (activity_id, unit_id, activity_type, title, held_on) "
                "VALUES ('A3', 'NOPE', '义诊', 'x', DATE '2025-01-01')",
                "INSERT INTO activity (activity_id, unit_id, activity_type, title, held_on) "
                "VALUES ('A3', 'B1', '义诊', '社区义诊', DATE '2025-03-01')",
                "DELETE FROM activity WHERE activity_id = 'A2'",
                "DELETE FROM org_unit WHERE unit_id = 'B1'"):
        with pytest.raises(duckdb.ConstraintException):
            con.execute(sql)
    # A unit nobody references can still be deleted (an org-units rollback does that).
    con.execute("INSERT INTO org_unit (unit_id, name, level, parent_id) VALUES ('B9', '新支部', 'branch', 'G1')")
    con.execute("DELETE FROM org_unit WHERE unit_id = 'B9'")
    con.close()


@pytest.fixture()
def con(empty_con):
    add_org(empty_con, {"G1": ["B1", "B2"], "G2": ["B3"]})
    return empty_con


LECTURE = "INSERT INTO activity (activity_id, unit_id, activity_type, title, held_on, lecturer, lecturer_role) VALUES "


@pytest.mark.parametrize("values", [
    "('A1', 'B1', '义诊', '义诊', DATE '2025-01-01', '张三', '委员')",   # a lecturer for a 义诊
    "('A1', 'B1', '党课', '党课', DATE '2025-01-01', '张三', NULL)",     # a lecturer without a role
    "('A1', 'B1', '党课', '党课', DATE '2025-01-01', NULL, '书记')",     # a role without a lecturer
    "('A1', 'B1', '党课', '党课', DATE '2025-01-01', '张三', '院长')",   # an unknown role
    "('A1', 'B1', '党课', '党课', DATE '2025-01-01', '  ', '党员')",     # a blank name
])
def test_the_schema_refuses_a_lecturer_out_of_place(con, values):
    with pytest.raises(duckdb.ConstraintException):
        con.execute(LECTURE + values)


def test_yearly_meetings_and_a_lecture_with_its_lecturer_are_accepted(con):
    con.execute(LECTURE + "('A1', 'B1', '党课', '党课', DATE '2025-01-01', '张三', '书记'), "
                "('A2', 'B1', '组织生活会', '年度组织生活会', DATE '2025-01-20', NULL, NULL), "
                "('A3', 'B1', '民主评议党员', '年度民主评议党员', DATE '2025-01-21', NULL, NULL), "
                "('A4', 'G1', '义诊', '总支义诊', DATE '2025-02-01', NULL, NULL)")
    assert con.execute("SELECT count(*) FROM activity").fetchone()[0] == 4


def _events(con) -> None:
    rows = [("E1", "B1", "义诊", "2025-03-05", 100), ("E2", "G1", "义诊", "2025-03-20", 300),
            ("E3", "C00", "义诊", "2025-04-02", 500), ("E4", "B3", "义诊", "2025-05-01", 50),
            ("E5", "G1", "支委会", "2025-03-03", 0)]
    for activity_id, unit, kind, day, served in rows:
        con.execute("INSERT INTO activity (activity_id, unit_id, activity_type, title, held_on, people_served) "
                    "VALUES (?, ?, ?, ?, ?, ?)", [activity_id, unit, kind, f"{unit}{kind}", day, served])


def test_a_general_branch_or_the_committee_runs_activities_of_its_own(con):
    _events(con)
    span = {"first": "2025Q1", "last": "2025Q2", "as_of": dt.date(2025, 12, 31)}
    hospital = activities.activity_totals(con, scope=ALL, types=("义诊",), **span).iloc[0]
    # Every owner: E1 + E2 + E3 + E4 = 4 义诊, 100 + 300 + 500 + 50 = 950 人次; 2 branches (B1, B3).
    assert (hospital["activities"], hospital["people_served"], hospital["branches"]) == (4, 950, 2)
    g1 = activities.activity_totals(con, scope=ALL, unit="G1", types=("义诊",), **span).iloc[0]
    # G1: its own E2 and B1's E1 = 2, 400 人次; one branch. Not the committee's E3 nor G2's E4.
    assert (g1["activities"], g1["people_served"], g1["branches"]) == (2, 400, 1)
    b1 = activities.activity_totals(con, scope=ALL, unit="B1", types=("义诊",), **span).iloc[0]
    assert (b1["activities"], b1["people_served"]) == (1, 100)
    rows = activities.activity_by_branch(con, scope=ALL, unit="G1", types=("义诊",), **span)
    # The 总支's own row first, then its branch.
    assert rows[["branch_id", "branch_name", "general_branch_name", "activities"]].values.tolist() == [
        ["G1", "G1总支", "G1总支", 1], ["B1", "B1支部", "G1总支", 1]]
    # A 总支's 支委会 is not a branch meeting: the 三会一课 grid of G1 has no meeting held.
    grid = meetings.meeting_compliance(con, scope=ALL, unit="G1", kind="支委会", first="2025Q1", last="2025Q1",
                                       as_of=dt.date(2025, 12, 31))
    assert len(grid) == 6 and grid["held"].sum() == 0   # B1 and B2, three months each


def test_tasks_of_the_hospital_and_a_general_branch(con):
    rows = [("T1", "门诊一站式服务", "C00", "已完成", "2025-05-01"), ("T2", "总支健康讲座", "G1", "进行中", None),
            ("T3", "病区陪护改善", "B1", "已完成", "2025-04-01"), ("T4", "检验提速", "B3", "进行中", None)]
    for task_id, title, unit, status, done in rows:
        con.execute("INSERT INTO service_task (task_id, title, unit_id, category, status, started_on, due_on, "
                    "completed_on) VALUES (?, ?, ?, '便民', ?, DATE '2025-01-01', DATE '2025-12-31', ?)",
                    [task_id, title, unit, status, done])
    june = dt.date(2025, 6, 30)
    whole = tasks.completion(con, scope=ALL, as_of=june)
    assert (whole.done, whole.total, whole.rate) == (2, 4, 50.0)   # T1, T3 of all four
    g1 = tasks.completion(con, scope=ALL, as_of=june, unit="G1")
    assert (g1.done, g1.total) == (1, 2)                          # T3 of G1's T2 and B1's T3
    owners = tasks.by_owner(con, scope=ALL, as_of=june)
    assert owners[["unit_id", "unit_name", "rate"]].values.tolist() == [
        ["B1", "B1支部", 100.0], ["C00", "医院党委", 100.0], ["B3", "B3支部", 0.0], ["G1", "G1总支", 0.0]]
    assert tasks.task_list(con, scope=ALL, as_of=june, unit="G1")["unit_name"].tolist() == ["G1总支", "B1支部"]


def _import(con, kind: str, frame: pd.DataFrame):
    return importer.import_frame(con, frame, user="tester", kind=kind, file_name=f"{kind}.xlsx")


def test_an_activity_of_a_general_branch_imports_with_its_lecturer_rules(con):
    good = pd.DataFrame({
        "活动编号": ["A1", "A2", "A3"], "举办单位": ["G1总支", "B1", "B2支部"],
        "活动类型": ["义诊", "党课", "组织生活会"], "活动主题": ["总支社区义诊", "党章专题党课", "2025年度组织生活会"],
        "活动日期": ["2025-03-01", "2025-03-05", "2025-12-20"], "服务人次": [300, None, None],
        "授课人": [None, "张三", None], "授课人身份": [None, "支部委员", None],
    })
    _import(con, "activities", good)
    assert con.execute("SELECT activity_id, unit_id, lecturer, lecturer_role FROM activity ORDER BY 1").fetchall() == [
        ("A1", "G1", None, None), ("A2", "B1", "张三", "委员"), ("A3", "B2", None, None)]
    before = con.execute("SELECT count(*) FROM activity").fetchone()[0]
    bad = pd.DataFrame({
        "活动编号": ["A4", "A5", "A6"], "举办单位": ["G9", "B1", "B1"], "活动类型": ["义诊", "义诊", "党课"],
        "活动主题": ["x", "y", "z"], "活动日期": ["2025-03-01"] * 3,
        "授课人": [None, "李四", "王五"], "授课人身份": [None, "普通党员", None],
    })
    with pytest.raises(importer.ImportRejected) as rejected:
        _import(con, "activities", bad)
    problems = {(p.row, p.column): p.message_zh for p in rejected.value.problems}
    assert "单位“G9”不存在" in problems[(2, "举办单位")]
    assert problems[(3, "授课人")] == "只有党课填写授课人和授课人身份"
    assert problems[(4, "授课人身份")] == "授课人和授课人身份须一并填写"
    assert con.execute("SELECT count(*) FROM activity").fetchone()[0] == before


def test_a_hospital_task_imports_under_the_committee(con):
    frame = pd.DataFrame({"任务编号": ["T1"], "任务名称": ["门诊一站式服务中心"], "责任单位": ["医院党委"],
                          "类别": ["便民服务"], "状态": ["进行中"], "开始日期": ["2025-01-01"],
                          "计划完成日期": ["2025-12-31"]})
    _import(con, "tasks", frame)
    assert con.execute("SELECT unit_id FROM service_task").fetchall() == [("C00",)]
