"""The viewer's scope: what a signed-in user may see, applied inside every query.

Aggregates over branches (rankings, means) are public inside the hospital; member-level rows
are restricted. Analysis functions receive a ``Scope`` and turn it into bound SQL parameters
with ``member_branch_ids``; pages never filter results themselves.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

ROLES = {"committee": "党委/党办", "secretary": "总支/支部书记", "researcher": "研究人员"}


@dataclass(frozen=True)
class Scope:
    username: str
    role: str
    unit_id: str | None = None

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            raise ValueError(f"unknown role {self.role!r}")
        if (self.role == "secretary") != (self.unit_id is not None):
            raise ValueError("a secretary's scope needs their unit; other roles have none")

    @classmethod
    def committee(cls, username: str = "system") -> Scope:
        return cls(username, "committee")

    @property
    def sees_every_branch(self) -> bool:
        """Whether the viewer sees the member-level rows of every branch (the committee)."""
        return self.role == "committee"

    @property
    def cache_key(self) -> tuple[str, str | None]:
        """What distinguishes one scope's results from another's (not the user's name)."""
        return (self.role, self.unit_id)


def member_branch_ids(con: duckdb.DuckDBPyConnection, scope: Scope) -> list[str]:
    """Branches whose member-level rows the viewer may see.

    Committee: all. Secretary: their branch, or every branch of their general branch.
    Researcher: none (they see aggregates and pseudonymous survey data only).
    """
    if scope.role == "researcher":
        return []
    rows = con.execute(
        """
        SELECT branch_id FROM branch_lineage
        WHERE $all OR branch_id = $unit OR general_branch_id = $unit
        ORDER BY branch_id
        """,
        {"all": scope.role == "committee", "unit": scope.unit_id},
    ).fetchall()
    return [r[0] for r in rows]


def visible_branch(column: str) -> str:
    """SQL condition: the branch in ``column`` is one whose members the viewer may see.

    It reads the parameter ``$visible``, which the query binds to :func:`member_branch_ids`.
    ``column`` is a fixed identifier of the query (``m.branch_id``), never user input.
    """
    return f"{column} IN (SELECT unnest($visible))"


def member_visibility(con: duckdb.DuckDBPyConnection, scope: Scope, column: str) -> tuple[str, dict]:
    """:func:`visible_branch` over ``column``, a member's branch (a branch reference the importer
    checked), and the parameter it binds: no condition for the committee, who see every branch's
    members, so its queries skip the list of every branch and the semi-join with it (member
    rows at 100x: 12–19 ms of 60).

    Returns
    -------
    The SQL condition and its parameters (``{"visible": ...}``, or none for the committee).
    """
    if scope.sees_every_branch:
        return "TRUE", {}
    return visible_branch(column), visible_params(con, scope)


def visible_params(con: duckdb.DuckDBPyConnection, scope: Scope) -> dict:
    """``{"visible": member_branch_ids}`` for a query that joins the viewer's branches; nothing for
    the committee, whose queries need not (see :func:`member_visibility`)."""
    return {} if scope.sees_every_branch else {"visible": member_branch_ids(con, scope)}


def sees_members_of(con: duckdb.DuckDBPyConnection, scope: Scope, branch: str) -> bool:
    """Whether the viewer may see the member-level rows of ``branch`` (one of
    :func:`member_branch_ids`; the committee's answer needs no query)."""
    return scope.sees_every_branch or branch in member_branch_ids(con, scope)


def require_branch_detail(scope: Scope) -> None:
    """Branch-level results (rankings, per-branch tables) are for the committee and secretaries."""
    if scope.role == "researcher":
        raise PermissionError("研究人员只能查看全院汇总与问卷分析。")


def check_unit(scope: Scope, unit: str | None) -> None:
    """Narrowing an aggregate to one branch or general branch needs branch-level access."""
    if unit is not None:
        require_branch_detail(scope)
