"""The demo hospital's department results (党建+业务): departments mapped to branches, and a
quarterly panel of performance indicators, imported like a hospital's own exports.

What is true in the synthetic data, so the analysis has something to find and something to
correctly not find. A branch's Party strength is its standing in 支部季度量化考核 (already in
the database); on top of each department type's level and a persistent department effect:

- 医务人员满意度 rises with the branch's Party strength (about +0.9 points per SD);
- 医疗纠纷 are rarer in stronger branches (the rate falls by about a quarter per SD);
- 住院患者满意度 rises a little (+0.6 per SD), reported by fewer branches;
- every other indicator is unrelated to Party work: only type, department and noise.

Surgical indicators come from surgical departments only, so they cover too few branches to
say anything: the "cannot tell" case. Called once by ``analysis.demo.build``; everything is
drawn from a generator seeded by the demo's seed, so the panel is the same on every build.
"""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd

from analysis import config as config_mod

# The demo's departments (analysis.demo.GENERAL_BRANCHES) by type.
DEPARTMENT_TYPES = {
    **dict.fromkeys(("心血管内科", "呼吸与危重症医学科", "消化内科", "神经内科", "内分泌科", "肾内科", "急诊医学科", "儿科",
                     "康复医学科"), "内科"),
    **dict.fromkeys(("普通外科", "骨科", "神经外科", "泌尿外科", "心胸外科", "妇产科"), "外科"),
    **dict.fromkeys(("检验科", "医学影像科", "病理科", "药学部", "超声医学科"), "医技"),
    **dict.fromkeys(("内科护理", "外科护理", "手术室", "重症医学科", "门诊护理"), "护理"),
    **dict.fromkeys(("门诊部", "党委办公室", "医务部", "人力资源部", "财务部", "后勤保障部", "信息中心", "保卫部", "离退休"),
                    "行政"),
}
_COMMON = ("staff_satisfaction", "research", "disputes")
_WARD = ("cmi", "drg_groups", "avg_los", "cost_growth", "drug_ratio", "consumable_ratio", "antibiotic_ddds",
         "outpatient_satisfaction", "inpatient_satisfaction")
REPORTED = {  # which indicators a department of each type reports
    "内科": _WARD + _COMMON,
    "外科": _WARD + ("level4_surgery", "minimally_invasive") + _COMMON,
    "医技": ("consumable_ratio", "outpatient_satisfaction") + _COMMON,
    "护理": ("inpatient_satisfaction", "avg_los") + _COMMON,
    "行政": ("staff_satisfaction", "research"),
}
# (level by type, sd of the persistent department effect, sd of quarterly noise, decimals)
LEVELS: dict[str, tuple[dict[str, float], float, float, int]] = {
    "cmi": ({"内科": 1.05, "外科": 1.35}, 0.12, 0.04, 4),
    "drg_groups": ({"内科": 95, "外科": 120}, 18, 6, 0),
    "level4_surgery": ({"外科": 28.0}, 5.0, 2.0, 1),
    "minimally_invasive": ({"外科": 35.0}, 6.0, 2.5, 1),
    "avg_los": ({"内科": 8.2, "外科": 7.4, "护理": 7.9}, 0.8, 0.35, 1),
    "cost_growth": ({"内科": 2.0, "外科": 2.5}, 1.5, 2.0, 1),
    "drug_ratio": ({"内科": 32.0, "外科": 22.0}, 3.5, 1.2, 1),
    "consumable_ratio": ({"内科": 14.0, "外科": 26.0, "医技": 18.0}, 3.0, 1.2, 1),
    "antibiotic_ddds": ({"内科": 38.0, "外科": 42.0}, 4.0, 2.0, 1),
    "outpatient_satisfaction": ({"内科": 91.0, "外科": 91.5, "医技": 90.0}, 1.3, 0.9, 1),
    "inpatient_satisfaction": ({"内科": 93.0, "外科": 93.5, "护理": 93.8}, 1.0, 0.8, 1),
    "staff_satisfaction": ({t: 86.0 for t in REPORTED}, 1.2, 1.0, 1),
}
# Points per SD of Party strength (the demo's truth; 0 for every indicator not listed).
EFFECTS = {"staff_satisfaction": 0.9, "inpatient_satisfaction": 0.6}
DISPUTES_PER_100_STAFF = 1.6  # per quarter, at average Party strength
DISPUTES_EFFECT = -0.3  # log rate per SD of Party strength
RESEARCH_PER_100_STAFF = {"内科": 4.0, "外科": 4.5, "医技": 3.0, "护理": 1.5, "行政": 0.6}
STAFF_RANGE = {"内科": (30, 90), "外科": (30, 90), "医技": (20, 70), "护理": (40, 120), "行政": (10, 40)}


