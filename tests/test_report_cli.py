"""``python -m analysis report`` (analysis/cli/report.py): each format written, the format inferred,
the outline printed, bad arguments refused."""

from __future__ import annotations

import shutil

import openpyxl
import pytest

from analysis.cli import report as report_cli
from analysis.report.render import xlsx as report_xlsx


@pytest.fixture()
def cli_db(demo_path, tmp_path):
    copy = tmp_path / "cli.duckdb"
    shutil.copy(demo_path, copy)
    return copy


@pytest.mark.parametrize("fmt", ["pptx", "xlsx", "html"])
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
    assert out.startswith("2025年度党建工作数据汇报") and "办实事" in out and "支部考核" not in out
    output = tmp_path / "a.xlsx"
    assert report_cli.main(["--period", "2025Q4", "-o", str(output), "--db", str(cli_db)]) == 0
    assert openpyxl.load_workbook(output).sheetnames[0] == report_xlsx.COVER


@pytest.mark.parametrize("argv, message", [
    (["--period", "2025Q9"], "not a quarter or a year"),
    (["--scope", "X99"], "unknown scope"),
    (["--sections", "党费"], "unknown section"),
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
