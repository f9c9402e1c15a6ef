"""总览: the home page's figures for a period, gathered from the analysis modules."""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pandas as pd

from . import assessment, org, periods, tasks, vanguard
from . import config as config_mod
from .scope import Scope


@dataclass(frozen=True)
class Overview:
    period_end: str
    headcount: org.Headcount
    vanguard_trend: pd.DataFrame
    assessment_trend: pd.DataFrame
    review: pd.DataFrame
    completion: tasks.Completion
    completion_trend: pd.DataFrame

    @property
    def latest_vanguard(self) -> pd.Series | None:
        """The last quarter of the period with index data (qoq/yoy may be NaN)."""
        return None if self.vanguard_trend.empty else self.vanguard_trend.iloc[-1]


def overview(
    con: duckdb.DuckDBPyConnection,
    *,
    scope: Scope,
    first: str,
    last: str,
    unit: str | None = None,
    cfg: config_mod.Config | None = None,
) -> Overview:
    """Everything the 总览 page shows for quarters ``first``..``last`` under ``unit``."""
    cfg = cfg or config_mod.load()
    end = periods.bounds(last)[1]
    quarters = periods.quarter_range(first, last)
    return Overview(
        period_end=last,
        headcount=org.headcount(con, scope=scope, unit=unit, as_of=end),
        vanguard_trend=vanguard.hospital_trend(con, scope=scope, first=first, last=last, unit=unit, cfg=cfg),
        assessment_trend=assessment.total_trend(con, scope=scope, first=first, last=last, unit=unit),
        review=assessment.quarter_review(con, scope=scope, quarter=last, unit=unit, cfg=cfg),
        completion=tasks.completion(con, scope=scope, as_of=end, unit=unit),
        completion_trend=tasks.completion_trend(con, scope=scope, quarters=quarters, unit=unit),
    )
