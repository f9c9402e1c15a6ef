"""How numbers and data-derived text are written, for pages, reports and the CLI alike.

One place for: scores, percentages, counts, signed changes, dates, p-values and intervals
as text ("—" when missing; a hidden group's cells show its suppression mark, "<5" below the
minimum reporting group), and the escaping that makes a unit's name or a task title show
exactly as typed in Markdown (Streamlit), HTML (the offline report) and plotly labels.
Imports nothing of ours.
"""

from __future__ import annotations

import datetime as dt
import html
import math
import re

import numpy as np
import pandas as pd

MISSING = "—"

# How the survey analyses mark the counts of a hidden group: "<5" (under the minimum reporting
# group of 5) or "*" (hidden so that a small group cannot be had by subtraction).
_SUPPRESSION_MARK = re.compile(r"^(<\d+|\*)$")


def _missing(value: object) -> bool:
    return value is None or (not isinstance(value, str) and bool(pd.isna(value)))


def suppression_mark(value: object) -> str | None:
    """``value`` when it is a hidden group's mark ("<5", "*"), else None."""
    return value if isinstance(value, str) and _SUPPRESSION_MARK.match(value) else None


def half_up(values, decimals: int):
    """``values`` (a number or an array) rounded half away from zero at ``decimals`` places, as
    四舍五入 and Excel's ROUND round the decimal value: 84.25 → 84.3, 84.45 → 84.5, -1.25 → -1.3.

    Formatting a float directly rounds its binary value half to even: 84.25 gave "84.2", and
    84.45, stored as 84.44999999999999 by a float sum, "84.4"; the browser (``toFixed``) gave
    "84.3" for the first. So the value is first taken to 9 decimals (the precision the analyses
    compare at), which removes the float error, then rounded. The result is the float nearest
    to a number of ``decimals`` places: printing it with ``decimals`` places, in Python or in
    the browser, shows exactly that number.

    Returns
    -------
    A float for a number, an array of floats for an array (NaN stays NaN).
    """
    if isinstance(values, (float, int, np.floating, np.integer)) and 0 <= decimals <= 9:
        return _half_up_number(float(values), decimals)
    scale = 10.0 ** decimals
    given = np.asarray(values, dtype=float)
    scaled = np.round(given * scale, 9 - decimals)
    rounded = np.copysign(np.floor(np.abs(scaled) + 0.5), scaled) / scale + 0.0  # + 0.0: no "-0.0"
    # beyond 2**52 a float has no fraction left to round (and the scaling would lose digits)
    rounded = np.where(np.abs(given * scale) >= 2.0**52, given, rounded)
    return float(rounded) if rounded.ndim == 0 else rounded


def _half_up_number(value: float, decimals: int) -> float:
    """:func:`half_up` of one number in plain Python, the same operations in the same order as
    the array path (``np.round(x, n)`` is ``rint(x * 10**n) / 10**n``; Python's ``round`` of a
    float rounds half to even, as ``rint``), at a tenth of its cost: text is formatted a number
    at a time (a 示范点 候选 list of 1,200 notes spent 5 ms in NumPy's scalar overhead)."""
    scale = 10.0 ** decimals
    scaled_value = value * scale
    if not math.isfinite(value) or abs(scaled_value) >= 2.0**52:
        return value
    digits = 10.0 ** (9 - decimals)
    scaled = round(scaled_value * digits) / digits
    return math.copysign(math.floor(abs(scaled) + 0.5), scaled) / scale + 0.0


def fixed(value: float, decimals: int = 1, *, sign: bool = False, grouping: bool = False) -> str:
    """A number as shown, rounded by :func:`half_up`: "85.3"; "+1.2" with ``sign``; "1,234.5" with
    ``grouping``."""
    return f"{half_up(value, decimals):{'+' if sign else ''}{',' if grouping else ''}.{decimals}f}"


def score(value: float | None, decimals: int = 1) -> str:
    """A score or index as shown: "85.3" (``decimals`` places, :func:`half_up`), "—" when missing."""
    return MISSING if _missing(value) else fixed(value, decimals)


def percent(value: float | str | None, decimals: int = 1, *, missing: str = MISSING) -> str:
    """A value already in percent: "73.08%" with ``decimals=2``; a suppression mark ("<5") as it
    is; ``missing`` when there is no value."""
    if isinstance(value, str):
        return suppression_mark(value) or missing
    return missing if _missing(value) else f"{fixed(value, decimals)}%"


def share(value: float | None, n: object, decimals: int = 1) -> str:
    """A group's share as shown: its percent, or the mark of its count ``n`` when the group is
    hidden ("<5"), or "—" when there is none."""
    return suppression_mark(n) or percent(value, decimals)


def count(value: object, *, missing: str = MISSING) -> str:
    """A count with thousands separators, "1,107"; a suppressed count ("<5", "*") as it is;
    ``missing`` when there is none."""
    if isinstance(value, str):
        return value
    return missing if _missing(value) else f"{int(value):,}"


def signed(value: float | None, decimals: int = 1, *, suffix: str = "", missing: str | None = MISSING) -> str | None:
    """A change with its sign and an optional note: "+1.2（环比）"; ``missing`` when there is
    none (pass None where "no change to show" must stay empty, as in a metric's delta)."""
    return missing if _missing(value) else f"{fixed(value, decimals, sign=True)}{suffix}"


