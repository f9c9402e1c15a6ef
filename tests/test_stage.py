"""Staging: the header row and kind chosen, and rows numbered as Excel shows them."""

from __future__ import annotations

import openpyxl
import pytest

from analysis.ingest import importer, templates
from tests.import_files import CFG_INDICATORS, branch_rows, hospital, rejected, vanguard_rows, write_csv


@pytest.fixture()
def con(tmp_path):
    """Committee C00, general branch G01 with branches B01-B03 (named 'B0n支部'), 10 members each."""
    connection = hospital(tmp_path)
    yield connection
    connection.close()


def test_missing_column(con, tmp_path):
    rows = [r[:4] for r in vanguard_rows(["M0001"], ["2025Q1"])]
    preview = rejected(con, write_csv(tmp_path / "no_score.csv", rows), kind="vanguard_scores")
    assert preview.problem_count == 1
    problem = preview.problems[0]
    assert problem.row == 1 and problem.column == "得分"
    assert "缺少必填列：得分" in problem.message_zh


def test_unrecognised_headers(con, tmp_path):
    preview = rejected(con, write_csv(tmp_path / "x.csv", [["甲", "乙"], ["1", "2"]]))
    assert preview.kind is None and "无法识别数据类型" in preview.problems[0].message_zh


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
