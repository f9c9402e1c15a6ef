"""党员先锋指数: the member vanguard index and its aggregates."""

from __future__ import annotations

import duckdb
import pandas as pd

from . import config as config_mod
from .org import unit_filter
from .periods import shift
from .scope import Scope

# Index of one member in one quarter: sum over dimensions d and raters r of w_d * w_r * score.
# Only complete score sheets count (every dimension by every rater): a sheet without the
# organisation's score would be biased upwards by the higher self-evaluation.
MEMBER_INDEX_SQL = f"""
WITH weights AS (
    SELECT unnest($dims) AS dimension_id, unnest($dim_weights) AS dim_weight
), raters AS (
    SELECT unnest(['self', 'peer', 'org']) AS rater, unnest($rater_weights) AS rater_weight
)
SELECT s.member_id, m.branch_id, s.quarter,
       sum(w.dim_weight * r.rater_weight * s.score) AS vindex
FROM vanguard_score s
JOIN weights w USING (dimension_id)
JOIN raters r USING (rater)
JOIN member m USING (member_id)
WHERE s.quarter BETWEEN $first AND $last AND {unit_filter('m.branch_id')}
GROUP BY ALL
HAVING count(*) = len($dims) * 3
"""


def _index_params(cfg: config_mod.Config, unit: str | None, first: str, last: str) -> dict:
    v = cfg.vanguard
    return {
        "dims": [d.id for d in v.dimensions],
        "dim_weights": [d.weight for d in v.dimensions],
        "rater_weights": [v.rater_weights[r] for r in ("self", "peer", "org")],
        "unit": unit,
        "first": first,
        "last": last,
    }


def hospital_trend(
    con: duckdb.DuckDBPyConnection,
    *,
    scope: Scope,
    first: str,
    last: str,
    unit: str | None = None,
    cfg: config_mod.Config | None = None,
) -> pd.DataFrame:
    """Quarterly vanguard index over all members under ``unit`` (aggregate: every role).

    Returns: quarter, mean, median, sd, n, qoq (环比: change against the previous quarter's
    mean), yoy (同比: against the same quarter a year earlier). qoq/yoy are NULL when that
    quarter has no data. The window is widened by a year internally so the first quarters
    shown still get their 同比.

    Notes: index = Σ_d w_d Σ_r w_r · score(d, r), weights from the configuration; members
    without a complete score sheet for a quarter are left out of that quarter (n says so).
    """
    cfg = cfg or config_mod.load()
    params = _index_params(cfg, unit, shift(first, -4), last)
    return con.execute(
        f"""
        WITH idx AS ({MEMBER_INDEX_SQL}),
        q AS (
            SELECT quarter, avg(vindex) AS mean, median(vindex) AS median, stddev_samp(vindex) AS sd,
                   count(*) AS n, quarter_index(quarter) AS qi
            FROM idx GROUP BY quarter
        )
        SELECT cur.quarter, cur.mean, cur.median, cur.sd, cur.n,
               cur.mean - prev.mean AS qoq, cur.mean - year_ago.mean AS yoy
        FROM q cur
        LEFT JOIN q prev ON prev.qi = cur.qi - 1
        LEFT JOIN q year_ago ON year_ago.qi = cur.qi - 4
        WHERE cur.quarter >= $shown_from
        ORDER BY cur.quarter
        """,
        {**params, "shown_from": first},
    ).df()
