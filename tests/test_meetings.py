"""三会一课 compliance and attendance (analysis/metrics/meetings.py); the 组织生活 page is in test_pages.py.

The hand-made hospital below has three branches; every expected number is worked out in a
comment from the rows in ``MEETINGS`` and ``ATTENDANCE``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pandas as pd
import pytest
from statsmodels.stats.proportion import proportion_confint

from analysis import config
from analysis.config import MeetingRule
from analysis.metrics import assessment, meetings
from analysis.scope import Scope
from tests.builders import add_member, add_org

ALL = Scope.committee()
RESEARCHER = Scope("r", "researcher")
SECRETARY_B1 = Scope("s1", "secretary", "B1")
SECRETARY_G1 = Scope("g1", "secretary", "G1")
# Two rules keep the fixture small: 支委会 monthly, 支部党员大会 quarterly.
CFG = replace(config.DEFAULT, meeting_rules=(MeetingRule("支部党员大会", 1, "quarter"), MeetingRule("支委会", 1, "month")))
AFTER = dt.date(2024, 12, 31)  # judged long after the range: every period has ended
RANGE = {"first": "2024Q1", "last": "2024Q3", "as_of": AFTER, "cfg": CFG}

# Nothing at all is recorded in 2024Q2 (April to June): a gap in the data, not in the meetings.
MEETINGS = [
    # B1: 支委会 every month but March; 党员大会 in Q1 and Q3. One 支委会 before the range.
    ("A00", "B1", "支委会", "2023-12-05"),
    ("A01", "B1", "支委会", "2024-01-08"), ("A02", "B1", "支委会", "2024-02-06"),
    ("A03", "B1", "支委会", "2024-07-09"), ("A04", "B1", "支委会", "2024-08-05"), ("A05", "B1", "支委会", "2024-09-10"),
    ("A06", "B1", "支部党员大会", "2024-01-20"), ("A07", "B1", "支部党员大会", "2024-07-22"),
    # B2: 支委会 every month with data; 党员大会 in Q1 only.
    ("A08", "B2", "支委会", "2024-01-10"), ("A09", "B2", "支委会", "2024-02-10"), ("A10", "B2", "支委会", "2024-03-10"),
    ("A11", "B2", "支委会", "2024-07-10"), ("A12", "B2", "支委会", "2024-08-10"), ("A13", "B2", "支委会", "2024-09-10"),
    ("A14", "B2", "支部党员大会", "2024-02-15"),
    # B3 (one member, founded 2024-02-15): one 支委会 in March, 党员大会 in Q3.
    ("A15", "B3", "支委会", "2024-03-20"), ("A16", "B3", "支部党员大会", "2024-07-10"),
]
ATTENDANCE = {
    "A01": {"M1": "出席", "M2": "请假"}, "A02": {"M1": "出席", "M2": "出席"}, "A03": {"M1": "出席", "M2": "缺席"},
    "A04": {"M1": "出席", "M2": "出席"}, "A05": {"M1": "请假", "M2": "出席"},
    "A06": {"M1": "出席", "M2": "出席", "M3": "请假"}, "A07": {"M1": "出席", "M2": "缺席", "M3": "出席"},
    "A08": {"M4": "出席"}, "A09": {"M4": "出席"}, "A10": {"M4": "出席"}, "A11": {"M4": "请假"},
    "A12": {"M4": "出席"}, "A13": {"M4": "出席"},
    "A14": {"M4": "出席", "M5": "出席"},
    "A15": {"M6": "出席"}, "A16": {"M6": "出席"},
}


def add_activity(con, activity_id: str, branch: str, kind: str, day: str, *, served: int = 0, hours: float = 0,
                 attendance: dict[str, str] | None = None) -> None:
    con.execute(
        "INSERT INTO activity (activity_id, unit_id, activity_type, title, held_on, people_served, hours) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        [activity_id, branch, kind, f"{day}{kind}", dt.date.fromisoformat(day), served, hours],
    )
    for member_id, status in (attendance or {}).items():
        con.execute("INSERT INTO attendance (activity_id, member_id, status) VALUES (?, ?, ?)",
                    [activity_id, member_id, status])


@pytest.fixture()
def hospital(empty_con):
    con = empty_con
    add_org(con, {"G1": ["B1", "B2"], "G2": ["B3"]})
    con.execute("UPDATE org_unit SET founded_on = DATE '2024-02-15' WHERE unit_id = 'B3'")
    for member_id, branch, role in (("M1", "B1", "书记"), ("M2", "B1", "委员"), ("M3", "B1", "党员"),
                                    ("M4", "B2", "书记"), ("M5", "B2", "党员"), ("M6", "B3", "书记")):
        add_member(con, member_id, branch, role=role)
    for activity_id, branch, kind, day in MEETINGS:
        add_activity(con, activity_id, branch, kind, day, attendance=ATTENDANCE.get(activity_id))
    return con


def by_branch(frame: pd.DataFrame, kind: str) -> pd.DataFrame:
    return frame[frame["kind"] == kind].set_index("branch_id")


# --------------------------------------------------------------------------- window and grid


def test_observation_window(hospital):
    # First activity 2023-12-05 -> window starts 2023-12-01; last one 2024-09-10 -> the window
    # ends at the end of that month, 2024-09-30, unless as_of is earlier.
    w = meetings.observation_window(hospital, scope=ALL, as_of=AFTER)
    assert (w.first_day, w.last_day) == (dt.date(2023, 12, 1), dt.date(2024, 9, 30))
    # Judged on 2024-08-15, A05 (2024-09-10) lies in the future: last record A04 2024-08-05,
    # end of its month 2024-08-31, capped at as_of -> 2024-08-15.
    assert meetings.observation_window(hospital, scope=ALL, as_of=dt.date(2024, 8, 15)).last_day == dt.date(2024, 8, 15)


def test_empty_database_has_no_window_and_counts_nothing(empty_con):
    add_org(empty_con, {"G1": ["B1"]})
    assert meetings.observation_window(empty_con, scope=ALL) == meetings.Window(None, None)
    grid = meetings.meeting_compliance(empty_con, scope=ALL, **RANGE)
    assert len(grid) == 9 + 3  # 9 months of 支委会 + 3 quarters of 党员大会, none observed
    assert not grid["observed"].any() and set(grid["status"]) == {"无数据"}
    summary = meetings.hospital_summary(empty_con, scope=ALL, **RANGE)
    assert summary.required == 0 and summary.rate is None and summary.attendance_rate is None


def test_grid_statuses_for_a_monthly_rule(hospital):
    grid = meetings.meeting_compliance(hospital, scope=ALL, kind="支委会", **RANGE)
    assert list(grid.columns) == [
        "branch_id", "branch_name", "general_branch_id", "general_branch_name", "kind", "grain", "period",
        "period_label", "period_start", "period_end", "required", "held", "dates", "observed", "status", "counted",
        "shortfall"]
    status = {(r.branch_id, r.period): r.status for r in grid.itertuples()}
    # B1: held Jan, Feb, Jul, Aug, Sep; March is missing; April-June nobody recorded anything.
    assert [status["B1", f"2024-{m:02d}"] for m in range(1, 10)] == [
        "达标", "达标", "缺漏", "无数据", "无数据", "无数据", "达标", "达标", "达标"]
    # B3 was founded on 2024-02-15: January and February (which starts before that) do not count.
    assert [status["B3", f"2024-{m:02d}"] for m in (1, 2, 3, 7)] == ["未成立", "未成立", "达标", "缺漏"]
    row = grid[(grid["branch_id"] == "B1") & (grid["period"] == "2024-01")].iloc[0]
    assert row["period_label"] == "2024年1月" and row["dates"] == "1月8日" and row["grain"] == "month"
    # A00 (2023-12) is outside the range and never counted.
    assert grid[grid["branch_id"] == "B1"]["held"].sum() == 5


def test_the_grid_of_some_branches_is_their_rows_of_the_whole_grid(hospital):
    whole = meetings.meeting_compliance(hospital, scope=ALL, **RANGE)
    some = meetings.meeting_compliance(hospital, scope=ALL, branches=("B3", "B1"), **RANGE)
    assert set(some["branch_id"]) == {"B1", "B3"}
    pd.testing.assert_frame_equal(some, whole[whole["branch_id"].isin(["B1", "B3"])].reset_index(drop=True))
    assert meetings.meeting_compliance(hospital, scope=ALL, branches=(), **RANGE).empty


def test_quarter_with_no_data_is_not_missing(hospital):
    grid = meetings.meeting_compliance(hospital, scope=ALL, kind="支部党员大会", **RANGE)
    status = {(r.branch_id, r.period): r.status for r in grid.itertuples()}
    # 2024Q2 has no record anywhere in the hospital -> 无数据 for everyone, not 缺漏.
    assert {status[b, "2024Q2"] for b in ("B1", "B2", "B3")} == {"无数据"}
    assert status["B2", "2024Q3"] == "缺漏"  # other branches recorded meetings in Q3
    assert status["B3", "2024Q1"] == "未成立"  # the quarter starts before the founding
    assert grid[grid["period"] == "2024Q1"]["period_label"].iloc[0] == "2024年第1季度"


def test_open_periods_do_not_count(hospital):
    # Judged on 2024-08-15: August and September have not ended; A05 (09-10) is in the future.
    grid = meetings.meeting_compliance(hospital, scope=ALL, kind="支委会", **{**RANGE, "as_of": dt.date(2024, 8, 15)})
    b1 = grid[grid["branch_id"] == "B1"].set_index("period")
    # Held on 08-05 but the month is not over: shown 达标, not yet counted.
    assert b1.loc["2024-08", "status"] == "达标" and not b1.loc["2024-08", "observed"]
    assert b1.loc["2024-09", "status"] == "进行中" and b1.loc["2024-09", "held"] == 0
    rates = by_branch(meetings.compliance_rates(hospital, scope=ALL, kind="支委会",
                                                **{**RANGE, "as_of": dt.date(2024, 8, 15)}), "支委会")
    # B1: observed Jan, Feb, Mar, Jul; held 3 of 4 -> 75 %. B2: 4/4. B3: Mar, Jul -> 1/2 = 50 %.
    assert rates.loc["B1", ["periods", "counted", "rate"]].tolist() == [4, 3, 75.0]
    assert rates.loc["B2", "rate"] == 100.0 and rates.loc["B3", "rate"] == 50.0


# --------------------------------------------------------------------------- rates, gaps, summary


def test_compliance_rates(hospital):
    rates = meetings.compliance_rates(hospital, scope=ALL, **RANGE)
    assert list(rates.columns) == [
        "branch_id", "branch_name", "general_branch_name", "kind", "grain", "times", "periods", "required", "held",
        "counted", "missing", "shortfall", "rate", "ci_low", "ci_high"]
    committee = by_branch(rates, "支委会")
    # Months with data: Jan, Feb, Mar, Jul, Aug, Sep (6).
    # B1: 6 observed, held 5 (not March) -> 5/6 = 83.33 %. B2: 6/6 = 100 %.
    # B3: founded 02-15 -> Mar, Jul, Aug, Sep observed (4), held Mar only -> 1/4 = 25 %.
    assert committee.loc["B1", ["periods", "required", "counted", "missing"]].tolist() == [6, 6, 5, 1]
    assert committee.loc["B1", "rate"] == pytest.approx(500 / 6)
    assert committee.loc["B2", "rate"] == 100.0
    assert committee.loc["B3", ["periods", "counted", "missing", "rate"]].tolist() == [4, 1, 3, 25.0]
    # Weakest first within a kind.
    assert list(rates[rates["kind"] == "支委会"]["branch_id"]) == ["B3", "B1", "B2"]
    assembly = by_branch(rates, "支部党员大会")
    # Q1 and Q3 have data (Q2 none). B1 2/2; B2 Q1 only -> 1/2 = 50 %; B3 Q3 only (Q1 未成立) -> 1/1.
    assert assembly["rate"].to_dict() == {"B2": 50.0, "B1": 100.0, "B3": 100.0}
    # Wilson interval checked against statsmodels: 5 of 6.
    low, high = proportion_confint(5, 6, method="wilson")
    assert committee.loc["B1", "ci_low"] == pytest.approx(100 * low)
    assert committee.loc["B1", "ci_high"] == pytest.approx(100 * high)


def test_missing_meetings(hospital):
    missing = meetings.missing_meetings(hospital, scope=ALL, **RANGE)
    # 支委会: B1 March; B3 July, August, September. 党员大会: B2 Q3. 5 in all; nothing from Q2.
    assert [(r.branch_id, r.kind, r.period) for r in missing.itertuples()] == [
        ("B1", "支委会", "2024-03"), ("B2", "支部党员大会", "2024Q3"),
        ("B3", "支委会", "2024-07"), ("B3", "支委会", "2024-08"), ("B3", "支委会", "2024-09")]
    assert (missing["shortfall"] == 1).all() and (missing["held"] == 0).all()
    assert meetings.missing_meetings(hospital, scope=ALL, unit="G1", kind="支委会", **RANGE)["period"].tolist() == ["2024-03"]


def test_rule_asking_for_two_meetings_per_month(hospital):
    cfg = replace(CFG, meeting_rules=(MeetingRule("支委会", 2, "month"),))
    rates = by_branch(meetings.compliance_rates(hospital, scope=ALL, **{**RANGE, "cfg": cfg}), "支委会")
    # B2 holds one a month in 6 observed months: counted 6 of 12 required -> 50 %, 6 meetings short.
    assert rates.loc["B2", ["required", "counted", "missing", "shortfall", "rate"]].tolist() == [12, 6, 6, 6, 50.0]


def test_a_rule_asking_for_no_meetings_is_refused(hospital):
    cfg = replace(CFG, meeting_rules=(MeetingRule("支委会", 0, "month"),))
    with pytest.raises(ValueError, match="at least one meeting"):
        meetings.compliance_rates(hospital, scope=ALL, **{**RANGE, "cfg": cfg})


def test_unknown_kind_and_reversed_range_are_refused(hospital):
    with pytest.raises(ValueError, match="unknown meeting kind"):
        meetings.meeting_compliance(hospital, scope=ALL, kind="民主生活会", **RANGE)
    with pytest.raises(ValueError, match="reversed"):
        meetings.compliance_rates(hospital, scope=ALL, first="2024Q3", last="2024Q1", cfg=CFG)


def test_hospital_summary(hospital):
    s = meetings.hospital_summary(hospital, scope=ALL, **RANGE)
    k = s.by_kind.set_index("kind")
    # 支委会: required 6 + 6 + 4 = 16, counted 5 + 6 + 1 = 12 -> 75 %; 4 gaps in B1 and B3.
    assert k.loc["支委会", ["required", "counted", "missing", "branches_with_gaps"]].tolist() == [16, 12, 4, 2]
    assert k.loc["支委会", "rate"] == 75.0
    # 党员大会: required 2 + 2 + 1 = 5, counted 2 + 1 + 1 = 4 -> 80 %.
    assert k.loc["支部党员大会", ["required", "counted", "rate"]].tolist() == [5, 4, 80.0]
    # Totals: 21 required, 16 counted -> 76.19 %; gaps in B1, B2 and B3.
    assert (s.required, s.counted, s.missing, s.branches_with_gaps, s.branches) == (21, 16, 5, 3, 3)
    assert s.rate == pytest.approx(1600 / 21)
    # Attendance, 支委会: B1 10 records (7 出席, 2 请假, 1 缺席) + B2 6 (5, 1, 0) + B3 1 (1, 0, 0)
    # = 17 records, 13 出席 -> 76.47 %, 3 请假 -> 17.65 %, 1 缺席 -> 5.88 %.
    assert k.loc["支委会", ["attendance_n", "present", "leave", "absent"]].tolist() == [17, 13, 3, 1]
    assert k.loc["支委会", "attendance_rate"] == pytest.approx(1300 / 17)
    assert k.loc["支委会", "leave_rate"] == pytest.approx(300 / 17)
    # 党员大会: B1 6 (4, 1, 1) + B2 2 (2, 0, 0) + B3 1 (1, 0, 0) = 9 records, 7 出席 -> 77.78 %.
    assert k.loc["支部党员大会", "attendance_rate"] == pytest.approx(700 / 9)
    # All records: 26, 20 出席 -> 76.92 %, 4 请假 -> 15.38 %.
    assert (s.attendance_n, s.present, s.leave, s.absent) == (26, 20, 4, 2)
    assert s.attendance_rate == pytest.approx(2000 / 26) and s.leave_rate == pytest.approx(400 / 26)
    # Members are counted once however many kinds they attend: 支委会 M1, M2, M4, M6 (4);
    # 党员大会 M1-M6 (6); all kinds M1-M6 = 6, not 4 + 6.
    assert k.loc[["支部党员大会", "支委会"], "members"].tolist() == [6, 4] and s.members == 6
    assert s.window.first_day == dt.date(2023, 12, 1) and s.as_of == AFTER
    # Narrowed to G2 (B3 alone): 支委会 1 of 4.
    g2 = meetings.hospital_summary(hospital, scope=ALL, unit="G2", **RANGE)
    assert (g2.required, g2.counted, g2.branches) == (5, 2, 1)


# --------------------------------------------------------------------------- attendance and scope


def test_attendance_rates_with_leave(hospital):
    rates = meetings.attendance_rates(hospital, scope=ALL, **RANGE)
    b1 = by_branch(rates, "支委会").loc["B1"]
    # B1 支委会 (M1, M2 over A01-A05): 出席 7, 请假 2 (A01 M2, A05 M1), 缺席 1 (A03 M2);
    # n = 10 -> 70 % / 20 % / 10 %.
    assert b1[["meetings", "members", "n", "present", "leave", "absent"]].tolist() == [5, 2, 10, 7, 2, 1]
    assert b1[["attendance_rate", "leave_rate", "absence_rate"]].tolist() == pytest.approx([70.0, 20.0, 10.0])
    low, high = proportion_confint(7, 10, method="wilson")
    assert (b1["ci_low"], b1["ci_high"]) == pytest.approx((100 * low, 100 * high))
    # The committee sees every branch, however small: B3 has one member and two records.
    b3 = by_branch(rates, "支委会").loc["B3"]
    assert not b3["suppressed"] and b3["attendance_rate"] == 100.0
    assert list(rates[rates["kind"] == "支委会"]["branch_id"]) == ["B1", "B2", "B3"]  # 70, 83.3, 100


def test_small_branches_are_suppressed_outside_the_viewers_scope(hospital):
    # Every fixture branch has fewer than 5 members. B1's secretary sees B1's rates, not B2's or
    # B3's (a one-member branch's rate is that member's record).
    rates = meetings.attendance_rates(hospital, scope=SECRETARY_B1, kind="支委会", **RANGE).set_index("branch_id")
    assert not rates.loc["B1", "suppressed"] and rates.loc["B1", "attendance_rate"] == 70.0
    for branch in ("B2", "B3"):
        assert rates.loc[branch, "suppressed"]
        assert rates.loc[branch, ["present", "leave", "absent", "attendance_rate", "ci_low"]].isna().all()
        assert rates.loc[branch, "n"] > 0
    # With a threshold of 1 nothing is suppressed.
    loose = replace(CFG, survey=replace(CFG.survey, min_cell=1))
    assert not meetings.attendance_rates(hospital, scope=SECRETARY_B1, **{**RANGE, "cfg": loose})["suppressed"].any()
    # A secretary's summary of another unit: 支委会 covers M4 and M6 (2 < 5) -> suppressed.
    other = meetings.hospital_summary(hospital, scope=SECRETARY_B1, **RANGE)
    k = other.by_kind.set_index("kind")
    # Hospital-wide 支委会 covers M1, M2, M4, M6 = 4 members, not all visible -> suppressed;
    # 党员大会 covers all six members -> shown (7 of 9).
    assert k.loc["支委会", "suppressed"] and pd.isna(k.loc["支委会", "attendance_rate"])
    assert k.loc["支部党员大会", "attendance_rate"] == pytest.approx(700 / 9)
    # The total covers all six members -> shown.
    assert other.attendance_rate == pytest.approx(2000 / 26)


def test_member_attendance(hospital):
    members = meetings.member_attendance(hospital, scope=ALL, **RANGE)
    assert list(members.columns) == ["branch_id", "branch_name", "member_id", "name", "party_role", "kind", "n",
                                     "present", "leave", "absent", "attendance_rate", "leave_rate"]
    m2 = members[(members["member_id"] == "M2") & (members["kind"] == "支委会")].iloc[0]
    # M2 at A01-A05: 请假, 出席, 缺席, 出席, 出席 -> 3 of 5 = 60 %, leave 20 %.
    assert m2[["n", "present", "leave", "absent"]].tolist() == [5, 3, 1, 1]
    assert (m2["attendance_rate"], m2["leave_rate"]) == (60.0, 20.0)
    assert m2["name"] == "成员M2"
    # The one-member branch: M6 attended both of B3's meetings.
    m6 = members[members["member_id"] == "M6"]
    assert set(m6["kind"]) == {"支委会", "支部党员大会"} and (m6["attendance_rate"] == 100.0).all()
    assert len(members) == 10  # M1, M2, M4 at both kinds; M3, M5 at 党员大会 only; M6 at both


@pytest.mark.parametrize(("scope", "expected"), [
    (ALL, {"M1", "M2", "M3", "M4", "M5", "M6"}),
    (SECRETARY_B1, {"M1", "M2", "M3"}),
    (SECRETARY_G1, {"M1", "M2", "M3", "M4", "M5"}),
    (RESEARCHER, set()),
])
def test_member_rows_follow_scope(hospital, scope, expected):
    members = meetings.member_attendance(hospital, scope=scope, **RANGE)
    assert set(members["member_id"]) == expected
    # Narrowing the unit never widens the scope: B1's secretary asking for B2 gets nothing.
    if scope is SECRETARY_B1:
        assert meetings.member_attendance(hospital, scope=scope, unit="B2", **RANGE).empty


def test_researchers_get_hospital_totals_only(hospital):
    with pytest.raises(PermissionError):
        meetings.compliance_rates(hospital, scope=RESEARCHER, **RANGE)
    with pytest.raises(PermissionError):
        meetings.attendance_rates(hospital, scope=RESEARCHER, **RANGE)
    with pytest.raises(PermissionError):
        meetings.hospital_summary(hospital, scope=RESEARCHER, unit="B1", **RANGE)
    s = meetings.hospital_summary(hospital, scope=RESEARCHER, **RANGE)
    assert s.rate == pytest.approx(1600 / 21)
    # 支委会 attendance covers 4 members (< 5) and the researcher sees no branch: suppressed.
    assert s.by_kind.set_index("kind").loc["支委会", "suppressed"]


# --------------------------------------------------------------------------- one branch


def test_branch_calendar(hospital):
    cal = meetings.branch_calendar(hospital, scope=ALL, branch="B1", **RANGE)
    # 9 months × 2 kinds, quarterly status repeated in each month of its quarter.
    assert len(cal) == 18
    assembly = cal[cal["kind"] == "支部党员大会"].set_index("month_label")
    assert assembly.loc["2024年2月", "status"] == "达标" and assembly.loc["2024年2月", "held_in_month"] == 0
    assert assembly.loc["2024年1月", "days"] == "20日"
    assert assembly.loc["2024年5月", "status"] == "无数据"
    committee = cal[cal["kind"] == "支委会"].set_index("month_label")
    assert committee.loc["2024年3月", "status"] == "缺漏" and pd.isna(committee.loc["2024年3月", "days"])
    with pytest.raises(ValueError, match="not a branch"):
        meetings.branch_calendar(hospital, scope=ALL, branch="G1", **RANGE)


def test_branch_meetings(hospital):
    listed = meetings.branch_meetings(hospital, scope=ALL, branch="B1", **RANGE)
    # A01-A07 by date: 01-08, 01-20 (A06), 02-06, 07-09, 07-22 (A07), 08-05, 09-10; A00 is before the range.
    assert listed["activity_id"].tolist() == ["A01", "A06", "A02", "A03", "A07", "A04", "A05"]
    a06 = listed.set_index("activity_id").loc["A06"]
    # A06: M1 出席, M2 出席, M3 请假 -> 2 of 3.
    assert a06[["n", "present", "leave", "absent"]].tolist() == [3, 2, 1, 0]
    assert a06["attendance_rate"] == pytest.approx(200 / 3)
    # B3 seen by B1's secretary: one member, not in scope -> counts suppressed.
    b3 = meetings.branch_meetings(hospital, scope=SECRETARY_B1, branch="B3", **RANGE)
    assert b3["suppressed"].all() and b3["present"].isna().all() and (b3["n"] == 1).all()


# --------------------------------------------------------------------------- charts


def test_charts_draw_the_fixture_and_escape_names(hospital):
    from analysis import charts

    hospital.execute("UPDATE org_unit SET name = '<b>B1</b>支部' WHERE unit_id = 'B1'")
    grid = meetings.meeting_compliance(hospital, scope=ALL, kind="支委会", **RANGE)
    fig = charts.compliance_heatmap(grid, title="支委会<br>全院 · 2024年")
    heatmap = fig.data[0]
    assert list(heatmap.y) == ["&lt;b&gt;B1&lt;/b&gt;支部", "B2支部", "B3支部"]  # shown as text, not bold
    # Status codes follow charts.MEETING_STATUS_COLOURS: 达标 0, 缺漏 1, 进行中 2, 无数据 3, 未成立 4.
    assert list(heatmap.z[0][:4]) == [0, 0, 1, 3] and list(heatmap.z[2][:3]) == [4, 4, 0]
    assert {t.name for t in fig.data[1:]} == {"达标", "缺漏", "无数据", "未成立"}  # legend: statuses present
    assert fig.layout.title.text.startswith("支委会<br><span")
    rates = meetings.compliance_rates(hospital, scope=ALL, kind="支委会", **RANGE)
    assert list(charts.compliance_ranking(rates, title="t").data[0].x) == pytest.approx([25.0, 500 / 6, 100.0])
    attendance = meetings.attendance_rates(hospital, scope=SECRETARY_B1, kind="支委会", **RANGE)
    fig = charts.attendance_bars(attendance, title="t")
    assert [a.text for a in fig.layout.annotations] == ["人数不足，不予显示"] * 2  # B2, B3 suppressed
    calendar = meetings.branch_calendar(hospital, scope=ALL, branch="B1", **RANGE)
    assert charts.meeting_calendar(calendar, title="t").data[0].text[0][0] == "20日"
    # Nothing observed at all (a future range) still draws.
    future = {**RANGE, "first": "2030Q1", "last": "2030Q1"}
    charts.compliance_heatmap(meetings.meeting_compliance(hospital, scope=ALL, kind="支委会", **future), title="t")
    charts.compliance_ranking(meetings.compliance_rates(hospital, scope=ALL, kind="支委会", **future), title="t")


# --------------------------------------------------------------------------- demo calibration

DEMO = {"first": "2023Q1", "last": "2025Q4", "as_of": dt.date(2026, 6, 30), "cfg": config.DEFAULT}


def test_demo_compliance_is_calibrated(demo_con):
    s = meetings.hospital_summary(demo_con, scope=ALL, **DEMO)
    k = s.by_kind.set_index("kind")
    # The demo skips each monthly meeting with probability 0.04 - 0.03·quality (clipped), so
    # compliance is high but not perfect; the window covers all 36 months.
    assert 85 <= k.loc["支委会", "rate"] < 100
    assert 85 <= k.loc["党小组会", "rate"] < 100
    assert 90 <= k.loc["支部党员大会", "rate"] < 100
    assert k.loc["支委会", "required"] == 34 * 36
    assert s.window == meetings.Window(dt.date(2023, 1, 1), dt.date(2025, 12, 31))
    # Attendance: 出席 with probability about 0.90, 请假 to 0.975, 缺席 the rest.
    assert 86 <= s.attendance_rate <= 92
    assert 5 <= s.leave_rate <= 10


def test_demo_weak_branches_have_more_gaps(demo_con):
    # Branch quality drives both the assessment totals and the skipped meetings.
    ranking = assessment.branch_ranking(demo_con, scope=ALL, first="2023Q1", last="2025Q4")
    mean_total = ranking.groupby("branch_id")["total"].mean().sort_values()
    gaps = meetings.compliance_rates(demo_con, scope=ALL, **DEMO).groupby("branch_id")["shortfall"].sum()
    weakest, strongest = mean_total.index[:6], mean_total.index[-6:]
    assert gaps[weakest].mean() > 2 * gaps[strongest].mean()


def test_demo_secretary_sees_own_members_only(demo_con):
    members = meetings.member_attendance(demo_con, scope=Scope("zhibu", "secretary", "B01"), **DEMO)
    assert set(members["branch_id"]) == {"B01"} and len(members) > 0
    assert meetings.member_attendance(demo_con, scope=RESEARCHER, **DEMO).empty
