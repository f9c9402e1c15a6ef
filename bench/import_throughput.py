"""Import throughput and memory: a vanguard-score CSV through the importer vs DuckDB's own read_csv.

The files are generated here (never committed): members of 40 branches scored on every
configured dimension by the three raters over eight quarters, with Chinese headers and labels
exactly as the template has them. Every run happens in a fresh Python process (``_child``), so
that its peak memory is the import's and nothing else's:

* ``import_vanguard_csv``: 1,000,000 valid rows imported as the CLI imports them in a process of
  its own, staging and checking under ``db.CHECKING_MEMORY_LIMIT`` (goal: under 3 s, under 500 MB), against
  ``CREATE TABLE ... AS SELECT * FROM read_csv(file)`` in a fresh in-memory DuckDB (the cost of
  just reading the file) and the bare ``INSERT INTO vanguard_score SELECT ... FROM read_csv(...)``
  with label joins and no validation (what an unchecked loader would cost, constraints included).
* ``import_invalid_csv``: 2,000,000 rows that are all wrong in some column (goal: refused with
  the first 1,000 problems listed, under 1 GB); with ``--scale`` of 100 or more, also a file at
  the 512 MB inbox limit.
"""

from __future__ import annotations

import math
import tempfile
from pathlib import Path

import duckdb

from analysis import config as config_mod
from analysis import db, periods
from bench import Measurement, _child, case, settings

QUARTERS = periods.quarter_range("2023Q1", "2024Q4")
BRANCHES = 40
RATERS = (("自评", "self"), ("互评", "peer"), ("组织评定", "org"))

# Run by _child.run: argv[1] what to run ('import' | 'read_csv' | 'insert'), argv[2] the database,
# argv[3] the file. Reports seconds, cpu_seconds, ready_mb (after opening), peak_mb and the outcome.
CHILD = """
import duckdb
from analysis import db
from analysis.ingest import importer

what, database, path = sys.argv[1:4]
con = db.open_database(database) if what != "read_csv" else duckdb.connect()
if what != "read_csv":
    con.execute("SET enable_progress_bar = false")
ready_mb = peak_mb()
started, cpu = time.perf_counter(), time.process_time()
if what == "import":
    try:
        outcome = {"rows": importer.import_file(con, path, user="bench", checking_memory=db.CHECKING_MEMORY_LIMIT).rows}
    except importer.ImportRejected as exc:
        outcome = {"problems": exc.preview.problem_count, "listed": len(exc.preview.problems)}
elif what == "read_csv":
    con.execute(f"CREATE TABLE t AS SELECT * FROM read_csv('{path}')")
    outcome = {"rows": con.execute("SELECT count(*) FROM t").fetchone()[0]}
else:
    with db.transaction(con):
        con.execute(f'''INSERT INTO vanguard_score (member_id, quarter, dimension_id, rater, score)
            SELECT c."党员编号", c."季度", d.dimension_id,
                   CASE c."评价主体" WHEN '自评' THEN 'self' WHEN '互评' THEN 'peer' ELSE 'org' END, c."得分"
            FROM read_csv('{path}') c JOIN vanguard_dimension d ON d.name = c."评价维度"''')
    outcome = {"rows": con.execute("SELECT count(*) FROM vanguard_score").fetchone()[0]}
report(**outcome, seconds=time.perf_counter() - started, cpu_seconds=time.process_time() - cpu, ready_mb=ready_mb)
"""


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


def write_invalid_csv(path: Path, valid: Path, copies: int) -> None:
    """``copies`` times the rows of ``valid``, every one wrong twice over: half with an unknown
    quarter, member and dimension and a score above 100, half with an unknown rater and a score
    that is not a number."""
    con = duckdb.connect()
    try:
        con.execute(
            f"""
            COPY (
                SELECT b.* FROM (
                    SELECT "季度" || 'x' AS "季度", 'Z' || "党员编号" AS "党员编号", "评价维度" || '?' AS "评价维度",
                           "评价主体", CAST("得分" + 100 AS VARCHAR) AS "得分"
                    FROM read_csv('{valid}', all_varchar = false)
                    UNION ALL
                    SELECT "季度", "党员编号", "评价维度", '某人', '九十' FROM read_csv('{valid}')
                ) b, range(?)
            ) TO '{path}' (HEADER, DELIMITER ',')
            """,
            [copies],
        )
    finally:
        con.close()


