"""问卷分析: the latest survey with a 政治面貌 grouping (a hospital-wide survey whatever the unit).

Findings: survey.effective (the share who find Party building effective, by group, compared);
survey.scale (the survey's first rating matrix); survey.ranking (its first ranking question).
Tables: survey_effective, survey_scale, survey_ranking. A survey fielded after the period is
left out with a note; so are groups too small to report (they reach the chart as gaps).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from analysis import config as config_mod
from analysis import survey as survey_stats
from analysis.formatting import p_value
from analysis.metrics import overview
from analysis.palette import MEASURE, SERIES
from analysis.report.model import Chart, Concern, Figure, Finding, Series, Table, number, table
from analysis.report.sections.common import (
    Built,
    Context,
    Part,
    column_values,
    gather,
    number_text,
    source_of,
)
from analysis.survey.reading import plain_comparison

OUTCOME = "认为作用明显"  # what the headline share counts, in a sentence
SCALE_CONCERN = 0.5  # a rated aspect this far (points) below the best one is worth a line in 存在问题

# When the survey was fielded, and its first rating matrix (with scored options) and ranking question.
SURVEY_FIELDS_SQL = """
SELECT fielded_from, fielded_to,
       (SELECT min(question_no) FROM survey_question q
        WHERE q.survey_id = s.survey_id AND q.qtype = 'matrix'
          AND EXISTS (SELECT 1 FROM survey_option o WHERE o.survey_id = q.survey_id
                      AND o.question_no = q.question_no AND o.value IS NOT NULL)) AS scale_question,
       (SELECT min(question_no) FROM survey_question q
        WHERE q.survey_id = s.survey_id AND q.qtype = 'ranking') AS ranking_question
