"""Writing an import: the batch row, the stored rows a re-import replaces, the new rows.

Every function here runs inside the importer's transaction and neither begins nor ends
one: the batch, the replaced rows, the new rows, the audit row and the data-version bump
commit or roll back together. A re-import replaces whole periods (a quarter of scores, a
year of 四有 evaluations), an activity's attendance or a task: the replaced rows are copied
to ``replaced_<table>`` with the batch that replaced them, so ``rollback`` can put them back.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

import duckdb

from analysis.derived import BRANCH_OF_QUARTER
from analysis.ingest.specs import REGISTER_TABLES, YES_NO
from analysis.ingest.stage import Layout, TempTables
from analysis.scope import Scope


@dataclass(frozen=True)
class Replacement:
    """Stored rows a re-import replaces, with the sentence shown before confirming."""

    table: str
    rows: int
    message_zh: str
    message_en: str


@dataclass(frozen=True)
class Replaced:
    """What an import replaces: the replaced rows' keys in a temporary table, and the sentences."""

    keys_table: str | None  # None: the import replaces nothing
    keys: tuple[str, ...]
    sentences: list[Replacement]


class DuplicateFile(duckdb.TransactionException):
    """The same file was committed by another session meanwhile: the retry reports it."""


def user_name(user: str | Scope) -> str:
    """The importing (or rolling back) user's name; PermissionError for a Scope below the committee."""
    if isinstance(user, Scope):
        if user.role != "committee":
            raise PermissionError("仅党委/党办账号可以导入数据或撤销导入")
        return user.username
    if not isinstance(user, str) or not user.strip():
        raise ValueError("the importing user's name is required")
    return user.strip()


def earlier_import(con: duckdb.DuckDBPyConnection, sha256: str) -> tuple[int, dt.datetime] | None:
    """(batch id, import time) of the live batch that imported a file with this hash, if any."""
    row = con.execute(
        "SELECT f.batch_id, b.imported_at FROM import_file f JOIN import_batch b USING (batch_id) WHERE f.sha256 = ?",
        [sha256],
    ).fetchall()
    return (int(row[0][0]), row[0][1]) if row else None


def open_batch(con: duckdb.DuckDBPyConnection, *, kind: str, file_name: str, sha256: str, rows: int,
               username: str, replaced: int, detail: dict) -> int:
    """Insert the import_batch row and claim the file's hash; return the new batch id."""
    batch_id = int(con.execute("SELECT nextval('import_batch_seq')").fetchall()[0][0])
    con.execute(
        "INSERT INTO import_batch (batch_id, kind, file_name, sha256, row_count, imported_by, imported_at, "
        "replaced_count, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [batch_id, kind, file_name, sha256, rows, username, dt.datetime.now(), replaced,
         json.dumps(detail, ensure_ascii=False, default=str)],
    )
    try:
        con.execute("INSERT INTO import_file (sha256, batch_id) VALUES (?, ?)", [sha256, batch_id])
    except duckdb.ConstraintException:
        # Another session imported the same file a moment ago.
        raise DuplicateFile() from None
    return batch_id


def shadow_columns(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    """Columns of replaced_<table> that the live table has (all but replaced_by)."""
    rows = con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = ? AND column_name <> 'replaced_by' "
        "AND column_name IN (SELECT column_name FROM information_schema.columns WHERE table_name = ?) "
        "ORDER BY ordinal_position",
        [f"replaced_{table}", table],
    ).fetchall()
    return [r[0] for r in rows]


# --- replacement ----------------------------------------------------------------------------


