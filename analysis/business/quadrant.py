"""The quadrant: each branch placed by its Party score and its department results, both as
percentile ranks among the branches, and the four quadrants named for what to do about them."""

from __future__ import annotations

import datetime as dt

import duckdb
import numpy as np
import pandas as pd

from analysis import config as config_mod
from analysis.business.panel import (
    PERFORMANCE_PREFIX,
    checked_panel,
    for_viewer,
    party_measure,
    percentile_rank,
    usual_types,
)
from analysis.scope import Scope

QUADRANTS: dict[str, tuple[str, str]] = {
    "both_strong": ("双强", "总结经验，示范推广"),
    "party_strong": ("党建强、业务弱", "以党建带业务，查找业务短板"),
    "business_strong": ("业务强、党建弱", "补齐党建短板，防止“两张皮”"),
    "both_weak": ("双弱", "列入重点帮扶，党建业务一起抓"),
}
"""Quadrant key -> (name, suggested action), in display order."""

SPLIT = 50.0  # percentile at which a branch counts as strong (the median)
COMPOSITE_MIN = 2  # indicators a branch needs for the composite business score


def quadrant_table(frame: pd.DataFrame, *, party: str, indicator: str | None, cfg: config_mod.Config) -> pd.DataFrame:
    """The quadrant of every branch of a ``panel`` frame (see :func:`quadrant` for the columns).

    Returns
    -------
    The rows of :func:`quadrant`.
    """
    party_measure(party)
    catalogue = cfg.business.indicators
    chosen = catalogue if indicator is None else (cfg.business.indicator(indicator),)
    chosen = [item for item in chosen if PERFORMANCE_PREFIX + item.id in frame]
    means = frame.groupby("branch_id").agg(
        branch_name=("branch_name", "first"), general_branch_name=("general_branch_name", "first"),
        party=(party, "mean"), quarters=(party, "count"),
        **{item.id: (PERFORMANCE_PREFIX + item.id, "mean") for item in chosen})
    means.insert(2, "department_type", usual_types(frame).reindex(means.index))
    # Each indicator as a percentile among the branches reporting it, 100 = best either way.
    places = pd.DataFrame({item.id: percentile_rank(means[item.id] * (1 if item.higher_is_better else -1))
                           for item in chosen})
    if indicator is None:
        enough = places.notna().sum(axis=1) >= COMPOSITE_MIN
        business = places.mean(axis=1).where(enough)
    else:
        business = means[indicator]
    table = means[["branch_name", "general_branch_name", "department_type", "quarters", "party"]].assign(
        business=business, indicators=places.notna().sum(axis=1)).dropna(subset=["party", "business"])
    direction = 1 if indicator is None or cfg.business.indicator(indicator).higher_is_better else -1
    table["party_pct"] = percentile_rank(table["party"])
    table["business_pct"] = percentile_rank(table["business"] * direction)
    for column in ("party", "business"):
        spread = table[column].std()
        table[f"{column}_z"] = (table[column] - table[column].mean()) / spread if spread > 0 else np.nan
    table["business_z"] *= direction
    strong_party, strong_business = table["party_pct"] >= SPLIT, table["business_pct"] >= SPLIT
    table["quadrant"] = np.select(
        [strong_party & strong_business, strong_party, strong_business], list(QUADRANTS)[:3], list(QUADRANTS)[3])
    table["quadrant_name"] = table["quadrant"].map(lambda q: QUADRANTS[q][0])
    table["suggestion"] = table["quadrant"].map(lambda q: QUADRANTS[q][1])
    order = {key: i for i, key in enumerate(QUADRANTS)}
    table = table.reset_index().sort_values(
        ["quadrant", "party_pct"], key=lambda s: s.map(order) if s.name == "quadrant" else -s, ignore_index=True)
    return table[["branch_id", "branch_name", "general_branch_name", "department_type", "quarters", "indicators", "party",
                  "business", "party_pct", "business_pct", "party_z", "business_z", "quadrant", "quadrant_name", "suggestion"]]


def quadrant(
    con: duckdb.DuckDBPyConnection,
    *,
    scope: Scope,
    first: str,
    last: str,
    party: str = "assessment",
    indicator: str | None = None,
    unit: str | None = None,
    as_of: dt.date | None = None,
    cfg: config_mod.Config | None = None,
) -> pd.DataFrame:
    """Each branch by Party score and department results over the range, in four quadrants.

    Parameters
    ----------
    party : a key of ``PARTY_MEASURES``.
    indicator : a configured department indicator id, or None for the composite (the mean of
        the branch's percentiles over the indicators it reports, at least ``COMPOSITE_MIN``).
    first, last, unit, as_of : as for ``panel``; percentiles are among the branches under ``unit``.

    Returns
    -------
    One row per branch with both scores, by quadrant (``QUADRANTS`` order) then Party
    percentile descending: branch_id, branch_name, general_branch_name (pseudonyms and empty
    for researchers), department_type, quarters (quarters with the Party score), indicators
    (indicators behind the business score), party (mean Party score), business (mean of the
    indicator in its unit, or the composite percentile), party_pct, business_pct (percentile
    among the branches, 100 = best; for a lower-is-better indicator the lowest value ranks
    best), party_z, business_z (standardised; business_z turned the same way), quadrant (a key
    of ``QUADRANTS``), quadrant_name, suggestion (what to do).

    Notes
    -----
    percentile = 100 · (rank − 0.5) / n with ties averaged; a branch is strong on an axis at
    or above the median (percentile ≥ 50). The quadrant describes; it does not explain.
    """
    frame, cfg = checked_panel(con, scope=scope, first=first, last=last, unit=unit, as_of=as_of, cfg=cfg)
    return quadrant_table(for_viewer(con, scope, frame), party=party, indicator=indicator, cfg=cfg)

