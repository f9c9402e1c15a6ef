"""Units and headcounts (analysis/metrics/org.py) on a hand-made hospital."""

from __future__ import annotations

import datetime as dt

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


def test_branch_unit_filter_needs_no_join_without_a_unit(demo_con):
    rows = "SELECT count(*) FROM branch_quarter_total WHERE {}"
    everything = demo_con.execute(rows.format("TRUE")).fetchone()[0]
    assert org.branch_unit_filter("branch_id", None) == "$unit IS NULL"
    assert demo_con.execute(rows.format(org.branch_unit_filter("branch_id", None)), {"unit": None}).fetchone()[0] == everything
    for unit in ("G01", "B01"):
        narrowed = demo_con.execute(rows.format(org.branch_unit_filter("branch_id", unit)), {"unit": unit}).fetchone()[0]
        general = demo_con.execute(rows.format(org.unit_filter()), {"unit": unit}).fetchone()[0]
        assert 0 < narrowed == general < everything
