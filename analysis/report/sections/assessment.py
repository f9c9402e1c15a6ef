"""支部考核: the total-score trend, the ranking with its commended and watched branches, the
weakest indicators, and the year's cumulative ranking.

Findings: assessment.trend; assessment.ranking (not for one branch); assessment.watch;
assessment.indicators; assessment.annual (year-end periods, not for one branch). Tables:
assessment_trend, assessment_review, assessment_ranking, assessment_indicators,
assessment_annual (the watch list's table is shown on its slide only).
"""

from __future__ import annotations

import pandas as pd

from analysis import config as config_mod
from analysis import periods
from analysis.formatting import fixed, signed
from analysis.metrics import assessment
from analysis.palette import ATTENTION, GOOD, MEASURE, MUTED, NEUTRAL
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

RANKING_CHART_MAX = 20  # more branches than this: the chart shows the first 10 and the last 5
ANNUAL_CHART_ROWS = 10  # the annual ranking's chart: the first this many, the top three marked
INDICATORS_COMPARED = 8  # a unit's indicators beside the hospital's: the weakest this many
SOURCE = source_of("assessment")


def build(ctx: Context) -> Built:
    """The 支部考核 findings and tables (see the module notes); nothing without scores in the last quarter."""
    p = ctx.period
    ranking = ctx.call(assessment.branch_ranking, first=p.last, last=p.last, unit=ctx.unit)
    if ranking.empty:
        return [], [], []
    totals = ctx.call(assessment.total_trend, first=p.trend_first, last=p.last, unit=ctx.unit)
    hospital = ctx.call(assessment.total_trend, first=p.trend_first, last=p.last, unit=None)
    if ctx.level == "branch":
        trend = _branch_trend(ctx, ranking.iloc[0], hospital)
    else:
        trend = _overall_trend(ctx, totals)
    findings = [trend]
    tables = [table("assessment_trend", "支部考核总分季度分布", totals.assign(quarter=totals["quarter"].map(periods.label)), {
        "quarter": ("季度", "text"), "mean": ("平均分", "score"), "median": ("中位数", "score"), "min": ("最低", "score"),
        "max": ("最高", "score"), "n": ("支部数", "int")}, source=SOURCE)]
    review_findings, review_tables = _review(ctx, ranking)
    later_findings, later_tables = gather((_indicators(ctx), _annual(ctx)))
    return findings + review_findings + later_findings, tables + review_tables + later_tables, []


def _method(cfg: config_mod.Config) -> str:
    a = cfg.assessment
    return (f"{len(a.indicators)}项指标百分制；排名为全院范围，并列同名次；前{a.commend_top_n}名表扬；"
            f"总分低于{a.flag_below:g}分、位列后{a.flag_bottom_n}名或连续{a.flag_falling_quarters}个季度下降列为需关注。")


def _branch_trend(ctx: Context, row: pd.Series, hospital: pd.DataFrame) -> Finding:
    """One branch: its total and hospital rank, its trend against the hospital average."""
    p = ctx.period
    label = periods.label(p.last)
    n_all = int(hospital.loc[hospital["quarter"] == p.last, "n"].iloc[0])
    mine = ctx.call(assessment.branch_ranking, first=p.trend_first, last=p.last, unit=ctx.unit)
    mine = mine.set_index("quarter").reindex(hospital["quarter"]).reset_index()
    change = number(row["rank_change"])
    moved = "" if change is None else "，名次持平" if change == 0 else \
        f"，较上季度{'上升' if change > 0 else '下降'} {abs(int(change))} 名"
    series = (Series(ctx.unit_label, column_values(mine, "total"), MEASURE),
              Series("全院平均", column_values(hospital, "mean"), NEUTRAL))
    streak = int(number(row["falling_streak"]) or 0)
    concerns = ()
    if (change is not None and change <= -3) or streak >= 2:
        what = f"连续 {streak} 个季度下降" if streak >= 2 else f"名次下降 {abs(int(change))} 名"
        concerns = (Concern(f"{ctx.unit_label}考核总分{what}（现为全院第{int(row['rank'])}名）",
                            "对照失分指标逐项整改，支委会每月检查进度", 1.2 + streak / 2),)
    return Finding(
        key="assessment.trend", section="assessment",
        title=f"{label}{ctx.unit_label}考核总分 {number_text(row['total'])}，全院第{int(row['rank'])}名（共{n_all}个支部）{moved}",
        source=SOURCE, method=_method(ctx.cfg),
        n=f"全院{n_all}个支部",
        figures=(Figure(f"第{int(row['rank'])}名", "全院排名", f"总分 {number_text(row['total'])}"),),
        chart=Chart("line", quarter_axis(hospital["quarter"]), series, "考核总分",
                    value_min=axis_min([s.values for s in series])),
        points=(f"总分 {number_text(row['total'])}（百分制）", f"全院平均 {number_text(hospital['mean'].iloc[-1])}"),
        period_label=f"{periods.label(p.trend_first)}—{label}",
        concerns=concerns,
        weight=1.3 + min(abs(change or 0) / 5, 1.0),
    )


