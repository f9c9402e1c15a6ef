"""The database handle of this server process and a cursor per script run.

One read-write handle per process (DuckDB allows one writer); every run takes its own cursor
from it, so concurrent sessions read consistent snapshots (see README: concurrency).
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import streamlit as st

from analysis import config as config_mod
from analysis import db
from analysis.access import auth
from analysis.ingest import inbox

SWEEP_SECONDS = 60

PRELOADED = ("scipy.stats",)
"""Modules the landing page needs (总览's survey headline tests its comparison) and that cost
0.3-0.6 s to import: imported in the background when the server opens its database, so the
first viewer does not wait for them. Pages still import them only where used (see
tests/test_serving.py). The same thread also sets up, once per process, what the first page
run would otherwise pay for (``_preload``)."""


def database_path() -> Path:
    return db.default_path()


@st.cache_resource(show_spinner=False)
def _database(path: str) -> duckdb.DuckDBPyConnection:
    # One read-write handle per server process; sessions get cursors from it (see README).
    con = db.open_database(path)
    # CLI imports cannot open the file while this process holds it: they queue the file in
    # the inbox beside the database and this thread imports it (see analysis/ingest/inbox.py).
    # An inbox of another user or open to others' writes stops the app here (UnsafeInbox).
    inbox.start_worker(con, inbox.inbox_dir(path))
    # Sessions of closed tabs send no request that would end them: sweep them every minute.
    db.Periodic(con, "session-sweep", lambda c: auth.end_idle_sessions(c, policy=config_mod.load().login),
                interval=SWEEP_SECONDS).start()
    threading.Thread(target=_preload, name="preload", daemon=True).start()
    from ui import cache  # it imports this module

    cache.start_refresher(con, path)
    password = auth.ensure_admin(con, policy=config_mod.load().password)
    if password:
        # Shown once, on the server console only; the administrator must change it at first login.
        print(f"首次启动：已创建管理员账号 admin，初始密码 {password}（仅显示一次，登录后须修改）", flush=True)
    return con


def _preload() -> None:
    for module in PRELOADED:
        importlib.import_module(module)
    from analysis.charts.base import warm_up

    warm_up()  # plotly's property checks
    # Streamlit compiles its emoji pattern (0.15-0.2 s) at the first option label that is not
    # ASCII: every page's Chinese radio or segmented control.
    from streamlit import string_util

    string_util.extract_leading_icon("党建")


def connection() -> duckdb.DuckDBPyConnection:
    """The process's handle of the database, for work outside a script run (a download built on
    click) to take its own cursor from."""
    return _database(str(database_path()))


def cursor() -> duckdb.DuckDBPyConnection:
    """A cursor of the shared database for this script run (DuckDB cursors are per thread)."""
    return connection().cursor()


@st.cache_resource(show_spinner=False)
def _page_run_slots(slots: int) -> threading.Semaphore:
    return threading.Semaphore(slots)


@contextmanager
def page_run_slot() -> Iterator[None]:
    """Hold one of the process's page-run slots (``[serving] page_runs_at_once``) for a run.

    Waiting runs are let in in arrival order (``threading.Semaphore`` wakes its oldest waiter),
    so of many viewers arriving together most finish early instead of all finishing last.
    """
    with _page_run_slots(config_mod.load().serving.page_runs_at_once):
        yield
