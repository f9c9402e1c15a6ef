"""Accounts, sign-in lockout, sessions and the audit log, on a real DuckDB file.

Time never sleeps here: every call gets ``now`` from the test. Hashing uses cheap argon2
parameters (the production default, ``auth.DEFAULT_HASHER``, is checked separately).
"""

from __future__ import annotations

import json
import threading
from datetime import datetime, timedelta

import pytest
from argon2 import PasswordHasher

from analysis import config, db
from analysis.access import accounts, auth
from analysis.access.audit import ACTIONS, audit_entries, record
from analysis.scope import Scope

FAST = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
T0 = datetime(2024, 7, 1, 9, 0, 0)
ADMIN = Scope.committee("admin")
GOOD = "Dangjian#2024"
OTHER_GOOD = "Xianfeng!2025"


@pytest.fixture
def con(tmp_path):
    con = db.open_database(tmp_path / "auth.duckdb", cfg=config.DEFAULT)
    with db.transaction(con):
        con.execute("INSERT INTO org_unit (unit_id, name, level) VALUES ('C', '医院党委', 'committee')")
        con.execute(
            "INSERT INTO org_unit (unit_id, name, level, parent_id) VALUES ('B01', '内科党支部', 'branch', 'C')"
        )
    yield con
    con.close()


@pytest.fixture
def user(con):
    auth.create_user(
        con, username="zhang.wei", display_name="张伟", role="secretary", unit_id="B01",
        password=GOOD, actor=ADMIN, now=T0, hasher=FAST,
    )
    return "zhang.wei"


def login(con, username, password, at, **kw):
    return auth.authenticate(con, username, password, now=at, hasher=FAST, **kw)


def actions(con, username=None):
    rows = con.execute(
        "SELECT action FROM audit_log WHERE $u IS NULL OR username = $u ORDER BY audit_id",
        {"u": username},
    ).fetchall()
    return [r[0] for r in rows]


# --------------------------------------------------------------------------- sign-in


def test_login_success_gives_scope_and_audit(con, user):
    result = login(con, user, GOOD, T0)
    assert result.ok
    assert result.scope == Scope("zhang.wei", "secretary", "B01")
    assert result.display_name == "张伟"
    assert result.must_change_password  # created by an administrator
    assert result.session_id is None
    assert actions(con, user)[-1] == "login"


def test_wrong_password_and_unknown_user_look_the_same(con, user):
    wrong = login(con, user, "Wrong#2024x", T0)
    unknown = login(con, "nobody", GOOD, T0)
    invalid = login(con, "名字 with spaces", GOOD, T0)
    assert not wrong.ok and not unknown.ok and not invalid.ok
    assert wrong.message_zh == unknown.message_zh == invalid.message_zh == "用户名或密码错误。"
    assert wrong.scope is None and unknown.scope is None
    assert actions(con, user) == ["login_failed"]
    assert actions(con, "nobody") == ["login_failed"]


def test_unknown_user_still_spends_hash_time(con, monkeypatch):
    calls = []
    real_verify = auth._verify
    monkeypatch.setattr(auth, "_verify", lambda *a: calls.append(a) or real_verify(*a))
    login(con, "nobody", GOOD, T0)
    assert len(calls) == 1


def test_lockout_after_five_failures(con, user):
    for i in range(4):
        result = login(con, user, "Wrong#2024x", T0 + timedelta(seconds=i))
        assert result.message_zh == "用户名或密码错误。"
        assert result.locked_until is None
    fifth = login(con, user, "Wrong#2024x", T0 + timedelta(seconds=4))
    assert not fifth.ok
    assert fifth.locked_until == T0 + timedelta(seconds=4, minutes=15)
    # 09:15:04 rounded up to the minute
    assert "锁定" in fifth.message_zh and "2024-07-01 09:16" in fifth.message_zh
    assert actions(con, user) == ["login_failed"] * 5 + ["lockout"]


