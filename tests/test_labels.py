"""The Chinese glossary (analysis/labels.py): one header per column, overrides per table, and
every column the ordinary pages show has its header."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from analysis import labels
from analysis.metrics import activities, assessment, four_have, meetings, tasks, vanguard
from analysis.registers import composition, deployments, development, honours, rectification, secretaries
from analysis.scope import Scope

ALL = Scope.committee()
YEAR_END = dt.date(2025, 12, 31)


def test_headers_use_the_glossary_an_override_and_keep_unknown_names():
    frame = pd.DataFrame(columns=["branch_id", "branch_name", "优秀"])
    assert list(labels.headers(frame).columns) == ["支部编号", "党支部", "优秀"]
    assert list(labels.headers(frame, branch_name="责任支部").columns) == ["支部编号", "责任支部", "优秀"]


def test_readable_drops_rounds_and_translates_grains():
    frame = pd.DataFrame({"kind": ["支委会"], "grain": ["month"], "rate": [66.66666], "period": ["2024-03"]})
    shown = labels.readable(frame, drop=("period",))
    assert shown.to_dict("records") == [{"会议类型": "支委会", "频次单位": "月", "达标率（%）": 66.67}]
    assert labels.readable(frame, decimals=0, rate="比例").iloc[0]["比例"] == 67


@pytest.mark.parametrize("frame", [
    lambda con: vanguard.trend(con, scope=ALL, first="2025Q1", last="2025Q4", level="branch"),
    lambda con: vanguard.appraisal(con, scope=ALL, year=2025),
    lambda con: vanguard.falling_members(con, scope=ALL, last="2025Q4"),
    lambda con: assessment.branch_ranking(con, scope=ALL, first="2025Q1", last="2025Q4"),
    lambda con: assessment.quarter_review(con, scope=ALL, quarter="2025Q4"),
    lambda con: assessment.indicator_scores(con, scope=ALL, quarter="2025Q4"),
    lambda con: assessment.annual_totals(con, scope=ALL, year=2025),
    lambda con: four_have.branch_scores(con, scope=ALL, year=2025),
    lambda con: four_have.branch_totals(con, scope=ALL, year=2025),
    lambda con: four_have.profile(con, scope=ALL, year=2025),
    lambda con: four_have.site_candidates(con, scope=ALL, year=2025),
    lambda con: meetings.hospital_summary(con, scope=ALL, first="2025Q1", last="2025Q4").by_kind,
    lambda con: meetings.meeting_compliance(con, scope=ALL, first="2025Q1", last="2025Q4"),
    lambda con: meetings.compliance_rates(con, scope=ALL, first="2025Q1", last="2025Q4"),
    lambda con: meetings.attendance_rates(con, scope=ALL, first="2025Q1", last="2025Q4"),
    lambda con: meetings.member_attendance(con, scope=ALL, first="2025Q1", last="2025Q4"),
    lambda con: meetings.branch_calendar(con, scope=ALL, branch="B01", first="2025Q1", last="2025Q4"),
    lambda con: meetings.branch_meetings(con, scope=ALL, branch="B01", first="2025Q1", last="2025Q4"),
    lambda con: activities.activity_monthly(con, scope=ALL, first="2025Q1", last="2025Q4"),
    lambda con: activities.activity_by_branch(con, scope=ALL, first="2025Q1", last="2025Q4"),
    lambda con: tasks.task_report(con, scope=ALL, first="2025Q1", last="2025Q4").by_owner,
    lambda con: tasks.task_report(con, scope=ALL, first="2025Q1", last="2025Q4").tasks,
    lambda con: rectification.rectifications(con, scope=ALL, as_of=YEAR_END),
    lambda con: rectification.recovery(con, scope=ALL),
    lambda con: development.time_in_stage(con, scope=ALL, as_of=YEAR_END),
    lambda con: development.people(con, scope=ALL, as_of=YEAR_END),
    lambda con: secretaries.current_secretaries(con, scope=ALL, as_of=YEAR_END),
    lambda con: honours.honour_list(con, scope=ALL),
    lambda con: honours.honour_counts(con, scope=ALL),
    lambda con: deployments.response_times(con, scope=ALL, as_of=YEAR_END),
    lambda con: deployments.member_share(con, scope=ALL, as_of=YEAR_END),
    lambda con: composition.composition(con, scope=ALL, as_of=YEAR_END),
    lambda con: composition.party_share_of_staff(con, scope=ALL, as_of=YEAR_END),
])
def test_every_column_a_page_shows_has_a_header(demo_con, frame):
    assert [c for c in frame(demo_con).columns if c not in labels.HEADERS] == []


def test_vanguard_grade_columns_are_already_chinese(demo_con):
    counts = vanguard.appraisal_counts(demo_con, scope=ALL, year=2025)
    assert [c for c in counts.columns if c not in labels.HEADERS] == ["优秀", "合格", "基本合格", "不合格", "5星", "4星",
                                                                      "3星", "2星", "1星"]
