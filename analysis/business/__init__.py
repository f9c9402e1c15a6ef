"""党建+业务: does stronger Party work go with better department results, honestly answered.

``panel`` (the branch-quarter panel: 先锋指数, 支部考核 and its indicators, 三会一课 beside the
mapped departments' indicators, staff-weighted; pseudonymous for researchers), ``models``
(per indicator: Spearman across branches, the same controlling for department type, the
lagged view and within-branch fixed effects, each Holm-corrected with a verdict; ``analyse``
runs them all on one panel), ``quadrant`` (branches by Party score and results, four named
quadrants) and ``reading`` (the Chinese sentence of every result: an association in n
branches over k quarters, not a cause; "the data cannot tell" when n or the interval says
so). Every function takes the connection and the viewer's ``scope``; hospital-level results
are for every role, branch rows for the committee and secretaries, pseudonymous for
researchers. May import the basics of ``analysis`` and ``analysis.metrics``; never
``report``, ``cli``, ``ingest``, ``charts`` or anything outside ``analysis``.
"""

from analysis.business.models import (
    VERDICTS,
    BusinessAnalysis,
    analyse,
    association,
    lagged_association,
    partial_association,
    within_branch,
)
from analysis.business.panel import PARTY_MEASURES, branch_trend, department_coverage, panel, party_measure
from analysis.business.quadrant import QUADRANTS, quadrant

__all__ = [
    "PARTY_MEASURES", "VERDICTS", "QUADRANTS", "BusinessAnalysis", "analyse", "association", "partial_association",
    "lagged_association", "within_branch", "panel", "branch_trend", "department_coverage", "party_measure", "quadrant",
]
