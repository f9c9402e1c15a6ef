"""The derived tables equal their recomputation from the raw rows after every import, re-import,
rollback and configuration change, and the analyses give the same answers from them as from
the raw rows."""

from __future__ import annotations

import datetime as dt
import shutil
from dataclasses import replace

import duckdb
import pandas as pd
import pytest

from analysis import config as config_mod
from analysis import db, derived
from analysis.ingest import importer, rollback
from analysis.metrics import activities, assessment, meetings, org, vanguard
from analysis.scope import Scope
from tests.import_files import WJX_SAMPLE, branch_rows, hospital, rejected, vanguard_rows, write_csv

ALL = Scope.committee()
DERIVED_TABLES = ("member_quarter_index", "member_year_index", "branch_quarter_dimension", "branch_quarter_total",
                  "branch_month_activity", "member_quarter_attendance", "unit_quarter_meetings", "unit_quarter_attendance",
                  "member_kind_quarters", "survey_answer_check")
# Another hospital's weights and thresholds: the organisation's score counts more, 优秀 from 88.
OTHER = replace(config_mod.DEFAULT, vanguard=replace(
    config_mod.DEFAULT.vanguard, rater_weights={"self": 0.1, "peer": 0.3, "org": 0.6},
    grades=(config_mod.Threshold("优秀", 88.0), config_mod.Threshold("合格", 70.0),
            config_mod.Threshold("基本合格", 60.0), config_mod.Threshold("不合格", 0.0))))


def recomputed(cfg: config_mod.Config) -> dict[str, tuple[str, dict]]:
    """Each derived table's rows computed from the raw tables in one statement (doubles rounded
    to 9 decimals: sums in another order differ in the last bits)."""
    index = derived.member_index_sql("TRUE")
    return {
        "member_quarter_index": (f"SELECT quarter, branch_id, member_id, round(vindex, 9), rank_in_branch FROM ({index})",
                                 derived.index_params(cfg)),
        "member_year_index": (f"SELECT year, branch_id, member_id, quarters, round(annual_index, 9), grade, stars "
                              f"FROM ({derived.appraisal_sql(index)})",
                              derived.index_params(cfg) | derived.appraisal_params(cfg)),
        "branch_quarter_dimension": (derived.dimension_sums_sql("TRUE"), {}),
        "branch_quarter_total": (f"SELECT quarter, branch_id, round(total, 9), indicators, rank, rank_change, "
                                 f"falling_streak FROM ({derived.BRANCH_TOTAL_SQL})", {}),
        "branch_month_activity": (derived.month_activity_sql("TRUE"), {}),
        "member_quarter_attendance": (derived.quarter_attendance_sql("TRUE"), {}),
        "unit_quarter_meetings": (derived.quarter_meetings_sql("TRUE"), {}),
        "unit_quarter_attendance": (derived.quarter_unit_attendance_sql("TRUE"), {}),
        # from the raw records: the CTE stands in for the derived table the formula reads
        "member_kind_quarters": (f"WITH member_quarter_attendance AS ({derived.quarter_attendance_sql('TRUE')}) "
                                 f"{derived.member_quarters_sql('TRUE')}", {}),
        "survey_answer_check": (derived.answer_checks_sql("TRUE"), {}),
    }


def stored(table: str) -> str:
    rounded = {"member_quarter_index": "quarter, branch_id, member_id, round(vindex, 9), rank_in_branch",
               "member_year_index": "year, branch_id, member_id, quarters, round(annual_index, 9), grade, stars",
               "branch_quarter_total": "quarter, branch_id, round(total, 9), indicators, rank, rank_change, "
                                       "falling_streak"}
    return f"SELECT {rounded.get(table, '*')} FROM {table}"


def assert_current_and_equal(con: duckdb.DuckDBPyConnection, cfg: config_mod.Config = config_mod.DEFAULT) -> None:
    """Every family is current for ``cfg``, and every derived table holds exactly its recomputation."""
    assert derived.stale_families(con, cfg) == []
    for table, (sql, params) in recomputed(cfg).items():
        extra = con.execute(f"SELECT count(*) FROM (({stored(table)}) EXCEPT ALL ({sql}))", params).fetchone()[0]
        missing = con.execute(f"SELECT count(*) FROM (({sql}) EXCEPT ALL ({stored(table)}))", params).fetchone()[0]
        assert (table, extra, missing) == (table, 0, 0)


