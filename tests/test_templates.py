"""The Excel templates, and the column specs they share with the importer."""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path

import openpyxl
import pytest

from analysis import config as config_mod
from analysis.ingest import importer, specs, templates
from analysis.ingest.specs import Column

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = (ROOT / "analysis" / "migrations" / "001_init.sql").read_text(encoding="utf-8")
# Migration 010 rebuilt activity with two more types.
ACTIVITY_SCHEMA = (ROOT / "analysis" / "migrations" / "010_activity_owner.sql").read_text(encoding="utf-8")
SPECS = specs.by_kind(config_mod.DEFAULT)


def load(kind: str, **kwargs) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(templates.template_bytes(kind, cfg=config_mod.DEFAULT, **kwargs)))


def schema_values(column: str, schema: str = SCHEMA) -> set[str]:
    """The values a CHECK (column IN (...)) of migration 001 (or ``schema``) allows."""
    match = re.search(rf"CHECK \({column} IN \(([^)]*)\)\)", schema)
    assert match, column
    return set(re.findall(r"'([^']*)'", match.group(1)))


@pytest.mark.parametrize("kind", specs.TABLE_KINDS)
def test_template_layout(kind):
    spec = SPECS[kind]
    book = load(kind)
    assert book.sheetnames == [specs.INSTRUCTIONS_SHEET, spec.sheet, specs.LISTS_SHEET]
    assert book[specs.LISTS_SHEET].sheet_state == "hidden"
    assert book.active.title == spec.sheet
    data = book[spec.sheet]
    headers = [cell.value for cell in data[1]]
    assert headers == [c.header + ("*" if c.required else "") for c in spec.columns]
    example = [cell.value for cell in data[2]]
    for column, value in zip(spec.columns, example):
        if isinstance(column.example, dt.date):
            assert value.date() == column.example
        else:
            assert value == column.example, column.header
    guide = [row[0] for row in book[specs.INSTRUCTIONS_SHEET].iter_rows(values_only=True)]
    assert all(c.header in guide for c in spec.columns)
    # Every choice column has a drop-down list with exactly its labels.
    lists = book[specs.LISTS_SHEET]
    validations = {str(v.sqref).split(":")[0][:-1]: v for v in data.data_validations.dataValidation}
    for index, column in enumerate(spec.columns, start=1):
        letter = openpyxl.utils.get_column_letter(index)
        if column.type == "choice":
            validation = validations[letter]
            assert validation.type == "list"
            cells = validation.formula1.split("!")[1].replace("$", "")
            values = [c.value for row in lists[cells] for c in row]
            assert values == list(column.labels), column.header


def test_headers_of_the_template_map_back_to_every_column():
    for kind, spec in SPECS.items():
        headers = [cell.value for cell in load(kind)[spec.sheet][1]]
        mapping, unknown, duplicates = specs.match_headers(headers, spec)
        assert set(mapping) == {c.field for c in spec.columns} and not unknown and not duplicates, kind


@pytest.mark.parametrize(("kind", "field", "schema_column"), [
    ("org_units", "level", "level"),
    ("members", "gender", "gender"),
    ("members", "party_role", "party_role"),
    ("members", "profession", "profession"),
    ("members", "honour_post", "honour_post"),
    ("vanguard_scores", "rater", "rater"),
    ("attendance", "status", "status"),
])
def test_choices_are_the_schema_values(kind, field, schema_column):
    stored = {value for _, value in SPECS[kind].column(field).choices}
    assert stored == schema_values(schema_column)


def test_activity_types_and_task_statuses_are_the_schema_values():
    assert set(SPECS["activities"].column("activity_type").labels) == schema_values("activity_type", ACTIVITY_SCHEMA)
    assert {value for _, value in SPECS["activities"].column("lecturer_role").choices} == schema_values("lecturer_role", ACTIVITY_SCHEMA)
    task_status = re.search(r"service_task \(.*?status\s+VARCHAR NOT NULL CHECK \(status IN \(([^)]*)\)\)", SCHEMA, re.S)
    assert set(SPECS["tasks"].column("status").labels) == set(re.findall(r"'([^']*)'", task_status.group(1)))


def test_catalogue_columns_follow_the_configuration():
    cfg = config_mod.DEFAULT
    book = load("branch_scores")
    data, lists = book["支部考核得分"], book[specs.LISTS_SHEET]
    column = next(c for c in range(1, lists.max_column + 1) if lists.cell(row=1, column=c).value == "考核指标")
    names = [lists.cell(row=r, column=column).value for r in range(2, 18)]
    points = [lists.cell(row=r, column=column + 1).value for r in range(2, 18)]
    assert names == [i.name for i in cfg.assessment.indicators]
    assert sum(points) == 100
    # The score is bounded by the chosen indicator's max points, looked up in the same row.
    score = next(v for v in data.data_validations.dataValidation if str(v.sqref).startswith("D2"))
    assert score.type == "custom" and "VLOOKUP(C2," in score.formula1
    assert specs.catalogue_labels("vanguard_dimension", cfg) == tuple(d.name for d in cfg.vanguard.dimensions)


def test_branch_names_become_a_drop_down():
    book = load("members", branches=["心血管内科党支部", "药学部党支部"])
    lists = book[specs.LISTS_SHEET]
    columns = {lists.cell(row=1, column=c).value: c for c in range(1, lists.max_column + 1)}
    branch = columns["所在支部"]
    assert [lists.cell(row=r, column=branch).value for r in (2, 3)] == ["心血管内科党支部", "药学部党支部"]


def test_an_unchanged_template_holds_no_data(tmp_path, empty_con):
    path = templates.write_template("vanguard_scores", tmp_path / "t.xlsx", cfg=config_mod.DEFAULT)
    preview = importer.validate_file(empty_con, path)
    assert preview.kind == "vanguard_scores" and preview.rows == 0
    assert preview.problems[0].message_zh == "文件中没有数据行（表头之下为空）"
    assert "第 2 行与模板示例行相同，已忽略" in preview.warnings


def test_spec_errors():
    with pytest.raises(ValueError, match="choice columns"):
        Column("状态", "status", "choice")
    with pytest.raises(ValueError, match="unknown column type"):
        Column("状态", "status", "colour")
    with pytest.raises(ValueError, match="not a template"):
        specs.spec("wjx")
    with pytest.raises(ValueError, match="unknown kind"):
        specs.spec("payroll")


def test_file_names():
    assert templates.template_file_name("four_have") == "导入模板_四有评价得分.xlsx"
    assert all(templates.template_file_name(k).endswith(".xlsx") for k in specs.TABLE_KINDS)
