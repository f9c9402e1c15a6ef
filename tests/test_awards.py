"""先锋岗 / 红旗责任区 awards and 党员责任区 (migration 011, analysis/registers/awards.py, the
awards and zones import kinds). Hospital: G1 (B1: M1, M2, M3; B2: M4 a student), G2 (B3: M5)."""

from __future__ import annotations

from dataclasses import replace

import duckdb
import pandas as pd
import pytest

from analysis import config as config_mod
from analysis.ingest import importer, rollback
from analysis.registers import awards
from analysis.scope import Scope
from tests.builders import add_member, add_org, add_sheet

ALL = Scope.committee()
B2_SECRETARY = Scope("b2", "secretary", "B2")
RESEARCHER = Scope("r", "researcher")


@pytest.fixture()
def hospital(empty_con):
    con = empty_con
    add_org(con, {"G1": ["B1", "B2"], "G2": ["B3"]})
    for member_id, branch in (("M1", "B1"), ("M2", "B1"), ("M3", "B1"), ("M4", "B2"), ("M5", "B3")):
        add_member(con, member_id, branch)
    con.execute("UPDATE member SET profession = '学生' WHERE member_id = 'M4'")
    # 2025Q1 index (every dimension and rater the same score): B1 M1 90 > M2 85 > M3 80; B2 M4 88.
    for member_id, score in (("M1", 90), ("M2", 85), ("M3", 80), ("M4", 88)):
        add_sheet(con, member_id, "2025Q1", score)
    return con


def _import(con, kind: str, rows: dict):
    return importer.import_frame(con, pd.DataFrame(rows), user="tester", kind=kind, file_name=f"{kind}.xlsx")


ZONES = {"责任区编号": ["Z1", "Z2"], "责任区名称": ["一病区党员责任区", "三病区党员责任区"],
         "病区": ["一病区", "三病区"], "所在支部": ["B1", "B3"], "责任党员编号": ["M2", "M5"]}
AWARDS = {"评选编号": ["W1", "W2", "W3", "W4"], "季度": ["2025Q1"] * 4,
          "类别": ["服务领跑先锋岗", "技能领跑先锋岗", "领航先锋岗", "红旗责任区"],
          "所在支部": ["B1", "B1", "B2", "B1"], "党员编号": ["M1", "M3", "M4", None],
          "责任区编号": [None, None, None, "一病区党员责任区"]}


@pytest.fixture()
def awarded(hospital):
    _import(hospital, "zones", ZONES)
    _import(hospital, "awards", AWARDS)
    return hospital


def test_the_schema_refuses_an_award_to_both_or_neither(hospital):
    for sql in ("INSERT INTO award VALUES ('W1', '2025Q1', 'service', 'B1', 'M1', 'Z1', NULL)",
                "INSERT INTO award VALUES ('W1', '2025Q1', 'service', 'B1', NULL, NULL, NULL)",
                "INSERT INTO award VALUES ('W1', '2025Q5', 'service', 'B1', 'M1', NULL, NULL)",
                "INSERT INTO award VALUES ('W1', '2025Q1', 'service', 'B9', 'M1', NULL, NULL)",
                "INSERT INTO duty_zone VALUES ('Z1', '责任区', ' ', 'B1', 'M1', NULL, NULL)"):
        with pytest.raises(duckdb.ConstraintException):
            hospital.execute(sql)


def test_counts_by_quarter_kind_and_branch(awarded):
    counts = awards.award_counts(awarded, scope=ALL, first="2025Q1", last="2025Q1")
    assert counts[["quarter_label", "kind_name", "awards", "branches"]].values.tolist() == [
        ["2025年第1季度", "服务领跑先锋岗", 1, 1], ["2025年第1季度", "技能领跑先锋岗", 1, 1],
        ["2025年第1季度", "领航先锋岗", 1, 1], ["2025年第1季度", "红旗责任区", 1, 1]]
    assert awards.award_counts(awarded, scope=ALL, first="2025Q1", last="2025Q1", unit="G2").empty
    by_branch = awards.awards_by_branch(awarded, scope=ALL, first="2025Q1", last="2025Q1")
    # B1: W1, W2 to members and W4 to its zone; B2: W3.
    assert by_branch[["branch_id", "vanguard_posts", "red_flags", "awards"]].values.tolist() == [
        ["B1", 2, 1, 3], ["B2", 1, 0, 1]]


def test_awardees_beside_their_rank(awarded):
    ranks = awards.awardee_ranks(awarded, scope=ALL, first="2025Q1", last="2025Q1").set_index("award_id")
    # B1 has 3 scored members: M1 rank 1 -> 1/3, M3 rank 3 -> 3/3; B2's only member M4 -> 1/1.
    assert ranks.loc["W1", ["rank_in_branch", "branch_scored", "top_fifth"]].tolist() == [1, 3, False]
    assert ranks.loc["W1", "rank_share"] == pytest.approx(1 / 3)
    assert ranks.loc["W2", ["rank_in_branch", "rank_share"]].tolist() == [3, 1.0]
    assert ranks.loc["W1", "vindex"] == pytest.approx(90.0)
    assert "W4" not in ranks.index  # the zone's award has no awardee
    # A B2 secretary sees B2's awardee by name, B1's without.
    mine = awards.awardee_ranks(awarded, scope=B2_SECRETARY, first="2025Q1", last="2025Q1").set_index("award_id")
    assert mine.loc["W3", "name"] == "成员M4" and mine.loc["W1", ["member_id", "name"]].isna().all()


