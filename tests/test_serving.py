"""How one server process lets viewers take turns (ui.session.page_run_slot) and what a page
load must not import."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

import streamlit as st

from analysis import config
from ui.session import page_run_slot

ROOT = Path(__file__).resolve().parent.parent


def test_no_more_page_runs_at_once_than_configured(tmp_path, monkeypatch):
    path = tmp_path / "hospital.toml"
    path.write_text("[serving]\npage_runs_at_once = 2\n", encoding="utf-8")
    monkeypatch.setenv(config.CONFIG_ENV, str(path))
    st.cache_resource.clear()
    inside, most, lock = 0, 0, threading.Lock()

    def run() -> None:
        nonlocal inside, most
        with page_run_slot():
            with lock:
                inside += 1
                most = max(most, inside)
            time.sleep(0.2)
            with lock:
                inside -= 1

    threads = [threading.Thread(target=run) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    st.cache_resource.clear()
    assert most == 2


def test_page_modules_leave_slow_libraries_for_when_they_are_needed():
    # scipy.stats, statsmodels, jieba, python-docx/pptx and pingouin cost 0.5-1.5 s each to
    # import: a page's first load must not pay for a test, a report or a keyword nobody asked for.
    probe = (
        "import sys\n"
        "import analysis.metrics.overview, analysis.survey, ui.survey, ui.filters, ui.tables\n"
        "slow = ('scipy.stats', 'statsmodels', 'jieba', 'docx', 'pptx', 'pingouin', 'wordcloud', 'matplotlib')\n"
        "print(sorted(m for m in slow if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_the_server_imports_the_landing_pages_slow_modules_in_the_background(tmp_path):
    probe = (
        "import sys, threading\n"
        "from ui import session\n"
        "before = [m for m in session.PRELOADED if m in sys.modules]\n"
        "session._database(sys.argv[1])\n"
        "for thread in threading.enumerate():\n"
        "    if thread.name == 'preload':\n"
        "        thread.join(timeout=60)\n"
        "print(before, [m for m in session.PRELOADED if m in sys.modules])\n"
    )
    done = subprocess.run([sys.executable, "-c", probe, str(tmp_path / "server.duckdb")], cwd=ROOT,
                          capture_output=True, text=True, check=True)
    assert done.stdout.strip().splitlines()[-1] == "[] ['scipy.stats']"
    assert "Traceback" not in done.stderr  # the rest of the warm-up (charts, Streamlit's emoji pattern) ran


def test_the_process_exits_cleanly_while_background_threads_query():
    # A daemon thread still inside DuckDB when the interpreter finalises aborts the process
    # (exit status 134, "terminate called after throwing ..."): the server's background threads
    # (inbox, session sweep, result refresh) are stopped at exit first.
    probe = (
        "import time, duckdb\n"
        "from analysis import db\n"
        "con = duckdb.connect()\n"
        "for i in range(4):\n"
        "    db.Periodic(con, f'busy{i}', lambda c: c.execute('SELECT sum(range) FROM range(3000000)').fetchall(),\n"
        "                interval=0).start()\n"
        "time.sleep(0.5)\n"
    )
    for _ in range(3):
        done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr[-2000:]
        assert "terminate called" not in done.stderr
