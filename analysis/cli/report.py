"""``python -m analysis report``: write the meeting material for a period and scope.

    python -m analysis report --period 2025Q4 --scope hospital --format pptx -o 汇报.pptx \
        --meeting 2025年第4季度支部书记例会 --date 2026-01-15 --presenter 党委办公室
    python -m analysis report --period 2025 --scope G01 --format docx -o 内科党总支2025.docx
    python -m analysis report --period 2025Q4 --length full --template 医院模板.potx -o 完整版.pptx
    python -m analysis report --period 2025Q4 --format png -o charts.zip     # PNG charts
    python -m analysis report --period 2025Q4 --outline                      # titles only, no file

The command reads the database read-only with the committee scope ``Scope.committee("cli")``
(whoever can run it can read the database file anyway) and says so. It calls the same
``report.build_report`` and ``report.render`` as the 汇报材料 page, so both give the same file.
``--format`` defaults to the output file's extension. The deck uses the hospital's template
stored in the database (uploaded on the page), ``--template FILE`` another .pptx/.potx for this
run, ``--template default`` ours. ``--length short`` (default) is the meeting deck of at most 12
slides, ``full`` every finding and the appendix. The meeting settings the page remembers per
user are not read here: the command line states its own. While the app holds the database
(DuckDB allows one process per file), run it on a copy: ``cp data/demo.duckdb /tmp/copy.duckdb``.

Exit codes as the other commands: 0 written, 2 usage or data errors (unknown period, unit or
section; database missing or held by the app).
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from pathlib import Path

import duckdb

from analysis import config as config_mod
from analysis import db, report
from analysis.report import settings
from analysis.report.render import template as templates
from analysis.scope import Scope

CLI_SCOPE = Scope.committee("cli")


def add_report_command(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``report`` subcommand to the ``python -m analysis`` parser."""
    command = subparsers.add_parser(
        "report", help="write the meeting deck (pptx), Word report (docx), workbook (xlsx), HTML report or PNG charts",
        description="Build the 汇报材料 for a period and scope (committee scope 'cli', read-only).",
    )
    command.add_argument("--period", help="a quarter (2025Q4) or a year (2025); default: the latest quarter with data")
    command.add_argument("--scope", default="hospital",
                         help="hospital (default), a general branch id (G01) or a branch id (B01)")
    command.add_argument("--format", choices=list(report.FORMATS),
                         help="pptx | xlsx | docx | html | png (a zip of PNG charts); default: from -o's extension, "
                              "else pptx")
    command.add_argument("-o", "--output", type=Path,
                         help="output file ('-' for stdout); default 汇报材料_<scope>_<period>.<ext>")
    command.add_argument("--sections", help="comma-separated sections (default all): " + ", ".join(
        f"{key} ({name})" for key, name in report.SECTIONS.items()))
    command.add_argument("--length", choices=list(report.LENGTHS), default="short",
                         help="short (default): the meeting deck, at most 12 slides; full: every finding and the appendix")
    command.add_argument("--meeting", default="", help="the meeting's name for the cover, e.g. 2025年第4季度支部书记例会")
    command.add_argument("--date", type=_date, help="the meeting's date, YYYY-MM-DD (default: today)")
    command.add_argument("--presenter", default="", help="the presenting unit for the cover, e.g. 党委办公室")
    command.add_argument("--template", help="a .pptx/.potx template for the deck, or 'default' for the built-in one "
                                            "(default: the hospital's template stored in the database, if any)")
    command.add_argument("--outline", action="store_true", help="print the outline only, write no file")
    command.add_argument("--db", type=Path, default=db.default_path(), help=f"database file (default {db.default_path()})")
    command.set_defaults(handler=run_report)


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date: {text!r} (expected YYYY-MM-DD)") from None


def _template(con, args: argparse.Namespace) -> bytes | None:
    """The deck's template: --template FILE (checked), 'default', or the one stored in the database."""
    if args.template == "default":
        return None
    if args.template:
        path = Path(args.template)
        try:
            return templates.check(path.read_bytes(), path.name)
        except templates.TemplateError as exc:
            raise ValueError(f"cannot use {path} as the deck template ({exc})") from None
    stored = settings.active_template(con, scope=CLI_SCOPE)
    return None if stored is None else stored.content


def _format(args: argparse.Namespace) -> str:
    if args.format:
        return args.format
    if args.output is not None and str(args.output) != "-":
        ext = args.output.suffix.lower().lstrip(".")
        for fmt, (extension, _, _) in report.FORMATS.items():
            if ext in (fmt, extension):
                return fmt
    return "pptx"


def _check(con, args: argparse.Namespace) -> str:
    """An English message for a bad --period, --scope or --sections; '' when they are fine."""
    if args.period:
        try:
            report.parse_period(args.period)
        except ValueError:
            return f"not a quarter or a year: {args.period!r} (e.g. 2025Q4 or 2025)"
    if args.scope not in (None, "", "hospital"):
        try:
            report.unit_label(con, scope=CLI_SCOPE, unit=args.scope)
        except ValueError:
            return f"unknown scope {args.scope!r}: use hospital, a general branch id (G01) or a branch id (B01)"
    if args.sections:
        try:
            report.parse_sections(args.sections)
        except ValueError:
            return f"unknown section in {args.sections!r}; choose from {', '.join(report.SECTIONS)}"
    return ""


def run_report(args: argparse.Namespace) -> int:
    if not args.db.exists():
        print(f"error: no database at {args.db}", file=sys.stderr)
        return 2
    fmt = _format(args)
    try:
        con = db.open_database(args.db, read_only=True)
    except duckdb.IOException as exc:
        if "lock" in str(exc).lower():
            print(f"error: {args.db} is held by another process (the app); run the report on a copy of the file",
                  file=sys.stderr)
            return 2
        raise
    try:
        started = time.perf_counter()
        problem = _check(con, args)
        if problem:
            print(f"error: {problem}", file=sys.stderr)
            return 2
        period = args.period or report.latest_quarter(con, scope=CLI_SCOPE)
        try:
            meeting = report.Meeting(args.meeting, args.date, args.presenter)
        except ValueError:
            print(f"error: --meeting and --presenter must each be one line of at most {report.model.MEETING_TEXT_MAX} "
                  "characters", file=sys.stderr)
            return 2
        built = report.build_report(con, scope=CLI_SCOPE, period=period, unit=args.scope, sections=args.sections,
                                    meeting=meeting, length=args.length)
        print(f"using the committee scope ({CLI_SCOPE.username}): {built.unit_label}, {built.period.label}; "
              f"{len(built.findings)} findings, {len(built.tables)} tables; {args.length} deck of "
              f"{len(built.deck_findings)} findings", file=sys.stderr)
        for note in built.notes:
            print(f"  note: {note}", file=sys.stderr)
        if args.outline:
            print(report.outline_text(built))
            return 0
        template = _template(con, args) if fmt == "pptx" else None
        data = report.render(built, fmt, template=template)
    finally:
        con.close()
    if args.output is not None and str(args.output) == "-":
        sys.stdout.buffer.write(data)
        return 0
    output = args.output or Path(built.file_name(fmt))
    output.write_bytes(data)
    print(f"{report.FORMATS[fmt][2]} written to {output} ({len(data):,} bytes, "
          f"{time.perf_counter() - started:.1f} s)", file=sys.stderr)
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run the report command alone (``python -m analysis.cli.report``), for testing."""
    parser = argparse.ArgumentParser(prog="python -m analysis")
    add_report_command(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["report", *(argv or [])])
    try:
        return args.handler(args)
    except (config_mod.ConfigError, db.SchemaError, duckdb.Error, OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
