"""Writing a built ``Report`` as a file: ``pptx`` the meeting deck (native, editable charts, in
the hospital's template or ours: ``template``), ``docx`` the Word 汇报材料 (公文 layout, charts
as images), ``xlsx`` the workbook (a cover sheet and one sheet per table), ``html`` one
self-contained, printable page with plotly charts and ``png`` (in ``html``) a zip of chart
images. ``render(report, fmt)`` picks one. Modules here read the report model only: they import
``analysis.report.model``, ``render.template`` (which imports nothing of the report package) and
the shared helpers ``analysis.charts``, ``analysis.exports`` and ``analysis.formatting``, never
the section builders or ``analysis.report.build``.
"""

from __future__ import annotations

from analysis.report.model import FORMATS, Report
from analysis.report.render.docx import to_docx
from analysis.report.render.html import to_html, to_png_zip
from analysis.report.render.pptx import to_pptx
from analysis.report.render.xlsx import to_xlsx


def render(report: Report, fmt: str, *, template: bytes | None = None) -> bytes:
    """The report as a file.

    Parameters
    ----------
    report : a built report.
    fmt : 'pptx', 'xlsx', 'docx', 'html' or 'png' (see ``FORMATS``).
    template : the deck's template as checked .pptx bytes (``template.check``); None: ours.
        Only the deck uses one.

    Returns
    -------
    bytes
        The file: the deck, the workbook, the Word report, the HTML page as UTF-8, or a zip of
        PNG charts.
    """
    if fmt == "pptx":
        return to_pptx(report, template)
    if fmt == "xlsx":
        return to_xlsx(report)
    if fmt == "docx":
        return to_docx(report)
    if fmt == "html":
        return to_html(report).encode("utf-8")
    if fmt == "png":
        return to_png_zip(report)
    raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")


__all__ = ["render"]
