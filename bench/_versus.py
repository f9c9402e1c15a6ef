"""One analysis function against the same result computed three other ways, for the page-function
cases: one raw DuckDB statement over the raw tables, one over the derived tables (the best SQL
the database allows), and pandas on frames already in memory (what a dashboard without a
database engine would do). Every result is compared with ours value by value before anything
is timed, so a fast but wrong baseline cannot pass.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import duckdb
import pandas as pd

from analysis.db import fetch_frame
from bench import Measurement, best_of_each, same_rows

# Slow baselines (pandas over millions of rows) repeat until they have used this many seconds.
BUDGET_S = 3.0


@dataclass(frozen=True)
class Versus:
    """Our call and its equivalents. ``columns`` are compared after sorting both sides by ``key``
    (rows that tie may come in either order); ``adapt`` turns our result into a frame."""

    name: str
    ours: Callable[[], Any]
    columns: list[str]
    key: list[str]
    sql: dict[str, str] = field(default_factory=dict)  # label ('raw tables', 'derived tables') -> statement
    pandas: Callable[[], pd.DataFrame] | None = None
    adapt: Callable[[Any], pd.DataFrame] | None = None


def _sorted(frame: pd.DataFrame, key: list[str]) -> pd.DataFrame:
    return frame.sort_values(key, ignore_index=True) if key else frame.reset_index(drop=True)


def compare(con: duckdb.DuckDBPyConnection, cases: list[Versus]) -> list[dict]:
    """Time every case against its equivalents.

    Returns one dict per case: case, ours_s, sql_s ({label: seconds}), best_sql (its label),
    baseline_s (the fastest statement), ratio (ours / baseline), pandas_s (None without pandas),
    pandas_ratio (pandas / ours: how many times slower pandas is), rows.
    """
    out = []
    for case in cases:
        calls = {"ours": case.ours} | {f"sql:{label}": (lambda s=statement: fetch_frame(con, s))
                                       for label, statement in case.sql.items()}
        if case.pandas is not None:
            calls["pandas"] = case.pandas
        timed = best_of_each(calls, budget_s=BUDGET_S)
        ours_s, result = timed["ours"]
        ours = _sorted(case.adapt(result) if case.adapt else result, case.key)
        sql_s = {}
        for label in case.sql:
            sql_s[label], expected = timed[f"sql:{label}"]
            if not same_rows(ours, _sorted(expected, case.key), case.columns):
                raise AssertionError(f"{case.name}: result differs from the statement over the {label}")
        pandas_s = None
        if case.pandas is not None:
            pandas_s, expected = timed["pandas"]
            if not same_rows(ours, _sorted(expected, case.key), case.columns):
                raise AssertionError(f"{case.name}: result differs from the pandas equivalent")
        best = min(sql_s, key=sql_s.get)
        out.append({"case": case.name, "ours_s": ours_s, "sql_s": sql_s, "best_sql": best,
                    "baseline_s": sql_s[best], "ratio": ours_s / sql_s[best], "pandas_s": pandas_s,
                    "pandas_ratio": pandas_s / ours_s if pandas_s is not None else None, "rows": len(ours)})
    return out


def measurement(name: str, rows: list[dict], scale: int) -> Measurement:
    """The case's Measurement: sums of ours and of the best statements, one line per function."""

    def line(r: dict) -> str:
        sql = ", ".join(f"SQL over {label} {s * 1000:.1f} ms" for label, s in r["sql_s"].items())
        text = f"ours {r['ours_s'] * 1000:.1f} ms; {sql}; {r['ratio']:.2f}x the best"
        if r["pandas_s"] is not None:
            text += f"; pandas {r['pandas_s'] * 1000:.1f} ms ({r['pandas_ratio']:.1f}x slower than ours)"
        return f"{text}; {r['rows']:,} rows"

    return Measurement(
        case=name, seconds=sum(r["ours_s"] for r in rows),
        baseline="the fastest single DuckDB statement per function (over raw or derived tables)",
        baseline_seconds=sum(r["baseline_s"] for r in rows),
        detail={"scale": scale, **{r["case"]: line(r) for r in rows}},
    )


def frames(con: duckdb.DuckDBPyConnection, queries: dict[str, str]) -> dict[str, pd.DataFrame]:
    """Raw tables loaded into pandas once (not timed): name -> frame."""
    return {name: fetch_frame(con, sql) for name, sql in queries.items()}
