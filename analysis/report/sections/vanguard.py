"""先锋指数: the index trend, the units compared, the three raters by dimension, where a unit's
members stand, and the annual grades.

Findings: vanguard.trend; vanguard.units (not for one branch); vanguard.distribution (a unit's
members against the hospital's, not for the hospital); vanguard.dimensions; vanguard.appraisal
(year-end periods). Tables: vanguard_trend, vanguard_units, vanguard_distribution,
vanguard_dimensions, vanguard_appraisal.
"""

from __future__ import annotations

import pandas as pd

from analysis import config as config_mod
from analysis import periods
from analysis.formatting import fixed, half_up, signed
from analysis.labels import RATERS
from analysis.metrics import vanguard
from analysis.palette import GRADES, MEASURE, NEUTRAL, SERIES
from analysis.report.model import Chart, Concern, Figure, Finding, Series, Table, number, table
from analysis.report.sections.common import (
    Built,
    Context,
    Part,
    axis_min,
    change_text,
    column_values,
    falling,
    gather,
    number_text,
    quarter_axis,
    source_of,
)

SOURCE = source_of("vanguard")


def build(ctx: Context) -> Built:
    """The 先锋指数 findings and tables (see the module notes); nothing without scores in the last quarter."""
    p = ctx.period
    trend = ctx.call(vanguard.hospital_trend, first=p.trend_first, last=p.last, unit=ctx.unit, cfg=ctx.cfg)
    if not trend["quarter"].eq(p.last).any():
        return [], [], []
    findings, tables = gather((_trend(ctx, trend), _units(ctx), _distribution(ctx), _dimensions(ctx),
                               _appraisal(ctx)))
    return findings, tables, []


def _method(cfg: config_mod.Config) -> str:
    w = cfg.vanguard.rater_weights
    dims = "、".join(f"{d.name}{d.weight:g}" for d in cfg.vanguard.dimensions)
    return (f"先锋指数 = Σ 维度权重 ×（个人自评×{w['self']:g} + 党员互评×{w['peer']:g} + 组织评定×{w['org']:g}）；"
            f"维度权重：{dims}；只计各维度三方评分齐全的党员。")


