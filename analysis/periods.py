"""Quarters as 'YYYYQn' strings, and their Chinese labels: ``label`` in text ("2025年第4季度"),
``short_label`` where room is tight ("25Q4"), ``axis_labels`` under a chart."""

from __future__ import annotations

import datetime as dt
import re

QUARTER = re.compile(r"((?:19|20)\d{2})\s*(?:Q|q|年第?)\s*([1-4])(?:季度)?")


def parse_quarter(text: str) -> str:
    """Normalise '2024Q3', '2024q3', '2024年第3季度' or '2024年3季度' to '2024Q3'."""
    match = QUARTER.fullmatch(str(text).strip())
    if not match:
        raise ValueError(f"not a quarter: {text!r} (expected e.g. 2024Q3 or 2024年第3季度)")
    return f"{match.group(1)}Q{match.group(2)}"


def quarter_of(day: dt.date) -> str:
    return f"{day.year}Q{(day.month - 1) // 3 + 1}"


def split(quarter: str) -> tuple[int, int]:
    return int(quarter[:4]), int(quarter[5])


def shift(quarter: str, quarters: int) -> str:
    """The quarter ``quarters`` later (negative: earlier)."""
    year, q = split(quarter)
    index = year * 4 + (q - 1) + quarters
    return f"{index // 4}Q{index % 4 + 1}"


def quarter_range(first: str, last: str) -> list[str]:
    """Every quarter from ``first`` to ``last`` inclusive."""
    if first > last:
        raise ValueError(f"quarter range is reversed: {first} > {last}")
    out = [first]
    while out[-1] != last:
        out.append(shift(out[-1], 1))
    return out


def bounds(quarter: str) -> tuple[dt.date, dt.date]:
    """First and last day of a quarter."""
    year, q = split(quarter)
    start = dt.date(year, 3 * q - 2, 1)
    end = dt.date(year + (q == 4), (3 * q) % 12 + 1, 1) - dt.timedelta(days=1)
    return start, end


def label(quarter: str) -> str:
    """'2024Q3' -> '2024年第3季度'."""
    year, q = split(quarter)
    return f"{year}年第{q}季度"


def short_label(quarter: str) -> str:
    """'2025Q4' -> '25Q4' (a tile, a table header: where the full label has no room)."""
    year, q = split(quarter)
    return f"{year % 100:02d}Q{q}"


def axis_labels(quarters: list[str] | tuple[str, ...]) -> list[str]:
    """The category labels of a chart over ``quarters``: '第4季度', with the year on a second line
    under the first quarter shown and under every first quarter of a year.

    ['2024Q4', '2025Q1', '2025Q2'] -> ['第4季度\n2024年', '第1季度\n2025年', '第2季度']. Labels
    repeat across years, so a chart must place them by position, not by value.
    """
    out = []
    for index, quarter in enumerate(quarters):
        year, q = split(quarter)
        out.append(f"第{q}季度\n{year}年" if index == 0 or q == 1 else f"第{q}季度")
    return out


def years_of(first: str, last: str) -> list[int]:
    """The calendar years quarters ``first``..``last`` touch: 2024Q3..2025Q2 -> [2024, 2025]."""
    return list(range(split(first)[0], split(last)[0] + 1))


def years_label(years: list[int]) -> str:
    """'2025年' for one year, '2023–2025年' for a span."""
    return f"{years[0]}年" if years[0] == years[-1] else f"{years[0]}–{years[-1]}年"
