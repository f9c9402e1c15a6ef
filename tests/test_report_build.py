"""汇报材料, building the report model (analysis/report/build.py, brief.py and sections/): periods and
sections parsed, each section's findings, titles that carry their numbers, unit and branch reports,
what a researcher sees, suppressed survey groups, the short deck's choice and its drafted problems,
plain sources, honest axes.
"""

from __future__ import annotations

import io
import re

import pytest
from pptx import Presentation

from analysis import palette, periods, report
from analysis.metrics import assessment, tasks, vanguard
from analysis.report import brief
from analysis.report.model import Chart, Concern, Finding, Series
from analysis.scope import Scope
from tests.report_helpers import (
    END,
    FIRST,
    MEETING,
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
    assert keys[:3] == ["overview.summary", "vanguard.trend", "vanguard.units"]
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


# --------------------------------------------------------------------------- the short deck's choice


def _finding(key: str, section: str, weight: float, *concerns: Concern) -> Finding:
    return Finding(key, section, f"{key} 1", "党支部季度考核表", "", "1个支部", weight=weight, concerns=concerns)


def test_key_findings_are_the_heaviest_in_report_order_with_a_cap_per_section():
    findings = [_finding("overview.summary", "overview", 0.0)]
    findings += [_finding(f"vanguard.f{i}", "vanguard", 3.0 - i * 0.1) for i in range(5)]  # five heavy ones
    findings += [_finding(f"tasks.f{i}", "tasks", 1.0 + i * 0.1) for i in range(6)]
    findings += [_finding(f"survey.f{i}", "survey", 0.5 - i * 0.1) for i in range(4)]
    chosen = brief.key_findings(findings)
    # 总体情况 always; vanguard and tasks capped at PER_SECTION (their heaviest); survey fills the rest.
    assert chosen[0] == "overview.summary" and len(chosen) == 1 + brief.KEY_FINDINGS
    assert [k for k in chosen if k.startswith("vanguard.")] == ["vanguard.f0", "vanguard.f1", "vanguard.f2"]
    assert [k for k in chosen if k.startswith("tasks.")] == ["tasks.f3", "tasks.f4", "tasks.f5"]
    assert [k for k in chosen if k.startswith("survey.")] == ["survey.f0", "survey.f1"]
    assert list(chosen) == [f.key for f in findings if f.key in set(chosen)]  # report order


def test_problems_are_the_heaviest_concerns_once_each():
    a, b, c = Concern("逾期7项", "督办", 2.0), Concern("缺漏11期次", "补开", 3.0), Concern("逾期7项", "督办", 1.0)
    findings = [_finding("tasks.overdue", "tasks", 0.2, a), _finding("org_life.compliance", "org_life", 1.0, b, c)]
    assert brief.problems(findings) == (b, a)
    many = [_finding(f"x.f{i}", "x", 0, Concern(f"问题{i}", "打算", i)) for i in range(10)]
    assert [c.problem for c in brief.problems(many)] == [f"问题{i}" for i in range(9, 9 - brief.MAX_PROBLEMS, -1)]


def test_the_report_carries_the_meeting_and_the_short_choice(con, built):
    assert built.meeting == MEETING and built.length == "short"
    assert built.key_findings[0] == "overview.summary" and len(built.key_findings) <= brief.KEY_FINDINGS + 1
    assert [f.key for f in built.deck_findings] == list(built.key_findings)
    assert built.problems and built.problems == brief.problems(built.findings)
    assert built.data_date == END and built.data_date_label == "数据截至2025年12月31日"
    assert built.date_label == "2026年1月16日"
    full = hospital_report(con, length="full")
    assert full.deck_findings == full.findings
    with pytest.raises(ValueError, match="篇幅"):
        report.build_report(con, scope=SCOPE, period=PERIOD, length="medium")


def test_sources_are_plain_chinese_and_statistics_stay_out_of_the_body(built):
    for finding in built.findings:
        assert "analysis." not in finding.source and finding.source, finding.key
        assert "analysis." not in built.speaker_notes(finding)
    survey = next(f for f in built.findings if f.key == "survey.effective")
    body = " ".join((survey.title, *survey.points, *(f.detail for f in survey.figures)))
    assert not [word for word in ("χ²", "Cramér", "CI", "p =", "p <", "n=") if word in body]
    assert "党员认为作用明显的比例高于非党员，差异有统计学意义" in survey.points
    assert any("Cramér's V" in d for d in survey.details) and any("95% CI" in d for d in survey.details)


def test_bars_start_at_zero_and_quarters_are_labelled_in_chinese(built):
    for finding in built.findings:
        chart = finding.chart
        if chart is None:
            continue
        if chart.is_bars:
            # Bars grow from zero: the axis starts at 0, or below it only for the correlations
            # of 党建+业务 (-1 to 1), never above it.
            assert chart.value_min in (None, 0) or finding.key == "business.association", finding.key
            assert chart.bar_base <= 0, finding.key
        assert not [c for c in chart.categories if re.fullmatch(r"\d{4}Q\d", c)], finding.key
    with pytest.raises(ValueError, match="starts at 0"):
        Chart("bar", ("a",), (Series("n", (90.0,)),), value_min=80)


@pytest.mark.parametrize("unit, size", [("G01", "内科党总支6个党支部、"), ("B01", "心血管内科党支部18名党员")])
def test_unit_overview_states_the_unit_not_a_count_of_one(con, unit, size):
    built = report.build_report(con, scope=SCOPE, period=PERIOD, unit=unit, now=NOW)
    summary = next(f for f in built.findings if f.key == "overview.summary")
    assert size in summary.title
    text = " ".join([summary.title, *summary.points, *(f.detail for f in summary.figures)])
    assert "党总支1个" not in text and "共有" not in text
    assert "中第" in summary.title  # its rank among its peers


def test_the_annual_ranking_shows_its_first_three_as_such(con, built):
    annual = next(f for f in built.findings if f.key == "assessment.annual")
    totals = assessment.annual_totals(con, scope=SCOPE, year=2025)
    top = totals[totals["rank"] <= 3]
    colours = annual.chart.series[0].point_colors
    assert [c == palette.GOOD for c in colours] == [r <= 3 for r in totals.head(len(colours))["rank"]]
    assert all(name in annual.title for name in top["branch_name"])


def test_branches_hold_yearly_meetings_never_a_leadership_meeting(built):
    """A branch's year-end meeting is the 组织生活会 (with 民主评议党员); 民主生活会 is the leadership
    team's and must never be said of a branch."""
    yearly = next(f for f in built.findings if f.key == "org_life.yearly")
    # The demo's 2025: 32 of 34 branches held their 组织生活会, 33 their 民主评议党员 (3 missing).
    assert yearly.title == "2025年组织生活会 32/34 个支部已召开，民主评议党员 33/34 个支部已召开，3 项未召开"
    texts = [f.title for f in built.findings] + [p for f in built.findings for p in f.points]
    texts += [f.method for f in built.findings] + [t.title for t in built.tables] + list(built.notes)
    assert not [t for t in texts if "民主生活会" in t]
