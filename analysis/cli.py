"""Command line: ``python -m analysis COMMAND``. Messages in English; exit 0 on success."""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from . import config as config_mod
from . import demo

DEFAULT_DB = Path(os.environ.get("PARTY_DASHBOARD_DB", config_mod.DATA_DIR / "demo.duckdb"))


def _demo(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    summary = demo.build(args.db)
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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m analysis", description="Hospital Party-building analytics")
    commands = parser.add_subparsers(dest="command", required=True)
    demo_cmd = commands.add_parser("demo", help="build the synthetic demo database")
    demo_cmd.add_argument("--db", type=Path, default=DEFAULT_DB, help=f"output file (default {DEFAULT_DB})")
    demo_cmd.set_defaults(handler=_demo)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.handler(args)
    except (config_mod.ConfigError, OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
