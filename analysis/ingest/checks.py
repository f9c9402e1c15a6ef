"""The importer's checks: set-based SQL over the typed rows, one problem per row and column.

A check is a ``Check``: which rows it flags (a condition over the typed table, or over a
join of it with a table of the database or a summary of the file) and the ``Message`` they
get. The functions below each return the checks of one rule family; ``check_staged`` types
the staged rows (``convert``), runs every check into a temporary problems table and lists
the first problems. Every problem names its row and column and says what is wrong in
Chinese and English.

Messages are filled in by SQL, row by row. Their text is bound as parameters; only the SQL
expressions a message declares (in ``Message.sql``, all of our own code) are spliced into
the statement, so text from a file or from the configuration (a dimension named
"政治{version()}") always stays text.
"""

from __future__ import annotations

import datetime as dt
import string
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import duckdb

from analysis import config as config_mod
from analysis import periods
from analysis.ingest import convert
from analysis.ingest.specs import CATALOGUE_REFS, Column, Spec, catalogue_labels
from analysis.ingest.stage import Layout, Problem, Staged, TempTables

EARLIEST_DATE = dt.date(1921, 7, 1)

Progress = Callable[[float, str], None]  # (fraction done 0..1, Chinese stage text)


@dataclass(frozen=True)
class Message:
    """A problem's Chinese and English text, filled in for each flagged row.

    A ``{name}`` in ``zh`` or ``en`` is the checked column's cell as written when the name is
    ``raw``, the value of the SQL expression ``sql[name]`` (over the flagged row), or the
    fixed text ``text[name]``. Anything taken from a file or the configuration goes in
    ``text``: it is bound as a parameter and never read for placeholders.
    """

    zh: str
    en: str
    text: Mapping[str, str] = field(default_factory=dict)
    sql: Mapping[str, str] = field(default_factory=dict)

    def as_sql(self, template: str, raw: str) -> tuple[str, list[str]]:
        """``template`` (``zh`` or ``en``) as a SQL string expression and its bound parameters.

        ``raw`` is the SQL of ``{raw}``. ValueError for a placeholder the message does not declare.
        """
        parts: list[str] = []
        params: list[str] = []
        pending = ""  # literal text (and text values) not yet bound
        for literal, name, spec, conversion in string.Formatter().parse(template):
            pending += literal
            if name is None:
                continue
            if spec or conversion:
                raise ValueError(f"message placeholders take no format: {template!r}")
            if name in self.text:
                pending += self.text[name]
                continue
            if name == "raw":
                expr = raw
            elif name in self.sql:
                expr = self.sql[name]
            else:
                raise ValueError(f"undeclared placeholder {{{name}}} in message {template!r}")
            if pending:
                parts.append("?")
                params.append(pending)
                pending = ""
            parts.append(f"coalesce(CAST({expr} AS VARCHAR), '')")
        if pending or not parts:
            parts.append("?")
            params.append(pending)
        return " || ".join(parts), params


@dataclass(frozen=True)
class Check:
    """Flag every row of ``rows`` (default: the typed table) that satisfies ``where``.

    ``where`` and ``rows`` are SQL of our own code; ``params`` are bound into ``where``.
    The problem is reported in ``column`` (None: the row as a whole) under ``header``
    (default: the column's header).
    """

    where: str
    column: Column | None
    message: Message
    params: tuple[object, ...] = ()
    rows: str | None = None
    header: str | None = None


@dataclass(frozen=True)
class Checked:
    """A staged file after the checks: its typed table, its first problems and their count."""

    typed: str
    rows: int  # data rows (the template's example row and empty rows not counted)
    problems: list[Problem]
    problem_count: int
    warnings: list[str]


def check_staged(con: duckdb.DuckDBPyConnection, tables: TempTables, staged: Staged, *, cfg: config_mod.Config,
                 today: dt.date, limit: int, report: Progress) -> Checked:
    """Type the staged rows and run every check on them; list at most ``limit`` problems.

    The template's example row, left unchanged, is skipped with a warning.
    """
    layout = staged.layout
    warnings: list[str] = []
    problems = tables.name("problems")
    con.execute(f"CREATE TEMP TABLE {problems} (row INTEGER, pos INTEGER, col VARCHAR, zh VARCHAR, en VARCHAR)")
    skip = convert.example_row(con, staged)
    if skip is not None:
        warnings.append(f"第 {skip} 行与模板示例行相同，已忽略")
    typed = convert.typed_table(con, tables, staged, skip_row=skip)
    # The staged text is not read again: free its memory before the checks.
    tables.drop(staged.view, staged.raw)
    report(0.55, "正在校验")
    count = staged.problem_count
    for problem in staged.problems[:limit]:
        con.execute(f"INSERT INTO {problems} VALUES (?, -1, NULL, ?, ?)",
                    [problem.row, problem.message_zh, problem.message_en])
    count += _record(con, problems, typed, layout.spec, column_checks(layout, cfg, today), limit)
    report(0.7, "正在校验")
    count += _record(con, problems, typed, layout.spec, KIND_CHECKS[layout.spec.kind](layout, typed), limit)
    if layout.spec.kind == "branch_scores":
        warnings += incomplete_quarters(con, typed, cfg)
    if layout.spec.kind == "transfers":
        count += _record(con, problems, typed, layout.spec, transfer_reason_checks(layout, cfg), limit)
    if layout.spec.kind == "awards":
        count += _record(con, problems, typed, layout.spec, award_checks(layout, typed, cfg), limit)
    count += _record(con, problems, typed, layout.spec, repeated_rows(layout.spec, typed), limit)
    report(0.8, "正在校验")
    listed = con.execute(
        f"SELECT row, col, zh, en FROM {problems} ORDER BY row NULLS FIRST, pos LIMIT ?", [limit]
    ).fetchall()
    rows = con.execute(f"SELECT count(*) FROM {typed}").fetchall()[0][0]
    found = [Problem(staged.source.label, layout.sheet, row, col, zh, en) for row, col, zh, en in listed]
    return Checked(typed, rows, found, count, warnings)


