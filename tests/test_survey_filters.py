"""Respondent filters (issue #16 toolbox): the ids a filter selects, worked out by hand; every
analysis under a filter equal to the same analysis of a survey holding only the filtered
respondents; and the differencing attacks the minimum reporting group refuses.
"""

from __future__ import annotations

import datetime as dt
import random

import pandas as pd
import pytest

from analysis import db, survey
from analysis.survey.filters import OptionCondition, RangeCondition, RespondentFilter, filter_summary, respondent_ids
from tests import survey_fixtures
from tests.survey_fixtures import SCOPE, make_survey

default_config = survey_fixtures.default_config

AGE = ["青年", "中年", "老年"]
SCALE = [("1分", 1.0), ("2分", 2.0), ("3分", 3.0), ("4分", 4.0), ("5分", 5.0)]
QUESTIONS = {
    1: ("政治面貌", "single", ["党员", "群众"], None),
    2: ("党建引领作用", "single", ["作用明显", "有一定作用", "无明显作用"], None),
    3: ("年龄段", "single", AGE, None),
    4: ("工龄", "text", None, None),
    5: ("参加过的活动", "multiple", ["主题党日", "义诊", "志愿服务"], None),
    6: ("满意度", "matrix", SCALE, ["医疗质量", "合理用药", "人才培养"]),
    7: ("最需改进", "ranking", ["学习", "服务", "管理"], None),
    8: ("意见建议", "text", None, None),
}
# Respondents 1-10 党员·青年, 11-18 党员·中年, 19-20 党员·老年, 21-28 群众·青年, 29-34 群众·中年,
# 35-40 群众·老年 (40 in all). 工龄 is rid % 25, "不详" when rid is a multiple of 13; 志愿服务 is
# chosen when rid is a multiple of 5; respondent rid submitted on 2025-01-01 + (rid - 1) days.
GROUPS = [((1, 1), 10), ((1, 2), 8), ((1, 3), 2), ((2, 1), 8), ((2, 2), 6), ((2, 3), 6)]
TEXTS = ["加强学习", "加强学习。", "  服务患者 ", "改进管理流程", "无"]


def responses() -> list[dict]:
    rng = random.Random(16)
    out = []
    for (party, age), times in GROUPS:
        for _ in range(times):
            rid = len(out) + 1
            base = rng.randint(2, 4)
            out.append({
                1: party, 2: rid % 3 + 1, 3: age,
                4: "不详" if rid % 13 == 0 else str(rid % 25),
                5: [1] + ([2] if rid % 2 else []) + ([3] if rid % 5 == 0 else []),
                6: {i: min(5, max(1, base + rng.choice([-1, 0, 0, 1]))) for i in (1, 2, 3)},
                7: [[1, 2, 3], [2, 1, 3], [3, 1, 2], [1, 3, 2]][rid % 4],
                8: TEXTS[rid % 5],
            })
    return out


def build(con, survey_id: int, kept: list[int]) -> None:
    """Survey ``survey_id`` with the respondents ``kept`` (1-based, in order), dates as above."""
    every = responses()
    make_survey(con, survey_id, QUESTIONS, [every[rid - 1] for rid in kept])
    for new_rid, rid in enumerate(kept, start=1):
        con.execute("UPDATE survey_response SET submitted_on = ? WHERE survey_id = ? AND response_id = ?",
                    [dt.date(2025, 1, 1) + dt.timedelta(days=rid - 1), survey_id, new_rid])


# 党员 whose 工龄 is 5 to 20: respondents 5-10 (青年), 11-18 (中年; 13 has no number) and 19, 20.
PARTY_SENIOR = RespondentFilter(options=(OptionCondition(1, ("党员",)),), ranges=(RangeCondition(4, 5, 20),))
PARTY_SENIOR_IDS = [5, 6, 7, 8, 9, 10, 11, 12, 14, 15, 16, 17, 18, 19, 20]


# Survey 3: free text by 科室. 内科 8 respondents, 外科 6, 药剂 2 (each with an answer nobody else gave).
TEXT_SURVEY = {1: ("科室", "single", ["内科", "外科", "药剂"], None), 2: ("意见建议", "text", None, None)}
TEXT_RESPONSES = (
    [{1: 1, 2: t} for t in ["加强学习", "加强学习。", " 加强学习 ", "减少会议", "减少会议", "无", "改善食堂", "Wi-Fi 太慢"]]
    + [{1: 2, 2: t} for t in ["减少会议", "加强学习", "排班公平", "排班公平！", "没有", "改善食堂"]]
    + [{1: 3, 2: "药房窗口太少"}, {1: 3, 2: "夜班补贴"}]
)


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    connection = db.open_database(str(tmp_path_factory.mktemp("filters") / "f.duckdb"))
    build(connection, 1, list(range(1, 41)))
    build(connection, 2, PARTY_SENIOR_IDS)  # the filtered respondents alone
    make_survey(connection, 3, TEXT_SURVEY, TEXT_RESPONSES)
    yield connection
    connection.close()


