"""The report's sections, one module each (overview 总览, vanguard 先锋指数, assessment 支部考核,
four_have 四有工程, org_life 组织生活, tasks 办实事, survey 问卷分析, business 党建+业务): each module's ``build(ctx)``
asks the analysis functions for the period and unit through ``common.Context`` (which records
every call) and turns their results into findings, tables and notes. ``BUILDERS`` lists them in
report order. Modules here import ``analysis.report.model``, ``common`` and the analysis
library (``analysis.metrics``, ``analysis.survey``, ``analysis.business``, ``periods``, ``config``, ``formatting``); never
``analysis.report.build`` or ``analysis.report.render``.
"""

from __future__ import annotations

from collections.abc import Callable

from analysis.report.sections import assessment, business, four_have, org_life, overview, survey, tasks, vanguard
from analysis.report.sections.common import Built, Context

BUILDERS: dict[str, Callable[[Context], Built]] = {
    "overview": overview.build,
    "vanguard": vanguard.build,
    "assessment": assessment.build,
    "four_have": four_have.build,
    "org_life": org_life.build,
    "tasks": tasks.build,
    "survey": survey.build,
    "business": business.build,
}

__all__ = ["BUILDERS", "Built", "Context"]
