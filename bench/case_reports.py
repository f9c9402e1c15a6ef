"""汇报材料 on the demo hospital: building the hospital-scope short deck, full deck, Word report,
workbook and HTML report vs the analysis queries alone.

``run()`` builds the report model for the latest quarter of the demo (all sections, committee
scope) and writes it as the short (meeting) deck, the full deck, the .docx, the .xlsx and the
.html; the baseline is the same analysis calls the report makes (``Report.calls``), replayed with
the same arguments and nothing else. Each side runs ``REPEATS`` times after one warm-up; the
best time counts. The ratio is ours / baseline: what turning the numbers into findings and a
file costs on top of computing them. The Word report draws its charts as images in headless
Chromium (kaleido), which dominates its time.

The demo is built into a temporary directory (about 3 s), unless ``PARTY_BENCH_REPORT_DB``
names an existing demo database to read.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from pathlib import Path

import duckdb

from analysis import demo, report
from analysis.scope import Scope
from bench import Measurement, best_of, case

SCOPE = Scope.committee("bench")
PERIOD = "2025Q4"
NOW = dt.datetime(2026, 1, 15, 9, 0)
REPEATS = 3
# case -> (format, deck length)
FILES = {"pptx_short": ("pptx", "short"), "pptx_full": ("pptx", "full"), "docx": ("docx", "short"),
         "xlsx": ("xlsx", "short"), "html": ("html", "short")}


def _database(workdir: Path) -> Path:
    given = os.environ.get("PARTY_BENCH_REPORT_DB")
    if given:
        return Path(given)
    path = workdir / "demo.duckdb"
    demo.build(path)
    return path


def run() -> list[dict]:
    """Time the hospital-scope report in each format against its analysis queries alone.

    Returns one dict per case: case ('report.model', 'report.pptx_short', 'report.pptx_full',
    'report.docx', 'report.xlsx', 'report.html'), ours_s, baseline_s (best of ``REPEATS``,
    seconds), ratio (ours / baseline), size (bytes of the file; findings for the model).
    """
    with tempfile.TemporaryDirectory() as workdir:
        con = duckdb.connect(str(_database(Path(workdir))), read_only=True)
        try:
            return _measure(con)
        finally:
            con.close()


def _measure(con: duckdb.DuckDBPyConnection) -> list[dict]:
    def build(length: str = "short") -> report.Report:
        return report.build_report(con, scope=SCOPE, period=PERIOD, now=NOW, length=length)

    built = build()

    def queries() -> None:
        for call in built.calls:
            call.fn(con, scope=SCOPE, **call.kwargs)

    baseline, _ = best_of(queries, REPEATS)
    rows = []
    model_s, model = best_of(build, REPEATS)
    rows.append({"case": "report.model", "ours_s": model_s, "baseline_s": baseline, "ratio": model_s / baseline,
                 "size": len(model.findings)})
    for name, (fmt, length) in FILES.items():
        ours, data = best_of(lambda fmt=fmt, length=length: report.render(build(length), fmt), REPEATS)
        rows.append({"case": f"report.{name}", "ours_s": ours, "baseline_s": baseline, "ratio": ours / baseline,
                     "size": len(data)})
    return rows


@case("reports", "汇报材料 (hospital scope, latest quarter): model, short and full pptx, docx, xlsx, html vs the "
                 "analysis queries alone")
def reports(quick: bool = False) -> Measurement:
    rows = run()
    return Measurement(
        case="reports",
        seconds=sum(r["ours_s"] for r in rows if r["case"] != "report.model"),
        baseline="the report's analysis calls replayed (once per format)",
        baseline_seconds=sum(r["baseline_s"] for r in rows if r["case"] != "report.model"),
        detail={r["case"]: f"{r['ours_s']:.2f} s vs {r['baseline_s']:.2f} s ({r['ratio']:.2f}x), {r['size']:,}"
                for r in rows},
    )


if __name__ == "__main__":  # python -m bench.case_reports
    for row in run():
        print(f"{row['case']:<18} {row['ours_s']:7.2f} s  baseline {row['baseline_s']:6.2f} s  "
              f"ratio {row['ratio']:5.2f}x  ({row['size']:,})")