def derived_rows(con) -> dict[str, list[tuple]]:
    return {t: con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall() for t in (*DERIVED_TABLES, "derived_state")}


def activity_frame(ids: range, branch: str, day: dt.date, kind: str = "支委会") -> pd.DataFrame:
    return pd.DataFrame({"activity_id": [f"A{i:03d}" for i in ids], "unit_id": branch, "activity_type": kind,
                         "title": [f"{kind}{i}" for i in ids], "held_on": [day + dt.timedelta(days=i) for i in ids],
                         "people_served": 3, "hours": 1.5})


@pytest.fixture()
def con(tmp_path):
    """Committee C00, general branch G01 with branches B01-B03, 10 members each (tests/import_files)."""
    connection = hospital(tmp_path)
    yield connection
    connection.close()


def members(branch: int) -> list[str]:
    return [f"M{i:04d}" for i in range(10 * (branch - 1), 10 * branch)]


def test_imports_reimports_and_rollbacks_keep_every_family_equal_to_its_recomputation(con, tmp_path):
    assert_current_and_equal(con)
    scores = importer.import_file(con, write_csv(tmp_path / "v.csv", vanguard_rows(
        members(1) + members(2) + members(3), ["2024Q4", "2025Q1", "2025Q2"], 80)), user="t")
    assert con.execute("SELECT count(*) FROM member_quarter_index").fetchone()[0] == 90
    assert_current_and_equal(con)
    # A re-import of one branch's quarter replaces it: B01's index is recomputed, the others kept.
    again = importer.import_file(con, write_csv(tmp_path / "b01.csv", vanguard_rows(members(1), ["2025Q1"], 92.5)),
                                 user="t")
    assert con.execute("SELECT DISTINCT vindex FROM member_quarter_index WHERE quarter = '2025Q1' AND branch_id = 'B01'"
                       ).fetchall() == [(92.5,)]
    assert_current_and_equal(con)
    totals = [importer.import_file(con, write_csv(tmp_path / f"{q}.csv", branch_rows(q, ["B01", "B02", "B03"], f)),
                                   user="t") for q, f in (("2025Q1", 0.9), ("2025Q2", 0.85))]
    importer.import_frame(con, activity_frame(range(1, 5), "B02", dt.date(2025, 3, 3)), user="t", kind="activities")
    assert_current_and_equal(con)
    # Correcting 2025Q1 changes that quarter's ranks and the next quarter's rank changes and runs.
    fixed = importer.import_file(con, write_csv(tmp_path / "q1.csv", branch_rows("2025Q1", ["B01", "B02"], 0.8)),
                                 user="t")
    assert_current_and_equal(con)
    for batch in (fixed, totals[1], again):
        rollback.rollback_batch(con, batch.batch_id, user="t")
        assert_current_and_equal(con)
    assert con.execute("SELECT DISTINCT vindex FROM member_quarter_index WHERE quarter = '2025Q1'").fetchall() == [(80.0,)]
    rollback.rollback_batch(con, scores.batch_id, user="t")
    assert con.execute("SELECT count(*) FROM member_quarter_index").fetchone()[0] == 0
    assert_current_and_equal(con)


