"""Issue #14 in the real browser: landing, filters that stay, drill-through, staying signed in, scope by URL.

The app is started as ``make run`` starts it (``streamlit run app.py``, with the cookie routes).
Screenshots of every page at 1440×900 and 390×844 and the overview's print PDF land in
tests/screenshots/ (git-ignored) for a person to look at.
"""

from __future__ import annotations

import re

import duckdb
import pytest

from analysis import db
from analysis.access import auth
from analysis.scope import Scope
from tests.browser import SHOTS, app_server, chromium, demo_copy_with_user, requires_chromium, settle, sign_in

COMMITTEE, SECRETARY, PASSWORD = "leader", "shuji", "Browser-Passw0rd!"
OWN = "B01"  # the secretary's branch
PAGES = {"总览": "overview", "先锋指数": "vanguard", "支部考核": "assessment", "四有工程": "four_have",
         "组织生活": "org_life", "办实事": "tasks", "支部画像": "profile", "党建+业务": "business", "问卷分析": "survey",
         "汇报材料": "report", "数据导入": "data_import", "账户与审计": "admin", "我的账户": "account"}

pytestmark = requires_chromium


def _database(demo_path, workdir):
    copy = demo_copy_with_user(demo_path, workdir, COMMITTEE, PASSWORD)
    con = db.open_database(copy)
    try:
        auth.create_user(con, username=SECRETARY, display_name="支部书记", role="secretary", unit_id=OWN,
                         password=PASSWORD, actor=Scope.committee(), must_change_password=False)
    finally:
        con.close()
    return copy


OUTSIDE: set[str] = set()  # member names outside the secretary's branch, read before the server holds the file


@pytest.fixture(scope="module")
def database(demo_path, tmp_path_factory):
    path = _database(demo_path, tmp_path_factory.mktemp("leader"))
    OUTSIDE.update(names_outside(path, OWN))
    return path


@pytest.fixture(scope="module")
def server(database):
    with app_server(database) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    with chromium() as browser:
        yield browser


@pytest.fixture()
def context(browser):
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN")
    yield context
    context.close()


def signed_in(context, server, username, path="/"):
    page = context.new_page()
    # The first page of a fresh server is its root: until a script run has declared the
    # navigation, Streamlit serves a deep link from pages/ directly (see README).
    page.goto(server + "/", wait_until="domcontentloaded")
    if path != "/":
        page.goto(server + path, wait_until="domcontentloaded")
    sign_in(page, username, PASSWORD)
    # attached: at 390 px the sidebar (and its navigation) starts collapsed
    page.wait_for_selector('[data-testid="stSidebarNav"]', timeout=60_000, state="attached")
    settle(page)
    return page


def main_text(page) -> str:
    return page.locator('[data-testid="stMain"]').inner_text()


def go(page, title: str) -> None:
    page.locator('[data-testid="stSidebarNav"]').get_by_text(title, exact=True).click()
    page.wait_for_function(f"() => document.querySelector('[data-testid=stMain] h1')?.innerText.includes({title[:2]!r})"
                           if title != "支部考核" else
                           "() => document.querySelector('[data-testid=stMain] h1')?.innerText.includes('量化考核')",
                           timeout=60_000)
    settle(page)


def names_outside(database, unit: str) -> set[str]:
    con = duckdb.connect(str(database), read_only=True)
    try:
        # Names only outside: a name shared with a member of the unit may be shown.
        return {r[0] for r in con.execute(
            "SELECT name FROM member WHERE branch_id <> $unit EXCEPT SELECT name FROM member WHERE branch_id = $unit",
            {"unit": unit}).fetchall()}
    finally:
        con.close()


def test_secretary_lands_on_own_branch(context, server):
    page = signed_in(context, server, SECRETARY)
    assert "unit=B01" in page.url
    assert main_text(page).count("心血管内科党支部") >= 1
    assert page.locator('[data-testid="stSidebar"]').get_by_text("全院对比").count() == 1
    # The filters come before the page list in the sidebar.
    filters_top = page.locator(".st-key-filters").bounding_box()["y"]
    nav_top = page.locator('[data-testid="stSidebarNav"]').bounding_box()["y"]
    assert filters_top < nav_top


