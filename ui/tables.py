"""A table that sends one page of rows, with formula-safe CSV/Excel downloads built on click.

Nothing is built or stored when a page is drawn: the download button holds a callable that
Streamlit runs when the viewer clicks (in a thread of its own, outside the script run). It
writes the audit row first, on its own cursor and with the viewer captured when the page was
drawn, and then builds the file from every row in the viewer's scope. Streamlit's media store
serves what it holds to anyone with the URL, so a file built at draw time would be fetchable
without a session and without an audit row (security issue #13, item 5).
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pandas as pd
import streamlit as st
from streamlit.elements.lib.mutable_expander_container import ExpanderContainer

from analysis import db, exports
from analysis.access import audit
from analysis.formatting import table_cells
from ui.login import viewer
from ui.paging import paged
from ui.profile import open_profile
from ui.session import connection

FORMATS = {  # format -> (button label, MIME type)
    "csv": ("下载 CSV", "text/csv"),
    "xlsx": ("下载 Excel", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
}


def table(frame: pd.DataFrame, *, name: str, column_config: dict | None = None, key: str | None = None,
          opens: str | None = None, note: str = "") -> None:
    """``frame`` one page at a time, with CSV and Excel downloads of all of it.

    ``opens``: a column of unit ids (not shown); selecting a row opens that unit's 支部画像.
    ``note``: what the rows are restricted to (a survey's respondent filter); the downloads then
    carry it as their first column, 筛选条件, and "_筛选" in their file name.
    """
    key = key or name
    page = paged(frame, key=f"{key}_page")
    ids = page[opens].tolist() if opens else []
    rows, formats, texts = table_cells(_as_text_where_mixed(page.drop(columns=[opens]) if opens else page),
                                       {column: _places(spec) for column, spec in (column_config or {}).items()})
    # A column turned into text ("—" for a missing date or number) keeps no number/date format.
    config = {column: st.column_config.NumberColumn(format=fmt) for column, fmt in formats.items()}
    config |= {column: spec for column, spec in (column_config or {}).items() if column not in texts}
    if opens:
        event = st.dataframe(rows, hide_index=True, column_config=config, key=key, on_select="rerun",
                             selection_mode="single-row")
        chosen = event.selection.rows if event else []
        if chosen and isinstance(ids[chosen[0]], str):
            open_profile(ids[chosen[0]])
    else:
        st.dataframe(rows, hide_index=True, column_config=config, key=key)
    buttons = st.container(horizontal=True)
    shown = frame.drop(columns=[opens]) if opens else frame
    if note:
        shown, name = exports.with_note(shown, note), f"{name}_筛选"
    for fmt, (label, mime) in FORMATS.items():
        buttons.download_button(label, data=export(shown, name=name, fmt=fmt), file_name=f"{name}.{fmt}", mime=mime,
                                key=f"{key}_{fmt}", on_click="ignore")


def _places(spec: object) -> int | None:
    """The decimals a page's own column format shows its numbers with ("%.2f": 2; "percent", a
    fraction shown as a percent with two: 4), None for any other format (left unrounded)."""
    fmt = spec.get("type_config", {}).get("format") if isinstance(spec, dict) else None
    if fmt == "percent":
        return 4
    fixed_places = re.fullmatch(r"%[+,]?\.(\d+)f%?%?", fmt or "")
    return int(fixed_places.group(1)) if fixed_places else None


def _as_text_where_mixed(rows: pd.DataFrame) -> pd.DataFrame:
    # A column mixing numbers and text (a suppressed count such as "<5") cannot go to the browser
    # as one Arrow type: show it as text rather than let Streamlit guess and log a traceback.
    mixed = [c for c in rows.columns if rows[c].dtype == object
             and len({type(v) for v in rows[c].dropna().tolist()}) > 1]
    if not mixed:
        return rows
    shown = rows.copy(deep=False)  # copy-on-write: the shared result keeps its columns
    for column in mixed:
        shown[column] = [None if pd.isna(v) else str(v) for v in rows[column].tolist()]
    return shown


def export(frame: pd.DataFrame, *, name: str, fmt: str) -> Callable[[], bytes]:
    """The download of ``frame`` as ``fmt`` ('csv' or 'xlsx'), built and audited when clicked."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}")
    make = (lambda: exports.to_csv_bytes(frame)) if fmt == "csv" else (lambda: exports.to_xlsx_bytes({name: frame}))
    return audited(make, detail={"table": name, "rows": len(frame), "format": fmt})


def audited(make: Callable[[], bytes], *, detail: dict) -> Callable[[], bytes]:
    """A download button's ``data``: writes an 'export' audit row for this run's viewer, then
    returns ``make()``.

    Streamlit calls it on click from another thread, without a script context, so the viewer's
    name and the database handle are taken now and the audit row is written on a cursor of its
    own. The row comes first: if it cannot be written, nothing is downloaded.
    """
    username = viewer().username
    handle = connection()

    def build() -> bytes:
        con = handle.cursor()
        try:
            with db.transaction(con):
                audit.record(con, username, "export", detail)
        finally:
            con.close()
        return make()

    return build


def data_box(label: str, *, key: str, expanded: bool = False) -> ExpanderContainer | None:
    """An expander whose contents are built only while it is open: the expander when open, else
    None (``if box := data_box(...): with box: ...``).

    Streamlit runs a closed expander's contents and sends them to the browser on every run; a
    page's data tables (their queries, a page of formatted rows, two download buttons each) were
    a large part of its runs. Opening or closing the box reruns the page, which then draws it.
    """
    box = st.expander(label, expanded=expanded, key=f"{key}_open", on_change="rerun")
    return box if box.open else None


def member_rows_wanted(label: str, *, key: str, one_branch: bool) -> bool:
    """Whether to build a member-by-member table now: for one branch at once, for a wider unit
    (hundreds of thousands of rows at a large hospital) only once the viewer turns it on."""
    return one_branch or st.toggle(label, key=key, help="逐名党员列出；所选范围越大，生成越慢。")
