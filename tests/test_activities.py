"""Activities: counts, people served and hours per type, month and branch (analysis/metrics/activities.py).

Expected numbers are worked out in the comments from the rows in ``EVENTS``.
"""

from __future__ import annotations

import datetime as dt

import pytest

from analysis.metrics import activities
from analysis.scope import Scope
from tests.builders import add_org

ALL = Scope.committee()
RESEARCHER = Scope("r", "researcher")
RANGE = {"first": "2024Q1", "last": "2024Q3", "as_of": dt.date(2024, 12, 31)}

# (id, branch, type, day, people served, hours)
EVENTS = [
    ("E01", "B3", "义诊", "2024-03-05", 120, 4),
    ("E02", "B1", "义诊", "2024-08-18", 200, 6),
    ("E03", "B1", "义诊", "2024-09-01", 80, 3),
    ("E04", "B2", "志愿服务", "2024-01-25", 30, 10),
    ("E05", "B2", "志愿服务", "2024-01-28", 45, 2.5),
    ("E06", "B1", "主题党日", "2024-01-15", 0, 0),
    ("E07", "B2", "主题党日", "2024-01-16", 0, 0),
    ("E08", "B1", "支委会", "2024-01-08", 0, 0),
    ("E09", "B1", "义诊", "2023-12-20", 500, 5),  # before the range
    ("E10", "B2", "义诊", "2025-02-01", 999, 5),  # after the range
    ("E11", "B1", "志愿服务", "2024-09-20", 60, 5),
    ("E12", "B3", "培训", "2024-03-25", 40, 8),
]


@pytest.fixture()
def hospital(empty_con):
    add_org(empty_con, {"G1": ["B1", "B2"], "G2": ["B3"]})
    for activity_id, branch, kind, day, served, hours in EVENTS:
        empty_con.execute(
            "INSERT INTO activity (activity_id, unit_id, activity_type, title, held_on, people_served, hours) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            [activity_id, branch, kind, f"{day}{kind}", dt.date.fromisoformat(day), served, hours],
        )
    return empty_con


def test_totals_by_type(hospital):
    totals = activities.activity_totals(hospital, scope=ALL, **RANGE)
    assert list(totals.columns) == ["activity_type", "activities", "people_served", "hours", "branches", "months"]
    # Catalogue order; E09 and E10 lie outside 2024Q1-2024Q3.
    assert totals["activity_type"].tolist() == ["支委会", "主题党日", "义诊", "志愿服务", "培训"]
    t = totals.set_index("activity_type")
    # 义诊: E01 + E02 + E03 = 3; 120 + 200 + 80 = 400 人次; 4 + 6 + 3 = 13 h; B3, B1; Mar, Aug, Sep.
    assert t.loc["义诊"].tolist() == [3, 400, 13.0, 2, 3]
    # 志愿服务: E04 + E05 + E11 = 3; 30 + 45 + 60 = 135; 10 + 2.5 + 5 = 17.5 h; B2, B1; Jan, Sep.
    assert t.loc["志愿服务"].tolist() == [3, 135, 17.5, 2, 2]
    assert t.loc["主题党日", ["activities", "people_served", "branches"]].tolist() == [2, 0, 2]


def test_types_unit_and_as_of(hospital):
    events = activities.activity_totals(hospital, scope=ALL, types=activities.EVENT_TYPES, **RANGE)
    assert "支委会" not in set(events["activity_type"])
    # G1 = B1 + B2: 义诊 E02 + E03 = 2 场 280 人次.
    g1 = activities.activity_totals(hospital, scope=ALL, unit="G1", types=("义诊",), **RANGE)
    assert g1[["activities", "people_served"]].values.tolist() == [[2, 280]]
    # Judged on 2024-09-15, E11 (09-20) has not happened yet: 志愿服务 2 场 75 人次.
    early = activities.activity_totals(hospital, scope=ALL, types=("志愿服务",), **{**RANGE, "as_of": dt.date(2024, 9, 15)})
    assert early[["activities", "people_served"]].values.tolist() == [[2, 75]]
    with pytest.raises(ValueError, match="unknown activity type"):
        activities.activity_totals(hospital, scope=ALL, types=("义诊", "团建"), **RANGE)


