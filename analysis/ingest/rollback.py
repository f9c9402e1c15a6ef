"""Undoing an import batch: its rows deleted, the rows it replaced restored.

A rollback is refused, with nothing changed, while later batches depend on the batch: rows
of it replaced in turn, or rows of other batches (or user accounts) referring to its rows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import duckdb

from analysis import config as config_mod
from analysis import db, derived
from analysis.access import audit
from analysis.ingest.specs import REGISTER_TABLES
from analysis.ingest.write import shadow_columns, undo_transfers, user_name
from analysis.scope import Scope

# Foreign keys into tables that batches fill: (parent table, key, child table, child column).
DEPENDENTS = (
    ("org_unit", "unit_id", "org_unit", "parent_id"),
    ("org_unit", "unit_id", "member", "branch_id"),
    ("org_unit", "unit_id", "branch_score", "branch_id"),
    ("org_unit", "unit_id", "four_have_score", "branch_id"),
    ("org_unit", "unit_id", "demonstration_site", "branch_id"),
    ("org_unit", "unit_id", "activity", "unit_id"),
    ("org_unit", "unit_id", "service_task", "unit_id"),
    ("member", "member_id", "vanguard_score", "member_id"),
    ("member", "member_id", "attendance", "member_id"),
    ("activity", "activity_id", "attendance", "activity_id"),
    ("survey", "survey_id", "survey_twin", "survey_id"),
    ("org_unit", "unit_id", "department_branch", "branch_id"),
    ("org_unit", "unit_id", "rectification", "branch_id"),
    ("org_unit", "unit_id", "party_development", "branch_id"),
    ("org_unit", "unit_id", "branch_secretary", "branch_id"),
    ("org_unit", "unit_id", "honour", "branch_id"),
    ("member", "member_id", "honour", "member_id"),
    ("org_unit", "unit_id", "deployment", "branch_id"),
    ("member", "member_id", "deployment", "member_id"),
    ("member", "member_id", "member_profile", "member_id"),
    ("org_unit", "unit_id", "branch_method", "branch_id"),
    ("org_unit", "unit_id", "membership", "branch_id"),
    ("org_unit", "unit_id", "member_transfer", "from_branch_id"),
    ("org_unit", "unit_id", "member_transfer", "to_branch_id"),
    ("member", "member_id", "member_transfer", "member_id"),
    ("org_unit", "unit_id", "duty_zone", "branch_id"),
    ("member", "member_id", "duty_zone", "member_id"),
    ("org_unit", "unit_id", "award", "branch_id"),
    ("member", "member_id", "award", "member_id"),
    ("duty_zone", "zone_id", "award", "zone_id"),
)
# Tables whose rows a re-import replaces (kept in replaced_<table>; see write.replace_rows).
SHADOWED = ("vanguard_score", "branch_score", "four_have_score", "attendance", "service_task", "department_branch",
            "department_performance", *REGISTER_TABLES.values())
# Delete steps per kind; each inner tuple is one transaction (DuckDB cannot delete a parent
# row in the transaction that deleted the rows referencing it).
SURVEY_STEPS = (
    ("DELETE FROM survey_answer WHERE survey_id IN (SELECT survey_id FROM survey WHERE batch_id = $b)",
     "DELETE FROM survey_wave_question WHERE survey_id IN (SELECT survey_id FROM survey WHERE batch_id = $b)",
     "DELETE FROM survey_wave WHERE survey_id IN (SELECT survey_id FROM survey WHERE batch_id = $b)",
     "DELETE FROM survey_twin WHERE batch_id = $b"),
    ("DELETE FROM survey_response WHERE survey_id IN (SELECT survey_id FROM survey WHERE batch_id = $b)",
     "DELETE FROM survey_option WHERE survey_id IN (SELECT survey_id FROM survey WHERE batch_id = $b)",
     "DELETE FROM survey_item WHERE survey_id IN (SELECT survey_id FROM survey WHERE batch_id = $b)"),
    ("DELETE FROM survey_question WHERE survey_id IN (SELECT survey_id FROM survey WHERE batch_id = $b)",),
    ("DELETE FROM survey WHERE batch_id = $b",),
)
# A twin's batch (surveys.attach_twin) changed options and question texts of an earlier survey:
# put them back as they were (counted as restored).
TWIN_RESTORE = (
    """UPDATE survey_option o SET text = r.text, value = r.value, position = r.position, code = r.code
       FROM replaced_survey_option r
       WHERE r.replaced_by = $b AND o.survey_id = r.survey_id AND o.question_no = r.question_no
         AND o.option_no = r.option_no""",
    """UPDATE survey_question q SET text = r.text, ordinal = r.ordinal, order_rule = r.order_rule
       FROM replaced_survey_question r
       WHERE r.replaced_by = $b AND q.survey_id = r.survey_id AND q.question_no = r.question_no""",
)
TWIN_FORGET = ("DELETE FROM replaced_survey_option WHERE replaced_by = $b",
               "DELETE FROM replaced_survey_question WHERE replaced_by = $b")
STEPS = {
    "org_units": (("DELETE FROM org_unit WHERE batch_id = $b AND level = 'branch'",),
                  ("DELETE FROM org_unit WHERE batch_id = $b AND level = 'general_branch'",),
                  ("DELETE FROM org_unit WHERE batch_id = $b AND level = 'committee'",)),
    "members": (("DELETE FROM membership WHERE batch_id = $b", "DELETE FROM member WHERE batch_id = $b"),),
    "transfers": ((),),  # undo_transfers: the history is restored, not only deleted
    "vanguard_scores": (("DELETE FROM vanguard_score WHERE batch_id = $b",),),
    "branch_scores": (("DELETE FROM branch_score WHERE batch_id = $b",),),
    "four_have": (("DELETE FROM four_have_score WHERE batch_id = $b",),),
    "activities": (("DELETE FROM activity WHERE batch_id = $b",),),
    "attendance": (("DELETE FROM attendance WHERE batch_id = $b",),),
    "tasks": (("DELETE FROM service_task WHERE batch_id = $b",),),
    "departments": (("DELETE FROM department_branch WHERE batch_id = $b",),),
    "department_performance": (("DELETE FROM department_performance WHERE batch_id = $b",),),
    "wjx": SURVEY_STEPS,
    **{kind: ((f"DELETE FROM {table} WHERE batch_id = $b",),) for kind, table in REGISTER_TABLES.items()},
}


@dataclass(frozen=True)
class RollbackResult:
    """A rolled-back batch: rows deleted, and rows it had replaced put back."""

    batch_id: int
    deleted: int
    restored: int


class RollbackRefused(ValueError):
    """A batch that cannot be rolled back (unknown, already rolled back, or depended upon)."""

    def __init__(self, message_zh: str, message_en: str) -> None:
        self.message_zh = message_zh
        self.message_en = message_en
        super().__init__(message_en)


def rollback_batch(con: duckdb.DuckDBPyConnection, batch_id: int, *, user: str | Scope,
                   cfg: config_mod.Config | None = None) -> RollbackResult:
    """Undo an import batch: delete its rows and restore the rows it replaced.

    Refused (RollbackRefused, nothing changed) when the batch is unknown, already rolled back,
    the demo data, replaced in turn by a later batch (roll that one back first), or referenced
    by rows of other batches (e.g. members that later scores refer to).

    Batches of one table level roll back in one transaction, together with the derived tables
    of what they touched (``analysis.derived``; ``cfg``: the configuration, loaded by default). Org units and surveys span
    several foreign-key levels, which DuckDB can only delete one level per transaction: the
    batch is marked as started, the levels are deleted in turn, then it is marked done; an
    interrupted rollback is finished by calling this again.
    """
    username = user_name(user)
    kind, started = _batch_to_roll_back(con, batch_id)
    steps = STEPS[kind]
    single = len(steps) == 1
    deleted = restored = 0
    with db.transaction(con):
        if started is None:
            _refuse_if_depended_upon(con, batch_id)
        pending = derived.before_write(con, cfg or config_mod.load(), kind=kind, batch_id=batch_id)
        if started is None or single:
            if kind == "wjx":
                restored += _run_step(con, TWIN_RESTORE, batch_id)
                _run_step(con, TWIN_FORGET, batch_id)
            deleted += _run_step(con, steps[0], batch_id)
            if kind == "transfers":
                deleted += undo_transfers(con, batch_id)
        now = dt.datetime.now()
        if single:
            restored = _restore(con, batch_id)
            con.execute("UPDATE import_batch SET rollback_started_at = coalesce(rollback_started_at, ?), "
                        "rolled_back_at = ?, rolled_back_by = ? WHERE batch_id = ?", [now, now, username, batch_id])
        else:
            con.execute("UPDATE import_batch SET rollback_started_at = coalesce(rollback_started_at, ?), "
                        "rolled_back_by = ? WHERE batch_id = ?", [now, username, batch_id])
        con.execute("DELETE FROM import_file WHERE batch_id = ?", [batch_id])
        derived.after_write(con, pending)
        if started is None:
            audit.record(con, username, "rollback", {"batch_id": batch_id, "kind": kind})
        db.bump_data_version(con)
    if not single:
        for step in steps[1:] if started is None else steps:
            with db.transaction(con):
                deleted += _run_step(con, step, batch_id)
                db.bump_data_version(con)
        with db.transaction(con):
            con.execute("UPDATE import_batch SET rolled_back_at = ? WHERE batch_id = ?", [dt.datetime.now(), batch_id])
            db.bump_data_version(con)
    return RollbackResult(batch_id, deleted, restored)


def _batch_to_roll_back(con, batch_id: int) -> tuple[str, dt.datetime | None]:
    """(kind, when an interrupted rollback started) of a batch that may be rolled back; else RollbackRefused."""
    rows = con.execute(
        "SELECT kind, rollback_started_at, rolled_back_at FROM import_batch WHERE batch_id = ?", [batch_id]
    ).fetchall()
    if not rows:
        raise RollbackRefused(f"批次 #{batch_id} 不存在", f"batch #{batch_id} does not exist")
    kind, started, done = rows[0]
    if done is not None:
        raise RollbackRefused(f"批次 #{batch_id} 已于 {done:%Y-%m-%d %H:%M} 撤销", f"batch #{batch_id} was already rolled back")
    if kind not in STEPS:
        raise RollbackRefused(f"批次 #{batch_id}（{kind}）不能撤销：演示数据请重新生成数据库",
                              f"batch #{batch_id} of kind {kind!r} cannot be rolled back")
    return kind, started


def _run_step(con, statements: tuple[str, ...], batch_id: int) -> int:
    """Run one step's DELETE statements; return the rows deleted."""
    return sum(_rowcount(con.execute(statement, {"b": batch_id})) for statement in statements)


