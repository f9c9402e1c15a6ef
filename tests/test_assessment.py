"""支部季度量化考核 on hand-made hospitals (analysis/metrics/assessment.py); expected numbers worked out in the comments."""

from __future__ import annotations

import pytest

from analysis import config as config_mod
from analysis.metrics import assessment
from analysis.scope import Scope
from tests.builders import add_branch_total, add_org

ALL = Scope.committee()


def test_branch_ranking_ties_and_rank_change(small):
    con = small
    # 2024Q1: B1 90, B2 85, B3 80 -> ranks 1, 2, 3.
    # 2024Q2: B1 88, B2 88, B3 92 -> B3 1st; B1, B2 tie at 2 (competition ranking: 1, 2, 2).
    for branch, q1, q2 in (("B1", 90, 88), ("B2", 85, 88), ("B3", 80, 92)):
        add_branch_total(con, branch, "2024Q1", q1)
        add_branch_total(con, branch, "2024Q2", q2)
    ranks = assessment.branch_ranking(con, scope=ALL, first="2024Q1", last="2024Q2")
    q2 = ranks[ranks["quarter"] == "2024Q2"].set_index("branch_id")
    assert q2["total"].to_dict() == pytest.approx({"B1": 88, "B2": 88, "B3": 92})
    assert q2["rank"].to_dict() == {"B3": 1, "B1": 2, "B2": 2}
    assert q2["rank_change"].to_dict() == {"B3": 2, "B1": -1, "B2": 0}
    assert q2.loc["B1", "falling_streak"] == 1 and q2.loc["B2", "falling_streak"] == 0
    q1 = ranks[ranks["quarter"] == "2024Q1"]
    assert q1["rank_change"].isna().all()
    # Unit filter narrows rows but ranks stay hospital-wide.
    g2 = assessment.branch_ranking(con, scope=ALL, first="2024Q2", last="2024Q2", unit="G2")
    assert g2["branch_id"].tolist() == ["B3"] and g2["rank"].tolist() == [1]


def test_four_way_tie_ranks_then_skips(empty_con):
    add_org(empty_con, {"G1": ["B1", "B2", "B3", "B4"]})
    for branch, total in (("B1", 90), ("B2", 85), ("B3", 85), ("B4", 80)):
        add_branch_total(empty_con, branch, "2024Q1", total)
    ranks = assessment.branch_ranking(empty_con, scope=ALL, first="2024Q1", last="2024Q1")
    assert ranks["rank"].tolist() == [1, 2, 2, 4]


def test_quarter_review_commends_and_flags_with_reasons(empty_con):
    con = empty_con
    add_org(con, {"G1": ["B1", "B2", "B3", "B4", "B5", "B6"]})
    # B6 falls 90 -> 88 -> 86 (two quarters running); B5 is lowest at 70 (< 80 and bottom 3).
    history = {"B1": (95, 95, 96), "B2": (94, 94, 95), "B3": (93, 93, 94), "B4": (85, 85, 85),
               "B5": (75, 72, 70), "B6": (90, 88, 86)}
    for branch, totals in history.items():
        for quarter, total in zip(("2024Q1", "2024Q2", "2024Q3"), totals):
            add_branch_total(con, branch, quarter, total)
    review = assessment.quarter_review(con, scope=ALL, quarter="2024Q3").set_index("branch_id")
    assert review.loc[["B1", "B2", "B3"], "commended"].all()
    assert not review.loc[["B1", "B2", "B3"], "flagged"].any()
    # Bottom 3 of 2024Q3: B4 85 (rank 5), B6 86 (rank 4), B5 70 (rank 6).
    assert review.loc["B5", "reason"] == "总分70.0低于80分；位列后3名；连续2个季度下降"
    assert review.loc["B6", "reason"] == "位列后3名；连续2个季度下降"
    assert review.loc["B4", "reason"] == "位列后3名"
    assert review["flagged"].sum() == 3
    # A unit narrows the rows, never the yardstick: B5 is still in the hospital's bottom 3.
    narrowed = assessment.quarter_review(con, scope=ALL, quarter="2024Q3", unit="B5")
    assert narrowed["branch_id"].tolist() == ["B5"] and narrowed["reason"].tolist() == [review.loc["B5", "reason"]]
    assert assessment.quarter_review(con, scope=ALL, quarter="2024Q3", unit="B4")["reason"].tolist() == ["位列后3名"]


def test_annual_totals_rank_hospital_wide_and_narrow_to_the_unit(small):
    # 2024: B1 90 and 80 (mean 85), B2 95 and 93 (94), B3 70 in Q1 only (70) -> ranks B2 1, B1 2, B3 3.
    for branch, q1, q2 in (("B1", 90, 80), ("B2", 95, 93), ("B3", 70, None)):
        add_branch_total(small, branch, "2024Q1", q1)
        if q2 is not None:
            add_branch_total(small, branch, "2024Q2", q2)
    annual = assessment.annual_totals(small, scope=ALL, year=2024).set_index("branch_id")
    assert annual["rank"].to_dict() == {"B2": 1, "B1": 2, "B3": 3}
    assert annual.loc["B1", "mean"] == pytest.approx(85) and annual.loc["B3", "quarters"] == 1
    g2 = assessment.annual_totals(small, scope=ALL, year=2024, unit="G2")
    assert g2["branch_id"].tolist() == ["B3"] and g2["rank"].tolist() == [3]


def test_a_flag_reason_never_reads_as_the_line_itself():
    # A total of 79.96 is under the 80-point line; at one decimal it would read "80.0低于80分".
    from collections import namedtuple

    a = config_mod.DEFAULT.assessment
    row = namedtuple("Row", "rank total falling_streak")
    assert a.flag_below == 80
    assert assessment._review_reasons(row(50, 79.96, 0), a, worst_counted=1000) == "总分79.96低于80分"
    assert assessment._review_reasons(row(50, 79.94, 0), a, worst_counted=1000) == "总分79.9低于80分"
