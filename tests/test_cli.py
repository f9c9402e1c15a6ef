"""``python -m analysis`` import, batches, rollback and template, run as real subprocesses.

Includes importing while another process holds the database: that process stands in for the
Streamlit server and runs ``inbox.process_pending`` in a loop, as the app's worker thread does.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import openpyxl
import pytest

from analysis import db
from analysis.cli import main as cli
from analysis.ingest import inbox
from tests import builders
from tests.test_import import branch_rows, write_csv

ROOT = Path(__file__).resolve().parent.parent

# Holds the database open read-write (as the app does); "serve" also makes the import inbox and
# processes it in a loop, like the worker thread the app starts; "stuck" makes the inbox but never
# serves it; "hold" only holds the file. Stops when stdin closes.
HOLDER = """
import sys, threading, time
from analysis import db
from analysis.ingest import inbox
con = db.open_database(sys.argv[1])
if sys.argv[2] in ("serve", "stuck"):
    inbox.prepare(inbox.inbox_dir(sys.argv[1]))
stop = threading.Event()
threading.Thread(target=lambda: (sys.stdin.read(), stop.set()), daemon=True).start()
print("ready", flush=True)
cursor = con.cursor()
while not stop.wait(0.1):
    if sys.argv[2] == "serve":
        inbox.process_pending(cursor, inbox.inbox_dir(sys.argv[1]))
con.close()
"""


def run(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    """``python -m analysis ARGS`` in a new process."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "analysis", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=timeout)


def run_here(capsys, *args: str) -> subprocess.CompletedProcess:
    """The same command through ``cli.main`` in this process (faster: no interpreter start)."""
    code = cli.main(list(args))
    out = capsys.readouterr()
    return subprocess.CompletedProcess(args, code, out.out, out.err)


@pytest.fixture()
def hospital(tmp_path) -> Path:
    path = tmp_path / "hospital.duckdb"
    con = db.open_database(path)
    with db.transaction(con):
        builders.add_org(con, {"G01": ["B01", "B02", "B03"]})
    con.close()
    return path


