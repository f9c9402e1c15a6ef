"""``python -m bench [CASE ...] [--quick] [--scale N] [--db PATH] [--list]``: run benchmark cases,
print and save results, and print the issue's goals beside what was measured."""

from __future__ import annotations

import argparse
import inspect
import json
import sys

from bench import RESULTS, discover, settings


def main(argv: list[str] | None = None) -> int:
    cases = discover()
    parser = argparse.ArgumentParser(prog="python -m bench", description="Speed measurements against baselines")
    parser.add_argument("cases", nargs="*", help=f"cases to run (default all): {', '.join(cases)}")
    parser.add_argument("--quick", action="store_true", help="small inputs (a smoke test, not a measurement)")
    parser.add_argument("--scale", type=int,
                        help=f"demo campuses the cases read (default {settings.scale}; 100: 3,400 branches; 300: a province)")
    parser.add_argument("--db", help="a prebuilt demo database of that scale to use (copied, never written)")
    parser.add_argument("--list", action="store_true", help="list the cases and exit")
    args = parser.parse_args(argv)
    if args.scale is not None:
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
    goals: list[dict] = []
    for name in args.cases or list(cases):
        run = cases[name].run
        accepted = inspect.signature(run).parameters
        options = {key: value for key, value in (("scale", settings.scale), ("db", args.db))
                   if value is not None and key in accepted}
        result = run(quick=args.quick, **options)
        print(f"{name}: {result.seconds:.2f} s; baseline ({result.baseline}) {result.baseline_seconds:.2f} s; "
              f"ratio {result.ratio:.1f}x", flush=True)
        for key, value in result.detail.items():
            if key != "goals":
                print(f"    {key}: {value}")
        goals += result.detail.get("goals", [])
        (RESULTS / f"{name}.json").write_text(json.dumps({"scale": settings.scale, **result.as_dict()}, ensure_ascii=False, indent=2) + "\n",
                                              encoding="utf-8")
    if goals:
        print(goals_table(goals))
    return 0


def goals_table(rows: list[dict]) -> str:
    """The measurements beside issue #12's goals, one line each."""
    width = max(_display_width(r["measure"]) for r in rows)
    lines = ["", f"{'measure':<{width}}  {'measured':>12}  {'goal':>12}  met"]
    for r in rows:
        pad = width - _display_width(r["measure"])
        measured, goal = f"{r['value']:,.2f} {r['unit']}", f"{r['goal']:,.2f} {r['unit']}"
        lines.append(f"{r['measure']}{' ' * pad}  {measured:>12}  {goal:>12}  {'yes' if r['met'] else 'NO'}")
    return "\n".join(lines)


def _display_width(text: str) -> int:
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


if __name__ == "__main__":
    sys.exit(main())
