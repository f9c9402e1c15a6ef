"""汇报材料: the meeting material (deck, workbook, HTML report, PNG charts) and 大屏展示 behind it.
``build_report`` turns the analysis functions' results for a period, a unit and a choice of
sections into a ``Report`` of findings (a statement whose title carries its numbers, with its
chart data, figures, points and source); ``render`` writes it as .pptx, .xlsx, .html or a zip
of PNGs; the 汇报材料 page, 大屏展示 and ``python -m analysis report`` all call these two.
Dependencies run one way: ``model`` (dataclasses and value helpers, importing nothing of this
package) <- ``sections`` (one module per section) <- ``build``, and ``model`` <- ``render``; nothing
in model, sections or build imports render. The package may import the analysis library
(``analysis.metrics``, ``analysis.survey``, ``analysis.business``, ``charts``, ``exports``, ``formatting``, ``periods``,
``config``, ``scope``), never streamlit, ``ui`` or ``pages``.
"""

from analysis.report.build import build_report, latest_quarter, parse_period, parse_sections, period_choices, unit_label
from analysis.report.model import FORMATS, SECTIONS, Finding, Report, outline_text
from analysis.report.render import render

__all__ = [
    "build_report", "render", "parse_period", "parse_sections", "unit_label", "latest_quarter", "period_choices",
    "outline_text", "SECTIONS", "FORMATS", "Report", "Finding",
]
