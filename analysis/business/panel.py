"""The branch-quarter panel: Party work and the mapped departments' results side by side.

Party measures come from the functions that compute them for their own pages (one
definition each): 先锋指数 branch means (``vanguard.trend``), 支部考核 totals
(``assessment.branch_ranking``) and 三会一课 compliance (``meetings.meeting_compliance``,
counted per quarter); the 16 assessment indicators as shares of their max points. The
departments' results are combined per branch and quarter in SQL (see ``PERFORMANCE_SQL``).
"""

from __future__ import annotations

import datetime as dt
import hashlib

import duckdb
import numpy as np
import pandas as pd

from analysis import config as config_mod
from analysis import periods
from analysis.db import fetch_frame
from analysis.metrics import assessment, meetings, vanguard
from analysis.metrics.org import unit_filter
from analysis.scope import Scope, check_unit, require_branch_detail

PARTY_MEASURES: dict[str, str] = {
    "assessment": "支部考核总分",
    "vanguard": "先锋指数（支部均值）",
    "compliance": "三会一课达标率",
}
"""The Party scores a branch is placed by: panel column -> Chinese name."""

ASSESSMENT_PREFIX = "assess_"  # panel columns of the 16 assessment indicators: assess_A01 ...
PERFORMANCE_PREFIX = "perf_"  # panel columns of the department indicators: perf_cmi ...

# The mapping in force in each quarter of $quarters: a department_branch row holds from its
# first quarter until the department's next row (quarters 'YYYYQn' sort as text).
MAPPING_SQL = f"""
SELECT q.quarter, m.department_id, m.department_name, m.department_type, m.branch_id, m.staff
FROM (SELECT unnest($quarters::VARCHAR[]) AS quarter) q
JOIN (SELECT *, lead(from_quarter) OVER (PARTITION BY department_id ORDER BY from_quarter) AS until
      FROM department_branch) m
  ON m.from_quarter <= q.quarter AND (m.until IS NULL OR q.quarter < m.until)
WHERE {unit_filter('m.branch_id')}
"""

# A branch's value of an indicator in a quarter, from the departments it covered then that
# reported it: the staff-weighted mean Σ staff·value / Σ staff, or for a count (per_staff)
# 100 · Σ value / Σ staff, the count per 100 staff.
PERFORMANCE_SQL = f"""
WITH mapped AS ({MAPPING_SQL}),
catalogue AS (SELECT unnest($ids::VARCHAR[]) AS indicator_id, unnest($per_staff::BOOLEAN[]) AS per_staff)
SELECT m.branch_id, p.quarter, p.indicator_id,
       CASE WHEN any_value(c.per_staff) THEN 100 * sum(p.value) / sum(m.staff)
            ELSE sum(p.value * m.staff) / sum(m.staff) END AS value,
       count(*) AS departments
FROM department_performance p
JOIN mapped m USING (department_id, quarter)
JOIN catalogue c USING (indicator_id)
GROUP BY m.branch_id, p.quarter, p.indicator_id
"""

# Departments, staff and type of each branch and quarter: the type is that of the largest
# share of staff (ties: the type first in the catalogue order of $types).
ATTRIBUTES_SQL = f"""
WITH mapped AS ({MAPPING_SQL}),
by_type AS (
    SELECT branch_id, quarter, department_type, sum(staff) AS type_staff, count(*) AS departments,
           list_position($types::VARCHAR[], department_type) AS type_order
    FROM mapped GROUP BY ALL
)
SELECT branch_id, quarter, arg_max(department_type, type_staff * 100 - type_order) AS department_type,
       sum(departments)::INTEGER AS departments, sum(type_staff)::INTEGER AS staff
FROM by_type GROUP BY ALL
"""


def column_headers(cfg: config_mod.Config) -> dict[str, str]:
    """Chinese headers of the panel's per-indicator columns (the rest are in ``analysis.labels``).

    Returns
    -------
    dict: 'assess_A01' -> '考核：三会一课（得分率）', 'perf_avg_los' -> '平均住院日（天）', ...
    """
    out = {ASSESSMENT_PREFIX + i.id: f"考核：{i.name}（得分率）" for i in cfg.assessment.indicators}
    out |= {PERFORMANCE_PREFIX + i.id: f"{i.name}（{i.unit}）" if i.unit else i.name for i in cfg.business.indicators}
    return out


def party_measure(party: str) -> str:
    """The Chinese name of a Party measure; ValueError for one not in ``PARTY_MEASURES``.

    Returns
    -------
    str, e.g. '支部考核总分'.
    """
    if party not in PARTY_MEASURES:
        raise ValueError(f"party must be one of {', '.join(PARTY_MEASURES)}")
    return PARTY_MEASURES[party]


