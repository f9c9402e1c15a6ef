"""Units and headcounts (analysis/metrics/org.py) on a hand-made hospital."""

from __future__ import annotations

import datetime as dt

import pytest

from analysis.metrics import org
from analysis.scope import Scope
from tests.builders import add_member

ALL = Scope.committee()


def test_headcount_counts_members_joined_by_date(small):
    add_member(small, "M5", "B3", role="预备党员", joined=dt.date(2025, 3, 1))
    hc = org.headcount(small, scope=ALL, as_of=dt.date(2024, 12, 31))
    assert (hc.general_branches, hc.branches, hc.members, hc.probationary) == (2, 3, 4, 0)
    hc = org.headcount(small, scope=ALL, unit="G2", as_of=dt.date(2025, 12, 31))
    assert (hc.general_branches, hc.branches, hc.members, hc.probationary) == (1, 1, 2, 1)


def test_unit_names_general_branches_first(small):
    assert org.unit_names(small, scope=ALL) == {"G1": "G1总支", "G2": "G2总支", "B1": "B1支部", "B2": "B2支部",
                                                 "B3": "B3支部"}
    assert list(org.unit_names(small, scope=ALL)) == ["G1", "G2", "B1", "B2", "B3"]


@pytest.mark.parametrize(("table", "column", "condition", "by_lineage"), [
    ("branch_quarter_total", "branch_id", org.branch_unit_filter,
     "branch_id IN (SELECT branch_id FROM branch_lineage WHERE branch_id = $unit OR general_branch_id = $unit)"),
    ("activity", "unit_id", org.owner_filter,
     "unit_id IN (SELECT unit_id FROM unit_lineage WHERE unit_id = $unit OR general_branch_id = $unit)"),
])
def test_unit_conditions_need_no_join_without_a_unit(demo_con, table, column, condition, by_lineage):
    rows = f"SELECT count(*) FROM {table} WHERE {{}}"
    everything = demo_con.execute(rows.format("TRUE")).fetchone()[0]
    assert condition(column, None) == "$unit IS NULL"
    assert demo_con.execute(rows.format(condition(column, None)), {"unit": None}).fetchone()[0] == everything
    for unit in ("G01", "B01"):
        narrowed = demo_con.execute(rows.format(condition(column, unit)), {"unit": unit}).fetchone()[0]
        expected = demo_con.execute(rows.format(by_lineage), {"unit": unit}).fetchone()[0]
        assert 0 < narrowed == expected < everything


@pytest.mark.parametrize(("table", "column", "lineage"), [
    ("branch_score", "branch_id", "branch_lineage"),
    ("branch_quarter_total", "branch_id", "branch_lineage"),
    ("branch_quarter_dimension", "branch_id", "branch_lineage"),
    ("member_quarter_index", "branch_id", "branch_lineage"),
    ("member_year_index", "branch_id", "branch_lineage"),
    ("four_have_score", "branch_id", "branch_lineage"),
    ("member", "branch_id", "branch_lineage"),
    ("membership", "branch_id", "branch_lineage"),
    ("activity", "unit_id", "unit_lineage"),
    ("service_task", "unit_id", "unit_lineage"),
])
def test_the_columns_read_without_a_unit_condition_hold_only_lineage_units(demo_con, table, column, lineage):
    # Why branch_unit_filter and owner_filter may drop the condition when no unit is chosen: on
    # every column they serve, the lineage semi-join (the condition with $unit NULL) keeps every row.
    rows, outside = demo_con.execute(
        f"SELECT count(*), count(*) FILTER (WHERE {column} NOT IN (SELECT {'branch_id' if lineage == 'branch_lineage' else 'unit_id'} "
        f"FROM {lineage})) FROM {table}").fetchone()
    assert rows > 0 and outside == 0
