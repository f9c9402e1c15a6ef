"""党建+业务: which department indicators go with 支部考核 across the branches, and which do not.

Finding: business.association (one slide; for one branch it also names the branch's quadrant).
Tables: business_association, business_quadrant (not in the deck; not for researchers). The window is the trend
window of the period (eight quarters up to its end): an association needs more than one
quarter to be worth stating. Without department data the section is left out with a note.
"""

from __future__ import annotations

from analysis import periods
from analysis.business import PARTY_MEASURES, QUADRANTS, VERDICTS, analyse
from analysis.business.reading import estimate_text
from analysis.formatting import fixed, percent
from analysis.metrics import org, overview
from analysis.palette import ATTENTION, GOOD, MUTED, NEUTRAL
from analysis.report.model import Chart, Figure, Finding, Series, table
from analysis.report.sections.common import Built, Context, source_of

# The panel joins the branch assessment with the departments' results (imported with the mapping).
SOURCE = source_of("assessment") + "、科室业绩指标"

PARTY = "assessment"  # the deck states the association with 支部考核, the committee's own yardstick
COLOURS = {"favourable": GOOD, "unfavourable": ATTENTION, "none": NEUTRAL, "cannot_tell": MUTED}
CLEAR_POINTS = 3  # clear results listed on the slide (all are in the table)
SOURCE = source_of("assessment", "business")


def build(ctx: Context) -> Built:
    """The 党建+业务 finding and tables (see the module notes)."""
    first, last = ctx.period.trend_first, ctx.period.last
    result = ctx.call(analyse, first=first, last=last, party=PARTY, cfg=ctx.cfg)
    association = result.association
    if association["n"].max() == 0:
        return [], [], ["没有可与支部考核对照的科室业绩数据（请导入“科室与支部对应”和“科室业绩指标”）。"]
    window = f"{periods.label(first)}—{periods.label(last)}"
    quadrant = result.quadrant
    if ctx.unit is not None:
        units = ctx.call(org.units)
        under = units.loc[(units["branch_id"] == ctx.unit) | (units["general_branch_id"] == ctx.unit), "branch_id"]
        quadrant = quadrant[quadrant["branch_id"].isin(set(under))]
    tables = [
        table("business_association", f"支部考核与科室业绩指标的关联（{window}）", association, {
            "indicator": ("指标", "text"), "n": ("支部数", "int"), "k": ("季度数", "int"), "rho": ("ρ", "score2"),
            "ci_low": ("95%CI下限", "score2"), "ci_high": ("95%CI上限", "score2"), "p_holm": ("Holm 校正 p", "score2"),
            "verdict_label": ("判断", "text"), "reading": ("解读", "text")}, source=SOURCE),
        table("business_quadrant", f"党建业务象限（{window}，业务综合）", quadrant, {
            "quadrant_name": ("象限", "text"), "branch_name": ("党支部", "text"), "party": ("支部考核均分", "score"),
            "party_pct": ("党建百分位", "score"), "business_pct": ("业务百分位", "score"), "suggestion": ("建议", "text")},
            source=SOURCE, in_deck=False),
    ]
    if ctx.scope.role == "researcher":
        tables.pop()  # branch rows, even pseudonymous, stay out of a researcher's meeting material
    return [_association(ctx, result, window)], tables, []


def _association(ctx: Context, result, window: str) -> Finding:
    """The indicators' ρ with 支部考核 (right = better), titled with the count of each verdict."""
    association, counts = result.association, result.counts
    unclear = counts["cannot_tell"] + counts["too_few"]
    party = PARTY_MEASURES[PARTY]
    computed = association[association["verdict"] != "too_few"]
    figures = [Figure(f"{counts['favourable']}", "明确同向的指标", f"共 {len(association)} 项；反向 {counts['unfavourable']} 项"),
               Figure(f"{result.branches}", "支部", f"{result.quarters} 个季度")]
    headline = ctx.call(overview.survey_headline)
    if headline is not None:
        shares = headline.shares.set_index("group")
        if "党员" in shares.index:
            figures.append(Figure(percent(shares.loc["党员", "pct"], 0), "党员认为党建“作用明显”", "问卷：认为，不是数据"))
    clear = association[association["verdict"].isin(["favourable", "unfavourable"])].head(CLEAR_POINTS)
    points = [f"{r['indicator']}：{VERDICTS[r['verdict']]}（{r['n']} 个支部）" for r in clear.to_dict("records")]
    details = tuple(f"{r['indicator']}：{estimate_text('association', r)}，{r['n']} 个支部"
                    for r in computed.to_dict("records"))
    points.append(f"未见明确关联 {counts['none']} 项，数据不足以判断 {unclear} 项；关联不等于因果。")
    if ctx.level == "branch":
        mine = result.quadrant[result.quadrant["branch_id"] == ctx.unit]
        if len(mine):
            row = mine.iloc[0]
            points.insert(0, f"{ctx.unit_label}位于“{row['quadrant_name']}”（党建第 {fixed(row['party_pct'], 0)} 百分位，"
                             f"业务第 {fixed(row['business_pct'], 0)} 百分位）：{QUADRANTS[row['quadrant']][1]}")
    return Finding(
        key="business.association", section="business",
        title=(f"{party}与 {len(association)} 项科室业绩指标：{counts['favourable']} 项明确同向，"
               f"{counts['unfavourable']} 项反向，{counts['none']} 项未见明确关联，{unclear} 项数据不足"),
        source=SOURCE,
        method=("各支部在统计期内的均值做 Spearman 等级相关，95% 置信区间用 Fisher z，跨指标 Holm 校正；"
                "指标按方向调整（右侧 = 业务更好）；科室指标按职工人数加权；"
                f"支部少于 {ctx.cfg.business.clear_branches} 个或区间宽于 {ctx.cfg.business.max_ci_width:g} 时判为数据不足。"
                "这是支部之间的关联，不是因果。"),
        n=f"{result.branches}个支部、{result.quarters}个季度",
        figures=tuple(figures),
        chart=Chart("bar", tuple(f"{r.indicator}（n={r.n}）" for r in computed.itertuples()),
                    (Series("ρ（右侧 = 业务更好）", tuple(float(v) for v in computed["favourable"]), NEUTRAL,
                            tuple(COLOURS[v] for v in computed["verdict"])),),
                    "Spearman ρ（已按指标方向调整）", decimals=2, value_min=-1, value_max=1),
        points=(*points, "图中蓝色：明确同向；橙色：明确反向；灰色：未见明确关联；浅灰：数据不足以判断"),
        details=details,
        period_label=window,
        # Something to bring to the meeting only when an indicator clearly goes one way or the other.
        weight=0.5 + 0.3 * min(counts["favourable"] + counts["unfavourable"], 3),
    )
