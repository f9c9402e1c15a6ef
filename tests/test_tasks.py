"""办实事 (analysis/metrics/tasks.py): breakdowns and lists on a hand-made hospital (arithmetic in
the comments) and the demo's calibrated 73.08 %; the page is in test_pages.py."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from analysis import periods
from analysis.metrics import tasks
from analysis.scope import Scope
from tests.builders import add_org, small_hospital

ALL = Scope.committee()
RESEARCHER = Scope("r", "researcher")
JUNE_30 = dt.date(2025, 6, 30)
YEAR_END = dt.date(2025, 12, 31)

#        branch category status   started     due         completed     on 2025-06-30
TASKS = [
    ("T1", "B1", "便民", "已完成", "2025-01-01", "2025-03-01", "2025-02-01"),  # done
    ("T2", "B1", "便民", "进行中", "2025-02-01", "2025-06-30", None),          # open, due today: not overdue
    ("T3", "B2", "宣教", "进行中", "2025-02-01", "2025-06-29", None),          # overdue 1 day
    ("T4", "B2", "宣教", "已完成", "2025-03-01", "2025-04-01", "2025-07-15"),  # open then: overdue 90 days
    ("T5", "B3", "义诊", "未开始", "2025-08-01", "2025-10-01", None),          # not started: not counted
    ("T6", "B3", "义诊", "已完成", "2025-01-10", "2025-05-01", "2025-04-20"),  # done
    ("T7", "B1", "便民", "已完成", "2025-01-05", "2025-12-01", "2025-05-01"),  # done
]


@pytest.fixture()
def small(empty_con):
    add_org(empty_con, {"G1": ["B1", "B2"], "G2": ["B3", "B4"]})
    for task_id, branch, category, status, started, due, done in TASKS:
        empty_con.execute(
            "INSERT INTO service_task (task_id, title, unit_id, category, status, started_on, due_on, completed_on) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [task_id, f"项目{task_id}", branch, category, status, started, due, done],
        )
    return empty_con


def test_by_category_on_june_30(small):
    c = tasks.by_category(small, scope=ALL, as_of=JUNE_30)
    # 义诊: T6 1/1 = 100.00 (T5 not started); 便民: T1, T7 of T1, T2, T7 = 2/3 = 66.67 (66.666...
    # rounded to two decimals); 宣教: 0/2 with T3 and T4 overdue.
    assert c.to_dict("list") == {
        "category": ["义诊", "便民", "宣教"], "done": [1, 2, 0], "total": [1, 3, 2], "open": [0, 1, 2],
        "overdue": [0, 0, 2], "rate": [100.0, 66.67, 0.0],
    }
    whole = tasks.completion(small, scope=ALL, as_of=JUNE_30)
    # 3 done of 6 started = 50.00 %, 2 overdue: the breakdown adds up to the headline.
    assert (c["done"].sum(), c["total"].sum(), c["overdue"].sum()) == (whole.done, whole.total, whole.overdue) == (3, 6, 2)


def test_by_category_ties_and_narrowing(small):
    # Year end: T4 done (07-15), T5 started (08-01). 便民 2/3 = 66.67; 义诊 1/2 and 宣教 1/2 tie at
    # 50.00 and are ordered by name (义 U+4E49 before 宣 U+5BA3).
    c = tasks.by_category(small, scope=ALL, as_of=YEAR_END)
    assert c["category"].tolist() == ["便民", "义诊", "宣教"] and c["rate"].tolist() == [66.67, 50.0, 50.0]
    # Overdue at year end: T2 (due 06-30), T5 (10-01), T3 (06-29): one per category.
    assert c["overdue"].tolist() == [1, 1, 1]
    # G1 on 2025-02-15: 便民 T1 done of T1, T2, T7 -> 33.33; 宣教 T3 only started -> 0.00.
    feb = dt.date(2025, 2, 15)
    assert tasks.by_category(small, scope=ALL, as_of=feb, unit="G1")["rate"].tolist() == [33.33, 0.0]
    assert tasks.by_owner(small, scope=ALL, as_of=feb, unit="G1")["rate"].tolist() == [33.33, 0.0]


def test_by_owner(small):
    b = tasks.by_owner(small, scope=ALL, as_of=JUNE_30)
    # B3 1/1 = 100.00; B1 2/3 = 66.67; B2 0/2 = 0.00 with 2 overdue. B4 owns no task: no row.
    assert b[["unit_id", "done", "total", "open", "overdue", "rate"]].to_dict("list") == {
        "unit_id": ["B3", "B1", "B2"], "done": [1, 2, 0], "total": [1, 3, 2], "open": [0, 1, 2],
        "overdue": [0, 0, 2], "rate": [100.0, 66.67, 0.0],
    }
    assert b["unit_name"].tolist() == ["B3支部", "B1支部", "B2支部"]
    assert b["general_branch_name"].tolist() == ["G2总支", "G1总支", "G1总支"]
    assert tasks.by_owner(small, scope=ALL, as_of=JUNE_30, unit="G1")["unit_id"].tolist() == ["B1", "B2"]


def test_overdue_tasks(small):
    o = tasks.overdue_tasks(small, scope=ALL, as_of=JUNE_30)
    # T4: due 04-01, still open on 06-30 -> 29 + 31 + 30 = 90 days; T3: due 06-29 -> 1 day.
    # T2 is due on 06-30 itself: not overdue yet.
    assert o[["task_id", "days_overdue"]].values.tolist() == [["T4", 90], ["T3", 1]]
    # T4 is recorded as 已完成 now, but was still open on 06-30.
    assert o.set_index("task_id").loc["T4", ["status", "status_as_of"]].tolist() == ["已完成", "进行中"]
    assert len(o) == tasks.completion(small, scope=ALL, as_of=JUNE_30).overdue
    assert tasks.overdue_tasks(small, scope=ALL, as_of=JUNE_30, unit="B1").empty
    # A day later T2 is overdue by 1 day (T4 is completed only on 07-15).
    later = tasks.overdue_tasks(small, scope=ALL, as_of=dt.date(2025, 7, 1))
    assert later.set_index("task_id")["days_overdue"].to_dict() == {"T4": 91, "T3": 2, "T2": 1}


def test_task_list(small):
    t = tasks.task_list(small, scope=ALL, as_of=JUNE_30).set_index("task_id")
    assert t.index.tolist() == ["T1", "T2", "T3", "T4", "T5", "T6", "T7"]
    assert t["counted"].tolist() == [True, True, True, True, False, True, True]
    assert t["overdue"].tolist() == [False, False, True, True, False, False, False]
    assert t["status_as_of"].tolist() == ["已完成", "进行中", "进行中", "进行中", "未开始", "已完成", "已完成"]
    assert t["days_overdue"].isna().tolist() == [True, True, False, False, True, True, True]
    assert t.loc["T1", "started_on"] == pd.Timestamp("2025-01-01") and pd.isna(t.loc["T2", "completed_on"])
    assert tasks.task_list(small, scope=ALL, as_of=JUNE_30, unit="G2").index.size == 2
    assert tasks.task_list(small, scope=ALL, as_of=JUNE_30, unit="B4").empty


def test_nothing_to_report(empty_con):
    add_org(empty_con, {"G1": ["B1"]})
    for fn in (tasks.by_category, tasks.by_owner, tasks.overdue_tasks, tasks.task_list):
        assert fn(empty_con, scope=ALL, as_of=JUNE_30).empty
    assert tasks.by_category(empty_con, scope=ALL, as_of=JUNE_30).columns.tolist() == [
        "category", "done", "total", "open", "overdue", "rate"]
    r = tasks.task_report(empty_con, scope=ALL, first="2025Q1", last="2025Q2")
    assert r.completion.rate is None and r.trend["rate"].isna().all()


def test_task_report_bundle(small):
    r = tasks.task_report(small, scope=ALL, first="2025Q1", last="2025Q2")
    assert r.as_of == JUNE_30 and (r.completion.done, r.completion.total) == (3, 6)
    # End of Q1: T1 done of T1, T2, T3, T4, T6, T7 -> 1/6 = 16.67; end of Q2: T1, T6, T7 -> 3/6 = 50.00.
    assert r.trend["rate"].tolist() == [16.67, 50.0]
    assert r.overdue["task_id"].tolist() == ["T4", "T3"] and len(r.tasks) == 7


def test_researchers_get_hospital_totals_only(small):
    assert tasks.by_category(small, scope=RESEARCHER, as_of=JUNE_30)["total"].sum() == 6
    for fn in (tasks.by_owner, tasks.overdue_tasks, tasks.task_list):
        with pytest.raises(PermissionError):
            fn(small, scope=RESEARCHER, as_of=JUNE_30)
    with pytest.raises(PermissionError):
        tasks.by_category(small, scope=RESEARCHER, as_of=JUNE_30, unit="G1")


def test_completion_trend_is_completion_per_quarter_end(small):
    # Quarters in the order asked (not sorted), one before any task started (no rate), and
    # every owner level: each row equals completion() on that quarter's last day.
    quarters = ["2025Q3", "2024Q4", "2025Q1", "2025Q2"]
    for unit in (None, "G1", "G2", "B2", "B4"):
        trend = tasks.completion_trend(small, scope=ALL, quarters=quarters, unit=unit)
        assert trend["quarter"].tolist() == quarters
        for row in trend.itertuples():
            expected = tasks.completion(small, scope=ALL, as_of=periods.bounds(row.quarter)[1], unit=unit)
            assert (row.done, row.total) == (expected.done, expected.total), (unit, row.quarter)
            assert (pd.isna(row.rate) and expected.rate is None) or row.rate == expected.rate, (unit, row.quarter)
    whole = tasks.completion_trend(small, scope=ALL, quarters=quarters)
    # By hand from TASKS: Q3 counts T5 (started in August) and T4 (done in July).
    assert whole["total"].tolist() == [7, 0, 6, 6] and whole["done"].tolist() == [4, 0, 1, 3]
    assert tasks.completion_trend(small, scope=ALL, quarters=[]).empty
    with pytest.raises(PermissionError):
        tasks.completion_trend(small, scope=RESEARCHER, quarters=quarters, unit="G1")


def test_demo_73_08_through_the_breakdowns(demo_con):
    c = tasks.by_category(demo_con, scope=ALL, as_of=YEAR_END)
    assert (c["done"].sum(), c["total"].sum()) == (19, 26)
    assert round(100 * c["done"].sum() / c["total"].sum(), 2) == 73.08
    b = tasks.by_owner(demo_con, scope=ALL, as_of=YEAR_END)
    assert (b["done"].sum(), b["total"].sum()) == (19, 26)
    headline = tasks.completion(demo_con, scope=ALL, as_of=YEAR_END)
    assert headline.rate == 73.08 and len(tasks.overdue_tasks(demo_con, scope=ALL, as_of=YEAR_END)) == headline.overdue
    assert len(tasks.task_list(demo_con, scope=ALL, as_of=YEAR_END)) == 26


def test_task_completion_two_decimals(empty_con):
    con = small_hospital(empty_con)
    # 3 tasks started, 2 done by 2025-06-30 -> 66.67 %; the third is overdue (due 2025-05-01).
    rows = [("T1", "甲", "B1", "已完成", "2025-01-01", "2025-03-01", "2025-02-01"),
            ("T2", "乙", "B2", "已完成", "2025-01-01", "2025-06-01", "2025-05-20"),
            ("T3", "丙", "B3", "进行中", "2025-02-01", "2025-05-01", None),
            ("T4", "丁", "B3", "未开始", "2025-09-01", "2025-12-01", None)]
    for r in rows:
        con.execute("INSERT INTO service_task (task_id, title, unit_id, category, status, started_on, due_on, completed_on) "
                    "VALUES (?, ?, ?, '便民', ?, ?, ?, ?)", list(r))
    c = tasks.completion(con, scope=ALL, as_of=dt.date(2025, 6, 30))
    assert (c.done, c.total, c.overdue, c.rate) == (2, 3, 1, 66.67)
    assert tasks.completion(con, scope=ALL, as_of=dt.date(2025, 6, 30), unit="B3").rate == 0.0
    assert tasks.completion(con, scope=ALL, as_of=dt.date(2024, 1, 1)).rate is None
    trend = tasks.completion_trend(con, scope=ALL, quarters=["2025Q1", "2025Q2", "2025Q4"])
    # End of Q1: T1 done of T1..T3 -> 33.33; Q2: 66.67; Q4: 2 of 4 -> 50.00.
    assert trend["rate"].tolist() == [33.33, 66.67, 50.0]
