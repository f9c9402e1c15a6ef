"""The attacks of issue #13 on a running copy of the app, one test each, named after the attack:
the attack list is the test list. Each reproduces the attack and failed on the code before the
fix (see the issue's report).
"""

from __future__ import annotations

import io
import logging
import os
import shutil
import subprocess
import threading
import time
import urllib.parse
from datetime import datetime, timedelta

import openpyxl
import pytest
from argon2 import PasswordHasher
from pptx import Presentation
from streamlit.testing.v1 import AppTest

from analysis import db, report, survey
from analysis.access import auth
from analysis.access.throttle import ClientThrottle
from analysis.cli import main as cli
from analysis.config import LoginPolicy
from analysis.ingest import importer, inbox
from analysis.scope import Scope
from tests import builders
from tests.apptest import ROOT, open_section, release, signed_in_app
from tests.browser import SHOTS, app_server, chromium, demo_copy_with_user, requires_chromium, settle, sign_in
from tests.survey_fixtures import make_survey, repeat
from tests.test_import import branch_rows, write_csv

COMMITTEE = Scope.committee("dangban")
CHEAP = {"time_cost": 1, "memory_cost": 8, "parallelism": 1}
RIGHT = "Right-Password-2025!"
NOBODY = 65534  # the 'nobody' user: "another local user"


class GatedHasher(PasswordHasher):
    """argon2 (cheap parameters) that counts its verifications and holds each one until the gate
    of its password opens, so that a test decides which attempts are in flight together."""

    def __init__(self) -> None:
        super().__init__(**CHEAP)
        self.lock = threading.Lock()
        self.calls = self.active = self.peak = 0
        self.gates: dict[str, threading.Event] = {}
        self.default_gate = threading.Event()

    def verify(self, hash, password) -> bool:  # noqa: A002 - argon2's parameter name
        with self.lock:
            self.calls += 1
            self.active += 1
            self.peak = max(self.peak, self.active)
        try:
            self.gates.get(password, self.default_gate).wait(timeout=30)
            return super().verify(hash, password)
        finally:
            with self.lock:
                self.active -= 1