def test_filters_kept_across_pages_and_restored_from_url(context, browser, server):
    page = signed_in(context, server, COMMITTEE)
    page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]').first.click()
    page.get_by_role("option", name="外科党总支").click()
    settle(page)
    for title in ("先锋指数", "支部考核", "办实事"):
        go(page, title)
        assert "外科党总支" in main_text(page), title
        assert re.search(r"unit=G\d\d", page.url), page.url
    shared = page.url.replace("from=2025Q1", "from=2024Q2")
    other = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN")
    try:
        opened = other.new_page()
        opened.goto(server + "/", wait_until="domcontentloaded")
        opened.goto(shared, wait_until="domcontentloaded")
        sign_in(opened, COMMITTEE, PASSWORD)
        opened.wait_for_selector('[data-testid="stSidebarNav"]', timeout=60_000)
        settle(opened)
        text = main_text(opened)
        assert "办实事" in text and "外科党总支" in text and "2024年第2季度" in text
    finally:
        other.close()


def test_click_on_ranking_bar_opens_profile(context, server):
    page = signed_in(context, server, COMMITTEE)
    go(page, "支部考核")
    chart = page.locator('[data-testid="stPlotlyChart"]').first
    bar = chart.locator(".bars .point path").nth(2)
    bar.scroll_into_view_if_needed()
    box = bar.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_function("() => document.querySelector('[data-testid=stMain] h1')?.innerText.startsWith('支部画像')",
                           timeout=60_000)
    settle(page)
    assert "id=B" in page.url
    text = main_text(page)
    for section in ("排名与趋势", "失分指标", "三会一课", "表扬与需关注"):
        assert section in text


def test_reload_keeps_session_logout_ends_it(context, server):
    page = signed_in(context, server, COMMITTEE)
    cookies = {c["name"]: c for c in context.cookies()}
    assert cookies["party_session"]["httpOnly"] and cookies["party_session"]["sameSite"] == "Strict"
    assert cookies["party_session"]["value"] not in page.url
    page.reload(wait_until="domcontentloaded")
    page.wait_for_selector('[data-testid="stSidebarNav"]', timeout=60_000)
    page.get_by_role("button", name="退出登录").click()
    page.get_by_label("密码").wait_for(timeout=30_000)
    page.wait_for_timeout(1500)
    page.reload(wait_until="domcontentloaded")
    page.get_by_label("密码").wait_for(timeout=30_000)
    settle(page)
    assert page.locator('[data-testid="stSidebarNav"]').count() == 0
    assert "party_session" not in {c["name"] for c in context.cookies()}


def test_idle_timeout_ends_a_remembered_session(demo_path, tmp_path, browser):
    config = tmp_path / "hospital.toml"
    config.write_text("[security.login]\nidle_minutes = 0.1\n", encoding="utf-8")
    database = _database(demo_path, tmp_path)
    with app_server(database, env={"PARTY_DASHBOARD_CONFIG": str(config)}) as url:
        context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN")
        try:
            page = signed_in(context, url, COMMITTEE)
            assert "party_session" in {c["name"] for c in context.cookies()}
            page.wait_for_timeout(8_000)  # idle 6 s
            page.reload(wait_until="domcontentloaded")
            page.get_by_label("密码").wait_for(timeout=30_000)
            settle(page)
            assert page.locator('[data-testid="stSidebarNav"]').count() == 0
        finally:
            context.close()


def test_secretary_url_naming_another_branch_shows_no_outside_name(context, server):
    forbidden = OUTSIDE
    assert len(forbidden) > 500
    page = signed_in(context, server, SECRETARY, "/vanguard?unit=B20&from=2025Q1&to=2025Q4")
    shown = [main_text(page)]
    for path in ("/profile?id=B20", "/org_life?unit=G03", "/profile?id=G02"):
        page.goto(server + path, wait_until="domcontentloaded")
        page.wait_for_selector('[data-testid="stSidebarNav"]', timeout=60_000)  # signed in again by the cookie
        settle(page)
        shown.append(main_text(page))
    assert "支部画像" in shown[1]
    for text in shown:
        leaked = sorted(name for name in forbidden if name in text)
        assert not leaked, leaked[:5]


