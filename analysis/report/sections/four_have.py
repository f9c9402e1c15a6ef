"""四有工程: the year's dimension profile against the hospital, and the 示范点 candidates.

Findings: four_have.profile; four_have.sites (for one branch: its rank and whether it
qualifies). Tables: four_have_profile, four_have_totals, four_have_candidates. A year without
scores is left out with a note naming the years that have them.
"""

from __future__ import annotations

from analysis import config as config_mod
from analysis.metrics import four_have
from analysis.palette import GOOD, GOOD_LIGHT, MEASURE, MUTED, NEUTRAL
from analysis.report.model import Chart, Concern, Figure, Finding, Series, number, table
from analysis.report.sections.common import Built, Context, column_values, number_text, source_of

SITES_CHART_ROWS = 15  # the chart of totals shows the first this many branches
SOURCE = source_of("four_have")


def build(ctx: Context) -> Built:
    """The 四有工程 findings and tables (see the module notes)."""
    ev = ctx.call(four_have.evaluation, last=ctx.period.last, unit=ctx.unit, cfg=ctx.cfg)
    if not ev.has_data:
        return [], [], [f"{ev.year}年度没有四有评分（已有评分的年度：{'、'.join(map(str, ev.years)) or '无'}）。"]
    findings = [_profile(ctx, ev)]
    sites = _branch_site(ctx, ev) if ctx.level == "branch" else _sites(ctx, ev)
    if sites is not None:
        findings.append(sites)
    tables = [
        table("four_have_profile", f"四有各维度得分（{ev.year}）", ev.profile, {
            "dimension_name": ("维度", "text"), "max_points": ("满分", "score"), "unit_mean": ("得分", "score2"),
            "unit_self_mean": ("自评分", "score2"), "unit_n": ("支部数", "int"), "hospital_mean": ("全院均值", "score2"),
            "gap": ("与全院差", "score2"), "self_gap": ("自评差", "score2")}, source=SOURCE),
        table("four_have_totals", f"四有总分与排名（{ev.year}）", ev.totals, {
            "rank": ("名次", "int"), "branch_name": ("党支部", "text"), "general_branch_name": ("党总支", "text"),
            "total": ("总分", "score"), "share": ("得分率", "share"), "rank_change": ("名次变化", "int"),
            "weakest_dimension": ("最弱维度", "text"), "min_share": ("最弱维度得分率", "share"),
            "is_site": ("已命名示范点", "bool")}, source=SOURCE, in_deck=False),
    ]
    if len(ev.candidates):
        tables.append(table("four_have_candidates", f"四有示范点候选（{ev.year}）", ev.candidates, {
            "rank": ("名次", "int"), "branch_name": ("党支部", "text"), "total": ("总分", "score"),
            "min_share": ("最弱维度得分率", "share"), "candidate": ("符合候选条件", "bool"),
            "is_site": ("已命名示范点", "bool"), "note": ("说明", "text")},
            source=SOURCE, in_deck=False))
    return findings, tables, []


def _max_total(cfg: config_mod.Config) -> float:
    return sum(d.max_points for d in cfg.four_have)


def _method(cfg: config_mod.Config, ev: four_have.Evaluation) -> str:
    return (f"四个维度（{'、'.join(d.name for d in cfg.four_have)}）合计满分{_max_total(cfg):g}；只对评分完整的支部排名；"
            f"示范点候选：总分前{ev.top_n}名（并列同计）且各维度得分率不低于{ev.min_share * 100:g}%。")


