"""Number and text formatting shared by pages, reports and the CLI (analysis/formatting.py)."""

import datetime as dt

import numpy as np
import pandas
import pytest

from analysis.formatting import (
    ci,
    count,
    date,
    fixed,
    half_up,
    html_escape,
    markdown_escape,
    p_value,
    percent,
    plotly_text,
    score,
    signed,
)


@pytest.mark.parametrize(("p", "kwargs", "expected"), [
    (0.0004, {}, "p < 0.001"),
    (0.0234, {}, "p = 0.023"),
    (0.0234, {"prefix": False}, "0.023"),
    (0.00001, {"prefix": False}, "< 0.001"),
    (None, {}, ""),
    (float("nan"), {"prefix": False}, "-"),
    (None, {"missing": "p 无法计算"}, "p 无法计算"),
])
def test_p_value_text(p, kwargs, expected):
    assert p_value(p, **kwargs) == expected


def test_escaping_keeps_data_text_inert():
    # Bare addresses, which GitHub-flavoured Markdown links even when escaped, get a word joiner.
    assert markdown_escape("[点此](http://x)") == "\\[点此\\]\\(http\u2060\\://x\\)"
    assert markdown_escape("www.x.cn a@b.cn") == "www\u2060\\.x\\.cn a\u2060@b\\.cn"
    assert html_escape('<a href="http://x">') == "&lt;a href=&quot;http&#58;//x&quot;&gt;"
    assert plotly_text("<b>内科</b> & 外科") == "&lt;b&gt;内科&lt;/b&gt; &amp; 外科"


@pytest.mark.parametrize(("text", "expected"), [
    (score(85.26), "85.3"),
    (score(float("nan")), "—"),
    (percent(73.0769, 2), "73.08%"),
    (percent(None), "—"),
    (percent(41.6, 0), "42%"),
    (count(1107), "1,107"),
    (count("<5"), "<5"),
    (count(None), "—"),
    (signed(1.23, suffix="（环比）"), "+1.2（环比）"),
    (signed(-2.0), "-2.0"),
    (signed(float("nan")), "—"),
    (signed(None, missing=None), None),
    (ci(62.14, 80.44), "95% CI 62.1%–80.4%"),
    (ci(1.25, 3.5, unit=""), "95% CI 1.3–3.5"),  # 四舍五入: a half goes up
    (ci(None, 3.5), "95% CI —"),
    (date(dt.date(2025, 6, 30)), "2025年6月30日"),
])
def test_number_text(text, expected):
    assert text == expected




@pytest.mark.parametrize("value, kwargs, text", [
    (93.0434, {}, "93.0%"), (5, {"decimals": 2}, "5.00%"), (float("nan"), {}, "—"), (None, {}, "—"),
    ("<5", {}, "<5"), ("*", {}, "*"), ("n/a", {}, "—"), (float("nan"), {"missing": "-"}, "-"),
])
def test_percent_text(value, kwargs, text):
    assert percent(value, **kwargs) == text


def test_a_hidden_groups_share_shows_its_mark():
    from analysis.formatting import share

    assert (share(float("nan"), "<5"), share(float("nan"), "*"), share(86.04, 1543), share(None, 0)) == (
        "<5", "*", "86.0%", "—")


@pytest.mark.parametrize("value, kwargs, text", [
    (1107, {}, "1,107"), (np.int64(3), {}, "3"), ("<5", {}, "<5"), ("*", {"missing": "-"}, "*"),
    (float("nan"), {}, "—"), (None, {"missing": "-"}, "-"),
])
def test_count_text_keeps_suppression_marks(value, kwargs, text):
    assert count(value, **kwargs) == text


def test_ci_text():
    assert ci(91.43, 94.44) == "95% CI 91.4%–94.4%"
    assert ci(4.7, 9.34, unit="") == "95% CI 4.7–9.3"
    assert ci(float("nan"), 3.0) == "95% CI —"


@pytest.mark.parametrize(("value", "decimals", "expected"), [
    (84.25, 1, "84.3"),  # a tie exact in binary: formatting the float gives "84.2" (half to even)
    (84.45, 1, "84.5"),
    (84.44999999999999, 1, "84.5"),  # a float sum's 84.45
    (0.1 + 0.2 + 84.05, 1, "84.4"),  # 84.35 exactly, stored a little below or above
    (2.675, 2, "2.68"),  # stored as 2.67499999999999982236431605997495353221893310546875
    (73.075, 2, "73.08"),
    (-1.25, 1, "-1.3"),  # away from zero, as Excel's ROUND
    (-0.04, 1, "0.0"),  # never "-0.0"
    (84.449, 1, "84.4"),
    (99.95, 1, "100.0"),
    (0.5, 0, "1"),
])
def test_half_up_rounds_the_decimal_value_as_excel_round_does(value, decimals, expected):
    assert fixed(value, decimals) == expected
    assert score(value, decimals) == expected


