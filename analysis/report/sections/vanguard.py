"""先锋指数: the index trend, the units compared, the three raters by dimension, the annual grades.

Findings: vanguard.trend; vanguard.units (not for one branch); vanguard.dimensions;
vanguard.appraisal (year-end periods). Tables: vanguard_trend, vanguard_units,
vanguard_dimensions, vanguard_appraisal.
"""

from __future__ import annotations

import pandas as pd

from analysis import config as config_mod
from analysis import periods
from analysis.formatting import signed
from analysis.metrics import vanguard
from analysis.palette import BLUE, GOLD, GREY
from analysis.palette import PARTY_RED as RED
from analysis.report.model import Chart, Figure, Finding, Series, Table, table
from analysis.report.sections.common import (
    Built,
    Context,
    Part,
    axis_min,
    change_text,
    column_values,
    gather,
    number_text,
    source_of,
)


def build(ctx: Context) -> Built:
    """The 先锋指数 findings and tables (see the module notes); nothing without scores in the last quarter."""
    p = ctx.period
    trend = ctx.call(vanguard.hospital_trend, first=p.trend_first, last=p.last, unit=ctx.unit, cfg=ctx.cfg)
    if not trend["quarter"].eq(p.last).any():
        return [], [], []
    findings, tables = gather((_trend(ctx, trend), _units(ctx), _dimensions(ctx), _appraisal(ctx)))
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
    series = [Series(ctx.unit_label if ctx.unit else "全院均值", column_values(trend, "mean"), RED)]
    if ctx.unit is not None:
        hospital = ctx.call(vanguard.hospital_trend, first=p.trend_first, last=p.last, unit=None, cfg=cfg)
        hospital = hospital.set_index("quarter").reindex(trend["quarter"]).reset_index()
        series.append(Series("全院均值", column_values(hospital, "mean"), GREY))
    finding = Finding(
        key="vanguard.trend", section="vanguard", title=title, source=source_of(vanguard.hospital_trend),
        method=_method(cfg), n=f"{periods.label(p.last)}参评党员 n={int(row['n']):,}",
        figures=(Figure(number_text(row["mean"]), "先锋指数均值",
                        f"环比 {signed(row['qoq'])} · 同比 {signed(row['yoy'])} · n={int(row['n']):,}"),),
        chart=Chart("line", tuple(trend["quarter"]), tuple(series), "先锋指数",
                    value_min=axis_min([s.values for s in series])),
        points=(f"中位数 {number_text(row['median'])}，标准差 {number_text(row['sd'], 2)}",
                f"环比{change_text(row['qoq']) or '—'}，同比{change_text(row['yoy']) or '—'}",
                f"参评党员 {int(row['n']):,} 名"),
        period_label=f"{periods.label(p.trend_first)}—{periods.label(p.last)}",
    )
    return finding, table("vanguard_trend", "先锋指数季度趋势", trend, {
        "quarter": ("季度", "text"), "mean": ("均值", "score"), "median": ("中位数", "score"), "sd": ("标准差", "score2"),
        "n": ("参评人数", "int"), "qoq": ("环比", "score"), "yoy": ("同比", "score")},
        source=source_of(vanguard.hospital_trend))


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
    finding = Finding(
        key="vanguard.units", section="vanguard",
        title=f"{periods.label(p.last)}{ctx.prefix}各{what}先锋指数：{top['unit_name']}最高 {number_text(top['mean'])}，"
              f"{low['unit_name']}最低 {number_text(low['mean'])}",
        source=source_of(vanguard.trend), method=_method(ctx.cfg),
        n=f"{len(units)}个{what}，参评党员 n={int(units['n'].sum()):,}",
        figures=(Figure(number_text(top["mean"] - low["mean"]), "最高与最低之差", f"{len(units)} 个{what}"),),
        chart=Chart("bar", tuple(units["unit_name"]), (Series("均值", column_values(units, "mean"), RED),), "先锋指数",
                    value_min=axis_min([column_values(units, "mean")])),
        points=tuple(f"{r.unit_name} {number_text(r.mean)}（环比 {signed(r.qoq)}，n={int(r.n)}）"
                     for r in units.head(3).itertuples()),
        period_label=periods.label(p.last),
    )
    return finding, table("vanguard_units", f"各{what}先锋指数（{p.last}）", units, {
        "unit_id": ("编号", "text"), "unit_name": (what, "text"), "mean": ("均值", "score"),
        "median": ("中位数", "score"), "sd": ("标准差", "score2"), "n": ("参评人数", "int"),
        "qoq": ("环比", "score"), "yoy": ("同比", "score")}, source=source_of(vanguard.trend))