def _profile(ctx: Context, ev: four_have.Evaluation) -> Finding:
    """The unit's score per dimension, beside the hospital's (the hospital: assessed beside self-assessed)."""
    year, max_total, profile = f"{ev.year}年度", _max_total(ctx.cfg), ev.profile
    weakest = profile.loc[(profile["unit_mean"] / profile["max_points"]).idxmin()]
    if ctx.unit is None:
        series = (Series("评定均值", column_values(profile, "hospital_mean"), MEASURE),
                  Series("自评均值", column_values(profile, "unit_self_mean"), NEUTRAL))
    else:
        series = (Series(ctx.unit_label, column_values(profile, "unit_mean"), MEASURE),
                  Series("全院均值", column_values(profile, "hospital_mean"), NEUTRAL))
    total = "总分" if ctx.level == "branch" else "平均总分"
    head = f"{year}{ctx.prefix}四有{total} {number_text(ev.unit_mean)}（满分{max_total:g}）"
    weak_share = 100 * (number(weakest["unit_mean"]) or 0.0) / float(weakest["max_points"])
    return Finding(
        key="four_have.profile", section="four_have",
        title=f"{head}，最弱维度“{weakest['dimension_name']}” {number_text(weakest['unit_mean'])} 分",
        source=SOURCE, method=_method(ctx.cfg, ev),
        n=f"{len(ev.ranked)}个支部评分完整（全院{ev.hospital_n}个）",
        figures=(Figure(number_text(ev.unit_mean), f"四有{total}", f"全院平均 {number_text(ev.hospital_mean)}"),),
        chart=Chart("column", tuple(profile["dimension_name"]), series, "得分",
                    value_max=float(profile["max_points"].max())),
        points=tuple(f"{r.dimension_name}：{number_text(r.unit_mean, 2)} 分（全院 {number_text(r.hospital_mean, 2)}，"
                     f"自评 {number_text(r.unit_self_mean, 2)}）" for r in profile.itertuples()),
        period_label=year,
        concerns=(Concern(f"{ctx.prefix}“四有”工程中“{weakest['dimension_name']}”最弱（{number_text(weakest['unit_mean'])} 分，"
                          f"满分{float(weakest['max_points']):g}）",
                          f"围绕“{weakest['dimension_name']}”制定提升措施，选树可复制的支部经验并推广", 0.4 + (90 - weak_share) / 20),)
        if weak_share < 90 else (),
        weight=0.6,
    )


def _branch_site(ctx: Context, ev: four_have.Evaluation) -> Finding:
    """One branch: its hospital rank and whether it meets the 示范点 rule."""
    year, row, candidates = f"{ev.year}年度", ev.totals.iloc[0], ev.candidates
    is_candidate = ctx.unit in ev.candidate_ids
    rank = f"全院第{int(row['rank'])}名" if number(row["rank"]) is not None else "评分不完整，未排名"
    return Finding(
        key="four_have.sites", section="four_have",
        title=f"{year}{ctx.unit_label}四有{rank}，{'符合' if is_candidate else '不符合'}示范点候选条件"
              + ("（已命名示范点）" if bool(row["is_site"]) else ""),
        source=SOURCE, method=_method(ctx.cfg, ev), n=f"全院{ev.hospital_n}个支部评分完整",
        weight=0.8 if is_candidate else 0.3,
        figures=(Figure(rank.replace("全院", ""), "全院排名", f"总分 {number_text(row['total'])}"),),
        points=tuple(candidates.loc[candidates["branch_id"] == ctx.unit, "note"]) or
        (f"最弱维度：{row['weakest_dimension']}（得分率 {number_text(100 * (number(row['min_share']) or 0))}%）",),
        period_label=year,
    )


def _sites(ctx: Context, ev: four_have.Evaluation) -> Finding | None:
    """The ranked branches' totals (GOOD: named 示范点, GOOD_LIGHT: qualifying, not yet named)."""
    ranked = ev.ranked.sort_values(["rank", "branch_id"])
    if ranked.empty:
        return None
    year, candidates = f"{ev.year}年度", ev.candidates
    n_candidates, n_sites = len(ev.candidate_ids), int(ev.totals["is_site"].sum())
    shown = ranked.head(SITES_CHART_ROWS)
    sites, picks = set(ev.totals.loc[ev.totals["is_site"], "branch_id"]), set(ev.candidate_ids)
    colours = tuple(GOOD if b in sites else GOOD_LIGHT if b in picks else MUTED for b in shown["branch_id"])
    names = "、".join(candidates.loc[candidates["candidate"] & ~candidates["is_site"], "branch_name"])
    return Finding(
        key="four_have.sites", section="four_have",
        title=f"{year}{ctx.prefix}符合示范点候选条件的支部 {n_candidates} 个，已命名示范点 {n_sites} 个",
        source=SOURCE, method=_method(ctx.cfg, ev),
        n=f"{len(ranked)}个支部评分完整",
        figures=(Figure(f"{n_candidates}", "示范点候选", f"已命名 {n_sites} 个"),),
        chart=Chart("bar", tuple(f"{int(r.rank)}. {r.branch_name}" for r in shown.itertuples()),
                    (Series("四有总分", column_values(shown, "total"), MUTED, colours),), "四有总分",
                    value_max=_max_total(ctx.cfg)),
        points=(f"深蓝：已命名示范点；浅蓝：符合条件、尚未命名；图示前{len(shown)}名",)
        + ((f"尚未命名的候选：{names}",) if names else ()),
        period_label=year,
        weight=0.6 + min(0.2 * (n_candidates - n_sites), 0.6) if n_candidates > n_sites else 0.5,
    )