FROM survey s WHERE survey_id = $survey
"""


@dataclass(frozen=True)
class _Survey:
    """The headline survey with what the findings say about it."""

    headline: overview.SurveyHeadline
    fielded_from: dt.date | None
    fielded_to: dt.date | None
    scale_question: int | None
    ranking_question: int | None

    @property
    def when(self) -> str:
        if self.fielded_from and self.fielded_to:
            return f"{self.fielded_from:%Y-%m-%d}—{self.fielded_to:%Y-%m-%d}"
        return "日期未记录"

    @property
    def source(self) -> str:
        """'问卷调查“党建引领科室发展调查”'."""
        return f"{source_of('survey')}“{self.headline.title}”"

    def fielded_in(self, start: dt.date, end: dt.date) -> bool:
        """Whether the survey ran (at least partly) between ``start`` and ``end``: news for this period."""
        began, ended = self.fielded_from or self.fielded_to, self.fielded_to or self.fielded_from
        return began is not None and began <= end and ended >= start


def build(ctx: Context) -> Built:
    """The 问卷分析 findings, tables and notes (see the module notes)."""
    p = ctx.period
    headline = ctx.call(overview.survey_headline, cfg=ctx.cfg)
    if headline is None:
        return [], [], ["尚未导入含“政治面貌”分组的问卷。"]
    survey = _Survey(headline, *ctx.con.execute(SURVEY_FIELDS_SQL, {"survey": headline.survey_id}).fetchone())
    started = survey.fielded_from or survey.fielded_to
    if started is not None and started > p.end:
        return [], [], [f"最近一次问卷（{headline.title}）在{p.label}之后开展，未纳入。"]
    method = _method(ctx.cfg)
    effective = _effective(ctx, survey, method)
    notes = list(headline.shares.attrs.get("hidden", {}).values())
    later_findings, later_tables = gather((_scale(ctx, survey, method), _ranking(ctx, survey)))
    return [effective, *later_findings], [_effective_table(headline), *later_tables], notes


def _method(cfg: config_mod.Config) -> str:
    return (f"选择“{'、'.join(cfg.survey.effective_options)}”的比例及 Wilson 95% 置信区间；两组比较用 χ² 检验"
            f"（期望频数小于5时用 Fisher 精确检验），效应量 Cramér's V；人数少于{cfg.survey.min_cell}的分组"
            "（及相减可推出这样一组的分组）不予报告。")


def _comparison_text(cmp: survey_stats.GroupComparison) -> str:
    """The two groups compared with the statistics, for the notes: difference, CI, test, p and
    effect size (or why not reported)."""
    if cmp.suppressed:
        return cmp.note
    test = "χ² 检验" if cmp.test == "chi2" else "Fisher 精确检验"
    return (f"相差 {number_text(cmp.diff)} 个百分点（95% CI {number_text(cmp.ci_low)}–{number_text(cmp.ci_high)}，"
            f"{test} {p_value(number(cmp.p_val))}，Cramér's V = {number_text(cmp.cramer_v, 2)}）")


def _effective(ctx: Context, survey: _Survey, method: str) -> Finding:
    """The share per group who find Party building effective, with the groups compared."""
    headline, cmp = survey.headline, survey.headline.comparison
    shares = headline.shares[headline.shares["group"] != survey_stats.TOTAL_LABEL].reset_index(drop=True)
    parts = [f"{r.group} {number_text(r.pct)}%（{number_text(r.n, 0)}人）" if number(r.pct) is not None
             else f"{r.group} 不予报告" for r in shares.itertuples()]
    where = "全院问卷，不按支部区分" if ctx.unit is not None else "全院问卷"
    return Finding(
        key="survey.effective", section="survey",
        title="、".join(parts) + "认为党建引领作用明显" + ("" if cmp.suppressed else f"，相差 {number_text(cmp.diff)} 个百分点"),
        source=survey.source,
        method=method,
        n="、".join(f"{r.group}{number_text(r.n, 0)}人" for r in shares.itertuples()),
        figures=tuple(Figure(f"{number_text(r.pct, 0)}%", f"{r.group}认为作用明显", f"{number_text(r.n, 0)} 人")
                      for r in shares.itertuples()),
        chart=Chart("column", tuple(shares["group"]), (Series("认为作用明显的比例", column_values(shares, "pct"), MEASURE,
                                                            tuple(SERIES[:len(shares)])),),
                    "比例（%）", suffix="%", value_max=100),
        points=(f"问卷：{headline.title}（{survey.when}，{where}）", f"题目：{headline.question}",
                plain_comparison(cmp, OUTCOME)),
        details=(_comparison_text(cmp),) + tuple(
            f"{r.group}：{number_text(r.pct, 2)}%，95% CI {number_text(r.ci_low)}%–{number_text(r.ci_high)}%"
            for r in shares.itertuples()),
        period_label=f"问卷开展 {survey.when}",
        # A survey fielded in this period is news for the hospital; an older one, or a unit's
        # deck (the survey is hospital-wide), background.
        weight=1.2 if survey.fielded_in(ctx.period.start, ctx.period.end) and ctx.unit is None else 0.4,
    )


def _effective_table(headline: overview.SurveyHeadline) -> Table:
    return table("survey_effective", "问卷：认为党建引领作用明显的比例", headline.shares, {
        "group": ("分组", "text"), "n": ("人数", "int"), "effective": ("作用明显", "int"), "pct": ("比例", "pct"),
        "ci_low": ("95%CI下限", "pct"), "ci_high": ("95%CI上限", "pct")}, source=source_of("survey"))


def _scale(ctx: Context, survey: _Survey, method: str) -> Part:
    """Mean rating per item of the survey's first rating matrix, lowest first."""
    if survey.scale_question is None:
        return None
    headline = survey.headline
    items = ctx.call(survey_stats.likert_items, survey_id=headline.survey_id, question_no=int(survey.scale_question))
    items = items.sort_values(["mean", "item_no"]).reset_index(drop=True)
    scale = items.attrs.get("scale") or []
    scored = items.dropna(subset=["mean"])
    if scored.empty:
        return None
    lo, hi = scored.iloc[0], scored.iloc[-1]
    span = f"{min(scale):g}–{max(scale):g}分" if scale else "量表"
    behind = (number(hi["mean"]) or 0.0) - (number(lo["mean"]) or 0.0)
    concerns = ()
    if behind >= SCALE_CONCERN and ctx.unit is None:  # a hospital-wide survey: not one unit's problem
        concerns = (Concern(f"问卷中党建对“{lo['item']}”的促进作用评分最低（{number_text(lo['mean'], 2)} 分）",
                            f"把“{lo['item']}”作为党建与业务融合的重点，支部结合科室实际确定一项改进举措",
                            0.4 + behind),)
    finding = Finding(
        key="survey.scale", section="survey",
        title=f"党建促进作用评分（{span}）：最高“{hi['item']}” {number_text(hi['mean'], 2)}，"
              f"最低“{lo['item']}” {number_text(lo['mean'], 2)}",
        source=survey.source,
        method=f"各方面评分的均值与标准差；高分比例 = 选择最高两档的比例。{method}",
        n=f"每项{int(scored['n'].min()):,}–{int(scored['n'].max()):,}人",
        figures=(Figure(number_text(lo["mean"], 2), f"最低：{lo['item']}", f"高分比例 {number_text(lo['top2_pct'])}%"),),
        chart=Chart("bar", tuple(items["item"]), (Series("均值", column_values(items, "mean"), MEASURE),), "平均分",
                    decimals=2, value_max=max(scale) if scale else None),
        points=tuple(f"{r.item}：{number_text(r.mean, 2)} 分，高分比例 {number_text(r.top2_pct)}%"
                     for r in items.head(5).itertuples()),
        details=tuple(f"{r.item}：均值 {number_text(r.mean, 2)}，标准差 {number_text(r.sd, 2)}，n={int(r.n)}"
                      for r in scored.itertuples()),
        period_label=f"问卷开展 {survey.when}",
        concerns=concerns,
        weight=0.4 + (0.4 if survey.fielded_in(ctx.period.start, ctx.period.end) else 0.0),
    )
    return finding, table("survey_scale", "问卷：党建对各方面的促进作用评分", items, {
        "item": ("方面", "text"), "n": ("人数", "int"), "mean": ("均值", "score2"), "sd": ("标准差", "score2"),
        "top2_pct": ("高分比例", "pct"), "rank": ("由低到高", "int")}, source=source_of("survey"))