def _overall_trend(ctx: Context, totals: pd.DataFrame) -> Finding:
    """The hospital or a general branch: mean, best and worst total per quarter."""
    p = ctx.period
    label = periods.label(p.last)
    row = totals.iloc[-1]
    previous = totals[totals["quarter"] == periods.shift(p.last, -1)]
    qoq = number(row["mean"] - previous["mean"].iloc[0]) if len(previous) else None
    series = (Series("平均分", column_values(totals, "mean"), MEASURE), Series("最高", column_values(totals, "max"), NEUTRAL),
              Series("最低", column_values(totals, "min"), MUTED))
    concerns = ()
    if falling(qoq):
        concerns = (Concern(f"{ctx.prefix}支部考核平均分较上季度下降 {fixed(abs(qoq), 1)} 分（现为 {number_text(row['mean'])}）",
                            "分析失分集中的指标和支部，召开支部书记专题会部署整改", 1.0 + abs(qoq)),)
    return Finding(
        key="assessment.trend", section="assessment",
        title=f"{label}{ctx.prefix}支部考核平均分 {number_text(row['mean'])}，环比{change_text(qoq) or '无上期数据'}；"
              f"最高 {number_text(row['max'])}、最低 {number_text(row['min'])}（{int(row['n'])}个支部）",
        source=SOURCE, method=_method(ctx.cfg), n=f"{int(row['n'])}个支部",
        figures=(Figure(number_text(row["mean"]), "支部考核平均分", f"环比 {signed(qoq)} · {int(row['n'])} 个支部"),),
        chart=Chart("line", quarter_axis(totals["quarter"]), series, "考核总分（百分制）",
                    value_min=axis_min([s.values for s in series])),
        points=(f"中位数 {number_text(row['median'])}", f"最高 {number_text(row['max'])}，最低 {number_text(row['min'])}"),
        period_label=f"{periods.label(p.trend_first)}—{label}",
        concerns=concerns,
        weight=0.8 + min(abs(qoq or 0.0), 1.5),
    )


def _review(ctx: Context, ranking: pd.DataFrame) -> tuple[list[Finding], list[Table]]:
    """The quarter's review: the ranking with the commended (not for one branch), then the watch list."""
    p = ctx.period
    review = ctx.call(assessment.quarter_review, quarter=p.last, unit=ctx.unit, cfg=ctx.cfg)
    commended = review[review["commended"]].sort_values(["rank", "branch_id"])
    flagged = review[review["flagged"]].sort_values(["rank", "branch_id"], ascending=[False, True])
    findings = [] if ctx.level == "branch" else [_ranking(ctx, ranking, commended, flagged)]
    findings.append(_watch(ctx, ranking, flagged))
    tables = [
        table("assessment_review", f"表扬与需关注（{periods.label(p.last)}）", review, {
            "rank": ("名次", "int"), "branch_name": ("党支部", "text"), "general_branch_name": ("党总支", "text"),
            "total": ("总分", "score"), "rank_change": ("名次变化", "int"), "reason": ("说明", "text")},
            source=SOURCE),
        table("assessment_ranking", f"各支部考核总分与名次（{periods.label(p.last)}）", ranking, {
            "rank": ("名次", "int"), "branch_id": ("编号", "text"), "branch_name": ("党支部", "text"),
            "general_branch_name": ("党总支", "text"), "total": ("总分", "score"), "rank_change": ("名次变化", "int"),
            "falling_streak": ("连续下降季度", "int")}, source=SOURCE, in_deck=False),
    ]
    return findings, tables


