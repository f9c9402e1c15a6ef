"""Measurements in a fresh Python process, whose peak memory is its own.

The child reports its peak resident memory as VmHWM: ``resource.getrusage`` would count the
parent's memory at the fork, which Linux carries into a child's ``ru_maxrss`` across exec.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PRELUDE = '''
import json, sys, time

def peak_mb():
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM")) / 1024

def report(**values):
    print(json.dumps({**values, "peak_mb": peak_mb()}))
'''


def run(code: str, *args: str) -> dict:
    """Run ``code`` (after PRELUDE: ``peak_mb()``, ``report(**values)``) in a fresh interpreter
    with ``args`` in ``sys.argv[1:]``; return the JSON object of its last output line."""
    done = subprocess.run([sys.executable, "-c", PRELUDE + code, *args], cwd=ROOT, capture_output=True, text=True,
                          check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])
