"""End to end: the real app on a loopback port, every page opened in headless Chromium.

Screenshots land in tests/screenshots/ (git-ignored) for a person to look at.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHOTS = ROOT / "tests" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
# url path -> does the page draw charts?
PAGES = {"": True, "vanguard": False, "assessment": False, "four_have": False, "org_life": False, "tasks": False,
         "survey": False, "report": False, "present": False, "data_import": False, "admin": False}

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium is not installed (.ci/run installs it)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(demo_path, tmp_path_factory):
    copy = tmp_path_factory.mktemp("e2e") / "app.duckdb"
    shutil.copy(demo_path, copy)
    port = _free_port()
    env = {**os.environ, "PARTY_DASHBOARD_DB": str(copy)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "dashboard.py"), "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    break
        except OSError:
            time.sleep(0.3)
    else:
        proc.kill()
        pytest.fail("streamlit did not start:\n" + proc.stdout.read())
    yield url
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run", "--disable-quic"],
        )
        yield b
        b.close()


@pytest.mark.parametrize("path", list(PAGES))
def test_page_renders_without_exception(server, browser, path):
    page = browser.new_page(viewport={"width": 1440, "height": 1800}, locale="zh-CN")
    try:
        page.goto(f"{server}/{path}", wait_until="domcontentloaded")
        page.wait_for_selector('[data-testid="stMainBlockContainer"] h1', timeout=30_000)
        if PAGES[path]:
            page.wait_for_selector(".js-plotly-plot .main-svg", timeout=30_000)
        # Let the script run finish: Streamlit marks running apps with the status widget.
        page.wait_for_function(
            "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=30_000
        )
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{path or 'overview'}.png"), full_page=True)
        exceptions = page.locator('[data-testid="stException"]')
        assert exceptions.count() == 0, exceptions.first.inner_text()
        assert "演示数据" in page.locator('[data-testid="stSidebar"]').inner_text()
    finally:
        page.close()
