"""Downloads on the real server: nothing is built or served when a page is drawn; a click builds
the file and writes the audit row (security issue #13, item 5).

Streamlit's media store serves whatever it holds at /media/<id> to anyone who has the URL, with
no session. A table that built its CSV and Excel when the page was drawn left member names
there, unaudited, for every render. These tests speak the app's websocket protocol
(tests/viewer.py) so that they see exactly what the server sends.
"""

from __future__ import annotations

import io
import json
import re
import urllib.error
import urllib.request

import duckdb
import openpyxl
import pytest
from streamlit.proto.WidgetStates_pb2 import WidgetState

from tests.browser import app_server, demo_copy_with_user
from tests.viewer import Viewer

USER, PASSWORD = "downloads", "Download-Passw0rd!"
# Every page with a table ("" is the default page, 总览); vanguard and org_life hold member-level tables.
PAGES = ["", "vanguard", "assessment", "four_have", "org_life", "tasks", "survey", "report", "admin",
         "data_import"]
MEDIA = re.compile(rb"/media/[0-9a-f]+(?:\.[a-z0-9]+)?")


@pytest.fixture(scope="module")
def served(demo_path, tmp_path_factory):
    database = demo_copy_with_user(demo_path, tmp_path_factory.mktemp("downloads"), USER, PASSWORD)
    con = duckdb.connect(str(database), read_only=True)
    names = [n for (n,) in con.execute("SELECT name FROM member").fetchall()]
    con.close()
    with app_server(database) as url, Viewer(url) as viewer:
        viewer.sign_in(USER, PASSWORD)
        runs, leaked = {}, []
        for page in PAGES:
            runs[page] = viewer.open(page)
            # At once: the server drops a session's stored files when its next run no longer shows them.
            leaked += [f"{page or '总览'}: {url}" for url in fetched_anonymously(url, runs[page], names)]
        yield {"runs": runs, "leaked": leaked}


def fetched_anonymously(server: str, run, names: list[str]) -> list[str]:
    """The media URLs anywhere in what ``run`` sent (a download button's file, an image) that,
    fetched with no cookie and no session, give away a member's name."""
    urls = {m.decode() for e in run.elements for m in MEDIA.findall(e.SerializeToString())}
    leaked = []
    for url in sorted(urls):
        try:
            with urllib.request.urlopen(server + url, timeout=30) as response:
                body = readable_text(response.read())
        except urllib.error.HTTPError:
            continue
        if any(name in body for name in names):
            leaked.append(url)
    return leaked


def readable_text(data: bytes) -> str:
    """The text of a downloaded file: a workbook's cells (an .xlsx is a zip), else the bytes as UTF-8."""
    if data.startswith(b"PK"):
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
        return "\n".join(str(v) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True) for v in row)
    return data.decode("utf-8", "replace")


def test_drawing_pages_leaves_no_file_fetchable_without_a_session(served):
    assert served["leaked"] == []
    runs = served["runs"]
    assert all(not run.exceptions for run in runs.values())
    # Nothing is stored when a page is drawn: every download is built by its callable on click.
    buttons = [b for run in runs.values() for b in run.of_type("download_button")]
    assert len(buttons) > 20
    assert [b.id for b in buttons if b.url or not b.deferred_file_id] == []


def button(run, key: str):
    """The download button of ``run`` whose widget key is ``key`` (widget ids end with the key)."""
    return next(b for b in run.of_type("download_button") if b.id.endswith(f"-{key}"))


def test_a_click_builds_the_file_and_writes_the_audit_row_then(demo_path, tmp_path):
    database = demo_copy_with_user(demo_path, tmp_path, USER, PASSWORD)
    with app_server(database) as url, Viewer(url) as viewer:
        viewer.sign_in(USER, PASSWORD)
        for page in PAGES:
            viewer.open(page)  # drawing pages writes no export row
        run = viewer.open("vanguard")
        # Every member's appraisal is built once the switch is on, in its section's tab.
        section = WidgetState(id=run.tabs("vanguard_section"), string_value="年度评定与星级")
        run = viewer.run(page="vanguard", widgets=[section])
        switch = next(c.id for c in run.of_type("checkbox") if c.id.endswith("-vanguard_appraisal"))
        run = viewer.run(page="vanguard", widgets=[section, WidgetState(id=switch, bool_value=True)])
        workbook = viewer.download(button(run, "appraisal_xlsx").deferred_file_id)
        text = viewer.download(button(run, "appraisal_csv").deferred_file_id).decode("utf-8-sig")
    rows = list(openpyxl.load_workbook(io.BytesIO(workbook), read_only=True).worksheets[0].iter_rows(values_only=True))
    # Every member in scope, though the page sends a hundred rows at a time.
    assert "姓名" in rows[0] and len(rows) - 1 == 640
    assert text.splitlines()[0] == ",".join(rows[0]) and len(text.splitlines()) == 641
    con = duckdb.connect(str(database), read_only=True)
    exports = con.execute("SELECT username, detail FROM audit_log WHERE action = 'export' ORDER BY audit_id").fetchall()
    con.close()
    assert [(user, json.loads(detail)["format"]) for user, detail in exports] == [(USER, "xlsx"), (USER, "csv")]
    assert json.loads(exports[0][1])["rows"] == 640 and json.loads(exports[0][1])["table"].endswith("年党员评定")