def _dimensions(ctx: Context) -> Part:
    """Self, peer and organisation ratings by dimension in the last quarter, the widest self-gap first."""
    p = ctx.period
    dims = ctx.call(vanguard.dimension_breakdown, first=p.last, last=p.last, unit=ctx.unit, cfg=ctx.cfg)
    if dims.empty:
        return None
    widest = dims.loc[dims["self_gap"].idxmax()]
    raters = (("self", "个人自评", GOLD), ("peer", "党员互评", BLUE), ("org", "组织评定", RED))
    series = tuple(Series(name, column_values(dims, col), colour) for col, name, colour in raters)
    finding = Finding(
        key="vanguard.dimensions", section="vanguard",
        title=f"{periods.label(p.last)}自评与组织评定差距最大的维度是“{widest['dimension']}”，"
              f"自评高 {number_text(widest['self_gap'])} 分",
        source=source_of(vanguard.dimension_breakdown), method=_method(ctx.cfg) + " 自评差 = 自评均分 − 组织评定均分。",
        n=f"参评党员 n={int(dims['n'].max()):,}",
        figures=(Figure(number_text(widest["self_gap"]), "最大自评差（分）", str(widest["dimension"])),),
        chart=Chart("column", tuple(dims["dimension"]), series, "平均分",
                    value_min=axis_min([s.values for s in series])),
        points=tuple(f"{r.dimension}：自评 {number_text(r.self)}，互评 {number_text(r.peer)}，组织评定 {number_text(r.org)}"
                     for r in dims.itertuples()),
        period_label=periods.label(p.last),
    )
    return finding, table("vanguard_dimensions", f"先锋指数各维度三方评分（{p.last}）", dims, {
        "dimension": ("维度", "text"), "self": ("个人自评", "score"), "peer": ("党员互评", "score"),
        "org": ("组织评定", "score"), "combined": ("加权", "score"), "self_gap": ("自评差", "score"),
        "n": ("人数", "int")}, source=source_of(vanguard.dimension_breakdown))


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
    finding = Finding(
        key="vanguard.appraisal", section="vanguard",
        title=f"{p.year}年度民主评议参考：{best} {totals[best]} 人（{100 * totals[best] / n:.1f}%），"
              f"{worst} {totals[worst]} 人",
        source=source_of(vanguard.appraisal_counts),
        method=_method(cfg) + " 年度指数 = 全年各季度指数的平均；等级阈值：" + "、".join(
            f"{t.label}≥{t.minimum:g}" for t in cfg.vanguard.grades) + "。",
        n=f"{p.year}年有评分的党员 n={n:,}",
        figures=(Figure(f"{totals[best]}", f"{best}（人）", f"占 {100 * totals[best] / n:.1f}%"),),
        chart=Chart("column", tuple(grades), (Series("人数", tuple(float(totals[g]) for g in grades), RED,
                                                     (RED, BLUE, GOLD, GREY)[:len(grades)]),),
                    "人数", decimals=0),
        points=tuple(f"{g} {totals[g]} 人（{100 * totals[g] / n:.1f}%）" for g in grades),
        period_label=f"{p.year}年度",
    )
    columns = {"branch_id": ("编号", "text"), "branch_name": ("党支部", "text"), "n": ("人数", "int")}
    columns |= {g: (g, "int") for g in grades}
    columns |= {"excellent_pct": (f"{best}比例", "pct")}
    return finding, table("vanguard_appraisal", f"{p.year}年各支部评定等级", counts, columns,
                          source=source_of(vanguard.appraisal_counts), in_deck=False)
