"""``python -m analysis report`` (analysis/cli/report.py): each format written, the format inferred,
the outline printed, bad arguments refused."""

from __future__ import annotations

import shutil

import openpyxl
import pytest
from pptx import Presentation

from analysis import db
from analysis.cli import report as report_cli
from analysis.report import settings
from analysis.report.model import SHORT_DECK_SLIDES
from analysis.report.render import xlsx as report_xlsx
from analysis.scope import Scope
from tests.report_helpers import LOGO, hospital_template, slide_text


@pytest.fixture()
def cli_db(demo_path, tmp_path):
    copy = tmp_path / "cli.duckdb"
    shutil.copy(demo_path, copy)
    return copy


@pytest.mark.parametrize("fmt", ["pptx", "xlsx", "html", "docx"])
def test_cli_writes_each_format(cli_db, tmp_path, capsys, fmt):
    output = tmp_path / f"out.{fmt}"
    code = report_cli.main(["--period", "2025Q4", "--scope", "G01", "--format", fmt, "-o", str(output),
                            "--db", str(cli_db)])
    assert code == 0
    err = capsys.readouterr().err
    assert "committee scope (cli)" in err and "内科党总支" in err
    data = output.read_bytes()
    assert data[:2] == b"PK" if fmt != "html" else data.startswith(b"<!DOCTYPE html>")


def test_cli_infers_the_format_and_prints_an_outline(cli_db, tmp_path, capsys):
    assert report_cli.main(["--period", "2025", "--sections", "tasks,先锋指数", "--outline", "--db", str(cli_db)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("2025年度党建工作情况汇报") and "办实事" in out and "支部考核" not in out
    assert "存在问题（初稿）" in out and "下步打算（初稿）" in out
    output = tmp_path / "a.xlsx"
    assert report_cli.main(["--period", "2025Q4", "-o", str(output), "--db", str(cli_db)]) == 0
    assert openpyxl.load_workbook(output).sheetnames[0] == report_xlsx.COVER


@pytest.mark.parametrize("argv, message", [
    (["--period", "2025Q9"], "not a quarter or a year"),
    (["--scope", "X99"], "unknown scope"),
    (["--sections", "党费"], "unknown section"),
    (["--meeting", "会" * 61], "at most 60 characters"),
    (["--template", "/nonexistent/模板.potx"], "模板.potx"),
])
def test_cli_refuses_bad_arguments(cli_db, capsys, argv, message):
    assert report_cli.main([*argv, "--db", str(cli_db)]) == 2
    assert message in capsys.readouterr().err


def test_add_report_command_registers_the_subcommand():
    import argparse

    parser = argparse.ArgumentParser()
    report_cli.add_report_command(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["report", "--period", "2025Q4", "--scope", "B01", "--format", "html", "-o", "x.html"])
    assert (args.period, args.scope, args.format, args.handler) == ("2025Q4", "B01", "html", report_cli.run_report)


def test_cli_meeting_length_and_template(cli_db, tmp_path):
    template = tmp_path / "医院模板.potx"
    template.write_bytes(hospital_template())
    output = tmp_path / "deck.pptx"
    assert report_cli.main(["--period", "2025Q4", "--meeting", "2025年第4季度支部书记例会", "--date", "2026-01-16",
                            "--presenter", "党委办公室", "--template", str(template), "-o", str(output),
                            "--db", str(cli_db)]) == 0
    deck = Presentation(str(output))
    cover = slide_text(deck.slides[0])
    assert "2025年第4季度支部书记例会" in cover and "党委办公室" in cover and "2026年1月16日" in cover
    assert len(deck.slides) <= SHORT_DECK_SLIDES
    assert [s.name for s in deck.slide_master.shapes if s.name == LOGO] == [LOGO]
    full = tmp_path / "full.pptx"
    assert report_cli.main(["--period", "2025Q4", "--length", "full", "--template", "default", "-o", str(full),
                            "--db", str(cli_db)]) == 0
    slides = Presentation(str(full)).slides
    assert len(slides) > SHORT_DECK_SLIDES and not [s for s in Presentation(str(full)).slide_master.shapes
                                                   if s.name == LOGO]


def test_cli_uses_the_template_stored_in_the_database(cli_db, tmp_path):
    con = db.open_database(cli_db)
    try:
        settings.store_template(con, scope=Scope.committee("dangban"), data=hospital_template(), file_name="医院模板.potx")
    finally:
        con.close()
    output = tmp_path / "deck.pptx"
    assert report_cli.main(["--period", "2025Q4", "-o", str(output), "--db", str(cli_db)]) == 0
    assert [s.name for s in Presentation(str(output)).slide_master.shapes if s.name == LOGO] == [LOGO]


def test_cli_refuses_a_bad_date(cli_db, capsys):
    with pytest.raises(SystemExit):
        report_cli.main(["--date", "2026-13-01", "--db", str(cli_db)])
    assert "not a date" in capsys.readouterr().err
