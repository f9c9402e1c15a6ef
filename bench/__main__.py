"""``python -m bench [CASE ...] [--quick] [--scale N] [--list]``: run benchmark cases, print and save results."""

from __future__ import annotations

import argparse
import json
import sys

from bench import RESULTS, discover, settings


def main(argv: list[str] | None = None) -> int:
    cases = discover()
    parser = argparse.ArgumentParser(prog="python -m bench", description="Speed measurements against baselines")
    parser.add_argument("cases", nargs="*", help=f"cases to run (default all): {', '.join(cases)}")
    parser.add_argument("--quick", action="store_true", help="small inputs (a smoke test, not a measurement)")
    parser.add_argument("--scale", type=int, default=settings.scale,
                        help="demo campuses the page-function cases read (default %(default)s; 300: a province)")
    parser.add_argument("--list", action="store_true", help="list the cases and exit")
    args = parser.parse_args(argv)
    settings.scale = args.scale
    if args.list:
        for case in cases.values():
            print(f"{case.name:<28} {case.description}")
        return 0
    unknown = [name for name in args.cases if name not in cases]
    if unknown:
        print(f"unknown case(s): {', '.join(unknown)}; known: {', '.join(cases)}", file=sys.stderr)
        return 2
    RESULTS.mkdir(exist_ok=True)
    for name in args.cases or list(cases):
        result = cases[name].run(quick=args.quick)
        print(f"{name}: {result.seconds:.2f} s; baseline ({result.baseline}) {result.baseline_seconds:.2f} s; "
              f"ratio {result.ratio:.1f}x", flush=True)
        for key, value in result.detail.items():
            print(f"    {key}: {value}")
        (RESULTS / f"{name}.json").write_text(json.dumps({"scale": settings.scale, **result.as_dict()}, ensure_ascii=False, indent=2) + "\n",
                                              encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