def _rowcount(cursor) -> int:
    """The row count a DML statement returns (fetched completely: see stage.TempTables.register)."""
    rows = cursor.fetchall()
    return int(rows[0][0]) if rows and rows[0][0] is not None else 0


def _refuse_if_depended_upon(con, batch_id: int) -> None:
    """RollbackRefused when later batches replaced or refer to rows of this batch, or accounts use its units."""
    later = set()
    for table in SHADOWED:
        later |= {r[0] for r in con.execute(
            f"SELECT DISTINCT replaced_by FROM replaced_{table} WHERE batch_id = ?", [batch_id]).fetchall()}
    if later:
        ids = "、".join(f"#{b}" for b in sorted(later))
        raise RollbackRefused(
            f"批次 #{batch_id} 的部分数据已被批次 {ids} 重新导入替换，请先撤销批次 {ids}",
            f"rows of batch #{batch_id} were replaced by batch(es) {', '.join(map(str, sorted(later)))}; roll those back first")
    blocking: set[int] = set()
    for parent, key, child, column in DEPENDENTS:
        # A parent row this batch replaced comes back with its key: what refers to it stays valid.
        restored = (f" AND p.{key} NOT IN (SELECT {key} FROM replaced_{parent} WHERE replaced_by = ?)"
                    if parent in SHADOWED else "")
        rows = con.execute(
            f"SELECT DISTINCT c.batch_id FROM {child} c JOIN {parent} p ON c.{column} = p.{key} "
            "WHERE p.batch_id = ? AND c.batch_id IS DISTINCT FROM ?" + restored,
            [batch_id, batch_id] + ([batch_id] if restored else []),
        ).fetchall()
        blocking |= {r[0] for r in rows}
    later_moves = con.execute(
        "SELECT DISTINCT l.batch_id FROM member_transfer t JOIN member_transfer l USING (member_id) "
        "WHERE t.batch_id = $b AND l.batch_id <> $b AND l.effective_on > t.effective_on", {"b": batch_id}).fetchall()
    blocking |= {r[0] for r in later_moves}
    if blocking:
        named = sorted(b for b in blocking if b is not None)
        ids = "、".join(f"#{b}" for b in named) or "（无批次的数据）"
        raise RollbackRefused(
            f"批次 #{batch_id} 的数据正被其他数据引用（批次 {ids}），请先撤销那些批次",
            f"rows of batch #{batch_id} are referenced by other data (batches {', '.join(map(str, named)) or 'none'})")
    users = con.execute(
        "SELECT count(*) FROM app_user WHERE unit_id IN (SELECT unit_id FROM org_unit WHERE batch_id = ?)", [batch_id]
    ).fetchall()[0][0]
    if users:
        raise RollbackRefused(f"批次 #{batch_id} 中的单位有 {users} 个账号在使用，请先修改这些账号的单位",
                              f"{users} user account(s) belong to units of batch #{batch_id}")


def _restore(con, batch_id: int) -> int:
    """Put back the rows this batch replaced; returns how many."""
    restored = 0
    for table in SHADOWED:
        columns = shadow_columns(con, table)
        restored += _rowcount(con.execute(
            f"INSERT INTO {table} ({', '.join(columns)}) SELECT {', '.join(columns)} FROM replaced_{table} "
            "WHERE replaced_by = ?", [batch_id]))
        con.execute(f"DELETE FROM replaced_{table} WHERE replaced_by = ?", [batch_id])
    return restored
