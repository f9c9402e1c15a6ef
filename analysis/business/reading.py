"""The sentence shown with every 党建+业务 result: what it is (an association in n branches over
k quarters), what it is not (a cause), and when the data cannot tell.

One function, ``sentence``, for the four views of ``analysis.business.models``; the page, the
report and the downloads all show its text, so the same number is never worded two ways.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from analysis import config as config_mod
from analysis.formatting import fixed, p_value

VIEWS = ("association", "partial", "lagged", "within")

# What each view may be said to show beyond an association, appended to a clear result.
CAVEATS = {
    "association": "这是支部之间的关联，不能说明党建带来了业务改善。",
    "partial": "这是同类科室支部之间的关联，不能说明党建带来了业务改善。",
    "lagged": "先后关系也不等于因果。",
    "within": "已排除支部固有差异，但同期变化的其他因素仍可能解释这一关联。",
}


def _number(value: float) -> str:
    return fixed(value, 2).replace("-", "−")


def estimate_text(view: str, row: Mapping) -> str:
    """'ρ = 0.52，95% CI 0.22 至 0.73' or 'β = …' for the view's estimate ('' when there is none).

    Returns
    -------
    str
    """
    name, value = ("β", row.get("beta")) if view in ("lagged", "within") else ("ρ", row.get("rho"))
    if value is None or not math.isfinite(value):
        return ""
    interval = ""
    if math.isfinite(row.get("ci_low", math.nan)):
        interval = f"，95% CI {_number(row['ci_low'])} 至 {_number(row['ci_high'])}"
    return f"{name} = {_number(value)}{interval}"


def _extent(view: str, row: Mapping) -> str:
    n, k = int(row["n"]), int(row.get("k", 0))
    if view == "lagged":
        return f"{n} 个支部、{int(row.get('n_obs', 0))} 组相邻季度"
    if view == "within":
        return f"{n} 个支部、{int(row.get('n_obs', 0))} 个支部季度"
    if view == "partial":
        return f"{n} 个支部、{k} 个季度（按科室类型{row.get('groups') or ''}分别比较）"
    return f"{n} 个支部、{k} 个季度"


def _direction(view: str, row: Mapping, party: str, favourable: bool) -> str:
    indicator, higher = row["indicator"], bool(row["higher_is_better"])
    better = favourable
    level = "较高" if higher == better else "较低"
    outcome = "业务更好" if better else "业务反而更差"
    if view == "lagged":
        return f"{party}较高的季度之后，{indicator}在下一季度{'改善' if better else '变差'}更多"
    if view == "within":
        return f"同一支部在{party}较高的季度，{indicator}{level}（{outcome}）"
    return f"{party}较高的支部，{indicator}{level}（{outcome}）"


def _per_sd(view: str, row: Mapping, party: str) -> str:
    """'；党建每高 1 个标准差，…变化 +0.42 分' for the regression views."""
    coef = row.get("coef")
    if view not in ("lagged", "within") or coef is None or not math.isfinite(coef):
        return ""
    what = f"{row['indicator']}的季度变化" if view == "lagged" else row["indicator"]
    unit = row.get("unit") or ""
    return f"；{party}每高 1 个标准差，{what}平均变化 {fixed(coef, 2, sign=True)}{unit}".replace("-", "−")


def sentence(view: str, row: Mapping, *, party: str, business: config_mod.BusinessConfig) -> str:
    """The reading of one result of a view.

    Parameters
    ----------
    view : one of ``VIEWS``.
    row : a result row (indicator, higher_is_better, unit, n, k / n_obs, rho or beta and coef,
        ci_low, ci_high, p_holm, verdict; for 'partial' groups and rho_raw).
    party : the Chinese name of the Party measure.

    Returns
    -------
    str, one or two sentences in Chinese.
    """
    if view not in VIEWS:
        raise ValueError(f"view must be one of {VIEWS}")
    indicator, n, outcome = row["indicator"], int(row["n"]), row["verdict"]
    if outcome == "too_few":
        return f"{indicator}：只有 {n} 个支部有可用数据，少于 {business.min_branches} 个，不计算。"
    if outcome == "no_groups":
        return (f"{indicator}：每类至少有 {business.min_type_branches} 个支部的科室类型不足两类，"
                "无法按科室类型控制。")
    estimate = estimate_text(view, row)
    if outcome == "cannot_tell":
        why = (f"只有 {n} 个支部（少于 {business.clear_branches} 个）" if n < business.clear_branches
               else "区间过宽")
        return f"{indicator}：{_extent(view, row)}，{estimate}。{why}，数据不足以判断有无关联。"
    tested = f"{estimate}；Holm 校正后 {p_value(row['p_holm'])}{_per_sd(view, row, party)}"
    if outcome == "none":
        return (f"{indicator}：{_extent(view, row)}中未见明确关联（{tested}）；"
                "数据既不支持“党建强、业务好”，也未显示相反的关系。")
    favourable = outcome == "favourable"
    partial_note = ""
    if view == "partial" and math.isfinite(row.get("rho_raw", math.nan)):
        partial_note = f"（不控制科室类型时 ρ = {_number(row['rho_raw'])}）"
    return (f"{indicator}：在 {_extent(view, row)}中，{_direction(view, row, party, favourable)}"
            f"（{tested}）{partial_note}。{CAVEATS[view]}")
