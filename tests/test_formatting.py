"""Number and text formatting shared by pages, reports and the CLI (analysis/formatting.py)."""

import pytest

from analysis.formatting import html_escape, markdown_escape, p_value, plotly_text


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
    assert markdown_escape("[点此](http://x)") == r"\[点此\]\(http\://x\)"
    assert html_escape('<a href="http://x">') == "&lt;a href=&quot;http&#58;//x&quot;&gt;"
    assert plotly_text("<b>内科</b> & 外科") == "&lt;b&gt;内科&lt;/b&gt; &amp; 外科"
