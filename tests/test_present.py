"""AppTest of 大屏展示: URL parameters, next/previous without a keyboard, the URL kept in step.

Auto-advance and the idle timeout need a real browser clock: see tests/test_present_browser.py.
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


def _param(app, key):
    value = app.query_params.get(key)
    return value[0] if isinstance(value, list) else value


@pytest.fixture()
def app(demo_path, tmp_path, monkeypatch):
    app = signed_in_app(demo_path, tmp_path, monkeypatch, "dangban")
    yield app
    release(app)


def test_url_parameters_choose_period_scope_and_screen(app):
    _open(app, period="2025Q4", scope="G01", slide="3")
    footer = _footer(app)
    assert footer.startswith("3 / ") and "总览" in footer and "内科党总支" in footer and "2025年第4季度" in footer
    total = int(footer.split(" / ")[1].split(" ")[0])
    assert total >= 20
    title = app.title[0].value.replace("\\", "")
    assert title.startswith("2025年第4季度内科党总支要点")
    assert _param(app, "slide") == "3" and _param(app, "scope") == "G01"


def test_next_and_previous_buttons_move_and_keep_the_url_in_step(app):
    _open(app, period="2025", scope="hospital", slide="1")
    assert _footer(app).startswith("1 / ") and "封面" in _footer(app)
    assert app.title[0].value.replace("\\", "") == "2025年度党建工作数据汇报"
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
    _open(app, period="2025Q4", slide="4")  # 先锋指数 trend
    assert len(app.get("plotly_chart")) == 1
    assert "先锋指数均值" in app.title[0].value.replace("\\", "")
    app.button(key="present_prev").click().run()  # 要点: four headline figures
    assert len(app.get("plotly_chart")) == 0
    assert [m.label for m in app.metric][:2] == ["先锋指数均值", "支部考核平均分"]


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
    footer = _footer(app)
    assert "全院" in footer and "每 5 秒自动翻页" in footer  # at least 5 seconds between screens


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
