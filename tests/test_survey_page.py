"""问卷分析 page under AppTest on a copy of the demo: headline, widgets, suppression, anonymity.

Expected numbers come from analysis.survey called directly on the same file (the page must
show what the library computes) and from the demo's calibration: 1,030 of 1,107 members (93.0 %)
and 1,327 of 1,543 non-members (86.0 %) chose 作用明显.
"""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest

from analysis import db
from analysis import survey as ss
from analysis.scope import Scope
from tests.apptest import each_section, open_section, release, signed_in_app

PAGE = "pages/survey.py"
SCOPE = Scope("test", "researcher")
IPV4 = re.compile(r"\b\d{1,3}(?:\.\d{1,3}){3}\b")


@pytest.fixture(autouse=True)
def default_config(tmp_path, monkeypatch):
    """Defaults only (min_cell 5, 作用明显, members 中共党员/中共预备党员), whatever hospital.toml says."""
    empty = tmp_path / "defaults.toml"
    empty.write_text("", encoding="utf-8")
    monkeypatch.setenv("PARTY_DASHBOARD_CONFIG", str(empty))


@pytest.fixture(scope="module")
def demo(demo_path):
    """Question numbers and option texts of the demo survey (option order is the import's)."""
    con = db.open_database(demo_path, read_only=True)
    try:
        qs = ss.questions(con, scope=SCOPE, survey_id=1)
        options = {int(q): list(ss.question_options(con, scope=SCOPE, survey_id=1, question_no=int(q))["option"])
                   for q in qs["question_no"]}
        number = {row.attribute: int(row.question_no) for row in qs.itertuples() if pd.notna(row.attribute)}
        by_type = {qtype: [int(n) for n in part["question_no"]] for qtype, part in qs.groupby("qtype")}
        department = next(n for n in by_type["single"] if "科室" in qs.set_index("question_no").at[n, "text"])
        effect = next(n for n in by_type["single"] if "作用明显" in options[n])
        yield {"options": options, "political": number["政治面貌"], "department": department,
               "effect": effect, "types": by_type}
    finally:
        con.close()


def open_page(demo_path, tmp_path, monkeypatch, username="dangban"):
    app = signed_in_app(demo_path, tmp_path, monkeypatch, username)
    app.run()
    app.switch_page(PAGE).run()
    assert not app.exception, [e.value for e in app.exception]
    return app


@pytest.fixture()
def app(demo_path, tmp_path, monkeypatch):
    app = open_page(demo_path, tmp_path, monkeypatch)
    yield app
    release(app)


def metrics(app) -> dict[str, str]:
    return {m.label: m.value for m in app.metric}


def texts(app) -> str:
    return "\n".join(str(e.value) for kind in ("markdown", "caption", "info", "warning") for e in getattr(app, kind))


def expected_shares(demo_path, **kwargs) -> pd.DataFrame:
    con = db.open_database(demo_path, read_only=True)
    try:
        return ss.effective_share(con, survey_id=1, scope=SCOPE, **kwargs)
    finally:
        con.close()


def tab(app, label: str):
    """``app`` rerun with the tab ``label`` open (each tab runs only while open)."""
    return open_section(app, "survey", label)


def shown_strings(app) -> list[str]:
    """Every table cell and column name, text element and chart string the page shows."""
    out: list[str] = []
    for frame in app.dataframe:
        value = frame.value
        if isinstance(value, pd.DataFrame):
            out += [str(c) for c in value.columns] + [str(v) for v in value.to_numpy().ravel()]
    out += texts(app).split("\n") + [f"{m.label} {m.value}" for m in app.metric]
    out += [chart.proto.spec for chart in app.get("plotly_chart")]
    return out


# ---------------------------------------------------------------------------------------------


def test_headline_shows_members_and_non_members(app, demo):
    assert app.title[0].value == "问卷分析"
    shown = metrics(app)
    assert shown["党员（n=1,107）"] == "93.0%"
    assert shown["非党员（n=1,543）"] == "86.0%"
    assert shown["合计（n=2,650）"] == "88.9%"
    captions = [c.value for c in app.caption]
    assert "95% CI 91.4%–94.4%" in captions and "95% CI 84.2%–87.6%" in captions
    body = texts(app)
    assert "党员比非党员高 7.0 个百分点" in body and "χ² 检验 χ²(1) = 32.51，p < 0.001" in body
    assert "Cramér's V = 0.11" in body
    assert app.selectbox(key="survey_question_1").value == demo["effect"]
    assert app.selectbox(key=f"survey_group_1_{demo['effect']}").value == demo["political"]
    assert app.toggle(key=f"survey_merge_1_{demo['political']}").value is True
    labels = [t.label for t in app.tabs]  # document order: nested tabs follow their parent tab
    main = ["分组比较", "频数分布", "交叉分析", "量表题", "排序题", "信度分析", "开放题"]
    assert [label for label in labels if label in main] == main
    assert app.download_button(key="survey_shares_table_xlsx") is not None


