"""Many viewers of the heaviest page at once, on one real server process.

Each viewer is a websocket session speaking Streamlit's protocol (tests/viewer.py), signed in
through the login form like a browser; twenty Chromium tabs would spend the two cores on
drawing and measure the browser instead of the server. All viewers ask for the page at the
same moment, twice: first with nothing computed yet (they share one computation of each
result), then again warm. A viewer's time runs from its request to the end of its run.
Memory is the server process's resident set, sampled through both rounds, and its peak.
Baseline: one viewer alone, warm, in the same run.
"""

from __future__ import annotations

import statistics
import threading
import time
from pathlib import Path

from bench import Measurement, case
from bench.served import GOALS, HEAVIEST, PAGES, PASSWORD, USER, goal_row, scaled_database, working_copy

WARM_UP_PAGE = "account"  # signed in and idle: the page the viewers wait on


def _memory_kib(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise LookupError(field)


class MemorySampler(threading.Thread):
    """The largest resident set of process ``pid`` seen while running (KiB)."""

    def __init__(self, pid: int, every_s: float = 0.1) -> None:
        super().__init__(daemon=True)
        self.pid, self.every_s, self.largest = pid, every_s, 0
        self._done = threading.Event()

    def run(self) -> None:
        while not self._done.is_set():
            self.largest = max(self.largest, _memory_kib(self.pid, "VmRSS"))
            time.sleep(self.every_s)

    def stop(self) -> int:
        self._done.set()
        self.join()
        return self.largest


def one_round(viewers: list, page: str) -> list[float]:
    """Every viewer opens ``page`` at the same moment; their seconds, in viewer order."""
    barrier = threading.Barrier(len(viewers))
    seconds: list[float] = [0.0] * len(viewers)
    failures: list[str] = []

    def view(index: int) -> None:
        barrier.wait()
        run = viewers[index].open(page)
        seconds[index] = run.seconds
        if run.exceptions or run.status != "FINISHED_SUCCESSFULLY":
            failures.append(f"viewer {index}: {run.status} {run.exceptions}")

    threads = [threading.Thread(target=view, args=(i,)) for i in range(len(viewers))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise RuntimeError("; ".join(failures))
    return seconds


@case("concurrency", "20 viewers of the heaviest page at once on one server: median, worst, server memory (--scale, --db)")
def measure(quick: bool = False, scale: int = 100, db: str | None = None, viewers: int = GOALS.viewers,
            page: str = HEAVIEST) -> Measurement:
    from tests.browser import app_process
    from tests.viewer import Viewer

    count = 3 if quick else viewers
    source = scaled_database(1 if quick else scale, db)
    with working_copy(source) as copy, app_process(copy, timeout=600) as (url, server):
        sessions = [Viewer(url, timeout=1800) for _ in range(count)]
        try:
            for session in sessions:
                session.sign_in(USER, PASSWORD)
                session.open(WARM_UP_PAGE)
            sampler = MemorySampler(server.pid)
            sampler.start()
            cold = one_round(sessions, page)
            for session in sessions:
                session.open(WARM_UP_PAGE)
            warm = one_round(sessions, page)
            largest_kib = sampler.stop()
            peak_kib = _memory_kib(server.pid, "VmHWM")
            sessions[0].open(WARM_UP_PAGE)
            alone = sessions[0].open(page).seconds
        finally:
            for session in sessions:
                session.close()
    title = PAGES[page]
    goals = [goal_row(f"{count} 人同时打开{title}（热）中位数", statistics.median(warm), GOALS.viewers_median),
             goal_row(f"{count} 人同时打开{title}（热）最慢", max(warm), GOALS.viewers_worst),
             goal_row(f"{count} 人期间服务器内存峰值", peak_kib / 1024, GOALS.server_rss / 2**20, unit="MiB")]
    return Measurement(
        case="concurrency", seconds=statistics.median(warm), baseline=f"one viewer of {title} alone, warm",
        baseline_seconds=alone,
        detail={"scale": 1 if quick else scale, "viewers": count,
                "cold round": f"median {statistics.median(cold):.2f} s, worst {max(cold):.2f} s",
                "warm round": f"median {statistics.median(warm):.2f} s, worst {max(warm):.2f} s",
                "server memory": f"largest sampled {largest_kib / 1024:.0f} MiB, peak (VmHWM) {peak_kib / 1024:.0f} MiB",
                "goals": goals},
    )
