"""analysis/metrics/spread.py: box-plot figures of the member index, checked against numpy on
the demo, and scoped like the member-level rows they summarise."""

from __future__ import annotations

import numpy as np
import pytest

from analysis.metrics import spread, vanguard
from analysis.scope import Scope

COMMITTEE = Scope.committee()


@pytest.mark.parametrize("by", ["general_branch", "branch"])
def test_figures_match_numpy(demo_con, by):
    boxes = spread.index_spread(demo_con, scope=COMMITTEE, quarter="2025Q4", by=by).set_index("group_name")
    members = vanguard.member_index(demo_con, scope=COMMITTEE, first="2025Q4", last="2025Q4")
    groups = members.groupby("general_branch_name" if by == "general_branch" else "branch_name")["vindex"]
    assert len(boxes) == groups.ngroups == (7 if by == "general_branch" else 34)
    for name, values in groups:
        v = np.sort(values.to_numpy())
        q1, median, q3 = np.percentile(v, [25, 50, 75])  # numpy's default: linear interpolation
        row = boxes.loc[name]
        assert row["n"] == len(v) and row["mean"] == pytest.approx(v.mean())
        assert [row["q1"], row["median"], row["q3"]] == pytest.approx([q1, median, q3])
        # Tukey whiskers, by hand: the most extreme values within 1.5 IQR of the box.
        iqr = q3 - q1
        assert row["lower_fence"] == pytest.approx(v[v >= q1 - 1.5 * iqr].min())
        assert row["upper_fence"] == pytest.approx(v[v <= q3 + 1.5 * iqr].max())
        assert row["min"] == pytest.approx(v[0]) and row["max"] == pytest.approx(v[-1])
    assert list(boxes["median"]) == sorted(boxes["median"], reverse=True)


def test_a_secretary_sees_the_spread_of_their_own_branch_only(demo_con):
    boxes = spread.index_spread(demo_con, scope=Scope("zhibu", "secretary", "B01"), quarter="2025Q4", by="branch")
    assert list(boxes["group_id"]) == ["B01"]
    with pytest.raises(PermissionError):
        spread.index_spread(demo_con, scope=Scope("yanjiu", "researcher"), quarter="2025Q4")
    with pytest.raises(ValueError, match="by must be"):
        spread.index_spread(demo_con, scope=COMMITTEE, quarter="2025Q4", by="member")