def _ranking(ctx: Context, ranking: pd.DataFrame, commended: pd.DataFrame, flagged: pd.DataFrame) -> Finding:
    """Every branch by total (GOOD: commended, ATTENTION: watched), titled with the commended ones."""
    label, top_n = periods.label(ctx.period.last), ctx.cfg.assessment.commend_top_n
    ordered = ranking.sort_values(["rank", "branch_id"]).reset_index(drop=True)
    if len(ordered) > RANKING_CHART_MAX:
        shown = pd.concat([ordered.head(10), ordered.tail(5)])
        shown_note = f"图示前10名与后5名（共{len(ordered)}个支部），完整名次见附表"
    else:
        shown, shown_note = ordered, f"共{len(ordered)}个支部"
    good, bad = set(commended["branch_id"]), set(flagged["branch_id"])
    colours = tuple(GOOD if b in good else ATTENTION if b in bad else MUTED for b in shown["branch_id"])
    names = "、".join(f"{r.branch_name} {number_text(r.total)}" for r in commended.itertuples())
    watched = f"；需关注 {len(flagged)} 个" if len(flagged) else "；没有需关注的支部"
    return Finding(
        key="assessment.ranking", section="assessment",
        title=(f"{label}{ctx.prefix}考核表扬：{names}" if names else f"{label}{ctx.prefix}没有进入全院前{top_n}名的支部")
        + watched,
        source=SOURCE, method=_method(ctx.cfg),
        n=f"{len(ordered)}个支部",
        figures=(Figure(f"{len(commended)}", "表扬支部", f"前 {top_n} 名（并列同计）"),),
        chart=Chart("bar", tuple(f"{int(r.rank)}. {r.branch_name}" for r in shown.itertuples()),
                    (Series("总分", column_values(shown, "total"), MUTED, colours),), "考核总分", value_max=100),
        points=(f"蓝色：表扬；橙色：需关注；{shown_note}",) + tuple(
            f"第{int(r.rank)}名 {r.branch_name} {number_text(r.total)}" for r in commended.itertuples()),
        period_label=label,
        weight=1.3 + min(0.2 * len(flagged), 0.8),
    )


def _watch(ctx: Context, ranking: pd.DataFrame, flagged: pd.DataFrame) -> Finding:
    """The branches on the watch list and why (for one branch: whether it is on it)."""
    p = ctx.period
    label = periods.label(p.last)
    watch_table = table("assessment_watch", f"需关注支部（{label}）", flagged, {
        "branch_name": ("党支部", "text"), "general_branch_name": ("党总支", "text"), "total": ("总分", "score"),
        "rank": ("名次", "int"), "reason": ("原因", "text")}, source=SOURCE, in_deck=False)
    if ctx.level == "branch":
        title = (f"{label}{ctx.unit_label}列为需关注：{flagged['reason'].iloc[0]}" if len(flagged)
                 else f"{label}{ctx.unit_label}未列入需关注名单")
        figure = Figure("是" if len(flagged) else "否", "列为需关注", "；".join(flagged["reason"]))
    else:
        title = (f"{label}{ctx.prefix}需关注支部 {len(flagged)} 个：" + "、".join(flagged["branch_name"]) if len(flagged)
                 else f"{label}{ctx.prefix}没有需关注的支部")
        figure = Figure(f"{len(flagged)}", "需关注支部", f"共 {len(ranking)} 个支部")
    concerns = ()
    if len(flagged):
        names = "、".join(f"{r.branch_name}（{number_text(r.total)}分，{r.reason}）" for r in flagged.head(5).itertuples())
        concerns = (Concern(f"{len(flagged)}个支部列为需关注：{names}" + ("等" if len(flagged) > 5 else ""),
                            "对需关注支部开展结对帮扶和专项督导，帮助查找问题、制定整改措施，下季度复评",
                            1.5 + 0.3 * len(flagged)),)
    branch_watched = ctx.level == "branch" and len(flagged)
    return Finding(
        key="assessment.watch", section="assessment", title=title,
        source=SOURCE, method=_method(ctx.cfg), n=f"{len(ranking)}个支部",
        figures=(figure,), table=watch_table if len(flagged) else None,
        points=tuple(f"{r.branch_name}（{number_text(r.total)}分）：{r.reason}" for r in flagged.itertuples()),
        period_label=label,
        concerns=concerns,
        # The ranking's chart marks the watched branches and 存在问题 lists them: alone on a
        # slide they only matter in a branch's own deck.
        weight=1.8 if branch_watched else 0.2 + 0.1 * len(flagged),
    )


