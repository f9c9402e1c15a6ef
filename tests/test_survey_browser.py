"""The 问卷分析 page in headless Chromium at 1440×900: the 效度分析 tab opens, computes and draws its
scree plot; screenshots (tests/screenshots/survey_*.png) are there for a person to look at."""

from __future__ import annotations

from tests.browser import (
    SHOTS,
    app_server,
    chromium,
    demo_copy_with_user,
    open_from_navigation,
    requires_chromium,
    settle,
    signed_in_tab,
)

USER, PASSWORD = "surveyor", "Browser-Passw0rd!"

pytestmark = requires_chromium


def test_survey_toolbox_in_the_browser(demo_path, tmp_path):
    copy = demo_copy_with_user(demo_path, tmp_path, USER, PASSWORD)
    with app_server(copy) as url, chromium() as browser:
        page = signed_in_tab(browser, url, USER, PASSWORD)
        open_from_navigation(page, "问卷分析")
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "survey_1440x900.png"))
        assert "下载问卷默认报告（Word）" in page.locator('[data-testid="stMain"]').inner_text()
        page.get_by_role("tab", name="效度分析").click()
        settle(page)
        page.get_by_text("碎石图与平行分析").first.wait_for(timeout=30_000)
        page.get_by_text("平行分析建议保留").first.scroll_into_view_if_needed()
        page.wait_for_timeout(500)
        page.screenshot(path=str(SHOTS / "survey_validity_1440x900.png"))
        text = page.locator('[data-testid="stMain"]').inner_text()
        assert page.locator('[data-testid="stException"]').count() == 0
        assert "KMO" in text and "平行分析建议保留" in text
        page.get_by_role("tab", name="差异分析").click()
        settle(page)
        page.get_by_text("效应量").first.scroll_into_view_if_needed()
        page.wait_for_timeout(500)
        page.screenshot(path=str(SHOTS / "survey_scores_1440x900.png"))
        assert "效应量" in page.locator('[data-testid="stMain"]').inner_text()