def _replaced_rows_sql(kind: str, typed: str, keys_table: str) -> tuple[str, tuple[str, ...], str] | None:
    """(SQL of the stored rows an import of ``kind`` replaces, their key, SQL summarising them once
    they are in ``keys_table``); None for kinds that never replace."""
    if kind == "vanguard_scores":
        # The quarter of the branches in the file (each member's branch in that quarter).
        return (f"""SELECT s.member_id, s.quarter, s.dimension_id, s.rater, m.branch_id
                FROM vanguard_score s JOIN {BRANCH_OF_QUARTER}
                JOIN (SELECT DISTINCT s.quarter, m.branch_id
                      FROM (SELECT v_member_id AS member_id, v_quarter AS quarter FROM {typed}) s
                      JOIN {BRANCH_OF_QUARTER}) p
                  ON p.quarter = s.quarter AND p.branch_id = m.branch_id""",
                ("member_id", "quarter", "dimension_id", "rater"),
                f"SELECT quarter, count(DISTINCT branch_id), count(DISTINCT member_id), count(*) FROM {keys_table} "
                "GROUP BY ALL ORDER BY 1")
    if kind == "branch_scores":
        return (f"SELECT branch_id, quarter, indicator_id FROM branch_score WHERE quarter IN (SELECT v_quarter FROM {typed})",
                ("branch_id", "quarter", "indicator_id"),
                f"SELECT quarter, count(DISTINCT branch_id), count(DISTINCT indicator_id), count(*) FROM {keys_table} "
                "GROUP BY ALL ORDER BY 1")
    if kind == "four_have":
        return (f"SELECT branch_id, year, dimension_id FROM four_have_score WHERE year IN (SELECT v_year FROM {typed})",
                ("branch_id", "year", "dimension_id"),
                f"SELECT year, count(DISTINCT branch_id), count(DISTINCT dimension_id), count(*) FROM {keys_table} "
                "GROUP BY ALL ORDER BY 1")
    if kind == "attendance":
        return (f"SELECT activity_id, member_id FROM attendance WHERE activity_id IN (SELECT v_activity_id FROM {typed})",
                ("activity_id", "member_id"),
                f"SELECT count(DISTINCT activity_id), count(*) FROM {keys_table}")
    if kind == "tasks":
        return (f"SELECT task_id FROM service_task WHERE task_id IN (SELECT v_task_id FROM {typed})",
                ("task_id",),
                f"SELECT count(*) FROM {keys_table}")
    if kind == "departments":
        return (f"SELECT department_id, from_quarter FROM department_branch "
                f"WHERE (department_id, from_quarter) IN (SELECT (v_department_id, v_from_quarter) FROM {typed})",
                ("department_id", "from_quarter"),
                f"SELECT count(*) FROM {keys_table}")
    if kind == "department_performance":
        return (f"SELECT department_id, quarter, indicator_id FROM department_performance "
                f"WHERE (quarter, indicator_id) IN (SELECT DISTINCT (v_quarter, v_indicator_id) FROM {typed})",
                ("department_id", "quarter", "indicator_id"),
                f"SELECT quarter, count(DISTINCT indicator_id), count(*) FROM {keys_table} GROUP BY ALL ORDER BY 1")
    if kind in REGISTER_TABLES:
        return (_same_key_sql(REGISTER_TABLES[kind], _REGISTER_KEYS[kind], typed), _REGISTER_KEYS[kind],
                f"SELECT count(*) FROM {keys_table}")
    return None


# The stored key of every register (the spec's key; kept here so SQL is built from our own names).
_REGISTER_KEYS = {"rectifications": ("rectification_id",), "development": ("person_id",),
                  "secretaries": ("branch_id", "term_start"), "honours": ("honour_id",), "deployments": ("deployment_id",),
                  "profiles": ("member_id",), "sites": ("branch_id", "year", "title"), "methods": ("method_id",),
                  "zones": ("zone_id",), "awards": ("award_id",)}


def _same_key_sql(table: str, keys: tuple[str, ...], typed: str) -> str:
    """SQL of the stored rows of ``table`` whose key is the key of a row of the file."""
    stored = ", ".join(keys)
    given = ", ".join(f"v_{k}" for k in keys)
    return f"SELECT {stored} FROM {table} WHERE ({stored}) IN (SELECT ({given}) FROM {typed})" if len(keys) > 1 \
        else f"SELECT {stored} FROM {table} WHERE {stored} IN (SELECT {given} FROM {typed})"


def find_replaced(con: duckdb.DuckDBPyConnection, tables: TempTables, layout: Layout, typed: str) -> Replaced:
    """The stored rows this import would replace: their keys (in a temporary table) and the sentences."""
    spec = layout.spec
    keys_table = tables.name("replaced_keys")
    found = _replaced_rows_sql(spec.kind, typed, keys_table)
    if found is None:
        return Replaced(None, (), [])
    sql, keys, summary = found
    con.execute(f"CREATE TEMP TABLE {keys_table} AS {sql}")
    rows = con.execute(summary).fetchall()
    return Replaced(keys_table, keys, _sentences(spec.kind, spec.table, rows))