def _record(con, problems: str, typed: str, spec: Spec, checks: list[Check], limit: int) -> int:
    """Count the rows every check flags, and insert the first ``limit`` of each (by row) as problems.

    No more than ``limit`` problems can be listed, and those are among the first ``limit`` of
    each check: a file of two million bad rows costs a count, not two million messages. The
    checks of the typed table alone are counted together in one scan.

    Returns
    -------
    The number of problems found (listed or not).
    """
    alone = [i for i, c in enumerate(checks) if c.rows is None]
    counts = [0] * len(checks)
    if alone:
        found = con.execute(
            "SELECT " + ", ".join(f"count(*) FILTER (WHERE {checks[i].where})" for i in alone) + f" FROM {typed}",
            [p for i in alone for p in checks[i].params],
        ).fetchall()[0]
        for i, n in zip(alone, found):
            counts[i] = n
    for i, check in enumerate(checks):
        if check.rows is not None:
            counts[i] = con.execute(f"SELECT count(*) FROM {check.rows} WHERE {check.where}",
                                    list(check.params)).fetchall()[0][0]
    for check, count in zip(checks, counts):
        if not count:
            continue
        raw = f"r_{check.column.field}" if check.column else "NULL"
        zh, zh_params = check.message.as_sql(check.message.zh, raw)
        en, en_params = check.message.as_sql(check.message.en, raw)
        position = spec.position(check.column.field) if check.column else -1
        header = check.header or (check.column.header if check.column else None)
        con.execute(
            f"INSERT INTO {problems} SELECT _row, ?, ?, {zh}, {en} FROM {check.rows or typed} WHERE {check.where} "
            "ORDER BY _row LIMIT ?",
            [position, header, *zh_params, *en_params, *check.params, limit],
        )
    return sum(counts)


# --- every column -------------------------------------------------------------------------

# Messages of a cell that is not a value of its column's type (ref: of its reference).
TYPE_MESSAGES = {
    "int": Message("“{raw}”不是整数", "'{raw}' is not a whole number"),
    "decimal": Message("“{raw}”不是数字", "'{raw}' is not a number"),
    "date": Message("“{raw}”不是有效日期（应如 2025-03-31）", "'{raw}' is not a valid date (e.g. 2025-03-31)"),
    "quarter": Message("“{raw}”不是有效季度（应如 2025Q3 或 2025年第3季度）", "'{raw}' is not a quarter (e.g. 2025Q3)"),
    "year": Message("“{raw}”不是有效年份（应如 2025）", "'{raw}' is not a year (e.g. 2025)"),
}
REF_MESSAGES = {
    "branch": Message("支部“{raw}”不存在（请填写已有支部的编号或全称，或先导入组织架构）",
                      "unknown branch '{raw}' (use an existing branch id or name)"),
    "unit": Message("上级单位“{raw}”不存在（应为系统中或本文件中已有单位的编号或名称）", "unknown parent unit '{raw}'"),
    "owner": Message("单位“{raw}”不存在（请填写党委、党总支或党支部的编号或全称，或先导入组织架构）",
                     "unknown unit '{raw}' (use the id or name of the committee, a general branch or a branch)"),
    "zone": Message("党员责任区“{raw}”不存在（请先导入党员责任区）", "unknown duty zone '{raw}'"),
    "member": Message("党员编号“{raw}”不存在（请先导入党员名单）", "unknown member id '{raw}'"),
    "activity": Message("活动编号“{raw}”不存在（请先导入支部活动）", "unknown activity id '{raw}'"),
    "department": Message("科室“{raw}”不存在（请先导入“科室与支部对应”）", "unknown department '{raw}'"),
}
FIRST_ROW = {"first_row": "d.first_row"}  # the row a repeated row repeats (see _repeats)
# U+FFFD (what a decoder writes for bytes it could not read) and the C1 controls U+0080-U+009F
# (GBK or UTF-8 bytes read as Latin-1) are mojibake: text from a file read in the wrong encoding.
MOJIBAKE = r"[\x{80}-\x{9F}\x{FFFD}]"
MOJIBAKE_MESSAGE = Message("含有乱码字符（U+FFFD 或 C1 控制字符），文件的编码可能不对，请另存为 UTF-8 后重新导入",
                           "contains mojibake (U+FFFD or a C1 control character): the file's encoding is probably wrong")


