"""Writing a built ``Report`` as a file: ``pptx`` the meeting deck (native, editable charts),
``xlsx`` the workbook (a cover sheet and one sheet per table), ``html`` one self-contained,
printable page with plotly charts and ``png`` (in ``html``) a zip of chart images for Word.
``render(report, fmt)`` picks one. Modules here read the report model only: they import
``analysis.report.model`` and the shared helpers ``analysis.charts``, ``analysis.exports`` and
``analysis.formatting``, never the section builders or ``analysis.report.build``.
"""

from __future__ import annotations

from analysis.report.model import FORMATS, Report
from analysis.report.render.html import to_html, to_png_zip
from analysis.report.render.pptx import to_pptx
from analysis.report.render.xlsx import to_xlsx


def render(report: Report, fmt: str) -> bytes:
    """The report as a file.

    Parameters
    ----------
    report : a built report.
    fmt : 'pptx', 'xlsx', 'html' or 'png' (see ``FORMATS``).

    Returns
    -------
    bytes
        The file: the deck, the workbook, the HTML page as UTF-8, or a zip of PNG charts.
    """
    if fmt == "pptx":
        return to_pptx(report)
    if fmt == "xlsx":
        return to_xlsx(report)
    if fmt == "html":
        return to_html(report).encode("utf-8")
    if fmt == "png":
        return to_png_zip(report)
    raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")


__all__ = ["render"]
