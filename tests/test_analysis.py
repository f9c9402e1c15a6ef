"""Analysis functions on hand-made hospitals; expected numbers worked out in the comments."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from analysis import periods
from analysis.metrics import assessment, org, tasks, vanguard
from analysis.scope import Scope
from tests.builders import add_branch_total, add_member, add_org, add_sheet

ALL = Scope.committee()


def test_quarter_helpers():
    assert periods.parse_quarter("2024年第3季度") == "2024Q3"
    assert periods.parse_quarter(" 2024q1 ") == "2024Q1"
    with pytest.raises(ValueError, match="not a quarter"):
        periods.parse_quarter("2024Q5")
    assert periods.shift("2024Q1", -1) == "2023Q4"
    assert periods.shift("2024Q4", 4) == "2025Q4"
    assert periods.quarter_range("2023Q3", "2024Q2") == ["2023Q3", "2023Q4", "2024Q1", "2024Q2"]
    assert periods.bounds("2024Q4") == (dt.date(2024, 10, 1), dt.date(2024, 12, 31))
    assert periods.bounds("2024Q1") == (dt.date(2024, 1, 1), dt.date(2024, 3, 31))
    assert periods.label("2024Q3") == "2024年第3季度"
    assert periods.quarter_of(dt.date(2024, 5, 31)) == "2024Q2"


@pytest.fixture()
def small(empty_con):
    add_org(empty_con, {"G1": ["B1", "B2"], "G2": ["B3"]})
    for member_id, branch in (("M1", "B1"), ("M2", "B1"), ("M3", "B2"), ("M4", "B3")):
        add_member(empty_con, member_id, branch)
    return empty_con


def test_vanguard_index_weights_raters(small):
    # One dimension sheet with self 90, peer 80, org 70 on every dimension:
    # index = 0.2*90 + 0.3*80 + 0.5*70 = 18 + 24 + 35 = 77 (dimension weights sum to 1).
    con = small
    for score, rater in ((90, "self"), (80, "peer"), (70, "org")):
        add_sheet(con, "M1", "2024Q1", score, raters=(rater,))
    trend = vanguard.hospital_trend(con, scope=ALL, first="2024Q1", last="2024Q1")
    assert trend["mean"].iloc[0] == pytest.approx(77.0)
    assert trend["n"].iloc[0] == 1


def test_vanguard_trend_qoq_yoy_and_gaps(small):
    con = small
    # 2023Q1: M1 80, M2 90 -> mean 85. 2023Q2: no data. 2023Q3: M1 82 -> mean 82.
    # 2024Q1: M1 84, M3 88, M4 92 -> mean 88; yoy vs 2023Q1 = +3; qoq vs 2023Q4 (absent) = NULL.
    # 2024Q2: M1 86 -> 86; qoq = 86 - 88 = -2; yoy vs 2023Q2 (absent) = NULL.
    for member_id, quarter, score in (("M1", "2023Q1", 80), ("M2", "2023Q1", 90), ("M1", "2023Q3", 82),
                                      ("M1", "2024Q1", 84), ("M3", "2024Q1", 88), ("M4", "2024Q1", 92),
                                      ("M1", "2024Q2", 86)):
        add_sheet(con, member_id, quarter, score)
    trend = vanguard.hospital_trend(con, scope=ALL, first="2024Q1", last="2024Q2").set_index("quarter")
    assert list(trend.index) == ["2024Q1", "2024Q2"]
    assert trend.loc["2024Q1", "mean"] == pytest.approx(88)
    assert trend.loc["2024Q1", "yoy"] == pytest.approx(3)
    assert pd.isna(trend.loc["2024Q1", "qoq"])
    assert trend.loc["2024Q2", "qoq"] == pytest.approx(-2)
    assert pd.isna(trend.loc["2024Q2", "yoy"])
    assert trend.loc["2024Q1", "sd"] == pytest.approx(4.0)  # sd of 84, 88, 92
    # Narrowed to general branch G1: M1 84 and M3 88 -> 86.
    g1 = vanguard.hospital_trend(con, scope=ALL, first="2024Q1", last="2024Q1", unit="G1")
    assert g1["mean"].iloc[0] == pytest.approx(86)
    # A single member's branch: n = 1, sd undefined.
    b3 = vanguard.hospital_trend(con, scope=ALL, first="2024Q1", last="2024Q1", unit="B3")
    assert b3["n"].iloc[0] == 1 and pd.isna(b3["sd"].iloc[0])


def test_incomplete_sheet_is_left_out(small):
    add_sheet(small, "M1", "2024Q1", 80)
    add_sheet(small, "M2", "2024Q1", 95, raters=("self", "peer"))  # no organisation score
    trend = vanguard.hospital_trend(small, scope=ALL, first="2024Q1", last="2024Q1")
    assert trend["n"].iloc[0] == 1 and trend["mean"].iloc[0] == pytest.approx(80)


def test_quarter_without_data_gives_empty_trend(small):
    assert vanguard.hospital_trend(small, scope=ALL, first="2030Q1", last="2030Q2").empty


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


def test_task_completion_two_decimals(small):
    con = small
    # 3 tasks started, 2 done by 2025-06-30 -> 66.67 %; the third is overdue (due 2025-05-01).
    rows = [("T1", "甲", "B1", "已完成", "2025-01-01", "2025-03-01", "2025-02-01"),
            ("T2", "乙", "B2", "已完成", "2025-01-01", "2025-06-01", "2025-05-20"),
            ("T3", "丙", "B3", "进行中", "2025-02-01", "2025-05-01", None),
            ("T4", "丁", "B3", "未开始", "2025-09-01", "2025-12-01", None)]
    for r in rows:
        con.execute("INSERT INTO service_task (task_id, title, branch_id, category, status, started_on, due_on, completed_on) "
                    "VALUES (?, ?, ?, '便民', ?, ?, ?, ?)", list(r))
    c = tasks.completion(con, scope=ALL, as_of=dt.date(2025, 6, 30))
    assert (c.done, c.total, c.overdue, c.rate) == (2, 3, 1, 66.67)
    assert tasks.completion(con, scope=ALL, as_of=dt.date(2025, 6, 30), unit="B3").rate == 0.0
    assert tasks.completion(con, scope=ALL, as_of=dt.date(2024, 1, 1)).rate is None
    trend = tasks.completion_trend(con, scope=ALL, quarters=["2025Q1", "2025Q2", "2025Q4"])
    # End of Q1: T1 done of T1..T3 -> 33.33; Q2: 66.67; Q4: 2 of 4 -> 50.00.
    assert trend["rate"].tolist() == [33.33, 66.67, 50.0]


def test_headcount_counts_members_joined_by_date(small):
    add_member(small, "M5", "B3", role="预备党员", joined=dt.date(2025, 3, 1))
    hc = org.headcount(small, scope=ALL, as_of=dt.date(2024, 12, 31))
    assert (hc.general_branches, hc.branches, hc.members, hc.probationary) == (2, 3, 4, 0)
    hc = org.headcount(small, scope=ALL, unit="G2", as_of=dt.date(2025, 12, 31))
    assert (hc.general_branches, hc.branches, hc.members, hc.probationary) == (1, 1, 2, 1)


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