def test_locked_account_refuses_right_password_until_interval_passes(con, user):
    for _ in range(5):
        login(con, user, "Wrong#2024x", T0)
    during = login(con, user, GOOD, T0 + timedelta(minutes=14, seconds=59))
    assert not during.ok and "锁定" in during.message_zh and "09:15" in during.message_zh
    after = login(con, user, GOOD, T0 + timedelta(minutes=15))
    assert after.ok
    assert con.execute(
        "SELECT failed_logins, locked_until FROM app_user WHERE username = ?", [user]
    ).fetchone() == (0, None)


def test_after_lockout_a_new_series_starts(con, user):
    for _ in range(5):
        login(con, user, "Wrong#2024x", T0)
    # lock passed: one more wrong password is failure 1 of a new series, not a new lock
    again = login(con, user, "Wrong#2024x", T0 + timedelta(minutes=16))
    assert again.locked_until is None and again.message_zh == "用户名或密码错误。"


def test_success_resets_failure_counter(con, user):
    for _ in range(4):
        login(con, user, "Wrong#2024x", T0)
    assert login(con, user, GOOD, T0).ok
    for _ in range(4):
        result = login(con, user, "Wrong#2024x", T0)
    assert result.locked_until is None  # 4 failures after the reset, not 8
    assert login(con, user, GOOD, T0).ok


def test_unknown_names_lock_out_like_real_ones(con, user):
    """Otherwise 'locked after 5 tries' would reveal which names exist."""
    real = [login(con, user, "Wrong#2024x", T0) for _ in range(6)]
    fake = [login(con, "ghost", "Wrong#2024x", T0) for _ in range(6)]
    assert [r.message_zh for r in real] == [f.message_zh for f in fake]
    assert "lockout" in actions(con, "ghost")
    # creating the account later does not inherit the ghost's counter
    auth.create_user(con, username="ghost", display_name="新用户", role="researcher",
                     password=GOOD, actor=ADMIN, now=T0, hasher=FAST)
    assert login(con, "ghost", GOOD, T0).ok


def test_concurrent_failures_are_counted_exactly(con, user):
    """Each Streamlit session uses its own cursor; DuckDB write conflicts are retried."""
    errors = []

    def attempt(name):
        cur = con.cursor()
        try:
            for _ in range(3):
                auth.authenticate(cur, name, "Wrong#2024x", now=T0, hasher=FAST)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            cur.close()

    threads = [threading.Thread(target=attempt, args=(name,)) for name in [user, "ghost"] * 4]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    counts = dict(con.execute(
        "SELECT username || ':' || action, count(*) FROM audit_log WHERE action <> 'user_create' GROUP BY ALL"
    ).fetchall())
    # 12 attempts per name; the first 5 count, the 5th locks, the other 7 meet the lock
    assert counts == {f"{user}:login_failed": 12, f"{user}:lockout": 1,
                      "ghost:login_failed": 12, "ghost:lockout": 1}
    assert con.execute("SELECT failed_logins FROM app_user WHERE username = ?", [user]).fetchone() == (5,)


def test_inactive_account_cannot_sign_in(con, user):
    auth.set_active(con, user, False, ADMIN, now=T0)
    assert login(con, user, "Wrong#2024x", T0).message_zh == "用户名或密码错误。"
    result = login(con, user, GOOD, T0)
    assert not result.ok and "停用" in result.message_zh
    auth.set_active(con, user, True, ADMIN, now=T0)
    assert login(con, user, GOOD, T0).ok


def test_outdated_hash_is_upgraded_at_sign_in(con, user):
    stronger = PasswordHasher(time_cost=2, memory_cost=16, parallelism=1)
    before = con.execute("SELECT password_hash FROM app_user WHERE username = ?", [user]).fetchone()[0]
    assert auth.authenticate(con, user, GOOD, now=T0, hasher=stronger).ok
    after = con.execute("SELECT password_hash FROM app_user WHERE username = ?", [user]).fetchone()[0]
    assert after != before and not stronger.check_needs_rehash(after)
    assert auth.authenticate(con, user, GOOD, now=T0, hasher=stronger).ok


def test_production_hasher_is_argon2id_with_strong_parameters():
    h = auth.DEFAULT_HASHER
    assert h.type.name == "ID" and h.time_cost >= 2 and h.memory_cost >= 19 * 1024