def column_checks(layout: Layout, cfg: config_mod.Config, today: dt.date) -> list[Check]:
    """Mojibake, required values, types, lengths, ranges and dates of every column the file has."""
    checks: list[Check] = []
    for column in layout.spec.columns:
        if column.field not in layout.mapping:
            continue
        r, v = f"r_{column.field}", f"v_{column.field}"
        checks.append(Check(f"regexp_matches({r}, ?)", column, MOJIBAKE_MESSAGE, params=(MOJIBAKE,)))
        if column.required:
            checks.append(Check(f"{r} IS NULL", column, Message(
                "“{header}”为必填项，不能为空", "required value '{header}' is empty", text={"header": column.header})))
        message = _not_a_value(column, cfg)
        if message is not None:
            checks.append(Check(f"{r} IS NOT NULL AND {v} IS NULL", column, message))
        if column.max_length and column.type == "text":
            checks.append(Check(f"length({r}) > {int(column.max_length)}", column, Message(
                "内容过长（最多 {n} 个字）", "too long (at most {n} characters)", text={"n": str(column.max_length)})))
        if column.type in ("int", "decimal", "year"):
            checks += _number_checks(column, layout.spec)
        if column.type == "date":
            checks.append(Check(f"{v} < ?", column, Message(
                "日期“{raw}”早于 {earliest}", "date '{raw}' is before {earliest}",
                text={"earliest": EARLIEST_DATE.isoformat()}), params=(EARLIEST_DATE,)))
        if column.not_future:
            checks += _future_checks(column, today)
    return checks


def _not_a_value(column: Column, cfg: config_mod.Config) -> Message | None:
    """The message of a cell that is not a value of the column (None for text: any text is)."""
    if column.type == "text":
        return None
    if column.type == "choice":
        return Message("“{raw}”不是可选的值（可选：{allowed}）", "'{raw}' is not allowed (allowed: {allowed_en})",
                       text={"allowed": "、".join(column.labels), "allowed_en": ", ".join(column.labels)})
    if column.type == "ref" and column.ref in CATALOGUE_REFS:
        return Message("“{raw}”不在配置的{header}中（可选：{names}）", "'{raw}' is not a configured {what}",
                       text={"header": column.header, "names": "、".join(catalogue_labels(column.ref, cfg)),
                             "what": column.ref.replace("_", " ")})
    if column.type == "ref":
        return REF_MESSAGES[column.ref]
    return TYPE_MESSAGES[column.type]


def _number_checks(column: Column, spec: Spec) -> list[Check]:
    """Bounds, the max points of the referenced indicator or dimension, decimals."""
    v = f"v_{column.field}"
    checks = []
    low, high = column.bounds
    if low is not None and high is not None:
        checks.append(Check(f"{v} < ? OR {v} > ?", column, Message(
            "“{raw}”超出范围（{low} 至 {high}）", "'{raw}' out of range ({low} to {high})",
            text={"low": f"{low:g}", "high": f"{high:g}"}), params=(low, high)))
    elif low is not None:
        checks.append(Check(f"{v} < ?", column, Message(
            "“{raw}”不能小于 {low}", "'{raw}' must not be below {low}", text={"low": f"{low:g}"}), params=(low,)))
    if column.max_ref:
        maximum = f"x_{column.max_ref}_max"
        checks.append(Check(f"{v} > {maximum}", column, Message(
            "“{raw}”超过该{what}的满分 {max}", "'{raw}' exceeds the max points {max} of this {ref}",
            text={"what": spec.column(column.max_ref).header, "ref": column.max_ref},
            sql={"max": f"printf('%g', {maximum})"})))
    if column.decimals is not None:
        checks.append(Check(f"{v} <> round({v}, {int(column.decimals)})", column, Message(
            "“{raw}”最多保留 {n} 位小数", "'{raw}' has more than {n} decimals", text={"n": str(column.decimals)})))
    return checks


def _future_checks(column: Column, today: dt.date) -> list[Check]:
    """Quarters, dates and years later than today's."""
    v = f"v_{column.field}"
    if column.type == "quarter":
        current = periods.quarter_of(today)
        return [Check(f"{v} > ?", column, Message(
            "季度 {quarter} 晚于当前季度 {current}", "quarter {quarter} is after the current quarter {current}",
            text={"current": current}, sql={"quarter": v}), params=(current,))]
    if column.type == "date":
        return [Check(f"{v} > ?", column, Message("日期 {raw} 晚于今天", "date {raw} is in the future"),
                      params=(today,))]
    if column.type == "year":
        return [Check(f"{v} > ?", column, Message("年度 {raw} 晚于今年", "year {raw} is in the future"),
                      params=(today.year,))]
    return []


