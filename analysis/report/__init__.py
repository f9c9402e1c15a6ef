"""汇报材料: the meeting material (deck, workbook, HTML report, PNG charts) and 大屏展示 behind it.

``build_report`` asks the analysis functions for a period (a quarter or a year), a unit (the
whole hospital, a 党总支 or a 党支部) and a choice of sections, and turns their results into
*findings*: one statement each whose title carries its numbers ("2025年第4季度先锋指数均值
86.9，环比上升 1.0"), with the chart data behind it, headline figures, supporting points and the
source, period, n and method for the speaker notes. ``render`` writes a report as .pptx, .xlsx,
.html or a zip of PNG charts; the 汇报材料 page and ``python -m analysis report`` both call these
two functions, so they produce the same file.

Layout, dependencies in one direction: ``model`` (the dataclasses and value helpers; imports
nothing of this package) <- ``sections`` (one module per section, each calling the analysis
functions) <- ``build`` (periods, sections chosen, ``build_report``); and ``model`` <- ``render``
(pptx, xlsx, html). Nothing in model, sections or build imports render. This package may import
the analysis library (``analysis.metrics``, ``analysis.survey``, ``charts``, ``exports``,
``formatting``, ``periods``, ``config``, ``scope``), never streamlit, ``ui`` or ``pages``.

Nothing here computes a statistic: every number comes from an analysis function called with
the viewer's ``scope`` (recorded in ``Report.calls``), and the chart series hold that
function's values unrounded (display formats do the rounding). Small-cell suppression stays
the analysis functions' business; a suppressed value reaches a chart as an empty point and a
title as "不予报告". Reports are aggregates over branches by design: no member's name appears in
any format, since meeting material travels further than the dashboard.

A section the viewer may not see (researchers: everything but the hospital-level survey) or
without data in the period is left out with a line in ``Report.notes``.
"""

from analysis.report.build import build_report, latest_quarter, parse_period, parse_sections, period_choices, unit_label
from analysis.report.model import FORMATS, SECTIONS, Finding, Report, outline_text
from analysis.report.render import render

__all__ = [
    "build_report", "render", "parse_period", "parse_sections", "unit_label", "latest_quarter", "period_choices",
    "outline_text", "SECTIONS", "FORMATS", "Report", "Finding",
]
