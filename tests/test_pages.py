"""The pages under Streamlit's AppTest: every page runs for the committee, and each ordinary page
shows its figures and follows the sidebar filters and the viewer's scope."""

from __future__ import annotations

import datetime as dt
import json
import shutil

import pytest

from analysis import config
from analysis.metrics import tasks
from analysis.scope import Scope
from tests.apptest import open_data_boxes, open_section, release, signed_in_app

COMMITTEE_PAGES = ["pages/overview.py", "pages/vanguard.py", "pages/assessment.py", "pages/four_have.py",
                   "pages/org_life.py", "pages/tasks.py", "pages/profile.py", "pages/registers.py", "pages/business.py", "pages/survey.py", "pages/report.py", "pages/present.py",
                   "pages/data_import.py", "pages/admin.py", "pages/account.py"]


@pytest.fixture()
def app(demo_path, tmp_path, monkeypatch):
    app = signed_in_app(demo_path, tmp_path, monkeypatch, "dangban")
    yield app
    release(app)


@pytest.fixture()
def org_life_page(demo_path, tmp_path, monkeypatch):
    def open_as(username: str = "dangban"):
        return opened(signed_in_app(demo_path, tmp_path, monkeypatch, username), "pages/org_life.py")

    yield open_as
    release()


def opened(app, page: str):
    """``app`` after its first run (which lands on the default page), switched to ``page``."""
    app.run()
    app.switch_page(page)
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def metrics(app) -> dict[str, str]:
    return {m.label: m.value for m in app.metric}


def chart_titles(app) -> list[str]:
    return [json.loads(c.proto.spec)["layout"]["title"]["text"] for c in app.get("plotly_chart")]


@pytest.mark.parametrize("page", COMMITTEE_PAGES)
def test_page_runs(app, page):
    app.run()
    if page != COMMITTEE_PAGES[0]:
        app.switch_page(page)
        app.run()
    assert not app.exception, [e.value for e in app.exception]
    assert app.title, "every page has a title"


def test_overview_shows_calibrated_figures(app):
    app.run()
    metrics = {m.label: m.value for m in app.metric}
    assert metrics["党员"] == "640"
    assert metrics["党支部"] == "34"
    assert metrics["完成率"] == "73.08%"
    assert any("演示数据" in c.value for c in app.sidebar.caption)
    assert any("名册党员 640 名" in c.value for c in app.caption)  # the survey's note: the hospital's roster


def test_overview_follows_unit_filter(app):
    app.run()
    app.sidebar.selectbox(key="general_branch").set_value("G01").run()
    metrics = {m.label: m.value for m in app.metric}
    assert metrics["党总支"] == "1" and metrics["党支部"] == "6"
    assert int(metrics["党员"]) < 640
    assert any("名册党员 640 名" in c.value for c in app.caption)  # the survey is the hospital's, whatever the unit
    app.sidebar.selectbox(key="branch").set_value("B01").run()
    # One branch (issue #14): its rank and score instead of "党总支 1 / 党支部 1".
    one = {m.label: m.value for m in app.metric}
    assert "党支部" not in one and one["全院排名（25Q4）"].startswith("第") and float(one["考核总分（25Q4）"]) > 0
    assert not app.exception


def test_four_have_page_follows_filters(app):
    opened(app, "pages/four_have.py")
    assert app.title[0].value == "四有工程"
    m = metrics(app)
    assert m["参评支部"] == "34" and m["已命名示范点"] == "12" and int(m["示范点候选"]) > 0
    assert "2025年度" in app.caption[0].value
    # Drill down to one branch: its total and hospital rank replace the hospital figures.
    app.sidebar.selectbox(key="general_branch").set_value("G01").run()
    assert metrics(app)["参评支部"] == "6"
    app.sidebar.selectbox(key="branch").set_value("B01").run()
    assert not app.exception, [e.value for e in app.exception]
    m = metrics(app)
    assert m["参评支部"] == "1" and m["全院排名"].startswith("第") and m["全院排名"].endswith("/ 34")
    # Back to the whole hospital, for a period ending in 2023: the 2024 sites are not named yet.
    app.sidebar.selectbox(key="general_branch").set_value("").run()
    app.sidebar.selectbox(key="branch").set_value("").run()
    app.sidebar.select_slider(key="quarter_range").set_value(("2023Q1", "2023Q4")).run()
    assert not app.exception, [e.value for e in app.exception]
    assert "2023年度" in app.caption[0].value and metrics(app)["已命名示范点"] == "0"


