"""Moving a member between branches keeps their history (issue #17 item 10): the transfers import,
its checks and rollback, the membership history, and every quarter counted for the branch the
member belonged to then."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from analysis import config as config_mod
from analysis.ingest import importer, rollback
from analysis.metrics import org, vanguard
from analysis.registers import composition, transfers
from analysis.scope import Scope
from tests.import_files import hospital, rejected, vanguard_rows, write_csv
from tests.test_derived import assert_current_and_equal

ALL = Scope.committee()
HEADER = ["党员编号", "调出支部", "调入支部", "生效日期", "调动原因"]
QUARTERS = ["2024Q1", "2024Q2", "2024Q3", "2024Q4"]


@pytest.fixture()
def con(tmp_path):
    """B01-B03 with 10 members each; every member scored 80 in the four quarters of 2024, except
    M0000 (the member who moves), scored 90, 92, 94, 96."""
    connection = hospital(tmp_path)
    others = vanguard_rows([f"M{i:04d}" for i in range(1, 30)], QUARTERS, 80)
    mover = [r for q, s in zip(QUARTERS, (90, 92, 94, 96)) for r in vanguard_rows(["M0000"], [q], s)[1:]]
    importer.import_file(connection, write_csv(tmp_path / "v.csv", others + mover), user="t")
    yield connection
    connection.close()


def move(con, tmp_path, rows: list[list[object]], name: str = "t.csv") -> importer.ImportResult:
    return importer.import_file(con, write_csv(tmp_path / name, [HEADER, *rows]), user="t")


def refused(con, tmp_path, rows: list[list[object]]) -> importer.Preview:
    """The transfers refused, the database unchanged (``rejected`` checks it)."""
    return rejected(con, write_csv(tmp_path / "bad.csv", [HEADER, *rows]))


def kept(con) -> dict[str, list[tuple]]:
    """What a rollback of transfers must restore: the history (a member imported without one keeps the
    implicit row it was given), the members and the derived rows."""
    return {t: con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall()
            for t in ("member_quarter_branch", "member_transfer", "member", "member_quarter_index", "member_year_index",
                      "branch_quarter_dimension")}


def history(con, member: str = "M0000") -> list[tuple]:
    return con.execute("SELECT branch_id, valid_from::VARCHAR, valid_to::VARCHAR FROM membership "
                       "WHERE member_id = ? ORDER BY valid_from", [member]).fetchall()


def test_two_quarters_in_a_and_two_in_b_count_for_each_branch_then(con, tmp_path):
    move(con, tmp_path, [["M0000", "B01", "B02", "2024-07-01", "调动"]])
    assert history(con) == [("B01", "2010-01-01", "2024-07-01"), ("B02", "2024-07-01", None)]
    assert con.execute("SELECT branch_id, active FROM member WHERE member_id = 'M0000'").fetchone() == ("B02", True)
    quarters = con.execute("SELECT quarter, branch_id FROM member_quarter_index WHERE member_id = 'M0000' "
                           "ORDER BY quarter").fetchall()
    assert quarters == [("2024Q1", "B01"), ("2024Q2", "B01"), ("2024Q3", "B02"), ("2024Q4", "B02")]
    trend = vanguard.trend(con, scope=ALL, first="2024Q1", last="2024Q4", level="branch").set_index(["quarter", "unit_id"])
    # B01: 10 members in Q1-Q2 (9 at 80, M0000 at 90/92), 9 from Q3; B02: 10, then 11 with M0000 (94/96).
    assert trend.loc[("2024Q2", "B01"), "n"] == 10 and trend.loc[("2024Q2", "B01"), "mean"] == pytest.approx(812 / 10)
    assert trend.loc[("2024Q3", "B01"), "n"] == 9 and trend.loc[("2024Q3", "B01"), "mean"] == pytest.approx(80)
    assert trend.loc[("2024Q2", "B02"), "n"] == 10 and trend.loc[("2024Q2", "B02"), "mean"] == pytest.approx(80)
    assert trend.loc[("2024Q4", "B02"), "n"] == 11 and trend.loc[("2024Q4", "B02"), "mean"] == pytest.approx(896 / 11)
    # Appraised once, by the branch the year ended in: (90 + 92 + 94 + 96) / 4 = 93.
    year = con.execute("SELECT branch_id, quarters, annual_index FROM member_year_index WHERE member_id = 'M0000'"
                       ).fetchall()
    assert year == [("B02", 4, pytest.approx(93))]
    assert_current_and_equal(con)


def test_a_transfer_in_mid_quarter_counts_the_quarter_for_the_branch_at_its_end(con, tmp_path):
    assert move(con, tmp_path, [["M0000", "B01", "B02", "2024-05-20", "调动"],
                                ["M0000", "B02", "B03", "2024-09-30", "调动"]])
    quarters = con.execute("SELECT quarter, branch_id FROM member_quarter_index WHERE member_id = 'M0000' "
                           "ORDER BY quarter").fetchall()
    # Q2 ends in B02; Q3's last day (30 Sep) is already in B03.
    assert [b for _, b in quarters] == ["B01", "B02", "B03", "B03"]
    assert history(con) == [("B01", "2010-01-01", "2024-05-20"), ("B02", "2024-05-20", "2024-09-30"),
                            ("B03", "2024-09-30", None)]
    assert_current_and_equal(con)


def test_leaving_and_returning_closes_and_reopens_the_history(con, tmp_path):
    assert move(con, tmp_path, [["M0000", "B01", None, "2024-07-01", "转出"]])
    assert con.execute("SELECT active FROM member WHERE member_id = 'M0000'").fetchone() == (False,)
    assert history(con) == [("B01", "2010-01-01", "2024-07-01")]
    assert move(con, tmp_path, [["M0000", None, "B03", "2025-01-01", "转入"]], "back.csv")
    assert con.execute("SELECT branch_id, active FROM member WHERE member_id = 'M0000'").fetchone() == ("B03", True)
    assert_current_and_equal(con)


def test_rollback_restores_the_history_the_member_and_the_derived_tables(con, tmp_path):
    before = kept(con)
    first = move(con, tmp_path, [["M0000", "B01", "B02", "2024-07-01", "调动"]])
    second = move(con, tmp_path, [["M0000", "B02", "B03", "2024-10-01", "调动"]], "again.csv")
    with pytest.raises(rollback.RollbackRefused, match=str(second.batch_id)):
        rollback.rollback_batch(con, first.batch_id, user="t")
    rollback.rollback_batch(con, second.batch_id, user="t")
    assert history(con)[-1] == ("B02", "2024-07-01", None)
    assert_current_and_equal(con)
    rollback.rollback_batch(con, first.batch_id, user="t")
    assert kept(con) == before
    assert_current_and_equal(con)


@pytest.mark.parametrize(("row", "column", "zh", "en"), [
    (["M0000", "B02", "B03", "2024-07-01", "调动"], "调出支部", "生效日期前其所在支部为 B01", "not in this branch"),
    (["M0000", None, "B03", "2024-07-01", "转入"], "调出支部", "所在支部为 B01", "not in this branch"),
    (["M0000", "B01", None, "2024-07-01", "调动"], "调入支部", "调动原因为“调动”时必须填写调入支部", "needs to_branch_id"),
    (["M0000", "B01", "B02", "2024-07-01", "转出"], "调入支部", "调动原因为“转出”时不填调入支部", "has no to_branch_id"),
    (["M0000", "B01", "B01", "2024-07-01", "调动"], "调入支部", "调入支部与调出支部相同", "receiving branch"),
    (["M0000", "B01", "B02", "2009-07-01", "调动"], "生效日期", "上一次组织关系变动（2010-01-01）", "must come after"),
    (["M0000", "B01", "B02", "2024-07-01", "请假"], "调动原因", "请假", "请假"),
])
def test_bad_rows_are_named_by_row_and_column_and_change_nothing(con, tmp_path, row, column, zh, en):
    problem = refused(con, tmp_path, [["M0001", "B01", "B02", "2024-07-01", "调动"], row]).problems[0]
    assert (problem.row, problem.column) == (3, column)
    assert zh in problem.message_zh and en in problem.message_en


def test_a_second_move_in_the_file_must_start_where_the_first_ended(con, tmp_path):
    problems = refused(con, tmp_path, [["M0000", "B01", "B02", "2024-04-01", "调动"],
                                       ["M0000", "B01", "B03", "2024-08-01", "调动"]]).problems
    assert [(p.row, p.column) for p in problems] == [(3, "调出支部")]
    assert "B02" in problems[0].message_zh


def test_the_receiving_branch_sees_the_past_record_and_the_old_branch_only_aggregates(con, tmp_path):
    assert move(con, tmp_path, [["M0000", "B01", "B02", "2024-07-01", "调动"]])
    receiving = Scope("s2", "secretary", "B02")
    old = Scope("s1", "secretary", "B01")
    seen = vanguard.member_index(con, scope=receiving, first="2024Q1", last="2024Q4")
    mine = seen[seen["member_id"] == "M0000"]
    assert list(zip(mine["quarter"], mine["branch_id"])) == list(zip(QUARTERS, ["B01", "B01", "B02", "B02"]))
    assert "M0000" not in set(vanguard.member_index(con, scope=old, first="2024Q1", last="2024Q4")["member_id"])
    assert "M0000" not in set(vanguard.appraisal(con, scope=old, year=2024)["member_id"])
    # The old branch's aggregates keep the quarters the member was there.
    trend = vanguard.trend(con, scope=old, first="2024Q2", last="2024Q2", level="branch")
    assert trend.set_index("unit_id").loc["B01", "n"] == 10


def test_the_register_lists_moves_in_and_out_with_names_only_in_scope(con, tmp_path):
    assert move(con, tmp_path, [["M0000", "B01", "B02", "2024-07-01", "调动"],
                                ["M0011", "B02", "B03", "2024-08-15", "调动"]])
    moves = transfers.transfer_list(con, scope=ALL, unit="B02")
    assert list(zip(moves["member_id"], moves["direction"], moves["effective_on"].astype(str))) == [
        ("M0011", "调出", "2024-08-15"), ("M0000", "调入", "2024-07-01")]
    old = transfers.transfer_list(con, scope=Scope("s1", "secretary", "B01"), unit="B01")
    assert list(old["direction"]) == ["调出"] and old["name"].isna().all()
    assert transfers.transfer_counts(con, scope=ALL, unit=None).equals(pd.DataFrame(
        {"year": [2024], "reason": ["调动"], "transfers": [2]}).astype(
        transfers.transfer_counts(con, scope=ALL, unit=None).dtypes.to_dict()))


def test_a_hospitals_own_reason_follows_its_configured_rule(con, tmp_path):
    """挂职 (a configured reason): leaves a branch, a receiving branch optional."""
    cfg = config_mod.from_mapping({"transfer_reasons": [
        {"name": "调动", "from_branch": "required", "to_branch": "required"},
        {"name": "挂职", "from_branch": "required", "to_branch": "optional"}]})
    path = write_csv(tmp_path / "own.csv", [HEADER, ["M0000", "B01", "B03", "2024-10-01", "挂职"],
                                            ["M0001", None, "B03", "2024-10-01", "挂职"]])
    with pytest.raises(importer.ImportRejected) as info:
        importer.import_file(con, path, user="t", cfg=cfg)
    assert [(p.row, p.column) for p in info.value.problems] == [(3, "调出支部"), (3, "调出支部")]
    assert "挂职" in info.value.problems[0].message_zh or "挂职" in info.value.problems[1].message_zh
    rows = [HEADER, ["M0000", "B01", "B03", "2024-10-01", "挂职"]]
    importer.import_file(con, write_csv(tmp_path / "ok.csv", rows), user="t", cfg=cfg)
    assert history(con)[-1] == ("B03", "2024-10-01", None)


def test_headcount_and_composition_count_members_in_the_branch_of_the_day(con, tmp_path):
    move(con, tmp_path, [["M0000", "B01", "B02", "2024-07-01", "调动"]])
    before, after = dt.date(2024, 6, 30), dt.date(2024, 7, 1)
    assert [org.headcount(con, scope=ALL, unit=u, as_of=before).members for u in ("B01", "B02", None)] == [10, 10, 30]
    assert [org.headcount(con, scope=ALL, unit=u, as_of=after).members for u in ("B01", "B02", None)] == [9, 11, 30]
    for day, members in ((before, 10), (after, 9)):
        mix = composition.composition(con, scope=ALL, as_of=day, unit="B01")
        assert mix.loc[(mix["unit_id"] == "B01") & (mix["group"] == "离退休"), "n"].tolist() == [members]