# --------------------------------------------------------------------------- sessions


def test_session_stays_alive_with_activity_and_ends_on_logout(con, user):
    result = login(con, user, GOOD, T0, create_session=True)
    token = result.session_id
    assert token and len(token) >= 40
    stored = con.execute("SELECT session_id FROM app_session").fetchone()[0]
    assert stored != token  # only the token's hash is stored
    for minutes in (20, 40, 60):  # 20 minutes apart: never idle for 30
        state = auth.touch_session(con, token, now=T0 + timedelta(minutes=minutes))
        assert state.ok and state.scope == Scope("zhang.wei", "secretary", "B01")
    assert auth.end_session(con, token, now=T0 + timedelta(minutes=61))
    state = auth.touch_session(con, token, now=T0 + timedelta(minutes=62))
    assert state.status == "ended" and state.end_reason == "logout"
    assert not auth.end_session(con, token)  # already ended
    assert actions(con, user)[-1] == "logout"


def test_idle_timeout_after_30_minutes(con, user):
    token = auth.start_session(con, user, now=T0)
    assert auth.touch_session(con, token, now=T0 + timedelta(minutes=30)).ok
    state = auth.touch_session(con, token, now=T0 + timedelta(minutes=60, seconds=1))
    assert state.status == "expired" and state.end_reason == "idle_timeout"
    assert "超时" in state.message_zh
    # stays ended
    assert auth.touch_session(con, token, now=T0 + timedelta(minutes=61)).status == "ended"
    detail = con.execute(
        "SELECT detail FROM audit_log WHERE action = 'logout' ORDER BY audit_id DESC LIMIT 1"
    ).fetchone()[0]
    assert json.loads(detail)["reason"] == "idle_timeout"


def test_activity_is_written_at_most_once_a_minute_and_idle_ends_early_never_late(con, user):
    token = auth.start_session(con, user, now=T0)

    def last_seen():
        return con.execute("SELECT last_seen FROM app_session").fetchone()[0]

    assert auth.touch_session(con, token, now=T0 + timedelta(seconds=59)).ok
    assert last_seen() == T0  # a page run within the minute writes nothing
    assert auth.touch_session(con, token, now=T0 + timedelta(seconds=60)).ok
    assert last_seen() == T0 + timedelta(seconds=60)
    assert auth.touch_session(con, token, now=T0 + timedelta(seconds=119)).ok  # not written
    # Idle is measured from the last write: 30 min after it the session ends, 59 s earlier
    # than from the unwritten activity; never later.
    state = auth.touch_session(con, token, now=T0 + timedelta(minutes=31, seconds=1))
    assert state.status == "expired" and state.end_reason == "idle_timeout"


def test_absolute_timeout_after_12_hours(con, user):
    token = auth.start_session(con, user, now=T0)
    at = T0
    while at + timedelta(minutes=20) <= T0 + timedelta(hours=12):
        at += timedelta(minutes=20)
        assert auth.touch_session(con, token, now=at).ok
    state = auth.touch_session(con, token, now=T0 + timedelta(hours=12, minutes=1))
    assert state.status == "expired" and state.end_reason == "absolute_timeout"


def test_unknown_token_is_invalid(con, user):
    assert auth.touch_session(con, "not-a-token", now=T0).status == "invalid"
    assert auth.touch_session(con, None, now=T0).status == "invalid"


def test_session_scope_follows_role_changes_and_deactivation(con, user):
    token = auth.start_session(con, user, now=T0)
    auth.update_user(con, user, display_name="张伟", role="researcher", unit_id=None, actor=ADMIN, now=T0)
    assert auth.touch_session(con, token, now=T0).scope == Scope("zhang.wei", "researcher")
    auth.set_active(con, user, False, ADMIN, now=T0)
    state = auth.touch_session(con, token, now=T0)
    assert state.status == "ended" and state.end_reason == "user_disabled"


# --------------------------------------------------------------------------- passwords


