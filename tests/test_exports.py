"""analysis/exports.py: what a downloaded workbook and CSV hold, cell by cell, read back with
openpyxl and the csv module."""

from __future__ import annotations

import csv
import datetime as dt
import io

import numpy as np
import openpyxl
import pandas as pd

from analysis import exports

FRAME = pd.DataFrame({
    "姓名": ["张三", "=SUM(A1)", None],
    "人数": [3, 4, 5],
    "得分": [91.5, np.nan, 80.25],
    "日期": [dt.date(2025, 3, 1), dt.date(2025, 6, 30), None],
    "时间": pd.to_datetime(["2025-01-02 08:30:00", None, "2025-12-31 23:59:59"]),
    "达标": [True, False, True],
    "-备注": ["", "+1", "正常"],
})


def test_workbook_keeps_types_and_text_as_text():
    book = openpyxl.load_workbook(io.BytesIO(exports.to_xlsx_bytes({"表[1]": FRAME, "第二": FRAME.head(1)})))
    assert book.sheetnames == ["表_1_", "第二"]
    sheet = book["表_1_"]
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[0] == ["姓名", "人数", "得分", "日期", "时间", "达标", "'-备注"]
    assert rows[1] == ["张三", 3, 91.5, dt.datetime(2025, 3, 1), dt.datetime(2025, 1, 2, 8, 30), True, ""]
    assert rows[2][:3] == ["'=SUM(A1)", 4, None] and rows[2][4] is None and rows[2][6] == "'+1"
    assert rows[3][0] is None and rows[3][2] == 80.25 and rows[3][3] is None
    assert sheet["A3"].data_type == "s" and sheet["D2"].number_format == "yyyy-mm-dd"
    assert sheet.freeze_panes == "A2" and sheet["A1"].font.bold
    assert [[c.value for c in row] for row in book["第二"].iter_rows()][1][0] == "张三"


def test_csv_is_formula_safe_with_a_bom():
    data = exports.to_csv_bytes(FRAME)
    assert data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0][-1] == "'-备注" and rows[2][0] == "'=SUM(A1)" and rows[2][-1] == "'+1"
    assert rows[1][1:3] == ["3", "91.5"]


def test_the_frame_given_is_left_as_it_was():
    before = FRAME.copy()
    exports.to_xlsx_bytes(FRAME)
    exports.to_csv_bytes(FRAME)
    pd.testing.assert_frame_equal(FRAME, before)


def test_a_filtered_download_states_its_filter_on_every_row_of_csv_and_workbook():
    frame = pd.DataFrame({"选项": ["作用明显", "有一定作用"], "人数": [18, 5]})
    noted = exports.with_note(frame, "筛选条件：政治面貌 = 党员（23 / 53 份答卷）")
    assert exports.with_note(frame, "") is frame
    text = exports.to_csv_bytes(noted).decode("utf-8-sig").splitlines()
    assert text == ["筛选条件,选项,人数", "筛选条件：政治面貌 = 党员（23 / 53 份答卷）,作用明显,18",
                    "筛选条件：政治面貌 = 党员（23 / 53 份答卷）,有一定作用,5"]
    sheet = openpyxl.load_workbook(io.BytesIO(exports.to_xlsx_bytes({"频数": noted}))).active
    assert [c.value for c in sheet["A"]] == ["筛选条件"] + ["筛选条件：政治面貌 = 党员（23 / 53 份答卷）"] * 2
