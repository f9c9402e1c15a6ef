"""Option order of a readable 问卷星 export (issue #16, item 1): one fixture per ordering rule, read
through the parser from real .xlsx files, and the sort keys by hand."""

from __future__ import annotations

import doctest

import pytest

from analysis import config
from analysis.ingest import option_order
from analysis.ingest.option_order import numeric_key
from analysis.ingest.wjx import parse_wjx
from tests.test_wjx import write_xlsx

CFG = config.DEFAULT
META = ["序号", "提交答卷时间", "所用时间"]


def readable(tmp_path, name: str, columns: dict[str, list[str]]):
    """A readable export whose questions are ``columns`` (header -> one cell per respondent)."""
    n = len(next(iter(columns.values())))
    rows = [META + list(columns)]
    for i in range(n):
        rows.append([i + 1, f"2025/5/{1 + i % 28} 09:00:00", f"{60 + i}秒", *[cells[i] for cells in columns.values()]])
    return write_xlsx(tmp_path / f"{name}_0.xlsx", rows)


def options_of(parsed, question_no: int) -> list[str]:
    frame = parsed.options[parsed.options.question_no == question_no].sort_values("position")
    return frame.text.tolist()


def question(parsed, question_no: int):
    return parsed.questions.set_index("question_no").loc[question_no]


# Respondents in an order that makes first appearance wrong for every question.
PHONES = ["1部", "2部", "4部及以上", "3部", "2部", "1部", "3部", "2部"]
INCOME = ["5001-8000元", "3000元以下", "1万元以上", "3001-5000元", "8001元-1万元", "3000元以下", "5001-8000元", "3001-5000元"]
AGE = ["30-39岁", "60岁以上", "16~19岁", "20-29岁", "50-59岁", "40-49岁", "30-39岁", "20-29岁"]
TENURE = ["3-5年", "1年以下", "10年以上", "5-10年", "1-3年", "6个月以下", "1-3年", "3-5年"]
PLACE = ["第3名", "第1名", "第2名", "第3名", "第1名", "第2名", "第1名", "第3名"]
SATISFACTION = ["满意", "一般", "非常满意", "不清楚", "不满意", "满意", "非常满意", "一般"]
FREQUENCY = ["经常", "有时", "从不", "总是", "很少", "经常", "有时", "有时"]
DEPARTMENT = ["外科", "内科", "医技", "内科", "外科", "行政", "内科", "医技"]
ACTIVITIES = ["志愿服务", "义诊┋志愿服务", "主题党日┋义诊", "主题党日┋志愿服务", "义诊", "志愿服务", "主题党日", "义诊"]

COLUMNS = {
    "1、您有几部手机 (单选题)": PHONES,
    "2、您的月收入 (单选题)": INCOME,
    "3、您的年龄段 (单选题)": AGE,
    "4、您的工作年限 (单选题)": TENURE,
    "5、本支部在评比中的名次 (单选题)": PLACE,
    "6、您对支部工作是否满意 (单选题)": SATISFACTION,
    "7、您参加组织生活的频率 (单选题)": FREQUENCY,
    "8、您所在的科室 (单选题)": DEPARTMENT,
    "9、您参加过哪些活动 (多选题)": ACTIVITIES,
}


@pytest.fixture(scope="module")
def parsed(tmp_path_factory):
    return parse_wjx(readable(tmp_path_factory.mktemp("order"), "顺序", COLUMNS), cfg=CFG)


@pytest.mark.parametrize(("question_no", "expected"), [
    (1, ["1部", "2部", "3部", "4部及以上"]),
    (2, ["3000元以下", "3001-5000元", "5001-8000元", "8001元-1万元", "1万元以上"]),
    (3, ["16~19岁", "20-29岁", "30-39岁", "40-49岁", "50-59岁", "60岁以上"]),
    (4, ["6个月以下", "1年以下", "1-3年", "3-5年", "5-10年", "10年以上"]),
    (5, ["第1名", "第2名", "第3名"]),
])
def test_numbers_and_ranges_in_natural_order(parsed, question_no, expected):
    assert options_of(parsed, question_no) == expected
    assert question(parsed, question_no).order_rule == "numeric"
    assert question(parsed, question_no).ordinal


