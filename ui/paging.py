"""One page of a table's rows, or a window of a chart's units, instead of all of them.

A provincial organisation has ten thousand branches: a bar per branch is a chart 200,000 px
tall and a table of every member is megabytes the browser must take in. Tables therefore
send one page of rows (the download still has every row in the viewer's scope), and a chart
of more than ``charts.max_units`` units (hospital configuration) shows a window: the best
and the worst ``charts.extreme_n``, or one page of ``charts.page_rows``, and always the units
that matter to the viewer (their own, the one chosen in the sidebar, one searched for).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

import pandas as pd
import streamlit as st

from analysis import config as config_mod
from analysis.formatting import count

EXTREMES, PAGES = "extremes", "pages"


def page_count(rows: int, size: int) -> int:
    """How many pages of ``size`` rows hold ``rows`` rows (at least one)."""
    return max(1, -(-rows // size))


def page_of(frame: pd.DataFrame, page: int, size: int) -> pd.DataFrame:
    """Rows ``(page - 1) * size`` up to ``page * size`` of ``frame`` (pages count from 1)."""
    return frame.iloc[(page - 1) * size: page * size]


def extremes(frame: pd.DataFrame, n: int) -> pd.DataFrame:
    """The first ``n`` and the last ``n`` rows of ``frame``, in its order (all rows if fewer than 2n)."""
    if len(frame) <= 2 * n:
        return frame
    return pd.concat([frame.iloc[:n], frame.iloc[-n:]])


def with_kept(frame: pd.DataFrame, shown: pd.DataFrame, *, id_column: str, keep: Collection[str]) -> pd.DataFrame:
    """The rows of ``frame`` that are in ``shown`` or whose ``id_column`` is in ``keep``, in
    ``frame``'s order (rows are told apart by ``id_column``, one row per unit)."""
    return frame[frame[id_column].isin(set(keep) | set(shown[id_column]))]


def _page_number(label: str, *, key: str, pages: int, where) -> int:
    # A narrower filter can leave a remembered page beyond the last one: clamp before drawing.
    if st.session_state.get(key, 1) > pages:
        st.session_state[key] = pages
    return int(where.number_input(label, min_value=1, max_value=pages, step=1, key=key))


def paged(frame: pd.DataFrame, *, key: str) -> pd.DataFrame:
    """The rows of ``frame`` to send: all of them, or one page chosen below the table."""
    size = config_mod.load().charts.table_rows
    if len(frame) <= size:
        return frame
    pages = page_count(len(frame), size)
    left, right = st.columns([1, 4], vertical_alignment="bottom")
    page = _page_number(f"页码（共 {count(pages)} 页）", key=key, pages=pages, where=left)
    first = (page - 1) * size + 1
    right.caption(f"共 {count(len(frame))} 行，每页 {size} 行；当前第 {count(first)}–{count(min(len(frame), page * size))} 行。"
                  "下载的文件包含全部行。")
    return page_of(frame, page, size)


def find_unit(names: dict[str, str], *, key: str, noun: str = "支部", where=st) -> str | None:
    """A search box over ``names`` (id -> name; type to filter): the id found, or None.

    Up to ``charts.find_list_max`` names are one list to type into; beyond it the viewer types
    part of a name (or id) first and picks among the matches, so the browser never receives
    every name of a province."""
    limit = config_mod.load().charts.find_list_max
    if len(names) <= limit:
        return where.selectbox(f"查找{noun}", list(names), index=None, format_func=names.get, key=f"{key}_find",
                               placeholder=f"输入名称查找{noun}（共 {count(len(names))} 个）")
    box = where.container()
    query = box.text_input(f"查找{noun}", key=f"{key}_query",
                           placeholder=f"输入名称中的字，回车（共 {count(len(names))} 个{noun}）").strip().lower()
    if not query:
        return None
    matches = [unit for unit, name in names.items() if query in name.lower() or query in unit.lower()]
    if not matches:
        box.caption(f"没有名称含“{query}”的{noun}。")
        return None
    more = f"，列出前 {count(limit)} 个" if len(matches) > limit else ""
    return box.selectbox(f"匹配的{noun}（{count(len(matches))} 个{more}）", matches[:limit], format_func=names.get,
                         key=f"{key}_find")


@dataclass(frozen=True)
class Window:
    """The units a chart draws: ``rows`` in the order given, the ``highlight`` ids among them,
    and a ``note`` saying which units these are (empty when every unit is drawn)."""

    rows: pd.DataFrame
    highlight: frozenset[str]
    note: str

    @property
    def complete(self) -> bool:
        return not self.note


def unit_window(frame: pd.DataFrame, *, key: str, noun: str = "支部", order: str = "名次",
                id_column: str = "branch_id", name_column: str = "branch_name",
                keep: Collection[str | None] = ()) -> Window:
    """The units of ``frame`` (in display order, one row each) that a chart should draw.

    Up to ``charts.max_units`` rows: all of them. More: a choice between the best and the
    worst ``extreme_n`` (the first and last rows) and a page of ``page_rows``, a search box,
    and always the ``keep`` ids (the viewer's unit, the sidebar's) and the unit searched for.
    ``order`` names what the rows are ordered by, for the note.
    """
    keep = {k for k in keep if k}
    limits = config_mod.load().charts
    if len(frame) <= limits.max_units:
        return Window(frame, frozenset(keep), "")
    names = dict(zip(frame[id_column].tolist(), frame[name_column].tolist()))
    mode_column, find_column = st.columns(2, vertical_alignment="bottom")
    mode = mode_column.segmented_control(
        "显示", [EXTREMES, PAGES], default=EXTREMES, key=f"{key}_mode", required=True,
        format_func={EXTREMES: f"前后各{limits.extreme_n}个", PAGES: "分页浏览"}.get)
    found = find_unit(names, key=key, noun=noun, where=find_column)
    highlight = frozenset(keep | ({found} if found else set()))
    if mode == PAGES:
        pages = page_count(len(frame), limits.page_rows)
        page = _page_number(f"页码（共 {pages} 页）", key=f"{key}_page", pages=pages, where=st.columns(3)[0])
        shown = page_of(frame, page, limits.page_rows)
        first = (page - 1) * limits.page_rows + 1
        note = f"按{order}第 {count(first)}–{count(first + len(shown) - 1)} 个，共 {count(len(frame))} 个{noun}"
    else:
        shown = extremes(frame, limits.extreme_n)
        note = f"按{order}前 {limits.extreme_n} 个与后 {limits.extreme_n} 个，共 {count(len(frame))} 个{noun}"
    rows = with_kept(frame, shown, id_column=id_column, keep=highlight)
    if len(rows) > len(shown):
        outside = set(rows[id_column].tolist()) - set(shown[id_column].tolist())
        note += "；另含" + "、".join(names[i] for i in rows[id_column].tolist() if i in outside)
    return Window(rows, highlight, note)
