"""The report model's value helpers and checks (analysis/report/model.py); the demo only where a built
report is needed."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math

import pandas as pd
import pytest

from analysis.report.model import (
    Chart,
    Meeting,
    Period,
    Series,
    format_value,
    is_missing,
    number,
    outline_text,
    table,
    text_width,
)


@pytest.mark.parametrize("value, kind, shown", [
    (73.076923, "pct", "73.08%"),     # a percentage 0-100
    (0.8, "share", "80.00%"),         # a fraction 0-1
    (86.94, "score", "86.9"),
    (1.955, "score2", "1.96"),        # 1.955 is stored as 1.95500000000000007
    (1107, "int", "1,107"),
    (True, "bool", "是"),
    (dt.date(2025, 12, 31), "date", "2025-12-31"),
    ("<5", "pct", "<5"),              # a suppressed cell stays as the analysis function wrote it
    (None, "score", "—"),
    (math.nan, "pct", "—"),
    (pd.NaT, "date", "—"),
])
def test_format_value(value, kind, shown):
    assert format_value(value, kind) == shown


def test_number_and_is_missing():
    assert number("*") is None and number(math.nan) is None and number(None) is None and number(3) == 3.0
    assert is_missing(None) and is_missing(math.nan) and is_missing(pd.NaT)
    assert not is_missing("") and not is_missing(0) and not is_missing((1, 2))


def test_text_width_counts_cjk_double():
    assert text_width("党支部 B01") == 3 * 2 + 4


def test_table_renames_and_checks_column_kinds():
    frame = pd.DataFrame({"quarter": ["2025Q4"], "mean": [86.9], "extra": [1]}, index=[7])
    tbl = table("t", "趋势", frame, {"quarter": ("季度", "text"), "mean": ("均值", "score")})
    assert list(tbl.frame.columns) == ["季度", "均值"] and list(tbl.frame.index) == [0]
    assert dict(tbl.formats) == {"季度": "text", "均值": "score"}
    with pytest.raises(ValueError, match="column kind 'percent'"):
        table("t", "趋势", frame, {"mean": ("均值", "percent")})


def test_chart_checks_kind_and_series_length():
    with pytest.raises(ValueError, match="chart kind"):
        Chart("pie", ("a",), ())
    with pytest.raises(ValueError, match="has 1 values for 2 categories"):
        Chart("bar", ("a", "b"), (Series("n", (1.0,)),))
    chart = Chart("column", ("a",), (Series("n", (1.0,)),), decimals=2, suffix="%")
    assert (chart.excel_format, chart.d3_format) == ('#,##0.00"%"', ",.2f")


def test_period_of_a_year():
    year = Period("year", "2025Q1", "2025Q4")
    assert (year.code, year.label, year.start, year.end, year.year_end) == (
        "2025", "2025年度", dt.date(2025, 1, 1), dt.date(2025, 12, 31), True)
    assert year.trend_first == "2024Q1"  # 8 quarters up to 2025Q4


def test_bars_start_at_zero_and_ticks_are_whole_units():
    with pytest.raises(ValueError, match="starts at 0"):
        Chart("column", ("a",), (Series("n", (90.0,)),), value_min=80)
    rate = Chart("bar", ("a", "b"), (Series("n", (88.7, 92.1)),), decimals=2, suffix="%", value_max=100)
    assert (rate.excel_format, rate.tick_format) == ('#,##0.00"%"', '#,##0"%"')  # labels 88.70%, ticks 10%
    scale = Chart("dot", ("a", "b"), (Series("n", (3.89, 4.41)),), decimals=2, value_min=3.5)
    assert scale.tick_format == "#,##0.0"  # an axis of 3.5–4.4: whole numbers would be one tick
    counts = Chart("bar", ("a", "b"), (Series("n", (1.0, 2.0)),), decimals=0)
    assert counts.tick_format == "#,##0"  # counts never get 0.5 ticks


def test_meeting_and_length_of_a_report(demo_con):
    from analysis import report
    from analysis.scope import Scope

    meeting = Meeting("2025年第4季度支部书记例会", dt.date(2026, 1, 16), "党委办公室")
    short = report.build_report(demo_con, scope=Scope.committee("t"), period="2025Q4", sections=["tasks"],
                                meeting=meeting, now=dt.datetime(2026, 1, 15, 9, 30))
    assert (short.date_label, short.meeting_date) == ("2026年1月16日", dt.date(2026, 1, 16))
    undated = report.build_report(demo_con, scope=Scope.committee("t"), period="2025Q4", sections=["tasks"],
                                  now=dt.datetime(2026, 1, 15, 9, 30))
    assert undated.date_label == "2026年1月15日"  # the day it was made
    assert [s for s, _ in short.outline()][-2:] == ["存在问题（初稿）", "下步打算（初稿）"]
    assert outline_text(short).splitlines()[0] == "2025年第4季度党建工作情况汇报（示例医院（演示数据） · 全院）"
    with pytest.raises(ValueError, match="length"):
        dataclasses.replace(short, length="long")
