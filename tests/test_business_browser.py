"""The 党建+业务 page in headless Chromium at 1440×900: it renders, its quadrant is drawn, and the
screenshot (tests/screenshots/business_1440x900.png) is there for a person to look at."""

from __future__ import annotations

from tests.browser import (
    SHOTS,
    app_server,
    chromium,
    demo_copy_with_user,
    open_from_navigation,
    requires_chromium,
    signed_in_tab,
)

USER, PASSWORD = "biz", "Browser-Passw0rd!"

pytestmark = requires_chromium


def test_business_page_in_the_browser(demo_path, tmp_path):
    copy = demo_copy_with_user(demo_path, tmp_path, USER, PASSWORD)
    with app_server(copy) as url, chromium() as browser:
        page = signed_in_tab(browser, url, USER, PASSWORD)
        open_from_navigation(page, "党建+业务")
        quadrant = page.locator('[data-testid="stPlotlyChart"]').first
        quadrant.locator(".main-svg").first.wait_for(state="attached", timeout=30_000)
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "business_1440x900.png"))
        text = page.locator('[data-testid="stMain"]').inner_text()
        assert page.locator('[data-testid="stException"]').count() == 0
        assert "党建+业务" in text and "93%" in text and "不是因果" in text
        # 34 branches are drawn as points of the quadrant chart
        assert quadrant.locator(".scatterlayer .point").count() == 34