# --- repeated rows --------------------------------------------------------------------------


def _repeats(typed: str, keys: list[str]) -> str:
    """SQL of the key values that occur more than once in the file, with their first row.

    Keys are grouped by their hash first, and only rows whose hash repeats are grouped by the
    keys themselves: a million distinct keys then cost a table of eight-byte hashes instead of
    one of four texts each (equal keys always have equal hashes; a collision only costs the
    exact grouping of its rows).
    """
    key_list = ", ".join(keys)
    present = " AND ".join(k + " IS NOT NULL" for k in keys)
    return (f"(SELECT {key_list}, min(_row) AS first_row FROM {typed} "
            f"WHERE {present} AND hash({key_list}) IN "
            f"(SELECT hash({key_list}) FROM {typed} WHERE {present} GROUP BY 1 HAVING count(*) > 1) "
            "GROUP BY ALL HAVING count(*) > 1)")


def repeated_rows(spec: Spec, typed: str) -> list[Check]:
    """Rows repeating the natural key of an earlier row of the file."""
    keys = [f"v_{k}" for k in spec.key]
    names = "、".join(spec.column(k).header for k in spec.key)
    return [Check(
        "t._row > d.first_row", None,
        Message("与第 {first_row} 行重复（{names}相同）", "duplicates row {first_row} (same {keys})",
                text={"names": names, "keys": ", ".join(spec.key)}, sql=FIRST_ROW),
        rows=f"{typed} t JOIN {_repeats(typed, keys)} d USING ({', '.join(keys)})", header=names,
    )]


def _already_stored(spec: Spec, typed: str, table: str, field_name: str, what_zh: str, what_en: str) -> Check:
    """Rows whose ``field_name`` is already the key of a row of ``table`` (kinds that never replace)."""
    return Check(
        "TRUE", spec.column(field_name),
        Message("数据库中已有{what}“{raw}”（批次 #{batch}），不能重复导入",
                "{what_en} '{raw}' already exists in the database (batch #{batch_en})",
                text={"what": what_zh, "what_en": what_en},
                sql={"batch": "coalesce(CAST(d.batch_id AS VARCHAR), '—')",
                     "batch_en": "coalesce(CAST(d.batch_id AS VARCHAR), '-')"}),
        rows=f"{typed} t JOIN {table} d ON d.{field_name} = t.v_{field_name}",
    )


# --- per kind -------------------------------------------------------------------------------


def org_unit_checks(layout: Layout, typed: str) -> list[Check]:
    """One committee, parents one level up (in the database or earlier in the file), unique ids and names."""
    spec = layout.spec
    level, parent = spec.column("level"), spec.column("parent_id")
    return [
        Check("v_level = 'committee' AND r_parent_id IS NOT NULL", parent,
              Message("党委不应填写上级单位", "the committee has no parent unit")),
        Check("v_level <> 'committee' AND r_parent_id IS NULL", parent,
              Message("党总支、党支部必须填写上级单位", "general branches and branches need a parent unit")),
        Check("v_level = 'general_branch' AND x_parent_id_level IS NOT NULL AND x_parent_id_level <> 'committee'",
              parent, Message("党总支的上级单位必须是党委", "a general branch's parent must be the committee")),
        Check("v_level = 'branch' AND x_parent_id_level = 'branch'", parent,
              Message("党支部的上级单位必须是党总支或党委，不能是党支部",
                      "a branch's parent must be a general branch or the committee")),
        Check("v_parent_id = v_unit_id", parent, Message("上级单位不能是本单位", "a unit cannot be its own parent")),
        Check("v_level = 'committee' AND (SELECT count(*) FROM org_unit WHERE level = 'committee') > 0", level,
              Message("系统中已有医院党委，不能再导入党委", "the database already has the committee")),
        Check(f"v_level = 'committee' AND _row > (SELECT min(_row) FROM {typed} WHERE v_level = 'committee')",
              level, Message("文件中只能有一个党委", "only one committee is allowed")),
        _already_stored(spec, typed, "org_unit", "unit_id", "单位编号", "unit id"),
        _already_stored(spec, typed, "org_unit", "name", "单位名称", "unit name"),
        Check("t._row > d.first_row", spec.column("name"),
              Message("单位名称与第 {first_row} 行重复", "unit name duplicates row {first_row}", sql=FIRST_ROW),
              rows=f"{typed} t JOIN {_repeats(typed, ['v_name'])} d USING (v_name)"),
    ]


def member_checks(layout: Layout, typed: str) -> list[Check]:
    return [_already_stored(layout.spec, typed, "member", "member_id", "党员编号", "member id")]