def _sentences(kind: str, table: str, rows: list[tuple]) -> list[Replacement]:
    """What the summary rows of the replaced rows say, in Chinese and English."""
    out = []
    if kind == "vanguard_scores":
        for quarter, branches, members, n in rows:
            out.append(Replacement(table, n, f"将替换 {quarter} 的 {branches} 个支部（{members} 名党员）已有的先锋指数评分 共 {n:,} 行",
                                   f"replaces {n:,} stored rows of {quarter} ({branches} branches, {members} members)"))
    elif kind in ("branch_scores", "four_have"):
        what = "score" if kind == "branch_scores" else "evaluation"
        for period, branches, items, n in rows:
            when = period if kind == "branch_scores" else f"{period} 年度"
            shape = f"{branches} 个支部 × {items} 项 = {n:,} 行" if branches * items == n else f"{branches} 个支部 共 {n:,} 行"
            out.append(Replacement(table, n, f"将替换 {when} 的 {shape}",
                                   f"replaces {n:,} stored {what} rows of {period} ({branches} branches x {items} items)"))
    elif kind == "attendance":
        activities, n = rows[0]
        if n:
            out.append(Replacement(table, n, f"将替换 {activities} 次活动已有的出勤记录 共 {n:,} 行",
                                   f"replaces {n:,} stored attendance rows of {activities} activities"))
    elif kind == "tasks":
        n = rows[0][0]
        if n:
            out.append(Replacement(table, n, f"将按任务编号更新 {n} 项已有任务（原内容被替换）",
                                   f"replaces {n} stored tasks with the same task id"))
    elif kind == "departments":
        n = rows[0][0]
        if n:
            out.append(Replacement(table, n, f"将更正 {n} 条科室编号与起始季度相同的已有对应关系",
                                   f"replaces {n} stored department mappings with the same id and first quarter"))
    elif kind in REGISTER_TABLES:
        n = rows[0][0]
        if n:
            out.append(Replacement(table, n, f"将按编号更新 {n} 条已有记录（原内容被替换）",
                                   f"replaces {n} stored rows with the same key"))
    elif kind == "department_performance":
        for quarter, indicators, n in rows:
            out.append(Replacement(table, n, f"将替换 {quarter} 的 {indicators} 项业绩指标已有的数据 共 {n:,} 行",
                                   f"replaces {n:,} stored rows of {quarter} ({indicators} indicators)"))
    return out


def replace_rows(con: duckdb.DuckDBPyConnection, table: str, replaced: Replaced, batch_id: int) -> None:
    """Copy the replaced rows to replaced_<table> (marked with ``batch_id``), then delete them."""
    if replaced.keys_table is None:
        return
    columns = shadow_columns(con, table)
    on = " AND ".join(f"{table}.{k} = v.{k}" for k in replaced.keys)
    con.execute(
        f"INSERT INTO replaced_{table} (replaced_by, {', '.join(columns)}) "
        f"SELECT ?, {', '.join(table + '.' + c for c in columns)} FROM {table} JOIN {replaced.keys_table} v ON {on}",
        [batch_id],
    )
    con.execute(f"DELETE FROM {table} USING {replaced.keys_table} v WHERE {on}")


