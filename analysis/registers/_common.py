"""What the register modules share: shares with intervals."""

from __future__ import annotations

import pandas as pd

from analysis.stats import wilson_interval


def with_share(frame: pd.DataFrame, *, count: str, n: str) -> pd.DataFrame:
    """``frame`` with pct = 100 * count / n and its 95 % Wilson interval (ci_low, ci_high; NaN when n is 0)."""
    counts = frame[count].to_numpy(dtype=float)
    totals = frame[n].to_numpy(dtype=float)
    low, high = wilson_interval(counts, totals)
    with_n = totals > 0
    pct = pd.Series(100 * counts / totals.clip(min=1), index=frame.index).where(with_n)
    return frame.assign(pct=pct, ci_low=pd.Series(100 * low, index=frame.index).where(with_n),
                        ci_high=pd.Series(100 * high, index=frame.index).where(with_n))
