"""汇报材料, building the report model (analysis/report/build.py and sections/): periods and sections
parsed, each section's findings, titles that carry their numbers, unit and branch reports, what
a researcher sees, and suppressed survey groups.
"""

from __future__ import annotations

import io
import re

import pytest
from pptx import Presentation

from analysis import periods, report
from analysis.metrics import assessment, tasks, vanguard
from analysis.scope import Scope
from tests.report_helpers import (
    END,
    FIRST,
    NOW,
    PERIOD,
    SCOPE,
    chart_of,
    close,
    hospital_report,
    read_only,
    series_values,
    slides_by_name,
)


@pytest.fixture(scope="module")
def con(demo_path):
    with read_only(demo_path) as con:
        yield con


@pytest.fixture(scope="module")
def built(con):
    return hospital_report(con)


@pytest.mark.parametrize("text, kind, first, last, label", [
    ("2025Q4", "quarter", "2025Q4", "2025Q4", "2025年第4季度"),
    ("2025年第4季度", "quarter", "2025Q4", "2025Q4", "2025年第4季度"),
    ("2024q1", "quarter", "2024Q1", "2024Q1", "2024年第1季度"),
    ("2025", "year", "2025Q1", "2025Q4", "2025年度"),
    ("2025年度", "year", "2025Q1", "2025Q4", "2025年度"),
])
def test_parse_period(text, kind, first, last, label):
    period = report.parse_period(text)
    assert (period.kind, period.first, period.last, period.label) == (kind, first, last, label)


@pytest.mark.parametrize("text", ["2025Q5", "25Q1", "第四季度", ""])
def test_parse_period_refuses_garbage(text):
    with pytest.raises(ValueError, match="不是季度或年度"):
        report.parse_period(text)


def test_parse_sections_takes_keys_and_chinese_names_in_report_order():
    assert report.parse_sections("办实事,vanguard") == ("vanguard", "tasks")
    assert report.parse_sections(["问卷分析", "总览"]) == ("overview", "survey")
    assert report.parse_sections(None) == tuple(report.SECTIONS)
    with pytest.raises(ValueError, match="未知的汇报部分"):
        report.parse_sections(["党费"])


def test_every_section_is_built_with_its_findings(built):
    assert built.sections == tuple(report.SECTIONS)
    assert {f.section for f in built.findings} == set(report.SECTIONS)
    keys = [f.key for f in built.findings]
    assert len(keys) == len(set(keys))
    assert keys[:3] == ["overview.headcount", "overview.summary", "vanguard.trend"]
    assert built.notes == ()
    assert built.is_demo
    # Every call recorded ran with the report's scope (replayed by the bench).
    assert {c.name for c in built.calls} >= {"analysis.metrics.vanguard.hospital_trend", "analysis.metrics.tasks.task_report",
                                             "analysis.metrics.meetings.hospital_summary"}


def test_titles_state_the_findings_with_their_numbers(con, built):
    trend = vanguard.hospital_trend(con, scope=SCOPE, first=FIRST, last=PERIOD)
    last = trend.iloc[-1]
    # e.g. "2025年第4季度先锋指数均值 86.9，环比上升 1.0"
    verb = "上升" if round(last["qoq"], 1) > 0 else "下降"
    expected = f"2025年第4季度先锋指数均值 {last['mean']:.1f}，环比{verb} {abs(last['qoq']):.1f}"
    titles = {f.key: f.title for f in built.findings}
    assert titles["vanguard.trend"] == expected
    done = tasks.completion(con, scope=SCOPE, as_of=END)
    assert f"办实事完成率 {done.rate:.2f}%（{done.done}/{done.total}）" in titles["tasks.completion"]
    assert titles["tasks.completion"].startswith("截至2025年12月31日")
    assert all(re.search(r"\d", title) for title in titles.values()), "every title carries a number"


def test_unit_report_compares_the_unit_with_the_hospital(con):
    built = report.build_report(con, scope=SCOPE, period="2025", unit="G01", sections=["vanguard"], now=NOW)
    assert built.unit_label == "内科党总支" and built.period.kind == "year"
    trend = next(f for f in built.findings if f.key == "vanguard.trend")
    mine = vanguard.hospital_trend(con, scope=SCOPE, first=periods.shift("2025Q4", -7), last="2025Q4", unit="G01")
    hospital = vanguard.hospital_trend(con, scope=SCOPE, first=periods.shift("2025Q4", -7), last="2025Q4")
    assert [s.name for s in trend.chart.series] == ["内科党总支", "全院均值"]
    assert close(trend.chart.series[0].values, mine["mean"]) and close(trend.chart.series[1].values, hospital["mean"])
    assert trend.title.startswith("2025年第4季度内科党总支先锋指数均值") and "同比" in trend.title


def test_branch_report_and_unknown_unit(con):
    built = report.build_report(con, scope=SCOPE, period=PERIOD, unit="B01", sections=["assessment"], now=NOW)
    ranking = assessment.branch_ranking(con, scope=SCOPE, first=PERIOD, last=PERIOD, unit="B01").iloc[0]
    first = built.findings[0]
    assert first.key == "assessment.trend"
    assert f"考核总分 {ranking['total']:.1f}，全院第{int(ranking['rank'])}名" in first.title
    with pytest.raises(ValueError, match="未知的单位编号"):
        report.build_report(con, scope=SCOPE, period=PERIOD, unit="B99")


def test_researcher_gets_the_hospital_overview_and_the_survey_only(con):
    researcher = Scope("yanjiu", "researcher")
    built = report.build_report(con, scope=researcher, period=PERIOD, now=NOW)
    # 党建+业务 is hospital-level too (its branch table is left out for researchers)
    assert set(built.sections) == {"overview", "survey", "business"}
    assert "business_quadrant" not in {t.key for t in built.tables}
    omitted = [n for n in built.notes if "研究人员" in n]
    assert len(omitted) == 5  # 先锋指数, 支部考核, 四有工程, 组织生活, 办实事
    assert all(c.fn is not vanguard.trend for c in built.calls)


def test_survey_is_left_out_of_a_period_before_it_was_fielded(con):
    built = report.build_report(con, scope=SCOPE, period="2024", sections=["survey"], now=NOW)
    assert built.findings == ()
    assert any("之后开展" in n for n in built.notes)


def test_suppressed_survey_groups_reach_the_chart_as_gaps(con, tmp_path, monkeypatch):
    # A minimum above the members' n (1,107) hides the 党员 group (and the other, which would give it back).
    (tmp_path / "hospital.toml").write_text("[survey]\nmin_cell = 1200\n", encoding="utf-8")
    monkeypatch.setenv("PARTY_DASHBOARD_CONFIG", str(tmp_path / "hospital.toml"))
    built = report.build_report(con, scope=SCOPE, period=PERIOD, sections=["survey"], now=NOW)
    finding = next(f for f in built.findings if f.key == "survey.effective")
    assert finding.chart.series[0].values[0] is None
    assert "党员 不予报告" in finding.title
    assert "“党员”不足 1200 人" in " ".join(finding.points)
    prs = Presentation(io.BytesIO(report.render(built, "pptx")))
    values = series_values(chart_of(slides_by_name(prs)["survey.effective"]))[0]
    assert values[0] is None