def insert_rows(con: duckdb.DuckDBPyConnection, layout: Layout, typed: str, batch_id: int) -> None:
    """Insert the typed rows into the kind's table, marked with ``batch_id``."""
    spec = layout.spec
    values = {c.field: f"v_{c.field}" for c in spec.columns if c.stored}
    if spec.kind == "members":
        values["active"] = "coalesce(CAST(v_active AS BOOLEAN), TRUE)"
    elif spec.kind == "branch_scores":
        values["max_points"] = "x_indicator_id_max"
    elif spec.kind == "four_have":
        values["max_points"] = "x_dimension_id_max"
    elif spec.kind == "activities":
        values["people_served"] = "coalesce(v_people_served, 0)"
        values["hours"] = "coalesce(v_hours, 0)"
    for column in spec.columns:
        if column.choices == YES_NO and values.get(column.field) == f"v_{column.field}":
            values[column.field] = f"coalesce(CAST(v_{column.field} AS BOOLEAN), FALSE)"
    # Optional columns absent from the file keep the table's defaults.
    for column in spec.columns:
        if column.stored and not column.required and column.field not in layout.mapping \
                and values.get(column.field) == f"v_{column.field}":
            values.pop(column.field)
    columns = ", ".join([*values, "batch_id"])
    select = ", ".join([*values.values(), "?"])
    if spec.kind == "org_units":
        # Parents before children: DuckDB checks a self-reference against earlier statements.
        for level in ("committee", "general_branch", "branch"):
            con.execute(f"INSERT INTO {spec.table} ({columns}) SELECT {select} FROM {typed} "
                        "WHERE v_level = ? ORDER BY _row", [batch_id, level])
        return
    con.execute(f"INSERT INTO {spec.table} ({columns}) SELECT {select} FROM {typed}", [batch_id])
    if spec.kind == "members":
        # A new member's history starts in the branch they are imported with (migration 009).
        con.execute("INSERT INTO membership SELECT member_id, branch_id, joined_on, NULL, batch_id FROM member "
                    "WHERE batch_id = ?", [batch_id])
    elif spec.kind == "transfers":
        apply_transfers(con, batch_id)


# --- membership history (migration 009) -----------------------------------------------------

# Each member's first transfer of a batch: where the batch's changes to their history begin.
FIRST_TRANSFERS = ("(SELECT member_id, min(effective_on) AS first_on FROM member_transfer "
                   "WHERE batch_id = $b GROUP BY member_id)")


def apply_transfers(con: duckdb.DuckDBPyConnection, batch_id: int) -> None:
    """Continue the history of the members the batch's (checked) transfers move: close their open
    row on the first transfer, add a row per receiving branch until the next transfer, then
    bring member.branch_id and member.active in line (:func:`sync_members`)."""
    params = {"b": batch_id}
    # Members written without history (by something other than the importer) get their implicit
    # row first, so that it can be closed (no batch: a rollback leaves it).
    con.execute(f"INSERT INTO membership SELECT m.member_id, m.branch_id, m.joined_on, NULL, NULL FROM member m "
                f"WHERE m.member_id IN (SELECT member_id FROM {FIRST_TRANSFERS}) "
                "AND NOT EXISTS (SELECT 1 FROM membership h WHERE h.member_id = m.member_id)", params)
    con.execute(f"UPDATE membership h SET valid_to = f.first_on FROM {FIRST_TRANSFERS} f "
                "WHERE h.member_id = f.member_id AND h.valid_to IS NULL", params)
    con.execute("""INSERT INTO membership
                   SELECT member_id, to_branch_id, effective_on,
                          lead(effective_on) OVER (PARTITION BY member_id ORDER BY effective_on), batch_id
                   FROM member_transfer WHERE batch_id = $b
                   QUALIFY to_branch_id IS NOT NULL""", params)
    sync_members(con, batch_id)


def undo_transfers(con: duckdb.DuckDBPyConnection, batch_id: int) -> int:
    """Take the batch's transfers out of the history (rollback): delete the rows they added,
    reopen the rows they closed, delete the transfers and sync the members. Returns the rows
    deleted (transfers and history rows)."""
    params = {"b": batch_id}
    deleted = con.execute("DELETE FROM membership WHERE batch_id = $b", params).fetchall()[0][0]
    con.execute(f"UPDATE membership h SET valid_to = NULL FROM {FIRST_TRANSFERS} f "
                "WHERE h.member_id = f.member_id AND h.valid_to = f.first_on", params)
    sync_members(con, batch_id)
    return deleted + con.execute("DELETE FROM member_transfer WHERE batch_id = $b", params).fetchall()[0][0]


def sync_members(con: duckdb.DuckDBPyConnection, batch_id: int) -> None:
    """member.branch_id := the branch of the latest history row, member.active := an open row
    exists, for the members of the batch's transfers (the history is the source of truth)."""
    con.execute("""UPDATE member SET branch_id = h.branch_id, active = h.is_open
                   FROM (SELECT member_id, arg_max(branch_id, valid_from) AS branch_id,
                                bool_or(valid_to IS NULL) AS is_open
                         FROM membership WHERE member_id IN (SELECT member_id FROM member_transfer WHERE batch_id = $b)
                         GROUP BY member_id) h
                   WHERE member.member_id = h.member_id""", {"b": batch_id})