def _trend(ctx: Context, trend: pd.DataFrame) -> tuple[Finding, Table]:
    """The unit's index over the trend window, beside the hospital's when the unit is smaller."""
    p, cfg = ctx.period, ctx.cfg
    row = trend[trend["quarter"] == p.last].iloc[0]
    head = f"{periods.label(p.last)}{ctx.prefix}先锋指数均值 {number_text(row['mean'])}"
    if p.kind == "year":
        year_rows = trend[trend["quarter"].between(p.first, p.last)]
        title = (f"{head}，同比{change_text(row['yoy']) or '无上年数据'}（{p.year}年各季度 "
                 f"{number_text(year_rows['mean'].min())}–{number_text(year_rows['mean'].max())}）")
    else:
        title = f"{head}，环比{change_text(row['qoq']) or '无上期数据'}"
    series = [Series(ctx.unit_label if ctx.unit else "全院均值", column_values(trend, "mean"), MEASURE)]
    points = [f"中位数 {number_text(row['median'])}，参评党员 {int(row['n']):,} 名",
              f"环比{change_text(row['qoq']) or '无上期数据'}，同比{change_text(row['yoy']) or '无上年数据'}"]
    if ctx.unit is not None:
        hospital = ctx.call(vanguard.hospital_trend, first=p.trend_first, last=p.last, unit=None, cfg=cfg)
        hospital = hospital.set_index("quarter").reindex(trend["quarter"]).reset_index()
        series.append(Series("全院均值", column_values(hospital, "mean"), NEUTRAL))
        gap = number(row["mean"] - hospital["mean"].iloc[-1])
        if gap is not None:
            relation = "持平" if half_up(gap, 1) == 0 else f"{'高' if gap > 0 else '低'} {fixed(abs(gap), 1)}"
            title += f"，比全院均值{relation}" if relation != "持平" else "，与全院均值持平"
            points.append(f"全院均值 {number_text(hospital['mean'].iloc[-1])}")
    change = row["yoy"] if p.kind == "year" else row["qoq"]
    concerns = ()
    if falling(change):
        compared = "上年同期" if p.kind == "year" else "上季度"
        concerns = (Concern(f"{ctx.prefix}先锋指数均值较{compared}下降 {fixed(abs(number(change)), 1)}（现为 {number_text(row['mean'])}）",
                            "逐支部、逐维度查找指数下降原因，对下降明显的支部开展专题组织生活和谈心谈话，下季度跟踪",
                            1.0 + abs(number(change))),)
    finding = Finding(
        key="vanguard.trend", section="vanguard", title=title, source=SOURCE,
        method=_method(cfg), n=f"参评党员{int(row['n']):,}名",
        figures=(Figure(number_text(row["mean"]), "先锋指数均值",
                        f"环比 {signed(row['qoq'])} · 同比 {signed(row['yoy'])}"),),
        chart=Chart("line", quarter_axis(trend["quarter"]), tuple(series), "先锋指数",
                    value_min=axis_min([s.values for s in series])),
        points=tuple(points),
        details=(f"标准差 {number_text(row['sd'], 2)}，中位数 {number_text(row['median'])}，n={int(row['n']):,}",),
        period_label=f"{periods.label(p.trend_first)}—{periods.label(p.last)}",
        concerns=concerns,
        weight=1.0 + min(abs(number(change) or 0.0), 2.0),
    )
    return finding, table("vanguard_trend", "先锋指数季度趋势", trend.assign(quarter=trend["quarter"].map(periods.label)), {
        "quarter": ("季度", "text"), "mean": ("均值", "score"), "median": ("中位数", "score"), "sd": ("标准差", "score2"),
        "n": ("参评人数", "int"), "qoq": ("环比", "score"), "yoy": ("同比", "score")}, source=SOURCE)


def _units(ctx: Context) -> Part:
    """The units one level down compared in the last quarter (a branch's trend already compares it)."""
    if ctx.level == "branch":
        return None
    p = ctx.period
    level = "general_branch" if ctx.level == "hospital" else "branch"
    units = ctx.call(vanguard.trend, first=p.last, last=p.last, unit=ctx.unit, level=level, cfg=ctx.cfg)
    units = units.dropna(subset=["unit_id"]).sort_values(["mean", "unit_id"], ascending=[False, True])
    if len(units) < 2:
        return None
    what = "党总支" if level == "general_branch" else "党支部"
    top, low = units.iloc[0], units.iloc[-1]
    spread = number(top["mean"] - low["mean"]) or 0.0
    finding = Finding(
        key="vanguard.units", section="vanguard",
        title=f"{periods.label(p.last)}{ctx.prefix}各{what}先锋指数：{top['unit_name']}最高 {number_text(top['mean'])}，"
              f"{low['unit_name']}最低 {number_text(low['mean'])}，相差 {fixed(spread, 1)}",
        source=SOURCE, method=_method(ctx.cfg),
        n=f"{len(units)}个{what}、参评党员{int(units['n'].sum()):,}名",
        figures=(Figure(number_text(spread), "最高与最低之差", f"{len(units)} 个{what}"),),
        chart=Chart("bar", tuple(units["unit_name"]), (Series("先锋指数均值", column_values(units, "mean"), MEASURE),),
                    "先锋指数", value_max=100),
        points=tuple(f"{r.unit_name} {number_text(r.mean)}（环比 {signed(r.qoq)}）" for r in units.head(3).itertuples()),
        details=tuple(f"{r.unit_name}：均值 {number_text(r.mean)}，标准差 {number_text(r.sd, 2)}，n={int(r.n)}"
                      for r in units.itertuples()),
        period_label=periods.label(p.last),
        weight=0.4 + min(spread / 4, 0.8),
    )
    return finding, table("vanguard_units", f"各{what}先锋指数（{periods.label(p.last)}）", units, {
        "unit_id": ("编号", "text"), "unit_name": (what, "text"), "mean": ("均值", "score"),
        "median": ("中位数", "score"), "sd": ("标准差", "score2"), "n": ("参评人数", "int"),
        "qoq": ("环比", "score"), "yoy": ("同比", "score")}, source=SOURCE)


