"""From staged text to stored values: the typed table the checks and the write read.

``typed_table`` turns every staged row into one row of a temporary table with, for every
field of the spec, ``r_<field>`` (the cell as written), ``v_<field>`` (the value to store:
a number, a date, a quarter, a choice's code, a referenced id; NULL when the text is not
one) and, for references, ``x_<field>_<extra>`` (what the reference carries: a member's
name and branch, an indicator's max points, a unit's level). Labels, codes and names are
all resolved by joins with small lookup tables, and quarters and dates are parsed once per
distinct text (a million rows name a few dozen quarters), so a million rows cost a few scans.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from analysis import periods
from analysis.ingest.read import cell_text
from analysis.ingest.specs import RATER_ALIASES, YES_NO, Column
from analysis.ingest.stage import Staged, TempTables, sql_literal

DATE_FORMATS = ["%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日", "%Y%m%d", "%Y-%m-%d %H:%M:%S",
                "%Y/%m/%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M"]

# Per reference: (SQL of key -> value rows, lowest pri wins; names of the x_ extras it carries).
# Ids win over names, so a unit named like another unit's id still resolves to that id.
REFERENCES: dict[str, tuple[str, list[str]]] = {
    "branch": ("SELECT unit_id AS key, unit_id AS value, 1 AS pri FROM org_unit WHERE level = 'branch' "
               "UNION ALL SELECT name, unit_id, 2 FROM org_unit WHERE level = 'branch'", []),
    "owner": ("SELECT unit_id AS key, unit_id AS value, 1 AS pri FROM org_unit "
              "UNION ALL SELECT name, unit_id, 2 FROM org_unit", []),
    "zone": ("SELECT zone_id AS key, zone_id AS value, 1 AS pri, branch_id AS x_branch FROM duty_zone "
             "UNION ALL SELECT name, zone_id, 2, branch_id FROM duty_zone", ["branch"]),
    "member": ("SELECT member_id AS key, member_id AS value, 1 AS pri, name AS x_name, branch_id AS x_branch "
               "FROM member", ["name", "branch"]),
    "vanguard_dimension": ("SELECT dimension_id AS key, dimension_id AS value, 1 AS pri FROM vanguard_dimension "
                           "UNION ALL SELECT name, dimension_id, 2 FROM vanguard_dimension", []),
    "indicator": ("SELECT indicator_id AS key, indicator_id AS value, 1 AS pri, "
                  "CAST(max_points AS DOUBLE) AS x_max FROM assessment_indicator UNION ALL "
                  "SELECT name, indicator_id, 2, CAST(max_points AS DOUBLE) FROM assessment_indicator", ["max"]),
    "four_have_dimension": ("SELECT dimension_id AS key, dimension_id AS value, 1 AS pri, "
                            "CAST(max_points AS DOUBLE) AS x_max FROM four_have_dimension UNION ALL "
                            "SELECT name, dimension_id, 2, CAST(max_points AS DOUBLE) FROM four_have_dimension",
                            ["max"]),
    "activity": ("SELECT activity_id AS key, activity_id AS value, 1 AS pri FROM activity", []),
    # A name resolves to the department that carries it in its latest mapping row.
    "department": ("SELECT department_id AS key, department_id AS value, 1 AS pri FROM department_branch UNION ALL "
                   "SELECT department_name, arg_max(department_id, from_quarter), 2 FROM department_branch "
                   "GROUP BY department_name", []),
}


def example_row(con: duckdb.DuckDBPyConnection, staged: Staged) -> int | None:
    """The row of the template's example, if the file still has it unchanged (it is skipped)."""
    layout = staged.layout
    first = layout.header_row + 1
    mapped = [c for c in layout.spec.columns if c.field in layout.mapping]
    rows = con.execute(
        f"SELECT {', '.join('f_' + c.field for c in mapped)} FROM {staged.view} WHERE _row = ?", [first]
    ).fetchall()
    if rows and list(rows[0]) == [cell_text(c.example) for c in mapped]:
        return first
    return None


def typed_table(con: duckdb.DuckDBPyConnection, tables: TempTables, staged: Staged, *,
                skip_row: int | None = None) -> str:
    """The typed table of the staged rows (see the module's docstring), without ``skip_row``
    and without rows whose mapped cells are all empty. Returns its name."""
    layout = staged.layout
    typed = tables.name("typed")
    select = ["s._row"]
    joins = []
    for column in layout.spec.columns:
        f = f"s.f_{column.field}"
        select.append(f"{f} AS r_{column.field}")
        if column.type in ("choice", "ref", *PARSED_ONCE):
            table, extras = _lookup(con, tables, column, staged)
            alias = f"j_{column.field}"
            key = f"lower({f})" if column.type == "choice" else f
            joins.append(f"LEFT JOIN {table} {alias} ON {alias}.key = {key}")
            select.append(f"{alias}.value AS v_{column.field}")
            select += [f"{alias}.x_{extra} AS x_{column.field}_{extra}" for extra in extras]
        else:
            select.append(f"{_value_expr(column.type, f)} AS v_{column.field}")
    present = [f"s.f_{c.field} IS NOT NULL" for c in layout.spec.columns if c.field in layout.mapping]
    where = f"({' OR '.join(present)})"
    if skip_row is not None:
        where += f" AND s._row <> {int(skip_row)}"
    con.execute(
        f"CREATE TEMP TABLE {typed} AS SELECT {', '.join(select)} FROM {staged.view} s {' '.join(joins)} "
        f"WHERE {where}"
    )
    return typed


