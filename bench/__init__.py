"""Speed measurements, each against a baseline run in the same process: ``python -m bench``.

A case is a function in a module of this package, registered with ``@case``; it takes
``quick`` (a small size for smoke tests) and returns a ``Measurement``. ``python -m bench``
imports every module here, runs the chosen cases (all by default) and writes one JSON file per
case to ``bench/results/``. Adding a case is adding a module::

    from bench import Measurement, case

    @case("my_case", "what it measures, and against what")
    def my_case(quick: bool = False) -> Measurement:
        ...
"""

from __future__ import annotations

import importlib
import pkgutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Measurement:
    """One run of a case: its time, the baseline's time on the same input, and details.

    ratio is seconds / baseline_seconds (how many times slower than the baseline).
    """

    case: str
    seconds: float
    baseline: str
    baseline_seconds: float
    detail: dict = field(default_factory=dict)

    @property
    def ratio(self) -> float:
        return self.seconds / self.baseline_seconds if self.baseline_seconds else float("inf")

    def as_dict(self) -> dict:
        return {"case": self.case, "seconds": round(self.seconds, 4), "baseline": self.baseline,
                "baseline_seconds": round(self.baseline_seconds, 4), "ratio": round(self.ratio, 2), **self.detail}


@dataclass(frozen=True)
class Case:
    name: str
    description: str
    run: Callable[..., Measurement]


CASES: dict[str, Case] = {}


def case(name: str, description: str) -> Callable[[Callable[..., Measurement]], Callable[..., Measurement]]:
    """Register a benchmark function under ``name``."""

    def register(fn: Callable[..., Measurement]) -> Callable[..., Measurement]:
        if name in CASES:
            raise ValueError(f"benchmark case {name!r} registered twice")
        CASES[name] = Case(name, description, fn)
        return fn

    return register


def discover() -> dict[str, Case]:
    """Import every module of the package so that its cases register themselves."""
    for module in pkgutil.iter_modules(__path__):
        if not module.name.startswith("_"):
            importlib.import_module(f"{__name__}.{module.name}")
    return CASES


@contextmanager
def timer() -> Iterator[list[float]]:
    """``with timer() as t: ...`` then ``t[0]`` is the elapsed wall time in seconds."""
    out: list[float] = []
    started = time.perf_counter()
    try:
        yield out
    finally:
        out.append(time.perf_counter() - started)


# --- shared by the page-function cases: each compares our function with one raw SQL statement ---

REPEATS = 15


def best_of(fn: Callable[[], object], repeats: int = REPEATS) -> tuple[float, object]:
    """Best wall time of ``repeats`` calls after one warm-up call, and the warm-up's result."""
    result = fn()
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return min(times), result


def same_rows(ours, expected, columns: list[str]) -> bool:
    """True when both frames hold the same rows of ``columns`` in the same order: NULLs equal,
    numbers equal within 1e-9 (sums in another order differ in the last bits), dates as dates."""
    import datetime as dt
    import math

    import pandas as pd

    def plain(v):
        if v is None or (not isinstance(v, str) and pd.isna(v)):
            return None
        if isinstance(v, pd.Timestamp):
            return v.date()
        if isinstance(v, (bool, str, dt.date)):
            return v
        v = v.item() if hasattr(v, "item") else v
        return float(v) if isinstance(v, (int, float)) else v

    def equal(a, b) -> bool:
        if isinstance(a, float) and isinstance(b, float):
            return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)
        return a == b

    if len(ours) != len(expected):
        return False
    return all(
        equal(plain(a), plain(b))
        for row_a, row_b in zip(ours[columns].itertuples(index=False), expected[columns].itertuples(index=False))
        for a, b in zip(row_a, row_b)
    )


def demo_database(workdir, scale: int):
    """The demo at ``scale`` built in ``workdir``; PARTY_BENCH_DB names a prebuilt 10x copy to reuse."""
    import os
    from pathlib import Path

    from analysis import demo

    given = os.environ.get("PARTY_BENCH_DB")
    if given and scale == 10:
        return Path(given)
    path = Path(workdir) / f"demo{scale}.duckdb"
    demo.build(path, scale=scale)
    return path


def rows_case(name: str, description: str, baseline: str):
    """Register ``measure(con) -> list[dict]`` (dicts: case, ours_s, baseline_s, ratio), run on a
    read-only demo database (10x; 1x with --quick), as one case: seconds and baseline are the
    sums, each function's figures go into the detail."""

    def register(measure_on: Callable[..., list[dict]]) -> Callable[..., list[dict]]:
        def measure(quick: bool = False) -> Measurement:
            import tempfile

            import duckdb

            with tempfile.TemporaryDirectory() as workdir:
                con = duckdb.connect(str(demo_database(workdir, 1 if quick else 10)), read_only=True)
                try:
                    rows = measure_on(con)
                finally:
                    con.close()
            return Measurement(
                case=name, seconds=sum(r["ours_s"] for r in rows), baseline=baseline,
                baseline_seconds=sum(r["baseline_s"] for r in rows),
                detail={r["case"]: f"{r['ours_s'] * 1000:.1f} ms vs {r['baseline_s'] * 1000:.1f} ms ({r['ratio']:.2f}x)"
                        for r in rows},
            )

        case(name, description)(measure)
        return measure_on

    return register