@pytest.mark.parametrize(("respondents", "expected"), [
    (RespondentFilter(), set(range(1, 41))),
    (RespondentFilter(options=(OptionCondition(1, ("党员",)), OptionCondition(3, ("中年", "老年")))), set(range(11, 21))),
    (RespondentFilter(ranges=(RangeCondition(4, 20, 24),)), {20, 21, 22, 23, 24}),
    (RespondentFilter(options=(OptionCondition(1, ("党员",)),), ranges=(RangeCondition(4, 20, 24),)), {20}),
    (RespondentFilter(ranges=(RangeCondition(4, None, 1),)), {1, 25}),  # 0 and 1 years; 不详 never matches
    (RespondentFilter(options=(OptionCondition(5, ("志愿服务",)),)), set(range(5, 41, 5))),
    (RespondentFilter(submitted_from=dt.date(2025, 1, 5), submitted_to=dt.date(2025, 1, 8)), {5, 6, 7, 8}),
    (RespondentFilter(options=(OptionCondition(6, ("4分",), item_no=1),)), None),  # checked against the answers
    (PARTY_SENIOR, set(PARTY_SENIOR_IDS)),
])
def test_filter_selects_the_respondents_worked_out_by_hand(con, respondents, expected):
    ids = respondent_ids(con, survey_id=1, respondents=respondents, scope=SCOPE)
    if expected is None:  # the matrix row: whoever gave item 1 five points
        expected = {rid for rid, r in enumerate(responses(), start=1) if r[6][1] == 4}
        assert expected
    assert ids == expected


def test_filters_are_hashable_values_and_bad_conditions_are_explained(con):
    assert hash(PARTY_SENIOR) == hash(RespondentFilter(options=(OptionCondition(1, ("党员",)),),
                                                       ranges=(RangeCondition(4, 5, 20),)))
    for respondents, message in [
        (RespondentFilter(options=(OptionCondition(1, ("团员",)),)), "“团员”不是第 1 题"),
        (RespondentFilter(options=(OptionCondition(8, ("无",)),)), "填空题，只能按数值范围"),
        (RespondentFilter(ranges=(RangeCondition(4, 9, 3),)), "下限 9 大于上限 3"),
        (RespondentFilter(ranges=(RangeCondition(3, 1, 2),)), "选项没有分值"),
        (RespondentFilter(options=(OptionCondition(6, ("5分",)),)), "须指定其中一行"),
        (RespondentFilter(options=(OptionCondition(99, ("党员",)),)), "没有第 99 题"),
    ]:
        with pytest.raises(ValueError, match=message):
            respondent_ids(con, survey_id=1, respondents=respondents, scope=SCOPE)


def test_summary_describes_the_filter(con):
    summary = filter_summary(con, survey_id=1, respondents=PARTY_SENIOR, scope=SCOPE)
    assert (summary.matched, summary.total, summary.refusal) == (15, 40, None)
    assert summary.description == "政治面貌 = 党员；工龄 5–20"


# --- every analysis under the filter equals the analysis of the filtered respondents alone -------


def same(result, alone) -> None:
    if isinstance(result, pd.DataFrame):
        pd.testing.assert_frame_equal(result.reset_index(drop=True), alone.reset_index(drop=True))
        assert {k: v for k, v in result.attrs.items() if k != "items"} == {
            k: v for k, v in alone.attrs.items() if k != "items"}
    else:
        for name in result.__dataclass_fields__:
            a, b = getattr(result, name), getattr(alone, name)
            if isinstance(a, pd.DataFrame):
                same(a, b)
            elif isinstance(a, float):
                assert a == pytest.approx(b, nan_ok=True), name
            else:
                assert a == b, name