def _value_expr(kind: str, f: str) -> str:
    """SQL: the value of text ``f`` read as a ``kind`` (NULL when it is not one)."""
    number = f"TRY_CAST(replace({f}, ',', '') AS DOUBLE)"
    if kind == "text":
        return f
    if kind == "decimal":
        return f"CASE WHEN isfinite({number}) THEN {number} END"
    if kind in ("int", "year"):
        return f"CASE WHEN isfinite({number}) AND {number} = round({number}) THEN TRY_CAST({number} AS BIGINT) END"
    if kind == "date":
        formats = "[" + ", ".join(sql_literal(x) for x in DATE_FORMATS) + "]"
        return f"coalesce(TRY_CAST({f} AS DATE), CAST(try_strptime({f}, {formats}) AS DATE))"
    if kind == "quarter":
        pattern = sql_literal(periods.QUARTER.pattern)
        return (f"CASE WHEN regexp_full_match({f}, {pattern}) THEN regexp_extract({f}, {pattern}, 1) || 'Q' || "
                f"regexp_extract({f}, {pattern}, 2) END")
    raise ValueError(kind)


# Types whose text is parsed once per distinct value (few values, costly parsing).
PARSED_ONCE = ("quarter", "date")


def _lookup(con, tables: TempTables, column: Column, staged: Staged) -> tuple[str, list[str]]:
    """A temp table (key, value, x_ extras...) resolving the column's text, and the extras' names."""
    table = tables.name(f"lk_{column.field}")
    if column.type in PARSED_ONCE:
        con.execute(f"CREATE TEMP TABLE {table} AS SELECT key, {_value_expr(column.type, 'key')} AS value "
                    f"FROM (SELECT DISTINCT f_{column.field} AS key FROM {staged.view} WHERE key IS NOT NULL)")
        return table, []
    if column.type == "choice":
        _key_value_table(con, tables, table, _choice_keys(column))
        return table, []
    if column.ref == "unit":
        sql, extras = _units_sql(con, tables, staged)
    else:
        sql, extras = REFERENCES[column.ref]
    con.execute(
        f"CREATE TEMP TABLE {table} AS SELECT * EXCLUDE (pri) FROM ({sql}) "
        "QUALIFY row_number() OVER (PARTITION BY key ORDER BY pri) = 1"
    )
    return table, extras


def _choice_keys(column: Column) -> list[tuple[str, str]]:
    """(lower-case text, stored value) for every label and code a choice column accepts."""
    keys = []
    for label, value in column.choices:
        keys += [(label.lower(), value), (value.lower(), value)]
    if column.field == "rater":
        keys += [(k.lower(), v) for k, v in RATER_ALIASES.items()]
    if column.choices == YES_NO:
        keys += [("1", "true"), ("0", "false"), ("y", "true"), ("n", "false")]
    return keys


def _key_value_table(con, tables: TempTables, table: str, pairs: list[tuple[str, str]]) -> None:
    frame = pd.DataFrame(pairs, columns=["key", "value"]).drop_duplicates("key")
    view = tables.register(frame)
    con.execute(f"CREATE TEMP TABLE {table} AS SELECT CAST(key AS VARCHAR) AS key, "
                f"CAST(value AS VARCHAR) AS value FROM {view}")


def _units_sql(con, tables: TempTables, staged: Staged) -> tuple[str, list[str]]:
    """Units of the database and of this file (a branch may name a general branch above it)."""
    levels = tables.name("lk_levels")
    level = staged.layout.spec.column("level")  # only org_units refer to units
    _key_value_table(con, tables, levels,
                     [(label.lower(), value) for label, value in level.choices] + [(v, v) for _, v in level.choices])
    sql = f"""SELECT unit_id AS key, unit_id AS value, 1 AS pri, level AS x_level FROM org_unit
        UNION ALL SELECT name, unit_id, 2, level FROM org_unit
        UNION ALL SELECT s.f_unit_id, s.f_unit_id, 3, l.value FROM {staged.view} s
            LEFT JOIN {levels} l ON l.key = lower(s.f_level) WHERE s.f_unit_id IS NOT NULL
        UNION ALL SELECT s.f_name, s.f_unit_id, 4, l.value FROM {staged.view} s
            LEFT JOIN {levels} l ON l.key = lower(s.f_level)
            WHERE s.f_name IS NOT NULL AND s.f_unit_id IS NOT NULL"""
    return sql, ["level"]
