"""Tests of analysis.survey.privacy: the reporting blocks and the verdict on groups, by hand and
exhaustively (every group and every difference of two groups over small attributes).
"""

from __future__ import annotations

import itertools
import random

import pytest

from analysis import survey
from analysis.scope import Scope
from analysis.survey.privacy import COMPLEMENT, UNANSWERED

SCOPE_RESEARCHER = Scope("researcher1", "researcher")


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


# --- the rule in the survey functions (issue #16, item 2) --------------------------------------

@pytest.fixture()
def hobby_con(tmp_path):
    from analysis import db
    from tests.survey_fixtures import make_survey, repeat

    con = db.open_database(tmp_path / "p.duckdb")
    # Q1 科室 (内科 25, 外科 40); Q2 作用 (内科: 24 作用明显 + 1 有一定作用; 外科: 30 + 10);
    # Q3 业余爱好, multiple choice: 手工艺 chosen by everyone but the last 4 of 外科 (书法 alone);
    # 3 of 内科 also chose 摄影. Counts: 手工艺 61, 书法 4, 摄影 3.
    responses = repeat(({1: 1, 2: 1, 3: [1, 3]}, 3), ({1: 1, 2: 1, 3: [1]}, 21), ({1: 1, 2: 2, 3: [1]}, 1),
                       ({1: 2, 2: 1, 3: [1]}, 30), ({1: 2, 2: 2, 3: [1]}, 6), ({1: 2, 2: 2, 3: [2]}, 4))
    make_survey(con, 1, {1: ("科室", "single", ["内科", "外科"], None),
                         2: ("作用", "single", ["作用明显", "有一定作用"], None),
                         3: ("业余爱好", "multiple", ["手工艺", "书法", "摄影"], None)}, responses)
    yield con
    con.close()


def test_whole_sample_multiple_choice_shows_a_large_option_beside_a_small_one(hobby_con):
    freq = survey.frequencies(hobby_con, survey_id=1, question_no=3, scope=SCOPE_RESEARCHER)
    shown = dict(zip(freq["option"], freq["n"]))
    assert shown["手工艺"] == 61 and shown["书法"] == 4 and shown["摄影"] == 3  # nothing hidden


def test_a_group_over_the_minimum_shows_every_count_however_few_disagree(hobby_con):
    shares = survey.effective_share(hobby_con, survey_id=1, question_no=2, group_question_no=1,
                                    effective_options=["作用明显"], scope=SCOPE_RESEARCHER).set_index("group")
    # 内科: 25 respondents, 24 作用明显 and 1 not: shown in full (the old rule blanked it).
    assert (shares.loc["内科", "n"], shares.loc["内科", "effective"], shares.loc["内科", "not_effective"]) == (25, 24, 1)
    assert shares.loc["内科", "pct"] == pytest.approx(96.0) and not shares.attrs["hidden"]
