"""What every page shares: the database handle, the viewer's scope, sidebar filters, caching.

This is the only UI module that touches the connection; pages call ``cached`` with an
analysis function and draw what it returns.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import duckdb
import streamlit as st

from analysis import config as config_mod
from analysis import db, org, periods
from analysis.scope import Scope

DB_ENV = "PARTY_DASHBOARD_DB"
# Selectbox value meaning "no narrowing" (None would show as an empty placeholder).
ALL = ""


def database_path() -> Path:
    return Path(os.environ.get(DB_ENV) or config_mod.DATA_DIR / "demo.duckdb")


@st.cache_resource(show_spinner=False)
def _database(path: str) -> duckdb.DuckDBPyConnection:
    # One read-write handle per server process; sessions get cursors from it (see README).
    return db.open_database(path)


def cursor() -> duckdb.DuckDBPyConnection:
    """A cursor of the shared database for this script run (DuckDB cursors are per thread)."""
    return _database(str(database_path())).cursor()


def viewer() -> Scope:
    """The signed-in viewer's scope."""
    return st.session_state.setdefault("scope", Scope.committee("demo"))


@st.cache_data(ttl=900, max_entries=512, show_spinner=False)
def _cached_call(name: str, version: int, scope_key: tuple, kwargs: dict, _fn: Callable, _con, _scope: Scope) -> Any:
    return _fn(_con, scope=_scope, **kwargs)


def cached(fn: Callable, **kwargs: Any) -> Any:
    """Call ``fn(con, scope=viewer, **kwargs)`` through the shared cache.

    The cache key holds the data version (bumped by every import, from the app or the CLI)
    and the viewer's scope, so no one is served a stale result or one computed for a wider
    scope.
    """
    con = cursor()
    scope = viewer()
    return _cached_call(f"{fn.__module__}.{fn.__qualname__}", db.data_version(con), scope.cache_key, kwargs,
                        _fn=fn, _con=con, _scope=scope)


@dataclass(frozen=True)
class Filters:
    first: str
    last: str
    unit: str | None
    unit_label: str

    @property
    def period_label(self) -> str:
        if self.first == self.last:
            return periods.label(self.last)
        return f"{periods.label(self.first)}—{periods.label(self.last)}"

    @property
    def period_end(self) -> dt.date:
        return periods.bounds(self.last)[1]


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
        generals = units.dropna(subset=["general_branch_id"]).drop_duplicates("general_branch_id")
        general_names = {ALL: "全院", **dict(zip(generals["general_branch_id"], generals["general_branch_name"]))}
        general = st.selectbox("党总支", options=list(general_names), format_func=general_names.get, key="general_branch")
        branches = units if general == ALL else units[units["general_branch_id"] == general]
        branch_names = {ALL: "全部支部", **dict(zip(branches["branch_id"], branches["branch_name"]))}
        if st.session_state.get("branch") not in branch_names:
            st.session_state["branch"] = ALL
        branch = st.selectbox("党支部", options=list(branch_names), format_func=branch_names.get, key="branch")
        if cached(org.is_demo):
            st.caption("演示数据：示例医院的全部人员、评分与问卷均为程序合成，不涉及任何真实人员。")
    unit = branch if branch != ALL else general if general != ALL else None
    label = branch_names[branch] if branch != ALL else general_names[general]
    return Filters(first=first, last=last, unit=unit, unit_label=label)


def table(frame, *, name: str, column_config: dict | None = None, key: str | None = None) -> None:
    """A table with our own CSV/Excel downloads (formula-safe; the built-in export is off)."""
    from analysis import exports

    st.dataframe(frame, hide_index=True, column_config=column_config, key=key)
    left, right, _ = st.columns([1, 1, 4])
    left.download_button("下载 CSV", exports.to_csv_bytes(frame), file_name=f"{name}.csv", mime="text/csv",
                         key=f"{key or name}_csv", on_click="ignore")
    right.download_button("下载 Excel", exports.to_xlsx_bytes({name: frame}), file_name=f"{name}.xlsx",
                          mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                          key=f"{key or name}_xlsx", on_click="ignore")