def member_name_checks(layout: Layout, typed: str) -> list[Check]:
    """The optional 姓名 column agrees with the name stored for the member id."""
    if "member_name" not in layout.mapping:
        return []
    return [Check(
        "r_member_name IS NOT NULL AND v_member_id IS NOT NULL AND r_member_name <> x_member_id_name",
        layout.spec.column("member_name"),
        Message("姓名“{raw}”与党员编号 {member_id} 的姓名“{stored_name}”不一致",
                "name '{raw}' differs from the name stored for member {member_id}",
                sql={"member_id": "v_member_id", "stored_name": "x_member_id_name"}),
    )]


def activity_checks(layout: Layout, typed: str) -> list[Check]:
    """New ids, no activity twice (same unit, type, date and title) in the file or the database,
    and a lecturer (with the lecturer's role) for a 党课 only."""
    keys = ["v_unit_id", "v_activity_type", "v_held_on", "v_title"]
    spec = layout.spec
    title = spec.column("title")
    lecturer_checks = [
        Check("v_activity_type <> '党课' AND (r_lecturer IS NOT NULL OR r_lecturer_role IS NOT NULL)",
              spec.column("lecturer"), Message("只有党课填写授课人和授课人身份", "only a 党课 has a lecturer")),
        Check("(r_lecturer IS NULL) <> (r_lecturer_role IS NULL)", spec.column("lecturer_role"),
              Message("授课人和授课人身份须一并填写", "a lecturer needs a role, a role needs a lecturer")),
    ] if {"lecturer", "lecturer_role"} <= set(layout.mapping) else [
        Check(f"r_{field} IS NOT NULL", spec.column(field),
              Message(f"缺少“{other}”列：授课人和授课人身份须一并填写", "lecturer and lecturer role go together"))
        for field, other in (("lecturer", "授课人身份"), ("lecturer_role", "授课人")) if field in layout.mapping]
    return lecturer_checks + [
        _already_stored(layout.spec, typed, "activity", "activity_id", "活动编号", "activity id"),
        Check("t._row > d.first_row", title,
              Message("与第 {first_row} 行是同一活动（单位、类型、日期、主题均相同）",
                      "same unit, type, date and title as row {first_row}", sql=FIRST_ROW),
              rows=f"{typed} t JOIN {_repeats(typed, keys)} d USING ({', '.join(keys)})"),
        Check("TRUE", title,
              Message("数据库中已有同一单位、类型、日期、主题的活动（编号 {activity_id}）",
                      "an activity with the same unit, type, date and title exists (id {activity_id})",
                      sql={"activity_id": "d.activity_id"}),
              rows=f"{typed} t JOIN activity d ON d.unit_id = t.v_unit_id AND d.activity_type = t.v_activity_type "
                   "AND d.held_on = t.v_held_on AND d.title = t.v_title"),
    ]


def task_checks(layout: Layout, typed: str) -> list[Check]:
    """Completion dates that fit the status and the start, and titles unique across tasks."""
    spec = layout.spec
    completed, due, title = spec.column("completed_on"), spec.column("due_on"), spec.column("title")
    if "completed_on" in layout.mapping:
        checks = [
            Check("v_status = '已完成' AND r_completed_on IS NULL", completed,
                  Message("状态为“已完成”时必须填写实际完成日期", "a completed task needs its completion date")),
            Check("v_status <> '已完成' AND r_completed_on IS NOT NULL", completed,
                  Message("状态不是“已完成”时不应填写实际完成日期", "only completed tasks have a completion date")),
            Check("v_completed_on < v_started_on", completed,
                  Message("实际完成日期早于开始日期", "completed before it started")),
        ]
    else:
        checks = [Check("v_status = '已完成'", spec.column("status"),
                        Message("状态为“已完成”时必须填写实际完成日期（缺少该列）",
                                "a completed task needs its completion date (column missing)"))]
    return checks + [
        Check("v_due_on < v_started_on", due, Message("计划完成日期早于开始日期", "due before it started")),
        Check("t._row > d.first_row", title,
              Message("任务名称与第 {first_row} 行重复", "task title duplicates row {first_row}", sql=FIRST_ROW),
              rows=f"{typed} t JOIN {_repeats(typed, ['v_title'])} d USING (v_title)"),
        Check(f"d.task_id NOT IN (SELECT v_task_id FROM {typed} WHERE v_task_id IS NOT NULL)", title,
              Message("任务名称已被任务 {task_id} 使用", "title already used by task {task_id}",
                      sql={"task_id": "d.task_id"}),
              rows=f"{typed} t JOIN service_task d ON d.title = t.v_title AND d.task_id <> t.v_task_id"),
    ]