def panel(
    con: duckdb.DuckDBPyConnection,
    *,
    scope: Scope,
    first: str,
    last: str,
    unit: str | None = None,
    as_of: dt.date | None = None,
    cfg: config_mod.Config | None = None,
) -> pd.DataFrame:
    """One row per branch and quarter: Party measures beside the mapped departments' results.

    Parameters
    ----------
    first, last : quarters 'YYYYQn', inclusive.
    unit : a general branch or branch id to narrow to (committee and secretaries), None for all.
    as_of : the day 三会一课 is judged on (``meetings.meeting_compliance``; today by default).

    Returns
    -------
    Rows ordered by branch and quarter, for every branch under ``unit`` with any Party or
    department data in the quarter: branch_id, branch_name, general_branch_name, quarter,
    department_type (type of the largest share of the branch's staff; NULL when no
    department is mapped), departments (departments mapped), staff (their staff), vanguard
    (mean 先锋指数 of the branch's members), vanguard_n (members scored), assessment (支部考核
    total of 100), compliance (三会一课 达标率 %, over the periods that ended in the quarter),
    then ``assess_<id>`` for each configured assessment indicator (score as a share 0-1 of
    its max points) and ``perf_<id>`` for each configured department indicator (in its unit;
    counts per 100 staff). Missing values are NaN.

    For researchers the branches are pseudonymous: branch_id and branch_name are 'R001',
    'R002', ... (stable for a database, not derivable from the real ids without it) and
    general_branch_name is empty; no member-level data is in the panel for any role.

    Notes
    -----
    A department's results count for the branch it was mapped to in that quarter; a branch
    covering several departments gets Σ staff·value / Σ staff over those reporting the
    indicator (for counts, 100 · Σ value / Σ staff).
    """
    frame, _ = checked_panel(con, scope=scope, first=first, last=last, unit=unit, as_of=as_of, cfg=cfg)
    return for_viewer(con, scope, frame)


def checked_panel(con: duckdb.DuckDBPyConnection, *, scope: Scope, first: str, last: str, unit: str | None,
                  as_of: dt.date | None, cfg: config_mod.Config | None) -> tuple[pd.DataFrame, config_mod.Config]:
    """The scope check, the configuration and the panel with the real branch ids, which every
    public function of ``analysis.business`` starts from (they rename for researchers at the end).

    Returns
    -------
    (the rows of :func:`panel` before pseudonyms, the configuration used)
    """
    check_unit(scope, unit)
    cfg = cfg or config_mod.load()
    return _panel(con, scope=scope, first=first, last=last, unit=unit, as_of=as_of, cfg=cfg), cfg


