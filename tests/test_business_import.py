"""Importing the department mapping and the department results: templates in, problems by row and
column, nothing written on any problem, re-imports that replace, rollbacks that restore."""

from __future__ import annotations

import io

import openpyxl
import pytest

from analysis.ingest import importer, rollback, specs, templates
from analysis.ingest.importer import ImportRejected
from tests.import_files import hospital, write_csv, write_xlsx

MAPPING_HEADER = ["科室编号", "科室名称", "科室类型", "所在支部", "起始季度", "职工人数"]
VALUES_HEADER = ["季度", "科室", "业绩指标", "指标值"]
TABLES = ("department_branch", "department_performance", "replaced_department_branch",
          "replaced_department_performance", "import_batch", "import_file", "data_state")


@pytest.fixture()
def con(tmp_path):
    connection = hospital(tmp_path)
    yield connection
    connection.close()


def snapshot(con) -> dict[str, list[tuple]]:
    return {t: con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall() for t in TABLES}


def refused(con, path, **kwargs) -> list[tuple[int | None, str | None, str]]:
    """Import ``path`` expecting a refusal that changes nothing; (row, column, message) of each problem."""
    before = snapshot(con)
    with pytest.raises(ImportRejected) as info:
        importer.import_file(con, path, user="tester", **kwargs)
    assert snapshot(con) == before
    return [(p.row, p.column, p.message_zh) for p in info.value.problems]


def mapping(con, tmp_path, rows=None):
    rows = rows or [["K01", "心内一病区", "内科", "B01", "2024Q1", 30], ["K02", "普外", "外科", "B01支部", "2024Q1", 10],
                    ["K03", "护理部", "护理", "B02", "2024年第2季度", 20]]
    return importer.import_file(con, write_xlsx(tmp_path / "科室.xlsx", [MAPPING_HEADER, *rows]), user="tester")


def test_the_templates_import_as_they_are_filled_in(con, tmp_path):
    for kind, rows in (("departments", [["K01", "心内一病区", "内科", "B01", "2024Q1", 30]]),
                       ("department_performance", [["2024Q2", "心内一病区", "住院患者满意度", 95.5],
                                                   ["2024Q2", "K01", "cmi", 1.0234]])):
        book = openpyxl.load_workbook(io.BytesIO(templates.template_bytes(kind)))
        sheet = book[specs.spec(kind).sheet]
        sheet.delete_rows(2)  # the example row
        for row in rows:
            sheet.append(row)
        path = tmp_path / templates.template_file_name(kind)
        book.save(path)
        result = importer.import_file(con, path, user="tester")  # kind detected from the headers
        assert (result.kind, result.rows) == (kind, len(rows))
    stored = con.execute("SELECT department_id, quarter, indicator_id, value FROM department_performance ORDER BY ALL")
    assert stored.fetchall() == [("K01", "2024Q2", "cmi", 1.0234), ("K01", "2024Q2", "inpatient_satisfaction", 95.5)]


def test_mapping_is_checked_by_row_and_column(con, tmp_path):
    path = write_csv(tmp_path / "bad.csv", [MAPPING_HEADER, ["K01", "心内", "内科", "B09", "2024Q1", 30],
                                            ["K02", "普外", "骨科", "B01", "2024Q1", 0],
                                            ["K03", "护理", "护理", "B02", "2024Q9", 20],
                                            ["K03", "护理", "护理", "B03", "2024Q9", 20]])
    problems = refused(con, path)
    assert (2, "所在支部", "支部“B09”不存在（请填写已有支部的编号或全称，或先导入组织架构）") in problems
    assert any(row == 3 and column == "科室类型" and "不是可选的值" in text for row, column, text in problems)
    assert any(row == 3 and column == "职工人数" and "超出范围" in text for row, column, text in problems)
    assert any(row == 4 and column == "起始季度" and "不是有效季度" in text for row, column, text in problems)