def _distribution(ctx: Context) -> Part:
    """A unit's members by grade band against the hospital's (the hospital's own deck has the appraisal)."""
    if ctx.unit is None:
        return None
    p = ctx.period
    bands = ctx.call(vanguard.grade_distribution, quarter=p.last, unit=ctx.unit, cfg=ctx.cfg)
    scored = int(bands["members"].sum())
    if not scored:
        return None
    best = bands.iloc[0]
    hospital_best = number(best["hospital_pct"]) or 0.0
    relation = "高于" if best["pct"] > hospital_best else "低于" if best["pct"] < hospital_best else "等于"
    finding = Finding(
        key="vanguard.distribution", section="vanguard",
        title=f"{periods.label(p.last)}{ctx.unit_label}{scored}名党员中{best['grade']}档 {int(best['members'])} 名"
              f"（{fixed(best['pct'], 1)}%），{relation}全院的 {fixed(hospital_best, 1)}%",
        source=SOURCE, method=_method(ctx.cfg) + " 按民主评议等级的分数线划分本季度指数：" + "、".join(
            f"{t.label}≥{t.minimum:g}" for t in ctx.cfg.vanguard.grades) + "。",
        n=f"本单位参评党员{scored}名，全院{int(bands['hospital_members'].sum()):,}名",
        figures=(Figure(f"{fixed(best['pct'], 1)}%", f"{best['grade']}档占比", f"全院 {fixed(hospital_best, 1)}%"),),
        chart=Chart("stacked_bar", (ctx.unit_label, "全院"), tuple(
            Series(str(r.grade), (number(r.pct), number(r.hospital_pct)), colour)
            for r, colour in zip(bands.itertuples(), GRADES)), "占参评党员的比例（%）", suffix="%", value_max=100),
        points=tuple(f"{r.grade}：{int(r.members)} 名（{number_text(r.pct)}%），全院 {number_text(r.hospital_pct)}%"
                     for r in bands.itertuples()),
        period_label=periods.label(p.last),
        weight=1.4,  # a unit's deck is about its members against everyone
    )
    return finding, table("vanguard_distribution", f"先锋指数等级分布（{periods.label(p.last)}）", bands, {
        "grade": ("等级", "text"), "members": ("本单位人数", "int"), "pct": ("本单位占比", "pct"),
        "hospital_members": ("全院人数", "int"), "hospital_pct": ("全院占比", "pct")}, source=SOURCE)


