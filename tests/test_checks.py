"""The importer's checks: every problem named by row and column, all at once."""

from __future__ import annotations

import duckdb
import pytest

from analysis import config as config_mod
from analysis import periods
from analysis.ingest import importer
from analysis.ingest.checks import Message
from tests.import_files import branch_rows, hospital, rejected, vanguard_rows, write_csv, write_xlsx


@pytest.fixture()
def con(tmp_path):
    """Committee C00, general branch G01 with branches B01-B03 (named 'B0n支部'), 10 members each."""
    connection = hospital(tmp_path)
    yield connection
    connection.close()


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


def test_unknown_branch(con, tmp_path):
    rows = branch_rows("2025Q1", ["B01", "B99", "B03支部"], 0.9)
    preview = rejected(con, write_csv(tmp_path / "b.csv", rows))
    assert preview.kind == "branch_scores"
    assert {p.row for p in preview.problems} == set(range(18, 34))  # the 16 rows of B99 (rows 18-33)
    assert {p.column for p in preview.problems} == {"所在支部"}
    assert preview.problems[0].message_zh.startswith("支部“B99”不存在")


def test_four_have_scores_bounded_by_dimension_points(con, tmp_path):
    rows = [["年度", "所在支部", "评价维度", "自评得分", "评定得分"],
            [2024, "B01", "班子有作为", 24, 23.5],
            [2024, "B01", "支部有方法", 26, 20],
            [2024, "B01", "党建有品牌", "", 30]]
    preview = rejected(con, write_xlsx(tmp_path / "f.xlsx", rows))
    assert [(p.row, p.column, p.message_zh) for p in preview.problems] == [
        (3, "自评得分", "“26”超过该评价维度的满分 25"), (4, "评定得分", "“30”超过该评价维度的满分 25")]


def test_four_have_sheet_of_a_general_branch_is_refused(con, tmp_path):
    # The 四有 analyses read four_have_score without the lineage: only a 党支部 may hold a sheet.
    rows = [["年度", "所在支部", "评价维度", "自评得分", "评定得分"],
            [2024, "B01", "班子有作为", 24, 23.5],
            [2024, "G01", "班子有作为", 20, 20]]
    preview = rejected(con, write_xlsx(tmp_path / "f.xlsx", rows))
    assert [(p.row, p.column) for p in preview.problems] == [(3, "所在支部")]
    assert preview.problems[0].message_zh.startswith("支部“G01”不存在")
    assert con.execute("SELECT count(*) FROM four_have_score").fetchone()[0] == 0


def renamed_first(items, name: str) -> list[dict]:
    """The catalogue ``items`` as configuration mappings, the first one renamed."""
    mappings = [vars(item).copy() for item in items]
    mappings[0]["name"] = name
    return mappings


@pytest.mark.parametrize(("section", "name", "rows"), [
    # The name of a vanguard dimension: a SQL call in braces, shown in the message's list of choices.
    ("vanguard", "政治{version()}", [["2025Q1", "M0001", "没有的维度", "自评", 90]]),
    # An indicator whose call would fail the whole validation if it ran.
    ("assessment", "党建{error('executed')}", [["2025Q1", "B01", "没有的指标", 5]]),
])
def test_braces_in_catalogue_names_stay_text(tmp_path, section, name, rows):
    base = config_mod.DEFAULT
    if section == "vanguard":
        cfg = config_mod.from_mapping({"vanguard": {"dimensions": renamed_first(base.vanguard.dimensions, name)}})
        header = ["季度", "党员编号", "评价维度", "评价主体", "得分"]
    else:
        cfg = config_mod.from_mapping({"assessment": {"indicators": renamed_first(base.assessment.indicators, name)}})
        header = ["季度", "所在支部", "考核指标", "得分"]
    con = hospital(tmp_path, cfg)
    try:
        preview = importer.validate_file(con, write_csv(tmp_path / "x.csv", [header, *rows]), cfg=cfg)
    finally:
        con.close()
    assert preview.problem_count == 1
    message = preview.problems[0].message_zh
    assert f"（可选：{name}、" in message
    assert duckdb.__version__ not in message


def test_messages_refuse_undeclared_placeholders():
    message = Message("“{raw}”不在{names}中", "'{raw}' is not one of {names}", text={"names": "{version()}"})
    sql, params = message.as_sql(message.zh, "r_x")
    assert sql == "? || coalesce(CAST(r_x AS VARCHAR), '') || ?"
    assert params == ["“", "”不在{version()}中"]
    with pytest.raises(ValueError, match="undeclared placeholder"):
        Message("{version()}", "").as_sql("{version()}", "r_x")