def run_child(what: str, database: Path, path: Path) -> dict:
    """Run CHILD in a fresh interpreter (see ``_child``); what it reports."""
    return _child.run(CHILD, what, str(database), str(path))


def _files(tmp: Path, rows: int) -> tuple[Path, Path, int]:
    """The valid CSV of ``rows`` rows, a database its members exist in, and the member count."""
    cfg = config_mod.load()
    members = math.ceil(rows / (len(cfg.vanguard.dimensions) * len(RATERS) * len(QUARTERS)))
    csv_path = tmp / "vanguard.csv"
    write_csv(csv_path, rows, members, cfg)
    build_database(tmp / "empty.duckdb", members)
    return csv_path, tmp / "empty.duckdb", members


def _fresh(template: Path, tmp: Path, name: str) -> Path:
    target = tmp / name
    target.write_bytes(template.read_bytes())
    return target


@case("import_vanguard_csv", "1,000,000-row vanguard-score CSV: importer (fresh process) vs DuckDB read_csv of the same file")
def import_vanguard_csv(quick: bool = False) -> Measurement:
    rows = 20_000 if quick else 1_000_000
    with tempfile.TemporaryDirectory(prefix="bench-import-") as tmp:
        tmp = Path(tmp)
        csv_path, empty, _ = _files(tmp, rows)
        baseline = run_child("read_csv", empty, csv_path)
        unchecked = run_child("insert", _fresh(empty, tmp, "raw.duckdb"), csv_path)
        ours = run_child("import", _fresh(empty, tmp, "bench.duckdb"), csv_path)
        size_mb = csv_path.stat().st_size / 2**20
    assert ours.get("rows") == rows == baseline["rows"] == unchecked["rows"], (ours, baseline, unchecked)
    return Measurement(
        case="import_vanguard_csv",
        seconds=ours["seconds"],
        baseline="DuckDB read_csv into a table (fresh process)",
        baseline_seconds=baseline["seconds"],
        detail={
            "rows": rows,
            "file_mb": round(size_mb, 1),
            "rows_per_second": round(rows / ours["seconds"]),
            "cpu_seconds": round(ours["cpu_seconds"], 2),
            "peak_mb": round(ours["peak_mb"]),
            "peak_mb_after_opening": round(ours["ready_mb"]),
            "read_csv_peak_mb": round(baseline["peak_mb"]),
            "unchecked_insert_seconds": round(unchecked["seconds"], 3),
            "ratio_to_unchecked_insert": round(ours["seconds"] / unchecked["seconds"], 2),
        },
    )


@case("import_invalid_csv", "2,000,000 invalid rows (and a 512 MB file at --scale >= 100): time, problems listed, peak memory")
def import_invalid_csv(quick: bool = False) -> Measurement:
    valid_rows = 10_000 if quick else 1_000_000
    with tempfile.TemporaryDirectory(prefix="bench-import-") as tmp:
        tmp = Path(tmp)
        csv_path, empty, _ = _files(tmp, valid_rows)
        invalid = tmp / "invalid.csv"
        write_invalid_csv(invalid, csv_path, 1)
        baseline = run_child("read_csv", empty, invalid)
        ours = run_child("import", _fresh(empty, tmp, "bench.duckdb"), invalid)
        detail = {"rows": 2 * valid_rows, "file_mb": round(invalid.stat().st_size / 2**20, 1),
                  "problems": ours["problems"], "listed": ours["listed"], "cpu_seconds": round(ours["cpu_seconds"], 2),
                  "peak_mb": round(ours["peak_mb"]), "read_csv_peak_mb": round(baseline["peak_mb"])}
        if settings.scale >= 100 and not quick:
            inbox_limit = tmp / "invalid_512mb.csv"
            write_invalid_csv(inbox_limit, csv_path, 5)
            big = run_child("import", _fresh(empty, tmp, "big.duckdb"), inbox_limit)
            detail |= {"inbox_limit_file_mb": round(inbox_limit.stat().st_size / 2**20, 1),
                       "inbox_limit_seconds": round(big["seconds"], 1), "inbox_limit_peak_mb": round(big["peak_mb"]),
                       "inbox_limit_problems": big["problems"]}
    assert ours["listed"] == 1000 < ours["problems"], ours
    return Measurement(case="import_invalid_csv", seconds=ours["seconds"],
                       baseline="DuckDB read_csv of the same file (fresh process)", baseline_seconds=baseline["seconds"],
                       detail=detail)
