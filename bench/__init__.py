"""Speed measurements, each against a baseline run in the same process: ``python -m bench``.

A case is a function in a module of this package, registered with ``@case``; it takes
``quick`` (a small size for smoke tests) and returns a ``Measurement``. ``python -m bench``
imports every module here, runs the chosen cases (all by default) and writes one JSON file per
case to ``bench/results/``. ``--scale N`` (``settings.scale``, default 10) chooses the demo
the page-function cases read (:func:`demo_database`). Adding a case is adding a module::

    from bench import Measurement, case

    @case("my_case", "what it measures, and against what")
    def my_case(quick: bool = False) -> Measurement:
        ...
"""

from __future__ import annotations

import importlib
import os
import pkgutil
import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


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


@dataclass
class Settings:
    """Choices of one ``python -m bench`` run: the demo scale the page-function cases read."""

    scale: int = 10


settings = Settings()


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


def best_of(fn: Callable[[], object], repeats: int = REPEATS, budget_s: float | None = None) -> tuple[float, object]:
    """Best wall time of ``repeats`` calls after one warm-up call, and the warm-up's result.

    With ``budget_s``, stop repeating (after at least three calls) once the calls took that long:
    a pandas baseline of several seconds at 100x need not run fifteen times.
    """
    return best_of_each({"": fn}, repeats, budget_s)[""]


def best_of_each(fns: dict[str, Callable[[], object]], repeats: int = REPEATS,
                 budget_s: float | None = None) -> dict[str, tuple[float, object]]:
    """:func:`best_of` for several calls timed in turns: each round calls each of ``fns`` once.

    A ratio of two calls timed one after the other moves with the machine's speed between them
    (here the same statement ran 15 ms in one minute and 21 ms in the next); timed in turns, both
    sides meet the same moments.

    Returns
    -------
    name -> (best wall time, the warm-up call's result).
    """
    results = {name: fn() for name, fn in fns.items()}
    times: dict[str, list[float]] = {name: [] for name in fns}

    def wanted(name: str) -> bool:
        spent = times[name]
        return len(spent) < repeats and not (budget_s and len(spent) >= 3 and sum(spent) > budget_s)

    # Each round in another order (fixed seed): a call right after a heavy one (pandas over
    # millions of rows) finds the caches cold, and no call should always be the one after it.
    order = random.Random(0)
    while pending := [name for name in fns if wanted(name)]:
        order.shuffle(pending)
        for name in pending:
            started = time.perf_counter()
            fns[name]()
            times[name].append(time.perf_counter() - started)
    return {name: (min(times[name]), results[name]) for name in fns}


def same_rows(ours, expected, columns: list[str]) -> bool:
    """True when both frames hold the same rows of ``columns`` in the same order: NULLs equal,
    numbers equal within 1e-9 (sums in another order differ in the last bits), dates as dates,
    lists element by element."""
    import datetime as dt
    import math

    import numpy as np
    import pandas as pd

    def plain(v):
        if isinstance(v, (list, tuple, np.ndarray)):
            return tuple(plain(x) for x in v)
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
        if isinstance(a, tuple) and isinstance(b, tuple):
            return len(a) == len(b) and all(equal(x, y) for x, y in zip(a, b))
        return a == b

    if len(ours) != len(expected):
        return False
    return all(
        equal(plain(a), plain(b))
        for row_a, row_b in zip(ours[columns].itertuples(index=False), expected[columns].itertuples(index=False))
        for a, b in zip(row_a, row_b)
    )


def demo_database(scale: int) -> Path:
    """A demo database of ``scale`` campuses whose derived tables are current, to open read-only.

    $PARTY_BENCH_DB names the file to read (any scale, e.g. /work/scale/demo300.duckdb);
    otherwise bench/results/demo{scale}.duckdb, built on first use (100x: minutes) and reused.
    The file is opened read-write once first, which upgrades an older schema and rebuilds
    derived tables left stale.
    """
    from analysis import db, demo

    given = os.environ.get("PARTY_BENCH_DB")
    path = Path(given) if given else RESULTS / f"demo{scale}.duckdb"
    if given and not path.exists():
        raise FileNotFoundError(f"PARTY_BENCH_DB={given}: no such file")
    if not path.exists():
        RESULTS.mkdir(exist_ok=True)
        print(f"building the {scale}x demo into {path} (reused by later runs) ...", flush=True)
        demo.build(path, scale=scale)
    db.open_database(path).close()
    return path


def rows_case(name: str, description: str, baseline: str):
    """Register ``measure(con) -> list[dict]`` (dicts: case, ours_s, baseline_s, ratio), run on a
    read-only demo database (``settings.scale``; 1x with --quick), as one case: seconds and
    baseline are the sums, each function's figures go into the detail."""

    def register(measure_on: Callable[..., list[dict]]) -> Callable[..., list[dict]]:
        def measure(quick: bool = False) -> Measurement:
            import duckdb

            con = duckdb.connect(str(demo_database(1 if quick else settings.scale)), read_only=True)
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