# min_cell=0 where results are grouped: the rule itself is tested below; here the numbers.
ANALYSES = [
    (survey.frequencies, {"question_no": 2}),
    (survey.frequencies, {"question_no": 5}),
    (survey.frequencies, {"question_no": 6, "item_no": 2}),
    (survey.effective_share, {"question_no": 2, "group_question_no": 3, "min_cell": 0}),
    (survey.compare_groups, {"question_no": 2, "group_question_no": 3, "compare": ("青年", "中年"), "min_cell": 0}),
    (survey.crosstab, {"row_question_no": 3, "col_question_no": 2, "min_cell": 0}),
    (survey.likert_items, {"question_no": 6}),
    (survey.likert_items, {"question_no": 6, "group_question_no": 3, "min_cell": 0}),
    (survey.cronbach_alpha, {"question_no": 6}),
    (survey.ranking_scores, {"question_no": 7}),
    (survey.keywords, {"question_no": 8}),
    (survey.answers_containing, {"question_no": 8, "keyword": "加强"}),
    (survey.text_answers, {"question_no": 8}),
    (survey.compare_scores, {"question_no": 6, "item_no": None, "group_question_no": 3, "min_cell": 0}),
    (survey.factor_analysis, {"question_nos": (6,), "n_factors": 1}),
]


@pytest.mark.parametrize(("analysis", "arguments"), ANALYSES, ids=lambda v: getattr(v, "__name__", ""))
def test_every_analysis_under_a_filter_equals_the_filtered_survey(con, analysis, arguments):
    filtered = analysis(con, survey_id=1, respondents=PARTY_SENIOR, scope=SCOPE, **arguments)
    alone = analysis(con, survey_id=2, scope=SCOPE, **arguments)
    same(filtered, alone)
    unfiltered = analysis(con, survey_id=1, scope=SCOPE, **arguments)
    with pytest.raises(AssertionError):  # the filter changed something
        same(filtered, unfiltered)


# --- differencing attacks ---------------------------------------------------------------------


def test_a_filter_matching_fewer_than_the_minimum_is_refused(con):
    few = RespondentFilter(options=(OptionCondition(1, ("党员",)), OptionCondition(3, ("老年",))))  # 2 people
    summary = filter_summary(con, survey_id=1, respondents=few, scope=SCOPE)
    assert (summary.matched, summary.refusal is not None) == (2, True)
    assert "不足 5 份" in summary.refusal
    with pytest.raises(ValueError, match="符合筛选条件的答卷不足 5 份"):
        survey.frequencies(con, survey_id=1, question_no=2, respondents=few, scope=SCOPE)
    nobody = RespondentFilter(ranges=(RangeCondition(4, 100, None),))
    with pytest.raises(ValueError, match="没有符合筛选条件的答卷"):
        survey.frequencies(con, survey_id=1, question_no=2, respondents=nobody, scope=SCOPE)


def test_a_filter_whose_complement_is_below_the_minimum_is_refused(con):
    # 工龄 up to 23 leaves out respondents 13, 26 and 39 (不详) and 24 (24 years): 4 people.
    almost_all = RespondentFilter(ranges=(RangeCondition(4, 0, 23),))
    summary = filter_summary(con, survey_id=1, respondents=almost_all, scope=SCOPE)
    assert (summary.matched, summary.total) == (36, 40)
    assert "不符合筛选条件的答卷不足 5 份" in summary.refusal
    for analysis, arguments in ANALYSES:
        arguments = {k: v for k, v in arguments.items() if k != "min_cell"}  # the configured 5
        with pytest.raises(ValueError, match="减去筛选后的结果"):
            analysis(con, survey_id=1, respondents=almost_all, scope=SCOPE, **arguments)
    # A filter keeping everyone subtracts nothing; with the rule off any filter goes.
    everyone = RespondentFilter(options=(OptionCondition(1, ("党员", "群众")),))
    assert filter_summary(con, survey_id=1, respondents=everyone, scope=SCOPE).refusal is None
    assert filter_summary(con, survey_id=1, respondents=almost_all, scope=SCOPE, min_cell=0).refusal is None


# 青年 and 中年: 32 of 40. Within it 党员 are 18 of 20 (2 fewer than unfiltered: hidden), 群众
# 14 of 20 (6 fewer). 群众 alone would give 党员 back as 合计 − 群众, so it joins 党员's block and
# is hidden too; the 合计 (8 fewer than the whole sample) stays.
YOUNGER = RespondentFilter(options=(OptionCondition(3, ("青年", "中年")),))