def _indicators(ctx: Context) -> Part:
    """Score rate per indicator (averaged over the unit's branches), weakest first."""
    p = ctx.period
    label = periods.label(p.last)
    indicators = ctx.call(assessment.indicator_scores, quarter=p.last, unit=ctx.unit)
    if indicators.empty:
        return None
    by = (indicators.groupby(["indicator_id", "indicator", "position"], as_index=False)
          .agg(pct=("pct", "mean"), hospital_pct=("hospital_pct", "first"), max_points=("max_points", "first"),
               score=("score", "mean"), hospital_mean=("hospital_mean", "first"), n=("branch_id", "nunique"))
          .sort_values(["pct", "position"]).reset_index(drop=True))
    # Beside the hospital's, two bars an indicator: the weakest ones only, or the slide is a thicket.
    shown = by if ctx.unit is None else by.head(INDICATORS_COMPARED)
    series = [Series(ctx.unit_label if ctx.unit else "全院", column_values(shown, "pct"), MEASURE)]
    if ctx.unit is not None:
        series.append(Series("全院", column_values(shown, "hospital_pct"), NEUTRAL))
    weakest = "、".join(f"{r.indicator} {fixed(r.pct, 1)}%" for r in by.head(3).itertuples())
    low = by.iloc[0]
    finding = Finding(
        key="assessment.indicators", section="assessment",
        title=f"{label}{ctx.prefix}得分率最低的指标：{weakest}",
        source=SOURCE,
        method=_method(ctx.cfg) + " 得分率 = 得分 ÷ 该指标满分；多个支部时取各支部得分率的平均。",
        n=f"{int(by['n'].max())}个支部、{len(by)}项指标",
        figures=(Figure(f"{fixed(low['pct'], 1)}%", "最低指标得分率", str(low["indicator"])),),
        chart=Chart("bar", tuple(shown["indicator"]), tuple(series), "得分率（%）", suffix="%", value_max=100),
        points=((f"图示得分率最低的{len(shown)}项指标（共{len(by)}项）",) if len(shown) < len(by) else ()) + tuple(
            f"{r.indicator}：{fixed(r.pct, 1)}%（满分 {r.max_points:g}，全院 {fixed(r.hospital_pct, 1)}%）" if ctx.unit else
            f"{r.indicator}：{fixed(r.pct, 1)}%（满分 {r.max_points:g}）" for r in by.head(5).itertuples()),
        period_label=label,
        concerns=(Concern(f"{ctx.prefix}考核失分集中在“{low['indicator']}”等指标（得分率 {fixed(low['pct'], 1)}%）",
                          f"针对“{low['indicator']}”等薄弱指标开展专项辅导，下季度考核前组织支部自查",
                          0.5 + max(0.0, (95 - low["pct"]) / 10)),),
        weight=0.5 + max(0.0, (95 - low["pct"]) / 10),
    )
    return finding, table("assessment_indicators", f"各指标得分率（{label}）", by, {
        "indicator": ("指标", "text"), "max_points": ("满分", "score"), "score": ("平均得分", "score2"),
        "pct": ("得分率", "pct"), "hospital_mean": ("全院平均得分", "score2"), "hospital_pct": ("全院得分率", "pct"),
        "n": ("支部数", "int")}, source=SOURCE, in_deck=False)


def _annual(ctx: Context) -> Part:
    """The year's cumulative ranking by mean quarterly total (year-end periods, not for one branch)."""
    p = ctx.period
    if not p.year_end or ctx.level == "branch":
        return None
    annual = ctx.call(assessment.annual_totals, year=p.year, unit=ctx.unit, cfg=ctx.cfg)
    if annual.empty:
        return None
    # Ranks are hospital-wide: a general branch's deck names its first N with their rank.
    top_n = ctx.cfg.assessment.commend_top_n
    top, shown = annual.head(top_n), annual.head(ANNUAL_CHART_ROWS)
    colours = tuple(GOOD if r <= top_n else MUTED for r in shown["rank"])
    if ctx.unit is None:
        head = f"{p.year}年度考核累计前{top_n}名（按季度平均分）："
        names = "、".join(f"{r.branch_name} {number_text(r.mean)}" for r in top.itertuples())
    else:
        head = f"{p.year}年度{ctx.unit_label}考核累计居前的支部（按季度平均分）："
        names = "、".join(f"{r.branch_name} {number_text(r.mean)}（全院第{int(r.rank)}）" for r in top.itertuples())
    finding = Finding(
        key="assessment.annual", section="assessment",
        title=head + names,
        source=SOURCE,
        method=_method(ctx.cfg) + " 年度名次按各季度总分的平均排列，缺季度不因总和吃亏。",
        n=f"{len(annual)}个支部",
        figures=(Figure(number_text(top["mean"].iloc[0]), "年度第一名季度平均分", str(top["branch_name"].iloc[0])),),
        chart=Chart("bar", tuple(f"{int(r.rank)}. {r.branch_name}" for r in shown.itertuples()),
                    (Series("季度平均分", column_values(shown, "mean"), MUTED, colours),), "季度平均分", value_max=100),
        points=(f"蓝色：全院年度前{top_n}名；图示前{len(shown)}名（共{len(annual)}个支部）",) + tuple(
            f"第{int(r.rank)}名 {r.branch_name}：季度平均 {number_text(r.mean)}，获季度表扬 {int(r.commended_quarters)} 次"
            for r in top.itertuples()),
        period_label=f"{p.year}年度",
        weight=1.2,
    )
    return finding, table("assessment_annual", f"{p.year}年度考核累计", annual, {
        "rank": ("年度名次", "int"), "branch_name": ("党支部", "text"), "general_branch_name": ("党总支", "text"),
        "quarters": ("考核季度数", "int"), "total": ("累计总分", "score"), "mean": ("季度平均", "score"),
        "commended_quarters": ("获季度表扬次数", "int")}, source=SOURCE, in_deck=False)