def performance_checks(layout: Layout, typed: str) -> list[Check]:
    """A department's results count from the first quarter it is mapped to a branch.

    (Rolling a mapping back later may leave results unmapped; the analysis then leaves them
    out and says how many, rather than refusing the rollback.)
    """
    return [Check(
        "t.v_quarter < d.first_quarter", layout.spec.column("quarter"),
        Message("科室“{department}”自 {first_quarter} 起才对应党支部，{raw} 的数据无法归入支部",
                "department {department} is mapped to a branch only from {first_quarter}",
                sql={"department": "t.v_department_id", "first_quarter": "d.first_quarter"}),
        rows=f"{typed} t JOIN (SELECT department_id, min(from_quarter) AS first_quarter FROM department_branch "
             "GROUP BY ALL) d ON d.department_id = t.v_department_id",
    )]


def no_checks(layout: Layout, typed: str) -> list[Check]:
    return []


# --- registers (issue #17): what the schema's CHECKs refuse, explained per row and column ------


def _before(layout: Layout, later: str, earlier: str, zh: str, en: str) -> list[Check]:
    """Rows whose ``later`` date precedes their ``earlier`` date (both columns present)."""
    if later not in layout.mapping or earlier not in layout.mapping:
        return []
    return [Check(f"v_{later} < v_{earlier}", layout.spec.column(later), Message(zh, en))]


def _needs(layout: Layout, field: str, needed: str, zh: str, en: str) -> list[Check]:
    """Rows with ``field`` filled but ``needed`` empty (or its column missing)."""
    if field not in layout.mapping:
        return []
    missing = f"r_{needed} IS NULL" if needed in layout.mapping else "TRUE"
    return [Check(f"r_{field} IS NOT NULL AND {missing}", layout.spec.column(field), Message(zh, en))]


def rectification_checks(layout: Layout, typed: str) -> list[Check]:
    """Deadline and 销号 not before the designation; a 销号 date and its re-assessment score together."""
    return (_before(layout, "deadline", "designated_on", "整改期限早于认定日期", "deadline before the designation")
            + _before(layout, "closed_on", "designated_on", "销号日期早于认定日期", "closed before the designation")
            + _needs(layout, "closed_on", "reassessment_score", "销号时须填写复评得分",
                     "a closed rectification needs its re-assessment score")
            + _needs(layout, "reassessment_score", "closed_on", "填写了复评得分但没有销号日期",
                     "a re-assessment score without a closing date"))


STAGES = (("applied_on", "递交申请"), ("activist_on", "确定积极分子"), ("candidate_on", "确定发展对象"),
          ("probationary_on", "接收预备党员"), ("full_on", "转正"))


def development_checks(layout: Layout, typed: str) -> list[Check]:
    """Each stage after the one before it, never without it; 转正 a full year after 接收预备党员."""
    checks: list[Check] = []
    for (earlier, earlier_zh), (later, later_zh) in zip(STAGES, STAGES[1:]):
        checks += _needs(layout, later, earlier, f"填写了{later_zh}日期但缺少{earlier_zh}日期",
                         f"{later} without {earlier}")
        checks += _before(layout, later, earlier, f"{later_zh}日期早于{earlier_zh}日期", f"{later} before {earlier}")
    if "full_on" in layout.mapping and "probationary_on" in layout.mapping:
        checks.append(Check("v_full_on < v_probationary_on + INTERVAL 1 YEAR", layout.spec.column("full_on"),
                            Message("预备期为一年：转正日期不能早于接收预备党员满一年", "full membership before the year of probation")))
    return checks


def secretary_checks(layout: Layout, typed: str) -> list[Check]:
    return _before(layout, "term_due", "term_start", "任期届满日期早于任期开始日期", "term due before it started") + [
        Check("v_term_due = v_term_start", layout.spec.column("term_due"),
              Message("任期届满日期与开始日期相同", "term due on the day it started"))]


def honour_checks(layout: Layout, typed: str) -> list[Check]:
    """Stars only for branch honours."""
    if "stars" not in layout.mapping or "member_id" not in layout.mapping:
        return []
    return [Check("r_stars IS NOT NULL AND r_member_id IS NOT NULL", layout.spec.column("stars"),
                  Message("星级只用于支部（星级党支部），表彰党员时不填", "stars are for branch honours only"))]


def deployment_checks(layout: Layout, typed: str) -> list[Check]:
    """Return after departure; 请战 after the call and before departure."""
    return (_before(layout, "ended_on", "started_on", "返回日期早于出发日期", "returned before departure")
            + _before(layout, "volunteered_on", "called_on", "请战日期早于号召日期", "volunteered before the call")
            + _before(layout, "started_on", "volunteered_on", "出发日期早于请战日期", "departed before volunteering"))


def profile_checks(layout: Layout, typed: str) -> list[Check]:
    """The optional 姓名 agrees with the member; a retired member holds no front-line post."""
    checks = member_name_checks(layout, typed)
    if "retired" in layout.mapping and "front_line" in layout.mapping:
        checks.append(Check("v_retired = 'true' AND v_front_line = 'true'", layout.spec.column("front_line"),
                            Message("离退休党员不应填写一线岗位", "a retired member holds no front-line post")))
    return checks


