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
from dataclasses import dataclass, field
from typing import Callable, Iterator
from contextlib import contextmanager


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
