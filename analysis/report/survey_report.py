"""问卷默认报告: every question of a survey as a chart, a table and one plain sentence, as Word
(.docx: 三线表, numbered 图/表 captions) and as one offline HTML file.

What 问卷星 gives out of the box, with the confidence intervals and tests it does not: single
choice and matrix rows show each option's share with its Wilson interval and the χ² goodness-of-
fit test against equal shares; multiple choice the share of respondents choosing each option;
scored matrix questions their items' means; ranking questions the 综合得分; free text its
keywords. Every number is that of an ``analysis.survey`` function (whole-sample results, which the
minimum reporting group never hides); the rendering reuses the Word report's page and table
conventions (:mod:`analysis.report.render.docx`).
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from html import escape as html_escape

import duckdb
import pandas as pd
import plotly.io as pio
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import RGBColor
from scipy import stats

from analysis import charts, survey
from analysis.formatting import fixed, p_value, percent
from analysis.report.model import Chart, Series, Table, table
from analysis.report.render.docx import (
    HEADING_FONT,
    IMAGE_HEIGHT,
    IMAGE_SCALE,
    IMAGE_WIDTH,
    TEXT_WIDTH,
    TITLE_FONT,
    _Document,
)
from analysis.report.render.html import CSS, html_table, plotly_js
from analysis.scope import Scope
from analysis.survey import RespondentFilter, reading

__all__ = ["QuestionPart", "SurveyReport", "survey_report", "survey_report_docx", "survey_report_html"]

SOURCE = "问卷调查"


@dataclass(frozen=True, eq=False)
class QuestionPart:
    """One question of the report: heading, sentence, table and (for choice questions) chart."""

    question_no: int
    heading: str
    sentence: str
    table: Table
    chart: Chart | None


@dataclass(frozen=True, eq=False)
class SurveyReport:
    """The default report of one survey: its title, a caption of the sample and the questions."""

    survey_id: int
    title: str
    caption: str
    parts: tuple[QuestionPart, ...]
    generated_at: dt.datetime
    filter_note: str = ""  # the respondent filter, stated under the title ("" for the whole survey)

    def file_name(self, ext: str) -> str:
        return f"问卷默认报告_{self.survey_id}{'_筛选' if self.filter_note else ''}.{ext}"


def survey_report(con: duckdb.DuckDBPyConnection, *, survey_id: int, scope: Scope,
                  respondents: RespondentFilter | None = None) -> SurveyReport:
    """Build the default report of a survey, or of the respondents a filter keeps.

    Parameters
    ----------
    con : DuckDB connection
    survey_id : int
    scope : any role (whole-sample aggregates only).
    respondents : RespondentFilter, optional
        Only these respondents (refused filters raise ``ValueError``); ``filter_note`` then
        states the filter and how many answers it keeps, under the report's title.

    Returns
    -------
    SurveyReport
        ``parts``: one :class:`QuestionPart` per question in question order (matrix questions
        without scores one per row), each with the table's numbers as the survey functions
        return them.
    """
    listed = survey.surveys(con, scope=scope).set_index("survey_id")
    if survey_id not in listed.index:
        raise ValueError(f"问卷 {survey_id} 不存在")
    about = listed.loc[survey_id]
    answered, filter_note = int(about["respondents"]), ""
    if respondents is not None and not respondents.empty:
        summary = survey.filter_summary(con, survey_id=survey_id, respondents=respondents, scope=scope)
        if summary.refusal is not None:
            raise ValueError(summary.refusal)
        answered = summary.matched
        filter_note = f"筛选条件：{summary.description}（符合条件的答卷 {summary.matched:,} 份，全部 {summary.total:,} 份）"
    qs = survey.questions(con, scope=scope, survey_id=survey_id)
    parts: list[QuestionPart] = []
    for q in qs.itertuples(index=False):
        heading = f"第{q.question_no}题　{q.text}（{q.qtype_label}）"
        if q.qtype in ("single", "multiple"):
            parts.append(_choice_part(con, scope, respondents, survey_id, q.question_no, 0, heading))
        elif q.qtype == "matrix" and q.scored:
            parts.append(_scale_part(con, scope, respondents, survey_id, q.question_no, heading))
        elif q.qtype == "matrix":
            items = survey.question_options(con, scope=scope, survey_id=survey_id, question_no=q.question_no).attrs["items"]
            parts += [_choice_part(con, scope, respondents, survey_id, q.question_no, item_no, f"{heading}·{item}")
                      for item_no, item in items]
        elif q.qtype == "ranking":
            parts.append(_ranking_part(con, scope, respondents, survey_id, q.question_no, heading))
        else:
            parts.append(_text_part(con, scope, respondents, survey_id, q.question_no, heading))
    caption = (f"答卷 {answered:,} 份，{len(qs)} 道题；百分比为有效百分比（多选题为占作答人数的比例），"
               "附 95% 置信区间（Wilson）。")
    return SurveyReport(survey_id, str(about["title"]), caption, tuple(parts), dt.datetime.now(), filter_note)


def _choice_part(con, scope: Scope, respondents: RespondentFilter | None, survey_id: int, question_no: int, item_no: int, heading: str) -> QuestionPart:
    freq = survey.frequencies(con, survey_id=survey_id, question_no=question_no, item_no=item_no, scope=scope, respondents=respondents)
    answered = freq.attrs["answered"]
    options = freq[freq["option_no"].notna()]
    share = "case_pct" if freq.attrs["qtype"] == "multiple" else "valid_pct"
    label = "占作答人数(%)" if share == "case_pct" else "有效百分比(%)"
    tbl = table(f"q{question_no}_{item_no}", heading, options,
                {"option": ("选项", "text"), "n": ("人数", "int"), share: (label, "pct"),
                 "ci_low": ("95%CI下限", "pct"), "ci_high": ("95%CI上限", "pct")}, source=SOURCE)
    chart = Chart("bar", tuple(str(o) for o in options["option"]),
                  (Series(label, tuple(float(v) if pd.notna(v) else None for v in options[share])),),
                  value_title=label, suffix="%", value_max=100)
    if answered == 0:
        return QuestionPart(question_no, heading, "本题无人作答。", tbl, chart)
    top = options.loc[options[share].idxmax()]
    sentence = (f"本题作答 {answered:,} 人；选择最多的是“{top['option']}”，{percent(top[share])}"
                f"（95% CI {fixed(top['ci_low'], 1)}%–{fixed(top['ci_high'], 1)}%）")
    if freq.attrs["qtype"] != "multiple" and len(options) >= 2:
        test = stats.chisquare(options["n"].to_numpy(dtype=float))
        verdict = "各选项的比例不均等" if test.pvalue < reading.SIGNIFICANCE else "没有证据表明各选项的比例不均等"
        sentence += (f"；拟合优度检验 χ²({len(options) - 1}) = {fixed(test.statistic, 2)}，{p_value(test.pvalue)}，"
                     f"{verdict}")
    return QuestionPart(question_no, heading, sentence + "。", tbl, chart)


def _scale_part(con, scope: Scope, respondents: RespondentFilter | None, survey_id: int, question_no: int, heading: str) -> QuestionPart:
    items = survey.likert_items(con, survey_id=survey_id, question_no=question_no, scope=scope, respondents=respondents)
    tbl = table(f"q{question_no}", heading, items,
                {"item": ("条目", "text"), "n": ("人数", "int"), "mean": ("均值", "score2"), "sd": ("标准差", "score2"),
                 "top2_pct": ("前两项比例(%)", "pct"), "rank": ("名次(1=最弱)", "int")}, source=SOURCE)
    chart = Chart("bar", tuple(str(i) for i in items["item"]),
                  (Series("均值", tuple(float(v) if pd.notna(v) else None for v in items["mean"])),),
                  value_title="均值", decimals=2, value_max=max(items.attrs["scale"]))
    weakest = items.sort_values(["rank", "item_no"]).head(3)
    sentence = (f"共 {len(items)} 个条目，作答最多 {int(items['n'].max()):,} 人；均值最低的条目："
                + "、".join(f"“{r.item}”（{fixed(r.mean, 2)}）" for r in weakest.itertuples()) + "。")
    return QuestionPart(question_no, heading, sentence, tbl, chart)


def _ranking_part(con, scope: Scope, respondents: RespondentFilter | None, survey_id: int, question_no: int, heading: str) -> QuestionPart:
    scores = survey.ranking_scores(con, survey_id=survey_id, question_no=question_no, scope=scope, respondents=respondents)
    tbl = table(f"q{question_no}", heading, scores,
                {"order": ("得分排序", "int"), "option": ("选项", "text"), "n": ("排入人数", "int"),
                 "mean_rank": ("平均名次", "score2"), "score": ("综合得分", "score2")}, source=SOURCE)
    chart = Chart("bar", tuple(str(o) for o in scores["option"]),
                  (Series("综合得分", tuple(float(v) for v in scores["score"])),), value_title="综合得分", decimals=2)
    first = scores.iloc[0] if len(scores) else None
    sentence = (f"本题作答 {scores.attrs['answered']:,} 人；综合得分最高的是“{first['option']}”（{fixed(first['score'], 2)}）。"
                if first is not None and scores.attrs["answered"] else "本题无人作答。")
    return QuestionPart(question_no, heading, sentence, tbl, chart)


def _text_part(con, scope: Scope, respondents: RespondentFilter | None, survey_id: int, question_no: int, heading: str) -> QuestionPart:
    words = survey.keywords(con, survey_id=survey_id, question_no=question_no, top=10, scope=scope, respondents=respondents)
    tbl = table(f"q{question_no}", heading, words, {"word": ("关键词", "text"), "n": ("回答数", "int")}, source=SOURCE)
    answers = words.attrs.get("answers", 0)
    sentence = (f"有效文字回答 {answers:,} 条；出现最多的关键词："
                + "、".join(f"{w}（{n}）" for w, n in zip(words["word"].head(5), words["n"].head(5))) + "。"
                if len(words) else "本题没有有效的文字回答。")
    return QuestionPart(question_no, heading, sentence, tbl, None)


# ------------------------------------------------------------------------------ Word


class _SurveyDocument(_Document):
    """The Word report's page, runs, headings and 三线表, filled with a survey's questions."""

    def __init__(self, report: SurveyReport) -> None:
        self.survey = report
        super().__init__(report)  # the page setup reads nothing of the report

    def build(self) -> None:
        report = self.survey
        charted = [p for p in report.parts if p.chart is not None]
        self.images = dict(zip((p.table.key for p in charted), charts.report_images(
            [charts.report_figure(p.chart, theme="document", height=IMAGE_HEIGHT, width=IMAGE_WIDTH) for p in charted],
            width=IMAGE_WIDTH, height=IMAGE_HEIGHT, scale=IMAGE_SCALE)))
        title = self.doc.add_paragraph()
        title.alignment = WD_ALIGN_PARAGRAPH.CENTER
        self._run(title, f"{report.title}：问卷默认报告", TITLE_FONT[0], 22, latin=TITLE_FONT[1])
        if report.filter_note:
            self.paragraph(report.filter_note)
        self.paragraph(report.caption)
        for part in report.parts:
            self.heading(3, part.heading)
            self.paragraph(part.sentence)
            if part.table.key in self.images:
                self.figures += 1
                picture = self.doc.add_paragraph()
                picture.alignment = WD_ALIGN_PARAGRAPH.CENTER
                picture.paragraph_format.keep_with_next = True
                picture.add_run().add_picture(io.BytesIO(self.images[part.table.key]), width=TEXT_WIDTH)
                caption = self.doc.add_paragraph(style="Caption")
                caption.alignment = WD_ALIGN_PARAGRAPH.CENTER
                self._run(caption, f"图{self.figures}　{part.heading}", HEADING_FONT, 10.5, colour=RGBColor(0, 0, 0))
            if len(part.table.frame):
                self.table(part.heading, part.table)
        props = self.doc.core_properties
        props.title, props.keywords = f"{report.title}：问卷默认报告", "问卷; 默认报告"


def survey_report_docx(report: SurveyReport) -> bytes:
    """The report as .docx bytes: per question a heading, the sentence, 图N and 表N (三线表).

    Parameters
    ----------
    report : SurveyReport

    Returns
    -------
    bytes
    """
    doc = _SurveyDocument(report)
    doc.build()
    buffer = io.BytesIO()
    doc.doc.save(buffer)
    return buffer.getvalue()


# ------------------------------------------------------------------------------ HTML


def survey_report_html(report: SurveyReport) -> str:
    """The report as one offline HTML document (plotly.js inline, no external URL).

    Parameters
    ----------
    report : SurveyReport

    Returns
    -------
    str
    """
    parts = []
    figure_no = table_no = 0
    for index, part in enumerate(report.parts):
        chart = ""
        if part.chart is not None:
            figure_no += 1
            fig = charts.report_figure(part.chart, theme="light", height=360)
            chart = (pio.to_html(fig, include_plotlyjs=False, full_html=False, div_id=f"chart-{index}",
                                 config={"displaylogo": False}, default_width="100%", default_height="360px")
                     + f'<p class="notes">图{figure_no}　{html_escape(part.heading)}</p>')
        body = ""
        if len(part.table.frame):
            table_no += 1
            body = f'<p class="notes">表{table_no}　{html_escape(part.heading)}</p>{html_table(part.table)}'
        parts.append(f'<section class="finding"><h3>{html_escape(part.heading)}</h3>'
                     f"<p>{html_escape(part.sentence)}</p>{chart}{body}</section>")
    note = f"<p><strong>{html_escape(report.filter_note)}</strong></p>" if report.filter_note else ""
    return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html_escape(report.title)}：问卷默认报告</title>
<style>{CSS}</style>
<script>{plotly_js()}</script>
</head>
<body>
<main>
<header class="cover"><h1>{html_escape(report.title)}：问卷默认报告</h1>{note}<p>{html_escape(report.caption)}</p></header>
{"".join(parts)}
</main>
</body>
</html>
"""
