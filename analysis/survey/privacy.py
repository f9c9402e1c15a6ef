"""The minimum reporting group: which groups of respondents a breakdown may show.

The rule (hospital configuration ``survey.min_cell``, 5 by default):

* A breakdown by a respondent attribute (科室, 职称, 政治面貌 ...) shows a group only when it has
  at least ``min_group`` respondents, and then all of its counts: "1 of 122 chose 作用不明显"
  singles nobody out. Whole-sample results (frequencies, ungrouped shares and scales) are never
  hidden.
* No group may be had by subtraction either: not from the difference between two groupings
  ({民主党派, 共青团员} minus {共青团员}), nor from a grouping's complement within the whole
  sample. Hence the groups a breakdown may show are fixed per attribute, whatever grouping was
  asked for: the options with fewer than ``min_group`` respondents (and the respondents who
  skipped the attribute question, who are in every whole-sample figure but in no group) form
  one *block*, joined by the smallest other option while the block is still under the
  minimum; every other option is a block of its own. A group, or a grouping's total, is shown
  only when it is a union of whole blocks. Everything ever shown is then a sum of block counts,
  and every block holds at least ``min_group`` respondents, so no subtraction, of any two views,
  isolates fewer than that.
* Inside a respondent filter (:mod:`analysis.survey.filters`) a group shown both with and
  without the filter gives the answers of its members outside the filter by subtraction. So an
  option with between 1 and ``min_group`` - 1 respondents fewer under the filter than without
  it (``outside``) joins the small block too, and the block grows until its difference is 0
  or at least the minimum; a group whose own difference is that small is refused outright.
* Hiding an option that is not small (joined to the block above) is the secondary suppression
  this needs, and it happens only where that additive constraint exists: when the small
  options together are under the minimum.

Plain Python over counts; the survey functions compute the counts in DuckDB and call
:func:`reporting_blocks`, then ask it about each group they would show.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field

__all__ = ["COMPLEMENT", "UNANSWERED", "ReportingBlocks", "reporting_blocks"]

#: Shown instead of the counts of a group hidden although it is not small (it would give a
#: small one back by subtraction). Small groups show ``"<{min_group}"``.
COMPLEMENT = "*"

#: The atom of the respondents who did not answer the attribute question.
UNANSWERED = "(未作答)"


@dataclass(frozen=True)
class ReportingBlocks:
    """The blocks of one attribute (see the module notes) and the verdict on any group of it.

    ``sizes`` maps every option (and :data:`UNANSWERED`) to its respondents; ``labels`` gives
    each option's text for the explanations; ``outside`` the respondents of each option whom a
    respondent filter leaves out (empty without a filter).
    """

    sizes: Mapping[Hashable, int]
    blocks: tuple[frozenset, ...]
    labels: Mapping[Hashable, str]
    min_group: int
    outside: Mapping[Hashable, int] = field(default_factory=dict)

    def block_of(self, option: Hashable) -> frozenset:
        return next(block for block in self.blocks if option in block)

    def refusal(self, group: str, options: Iterable[Hashable]) -> str | None:
        """Why the group of ``options`` may not be shown (Chinese), or None when it may.

        Options nobody chose change no count and are ignored.
        """
        if self.min_group <= 1:
            return None
        options = list(options)
        if 0 < sum(self.outside.get(o, 0) for o in options) < self.min_group:
            return (f"“{group}”不予显示：筛选前后该组相差不足 {self.min_group} 人，"
                    "两者相减即可推出这些人的回答。")
        chosen = {o for o in options if self.sizes.get(o, 0) > 0}
        size = sum(self.sizes[o] for o in chosen)
        if 0 < size < self.min_group:
            return f"“{group}”不足 {self.min_group} 人，不予显示。"
        for block in self.blocks:
            inside = chosen & block
            if inside and inside != block:
                return self._split_reason(group, block, inside)
        return None

    def mark(self, options: Iterable[Hashable]) -> str:
        """How a refused group's counts are shown: ``"<5"`` when small, else :data:`COMPLEMENT`."""
        size = sum(self.sizes.get(o, 0) for o in options)
        return f"<{self.min_group}" if size < self.min_group else COMPLEMENT

    def _split_reason(self, group: str, block: frozenset, inside: set) -> str:
        small = [o for o in self._ordered(block) if self.sizes[o] < self.min_group]
        differing = [o for o in self._ordered(block) if o not in small and self._differs_little(o)]
        missing = [o for o in self._ordered(block - inside) if self.sizes[o] > 0]
        small_text = "、".join(f"“{self.labels.get(o, o)}”" for o in small)
        if differing:
            small_text += ("，" if small_text else "") + "、".join(
                f"“{self.labels.get(o, o)}”" for o in differing) + "筛选前后相差"
        small_text = small_text or "部分选项"
        if UNANSWERED in missing:
            return (f"“{group}”不予显示：{small_text}不足 {self.min_group} 人，若显示该组，"
                    "与全体结果相减即可推出这些人的回答。")
        together = "、".join(f"“{self.labels.get(o, o)}”" for o in missing)
        return (f"“{group}”不予显示：{small_text}不足 {self.min_group} 人，须与{together}合并为同一组报告，"
                "否则与其他分组相减即可推出这些人的回答。")

    def _differs_little(self, option: Hashable) -> bool:
        """Shown under a filter, the option would differ from itself unfiltered by 1 .. min - 1."""
        return self.sizes.get(option, 0) > 0 and 0 < self.outside.get(option, 0) < self.min_group

    def _ordered(self, options: Iterable[Hashable]) -> list:
        order = list(self.sizes)
        return sorted(options, key=order.index)