# The membership history each transfer must continue (analysis/migrations/009): per file row, the
# branch the member is in just before it (the previous row of the file for the same member, else
# the open row of the stored history; NULL: in no branch of ours) and the date it must follow.
TRANSFER_HISTORY_SQL = """
WITH stored AS (
    SELECT member_id, arg_max(branch_id, valid_from) FILTER (WHERE valid_to IS NULL) AS open_branch,
           max(coalesce(valid_to, valid_from)) AS last_change, bool_or(valid_to IS NULL) AS is_open
    FROM member_quarter_branch GROUP BY member_id
), ordered AS (
    SELECT _row, v_member_id AS member_id, v_effective_on,
           row_number() OVER w AS k, lag(v_to_branch_id) OVER w AS previous_to
    FROM {typed} WHERE v_member_id IS NOT NULL AND v_effective_on IS NOT NULL
    WINDOW w AS (PARTITION BY v_member_id ORDER BY v_effective_on)
)
SELECT o._row, CASE WHEN o.k = 1 THEN s.open_branch ELSE o.previous_to END AS expected_from,
       CASE WHEN o.k = 1 THEN s.last_change END AS last_change, o.k = 1 AND coalesce(s.is_open, FALSE) AS from_open
FROM ordered o LEFT JOIN stored s USING (member_id)
"""


def transfer_checks(layout: Layout, typed: str) -> list[Check]:
    """Each transfer continues the member's history: it leaves the branch the member is in (none
    for a 转入), after the last change of the history; no move within one branch."""
    spec = layout.spec
    history = f"{typed} t JOIN ({TRANSFER_HISTORY_SQL.format(typed=typed)}) h USING (_row)"
    where_zh = "coalesce(h.expected_from || '（' || u.name || '）', '院外（不在本院任何支部）')"
    where_en = "coalesce(h.expected_from, 'outside the hospital')"
    return member_name_checks(layout, typed) + [
        Check("v_from_branch_id IS NOT NULL AND v_from_branch_id = v_to_branch_id", spec.column("to_branch_id"),
              Message("调入支部与调出支部相同", "the receiving branch is the branch the member leaves")),
        Check("t.v_from_branch_id IS DISTINCT FROM h.expected_from AND (t.v_from_branch_id IS NOT NULL OR t.r_from_branch_id IS NULL)",
              spec.column("from_branch_id"),
              Message("调出支部与党员 {member_id} 的组织关系不符：生效日期前其所在支部为 {where}",
                      "member {member_id} was not in this branch before the transfer (but in {where_en})",
                      sql={"member_id": "t.v_member_id", "where": where_zh, "where_en": where_en}),
              rows=f"{history} LEFT JOIN org_unit u ON u.unit_id = h.expected_from"),
        Check("h.from_open AND t.v_effective_on <= h.last_change OR NOT h.from_open AND t.v_effective_on < h.last_change",
              spec.column("effective_on"),
              Message("生效日期须晚于党员 {member_id} 上一次组织关系变动（{last_change}）",
                      "member {member_id}'s transfer must come after the last change of their history ({last_change})",
                      sql={"member_id": "t.v_member_id", "last_change": "h.last_change"}),
              rows=history),
    ]


def transfer_reason_checks(layout: Layout, cfg: config_mod.Config) -> list[Check]:
    """Each reason names the branches its configured rule asks for (``config.TransferReason``)."""
    checks = []
    for field_name, side in (("from_branch_id", "from_branch"), ("to_branch_id", "to_branch")):
        column = layout.spec.column(field_name)
        for rule, condition, zh, en in (
                ("required", f"r_{field_name} IS NULL", "调动原因为“{reason}”时必须填写{header}",
                 "a transfer for reason {reason} needs {field}"),
                ("empty", f"r_{field_name} IS NOT NULL", "调动原因为“{reason}”时不填{header}",
                 "a transfer for reason {reason} has no {field}")):
            reasons = [r.name for r in cfg.transfer_reasons if getattr(r, side) == rule]
            if reasons:
                checks.append(Check(f"list_contains(?::VARCHAR[], v_reason) AND {condition}", column,
                                    Message(zh, en, text={"header": column.header, "field": field_name},
                                            sql={"reason": "v_reason"}),
                                    params=(reasons,)))
    return checks


def zone_checks(layout: Layout, typed: str) -> list[Check]:
    """The responsible member belongs to the zone's branch."""
    return [Check("v_member_id IS NOT NULL AND v_branch_id IS NOT NULL AND x_member_id_branch <> v_branch_id",
                  layout.spec.column("member_id"),
                  Message("责任党员不属于所填支部", "the responsible member is not of that branch"))]


