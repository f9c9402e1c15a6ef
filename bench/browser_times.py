"""What a viewer waits for: each page in headless Chromium against the real server, from the
click in the navigation to the first chart drawn and to the page settled.

"Settled" is the moment of the page's last visible change: the script run is over (the app's
``data-test-script-state``) and neither its text, its height nor its number of drawn charts
has changed for a second since. Each page is visited twice and the second, warm visit is the
measurement (the issue's goals are for warm pages); the first, cold visit is reported beside
it. Baseline: 我的账户 (no charts, no tables), visited the same way.
"""

from __future__ import annotations

import time

from bench import Measurement, case
from bench.served import BASELINE_PAGE, GOALS, PAGES, PASSWORD, USER, goal_row, scaled_database, working_copy

QUIET_S = 1.0
POLL_S = 0.05
ACCOUNT_TITLE = "我的账户"

# Text length, height and charts drawn: what changes while a page is still arriving.
SNAPSHOT = """() => {
  const main = document.querySelector('[data-testid=stMain]');
  const charts = document.querySelectorAll('[data-testid=stPlotlyChart] .main-svg').length;
  return [main ? main.innerText.length : 0, main ? main.scrollHeight : 0, charts,
          document.querySelector('[data-testid=stApp]')?.getAttribute('data-test-script-state')];
}"""


def visit(page, title: str, timeout_s: float = 300) -> dict:
    """Click ``title`` in the navigation; seconds to the first chart (None: the page has none) and
    to the last change. A page that has not settled after ``timeout_s`` counts as ``timeout_s``
    with ``timed_out`` set."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    started = time.perf_counter()
    try:
        page.locator('[data-testid="stSidebarNav"]').get_by_text(title, exact=True).click(timeout=timeout_s * 1000)
    except PlaywrightTimeout:  # the tab is still busy drawing the page before
        return {"first_chart": None, "settled": timeout_s, "timed_out": True}
    first_chart = None
    last, changed, seen_running = None, started, False
    while time.perf_counter() - started < timeout_s:
        snapshot = page.evaluate(SNAPSHOT)
        now = time.perf_counter()
        seen_running |= snapshot[3] == "running"
        if first_chart is None and snapshot[2] > 0:  # 我的账户, visited before each page, has none
            first_chart = now - started
        if snapshot[:3] != last:
            last, changed = snapshot[:3], now
        # A run that was asked for may take a moment to start: "notRunning" counts once one was seen
        # (or after two seconds, for a page that needed no run of its own).
        finished = snapshot[3] == "notRunning" and (seen_running or now - started > 2)
        if finished and now - changed >= QUIET_S:
            return {"first_chart": first_chart, "settled": changed - started, "timed_out": False}
        time.sleep(POLL_S)
    return {"first_chart": first_chart, "settled": timeout_s, "timed_out": True}


def signed_in_tab(browser, url: str):
    """A new tab at ``url``, signed in as the benchmark's account (a cold page may take minutes)."""
    from tests.browser import signed_in_tab as tab

    return tab(browser, url, USER, PASSWORD, timeout_ms=1_800_000)


@case("browser", "each page in headless Chromium on the real server: first chart and settled, warm (--scale, --db)")
def measure(quick: bool = False, scale: int = 100, db: str | None = None) -> Measurement:
    from tests.browser import app_server, chromium

    source = scaled_database(1 if quick else scale, db)
    pages = [PAGES[p] for p in (list(PAGES)[:2] if quick else list(PAGES))]
    times: dict[str, dict] = {}
    with working_copy(source) as copy, app_server(copy) as url, chromium() as browser:
        page = signed_in_tab(browser, url)
        visit(page, ACCOUNT_TITLE)
        baseline = visit(page, ACCOUNT_TITLE)
        for title in pages:
            cold = visit(page, title)
            warm = cold
            if not cold["timed_out"] and not visit(page, ACCOUNT_TITLE)["timed_out"]:
                warm = visit(page, title)
            times[title] = {"cold": cold, "warm": warm}
            if warm["timed_out"] or visit(page, ACCOUNT_TITLE)["timed_out"]:
                # A tab still drawing cannot be navigated: start over in a new one.
                page.close()
                page = signed_in_tab(browser, url)
    goals = []
    for title, t in times.items():
        warm = t["warm"]
        if warm["first_chart"] is not None:
            goals.append(goal_row(f"{title} 浏览器 首图（热）", warm["first_chart"], GOALS.first_chart))
        goals.append(goal_row(f"{title} 浏览器 稳定（热）", warm["settled"], GOALS.settled))

    def shown(v: dict) -> str:
        chart = "no chart" if v["first_chart"] is None else f"first chart {v['first_chart']:.2f} s"
        return f"{chart}, not settled after {v['settled']:.0f} s" if v["timed_out"] else f"{chart}, settled {v['settled']:.2f} s"

    return Measurement(
        case="browser", seconds=max(t["warm"]["settled"] for t in times.values()),
        baseline=f"{BASELINE_PAGE} page settled", baseline_seconds=baseline["settled"],
        detail={"scale": 1 if quick else scale, **{f"{title} cold": shown(t["cold"]) for title, t in times.items()},
                **{f"{title} warm": shown(t["warm"]) for title, t in times.items()}, "goals": goals},
    )
