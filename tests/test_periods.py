"""Quarters and their labels (analysis/periods.py)."""

from __future__ import annotations

import datetime as dt

import pytest

from analysis import periods


def test_quarter_helpers():
    assert periods.parse_quarter("2024年第3季度") == "2024Q3"
    assert periods.parse_quarter(" 2024q1 ") == "2024Q1"
    with pytest.raises(ValueError, match="not a quarter"):
        periods.parse_quarter("2024Q5")
    assert periods.shift("2024Q1", -1) == "2023Q4"
    assert periods.shift("2024Q4", 4) == "2025Q4"
    assert periods.quarter_range("2023Q3", "2024Q2") == ["2023Q3", "2023Q4", "2024Q1", "2024Q2"]
    assert periods.bounds("2024Q4") == (dt.date(2024, 10, 1), dt.date(2024, 12, 31))
    assert periods.bounds("2024Q1") == (dt.date(2024, 1, 1), dt.date(2024, 3, 31))
    assert periods.label("2024Q3") == "2024年第3季度"
    assert periods.quarter_of(dt.date(2024, 5, 31)) == "2024Q2"


def test_short_and_axis_labels():
    assert periods.short_label("2025Q4") == "25Q4" and periods.short_label("2009Q1") == "09Q1"
    # The year under the first quarter shown and under each first quarter; nothing else repeats it.
    assert periods.axis_labels(["2024Q3", "2024Q4", "2025Q1", "2025Q2"]) == [
        "第3季度\n2024年", "第4季度", "第1季度\n2025年", "第2季度"]
    assert periods.axis_labels([]) == []


def test_years_of_a_quarter_range_and_their_label():
    assert periods.years_of("2024Q3", "2025Q2") == [2024, 2025]
    assert periods.years_label(periods.years_of("2025Q1", "2025Q4")) == "2025年"
    assert periods.years_label([2023, 2024, 2025]) == "2023–2025年"
