"""大屏展示 and the HTML report in headless Chromium (the server fixture follows tests/test_e2e.py).

* A link to /present?... opened in a fresh tab shows the login form first; after signing in the
  page and its URL parameters still apply (once dashboard.py has a login door per page).
* ← / → and space move between screens, F goes full screen; the URL follows.
* The stage fills the screen at 1920×1080 and at 3840×2160 (content over at least 85% of the
  height, the chart over most of it), and the controls are gone 3 s after the mouse last moved,
  back when it moves.
* Auto-advance moves on by itself, and does not keep an idle session alive: with a short idle
  timeout the login form comes back while the slideshow runs unattended.
* The HTML report opened from disk with every network request refused draws all its charts,
  and prints to PDF.

Screenshots land in tests/screenshots/ (present_*.png, report_html.png).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from analysis import db, report
from analysis.scope import Scope
from tests.browser import SHOTS, app_server, chromium, demo_copy_with_user, requires_chromium, settle, sign_in

USER, PASSWORD = "reportqa", "Report-QA-2025!x"

pytestmark = requires_chromium


@contextmanager
def _present_server(demo_path: Path, workdir: Path, browser, config: str | None = None) -> Iterator[str]:
    """The app on a demo copy (optionally with a hospital.toml), warmed up like production."""
    copy = demo_copy_with_user(demo_path, workdir, USER, PASSWORD)
    env = {}
    if config is not None:
        (workdir / "hospital.toml").write_text(config, encoding="utf-8")
        env["PARTY_DASHBOARD_CONFIG"] = str(workdir / "hospital.toml")
    with app_server(copy, env) as url:
        _warm(url, browser)
        yield url


def _warm(url: str, browser) -> None:
    """Run dashboard.py once, as the first visitor of a real server does.

    Until some session has run the entry script's st.navigation, Streamlit serves a request for
    /present by running pages/present.py on its own (the pages/ fallback), which is not how the
    app runs in production.
    """
    page = browser.new_page()
    try:
        page.goto(url, wait_until="domcontentloaded")
        page.get_by_label("密码").wait_for(timeout=60_000)
    finally:
        page.close()


@pytest.fixture(scope="module")
def server(demo_path, tmp_path_factory, browser):
    with _present_server(demo_path, tmp_path_factory.mktemp("present"), browser) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    with chromium() as browser:
        yield browser


def _settle(page) -> None:
    page.wait_for_timeout(300)
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=60_000)


def _footer(page) -> str:
    return page.locator(".st-key-present_footer").inner_text().strip()


def _wait_footer(page, prefix: str, timeout: float = 30) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if page.locator(".st-key-present_footer").count() and _footer(page).startswith(prefix):
            return _footer(page)
        page.wait_for_timeout(250)
    raise AssertionError(f"footer never started with {prefix!r}")


def _wake(page) -> None:
    """Move the mouse: the controls show for 3 s."""
    page.mouse.move(200, 200)
    page.mouse.move(400, 300)


def _open_present(page, server: str, auto: int = 0) -> None:
    """Sign in at /, then open 大屏展示 from the navigation and set 自动翻页."""
    page.goto(server, wait_until="domcontentloaded")
    sign_in(page, USER, PASSWORD)
    page.wait_for_selector('[data-testid="stSidebarNav"]', timeout=60_000)
    page.locator('[data-testid="stSidebarNav"]').get_by_text("大屏展示", exact=True).click()
    _wait_footer(page, "1 / ")
    if auto:
        _wake(page)
        page.locator(".st-key-present_auto").click()
        page.get_by_role("option", name=f"每 {auto} 秒自动翻页").click()
        deadline = time.monotonic() + 30
        while f"每 {auto} 秒自动翻页" not in _footer(page):
            assert time.monotonic() < deadline, "自动翻页 was not switched on"
            page.wait_for_timeout(250)


def test_link_survives_login(server, browser):
    page = browser.new_page(viewport={"width": 1280, "height": 720}, locale="zh-CN")
    try:
        page.goto(f"{server}/present?period=2025Q4&scope=G01&slide=4&auto=20", wait_until="domcontentloaded")
        page.get_by_label("密码").wait_for(timeout=30_000)  # a fresh tab: sign in first
        sign_in(page, USER, PASSWORD)
        footer = _wait_footer(page, "4 / ", timeout=90)  # the first screen after signing in: slow on a busy machine
        assert "每 20 秒自动翻页" in footer
        assert "内科党总支" in page.locator(".st-key-present_header").inner_text()
        assert "/present?" in page.url and "scope=G01" in page.url
    finally:
        page.close()


def test_present_mode_and_keys_move_between_screens(server, browser):
    page = browser.new_page(viewport={"width": 1600, "height": 900}, locale="zh-CN")
    try:
        _open_present(page, server)
        for screen in (2, 3, 4):  # one key at a time: a key pressed while the page reruns is lost
            page.keyboard.press("ArrowRight")
            _wait_footer(page, f"{screen} / ")
        header = page.locator(".st-key-present_header").inner_text()
        assert "全院" in header and "2025年第4季度" in header and "数据截至2025年12月31日" in header
        assert "period=2025Q4" in page.url and "scope=hospital" in page.url and "slide=4" in page.url
        _settle(page)
        page.locator(".st-key-present_title").wait_for()
        page.locator('[data-testid="stPlotlyChart"] .main-svg').first.wait_for(state="attached", timeout=30_000)
        # No sidebar and no Streamlit chrome on the projector.
        assert not page.locator('[data-testid="stSidebar"]').is_visible()
        assert not page.locator('[data-testid="stHeader"]').is_visible()
        assert page.locator('[data-testid="stException"]').count() == 0
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "present_chart.png"))

        page.keyboard.press("ArrowRight")
        _wait_footer(page, "5 / ")
        assert "slide=5" in page.url
        page.keyboard.press("ArrowLeft")
        _wait_footer(page, "4 / ")
        page.keyboard.press(" ")
        _wait_footer(page, "5 / ")
        page.keyboard.press("ArrowLeft")
        _wait_footer(page, "4 / ")
        page.keyboard.press("ArrowLeft")
        _wait_footer(page, "3 / ")
        page.keyboard.press("ArrowLeft")
        _wait_footer(page, "2 / ")
        _settle(page)
        page.screenshot(path=str(SHOTS / "present_figures.png"))
        page.keyboard.press("f")
        page.wait_for_function("() => document.fullscreenElement !== null", timeout=10_000)
        page.keyboard.press("F")
        page.wait_for_function("() => document.fullscreenElement === null", timeout=10_000)
    finally:
        page.close()


STAGE_PARTS = (".st-key-present_header", ".st-key-present_title", ".st-key-present_cover", ".st-key-present_body",
               ".st-key-present_grid", ".st-key-present_footer")


def _filled(page) -> dict:
    """How much of the window the stage's content covers, and the chart's share of the height."""
    return page.evaluate("""(parts) => {
        const rects = parts.flatMap(p => [...document.querySelectorAll(p)]).map(e => e.getBoundingClientRect())
            .filter(r => r.height > 0);
        const top = Math.min(...rects.map(r => r.top)), bottom = Math.max(...rects.map(r => r.bottom));
        const svg = document.querySelector('.st-key-present_body .main-svg');
        const chart = svg ? svg.getBoundingClientRect() : null;
        return {content: (bottom - top) / window.innerHeight, top: top / window.innerHeight,
                chart: chart ? chart.height / window.innerHeight : 0,
                chartWidth: chart ? chart.width / window.innerWidth : 0};
    }""", list(STAGE_PARTS))


def _controls_visible(page) -> bool:
    return page.locator(".st-key-present_controls").is_visible()


@pytest.mark.parametrize("width, height", [(1920, 1080), (3840, 2160)])
def test_the_stage_fills_the_screen_and_the_controls_hide(server, browser, width, height):
    page = browser.new_page(viewport={"width": width, "height": height}, locale="zh-CN")
    try:
        page.goto(f"{server}/present?period=2025Q4&slide=3", wait_until="domcontentloaded")
        page.get_by_label("密码").wait_for(timeout=30_000)
        sign_in(page, USER, PASSWORD)
        _wait_footer(page, "3 / ")
        page.locator('.st-key-present_body .main-svg').first.wait_for(state="attached", timeout=30_000)
        settle(page)
        # No mouse movement for more than 3 s: nothing but the slide on the screen.
        page.wait_for_timeout(3_500)
        assert not _controls_visible(page)
        filled = _filled(page)
        assert filled["top"] < 0.02 and filled["content"] >= 0.85, filled
        assert filled["chart"] >= 0.6 and filled["chartWidth"] >= 0.55, filled
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"present_{width}x{height}.png"))
        # The mouse moves: the controls come back, then go again.
        _wake(page)
        page.wait_for_function("() => document.body.classList.contains('present-awake')", timeout=5_000)
        assert _controls_visible(page)
        page.wait_for_timeout(3_600)
        assert not _controls_visible(page)
        # The light theme and the dashboard fill the screen the same way.
        for query, shot in (("theme=light&slide=1", "cover_light"), ("layout=dashboard", "dashboard")):
            # Still signed in: the session cookie (#14) carries the sign-in across page loads.
            page.goto(f"{server}/present?period=2025Q4&{query}", wait_until="domcontentloaded")
            page.locator(".st-key-present_footer").wait_for(state="attached", timeout=60_000)
            assert page.get_by_label("密码").count() == 0
            settle(page)
            page.wait_for_timeout(3_500)
            assert _filled(page)["content"] >= 0.85, query
            assert "数据截至" in page.locator(".st-key-present_header").inner_text()
            page.screenshot(path=str(SHOTS / f"present_{shot}_{width}x{height}.png"))
    finally:
        page.close()


def test_auto_advance_moves_on_and_does_not_keep_an_idle_session_alive(demo_path, tmp_path, browser):
    # Idle timeout 0.25 min = 15 s; screens change every 5 s. Unattended, the login form returns.
    with _present_server(demo_path, tmp_path, browser, config="[security.login]\nidle_minutes = 0.25\n") as url:
        _watch_unattended(browser, url)


def _watch_unattended(browser, url: str) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 720}, locale="zh-CN")
    try:
        _open_present(page, url, auto=5)
        assert "每 5 秒自动翻页" in _footer(page) and "auto=5" in page.url
        _wait_footer(page, "2 / ", timeout=30)  # advancing on its own
        _wait_footer(page, "3 / ", timeout=30)
        page.get_by_label("密码").wait_for(timeout=60_000)
        assert page.locator(".st-key-present_footer").count() == 0
        assert "超时" in page.locator('[data-testid="stMain"]').inner_text()
    finally:
        page.close()


def test_html_report_works_offline_and_prints(demo_path, tmp_path, browser):
    con = db.open_database(demo_path, read_only=True)
    try:
        built = report.build_report(con, scope=Scope.committee("test"), period="2025Q4",
                                    now=dt.datetime(2026, 1, 15, 9, 30))
    finally:
        con.close()
    path = tmp_path / "report.html"
    path.write_bytes(report.render(built, "html"))
    page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    refused = []

    def refuse(route):
        if route.request.url.startswith(("file:", "data:", "blob:")):
            route.continue_()
        else:
            refused.append(route.request.url)
            route.abort()

    try:
        page.route("**/*", refuse)
        page.goto(path.as_uri(), wait_until="load")
        charted = sum(1 for f in built.findings if f.chart is not None)
        page.wait_for_function(f"() => document.querySelectorAll('.js-plotly-plot .main-svg').length >= {charted}",
                               timeout=60_000)
        assert refused == []
        assert page.evaluate("document.querySelectorAll('.js-plotly-plot').length") == charted
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "report_html.png"))
        pdf = page.pdf(format="A4", landscape=True, print_background=True)
        assert pdf.startswith(b"%PDF") and pdf.count(b"/Type /Page") > len(built.sections)
    finally:
        page.close()
