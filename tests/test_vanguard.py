"""党员先锋指数 on a hand-made hospital (analysis/metrics/vanguard.py); expected numbers worked out in the comments."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis import formatting
from analysis.metrics import vanguard
from analysis.scope import Scope
from tests.builders import add_sheet

ALL = Scope.committee()


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


def test_grade_distribution_of_a_unit_against_the_hospital(small):
    # 2024Q1 indices (same score everywhere): M1 95 and M2 80 in B1, M3 70 in B2, M4 55 in B3; M2's
    # 2024Q2 sheet does not count. Grades: 优秀 >= 90, 合格 >= 75, 基本合格 >= 60, 不合格 below.
    # G1 (B1, B2): 优秀 1 (M1), 合格 1 (M2), 基本合格 1 (M3), 不合格 0 -> 33.3% each of three.
    # Hospital: one in each band of four -> 25% each.
    for member_id, score in (("M1", 95), ("M2", 80), ("M3", 70), ("M4", 55)):
        add_sheet(small, member_id, "2024Q1", score)
    add_sheet(small, "M2", "2024Q2", 99)
    bands = vanguard.grade_distribution(small, scope=ALL, quarter="2024Q1", unit="G1")
    assert list(bands["grade"]) == ["优秀", "合格", "基本合格", "不合格"]
    assert list(bands["members"]) == [1, 1, 1, 0]
    assert list(bands["pct"]) == pytest.approx([100 / 3, 100 / 3, 100 / 3, 0])
    assert list(bands["hospital_members"]) == [1, 1, 1, 1]
    assert list(bands["hospital_pct"]) == pytest.approx([25, 25, 25, 25])
    # The whole hospital is its own reference; a quarter without sheets has no shares.
    whole = vanguard.grade_distribution(small, scope=ALL, quarter="2024Q1")
    assert list(whole["members"]) == list(whole["hospital_members"])
    assert vanguard.grade_distribution(small, scope=ALL, quarter="2030Q1")["pct"].isna().all()
    with pytest.raises(PermissionError):
        vanguard.grade_distribution(small, scope=Scope("r", "researcher"), quarter="2024Q1")


def test_falling_members_fell_every_quarter_and_show_their_path(demo_con):
    falling = vanguard.falling_members(demo_con, scope=ALL, last="2025Q4")
    assert not falling.empty
    for row in falling.itertuples():
        indices = list(row.indices)
        assert len(indices) == 3 and all(b < a for a, b in zip(indices, indices[1:]))
        assert (row.start_index, row.last_index) == (indices[0], indices[-1])
        assert row.total_drop == pytest.approx(indices[0] - indices[-1])
        assert row.index_path == " → ".join(formatting.score(x) for x in indices)
    # Against the member index itself: the members whose three quarters fell, and no others.
    index = vanguard.member_index(demo_con, scope=ALL, first="2025Q2", last="2025Q4")
    series = index.sort_values("quarter").groupby("member_id")["vindex"].apply(list)
    expected = {m for m, s in series.items() if len(s) == 3 and s[0] > s[1] > s[2]}
    assert set(falling["member_id"]) == expected


def test_committee_member_rows_are_every_secretarys_rows_together(demo_con):
    # The committee's member-level queries skip the visibility semi-join
    # (scope.member_visibility): what they list must be exactly the union of what the
    # secretaries of the top-level units see.
    units = demo_con.execute("SELECT unit_id FROM org_unit WHERE parent_id = "
                             "(SELECT unit_id FROM org_unit WHERE level = 'committee') ORDER BY unit_id").fetchall()
    assert len(units) > 1

    def together(rows_of):
        parts = [rows_of(Scope(f"s_{u}", "secretary", u)) for (u,) in units]
        return pd.concat(parts).sort_values(["member_id"]).reset_index(drop=True)

    for committee, of_secretary in (
        (vanguard.member_index(demo_con, scope=ALL, first="2025Q3", last="2025Q4"),
         lambda s: vanguard.member_index(demo_con, scope=s, first="2025Q3", last="2025Q4")),
        (vanguard.appraisal(demo_con, scope=ALL, year=2025),
         lambda s: vanguard.appraisal(demo_con, scope=s, year=2025)),
    ):
        assert len(committee) > 600
        keys = ["member_id", "quarter"] if "quarter" in committee else ["member_id"]
        pd.testing.assert_frame_equal(
            committee.sort_values(keys).reset_index(drop=True),
            together(of_secretary).sort_values(keys).reset_index(drop=True),
        )
