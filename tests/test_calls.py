"""Equivalent analysis calls have one canonical form (the UI cache keys on it)."""

from __future__ import annotations

import pytest

from analysis.calls import canonical_kwargs
from analysis.metrics import activities, meetings, vanguard


def test_an_omitted_default_and_the_default_given_are_the_same_call():
    omitted = canonical_kwargs(vanguard.hospital_trend, {"first": "2025Q1", "last": "2025Q4"})
    given = canonical_kwargs(vanguard.hospital_trend, {"last": "2025Q4", "unit": None, "first": "2025Q1"})
    assert omitted == given == {"first": "2025Q1", "last": "2025Q4", "unit": None, "cfg": None}
    assert list(given) == ["first", "last", "unit", "cfg"]  # signature order, whatever the call's


def test_different_calls_stay_different():
    hospital = canonical_kwargs(vanguard.hospital_trend, {"first": "2025Q1", "last": "2025Q4"})
    unit = canonical_kwargs(vanguard.hospital_trend, {"first": "2025Q1", "last": "2025Q4", "unit": "G01"})
    assert hospital != unit
    grid = canonical_kwargs(meetings.meeting_compliance, {"first": "2025Q1", "last": "2025Q4"})
    assert grid["kind"] is None and grid["as_of"] is None and "scope" not in grid and "con" not in grid
    events = canonical_kwargs(activities.activity_monthly, {"first": "2025Q1", "last": "2025Q4",
                                                            "types": activities.EVENT_TYPES})
    assert events["types"] == activities.EVENT_TYPES


def test_an_unknown_keyword_is_refused_as_the_call_would_be():
    with pytest.raises(TypeError, match="quarter"):
        canonical_kwargs(vanguard.hospital_trend, {"first": "2025Q1", "last": "2025Q4", "quarter": "2025Q1"})