def test_more_positive_options_change_the_shares(app, demo, demo_path):
    q = demo["effect"]
    app.multiselect(key=f"survey_effective_1_{q}").set_value(["作用明显", "有一定作用"]).run()
    assert not app.exception, [e.value for e in app.exception]
    members = demo["options"][demo["political"]]
    groups = {"党员": ("中共党员",), "非党员": tuple(o for o in members if o != "中共党员")}
    ref = expected_shares(demo_path, question_no=q, group_question_no=demo["political"], groups=groups,
                          effective_options=("作用明显", "有一定作用")).set_index("group")
    shown = metrics(app)
    assert shown["党员（n=1,107）"] == f"{ref.at['党员', 'pct']:.1f}%" != "93.0%"
    assert shown["非党员（n=1,543）"] == f"{ref.at['非党员', 'pct']:.1f}%" != "86.0%"


def test_grouping_by_department_compares_two_chosen_departments(app, demo, demo_path):
    q, dept = demo["effect"], demo["department"]
    app.selectbox(key=f"survey_group_1_{q}").set_value(dept).run()
    assert not app.exception, [e.value for e in app.exception]
    assert app.toggle(key=f"survey_merge_1_{dept}").value is False  # not 政治面貌: one group per option
    ref = expected_shares(demo_path, question_no=q, group_question_no=dept).set_index("group")
    shown = metrics(app)
    for option in demo["options"][dept]:
        n = ref.at[option, "n"]
        label = f"{option}（n={n:,}）" if not isinstance(n, str) else f"{option}（n={n}）"
        assert label in shown
        if pd.notna(ref.at[option, "pct"]):
            assert shown[label] == f"{ref.at[option, 'pct']:.1f}%"
    assert "党员（n=1,107）" not in shown
    first, second = demo["options"][dept][:2]
    assert (app.selectbox(key=f"survey_pair1_1_{dept}").value, app.selectbox(key=f"survey_pair2_1_{dept}").value) == (
        first, second)
    assert f"**{first}** 中" in texts(app)
    # Merge into two named groups instead.
    app.toggle(key=f"survey_merge_1_{dept}").set_value(True).run()
    app.text_input(key=f"survey_name1_1_{dept}").input("临床").run()
    app.multiselect(key=f"survey_set1_1_{dept}").set_value(["临床科室"]).run()
    app.text_input(key=f"survey_name2_1_{dept}").input("非临床").run()
    app.multiselect(key=f"survey_set2_1_{dept}").set_value(
        [o for o in demo["options"][dept] if o != "临床科室"]).run()
    assert not app.exception, [e.value for e in app.exception]
    clinical = expected_shares(demo_path, question_no=q, group_question_no=dept,
                               groups={"临床": ("临床科室",), "非临床": tuple(o for o in demo["options"][dept]
                                                                          if o != "临床科室")}).set_index("group")
    assert metrics(app)[f"临床（n={clinical.at['临床', 'n']:,}）"] == f"{clinical.at['临床', 'pct']:.1f}%"
    assert "**临床** 中" in texts(app)


def test_overlapping_groups_are_refused_in_plain_chinese(app, demo):
    dept = demo["department"]
    app.selectbox(key=f"survey_group_1_{demo['effect']}").set_value(dept).run()
    app.toggle(key=f"survey_merge_1_{dept}").set_value(True).run()
    app.multiselect(key=f"survey_set2_1_{dept}").set_value(demo["options"][dept]).run()
    assert not app.exception, [e.value for e in app.exception]
    assert any("同时出现在分组" in w.value for w in app.warning)