@pytest.mark.parametrize(
    ("password", "problem"),
    [
        ("Ab#1234", "长度至少为8位"),                 # 7 characters
        ("abcdefgh1234", "中的3类（当前只有2类）"),  # lower + digit only
        ("ABCDEFGH!!!!", "中的3类（当前只有2类）"),  # upper + symbol only
        ("Zhang.Wei#2024", "不能包含用户名"),         # contains the name, any case
        ("zhang.wei", "不能包含用户名"),
    ],
)
def test_password_rules_refuse(password, problem):
    problems = auth.password_problems(password, username="zhang.wei")
    assert any(problem in p for p in problems), problems
    with pytest.raises(auth.PasswordRuleError, match=problem.replace("（", ".").replace("）", ".")):
        auth.check_password(password, username="zhang.wei")


@pytest.mark.parametrize("password", ["Dangjian#2024", "dangjian#2024", "Dangjian2024", "党建Dang2024"])
def test_password_rules_accept_strong(password):
    assert auth.password_problems(password, username="zhang.wei") == []


def test_password_policy_is_configurable():
    strict = auth.PasswordPolicy(min_length=12, min_classes=4)
    assert auth.password_problems("Dangjian#2024", policy=strict) == []
    assert auth.password_problems("Dangjian2024", policy=strict)  # 12 chars, 3 classes
    with pytest.raises(ValueError):
        auth.PasswordPolicy(min_classes=5)


def test_create_user_enforces_password_rules(con):
    with pytest.raises(auth.PasswordRuleError, match="长度"):
        auth.create_user(con, username="li", display_name="李", role="researcher",
                         password="Ab#1", actor=ADMIN, now=T0, hasher=FAST)
    assert con.execute("SELECT count(*) FROM app_user").fetchone()[0] == 0


def test_change_password_ends_other_sessions_only(con, user):
    mine = auth.start_session(con, user, now=T0)
    phone = auth.start_session(con, user, now=T0)
    ended = auth.change_password(con, user, GOOD, OTHER_GOOD, current_session_id=mine,
                                 now=T0 + timedelta(minutes=1), hasher=FAST)
    assert ended == 1
    assert auth.touch_session(con, mine, now=T0 + timedelta(minutes=2)).ok
    other = auth.touch_session(con, phone, now=T0 + timedelta(minutes=2))
    assert other.status == "ended" and other.end_reason == "password_changed"
    assert not login(con, user, GOOD, T0 + timedelta(minutes=3)).ok
    fresh = login(con, user, OTHER_GOOD, T0 + timedelta(minutes=3))
    assert fresh.ok and not fresh.must_change_password
    assert con.execute(
        "SELECT password_changed_at FROM app_user WHERE username = ?", [user]
    ).fetchone()[0] == T0 + timedelta(minutes=1)
    assert "password_change" in actions(con, user)


def test_change_password_checks_old_password_rules_and_session(con, user):
    mine = auth.start_session(con, user, now=T0)
    with pytest.raises(auth.AuthError, match="原密码不正确"):
        auth.change_password(con, user, "Wrong#2024x", OTHER_GOOD, current_session_id=mine, now=T0, hasher=FAST)
    with pytest.raises(auth.PasswordRuleError, match="3类"):
        auth.change_password(con, user, GOOD, "weakweakweak", current_session_id=mine, now=T0, hasher=FAST)
    with pytest.raises(auth.PasswordRuleError, match="相同"):
        auth.change_password(con, user, GOOD, GOOD, current_session_id=mine, now=T0, hasher=FAST)
    with pytest.raises(auth.AuthError):
        auth.change_password(con, user, GOOD, OTHER_GOOD, current_session_id="forged", now=T0, hasher=FAST)
    assert login(con, user, GOOD, T0).ok  # nothing changed


def test_reset_password_ends_all_sessions(con, user):
    a = auth.start_session(con, user, now=T0)
    b = auth.start_session(con, user, now=T0)
    assert auth.reset_password(con, user, OTHER_GOOD, ADMIN, now=T0, hasher=FAST) == 2
    for token in (a, b):
        assert auth.touch_session(con, token, now=T0).end_reason == "password_reset"
    result = login(con, user, OTHER_GOOD, T0)
    assert result.ok and result.must_change_password


