"""Statistical basics shared by every measure: the one Wilson interval.

Survey statistics (``analysis.survey``) and the rates of ``analysis.metrics`` (三会一课
compliance, attendance) both report proportions with this interval, so they agree to the last
digit. Imports only numpy/pandas at module level; statsmodels is loaded on first use (about 1 s).
"""

from __future__ import annotations

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
    computed by ``statsmodels.stats.proportion.proportion_confint(method="wilson")``.

    References
    ----------
    Wilson, E. B. (1927). Probable inference, the law of succession, and statistical inference.
    JASA 22(158), 209-212.
    """
    from statsmodels.stats.proportion import proportion_confint

    c = np.atleast_1d(np.asarray(count, dtype=float))
    m = np.atleast_1d(np.asarray(n, dtype=float))
    low = np.full(np.broadcast(c, m).shape, np.nan)
    high = low.copy()
    c, m = np.broadcast_arrays(c, m)
    ok = np.isfinite(c) & np.isfinite(m) & (m > 0)
    if ok.any():
        low[ok], high[ok] = proportion_confint(c[ok], m[ok], alpha=alpha, method="wilson")
    return np.clip(low, 0, 1), np.clip(high, 0, 1)