def test_other_question_types_run(app, demo):
    matrix, multiple = demo["types"]["matrix"][0], demo["types"]["multiple"][0]
    app.selectbox(key="survey_question_1").set_value(matrix).run()
    assert not app.exception, [e.value for e in app.exception]
    assert app.selectbox(key=f"survey_item_1_{matrix}").value == 1
    assert app.multiselect(key=f"survey_effective_1_{matrix}").value == ["4分", "5分"]  # top-2 box
    assert any(label.startswith("党员（n=") for label in metrics(app))
    app.selectbox(key=f"survey_item_1_{matrix}").set_value(4).run()
    assert not app.exception, [e.value for e in app.exception]
    app.selectbox(key="survey_question_1").set_value(multiple).run()
    assert not app.exception, [e.value for e in app.exception]
    assert "作答人数" in metrics(app)
    assert any("多选题" in i.value for i in app.info)
    # Its options, most chosen first unless asked for the questionnaire's order.
    def chart_options() -> list:
        (chart,) = [json.loads(c.proto.spec) for c in app.get("plotly_chart") if c.key == "survey_freq_chart"] or [None]
        return [t for trace in chart["data"] for t in (trace.get("y") or [])]

    assert tab(app, "频数分布").toggle(key="survey_freq_order").value is False
    table = next(f.value for f in app.dataframe if "占作答人数(%)" in f.value.columns)
    most_first = chart_options()
    app.toggle(key="survey_freq_order").set_value(True).run()
    assert not app.exception, [e.value for e in app.exception]
    in_order = chart_options()
    assert sorted(most_first) == sorted(in_order) and most_first != in_order and len(table) > 2


def test_crosstab_shows_every_count_of_groups_of_five_or_more(app, demo, demo_path):
    tab(app, "交叉分析").selectbox(key="survey_ct_rows_1").set_value(demo["department"]).run()
    app.selectbox(key="survey_ct_cols_1").set_value(demo["effect"]).run()
    assert not app.exception, [e.value for e in app.exception]
    con = db.open_database(demo_path, read_only=True)
    try:
        ref = ss.crosstab(con, survey_id=1, row_question_no=demo["department"], col_question_no=demo["effect"],
                          scope=SCOPE)
    finally:
        con.close()
    assert f"χ²({ref.dof}) = {ref.chi2:.2f}" in texts(app)
    counts = next(f.value for f in app.dataframe if "合计" in f.value.columns and "作用明显" in f.value.columns)
    # 医技科室 (409 respondents) × 作用不明显: 4, shown, as every count of a group of 5 or more.
    assert counts.set_index(counts.columns[0]).loc["医技科室", "作用不明显"] == ref.counts.loc["医技科室", "作用不明显"] == 4
    app.radio(key="survey_ct_show").set_value("列百分比").run()
    assert not app.exception, [e.value for e in app.exception]


def test_crosstab_hides_a_small_group_with_the_reason(demo, demo_path, tmp_path, monkeypatch):
    toml = tmp_path / "hospital.toml"
    toml.write_text("[survey]\nmin_cell = 300\n", encoding="utf-8")
    monkeypatch.setenv("PARTY_DASHBOARD_CONFIG", str(toml))
    app = open_page(demo_path, tmp_path, monkeypatch)
    try:
        tab(app, "交叉分析").selectbox(key="survey_ct_rows_1").set_value(demo["department"]).run()
        app.selectbox(key="survey_ct_cols_1").set_value(demo["effect"]).run()
        assert not app.exception, [e.value for e in app.exception]
        counts = next(f.value for f in app.dataframe if "合计" in f.value.columns and "作用明显" in f.value.columns)
        rows = counts.set_index(counts.columns[0])
        assert set(rows.loc["行政后勤"]) == {"<300"} and set(rows.loc["医技科室"]) == {"*"}
        assert rows.loc["临床科室", "合计"] == "1,318"  # the column holds text once a mark is in it
        assert "“行政后勤”不足 300 人，不予显示。" in texts(app)
    finally:
        release(app)


def test_scale_ranking_reliability_and_text_tabs(app, demo):
    political = demo["political"]
    assert not [s for s in app.selectbox if s.key == "survey_likert_group_1"]  # a closed tab draws nothing
    tab(app, "量表题").selectbox(key="survey_likert_group_1").set_value(political).run()
    assert not app.exception, [e.value for e in app.exception]
    assert any(json.loads(c.proto.spec)["data"][0]["type"] == "scatter" for c in app.get("plotly_chart"))
    assert "均值最低的条目：DRG与CMI考核" in texts(app)
    assert not any(m.label == "Cronbach's α" for m in app.metric)
    tab(app, "信度分析")
    assert any(m.label == "Cronbach's α" for m in app.metric)
    assert "内部一致性" in texts(app)
    ranked = texts(tab(app, "排序题"))
    assert "综合得分（问卷星算法）" in ranked and "内部一致性" not in ranked
    # Free text (computed once its tab is open): keywords, then the answers containing one, as
    # bare sorted texts.
    text_q = demo["types"]["text"][0]
    assert not [s for s in app.selectbox if s.key == f"survey_keyword_1_{text_q}"]
    app.session_state["survey_tab"] = "开放题"
    app.run()
    keyword = app.selectbox(key=f"survey_keyword_1_{text_q}")
    second = keyword.options[1]
    keyword.set_value(second).run()
    assert not app.exception, [e.value for e in app.exception]
    answers = next(f.value for f in app.dataframe if list(f.value.columns) == ["回答内容"])
    assert len(answers) > 0 and all(second.lower() in str(t).lower() for t in answers["回答内容"])
    assert list(answers["回答内容"]) == sorted(answers["回答内容"])
    app.text_input(key=f"survey_keyword_typed_1_{text_q}").input("DRG").run()
    answers = next(f.value for f in app.dataframe if list(f.value.columns) == ["回答内容"])
    assert len(answers) > 0 and all("drg" in t.lower() for t in answers["回答内容"])


