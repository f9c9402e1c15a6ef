"""The yearly 组织生活会 / 民主评议党员 rule and 委员带头讲党课 (analysis/metrics/annual_meetings.py).

Hospital: G1 (B1, B2), G2 (B3); B3 founded 2025-03-01. Expected numbers are worked out beside
each assertion from the rows below.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest
from statsmodels.stats.proportion import proportion_confint

from analysis import config as config_mod
from analysis.metrics import annual_meetings
from analysis.scope import Scope
from tests.builders import add_org

ALL = Scope.committee()
RESEARCHER = Scope("r", "researcher")
AS_OF = dt.date(2025, 6, 30)

# (id, owner, type, day, lecturer, role)
ROWS = [
    ("A1", "B1", "组织生活会", "2024-12-20", None, None),
    ("A2", "B1", "民主评议党员", "2024-12-21", None, None),
    ("A3", "B2", "组织生活会", "2024-01-10", None, None),
    ("A4", "B1", "组织生活会", "2025-01-15", None, None),
    ("A5", "G1", "组织生活会", "2024-12-01", None, None),      # a 总支's own: not a branch's
    ("A6", "B1", "组织生活会", "2025-12-01", None, None),      # after AS_OF
    ("L1", "B1", "党课", "2024-03-01", "甲", "书记"),
    ("L2", "B1", "党课", "2024-06-01", "乙", "委员"),
    ("L3", "B2", "党课", "2024-06-02", "丙", "党员"),
    ("L4", "B2", "党课", "2024-09-02", None, None),           # lecturer not recorded
    ("L5", "B3", "党课", "2024-09-03", "丁", "其他"),
    ("L6", "B3", "党课", "2025-03-03", "戊", "委员"),
    ("L7", "G1", "党课", "2024-10-01", "己", "书记"),          # a 总支's own: not counted
]


@pytest.fixture()
def hospital(empty_con):
    add_org(empty_con, {"G1": ["B1", "B2"], "G2": ["B3"]})
    empty_con.execute("UPDATE org_unit SET founded_on = DATE '2025-03-01' WHERE unit_id = 'B3'")
    for activity_id, unit, kind, day, lecturer, role in ROWS:
        empty_con.execute(
            "INSERT INTO activity (activity_id, unit_id, activity_type, title, held_on, lecturer, lecturer_role) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)", [activity_id, unit, kind, f"{day}{kind}", day, lecturer, role])
    return empty_con


def test_compliance_per_branch_year_and_kind(hospital):
    rows = annual_meetings.annual_meeting_compliance(hospital, scope=ALL, years=[2024, 2025], as_of=AS_OF)
    assert list(rows.columns) == ["branch_id", "branch_name", "general_branch_name", "year", "kind", "required",
                                  "held", "dates", "status"]
    status = {(r.year, r.kind, r.branch_id): (r.held, r.status) for r in rows.itertuples()}
    # 2024 组织生活会: B1 (A1) and B2 (A3) held it; B3 was founded in 2025; G1's own A5 counts for nobody.
    assert status[(2024, "组织生活会", "B1")] == (1, "达标")
    assert status[(2024, "组织生活会", "B2")] == (1, "达标")
    assert status[(2024, "组织生活会", "B3")] == (0, "未成立")
    # 2024 民主评议党员: only B1 (A2); B2 missed it.
    assert status[(2024, "民主评议党员", "B2")] == (0, "缺漏")
    # 2025 is open on 2025-06-30: B1 held it (A4; A6 lies after as_of), B2 and B3 not yet.
    assert status[(2025, "组织生活会", "B1")] == (1, "达标")
    assert status[(2025, "组织生活会", "B2")] == (0, "进行中")
    assert status[(2025, "组织生活会", "B3")] == (0, "进行中")
    assert rows.loc[(rows["year"] == 2024) & (rows["kind"] == "组织生活会") & (rows["branch_id"] == "B1"),
                    "dates"].item() == "12月20日"
    assert len(rows) == 2 * 2 * 3
    g2 = annual_meetings.annual_meeting_compliance(hospital, scope=ALL, years=[2024], unit="G2", as_of=AS_OF)
    assert g2["branch_id"].unique().tolist() == ["B3"]


def test_summary_counts_branches_with_the_duty(hospital):
    summary = annual_meetings.annual_meeting_summary(hospital, scope=ALL, years=[2024, 2025], as_of=AS_OF)
    got = {(r.year, r.kind): (r.branches, r.held, r.missing, r.open) for r in summary.itertuples()}
    # 2024: B3 not founded -> 2 branches with the duty; 组织生活会 2 held; 民主评议党员 1 held, 1 missed.
    assert got[(2024, "组织生活会")] == (2, 2, 0, 0)
    assert got[(2024, "民主评议党员")] == (2, 1, 1, 0)
    # 2025: three branches; 组织生活会 held by B1, open for B2 and B3.
    assert got[(2025, "组织生活会")] == (3, 1, 0, 2)
    row = summary[(summary["year"] == 2024) & (summary["kind"] == "民主评议党员")].iloc[0]
    low, high = proportion_confint(1, 2, method="wilson")
    assert row["pct"] == 50.0 and row["ci_low"] == pytest.approx(100 * low) and row["ci_high"] == pytest.approx(100 * high)


def test_the_rule_is_configuration(hospital):
    twice = replace(config_mod.DEFAULT, annual_meeting_rules=(config_mod.MeetingRule("组织生活会", 2, "year"),))
    rows = annual_meetings.annual_meeting_compliance(hospital, scope=ALL, years=[2024], as_of=AS_OF, cfg=twice)
    assert rows["kind"].unique().tolist() == ["组织生活会"]
    assert rows.loc[rows["branch_id"] == "B1", "status"].item() == "缺漏"   # once, twice required
    with pytest.raises(config_mod.ConfigError, match="per must be year"):
        config_mod.validate(replace(config_mod.DEFAULT,
                                    annual_meeting_rules=(config_mod.MeetingRule("组织生活会", 1, "month"),)))


def test_committee_members_lecture_share(hospital):
    shares = annual_meetings.lecturer_shares(hospital, scope=ALL, years=[2024], as_of=AS_OF)
    assert list(shares.columns) == ["year", "general_branch_id", "general_branch_name", "lectures", "with_lecturer",
                                    "by_secretary", "by_committee", "by_member", "by_other", "pct", "ci_low", "ci_high"]
    rows = shares.set_index("general_branch_name")
    # Whole hospital 2024: L1-L5 (L7 is G1's own) = 5 lectures, 4 with a lecturer (L4 has none);
    # by the committee L1 (书记) + L2 (委员) = 2 -> 2/4 = 50 %.
    assert rows.loc["全院", ["lectures", "with_lecturer", "by_secretary", "by_committee", "by_member", "by_other"]
                    ].tolist() == [5, 4, 1, 2, 1, 1]
    assert rows.loc["全院", "pct"] == 50.0
    # G1: L1-L4, 3 recorded, 2 by the committee -> 66.67 %; G2: L5 by an outsider -> 0 of 1.
    assert rows.loc["G1总支", ["lectures", "with_lecturer", "by_committee"]].tolist() == [4, 3, 2]
    assert rows.loc["G1总支", "pct"] == pytest.approx(200 / 3)
    assert rows.loc["G2总支", "pct"] == 0.0
    low, high = proportion_confint(2, 3, method="wilson")
    assert (rows.loc["G1总支", "ci_low"], rows.loc["G1总支", "ci_high"]) == (pytest.approx(100 * low), pytest.approx(100 * high))
    # Narrowed to G2 the first row is the 总支 itself.
    assert annual_meetings.lecturer_shares(hospital, scope=ALL, years=[2025], unit="G2", as_of=AS_OF)[
        "general_branch_name"].tolist() == ["G2总支", "G2总支"]


def test_researchers_get_the_hospital_only(hospital):
    shares = annual_meetings.lecturer_shares(hospital, scope=RESEARCHER, years=[2024], as_of=AS_OF)
    assert shares["general_branch_name"].tolist() == ["全院"]
    assert annual_meetings.annual_meeting_summary(hospital, scope=RESEARCHER, years=[2024], as_of=AS_OF)[
        "branches"].tolist() == [2, 2]
    with pytest.raises(PermissionError):
        annual_meetings.annual_meeting_compliance(hospital, scope=RESEARCHER, years=[2024], as_of=AS_OF)
    with pytest.raises(PermissionError):
        annual_meetings.lecturer_shares(hospital, scope=RESEARCHER, years=[2024], unit="G1", as_of=AS_OF)


def test_the_demo_has_yearly_meetings_a_few_missing_and_lecturers(demo_con):
    summary = annual_meetings.annual_meeting_summary(demo_con, scope=ALL, years=[2023, 2024, 2025],
                                                     as_of=dt.date(2026, 1, 31))
    assert (summary["branches"] == 34).all()
    assert 0 < summary["missing"].sum() <= 10, "a few branch-years missed, so the list has something to show"
    whole = annual_meetings.lecturer_shares(demo_con, scope=ALL, years=[2025], as_of=dt.date(2026, 1, 31)).iloc[0]
    assert whole["with_lecturer"] == whole["lectures"] and 40 < whole["pct"] < 80
