"""One colour meaning (analysis/palette.py) for the app, the deck and the reports: told apart under
colour-vision deficiencies, red kept for the brand, and the app's charts drawing with the meanings."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis import charts, palette

# Machado, Oliveira & Fernandes (2009), "A physiologically-based model for simulation of color
# vision deficiency", IEEE TVCG 15(6): the matrices of full severity, applied to linear RGB.
CVD = {
    "protanopia": [[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216], [-0.003882, -0.048116, 1.051998]],
    "deuteranopia": [[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413], [-0.011820, 0.042940, 0.968881]],
    "tritanopia": [[1.255528, -0.076749, -0.178779], [-0.078411, 0.930809, 0.147602], [0.004733, 0.691367, 0.303900]],
}


def _linear(hex_colour: str) -> np.ndarray:
    srgb = np.array([int(hex_colour.lstrip("#")[i:i + 2], 16) / 255 for i in (0, 2, 4)])
    return np.where(srgb <= 0.04045, srgb / 12.92, ((srgb + 0.055) / 1.055) ** 2.4)


def _lab(linear: np.ndarray) -> np.ndarray:
    """CIE L*a*b* (D65) of a linear RGB colour."""
    xyz = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]]) @ linear
    xyz = xyz / np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > (6 / 29) ** 3, np.cbrt(xyz), xyz / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def seen_apart(one: str, other: str, deficiency: str | None) -> float:
    """ΔE (CIE76) between two colours as seen with ``deficiency`` (None: typical vision)."""
    matrix = np.eye(3) if deficiency is None else np.array(CVD[deficiency])
    a, b = (_lab(np.clip(matrix @ _linear(c), 0, 1)) for c in (one, other))
    return float(np.linalg.norm(a - b))


@pytest.mark.parametrize("deficiency", [None, *CVD])
def test_good_and_attention_stay_apart_for_every_common_deficiency(deficiency):
    assert seen_apart(palette.GOOD, palette.ATTENTION, deficiency) > 40
    assert seen_apart(palette.GOOD, palette.NEUTRAL, deficiency) > 15
    assert seen_apart(palette.ATTENTION, palette.NEUTRAL, deficiency) > 15


def test_the_check_tells_the_old_red_green_pair_apart_from_the_new():
    # The scheme this replaces (green 达标 against red 缺漏) nearly merges for a deuteranope.
    assert seen_apart("#2E8B57", palette.PARTY_RED, None) > 40
    assert seen_apart("#2E8B57", palette.PARTY_RED, "deuteranopia") < 25


def test_red_is_the_brand_and_never_a_meaning_or_a_series():
    meanings = {palette.GOOD, palette.GOOD_LIGHT, palette.ATTENTION, palette.ATTENTION_LIGHT, palette.NEUTRAL,
                palette.MEASURE, palette.CHOSEN, palette.MUTED, *palette.GRADES, *palette.ATTENDANCE.values()}
    assert palette.PARTY_RED not in meanings | set(palette.SERIES)
    assert palette.GRADES == (palette.GOOD, palette.GOOD_LIGHT, palette.ATTENTION_LIGHT, palette.ATTENTION)
    assert set(palette.ON_DARK) >= {palette.GOOD, palette.ATTENTION, palette.NEUTRAL, palette.MEASURE}


def test_the_apps_charts_draw_with_the_meanings():
    ranking = pd.DataFrame({"branch_id": ["B1", "B2", "B3"], "branch_name": ["甲", "乙", "丙"],
                            "total": [97.0, 90.0, 81.0], "rank": [1, 2, 3]})
    bars = charts.ranked_bars(ranking, title="t", commended={"B1"}, flagged={"B3"})
    assert list(bars.data[0].marker.color) == [palette.GOOD, palette.MUTED, palette.ATTENTION]
    gaps = charts.gap_bars(pd.DataFrame({"name": ["甲", "乙"], "gap": [1.5, -2.0]}), label="name", gap="gap",
                           title="t", x_title="x")
    assert list(gaps.data[0].marker.color) == [palette.GOOD, palette.ATTENTION]
    assert charts.ATTENDANCE_COLOURS == palette.ATTENDANCE
    assert charts.MEETING_STATUS_COLOURS["达标"] == palette.GOOD and charts.MEETING_STATUS_COLOURS["缺漏"] == palette.ATTENTION