class Holder:
    """A process holding the database open; ``mode`` as in HOLDER: "serve", "stuck" or "hold"."""

    def __init__(self, path: Path, mode: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-c", HOLDER, str(path), mode], cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)}, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert self.process.stdout.readline().strip() == "ready"

    def stop(self) -> None:
        self.process.stdin.close()
        self.process.wait(timeout=30)


def counts(path: Path) -> tuple[int, int, int]:
    con = db.open_database(path, read_only=True)
    try:
        return con.execute("SELECT (SELECT count(*) FROM branch_score), (SELECT count(*) FROM import_batch), "
                           "(SELECT version FROM data_state)").fetchall()[0]
    finally:
        con.close()


def test_import_batches_rollback(hospital, tmp_path, capsys):
    good = write_csv(tmp_path / "q1.csv", branch_rows("2025Q1", ["B01", "B02", "B03"], 0.9), "gbk")
    done = run("import", str(good), "--db", str(hospital))
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("imported 48 rows of branch_scores from q1.csv as batch #1")
    listed = run_here(capsys, "batches", "--db", str(hospital))
    # The importing user is the OS user running the command.
    assert listed.returncode == 0 and "branch_scores" in listed.stdout and inbox.os_user(os.geteuid()) in listed.stdout
    again = run_here(capsys, "import", str(good), "--db", str(hospital))
    assert again.returncode == 1 and "already imported" in again.stderr
    undone = run_here(capsys, "rollback", "1", "--db", str(hospital))
    assert undone.returncode == 0 and "batch #1 rolled back: 48 rows deleted" in undone.stdout
    assert run_here(capsys, "rollback", "1", "--db", str(hospital)).returncode == 1
    assert counts(hospital)[:2] == (0, 1)


def test_problems_go_to_stderr_and_nothing_is_written(hospital, tmp_path, capsys):
    rows = branch_rows("2025Q1", ["B01", "B09"], 0.9)
    rows[3][3] = "很好"
    bad = run("import", str(write_csv(tmp_path / "bad.csv", rows)), "--db", str(hospital))
    assert bad.returncode == 1 and bad.stdout == ""
    lines = bad.stderr.splitlines()
    assert lines[0] == "bad.csv, row 4, column 得分: '很好' is not a number"
    assert lines[1] == "bad.csv, row 18, column 所在支部: unknown branch 'B09' (use an existing branch id or name)"
    assert lines[-1] == "error: 17 problem(s) in bad.csv; nothing was written"
    assert counts(hospital) == (0, 0, 0)
    checked = run_here(capsys, "import", str(write_csv(tmp_path / "ok.csv", rows[:2])), "--dry-run", "--db", str(hospital))
    assert checked.returncode == 0 and "are valid (nothing written)" in checked.stdout
    assert counts(hospital) == (0, 0, 0)


def test_import_while_the_app_holds_the_database(hospital, tmp_path, capsys):
    app = Holder(hospital, "serve")
    try:
        good = write_csv(tmp_path / "q2.csv", branch_rows("2025Q2", ["B01", "B02"], 0.8))
        done = run("import", str(good), "--db", str(hospital), "--timeout", "60")
        assert done.returncode == 0, done.stderr
        assert "handing the request to it" in done.stderr
        assert done.stdout.startswith("imported 32 rows of branch_scores from q2.csv as batch #1")
        bad = run("import", str(write_csv(tmp_path / "bad.csv", branch_rows("2025Q2", ["B07"], 0.8))),
                  "--db", str(hospital), "--timeout", "60")
        assert bad.returncode == 1 and "unknown branch 'B07'" in bad.stderr
        listed = run_here(capsys, "batches", "--db", str(hospital), "--timeout", "60")  # also through the inbox
        assert listed.returncode == 0 and "q2.csv" in listed.stdout
        assert not [p for p in inbox.inbox_dir(hospital).iterdir()]  # every request cleaned up
    finally:
        app.stop()
    rows, batches, version = counts(hospital)
    assert (rows, batches) == (32, 1) and version >= 1  # the data version bump tells the app's caches


def test_refused_when_the_holder_has_no_inbox(hospital, tmp_path):
    holder = Holder(hospital, "hold")
    try:
        result = run("import", str(write_csv(tmp_path / "q3.csv", branch_rows("2025Q3", ["B01"], 0.8))),
                     "--db", str(hospital), "--timeout", "1")
        assert result.returncode == 2
        assert "not the app (or not serving imports); nothing was imported" in result.stderr
        assert not inbox.inbox_dir(hospital).exists()  # the CLI does not make an inbox for someone else
    finally:
        holder.stop()
    assert counts(hospital) == (0, 0, 0)


def test_timeout_when_the_holder_serves_no_inbox(hospital, tmp_path):
    holder = Holder(hospital, "stuck")
    try:
        started = time.monotonic()
        result = run("import", str(write_csv(tmp_path / "q3.csv", branch_rows("2025Q3", ["B01"], 0.8))),
                     "--db", str(hospital), "--timeout", "1")
        assert result.returncode == 3
        assert "request was withdrawn, nothing was imported" in result.stderr
        assert time.monotonic() - started < 60
        assert not [p for p in inbox.inbox_dir(hospital).iterdir()]
    finally:
        holder.stop()
    assert counts(hospital) == (0, 0, 0)


def test_template_command(tmp_path, capsys):
    output = tmp_path / "m.xlsx"
    done = run_here(capsys, "template", "members", "-o", str(output))
    assert done.returncode == 0 and "党员名单" in done.stdout
    assert openpyxl.load_workbook(output).sheetnames == ["填写说明", "党员名单", "选项"]
    with pytest.raises(SystemExit) as refused:  # a 问卷星 export has no template: argparse refuses the kind
        cli.main(["template", "wjx"])
    assert refused.value.code == 2


def test_parser_keeps_the_demo_command():
    args = cli.build_parser().parse_args(["demo", "--db", "x.duckdb"])
    assert args.handler is cli._demo and args.db == Path("x.duckdb")
    args = cli.build_parser().parse_args(["import", "f.csv", "--kind", "tasks"])
    assert (args.kind, args.dry_run) == ("tasks", False)
    with pytest.raises(SystemExit):  # the importing user is the OS user: no option names another
        cli.build_parser().parse_args(["import", "f.csv", "--user", "dangban"])


def test_missing_database_for_batches(tmp_path, capsys):
    result = run_here(capsys, "batches", "--db", str(tmp_path / "none.duckdb"))
    assert result.returncode == 2 and "no database" in result.stderr