def reporting_blocks(
    sizes: Mapping[Hashable, int],
    *,
    unanswered: int,
    min_group: int,
    labels: Mapping[Hashable, str] | None = None,
    outside: Mapping[Hashable, int] | None = None,
) -> ReportingBlocks:
    """The reporting blocks of an attribute from its option sizes.

    Parameters
    ----------
    sizes : mapping of option to int
        Respondents (of the figure being broken down) choosing each option, in option order.
    unanswered : int
        Respondents of that figure who skipped the attribute question.
    min_group : int
        The minimum reporting group; ``0`` or ``1`` makes every option a block of its own.
    labels : mapping of option to str, optional
        Option texts for the explanations (default: the options themselves).
    outside : mapping of option to int, optional
        Inside a respondent filter: each option's respondents the filter leaves out (the
        unanswered under :data:`UNANSWERED`).

    Returns
    -------
    ReportingBlocks
        ``blocks``: the small block (options with 1 .. min_group - 1 respondents, or inside a
        filter 1 .. min_group - 1 fewer than unfiltered, and, when there are any, the respondents
        who skipped, joined by the smallest larger options while it holds fewer than
        ``min_group`` or differs by fewer), then one block per other option (options nobody
        chose included). ``sizes`` includes :data:`UNANSWERED`.

    Examples
    --------
    >>> b = reporting_blocks({"甲": 40, "乙": 3, "丙": 57}, unanswered=0, min_group=5)
    >>> [sorted(block) for block in b.blocks]
    [['乙', '甲'], ['丙'], ['(未作答)']]
    >>> b.refusal("甲", ["甲"])
    '“甲”不予显示：“乙”不足 5 人，须与“乙”合并为同一组报告，否则与其他分组相减即可推出这些人的回答。'
    >>> b.refusal("甲乙", ["甲", "乙"]) is None
    True
    """
    all_sizes = {**sizes, UNANSWERED: unanswered}
    if min_group <= 1:
        return ReportingBlocks(all_sizes, tuple(frozenset([o]) for o in all_sizes), dict(labels or {}), min_group,
                               dict(outside or {}))
    gaps = dict(outside or {})
    # Options too small, or (inside a filter) too close to their unfiltered selves, to stand alone.
    small = {o for o, n in all_sizes.items() if 0 < n < min_group or (n > 0 and 0 < gaps.get(o, 0) < min_group)}
    order = list(sizes)
    large = sorted((o for o in sizes if o not in small and sizes[o] > 0), key=lambda o: (sizes[o], order.index(o)))

    def short(block: set) -> bool:
        return (sum(all_sizes[o] for o in block) < min_group
                or 0 < sum(gaps.get(o, 0) for o in block) < min_group)

    while small and short(small) and large:
        small.add(large.pop(0))
    blocks = ([frozenset(small)] if small else []) + [frozenset([o]) for o in sizes if o not in small]
    if UNANSWERED not in small:
        blocks.append(frozenset([UNANSWERED]))
    return ReportingBlocks(all_sizes, tuple(blocks), dict(labels or {}), min_group, dict(outside or {}))
