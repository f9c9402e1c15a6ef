"""The registers of issue #17 (analysis/registers, migration 007, their import kinds): schema
constraints, template round trips, re-import and rollback, and hand-worked analysis fixtures
(the arithmetic in the comments). The page is in test_registers_page.py."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import replace

import duckdb
import openpyxl
import pandas as pd
import pytest
from statsmodels.stats.proportion import proportion_confint

from analysis import config as config_mod
from analysis.ingest import importer, rollback, specs, templates
from analysis.registers import deployments, development, honours, rectification, secretaries
from analysis.scope import Scope
from tests.builders import add_branch_total, small_hospital

ALL = Scope.committee()
B1_SECRETARY = Scope("s", "secretary", "B1")
RESEARCHER = Scope("r", "researcher")
DAY = dt.date(2025, 6, 30)


@pytest.fixture()
def small(empty_con):
    """G1 (B1, B2), G2 (B3); members M1, M2 in B1, M3 in B2, M4 in B3."""
    return small_hospital(empty_con)


# --- schema ---------------------------------------------------------------------------------

GOOD = {
    "rectification": "('R1', 'B1', 2024, DATE '2024-01-10', '党委', '情形', '措施', '张', DATE '2024-06-30', NULL, "
                     "{closed}, {score}, NULL)",
}


@pytest.mark.parametrize(("sql", "why"), [
    ("INSERT INTO rectification VALUES ('R1', 'B1', 2024, DATE '2024-01-10', '党委', '情形', '措施', '张', "
     "DATE '2023-12-31', NULL, NULL, NULL, NULL)", "deadline before designation"),
    ("INSERT INTO rectification VALUES ('R1', 'B1', 2024, DATE '2024-01-10', '党委', '情形', '措施', '张', "
     "DATE '2024-06-30', NULL, DATE '2024-05-01', NULL, NULL)", "closed without a re-assessment score"),
    ("INSERT INTO rectification VALUES ('R1', 'B1', 2024, DATE '2024-01-10', '党委', '情形', '措施', '张', "
     "DATE '2024-06-30', NULL, DATE '2024-05-01', 101, NULL)", "score above 100"),
    ("INSERT INTO party_development (person_id, name, branch_id, applied_on, candidate_on) "
     "VALUES ('D1', '甲', 'B1', DATE '2020-01-01', DATE '2021-01-01')", "发展对象 without 积极分子"),
    ("INSERT INTO party_development (person_id, name, branch_id, applied_on, activist_on, candidate_on, "
     "probationary_on, full_on) VALUES ('D1', '甲', 'B1', DATE '2020-01-01', DATE '2020-06-01', DATE '2021-07-01', "
     "DATE '2022-01-01', DATE '2022-12-31')", "转正 before a year of probation"),
    ("INSERT INTO party_development (person_id, name, branch_id, applied_on, activist_on) "
     "VALUES ('D1', '甲', 'B1', DATE '2020-01-01', DATE '2019-01-01')", "积极分子 before the application"),
    ("INSERT INTO branch_secretary VALUES ('B1', DATE '2024-01-01', '甲', TRUE, FALSE, DATE '2024-01-01', NULL)",
     "term due on its first day"),
    ("INSERT INTO honour VALUES ('H1', 2024, '模范党支部', '区级', 'B1', NULL, NULL, NULL)", "unknown level"),
    ("INSERT INTO honour VALUES ('H1', 2024, '优秀共产党员', '院级', 'B1', 'M1', 3, NULL)", "stars for a member"),
    ("INSERT INTO honour VALUES ('H1', 2024, '优秀共产党员', '院级', 'B9', NULL, NULL, NULL)", "unknown branch"),
    ("INSERT INTO deployment (deployment_id, name, branch_id, mission, destination, started_on, ended_on) "
     "VALUES ('P1', '甲', 'B1', '援疆', '喀什', DATE '2024-03-01', DATE '2024-02-01')", "return before departure"),
    ("INSERT INTO deployment (deployment_id, name, branch_id, mission, destination, called_on, volunteered_on, "
     "started_on) VALUES ('P1', '甲', 'B1', '援鄂', '武汉', DATE '2020-01-25', DATE '2020-01-24', DATE '2020-02-01')",
     "请战 before the call"),
    ("INSERT INTO deployment (deployment_id, name, branch_id, mission, destination, started_on) "
     "VALUES ('P1', '甲', 'B1', '出差', '武汉', DATE '2020-02-01')", "unknown mission"),
])
def test_schema_refuses_bad_rows(small, sql, why):
    with pytest.raises(duckdb.ConstraintException):
        small.execute(sql)


# --- import: templates, checks, re-import, rollback --------------------------------------------

ROWS = {
    "rectifications": ["R9", "B1", 2024, dt.date(2024, 1, 10), "医院党委", "组织生活不经常", "支委会调整", "张三",
                       dt.date(2024, 6, 30), "已调整", dt.date(2024, 7, 5), 86.5],
    "development": ["D9", "李四", "B2支部", "护士", "是", "否", dt.date(2021, 3, 1), dt.date(2021, 9, 1),
                    dt.date(2022, 10, 1), dt.date(2023, 1, 10), dt.date(2024, 1, 10)],
    "secretaries": ["B3", "王五", dt.date(2022, 6, 1), dt.date(2025, 6, 1), "是", "否"],
    "honours": ["H9", 2024, "优秀共产党员", "市级", "B1", "M1", None],
    "deployments": ["P9", "赵六", "B1", "M2", "援疆", "喀什地区第一人民医院", "医疗队员", dt.date(2024, 2, 1),
                    dt.date(2024, 2, 2), dt.date(2024, 3, 1), dt.date(2024, 8, 31)],
    "profiles": ["M3", "成员M3", "副高级", "博士研究生", "是", "否"],
    "sites": [2024, "B2", "“四有”示范点（第二批）"],
    "methods": ["F9", "B1", "党建品牌", "示例品牌", 2024, "简介"],
    "zones": ["Z9", "一病区党员责任区", "一病区", "B1", "M2", dt.date(2024, 1, 1)],
    "awards": ["W9", "2024Q3", "技能领跑先锋岗", "B1", "M1", None],
}


@pytest.mark.parametrize("kind", list(specs.REGISTER_TABLES))
def test_template_round_trip(small, tmp_path, kind):
    """A template filled in below its example row imports into the register as typed."""
    book = openpyxl.load_workbook(io.BytesIO(templates.template_bytes(kind, cfg=config_mod.DEFAULT)))
    spec = specs.spec(kind, config_mod.DEFAULT)
    sheet = book[spec.sheet]
    for column, value in enumerate(ROWS[kind], start=1):
        sheet.cell(row=3, column=column, value=value)
    path = tmp_path / f"{kind}.xlsx"
    book.save(path)
    result = importer.import_file(small, path, user="tester")
    assert (result.kind, result.rows) == (kind, 1)
    table = specs.REGISTER_TABLES[kind]
    stored = small.execute(f"SELECT * EXCLUDE (batch_id) FROM {table}").df().iloc[0].to_dict()
    expected = {"rectifications": {"branch_id": "B1", "reassessment_score": 86.5, "closed_on": dt.date(2024, 7, 5)},
                "development": {"branch_id": "B2", "backbone": True, "high_talent": False,
                                "full_on": dt.date(2024, 1, 10)},
                "secretaries": {"branch_id": "B3", "department_head": True, "discipline_leader": False},
                "honours": {"member_id": "M1", "level": "市级", "stars": None},
                "deployments": {"member_id": "M2", "mission": "援疆", "ended_on": dt.date(2024, 8, 31)},
                "profiles": {"member_id": "M3", "title": "副高级", "front_line": True, "retired": False},
                "sites": {"branch_id": "B2", "year": 2024},
                "methods": {"branch_id": "B1", "kind": "党建品牌", "summary": "简介"},
                "zones": {"member_id": "M2", "ward": "一病区", "established_on": dt.date(2024, 1, 1)},
                "awards": {"kind": "skill", "member_id": "M1", "zone_id": None}}[kind]
    for field, value in expected.items():
        assert _plain(stored[field]) == value, field


def _plain(value):
    """A stored cell as a plain Python value (NaN/NaT -> None, Timestamp -> date, numpy scalars unboxed)."""
    if value is None or pd.isna(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.date()
    return value.item() if hasattr(value, "item") else value


@pytest.mark.parametrize(("kind", "change", "column", "message"), [
    ("rectifications", {"销号日期": None}, "复评得分", "填写了复评得分但没有销号日期"),
    ("rectifications", {"整改期限": "2023-12-01"}, "整改期限", "整改期限早于认定日期"),
    ("development", {"确定积极分子日期": None}, "确定发展对象日期", "填写了确定发展对象日期但缺少确定积极分子日期"),
    ("development", {"转正日期": "2023-12-01"}, "转正日期", "预备期为一年：转正日期不能早于接收预备党员满一年"),
    ("secretaries", {"任期届满日期": "2021-01-01"}, "任期届满日期", "任期届满日期早于任期开始日期"),
    ("honours", {"星级": 3}, "星级", "星级只用于支部（星级党支部），表彰党员时不填"),
    ("honours", {"级别": "区级"}, "级别", "“区级”不是可选的值（可选：院级、市级、省级、国家级）"),
    ("deployments", {"请战日期": "2024-01-01"}, "请战日期", "请战日期早于号召日期"),
    ("deployments", {"党员编号": "M99"}, "党员编号", "党员编号“M99”不存在（请先导入党员名单）"),
])
def test_bad_rows_are_named_by_row_and_column_and_change_nothing(small, kind, change, column, message):
    spec = specs.spec(kind, config_mod.DEFAULT)
    frame = pd.DataFrame([dict(zip([c.header for c in spec.columns], ROWS[kind]))]).assign(**change)
    before = small.execute(f"SELECT count(*) FROM {specs.REGISTER_TABLES[kind]}").fetchone()[0]
    preview = importer.validate_frame(small, frame, kind=kind)
    assert [(p.row, p.column, p.message_zh) for p in preview.problems] == [(2, column, message)]
    with pytest.raises(importer.ImportRejected):
        importer.import_frame(small, frame, user="tester", kind=kind)
    assert small.execute(f"SELECT count(*) FROM {specs.REGISTER_TABLES[kind]}").fetchone()[0] == before


def test_reimport_updates_by_key_and_rollback_restores(small):
    spec = specs.spec("rectifications", config_mod.DEFAULT)
    headers = [c.header for c in spec.columns]
    open_row = dict(zip(headers, ROWS["rectifications"]), 销号日期=None, 复评得分=None, 整改进展="正在整改")
    first = importer.import_frame(small, pd.DataFrame([open_row]), user="t", kind="rectifications")
    closed = dict(zip(headers, ROWS["rectifications"]))
    second = importer.import_frame(small, pd.DataFrame([closed]), user="t", kind="rectifications")
    assert second.replaced == 1
    assert small.execute("SELECT progress, closed_on FROM rectification").fetchall() == [("已调整", dt.date(2024, 7, 5))]
    with pytest.raises(rollback.RollbackRefused):
        rollback.rollback_batch(small, first.batch_id, user="t")  # replaced by the second: undo that first
    rollback.rollback_batch(small, second.batch_id, user="t")
    assert small.execute("SELECT progress, closed_on FROM rectification").fetchall() == [("正在整改", None)]


# --- rectification --------------------------------------------------------------------------


@pytest.fixture()
def rectified(small):
    #     branch designated   deadline    closed      on 2025-06-30
    # R1  B1     2024-01-15   2024-09-30  2024-08-20  closed after 218 days (Jan 15 -> Aug 20: 16+29+31+30+31+30+31+20)
    # R2  B2     2025-01-10   2025-06-30  -           open: the deadline day is not overdue yet
    # R3  B3     2024-12-01   2025-03-31  2025-09-01  overdue 91 days on 06-30 (Apr 30 + May 31 + Jun 30), closed later
    for rid, branch, designated, deadline, closed, score in (
            ("R1", "B1", "2024-01-15", "2024-09-30", "2024-08-20", 85.0),
            ("R2", "B2", "2025-01-10", "2025-06-30", None, None),
            ("R3", "B3", "2024-12-01", "2025-03-31", "2025-09-01", 82.0)):
        small.execute("INSERT INTO rectification VALUES (?, ?, year(CAST(? AS DATE)), ?, '医院党委', '情形', '措施', ?, ?, "
                      "NULL, ?, ?, NULL)", [rid, branch, designated, designated, f"负责人{rid}", deadline, closed, score])
    return small


def test_rectification_status_and_summary(rectified):
    rows = rectification.rectifications(rectified, scope=ALL, as_of=DAY)
    assert rows[["rectification_id", "status", "days_open", "days_overdue"]].values.tolist() == [
        ["R3", "已逾期", 211, 91], ["R2", "整改中", 171, 0], ["R1", "已销号", 218, 0]]
    # R3's 销号 (09-01) is after the day: not shown as closed yet.
    assert rows.set_index("rectification_id").loc["R3", "closed_on"] is None or \
        str(rows.set_index("rectification_id").loc["R3", "closed_on"]) in ("NaT", "None")
    s = rectification.summary(rectified, scope=ALL, as_of=DAY)
    assert (s.open, s.overdue, s.closed, s.median_days_to_close, s.total) == (1, 1, 1, 218.0, 3)
    # G1 holds B1 and B2 only.
    g1 = rectification.summary(rectified, scope=ALL, as_of=DAY, unit="G1")
    assert (g1.open, g1.overdue, g1.closed) == (1, 0, 1)


def test_rectification_rows_stay_within_the_member_scope(rectified):
    mine = rectification.rectifications(rectified, scope=B1_SECRETARY, as_of=DAY)
    assert mine["rectification_id"].tolist() == ["R1"]
    with pytest.raises(PermissionError):
        rectification.summary(rectified, scope=RESEARCHER, as_of=DAY)


def test_recovery_before_and_after(rectified):
    # B1: 2023Q3 70, 2023Q4 72 (before designation in 2024Q1: mean 71); closed 2024Q3; after: 2024Q4 84, 2025Q1 86
    # (mean 85): change +14, recovered. B3 closed 2025-09-01 (2025Q3) with no quarter after it: no after_mean.
    for quarter, total in (("2023Q3", 70), ("2023Q4", 72), ("2024Q1", 75), ("2024Q4", 84), ("2025Q1", 86)):
        add_branch_total(rectified, "B1", quarter, total)
    add_branch_total(rectified, "B3", "2024Q3", 78)
    rec = rectification.recovery(rectified, scope=ALL).set_index("rectification_id")
    assert list(rec.index) == ["R1", "R3"]
    assert rec.loc["R1", ["designated_quarter", "closed_quarter", "before_n", "after_n"]].tolist() == [
        "2024Q1", "2024Q3", 2, 2]
    assert rec.loc["R1", "before_mean"] == pytest.approx(71) and rec.loc["R1", "after_mean"] == pytest.approx(85)
    assert rec.loc["R1", "change"] == pytest.approx(14) and rec.loc["R1", "recovered"]
    assert rec.loc["R3", "before_mean"] == pytest.approx(78) and rec.loc["R3", "after_n"] == 0
    assert rec.loc["R3", "change"] is None or rec.loc["R3", "change"] != rec.loc["R3", "change"]


def test_flagged_branches_without_a_record(small):
    # 2025Q2 with the bottom 1 flagged: B1 90, B2 78 (below 80: flagged), B3 70 (flagged). B3 has a
    # rectification open at the quarter's end, B2 none.
    cfg = replace(config_mod.DEFAULT, assessment=replace(config_mod.DEFAULT.assessment, flag_bottom_n=1))
    for branch, total in (("B1", 90), ("B2", 78), ("B3", 70)):
        add_branch_total(small, branch, "2025Q2", total)
    small.execute("INSERT INTO rectification VALUES ('R1', 'B3', 2024, DATE '2024-11-01', '医院党委', '情形', '措施', "
                  "'甲', DATE '2025-12-31', NULL, NULL, NULL, NULL)")
    prompt = rectification.flagged_without_record(small, scope=ALL, quarter="2025Q2", cfg=cfg)
    assert prompt["branch_id"].tolist() == ["B2"]
    assert "低于80" in prompt["reason"].iloc[0]


# --- 党员发展 --------------------------------------------------------------------------------


@pytest.fixture()
def developing(small):
    #     branch applied     activist    candidate   probation   full        backbone
    # D1  B1     2021-03-01  2021-09-01  2022-09-01  2023-01-10  2024-01-10  yes
    # D2  B1     2022-03-01  2022-09-01  2023-10-01  2024-03-01  -           no   (overdue on 2025-06-30: 121 days)
    # D3  B2     2023-05-01  2023-11-01  -           -           -           yes
    # D4  B3     2024-09-01  -           -           -           -           no
    # D5  B3     2022-01-01  2022-07-01  2023-07-01  2024-08-01  -           yes  (probation not yet a year)
    rows = [("D1", "B1", "2021-03-01", "2021-09-01", "2022-09-01", "2023-01-10", "2024-01-10", True),
            ("D2", "B1", "2022-03-01", "2022-09-01", "2023-10-01", "2024-03-01", None, False),
            ("D3", "B2", "2023-05-01", "2023-11-01", None, None, None, True),
            ("D4", "B3", "2024-09-01", None, None, None, None, False),
            ("D5", "B3", "2022-01-01", "2022-07-01", "2023-07-01", "2024-08-01", None, True)]
    for pid, branch, *dates, backbone in rows:
        small.execute("INSERT INTO party_development (person_id, name, branch_id, applied_on, activist_on, candidate_on, "
                      "probationary_on, full_on, backbone) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                      [pid, f"发展{pid}", branch, *dates, backbone])
    return small


def test_pipeline_stages_on_a_day(developing):
    p = development.pipeline(developing, scope=ALL, as_of=DAY)
    # D1 is 正式党员 (out of the pipeline); D2 and D5 预备党员, D3 积极分子, D4 入党申请人.
    assert p[["branch_id", "stage", "n"]].values.tolist() == [
        ["B1", "预备党员", 1], ["B2", "积极分子", 1], ["B3", "入党申请人", 1], ["B3", "预备党员", 1]]


def test_time_in_stage(developing):
    t = development.time_in_stage(developing, scope=ALL, as_of=DAY).set_index("stage")
    # 入党申请人 -> 积极分子: D1 184 days (Mar 1 -> Sep 1), D2 184, D3 184, D5 181 (Jan 1 -> Jul 1): median 184;
    # mean (184 * 3 + 181) / 4 = 183.25. Waiting: D4 since 2024-09-01, 302 days.
    assert t.loc["入党申请人", ["moved", "median_days", "waiting", "waiting_median_days"]].tolist() == [4, 184, 1, 302]
    assert t.loc["入党申请人", "mean_days"] == pytest.approx(183.25)
    # 预备党员 -> 正式党员: only D1 (365 days, 2023-01-10 -> 2024-01-10); waiting D2 (486) and D5 (333): median 409.5.
    assert t.loc["预备党员", ["moved", "median_days", "waiting", "waiting_median_days"]].tolist() == [1, 365, 2, 409.5]
    assert list(t.index) == list(development.STAGE_NAMES[:-1])


def test_conversions_per_year(developing):
    c = development.conversions(developing, scope=ALL).pivot(index="year", columns="stage", values="n")
    assert c.loc[2024].to_dict() == {"入党申请人": 1, "积极分子": 0, "发展对象": 0, "预备党员": 2, "正式党员": 1}
    assert c.loc[2023, "发展对象"] == 2 and c.loc[2022, "入党申请人"] == 2 and c.loc[2021, "积极分子"] == 1


def test_overdue_probation_and_scope(developing):
    overdue = development.overdue_probation(developing, scope=ALL, as_of=DAY)
    # D2: due 2025-03-01, 121 days before 06-30 (Mar 31 + Apr 30 + May 31 + Jun 30 - 1 = 121). D5 due 2025-08-01.
    assert overdue[["person_id", "due_on", "days_overdue"]].values.tolist() == [["D2", pd.Timestamp(2025, 3, 1), 121]]
    outside = Scope("s", "secretary", "B3")
    assert development.overdue_probation(developing, scope=outside, as_of=DAY).empty
    assert set(development.people(developing, scope=outside, as_of=DAY)["name"]) == {"发展D4", "发展D5"}


def test_backbone_share_with_wilson_interval(developing):
    share = development.backbone_share(developing, scope=ALL).set_index("year")
    # 预备党员 received: 2023 D1 (backbone) -> 1/1; 2024 D2 (no), D5 (yes) -> 1/2 = 50 %.
    assert share.loc[2024, ["n", "backbone", "pct"]].tolist() == [2, 1, 50.0]
    low, high = proportion_confint(1, 2, method="wilson")  # statsmodels as the reference
    assert share.loc[2024, "ci_low"] == pytest.approx(100 * low) and share.loc[2024, "ci_high"] == pytest.approx(100 * high)


# --- secretaries ----------------------------------------------------------------------------


@pytest.fixture()
def terms(small):
    # B1: 2019 term (old), current 2022-07-01 .. 2025-06-01: overdue on 06-30, head of department (双带头人).
    # B2: 2023-09-01 .. 2025-12-01: due within six months, neither head nor discipline leader.
    # B3: nothing recorded.
    for branch, start, name, head, leader, due in (
            ("B1", "2019-07-01", "旧书记", False, False, "2022-07-01"),
            ("B1", "2022-07-01", "书记甲", True, False, "2025-06-01"),
            ("B2", "2023-09-01", "书记乙", False, False, "2025-12-01")):
        small.execute("INSERT INTO branch_secretary VALUES (?, ?, ?, ?, ?, ?, NULL)", [branch, start, name, head, leader, due])
    return small


def test_current_secretaries_and_terms(terms):
    rows = secretaries.current_secretaries(terms, scope=ALL, as_of=DAY)
    assert rows[["branch_id", "name", "status", "double_leader"]].astype(object).where(rows.notna(), None) \
        .values.tolist() == [["B1", "书记甲", "逾期未换届", True], ["B2", "书记乙", "6个月内届满", False],
                             ["B3", None, "未登记", None]]
    assert rows.set_index("branch_id").loc["B1", "days_to_due"] == -29
    mine = secretaries.current_secretaries(terms, scope=B1_SECRETARY, as_of=DAY).set_index("branch_id")
    assert mine.loc["B1", "name"] == "书记甲" and mine["name"].isna()["B2"]


def test_double_leader_coverage(terms):
    cov = secretaries.double_leader_coverage(terms, scope=ALL, as_of=DAY)
    # Hospital: 1 of 3 branches (B3 unregistered counts as not covered) = 33.3 %; G1 1/2; G2 0/1.
    assert cov[["unit_id", "unit_name", "branches", "registered", "double_leaders"]].astype(object) \
        .where(cov.notna(), None).values.tolist() == [
        [None, "全院", 3, 2, 1], ["G1", "G1总支", 2, 2, 1], ["G2", "G2总支", 1, 0, 0]]
    assert cov["pct"].tolist()[:2] == [pytest.approx(100 / 3), 50.0]
    low, high = proportion_confint(1, 3, method="wilson")
    assert (cov.loc[0, "ci_low"], cov.loc[0, "ci_high"]) == (pytest.approx(100 * low), pytest.approx(100 * high))
    g1 = secretaries.double_leader_coverage(terms, scope=ALL, as_of=DAY, unit="G1")
    assert g1[["unit_id", "unit_name", "branches"]].values.tolist() == [["G1", "G1总支", 2]]


# --- honours --------------------------------------------------------------------------------


@pytest.fixture()
def honoured(small):
    for row in (("H1", 2024, "模范党支部", "院级", "B1", None, None), ("H2", 2024, "星级党支部", "院级", "B2", None, 4),
                ("H3", 2025, "星级党支部", "院级", "B2", None, 5), ("H4", 2024, "优秀共产党员", "市级", "B1", "M1", None),
                ("H5", 2024, "优秀共产党员", "院级", "B3", "M4", None)):
        small.execute("INSERT INTO honour VALUES (?, ?, ?, ?, ?, ?, ?, NULL)", list(row))
    return small


def test_honour_counts_and_stars(honoured):
    counts = honours.honour_counts(honoured, scope=ALL)
    assert counts.values.tolist() == [[2024, "院级", 2, 1, 3], [2024, "市级", 0, 1, 1], [2025, "院级", 1, 0, 1]]
    assert honours.star_levels(honoured, scope=ALL)[["branch_id", "year", "stars"]].values.tolist() == [
        ["B2", 2024, 4], ["B2", 2025, 5]]


def test_honours_beside_ranking_and_names_in_scope(honoured):
    for branch, total in (("B1", 92), ("B2", 88), ("B3", 75)):
        add_branch_total(honoured, branch, "2024Q1", total)
    side = honours.honours_and_ranking(honoured, scope=ALL, year=2024, cfg=config_mod.DEFAULT)
    assert side[["branch_id", "honours", "titles", "rank"]].values.tolist() == [
        ["B1", 1, "模范党支部", 1], ["B2", 1, "星级党支部", 2], ["B3", 0, "", 3]]
    listed = honours.honour_list(honoured, scope=B1_SECRETARY).set_index("honour_id")
    assert listed.loc["H4", "name"] == "成员M1" and listed["name"].isna()["H5"]


# --- deployments ----------------------------------------------------------------------------


@pytest.fixture()
def deployed(small):
    #     member branch mission called      volunteered started     ended
    # P1  M1     B1     援疆    -           -           2024-11-01  2025-01-31  (61 days in 2024, 31 in 2025)
    # P2  -      B1     援疆    -           -           2024-12-01  -           (31 in 2024, 181 in 2025 up to 06-30)
    # P3  M4     B3     抗疫    2025-01-01  2025-01-01  2025-01-05  2025-01-14  (10 days; volunteered the same day)
    # P4  -      B3     抗疫    2025-01-01  2025-01-04  2025-01-05  2025-01-14  (10 days; 3 days after the call)
    for row in (("P1", "甲", "B1", "M1", "援疆", None, None, "2024-11-01", "2025-01-31"),
                ("P2", "乙", "B1", None, "援疆", None, None, "2024-12-01", None),
                ("P3", "丙", "B3", "M4", "抗疫", "2025-01-01", "2025-01-01", "2025-01-05", "2025-01-14"),
                ("P4", "丁", "B3", None, "抗疫", "2025-01-01", "2025-01-04", "2025-01-05", "2025-01-14")):
        small.execute("INSERT INTO deployment (deployment_id, name, branch_id, member_id, mission, destination, "
                      "called_on, volunteered_on, started_on, ended_on) VALUES (?, ?, ?, ?, ?, '某地', ?, ?, ?, ?)",
                      list(row))
    return small


def test_person_days_split_by_year(deployed):
    days = deployments.person_days(deployed, scope=ALL, as_of=DAY)
    assert days.values.tolist() == [[2024, "援疆", 2, 92], [2025, "援疆", 2, 212], [2025, "抗疫", 2, 20]]


def test_member_share_and_response(deployed):
    share = deployments.member_share(deployed, scope=ALL, as_of=DAY).set_index("mission")
    assert share.loc["合计", ["deployments", "members", "pct"]].tolist() == [4, 2, 50.0]
    assert list(share.index)[-1] == "合计"
    response = deployments.response_times(deployed, scope=ALL, as_of=DAY)
    # 抗疫: 0 and 3 days -> median 1.5, one within a day; members 0, others 3.
    assert response.values.tolist() == [["抗疫", 2, 1.5, 1, 0.0, 3.0]]


def test_deployment_list_within_scope(deployed):
    listed = deployments.deployment_list(deployed, scope=B1_SECRETARY, as_of=DAY)
    assert listed[["deployment_id", "is_member", "days"]].values.tolist() == [["P2", False, 212], ["P1", True, 92]]
    assert deployments.deployment_list(deployed, scope=ALL, as_of=DAY)["branch_id"].tolist().count("B3") == 2


def test_a_member_batch_with_honours_cannot_be_rolled_back(small):
    members = importer.import_frame(small, pd.DataFrame([{
        "member_id": "M9", "name": "新党员", "branch_id": "B1", "party_role": "党员", "profession": "医生",
        "joined_on": dt.date(2020, 7, 1)}]), user="t", kind="members")
    importer.import_frame(small, pd.DataFrame([{"honour_id": "H1", "year": 2024, "title": "优秀共产党员", "level": "院级",
                                                "branch_id": "B1", "member_id": "M9"}]), user="t", kind="honours")
    with pytest.raises(rollback.RollbackRefused, match="referenced"):
        rollback.rollback_batch(small, members.batch_id, user="t")


def test_annual_totals_count_the_configured_commendations(small):
    # 2024Q1: B1 90, B2 80, B3 70; 2024Q2: B1 70, B2 90, B3 80. With commend_top_n = 1 only first places
    # count: B1 once, B2 once, B3 never; with the default 3 every branch twice (three branches).
    from analysis.metrics import assessment

    for quarter, totals in (("2024Q1", (90, 80, 70)), ("2024Q2", (70, 90, 80))):
        for branch, total in zip(("B1", "B2", "B3"), totals):
            add_branch_total(small, branch, quarter, total)
    top1 = replace(config_mod.DEFAULT, assessment=replace(config_mod.DEFAULT.assessment, commend_top_n=1))
    one = assessment.annual_totals(small, scope=ALL, year=2024, cfg=top1).set_index("branch_id")
    assert one["commended_quarters"].to_dict() == {"B1": 1, "B2": 1, "B3": 0}
    three = assessment.annual_totals(small, scope=ALL, year=2024, cfg=config_mod.DEFAULT).set_index("branch_id")
    assert three["commended_quarters"].to_dict() == {"B1": 2, "B2": 2, "B3": 2}


# --- 亮分公示 -------------------------------------------------------------------------------


def test_score_notice_hand_worked(small):
    from analysis.notice_print import notice_html
    from analysis.registers import notice
    from tests.builders import add_sheet

    cfg = config_mod.DEFAULT
    first = cfg.vanguard.dimensions[0]
    add_sheet(small, "M1", "2025Q2", 90)
    add_sheet(small, "M2", "2025Q2", 80)
    # M2's organisation score of the first dimension is 100: that dimension scores
    # 0.2 * 80 + 0.3 * 80 + 0.5 * 100 = 90, and the index rises by its weight times 10.
    small.execute("UPDATE vanguard_score SET score = 100 WHERE member_id = 'M2' AND dimension_id = ? AND rater = 'org'",
                  [first.id])
    small.execute("UPDATE member SET name = '<b>甲</b>' WHERE member_id = 'M2'")
    add_sheet(small, "M3", "2025Q2", 99, raters=("self", "peer"))  # B2, and incomplete anyway
    sheet = notice.score_notice(small, scope=ALL, branch="B1", quarter="2025Q2", cfg=cfg)
    assert sheet.rows["member_id"].tolist() == ["M1", "M2"] and sheet.rows["rank"].tolist() == [1, 2]
    m2 = sheet.rows.set_index("member_id").loc["M2"]
    assert m2[first.name] == pytest.approx(90) and m2[cfg.vanguard.dimensions[1].name] == pytest.approx(80)
    assert m2["vindex"] == pytest.approx(80 + first.weight * 10)
    assert sheet.title == "B1支部2025年第2季度党员先锋指数亮分公示"
    html = notice_html(sheet, published_on=dt.date(2025, 7, 8))
    assert "&lt;b&gt;甲&lt;/b&gt;" in html and "<b>甲</b>" not in html and "size: A4 portrait" in html
    with pytest.raises(PermissionError):
        notice.score_notice(small, scope=Scope("s", "secretary", "B2"), branch="B1", quarter="2025Q2", cfg=cfg)
    assert notice.notice_branches(small, scope=Scope("s", "secretary", "G1"))["branch_id"].tolist() == ["B1", "B2"]


# --- member composition ----------------------------------------------------------------------


def test_composition_and_party_share_of_staff(small):
    from analysis.registers import composition

    # Birth years (2025: young = born 1990 or later): M1 1995, M2 1970, M3 1992, M4 1950 (retired).
    for member, born in (("M1", 1995), ("M2", 1970), ("M3", 1992), ("M4", 1950)):
        small.execute("UPDATE member SET birth_year = ? WHERE member_id = ?", [born, member])
    frame = pd.DataFrame([{"member_id": "M1", "title": "初级", "front_line": "是"},
                          {"member_id": "M2", "title": "正高级", "front_line": "是"},
                          {"member_id": "M3", "title": "中级", "front_line": "否"},
                          {"member_id": "M4", "title": "无", "retired": "是"}])
    importer.import_frame(small, frame, user="t", kind="profiles")
    mix = composition.composition(small, scope=ALL, as_of=DAY)
    hospital = mix[mix["unit_id"].isna()].set_index("group")
    # In service: M1, M2, M3. Young M1, M3 (2/3); front-line M1, M2 (2/3); senior M2 (1/3); any of them 3/3;
    # retired M4 of all four (1/4).
    assert hospital[["count", "n"]].values.tolist() == [[2, 3], [2, 3], [1, 3], [3, 3], [1, 4]]
    low, high = proportion_confint(2, 3, method="wilson")
    assert hospital.loc["青年党员", "ci_low"] == pytest.approx(100 * low)
    g1 = mix[mix["unit_id"] == "G1"].set_index("group")
    assert g1.loc["一线党员", ["count", "n"]].tolist() == [2, 3] and g1.loc["离退休", "n"] == 3
    assert composition.composition(small, scope=RESEARCHER, as_of=DAY)["unit_id"].isna().all()
    # Staff: B1's departments 40 + 10 = 50 (2 members in service: 4 %); B2 1 staff for 1 member is fine;
    # B3's only member retired: 0 of 5.
    for dept, branch, staff in (("K1", "B1", 40), ("K2", "B1", 10), ("K3", "B2", 1), ("K4", "B3", 5)):
        small.execute("INSERT INTO department_branch VALUES (?, '2024Q1', ?, '内科', ?, ?, NULL)",
                      [dept, f"科{dept}", branch, staff])
    share = composition.party_share_of_staff(small, scope=ALL, as_of=DAY).set_index("branch_id")
    assert share.loc["B1", ["staff", "members", "pct"]].tolist() == [50, 2, 4.0]
    assert share.loc["B2", "pct"] == 100.0 and share.loc["B3", "pct"] == 0.0 and not share["exceeds"].any()
    small.execute("UPDATE department_branch SET staff = 1 WHERE department_id = 'K1'")
    small.execute("UPDATE department_branch SET staff = 1 WHERE department_id = 'K2'")  # 2 staff, 2 members: fine
    small.execute("INSERT INTO member (member_id, name, branch_id, party_role, profession, joined_on) "
                  "VALUES ('M5', '成员M5', 'B1', '党员', '医生', DATE '2015-01-01')")
    share = composition.party_share_of_staff(small, scope=ALL, as_of=DAY).set_index("branch_id")
    assert bool(share.loc["B1", "exceeds"]) and pd.isna(share.loc["B1", "pct"]) and list(share.index)[-1] == "B1"


def test_profiles_refuse_a_retired_front_line_member(small):
    frame = pd.DataFrame([{"党员编号": "M1", "一线岗位": "是", "离退休": "是"}])
    preview = importer.validate_frame(small, frame, kind="profiles")
    assert [(p.column, p.message_zh) for p in preview.problems] == [("一线岗位", "离退休党员不应填写一线岗位")]


# --- 工作法, 品牌, 示范点 --------------------------------------------------------------------


def test_brand_catalogue_and_counts(small):
    from analysis.registers import brands

    importer.import_frame(small, pd.DataFrame([
        {"method_id": "F1", "branch_id": "B1", "kind": "支部工作法", "name": "甲法", "year": 2023},
        {"method_id": "F2", "branch_id": "B1", "kind": "党建品牌", "name": "乙牌", "year": 2024},
        {"method_id": "F3", "branch_id": "B3", "kind": "支部工作法", "name": "丙法", "year": 2022}]),
        user="t", kind="methods")
    importer.import_frame(small, pd.DataFrame([{"year": 2024, "branch_id": "B2", "title": "示范点"}]), user="t",
                          kind="sites")
    again = importer.import_frame(small, pd.DataFrame([{"year": 2024, "branch_id": "B2", "title": "示范点"},
                                                       {"year": 2025, "branch_id": "B3", "title": "示范点"}]),
                                  user="t", kind="sites")
    assert again.replaced == 1  # the same branch, year and title: replaced, not doubled
    assert small.execute("SELECT count(*) FROM demonstration_site").fetchone()[0] == 2
    counts = brands.brand_counts(small, scope=ALL)
    # Hospital: 3 branches; methods in B1 and B3, a brand in B1, sites in B2 and B3.
    # G1 (B1, B2): 1 method, 1 brand, 1 site; G2 (B3): 1 method, 1 site.
    assert counts.values.tolist() == [["全院", 3, 2, 1, 2, 2, 1], ["G1总支", 2, 1, 1, 1, 1, 1],
                                      ["G2总支", 1, 1, 0, 1, 1, 0]]
    catalogue = brands.brand_catalogue(small, scope=ALL, unit="G1")
    assert catalogue[["name", "kind", "sites"]].values.tolist() == [["甲法", "支部工作法", ""], ["乙牌", "党建品牌", ""]]