def test_monthly(hospital):
    monthly = activities.activity_monthly(hospital, scope=ALL, types=activities.EVENT_TYPES, **RANGE)
    assert list(monthly.columns) == ["month", "month_label", "activity_type", "activities", "people_served", "hours",
                                     "branches"]
    rows = [(r.month_label, r.activity_type, r.activities, r.people_served) for r in monthly.itertuples()]
    # January: 主题党日 E06 + E07; 志愿服务 E04 + E05 = 75 人次 (both B2). March: 义诊 E01, 培训 E12.
    # August: 义诊 E02. September: 义诊 E03, 志愿服务 E11.
    assert rows == [
        ("2024年1月", "主题党日", 2, 0), ("2024年1月", "志愿服务", 2, 75),
        ("2024年3月", "义诊", 1, 120), ("2024年3月", "培训", 1, 40),
        ("2024年8月", "义诊", 1, 200),
        ("2024年9月", "义诊", 1, 80), ("2024年9月", "志愿服务", 1, 60),
    ]
    january = monthly[(monthly["month_label"] == "2024年1月") & (monthly["activity_type"] == "志愿服务")].iloc[0]
    assert january["branches"] == 1 and january["hours"] == 12.5
    assert monthly["month"].iloc[0] == dt.datetime(2024, 1, 1)


def test_by_branch(hospital):
    rows = activities.activity_by_branch(hospital, scope=ALL, unit="G1", types=activities.EVENT_TYPES, **RANGE)
    assert list(rows.columns) == ["branch_id", "branch_name", "general_branch_name", "activity_type", "activities",
                                  "people_served", "hours", "first_held", "last_held"]
    b1 = rows[rows["branch_id"] == "B1"].set_index("activity_type")
    # B1: 主题党日 E06; 义诊 E02 + E03 = 280 人次, 9 h, 08-18 to 09-01; 志愿服务 E11.
    assert b1.index.tolist() == ["主题党日", "义诊", "志愿服务"]
    assert b1.loc["义诊", ["activities", "people_served", "hours"]].tolist() == [2, 280, 9.0]
    assert (b1.loc["义诊", "first_held"], b1.loc["义诊", "last_held"]) == (dt.datetime(2024, 8, 18), dt.datetime(2024, 9, 1))
    assert set(rows["branch_id"]) == {"B1", "B2"}


def test_service_totals_headline(hospital):
    s = activities.service_totals(hospital, scope=ALL, **RANGE)
    assert s.free_clinic == activities.TypeTotal("义诊", 3, 400, 13.0, 2)
    assert s.free_clinic.headline == "义诊 3 场，服务 400 人次"
    assert s.volunteering.headline == "志愿服务 3 场，服务 135 人次"
    # B3 held no volunteering: zeros, not an error.
    b3 = activities.service_totals(hospital, scope=ALL, unit="B3", **RANGE)
    assert b3.volunteering == activities.TypeTotal("志愿服务", 0, 0, 0.0, 0)
    assert b3.free_clinic.headline == "义诊 1 场，服务 120 人次"


def test_thousands_in_headline():
    assert activities.TypeTotal("义诊", 1234, 45678, 10.0, 3).headline == "义诊 1,234 场，服务 45,678 人次"


def test_researchers_see_hospital_totals_only(hospital):
    totals = activities.activity_totals(hospital, scope=RESEARCHER, **RANGE)
    assert totals["activities"].sum() == 10  # 12 events, E09 and E10 outside the range
    with pytest.raises(PermissionError):
        activities.activity_totals(hospital, scope=RESEARCHER, unit="B1", **RANGE)
    with pytest.raises(PermissionError):
        activities.activity_by_branch(hospital, scope=RESEARCHER, **RANGE)


def test_demo_activities_are_calibrated(demo_con):
    demo = {"first": "2023Q1", "last": "2025Q4", "as_of": dt.date(2026, 6, 30)}
    totals = activities.activity_totals(demo_con, scope=ALL, **demo).set_index("activity_type")
    # Every activity of the demo lies in 2023-2025, so the totals add up to the table.
    assert totals["activities"].sum() == demo_con.execute("SELECT count(*) FROM activity").fetchone()[0]
    # 讲党课比赛: one per branch and year: 34 × 3 = 102.
    assert totals.loc["讲党课比赛", "activities"] == 102
    # 义诊: 21 clinical branches × 36 months × p 0.3 ≈ 227 (sd ≈ 13), 40-319 served each (mean ≈ 180).
    assert 180 <= totals.loc["义诊", "activities"] <= 280
    assert 30_000 <= totals.loc["义诊", "people_served"] <= 52_000
    assert totals.loc["义诊", "branches"] == 21
    # 志愿服务: 34 × 36 × 0.28 ≈ 343.
    assert 290 <= totals.loc["志愿服务", "activities"] <= 400
    monthly = activities.activity_monthly(demo_con, scope=ALL, **demo)
    assert monthly["month"].nunique() == 36
    assert monthly.groupby("activity_type")["people_served"].sum().to_dict() == totals["people_served"].to_dict()
