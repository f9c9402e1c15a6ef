"""End to end: the real app on a loopback port, signed in, every page opened in headless Chromium.

Screenshots land in tests/screenshots/ (git-ignored) for a person to look at.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from tests.browser import ROOT, SHOTS, app_server, chromium, demo_copy_with_user, requires_chromium, settle, sign_in

USER, PASSWORD = "e2e", "Browser-Passw0rd!"
DATABASES: dict[str, Path] = {}  # server url -> the database file it serves
XSS = "<script>window.__xss=1</script><img src=x onerror='window.__xss=2'>"
# navigation title -> screenshot name; every page a committee member can open
PAGES = {"总览": "overview", "先锋指数": "vanguard", "支部考核": "assessment", "四有工程": "four_have",
         "组织生活": "org_life", "办实事": "tasks", "党建+业务": "business", "问卷分析": "survey", "汇报材料": "report",
         "数据导入": "data_import", "账户与审计": "admin", "我的账户": "account",
         # Last: full-screen mode hides the sidebar and its navigation.
         "大屏展示": "present"}

pytestmark = requires_chromium


@pytest.fixture(scope="module")
def server(demo_path, tmp_path_factory):
    copy = demo_copy_with_user(demo_path, tmp_path_factory.mktemp("e2e"), USER, PASSWORD)
    # The weakest branch of the demo (always on the overview's watch list) gets a hostile name.
    con = duckdb.connect(str(copy))
    con.execute("UPDATE org_unit SET name = ? || name WHERE unit_id = 'B18'", [XSS])
    con.close()
    with app_server(copy) as url:
        DATABASES[url] = copy
        yield url


@pytest.fixture(scope="module")
def browser():
    with chromium() as browser:
        yield browser


@pytest.fixture(scope="module")
def page(server, browser):
    page = browser.new_page(viewport={"width": 1440, "height": 1800}, locale="zh-CN")
    page.goto(server, wait_until="domcontentloaded")
    sign_in(page, USER, PASSWORD)
    page.wait_for_selector('[data-testid="stSidebarNav"]', timeout=30_000)
    yield page
    page.close()


def test_hostile_branch_name_is_shown_as_text(page):
    page.locator('[data-testid="stSidebarNav"]').get_by_text("总览", exact=True).click()
    page.wait_for_selector('[data-testid="stMainBlockContainer"] h1', timeout=30_000)
    # The name must arrive as literal text (the watch list of the overview shows it) ...
    page.wait_for_function(
        "() => document.querySelector('[data-testid=\"stMain\"]').innerText.includes('<script>window.__xss=1</script>')",
        timeout=30_000,
    )
    settle(page)
    # ... and neither the script nor the image's onerror handler may have run.
    assert page.evaluate("window.__xss") is None


def test_anonymous_visitor_sees_only_the_login_form(server, browser):
    anonymous = browser.new_page()
    try:
        anonymous.goto(f"{server}/vanguard", wait_until="domcontentloaded")
        anonymous.get_by_label("密码").wait_for(timeout=30_000)
        settle(anonymous)
        text = anonymous.locator('[data-testid="stMain"]').inner_text()
        assert "党员先锋指数" not in text and "比较层级" not in text
        assert anonymous.locator('[data-testid="stException"]').count() == 0
    finally:
        anonymous.close()


def test_cli_import_while_the_app_holds_the_database(server, page, tmp_path):
    """The running app owns the file; the CLI queues the import and the app applies it."""
    database = DATABASES[server]
    csv = tmp_path / "新增办实事.csv"
    csv.write_text("任务编号,任务名称,责任支部,类别,状态,开始日期,计划完成日期,实际完成日期\n"
                   "T90,端到端测试新增事项,B01,便民服务,已完成,2025-03-01,2025-06-30,2025-05-20\n", encoding="utf-8-sig")
    done = subprocess.run([sys.executable, "-m", "analysis", "import", str(csv), "--db", str(database),
                           "--timeout", "60"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    # The app shows the new data without a restart: 20 of 27 tasks done.
    page.locator('[data-testid="stSidebarNav"]').get_by_text("总览", exact=True).click()
    page.wait_for_function(
        "() => document.querySelector('[data-testid=stMain]').innerText.includes('74.07%')", timeout=30_000)


# Last in the file: it ends on the full-screen page, whose hidden sidebar the tests above need.
@pytest.mark.parametrize("title", list(PAGES))
def test_page_renders_without_exception(page, title):
    page.locator('[data-testid="stSidebarNav"]').get_by_text(title, exact=True).click()
    page.wait_for_selector('[data-testid="stMainBlockContainer"] h1', timeout=30_000)
    settle(page)
    charts = page.locator('[data-testid="stPlotlyChart"]')
    for index in range(charts.count()):
        charts.nth(index).locator(".main-svg").first.wait_for(state="attached", timeout=30_000)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{PAGES[title]}.png"), full_page=True)
    exceptions = page.locator('[data-testid="stException"]')
    assert exceptions.count() == 0, exceptions.first.inner_text()
    assert "演示数据" in page.locator('[data-testid="stSidebar"]').inner_text()
