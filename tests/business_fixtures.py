"""Hand-built 党建+业务 hospitals whose true associations are known by construction.

``known_truth`` draws, from a fixed seed, 40 branches (20 内科, 20 外科) over 8 quarters: a
支部考核 total x_it = 85 + 3·[内科] + e_i + u_it, and one department per branch with these
indicators (the truth each is built to have):

========  ===================================================  =======================================
id        value                                                 truth
========  ===================================================  =======================================
pos       50 + (x − 85) + noise                                 favourable (higher is better)
low       20 − (x − 85) + noise, lower is better                favourable (ρ negative)
rev       50 − (x − 85) + noise                                 unfavourable
null      50 + noise                                            none
conf      50 + 5·[内科] + noise                                  favourable across branches, none
                                                                within department type (confounded)
within    50 − (x̄_i − 85) + (x_it − x̄_i) + noise                unfavourable across branches,
                                                                favourable within a branch
lag       y_{t+1} = y_t + 0.8·u_it + noise                       favourable in the lagged view
mid       pos, reported by 12 branches only                     cannot tell (fewer than 20)
sparse    pos, reported by 6 branches only                      too few (fewer than 8)
========  ===================================================  =======================================

The frames are returned too, so tests compute the expected numbers from them independently.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import duckdb
import numpy as np
import pandas as pd

from analysis import config as config_mod
from analysis import periods
from tests.builders import add_org

QUARTERS = periods.quarter_range("2024Q1", "2025Q4")
N_BRANCHES = 40

INDICATORS = (
    config_mod.PerformanceIndicator("pos", "正向指标", "分", True, "测试"),
    config_mod.PerformanceIndicator("low", "越低越好指标", "天", False, "测试"),
    config_mod.PerformanceIndicator("rev", "反向指标", "分", True, "测试"),
    config_mod.PerformanceIndicator("null", "无关指标", "分", True, "测试"),
    config_mod.PerformanceIndicator("conf", "类型混杂指标", "分", True, "测试"),
    config_mod.PerformanceIndicator("within", "支部内指标", "分", True, "测试"),
    config_mod.PerformanceIndicator("lag", "滞后指标", "分", True, "测试"),
    config_mod.PerformanceIndicator("mid", "中等样本指标", "分", True, "测试"),
    config_mod.PerformanceIndicator("sparse", "小样本指标", "分", True, "测试"),
)
CFG = replace(config_mod.DEFAULT, business=replace(config_mod.DEFAULT.business, indicators=INDICATORS))


@dataclass(frozen=True)
class Truth:
    """The generated data: branch totals (branch_id, quarter, total), departments, values."""

    totals: pd.DataFrame
    departments: pd.DataFrame
    values: pd.DataFrame


def branch_ids(n: int = N_BRANCHES) -> list[str]:
    return [f"B{i:02d}" for i in range(1, n + 1)]


def insert_totals(con: duckdb.DuckDBPyConnection, totals: pd.DataFrame, cfg: config_mod.Config = CFG) -> None:
    """支部考核 scores whose indicators all sit at the same share of their max, summing to each total."""
    catalogue = pd.DataFrame([(i.id, float(i.max_points)) for i in cfg.assessment.indicators],
                             columns=["indicator_id", "max_points"])
    rows = totals.merge(catalogue, how="cross")
    rows["score"] = (rows["max_points"] * rows["total"] / 100).round(2)
    con.register("score_rows", rows)
    con.execute("INSERT INTO branch_score (branch_id, quarter, indicator_id, max_points, score) "
                "SELECT branch_id, quarter, indicator_id, max_points, score FROM score_rows")
    con.unregister("score_rows")


def insert_departments(con: duckdb.DuckDBPyConnection, departments: pd.DataFrame, values: pd.DataFrame) -> None:
    con.register("department_rows", departments)
    con.execute("INSERT INTO department_branch (department_id, from_quarter, department_name, department_type, "
                "branch_id, staff) SELECT department_id, from_quarter, department_name, department_type, branch_id, "
                "staff FROM department_rows")
    con.unregister("department_rows")
    con.register("value_rows", values)
    con.execute("INSERT INTO department_performance (department_id, quarter, indicator_id, value) "
                "SELECT department_id, quarter, indicator_id, value FROM value_rows")
    con.unregister("value_rows")


def known_truth(con: duckdb.DuckDBPyConnection, seed: int = 18) -> Truth:
    """Build the hospital of the module notes into ``con`` and return what was inserted."""
    rng = np.random.default_rng(seed)
    ids = branch_ids()
    add_org(con, {"G1": ids[:20], "G2": ids[20:]})
    internal = np.array([1.0] * 20 + [0.0] * 20)
    branch_effect = rng.normal(0, 2, N_BRANCHES)
    u = rng.normal(0, 1.5, (N_BRANCHES, len(QUARTERS)))
    x = 85 + 3 * internal[:, None] + branch_effect[:, None] + u
    x_mean = x.mean(axis=1, keepdims=True)

    def noise(sd: float) -> np.ndarray:
        return rng.normal(0, sd, x.shape)

    lag = np.empty_like(x)
    lag[:, 0] = 50 + rng.normal(0, 1, N_BRANCHES)
    for t in range(1, len(QUARTERS)):
        lag[:, t] = lag[:, t - 1] + 0.8 * u[:, t - 1] + rng.normal(0, 0.5, N_BRANCHES)
    series = {
        "pos": 50 + (x - 85) + noise(1.5),
        "low": 20 - (x - 85) + noise(1.5),
        "rev": 50 - (x - 85) + noise(1.5),
        "null": 50 + noise(2.0),
        "conf": 50 + 5 * internal[:, None] + noise(1.0),
        "within": 50 - (x_mean - 85) + (x - x_mean) + noise(0.5),
        "lag": lag,
        "mid": 50 + (x - 85) + noise(1.5),
        "sparse": 50 + (x - 85) + noise(1.5),
    }
    reporting = {"mid": 12, "sparse": 6}
    totals = pd.DataFrame([(b, q, round(float(x[i, t]), 2)) for i, b in enumerate(ids) for t, q in enumerate(QUARTERS)],
                          columns=["branch_id", "quarter", "total"])
    departments = pd.DataFrame({
        "department_id": [f"D{b}" for b in ids], "from_quarter": QUARTERS[0], "department_name": [f"{b}科" for b in ids],
        "department_type": np.where(internal == 1, "内科", "外科"), "branch_id": ids, "staff": 40,
    })
    values = pd.DataFrame([
        (f"D{b}", q, name, float(data[i, t]))
        for name, data in series.items() for i, b in enumerate(ids[:reporting.get(name, N_BRANCHES)])
        for t, q in enumerate(QUARTERS)
    ], columns=["department_id", "quarter", "indicator_id", "value"])
    insert_totals(con, totals)
    insert_departments(con, departments, values)
    return Truth(totals, departments, values)


def stored_totals(truth: Truth, cfg: config_mod.Config = CFG) -> pd.DataFrame:
    """The 支部考核 totals as stored (each indicator's score rounded to 2 decimals, then summed)."""
    catalogue = pd.DataFrame([(i.id, float(i.max_points)) for i in cfg.assessment.indicators],
                             columns=["indicator_id", "max_points"])
    rows = truth.totals.merge(catalogue, how="cross")
    rows["score"] = (rows["max_points"] * rows["total"] / 100).round(2)
    return rows.groupby(["branch_id", "quarter"], as_index=False)["score"].sum().rename(columns={"score": "total"})


def branch_means(truth: Truth, indicator: str) -> pd.DataFrame:
    """branch_id, x (mean stored total), y (mean value), department_type: over the quarters with both."""
    values = truth.values[truth.values["indicator_id"] == indicator]
    values = values.merge(truth.departments[["department_id", "branch_id", "department_type"]], on="department_id")
    both = values.merge(stored_totals(truth), on=["branch_id", "quarter"])
    return both.groupby(["branch_id", "department_type"], as_index=False).agg(x=("total", "mean"), y=("value", "mean"))