def test_no_respondent_can_be_identified(app):
    # Every tab the walks visit (each runs only while open), free text too.
    shown, columns, free_text = [], set(), False
    for section in each_section(app, "survey"):
        shown += shown_strings(section)
        frames = [f.value for f in section.dataframe if isinstance(f.value, pd.DataFrame)]
        columns |= {str(c) for f in frames for c in f.columns}
        free_text = free_text or any(list(f.columns) == ["回答内容"] for f in frames)
    assert free_text and "Cronbach's α" in " ".join(shown)
    # No IP addresses (问卷星 exports carry 来自IP), no response ids, no submission times.
    assert not [s for s in shown if IPV4.search(s)]
    assert not {c for c in columns if re.search(r"response|序号|答卷编号|IP|提交|时间|来源", c)}
    assert not [s for s in shown if re.search(r"\b\d{1,2}:\d{2}:\d{2}\b", s)]


def test_researcher_sees_the_same_survey_page(demo_path, tmp_path, monkeypatch):
    app = open_page(demo_path, tmp_path, monkeypatch, "yanjiu")
    try:
        shown = metrics(app)
        assert shown["党员（n=1,107）"] == "93.0%" and shown["非党员（n=1,543）"] == "86.0%"
        assert not [s for section in each_section(app, "survey") for s in shown_strings(section) if IPV4.search(s)]
    finally:
        release(app)


def test_imported_text_is_shown_as_text_not_markdown(demo_path, tmp_path, monkeypatch, demo):
    # An option text from an import that Markdown would turn into bold, a link and red text.
    hostile = "**临床**[科室](http://x.invalid) :red[红]"
    app = signed_in_app(demo_path, tmp_path, monkeypatch, "dangban")
    try:
        con = db.open_database(tmp_path / "app.duckdb")  # the app's private copy, before it opens it
        con.execute("UPDATE survey_option SET text = ? WHERE survey_id = 1 AND question_no = ? AND text = '临床科室'",
                    [hostile, demo["department"]])
        con.close()
        app.run()
        app.switch_page(PAGE).run()
        app.selectbox(key=f"survey_group_1_{demo['effect']}").set_value(demo["department"]).run()
        assert not app.exception, [e.value for e in app.exception]
        escaped = "\\*\\*临床\\*\\*\\[科室\\]\\(http\u2060\\://x\\.invalid\\) \\:red\\[红\\]"
        labels = [m.label for m in app.metric]
        assert any(label.startswith(escaped + "（n=") for label in labels), labels
        pair1 = app.selectbox(key=f"survey_pair1_1_{demo['department']}")
        pair1.set_value(hostile).run()
        assert f"**{escaped}** 中" in texts(app)
    finally:
        release(app)


def qtypes_of(demo) -> dict[int, str]:
    return {no: qtype for qtype, nos in demo["types"].items() for no in nos}