# --------------------------------------------------------------------------- bootstrap


def test_ensure_admin_generates_a_random_password_once(con):
    password = auth.ensure_admin(con, env={}, now=T0, hasher=FAST)
    assert password and auth.password_problems(password, username="admin") == []
    assert auth.ensure_admin(con, env={}, now=T0, hasher=FAST) is None
    users = auth.list_users(con, scope=Scope.committee())
    assert users["username"].tolist() == ["admin"]
    assert users.loc[0, "role"] == "committee"
    result = login(con, "admin", password, T0)
    assert result.ok and result.must_change_password
    assert result.scope == Scope.committee("admin")
    detail = json.loads(con.execute(
        "SELECT detail FROM audit_log WHERE action = 'user_create'").fetchone()[0])
    assert detail["password_source"] == "generated" and password not in json.dumps(detail)


def test_ensure_admin_passwords_differ_between_databases(tmp_path):
    seen = set()
    for i in range(2):
        con = db.open_database(tmp_path / f"{i}.duckdb", cfg=config.DEFAULT)
        seen.add(auth.ensure_admin(con, env={}, hasher=FAST))
        con.close()
    assert len(seen) == 2


def test_ensure_admin_uses_env_password(con):
    env = {auth.ADMIN_PASSWORD_ENV: "Yiyuan#Dangban9"}
    assert auth.ensure_admin(con, env=env, now=T0, hasher=FAST) is None
    assert login(con, "admin", "Yiyuan#Dangban9", T0).ok
    assert con.execute("SELECT count(*) FROM app_user").fetchone()[0] == 1


@pytest.mark.parametrize("weak", ["admin123", "Short#1", "Hospital#Admin9"])
def test_ensure_admin_rejects_weak_env_password(con, weak):
    with pytest.raises(auth.PasswordRuleError, match=auth.ADMIN_PASSWORD_ENV):
        auth.ensure_admin(con, env={auth.ADMIN_PASSWORD_ENV: weak}, now=T0, hasher=FAST)
    assert con.execute("SELECT count(*) FROM app_user").fetchone()[0] == 0


def test_ensure_admin_does_nothing_when_accounts_exist(con, user):
    assert auth.ensure_admin(con, env={auth.ADMIN_PASSWORD_ENV: "Yiyuan#Dangban9"}, hasher=FAST) is None
    assert auth.list_users(con, scope=Scope.committee())["username"].tolist() == [user]


# --------------------------------------------------------------------------- administration


def test_admin_functions_need_a_committee_actor(con, user):
    secretary = Scope("zhang.wei", "secretary", "B01")
    with pytest.raises(PermissionError):
        auth.create_user(con, username="x1", display_name="X", role="researcher",
                         password=GOOD, actor=secretary, hasher=FAST)
    with pytest.raises(PermissionError):
        auth.reset_password(con, user, OTHER_GOOD, secretary, hasher=FAST)
    with pytest.raises(PermissionError):
        auth.set_active(con, user, False, secretary)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"username": "a b"}, "用户名须为"),
        ({"username": "Zhang.Wei"}, "已存在"),
        ({"role": "secretary", "unit_id": None}, "须指定"),
        ({"role": "secretary", "unit_id": "C"}, "不是党支部"),
        ({"role": "researcher", "unit_id": "B01"}, "只有书记"),
        ({"role": "boss"}, "未知角色"),
        ({"display_name": " "}, "姓名不能为空"),
    ],
)
def test_create_user_validates(con, user, kwargs, message):
    args = dict(username="li.na", display_name="李娜", role="researcher", unit_id=None,
                password=OTHER_GOOD, actor=ADMIN, hasher=FAST)
    with pytest.raises(ValueError, match=message):
        auth.create_user(con, **{**args, **kwargs})


def test_last_committee_account_cannot_be_disabled_or_demoted(con):
    auth.ensure_admin(con, env={}, hasher=FAST)
    auth.create_user(con, username="office", display_name="党办", role="committee",
                     password=GOOD, actor=ADMIN, hasher=FAST)
    with pytest.raises(ValueError, match="自己"):
        auth.set_active(con, "admin", False, ADMIN)
    auth.set_active(con, "admin", False, Scope.committee("office"))
    with pytest.raises(ValueError, match="至少"):
        auth.update_user(con, "office", display_name="党办", role="researcher", unit_id=None,
                         actor=Scope.committee("office"))


