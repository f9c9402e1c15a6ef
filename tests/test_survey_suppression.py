"""Tests of analysis.survey.suppression: the small-cell rules on plain tables, by hand.
"""

from __future__ import annotations

import pandas as pd
import pytest

from analysis import survey


@pytest.mark.parametrize(
    ("counts", "kwargs", "expected"),
    [
        # One column whose total is public: the small cell and the smallest non-zero other.
        ([40, 3, 57], {"totals_known": True}, ["secondary", "primary", ""]),
        ([40, 3, 0, 57], {"totals_known": True}, ["secondary", "primary", "", ""]),
        # Two small cells already protect each other.
        ([40, 3, 2, 57], {"totals_known": True}, ["", "primary", "primary", ""]),
        # No published total: nothing to subtract from.
        ([40, 3, 57], {}, ["", "primary", ""]),
        # Off.
        ([40, 3, 57], {"totals_known": True, "min_cell": 0}, ["", "", ""]),
    ],
)
def test_suppression_mask_one_column(counts, kwargs, expected):
    table = pd.DataFrame({"n": counts})
    kwargs = {"min_cell": 5, **kwargs}
    assert survey.suppression_mask(table, count_cols=["n"], **kwargs)["n"].tolist() == expected


def test_suppression_mask_two_way_with_margins():
    table = pd.DataFrame(
        {"是": [20, 3, 12, 35], "否": [10, 9, 8, 27], "合计": [30, 12, 20, 62]},
        index=["甲", "乙", "丙", "合计"],
    )
    mask = survey.suppression_mask(table, min_cell=5, count_cols=["是", "否"], total_col="合计", total_row="合计")
    # 乙/是 = 3 is small. Row 乙 (total 12) → hide 乙/否 (9). Column 是 (total 35) → hide 丙/是 (12,
    # the smallest other). Column 否 now has one hidden cell (乙) → hide 丙/否 (8). Row 丙 has two.
    assert mask.loc["乙", "是"] == "primary"
    assert {(r, c) for r in mask.index for c in mask.columns if mask.at[r, c] == "secondary"} == {
        ("乙", "否"), ("丙", "是"), ("丙", "否"),
    }


def test_suppress_replaces_counts_and_hides_dependents():
    table = pd.DataFrame({"n": [40, 3, 57], "pct": [40.0, 3.0, 57.0]}, index=["甲", "乙", "丙"])
    out = survey.suppress(table, min_cell=5, count_cols=["n"], totals_known=True, hide={"n": ["pct"]})
    assert out["n"].tolist() == ["*", "<5", 57]
    assert out["pct"].isna().tolist() == [True, True, False]
    assert out.attrs["suppressed"] == [("甲", "n", "secondary"), ("乙", "n", "primary")]
    assert table["n"].tolist() == [40, 3, 57]  # input untouched
