"""The benchmark's comparisons still hold on a fresh demo: every page-function case checks our
results against its raw DuckDB statements (and pandas) value by value before timing, so a
schema or demo change that leaves a baseline behind fails here instead of in the next
measurement at scale. The cases run as ``python -m bench CASE ... --quick`` (the 1x demo)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

VALUE_CHECKED = ("indices", "org_life", "four_have_tasks", "business", "survey", "survey_report")


def test_every_value_checked_bench_case_agrees_with_its_baselines():
    done = subprocess.run([sys.executable, "-m", "bench", *VALUE_CHECKED, "--quick"], cwd=ROOT,
                          capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    reported = {line.split(":")[0] for line in done.stdout.splitlines() if ": " in line and not line.startswith(" ")}
    assert set(VALUE_CHECKED) <= reported, done.stdout[-2000:]
