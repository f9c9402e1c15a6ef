"""Tests of analysis.survey.privacy: the reporting blocks and the verdict on groups, by hand and
exhaustively (every group and every difference of two groups over small attributes).
"""

from __future__ import annotations

import itertools
import random

import pytest

from analysis import survey
from analysis.survey.privacy import COMPLEMENT, UNANSWERED


def blocks_of(sizes, unanswered=0, min_group=5):
    return set(survey.reporting_blocks(sizes, unanswered=unanswered, min_group=min_group).blocks)


@pytest.mark.parametrize(
    ("sizes", "unanswered", "expected"),
    [
        # One small option: the smallest larger one joins it (3 alone would be 40 + 3 - 40).
        ({"甲": 40, "乙": 3, "丙": 57}, 0, [["乙", "甲"], ["丙"], [UNANSWERED]]),
        # Two small options that make 5 together protect each other.
        ({"甲": 40, "乙": 3, "丙": 2, "丁": 57}, 0, [["乙", "丙"], ["甲"], ["丁"], [UNANSWERED]]),
        # Respondents who skipped the question are in every whole-sample figure and in no group.
        ({"甲": 40, "乙": 57}, 2, [["甲", UNANSWERED], ["乙"]]),
        # Nothing small: every option is its own block; an option nobody chose too.
        ({"甲": 40, "乙": 0, "丙": 57}, 0, [["甲"], ["乙"], ["丙"], [UNANSWERED]]),
    ],
)
def test_reporting_blocks(sizes, unanswered, expected):
    assert blocks_of(sizes, unanswered) == {frozenset(block) for block in expected}


def test_verdicts_and_marks():
    blocks = survey.reporting_blocks({"甲": 40, "乙": 3, "丙": 57}, unanswered=0, min_group=5)
    assert blocks.refusal("乙", ["乙"]) == "“乙”不足 5 人，不予显示。"
    assert "须与“乙”合并" in blocks.refusal("甲", ["甲"])
    assert blocks.refusal("甲乙", ["甲", "乙"]) is None and blocks.refusal("丙", ["丙"]) is None
    assert (blocks.mark(["乙"]), blocks.mark(["甲"])) == ("<5", COMPLEMENT)
    # The rule off: every group may be shown.
    assert survey.reporting_blocks({"甲": 1}, unanswered=0, min_group=0).refusal("甲", ["甲"]) is None


def _views(sizes, unanswered, min_group):
    """Every group of options a breakdown may show, as the set of its options (whole sample included)."""
    blocks = survey.reporting_blocks(sizes, unanswered=unanswered, min_group=min_group)
    options = list(sizes)
    shown = [frozenset(group) for k in range(1, len(options) + 1) for group in itertools.combinations(options, k)
             if blocks.refusal("g", group) is None]
    whole = frozenset([*options, UNANSWERED])
    return shown + [whole], {**sizes, UNANSWERED: unanswered}


@pytest.mark.parametrize("seed", range(40))
def test_no_difference_of_two_shown_groups_isolates_fewer_than_the_minimum(seed):
    # Random attributes of 3-5 options with some small ones: for any two groups the rule lets
    # through (the whole sample counts as one), the respondents in one but not the other number
    # 0 or at least the minimum (unless the smaller one is empty: the difference is then a
    # shown figure itself). That is the differencing attack of issue #13 in general.
    rng = random.Random(seed)
    sizes = {f"o{i}": rng.choice([0, 1, 2, 3, 4, 6, 9, 20]) for i in range(rng.randint(3, 5))}
    unanswered = rng.choice([0, 0, 1, 3, 7])
    views, all_sizes = _views(sizes, unanswered, 5)
    for a, b in itertools.product(views, repeat=2):
        if b <= a and sum(all_sizes[o] for o in b) > 0:
            left_out = sum(all_sizes[o] for o in a - b)
            assert left_out == 0 or left_out >= 5, (sizes, unanswered, sorted(a), sorted(b))