def test_half_up_agrees_with_decimal_rounding_of_the_exact_value():
    # Values with at most 4 decimals (the index's precision) computed the way the analyses
    # compute them: a float sum of weighted scores. The reference is Decimal's ROUND_HALF_UP of
    # the exact decimal value (4 decimals), independent of half_up.
    from decimal import ROUND_HALF_UP, Decimal

    rng = np.random.default_rng(7)
    exact = rng.integers(0, 1_000_000, 20_000)  # 0.0000 .. 99.9999
    exact[:2_000] = exact[:2_000] // 500 * 500  # many ties at one decimal (x.x5)
    floats = np.array([sum([(e // 3) / 1e4, (e - e // 3) / 1e4]) for e in exact.tolist()])
    shown = half_up(floats, 1)
    expected = [float((Decimal(int(e)) / 10_000).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)) for e in exact]
    assert shown.tolist() == expected
    assert sum(f"{f:.1f}" != f"{e:.1f}" for f, e in zip(floats, expected)) > 100  # plain formatting misses them
    assert np.isnan(half_up(np.array([np.nan]), 1)).all()


def test_half_up_of_one_number_is_the_array_path_bit_for_bit():
    # Text is formatted a number at a time through a plain-Python path; tables through NumPy's.
    # Both must give the same float for every value: ties, float sums, large, signed, non-finite.
    rng = np.random.default_rng(11)
    values = np.concatenate([
        rng.uniform(-1e3, 1e3, 20_000), rng.integers(-10**6, 10**6, 20_000) / 2_000,
        rng.integers(0, 10**7, 20_000) / 1e4 + rng.integers(0, 10**7, 20_000) / 1e4,
        rng.uniform(-1e13, 1e13, 2_000),
        [0.0, -0.0, -0.04, 84.25, 2.675, 99.95, 2.0**52, 4.5e15, 1e300, np.inf, -np.inf, np.nan],
    ])
    for decimals in range(5):
        with np.errstate(over="ignore", invalid="ignore"):
            together = half_up(values, decimals)
        alone = np.array([half_up(float(v), decimals) for v in values])
        assert np.array_equal(together, alone, equal_nan=True), decimals
        assert (np.signbit(together) == np.signbit(alone)).all()
    assert half_up(np.float32(0.5), 0) == 1.0 and half_up(np.int64(7), 1) == 7.0


def test_table_cells_round_numbers_half_up_for_the_browser():
    from analysis.formatting import table_cells

    shown, formats, _ = table_cells(pandas.DataFrame({"先锋指数": [84.25, 84.44999999999999, 90.0]}))
    assert formats == {"先锋指数": "%.1f"}
    # the browser prints these with %.1f; the floats are those nearest to 84.3 and 84.5
    assert shown["先锋指数"].tolist() == [84.3, 84.5, 90.0]


def test_table_cells_round_to_the_decimals_a_page_shows_a_column_with():
    # A page's own format wins in the browser: "%.2f" shows 88.16, "percent" 79.60% of 0.796, so
    # rounding those columns to one decimal would show 88.20 and 80.00% (under an 80% rule).
    from analysis.formatting import table_cells

    frame = pandas.DataFrame({"先锋指数": [88.159, 84.125], "最低维度得分率": [0.796, 0.89245], "其他": [1.04, 2.5]})
    shown, _, _ = table_cells(frame, {"先锋指数": 2, "最低维度得分率": 4, "其他": None})
    assert shown["先锋指数"].tolist() == [88.16, 84.13]
    assert shown["最低维度得分率"].tolist() == [0.796, 0.8925]
    assert shown["其他"].tolist() == [1.04, 2.5]


def test_table_cells_never_show_none_or_nan():
    from analysis.formatting import table_cells

    frame = pandas.DataFrame({"得分率（%）": [15.3846, 98.3333], "名次变化": [1.0, np.nan], "说明": ["a", None],
                          "完成率（%）": [73.0769, np.nan], "人数": [1200, 3]})
    shown, formats, texts = table_cells(frame)
    # complete numeric columns stay numbers with a format; the others become text with "—"
    assert formats == {"得分率（%）": "%.1f", "人数": "%d"}
    assert list(shown["名次变化"]) == ["1", "—"] and list(shown["说明"]) == ["a", "—"]
    assert list(shown["完成率（%）"]) == ["73.08", "—"]  # completion rates as the office writes them
    assert texts == {"名次变化", "说明", "完成率（%）"}


def test_table_cells_show_the_suppression_mark_in_a_hidden_row_and_dash_only_for_missing():
    from analysis.formatting import table_cells

    # An effective_share table: 其他党派 under the minimum (<5), 群众 hidden as its complement (*),
    # and a shown group whose interval is missing (a real gap, not a suppression).
    frame = pandas.DataFrame({"分组": ["中共党员", "其他党派", "群众", "合计"],
                              "人数": [1107, "<5", "*", 2650], "比例(%)": [93.04, np.nan, np.nan, 89.1],
                              "95%CI下限": [91.4, np.nan, np.nan, np.nan]})
    shown, _, _ = table_cells(frame)
    assert list(shown["人数"]) == ["1107", "<5", "*", "2650"]
    assert list(shown["比例(%)"]) == ["93.0", "<5", "*", "89.1"]
    assert list(shown["95%CI下限"]) == ["91.4", "<5", "*", "—"]
    assert not {"None", "nan", ""} & set(shown.astype(str).to_numpy().ravel())


def test_a_pages_own_number_format_sets_the_rounding():
    import streamlit as st

    from ui.tables import _places

    assert _places(st.column_config.NumberColumn(format="%.2f")) == 2
    assert _places(st.column_config.NumberColumn(format="percent")) == 4  # 0.7960 shown as 79.60%
    assert _places(st.column_config.NumberColumn(format="%.1f%%")) == 1
    assert _places(st.column_config.DateColumn(format="YYYY-MM-DD")) is None
    assert _places(st.column_config.TextColumn(width="large")) is None
    assert _places("本期题号") is None  # a label only
