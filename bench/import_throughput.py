"""Import throughput: a vanguard-score CSV through the importer vs DuckDB's own read_csv.

The file is generated here (never committed): members of 40 branches scored on every
configured dimension by the three raters over eight quarters, with Chinese headers and labels
exactly as the template has them. Baseline: ``CREATE TABLE ... AS SELECT * FROM read_csv(file)``
in a fresh in-memory DuckDB: the cost of just reading the file. A second reference is the
bare ``INSERT INTO vanguard_score SELECT ... FROM read_csv(...)`` with label joins and no
validation (what an unchecked loader would cost, constraints included).
"""

from __future__ import annotations

import math
import tempfile
from pathlib import Path

import duckdb

from analysis import config as config_mod
from analysis import db, periods
from analysis.ingest import importer
from bench import Measurement, case, timer

QUARTERS = periods.quarter_range("2023Q1", "2024Q4")
BRANCHES = 40
RATERS = (("自评", "self"), ("互评", "peer"), ("组织评定", "org"))


def build_database(path: Path, members: int) -> None:
    """An org with BRANCHES branches and ``members`` members, spread evenly."""
    con = db.open_database(path)
    try:
        with db.transaction(con):
            con.execute("INSERT INTO org_unit (unit_id, name, level) VALUES ('C00', '医院党委', 'committee')")
            con.execute("INSERT INTO org_unit (unit_id, name, level, parent_id) VALUES ('G01', '第一党总支', 'general_branch', 'C00')")
            con.execute(
                "INSERT INTO org_unit (unit_id, name, level, parent_id) "
                "SELECT printf('B%03d', i), printf('第%d党支部', i), 'branch', 'G01' FROM range(1, ?) t(i)",
                [BRANCHES + 1],
            )
            con.execute(
                "INSERT INTO member (member_id, name, branch_id, party_role, profession, joined_on) "
                "SELECT printf('M%06d', i), printf('党员%d', i), printf('B%03d', 1 + i % ?), '党员', '医生', DATE '2010-01-01' "
                "FROM range(?) t(i)",
                [BRANCHES, members],
            )
    finally:
        con.close()


def write_csv(path: Path, rows: int, members: int, cfg: config_mod.Config) -> None:
    con = duckdb.connect()
    try:
        dims = [d.name for d in cfg.vanguard.dimensions]
        con.execute("CREATE TABLE q AS SELECT unnest(?) AS quarter", [QUARTERS])
        con.execute("CREATE TABLE d AS SELECT unnest(?) AS dimension", [dims])
        con.execute("CREATE TABLE r AS SELECT unnest(?) AS rater", [[label for label, _ in RATERS]])
        con.execute(
            f"""
            COPY (
                SELECT q.quarter AS "季度", printf('M%06d', m.i) AS "党员编号", d.dimension AS "评价维度",
                       r.rater AS "评价主体", round(60 + (hash(m.i, q.quarter, d.dimension, r.rater) % 400) / 10, 1) AS "得分"
                FROM q, range(?) m(i), d, r
                ORDER BY q.quarter, m.i, d.dimension, r.rater
                LIMIT ?
            ) TO '{path}' (HEADER, DELIMITER ',')
            """,
            [members, rows],
        )
    finally:
        con.close()


@case("import_vanguard_csv", "1,000,000-row vanguard-score CSV: importer.import_file vs DuckDB read_csv of the same file")
def import_vanguard_csv(quick: bool = False) -> Measurement:
    rows = 20_000 if quick else 1_000_000
    cfg = config_mod.load()
    per_member = len(cfg.vanguard.dimensions) * len(RATERS) * len(QUARTERS)
    members = math.ceil(rows / per_member)
    with tempfile.TemporaryDirectory(prefix="bench-import-") as tmp:
        tmp = Path(tmp)
        csv_path = tmp / "vanguard.csv"
        write_csv(csv_path, rows, members, cfg)
        size_mb = csv_path.stat().st_size / 2**20

        baseline_con = duckdb.connect()
        with timer() as baseline:
            baseline_con.execute(f"CREATE TABLE t AS SELECT * FROM read_csv('{csv_path}')")
        assert baseline_con.execute("SELECT count(*) FROM t").fetchone()[0] == rows
        baseline_con.close()

        # Unchecked loader: straight INSERT ... SELECT with the label joins, constraints only.
        build_database(tmp / "raw.duckdb", members)
        raw = db.open_database(tmp / "raw.duckdb")
        with timer() as unchecked:
            with db.transaction(raw):
                raw.execute(
                    f"""
                    INSERT INTO vanguard_score (member_id, quarter, dimension_id, rater, score)
                    SELECT c."党员编号", c."季度", d.dimension_id,
                           CASE c."评价主体" WHEN '自评' THEN 'self' WHEN '互评' THEN 'peer' ELSE 'org' END, c."得分"
                    FROM read_csv('{csv_path}') c JOIN vanguard_dimension d ON d.name = c."评价维度"
                    """
                )
        raw.close()

        build_database(tmp / "bench.duckdb", members)
        con = db.open_database(tmp / "bench.duckdb")
        try:
            with timer() as validating:
                preview = importer.validate_file(con, csv_path)
            assert preview.ok, preview.problems[:3]
            with timer() as importing:
                result = importer.import_file(con, csv_path, user="bench")
            stored = con.execute("SELECT count(*) FROM vanguard_score").fetchone()[0]
        finally:
            con.close()
    assert stored == rows == result.rows
    return Measurement(
        case="import_vanguard_csv",
        seconds=importing[0],
        baseline="DuckDB read_csv into a table",
        baseline_seconds=baseline[0],
        detail={
            "rows": rows,
            "file_mb": round(size_mb, 1),
            "rows_per_second": round(rows / importing[0]),
            "validate_only_seconds": round(validating[0], 3),
            "unchecked_insert_seconds": round(unchecked[0], 3),
            "ratio_to_unchecked_insert": round(importing[0] / unchecked[0], 2),
        },
    )