def test_toolbox_tabs_run_when_opened_and_show_what_the_library_computes(app, demo, demo_path):
    assert "尚未与其他年份的同一问卷关联" not in texts(app)  # closed tabs compute nothing
    for tab in ("差异分析", "效度分析", "多期对比"):
        app.session_state["survey_tab"] = tab
        app.run()
        assert not app.exception, [e.value for e in app.exception]
        body = texts(app)
        if tab == "差异分析":
            compared = body
            picked = int(app.selectbox(key="survey_cmp_q_1").value)
            group_no = int(app.selectbox(key="survey_cmp_group_1").value)
            item = app.selectbox(key=f"survey_cmp_item_1_{picked}").value if qtypes_of(demo)[picked] == "matrix" else 0
        elif tab == "效度分析":
            kmo_shown, validity_body = metrics(app)["KMO"], body
            scree = [json.loads(c.proto.spec)["layout"]["title"]["text"] for c in app.get("plotly_chart")]
    # 差异分析: the first scored question by the first grouping question, as the library says.
    scale_no = demo["types"]["matrix"][0]
    con = db.open_database(demo_path, read_only=True)
    try:
        expected = ss.compare_scores(con, survey_id=1, question_no=picked, item_no=item, group_question_no=group_no,
                                     scope=SCOPE)
        fa = ss.factor_analysis(con, survey_id=1, question_nos=[scale_no], scope=SCOPE)
    finally:
        con.close()
    assert f"= {expected.test.iloc[0]['statistic']:.2f}" in compared
    # 效度分析: KMO as computed, the reading, and the scree plot.
    assert kmo_shown == f"{fa.kmo:.3f}"
    assert "平行分析建议保留" in validity_body
    assert any("碎石图" in title for title in scree)
    # 多期对比: one survey in the demo, so the committee is offered the link form.
    assert "尚未与其他年份的同一问卷关联" in body


def test_default_report_downloads_build_on_click(app):
    labels = [b.label for b in app.get("download_button")]
    assert "下载问卷默认报告（Word）" in labels and "下载问卷默认报告（离线网页）" in labels


def frequency_table(app) -> pd.DataFrame:
    tab(app, "频数分布")
    assert "选项顺序：" in texts(app)
    return next(f.value for f in app.dataframe if "有效百分比(%)" in f.value.columns)


def test_a_respondent_filter_reaches_the_numbers_and_the_downloads(app, demo, demo_path):
    political = demo["political"]
    whole = frequency_table(app)
    app.multiselect(key="survey_filter_1_questions").set_value([political]).run()
    app.multiselect(key=f"survey_filter_1_{political}_options").set_value(["中共党员"]).run()
    assert not app.exception, [e.value for e in app.exception]
    assert "筛选条件：您的政治面貌 \\= 中共党员（1,107 / 2,650 份答卷）" in texts(app)  # Markdown-escaped
    assert "**非党员** 没有作答本题的受访者，无法比较两组。" in texts(app)
    members = ss.RespondentFilter(options=(ss.OptionCondition(political, ("中共党员",)),))
    con = db.open_database(demo_path, read_only=True)
    try:
        shown_no = int(app.selectbox(key="survey_question_1").value)
        expected = ss.frequencies(con, survey_id=1, question_no=shown_no, respondents=members, scope=SCOPE)
    finally:
        con.close()
    shown = frequency_table(app)
    assert shown["人数"].tolist() == expected["n"].tolist() != whole["人数"].tolist()
    assert sum(expected["n"]) == 1107
    # The default report is the filtered one (what its file holds: test_survey_filters; the
    # 筛选条件 column of table downloads: test_exports).
    labels = [b.proto.label for b in app.get("download_button")]
    assert "下载问卷默认报告（筛选后）（Word）" in labels and "下载问卷默认报告（Word）" not in labels


def test_a_filter_that_would_single_people_out_is_refused_and_not_applied(app, demo, demo_path):
    political, department, title = demo["political"], demo["department"], 3
    whole = frequency_table(app)
    conditions = {political: ["民主党派"], department: ["行政后勤"]}
    con = db.open_database(demo_path, read_only=True)
    try:
        few = ss.filter_summary(con, survey_id=1, scope=SCOPE, respondents=ss.RespondentFilter(
            options=tuple(ss.OptionCondition(q, tuple(o)) for q, o in conditions.items())
            + (ss.OptionCondition(title, ("正高",)),)))
    finally:
        con.close()
    assert 0 < few.matched < 5  # the demo's handful of 正高 民主党派 in 行政后勤
    app.multiselect(key="survey_filter_1_questions").set_value([political, department, title]).run()
    for no, options in conditions.items():
        app.multiselect(key=f"survey_filter_1_{no}_options").set_value(options).run()
    app.select_slider(key=f"survey_filter_1_{title}_range").set_range("正高", "正高").run()
    assert not app.exception, [e.value for e in app.exception]
    warning = [w.value for w in app.warning if str(w.value).startswith("筛选未生效")]
    assert warning and "不足 5 份（最小报告单位）" in warning[0]
    assert "筛选条件：" not in texts(app)
    assert frequency_table(app)["人数"].tolist() == whole["人数"].tolist()  # all respondents, as it says
