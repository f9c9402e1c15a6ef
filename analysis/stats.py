"""Statistical basics shared by every measure: the one Wilson interval.

Survey statistics (``analysis.survey``) and the rates of ``analysis.metrics`` (三会一课
compliance, attendance) both report proportions with this interval, so they agree to the last
digit. Imports only numpy and the standard library: importing statsmodels for this formula
cost a page's first run about 0.85 s (the 组织生活 page at 100x: a third of its cold run).
"""

from __future__ import annotations

from statistics import NormalDist
from typing import Any

import numpy as np


def wilson_interval(count: Any, n: Any, *, alpha: float = 0.05) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval of the proportion ``count / n``, element-wise.

    Parameters
    ----------
    count, n : array-like of numbers (or scalars); non-numeric values count as missing.
    alpha : 1 - confidence level (0.05 gives a 95% interval).

    Returns
    -------
    (low, high): float arrays of proportions in [0, 1]; NaN where ``n`` is 0 or missing.

    Notes
    -----
    centre = (p + z²/2n) / (1 + z²/n), half-width = z·sqrt(p(1-p)/n + z²/4n²) / (1 + z²/n),
    with z the standard normal quantile of 1 - alpha/2: the formula of
    ``statsmodels.stats.proportion.proportion_confint(method="wilson")``, which the tests
    compare it with.

    References
    ----------
    Wilson, E. B. (1927). Probable inference, the law of succession, and statistical inference.
    JASA 22(158), 209-212.
    """
    c = np.atleast_1d(np.asarray(count, dtype=float))
    m = np.atleast_1d(np.asarray(n, dtype=float))
    low = np.full(np.broadcast(c, m).shape, np.nan)
    high = low.copy()
    c, m = np.broadcast_arrays(c, m)
    ok = np.isfinite(c) & np.isfinite(m) & (m > 0)
    if ok.any():
        z = NormalDist().inv_cdf(1 - alpha / 2)
        p, k = c[ok] / m[ok], m[ok]
        denominator = 1 + z**2 / k
        centre = (p + z**2 / (2 * k)) / denominator
        half_width = z * np.sqrt(p * (1 - p) / k + z**2 / (4 * k**2)) / denominator
        # At p = 0 (or 1) the bound is exactly 0 (or 1), not the float residue of centre - half_width.
        low[ok] = np.where(p == 0, 0.0, centre - half_width)
        high[ok] = np.where(p == 1, 1.0, centre + half_width)
    return np.clip(low, 0, 1), np.clip(high, 0, 1)
