"""Shared plumbing of the browser tests: a real app server on loopback, headless Chromium."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from analysis import db
from analysis.access import auth
from analysis.scope import Scope

ROOT = Path(__file__).resolve().parent.parent
SHOTS = ROOT / "tests" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
requires_chromium = pytest.mark.skipif(not Path(CHROMIUM).exists(),
                                       reason="Debian chromium is not installed (.ci/run installs it)")


def demo_copy_with_user(demo_path: Path, workdir: Path, username: str, password: str) -> Path:
    """A private copy of the demo with a committee account whose password the test knows."""
    copy = workdir / "app.duckdb"
    shutil.copy(demo_path, copy)
    con = db.open_database(copy)
    try:
        auth.create_user(con, username=username, display_name="浏览器测试", role="committee", password=password,
                         actor=Scope.committee(), must_change_password=False)
    finally:
        con.close()
    return copy


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def app_server(database: Path, env: dict[str, str] | None = None) -> Iterator[str]:
    """``streamlit run app.py`` (as ``make run``) on a free loopback port serving ``database``; yields its URL."""
    with app_process(database, env) as (url, _):
        yield url


@contextmanager
def app_process(database: Path, env: dict[str, str] | None = None,
                timeout: float = 60) -> Iterator[tuple[str, subprocess.Popen]]:
    """As :func:`app_server`, yielding the URL and the server process (whose memory a benchmark reads)."""
    port = _free_port()
    # The server's console goes to a file: an unread pipe fills up and stalls a long-running server.
    console = tempfile.TemporaryFile("w+")
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true"],
        cwd=ROOT, env={**os.environ, "PARTY_DASHBOARD_DB": str(database), **(env or {})},
        stdout=console, stderr=subprocess.STDOUT, text=True,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    break
        except OSError:
            time.sleep(0.3)
    else:
        proc.kill()
        console.seek(0)
        pytest.fail("streamlit did not start:\n" + console.read())
    try:
        yield url, proc
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        console.close()


@contextmanager
def chromium() -> Iterator[object]:
    """Debian's Chromium, headless, with the background networking this closed network refuses off."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run", "--disable-quic"],
        )
        try:
            yield browser
        finally:
            browser.close()


def sign_in(page, username: str, password: str) -> None:
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()


def signed_in_tab(browser, url: str, username: str, password: str, *, width: int = 1440, height: int = 900,
                  timeout_ms: int = 30_000):
    """A new tab at ``url`` (Chinese locale), signed in, once the navigation is there."""
    page = browser.new_page(viewport={"width": width, "height": height}, locale="zh-CN")
    page.goto(url, wait_until="domcontentloaded")
    sign_in(page, username, password)
    page.wait_for_selector('[data-testid="stSidebarNav"]', timeout=timeout_ms)
    return page


def open_from_navigation(page, title: str, timeout_ms: int = 30_000) -> None:
    """Click ``title`` in the navigation and wait until that page has drawn its title and settled."""
    page.locator('[data-testid="stSidebarNav"]').get_by_text(title, exact=True).click()
    page.wait_for_selector('[data-testid="stMainBlockContainer"] h1', timeout=timeout_ms)
    settle(page)


SCRIPT_STATE = "() => document.querySelector('[data-testid=stApp]')?.getAttribute('data-test-script-state')"


def settle(page, quiet_ms: int = 1500, timeout_ms: int = 60_000) -> None:
    """Wait until the script run is over and the page has stopped changing.

    The app element's ``data-test-script-state`` says whether a run is going; a run that has
    just been asked for may not have started yet, so a short wait for it to start comes first.
    Then the page text must stay the same for ``quiet_ms`` (elements stream in as the script
    runs, charts draw after it).
    """
    try:
        page.wait_for_function(f"() => ({SCRIPT_STATE})() === 'running'", timeout=2_000)
    except Exception:  # playwright's TimeoutError: the run was over (or never needed) already
        pass
    page.wait_for_function(f"() => ({SCRIPT_STATE})() === 'notRunning' && "
                           "!document.querySelector('[data-testid=stStatusWidget]')", timeout=timeout_ms)
    waited, last = 0, None
    while waited < timeout_ms:
        text = page.locator('[data-testid="stMain"]').inner_text()
        if text == last:
            return
        last = text
        page.wait_for_timeout(quiet_ms)
        waited += quiet_ms
    raise TimeoutError("page kept changing")
