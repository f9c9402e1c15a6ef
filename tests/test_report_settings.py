"""What the 汇报材料 page remembers (analysis/report/settings.py, migration 006): each user's meeting
settings, and the hospital's template, stored by the committee only, audited, checked first."""

from __future__ import annotations

import datetime as dt
import json

import duckdb
import pytest

from analysis.access import audit
from analysis.report import settings
from analysis.report.model import Meeting
from analysis.report.render import template as templates
from analysis.scope import Scope
from tests.report_helpers import hospital_template

COMMITTEE = Scope.committee("dangban")
OTHER = Scope.committee("banshi")
SECRETARY = Scope("zhibu", "secretary", "B1")
T0 = dt.datetime(2026, 1, 10, 9, 0)


def test_meeting_settings_are_remembered_per_user(empty_con):
    con = empty_con
    assert settings.meeting_settings(con, scope=COMMITTEE) == settings.MeetingSettings(Meeting(), "short")
    mine = settings.MeetingSettings(Meeting("2025年第4季度支部书记例会", dt.date(2026, 1, 16), "党委办公室"), "full")
    settings.save_meeting_settings(con, scope=COMMITTEE, settings=mine, now=T0)
    assert settings.meeting_settings(con, scope=COMMITTEE) == mine
    assert settings.meeting_settings(con, scope=OTHER) == settings.MeetingSettings(Meeting(), "short")
    # Saving again replaces the row; another user's row is their own.
    later = settings.MeetingSettings(Meeting("2026年第1季度党委会", None, ""), "short")
    settings.save_meeting_settings(con, scope=COMMITTEE, settings=later, now=T0)
    settings.save_meeting_settings(con, scope=SECRETARY, settings=mine, now=T0)
    assert settings.meeting_settings(con, scope=COMMITTEE) == later
    assert settings.meeting_settings(con, scope=SECRETARY) == mine
    assert con.execute("SELECT count(*) FROM meeting_settings").fetchone()[0] == 2


def test_meeting_text_is_one_short_line():
    with pytest.raises(ValueError, match="不超过60个字"):
        Meeting("会" * 61)
    with pytest.raises(ValueError, match="一行"):
        Meeting("例会\n第二行")
    assert Meeting("  例会  ", presenter=" 党办 ") == Meeting("例会", None, "党办")


def test_the_schema_refuses_what_the_page_cannot_send(empty_con):
    with pytest.raises(duckdb.ConstraintException):
        empty_con.execute("INSERT INTO meeting_settings (username, deck_length, updated_at) VALUES ('x', 'medium', now())")
    with pytest.raises(duckdb.ConstraintException):
        empty_con.execute("INSERT INTO report_template (template_id, file_name, sha256, content, uploaded_by, uploaded_at)"
                          " VALUES (1, 'a.pptx', 'not-a-hash', 'x'::BLOB, 'u', now())")


def test_the_committee_stores_a_template_everyone_uses_audited(empty_con):
    con = empty_con
    assert settings.active_template(con, scope=SECRETARY) is None
    upload = hospital_template()
    stored = settings.store_template(con, scope=COMMITTEE, data=upload, file_name="医院模板.potx", now=T0)
    assert stored.file_name == "医院模板.potx" and stored.uploaded_by == "dangban"
    seen = settings.active_template(con, scope=SECRETARY)
    assert seen.content == stored.content == templates.check(upload) != upload  # the .potx, checked as a .pptx
    assert seen.sha256 == stored.sha256 and seen.uploaded_at == T0
    log = audit.audit_entries(con, scope=COMMITTEE, action="template_change")
    assert len(log) == 1 and log["username"].iloc[0] == "dangban"
    detail = json.loads(log["detail"].iloc[0])
    assert detail == {"template_id": stored.template_id, "file_name": "医院模板.potx", "sha256": stored.sha256,
                      "change": "upload"}
    # Back to the built-in one: the upload stays on record, the withdrawal is audited.
    assert settings.withdraw_template(con, scope=COMMITTEE, now=T0) is True
    assert settings.active_template(con, scope=COMMITTEE) is None
    assert settings.withdraw_template(con, scope=COMMITTEE, now=T0) is False
    assert con.execute("SELECT count(*), count(withdrawn_at) FROM report_template").fetchone() == (1, 1)
    assert len(audit.audit_entries(con, scope=COMMITTEE, action="template_change")) == 2


def test_the_newest_upload_is_in_use(empty_con):
    first = settings.store_template(empty_con, scope=COMMITTEE, data=hospital_template(potx=False), file_name="旧.pptx")
    second = settings.store_template(empty_con, scope=COMMITTEE, data=hospital_template(), file_name="新.potx")
    assert second.template_id > first.template_id
    assert settings.active_template(empty_con, scope=COMMITTEE).file_name == "新.potx"


def test_only_the_committee_changes_the_template(empty_con):
    for scope in (SECRETARY, Scope("yanjiu", "researcher")):
        with pytest.raises(PermissionError, match="仅党委/党办"):
            settings.store_template(empty_con, scope=scope, data=hospital_template(), file_name="t.potx")
        with pytest.raises(PermissionError):
            settings.withdraw_template(empty_con, scope=scope)
    assert empty_con.execute("SELECT count(*) FROM report_template").fetchone()[0] == 0


def test_a_bad_file_is_refused_and_nothing_is_written(empty_con):
    with pytest.raises(templates.TemplateError, match="坏文件.pptx：不是 PowerPoint"):
        settings.store_template(empty_con, scope=COMMITTEE, data=b"%PDF-1.7 not a deck", file_name="坏文件.pptx")
    assert empty_con.execute("SELECT count(*) FROM report_template").fetchone()[0] == 0
    assert audit.audit_entries(empty_con, scope=COMMITTEE, action="template_change").empty


def test_a_failed_audit_rolls_the_upload_back(empty_con, monkeypatch):
    # DuckDB persists nothing after a failed statement inside BEGIN yet COMMITs without error: the
    # transaction helper must roll back and re-raise, and the template must not be in use.
    def failing(*args, **kwargs):
        raise RuntimeError("audit log unavailable")

    monkeypatch.setattr(audit, "record", failing)
    with pytest.raises(RuntimeError, match="audit log unavailable"):
        settings.store_template(empty_con, scope=COMMITTEE, data=hospital_template(), file_name="t.potx")
    assert settings.active_template(empty_con, scope=COMMITTEE) is None