def _dimensions(ctx: Context) -> Part:
    """Self, peer and organisation ratings by dimension in the last quarter, as dots (the gaps are
    a few points of a hundred: bars from 0 would hide them)."""
    p = ctx.period
    dims = ctx.call(vanguard.dimension_breakdown, first=p.last, last=p.last, unit=ctx.unit, cfg=ctx.cfg)
    if dims.empty:
        return None
    widest = dims.loc[dims["self_gap"].idxmax()]
    gap = number(widest["self_gap"]) or 0.0
    series = tuple(Series(name, column_values(dims, col), colour) for (col, name), colour in zip(RATERS.items(), SERIES))
    concerns = ()
    if gap >= 2:
        concerns = (Concern(f"{ctx.prefix}党员自评普遍高于组织评定，“{widest['dimension']}”维度高 {fixed(gap, 1)} 分",
                            "统一评分标准，在组织生活会上开展批评与自我批评，引导党员客观自评", 0.5 + gap / 5),)
    finding = Finding(
        key="vanguard.dimensions", section="vanguard",
        title=f"{periods.label(p.last)}{ctx.prefix}自评与组织评定差距最大的维度是“{widest['dimension']}”，"
              f"自评高 {number_text(gap)} 分",
        source=SOURCE, method=_method(ctx.cfg) + " 自评差 = 自评均分 − 组织评定均分。",
        n=f"参评党员{int(dims['n'].max()):,}名",
        figures=(Figure(number_text(gap), "最大自评差（分）", str(widest["dimension"])),),
        chart=Chart("dot", tuple(dims["dimension"]), series, "平均分", value_min=axis_min([s.values for s in series])),
        points=tuple(f"{r.dimension}：自评 {number_text(r.self)}，互评 {number_text(r.peer)}，组织评定 {number_text(r.org)}"
                     for r in dims.itertuples()),
        period_label=periods.label(p.last),
        concerns=concerns,
        weight=0.3 + min(gap / 5, 0.9),
    )
    return finding, table("vanguard_dimensions", f"先锋指数各维度三方评分（{periods.label(p.last)}）", dims, {
        "dimension": ("维度", "text"), "self": ("个人自评", "score"), "peer": ("党员互评", "score"),
        "org": ("组织评定", "score"), "combined": ("加权", "score"), "self_gap": ("自评差", "score"),
        "n": ("人数", "int")}, source=SOURCE)


def _appraisal(ctx: Context) -> Part:
    """The year's 民主评议 grades (year-end periods only): members per grade, and per branch in the table."""
    p, cfg = ctx.period, ctx.cfg
    if not p.year_end:
        return None
    counts = ctx.call(vanguard.appraisal_counts, year=p.year, unit=ctx.unit, cfg=cfg)
    if counts.empty:
        return None
    grades = [t.label for t in cfg.vanguard.grades]
    totals = {g: int(counts[g].sum()) for g in grades}
    n = sum(totals.values())
    best, worst = grades[0], grades[-1]
    concerns = ()
    if totals[worst]:
        concerns = (Concern(f"{p.year}年度{ctx.prefix}先锋指数评定为{worst}的党员 {totals[worst]} 名",
                            f"对评定为{worst}的党员逐一谈话、限期改正，按规定作出组织处置", 1.0 + totals[worst] / 5),)
    finding = Finding(
        key="vanguard.appraisal", section="vanguard",
        title=f"{p.year}年度{ctx.prefix}民主评议参考：{best} {totals[best]} 人（{fixed(100 * totals[best] / n, 1)}%），"
              f"{worst} {totals[worst]} 人",
        source=SOURCE,
        method=_method(cfg) + " 年度指数 = 全年各季度指数的平均；等级阈值：" + "、".join(
            f"{t.label}≥{t.minimum:g}" for t in cfg.vanguard.grades) + "。",
        n=f"{p.year}年有评分的党员{n:,}名",
        figures=(Figure(f"{totals[best]}", f"{best}（人）", f"占 {fixed(100 * totals[best] / n, 1)}%"),),
        chart=Chart("column", tuple(grades), (Series("人数", tuple(float(totals[g]) for g in grades), MEASURE,
                                                     tuple(GRADES[:len(grades)])),),
                    "人数", decimals=0),
        points=tuple(f"{g} {totals[g]} 人（{fixed(100 * totals[g] / n, 1)}%）" for g in grades),
        period_label=f"{p.year}年度",
        concerns=concerns,
        weight=1.3,
    )
    columns = {"branch_id": ("编号", "text"), "branch_name": ("党支部", "text"), "n": ("人数", "int")}
    columns |= {g: (g, "int") for g in grades}
    columns |= {"excellent_pct": (f"{best}比例", "pct")}
    return finding, table("vanguard_appraisal", f"{p.year}年各支部评定等级", counts, columns,
                          source=SOURCE, in_deck=False)
