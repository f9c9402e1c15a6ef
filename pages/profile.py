"""支部画像: one branch or general branch, how it is doing and why (sections in ui.profile)."""

import streamlit as st

import ui.profile_sections  # noqa: F401  (registers the standard sections)
from analysis.metrics import org, profile
from ui.cache import cached
from ui.chrome import page_break
from ui.filters import sidebar_filters
from ui.login import viewer
from ui.profile import PARAM, SECTIONS, Context

filters = sidebar_filters()
scope = viewer()
names = cached(org.unit_names)
# The unit: the URL's (a click elsewhere), else the one last shown, the sidebar's, the viewer's.
wanted = st.query_params.get(PARAM)
if wanted not in names:
    wanted = st.session_state.get("profile_unit")
if wanted not in names:
    wanted = filters.unit or scope.unit_id or next(iter(names), None)
st.session_state["profile_unit"] = wanted
if wanted is None:
    st.info("没有可显示的支部。")
    st.stop()
unit = st.selectbox("支部或党总支", list(names), index=list(names).index(wanted), format_func=names.get,
                    key=f"profile_pick_{wanted}")
if unit != wanted:
    st.session_state["profile_unit"] = unit
    st.query_params[PARAM] = unit
    st.rerun()
if st.query_params.get(PARAM) != unit:
    st.query_params[PARAM] = unit

subject = cached(profile.subject, unit=unit)
st.title(f"支部画像：{subject.name}")
kind = "党支部" if subject.level == "branch" else f"党总支（{subject.branches}个支部）"
home = f" · 所属{subject.general_branch_name}" if subject.level == "branch" and subject.general_branch_name else ""
st.caption(f"{kind}{home} · {filters.period_label} · 与全院、本总支对比")
context = Context(subject=subject, first=filters.first, last=filters.last, viewer=scope)
for number, section in enumerate(SECTIONS):
    if number:
        page_break()
    with st.container(border=True):
        st.subheader(section.title)
        section.draw(context)
