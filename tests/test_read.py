"""Reading import files: formats, encodings and the safety checks that refuse a file whole."""

from __future__ import annotations

import datetime as dt
import zipfile

import pytest

from analysis.ingest import importer, read
from tests.import_files import branch_rows, hospital, rejected, write_csv, write_xlsx


@pytest.fixture()
def con(tmp_path):
    """Committee C00, general branch G01 with branches B01-B03 (named 'B0n支部'), 10 members each."""
    connection = hospital(tmp_path)
    yield connection
    connection.close()


def test_gbk_and_other_encodings(con, tmp_path):
    rows = [["单位编号", "单位名称", "层级", "上级单位", "所在科室"],
            ["B10", "眼科党支部", "党支部", "G01", "眼科"],
            ["B11", "耳鼻咽喉头颈外科党支部", "党支部", "G01总支", "耳鼻咽喉头颈外科"]]
    expected = {"utf-8": "UTF-8", "utf-8-sig": "UTF-8（带 BOM）", "gbk": "GBK", "utf-16": "UTF-16"}
    for encoding, label in expected.items():
        delimiter = "\t" if encoding == "utf-16" else ","
        preview = importer.validate_file(con, write_csv(tmp_path / f"{encoding}.csv", rows, encoding, delimiter))
        assert (preview.encoding, preview.kind, preview.ok, preview.rows) == (label, "org_units", True, 2), encoding
    result = importer.import_file(con, tmp_path / "gbk.csv", user="tester")
    assert result.preview.encoding == "GBK"
    assert con.execute("SELECT name, parent_id FROM org_unit WHERE unit_id = 'B11'").fetchone() == (
        "耳鼻咽喉头颈外科党支部", "G01")


def test_gb18030_only_character(con, tmp_path):
    rows = [["党员编号", "姓名", "所在支部", "党内职务", "职业类别", "入党日期"],
            ["M0100", "吉𠮷", "B01支部", "党员", "护士", "2015/7/1"]]
    path = write_csv(tmp_path / "m.csv", rows, "gb18030")
    result = importer.import_file(con, path, user="tester")
    assert result.preview.encoding == "GB18030"
    assert con.execute("SELECT name, branch_id, joined_on FROM member WHERE member_id = 'M0100'").fetchone() == (
        "吉𠮷", "B01", dt.date(2015, 7, 1))


def test_truncated_xlsx(con, tmp_path):
    path = write_xlsx(tmp_path / "ok.xlsx", branch_rows("2025Q1", ["B01"], 0.9))
    data = path.read_bytes()
    truncated = tmp_path / "truncated.xlsx"
    truncated.write_bytes(data[: len(data) // 2])
    preview = rejected(con, truncated)
    assert preview.problem_count == 1 and "损坏或不完整" in preview.problems[0].message_zh


def test_zip_bomb_like_xlsx_refused(con, tmp_path):
    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * (20 * 2**20))  # 20 MB of one byte: ratio ~1000
    assert bomb.stat().st_size < 100_000
    preview = rejected(con, bomb)
    assert "压缩炸弹" in preview.problems[0].message_zh


def test_macro_workbooks_refused(con, tmp_path):
    path = write_xlsx(tmp_path / "ok.xlsx", branch_rows("2025Q1", ["B01"], 0.9))
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr("xl/vbaProject.bin", b"\x00macro")
    assert "宏" in rejected(con, path).problems[0].message_zh
    renamed = tmp_path / "scores.xlsm"
    renamed.write_bytes(write_xlsx(tmp_path / "b.xlsx", branch_rows("2025Q1", ["B01"], 0.9)).read_bytes())
    assert ".xlsm" in rejected(con, renamed).problems[0].message_zh


def test_size_limit(con, tmp_path, monkeypatch):
    monkeypatch.setattr(read, "MAX_FILE_BYTES", 100)
    path = write_csv(tmp_path / "b.csv", branch_rows("2025Q1", ["B01"], 0.9))
    assert "文件过大" in rejected(con, path).problems[0].message_zh


def test_upload_names_are_labels_only(tmp_path):
    assert read.safe_upload_name("../../etc/passwd") == "passwd"
    assert read.safe_upload_name("C:\\Users\\x\\得分.xlsx") == "得分.xlsx"
    with read.spooled_upload(b"a,b\n", "../../evil.csv") as path:
        assert path.name == "upload.csv" and path.read_bytes() == b"a,b\n"
    assert not path.exists()