def test_a_group_differing_from_its_unfiltered_self_by_fewer_than_the_minimum_is_hidden(con):
    share = survey.effective_share(con, survey_id=1, question_no=2, group_question_no=1, respondents=YOUNGER,
                                   scope=SCOPE)
    rows = share.set_index("group")
    assert rows.loc["党员", "n"] == "*" and pd.isna(rows.loc["党员", "pct"])
    assert rows.loc["群众", "n"] == "*" and pd.isna(rows.loc["群众", "pct"])
    assert rows.loc["合计", "n"] == 32
    assert "筛选前后该组相差不足 5 人" in share.attrs["hidden"]["党员"]
    assert "“党员”筛选前后相差不足 5 人，须与“党员”合并" in share.attrs["hidden"]["群众"]
    # Unfiltered, both groups of 20 show: subtracting would give the two older 党员's answers.
    whole = survey.effective_share(con, survey_id=1, question_no=2, group_question_no=1, scope=SCOPE)
    assert list(whole["n"][:2]) == [20, 20]
    # The same rule in every breakdown.
    ct = survey.crosstab(con, survey_id=1, row_question_no=1, col_question_no=2, respondents=YOUNGER, scope=SCOPE)
    assert set(ct.hidden_rows) == {"党员", "群众"} and ct.counts.loc["合计", "合计"] == 32
    likert = survey.likert_items(con, survey_id=1, question_no=6, group_question_no=1, respondents=YOUNGER,
                                 scope=SCOPE)
    assert set(likert.loc[likert["group"] == "党员", "n"]) == {"*"}
    scores = survey.compare_scores(con, survey_id=1, question_no=6, item_no=None, group_question_no=1,
                                   respondents=YOUNGER, scope=SCOPE)
    assert set(scores.hidden) == {"党员", "群众"} and scores.test.empty  # nothing left to test
    texts = survey.text_answers(con, survey_id=1, question_no=8, group_question_no=1, respondents=YOUNGER,
                                scope=SCOPE)
    assert texts.empty and set(texts.attrs["hidden"]) == {"党员", "群众"}
    # By age instead, unfiltered: 老年 党员 are only 2, but 老年 has 8 and every group shows.
    by_age = survey.text_answers(con, survey_id=1, question_no=8, group_question_no=3, scope=SCOPE)
    assert set(by_age["group"]) == {"青年", "中年", "老年"}


def test_default_report_states_the_filter_and_has_the_filtered_numbers(con):
    import io

    import docx

    from analysis.report import survey_report as sr

    filtered = sr.survey_report(con, survey_id=1, respondents=PARTY_SENIOR, scope=SCOPE)
    alone = sr.survey_report(con, survey_id=2, scope=SCOPE)
    assert filtered.filter_note == "筛选条件：政治面貌 = 党员；工龄 5–20（符合条件的答卷 15 份，全部 40 份）"
    assert filtered.caption == alone.caption and alone.filter_note == ""
    for part, part_alone in zip(filtered.parts, alone.parts, strict=True):
        assert part.sentence == part_alone.sentence
        pd.testing.assert_frame_equal(part.table.frame, part_alone.table.frame)
    assert filtered.file_name("docx") == "问卷默认报告_1_筛选.docx"
    assert filtered.filter_note in sr.survey_report_html(filtered)
    paragraphs = [p.text for p in docx.Document(io.BytesIO(sr.survey_report_docx(filtered))).paragraphs]
    assert paragraphs[1] == filtered.filter_note  # right under the title
    with pytest.raises(ValueError, match="不足 5 份"):
        sr.survey_report(con, survey_id=1, respondents=RespondentFilter(ranges=(RangeCondition(4, 0, 23),)),
                         scope=SCOPE)


def test_free_text_merges_identical_answers_and_never_labels_a_small_groups_answers(con):
    whole = survey.text_answers(con, survey_id=3, question_no=2, scope=SCOPE)
    # "加强学习", "加强学习。" and " 加强学习 " are one answer; 无 and 没有 are no answer at all.
    assert list(whole.columns) == ["text", "n"]
    assert list(whole.itertuples(index=False, name=None)) == [
        ("加强学习", 4), ("减少会议", 3), ("排班公平", 2), ("改善食堂", 2), ("Wi-Fi 太慢", 1), ("夜班补贴", 1),
        ("药房窗口太少", 1)]
    by_department = survey.text_answers(con, survey_id=3, question_no=2, group_question_no=1, scope=SCOPE)
    # 药剂 (2) is under the minimum; 外科 (6) joins its block, or 全体 − 内科 − 外科 would be 药剂.
    assert list(by_department.itertuples(index=False, name=None)) == [
        ("内科", "加强学习", 3), ("内科", "减少会议", 2), ("内科", "Wi-Fi 太慢", 1), ("内科", "改善食堂", 1)]
    assert set(by_department.attrs["hidden"]) == {"外科", "药剂"}
    assert "“药剂”不足 5 人" in by_department.attrs["hidden"]["药剂"]
    assert not {"药房窗口太少", "夜班补贴", "排班公平"} & set(by_department["text"])
    assert by_department.attrs["answers"] == 7 and whole.attrs["answers"] == 14
