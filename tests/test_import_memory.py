"""Imports in bounded memory, measured in a fresh process on generated files: a million valid
score rows under 500 MB, and an upload-sized file (50 MB) of rows that are all wrong under
1 GB, refused after listing its first 1,000 problems (every problem still counted).

The child reports its peak resident memory as VmHWM (see ``bench/_child.py``: ``ru_maxrss`` of a
child of this large test process would include the parent's memory at the fork). ``python -m
bench import_invalid_csv --scale 100`` measures a file at the 512 MB inbox limit the same way.
"""

from __future__ import annotations

import shutil

from bench.import_throughput import _files, run_child, write_invalid_csv


def test_a_million_valid_rows_import_under_500_mb(tmp_path):
    csv_path, empty, _ = _files(tmp_path, 1_000_000)
    outcome = run_child("import", empty, csv_path)
    assert outcome["rows"] == 1_000_000
    assert outcome["peak_mb"] < 500, outcome


def test_an_upload_of_invalid_rows_lists_1000_problems_under_1_gb(tmp_path):
    csv_path, empty, _ = _files(tmp_path, 500_000)
    invalid = tmp_path / "invalid.csv"
    write_invalid_csv(invalid, csv_path, 1)
    assert 45 < invalid.stat().st_size / 2**20 <= 50  # the page's upload limit
    target = tmp_path / "target.duckdb"
    shutil.copy(empty, target)
    outcome = run_child("import", target, invalid)
    # Half the rows have four wrong cells (quarter, member, dimension, score above 100), half two
    # (rater, score not a number): 500,000 x 4 + 500,000 x 2 problems.
    assert (outcome["problems"], outcome["listed"]) == (3_000_000, 1000)
    assert outcome["peak_mb"] < 1024, outcome