def test_rating_words_in_scale_order_with_scores(parsed):
    assert options_of(parsed, 6) == ["不满意", "一般", "满意", "非常满意", "不清楚"]
    assert options_of(parsed, 7) == ["从不", "很少", "有时", "经常", "总是"]
    assert (question(parsed, 6).order_rule, question(parsed, 6).ordinal) == ("scale", True)
    # The level in the configured 5-point scale is the score; 不清楚 carries none.
    options = parsed.options[parsed.options.question_no == 6].set_index("text")
    assert options.value.dropna().to_dict() == {"不满意": 2.0, "一般": 3.0, "满意": 4.0, "非常满意": 5.0}


def test_fallbacks_questionnaire_then_first_appearance(parsed):
    # Nominal single choice: first appearance; multiple choice: merged "┋" chains (主题党日 is
    # listed before 义诊 and 义诊 before 志愿服务 inside cells).
    assert options_of(parsed, 8) == ["外科", "内科", "医技", "行政"]
    assert (question(parsed, 8).order_rule, question(parsed, 8).ordinal) == ("appearance", False)
    assert options_of(parsed, 9) == ["主题党日", "义诊", "志愿服务"]
    assert question(parsed, 9).order_rule == "questionnaire"


def test_numbered_twin_order_wins_and_keeps_ordinal(tmp_path):
    # The questionnaire lists satisfaction from high to low (codes 1 = 非常满意): the twin's
    # codes are the order, and the words still make the question ordinal.
    order = ["非常满意", "满意", "一般", "不满意", "非常不满意"]
    answers = ["满意", "一般", "非常满意", "满意", "不满意", "一般"]
    text_file = readable(tmp_path, "双胞胎", {"1、满意度 (单选题)": answers})
    numbered_rows = [META + ["1、满意度 (单选题)"]] + [
        [i + 1, f"2025/5/{1 + i % 28} 09:00:00", f"{60 + i}秒", order.index(a) + 1] for i, a in enumerate(answers)]
    numbered = write_xlsx(tmp_path / "双胞胎_2.xlsx", numbered_rows)
    parsed = parse_wjx(text_file, twin=numbered, cfg=CFG)
    assert options_of(parsed, 1) == order[:4]  # 非常不满意 (code 5): nobody chose it, neither export has it
    assert (question(parsed, 1).order_rule, question(parsed, 1).ordinal) == ("codes", True)
    options = parsed.options.set_index("text")
    assert options.code.to_dict() == {"非常满意": 1, "满意": 2, "一般": 3, "不满意": 4}
    assert options.value.to_dict() == {"非常满意": 5.0, "满意": 4.0, "一般": 3.0, "不满意": 2.0}


@pytest.mark.parametrize(("text", "key"), [
    ("3000元以下", (3000.0, 0)),
    ("不足1年", (1.0, 0)),
    ("1-3年", (1.0, 1)),
    ("6个月-1年", (0.5, 1)),
    ("5年以上", (5.0, 2)),
    ("1万元以上", (10000.0, 2)),
    ("三年以下", (3.0, 0)),
    ("第一名", (1.0, 1)),
    ("4分", (4.0, 1)),
    ("60岁及以上", (60.0, 2)),
    ("超过10次", (10.0, 2)),
    ("一般", None),
    ("其他", None),
    ("第3名以上", None),
])
def test_numeric_keys(text, key):
    assert numeric_key(text) == key


def test_seven_point_scale_is_not_read_as_five_point():
    seven = ["非常不满意", "不满意", "比较不满意", "一般", "比较满意", "满意", "非常满意"]
    ordering = option_order.content_order(list(reversed(seven)), scales=CFG.survey.ordinal_scales,
                                          unscaled=CFG.survey.unscaled_options)
    assert list(ordering.options) == seven and ordering.scores["满意"] == 6.0


def test_docstring_examples_run():
    result = doctest.testmod(option_order)
    assert result.failed == 0 and result.attempted >= 3