def test_list_users_has_no_hashes(con, user):
    auth.start_session(con, user, now=T0)
    df = auth.list_users(con, scope=Scope.committee())
    assert not any("hash" in c for c in df.columns)
    row = df.iloc[0]
    assert (row["role_zh"], row["unit_name"], row["open_sessions"]) == ("总支/支部书记", "内科党支部", 1)


# --------------------------------------------------------------------------- audit log


def test_audit_rows_for_every_auth_action(con, user):
    token = login(con, user, GOOD, T0, create_session=True).session_id
    auth.change_password(con, user, GOOD, OTHER_GOOD, current_session_id=token, now=T0, hasher=FAST)
    auth.end_session(con, token, now=T0)
    for _ in range(5):
        login(con, user, "Wrong#2024x", T0)
    got = set(actions(con))
    assert {"user_create", "login", "password_change", "logout", "login_failed", "lockout"} <= got
    df = audit_entries(con, scope=ADMIN)
    assert df.columns.tolist() == ["audit_id", "logged_at", "username", "action", "action_zh", "detail"]
    assert df["audit_id"].is_monotonic_decreasing
    created = df[df["action"] == "user_create"].iloc[0]
    assert created["username"] == "admin" and created["action_zh"] == "创建账号"
    assert json.loads(created["detail"])["display_name"] == "张伟"  # ensure_ascii=False, valid JSON
    assert "张伟" in created["detail"]
    assert GOOD not in " ".join(df["detail"].dropna()) and token not in " ".join(df["detail"].dropna())


def test_audit_changes_commit_with_their_change(con, user, monkeypatch):
    """A failing audit insert rolls the account change back with it."""
    def broken(*args, **kwargs):
        raise RuntimeError("disk full")
    monkeypatch.setattr(accounts, "record", broken)  # reset_password lives in accounts
    with pytest.raises(RuntimeError):
        auth.reset_password(con, user, OTHER_GOOD, ADMIN, now=T0, hasher=FAST)
    monkeypatch.undo()
    assert login(con, user, GOOD, T0).ok


def test_audit_entries_filters(con, user):
    login(con, user, GOOD, T0)
    login(con, user, "Wrong#2024x", T0 + timedelta(hours=1))
    record(con, "admin", "export", "导出 2024Q2 支部排名", now=T0 + timedelta(hours=2))
    assert audit_entries(con, scope=ADMIN, action="login")["username"].tolist() == [user]
    since = audit_entries(con, scope=ADMIN, since=T0 + timedelta(minutes=30))
    assert since["action"].tolist() == ["export", "login_failed"]
    assert json.loads(since.loc[0, "detail"]) == "导出 2024Q2 支部排名"
    assert len(audit_entries(con, scope=ADMIN, limit=1)) == 1
    assert audit_entries(con, scope=ADMIN, username="nobody").empty
    with pytest.raises(ValueError):
        audit_entries(con, scope=ADMIN, limit=0)


@pytest.mark.parametrize(
    "scope", [Scope("zhang.wei", "secretary", "B01"), Scope("r1", "researcher")]
)
def test_audit_entries_refuse_non_committee(con, scope):
    with pytest.raises(PermissionError):
        audit_entries(con, scope=scope)


def test_record_refuses_unknown_action(con):
    with pytest.raises(ValueError, match="unknown audit action"):
        record(con, "admin", "delete_everything")
    assert set(ACTIONS) >= {"login", "login_failed", "logout", "lockout", "password_change",
                            "user_create", "user_update", "import", "rollback", "export",
                            "config_change"}


def test_audit_module_offers_no_update_or_delete():
    import inspect

    from analysis.access import audit as audit_mod
    source = inspect.getsource(audit_mod).upper()
    assert "UPDATE AUDIT_LOG" not in source and "DELETE FROM AUDIT_LOG" not in source
