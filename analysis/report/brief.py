"""The short deck's choice: which findings a 党委 meeting hears, and the drafted 存在问题.

A 党委 agenda item is 10–12 slides (``SHORT_DECK_SLIDES``): the cover, 总体情况
(``overview.summary``), the key findings, 存在问题 and 下步打算. The key findings are chosen by
what changed or is flagged, not by section order: every section builder gives each finding a
``weight`` (how much the measure matters, plus how far it moved or how many units it flags; see
the builders), and the heaviest ``KEY_FINDINGS`` are kept, at most ``PER_SECTION`` from one
section so that no section fills the meeting on its own. They are shown in report order, which
tells the story section by section.

存在问题 lists the concerns of every finding (also those not on a slide of their own), heaviest
first, at most ``MAX_PROBLEMS``; 下步打算 is the action drafted with each. Both are drafts from
the data: the renderers mark them so, and the 党办 revises them.

Reads the model only (no analysis call): ``build_report`` applies it to the built findings.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from analysis.report.model import SHORT_DECK_SLIDES, Concern, Finding

OVERVIEW = "overview.summary"
KEY_FINDINGS = SHORT_DECK_SLIDES - 4  # besides the cover, 总体情况, 存在问题 and 下步打算
PER_SECTION = 3
MAX_PROBLEMS = 6


def key_findings(findings: Sequence[Finding]) -> tuple[str, ...]:
    """The keys of the findings a short deck shows: 总体情况 and the heaviest, in report order.

    Parameters
    ----------
    findings : the report's findings, in report order.

    Returns
    -------
    tuple of str
        ``overview.summary`` (when built) and up to ``KEY_FINDINGS`` others, at most
        ``PER_SECTION`` per section, in the order of ``findings``; among equal weights the
        earlier finding wins.
    """
    ranked = sorted((f for f in findings if f.key != OVERVIEW), key=lambda f: -f.weight)
    chosen: set[str] = {OVERVIEW}
    per_section: Counter[str] = Counter()
    for finding in ranked:
        if len(chosen) > KEY_FINDINGS:
            break
        if per_section[finding.section] < PER_SECTION:
            chosen.add(finding.key)
            per_section[finding.section] += 1
    return tuple(f.key for f in findings if f.key in chosen)


def problems(findings: Sequence[Finding]) -> tuple[Concern, ...]:
    """The concerns for 存在问题 (each with its 下步打算 action), heaviest first.

    Parameters
    ----------
    findings : the report's findings.

    Returns
    -------
    tuple of Concern
        At most ``MAX_PROBLEMS``; the same problem text raised twice is listed once.
    """
    seen: dict[str, Concern] = {}
    for concern in sorted((c for f in findings for c in f.concerns), key=lambda c: -c.weight):
        seen.setdefault(concern.problem, concern)
    return tuple(seen.values())[:MAX_PROBLEMS]


__all__ = ["key_findings", "problems", "KEY_FINDINGS", "PER_SECTION", "MAX_PROBLEMS"]