def test_transfers_and_reimports_after_them_keep_the_vanguard_family_equal_to_its_recomputation(con, tmp_path):
    """M0000 moves B01 -> B02 on 2025-04-01 (2024Q4 and 2025Q1 in B01, 2025Q2 in B02), then B02's
    2025Q2 and B01's 2025Q1 are imported again: each replaces the quarter of the branch the
    members belonged to then, and every step (and its rollback) leaves the family equal to its
    recomputation."""
    quarters = ["2024Q4", "2025Q1", "2025Q2"]
    importer.import_file(con, write_csv(tmp_path / "v.csv", vanguard_rows(members(1) + members(2), quarters, 80)),
                         user="t")
    move = importer.import_file(con, write_csv(tmp_path / "t.csv", [
        ["党员编号", "调出支部", "调入支部", "生效日期", "调动原因"], ["M0000", "B01", "B02", "2025-04-01", "调动"]]), user="t")
    assert_current_and_equal(con)
    in_branch = "SELECT quarter, count(*) FROM member_quarter_index WHERE branch_id = ? GROUP BY ALL ORDER BY 1"
    assert con.execute(in_branch, ["B02"]).fetchall() == [("2024Q4", 10), ("2025Q1", 10), ("2025Q2", 11)]
    # B02's 2025Q2 again, with its 11 members of that quarter: all 11 sheets replaced.
    b02 = importer.import_file(con, write_csv(tmp_path / "b02.csv", vanguard_rows(["M0000", *members(2)], ["2025Q2"], 91)),
                               user="t")
    assert b02.replaced == 11 * 18
    b01 = importer.import_file(con, write_csv(tmp_path / "b01.csv", vanguard_rows(members(1), ["2025Q1"], 85)), user="t")
    assert b01.replaced == 10 * 18
    assert con.execute("SELECT branch_id, quarters, round(annual_index, 6) FROM member_year_index "
                       "WHERE member_id = 'M0000' AND year = 2025").fetchall() == [("B02", 2, 88.0)]
    assert_current_and_equal(con)
    for batch in (b01, b02, move):
        rollback.rollback_batch(con, batch.batch_id, user="t")
        assert_current_and_equal(con)
    assert con.execute(in_branch, ["B01"]).fetchall() == [("2024Q4", 10), ("2025Q1", 10), ("2025Q2", 10)]


def test_attendance_imports_replacements_and_rollbacks_keep_the_meetings_family_equal_to_its_recomputation(con, tmp_path):
    meetings_batch = importer.import_frame(con, pd.concat([
        activity_frame(range(1, 4), "B01", dt.date(2025, 3, 28)),  # A001-A003: 3-29 to 3-31
        activity_frame(range(4, 6), "B02", dt.date(2025, 3, 27), kind="党课")]), user="t", kind="activities")  # A005: 4-1
    header = ["活动编号", "党员编号", "姓名", "出勤情况"]
    statuses = ("出席", "请假", "缺席")
    first = importer.import_file(con, write_csv(tmp_path / "a.csv", [header] + [
        [f"A{a:03d}", m, "", statuses[i % 3]] for a in (1, 2) for i, m in enumerate(members(1))]), user="t")
    assert con.execute("SELECT sum(n), sum(present), count(*) FROM member_quarter_attendance").fetchone() == (20, 8, 10)
    assert con.execute("SELECT unit_id, activity_type, meetings FROM unit_quarter_meetings").fetchall() == [
        ("B01", "支委会", 2)]
    assert_current_and_equal(con)
    # A re-import of A002's attendance replaces it: B01's quarter is counted again.
    again = importer.import_file(con, write_csv(tmp_path / "b.csv", [header] + [
        ["A002", m, "", "出席"] for m in members(1)[:4]]), user="t")
    assert con.execute("SELECT sum(n), sum(present) FROM member_quarter_attendance").fetchone() == (14, 8)
    assert_current_and_equal(con)
    later = importer.import_file(con, write_csv(tmp_path / "c.csv", [header] + [
        ["A005", m, "", "缺席"] for m in members(2)[:3]]), user="t")
    assert_current_and_equal(con)
    for batch in (later, again, first):
        rollback.rollback_batch(con, batch.batch_id, user="t")
        assert_current_and_equal(con)
    assert con.execute("SELECT count(*) FROM member_quarter_attendance").fetchone()[0] == 0
    rollback.rollback_batch(con, meetings_batch.batch_id, user="t")
    assert_current_and_equal(con)


