"""支部画像: the page's sections, and the way every chart or table opens it.

A section is a title and a function drawing it from a ``Context`` (the unit, the quarter range,
the viewer); the page draws ``SECTIONS`` in order. A new register (整改, 发展党员, 荣誉 …) adds
its section with one call, ``add_section("整改情况", draw)``, in its own module imported by
the page; each section calls its analysis functions with ``unit=context.unit_id``, so scope
stays enforced where it always is.

``open_profile(unit)`` switches to the page for a unit (the URL carries it: ``/profile?id=B05``);
``clicked_unit(event)`` reads the unit a viewer clicked in a chart whose marks carry unit ids
as ``customdata`` (the id itself, or the last item of a list), drawn by ``chart_opening_profile``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import streamlit as st

from analysis import periods
from analysis.metrics.profile import Subject
from analysis.scope import Scope

PAGE = "pages/profile.py"
PARAM = "id"


@dataclass(frozen=True)
class Context:
    """What every section draws from."""

    subject: Subject
    first: str
    last: str
    viewer: Scope

    @property
    def unit_id(self) -> str:
        return self.subject.unit_id

    @property
    def as_of(self) -> dt.date:
        return min(periods.bounds(self.last)[1], dt.date.today())

    @property
    def period_label(self) -> str:
        return f"{periods.label(self.first)}—{periods.label(self.last)}" if self.first != self.last else periods.label(self.last)


@dataclass(frozen=True)
class Section:
    title: str
    draw: Callable[[Context], None]


SECTIONS: list[Section] = []


def add_section(title: str, draw: Callable[[Context], None], *, before: str | None = None) -> None:
    """Add a section to the profile (at the end, or before the section titled ``before``);
    adding a title again replaces that section."""
    existing = [s.title for s in SECTIONS]
    if title in existing:
        SECTIONS[existing.index(title)] = Section(title, draw)
        return
    position = existing.index(before) if before in existing else len(SECTIONS)
    SECTIONS.insert(position, Section(title, draw))


def open_profile(unit: str) -> None:
    """Go to the 支部画像 of ``unit`` (a branch or general branch id)."""
    st.switch_page(PAGE, query_params={PARAM: unit})


def clicked_unit(event) -> str | None:
    """The unit id of the first mark selected in a chart event (its ``customdata``, or the last
    item of it), if any."""
    points = (event or {}).get("selection", {}).get("points", []) if isinstance(event, dict) else \
        getattr(getattr(event, "selection", None), "points", None) or []
    for point in points:
        data = point.get("customdata")
        if isinstance(data, list | tuple):
            data = data[-1] if data else None
        if isinstance(data, str) and data:
            return data
    return None


def chart_opening_profile(fig, *, key: str) -> None:
    """``st.plotly_chart`` of a chart whose marks carry unit ids: a click opens that unit's profile."""
    event = st.plotly_chart(fig, key=key, on_select="rerun", selection_mode="points")
    unit = clicked_unit(event)
    if unit:
        open_profile(unit)