def award_checks(layout: Layout, typed: str, cfg: config_mod.Config) -> list[Check]:
    """A 先锋岗 goes to a member of the branch (领航先锋岗 to a student, the others to staff), a
    红旗责任区 to a zone of the branch; never both, never neither (the kinds: ``cfg.award_kinds``)."""
    spec = layout.spec
    ids = {audience: [k.id for k in cfg.award_kinds if k.recipient == "member" and k.audience == audience]
           for audience in ("staff", "student")}
    zones = [k.id for k in cfg.award_kinds if k.recipient == "zone"]
    members = ids["staff"] + ids["student"]
    member_given = "r_member_id IS NOT NULL" if "member_id" in layout.mapping else "FALSE"
    zone_given = "r_zone_id IS NOT NULL" if "zone_id" in layout.mapping else "FALSE"
    kind = spec.column("kind")
    checks = [
        Check(f"list_contains(?::VARCHAR[], v_kind) AND NOT {member_given}",
              spec.column("member_id") if "member_id" in layout.mapping else kind,
              Message("先锋岗须填写获评党员编号", "a 先锋岗 needs the member"), params=(members,)),
        Check(f"list_contains(?::VARCHAR[], v_kind) AND NOT {zone_given}",
              spec.column("zone_id") if "zone_id" in layout.mapping else kind,
              Message("红旗责任区须填写责任区编号", "a 红旗责任区 needs the zone"), params=(zones,)),
    ]
    if "member_id" in layout.mapping:
        member = spec.column("member_id")
        checks += [
            Check(f"list_contains(?::VARCHAR[], v_kind) AND {member_given}", member,
                  Message("红旗责任区评给责任区，不填党员编号", "a 红旗责任区 goes to a zone, not a member"), params=(zones,)),
            Check("v_member_id IS NOT NULL AND v_branch_id IS NOT NULL AND x_member_id_branch <> v_branch_id", member,
                  Message("获评党员不属于所填支部", "the member is not of that branch")),
            Check("list_contains(?::VARCHAR[], t.v_kind) AND m.profession <> '学生'", member,
                  Message("领航先锋岗只评给学生党员", "领航先锋岗 is for student members"), params=(ids["student"],),
                  rows=f"{typed} t JOIN member m ON m.member_id = t.v_member_id"),
            Check("list_contains(?::VARCHAR[], t.v_kind) AND m.profession = '学生'", member,
                  Message("领跑先锋岗评给在职党员，学生党员评领航先锋岗", "学生 members get the 领航先锋岗"),
                  params=(ids["staff"],), rows=f"{typed} t JOIN member m ON m.member_id = t.v_member_id"),
        ]
    if "zone_id" in layout.mapping:
        zone = spec.column("zone_id")
        checks += [
            Check(f"list_contains(?::VARCHAR[], v_kind) AND {zone_given}", zone,
                  Message("先锋岗评给党员，不填责任区", "a 先锋岗 goes to a member, not a zone"), params=(members,)),
            Check("v_zone_id IS NOT NULL AND v_branch_id IS NOT NULL AND x_zone_id_branch <> v_branch_id", zone,
                  Message("责任区不属于所填支部", "the zone is not of that branch")),
        ]
    return checks


KIND_CHECKS: dict[str, Callable[[Layout, str], list[Check]]] = {
    "org_units": org_unit_checks,
    "members": member_checks,
    "vanguard_scores": member_name_checks,
    "branch_scores": no_checks,  # incomplete quarters are a warning (incomplete_quarters)
    "four_have": no_checks,
    "activities": activity_checks,
    "attendance": member_name_checks,
    "tasks": task_checks,
    "departments": no_checks,
    "department_performance": performance_checks,
    "rectifications": rectification_checks,
    "development": development_checks,
    "secretaries": secretary_checks,
    "honours": honour_checks,
    "deployments": deployment_checks,
    "profiles": profile_checks,
    "sites": no_checks,
    "methods": no_checks,
    "transfers": transfer_checks,  # the reasons' rules need the configuration: transfer_reason_checks
    "zones": zone_checks,
    "awards": no_checks,  # award_checks needs the configured kinds: run by check_staged
}


def incomplete_quarters(con: duckdb.DuckDBPyConnection, typed: str, cfg: config_mod.Config) -> list[str]:
    """Warnings for quarters in which some branch lacks some of the configured indicators."""
    expected = len(cfg.assessment.indicators)
    rows = con.execute(
        f"""
        SELECT v_quarter, count(*) AS branches, min(n) AS fewest
        FROM (SELECT v_quarter, v_branch_id, count(DISTINCT v_indicator_id) AS n FROM {typed}
              WHERE v_quarter IS NOT NULL AND v_branch_id IS NOT NULL GROUP BY ALL)
        WHERE n < ? GROUP BY ALL ORDER BY 1
        """,
        [expected],
    ).fetchall()
    return [f"{quarter} 有 {branches} 个支部未填满 {expected} 项指标（最少的只有 {fewest} 项）"
            for quarter, branches, fewest in rows]