def wait_until(condition, timeout: float = 10.0) -> None:
    """Poll ``condition`` until it holds or ``timeout`` passes (the old code may never get there)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not condition():
        time.sleep(0.02)


def account(con, username: str, hasher: PasswordHasher, password: str = RIGHT, role: str = "committee") -> None:
    auth.create_user(con, username=username, display_name=username, role=role, password=password, actor=COMMITTEE,
                     must_change_password=False, hasher=hasher)


def audit_count(con, action: str, username: str | None = None) -> int:
    return con.execute("SELECT count(*) FROM audit_log WHERE action = ? AND (? IS NULL OR username = ?)",
                       [action, username, username]).fetchone()[0]


class Attempts:
    """Sign-in attempts on separate threads (each with its own cursor), answers kept by key."""

    def __init__(self, con, policy: LoginPolicy, hasher: PasswordHasher) -> None:
        self.con, self.policy, self.hasher = con, policy, hasher
        self.answers: dict[object, object] = {}
        self.threads: dict[object, threading.Thread] = {}

    def start(self, key, username: str, password: str) -> threading.Thread:
        def run() -> None:
            try:
                self.answers[key] = auth.authenticate(self.con.cursor(), username, password, policy=self.policy,
                                                      hasher=self.hasher)
            except Exception as exc:  # noqa: BLE001 - an attempt that crashed is an answer too
                self.answers[key] = exc

        thread = self.threads[key] = threading.Thread(target=run, daemon=True)
        thread.start()
        return thread

    def finished(self, keys) -> int:
        return sum(not self.threads[k].is_alive() for k in keys)

    def join(self) -> None:
        for thread in self.threads.values():
            thread.join(timeout=60)


# ------------------------------------------------------------------------------ 1. parallel guesses


def test_parallel_guesses_bypass_the_lockout(empty_con):
    # 49 wrong guesses arrive together; the right password arrives while they are being checked.
    hasher = GatedHasher()
    account(empty_con, "target", hasher)
    policy = LoginPolicy(concurrent_checks=64, check_wait_seconds=30)
    attempts = Attempts(empty_con, policy, hasher)
    wrong = [f"w{i}" for i in range(49)]
    for key in wrong:
        attempts.start(key, "target", f"Wrong-{key}-2025!")
    wait_until(lambda: attempts.finished(wrong) + hasher.active >= len(wrong))
    in_check = hasher.active
    attempts.start("right", "target", RIGHT)
    wait_until(lambda: attempts.finished(["right"]) == 1 or hasher.active > in_check, timeout=5)
    hasher.default_gate.set()
    attempts.join()
    assert hasher.calls <= policy.max_failures
    assert not [a for a in attempts.answers.values() if getattr(a, "ok", False)]
    assert audit_count(empty_con, "lockout", "target") == 1
    # The right password got the answer every attempt during the lock got.
    refused = [attempts.answers[k] for k in wrong if attempts.answers[k].locked_until is not None]
    assert attempts.answers["right"].message_zh == refused[-1].message_zh


def test_parallel_right_password_during_a_lock_is_answered_like_a_wrong_one_and_audited(empty_con):
    # The right guess is checked first; five wrong ones arrive meanwhile and lock the name. The
    # right guess must then get the lock's answer (not "用户名或密码错误", which told the attacker
    # it was the right one), and the committee must learn that the password is known.
    hasher = GatedHasher()
    account(empty_con, "target", hasher)
    hasher.gates[RIGHT] = threading.Event()
    attempts = Attempts(empty_con, LoginPolicy(concurrent_checks=64, check_wait_seconds=30), hasher)
    attempts.start("right", "target", RIGHT)
    wait_until(lambda: hasher.active == 1)
    wrong = [f"w{i}" for i in range(5)]
    for key in wrong:
        attempts.start(key, "target", f"Wrong-{key}-2025!")
    wait_until(lambda: attempts.finished(wrong) >= 1 and hasher.active == 5)
    hasher.default_gate.set()
    for key in wrong:
        attempts.threads[key].join(timeout=30)
    hasher.gates[RIGHT].set()
    attempts.join()
    right = attempts.answers["right"]
    assert not right.ok and right.locked_until is not None
    assert right.message_zh == next(a.message_zh for a in map(attempts.answers.get, wrong) if a.locked_until)
    assert audit_count(empty_con, "login_refused_locked", "target") == 1


def test_parallel_attempts_verify_a_bounded_number_of_passwords_at_once(empty_con):
    # 48 attempts at once (48 different names, so the lockout does not cap them) used 3.4 GB of
    # argon2 memory; at most `concurrent_checks` may be verified at once, the rest hear 稍后再试.
    hasher = GatedHasher()
    policy = LoginPolicy(concurrent_checks=4, check_wait_seconds=1)
    attempts = Attempts(empty_con, policy, hasher)
    keys = list(range(48))
    for key in keys:
        attempts.start(key, f"guess{key}", f"Wrong-{key}-2025!")
    wait_until(lambda: attempts.finished(keys) >= 44)
    hasher.default_gate.set()
    attempts.join()
    assert hasher.peak <= policy.concurrent_checks
    assert sum(a.message_zh == auth.MSG_BUSY for a in attempts.answers.values()) == 44


# ------------------------------------------------------------------------------ 2. survey subtraction


def _party_survey(con) -> None:
    # 政治面貌 × 党建引领作用: 民主党派 has 3 respondents, one of whom chose 作用不明显.
    questions = {1: ("您的政治面貌", "single", ["共青团员", "中共党员", "群众", "民主党派"], None),
                 2: ("党建引领作用", "single", ["作用明显", "有一定作用", "作用不明显"], None)}
    responses = repeat(({1: 1, 2: 3}, 6), ({1: 1, 2: 1}, 14), ({1: 4, 2: 3}, 1), ({1: 4, 2: 1}, 2),
                       ({1: 2, 2: 1}, 30), ({1: 3, 2: 3}, 3), ({1: 3, 2: 1}, 27))
    make_survey(con, 1, questions, responses)


def _shown_effective(con, groups: dict | None) -> object:
    """The count of 作用不明显 in group 甲 (or the whole sample without groups), as the page shows it."""
    kwargs = {"group_question_no": 1, "groups": groups} if groups else {}
    shares = survey.effective_share(con, survey_id=1, question_no=2, effective_options=["作用不明显"],
                                    scope=Scope("r", "researcher"), min_cell=5, **kwargs)
    return shares.set_index("group").loc["甲" if groups else "全部", "effective"]


def test_survey_suppression_undone_by_subtraction(empty_con):
    # Issue: {民主党派, 共青团员} gave 7, {共青团员} gave 6, so the hidden 民主党派 × 作用不明显 was 1.
    _party_survey(empty_con)
    merged = _shown_effective(empty_con, {"甲": ["民主党派", "共青团员"], "乙": ["群众"]})
    alone = _shown_effective(empty_con, {"甲": ["共青团员"], "乙": ["群众"]})
    assert isinstance(merged, str) or isinstance(alone, str), (merged, alone)  # not both numbers
    # Nor from the whole sample minus everyone else (the complement of 民主党派).
    everyone_else = _shown_effective(empty_con, {"甲": ["共青团员", "中共党员", "群众"]})
    assert isinstance(everyone_else, str)


# ------------------------------------------------------------------------------ 3. markdown injection

PRESENT_USER, PRESENT_PASSWORD = "injectqa", "Inject-QA-2025!x"
PAYLOADS = {  # name fields an import fills, as the attack had them
    "B01": "[会话已过期，请点此重新登录](http://evil.example/login)",
    "B02": '<a href="http://evil.example/x">点此领取</a>',
    "B03": "![x](http://evil.example/t.png)",
    "B04": "http://evil.example/plain www.evil.example",
    "G01": "<img src=http://evil.example/g.png>内科党总支",
}
QUERY = {
    "scope": "[会话已过期，请点此重新登录](http://evil.example/login)",
    "period": "![x](http://evil.example/t.png)",
    "sections": '<a href="http://evil.example/s">x</a>',
    "slide": "[1](http://evil.example/n)",
    "auto": "<img src=http://evil.example/a.png>",
}
OUTSIDE_LINKS = """(origin) => [...document.querySelectorAll('a, img, image')].map(e =>
    e.getAttribute('href') || e.getAttribute('src') || e.getAttribute('xlink:href') || '')
  .filter(u => u && !u.startsWith('#') && !u.startsWith('data:') && !u.startsWith('blob:'))
  .filter(u => { try { return new URL(u, origin).origin !== origin } catch (e) { return true } })"""


@requires_chromium
def test_markdown_injection_through_url_parameters_and_names(demo_path, tmp_path):
    copy = demo_copy_with_user(demo_path, tmp_path, PRESENT_USER, PRESENT_PASSWORD)
    con = db.open_database(copy)
    for unit, name in PAYLOADS.items():
        con.execute("UPDATE org_unit SET name = ? WHERE unit_id = ?", [name, unit])
    con.execute("UPDATE survey_option SET text = '[群众](http://evil.example/q)' WHERE text = '群众'")
    con.execute("UPDATE service_task SET category = '![c](http://evil.example/c.png)' WHERE category = '便民服务'")
    con.close()
    with app_server(copy) as url, chromium() as browser:
        page = browser.new_page(viewport={"width": 1600, "height": 1000})
        page.goto(f"{url}/present?{urllib.parse.urlencode(QUERY)}", wait_until="domcontentloaded")
        page.get_by_label("密码").wait_for(timeout=60_000)
        sign_in(page, PRESENT_USER, PRESENT_PASSWORD)
        page.wait_for_selector(".st-key-present_footer", timeout=120_000)
        settle(page)
        page.screenshot(path=str(SHOTS / "security_present.png"))
        screens = int(page.locator(".st-key-present_footer").inner_text().split("/")[1].split("·")[0])
        outside, seen = [], ""
        for _ in range(screens):
            outside += page.evaluate(OUTSIDE_LINKS, url)
            seen += page.content()
            page.keyboard.press("ArrowRight")  # the on-screen controls hide while the mouse is still
            settle(page, quiet_ms=800)
        assert page.locator(".st-key-present_footer").inner_text().split("/")[0].strip().endswith(str(screens))
        assert outside == [], outside
        assert "evil.example" not in page.url
    # The names were on the screens, as text.
    assert "会话已过期，请点此重新登录" in seen and "点此领取" in seen


# ------------------------------------------------------------------------------ 4. the inbox


def test_inbox_trusts_whoever_created_it(tmp_path):
    con = db.open_database(tmp_path / "h.duckdb")
    try:
        foreign = tmp_path / "foreign.inbox"
        foreign.mkdir(mode=0o700)
        os.chown(foreign, NOBODY, NOBODY)
        with pytest.raises(PermissionError, match="belongs to"):
            inbox.start_worker(con, foreign)
        open_to_all = tmp_path / "open.inbox"
        open_to_all.mkdir()
        open_to_all.chmod(0o777)
        with pytest.raises(PermissionError, match="writable by group or others"):
            inbox.start_worker(con, open_to_all)
    finally:
        con.close()


def test_inbox_records_the_claimed_user_instead_of_the_os_user(tmp_path):
    # Another local user drops a rollback into the inbox, claiming to be dangban.
    path = tmp_path / "h.duckdb"
    con = db.open_database(path)
    with db.transaction(con):
        builders.add_org(con, {"G01": ["B01", "B02"]})
    csv = write_csv(tmp_path / "q1.csv", branch_rows("2025Q1", ["B01", "B02"], 0.9))
    importer.import_file(con, csv, user="dangban")
    spool = tmp_path / "h.duckdb.inbox"
    spool.mkdir(mode=0o700)
    request = spool / ("a" * 32)
    request.mkdir()
    (request / "request.json").write_text('{"action": "rollback", "batch_id": 1, "user": "dangban"}', encoding="utf-8")
    for owned in (request, request / "request.json"):
        os.chown(owned, NOBODY, NOBODY)
    try:
        [result] = inbox.process_pending(con.cursor(), spool)
        assert result["ok"], result
        who = con.execute("SELECT username FROM audit_log WHERE action = 'rollback'").fetchone()[0]
        assert who == "os:nobody"
        assert con.execute("SELECT rolled_back_by FROM import_batch WHERE batch_id = 1").fetchone()[0] == "os:nobody"
    finally:
        con.close()


# 5. Exports served from the media store before the click: the scale engineers test it (issue #12,
#    tests/test_downloads.py on their branch).


# ------------------------------------------------------------------------------ 6. the deck's workbook


def test_live_formula_inside_the_powerpoint(demo_path, tmp_path):
    copy = tmp_path / "deck.duckdb"
    shutil.copy(demo_path, copy)
    con = db.open_database(copy)
    try:
        formula = '=HYPERLINK("http://evil.example","点此查看")'
        con.execute("UPDATE service_task SET category = ? WHERE category = '便民服务'", [formula])
        built = report.build_report(con, scope=Scope.committee(), period="2025Q4", sections=["tasks"])
    finally:
        con.close()
    deck = Presentation(io.BytesIO(report.render(built, "pptx")))
    charts = [shape.chart for slide in deck.slides for shape in slide.shapes if shape.has_chart]
    cells = []
    for chart in charts:
        book = openpyxl.load_workbook(io.BytesIO(chart.part.chart_workbook.xlsx_part.blob))
        cells += [c for sheet in book for row in sheet.iter_rows() for c in row if c.value is not None]
    assert any("HYPERLINK" in str(c.value) for c in cells)  # the category is in the workbook ...
    assert not [c.coordinate for c in cells if c.data_type == "f" or str(c.value).startswith("=")]  # ... as text


# ------------------------------------------------------------------------------ 7. locking every account


def test_anyone_can_lock_any_account_forever(empty_con):
    # One anonymous client guesses once a second for ten minutes, round robin over four accounts.
    # Before: every account was locked, again and again. With the client's back-off (free 5,
    # then 1, 2, 4 ... s) its 14 guesses lock one account at most.
    hasher = PasswordHasher(**CHEAP)
    names = ["acct1", "acct2", "acct3", "acct4"]
    for name in names:
        account(empty_con, name, hasher)
    throttle, start = ClientThrottle(), datetime(2026, 1, 5, 9, 0)
    for second in range(600):
        auth.authenticate(empty_con, names[second % 4], "Wrong-Guess-2025!", now=start + timedelta(seconds=second),
                          hasher=hasher, client="203.0.113.9", throttle=throttle)
    end = start + timedelta(seconds=600)
    locked = empty_con.execute("SELECT count(*) FROM app_user WHERE locked_until > ?", [end]).fetchone()[0]
    assert locked <= 1
    # Someone on another address is not held up by that client.
    assert auth.authenticate(empty_con, "acct1", RIGHT, now=end, hasher=hasher, client="198.51.100.7",
                             throttle=throttle).ok


def test_committee_can_unlock_an_account_from_the_audit_page(empty_con):
    hasher = PasswordHasher(**CHEAP)
    account(empty_con, "victim", hasher)
    now = datetime(2026, 1, 5, 9, 0)
    for _ in range(5):
        auth.authenticate(empty_con, "victim", "Wrong-Guess-2025!", now=now, hasher=hasher)
    assert not auth.authenticate(empty_con, "victim", RIGHT, now=now, hasher=hasher).ok  # locked
    with pytest.raises(PermissionError):
        auth.unlock(empty_con, "victim", Scope("r", "researcher"), now=now)
    auth.unlock(empty_con, "victim", COMMITTEE, now=now)
    assert auth.authenticate(empty_con, "victim", RIGHT, now=now, hasher=hasher).ok
    assert audit_count(empty_con, "unlock", "dangban") == 1


# 8. Memory on bad imports: the scale engineers test it (issue #12, with their import tests).


# ------------------------------------------------------------------------------ 9. audit and sessions


def test_rejected_cli_import_is_not_audited(tmp_path, capsys):
    path = tmp_path / "h.duckdb"
    con = db.open_database(path)
    with db.transaction(con):
        builders.add_org(con, {"G01": ["B01"]})
    con.close()
    bad = write_csv(tmp_path / "bad.csv", branch_rows("2025Q1", ["B09"], 0.9))
    assert cli.main(["import", str(bad), "--db", str(path)]) == 1
    capsys.readouterr()
    con = db.open_database(path, read_only=True)
    try:
        detail = con.execute("SELECT detail FROM audit_log WHERE action = 'import_rejected'").fetchone()
    finally:
        con.close()
    assert detail is not None and "B09" in detail[0] and "bad.csv" in detail[0]


def test_rejected_web_import_is_not_audited(demo_path, tmp_path, monkeypatch):
    app = signed_in_app(demo_path, tmp_path, monkeypatch, "dangban")
    try:
        app.run()
        app.switch_page("pages/data_import.py").run()
        csv = "任务编号,任务名称,责任支部,类别,状态,开始日期,计划完成日期,实际完成日期\nT91,网页导入测试,B99,便民服务,进行中,2025-03-01,2025-06-30,\n"
        app.file_uploader(key="import_file_0").set_value(("坏文件.csv", csv.encode("utf-8-sig"), "text/csv")).run()
        assert not app.exception, [e.value for e in app.exception]
    finally:
        release(app)
    con = db.open_database(tmp_path / "app.duckdb")  # read-write like the app's handle, still open in this process
    try:
        rows = con.execute("SELECT username, detail FROM audit_log WHERE action = 'import_rejected'").fetchall()
    finally:
        con.close()
    assert len(rows) == 1 and rows[0][0] == "dangban" and "B99" in rows[0][1]


def _deck_maker(app: AppTest) -> str:
    """Generate the pptx on the 汇报材料 page and return who its title slide says made it."""
    app.switch_page("pages/report.py").run()
    app.radio(key="report_format").set_value("pptx").run()
    app.button(key="report_generate").click().run()
    assert not app.exception, [e.value for e in app.exception]
    deck = Presentation(io.BytesIO(app.session_state["report_file"]["data"]))
    notes = deck.slides[0].notes_slide.notes_text_frame.text
    return next(line for line in notes.splitlines() if line.startswith("材料生成"))


def test_cached_report_names_the_wrong_user(demo_path, tmp_path, monkeypatch):
    copy = tmp_path / "app.duckdb"
    shutil.copy(demo_path, copy)
    con = db.open_database(copy)
    try:
        auth.create_user(con, username="dangban2", display_name="第二位党办", role="committee", password="Second-Office-2025!",
                         actor=COMMITTEE, must_change_password=False)
        tokens = {user: auth.start_session(con, user) for user in ("dangban", "dangban2")}
    finally:
        con.close()
    monkeypatch.setenv("PARTY_DASHBOARD_DB", str(copy))
    release()
    apps = {}
    try:
        for user in ("dangban", "dangban2"):  # one server process: the second is served the cached report
            apps[user] = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=180)
            apps[user].session_state["session_token"] = tokens[user]
            apps[user].run()
        assert _deck_maker(apps["dangban"]).endswith("· dangban")
        assert _deck_maker(apps["dangban2"]).endswith("· dangban2")
    finally:
        release()


def test_sessions_of_closed_tabs_stay_open(empty_con):
    hasher = PasswordHasher(**CHEAP)
    account(empty_con, "closer", hasher)
    opened = datetime(2026, 1, 5, 9, 0)
    auth.start_session(empty_con, "closer", now=opened)  # the tab is closed: no request follows
    policy = LoginPolicy()
    assert auth.end_idle_sessions(empty_con, now=opened + policy.idle - timedelta(minutes=1), policy=policy) == 0
    assert auth.end_idle_sessions(empty_con, now=opened + policy.idle + timedelta(minutes=1), policy=policy) == 1
    reason = empty_con.execute("SELECT end_reason FROM app_session WHERE username = 'closer'").fetchone()[0]
    assert reason == "idle_timeout" and audit_count(empty_con, "logout", "closer") == 1


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def test_crosstab_logs_an_arrow_type_error_on_every_view(demo_path, tmp_path, monkeypatch):
    # A hidden group's marks ("<300", "*") among the counts: a column of numbers and text.
    (tmp_path / "hospital.toml").write_text("[survey]\nmin_cell = 300\n", encoding="utf-8")
    monkeypatch.setenv("PARTY_DASHBOARD_CONFIG", str(tmp_path / "hospital.toml"))
    records = _Records()
    arrow_log = logging.getLogger("streamlit.dataframe_util")
    arrow_log.addHandler(records)
    app = signed_in_app(demo_path, tmp_path, monkeypatch, "yanjiu")
    try:
        app.run()
        app.switch_page("pages/survey.py").run()
        open_section(app, "survey", "交叉分析").selectbox(key="survey_ct_rows_1").set_value(2).run()  # 科室类别 × 引领作用
        app.selectbox(key="survey_ct_cols_1").set_value(4).run()
        assert not app.exception, [e.value for e in app.exception]
        assert any(isinstance(v, str) and v.startswith("<") for f in app.dataframe for v in f.value.to_numpy().ravel())
    finally:
        arrow_log.removeHandler(records)
        release(app)
    assert not [m for m in records.messages if "Arrow" in m]


# ------------------------------------------------------------------------------ 10. hardening


def test_common_password_is_accepted():
    assert auth.password_problems("Password1", username="dangban")  # 9 characters, 3 classes: was fine
    with pytest.raises(auth.PasswordRuleError, match="常见密码"):
        auth.check_password("Password123", username="dangban")


def test_mojibake_import_is_accepted(empty_con, tmp_path):
    with db.transaction(empty_con):
        builders.add_org(empty_con, {"G01": ["B01"]})
    csv = tmp_path / "tasks.csv"
    csv.write_text("任务编号,任务名称,责任支部,类别,状态,开始日期,计划完成日期,实际完成日期\n"
                   "T1,便民\u0085服务点,B01,便民服务,进行中,2025-03-01,2025-06-30,\n"
                   "T2,义诊活动,B01,义诊\ufffd下乡,进行中,2025-03-01,2025-06-30,\n", encoding="utf-8")
    preview = importer.validate_file(empty_con, csv, kind="tasks")
    mojibake = {(p.row, p.column) for p in preview.problems if "乱码" in p.message_zh}
    assert mojibake == {(2, "任务名称"), (3, "类别")}


def test_readme_lacks_a_reverse_proxy_recipe(tmp_path):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    recipe = readme.split("```nginx\n", 1)[1].split("```", 1)[0]
    for needed in ("listen 443 ssl", "Content-Security-Policy", "frame-ancestors 'none'", "X-Frame-Options",
                   "nosniff", "Referrer-Policy", "location ^~ /_stcore/metrics { return 404; }", "X-Real-IP",
                   "proxy_pass http://127.0.0.1:8501"):
        assert needed in recipe, needed
    if shutil.which("nginx") and shutil.which("openssl"):  # the recipe parses (Debian's nginx, when installed)
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost", "-days", "1",
                        "-keyout", str(tmp_path / "k.pem"), "-out", str(tmp_path / "c.pem")], check=True, capture_output=True)
        site = recipe.replace("/etc/nginx/tls/dangjian.crt", str(tmp_path / "c.pem"))
        site = site.replace("/etc/nginx/tls/dangjian.key", str(tmp_path / "k.pem"))
        (tmp_path / "site.conf").write_text(site, encoding="utf-8")
        (tmp_path / "nginx.conf").write_text(
            f"pid {tmp_path}/nginx.pid; error_log {tmp_path}/error.log; events {{}}\n"
            f"http {{ access_log off; include {tmp_path}/site.conf; }}\n", encoding="utf-8")
        checked = subprocess.run(["nginx", "-t", "-c", str(tmp_path / "nginx.conf")], capture_output=True, text=True)
        assert checked.returncode == 0, checked.stderr


def test_make_run_listens_on_every_address():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "ADDRESS ?= 127.0.0.1" in makefile and "--server.address $(ADDRESS)" in makefile
