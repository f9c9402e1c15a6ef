"""What the 汇报材料 page remembers: each user's meeting settings, and the hospital's deck template.

Meeting settings (name, date, presenter, deck length) are per user: the page opens as its user
left it. The template is the hospital's: one for everyone, uploaded and withdrawn by the
committee only, each change written to the audit log in the same transaction, kept as a
checked .pptx (``render.template.check``: a .potx is relabelled, a file that is not a usable
template refused with the reason). Tables: ``meeting_settings`` and ``report_template``
(migration 006).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

import duckdb

from analysis import db
from analysis.access import audit
from analysis.report.model import LENGTHS, Meeting
from analysis.report.render import template as templates
from analysis.scope import Scope

FILE_NAME_MAX = 120


@dataclass(frozen=True)
class MeetingSettings:
    """A user's 汇报材料 settings: the meeting for the cover, and the deck's length."""

    meeting: Meeting
    length: str = "short"


@dataclass(frozen=True, eq=False)
class StoredTemplate:
    """The template in use: its file name, checked .pptx bytes, who uploaded it and when."""

    template_id: int
    file_name: str
    content: bytes
    sha256: str
    uploaded_by: str
    uploaded_at: dt.datetime


def meeting_settings(con: duckdb.DuckDBPyConnection, *, scope: Scope) -> MeetingSettings:
    """The viewer's saved settings, or empty ones (no meeting named, the short deck).

    Returns
    -------
    MeetingSettings
        meeting (name, on, presenter) and length ('short' | 'full').
    """
    row = con.execute(
        "SELECT meeting_name, meeting_date, presenter, deck_length FROM meeting_settings WHERE username = ?",
        [scope.username],
    ).fetchone()
    if row is None:
        return MeetingSettings(Meeting())
    name, on, presenter, length = row
    return MeetingSettings(Meeting(name, on, presenter), length)


def save_meeting_settings(con: duckdb.DuckDBPyConnection, *, scope: Scope, settings: MeetingSettings,
                          now: dt.datetime | None = None) -> None:
    """Remember ``settings`` for the viewer (one row per user, replaced).

    Raises
    ------
    ValueError
        A length other than those of ``LENGTHS`` (the meeting checked itself when made).
    """
    if settings.length not in LENGTHS:
        raise ValueError(f"篇幅须为 {'、'.join(LENGTHS)} 之一")
    m = settings.meeting
    with db.transaction(con):
        con.execute(
            """
            INSERT INTO meeting_settings (username, meeting_name, meeting_date, presenter, deck_length, updated_at)
            VALUES ($user, $name, $on, $presenter, $length, $now)
            ON CONFLICT (username) DO UPDATE SET meeting_name = excluded.meeting_name,
                meeting_date = excluded.meeting_date, presenter = excluded.presenter,
                deck_length = excluded.deck_length, updated_at = excluded.updated_at
            """,
            {"user": scope.username, "name": m.name, "on": m.on, "presenter": m.presenter, "length": settings.length,
             "now": audit.local_now(now)},
        )


def active_template(con: duckdb.DuckDBPyConnection, *, scope: Scope) -> StoredTemplate | None:
    """The hospital's template in use (every role's decks use it), None for the built-in one.

    Returns
    -------
    StoredTemplate or None
        The newest upload not withdrawn.
    """
    row = con.execute(
        """
        SELECT template_id, file_name, content, sha256, uploaded_by, uploaded_at FROM report_template
        WHERE withdrawn_at IS NULL ORDER BY template_id DESC LIMIT 1
        """
    ).fetchone()
    return None if row is None else StoredTemplate(row[0], row[1], bytes(row[2]), row[3], row[4], row[5])


def store_template(con: duckdb.DuckDBPyConnection, *, scope: Scope, data: bytes, file_name: str,
                   now: dt.datetime | None = None) -> StoredTemplate:
    """Check an uploaded .pptx/.potx and make it the hospital's template (committee only, audited).

    Parameters
    ----------
    data : the uploaded file.
    file_name : its name, as uploaded (kept for the page and the audit log).

    Returns
    -------
    StoredTemplate
        The template now in use.

    Raises
    ------
    PermissionError
        The viewer is not on the committee.
    render.template.TemplateError
        The file is not a usable template (the message names the file and says why).
    """
    _require_committee(scope)
    name = (file_name or "模板").strip()[:FILE_NAME_MAX]
    checked = templates.check(data, name)
    digest = hashlib.sha256(checked).hexdigest()
    when = audit.local_now(now)
    with db.transaction(con):
        template_id = con.execute(
            """
            INSERT INTO report_template (template_id, file_name, sha256, content, uploaded_by, uploaded_at)
            VALUES (nextval('report_template_seq'), ?, ?, ?, ?, ?) RETURNING template_id
            """,
            [name, digest, checked, scope.username, when],
        ).fetchone()[0]
        audit.record(con, scope.username, "template_change",
                     {"template_id": template_id, "file_name": name, "sha256": digest, "change": "upload"}, now=when)
    return StoredTemplate(template_id, name, checked, digest, scope.username, when)


def withdraw_template(con: duckdb.DuckDBPyConnection, *, scope: Scope, now: dt.datetime | None = None) -> bool:
    """Go back to the built-in template (committee only, audited); the upload stays on record.

    Returns
    -------
    bool
        Whether a template was in use.
    """
    _require_committee(scope)
    current = active_template(con, scope=scope)
    if current is None:
        return False
    when = audit.local_now(now)
    with db.transaction(con):
        con.execute("UPDATE report_template SET withdrawn_at = ?, withdrawn_by = ? WHERE withdrawn_at IS NULL",
                    [when, scope.username])
        audit.record(con, scope.username, "template_change",
                     {"template_id": current.template_id, "file_name": current.file_name, "change": "withdraw"},
                     now=when)
    return True


def _require_committee(scope: Scope) -> None:
    if scope.role != "committee":
        raise PermissionError("仅党委/党办账号可以更换汇报模板")


__all__ = ["MeetingSettings", "StoredTemplate", "meeting_settings", "save_meeting_settings", "active_template",
           "store_template", "withdraw_template"]