def ci(low: float | None, high: float | None, *, unit: str = "%", decimals: int = 1) -> str:
    """A 95% confidence interval: "95% CI 62.1%–80.4%" ("95% CI —" when either end is missing)."""
    if _missing(low) or _missing(high):
        return f"95% CI {MISSING}"
    return f"95% CI {fixed(low, decimals)}{unit}–{fixed(high, decimals)}{unit}"


def date(day: dt.date) -> str:
    """A day as Chinese text without leading zeros: "2025年6月30日"."""
    return f"{day.year}年{day.month}月{day.day}日"


def cell_decimals(header: str) -> int:
    """Decimals of a table column by what its header says: completion rates ("完成率") two, as
    the office reports 73.08%; other rates, shares, scores and indices one."""
    return 2 if "完成率" in header else 1


def table_cells(frame: pd.DataFrame, decimals: dict[str, int | None] | None = None,
                ) -> tuple[pd.DataFrame, dict[str, str], set[str]]:
    """``frame`` (Chinese headers) as a table shows it, and a number format per numeric column.

    Columns with a missing value become text through the formatters above ("—" for missing,
    thousands separators, ``cell_decimals``); complete numeric columns stay numbers (they sort
    as numbers) and get a printf format ("%.1f", "%.2f", "%d") for Streamlit's
    ``NumberColumn``. A row holding a suppression mark (a hidden group: "<5" or "*" in its
    counts) shows that mark in every empty cell too, never "—": its numbers are hidden, not
    missing. No cell reads "None" or "nan".

    ``decimals``: the places to round a column's numbers to where the page formats it itself
    (its own number format: 2 for "%.2f", 4 for a fraction shown as a percent with two), None
    to leave its numbers as they are; other columns round to ``cell_decimals``.

    Returns
    -------
    (the frame to show, {column: printf format} for the numeric columns kept as numbers, the
    columns turned into text).
    """
    shown, formats, texts = frame.copy(deep=False), {}, set()
    marks = [next((m for m in map(suppression_mark, row) if m), None) for row in frame.itertuples(index=False)]
    hidden = any(marks)

    def blank(position: int) -> str:
        return marks[position] or MISSING

    for column in frame.columns:
        values = frame[column]
        header = str(column)
        if pd.api.types.is_bool_dtype(values):
            continue
        if pd.api.types.is_datetime64_any_dtype(values):
            if values.isna().any():
                shown[column] = [blank(i) if _missing(v) else f"{v:%Y-%m-%d}" for i, v in enumerate(values.tolist())]
                texts.add(header)
            continue
        numeric = pd.api.types.is_numeric_dtype(values)
        whole = numeric and bool(values.dropna().map(lambda v: float(v).is_integer()).all())
        if numeric and not values.isna().any():
            if whole and not pd.api.types.is_float_dtype(values):
                formats[header] = "%d"
            else:
                # rounded here (half_up) so that the browser's printf shows the decimal a report
                # prints; a number it is: it still sorts as one
                formats[header] = f"%.{cell_decimals(header)}f"
                places = (decimals or {}).get(header, cell_decimals(header))
                if places is not None:
                    shown[column] = half_up(values.to_numpy(dtype=float), places)
            continue
        if numeric:
            shown[column] = [blank(i) if _missing(v) else count(v) if whole else score(v, cell_decimals(header))
                             for i, v in enumerate(values.tolist())]
            texts.add(header)
        elif values.isna().any() or hidden:
            shown[column] = [blank(i) if _missing(v) else str(v) for i, v in enumerate(values.tolist())]
            texts.add(header)
    return shown, formats, texts


def p_value(p: float | None, *, prefix: bool = True, missing: str | None = None) -> str:
    """A p-value as reported: "p < 0.001" or "p = 0.023" (without "p " when ``prefix`` is False).

    A missing p gives ``missing``: by default "" with a prefix (nothing to add to a sentence)
    and "-" without one (a table cell).
    """
    if p is None or (isinstance(p, float) and math.isnan(p)):
        return missing if missing is not None else "" if prefix else "-"
    if p < 0.001:
        return "p < 0.001" if prefix else "< 0.001"
    return f"p = {fixed(p, 3)}" if prefix else fixed(p, 3)


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~<>$:=&^])")


# GitHub-flavoured Markdown (as Streamlit renders it) turns a bare "http://", "www." or e-mail
# address into a link even when its punctuation is backslash-escaped or written as a character
# reference; an invisible WORD JOINER (U+2060) before the ":", "." or "@" breaks the link and
# leaves the text as it reads.
_AUTOLINK = re.compile(r"(?i)(?<=[a-z])(?=\\://)|(?<=www)(?=\\\.)|(?=@)")
WORD_JOINER = "\u2060"


def markdown_escape(text: object) -> str:
    """``text`` with every Markdown (and Streamlit directive: $math$, :red[...]) character
    backslash-escaped and bare web and e-mail addresses kept from becoming links, so a page
    shows it exactly as typed and nothing in it is clickable."""
    return _AUTOLINK.sub(WORD_JOINER, _MARKDOWN_SPECIAL.sub(r"\\\1", str(text)))


def html_escape(text: object) -> str:
    """HTML-escaped text; a URL typed into the data (a task title, say) shows as typed but is
    not a literal URL in the file (``:`` as ``&#58;``), so a file never holds one."""
    return html.escape(str(text), quote=True).replace("://", "&#58;//")


def plotly_text(value: object) -> str:
    """Data text (a branch name) as plotly shows it: its pseudo-HTML tags are escaped, not applied."""
    return str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
