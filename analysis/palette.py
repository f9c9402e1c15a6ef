"""Colours, each defined once under the name of what it says on a chart.

One colour meaning for the app, the deck, the Word report, the HTML report and 大屏展示:
GOOD (blue) for what is held as required, commended or above the reference, ATTENTION
(orange) for what is missing, flagged, falling or below it, NEUTRAL (grey) for the reference
itself, MEASURE (charcoal) for a plain value that judges nothing. Blue against orange stays
distinct under every common colour-vision deficiency (red/green: deuteranopia, protanopia;
blue/yellow: tritanopia), and on a grey-scale print by lightness. Red is the Party's brand
colour: titles, rules and the cover use it, a data mark never does, so red never has to mean
"good" on one slide and "needs attention" on the next.

A chart function reads as "flagged branches in ATTENTION", and the scheme changes here. The
hues under SERIES are for series that mean nothing beyond being told apart (activity types,
raters, groups). Imports nothing, so reports can use it without plotly.
"""

from __future__ import annotations

PARTY_RED = "#C8102E"
"""The brand: titles, rules, the cover. Never a data mark."""

# Meanings.
GOOD = "#2166AC"  # held as required, present, 优秀, 表扬, 示范点, above the reference
GOOD_LIGHT = "#92C5DE"  # the lesser good: 合格, a 示范点 candidate not yet named
ATTENTION = "#E08214"  # missing, flagged, 需关注, falling, below the reference, absent
ATTENTION_LIGHT = "#FDB863"  # the lesser concern: 基本合格
NEUTRAL = "#8C8C8C"  # a reference (the hospital mean), 其他, 合计, a note about hidden data
MEASURE = "#3A3A3A"  # a value shown for itself: an index, a rate, a count
CHOSEN = "#6A3D9A"  # the unit picked in the sidebar
MUTED = "#C8C8C8"  # the rest of the field, behind the marks that matter
IN_PROGRESS = "#9DB9D9"  # a period not over yet: not counted
NO_DATA = "#E3E3E3"  # a period the records do not cover: not counted
NOT_FOUNDED = "#F4F4F4"  # before the branch existed: not counted
WHITE = "#FFFFFF"

GRADES = (GOOD, GOOD_LIGHT, ATTENTION_LIGHT, ATTENTION)
"""Ordered judgements, best first: 优秀, 合格, 基本合格, 不合格 (and any four-step grading)."""

ATTENDANCE = {"出席": GOOD, "请假": MUTED, "缺席": ATTENTION}
"""A member at a meeting: present is good, absent needs attention, leave is neither."""

DIVERGING_SCALE = [[0.0, ATTENTION], [0.5, WHITE], [1.0, GOOD]]
"""Signed values around a reference: below in ATTENTION, above in GOOD, white at the reference."""

RESIDUAL_SCALE = [[0.0, "#5E3C99"], [0.5, WHITE], [1.0, "#1B7837"]]
"""Over- and under-represented cells of a cross table (adjusted residuals): purple below, green
above, hues that say "more or fewer than expected", neither good nor needing attention."""

RATING_SCALE = [[0.0, ATTENTION], [0.5, "#F7F7F7"], [1.0, GOOD]]
"""Scores from low (ATTENTION) to high (GOOD) on a heat map; reverse it for ranks (1 is best)."""

# Answer scales (1-5 and the like): low answers orange, the middle grey, high answers blue.
LIKERT_LOW = ["#B35806", "#F1A340", "#FEE0B6"]
LIKERT_MID = "#D9D9D9"
LIKERT_HIGH = ["#D1E5F0", "#67A9CF", "#2166AC"]

# Hues that mean nothing but "another series" (no red, no meaning colour).
TEAL = "#1B9E77"
PURPLE = "#7570B3"
BROWN = "#A6761D"
OLIVE = "#66A61E"
MAGENTA = "#E7298A"
SLATE = "#5F7F99"
SAND = "#C2A878"
PLUM = "#8E5572"
GREY = "#8C8C8C"

SERIES = [MEASURE, TEAL, PURPLE, BROWN, OLIVE, MAGENTA, SLATE, GREY]
"""Series colours in order (plotly's colorway): charcoal first, grey last."""
PALETTE = SERIES

# Ink: axes, grids, reference lines and text that carry no data.
AXIS_LINE = "#ccc"
GRID = "#eee"
GRID_LIGHT = "#f2f2f2"
POLAR_GRID = "#ddd"
ZERO_LINE = "#888"
REFERENCE_INK = "#444"  # a reference line, the whiskers of share bars, their labels
WHISKER = "#777"
WHISKER_DARK = "#555"
LABEL_INK = "#333"
OUTLINE_INK = "#222"
SUBTITLE_INK = "#666"
SWATCH_EDGE = "#bbb"

# The same meanings brightened for a black background (大屏展示's dark theme).
ON_DARK = {
    GOOD: "#67A9FF", GOOD_LIGHT: "#B7DBF0", ATTENTION: "#FDB863", ATTENTION_LIGHT: "#FEE0B6",
    NEUTRAL: "#A6A6A6", MEASURE: "#F2F2F2", MUTED: "#6E6E6E", CHOSEN: "#C8A2FF",
    TEAL: "#4FD1A8", PURPLE: "#A9A4E6", BROWN: "#D9A441", OLIVE: "#9BD15B", MAGENTA: "#F26AB0",
}


def translucent(colour: str, alpha: float) -> str:
    """``colour`` ("#RRGGBB") at opacity ``alpha``, as plotly's "rgba(r,g,b,a)"."""
    red, green, blue = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgba({red},{green},{blue},{alpha:g})"
