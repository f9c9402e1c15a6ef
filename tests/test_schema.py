"""The schema refuses bad rows by itself, and migrations upgrade and protect the file."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from analysis import db
from tests.builders import add_member, add_org


@pytest.fixture()
def con(empty_con):
    add_org(empty_con, {"G1": ["B1"]})
    add_member(empty_con, "M1", "B1")
    return empty_con


BAD_ROWS = [
    ("unknown branch", "INSERT INTO member (member_id, name, branch_id, party_role, profession, joined_on) "
                       "VALUES ('M2', '某某', 'NOPE', '党员', '医生', DATE '2010-01-01')"),
    ("unknown role", "INSERT INTO member (member_id, name, branch_id, party_role, profession, joined_on) "
                     "VALUES ('M2', '某某', 'B1', '群众', '医生', DATE '2010-01-01')"),
    ("blank name", "INSERT INTO member (member_id, name, branch_id, party_role, profession, joined_on) "
                   "VALUES ('M2', '  ', 'B1', '党员', '医生', DATE '2010-01-01')"),
    ("duplicate member id", "INSERT INTO member (member_id, name, branch_id, party_role, profession, joined_on) "
                            "VALUES ('M1', '某某', 'B1', '党员', '医生', DATE '2010-01-01')"),
    ("score above 100", "INSERT INTO vanguard_score VALUES ('M1', '2024Q1', 'study', 'self', 100.5, NULL)"),
    ("bad quarter", "INSERT INTO vanguard_score VALUES ('M1', '2024Q5', 'study', 'self', 80, NULL)"),
    ("unknown rater", "INSERT INTO vanguard_score VALUES ('M1', '2024Q1', 'study', 'boss', 80, NULL)"),
    ("unknown dimension", "INSERT INTO vanguard_score VALUES ('M1', '2024Q1', 'nope', 'self', 80, NULL)"),
    ("indicator score above its max", "INSERT INTO branch_score VALUES ('B1', '2024Q1', 'A06', 5, 5.5, NULL)"),
    ("indicator max not the catalogue's", "INSERT INTO branch_score VALUES ('B1', '2024Q1', 'A06', 10, 8, NULL)"),
    ("unit with unknown parent", "INSERT INTO org_unit (unit_id, name, level, parent_id) VALUES ('B9', '孤立支部', 'branch', 'G404')"),
    ("unknown unit level", "INSERT INTO org_unit (unit_id, name, level, parent_id) VALUES ('B9', '某支部', 'team', 'G1')"),
    ("done task without date", "INSERT INTO service_task VALUES ('T1', '事项', 'B1', '便民', '已完成', DATE '2025-01-01', DATE '2025-03-01', NULL, NULL)"),
    ("due before start", "INSERT INTO service_task VALUES ('T1', '事项', 'B1', '便民', '进行中', DATE '2025-03-01', DATE '2025-01-01', NULL, NULL)"),
    ("negative people served", "INSERT INTO activity (activity_id, unit_id, activity_type, title, held_on, people_served) "
                               "VALUES ('A1', 'B1', '义诊', '义诊', DATE '2025-01-01', -3)"),
    ("unknown activity type", "INSERT INTO activity (activity_id, unit_id, activity_type, title, held_on) "
                              "VALUES ('A1', 'B1', '聚餐', '聚餐', DATE '2025-01-01')"),
    ("attendance of unknown activity", "INSERT INTO attendance VALUES ('A404', 'M1', '出席', NULL)"),
    ("secretary without unit", "INSERT INTO app_user (username, display_name, role, password_hash) "
                               "VALUES ('sec', '书记', 'secretary', 'x')"),
]


@pytest.mark.parametrize("sql", [sql for _, sql in BAD_ROWS], ids=[name for name, _ in BAD_ROWS])
def test_constraints_reject_bad_rows(con, sql):
    with pytest.raises(duckdb.ConstraintException):
        con.execute(sql)


def test_good_rows_are_accepted(con):
    con.execute("INSERT INTO vanguard_score VALUES ('M1', '2024Q1', 'study', 'self', 100, NULL)")
    con.execute("INSERT INTO branch_score VALUES ('B1', '2024Q1', 'A06', 5, 5, NULL)")
    assert con.execute("SELECT count(*) FROM branch_score").fetchone()[0] == 1


def test_transaction_rolls_back_everything_on_error(con):
    with pytest.raises(duckdb.ConstraintException):
        with db.transaction(con):
            con.execute("INSERT INTO vanguard_score VALUES ('M1', '2024Q1', 'study', 'self', 90, NULL)")
            con.execute("INSERT INTO vanguard_score VALUES ('M1', '2024Q1', 'study', 'peer', 190, NULL)")
    assert con.execute("SELECT count(*) FROM vanguard_score").fetchone()[0] == 0
    # The connection is usable afterwards (no transaction left open).
    with db.transaction(con):
        con.execute("INSERT INTO vanguard_score VALUES ('M1', '2024Q1', 'study', 'self', 90, NULL)")
    assert con.execute("SELECT count(*) FROM vanguard_score").fetchone()[0] == 1


def test_reopen_keeps_version_and_data(tmp_path):
    path = tmp_path / "x.duckdb"
    con = db.open_database(path)
    add_org(con, {"G1": ["B1"]})
    con.close()
    con = db.open_database(path)
    assert db.schema_version(con) == db.latest_version()
    assert con.execute("SELECT count(*) FROM org_unit").fetchone()[0] == 3
    con.close()


def test_older_database_is_upgraded(tmp_path):
    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))
    version, name, sql = db.migrations()[0]
    con.execute("CREATE TABLE schema_version (version INTEGER PRIMARY KEY, file_name VARCHAR NOT NULL, "
                "applied_at TIMESTAMP NOT NULL DEFAULT current_timestamp)")
    con.execute(sql)
    con.execute("INSERT INTO schema_version (version, file_name) VALUES (?, ?)", [version, name])
    con.close()
    con = db.open_database(path)
    assert db.schema_version(con) == db.latest_version()
    applied = [r[0] for r in con.execute("SELECT version FROM schema_version ORDER BY 1").fetchall()]
    assert applied == list(range(1, db.latest_version() + 1))
    con.close()


def test_newer_database_is_refused(tmp_path):
    path = tmp_path / "new.duckdb"
    con = db.open_database(path)
    con.execute("INSERT INTO schema_version (version, file_name) VALUES (999, '999_future.sql')")
    con.close()
    with pytest.raises(db.SchemaError, match="newer than this program"):
        db.open_database(path)
    with pytest.raises(db.SchemaError, match="schema version 999"):
        db.open_database(path, read_only=True)


def test_catalogue_max_points_cannot_change_silently(tmp_path):
    from dataclasses import replace

    from analysis import config

    path = tmp_path / "c.duckdb"
    db.open_database(path).close()
    indicators = list(config.DEFAULT.assessment.indicators)
    indicators[0], indicators[1] = replace(indicators[0], max_points=12), replace(indicators[1], max_points=4)
    changed = replace(config.DEFAULT, assessment=replace(config.DEFAULT.assessment, indicators=tuple(indicators)))
    config.validate(changed)
    with pytest.raises(db.SchemaError, match="A01"):
        db.open_database(path, cfg=changed)


def test_units_stay_renamable_after_use(con):
    con.execute("INSERT INTO vanguard_score VALUES ('M1', '2024Q1', 'study', 'self', 90, NULL)")
    con.execute("UPDATE org_unit SET name = '新名称党支部', department = '新科室' WHERE unit_id = 'B1'")
    con.execute("UPDATE member SET name = '改名' WHERE member_id = 'M1'")
    assert con.execute("SELECT name FROM org_unit WHERE unit_id = 'B1'").fetchone()[0] == "新名称党支部"


def test_the_memory_cap_holds_once_the_file_is_open(tmp_path, monkeypatch):
    monkeypatch.setenv(db.MEMORY_LIMIT_ENV, "300MB")
    con = db.open_database(tmp_path / "capped.duckdb")
    try:
        limit = con.execute("SELECT current_setting('memory_limit')").fetchone()[0]
    finally:
        con.close()
    assert limit.replace(" ", "") in {"286.1MiB", "300.0MB", "300MB"}


def test_a_lowered_memory_limit_is_put_back_even_after_an_error(con):
    def limit():
        return con.execute("SELECT current_setting('memory_limit')").fetchone()[0]

    configured = limit()
    with pytest.raises(RuntimeError), db.lowered_memory_limit(con, "100MB"):
        assert limit().replace(" ", "") == "95.3MiB"
        raise RuntimeError("inside")
    assert limit() == configured
    with db.lowered_memory_limit(con, "64GB"):  # never raised above the configured cap
        assert limit() == configured
    with pytest.raises(ValueError, match="expected an amount"), db.lowered_memory_limit(con, "100; DROP"):
        pass


WIDE_SQL = """
SELECT * FROM (VALUES
    (DATE '2024-01-02', TIMESTAMP '2024-01-02 03:04:05', 1.5::DECIMAL(5, 2), 1::INTEGER, TRUE, '甲', [1, 2],
     10::BIGINT, 1::HUGEINT, 1.0::DOUBLE, 3::TINYINT, 7::BIGINT, FALSE, 2::SMALLINT),
    (NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 8, TRUE, 4)
) t(day, moment, amount, n, flag, name, ids, big, huge, mean, tiny, never_null, bool_never_null, small)
WHERE $keep OR day IS NULL
"""


@pytest.mark.parametrize("keep", [True, False])
def test_frame_types_its_rows_as_duckdbs_own_conversion(keep):
    con = duckdb.connect()
    expected = con.execute(WIDE_SQL, {"keep": keep}).df()
    got = db.fetch_frame(con, WIDE_SQL, {"keep": keep})
    assert list(got.dtypes.astype(str)) == list(expected.dtypes.astype(str))
    pd.testing.assert_frame_equal(got.drop(columns="ids"), expected.drop(columns="ids"))
    assert [None if v is None or v is pd.NA else list(v) for v in got["ids"]] == \
        [None if v is None or v is pd.NA else list(v) for v in expected["ids"]]
    empty_sql = "SELECT * FROM (" + WIDE_SQL + ") WHERE FALSE"
    empty = db.fetch_frame(con, empty_sql, {"keep": keep})
    assert empty.empty
    assert empty.dtypes.astype(str).to_dict() == con.execute(empty_sql, {"keep": keep}).df().dtypes.astype(str).to_dict()
    # pandas cannot merge two empty Arrow-backed text columns; these are plain objects, as .df() gives
    assert empty.merge(empty, on=["name", "day"]).empty


def test_frame_reads_after_a_result_left_unread():
    con = duckdb.connect()
    con.execute("SELECT * FROM range(10)").fetchone()  # the rest left unread
    assert db.fetch_frame(con, "SELECT 42 AS answer")["answer"].tolist() == [42]


def test_frame_refuses_what_it_would_convert_differently_from_df():
    con = duckdb.connect()
    with pytest.raises(ValueError, match="repeated column names"):
        db.fetch_frame(con, "SELECT 1 AS a, 2 AS a")
    with pytest.raises(TypeError, match="INTERVAL or MAP"):
        db.fetch_frame(con, "SELECT INTERVAL 1 DAY AS gap")
    with pytest.raises(TypeError, match="INTERVAL or MAP"):
        db.fetch_frame(con, "SELECT MAP {'a': 1} AS m")
