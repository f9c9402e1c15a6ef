"""What every section builder shares: the build ``Context``, the ``Built`` result, the plain
names of the data sources, and the helpers that write numbers into titles and chart series."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterable
from typing import Any

import duckdb
import pandas as pd

from analysis import config as config_mod
from analysis import periods
from analysis.formatting import fixed, half_up
from analysis.report.model import Call, Finding, Period, Table, number
from analysis.scope import Scope

# A section builder's result: (findings, tables, notes). Tables are listed once, in the section
# that first needs them; a note says what was left out and why.
Built = tuple[list[Finding], list[Table], list[str]]
# One finding with its table, or None when the data has nothing to say.
Part = tuple[Finding, Table] | None

# Where the numbers come from, as a 党办 names the records (footers, notes, table sources).
SOURCES = {
    "org": "党组织和党员名册",
    "vanguard": "党员先锋指数季度评分",
    "assessment": "党支部季度考核表",
    "four_have": "“四有”工程评分表",
    "meetings": "三会一课记录",
    "activities": "党建活动记录",
    "tasks": "“我为群众办实事”项目台账",
    "survey": "问卷调查",
    "business": "科室业绩指标与科室—支部对应表",
}


class Context:
    """What every section builder needs, and a memo of the analysis calls made."""

    def __init__(self, con: duckdb.DuckDBPyConnection, scope: Scope, period: Period, unit: str | None,
                 unit_label: str, level: str, cfg: config_mod.Config, today: dt.date) -> None:
        self.con, self.scope, self.period, self.unit = con, scope, period, unit
        self.unit_label, self.level, self.cfg = unit_label, level, cfg
        # 组织生活 is judged as of the period's end, or today while the period is still running.
        self.as_of = min(today, period.end)
        self.calls: list[Call] = []
        self._memo: dict[tuple, Any] = {}

    def call(self, fn: Callable[..., Any], **kwargs: Any) -> Any:
        """``fn(con, scope=scope, **kwargs)``, once per distinct call (sections share results)."""
        key = (fn.__module__, fn.__qualname__, repr(sorted(kwargs.items())))
        if key not in self._memo:
            self._memo[key] = fn(self.con, scope=self.scope, **kwargs)
            self.calls.append(Call(fn, dict(kwargs)))  # only calls that returned
        return self._memo[key]

    @property
    def prefix(self) -> str:
        """The unit's name before a statement, empty for the whole hospital."""
        return "" if self.unit is None else self.unit_label


def gather(parts: Iterable[Part]) -> tuple[list[Finding], list[Table]]:
    """The findings and tables of the parts that have something to say, in order."""
    present = [part for part in parts if part is not None]
    return [finding for finding, _ in present], [tbl for _, tbl in present]


def source_of(*kinds: str) -> str:
    """The data behind a finding or table in plain Chinese: ``source_of("meetings", "activities")``
    is '三会一课记录、党建活动记录' (keys of ``SOURCES``)."""
    return "、".join(SOURCES[kind] for kind in kinds)


def quarter_axis(quarters: Iterable[str]) -> tuple[str, ...]:
    """A chart's categories for these quarters ('第4季度', the year under each first quarter)."""
    return tuple(periods.axis_labels(list(quarters)))


def falling(value: Any, decimals: int = 1) -> bool:
    """Whether a change is a fall as shown (rounded to ``decimals``): -0.04 is 持平, not a fall."""
    v = number(value)
    return v is not None and half_up(v, decimals) < 0


def number_text(value: Any, decimals: int = 1, suffix: str = "") -> str:
    """'86.9' ('—' without a value)."""
    v = number(value)
    return "—" if v is None else f"{fixed(v, decimals, grouping=True)}{suffix}"


def change_text(value: Any, decimals: int = 1, unit: str = "") -> str:
    """'上升 1.0' / '下降 0.3' / '持平' (rounded as shown); '' without a value."""
    v = number(value)
    if v is None:
        return ""
    shown = half_up(v, decimals)
    if shown == 0:
        return "持平"
    return f"{'上升' if shown > 0 else '下降'} {abs(shown):.{decimals}f}{unit}"


def column_values(frame: pd.DataFrame, column: str) -> tuple[float | None, ...]:
    """A chart series from a frame's column (None for missing and suppressed values)."""
    return tuple(number(v) for v in frame[column])


def axis_min(series_values: Iterable[Iterable[float | None]], *, pad: float = 3, step: float = 5,
             lowest: float = 0) -> float:
    """A value-axis minimum below the data (scores of 80-99 drawn from 0 would all look alike)."""
    values = [v for values in series_values for v in values if v is not None]
    return max(lowest, math.floor((min(values) - pad) / step) * step) if values else lowest
