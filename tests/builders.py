"""Tiny hand-made hospitals for tests whose expected numbers are worked out by hand."""

from __future__ import annotations

import datetime as dt

import duckdb

from analysis import config as config_mod


def add_org(con: duckdb.DuckDBPyConnection, layout: dict[str, list[str]]) -> None:
    """Committee C00, general branches named by ``layout`` keys, branches by its values."""
    con.execute("INSERT INTO org_unit (unit_id, name, level) VALUES ('C00', '医院党委', 'committee')")
    for general, branches in layout.items():
        con.execute("INSERT INTO org_unit (unit_id, name, level, parent_id) VALUES (?, ?, 'general_branch', 'C00')",
                    [general, f"{general}总支"])
        for branch in branches:
            con.execute("INSERT INTO org_unit (unit_id, name, level, parent_id, department) VALUES (?, ?, 'branch', ?, ?)",
                        [branch, f"{branch}支部", general, f"{branch}科"])


def add_member(con, member_id: str, branch_id: str, *, name: str | None = None, role: str = "党员",
               joined: dt.date = dt.date(2010, 1, 1)) -> None:
    con.execute(
        "INSERT INTO member (member_id, name, branch_id, party_role, profession, joined_on) VALUES (?, ?, ?, ?, '医生', ?)",
        [member_id, name or f"成员{member_id}", branch_id, role, joined],
    )


def add_sheet(con, member_id: str, quarter: str, score: float, cfg: config_mod.Config = config_mod.DEFAULT,
              raters: tuple[str, ...] = ("self", "peer", "org")) -> None:
    """A vanguard score sheet with the same score for every dimension and rater."""
    for dim in cfg.vanguard.dimensions:
        for rater in raters:
            con.execute("INSERT INTO vanguard_score (member_id, quarter, dimension_id, rater, score) VALUES (?, ?, ?, ?, ?)",
                        [member_id, quarter, dim.id, rater, score])


def add_branch_total(con, branch_id: str, quarter: str, total: float, cfg: config_mod.Config = config_mod.DEFAULT) -> None:
    """Branch scores whose indicators are all at the same fraction of their max, summing to ``total``."""
    for ind in cfg.assessment.indicators:
        con.execute(
            "INSERT INTO branch_score (branch_id, quarter, indicator_id, max_points, score) VALUES (?, ?, ?, ?, ?)",
            [branch_id, quarter, ind.id, ind.max_points, ind.max_points * total / 100],
        )


def small_hospital(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """General branches G1 (branches B1, B2) and G2 (B3); members M1, M2 in B1, M3 in B2, M4 in B3."""
    add_org(con, {"G1": ["B1", "B2"], "G2": ["B3"]})
    for member_id, branch in (("M1", "B1"), ("M2", "B1"), ("M3", "B2"), ("M4", "B3")):
        add_member(con, member_id, branch)
    return con