def test_results_need_a_mapped_department_and_a_configured_indicator(con, tmp_path):
    mapping(con, tmp_path)
    path = write_csv(tmp_path / "v.csv", [VALUES_HEADER, ["2024Q1", "K09", "CMI", 1.1],
                                          ["2024Q1", "护理部", "住院患者满意度", 93],
                                          ["2024Q2", "K01", "门诊收入", 5],
                                          ["2024Q2", "K01", "CMI", "一点一"]])
    problems = refused(con, path, kind="department_performance")
    assert (2, "科室", "科室“K09”不存在（请先导入“科室与支部对应”）") in problems
    # K03 (护理部) is mapped from 2024Q2 only
    assert (3, "季度", "科室“K03”自 2024Q2 起才对应党支部，2024Q1 的数据无法归入支部") in problems
    assert any(row == 4 and column == "业绩指标" and "不是可选的值" in text for row, column, text in problems)
    assert any(row == 5 and column == "指标值" and "不是数字" in text for row, column, text in problems)


def test_reimport_replaces_a_quarter_of_an_indicator_and_rollback_restores_it(con, tmp_path):
    mapping(con, tmp_path)
    first = importer.import_file(con, write_csv(tmp_path / "v1.csv", [
        VALUES_HEADER, ["2024Q2", "K01", "CMI", 1.1], ["2024Q2", "K02", "CMI", 1.3], ["2024Q2", "K01", "平均住院日", 8.1]]),
        user="tester")
    before = snapshot(con)["department_performance"]
    second = importer.import_file(con, write_csv(tmp_path / "v2.csv", [VALUES_HEADER, ["2024Q2", "K01", "CMI", 1.2]]),
                                  user="tester")
    assert [r.message_zh for r in second.preview.replacements] == ["将替换 2024Q2 的 1 项业绩指标已有的数据 共 2 行"]
    # Only CMI of 2024Q2 was replaced: 平均住院日 stays, K02's CMI is gone with the old file's CMI.
    assert con.execute("SELECT department_id, indicator_id, value FROM department_performance ORDER BY ALL").fetchall() \
        == [("K01", "avg_los", 8.1), ("K01", "cmi", 1.2)]
    with pytest.raises(rollback.RollbackRefused):
        rollback.rollback_batch(con, first.batch_id, user="tester")  # replaced in turn: undo the later one first
    assert rollback.rollback_batch(con, second.batch_id, user="tester").restored == 2
    assert snapshot(con)["department_performance"] == before


def test_mapping_corrections_replace_the_same_department_and_quarter(con, tmp_path):
    mapping(con, tmp_path)
    fix = importer.import_file(con, write_csv(tmp_path / "fix.csv", [
        MAPPING_HEADER, ["K02", "普通外科", "外科", "B03", "2024Q1", 12], ["K02", "普通外科", "外科", "B02", "2025Q1", 12]]),
        user="tester")
    assert [r.message_zh for r in fix.preview.replacements] == ["将更正 1 条科室编号与起始季度相同的已有对应关系"]
    rows = con.execute("SELECT from_quarter, branch_id, staff FROM department_branch WHERE department_id = 'K02' "
                       "ORDER BY from_quarter").fetchall()
    assert rows == [("2024Q1", "B03", 12), ("2025Q1", "B02", 12)]
    rollback.rollback_batch(con, fix.batch_id, user="tester")
    assert con.execute("SELECT from_quarter, branch_id, staff FROM department_branch WHERE department_id = 'K02'"
                       ).fetchall() == [("2024Q1", "B01", 10)]


def test_a_mapped_branch_cannot_be_rolled_away(con, tmp_path):
    units = importer.import_file(con, write_csv(tmp_path / "u.csv", [
        ["单位编号", "单位名称", "层级", "上级单位"], ["B09", "新建支部", "党支部", "G01"]]), user="tester")
    mapping(con, tmp_path, [["K09", "新科室", "医技", "B09", "2024Q1", 8]])
    with pytest.raises(rollback.RollbackRefused, match="referenced"):
        rollback.rollback_batch(con, units.batch_id, user="tester")
