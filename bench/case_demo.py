"""Building the demo: ``analysis.demo.build`` at ``--scale`` campuses against the 1x build.

Both builds run in a fresh process (``_child``) so that the peak memory is the build's own. The
baseline is ``scale`` times the 1x build's time, measured in the same run: a ratio at or below 1
says the build grows no faster than the data; peak memory should not grow at all (campuses are
generated and imported a few at a time).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from bench import Measurement, _child, case, settings

CHILD = """
from analysis import demo
started, cpu = time.perf_counter(), time.process_time()
summary = demo.build(sys.argv[1], scale=int(sys.argv[2]))
report(seconds=time.perf_counter() - started, cpu_seconds=time.process_time() - cpu, members=summary.members,
       branches=summary.branches)
"""


def build(path: Path, scale: int) -> dict:
    """Build the demo of ``scale`` campuses at ``path`` in a fresh process; what it reports, and the file size."""
    out = _child.run(CHILD, str(path), str(scale))
    return out | {"file_mb": path.stat().st_size / 2**20}


@case("demo_build", "demo.build at --scale (fresh process): time and peak memory against scale x the 1x build")
def demo_build(quick: bool = False) -> Measurement:
    scale = 2 if quick else settings.scale
    with tempfile.TemporaryDirectory(prefix="bench-demo-") as tmp:
        one = build(Path(tmp) / "demo1.duckdb", 1)
        scaled = build(Path(tmp) / f"demo{scale}.duckdb", scale)
    return Measurement(
        case="demo_build", seconds=scaled["seconds"], baseline=f"{scale} x the 1x build",
        baseline_seconds=scale * one["seconds"],
        detail={"scale": scale, "members": scaled["members"], "branches": scaled["branches"],
                "seconds_1x": round(one["seconds"], 1), "cpu_seconds": round(scaled["cpu_seconds"], 1),
                "peak_mb_1x": round(one["peak_mb"]), "peak_mb": round(scaled["peak_mb"]),
                "file_mb": round(scaled["file_mb"])},
    )
