"""The 党建+业务 panel, hand-worked: department weighting, a department changing branch,
三会一课 per quarter, pseudonyms, coverage, the branch trend and the quadrant."""

from __future__ import annotations

import datetime as dt
import hashlib

import pandas as pd
import pytest

from analysis import business, config
from analysis.business.quadrant import quadrant_table
from analysis.scope import Scope
from tests.builders import add_branch_total, add_member, add_org, add_sheet

ALL = Scope.committee()


@pytest.fixture()
def mapped(empty_con):
    """B1 and B2 under G1, B3 under G2; departments:

    K1 内科 30 staff and K2 外科 10 staff in B1 from 2024Q1; K2 moves to B2 from 2024Q2;
    K3 护理 20 staff in B3 from 2024Q2 (its 2024Q1 row has no branch).
    """
    con = empty_con
    add_org(con, {"G1": ["B1", "B2"], "G2": ["B3"]})
    con.execute("""INSERT INTO department_branch (department_id, from_quarter, department_name, department_type, branch_id, staff)
                   VALUES ('K1', '2024Q1', '心内一病区', '内科', 'B1', 30), ('K2', '2024Q1', '普外', '外科', 'B1', 10),
                          ('K2', '2024Q2', '普外', '外科', 'B2', 10), ('K3', '2024Q2', '护理部', '护理', 'B3', 20)""")
    rows = [("K1", "2024Q1", "inpatient_satisfaction", 80.0), ("K2", "2024Q1", "inpatient_satisfaction", 40.0),
            ("K1", "2024Q1", "disputes", 3.0), ("K2", "2024Q1", "disputes", 1.0),
            ("K1", "2024Q2", "inpatient_satisfaction", 90.0), ("K2", "2024Q2", "inpatient_satisfaction", 50.0),
            ("K3", "2024Q1", "inpatient_satisfaction", 70.0), ("K3", "2024Q2", "inpatient_satisfaction", 60.0)]
    con.executemany("INSERT INTO department_performance (department_id, quarter, indicator_id, value) VALUES (?, ?, ?, ?)",
                    rows)
    for branch, total in (("B1", 90), ("B2", 80), ("B3", 70)):
        add_branch_total(con, branch, "2024Q1", total)
        add_branch_total(con, branch, "2024Q2", total + 2)
    return con


def test_departments_combine_by_staff_and_follow_their_branch(mapped):
    frame = business.panel(mapped, scope=ALL, first="2024Q1", last="2024Q2").set_index(["branch_id", "quarter"])
    b1 = frame.loc[("B1", "2024Q1")]
    # (30·80 + 10·40) / 40 = 70; disputes are counts: 100 · (3 + 1) / 40 staff = 10 per 100 staff
    assert b1["perf_inpatient_satisfaction"] == pytest.approx(70.0)
    assert b1["perf_disputes"] == pytest.approx(10.0)
    assert (b1["departments"], b1["staff"], b1["department_type"]) == (2, 40, "内科")  # 内科 has 30 of 40
    # From 2024Q2 K2 counts for B2, and B1 is K1 alone.
    assert frame.loc[("B1", "2024Q2"), "perf_inpatient_satisfaction"] == pytest.approx(90.0)
    assert frame.loc[("B2", "2024Q2"), "perf_inpatient_satisfaction"] == pytest.approx(50.0)
    assert frame.loc[("B2", "2024Q2"), "department_type"] == "外科"
    # K3's 2024Q1 value had no branch: B3 has no department data that quarter, only its total.
    assert pd.isna(frame.loc[("B3", "2024Q1"), "perf_inpatient_satisfaction"])
    assert frame.loc[("B3", "2024Q1"), "assessment"] == pytest.approx(70.0)
    assert frame.loc[("B1", "2024Q1"), "assess_A01"] == pytest.approx(0.9)  # every indicator at 90% of its max


def test_coverage_counts_values_without_a_branch(mapped):
    coverage = business.department_coverage(mapped, scope=ALL, first="2024Q1", last="2024Q2").set_index("indicator_id")
    row = coverage.loc["inpatient_satisfaction"]
    assert (row["departments"], row["rows"], row["unmapped"], row["branches"], row["quarters"]) == (3, 6, 1, 3, 2)
    assert coverage.loc["cmi", "rows"] == 0 and list(coverage.index) == [i.id for i in config.DEFAULT.business.indicators]


def test_unit_narrows_the_panel(mapped):
    frame = business.panel(mapped, scope=ALL, first="2024Q1", last="2024Q2", unit="G1")
    assert set(frame["branch_id"]) == {"B1", "B2"}


