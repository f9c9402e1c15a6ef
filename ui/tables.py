"""A table with our own formula-safe, audited CSV/Excel downloads (the built-in export is off)."""

from __future__ import annotations

import streamlit as st

from analysis import exports
from ui.login import record_audit


def table(frame, *, name: str, column_config: dict | None = None, key: str | None = None) -> None:
    """A table with our own CSV/Excel downloads (formula-safe, audited; built-in export off)."""
    st.dataframe(frame, hide_index=True, column_config=column_config, key=key)
    buttons = st.container(horizontal=True)
    detail = {"table": name, "rows": len(frame)}
    buttons.download_button("下载 CSV", exports.to_csv_bytes(frame), file_name=f"{name}.csv", mime="text/csv",
                         key=f"{key or name}_csv", on_click=record_audit, args=("export", {**detail, "format": "csv"}))
    buttons.download_button("下载 Excel", exports.to_xlsx_bytes({name: frame}), file_name=f"{name}.xlsx",
                          mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                          key=f"{key or name}_xlsx", on_click=record_audit, args=("export", {**detail, "format": "xlsx"}))
