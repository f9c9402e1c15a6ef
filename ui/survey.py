"""Widgets of the 问卷分析 page: calling an analysis that may refuse, and choosing the groups to
compare. Widget keys carry the survey and question so each choice is remembered per question.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from analysis import survey
from analysis.formatting import markdown_escape
from analysis.survey.reading import NO_GROUP
from ui.cache import cached


def attempt(fn: Callable, **kwargs: Any) -> Any:
    """``cached(fn, **kwargs)``, or None after showing the analysis' own (Chinese) refusal."""
    try:
        return cached(fn, **kwargs)
    except ValueError as exc:
        st.warning(str(exc))
        return None


@dataclass(frozen=True)
class GroupChoice:
    """What the reader chose to compare: the grouping question, merged groups, the pair."""

    group_no: int = NO_GROUP
    groups: dict[str, tuple[str, ...]] | None = None  # None: one group per option
    pair: tuple[str, str] | None = None  # None: nothing (yet) to compare


def pick_grouping(column: DeltaGenerator, *, survey_id: int, group_no: int, group_label: Callable[[int], str]) -> GroupChoice:
    """Below the 分组依据 picker: merge the options into two named groups (the default for a
    政治面貌 question: 党员 vs 非党员) or pick two options to compare. ``column`` holds the toggle.
    """
    group_texts = list(cached(survey.question_options, survey_id=survey_id, question_no=group_no)["option"])
    split = cached(survey.member_groups, survey_id=survey_id, question_no=group_no)
    merge = column.toggle("合并为两组", value=split is not None, key=f"survey_merge_{survey_id}_{group_no}",
                          help="把分组题的选项合并成两组再比较，例如 党员 与 非党员。")
    if merge:
        return _merged_groups(survey_id, group_no, group_texts, split, group_label)
    if len(group_texts) >= 2:
        a, b = st.columns(2)
        g1 = a.selectbox("比较：第一组", group_texts, index=0, key=f"survey_pair1_{survey_id}_{group_no}")
        rest = [t for t in group_texts if t != g1]
        g2 = b.selectbox("比较：第二组", rest, index=0, key=f"survey_pair2_{survey_id}_{group_no}")
        return GroupChoice(group_no, None, (g1, g2))
    return GroupChoice(group_no)


def _merged_groups(survey_id: int, group_no: int, group_texts: list[str],
                   split: dict[str, tuple[str, ...]] | None, group_label: Callable[[int], str]) -> GroupChoice:
    """Two named groups of options, from an expander; a warning (and no pair) until they are valid."""
    first_name, second_name = (list(split) if split else ["第一组", "第二组"])
    first_default = list(split[first_name]) if split else group_texts[:1]
    with st.expander(f"两组的构成：{markdown_escape(group_label(group_no))}", expanded=split is None):
        a, b = st.columns(2)
        name1 = a.text_input("第一组名称", value=first_name, key=f"survey_name1_{survey_id}_{group_no}").strip()
        set1 = a.multiselect("第一组包含的选项", group_texts, default=first_default,
                             key=f"survey_set1_{survey_id}_{group_no}")
        name2 = b.text_input("第二组名称", value=second_name, key=f"survey_name2_{survey_id}_{group_no}").strip()
        set2 = b.multiselect("第二组包含的选项", group_texts,
                             default=[t for t in group_texts if t not in first_default],
                             key=f"survey_set2_{survey_id}_{group_no}")
        st.caption("未放入任何一组的选项不参加比较。")
    if not name1 or not name2 or name1 == name2:
        st.warning("两组需要各自的、互不相同的名称。")
    elif not set1 or not set2:
        st.warning("两组都至少要包含一个选项。")
    else:
        return GroupChoice(group_no, {name1: tuple(set1), name2: tuple(set2)}, (name1, name2))
    return GroupChoice(group_no)