def test_vanguard_and_meetings_enter_per_quarter(empty_con):
    con = empty_con
    add_org(con, {"G1": ["B1"]})
    add_member(con, "M1", "B1")
    add_member(con, "M2", "B1")
    add_sheet(con, "M1", "2024Q1", 80)
    add_sheet(con, "M2", "2024Q1", 90)
    # 2024Q1 in B1: 支委会 in January and February (not March), 党小组会 every month, one 党员大会, no 党课:
    # required 3 + 3 + 1 + 1 = 8, counted 2 + 3 + 1 + 0 = 6 -> 75%.
    meetings = [("支委会", 1), ("支委会", 2), ("党小组会", 1), ("党小组会", 2), ("党小组会", 3), ("支部党员大会", 3)]
    for number, (kind, month) in enumerate(meetings):
        con.execute("INSERT INTO activity (activity_id, unit_id, activity_type, title, held_on) VALUES (?, 'B1', ?, ?, ?)",
                    [f"A{number}", kind, f"{kind}{month}", dt.date(2024, month, 10)])
    frame = business.panel(con, scope=ALL, first="2024Q1", last="2024Q1", as_of=dt.date(2024, 12, 31))
    row = frame.iloc[0]
    assert (row["vanguard"], row["vanguard_n"]) == (pytest.approx(85.0), 2)
    assert row["compliance"] == pytest.approx(75.0)
    assert pd.isna(row["department_type"]) and pd.isna(row["assessment"])


def test_researchers_see_stable_pseudonyms_that_need_the_database_secret(mapped):
    researcher = Scope("r", "researcher")
    first = business.panel(mapped, scope=researcher, first="2024Q1", last="2024Q2")
    again = business.panel(mapped, scope=researcher, first="2024Q1", last="2024Q2")
    assert list(first["branch_id"]) == list(again["branch_id"])
    assert set(first["branch_id"]) <= {"R001", "R002", "R003"} and (first["branch_id"] == first["branch_name"]).all()
    assert first["general_branch_name"].isna().all()
    # The order is by SHA-256(secret ‖ id): recomputed here from the stored secret.
    secret = mapped.execute("SELECT secret FROM pseudonym_key").fetchone()[0]
    order = sorted(["B1", "B2", "B3"], key=lambda b: hashlib.sha256(f"{secret}\x00{b}".encode()).hexdigest())
    committee = business.panel(mapped, scope=ALL, first="2024Q1", last="2024Q2")
    expected = committee["branch_id"].map({b: f"R{i:03d}" for i, b in enumerate(order, start=1)})
    assert list(first["branch_id"]) == list(expected)
    first_values = first.drop(columns=["branch_id", "branch_name", "general_branch_name"])
    pd.testing.assert_frame_equal(first_values, committee.drop(columns=["branch_id", "branch_name", "general_branch_name"]))


def test_branch_trend_places_a_branch_among_all(mapped):
    trend = business.branch_trend(mapped, scope=ALL, branch="B1", first="2024Q1", last="2024Q2")
    sat = trend[trend["indicator_id"] == "inpatient_satisfaction"].set_index("quarter")
    # 2024Q2: B1 90, B2 50, B3 60 -> median 60; B1 best of 3: percentile 100·(3 − 0.5)/3 = 83.3
    assert sat.loc["2024Q2", "value"] == 90 and sat.loc["2024Q2", "hospital_median"] == 60
    assert sat.loc["2024Q2", "branches"] == 3 and sat.loc["2024Q2", "percentile"] == pytest.approx(250 / 3)
    disputes = trend[trend["indicator_id"] == "disputes"]
    # lower is better: B1 is the only branch with disputes in 2024Q1 -> percentile 50 of 1
    assert list(disputes["percentile"]) == [50.0] and not disputes["higher_is_better"].iloc[0]


def test_quadrant_by_hand():
    # Four branches, Party 60/70/80/90; the indicator (lower is better) 5/9/3/7.
    # Party percentiles 12.5/37.5/62.5/87.5; business: lowest value best -> 3 (87.5), 5 (62.5), 7 (37.5), 9 (12.5).
    panel = pd.DataFrame({
        "branch_id": ["B1", "B2", "B3", "B4"], "branch_name": list("甲乙丙丁"), "general_branch_name": None,
        "quarter": "2024Q1", "department_type": "内科", "assessment": [60.0, 70.0, 80.0, 90.0],
        "perf_avg_los": [5.0, 9.0, 3.0, 7.0]})
    table = quadrant_table(panel, party="assessment", indicator="avg_los", cfg=config.DEFAULT).set_index("branch_id")
    assert table["party_pct"].to_dict() == {"B1": 12.5, "B2": 37.5, "B3": 62.5, "B4": 87.5}
    assert table["business_pct"].to_dict() == {"B1": 62.5, "B2": 12.5, "B3": 87.5, "B4": 37.5}
    assert table["quadrant"].to_dict() == {"B1": "business_strong", "B2": "both_weak", "B3": "both_strong",
                                           "B4": "party_strong"}
    assert table.loc["B3", "quadrant_name"] == "双强" and table.loc["B4", "quadrant_name"] == "党建强、业务弱"
    # The composite needs two indicators per branch: with one, no branch is placed.
    assert quadrant_table(panel, party="assessment", indicator=None, cfg=config.DEFAULT).empty
