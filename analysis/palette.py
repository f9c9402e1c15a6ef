"""Colours, each defined once under the name of what it says on a chart.

A mark that means something (held as required, needs attention, the hospital's reference)
takes that meaning's colour, so a chart function reads as "flagged branches in ATTENTION"
and the scheme changes here, in one place. The hues below the meanings are for series that
mean nothing beyond being told apart. Imports nothing, so reports can use it without plotly.
"""

from __future__ import annotations

PARTY_RED = "#C8102E"
"""The brand: the Party's red, first in every chart."""

# Hues of the series palette.
BLUE = "#1F5FA8"
GOLD = "#D4A017"
GREEN = "#2E8B57"
PURPLE = "#7B4FA0"
ORANGE = "#E07B39"
TEAL = "#3A9BB8"
GREY = "#8C8C8C"
DARK_RED = "#8B1A1A"
BROWN = "#B5651D"
CADET_BLUE = "#5F9EA0"
OLIVE = "#556B2F"
WHITE = "#FFFFFF"

PALETTE = [PARTY_RED, BLUE, GOLD, GREEN, PURPLE, ORANGE, TEAL, GREY]
"""Series colours in order (plotly's colorway): the brand first, grey last."""

# Meanings.
GOOD = GREEN  # held as required, present, no gaps
ATTENTION = PARTY_RED  # missing, flagged, below the hospital mean, absent
NEUTRAL = GREY  # a reference (the hospital mean), 其他, 合计, a note about hidden data
ABOVE = BLUE  # above the reference: the counterpart of ATTENTION below it
COMMENDED = GOLD  # 表扬, a named 示范点
CHOSEN = PURPLE  # the unit picked in the sidebar
MUTED = "#BFBFBF"  # the rest of the field, behind the marks that matter
IN_PROGRESS = "#9DB9D9"  # a period not over yet: not counted
NO_DATA = "#E3E3E3"  # a period the records do not cover: not counted
NOT_FOUNDED = "#F4F4F4"  # before the branch existed: not counted

DIVERGING_SCALE = [[0.0, ATTENTION], [0.5, WHITE], [1.0, ABOVE]]
"""Signed values around a reference: below in ATTENTION, above in ABOVE, white at the reference."""

# Answer scales (1-5 and the like): low answers red, the middle grey, high answers blue.
LIKERT_LOW = ["#B2182B", "#EF8A62", "#FDDBC7"]
LIKERT_MID = "#D9D9D9"
LIKERT_HIGH = ["#D1E5F0", "#67A9CF", "#2166AC"]

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


def translucent(colour: str, alpha: float) -> str:
    """``colour`` ("#RRGGBB") at opacity ``alpha``, as plotly's "rgba(r,g,b,a)"."""
    red, green, blue = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgba({red},{green},{blue},{alpha:g})"
