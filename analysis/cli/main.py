"""Command line: ``python -m analysis COMMAND``. Messages in English; exit 0 on success.

Commands: ``demo``; ``import FILE``, ``batches``, ``rollback BATCH`` (through the running app's
import inbox when the app holds the database, see ``analysis.ingest.inbox``); ``template KIND``.
Exit codes: 0 success, 1 the file has problems or the request was refused (nothing written),
2 usage or other errors, 3 the app holding the database did not answer in time.

The user recorded for an import or a rollback is the operating-system user running the command
(``os:<name>``; through the inbox, the owner of the request's files): there is no option to
name another.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Any

import duckdb

from analysis import config as config_mod
from analysis import db, demo
from analysis.cli import report as report_cli
from analysis.cli import survey as survey_cli
from analysis.ingest import inbox, templates
from analysis.ingest.specs import KIND_LABELS, KINDS, TABLE_KINDS


def _progress(fraction: float, text_zh: str) -> None:
    """Progress of a long step (a scaled demo, derived tables rebuilt on open), on stderr."""
    print(f"  {fraction:4.0%}  {text_zh}", file=sys.stderr, flush=True)


def _demo(args: argparse.Namespace) -> int:
    if args.scale < 1:
        print("error: --scale must be at least 1", file=sys.stderr)
        return 2
    started = time.perf_counter()
    summary = demo.build(args.db, scale=args.scale, progress=_progress if args.scale > 1 else None)
    print(
        f"demo database written to {summary.path} in {time.perf_counter() - started:.1f} s: "
        f"{summary.general_branches} general branches, {summary.branches} branches, {summary.members} members, "
        f"{summary.quarters} quarters, {summary.activities} activities, {summary.tasks} tasks, "
        f"{summary.survey_responses} survey responses (synthetic data)"
    )
    print("demo accounts (passwords are random and shown only now):")
    for username, (role, unit, password) in summary.accounts.items():
        print(f"  {username:<10} {password}  {role} / {unit}")
    return 0


def _submit(args: argparse.Namespace, request: dict[str, Any], files: dict[str, Path] | None = None,
            *, create: bool = False) -> dict[str, Any]:
    """Run a request on the database, directly or, when the app holds the file, through its inbox."""
    if not create and not args.db.exists():
        raise FileNotFoundError(f"no database at {args.db}")
    try:
        con = db.open_database(args.db, progress=_progress)
    except duckdb.IOException as exc:
        if not inbox.is_locked(exc):
            raise
        spool = inbox.inbox_dir(args.db)
        print(f"{args.db} is held by another process (the app); handing the request to it via {spool} ...",
              file=sys.stderr, flush=True)
        directory = inbox.submit(spool, request, owner=args.db.stat().st_uid, upload=(files or {}).get("upload"),
                                 twin=(files or {}).get("twin"))
        return inbox.wait(directory, timeout=args.timeout)
    try:
        return inbox.handle(con, request, files=files, user=inbox.os_user(os.geteuid()))
    finally:
        con.close()


def _print_import(result: dict[str, Any]) -> int:
    if result.get("ok"):
        print(result["message_en"])
        for line in result.get("replacements_en", []):
            print(f"  {line}")
        for note in result.get("warnings_zh", []):
            print(f"  note: {note}")
        return 0
    problems = result.get("problems") or []
    for p in problems:
        where = [p.get("file") or "?"]
        if p.get("sheet"):
            where.append(f"sheet {p['sheet']}")
        if p.get("row") is not None:
            where.append(f"row {p['row']}")
        if p.get("column"):
            where.append(f"column {p['column']}")
        print(", ".join(where) + ": " + p.get("message_en", ""), file=sys.stderr)
    count = result.get("problem_count") or len(problems)
    if count > len(problems):
        print(f"... and {count - len(problems):,} more problem(s) not listed", file=sys.stderr)
    print(f"error: {result.get('message_en', 'refused')}", file=sys.stderr)
    return 1


def _import(args: argparse.Namespace) -> int:
    if not args.file.is_file():
        print(f"error: no such file: {args.file}", file=sys.stderr)
        return 2
    request = {"action": "validate" if args.dry_run else "import", "kind": args.kind, "file_name": args.file.name}
    files = {"upload": args.file}
    if args.twin is not None:
        files["twin"] = args.twin
    return _print_import(_submit(args, request, files, create=not args.dry_run))


def _batches(args: argparse.Namespace) -> int:
    result = _submit(args, {"action": "batches", "limit": args.limit})
    if not result.get("ok"):
        print(f"error: {result.get('message_en')}", file=sys.stderr)
        return 1
    rows = result["batches"]
    if not rows:
        print("no import batches")
        return 0
    print(f"{'batch':>6}  {'status':<8} {'kind':<16} {'rows':>9} {'replaced':>9}  {'imported at':<19}  {'by':<12} file")
    status = {"有效": "live", "已撤销": "undone", "撤销未完成": "partial"}
    for row in rows:
        when = str(row.get("imported_at") or "")[:19].replace("T", " ")
        print(f"{row['batch_id']:>6}  {status.get(row['status'], row['status']):<8} {row['kind']:<16} "
              f"{row['row_count']:>9,} {row.get('replaced_count') or 0:>9,}  {when:<19}  {row['imported_by']:<12} "
              f"{row['file_name']}")
    return 0


def _rollback(args: argparse.Namespace) -> int:
    result = _submit(args, {"action": "rollback", "batch_id": args.batch})
    if not result.get("ok"):
        print(f"error: {result.get('message_en')}", file=sys.stderr)
        return 1
    print(result["message_en"])
    return 0


def _template(args: argparse.Namespace) -> int:
    data = templates.template_bytes(args.kind)
    if str(args.output) == "-":
        sys.stdout.buffer.write(data)
        return 0
    output = args.output or Path(f"{args.kind}_template.xlsx")
    output.write_bytes(data)
    print(f"template for {args.kind} ({KIND_LABELS[args.kind]}) written to {output}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m analysis", description="Hospital Party-building analytics")
    commands = parser.add_subparsers(dest="command", required=True)
    demo_cmd = commands.add_parser("demo", help="build the synthetic demo database")
    demo_cmd.add_argument("--db", type=Path, default=db.default_path(), help=f"output file (default {db.default_path()})")
    demo_cmd.add_argument("--scale", type=int, default=1,
                          help="campuses of 640 members each (default 1; 300 is a province's 200,000 members)")
    demo_cmd.set_defaults(handler=_demo)

    def database_options(command: argparse.ArgumentParser) -> None:
        command.add_argument("--db", type=Path, default=db.default_path(), help=f"database file (default {db.default_path()})")
        command.add_argument("--timeout", type=float, default=inbox.DEFAULT_TIMEOUT,
                             help="seconds to wait for the app when it holds the database (default %(default)s)")

    import_cmd = commands.add_parser("import", help="validate and import an Excel/CSV file or a 问卷星 export")
    import_cmd.add_argument("file", type=Path)
    import_cmd.add_argument("--kind", choices=KINDS, help="kind of data (default: detected from the headers)")
    import_cmd.add_argument("--twin", type=Path, help="wjx only: the other download of the same survey")
    import_cmd.add_argument("--dry-run", action="store_true", help="validate only, write nothing")
    database_options(import_cmd)
    import_cmd.set_defaults(handler=_import)

    batches_cmd = commands.add_parser("batches", help="list import batches, newest first")
    batches_cmd.add_argument("--limit", type=int, default=100)
    database_options(batches_cmd)
    batches_cmd.set_defaults(handler=_batches)

    rollback_cmd = commands.add_parser("rollback", help="undo an import batch (restores rows it replaced)")
    rollback_cmd.add_argument("batch", type=int)
    database_options(rollback_cmd)
    rollback_cmd.set_defaults(handler=_rollback)

    template_cmd = commands.add_parser("template", help="write the Excel template of a kind of data")
    template_cmd.add_argument("kind", choices=TABLE_KINDS)
    template_cmd.add_argument("-o", "--output", type=Path, help="output file ('-' for stdout; default KIND_template.xlsx)")
    template_cmd.set_defaults(handler=_template)

    survey_cli.add_survey_command(commands)
    report_cli.add_report_command(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.handler(args)
    except inbox.InboxTimeout as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 3
    except (config_mod.ConfigError, db.SchemaError, duckdb.Error, OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