def for_viewer(con: duckdb.DuckDBPyConnection, scope: Scope, frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` as ``scope`` may see its branches: pseudonymous for researchers, as it is otherwise.

    Returns
    -------
    The same rows and columns (see :func:`pseudonymised`).
    """
    return pseudonymised(con, frame) if scope.role == "researcher" else frame


def _panel(con, *, scope: Scope, first: str, last: str, unit: str | None, as_of: dt.date | None,
           cfg: config_mod.Config) -> pd.DataFrame:
    quarters = periods.quarter_range(first, last)
    # The panel holds branch-level aggregates only, which researchers may have pseudonymously
    # (panel() renames them); the functions it reads refuse researchers branch rows, so they
    # are asked with the committee's scope here and nowhere else.
    inner = Scope.committee(scope.username) if scope.role == "researcher" else scope
    party = _party(con, inner, first, last, unit, as_of, cfg)
    params = {"quarters": quarters, "unit": unit}
    attributes = fetch_frame(con, ATTRIBUTES_SQL, {**params, "types": list(config_mod.DEPARTMENT_TYPES)})
    catalogue = cfg.business.indicators
    performance = fetch_frame(con, PERFORMANCE_SQL, {
        **params, "ids": [i.id for i in catalogue], "per_staff": [i.per_staff for i in catalogue],
    })
    shares = fetch_frame(
        con,
        f"""
        SELECT branch_id, quarter, indicator_id, score::DOUBLE / max_points::DOUBLE AS share
        FROM branch_score WHERE quarter BETWEEN $first AND $last AND {unit_filter('branch_id')}
        """,
        {"first": first, "last": last, "unit": unit},
    )
    wide = [
        _wide(shares, "share", [i.id for i in cfg.assessment.indicators], ASSESSMENT_PREFIX),
        _wide(performance, "value", [i.id for i in catalogue], PERFORMANCE_PREFIX),
    ]
    # Empty parts come back with float keys; as text every part joins.
    parts = [f.astype({"branch_id": object, "quarter": object}) for f in (attributes, party, *wide)]
    frame = pd.concat([f[["branch_id", "quarter"]] for f in parts]).drop_duplicates()
    for part in parts:
        frame = frame.merge(part, how="left", on=["branch_id", "quarter"])
    names = fetch_frame(con, "SELECT branch_id, branch_name, general_branch_name FROM branch_lineage")
    frame = names.merge(frame, on="branch_id").sort_values(["branch_id", "quarter"], ignore_index=True)
    return frame.astype({"departments": "Int64", "staff": "Int64", "vanguard_n": "Int64"})


def _party(con, scope: Scope, first: str, last: str, unit: str | None, as_of: dt.date | None,
           cfg: config_mod.Config) -> pd.DataFrame:
    """branch_id, quarter, vanguard, vanguard_n, assessment, compliance (outer-joined)."""
    index = vanguard.trend(con, scope=scope, first=first, last=last, unit=unit, level="branch", cfg=cfg)
    index = index.rename(columns={"unit_id": "branch_id", "mean": "vanguard", "n": "vanguard_n"})
    totals = assessment.branch_ranking(con, scope=scope, first=first, last=last, unit=unit)
    totals = totals.rename(columns={"total": "assessment"})
    grid = meetings.meeting_compliance(con, scope=scope, first=first, last=last, unit=unit, as_of=as_of, cfg=cfg)
    grid = grid[grid["observed"]]
    start = pd.to_datetime(grid["period_start"])
    grid = grid.assign(quarter=start.dt.year.astype(str) + "Q" + start.dt.quarter.astype(str))
    rates = grid.groupby(["branch_id", "quarter"], as_index=False)[["counted", "required"]].sum()
    rates["compliance"] = 100 * rates["counted"] / rates["required"].where(rates["required"] > 0)
    out = index[["branch_id", "quarter", "vanguard", "vanguard_n"]]
    out = out.merge(totals[["branch_id", "quarter", "assessment"]], how="outer", on=["branch_id", "quarter"])
    return out.merge(rates[["branch_id", "quarter", "compliance"]], how="outer", on=["branch_id", "quarter"])


def _wide(long: pd.DataFrame, value: str, ids: list[str], prefix: str) -> pd.DataFrame:
    """branch_id, quarter and one column ``prefix + id`` per id (configured ids only, in order)."""
    table = long[long["indicator_id"].isin(ids)].pivot_table(
        index=["branch_id", "quarter"], columns="indicator_id", values=value, aggfunc="first")
    table = table.reindex(columns=ids).astype(float)
    table.columns = [prefix + i for i in ids]
    return table.reset_index()


def pseudonymised(con: duckdb.DuckDBPyConnection, frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with branch_id and branch_name replaced by pseudonyms and no general branch.

    The pseudonym of a branch is its place ('R001', ...) in the order of SHA-256(secret ‖ id),
    the secret being the database's own (``pseudonym_key``, migration 005): stable for the
    file, unrelated to the id's order, and not computable from the id without the file.

    Returns
    -------
    The same rows and columns; branch_id = branch_name = pseudonym, general_branch_name empty.
    """
    secret = con.execute("SELECT secret FROM pseudonym_key").fetchone()[0]
    ids = fetch_frame(con, "SELECT branch_id FROM branch_lineage")["branch_id"]
    digests = sorted(ids, key=lambda b: hashlib.sha256(f"{secret}\x00{b}".encode()).hexdigest())
    width = max(3, len(str(len(digests))))
    names = {b: f"R{i:0{width}d}" for i, b in enumerate(digests, start=1)}
    out = frame.assign(branch_id=frame["branch_id"].map(names))
    if "branch_name" in out:
        out["branch_name"] = out["branch_id"]
    if "general_branch_name" in out:
        out["general_branch_name"] = None
    return out


def department_coverage(
    con: duckdb.DuckDBPyConnection, *, scope: Scope, first: str, last: str, cfg: config_mod.Config | None = None
) -> pd.DataFrame:
    """How much department data the range holds, per configured indicator (hospital totals).

    Returns
    -------
    One row per configured indicator, in catalogue order: indicator_id, indicator (its name),
    unit, departments (departments reporting it in the range), rows (department-quarters),
    unmapped (department-quarters of departments with no branch in that quarter: left out of
    the analysis), branches (branches it reaches), quarters (quarters with values).
    """
    cfg = cfg or config_mod.load()
    catalogue = cfg.business.indicators
    frame = fetch_frame(
        con,
        f"""
        WITH mapped AS ({MAPPING_SQL}),
        catalogue AS (SELECT unnest($ids::VARCHAR[]) AS indicator_id, generate_subscripts($ids::VARCHAR[], 1) AS position)
        SELECT c.indicator_id, count(DISTINCT p.department_id) AS departments, count(p.value) AS rows,
               count(p.value) FILTER (WHERE m.branch_id IS NULL) AS unmapped,
               count(DISTINCT m.branch_id) AS branches, count(DISTINCT p.quarter) AS quarters
        FROM catalogue c
        LEFT JOIN department_performance p ON p.indicator_id = c.indicator_id AND list_contains($quarters, p.quarter)
        LEFT JOIN mapped m ON m.department_id = p.department_id AND m.quarter = p.quarter
        GROUP BY c.indicator_id, c.position ORDER BY c.position
        """,
        {"quarters": periods.quarter_range(first, last), "unit": None, "ids": [i.id for i in catalogue]},
    )
    frame.insert(1, "indicator", [i.name for i in catalogue])
    frame.insert(2, "unit", [i.unit for i in catalogue])
    return frame


def branch_trend(
    con: duckdb.DuckDBPyConnection,
    *,
    scope: Scope,
    branch: str,
    first: str,
    last: str,
    cfg: config_mod.Config | None = None,
) -> pd.DataFrame:
    """One branch's department indicators per quarter against the spread of all branches.

    Not for researchers (one branch's own rows).

    Returns
    -------
    One row per configured indicator and quarter in which ``branch`` has a value, in
    catalogue then quarter order: quarter, indicator_id, indicator, unit, higher_is_better,
    value (the branch's), hospital_median, hospital_p25, hospital_p75 (over the branches with
    a value that quarter), branches (their number), percentile (the branch's place among
    them, 0-100, 100 = best whatever the indicator's direction).
    """
    require_branch_detail(scope)
    frame, cfg = checked_panel(con, scope=scope, first=first, last=last, unit=None, as_of=None, cfg=cfg)
    rows = []
    for item in cfg.business.indicators:
        column = PERFORMANCE_PREFIX + item.id
        values = frame[["branch_id", "quarter", column]].dropna()
        if values.empty:
            continue
        grouped = values.groupby("quarter")[column]
        good = values[column] if item.higher_is_better else -values[column]
        places = percentile_rank(good, values["quarter"])
        mine = values[values["branch_id"] == branch]
        for index, row in mine.iterrows():
            quarter = row["quarter"]
            rows.append({
                "quarter": quarter, "indicator_id": item.id, "indicator": item.name, "unit": item.unit,
                "higher_is_better": item.higher_is_better, "value": row[column],
                "hospital_median": grouped.median()[quarter], "hospital_p25": grouped.quantile(0.25)[quarter],
                "hospital_p75": grouped.quantile(0.75)[quarter], "branches": int(grouped.size()[quarter]),
                "percentile": places[index],
            })
    columns = ["quarter", "indicator_id", "indicator", "unit", "higher_is_better", "value", "hospital_median",
               "hospital_p25", "hospital_p75", "branches", "percentile"]
    return pd.DataFrame(rows, columns=columns)


def percentile_rank(values: pd.Series, groups: pd.Series | None = None) -> pd.Series:
    """Mid-rank percentile of each value among its group: 100 · (rank − 0.5) / n, ties averaged.

    Returns
    -------
    A float Series on ``values``' index, in (0, 100); NaN where the value is missing.
    """
    if groups is None:
        count = int(values.notna().sum())
        return 100 * (values.rank(method="average") - 0.5) / count if count else values.astype(float) * np.nan
    ranks = values.groupby(groups).rank(method="average")
    sizes = values.groupby(groups).transform("count")
    return 100 * (ranks - 0.5) / sizes.astype(float).where(sizes > 0, np.nan)


def usual_types(frame: pd.DataFrame) -> pd.Series:
    """Each branch's most frequent department type over the quarters of a panel (ties: catalogue order).

    Returns
    -------
    A Series of types indexed by branch_id (branches without a mapped department left out).
    """
    counts = frame.dropna(subset=["department_type"]).groupby(["branch_id", "department_type"]).size()
    if counts.empty:
        return pd.Series(dtype=object, name="department_type")
    order = {t: i for i, t in enumerate(config_mod.DEPARTMENT_TYPES)}
    ranked = counts.reset_index(name="n").assign(order=lambda f: f["department_type"].map(order))
    ranked = ranked.sort_values(["branch_id", "n", "order"], ascending=[True, False, True])
    return ranked.drop_duplicates("branch_id").set_index("branch_id")["department_type"]
