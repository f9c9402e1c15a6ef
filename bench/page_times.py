"""Server time of each page under Streamlit's AppTest: a cold run (the page's results not yet
computed, in a process just started), a warm run (the same page again, as the next viewer would
get it), a run after a data change (the next viewer right after an import: every result is
computed again, in a process whose modules and DuckDB buffers are already loaded) and a run
after another data change once the server's background refresh of recently asked-for results
(``ui.cache.Refresher``) is done: what a viewer arriving a few seconds after an import gets.
Then a second process, a restarted server, times the page once more: it opens the database,
computes in the background what the first process's viewer asked for (kept in the file
``ui.cache.save_demand`` writes beside the database) and, once that is done, runs the page: what
the first viewer of a page gets after a restart, when the page was viewed before it.

Each page runs in a process of its own, so that "cold" means cold: the process opens the
database and draws 我的账户 (which computes nothing a page uses, not even the sidebar's
lists), lets the server finish starting (its background import of ``ui.session.PRELOADED``:
a viewer arriving in the same second as the server would share the interpreter with it), then
runs the page. Baseline: 我的账户 itself, run warm in the same way, is the cost
of the app's own work per run (sign-in check, navigation).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

from bench import Measurement, case
from bench.served import BASELINE_PAGE, GOALS, PAGES, goal_row, scaled_database, working_copy

ROOT = Path(__file__).resolve().parent.parent


def run_page(database: str, page: str, restarted: bool = False) -> dict:
    """In this process: open the app signed in, draw 我的账户, then ``page`` cold, warm, after a
    data change and after the refresh; or, ``restarted``, once after the refresher's first look
    (the views kept by the last process); the seconds."""
    from streamlit.testing.v1 import AppTest, app_test

    # The server compiles each page script once (its Runtime keeps one ScriptCache); AppTest
    # makes a new cache, so compiles again, on every run: 12-23 ms of a warm 组织生活 or 问卷分析
    # run that no viewer pays. One cache for all of this process's runs, as in the server.
    script_cache = app_test.ScriptCache()
    app_test.ScriptCache = lambda: script_cache

    from analysis import db
    from analysis.access import auth
    from bench.served import USER

    con = db.open_database(database)
    try:
        token = auth.start_session(con, USER)
    finally:
        con.close()
    app = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=1800)
    app.session_state["session_token"] = token
    app.switch_page(f"pages/{BASELINE_PAGE}.py").run()
    if [t.value for t in app.title] != ["我的账户"]:
        raise RuntimeError(f"not signed in to {database}: {[e.value for e in app.exception]}")
    for thread in threading.enumerate():
        if thread.name == "preload":
            thread.join()
    times = {}
    script = f"pages/{page or 'overview'}.py"
    refresher = next(t.job for t in threading.enumerate() if t.name == "result-refresh")
    if restarted:
        if not refresher.wait(_data_version(database), timeout=1800):
            raise RuntimeError("the refresh at the restart did not finish")
        times["restart_refresh"], times["restart_results"] = refresher.seconds, refresher.computed
        app.switch_page(script)
        started = time.perf_counter()
        app.run()
        times["restarted"] = time.perf_counter() - started
        if app.exception:
            raise RuntimeError(f"{script}: {[e.value for e in app.exception]}")
        return times
    for run in ("cold", "warm", "changed", "refreshed"):
        if run in ("changed", "refreshed"):
            # What an import does to the shared results: a new data version, so no cached result
            # applies.
            version = _data_version(database, bump=True)
        if run == "refreshed":
            # The next viewer once the server's background refresh after that import is done.
            if not refresher.wait(version, timeout=1800):
                raise RuntimeError("the refresh after the data change did not finish")
            times["refresh"], times["refreshed_results"] = refresher.seconds, refresher.computed
        app.switch_page(script)
        started = time.perf_counter()
        app.run()
        times[run] = time.perf_counter() - started
        if app.exception:
            raise RuntimeError(f"{script}: {[e.value for e in app.exception]}")
    times["demand_file"] = str(refresher.save_demand())  # as the refresher does within two seconds
    return times


def _data_version(database: str, bump: bool = False) -> int:
    """The data version of ``database`` (bumped first: what an import does). The process may open
    its own file again: DuckDB shares the instance."""
    from analysis import db

    con = db.open_database(database)
    try:
        if bump:
            db.bump_data_version(con)
        return db.data_version(con)
    finally:
        con.close()


def _in_own_process(database: Path, page: str, restarted: bool = False) -> dict:
    done = subprocess.run([sys.executable, "-m", "bench.page_times", str(database), page, *(["restarted"] * restarted)], cwd=ROOT,
                          env={**os.environ, "PARTY_DASHBOARD_DB": str(database)}, capture_output=True, text=True,
                          check=False)
    if done.returncode != 0:
        raise RuntimeError(f"page {page or 'overview'} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


@case("pages", "each page's server run under AppTest, cold and warm, on the scaled demo (--scale, --db)")
def measure(quick: bool = False, scale: int = 100, db: str | None = None) -> Measurement:
    source = scaled_database(1 if quick else scale, db)
    pages = list(PAGES)[:2] if quick else list(PAGES)
    with working_copy(source) as copy:
        baseline = _in_own_process(copy, BASELINE_PAGE)
        times = {}
        for page in pages:
            times[page] = _in_own_process(copy, page) | _in_own_process(copy, page, restarted=True)
            # The next page's cold run must not start by computing this page's views.
            Path(times[page]["demand_file"]).unlink()
    goals = []
    for page, t in times.items():
        goals += [goal_row(f"{PAGES[page]} 服务端 冷", t["cold"], GOALS.server_cold),
                  goal_row(f"{PAGES[page]} 服务端 导入后", t["changed"], GOALS.server_cold),
                  goal_row(f"{PAGES[page]} 服务端 导入后（已刷新）", t["refreshed"], GOALS.server_cold),
                  goal_row(f"{PAGES[page]} 服务端 重启后（已预算）", t["restarted"], GOALS.server_cold),
                  goal_row(f"{PAGES[page]} 服务端 热", t["warm"], GOALS.server_warm)]
    return Measurement(
        case="pages", seconds=max(t["warm"] for t in times.values()),
        baseline="我的账户 warm (the app's own work per run)", baseline_seconds=baseline["warm"],
        detail={"scale": 1 if quick else scale, "database": str(source),
                **{f"{PAGES[p]}": f"cold {t['cold']:.2f} s, after a data change {t['changed']:.2f} s, "
                                  f"after the background refresh {t['refreshed']:.2f} s "
                                  f"(it computed {t['refreshed_results']} results in {t['refresh']:.2f} s), warm {t['warm']:.2f} s, "
                                  f"after a restart {t['restarted']:.2f} s (its refresh computed "
                                  f"{t['restart_results']} results in {t['restart_refresh']:.2f} s)"
                   for p, t in times.items()},
                "goals": goals},
    )


if __name__ == "__main__":
    print(json.dumps(run_page(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else "", restarted=sys.argv[3:] == ["restarted"])))