def _ranking(ctx: Context, survey: _Survey) -> Part:
    """The options of the survey's first ranking question by 问卷星 composite score."""
    if survey.ranking_question is None:
        return None
    ranks = ctx.call(survey_stats.ranking_scores, survey_id=survey.headline.survey_id,
                     question_no=int(survey.ranking_question))
    if ranks.empty or not ranks.attrs.get("answered"):
        return None
    top = ranks.iloc[0]
    finding = Finding(
        key="survey.ranking", section="survey",
        title=f"最受重视的党建工作：“{top['option']}”（综合得分 {number_text(top['score'], 2)}，"
              f"平均排第 {number_text(top['mean_rank'], 1)} 位）",
        source=survey.source,
        method="综合得分 = Σ 排在第 p 位的人数 ×（选项数 − p + 1）÷ 作答人数（问卷星口径）。",
        n=f"作答{int(ranks.attrs['answered']):,}人",
        figures=(Figure(number_text(top["score"], 2), f"“{top['option']}”综合得分", ""),),
        chart=Chart("bar", tuple(ranks["option"]), (Series("综合得分", column_values(ranks, "score"), MEASURE),), "综合得分",
                    decimals=2),
        points=tuple(f"第{int(r.order)}位 {r.option}：综合得分 {number_text(r.score, 2)}" for r in ranks.itertuples()),
        period_label=f"问卷开展 {survey.when}",
        weight=0.3,
    )
    return finding, table("survey_ranking", "问卷：党建工作重要性排序", ranks, {
        "order": ("位次", "int"), "option": ("工作", "text"), "n": ("排序人数", "int"),
        "mean_rank": ("平均位次", "score2"), "score": ("综合得分", "score2")},
        source=source_of("survey"))
