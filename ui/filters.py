"""The global sidebar filters (quarter range, 总支, 支部) every page reads."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import streamlit as st

from analysis import periods
from analysis.metrics import org
from ui.cache import cached
from ui.login import viewer

# Selectbox value meaning "no narrowing" (None would show as an empty placeholder).
ALL = ""


@dataclass(frozen=True)
class Filters:
    """The quarter range and the unit chosen in the sidebar (``unit`` None: the whole hospital)."""

    first: str
    last: str
    unit: str | None
    unit_label: str
    is_branch: bool = False  # ``unit`` is one 党支部 (not a 党总支)
    # What charts of all units highlight: the branch / general branch chosen in the sidebar
    # (a chosen branch's general branch), else the viewer's own unit.
    focus_branch: str | None = None
    focus_general_branch: str | None = None

    @property
    def period_label(self) -> str:
        if self.first == self.last:
            return periods.label(self.last)
        return f"{periods.label(self.first)}—{periods.label(self.last)}"

    @property
    def period_end(self) -> dt.date:
        return periods.bounds(self.last)[1]

    @property
    def years(self) -> list[int]:
        """The years the quarter range touches, newest first (for a page's 年度 choice)."""
        return sorted({periods.split(q)[0] for q in periods.quarter_range(self.first, self.last)}, reverse=True)


def sidebar_filters() -> Filters:
    """The global filters (quarter range, 总支, 支部), kept in session state across pages."""
    quarters = cached(org.quarters_with_data) or [periods.quarter_of(dt.date.today())]
    units = cached(org.units)
    with st.sidebar:
        st.subheader("筛选")
        default = (quarters[max(0, len(quarters) - 4)], quarters[-1])
        first, last = st.select_slider(
            "季度范围", options=quarters, value=st.session_state.get("quarter_range", default),
            format_func=periods.label, key="quarter_range",
        )
        if viewer().role == "researcher":
            # Researchers see hospital-level aggregates only (enforced again in analysis/).
            return Filters(first=first, last=last, unit=None, unit_label="全院")
        generals = units.dropna(subset=["general_branch_id"]).drop_duplicates("general_branch_id")
        general_names = {ALL: "全院", **dict(zip(generals["general_branch_id"].tolist(), generals["general_branch_name"].tolist()))}
        general = st.selectbox("党总支", options=list(general_names), format_func=general_names.get, key="general_branch")
        branches = units if general == ALL else units[units["general_branch_id"] == general]
        branch_names = {ALL: "全部支部", **dict(zip(branches["branch_id"].tolist(), branches["branch_name"].tolist()))}
        if st.session_state.get("branch") not in branch_names:
            st.session_state["branch"] = ALL
        branch = st.selectbox("党支部", options=list(branch_names), format_func=branch_names.get, key="branch")
    unit = branch if branch != ALL else general if general != ALL else None
    label = branch_names[branch] if branch != ALL else general_names[general]
    own = viewer().unit_id
    focus_branch = branch if branch != ALL else own if own in set(units["branch_id"]) else None
    general_of = {b: g for b, g in zip(units["branch_id"].tolist(), units["general_branch_id"].tolist()) if isinstance(g, str)}
    focus_general = general if general != ALL else general_of.get(focus_branch) or (own if own in general_names else None)
    return Filters(first=first, last=last, unit=unit, unit_label=label, is_branch=branch != ALL,
                   focus_branch=focus_branch, focus_general_branch=focus_general)
