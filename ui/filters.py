"""The global filters (quarter range, 总支, 支部, 全院对比) every page reads, at the top of the sidebar.

They are kept for the whole session and written to the URL (``from``, ``to``, ``unit``), so a
view can be bookmarked and shared. A URL is read once, when a session starts (after sign-in:
the login page keeps the query string); every value is checked against the known quarters and
units and a bad one is dropped without being repeated. A URL only chooses what the sidebar
could choose: what the viewer may see is decided inside every analysis function (scope).

A secretary starts on their own unit; "全院对比" widens the view to the whole hospital while
their unit stays highlighted in the charts.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
import streamlit as st

from analysis import config as config_mod
from analysis import periods
from analysis.metrics import org
from ui.cache import cached
from ui.login import viewer

# Selectbox value meaning "no narrowing" (None would show as an empty placeholder).
ALL = ""
# Session-state keys of the filter widgets (tests set them through AppTest).
RANGE, GENERAL, BRANCH, COMPARE = "quarter_range", "general_branch", "branch", "compare_hospital"
# The filters as last chosen. Streamlit forgets a widget's value when a page without that
# widget (another page's script: widget ids include the page) runs, so the values live here too.
SAVED = "saved_filters"
URL_KEYS = ("from", "to", "unit")


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


def sidebar_filters(*, in_url: bool = True) -> Filters:
    """The global filters, kept in session state across pages and (``in_url``) in the URL.

    A page with a URL of its own (大屏展示) passes ``in_url=False``.
    """
    quarters = cached(org.quarters_with_data) or [periods.quarter_of(dt.date.today())]
    units = cached(org.units)
    scope = viewer()
    saved = st.session_state.get(SAVED)
    if saved is None:
        saved = st.session_state[SAVED] = _starting_values(quarters, units, scope.role, scope.unit_id)
    # Seeded on every run: a widget of another page's script does not carry its value over.
    # A value that differs from the saved one was just changed by the viewer: it is kept.
    for key, value in saved.items():
        current = st.session_state.get(key, value)
        saved[key] = tuple(current) if key == RANGE else current
        st.session_state[key] = saved[key]
    if tuple(st.session_state[RANGE]) not in {(a, b) for a in quarters for b in quarters}:
        st.session_state[RANGE] = saved[RANGE] = _default_range(quarters)
    with st.sidebar, st.container(key="filters"):
        st.subheader("筛选")
        first, last = st.select_slider("季度范围", options=quarters, value=_default_range(quarters),
                                       format_func=periods.short_label, key=RANGE)
        saved[RANGE] = (first, last)
        if scope.role == "researcher":
            # Researchers see hospital-level aggregates only (enforced again in analysis/).
            _write_url(in_url, first, last, None)
            return Filters(first=first, last=last, unit=None, unit_label="全院")
        compare = False
        if scope.role == "secretary":
            compare = st.toggle("全院对比", key=COMPARE, help="打开后查看全院；您的单位在图中仍突出显示。")
            saved[COMPARE] = compare
        generals = units.dropna(subset=["general_branch_id"]).drop_duplicates("general_branch_id")
        general_names = {ALL: "全院", **dict(zip(generals["general_branch_id"].tolist(), generals["general_branch_name"].tolist()))}
        if st.session_state[GENERAL] not in general_names:
            st.session_state[GENERAL] = ALL
        general = st.selectbox("党总支", options=list(general_names), format_func=general_names.get, key=GENERAL,
                               disabled=compare)
        branches = units if general == ALL else units[units["general_branch_id"] == general]
        many = general == ALL and len(branches) > config_mod.load().charts.find_list_max
        if many:
            # Every branch of a province is 370 KB for the browser on every run: a branch is chosen
            # within its 党总支 (those directly under the committee, and the one chosen, stay listed).
            branches = branches[branches["general_branch_id"].isna() | (branches["branch_id"] == st.session_state[BRANCH])]
        branch_names = {ALL: "全部支部", **dict(zip(branches["branch_id"].tolist(), branches["branch_name"].tolist()))}
        if st.session_state[BRANCH] not in branch_names:
            st.session_state[BRANCH] = ALL
        branch = st.selectbox("党支部", options=list(branch_names), format_func=branch_names.get, key=BRANCH,
                              disabled=compare, help="支部较多：先选择党总支，再选择其下的支部。" if many else None)
        saved[GENERAL], saved[BRANCH] = general, branch
    own = scope.unit_id
    general_of = {b: g for b, g in zip(units["branch_id"].tolist(), units["general_branch_id"].tolist()) if isinstance(g, str)}
    if compare:
        focus_branch = own if own in general_of or own in set(units["branch_id"]) else None
        focus_general = general_of.get(own) or (own if own in general_names else None)
        _write_url(in_url, first, last, None)
        return Filters(first=first, last=last, unit=None, unit_label="全院",
                       focus_branch=focus_branch, focus_general_branch=focus_general)
    unit = branch if branch != ALL else general if general != ALL else None
    label = branch_names[branch] if branch != ALL else general_names[general]
    focus_branch = branch if branch != ALL else own if own in set(units["branch_id"]) else None
    focus_general = general if general != ALL else general_of.get(focus_branch) or (own if own in general_names else None)
    _write_url(in_url, first, last, unit)
    return Filters(first=first, last=last, unit=unit, unit_label=label, is_branch=branch != ALL,
                   focus_branch=focus_branch, focus_general_branch=focus_general)


def _default_range(quarters: list[str]) -> tuple[str, str]:
    return quarters[max(0, len(quarters) - 4)], quarters[-1]


def _starting_values(quarters: list[str], units: pd.DataFrame, role: str, own: str | None) -> dict:
    """The filters a session starts with: the URL's where valid, else the role's landing view
    (a secretary's own unit, everyone else the whole hospital, the last four quarters)."""
    values = {RANGE: _default_range(quarters), GENERAL: ALL, BRANCH: ALL, COMPARE: False}
    general_of = dict(zip(units["branch_id"].tolist(), units["general_branch_id"].tolist()))
    generals = {g for g in general_of.values() if isinstance(g, str)}

    def place(unit: str | None) -> None:
        if unit in general_of:
            values[GENERAL] = general_of[unit] if isinstance(general_of[unit], str) else ALL
            values[BRANCH] = unit
        elif unit in generals:
            values[GENERAL], values[BRANCH] = unit, ALL

    if role == "secretary":
        place(own)
    params = st.query_params
    first, last = params.get("from"), params.get("to")
    if first in quarters and last in quarters and first <= last:
        values[RANGE] = (first, last)
    if role != "researcher" and "unit" in params:
        wanted = params.get("unit")
        if wanted in ("", "hospital"):
            values[GENERAL], values[BRANCH] = ALL, ALL
            values[COMPARE] = role == "secretary"
        else:
            place(wanted)
    return values


def _write_url(in_url: bool, first: str, last: str, unit: str | None) -> None:
    """The filters into the URL, leaving a page's own parameters alone."""
    if not in_url:
        return
    wanted = {"from": first, "to": last, "unit": unit or "hospital"}
    for key, value in wanted.items():
        if st.query_params.get(key) != value:
            st.query_params[key] = value
