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
