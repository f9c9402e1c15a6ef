"""Signing in through the real login form, logging out, and what each role's navigation offers."""

from __future__ import annotations

import shutil

import pytest
from streamlit.testing.v1 import AppTest

from analysis import db
from analysis.access import auth
from analysis.scope import Scope
from tests.apptest import ROOT, release, signed_in_app

PASSWORD = "Test-Passw0rd!"


@pytest.fixture()
def fresh_app(demo_path, tmp_path, monkeypatch):
    copy = tmp_path / "login.duckdb"
    shutil.copy(demo_path, copy)
    con = db.open_database(copy)
    auth.create_user(con, username="tester", display_name="测试用户", role="committee", password=PASSWORD,
                     actor=Scope.committee(), must_change_password=False)
    con.close()
    monkeypatch.setenv("PARTY_DASHBOARD_DB", str(copy))
    release()
    yield AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    release()


def test_login_form_is_shown_without_session(fresh_app):
    fresh_app.run()
    assert [t.label for t in fresh_app.text_input] == ["用户名", "密码"]
    assert not fresh_app.metric, "no data before signing in"


def test_wrong_password_then_right_password(fresh_app):
    fresh_app.run()
    fresh_app.text_input[0].input("tester")
    fresh_app.text_input[1].input("wrong-password")
    fresh_app.button[0].click().run()
    assert [e.value for e in fresh_app.error] == ["用户名或密码错误。"]
    fresh_app.text_input[0].input("tester")
    fresh_app.text_input[1].input(PASSWORD)
    fresh_app.button[0].click().run()
    assert not fresh_app.exception
    assert {m.label for m in fresh_app.metric} >= {"党员", "完成率"}


def test_logout_ends_the_server_session(fresh_app):
    fresh_app.run()
    fresh_app.text_input[0].input("tester")
    fresh_app.text_input[1].input(PASSWORD)
    fresh_app.button[0].click().run()
    token = fresh_app.session_state["session_token"]
    fresh_app.sidebar.button(key="sign_out").click().run()
    assert "session_token" not in fresh_app.session_state
    assert any("退出" in w.value for w in fresh_app.warning)
    fresh_app.session_state["session_token"] = token  # a stolen token is dead too
    fresh_app.run()
    assert [t.label for t in fresh_app.text_input] == ["用户名", "密码"]


@pytest.mark.parametrize(("username", "visible", "hidden"), [
    ("dangban", {"数据导入", "账户与审计", "先锋指数"}, set()),
    ("zhibu", {"先锋指数", "支部考核", "问卷分析"}, {"数据导入", "账户与审计"}),
    ("yanjiu", {"总览", "问卷分析"}, {"先锋指数", "支部考核", "数据导入", "账户与审计", "汇报材料"}),
])
def test_navigation_by_role(demo_path, tmp_path, monkeypatch, username, visible, hidden):
    app = signed_in_app(demo_path, tmp_path, monkeypatch, username)
    try:
        app.run()
        assert not app.exception
        # The navigation is not exposed as an element; switching to a hidden page must fail.
        for title, page in (("数据导入", "pages/data_import.py"), ("先锋指数", "pages/vanguard.py")):
            if title in hidden:
                with pytest.raises(Exception):  # noqa: B017 (AppTest wraps the page's refusal)
                    app.switch_page(page).run()
    finally:
        release()
