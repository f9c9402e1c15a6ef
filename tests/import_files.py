"""Import files written for the import tests, the small hospital they go into, and the check
every rejected import makes: the database is exactly as it was (``snapshot``)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import duckdb
import openpyxl
import pytest

from analysis import config as config_mod
from analysis import db
from analysis.ingest import importer
from analysis.ingest.importer import ImportRejected
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
          "replaced_branch_score", "replaced_vanguard_score", "replaced_service_task", "membership", "member_transfer"]


def hospital(directory: Path, cfg: config_mod.Config | None = None) -> duckdb.DuckDBPyConnection:
    """Committee C00, general branch G01 with branches B01-B03 (named 'B0n支部'), 10 members each."""
    connection = db.open_database(directory / "hospital.duckdb", cfg=cfg)
    with db.transaction(connection):
        builders.add_org(connection, {"G01": ["B01", "B02", "B03"]})
        for i in range(30):
            builders.add_member(connection, f"M{i:04d}", f"B0{i // 10 + 1}", name=f"党员{i}")
    return connection


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