def test_the_hospitals_attendance_counts_the_branches_meetings_whoever_else_ran_one(con):
    # A 党课 of B01 and one the 党委 (C00) ran for 30 members: 三会一课 attendance is the branches'.
    importer.import_frame(con, pd.concat([activity_frame(range(1, 2), "B01", dt.date(2025, 2, 10), kind="党课"),
                                          activity_frame(range(2, 3), "C00", dt.date(2025, 2, 10), kind="党课")]),
                          user="t", kind="activities")
    records = [("A001", m, "出席") for m in members(1)] + [("A002", m, "缺席") for b in (1, 2, 3) for m in members(b)]
    importer.import_frame(con, pd.DataFrame(records, columns=["activity_id", "member_id", "status"]), user="t",
                          kind="attendance")
    assert_current_and_equal(con)

    def lesson(as_of: dt.date, last: str) -> tuple:
        row = meetings.hospital_summary(con, scope=ALL, first="2025Q1", last=last, as_of=as_of).by_kind.set_index("kind").loc["党课"]
        return row["attendance_n"], row["members"], row["present"], row["suppressed"]

    # The first quarter over (derived tables), and not yet over (its records counted from the raw rows).
    assert lesson(dt.date(2025, 6, 30), "2025Q1") == lesson(dt.date(2025, 3, 20), "2025Q1") == (10, 10, 10, False)


def test_meetings_without_records_are_not_counted_as_recorded_whether_their_quarter_is_over_or_not(con):
    # Four 支委会 of B01 on 2025-04-01..04, records for two of them.
    importer.import_frame(con, activity_frame(range(1, 5), "B01", dt.date(2025, 3, 31)), user="t", kind="activities")
    records = pd.DataFrame([(f"A00{a}", m, "出席") for a in (1, 2) for m in members(1)],
                           columns=["activity_id", "member_id", "status"])
    importer.import_frame(con, records, user="t", kind="attendance")

    def recorded(as_of: dt.date) -> list:
        rates = meetings.attendance_rates(con, scope=ALL, first="2025Q2", last="2025Q2", kind="支委会", as_of=as_of)
        return rates[["branch_id", "meetings", "members", "n"]].values.tolist()

    # The quarter over (the stored counts) and the quarter of as_of (counted from the records).
    assert recorded(dt.date(2025, 6, 30)) == recorded(dt.date(2025, 5, 20)) == [["B01", 2, 10, 20]]
    con.execute("DELETE FROM derived_state WHERE family = 'meetings'")  # from the raw rows alone
    assert recorded(dt.date(2025, 6, 30)) == recorded(dt.date(2025, 5, 20)) == [["B01", 2, 10, 20]]


def test_a_survey_import_checks_its_answers_once_and_its_rollback_forgets_them(con):
    survey_batch = importer.import_file(con, WJX_SAMPLE, user="t")
    assert con.execute("SELECT count(DISTINCT question_no) FROM survey_answer_check").fetchone()[0] > 0
    assert_current_and_equal(con)
    rollback.rollback_batch(con, survey_batch.batch_id, user="t")
    assert con.execute("SELECT count(*) FROM survey_answer_check").fetchone()[0] == 0
    assert_current_and_equal(con)


def test_a_rejected_import_leaves_the_derived_tables_as_they_were(con, tmp_path):
    importer.import_file(con, write_csv(tmp_path / "v.csv", vanguard_rows(members(1), ["2025Q1"], 80)), user="t")
    before = derived_rows(con)
    bad = vanguard_rows(members(1), ["2025Q2"], 80) + [["2025Q2", "M9999", "岗位作用", "自评", 80]]
    rejected(con, write_csv(tmp_path / "bad.csv", bad))
    assert derived_rows(con) == before


