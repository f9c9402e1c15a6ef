"""What the page, browser and concurrency cases share: a scaled demo database to serve, a
working copy of it with an account whose password the benchmark knows, the pages to time and
the goals of issue #12 they are measured against.

The database is built once per scale into ``bench/data/`` and reused (``--db PATH`` names a
prebuilt one instead); the cases write sessions and audit rows, so they work on a copy and
never on the original.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"
USER, PASSWORD = "timer", "Page-Timing-2025!"

# url path -> navigation title; the pages the issue measures, heaviest first.
PAGES = {"vanguard": "先锋指数", "assessment": "支部考核", "org_life": "组织生活", "four_have": "四有工程",
         "": "总览", "tasks": "办实事", "survey": "问卷分析"}
HEAVIEST = "vanguard"
BASELINE_PAGE = "account"  # 我的账户: draws no data, so it times the app's own work per run


@dataclass(frozen=True)
class Goals:
    """Issue #12's targets at provincial scale, on two cores (seconds, bytes)."""

    server_cold: float = 0.5
    server_warm: float = 0.2
    first_chart: float = 1.5
    settled: float = 3.0
    viewers: int = 20
    viewers_median: float = 2.0
    viewers_worst: float = 4.0
    server_rss: int = 1 << 30


GOALS = Goals()


def goal_row(measure: str, value: float, goal: float, unit: str = "s") -> dict:
    """One line of the goals table ``python -m bench`` prints."""
    return {"measure": measure, "value": round(value, 3), "goal": goal, "unit": unit, "met": value <= goal}


def scaled_database(scale: int, given: str | None = None) -> Path:
    """The demo at ``scale`` (``given``: a prebuilt file of that scale), built into bench/data/ once."""
    if given:
        return Path(given)
    from analysis import demo

    path = DATA / f"demo{scale}.duckdb"
    if not path.exists():
        DATA.mkdir(exist_ok=True)
        partial = path.with_suffix(".building")
        partial.unlink(missing_ok=True)
        demo.build(partial, scale=scale)
        partial.rename(path)
    return path


@contextmanager
def working_copy(source: Path) -> Iterator[Path]:
    """A private copy of ``source`` with the benchmark's committee account; removed afterwards."""
    from tests.browser import demo_copy_with_user

    with tempfile.TemporaryDirectory(prefix="party-bench-") as workdir:
        yield demo_copy_with_user(source, Path(workdir), USER, PASSWORD)