def test_zones_with_their_responsible_member_and_red_flags(awarded):
    zones = awards.duty_zones(awarded, scope=ALL, first="2025Q1", last="2025Q4")
    assert zones[["zone_id", "ward", "member_name", "red_flags"]].values.tolist() == [
        ["Z1", "一病区", "成员M2", 1], ["Z2", "三病区", "成员M5", 0]]
    assert zones["last_red_flag"].iloc[0] == "2025Q1" and pd.isna(zones["last_red_flag"].iloc[1])
    assert awards.duty_zones(awarded, scope=B2_SECRETARY, first="2025Q1", last="2025Q4")["member_name"].isna().all()


def test_researchers_get_hospital_counts_only(awarded):
    assert awards.award_counts(awarded, scope=RESEARCHER, first="2025Q1", last="2025Q1")["awards"].sum() == 4
    for fn in (awards.awards_by_branch, awards.awardee_ranks, awards.duty_zones):
        with pytest.raises(PermissionError):
            fn(awarded, scope=RESEARCHER, first="2025Q1", last="2025Q1")


@pytest.mark.parametrize(("change", "row", "column", "message"), [
    ({"党员编号": ["M4", "M3", "M4", None]}, 2, "党员编号", "领跑先锋岗评给在职党员，学生党员评领航先锋岗"),
    ({"党员编号": ["M1", "M3", "M1", None], "所在支部": ["B1", "B1", "B1", "B1"]}, 4, "党员编号", "领航先锋岗只评给学生党员"),
    ({"党员编号": ["M1", "M3", "M4", "M2"]}, 5, "党员编号", "红旗责任区评给责任区，不填党员编号"),
    ({"党员编号": [None, "M3", "M4", None]}, 2, "党员编号", "先锋岗须填写获评党员编号"),
    ({"责任区编号": [None, None, None, None]}, 5, "责任区编号", "红旗责任区须填写责任区编号"),
    ({"责任区编号": ["Z1", None, None, "Z1"]}, 2, "责任区编号", "先锋岗评给党员，不填责任区"),
    ({"所在支部": ["B2", "B1", "B2", "B1"]}, 2, "党员编号", "获评党员不属于所填支部"),
    ({"责任区编号": [None, None, None, "Z2"]}, 5, "责任区编号", "责任区不属于所填支部"),
    ({"类别": ["服务先锋岗", "技能领跑先锋岗", "领航先锋岗", "红旗责任区"]}, 2, "类别", "“服务先锋岗”不是可选的值"),
])
def test_bad_award_rows_are_named_and_nothing_is_written(hospital, change, row, column, message):
    _import(hospital, "zones", ZONES)
    with pytest.raises(importer.ImportRejected) as rejected:
        _import(hospital, "awards", {**AWARDS, **change})
    found = [p for p in rejected.value.problems if p.row == row and p.column == column]
    assert any(p.message_zh.startswith(message) for p in found), [(p.row, p.column, p.message_zh)
                                                                   for p in rejected.value.problems]
    assert hospital.execute("SELECT count(*) FROM award").fetchone()[0] == 0


def test_a_responsible_member_of_another_branch_is_refused(hospital):
    with pytest.raises(importer.ImportRejected) as rejected:
        _import(hospital, "zones", {**ZONES, "责任党员编号": ["M5", "M5"]})
    assert [(p.row, p.column, p.message_zh) for p in rejected.value.problems] == [(2, "责任党员编号", "责任党员不属于所填支部")]
    assert hospital.execute("SELECT count(*) FROM duty_zone").fetchone()[0] == 0


def test_reimport_replaces_and_rollback_restores(awarded):
    second = _import(awarded, "zones", {**{k: v[:1] for k, v in ZONES.items()}, "责任党员编号": ["M3"]})
    assert awarded.execute("SELECT member_id FROM duty_zone WHERE zone_id = 'Z1'").fetchone()[0] == "M3"
    rollback.rollback_batch(awarded, second.batch_id, user="tester")
    assert awarded.execute("SELECT member_id FROM duty_zone WHERE zone_id = 'Z1'").fetchone()[0] == "M2"
    # The first zones batch is still referenced by the 红旗责任区 award: it cannot go before the awards.
    first = awarded.execute("SELECT min(batch_id) FROM import_batch WHERE kind = 'zones'").fetchone()[0]
    with pytest.raises(rollback.RollbackRefused):
        rollback.rollback_batch(awarded, first, user="tester")


def test_the_catalogue_is_configuration():
    with pytest.raises(config_mod.ConfigError, match="award_kinds.x"):
        config_mod.validate(replace(config_mod.DEFAULT, award_kinds=(
            config_mod.AwardKind("x", "某岗", "zone", "staff"),)))
