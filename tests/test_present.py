"""AppTest of 大屏展示: URL parameters, next/previous without a keyboard, the URL kept in step, the
short deck's screens with the hospital and data date on each, big numbers without a bullet list,
the light theme and the dashboard layout.

Auto-advance, the idle timeout, the stage filling the screen and the controls hiding need a real
browser: see tests/test_present_browser.py.
"""

from __future__ import annotations

import pytest

from analysis.formatting import markdown_escape
from tests.apptest import release, signed_in_app


def _open(app, **params):
    for key, value in params.items():
        app.query_params[key] = value
    app.run()
    app.switch_page("pages/present.py").run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def _footer(app) -> str:
    lines = [m.value for m in app.markdown if " / " in m.value and "·" in m.value]
    assert lines, "the footer names the screen"
    return lines[-1].replace("\\", "")


def _header(app) -> str:
    lines = [m.value.replace("\\", "") for m in app.markdown if "数据截至" in m.value]
    assert lines, "every screen names the hospital and the data date"
    return lines[0]


def _param(app, key):
    value = app.query_params.get(key)
    return value[0] if isinstance(value, list) else value


@pytest.fixture()
def app(demo_path, tmp_path, monkeypatch):
    app = signed_in_app(demo_path, tmp_path, monkeypatch, "dangban")
    yield app
    release(app)


def test_url_parameters_choose_period_scope_and_screen(app):
    _open(app, period="2025Q4", scope="G01", slide="2")
    footer, header = _footer(app), _header(app)
    assert footer.startswith("2 / ") and "总览" in footer
    assert header == "示例医院（演示数据） · 内科党总支 · 2025年第4季度 · 数据截至2025年12月31日"
    total = int(footer.split(" / ")[1].split(" ")[0])
    assert 3 <= total <= 10  # the cover and the short deck's findings
    title = app.title[0].value.replace("\\", "")
    assert title.startswith("2025年第4季度内科党总支6个党支部")
    assert _param(app, "slide") == "2" and _param(app, "scope") == "G01"


def test_next_and_previous_buttons_move_and_keep_the_url_in_step(app):
    _open(app, period="2025", scope="hospital", slide="1")
    assert _footer(app).startswith("1 / ") and "封面" in _footer(app)
    assert app.title[0].value.replace("\\", "") == "2025年度党建工作情况汇报"
    app.button(key="present_next").click().run()
    app.button(key="present_next").click().run()
    assert _footer(app).startswith("3 / ")
    assert _param(app, "slide") == "3"
    app.button(key="present_prev").click().run()
    assert _footer(app).startswith("2 / ") and _param(app, "slide") == "2"
    app.button(key="present_prev").click().run()
    app.button(key="present_prev").click().run()
    assert _footer(app).startswith("1 / "), "never before the first screen"
    assert not app.exception


def test_chart_screens_show_a_chart_and_figure_screens_big_numbers(app):
    _open(app, period="2025Q4", slide="3")  # 先锋指数 trend
    assert len(app.get("plotly_chart")) == 1
    assert "先锋指数均值" in app.title[0].value.replace("\\", "")
    assert [m.value for m in app.metric] == ["86.7"]  # the headline beside the chart, no bullet list
    app.button(key="present_prev").click().run()  # 总体情况: the headline figures
    assert len(app.get("plotly_chart")) == 0
    assert [m.label for m in app.metric][:3] == ["党员", "先锋指数均值", "支部考核平均分"]
    texts = " ".join(m.value for m in app.markdown)
    assert "- " not in texts and "•" not in texts, "big numbers, not a list repeating them"


def test_last_screen_stays_last(app):
    built_total = None
    _open(app, period="2025Q4", scope="B01", slide="999")
    footer = _footer(app)
    built_total = int(footer.split(" / ")[1].split(" ")[0])
    assert footer.startswith(f"{built_total} / ")
    app.button(key="present_next").click().run()
    assert _footer(app).startswith(f"{built_total} / ")


def test_bad_parameters_fall_back_with_a_warning(app):
    _open(app, period="2025Q9", scope="X99", sections="党费", auto="2")
    warnings = " ".join(w.value for w in app.warning)
    assert "期间" in warnings and "范围" in warnings and "内容" in warnings
    assert "全院" in _header(app) and "每 5 秒自动翻页" in _footer(app)  # at least 5 seconds between screens


def test_sections_parameter_limits_the_screens(app):
    _open(app, period="2025Q4", sections="tasks", slide="2")
    footer = _footer(app)
    assert footer.startswith("2 / 4 ") and "办实事" in footer


@pytest.mark.parametrize("text, expected", [
    ("a*b_c", r"a\*b\_c"),
    ("<script>", r"\<script\>"),
    ("$x$ :red[y]", r"\$x\$ \:red\[y\]"),
    ("86.9（n=640）", r"86\.9（n\=640）"),
])
def test_text_reaches_markdown_escaped(text, expected):
    assert markdown_escape(text) == expected


def test_auto_advance_control_follows_the_url_and_changes_it(app):
    _open(app, period="2025Q4", auto="20")
    assert app.selectbox(key="present_auto").value == 20
    assert "每 20 秒自动翻页" in _footer(app) and _param(app, "auto") == "20"
    app.selectbox(key="present_auto").set_value(0).run()
    assert "自动翻页" not in _footer(app) and _param(app, "auto") is None
    app.selectbox(key="present_auto").set_value(10).run()
    assert _param(app, "auto") == "10"


def test_light_theme_and_dashboard_layout_from_the_url(app):
    _open(app, period="2025Q4", theme="light", layout="dashboard")
    assert app.selectbox(key="present_theme").value == "light"
    assert app.selectbox(key="present_layout").value == "dashboard"
    assert _param(app, "theme") == "light" and _param(app, "layout") == "dashboard"
    tiles = app.metric
    assert 4 <= len(tiles) <= 6
    assert 1 <= len(app.get("plotly_chart")) <= len(tiles)
    assert [m.value for m in app.markdown if m.value.startswith("仪表盘")] and "数据截至" in _header(app)
    app.selectbox(key="present_layout").set_value("slides").run()
    assert _param(app, "layout") is None and _footer(app).startswith("1 / ")
