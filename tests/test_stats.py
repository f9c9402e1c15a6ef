"""The one Wilson interval (analysis/stats.py), checked by hand and against statsmodels."""

import math

import numpy as np
import pytest
from statsmodels.stats.proportion import proportion_confint

from analysis.stats import wilson_interval


def test_wilson_by_hand():
    # 19 of 26: p = 0.730769, z = 1.959964, z²/n = 0.147749
    # centre = (p + z²/2n) / (1 + z²/n) = 0.804643 / 1.147748 = 0.701063
    # half = z·sqrt(p(1-p)/n + z²/4n²) / (1 + z²/n)
    #      = 1.959964·sqrt(0.00756714 + 0.00142066) / 1.147748 = 0.185812 / 1.147748 = 0.161893
    low, high = wilson_interval(19, 26)
    assert low[0] == pytest.approx(0.701063 - 0.161893, abs=1e-5)
    assert high[0] == pytest.approx(0.701063 + 0.161893, abs=1e-5)


def test_wilson_matches_statsmodels_and_marks_empty_bases():
    count = np.array([0, 5, 12, 30, 3])
    n = np.array([10, 5, 40, 0, np.nan])
    low, high = wilson_interval(count, n)
    ref_low, ref_high = proportion_confint(count[:3], n[:3], method="wilson")
    np.testing.assert_allclose(low[:3], ref_low)
    np.testing.assert_allclose(high[:3], ref_high)
    assert math.isnan(low[3]) and math.isnan(high[4])
    assert low[0] == 0 and high[1] == pytest.approx(1.0)


@pytest.mark.parametrize("alpha", [0.05, 0.1, 0.01])
def test_wilson_matches_statsmodels_over_many_counts(alpha):
    # Every count of every n up to 60 (both ends included), at three confidence levels: our
    # closed form and statsmodels' agree to rounding; at 0 of n and n of n the bounds are exact.
    n = np.concatenate([np.full(k + 1, k) for k in range(1, 61)]).astype(float)
    count = np.concatenate([np.arange(k + 1) for k in range(1, 61)]).astype(float)
    low, high = wilson_interval(count, n, alpha=alpha)
    ref_low, ref_high = proportion_confint(count, n, alpha=alpha, method="wilson")
    np.testing.assert_allclose(low, ref_low, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(high, ref_high, rtol=1e-12, atol=1e-15)
    assert (low[count == 0] == 0).all() and (high[count == n] == 1).all()