def test_tasks_page_follows_filters(app, demo_con):
    opened(app, "pages/tasks.py")
    assert app.title[0].value == "办实事"
    m = metrics(app)
    assert m["完成率"] == "73.08%" and m["已完成 / 项目数"] == "19 / 26"
    # Period ending 2025Q2: the rate as of 2025-06-30, which the demo puts well below the year's.
    app.sidebar.select_slider(key="quarter_range").set_value(("2025Q1", "2025Q2")).run()
    assert not app.exception, [e.value for e in app.exception]
    expected = tasks.completion(demo_con, scope=Scope.committee(), as_of=dt.date(2025, 6, 30))
    assert 0 < expected.done < 19
    assert metrics(app)["完成率"] == f"{expected.rate:.2f}%" and "2025年6月30日" in app.caption[0].value
    # Narrowing to a general branch gives fewer tasks.
    app.sidebar.select_slider(key="quarter_range").set_value(("2025Q1", "2025Q4")).run()
    app.sidebar.selectbox(key="general_branch").set_value("G04").run()
    assert not app.exception, [e.value for e in app.exception]
    done, total = (int(x) for x in metrics(app)["已完成 / 项目数"].split(" / "))
    assert 0 < total < 26 and done <= total


def section(app, label: str):
    """``app`` (on 组织生活) rerun with the tab ``label`` open."""
    return open_section(app, "org_life", label)


def test_org_life_page_shows_compliance_and_follows_filters(org_life_page):
    app = org_life_page()
    assert app.title[0].value == "组织生活"
    assert metrics(app)["三会一课达标率"].endswith("%") and "义诊（场）" not in metrics(app)
    titles = chart_titles(app)
    # The first configured kind is shown first.
    assert any(t.startswith("支部党员大会召开情况") for t in titles)
    assert any("达标率排名" in t and "n=34个支部" in t for t in titles)
    assert not any("会议日历" in h.value for h in app.subheader)
    # Another meeting kind; the attendance tab shows the same kind, and the activities tab its own figures.
    app.radio(key="org_life_kind").set_value("支委会").run()
    assert any(t.startswith("支委会召开情况：支部 × 月") for t in chart_titles(app))
    assert [t for t in chart_titles(section(app, "党员出勤")) if "出勤构成" in t][0].startswith("支委会出勤构成")
    assert not any("召开情况" in t for t in chart_titles(app))
    assert metrics(section(app, "活动统计"))["义诊（场）"] != "0"
    # Back on 三会一课, with a branch: still 支委会, and the calendar drill-down appears.
    section(app, "三会一课").sidebar.selectbox(key="branch").set_value("B01").run()
    assert not app.exception, [e.value for e in app.exception]
    assert app.radio(key="org_life_kind").value == "支委会"
    assert any("会议日历" in h.value for h in app.subheader)
    assert any("逐月记录" in t for t in chart_titles(app))
    members = [d.value for d in section(app, "党员出勤").dataframe if "姓名" in d.value.columns]
    assert members and set(members[0]["支部编号"]) == {"B01"}


def test_org_life_data_tables_are_built_only_when_opened(org_life_page, demo_con):
    from analysis.metrics import activities
    from ui import cache

    app = org_life_page()
    asked = lambda: {key[0].rpartition(".")[2] for key in cache._results}  # noqa: E731
    by_branch = lambda: [d.value for d in app.dataframe if {"活动类型", "场次", "首次"} <= set(d.value.columns)]  # noqa: E731
    # A closed tab computes nothing.
    assert {"hospital_summary", "meeting_compliance"} <= asked()
    assert not {"attendance_rates", "annual_meeting_summary", "activity_monthly"} & asked()
    section(app, "活动统计")
    assert "activity_monthly" in asked() and "attendance_rates" not in asked()
    closed = [e.label for e in app.expander if e.label.startswith("数据表")]
    outside = len(app.dataframe)
    assert "数据表：各支部活动" in closed and not by_branch()
    assert "activity_by_branch" not in asked()
    app.session_state["activity_branches_open"] = True
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    assert "activity_by_branch" in asked()
    (shown,) = by_branch()
    expected = activities.activity_by_branch(demo_con, scope=Scope.committee(), types=activities.EVENT_TYPES,
                                             first="2025Q1", last="2025Q4", as_of=dt.date.today())
    assert len(expected) > 34 and len(shown) == min(len(expected), config.load().charts.table_rows)
    assert shown["场次"].tolist() == expected["activities"].head(len(shown)).tolist()
    assert [b.label for b in app.get("download_button") if "activity_branches" in b.proto.id] == ["下载 CSV", "下载 Excel"]
    # Every other box opens too, each with its table.
    open_data_boxes(app)
    assert not app.exception, [e.value for e in app.exception]
    assert len(app.dataframe) >= outside + len(closed)


def test_org_life_member_table_of_a_wide_unit_only_on_request(org_life_page):
    app = section(org_life_page(), "党员出勤")
    assert not [d for d in app.dataframe if "姓名" in d.value.columns]
    app.toggle(key="org_life_members").set_value(True).run()
    assert not app.exception, [e.value for e in app.exception]
    members = [d.value for d in app.dataframe if "姓名" in d.value.columns]
    assert members and members[0]["支部编号"].nunique() > 1