def test_rows_written_behind_the_importers_back_make_a_family_stale_and_the_next_import_rebuilds_it(con, tmp_path):
    importer.import_file(con, write_csv(tmp_path / "v.csv", vanguard_rows(members(1), ["2025Q1"], 80)), user="t")
    # Another program adds a complete sheet for M0010 (B02) directly.
    for dimension in config_mod.DEFAULT.vanguard.dimensions:
        for rater in ("self", "peer", "org"):
            con.execute("INSERT INTO vanguard_score VALUES ('M0010', '2025Q1', ?, ?, 70, NULL)", [dimension.id, rater])
    assert derived.stale_families(con, config_mod.DEFAULT) == ["vanguard"]
    # The analyses then compute from the raw rows: M0010 is there.
    index = vanguard.member_index(con, scope=ALL, first="2025Q1", last="2025Q1", cfg=config_mod.DEFAULT)
    assert index.set_index("member_id").loc["M0010", "vindex"] == pytest.approx(70)
    importer.import_file(con, write_csv(tmp_path / "b03.csv", vanguard_rows(members(3), ["2025Q1"], 90)), user="t")
    assert_current_and_equal(con)
    assert con.execute("SELECT vindex FROM member_quarter_index WHERE member_id = 'M0010'").fetchone()[0] == pytest.approx(70)


def test_a_configuration_change_is_detected_on_open_and_rebuilt_with_progress(tmp_path):
    con = hospital(tmp_path)
    importer.import_file(con, write_csv(tmp_path / "v.csv", vanguard_rows(members(1) + members(2), ["2025Q1"], 80)),
                         user="t")
    # Peer and organisation scores of M0000 higher: its index depends on the rater weights.
    con.execute("UPDATE vanguard_score SET score = 95 WHERE member_id = 'M0000' AND rater <> 'self'")
    # An update in place keeps the row counts: only a forced rebuild can know.
    assert db.rebuild_derived(con, config_mod.DEFAULT) == 0
    assert db.rebuild_derived(con, config_mod.DEFAULT, force=True) > 0
    assert_current_and_equal(con)
    default_index = vanguard.member_index(con, scope=ALL, first="2025Q1", last="2025Q1", cfg=config_mod.DEFAULT)
    con.close()
    seen = []
    con = db.open_database(tmp_path / "hospital.duckdb", cfg=OTHER, progress=lambda f, text: seen.append((f, text)))
    try:
        fractions = [f for f, _ in seen]
        assert fractions == sorted(fractions) and fractions[-1] == 1.0 and all(text for _, text in seen)
        assert_current_and_equal(con, OTHER)
        # Only the vanguard family depends on the configuration.
        assert derived.stale_families(con, config_mod.DEFAULT) == ["vanguard"]
        other = vanguard.member_index(con, scope=ALL, first="2025Q1", last="2025Q1", cfg=OTHER).set_index("member_id")
        # 0.1 * 80 + 0.3 * 95 + 0.6 * 95 = 93.5 (every dimension alike)
        assert other.loc["M0000", "vindex"] == pytest.approx(93.5)
        assert db.rebuild_derived(con, OTHER) == 0
        # The default configuration's answer is still right: computed from the raw rows.
        again = vanguard.member_index(con, scope=ALL, first="2025Q1", last="2025Q1", cfg=config_mod.DEFAULT)
        pd.testing.assert_frame_equal(again, default_index)
    finally:
        con.close()


# --- the analyses on the demo hospital: derived tables and raw rows agree ----------------------