def import_panel(con: duckdb.DuckDBPyConnection, *, seed: int, user: str, cfg: config_mod.Config) -> None:
    """Import the demo's department mapping and performance panel through the import pipeline.

    Reads the branches and their 支部考核 totals already imported, so it runs after the other
    demo imports. Indicators the configuration does not list are left out.
    """
    from analysis.ingest import importer

    rng = np.random.default_rng([seed, 18])
    quarters = [r[0] for r in con.execute("SELECT DISTINCT quarter FROM branch_score ORDER BY 1").fetchall()]
    departments = _departments(rng, con, quarters)
    configured = {i.id for i in cfg.business.indicators}
    values = _performance(seed, departments, _party_strength(con), configured, quarters)
    importer.import_frame(con, departments.drop(columns="branch_share"), user=user, kind="departments",
                          file_name="演示数据_departments", cfg=cfg)
    importer.import_frame(con, values, user=user, kind="department_performance",
                          file_name="演示数据_department_performance", cfg=cfg)


def _departments(rng: np.random.Generator, con: duckdb.DuckDBPyConnection, quarters: list[str]) -> pd.DataFrame:
    """One department per branch, a second ward for every third clinical one; one
    department moves to a neighbouring branch of its type in the last year (the mapping changes)."""
    branches = con.execute("SELECT branch_id, department FROM branch_lineage ORDER BY branch_id").fetchall()
    rows = []
    clinical = 0
    for branch_id, department in branches:
        kind = DEPARTMENT_TYPES[department]
        wards = 1
        if kind in ("内科", "外科"):
            clinical += 1
            wards = 2 if clinical % 3 == 1 else 1
        for ward in range(wards):
            name = department if wards == 1 else f"{department}{'一二'[ward]}病区"
            low, high = STAFF_RANGE[kind]
            rows.append({"department_id": f"K{len(rows) + 1:05d}", "department_name": name, "department_type": kind,
                         "branch_id": branch_id, "from_quarter": quarters[0], "staff": int(rng.integers(low, high + 1)),
                         "branch_share": 1 / wards})
    frame = pd.DataFrame(rows)
    two = frame[frame["branch_share"] < 1]
    if len(two):
        moved = two.iloc[-1].copy()
        others = frame[(frame["department_type"] == moved["department_type"]) & (frame["branch_id"] != moved["branch_id"])]
        if len(others):
            moved["branch_id"] = others["branch_id"].iloc[0]
            moved["from_quarter"] = quarters[-4]
            frame = pd.concat([frame, moved.to_frame().T], ignore_index=True)
    return frame


def _party_strength(con: duckdb.DuckDBPyConnection) -> pd.Series:
    """Each branch's mean 支部考核 total over all quarters, in SDs across branches."""
    totals = con.execute(
        "SELECT branch_id, avg(total) AS mean FROM (SELECT branch_id, quarter, sum(score)::DOUBLE AS total "
        "FROM branch_score GROUP BY ALL) GROUP BY ALL"
    ).df().set_index("branch_id")["mean"]
    return (totals - totals.mean()) / totals.std()


def _performance(seed: int, departments: pd.DataFrame, strength: pd.Series, configured: set[str],
                 quarters: list[str]) -> pd.DataFrame:
    """The quarterly values of every department (the truth is in the module notes).

    Each indicator draws from a generator of its own, so that changing how one indicator is
    made (a Poisson draw uses a varying number of random numbers) leaves the others as they are.
    """
    # The first mapping row of each department (a move changes the branch, not the department).
    units = departments.drop_duplicates("department_id").reset_index(drop=True)
    history = departments.sort_values("from_quarter").groupby("department_id")
    branch_of = {(unit, quarter): rows[rows["from_quarter"] <= quarter]["branch_id"].iloc[-1]
                 for unit, rows in history for quarter in quarters}
    rows = []
    for position, indicator in enumerate(sorted({i for kinds in REPORTED.values() for i in kinds} & configured)):
        rng = np.random.default_rng([seed, 18, position])
        for unit in units[[indicator in REPORTED[k] for k in units["department_type"]]].itertuples():
            persistent = rng.normal()
            for quarter in quarters:
                strength_now = float(strength[branch_of[unit.department_id, quarter]])
                value = _value(rng, indicator, unit.department_type, unit.staff, strength_now, persistent)
                rows.append((quarter, unit.department_id, indicator, value))
    return pd.DataFrame(rows, columns=["quarter", "department_id", "indicator_id", "value"])


def _value(rng: np.random.Generator, indicator: str, kind: str, staff: int, strength: float, persistent: float) -> float:
    """One department's value in one quarter."""
    if indicator == "disputes":
        rate = DISPUTES_PER_100_STAFF * np.exp(DISPUTES_EFFECT * strength + 0.5 * persistent)
        return float(rng.poisson(rate * staff / 100))
    if indicator == "research":
        return float(rng.poisson(RESEARCH_PER_100_STAFF[kind] * np.exp(0.3 * persistent) * staff / 100))
    levels, between, noise, decimals = LEVELS[indicator]
    value = levels[kind] + between * persistent + EFFECTS.get(indicator, 0.0) * strength + rng.normal(0, noise)
    if indicator.endswith("satisfaction"):
        value = min(value, 100.0)
    return round(float(value), decimals)
