"""Streamlit's own chrome made Chinese, quiet and printable: one stylesheet for every page.

Streamlit ships no translation of its chrome. What is not useful is hidden (the main menu,
Deploy, every plotly toolbar button but "download as PNG"), what stays is relabelled in CSS
(the file uploader's texts, the toolbar tooltip, which plotly draws from ``data-title`` with
CSS). The filters are put above the page list in the sidebar. Print: no sidebar or toolbars,
A4 landscape, a page break before each section, charts kept whole. Narrow screens: columns
stack and metric cards wrap.
"""

from __future__ import annotations

import streamlit as st

from analysis.formatting import date
from analysis.metrics import org
from ui.cache import cached

CSS = """
<style>
/* Filters first: the page list and the account box follow them. */
[data-testid="stSidebarContent"] { display: flex; flex-direction: column; }
[data-testid="stSidebarHeader"] { order: -2; }
[data-testid="stSidebarUserContent"] { order: -1; padding-bottom: 0.5rem; }
[data-testid="stSidebarUserContent"] [data-testid="stVerticalBlock"] > div:has(> .st-key-account_box),
[data-testid="stSidebarUserContent"] [data-testid="stVerticalBlock"] > .st-key-account_box { order: 99; }

/* Chrome with nothing for this app's users. */
[data-testid="stMainMenu"], [data-testid="stAppDeployButton"], .stDeployButton { display: none !important; }

/* File uploader in Chinese: its English texts set to size 0, Chinese drawn after them. */
[data-testid="stFileUploaderDropzoneInstructions"] span { font-size: 0 !important; }
[data-testid="stFileUploaderDropzoneInstructions"] span::after {
  content: "将文件拖放到此处，单个文件不超过 MAX_UPLOAD MB"; font-size: 0.875rem; }
[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] p { font-size: 0 !important; }
[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] p::after {
  content: "选择文件"; font-size: 0.875rem; }

/* Plotly toolbar: only the PNG download, with a Chinese tooltip, below the title. */
.modebar-btn:not([data-attr="toImage"]):not([data-title^="Download"]) { display: none !important; }
.modebar-group { background: transparent !important; }
.modebar-btn[data-title^="Download"]::after, .modebar-btn[data-attr="toImage"]::after { content: "下载为 PNG 图片" !important; }
.modebar-container { top: auto !important; bottom: 2px !important; }

/* Narrow screens: cards and columns stack, tables scroll. */
@media (max-width: 640px) {
  [data-testid="stHorizontalBlock"] { flex-wrap: wrap !important; gap: 0.5rem !important; }
  [data-testid="stHorizontalBlock"] > [data-testid="stColumn"] { min-width: 100% !important; flex: 1 1 100% !important; }
  [data-testid="stMainBlockContainer"] { padding-left: 0.75rem !important; padding-right: 0.75rem !important; }
  h1 { font-size: 1.6rem !important; }
  /* Metric cards two to a row; chart titles smaller so they fit the width. */
  [data-testid="stHorizontalBlock"]:has(> [data-testid="stColumn"] > [data-testid="stVerticalBlock"]
      > [data-testid="stElementContainer"] > [data-testid="stMetric"]) > [data-testid="stColumn"] {
    min-width: calc(50% - 0.5rem) !important; flex: 1 1 calc(50% - 0.5rem) !important; }
  .js-plotly-plot .gtitle { font-size: 12px !important; }
}

/* Print: the page only, A4 landscape, sections on their own pages. */
@media print {
  @page { size: A4 landscape; margin: 10mm; }
  [data-testid="stSidebar"], [data-testid="stHeader"], [data-testid="stToolbar"], [data-testid="stDecoration"],
  [data-testid="stElementToolbar"], .modebar-container, [data-testid="stStatusWidget"], iframe { display: none !important; }
  [data-testid="stMain"], [data-testid="stMainBlockContainer"] { margin: 0 !important; padding: 0 !important;
    max-width: none !important; width: 100% !important; }
  [data-testid="stAppViewContainer"] { position: static !important; }
  /* Side-by-side cards stay side by side; a row, a card or a chart is never cut. */
  [data-testid="stHorizontalBlock"] { display: flex !important; flex-wrap: nowrap !important; break-inside: avoid;
    page-break-inside: avoid; }
  [data-testid="stHorizontalBlock"] > [data-testid="stColumn"] { min-width: 0 !important; }
  [data-testid="stVerticalBlockBorderWrapper"], .js-plotly-plot, [data-testid="stPlotlyChart"] {
    break-inside: avoid; page-break-inside: avoid; }
  [data-testid="stMainBlockContainer"] h2, [data-testid="stMainBlockContainer"] h3 { break-after: avoid; }
  .print-break { break-before: page; page-break-before: always; }
}
</style>
"""


def apply() -> None:
    """The stylesheet, once per run (an ``st.html`` style block takes no space)."""
    st.html(CSS.replace("MAX_UPLOAD", str(st.get_option("server.maxUploadSize"))))


def page_break() -> None:
    """Where a printout starts a new page (nothing on screen)."""
    st.html('<div class="print-break"></div>')


def freshness_line() -> None:
    """"数据截至 … · 最近导入 …" above every page."""
    fresh = cached(org.freshness)
    until = date(fresh.data_until) if fresh.data_until else "暂无数据"
    imported = f"{date(fresh.last_import.date())} {fresh.last_import:%H:%M}" if fresh.last_import else "尚未导入"
    st.caption(f"数据截至 {until} · 最近导入 {imported}")
