"""支部工作法, 党建品牌 and 示范点: the evidence of 四有's 党建有品牌 and 支部有方法, per branch."""

from __future__ import annotations

import duckdb
import pandas as pd

from analysis.db import fetch_frame
from analysis.metrics.org import unit_filter
from analysis.scope import Scope, check_unit, require_branch_detail

KINDS = ("支部工作法", "党建品牌")


def brand_catalogue(con: duckdb.DuckDBPyConnection, *, scope: Scope, unit: str | None = None) -> pd.DataFrame:
    """Every branch's working methods and brands, with the branch's 示范点 titles.

    Returns: branch_id, branch_name, general_branch_name, kind (支部工作法 / 党建品牌), name, year,
    summary, sites (the branch's 示范点 titles with their years, joined by '、'; empty without).
    Ordered by branch, kind, year.
    """
    require_branch_detail(scope)
    check_unit(scope, unit)
    frame = fetch_frame(
        con,
        f"""
        WITH sites AS (
            SELECT branch_id, string_agg(year || '年' || title, '、' ORDER BY year, title) AS sites
            FROM demonstration_site GROUP BY ALL
        )
        SELECT b.branch_id, l.branch_name, l.general_branch_name, b.kind, b.name, b.year, b.summary,
               coalesce(s.sites, '') AS sites
        FROM branch_method b JOIN branch_lineage l USING (branch_id) LEFT JOIN sites s USING (branch_id)
        WHERE {unit_filter('b.branch_id')}
        ORDER BY b.branch_id, list_position($kinds, b.kind), b.year, b.name
        """,
        {"unit": unit, "kinds": list(KINDS)},
    )
    return frame


def brand_counts(con: duckdb.DuckDBPyConnection, *, scope: Scope, unit: str | None = None) -> pd.DataFrame:
    """How many branches have a working method, a brand, a 示范点, per 党总支 and in all.

    Returns: unit_name ('全院' or the 总支, or the chosen unit), branches, with_method,
    with_brand, with_site, methods (working methods in all), brands (brands in all).
    """
    require_branch_detail(scope)
    check_unit(scope, unit)
    return fetch_frame(
        con,
        f"""
        WITH per_branch AS (
            SELECT l.branch_id, l.general_branch_id, coalesce(l.general_branch_name, '直属支部') AS general_branch_name,
                   count(*) FILTER (WHERE b.kind = '支部工作法') AS methods,
                   count(*) FILTER (WHERE b.kind = '党建品牌') AS brands,
                   bool_or(s.branch_id IS NOT NULL) AS has_site
            FROM branch_lineage l LEFT JOIN branch_method b USING (branch_id)
            LEFT JOIN (SELECT DISTINCT branch_id FROM demonstration_site) s ON s.branch_id = l.branch_id
            WHERE {unit_filter('l.branch_id')}
            GROUP BY ALL
        )
        SELECT unit_name, branches, with_method, with_brand, with_site, methods, brands FROM (
            SELECT 0 AS level, '' AS sort_key, coalesce((SELECT name FROM org_unit WHERE unit_id = $unit), '全院') AS unit_name,
                   count(*) AS branches, count(*) FILTER (WHERE methods > 0) AS with_method,
                   count(*) FILTER (WHERE brands > 0) AS with_brand, count(*) FILTER (WHERE has_site) AS with_site,
                   sum(methods) AS methods, sum(brands) AS brands
            FROM per_branch
            UNION ALL
            SELECT 1, coalesce(general_branch_id, ''), general_branch_name, count(*), count(*) FILTER (WHERE methods > 0),
                   count(*) FILTER (WHERE brands > 0), count(*) FILTER (WHERE has_site), sum(methods), sum(brands)
            FROM per_branch WHERE general_branch_id IS DISTINCT FROM $unit
            GROUP BY ALL
        ) ORDER BY level, sort_key
        """,
        {"unit": unit},
    )