DEMO_RANGE = {"first": "2025Q1", "last": "2025Q4"}
DEMO_AS_OF = {"as_of": dt.date(2025, 11, 20)}  # inside a month: that month is counted from the raw rows
CALLS = [
    ("vanguard.trend", lambda c: vanguard.trend(c, scope=ALL, level="branch", **DEMO_RANGE)),
    ("vanguard.hospital_trend", lambda c: vanguard.hospital_trend(c, scope=ALL, unit="G01", **DEMO_RANGE)),
    ("vanguard.dimension_breakdown", lambda c: vanguard.dimension_breakdown(c, scope=ALL, **DEMO_RANGE)),
    ("vanguard.member_index", lambda c: vanguard.member_index(c, scope=ALL, **DEMO_RANGE)),
    ("vanguard.appraisal", lambda c: vanguard.appraisal(c, scope=ALL, year=2025)),
    ("vanguard.appraisal_counts", lambda c: vanguard.appraisal_counts(c, scope=ALL, year=2024, unit="G02")),
    ("vanguard.falling_members", lambda c: vanguard.falling_members(c, scope=ALL, last="2025Q4")),
    ("assessment.branch_ranking", lambda c: assessment.branch_ranking(c, scope=ALL, first="2023Q1", last="2025Q4")),
    ("assessment.total_trend", lambda c: assessment.total_trend(c, scope=ALL, unit="G03", **DEMO_RANGE)),
    ("meetings.meeting_compliance", lambda c: meetings.meeting_compliance(c, scope=ALL, **DEMO_RANGE, **DEMO_AS_OF)),
    ("meetings.compliance_rates", lambda c: meetings.compliance_rates(c, scope=ALL, **DEMO_RANGE, **DEMO_AS_OF)),
    ("meetings.branch_calendar", lambda c: meetings.branch_calendar(c, scope=ALL, branch="B05", **DEMO_RANGE,
                                                                    **DEMO_AS_OF)),
    ("meetings.hospital_summary", lambda c: meetings.hospital_summary(c, scope=ALL, **DEMO_RANGE, **DEMO_AS_OF).by_kind),
    # Whole quarters: the attendance comes from unit_quarter_attendance and member_kind_quarters.
    ("meetings.hospital_summary whole quarters", lambda c: meetings.hospital_summary(
        c, scope=ALL, first="2023Q2", last="2025Q3", **DEMO_AS_OF).by_kind),
    # A secretary's view of the hospital with a threshold between the kinds' member counts: some
    # kinds are suppressed, others not.
    ("meetings.hospital_summary suppressed", lambda c: meetings.hospital_summary(
        c, scope=Scope("s", "secretary", "B05"), first="2025Q2", last="2025Q3", **DEMO_AS_OF,
        cfg=replace(config_mod.load(), survey=replace(config_mod.load().survey, min_cell=300))).by_kind),
    ("activities.activity_totals", lambda c: activities.activity_totals(c, scope=ALL, **DEMO_RANGE, **DEMO_AS_OF)),
    ("activities.activity_monthly", lambda c: activities.activity_monthly(c, scope=ALL, **DEMO_RANGE, **DEMO_AS_OF)),
    ("activities.activity_by_branch", lambda c: activities.activity_by_branch(c, scope=ALL, unit="G04", **DEMO_RANGE,
                                                                              **DEMO_AS_OF)),
    ("org.quarters_with_data", lambda c: pd.DataFrame({"quarter": org.quarters_with_data(c, scope=ALL)})),
    ("meetings.attendance_rates", lambda c: meetings.attendance_rates(c, scope=ALL, **DEMO_RANGE, **DEMO_AS_OF)),
    ("meetings.attendance_rates quarter end", lambda c: meetings.attendance_rates(
        c, scope=ALL, kind="支委会", unit="G02", first="2024Q3", last="2025Q2", as_of=dt.date(2025, 6, 30))),
    ("meetings.member_attendance", lambda c: meetings.member_attendance(c, scope=ALL, unit="G03", **DEMO_RANGE,
                                                                        **DEMO_AS_OF)),
]


@pytest.fixture(scope="module")
def demo_raw_con(demo_path, tmp_path_factory):
    """A copy of the demo whose derived tables are marked stale: every analysis reads the raw rows."""
    path = tmp_path_factory.mktemp("raw") / "demo.duckdb"
    shutil.copy(demo_path, path)
    con = duckdb.connect(str(path))
    con.execute("DELETE FROM derived_state")
    yield con
    con.close()


def test_the_demo_is_built_with_current_derived_tables(demo_con):
    assert_current_and_equal(demo_con, config_mod.load())


@pytest.mark.parametrize("call", [fn for _, fn in CALLS], ids=[name for name, _ in CALLS])
def test_analyses_read_the_same_from_derived_tables_as_from_raw_rows(demo_con, demo_raw_con, call):
    assert derived.stale_families(demo_raw_con, config_mod.load()) == list(derived.SOURCES)
    pd.testing.assert_frame_equal(call(demo_con), call(demo_raw_con), check_exact=False, rtol=1e-9, atol=1e-9)