def test_org_life_page_lists_branches_without_their_yearly_meetings(org_life_page):
    app = section(org_life_page(), "组织生活会与党课")
    # The demo's 2025 (the default period): 32 of 34 branches held a 组织生活会, 33 a 民主评议党员.
    assert metrics(app)["2025年组织生活会"] == "32 / 34" and metrics(app)["2025年民主评议党员"] == "33 / 34"
    assert any(h.value == "未召开的支部（3项）" for h in app.subheader)
    missing = next(d.value for d in app.dataframe if "状态" in d.value.columns and "会议类型" in d.value.columns
                   and "年度" in d.value.columns)
    assert len(missing) == 3 and set(missing["状态"]) == {"缺漏"}
    assert any(t.startswith("2025年党课由支委（含书记）讲授的比例") for t in chart_titles(app))
    # Narrowed to 内科党总支: only its branches are listed.
    app.sidebar.selectbox(key="general_branch").set_value("G01").run()
    assert not app.exception, [e.value for e in app.exception]
    assert metrics(app)["2025年组织生活会"] == "5 / 6"


def test_org_life_member_table_follows_scope(org_life_page):
    app = section(org_life_page("zhibu"), "党员出勤")  # secretary of B01
    members = [d.value for d in app.dataframe if "姓名" in d.value.columns]
    assert members and set(members[0]["支部编号"]) == {"B01"}
    app.sidebar.selectbox(key="general_branch").set_value("G02").run()
    app.toggle(key="org_life_members").set_value(True).run()
    assert not app.exception, [e.value for e in app.exception]
    assert not [d for d in app.dataframe if "姓名" in d.value.columns]
    assert any("权限范围内没有" in i.value for i in app.info)


def test_admin_shows_a_refused_account_change_and_then_the_success(app):
    opened(app, "pages/admin.py")

    def create(password: str) -> None:
        for label, value in (("用户名（字母、数字、._-）", "xinzhanghu"), ("姓名", "新账户"), ("初始密码", password)):
            next(t for t in app.text_input if t.label == label).input(value)
        next(b for b in app.button if b.label == "创建").click().run()
        assert not app.exception, [e.value for e in app.exception]

    create("weak")
    assert any(e.value.startswith("密码不符合要求：") for e in app.error) and not app.success
    create("Xin-Zhanghu-2025")
    assert [s.value for s in app.success] == ["已创建账户 xinzhanghu。"]


def test_vanguard_member_appraisal_of_the_hospital_only_on_request(app):
    open_section(opened(app, "pages/vanguard.py"), "vanguard", "年度评定与星级")

    def appraisal_tables():
        return [d.value for d in app.dataframe if "年度指数" in d.value.columns and "姓名" in d.value.columns]

    assert not appraisal_tables()
    app.toggle(key="vanguard_appraisal").set_value(True).run()
    assert not app.exception, [e.value for e in app.exception]
    shown = appraisal_tables()
    assert shown and len(shown[0]) > 0


def test_org_life_says_when_no_lecturer_is_recorded(demo_path, tmp_path, monkeypatch):
    import duckdb

    unrecorded = tmp_path / "unrecorded.duckdb"
    shutil.copy(demo_path, unrecorded)
    con = duckdb.connect(str(unrecorded))
    try:
        # DuckDB updates a row as delete + insert: the 党课's attendance rows go first.
        lectures = "SELECT activity_id FROM activity WHERE lecturer IS NOT NULL"
        con.execute(f"DELETE FROM attendance WHERE activity_id IN ({lectures})")
        con.execute("UPDATE activity SET lecturer = NULL, lecturer_role = NULL WHERE lecturer IS NOT NULL")
    finally:
        con.close()
    app = section(opened(signed_in_app(unrecorded, tmp_path, monkeypatch), "pages/org_life.py"), "组织生活会与党课")
    try:
        assert any("都没有登记授课人" in i.value for i in app.info)
        assert not any(t.startswith("2025年党课由支委") for t in chart_titles(app))
    finally:
        release(app)


def test_a_choice_in_a_closed_tab_is_kept(app):
    # Streamlit forgets a widget's value once a run leaves it out (its tab closed): the crosstab's
    # questions and 支部考核's branch come back as chosen.
    opened(app, "pages/assessment.py")
    open_section(app, "assessment", "支部指标分析").selectbox(key="assessment_branch").set_value("B07").run()
    open_section(app, "assessment", "年度累计（年度评优依据）")
    assert not [s for s in app.selectbox if s.key == "assessment_branch"]
    assert open_section(app, "assessment", "支部指标分析").selectbox(key="assessment_branch").value == "B07"
    app.switch_page("pages/survey.py").run()
    crosstab = open_section(app, "survey", "交叉分析").selectbox(key="survey_ct_rows_1")
    other = 3 if crosstab.value != 3 else 2  # question numbers of single-choice questions of the demo
    crosstab.set_value(other).run()
    open_section(app, "survey", "频数分布")
    assert open_section(app, "survey", "交叉分析").selectbox(key="survey_ct_rows_1").value == other