def test_screenshots_print_and_chinese_chrome(browser, server):
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width, height in ((1440, 900), (390, 844)):
        context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN")
        try:
            page = signed_in(context, server, COMMITTEE)
            for title, name in PAGES.items():
                if width < 600:
                    page.goto(f"{server}/{name if name != 'overview' else ''}", wait_until="domcontentloaded")
                    page.wait_for_selector("[data-testid=stMain] h1", timeout=60_000)
                    settle(page)
                else:
                    go(page, title) if title != "总览" else None
                page.screenshot(path=str(SHOTS / f"leader_{name}_{width}.png"), full_page=True)
                assert page.locator('[data-testid="stException"]').count() == 0, name
                text = page.locator("body").inner_text()
                assert "Deploy" not in text
                if name == "data_import":
                    label = page.locator('[data-testid="stFileUploaderDropzone"] button p')
                    assert label.evaluate("p => getComputedStyle(p, '::after').content") == '"选择文件"'
                    assert label.evaluate("p => getComputedStyle(p).fontSize") == "0px"
            if width > 600:
                page.goto(server + "/", wait_until="domcontentloaded")
                page.wait_for_selector("[data-testid=stMain] h1", timeout=60_000)
                settle(page)
                page.emulate_media(media="print")
                assert page.locator('[data-testid="stSidebar"]').is_hidden()
                page.pdf(path=str(SHOTS / "leader_overview_print.pdf"), format="A4", landscape=True, print_background=True)
                page.emulate_media(media="screen")
                # Only the PNG download is left on a chart's toolbar, and it says so in Chinese.
                chart = page.locator('[data-testid="stPlotlyChart"]').first
                chart.hover()
                visible = chart.locator(".modebar-btn:visible")
                assert visible.count() == 1
                tooltip = visible.first.evaluate("b => getComputedStyle(b, '::after').content")
                assert "下载为 PNG 图片" in tooltip
        finally:
            context.close()


def test_cookie_routes_refuse_bad_codes_and_other_sites(server):
    import urllib.error
    import urllib.request

    def post(path: str, body: bytes, headers: dict | None = None) -> int:
        request = urllib.request.Request(server + path, data=body, method="POST", headers=headers or {})
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code

    assert post("/api/session/bind", b"guessed-code") == 400
    assert post("/api/session/bind", b"guessed-code", {"Origin": "http://evil.example"}) == 403
    assert post("/api/session/clear", b"", {"Origin": "http://evil.example"}) == 403
    assert post("/api/session/clear", b"") == 204


def test_a_deep_link_on_a_freshly_started_server_opens_its_page_in_the_app(database, browser, tmp_path):
    # A server of its own, so that the deep link is the first request it ever serves: before
    # the fix that run listed pages/ file names in the sidebar and, after signing in, ran the
    # page file bare, without the app's navigation and account box.
    import shutil

    fresh = tmp_path / "fresh.duckdb"
    shutil.copy(database, fresh)
    with app_server(fresh) as url:
        page = browser.new_page(viewport={"width": 1440, "height": 900}, locale="zh-CN")
        try:
            page.goto(f"{url}/vanguard?unit=B05", wait_until="domcontentloaded")
            page.get_by_label("用户名").wait_for(timeout=60_000)
            sidebar = page.locator('[data-testid="stSidebar"]')
            assert sidebar.count() == 0 or not re.search(r"\b(dashboard|vanguard|org life)\b", sidebar.inner_text())
            sign_in(page, COMMITTEE, PASSWORD)
            page.wait_for_selector('[data-testid="stSidebarNav"]', timeout=60_000)
            settle(page)
            assert "退出登录" in page.inner_text('[data-testid="stSidebar"]')
            assert page.get_by_role("heading", name="党员先锋指数").count() == 1
            assert "unit=B05" in page.url
        finally:
            page.close()
